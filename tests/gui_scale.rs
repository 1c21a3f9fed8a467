//! GUI at scale (issue 15, section 2): a long analysis shows its progress with the time left and
//! a Cancel button, and Cancel stops it. The app gets a deliberately slow model (every batched
//! model step sleeps), so the analysis of a 20 KB text takes about a minute unless cancelled.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::LoadedModel;
use eqinfo::app::state::{Settings, Tab};
use eqinfo::app::App;
use std::time::{Duration, Instant};

#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{has_label, step_until, Slow};

fn slow_app(settings: Settings) -> Harness<'static, App> {
    app_with_step(settings, Duration::from_millis(3), 1)
}

fn app_with_step(settings: Settings, step: Duration, every: usize) -> Harness<'static, App> {
    let model = LoadedModel {
        model: Box::new(Slow::new(step, every)),
        name: "slow test model".into(),
    };
    Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, model))
}

fn long_text() -> String {
    "The quick brown fox jumps over the lazy dog. ".repeat(450)
}

#[test]
fn a_long_analysis_shows_progress_and_cancel_stops_it() {
    let settings = Settings {
        text: Some(long_text()),
        ..Settings::default()
    };
    let mut h = slow_app(settings);
    // Encoding: a percentage and, once some bytes are done, the time left.
    step_until(&mut h, Duration::from_secs(30), |h| {
        has_label(h, "encoding") && has_label(h, "% · about")
    });
    assert!(h.state().is_busy());
    assert!(
        h.state().analysis.is_none(),
        "the slow analysis cannot be done yet"
    );
    h.get_by_label("Cancel").click();
    let cancelled_at = Instant::now();
    // The worker stops within a model step or so: the app is idle and says so. Without a working
    // Cancel the analysis would run for about a minute.
    step_until(&mut h, Duration::from_secs(15), |h| !h.state().is_busy());
    h.run_steps(3);
    assert!(h.state().analysis_cancelled);
    assert!(has_label(&h, "cancelled"), "no cancelled note");
    assert!(h.query_by_label("Cancel").is_none(), "Cancel still offered");
    assert!(h.state().analysis.is_none());
    assert!(cancelled_at.elapsed() < Duration::from_secs(15));
    // An edit starts a new analysis (with its progress again).
    h.state_mut()
        .set_input(eqinfo::app::Input::from_text("short".into(), "edited"));
    assert!(!h.state().analysis_cancelled);
    step_until(&mut h, Duration::from_secs(30), |h| {
        h.state().analysis.is_some()
    });
    assert_eq!(h.state().analysis.as_ref().map(|a| a.len()), Some(5));
}

#[test]
fn compare_rows_show_progress_and_cancel_stops_them() {
    let settings = Settings {
        text: Some(long_text()),
        ..Settings::default()
    };
    let mut h = slow_app(settings);
    // The live analysis goes first on the worker: cancel it, then open Compare.
    step_until(&mut h, Duration::from_secs(30), |h| {
        has_label(h, "encoding")
    });
    // Here the Cancel only clears the way for Compare (the Live test above checks it): click
    // it again should a re-layout have moved it under the pointer's click.
    let start = Instant::now();
    while h.state().is_busy() {
        if let Some(b) = h.query_by_label("Cancel") {
            b.click();
        }
        h.step();
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the analysis did not stop"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    h.state_mut().settings.tab = Tab::Compare;
    step_until(&mut h, Duration::from_secs(30), |h| {
        has_label(h, "row 1 of") && has_label(h, "% · ")
    });
    assert!(h.state().is_busy());
    h.get_by_label("Cancel rows").click();
    step_until(&mut h, Duration::from_secs(15), |h| !h.state().is_busy());
    h.run_steps(3);
    assert!(h.state().compare_cancelled);
    assert!(has_label(&h, "cancelled"), "no cancelled note");
    assert!(h.query_by_label("Cancel rows").is_none());
}

/// A long text shows its first examples (where the view is) before the rest is encoded, and
/// says so; the summary then covers the whole text.
#[test]
fn a_long_text_shows_its_first_examples_first() {
    let text = "Sphinx of black quartz, judge my vow. ".repeat(1300); // 49,400 bytes
    let settings = Settings {
        text: Some(text.clone()),
        ..Settings::default()
    };
    // About 60 µs a byte: the rest of the text takes seconds after the first example.
    let mut h = app_with_step(settings, Duration::from_millis(2), 32);
    step_until(&mut h, Duration::from_secs(60), |h| {
        h.state().analysis.is_some()
    });
    let a = h.state().analysis.clone().expect("analysis");
    assert!(a.is_partial(), "the whole text came first");
    assert_eq!(a.full_len, text.len());
    assert_eq!(a.len(), 10_240, "the first example");
    assert_eq!(&a.text[..], &text.as_bytes()[..a.len()]);
    h.run_steps(2);
    assert!(has_label(
        &h,
        &format!("the first 10240 of {} bytes", text.len())
    ));
    // Then the whole text, reusing the first example's windows.
    step_until(&mut h, Duration::from_secs(120), |h| {
        h.state().analysis.as_ref().is_some_and(|a| !a.is_partial())
    });
    let full = h.state().analysis.clone().expect("analysis");
    assert_eq!(full.len(), text.len());
    assert!(
        full.stats.windows_reused >= a.windows.len(),
        "the first example was re-encoded"
    );
    let first: Vec<_> = a.windows.iter().map(|w| w.bytes.clone()).collect();
    let again: Vec<_> = full.windows[..first.len()]
        .iter()
        .map(|w| w.bytes.clone())
        .collect();
    assert_eq!(first, again);
    h.get_by_label("Cancel").click();
    step_until(&mut h, Duration::from_secs(15), |h| !h.state().is_busy());
}
