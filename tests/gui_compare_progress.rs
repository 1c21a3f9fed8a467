//! Compare at scale (issue 15): a row of a model method on a long text shows its own progress
//! (bytes coded of the row, the time left), fills in on the axis as its examples are coded (the
//! examples in view first), and Cancel rows stops it, leaving what was coded on show. The app
//! gets a slowed-down uniform model, so a row of 20 KB takes seconds.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::compare::RowSlot;
use eqinfo::app::model_source::LoadedModel;
use eqinfo::app::state::{Settings, Tab};
use eqinfo::app::App;
use eqinfo::method::{Config, MethodKind};
use std::time::{Duration, Instant};

#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{has_label, step_until, Slow};

/// Four examples of 10,240 bytes: an AC row and a Bytes row.
#[test]
fn a_long_row_shows_its_progress_fills_in_and_cancel_stops_it() {
    let text = "The quick brown fox jumps over the lazy dog. ".repeat(900); // 40,500 bytes
    let len = text.len();
    let ac = Config {
        token_bits: 16,
        ..Config::new(MethodKind::Ac)
    };
    let settings = Settings {
        text: Some(text),
        tab: Tab::Compare,
        // The Live analysis (first on the worker) is quick: Bytes needs no model.
        config: Config::new(MethodKind::Bytes),
        compare_rows: vec![ac.clone(), Config::new(MethodKind::Bytes)],
        ..Settings::default()
    };
    let model = LoadedModel {
        model: Box::new(Slow::new(Duration::from_millis(1), 4)),
        name: "slow test model".into(),
    };
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, model));
    // The row's own progress: "row 1: 12% · 5000 of 40500 bytes · about 9 s left".
    step_until(&mut h, Duration::from_secs(60), |h| {
        has_label(h, "row 1: ") && has_label(h, &format!(" of {len} bytes · about"))
    });
    // The example in view (the first) comes first and is drawn before the row is done.
    step_until(&mut h, Duration::from_secs(60), |h| {
        matches!(h.state().compare_live.first(), Some(RowSlot::Partial(_)))
    });
    h.run_steps(2);
    assert!(
        h.state().is_busy(),
        "a slow row of 40 KB cannot be done yet"
    );
    let RowSlot::Partial(p) = &h.state().compare_live[0] else {
        panic!("row 1 is coded in part");
    };
    assert_eq!(
        p.coded_ranges(),
        vec![0..10_240],
        "the example in view first"
    );
    let drawn_row0 = |h: &Harness<'static, App>| {
        h.state()
            .compare_view()
            .drawn
            .iter()
            .filter(|d| d.row == 0)
            .count()
    };
    assert!(drawn_row0(&h) > 10, "the coded part of row 1 is drawn");
    // The Bytes row (coded in one go, fast) follows the examples in view, before the rest.
    step_until(&mut h, Duration::from_secs(30), |h| {
        matches!(h.state().compare_live.get(1), Some(RowSlot::Done(Ok(_))))
    });
    assert!(h.state().is_busy());
    h.get_by_label("Cancel rows").click();
    let cancelled_at = Instant::now();
    step_until(&mut h, Duration::from_secs(15), |h| !h.state().is_busy());
    assert!(cancelled_at.elapsed() < Duration::from_secs(10));
    h.run_steps(3);
    assert!(h.state().compare_cancelled);
    assert!(has_label(&h, "cancelled"));
    assert!(h.query_by_label("Cancel rows").is_none());
    // What was coded stays on show, said to be part of the row.
    let Some(RowSlot::Partial(p)) = h.state().compare_live.first() else {
        panic!("row 1 stays coded in part");
    };
    assert!(!p.is_complete());
    assert!(drawn_row0(&h) > 10);
    assert!(has_label(&h, "row 1: "));
}
