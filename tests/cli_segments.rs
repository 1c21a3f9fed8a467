//! `eqinfo segments` and `eqinfo stats -c SEGMENTER` end to end, under the uniform model (every
//! byte costs exactly 8 bits at β = 14, in or out of context, so each segment's information is
//! known by hand).

use std::process::Command;

fn eqinfo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(args)
        .output()
        .expect("run eqinfo")
}

fn text_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn segments_json_covers_the_text_with_8_bits_a_byte() {
    let dir = tempfile::tempdir().unwrap();
    let f = text_file(&dir, "a.txt", "Hello, world. Ça va?\n");
    let out = eqinfo(&[
        "segments",
        &f,
        "-c",
        "space",
        "-c",
        "fixed:n=4",
        "-c",
        "entropy:mode=topk:size=3",
        "--model",
        "uniform",
        "--json",
        "--per-byte",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["input_bytes"].as_u64().unwrap();
    assert_eq!(n, "Hello, world. Ça va?\n".len() as u64);
    let segs = v["segmenters"].as_array().unwrap();
    assert_eq!(segs.len(), 3);
    assert_eq!(segs[0]["spec"], "space");
    for s in segs {
        let mut at = 0;
        for seg in s["segments"].as_array().unwrap() {
            let (a, b) = (seg["start"].as_u64().unwrap(), seg["end"].as_u64().unwrap());
            assert_eq!(a, at);
            assert!(b > a);
            assert_eq!(seg["bits"].as_f64().unwrap(), 8.0 * (b - a) as f64);
            assert_eq!(seg["bits_alone"].as_f64().unwrap(), 8.0 * (b - a) as f64);
            at = b;
        }
        assert_eq!(at, n);
    }
    // SpaceByte by hand: "Hello," " world." " Ça" ... the first two segments.
    let first = &segs[0]["segments"][0]["bytes"];
    assert_eq!(first, "Hello,");
    assert_eq!(segs[0]["segments"][1]["bytes"], " world.");
    // The per-byte entropies: uniform, ln 256 nats, 8 bits.
    let b0 = &v["bytes"][0];
    assert!((b0["entropy_bits"].as_f64().unwrap() - 8.0).abs() < 1e-9);
    assert!((b0["entropy_nats"].as_f64().unwrap() - 256f64.ln()).abs() < 1e-9);
}

#[test]
fn bad_segmenters_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let f = text_file(&dir, "a.txt", "abc");
    let out = eqinfo(&[
        "segments",
        &f,
        "-c",
        "entropy:t=1:t=2",
        "--model",
        "uniform",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("given twice"), "{err}");
    let out = eqinfo(&["segments", &f, "-c", "fixed", "--model", "uniform"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed:n=N"));
}

#[test]
fn stats_takes_segmenters_beside_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let f = text_file(&dir, "a.txt", "one two three four five six seven");
    let out = eqinfo(&[
        "stats",
        &f,
        "-c",
        "ac:v=256",
        "-c",
        "space",
        "-c",
        "seg:fixed:n=5",
        "--model",
        "uniform",
        "--words",
        "4",
        "-q",
        "--json",
        "--no-free-decode",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["configs"].as_array().unwrap().len(), 1);
    let s = &v["segments"]["summaries"];
    assert_eq!(s[0]["spec"], "space");
    // fixed:n=5 over 33 bytes: 7 segments.
    assert_eq!(s[1]["segments"], 7);
    assert_eq!(s[1]["stability"]["words"], 4);
    // Mixing both kinds in one CSV is refused.
    let out = eqinfo(&[
        "stats", &f, "-c", "ac", "-c", "space", "--model", "uniform", "--csv", "-q",
    ]);
    assert!(!out.status.success());
    // Segmenters alone as CSV: a header, one row per file, one ALL row.
    let out = eqinfo(&[
        "stats", &f, "-c", "space", "--model", "uniform", "--csv", "-q", "--words", "0",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("file,segmenter,"));
    // The plots: the segmenters' distributions as PNG and SVG.
    let plots = dir.path().join("plots");
    let p = plots.display().to_string();
    let out = eqinfo(&[
        "stats",
        &f,
        "-c",
        "space",
        "-c",
        "fixed:n=3",
        "--model",
        "uniform",
        "-q",
        "--words",
        "0",
        "--plots",
        &p,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for stem in [
        "segment_length",
        "segment_bits",
        "segment_bits_alone",
        "segment_spread",
    ] {
        for ext in ["png", "svg"] {
            let file = plots.join(format!("{stem}.{ext}"));
            assert!(
                std::fs::metadata(&file).is_ok_and(|m| m.len() > 100),
                "{}",
                file.display()
            );
        }
    }
}
