//! eqinfo's M1 against an independent implementation: `scripts/m1_reference.py` (numpy, float64,
//! reading the safetensors file itself, written from docs/m1_format.md). Every next-byte
//! probability after every prefix of a few hundred bytes of text must agree to 1e-5, both for the
//! lane stepping that coding uses and for the batched `score`, on the shipped sample model(s) and
//! on randomly initialised models of other shapes (odd head counts, head_dim != d_model / n_heads,
//! a short window so that the text slides through it many times).
//!
//! Needs `python3` with numpy (`.ci/run` installs it); without them the tests print a notice and
//! pass.

use candle_core::Device;
use eqinfo::model::m1::config::Config;
use eqinfo::model::m1::load;
use eqinfo::model::m1::train::random_model_files;
use eqinfo::model::{ByteModel, VOCAB};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOL: f64 = 1e-5;

fn python_with_numpy() -> Option<String> {
    for py in ["python3", "python"] {
        let ok = Command::new(py)
            .args(["-c", "import numpy"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return Some(py.to_string());
        }
    }
    None
}

/// Mixed text: English, CRLF line ends, Cyrillic, Greek, kana and kanji, code, a stray invalid
/// UTF-8 byte; `len` bytes (repeated as needed).
fn text(len: usize) -> Vec<u8> {
    let base = "It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife.\r\nВ начале было Слово. Ἐν ἀρχῇ ἦν ὁ λόγος. \
吾輩は猫である。名前はまだ無い。\nfn main() { println!(\"{}\", 2 + 2); }\n";
    let mut v: Vec<u8> = base.bytes().cycle().take(len).collect();
    v[len / 3] = 0xFF;
    v
}

/// The reference distributions: (len + 1) rows of 256.
fn reference(py: &str, model_dir: &Path, text: &[u8], work: &Path) -> Vec<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/m1_reference.py");
    let tf = work.join("text.bin");
    let of = work.join("probs.f64");
    std::fs::write(&tf, text).unwrap();
    let out = Command::new(py)
        .arg(&script)
        .arg(model_dir)
        .arg(&tf)
        .arg(&of)
        .output()
        .expect("running scripts/m1_reference.py");
    assert!(
        out.status.success(),
        "m1_reference.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = std::fs::read(&of).unwrap();
    assert_eq!(
        raw.len(),
        (text.len() + 1) * VOCAB * 8,
        "reference output size"
    );
    raw.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Compares lane stepping and batched scoring with the reference; returns the max abs diffs.
fn compare(model_dir: &Path, text: &[u8]) -> (f64, f64) {
    let py = python_with_numpy().expect("checked by the caller");
    let work = tempfile::tempdir().unwrap();
    let want = reference(&py, model_dir, text, work.path());
    let mut m = load::load(model_dir, &Device::Cpu).unwrap();

    // Lane stepping (what the coder uses): dist after each prefix, two lanes fed differently so
    // the compared lane is not alone.
    m.start(2).unwrap();
    let mut step_diff = 0f64;
    for p in 0..=text.len() {
        let got = m.dist(0);
        let row = &want[p * VOCAB..(p + 1) * VOCAB];
        let sum: f64 = row.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "reference row {p} sums to {sum}");
        for (g, w) in got.iter().zip(row) {
            step_diff = step_diff.max((*g as f64 - w).abs());
        }
        if p < text.len() {
            let other = if p % 3 == 0 {
                None
            } else {
                Some(text[p] ^ 0x55)
            };
            m.feed(&[Some(text[p]), other]).unwrap();
        }
    }
    // Batched scoring: row i = distribution of byte i.
    let scored = m.score(text).unwrap();
    let mut score_diff = 0f64;
    for (g, w) in scored.iter().zip(&want[..text.len() * VOCAB]) {
        score_diff = score_diff.max((*g as f64 - w).abs());
    }
    (step_diff, score_diff)
}

fn check(model_dir: &Path, text: &[u8], what: &str) {
    let (s, b) = compare(model_dir, text);
    println!("{what}: max |p_eqinfo - p_numpy| stepping {s:.2e}, batched {b:.2e}");
    assert!(
        s <= TOL,
        "{what}: lane stepping differs from the reference by {s:e}"
    );
    assert!(
        b <= TOL,
        "{what}: batched scoring differs from the reference by {b:e}"
    );
}

fn sample_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_models");
    let mut v = vec![root.clone()];
    let v2 = root.join("cpu-1m-v2");
    if v2.join("model.safetensors").is_file() {
        v.push(v2);
    }
    v
}

#[test]
fn sample_models_match_the_numpy_reference() {
    if python_with_numpy().is_none() {
        println!("NOTICE: python3 with numpy not found; m1_reference test skipped");
        return;
    }
    // 400 bytes: more than max_context (256), so the window slides.
    let t = text(400);
    for dir in sample_dirs() {
        check(&dir, &t, &dir.display().to_string());
    }
}

#[test]
fn random_models_of_other_shapes_match_the_numpy_reference() {
    if python_with_numpy().is_none() {
        println!("NOTICE: python3 with numpy not found; m1_reference test skipped");
        return;
    }
    let shapes = [
        // 3 heads (slopes 2^-8/3, ...), head_dim * n_heads != d_model, window of 40 over 300 bytes.
        Config {
            d_model: 48,
            n_layers: 3,
            n_heads: 3,
            head_dim: 20,
            d_mlp: 80,
            max_context: 40,
            ..Config::preset("tiny").unwrap()
        },
        // One layer, 8 heads of 8, a window of 2 (BOS + the current byte only).
        Config {
            d_model: 64,
            n_layers: 1,
            n_heads: 8,
            head_dim: 8,
            d_mlp: 32,
            max_context: 2,
            layer_norm_eps: 1e-3,
            ..Config::preset("tiny").unwrap()
        },
    ];
    for (i, cfg) in shapes.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        random_model_files(cfg, 100 + i as u64, 0.3, dir.path()).unwrap();
        check(
            dir.path(),
            &text(300),
            &format!("random model {i} ({cfg:?})"),
        );
    }
}

/// The reference is not trivially equal to anything: a wrong ALiBi slope in it must be caught.
#[test]
fn the_comparison_detects_a_different_model() {
    if python_with_numpy().is_none() {
        println!("NOTICE: python3 with numpy not found; m1_reference test skipped");
        return;
    }
    let cfg = Config {
        max_context: 16,
        ..Config::preset("tiny").unwrap()
    };
    let a = tempfile::tempdir().unwrap();
    random_model_files(&cfg, 5, 0.3, a.path()).unwrap();
    // The same weights under a config with a longer window: a different function past 16 bytes.
    let b = tempfile::tempdir().unwrap();
    let f = "model.safetensors";
    std::fs::copy(a.path().join(f), b.path().join(f)).unwrap();
    let wide = Config {
        max_context: 64,
        ..cfg.clone()
    };
    std::fs::write(b.path().join("config.json"), wide.to_json()).unwrap();
    let py = python_with_numpy().unwrap();
    let t = text(60);
    let work = tempfile::tempdir().unwrap();
    let want_wide = reference(&py, b.path(), &t, work.path());
    let mut m = load::load(a.path(), &Device::Cpu).unwrap();
    let got = m.score(&t).unwrap();
    let diff = got
        .iter()
        .zip(&want_wide)
        .map(|(g, w)| (*g as f64 - w).abs())
        .fold(0f64, f64::max);
    assert!(
        diff > 1e-3,
        "a 16-position window and a 64-position window agree to {diff:e}: the test could not fail"
    );
}
