//! The segmentation lab's GUI pieces with egui_kittest: the self-contained segment row and
//! distribution widgets (`app::segments`), and the Live tab's entropy track and entropy colours.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::{LoadedModel, DEMO_TEXT};
use eqinfo::app::segments::{segment_distribution_ui, segment_row_ui, SegmentRowView};
use eqinfo::app::state::Settings;
use eqinfo::app::App;
use eqinfo::model::Unigram;
use eqinfo::segment::SegmentInfo;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::settle;

fn seg(r: std::ops::Range<usize>, bits_alone: f64) -> SegmentInfo {
    SegmentInfo {
        range: r,
        bits: bits_alone - 1.0,
        bits_alone,
        mean_entropy_nats: 1.0,
    }
}

#[test]
fn a_segment_row_shows_its_summary_and_hovered_segment() {
    let text = b"ab cdef gh".to_vec();
    // 2 + 6 + 2 bytes; the middle of the strip (byte 5) is in the second segment.
    let segments = vec![seg(0..2, 10.0), seg(2..8, 16.0), seg(8..10, 12.0)];
    let mut hovered = None;
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(900.0, 400.0))
        .build_ui(|ui| {
            let row = SegmentRowView {
                label: "SpaceByte",
                text: &text,
                segments: &segments,
            };
            segment_distribution_ui(ui, "dist", &row);
            ui.push_id("row", |ui| {
                let got = segment_row_ui(ui, &row, 0..text.len(), 24.0);
                if got.is_some() {
                    hovered = got;
                }
            });
        });
    h.run();
    // Mean 10/3 bytes, bits alone 12.67 ± 2.49 (population sd of 10, 16, 12).
    h.get_by_label_contains("SpaceByte: 3 segments · 3.33 bytes a segment · 12.67 ± 2.49 bits");
    h.get_by_label("segments of SpaceByte").hover();
    h.run();
    h.get_by_label_contains("bytes 2..8 (6 bytes): \" cdef \"");
    drop(h);
    assert_eq!(hovered, Some(1));
}

#[test]
fn the_live_tab_has_an_entropy_track_and_entropy_colours() {
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(|cc| {
            App::new_for_test(
                &cc.egui_ctx,
                Settings::default(),
                LoadedModel {
                    model: Box::new(Unigram::fit(DEMO_TEXT.as_bytes())),
                    name: "test unigram".into(),
                },
            )
        });
    settle(&mut h);
    // The track starts closed (the byte view gets the height): open it.
    h.get_by_label("entropy track").click();
    h.run_steps(3);
    // A unigram's distribution is the same at every byte, so H_t is one value: above θ every
    // byte starts a patch, below only byte 0.
    h.get_by_label_contains("entropy patches (mean");
    h.get_by_label("entropy").click();
    h.run_steps(3);
    assert_eq!(
        h.state().settings.colour_scale,
        eqinfo::app::state::ColourScale::Entropy
    );
    // The track still draws (the byte view now reads each byte's distribution).
    h.get_by_label_contains("entropy patches (mean");
}
