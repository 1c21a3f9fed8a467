//! The shipped M1 versions side by side: the previous sample model stays usable as
//! `sample_models/cpu-1m-v1/`, a file written under it (a committed fixture) still decodes with
//! `--model sample_models/cpu-1m-v1`, and a file made under one model is refused under the other.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn v1() -> String {
    root().join("sample_models/cpu-1m-v1").display().to_string()
}

fn eqinfo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(args)
        .output()
        .expect("spawn eqinfo")
}

fn model_hash(dir: &Path) -> String {
    let m = eqinfo::model::m1::load(dir, &candle_core::Device::Cpu).expect("model loads");
    eqinfo::model::ByteModel::identity(&m).hash
}

#[test]
fn v1_fixture_decodes_under_v1_and_is_refused_under_the_default() {
    let data = root().join("tests/data");
    let eqi = data.join("m1v1_equal_info.eqi").display().to_string();
    let want = std::fs::read(data.join("m1v1_plain.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("back.txt").display().to_string();
    let ok = eqinfo(&["decompress", &eqi, "-o", &out, "--model", &v1()]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), want);

    let default_dir = root().join("sample_models");
    if model_hash(&default_dir) == model_hash(Path::new(&v1())) {
        panic!("sample_models/ and sample_models/cpu-1m-v1/ hold the same model");
    }
    let out2 = dir.path().join("back2.txt");
    let refused = eqinfo(&["decompress", &eqi, "-o", &out2.display().to_string()]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "decoded under the wrong model");
    assert!(err.contains("--force"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out2.exists(), "a refused decode left an output file");
}

#[test]
fn a_file_made_under_the_default_model_is_refused_under_v1() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(
        &input,
        "Ein kurzer Text, a short text, короткий текст.\n".repeat(3),
    )
    .unwrap();
    let eqi = dir.path().join("x.eqi").display().to_string();
    let made = eqinfo(&[
        "compress",
        &input.display().to_string(),
        "-o",
        &eqi,
        "--method",
        "ac",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let refused = eqinfo(&["decompress", &eqi, "--model", &v1()]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "decoded under the wrong model");
    assert!(err.contains("--force"), "{err}");
    let back = eqinfo(&["decompress", &eqi]);
    assert!(back.status.success());
    assert_eq!(back.stdout, std::fs::read(&input).unwrap());
}
