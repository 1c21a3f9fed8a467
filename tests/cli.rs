//! The command line: round trips through files and pipes, and every bad input is a message with a
//! non-zero exit, never a panic, and never a partial output file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn eqinfo(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn eqinfo");
    {
        let mut sin = child.stdin.take().unwrap();
        if let Some(data) = stdin {
            sin.write_all(data).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn assert_clean_failure(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
}

fn text() -> Vec<u8> {
    b"It is a truth universally acknowledged, that a single man in possession of a good fortune \
must be in want of a wife. \xe2\x80\x94 caf\xc3\xa9 \xff\xfe"
        .repeat(8)
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.display().to_string()
}

#[test]
fn files_round_trip_for_every_method_and_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "in.txt", &text());
    for method in ["bytes", "gzip", "static-ac", "ac", "equal-info", "subword"] {
        // Subword ids need 15 bits.
        let token_bits = if method == "subword" { "15" } else { "8" };
        let eqi = dir
            .path()
            .join(format!("{method}.eqi"))
            .display()
            .to_string();
        let back = dir
            .path()
            .join(format!("{method}.out"))
            .display()
            .to_string();
        let args = [
            "compress",
            &input,
            "-o",
            &eqi,
            "--method",
            method,
            "--model",
            "uniform",
            "--token-bits",
            token_bits,
            "--window-bits",
            "24",
            "--example-bytes",
            "100",
        ];
        let out = eqinfo(&args, None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let first = std::fs::read(&eqi).unwrap();
        assert!(eqinfo(&args, None).status.success());
        assert_eq!(
            std::fs::read(&eqi).unwrap(),
            first,
            "{method}: not deterministic"
        );
        let out = eqinfo(
            &["decompress", &eqi, "-o", &back, "--model", "uniform"],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(&back).unwrap(), text(), "{method}");
    }
}

#[test]
fn pipes_round_trip() {
    let out = eqinfo(
        &["compress", "--model", "uniform", "--method", "ac"],
        Some(&text()),
    );
    assert!(out.status.success());
    let back = eqinfo(&["decompress", "--model", "uniform"], Some(&out.stdout));
    assert!(back.status.success());
    assert_eq!(back.stdout, text());
}

#[test]
fn bad_inputs_fail_cleanly_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.txt").display().to_string();
    assert_clean_failure(
        &eqinfo(&["compress", &missing, "--model", "uniform"], None),
        "missing.txt",
    );
    assert_clean_failure(
        &eqinfo(&["compress", "--model", "uniform"], Some(b"")),
        "empty input",
    );
    assert_clean_failure(
        &eqinfo(&["decompress", "--model", "uniform"], Some(b"")),
        "empty input",
    );
    assert_clean_failure(
        &eqinfo(&["compress", "--model", "/nonexistent/model"], Some(b"abc")),
        "nonexistent",
    );
    assert_clean_failure(
        &eqinfo(
            &["compress", "--model", "uniform", "--window-bits", "4"],
            Some(b"abc"),
        ),
        "window bits",
    );

    let eqi = eqinfo(&["compress", "--model", "uniform"], Some(&text())).stdout;
    let out_path = dir.path().join("never.txt");
    let out_str = out_path.display().to_string();
    // Truncated.
    let trunc = write(dir.path(), "trunc.eqi", &eqi[..eqi.len() - 5]);
    assert_clean_failure(
        &eqinfo(
            &["decompress", &trunc, "-o", &out_str, "--model", "uniform"],
            None,
        ),
        "corrupt",
    );
    assert!(!out_path.exists(), "a failed run left an output file");
    // A flipped payload byte.
    let mut bad = eqi.clone();
    let mid = bad.len() - 40;
    bad[mid] ^= 0x10;
    let flipped = write(dir.path(), "flip.eqi", &bad);
    assert_clean_failure(
        &eqinfo(
            &["decompress", &flipped, "-o", &out_str, "--model", "uniform"],
            None,
        ),
        "corrupt",
    );
    assert!(!out_path.exists());
    // Not a container at all.
    let junk = write(dir.path(), "junk.eqi", b"hello, I am not compressed");
    assert_clean_failure(
        &eqinfo(&["decompress", &junk, "--model", "uniform"], None),
        "magic",
    );
    assert_clean_failure(&eqinfo(&["info", &junk], None), "magic");
    // Unknown version.
    let mut v = eqi.clone();
    v[4] = 7;
    let vfile = write(dir.path(), "v.eqi", &v);
    assert_clean_failure(
        &eqinfo(&["decompress", &vfile, "--model", "uniform"], None),
        "version 7",
    );
}

#[test]
fn model_mismatch_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut counts = vec![0u64; 256];
    counts[b'a' as usize] = 40;
    counts[b' ' as usize] = 9;
    counts[0] = 5;
    let json = serde_json::json!({"kind": "unigram", "counts": counts}).to_string();
    let uni = write(dir.path(), "uni.json", json.as_bytes());
    let eqi = eqinfo(
        &["compress", "--model", &uni, "--method", "ac"],
        Some(&text()),
    );
    assert!(
        eqi.status.success(),
        "{}",
        String::from_utf8_lossy(&eqi.stderr)
    );
    let f = write(dir.path(), "x.eqi", &eqi.stdout);
    assert_clean_failure(
        &eqinfo(&["decompress", &f, "--model", "uniform"], None),
        "--force",
    );
    // Forced with the wrong model: the checksum refuses the garbage.
    assert_clean_failure(
        &eqinfo(&["decompress", &f, "--model", "uniform", "--force"], None),
        "checksum",
    );
    let ok = eqinfo(&["decompress", &f, "--model", &uni], None);
    assert_eq!(ok.stdout, text());
}

#[test]
fn info_and_tokens_describe_the_data() {
    let eqi = eqinfo(
        &["compress", "--model", "uniform", "--window-bits", "32"],
        Some(b"abcdefgh"),
    );
    let info = eqinfo(&["info", "--json"], Some(&eqi.stdout));
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    // Uniform: 4 bytes per 32-bit window, two windows, four 16-bit tokens.
    assert_eq!(v["header"]["token_count"], 4);
    assert_eq!(v["header"]["input_len"], 8);
    assert_eq!(v["label"], "EqualInfoAC[b=32, v=65536]");
    let toks = eqinfo(
        &[
            "tokens",
            "--json",
            "--model",
            "uniform",
            "--window-bits",
            "32",
        ],
        Some(b"abcdefgh"),
    );
    let v: serde_json::Value = serde_json::from_slice(&toks.stdout).unwrap();
    assert_eq!(
        v["tokens"],
        serde_json::json!([0x6162, 0x6364, 0x6566, 0x6768])
    );
    assert_eq!(v["windows"][1]["bytes"], serde_json::json!([4, 8]));
    // Uniform windows of whole bytes: the first is pinned by its bits; the last one ends the
    // input with no end marker, and 32 bits of code leave no room for another byte either.
    assert_eq!(v["free_decode"]["windows_total"], 2);
    assert_eq!(
        v["free_decode"]["window_ok"],
        serde_json::json!([true, true])
    );
}

/// `eqinfo train-tokenizer` writes a byte-level BPE that loads back, of the size asked for, and
/// reports its bytes/token on held-out text; `--method subword` picks 15-bit tokens by default.
#[test]
fn train_tokenizer_and_subword_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let train = write(
        dir.path(),
        "train.txt",
        &"It is a truth universally acknowledged, that a single man in possession of a good \
          fortune must be in want of a wife. Caf\u{e9} \u{2014} na\u{ef}ve.\n"
            .repeat(20)
            .into_bytes(),
    );
    let held = write(
        dir.path(),
        "held.txt",
        b"a single man in possession of a good fortune\n",
    );
    let out_json = dir.path().join("bpe.json").display().to_string();
    let out = eqinfo(
        &[
            "train-tokenizer",
            &train,
            "--vocab",
            "300",
            "-o",
            &out_json,
            "--eval",
            &held,
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let tk =
        eqinfo::method::subword::SubwordTokenizer::from_json(&std::fs::read(&out_json).unwrap())
            .expect("the trained file loads");
    assert_eq!(tk.vocab_size(), 300);
    assert_eq!(tk.token_bits(), 9);
    let report = String::from_utf8_lossy(&out.stdout);
    let ids = tk
        .tokenize(b"a single man in possession of a good fortune\n")
        .unwrap();
    assert!(
        report.contains(&format!("{} tokens", ids.len())),
        "{report}"
    );
    // Non-UTF-8 training text is refused with a message.
    let bad = write(dir.path(), "bad.bin", b"ok \xff\xfe no");
    assert_clean_failure(
        &eqinfo(&["train-tokenizer", &bad, "-o", &out_json], None),
        "not UTF-8",
    );
    // --method subword without --token-bits: v = 32768.
    let input = write(dir.path(), "in.txt", &text());
    let out = eqinfo(&["tokens", &input, "--method", "subword"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Subword[BPE, v=32768]"));
}
