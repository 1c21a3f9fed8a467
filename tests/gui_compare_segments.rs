//! The Compare tab's segmenter rows: a row added from a preset is computed by the worker and
//! drawn on the shared byte axis under the coding rows, with the segments SpaceByte's rule
//! gives (worked by hand below); hovering a segment names its bytes and its information and
//! highlights those bytes; a bad spec is the row's error, not a panic.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use eqinfo::app::state::{Settings, Tab};
use eqinfo::method::Config;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{harness, hold, settle};

/// The test text: bytes `H0 i1 ,2 ␠3 y4 o5 u6 ␠7 ␠8 t9 h10 e11 r12 e13 .14 \n15 O16 k17`.
const TEXT: &str = "Hi, you  there.\nOk";

/// SpaceByte's segments of [`TEXT`], by hand: byte t starts a segment when byte t − 1 is
/// spacelike (not a letter or digit) and byte t − 2 is not. t = 3 (',' after 'i'), t = 8
/// (' ' after 'u'), t = 15 ('.' after 'e'); t = 4, 9 and 16 follow two spacelike bytes.
/// So "Hi," " you " " there." "\nOk".
const SPACE_SEGMENTS: [std::ops::Range<usize>; 4] = [0..3, 3..8, 8..15, 15..18];

#[test]
fn a_space_row_shows_spacebyte_segments_and_hovers_them() {
    let mut h = harness(Settings {
        tab: Tab::Compare,
        text: Some(TEXT.into()),
        compare_rows: vec![Config::equal_info(16, 16)],
        ..Settings::default()
    });
    settle(&mut h);
    assert!(h.state().segmenter_results.is_empty());
    h.get_by_label("+ space").click();
    settle(&mut h);
    assert_eq!(h.state().settings.compare_segmenters, vec!["space"]);
    let row = match h.state().segmenter_results.first() {
        Some(Ok(r)) => r.clone(),
        other => panic!("no space row: {other:?}"),
    };
    let got: Vec<_> = row.segments.iter().map(|s| s.range.clone()).collect();
    assert_eq!(got, SPACE_SEGMENTS);
    // Drawn as row 1 (after the one coding row), over exactly those bytes ("\nOk" crosses the
    // line break after '\n', so it is drawn once on each line).
    let drawn: Vec<_> = h
        .state()
        .compare_view()
        .drawn
        .iter()
        .filter(|d| d.row == 1)
        .cloned()
        .collect();
    let mut drawn_bytes: Vec<_> = drawn.iter().map(|d| d.bytes.clone()).collect();
    drawn_bytes.dedup();
    assert_eq!(drawn_bytes, SPACE_SEGMENTS);
    // Hovering " you " shows its bytes, length and information, and lights its bytes in every
    // row.
    h.hover_at(drawn[1].rect.center());
    hold(&mut h);
    h.get_by_label_contains("bytes 3..8 (5 bytes): \" you \"");
    h.get_by_label_contains("information under M1");
    assert_eq!(h.state().compare_view().hover_bytes, Some(3..8));
    // Its distribution plot is there, collapsed.
    h.get_by_label_contains("Distribution of #2 SpaceByte");

    // A bad spec typed in: that row says why; the space row stays.
    h.get_by_label("Segmenter spec").focus();
    h.step();
    h.get_by_label("Segmenter spec").type_text("fixed:n=0");
    h.run_steps(1);
    h.get_by_label("Add segmenter").click();
    settle(&mut h);
    assert_eq!(
        h.state().settings.compare_segmenters,
        vec!["space", "fixed:n=0"]
    );
    let results = &h.state().segmenter_results;
    assert!(matches!(results.first(), Some(Ok(_))));
    let err = match results.get(1) {
        Some(Err(e)) => e.clone(),
        other => panic!("the bad spec is no error: {other:?}"),
    };
    h.get_by_label_contains(&err);
}
