//! The shipped M1 versions side by side: the default sample model (v1, `sample_models/`) and the
//! multilingual v2 (`sample_models/cpu-1m-v2/`, given with `--model`). A file written under v1 (a
//! committed fixture) decodes under the default and is refused under v2, and a file made under
//! v2 decodes with `--model sample_models/cpu-1m-v2` and is refused under the default.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn v2() -> String {
    root().join("sample_models/cpu-1m-v2").display().to_string()
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
fn v1_fixture_decodes_under_the_default_and_is_refused_under_v2() {
    let data = root().join("tests/data");
    let eqi = data.join("m1v1_equal_info.eqi").display().to_string();
    let want = std::fs::read(data.join("m1v1_plain.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("back.txt").display().to_string();
    let ok = eqinfo(&["decompress", &eqi, "-o", &out]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), want);

    let default_dir = root().join("sample_models");
    if model_hash(&default_dir) == model_hash(Path::new(&v2())) {
        panic!("sample_models/ and sample_models/cpu-1m-v2/ hold the same model");
    }
    let out2 = dir.path().join("back2.txt");
    let refused = eqinfo(&[
        "decompress",
        &eqi,
        "-o",
        &out2.display().to_string(),
        "--model",
        &v2(),
    ]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "decoded under the wrong model");
    assert!(err.contains("--force"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out2.exists(), "a refused decode left an output file");
}

#[test]
fn a_file_made_under_v2_decodes_with_it_and_is_refused_under_the_default() {
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
        "--model",
        &v2(),
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let refused = eqinfo(&["decompress", &eqi]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "decoded under the wrong model");
    assert!(err.contains("--force"), "{err}");
    let back = eqinfo(&["decompress", &eqi, "--model", &v2()]);
    assert!(back.status.success());
    assert_eq!(back.stdout, std::fs::read(&input).unwrap());
}
