//! `eqinfo eval` reports the coder's ideal `Σ −log2 q` of the quantized distributions beside the
//! float cross-entropy (issue 17): on CRLF text under a model that finds '\r' nearly impossible,
//! the float cross-entropy exceeds the coded size; the quantized one does not. The expected
//! values are computed here from the unigram's counts and the documented quantization.

use eqinfo::coding::quantize;
use eqinfo::model::{ByteModel, Unigram};
use std::process::Command;

#[test]
fn eval_reports_the_quantized_cross_entropy_and_the_coder_never_beats_it() {
    let dir = tempfile::tempdir().unwrap();
    // A unigram that never saw '\r' (add-one smoothing gives it 1 / (total + 256)).
    let mut counts = vec![0u64; 256];
    for c in b"abcdefghijklmnopqrstuvwxyz .\n".iter() {
        counts[*c as usize] = 1_000_000;
    }
    let uni = Unigram::from_counts(counts).unwrap();
    let model_path = dir.path().join("uni.json");
    uni.save(&model_path).unwrap();
    let text = b"the cat sat on the mat.\r\n".repeat(120);
    let text_path = dir.path().join("crlf.txt");
    std::fs::write(&text_path, &text).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(["eval", "--json", "--model"])
        .arg(&model_path)
        .arg(&text_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &rows[0];
    let get = |k: &str| {
        row[k]
            .as_f64()
            .unwrap_or_else(|| panic!("no {k} in the eval JSON: {row}"))
    };

    // Oracle: the unigram's distribution, its quantized table at β = 14, summed by hand.
    let mut m = uni.clone();
    m.start(1).unwrap();
    let dist = m.dist(0).to_vec();
    let table = quantize(&dist, 14).unwrap();
    let n = text.len() as f64;
    let float: f64 = text
        .iter()
        .map(|&b| -(dist[b as usize] as f64).log2())
        .sum::<f64>()
        / n;
    let quant: f64 = text
        .iter()
        .map(|&b| -(table.freq(b) as f64 / 16384.0).log2())
        .sum::<f64>()
        / n;
    assert!((get("cross_entropy_bpb") - float).abs() < 1e-9);
    assert!((get("quantized_cross_entropy_bpb") - quant).abs() < 1e-9);
    let ac = get("ac_bpb");
    // The paradox of the issue: the coder seems to beat the (float) entropy ...
    assert!(ac < get("cross_entropy_bpb"), "ac {ac} vs float {float}");
    // ... but never its own ideal: one example, a stop code of at most 2 bits past it.
    assert!(ac >= quant - 1e-12, "ac {ac} below Σ −log2 q {quant}");
    assert!(
        ac * n <= quant * n + 2.0 + 1e-3 * quant * n,
        "ac {ac} vs {quant}"
    );
    let overhead = get("ac_overhead_vs_quantized");
    assert!((overhead - (ac / quant - 1.0)).abs() < 1e-9);
}
