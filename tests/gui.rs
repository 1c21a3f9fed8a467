//! GUI tests with egui_kittest (no GPU, no window): the app is built with an injected unigram
//! model, driven through its accessibility tree, and the worker thread's results are waited for.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::DEMO_TEXT;
use eqinfo::app::state::{Settings, Tab};
use eqinfo::app::App;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{harness, settle};

fn summary(h: &Harness<'static, App>) -> (usize, usize, usize) {
    let a = h.state().analysis.as_ref().expect("an analysis");
    (a.len(), a.windows.len(), a.tokens.len())
}

#[test]
fn starts_with_demo_text_and_shows_a_summary() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let (bytes, windows, tokens) = summary(&h);
    assert_eq!(bytes, DEMO_TEXT.len());
    assert!(
        windows > 10 && tokens > 10,
        "{windows} windows, {tokens} tokens"
    );
    let label = format!("{bytes} bytes · {windows} windows · {tokens} tokens");
    h.get_by_label_contains(&label);
    h.get_by_label_contains("round trip verified");
    assert!(h.state().analysis_error.is_none());
}

#[test]
fn typing_changes_the_token_count() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let (bytes0, _, tokens0) = summary(&h);
    let editor = h.get_by_label("Text");
    editor.focus();
    h.step();
    h.get_by_label("Text")
        .type_text(" Zebras quixotically vex jaded wizards, 0123456789!");
    settle(&mut h);
    let (bytes1, _, tokens1) = summary(&h);
    assert!(bytes1 > bytes0, "{bytes1} <= {bytes0}");
    assert!(tokens1 > tokens0, "{tokens1} <= {tokens0}");
    h.get_by_label_contains(&format!("· {tokens1} tokens ·"));
}

#[test]
fn changing_b_changes_the_number_of_windows() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let (_, w16, _) = summary(&h);
    h.get_by_label("b=64").click();
    settle(&mut h);
    let (_, w64, _) = summary(&h);
    assert_eq!(h.state().settings.config.window_bits, 64);
    assert!(w64 * 2 < w16, "b=64 gave {w64} windows, b=16 gave {w16}");
    h.get_by_label_contains(&format!("· {w64} windows ·"));
}

#[test]
fn incremental_edit_matches_a_full_analysis() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let mut text = DEMO_TEXT.to_string();
    text.insert_str(100, "inserted words ");
    h.state_mut()
        .set_input(eqinfo::app::Input::from_text(text.clone(), "edited"));
    settle(&mut h);
    let inc = h.state().analysis.clone().expect("analysis");
    assert!(inc.stats.windows_reused > 0, "nothing was reused");
    // A fresh app analyses the same text from scratch.
    let settings = Settings {
        text: Some(text),
        ..Settings::default()
    };
    let mut h2 = harness(settings);
    settle(&mut h2);
    let full = h2.state().analysis.clone().expect("analysis");
    assert_eq!(full.stats.windows_reused, 0);
    assert_eq!(inc.tokens, full.tokens);
    let lens = |a: &eqinfo::live::Analysis| -> Vec<std::ops::Range<usize>> {
        a.windows.iter().map(|w| w.bytes.clone()).collect()
    };
    assert_eq!(lens(&inc), lens(&full));
}

#[test]
fn compare_shows_one_row_per_configuration() {
    let settings = Settings {
        tab: Tab::Compare,
        ..Settings::default()
    };
    let n = settings.compare_rows.len();
    let mut h = harness(settings);
    settle(&mut h);
    for i in 1..=n {
        h.get_by_label(&format!("Remove {i}"));
    }
    assert!(h.query_by_label(&format!("Remove {}", n + 1)).is_none());
    assert_eq!(h.state().compare_results.len(), n);
    assert!(h.state().compare_results.iter().all(Result::is_ok));
    h.get_by_label_contains("EqualInfoAC[b=128, v=65536]");
    h.get_by_label_contains("GZip[v=65536]");
    // Removing a row leaves one fewer.
    h.get_by_label("Remove 1").click();
    settle(&mut h);
    assert!(h.query_by_label(&format!("Remove {n}")).is_none());
    assert_eq!(h.state().compare_results.len(), n - 1);
}

#[test]
fn non_utf8_file_shows_hex_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("binary.bin");
    std::fs::write(&path, [b'h', b'i', 0xFF, 0xFE, b' ', 0xC3, b'!', 0x80]).expect("write");
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.state_mut().open_text_path(&path);
    settle(&mut h);
    let a = h.state().analysis.clone().expect("analysis");
    assert_eq!(a.len(), 8);
    h.get_by_label_contains("4 invalid UTF-8 bytes shown as hex cells");
    h.get_by_label_contains("not valid UTF-8");
}

#[test]
fn unreadable_model_shows_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.json");
    std::fs::write(&path, b"\x00\x01 this is not a model").expect("write");
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.state_mut().open_model_path(&path);
    settle(&mut h);
    assert!(h.state().model_error.is_some());
    h.get_by_label_contains("Model error:");
    // The old model keeps working.
    assert!(h.state().analysis.is_some());
    let missing = dir.path().join("no_such_model");
    h.state_mut().open_model_path(&missing);
    settle(&mut h);
    h.get_by_label_contains("Model error:");
}

#[test]
fn interval_view_steps_through_the_window() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let n = {
        let a = h.state().analysis.as_ref().expect("analysis");
        a.windows[0].bytes.len()
    };
    assert!(n >= 2, "first window holds {n} bytes");
    h.get_by_label_contains(&format!("byte 1 of {n}"));
    h.get_by_label("Next ▶").click();
    h.run();
    h.get_by_label_contains(&format!("byte 2 of {n}"));
    h.get_by_label("Window ▶").click();
    h.run();
    h.get_by_label_contains("Window 1 ");
}

/// Leaving the Compare tab stops its job at once (the live view shares the worker), and coming
/// back recomputes the rows.
#[test]
fn leaving_compare_cancels_its_rows_and_returning_redoes_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long.txt");
    // Long enough that seven Compare rows take a while in a debug build.
    let text: String = DEMO_TEXT.repeat(80);
    std::fs::write(&path, &text).expect("write");
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.state_mut().open_text_path(&path);
    settle(&mut h);
    assert_eq!(
        h.state().analysis.as_ref().map(|a| a.len()),
        Some(text.len())
    );
    h.get_by_label("Compare").click();
    h.run_steps(2);
    assert!(h.state().is_busy(), "the Compare rows were requested");
    h.get_by_label("Live").click();
    h.run_steps(2);
    assert!(
        !h.state().is_busy(),
        "leaving Compare must drop its pending job"
    );
    h.get_by_label("Compare").click();
    settle(&mut h);
    let n = h.state().settings.compare_rows.len();
    assert_eq!(h.state().compare_results.len(), n);
    assert!(h.state().compare_results.iter().all(Result::is_ok));
}
