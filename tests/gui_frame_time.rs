//! A measurement, not a check (ignored by default): how long the GUI's frames take while the
//! Batch tab runs the sample M1 on every core, against the same frames with nothing running, with
//! the model's worker threads at normal priority and at the nice value the app gives them
//! (`model::pool::set_worker_nice`, set by `app::run`). The UI thread here is the test's thread;
//! it draws a frame every 16 ms, as a 60 Hz display would ask, and each frame's wall time is
//! recorded. Run it with
//! `cargo test --test gui_frame_time -- --ignored --nocapture` (it prints a table).
#![cfg(feature = "gui")]

#[path = "common/gui.rs"]
mod gui;

use egui_kittest::kittest::Queryable;
use eqinfo::app::state::{BatchModel, Settings, Tab};
use eqinfo::method::MethodKind;
use std::time::{Duration, Instant};

/// Frame wall times in ms over `frames` frames, one every 16 ms.
fn frame_times(
    h: &mut egui_kittest::Harness<'static, eqinfo::app::App>,
    frames: usize,
) -> Vec<f64> {
    let mut out = Vec::with_capacity(frames);
    for _ in 0..frames {
        let t = Instant::now();
        h.step();
        out.push(t.elapsed().as_secs_f64() * 1e3);
        std::thread::sleep(Duration::from_millis(16));
    }
    out
}

fn summary(v: &[f64]) -> String {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
    format!(
        "p50 {:6.2} ms  p95 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms",
        q(0.5),
        q(0.95),
        q(0.99),
        q(1.0)
    )
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn frame_times_while_a_batch_uses_every_core() {
    let sample = eqinfo::model::m1::default_model_dir().expect("the sample M1");
    let dir = tempfile::tempdir().expect("tempdir");
    let text: Vec<u8> = include_bytes!("../README.md")
        .iter()
        .cycle()
        .take(200_000)
        .copied()
        .collect();
    let file = dir.path().join("big.txt");
    std::fs::write(&file, &text).expect("write the input");
    let frames = 150;
    println!(
        "frames every 16 ms, {frames} per row; cores: {}",
        eqinfo::model::thread_count(0)
    );
    for round in 0..2 {
        for nice in [0, 10] {
            eqinfo::model::pool::set_worker_nice(nice);
            let mut s = Settings {
                tab: Tab::Batch,
                threads: 0,
                ..Settings::default()
            };
            s.batch.cells = vec![(MethodKind::EqualInfo, 16)];
            s.batch.token_bits = vec![16];
            s.batch.model = BatchModel::Path;
            s.batch.model_path = sample.display().to_string();
            s.batch.prefix_words = 0;
            s.batch.kl = false;
            s.batch.free_decode = false;
            let mut h = gui::harness(s);
            h.run_steps(4);
            assert_eq!(
                h.state_mut().batch.add_paths(std::slice::from_ref(&file)),
                1
            );
            h.run_steps(4);
            let idle = frame_times(&mut h, frames);
            h.get_by_label("▶ Run batch").click();
            h.step();
            assert!(h.state().batch.batch_running(), "the run did not start");
            // Let it open the model and start stepping.
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(3) {
                h.step();
                std::thread::sleep(Duration::from_millis(16));
            }
            let busy = frame_times(&mut h, frames);
            assert!(
                h.state().batch.batch_running(),
                "the batch ended before the frames were timed: give it more text"
            );
            h.state_mut().batch.cancel();
            let t = Instant::now();
            while h.state().batch.batch_running() && t.elapsed() < Duration::from_secs(60) {
                h.step();
                std::thread::sleep(Duration::from_millis(5));
            }
            println!(
                "round {round}, worker nice {nice:>2}: idle  {}",
                summary(&idle)
            );
            println!(
                "round {round}, worker nice {nice:>2}: batch {}",
                summary(&busy)
            );
        }
    }
}
