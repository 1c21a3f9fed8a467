//! The M2 learnability probe: M2 learns a deterministic token pattern to near-zero loss, stays
//! at log2(v) bits/token on uniform random tokens, the bits/byte conversion and the unigram bound
//! on hand-worked numbers, re-cutting one encoding into another token size, and the end-to-end
//! runner's progress, cancel and determinism on a tiny budget.

use eqinfo::method::{encode, Config, MethodKind, RunOptions};
use eqinfo::model::Unigram;
use eqinfo::probe::{
    bits_per_byte, default_configs, example_tokens, preset, run_probe, train_m2,
    unigram_cross_entropy_bits, Budget, Hooks, M2Shape, Phase, ProbeOptions, ProbeProgress,
};
use eqinfo::rng::SplitMix64;
use eqinfo::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

fn tiny_shape() -> M2Shape {
    M2Shape {
        d_model: 32,
        n_layers: 1,
        n_heads: 2,
        head_dim: 16,
        d_mlp: 64,
        large_vocab_embed_dim: 8,
    }
}

fn budget(steps: usize, seq_len: usize, lr: f64) -> Budget {
    Budget {
        steps,
        batch: 8,
        seq_len,
        lr,
        min_lr_frac: 0.1,
        warmup: 10,
        weight_decay: 0.0,
        clip: 1.0,
        seed: 7,
    }
}

#[test]
fn a_deterministic_pattern_is_learned_to_near_zero_loss() {
    // Period 7 over a vocabulary of 16: after a 1 comes 4 or 5 depending on the token before it,
    // so M2 needs two tokens of context. Every sequence is one segment starting at phase 0.
    const PATTERN: [u32; 7] = [3, 1, 4, 1, 5, 9, 2];
    let seq: Vec<u32> = (0..28).map(|i| PATTERN[i % 7]).collect();
    let train = vec![seq.clone(); 16];
    let heldout = vec![seq; 4];
    let mut last = f64::NAN;
    let out = train_m2(
        &train,
        &heldout,
        16,
        &tiny_shape(),
        &budget(150, 28, 1e-2),
        &candle_core::Device::Cpu,
        &mut |_, l| last = l,
        None,
    )
    .unwrap();
    assert_eq!(out.train_curve.len(), 150);
    assert_eq!(out.heldout_tokens, 4 * 28);
    // It starts at about log2(16) = 4 bits/token and must end near zero.
    assert!(
        out.train_curve[0] > 3.0,
        "first loss {}",
        out.train_curve[0]
    );
    assert!(last < 0.1, "final training loss {last} bits/token");
    let bits = out.heldout_bits_per_token();
    assert!(
        bits < 0.1,
        "held-out {bits} bits/token on a deterministic pattern"
    );
}

#[test]
fn uniform_random_tokens_stay_at_log2_v() {
    // v = 64: nothing to learn, so held-out loss must stay within a small tolerance of 6 bits.
    let mut rng = SplitMix64::new(11);
    let mut seqs = |n: usize| -> Vec<Vec<u32>> {
        (0..n)
            .map(|_| (0..32).map(|_| rng.below(64) as u32).collect())
            .collect()
    };
    let train = seqs(256);
    let heldout = seqs(32);
    let out = train_m2(
        &train,
        &heldout,
        64,
        &tiny_shape(),
        &budget(60, 32, 3e-3),
        &candle_core::Device::Cpu,
        &mut |_, _| {},
        None,
    )
    .unwrap();
    let bits = out.heldout_bits_per_token();
    assert!(
        (bits - 6.0).abs() < 0.15,
        "uniform random tokens: {bits} bits/token, expected about 6"
    );
    // The unigram bound of the same streams sits at log2(v) too (slightly above: smoothing and
    // sampling noise; 8,192 training tokens over 64 ids).
    let flat = |s: &[Vec<u32>]| s.iter().flatten().copied().collect::<Vec<u32>>();
    let uni = unigram_cross_entropy_bits(&flat(&train), &flat(&heldout), 64, 0.5).unwrap();
    assert!((uni - 6.0).abs() < 0.1, "unigram {uni}");
}

#[test]
fn bits_per_byte_and_unigram_bound_by_hand() {
    // 300 tokens standing for 1,000 bytes, mean NLL 2 ln 2 nats = 2 bits per token:
    // (300 / 1000) × 2 = 0.6 bits/byte.
    let bpb = bits_per_byte(300, 1000, 2.0 * std::f64::consts::LN_2);
    assert!((bpb - 0.6).abs() < 1e-12, "{bpb}");
    // 8 bits/token (uniform over 256) on Bytes (1 byte per token) is 8 bits/byte.
    assert!((bits_per_byte(50, 50, 8.0 * std::f64::consts::LN_2) - 8.0).abs() < 1e-12);
    assert_eq!(bits_per_byte(10, 0, 1.0), 0.0);

    // Unigram over v = 4 fitted on [0, 0, 1, 1] with α = 0.5: denominator 4 + 0.5 × 4 = 6,
    // p(0) = 2.5/6, p(2) = 0.5/6. Held-out [0, 2]:
    // (log2(6/2.5) + log2(6/0.5)) / 2 = (1.263034 + 3.584963) / 2 = 2.423998 bits/token.
    let ce = unigram_cross_entropy_bits(&[0, 0, 1, 1], &[0, 2], 4, 0.5).unwrap();
    assert!((ce - 2.423998).abs() < 1e-5, "{ce}");
    // An id outside the vocabulary is an error, not a panic.
    assert!(unigram_cross_entropy_bits(&[0, 7], &[0], 4, 0.5).is_err());
}

#[test]
fn recutting_an_encoding_matches_encoding_with_that_token_size() {
    let text: Vec<u8> = b"the quick brown fox jumps over the lazy dog; "
        .iter()
        .cycle()
        .take(3000)
        .copied()
        .collect();
    for method in [MethodKind::Ac, MethodKind::EqualInfo, MethodKind::StaticAc] {
        let cfg = |bits| Config {
            token_bits: bits,
            example_bytes: 700,
            ..Config::new(method)
        };
        let mut m = Unigram::fit(&text);
        let e16 = encode(&text, &cfg(16), &mut m, &RunOptions::default()).unwrap();
        let e8 = encode(&text, &cfg(8), &mut m, &RunOptions::default()).unwrap();
        let e3 = encode(&text, &cfg(3), &mut m, &RunOptions::default()).unwrap();
        assert_eq!(
            example_tokens(&e16, 8),
            example_tokens(&e8, 8),
            "{method:?}"
        );
        assert_eq!(
            example_tokens(&e8, 16),
            example_tokens(&e16, 16),
            "{method:?}"
        );
        assert_eq!(
            example_tokens(&e16, 3),
            example_tokens(&e3, 3),
            "{method:?}"
        );
        assert_eq!(
            example_tokens(&e8, 8).len(),
            5,
            "five examples of 700 bytes"
        );
    }
}

fn tiny_options(steps: usize) -> ProbeOptions {
    ProbeOptions {
        preset: "test".into(),
        shape: tiny_shape(),
        budget: budget(steps, 32, 3e-3),
        unigram_smoothing: 0.5,
    }
}

#[test]
fn run_probe_reports_progress_bounds_and_is_deterministic() {
    let text: Vec<u8> = b"In the beginning God created the heaven and the earth. "
        .iter()
        .cycle()
        .take(4000)
        .copied()
        .collect();
    let (train, heldout) = text.split_at(3000);
    let configs = vec![
        Config {
            token_bits: 8,
            ..Config::new(MethodKind::Bytes)
        },
        Config::equal_info(16, 8),
        // v = 16 keeps the test fast; the v = 65,536 path is the same code with a wider head.
        Config::equal_info(16, 4),
    ];
    let opts = tiny_options(12);
    let seen: Mutex<Vec<ProbeProgress>> = Mutex::new(Vec::new());
    let record = |p: &ProbeProgress| seen.lock().unwrap().push(p.clone());
    let hooks = Hooks {
        progress: Some(&record),
        cancel: None,
    };
    let mut model = Unigram::fit(train);
    let a = run_probe(train, heldout, &configs, &mut model, &opts, "cpu", &hooks).unwrap();
    assert_eq!(a.results.len(), 3);
    let seen = seen.into_inner().unwrap();
    for ci in 0..3 {
        let steps: Vec<usize> = seen
            .iter()
            .filter(|p| p.config_index == ci && p.phase == Phase::Training)
            .map(|p| p.step)
            .collect();
        assert_eq!(steps, (1..=12).collect::<Vec<_>>(), "config {ci}");
        assert!(seen
            .iter()
            .any(|p| p.config_index == ci && p.phase == Phase::Done));
    }
    let bytes = &a.results[0];
    assert_eq!(bytes.bytes_per_token, 1.0);
    assert_eq!(bytes.heldout_tokens, 1000);
    assert!((bytes.uniform_bits_per_byte - 8.0).abs() < 1e-12);
    for r in &a.results {
        let expect = r.heldout_tokens as f64 / r.heldout_bytes as f64 * r.m2_bits_per_token;
        assert!((r.m2_bits_per_byte - expect).abs() < 1e-9, "{}", r.label);
        assert!(
            (r.uniform_bits_per_byte - r.config.token_bits as f64 / r.bytes_per_token).abs() < 1e-9
        );
        assert!(
            r.unigram_bits_per_byte <= r.uniform_bits_per_byte * 1.05,
            "{}",
            r.label
        );
        assert_eq!(r.m2.train_curve.len(), 12);
    }
    // One bit stream cut two ways: EqualInfoAC[b=16] has the same bits at v=256 and v=16.
    assert_eq!(2 * a.results[1].heldout_tokens, a.results[2].heldout_tokens);

    // Same seed, same data: the same numbers, bit for bit.
    let mut model = Unigram::fit(train);
    let b = run_probe(
        train,
        heldout,
        &configs,
        &mut model,
        &opts,
        "cpu",
        &Hooks::default(),
    )
    .unwrap();
    for (x, y) in a.results.iter().zip(&b.results) {
        assert_eq!(x.m2_bits_per_byte, y.m2_bits_per_byte, "{}", x.label);
        assert_eq!(x.m2.train_curve, y.m2.train_curve, "{}", x.label);
    }
}

#[test]
fn cancel_and_bad_input_are_errors() {
    let text = vec![b'a'; 500];
    let flag = AtomicBool::new(false);
    let stop_at_3 = |p: &ProbeProgress| {
        if p.step >= 3 {
            flag.store(true, Ordering::Relaxed);
        }
    };
    let hooks = Hooks {
        progress: Some(&stop_at_3),
        cancel: Some(&flag),
    };
    let mut model = Unigram::fit(&text);
    let r = run_probe(
        &text,
        &text,
        &default_configs(),
        &mut model,
        &tiny_options(50),
        "cpu",
        &hooks,
    );
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");

    let none = Hooks::default();
    let r = run_probe(
        &[],
        &text,
        &default_configs(),
        &mut model,
        &tiny_options(5),
        "cpu",
        &none,
    );
    assert!(matches!(r, Err(Error::EmptyInput(_))));
    let r = run_probe(
        &text,
        &text,
        &[],
        &mut model,
        &tiny_options(5),
        "cpu",
        &none,
    );
    assert!(matches!(r, Err(Error::BadParams(_))));
    let mut bad = tiny_options(5);
    bad.budget.seq_len = 1;
    let r = run_probe(
        &text,
        &text,
        &default_configs(),
        &mut model,
        &bad,
        "cpu",
        &none,
    );
    assert!(matches!(r, Err(Error::BadParams(_))));
    assert!(preset("nope").is_err());
    // Token ids outside the vocabulary are refused, not indexed.
    let r = train_m2(
        &[vec![0, 9]],
        &[vec![0]],
        4,
        &tiny_shape(),
        &budget(1, 4, 1e-3),
        &candle_core::Device::Cpu,
        &mut |_, _| {},
        None,
    );
    assert!(matches!(r, Err(Error::BadParams(_))));
}

#[test]
fn presets_and_default_configs() {
    let q = preset("quick").unwrap();
    let g = preset("gpu").unwrap();
    assert!(
        g.budget.steps * g.budget.batch * g.budget.seq_len
            > q.budget.steps * q.budget.batch * q.budget.seq_len
    );
    let labels: Vec<String> = default_configs().iter().map(|c| c.label()).collect();
    assert_eq!(
        labels,
        [
            "Bytes[v=256]",
            "StaticAC[v=256]",
            "AC[v=256]",
            "EqualInfoAC[b=16, v=256]",
            "EqualInfoAC[b=16, v=65536]",
            "GZip[v=256]",
            "Subword[BPE, v=32768]"
        ]
    );
    // The 65,536-token model goes through a narrow embedding; the 256-token one does not.
    assert_eq!(q.shape.embed_dim(256), q.shape.d_model);
    assert!(q.shape.embed_dim(65536) < q.shape.d_model);
}
