//! What the kittest GUI tests share: the app on a unigram fitted on the demo text, waiting for
//! the worker, and holding the pointer still for tooltips. Included with `#[path]`; not every
//! test binary uses every helper.
#![allow(dead_code)]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::{LoadedModel, DEMO_TEXT};
use eqinfo::app::state::Settings;
use eqinfo::app::App;
use eqinfo::model::{ByteModel, ModelIdentity, Unigram};
use std::time::{Duration, Instant};

/// A unigram fitted on the demo text (fast, and every byte of the demo is likely enough).
pub fn unigram() -> LoadedModel {
    LoadedModel {
        model: Box::new(Unigram::fit(DEMO_TEXT.as_bytes())),
        name: "test unigram".into(),
    }
}

/// The app at `width` × `height` on `model`.
pub fn harness_with(
    settings: Settings,
    model: LoadedModel,
    width: f32,
    height: f32,
) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::Vec2::new(width, height))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, model))
}

/// The app at 1400 × 900 on [`unigram`].
pub fn harness(settings: Settings) -> Harness<'static, App> {
    harness_with(settings, unigram(), 1400.0, 900.0)
}

/// Steps until the worker has nothing of ours left (at most a minute), then a few more frames so
/// what arrived is drawn and layouts settle.
pub fn settle(h: &mut Harness<'static, App>) {
    let start = Instant::now();
    loop {
        h.step();
        if !h.state().is_busy() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "worker did not answer"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(4);
}

/// Keeps the pointer still long enough for tooltips (egui waits before showing them).
pub fn hold(h: &mut Harness<'static, App>) {
    for _ in 0..3 {
        h.run_steps(20);
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Steps the app until `done` holds (panics after `limit`), 10 ms apart.
pub fn step_until(
    h: &mut Harness<'static, App>,
    limit: Duration,
    mut done: impl FnMut(&Harness<'static, App>) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h) {
            return;
        }
        assert!(start.elapsed() < limit, "not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether some widget's label contains `part`.
pub fn has_label(h: &Harness<'static, App>, part: &str) -> bool {
    h.query_all_by_label_contains(part).next().is_some()
}

/// Uniform distributions, one lane at a time, a sleep of `step` every `every` model steps: a
/// model slow enough for progress and cancel to be seen.
pub struct Slow {
    dist: Vec<f32>,
    step: Duration,
    every: usize,
    steps: usize,
}

impl Slow {
    pub fn new(step: Duration, every: usize) -> Slow {
        Slow {
            dist: vec![1.0 / 256.0; 256],
            step,
            every: every.max(1),
            steps: 0,
        }
    }
}

impl ByteModel for Slow {
    fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            kind: "slow".into(),
            hash: "0".repeat(64),
            backend: "exact".into(),
        }
    }
    fn start(&mut self, _lanes: usize) -> eqinfo::Result<()> {
        Ok(())
    }
    fn reset_lane(&mut self, _lane: usize) {}
    fn dist(&self, _lane: usize) -> &[f32] {
        &self.dist
    }
    fn feed(&mut self, _bytes: &[Option<u8>]) -> eqinfo::Result<()> {
        self.steps += 1;
        if self.steps.is_multiple_of(self.every) {
            std::thread::sleep(self.step);
        }
        Ok(())
    }
    fn preferred_lanes(&self) -> usize {
        1
    }
}
