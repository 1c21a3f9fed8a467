//! The GUI's CPU-threads setting reaches the model the Live tab's worker steps (at start-up and
//! when the setting changes), 0 meaning every core.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::LoadedModel;
use eqinfo::app::state::Settings;
use eqinfo::app::App;
use eqinfo::error::Result;
use eqinfo::model::{ByteModel, ModelIdentity, Uniform};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The uniform model, remembering the last thread count it was given.
struct Recording {
    inner: Uniform,
    threads: Arc<AtomicUsize>,
}

impl ByteModel for Recording {
    fn identity(&self) -> ModelIdentity {
        self.inner.identity()
    }
    fn start(&mut self, lanes: usize) -> Result<()> {
        self.inner.start(lanes)
    }
    fn reset_lane(&mut self, lane: usize) {
        self.inner.reset_lane(lane)
    }
    fn dist(&self, lane: usize) -> &[f32] {
        self.inner.dist(lane)
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> Result<()> {
        self.inner.feed(bytes)
    }
    fn set_threads(&mut self, threads: usize) {
        self.threads.store(threads, Ordering::SeqCst);
    }
}

fn wait_for(h: &mut Harness<'static, App>, threads: &AtomicUsize, want: usize) {
    let start = Instant::now();
    while threads.load(Ordering::SeqCst) != want {
        h.step();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the model got {} threads, not {want}",
            threads.load(Ordering::SeqCst)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_threads_setting_reaches_the_worker_model() {
    let threads = Arc::new(AtomicUsize::new(usize::MAX));
    let model = LoadedModel {
        model: Box::new(Recording {
            inner: Uniform::default(),
            threads: threads.clone(),
        }),
        name: "recording uniform".into(),
    };
    let settings = Settings {
        threads: 3,
        ..Settings::default()
    };
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 900.0))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, model));
    wait_for(&mut h, &threads, 3);
    // Editing the field sends the new count to the worker.
    h.get_by_label("CPU threads").click();
    h.run_steps(3);
    h.get_by_label("CPU threads").type_text("2");
    h.run_steps(3);
    h.key_press(egui::Key::Enter);
    h.run_steps(3);
    wait_for(&mut h, &threads, 2);
}

#[test]
fn zero_threads_means_every_core() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(eqinfo::model::thread_count(0), cores);
    assert_eq!(eqinfo::model::thread_count(5), 5);
}
