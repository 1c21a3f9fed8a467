//! The Live tab's layout and state across re-analyses: a failed setting leaves the old result
//! dimmed and marked stale, the selection follows its byte when b changes, the status line
//! keeps its height while analysing, the byte view follows typing at the end and a new file
//! starts at the top, the model-error banner can be dismissed, and the interval view's table of
//! exact values fits the window.
#![cfg(feature = "gui")]

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use eqinfo::app::live::{self, LiveState, LiveView};
use eqinfo::app::model_source::DEMO_TEXT;
use eqinfo::app::state::Settings;
use eqinfo::app::worker::WorkProgress;
use eqinfo::app::App;
use eqinfo::method::Config;
use std::time::Instant;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{settle, unigram};

const WIDTH: f32 = 1400.0;

fn harness(settings: Settings) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::Vec2::new(WIDTH, 900.0))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, unigram()))
}

fn with_b(b: u32) -> Config {
    Config {
        window_bits: b,
        ..Config::default()
    }
}

/// b = 8 cannot hold every byte alone (the unigram gives unseen bytes far more than 8 bits):
/// the analysis fails, and the result of b = 16 stays, marked stale with the error, and dimmed.
/// A working b clears the marking.
#[test]
fn a_failed_setting_marks_the_old_result_stale() {
    let mut h = harness(Settings {
        config: with_b(16),
        ..Settings::default()
    });
    settle(&mut h);
    assert!(!h.state().live_state().stale);
    assert!(h.query_by_label_contains("Stale").is_none());
    h.state_mut().set_config(with_b(8));
    settle(&mut h);
    let err = h.state().analysis_error.clone().expect("b = 8 fails");
    assert!(err.contains("cannot hold byte"), "{err}");
    assert_eq!(
        h.state().analysis.as_ref().map(|a| a.config.window_bits),
        Some(16),
        "the old result is kept"
    );
    assert!(h.state().live_state().stale);
    let banner = h.get_by_label_contains("Stale (dimmed)");
    // A label's text is its accesskit value.
    let node = banner.accesskit_node();
    let text = node.value().or(node.label()).unwrap_or_default();
    assert!(text.contains("b=16"), "names the result's settings: {text}");
    assert!(text.contains("cannot hold byte"), "names the error: {text}");
    h.state_mut().set_config(with_b(32));
    settle(&mut h);
    assert!(!h.state().live_state().stale);
    assert!(h.state().analysis_error.is_none());
    assert!(h.query_by_label_contains("Stale").is_none());
}

/// The selection is a byte: step to a byte of window 5 or later, change b to 64 (other windows),
/// and the new selection is the window of the new result that holds the same byte, at it.
#[test]
fn the_selection_keeps_its_byte_when_b_changes() {
    let mut h = harness(Settings {
        config: with_b(16),
        ..Settings::default()
    });
    settle(&mut h);
    for _ in 0..5 {
        h.get_by_label("Window ▶").click();
        h.run_steps(2);
    }
    for _ in 0..2 {
        h.get_by_label("Next ▶").click();
        h.run_steps(2);
    }
    let (w, step) = {
        let s = &h.state().live_state().interval;
        (s.window, s.step)
    };
    assert!(w >= 5, "{w}");
    let old = h.state().analysis.clone().expect("analysis");
    let byte = old.windows[w].bytes.start + step;
    assert!(old.windows[w].bytes.contains(&byte));
    h.get_by_label("b=64").click();
    settle(&mut h);
    let new = h.state().analysis.clone().expect("analysis");
    assert_eq!(new.config.window_bits, 64);
    let s = h.state().live_state().interval.clone();
    // Independently: the b = 64 window that holds the byte, by a scan of the windows.
    let want = new
        .windows
        .iter()
        .position(|win| win.bytes.contains(&byte))
        .expect("a window holds the byte");
    assert!(
        want < w,
        "b = 64 puts byte {byte} in an earlier window ({want})"
    );
    assert_eq!(s.window, want);
    assert_eq!(new.windows[s.window].bytes.start + s.step, byte);
    h.get_by_label_contains(&format!("Window {want} "));
}

/// The Live tab's byte view starts at the same height busy or not, at every width: the
/// progress line (spinner, bar, Cancel) keeps its height when work starts and ends, and the
/// summary has its own space, so the view below never jumps. Drawn by the tab's own `live_ui`
/// with a real analysis.
#[test]
fn the_byte_view_does_not_move_when_analysing_starts() {
    let mut app = harness(Settings::default());
    settle(&mut app);
    let analysis = app.state().analysis.clone().expect("analysis");
    let input = app.state().input.clone();
    let settings = Settings::default();
    let top = |width: f32, busy: bool| -> f32 {
        let mut st = LiveState::default();
        let mut input = input.clone();
        let a = analysis.clone();
        let s = settings.clone();
        let seen = std::rc::Rc::new(std::cell::Cell::new(-1.0f32));
        let out = seen.clone();
        let mut h = Harness::builder()
            .with_size(egui::Vec2::new(width, 900.0))
            .build_ui(move |ui| {
                // Busy: the progress line with its Cancel button, as the worker reports it.
                let progress = busy.then(|| WorkProgress {
                    phase: "encoding".into(),
                    done: 1000,
                    total: 4000,
                    since: Some(Instant::now()),
                });
                let view = LiveView {
                    analysis: Some(&a),
                    error: None,
                    busy,
                    progress,
                    cancelled: false,
                    settings: &s,
                };
                let mut cmds = Vec::new();
                live::live_ui(ui, &mut st, &mut input, &view, &mut cmds);
                out.set(st.drawn.view_top);
            });
        h.run_steps(3);
        drop(h);
        seen.get()
    };
    for width in (500..=1400).step_by(100) {
        let w = width as f32;
        let (idle, busy) = (top(w, false), top(w, true));
        assert!(idle > 0.0, "width {w}: no byte view");
        assert_eq!(idle, busy, "width {w}: the byte view moved");
    }
}

/// The byte view stays where it is across an edit and its re-analysis.
#[test]
fn the_byte_view_stays_put_across_an_edit() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let top = h.state().live_state().drawn.view_top;
    assert!(top > 0.0);
    h.get_by_label("Text").focus();
    h.step();
    h.get_by_label("Text").type_text("xy");
    for _ in 0..3 {
        h.step();
        assert_eq!(h.state().live_state().drawn.view_top, top, "moved");
    }
    settle(&mut h);
    assert_eq!(h.state().live_state().drawn.view_top, top, "moved after");
}

/// Typing at the end of a text longer than the view scrolls the byte view to the typed byte;
/// a newly opened text starts at its top.
#[test]
fn the_byte_view_follows_typing_and_a_new_file_starts_at_the_top() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = dir.path().join("long.txt");
    let text = DEMO_TEXT.repeat(4);
    std::fs::write(&long, &text).expect("write");
    let other = dir.path().join("other.txt");
    std::fs::write(&other, DEMO_TEXT.repeat(3)).expect("write");
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.state_mut().open_text_path(&long);
    settle(&mut h);
    let shown = h.state().live_state().drawn.shown_bytes.clone();
    assert_eq!(shown.start, 0);
    assert!(shown.end < text.len(), "the text is longer than the view");
    h.get_by_label("Text").focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::End);
    h.step();
    h.get_by_label("Text").type_text("Z");
    settle(&mut h);
    let a = h.state().analysis.clone().expect("analysis");
    assert_eq!(a.len(), text.len() + 1);
    assert_eq!(a.text.last(), Some(&b'Z'), "typed at the end");
    let shown = h.state().live_state().drawn.shown_bytes.clone();
    assert!(
        shown.contains(&text.len()),
        "the typed byte {} is in view: {shown:?}",
        text.len()
    );
    h.state_mut().open_text_path(&other);
    settle(&mut h);
    let shown = h.state().live_state().drawn.shown_bytes.clone();
    assert_eq!(shown.start, 0, "a new file starts at the top: {shown:?}");
}

/// The model-error banner has a dismiss button; a new error shows it again.
#[test]
fn the_model_error_can_be_dismissed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("model.json");
    std::fs::write(&bad, b"not a model").expect("write");
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.state_mut().open_model_path(&bad);
    settle(&mut h);
    h.get_by_label_contains("Model error:");
    h.get_by_label("Dismiss model error").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("Model error:").is_none());
    assert!(h.state().model_error.is_none());
    h.state_mut().open_model_path(&dir.path().join("missing"));
    settle(&mut h);
    h.get_by_label_contains("Model error:");
}

/// The interval view's exact values (the coder's registers in bits) fit inside the window.
#[test]
fn the_exact_values_table_fits() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    h.get_by_label("after");
    let is_bits = |l: &str| {
        l.len() >= 35 && l.chars().all(|c| c == '0' || c == '1' || c == ' ') && l.contains(' ')
    };
    let regs: Vec<egui::Rect> = h
        .query_all_by(|n| n.value().or(n.label()).is_some_and(|l| is_bits(&l)))
        .map(|n| n.rect())
        .collect();
    assert_eq!(regs.len(), 4, "low and high, before and after");
    for r in regs {
        assert!(r.right() <= WIDTH, "clipped: {r:?}");
        // One line each (10-point type): a register's bits are never wrapped.
        assert!(r.height() < 16.0, "wrapped: {r:?}");
    }
}
