//! The classroom mode of the interval view (issue 16), driven headless with egui_kittest: the
//! panel keeps its height, the full partition, stepping across windows, the toy mode's
//! hand-worked bits, and the decoder view.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::{LoadedModel, DEMO_TEXT};
use eqinfo::app::state::Settings;
use eqinfo::app::App;
use eqinfo::model::{ByteModel, Uniform, Unigram};
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::settle;

fn harness_with(model: fn() -> Box<dyn ByteModel>, settings: Settings) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(move |cc| {
            let m = LoadedModel {
                model: model(),
                name: "test model".into(),
            };
            App::new_for_test(&cc.egui_ctx, settings.clone(), m)
        })
}

fn unigram() -> Box<dyn ByteModel> {
    Box::new(Unigram::fit(DEMO_TEXT.as_bytes()))
}

fn uniform() -> Box<dyn ByteModel> {
    Box::new(Uniform::default())
}

#[test]
fn interval_panel_keeps_its_height_after_changing_b() {
    let mut h = harness_with(unigram, Settings::default());
    settle(&mut h);
    let y0 = h.get_by_label("⏷ Interval view").rect().top();
    let height0 = 900.0 - y0;
    assert!(height0 >= 140.0, "panel only {height0} px high");
    for b in ["b=64", "b=128", "b=16"] {
        h.get_by_label(b).click();
        settle(&mut h);
        let y = h.get_by_label("⏷ Interval view").rect().top();
        assert!(
            (y - y0).abs() < 2.0,
            "after {b} the panel top moved from {y0} to {y}"
        );
    }
    // A method without a coder trace has one short line to show: the panel must not shrink to
    // it (and keep that size when the method comes back).
    for m in ["GZip", "EqualInfoAC"] {
        h.get_by_label("Method").click();
        h.run();
        h.get_by_label(m).click();
        settle(&mut h);
        let y = h.get_by_label("⏷ Interval view").rect().top();
        assert!(
            (y - y0).abs() < 2.0,
            "after {m} the panel top moved from {y0} to {y}"
        );
    }
}

#[test]
fn uniform_model_shows_one_slice_per_byte() {
    let mut h = harness_with(uniform, Settings::default());
    settle(&mut h);
    // Uniform: 256 slices of 1/256 of an interval at least a quarter of a ~1350 px line wide
    // (over 1.3 px each): every byte is its own slice, nothing is grouped.
    h.get_by_label_contains(
        "partition of all 256 symbols: 256 drawn as their own slice, 0 in 0 group(s)",
    );
}

#[test]
fn stepping_past_the_last_byte_moves_to_the_next_window() {
    let mut h = harness_with(unigram, Settings::default());
    settle(&mut h);
    let (n0, windows) = {
        let a = h.state().analysis.as_ref().expect("analysis");
        (a.windows[0].bytes.len(), a.windows.len())
    };
    assert!(windows > 2);
    h.get_by_label_contains(&format!("byte 1 of {n0} · window 0 of {windows}"));
    h.get_by_label("Last ⏭").click();
    h.run();
    h.get_by_label_contains(&format!("byte {n0} of {n0} · window 0 of {windows}"));
    // The window's last byte says why the window ends.
    h.get_by_label_contains("Why the window ends: The next byte");
    h.get_by_label_contains("so it opens window 1.");
    h.get_by_label("Next ▶").click();
    h.run();
    h.get_by_label_contains(&format!("byte 1 of {} · window 1 of", {
        let a = h.state().analysis.as_ref().expect("analysis");
        a.windows[1].bytes.len()
    }));
    // The arrow keys work while the editor does not have focus, across the boundary too.
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    h.get_by_label_contains(&format!("byte {n0} of {n0} · window 0 of {windows}"));
    h.key_press(egui::Key::ArrowRight);
    h.run();
    h.get_by_label_contains("· window 1 of");
}

#[test]
fn toy_mode_dyadic_lesson_gives_the_bits_on_paper() {
    // Worked by hand. p(a) = 1/2, p(b) = 1/4, p(c) = 1/4 in this order, so a = [0, 1/2),
    // b = [1/2, 3/4), c = [3/4, 1): dyadic slices, each symbol's code is fixed, a = 0,
    // b = 10, c = 11, and the coder is back on [0, 1) after each one (nothing pending, no
    // stop code). Message "bacabca", b = 8: b a c a b = 2+1+2+1+2 = 8 bits fit exactly
    // ("10 0 11 0 10"); 'c' next would make 10 > 8, so window 1 starts with it: "ca" =
    // "11 0", then 5 zeros of padding.
    let mut h = harness_with(unigram, Settings::default());
    settle(&mut h);
    h.get_by_label("Toy alphabet").click();
    h.run();
    h.get_by_label("Dyadic: bits by hand").click();
    h.run();
    h.get_by_label_contains("window 0 \"bacab\": 10011010  (8 emitted + 0 stop code + 0 padding)");
    h.get_by_label_contains("window 1 \"ca\": 11000000  (3 emitted + 0 stop code + 5 padding)");
    h.get_by_label_contains("the next symbol 'c' would need 10 bits > b = 8, so it opens window 1");
    // Third symbol: "bac" = [1/2 + 1/2·0, ...) = [19/32, 20/32), by hand as above. (The
    // panel's content scrolls: bring the button into view first.)
    for _ in 0..2 {
        h.get_by_label("Next symbol ▶").scroll_to_me();
        h.run();
        h.get_by_label("Next symbol ▶").click();
        h.run();
    }
    h.get_by_label_contains("Ideal interval (exact): [19/32 (0.59375000), 5/8 (0.62500000))");
}

#[test]
fn decoder_view_recovers_the_windows_bytes() {
    let mut h = harness_with(unigram, Settings::default());
    settle(&mut h);
    let (w0, w1) = {
        let a = h.state().analysis.as_ref().expect("analysis");
        let t =
            |w: usize| String::from_utf8_lossy(&a.text[a.windows[w].bytes.clone()]).into_owned();
        (t(0), t(1))
    };
    h.get_by_label("Decode").click();
    h.run();
    h.get_by_label("Last ⏭").click();
    h.run();
    h.get_by_label_contains(&format!("gives \"{w0}\""));
    h.get_by_label_contains(&format!("decoded: \"{w0}\""));
    h.get_by_label("Window ▶").click();
    h.run();
    h.get_by_label("Last ⏭").click();
    h.run();
    h.get_by_label_contains(&format!("gives \"{w1}\""));
}

#[test]
fn play_runs_across_windows_and_can_stop_at_each() {
    let mut h = harness_with(unigram, Settings::default());
    settle(&mut h);
    let (n0, n1, windows) = {
        let a = h.state().analysis.as_ref().expect("analysis");
        (
            a.windows[0].bytes.len(),
            a.windows[1].bytes.len(),
            a.windows.len(),
        )
    };
    h.get_by_label("Last ⏭").click();
    h.run();
    h.get_by_label_contains(&format!("byte {n0} of {n0} · window 0 of {windows}"));
    // Play at a window's end goes on with the next window.
    h.get_by_label("Play stops at each window").click();
    h.get_by_label("▶ Play").click();
    h.run_steps(2);
    h.get_by_label_contains(&format!("· window 1 of {windows}"));
    // kittest advances the clock by 0.25 s a frame and a step takes 0.6 s: 80 frames are 20 s,
    // far more than window 1's bytes need; with the option set Play pauses on its last byte.
    h.run_steps(80);
    h.get_by_label_contains(&format!("byte {n1} of {n1} · window 1 of {windows}"));
    h.get_by_label("▶ Play");
    // Without it, Play continues into the following windows.
    h.get_by_label("Play stops at each window").click();
    h.get_by_label("▶ Play").click();
    h.run_steps(80);
    assert!(
        h.query_by_label_contains(&format!("· window 1 of {windows}"))
            .is_none(),
        "Play stayed in window 1"
    );
}
