//! Live-edit latency of the GUI's worker path: a one-character edit in the middle of a 4 KB text,
//! analysed incrementally from the previous analysis (`analyse_quick`, what the worker answers
//! first), against a full analysis of the same text. `eqinfo bench --live` reports the same path
//! with percentiles and the time until the deferred decode checks are done.
//! The model is the shipped sample M1, or (when it is missing) a unigram fitted on the demo text
//! (printed).

use criterion::{criterion_group, criterion_main, Criterion};
use eqinfo::live::{analyse, analyse_quick};
use eqinfo::method::Config;
use eqinfo::model::open::{FitText, ModelSpec};
use std::hint::black_box;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The GUI's demo text (the bench needs no GUI).
const DEMO_TEXT: &str = include_str!("../assets/demo.txt");

fn text_4k() -> Vec<u8> {
    let mut t = Vec::with_capacity(4096);
    let mut k = 0u32;
    while t.len() < 4096 {
        t.extend_from_slice(format!("[{k}] ").as_bytes());
        t.extend_from_slice(DEMO_TEXT.as_bytes());
        k += 1;
    }
    t.truncate(4096);
    t
}

fn bench_live(c: &mut Criterion) {
    let demo: [&[u8]; 1] = [DEMO_TEXT.as_bytes()];
    let fit = FitText {
        name: "the demo text",
        parts: &demo,
    };
    let mut loaded = match ModelSpec::Sample.open("cpu", Some(fit)) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("no model for the live bench: {e}");
            return;
        }
    };
    eprintln!(
        "model: {} {}",
        loaded.name,
        loaded.note.clone().unwrap_or_default()
    );
    let cancel = AtomicBool::new(false);
    let text = Arc::new(text_4k());
    for b in [16u32, 64] {
        let cfg = Config {
            example_bytes: 0,
            ..Config::equal_info(b, 16)
        };
        c.bench_function(&format!("full_analysis_4k_b{b}"), |bench| {
            bench.iter(|| {
                let a = analyse_quick(text.clone(), &cfg, loaded.model.as_mut(), 1, None, &cancel);
                black_box(a.map(|a| a.tokens.len()).unwrap_or(0))
            })
        });
        let base = match analyse(text.clone(), &cfg, loaded.model.as_mut(), 1, None, &cancel) {
            Ok(a) => a,
            Err(e) => panic!("analysis failed: {e}"),
        };
        let mut flip = false;
        c.bench_function(&format!("edit_middle_4k_b{b}"), |bench| {
            bench.iter(|| {
                flip = !flip;
                let mut edited = (*text).clone();
                edited[2048] = if flip { b'x' } else { b'q' };
                let a = analyse_quick(
                    Arc::new(edited),
                    &cfg,
                    loaded.model.as_mut(),
                    1,
                    Some(&base),
                    &cancel,
                );
                // The incremental result must equal a full one (checked after timing).
                black_box(a.map(|a| a.tokens.len()).unwrap_or(0))
            })
        });
        // Correctness after timing: incremental == full.
        let mut edited = (*text).clone();
        edited[2048] = b'x';
        let edited = Arc::new(edited);
        let inc = analyse(
            edited.clone(),
            &cfg,
            loaded.model.as_mut(),
            1,
            Some(&base),
            &cancel,
        );
        let full = analyse(edited, &cfg, loaded.model.as_mut(), 1, None, &cancel);
        match (inc, full) {
            (Ok(i), Ok(f)) => {
                assert_eq!(
                    i.tokens, f.tokens,
                    "incremental tokens differ from a full analysis"
                );
                eprintln!(
                    "b={b}: edit re-encoded {} bytes, {} windows computed, {} reused",
                    i.stats.bytes_encoded, i.stats.windows_computed, i.stats.windows_reused
                );
            }
            _ => panic!("analysis failed"),
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_live
}
criterion_main!(benches);
