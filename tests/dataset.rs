//! Token datasets (`eqinfo export-tokens`): decoding an export back gives the inputs exactly for
//! every method; the token file's layout is checked against what the methods must produce by
//! construction (Bytes tokens are the bytes; EqualInfo under the uniform model with b = 16 and
//! 8-bit tokens puts one byte in each token); shards partition the inputs; a tampered dataset is
//! refused; numpy reads the layout the README describes.

use eqinfo::dataset::{self, DatasetInput, ExportOptions, ExportOutcome, Shard};
use eqinfo::method::{self, Config};
use eqinfo::model::Uniform;
use std::path::{Path, PathBuf};

fn write_inputs(dir: &Path) -> Vec<DatasetInput> {
    let texts: [(&str, Vec<u8>); 4] = [
        (
            "a.txt",
            b"The quick brown fox jumps over the lazy dog. ".repeat(40),
        ),
        (
            "sub/b.txt",
            "Съешь же ещё этих мягких французских булок. 日本語も少し。"
                .repeat(9)
                .into_bytes(),
        ),
        ("sub/c.bin", (0..=255u8).cycle().take(3000).collect()),
        ("d.txt", b"x".to_vec()),
    ];
    texts
        .iter()
        .map(|(name, data)| {
            let file = dir.join(name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, data).unwrap();
            DatasetInput::under_root(&file, dir)
        })
        .collect()
}

fn export(inputs: &[DatasetInput], spec: &str, out: &Path) -> dataset::Manifest {
    let cfg: Config = spec.parse().unwrap();
    let mut model = Uniform::default();
    match dataset::export(inputs, &cfg, &mut model, out, &ExportOptions::default()).unwrap() {
        ExportOutcome::Written(m) => m,
        other => panic!("expected a fresh export, got {other:?}"),
    }
}

fn decode_all(out: &Path) -> Vec<(String, Vec<u8>)> {
    let ds = dataset::read_dataset(out).unwrap();
    let mut model = Uniform::default();
    let mut got = Vec::new();
    dataset::decode_dataset(&ds, &mut model, false, |p, b| {
        got.push((p.to_string(), b));
        Ok(())
    })
    .unwrap();
    got
}

fn sha256sum(file: &Path) -> Option<String> {
    let o = std::process::Command::new("sha256sum")
        .arg(file)
        .output()
        .ok()?;
    let s = String::from_utf8(o.stdout).ok()?;
    Some(s.split_whitespace().next()?.to_string())
}

#[test]
fn every_method_decodes_back_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let specs = [
        "bytes",
        "bytes:v=65536",
        "gzip:v=256",
        "static-ac:v=256",
        "ac:v=65536",
        "equal-info:b=16:v=65536",
        "equal-info:b=16:v=256:ex=100",
        "equal-info:b=32:v=65536:delay",
        "subword",
    ];
    for spec in specs {
        let out = tmp
            .path()
            .join(format!("ds-{}", spec.replace([':', '='], "_")));
        let m = export(&inputs, spec, &out);
        assert_eq!(m.inputs.len(), inputs.len(), "{spec}");
        if spec == "bytes" {
            // The recorded SHA-256 is coreutils' (`sha256sum FILE`), an independent program.
            for (rec, input) in m.inputs.iter().zip(&inputs) {
                if let Some(want) = sha256sum(&input.file) {
                    assert_eq!(rec.sha256, want, "{}", rec.path);
                }
            }
        }
        let got = decode_all(&out);
        for ((path, bytes), input) in got.iter().zip(&inputs) {
            assert_eq!(path, &input.name, "{spec}");
            assert_eq!(
                bytes,
                &std::fs::read(&input.file).unwrap(),
                "{spec}: {path}"
            );
        }
    }
}

#[test]
fn token_file_layout_matches_the_methods_by_construction() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let all: Vec<u8> = inputs
        .iter()
        .flat_map(|i| std::fs::read(&i.file).unwrap())
        .collect();
    // Bytes with 8-bit tokens: tokens.bin is the inputs, one after the other.
    let out = tmp.path().join("bytes8");
    let m = export(&inputs, "bytes", &out);
    assert_eq!(m.dtype, "u1");
    assert_eq!(std::fs::read(out.join("tokens.bin")).unwrap(), all);
    // EqualInfo, uniform model, b = 16, 8-bit tokens: each 16-bit window holds two 8-bit bytes,
    // so each token is one byte, and each window's byte count is 2; an input of odd length ends
    // with a window of one byte whose second token is zero padding.
    let out = tmp.path().join("eq16");
    export(&inputs, "equal-info:b=16:v=256", &out);
    let padded: Vec<u8> = inputs
        .iter()
        .flat_map(|i| {
            let mut d = std::fs::read(&i.file).unwrap();
            if d.len() % 2 == 1 {
                d.push(0);
            }
            d
        })
        .collect();
    assert_eq!(std::fs::read(out.join("tokens.bin")).unwrap(), padded);
    let index = std::fs::read_to_string(out.join("index.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(index.lines().next().unwrap()).unwrap();
    let windows = first["windows"].as_array().unwrap();
    assert!(windows.iter().all(|w| w.as_u64() == Some(2)));
    // Bytes with 16-bit tokens: each pair of bytes is one big-endian token, stored as
    // little-endian u16 (an odd byte is padded with a zero byte).
    let out = tmp.path().join("bytes16");
    let m = export(&inputs[..1], "bytes:v=65536", &out);
    assert_eq!(m.dtype, "<u2");
    let data = std::fs::read(&inputs[0].file).unwrap();
    let want: Vec<u8> = data
        .chunks(2)
        .flat_map(|c| [*c.get(1).unwrap_or(&0), c[0]])
        .collect();
    assert_eq!(std::fs::read(out.join("tokens.bin")).unwrap(), want);
}

#[test]
fn shards_partition_the_inputs_and_merge_back() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let cfg: Config = "equal-info:b=16:v=65536".parse().unwrap();
    let mut seen = Vec::new();
    for i in 0..3 {
        let out = tmp.path().join(format!("shard{i}"));
        let opts = ExportOptions {
            shard: Some(Shard { index: i, count: 3 }),
            ..Default::default()
        };
        let mut model = Uniform::default();
        dataset::export(&inputs, &cfg, &mut model, &out, &opts).unwrap();
        for (p, b) in decode_all(&out) {
            let input = inputs.iter().find(|x| x.name == p).unwrap();
            assert_eq!(b, std::fs::read(&input.file).unwrap());
            assert_eq!(Shard::of_path(&p, 3), i);
            seen.push(p);
        }
    }
    seen.sort();
    let mut names: Vec<String> = inputs.iter().map(|i| i.name.clone()).collect();
    names.sort();
    assert_eq!(seen, names, "every input in exactly one shard");
}

#[test]
fn an_existing_dataset_is_kept_and_another_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let out = tmp.path().join("ds");
    export(&inputs, "bytes", &out);
    let mut model = Uniform::default();
    let cfg: Config = "bytes".parse().unwrap();
    let again =
        dataset::export(&inputs, &cfg, &mut model, &out, &ExportOptions::default()).unwrap();
    assert!(matches!(again, ExportOutcome::UpToDate(_)));
    let other: Config = "gzip:v=256".parse().unwrap();
    let err = dataset::export(&inputs, &other, &mut model, &out, &ExportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("--force"), "{err}");
    // Still the first dataset, untouched.
    assert_eq!(decode_all(&out).len(), inputs.len());
    let forced = ExportOptions {
        force: true,
        ..Default::default()
    };
    dataset::export(&inputs, &other, &mut model, &out, &forced).unwrap();
    let ds = dataset::read_dataset(&out).unwrap();
    assert_eq!(ds.manifest.config, other);
    // No temporary folders left beside it.
    let stray: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".eqinfo-export-"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_tampered_dataset_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let out = tmp.path().join("ds");
    export(&inputs, "equal-info:b=16:v=65536", &out);
    let index = std::fs::read_to_string(out.join("index.jsonl")).unwrap();

    // A window's byte count moved from one window to the next: counts still sum to the
    // example, but the decoded bytes differ, so the recorded SHA-256 refuses them.
    let mut lines: Vec<serde_json::Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let w = lines[0]["windows"].as_array_mut().unwrap();
    let (a, b) = (w[0].as_u64().unwrap(), w[1].as_u64().unwrap());
    assert!(a > 1);
    w[0] = (a - 1).into();
    w[1] = (b + 1).into();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("index.jsonl"), text).unwrap();
    let ds = dataset::read_dataset(&out).unwrap();
    let mut model = Uniform::default();
    let r = dataset::decode_dataset(&ds, &mut model, false, |_, _| Ok(()));
    assert!(r.is_err());

    // A huge claimed window count: refused, nothing allocated for it.
    let mut lines2 = lines.clone();
    lines2[0]["windows"][0] = u64::MAX.into();
    let text: String = lines2.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("index.jsonl"), text).unwrap();
    let ds = dataset::read_dataset(&out).unwrap();
    assert!(dataset::decode_dataset(&ds, &mut model, false, |_, _| Ok(())).is_err());

    // A line moved to a later input: an input's lines must be consecutive and in input order.
    let mut lines3 = lines.clone();
    let last_path = ds.manifest.inputs[3].path.clone();
    lines3[0]["input"] = 3.into();
    lines3[0]["path"] = last_path.into();
    let text: String = lines3.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(out.join("index.jsonl"), text).unwrap();
    let err = dataset::read_dataset(&out).unwrap_err().to_string();
    assert!(err.contains("comes after input"), "{err}");

    // tokens.bin cut short: refused when read.
    std::fs::write(out.join("index.jsonl"), &index).unwrap();
    let tokens = std::fs::read(out.join("tokens.bin")).unwrap();
    std::fs::write(out.join("tokens.bin"), &tokens[..tokens.len() - 2]).unwrap();
    let err = dataset::read_dataset(&out).unwrap_err().to_string();
    assert!(err.contains("tokens.bin"), "{err}");
}

fn python_with_numpy() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|py| {
        std::process::Command::new(py)
            .args(["-c", "import numpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn numpy_reads_the_readme_layout() {
    let Some(py) = python_with_numpy() else {
        println!("NOTICE: python3 with numpy not found; the numpy loader test is skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let out = tmp.path().join("ds");
    export(&inputs, "equal-info:b=16:v=65536", &out);
    // The README's loader, printing each example's path, first token and token count.
    let script = r#"
import json, sys, numpy as np
d = sys.argv[1]
man = json.load(open(f"{d}/manifest.json"))
tokens = np.memmap(f"{d}/tokens.bin", dtype=np.dtype(man["dtype"]), mode="r")
for line in open(f"{d}/index.jsonl"):
    ex = json.loads(line)
    ids = tokens[ex["token_offset"] : ex["token_offset"] + ex["token_count"]]
    print(ex["path"], int(ids[0]), len(ids))
"#;
    let o = std::process::Command::new(py)
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ds = dataset::read_dataset(&out).unwrap();
    let want: String = ds
        .index
        .iter()
        .map(|l| {
            let t = ds.tokens[l.token_offset as usize];
            format!("{} {t} {}\n", l.path, l.token_count)
        })
        .collect();
    assert_eq!(String::from_utf8_lossy(&o.stdout), want);
}

#[test]
fn cli_sharded_export_verifies_and_resumes() {
    let exe = env!("CARGO_BIN_EXE_eqinfo");
    let tmp = tempfile::tempdir().unwrap();
    let inputs = write_inputs(tmp.path());
    let run = |args: &[&str]| {
        let o = std::process::Command::new(exe)
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // As a job array would run it: one process per shard, then a check of each.
    let mut total = 0;
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = format!("out{i}");
        let files = ["a.txt", "sub", "d.txt"];
        let mut args = vec![
            "export-tokens",
            "-q",
            "-c",
            "bytes",
            "--shard",
            &shard,
            "-o",
            &out,
        ];
        args.extend(files);
        let (ok, _, err) = run(&args);
        assert!(ok, "{err}");
        let (ok, _, err) = run(&args);
        assert!(ok && err.contains("nothing to do"), "{err}");
        let (ok, stdout, err) = run(&["verify-tokens", &out, "--against", "."]);
        assert!(ok, "{err}");
        total += stdout
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap();
    }
    assert_eq!(total, inputs.len());
    let (ok, _, err) = run(&[
        "export-tokens",
        "-c",
        "bytes",
        "--shard",
        "2/2",
        "-o",
        "x",
        "a.txt",
    ]);
    assert!(!ok && err.contains("shard"), "{err}");
}

/// Inputs coded together (their examples sharing the model's lanes) give each input the tokens
/// and windows that coding it alone gives: `method::encode_packed_many` against
/// `method::encode_packed` one text at a time, for every method, with examples small enough that
/// the texts have several each and lanes mix texts.
#[test]
fn packing_inputs_together_changes_nothing() {
    let texts: Vec<Vec<u8>> = vec![
        b"short".to_vec(),
        "Съешь же ещё этих мягких французских булок."
            .repeat(5)
            .into_bytes(),
        Vec::new(),
        b"The quick brown fox jumps over the lazy dog. ".repeat(9),
        (0..=255u8).collect(),
    ];
    let refs: Vec<&[u8]> = texts.iter().map(|t| t.as_slice()).collect();
    let fitted = eqinfo::model::Unigram::fit(&refs.concat());
    for spec in [
        "equal-info:b=16:v=65536:ex=64",
        "equal-info:b=24:v=256:ex=100:delay",
        "equal-info:b=16:v=256:ex=50:reset=0",
        "ac:v=256:ex=77",
        "static-ac:v=256:ex=90",
        "gzip:v=256:ex=120",
        "bytes:ex=33",
    ] {
        let cfg: Config = spec.parse().unwrap();
        let opts = method::RunOptions::default();
        let mut model = fitted.clone();
        let many = method::encode_packed_many(&refs, &cfg, &mut model, &opts).unwrap();
        assert_eq!(many.len(), refs.len(), "{spec}");
        for (t, p) in refs.iter().zip(&many) {
            let mut model = fitted.clone();
            let alone = method::encode_packed(t, &cfg, &mut model, &opts).unwrap();
            assert_eq!(p.tokens, alone.tokens, "{spec}");
            assert_eq!(p.example_bits, alone.example_bits, "{spec}");
            assert_eq!(p.window_bytes, alone.window_bytes, "{spec}");
            assert_eq!(p.input_len, t.len(), "{spec}");
        }
    }
}

/// The same with a real transformer (a tiny random M1, context 12): lanes of different texts
/// stepped together give each text its own tokens, bit for bit.
#[test]
fn packing_inputs_together_changes_nothing_with_m1() {
    use eqinfo::model::m1::{load, train::random_model_files, Config as M1Config};
    let dir = tempfile::tempdir().unwrap();
    let mut c = M1Config::preset("tiny").unwrap();
    c.max_context = 12;
    random_model_files(&c, 5, 0.4, dir.path()).unwrap();
    let texts: Vec<Vec<u8>> = vec![
        b"one small file".to_vec(),
        b"another, longer file of plain words and spaces ".repeat(3),
        b"x".to_vec(),
    ];
    let refs: Vec<&[u8]> = texts.iter().map(|t| t.as_slice()).collect();
    let cfg: Config = "equal-info:b=16:v=65536:ex=40".parse().unwrap();
    let opts = method::RunOptions::default();
    let mut m = load::load(dir.path(), &candle_core::Device::Cpu).unwrap();
    let many = method::encode_packed_many(&refs, &cfg, &mut m, &opts).unwrap();
    for (t, p) in refs.iter().zip(&many) {
        let alone = method::encode_packed(t, &cfg, &mut m, &opts).unwrap();
        assert_eq!(p.tokens, alone.tokens);
        assert_eq!(p.window_bytes, alone.window_bytes);
    }
}
