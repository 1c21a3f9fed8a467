//! The Live tab at research scale (issue 15, section 2): an AC edit in the GUI gives what coding
//! from scratch gives, and the interval view shows a window's distributions although the
//! analysis no longer keeps them (they are computed on demand by the worker).

#[path = "common/gui.rs"]
mod gui;

use egui_kittest::kittest::Queryable;
use eqinfo::app::model_source::{LoadedModel, DEMO_TEXT};
use eqinfo::app::state::Settings;
use eqinfo::method::{encode, Config, MethodKind, RunOptions};
use gui::{harness, harness_with, settle};
use std::time::{Duration, Instant};

/// A tiny random M1 (a model with context, so AC edits resume saved lanes).
fn tiny_m1(dir: &std::path::Path) -> eqinfo::model::m1::M1 {
    let mut c = eqinfo::model::m1::Config::preset("tiny").expect("preset");
    c.max_context = 16;
    eqinfo::model::m1::train::random_model_files(&c, 9, 0.4, dir).expect("model files");
    eqinfo::model::m1::load(dir, &candle_core::Device::Cpu).expect("load")
}

#[test]
fn ac_edits_in_the_gui_equal_coding_from_scratch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = LoadedModel {
        model: Box::new(tiny_m1(dir.path())),
        name: "tiny m1".into(),
    };
    let text: String = DEMO_TEXT.chars().take(700).collect();
    let settings = Settings {
        text: Some(text.clone()),
        config: Config {
            token_bits: 8,
            ..Config::new(MethodKind::Ac)
        },
        ..Settings::default()
    };
    let mut h = harness_with(settings, model, 1400.0, 900.0);
    settle(&mut h);
    let mut bytes = text.into_bytes();
    // A letter replaced in the middle, then one typed near the start.
    for (i, edit) in [(350usize, b'Q'), (40, b'Z')].into_iter().enumerate() {
        if i == 0 {
            bytes[edit.0] = edit.1;
        } else {
            bytes.insert(edit.0, edit.1);
        }
        h.state_mut()
            .set_input(eqinfo::app::Input::from_bytes(bytes.clone(), "edited"));
        settle(&mut h);
        let a = h.state().analysis.clone().expect("analysis");
        assert_eq!(&a.text[..], &bytes[..]);
        let mut m = tiny_m1(dir.path());
        let opts = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let enc = encode(&bytes, &a.config, &mut m, &opts).expect("encode");
        assert_eq!(a.tokens, enc.tokens, "edit {i}: the GUI's tokens");
        let trace = enc.trace.expect("trace");
        for (j, want) in trace.bytes.iter().enumerate() {
            let got = a.byte(j).expect("byte");
            assert_eq!(
                (
                    got.trace.freq,
                    got.trace.cum_low,
                    got.trace.before,
                    got.trace.after
                ),
                (want.freq, want.cum_low, want.before, want.after),
                "edit {i}: byte {j}"
            );
        }
    }
}

#[test]
fn interval_view_shows_the_selected_bytes_distribution_on_demand() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let a = h.state().analysis.clone().expect("analysis");
    assert!(
        a.windows.iter().all(|w| w.rec.dists.is_empty()),
        "the analysis keeps no distributions"
    );
    let t = a.byte(0).expect("byte 0").trace.clone();
    // The slot the view computes from the distribution the worker recomputed must be the one
    // the coder used.
    let want = format!("slot [{}, {})", t.cum_low, t.cum_low + t.freq);
    let start = Instant::now();
    while h.query_by_label_contains(&want).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the interval view never showed {want}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(h
        .query_by_label_contains("computing this window's distributions")
        .is_none());
}
