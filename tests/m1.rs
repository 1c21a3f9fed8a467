//! M1: the lane contract bit for bit, batched vs stepped scoring, loading errors, identity,
//! and training (loss goes down, same seed gives the same weights, resume continues exactly).

use candle_core::Device;
use eqinfo::model::m1::config::Config;
use eqinfo::model::m1::load::{self, from_bytes};
use eqinfo::model::m1::train::{random_model_files, TrainOptions, Trainer};
use eqinfo::model::m1::M1;
use eqinfo::model::ByteModel;
use eqinfo::Error;
use std::path::Path;

/// Tiny config with a short window so that tests slide past it.
fn tiny() -> Config {
    let mut c = Config::preset("tiny").unwrap();
    c.max_context = 12;
    c
}

fn tiny_model(dir: &Path) -> M1 {
    random_model_files(&tiny(), 7, 0.4, dir).unwrap();
    load::load(dir, &Device::Cpu).unwrap()
}

fn bits(d: &[f32]) -> Vec<u32> {
    d.iter().map(|x| x.to_bits()).collect()
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

const TEXT: &[u8] = b"It is a truth universally acknowledged, that a single man in possession \
of a good fortune, must be in want of a wife. \xff\xfe caf\xc3\xa9";

/// Distributions of lane 0 stepped alone: before each byte and after the last.
fn reference(m: &mut M1, text: &[u8]) -> Vec<Vec<u32>> {
    m.start(1).unwrap();
    let mut out = vec![bits(m.dist(0))];
    for &b in text {
        m.feed(&[Some(b)]).unwrap();
        out.push(bits(m.dist(0)));
    }
    out
}

#[test]
fn lane_distribution_is_bit_identical_whatever_the_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path());
    let want = reference(&mut m, TEXT);
    assert!(
        TEXT.len() > 2 * m.config().max_context,
        "must slide past the window"
    );

    // (lanes, lane that carries TEXT, seed of the neighbours' noise)
    for (lanes, target, seed) in [
        (1usize, 0usize, 1u64),
        (3, 0, 2),
        (17, 16, 3),
        (40, 21, 4),
        (64, 63, 5),
    ] {
        m.start(lanes).unwrap();
        assert_eq!(
            bits(m.dist(target)),
            want[0],
            "lanes={lanes} target={target} at start"
        );
        let mut rng = seed;
        let mut i = 0;
        let mut steps = 0;
        while i < TEXT.len() {
            steps += 1;
            // Sometimes the target lane idles while others step.
            let target_idle = xorshift(&mut rng).is_multiple_of(5);
            let feed: Vec<Option<u8>> = (0..lanes)
                .map(|l| {
                    if l == target {
                        (!target_idle).then_some(TEXT[i])
                    } else if xorshift(&mut rng).is_multiple_of(3) {
                        None
                    } else {
                        Some(xorshift(&mut rng) as u8)
                    }
                })
                .collect();
            m.feed(&feed).unwrap();
            // Neighbours get reset now and then.
            for l in 0..lanes {
                if l != target && xorshift(&mut rng).is_multiple_of(7) {
                    m.reset_lane(l);
                }
            }
            if !target_idle {
                i += 1;
            }
            assert_eq!(
                bits(m.dist(target)),
                want[i],
                "lanes={lanes} target={target} byte {i} (step {steps})"
            );
        }
    }
}

#[test]
fn reset_lane_restores_the_empty_context_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path());
    m.start(2).unwrap();
    let empty = bits(m.dist(1));
    for &b in &TEXT[..20] {
        m.feed(&[Some(b), Some(b ^ 0x55)]).unwrap();
    }
    assert_ne!(bits(m.dist(1)), empty);
    m.reset_lane(1);
    assert_eq!(bits(m.dist(1)), empty);
    let d = m.dist(0);
    assert_eq!(d.len(), 256);
    let sum: f64 = d.iter().map(|&p| p as f64).sum();
    assert!((sum - 1.0).abs() < 1e-4, "sum {sum}");
    assert!(d.iter().all(|&p| p >= 0.0));
}

#[test]
fn batched_score_agrees_with_stepped_feed() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path());
    let stepped: Vec<f32> = {
        m.start(1).unwrap();
        let mut out = Vec::new();
        for &b in TEXT {
            out.extend_from_slice(m.dist(0));
            m.feed(&[Some(b)]).unwrap();
        }
        out
    };
    // Long input (query-blocked attention) and short input (one full attention matrix).
    for n in [TEXT.len(), 20] {
        let scored = m.score(&TEXT[..n]).unwrap();
        assert_eq!(scored.len(), n * 256);
        let max_diff = scored
            .iter()
            .zip(&stepped[..n * 256])
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(max_diff < 1e-4, "n={n}: max |score - feed| = {max_diff}");
    }
    // The distributions are not trivially uniform (otherwise the check above would prove little).
    let spread = stepped.iter().fold(0f32, |a, &p| a.max(p));
    assert!(spread > 0.02, "max prob {spread}");
    assert!(m.score(&[]).unwrap().is_empty());
}

#[test]
fn identity_names_kind_backend_and_hash() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let a = tiny_model(d1.path()).identity();
    random_model_files(&tiny(), 8, 0.4, d2.path()).unwrap();
    let b = load::load(d2.path(), &Device::Cpu).unwrap().identity();
    assert_eq!(a.kind, "m1");
    assert_eq!(a.backend, "cpu-v2");
    assert_eq!(a.hash.len(), 64);
    assert_ne!(a.hash, b.hash);
    // Loading by file path gives the same identity as by directory.
    let c = load::load(&d1.path().join("model.safetensors"), &Device::Cpu)
        .unwrap()
        .identity();
    assert_eq!(a, c);
}

fn model_error(r: Result<M1, Error>) -> String {
    match r {
        Err(Error::Model(m)) => m,
        Err(other) => panic!("expected Error::Model, got {other}"),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn loading_reports_missing_misshaped_extra_and_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    random_model_files(&tiny(), 7, 0.4, dir.path()).unwrap();
    let cfg_text = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    let weights = std::fs::read(dir.path().join("model.safetensors")).unwrap();
    let dev = Device::Cpu;

    // Missing tensor.
    let mut map =
        candle_core::safetensors::load(dir.path().join("model.safetensors"), &dev).unwrap();
    map.remove("layers.1.mlp.fc1.weight");
    let p = dir.path().join("missing.safetensors");
    candle_core::safetensors::save(&map, &p).unwrap();
    let e = model_error(from_bytes(&cfg_text, &std::fs::read(&p).unwrap(), &dev));
    assert!(
        e.contains("missing tensor `layers.1.mlp.fc1.weight`"),
        "{e}"
    );

    // Mis-shaped tensor (config does not match the weights).
    let mut cfg = tiny();
    cfg.d_mlp = 48;
    let e = model_error(from_bytes(&cfg.to_json(), &weights, &dev));
    assert!(
        e.contains("wrong shape for tensor `layers.0.mlp.fc1.weight`"),
        "{e}"
    );

    // Extra tensors (config with fewer layers than the weights).
    let mut cfg = tiny();
    cfg.n_layers = 1;
    let e = model_error(from_bytes(&cfg.to_json(), &weights, &dev));
    assert!(e.contains("unexpected tensor `layers.1."), "{e}");

    // Corrupt file.
    let e = model_error(from_bytes(&cfg_text, &weights[..weights.len() / 2], &dev));
    assert!(e.contains("not a valid safetensors file"), "{e}");
    let e = model_error(from_bytes(&cfg_text, b"garbage", &dev));
    assert!(e.contains("not a valid safetensors file"), "{e}");

    // Bad config.
    let e = model_error(from_bytes("{\"d_model\": 3}", &weights, &dev));
    assert!(e.contains("not a valid M1 config"), "{e}");

    // Missing files.
    let empty = tempfile::tempdir().unwrap();
    let e = model_error(load::load(empty.path(), &dev));
    assert!(e.contains("config.json"), "{e}");
    let e = model_error(load::load(&empty.path().join("nope"), &dev));
    assert!(e.contains("no such model"), "{e}");
}

fn tiny_opts(seed: u64, steps: usize) -> TrainOptions {
    TrainOptions {
        steps,
        batch: 4,
        context: 12,
        lr: 1e-2,
        warmup: 2,
        seed,
        short_len: 6,
        short_frac: 0.3,
        eval_every: 0,
        checkpoint_every: 0,
        ..TrainOptions::default()
    }
}

fn corpus() -> (Vec<u8>, Vec<u8>) {
    let t: Vec<u8> = b"the cat sat on the mat. the dog sat on the log. ".repeat(40);
    (t.clone(), t[..200].to_vec())
}

#[test]
fn training_lowers_the_loss() {
    let (train, val) = corpus();
    let mut tr = Trainer::new(tiny(), tiny_opts(3, 60), train, val, Device::Cpu).unwrap();
    let before = tr.validate(usize::MAX).unwrap();
    for _ in 0..60 {
        tr.step().unwrap();
    }
    let after = tr.validate(usize::MAX).unwrap();
    assert!(
        before > 7.0,
        "untrained model should be near uniform: {before}"
    );
    assert!(
        after < before - 2.0,
        "validation bits/byte {before} -> {after}"
    );
}

fn weights_after(seed: u64, steps: usize) -> Vec<u8> {
    let (train, val) = corpus();
    let mut tr = Trainer::new(tiny(), tiny_opts(seed, 10), train, val, Device::Cpu).unwrap();
    for _ in 0..steps {
        tr.step().unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    tr.save_model(dir.path()).unwrap();
    std::fs::read(dir.path().join("model.safetensors")).unwrap()
}

#[test]
fn same_seed_same_weights_and_resume_is_exact() {
    let a = weights_after(5, 6);
    let b = weights_after(5, 6);
    let c = weights_after(6, 6);
    assert_eq!(a, b, "same seed must give the same weights");
    assert_ne!(a, c, "a different seed should give different weights");

    // 3 steps, checkpoint, a new trainer resumes, 3 more steps == 6 straight steps.
    let (train, val) = corpus();
    let dir = tempfile::tempdir().unwrap();
    let mut tr = Trainer::new(
        tiny(),
        tiny_opts(5, 10),
        train.clone(),
        val.clone(),
        Device::Cpu,
    )
    .unwrap();
    for _ in 0..3 {
        tr.step().unwrap();
    }
    tr.save_checkpoint(dir.path()).unwrap();
    let mut tr2 = Trainer::new(tiny(), tiny_opts(5, 10), train, val, Device::Cpu).unwrap();
    tr2.resume(dir.path()).unwrap();
    assert_eq!(tr2.state.step, 3);
    for _ in 0..3 {
        tr2.step().unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    tr2.save_model(out.path()).unwrap();
    assert_eq!(
        std::fs::read(out.path().join("model.safetensors")).unwrap(),
        a
    );
    // The trained model loads for inference.
    assert!(load::load(out.path(), &Device::Cpu).is_ok());
}

#[test]
fn presets_and_config_validation() {
    let p = Config::preset("paper-3m").unwrap();
    assert_eq!(
        (p.n_layers, p.d_model, p.n_heads, p.head_dim, p.d_mlp),
        (3, 256, 4, 64, 1024)
    );
    // About 3M non-embedding parameters, as in the paper.
    assert!(
        (2_300_000..3_500_000).contains(&p.non_embedding_params()),
        "{}",
        p.non_embedding_params()
    );
    assert!(Config::preset("nope").is_err());
    let mut bad = p.clone();
    bad.vocab = 300;
    assert!(bad.validate().is_err());
    assert_eq!(Config::from_json(&p.to_json()).unwrap(), p);
}

#[test]
fn lane_contract_holds_at_the_paper_width() {
    // Real matmul sizes (d_model 256, MLP 1024) take gemm's full-size kernels and threading.
    let mut cfg = Config::preset("cpu-1m").unwrap();
    cfg.max_context = 10;
    let dir = tempfile::tempdir().unwrap();
    random_model_files(&cfg, 11, 0.08, dir.path()).unwrap();
    let mut m = load::load(dir.path(), &Device::Cpu).unwrap();
    let text = &TEXT[..24];
    let want = reference(&mut m, text);
    let lanes = 35;
    for target in [0usize, 17, 34] {
        m.start(lanes).unwrap();
        let mut rng = 99 + target as u64;
        for (i, &b) in text.iter().enumerate() {
            let feed: Vec<Option<u8>> = (0..lanes)
                .map(|l| {
                    if l == target {
                        Some(b)
                    } else {
                        (!xorshift(&mut rng).is_multiple_of(4)).then(|| xorshift(&mut rng) as u8)
                    }
                })
                .collect();
            m.feed(&feed).unwrap();
            assert_eq!(
                bits(m.dist(target)),
                want[i + 1],
                "target {target} byte {i}"
            );
        }
    }
}

#[test]
fn shipped_sample_model_loads_and_knows_english() {
    let mut m = eqinfo::model::m1::load_default_model().expect("sample_models/ must hold the M1");
    assert_eq!(m.identity().kind, "m1");
    assert!(m.config().max_context >= 64);
    let text =
        b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife.";
    let bpb = eqinfo::model::m1::cross_entropy_bits_per_byte(&mut m, text).unwrap();
    assert!(bpb < 3.5, "sample model scores English at {bpb} bits/byte");
    // Stepping agrees with scoring on the shipped weights too.
    m.start(1).unwrap();
    for &b in &text[..10] {
        m.feed(&[Some(b)]).unwrap();
    }
    let scored = m.score(&text[..11]).unwrap();
    let diff = scored[10 * 256..]
        .iter()
        .zip(m.dist(0))
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(diff < 1e-4, "{diff}");
}

/// The fused CPU softmax and LayerNorm (`m1::ops`) against the same functions written with candle
/// primitives: values and gradients (with respect to every input) agree, on random inputs with
/// masked (-inf) entries like the attention scores have.
#[test]
fn fused_softmax_and_layer_norm_match_candle_primitives() {
    use candle_core::{Var, D};
    use eqinfo::model::m1::ops;
    let dev = Device::Cpu;
    let mut s = 0x1234_5678_9abc_def0u64;
    let mut rnd = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| ((xorshift(&mut s) >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 6.0)
            .collect()
    };
    let max_diff = |a: &candle_core::Tensor, b: &candle_core::Tensor| -> f32 {
        let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max)
    };
    // Softmax over (2, 3, 5, 7) with a causal -inf pattern.
    let mut xs = rnd(2 * 3 * 5 * 7);
    for (i, v) in xs.iter_mut().enumerate() {
        if i % 7 > (i / 7) % 5 + 2 {
            *v = f32::NEG_INFINITY;
        }
    }
    let x = Var::from_vec(xs, (2, 3, 5, 7), &dev).unwrap();
    let w = candle_core::Tensor::from_vec(rnd(2 * 3 * 5 * 7), (2, 3, 5, 7), &dev).unwrap();
    let fused = ops::softmax(x.as_tensor()).unwrap();
    let prim = candle_nn::ops::softmax(x.as_tensor(), D::Minus1).unwrap();
    assert!(max_diff(&fused, &prim) < 1e-6);
    let gf = (fused * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let gp = (prim * &w).unwrap().sum_all().unwrap().backward().unwrap();
    let d = max_diff(gf.get(&x).unwrap(), gp.get(&x).unwrap());
    assert!(d < 1e-5, "softmax gradient differs by {d}");

    // LayerNorm over (4, 6, 16).
    let x = Var::from_vec(rnd(4 * 6 * 16), (4, 6, 16), &dev).unwrap();
    let lw = Var::from_vec(rnd(16), 16, &dev).unwrap();
    let lb = Var::from_vec(rnd(16), 16, &dev).unwrap();
    let up = candle_core::Tensor::from_vec(rnd(4 * 6 * 16), (4, 6, 16), &dev).unwrap();
    let eps = 1e-5;
    let fused = ops::layer_norm(x.as_tensor(), lw.as_tensor(), lb.as_tensor(), eps).unwrap();
    let prim = {
        let x = x.as_tensor();
        let mean = x.mean_keepdim(D::Minus1).unwrap();
        let xc = x.broadcast_sub(&mean).unwrap();
        let var = xc.sqr().unwrap().mean_keepdim(D::Minus1).unwrap();
        let xn = xc
            .broadcast_div(&(var + eps).unwrap().sqrt().unwrap())
            .unwrap();
        xn.broadcast_mul(lw.as_tensor())
            .unwrap()
            .broadcast_add(lb.as_tensor())
            .unwrap()
    };
    assert!(max_diff(&fused, &prim) < 1e-5);
    let gf = (fused * &up)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let gp = (prim * &up).unwrap().sum_all().unwrap().backward().unwrap();
    for (name, v) in [("x", &x), ("weight", &lw), ("bias", &lb)] {
        let d = max_diff(gf.get(v).unwrap(), gp.get(v).unwrap());
        assert!(d < 1e-4, "layer norm gradient for {name} differs by {d}");
    }
}
