//! The CLI's progress bars are for terminals only: with stderr (and stdout) piped, `stats`,
//! `compress`, `decompress`, `eval` and `export-tokens` write no bar bytes (no carriage returns,
//! no terminal escapes, no rate or ETA), and stdout holds only the output.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn eqinfo(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run eqinfo")
}

fn no_bar(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, bytes) in [("stderr", &out.stderr), ("stdout", &out.stdout)] {
        let s = String::from_utf8_lossy(bytes);
        assert!(
            !bytes.contains(&b'\r'),
            "{what}: a carriage return on {name}: {s:?}"
        );
        assert!(
            !bytes.contains(&0x1b),
            "{what}: a terminal escape on {name}: {s:?}"
        );
        assert!(
            !s.contains("ETA") && !s.contains("/s "),
            "{what}: a bar on {name}: {s:?}"
        );
    }
}

#[test]
fn piped_commands_print_no_progress_bar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text: Vec<u8> = b"the quick brown fox jumps over the lazy dog. "
        .iter()
        .cycle()
        .take(30_000)
        .copied()
        .collect();
    std::fs::write(dir.path().join("a.txt"), &text).unwrap();
    std::fs::write(dir.path().join("b.txt"), &text[..7000]).unwrap();
    let d = dir.path();
    let out = eqinfo(
        &[
            "stats",
            "a.txt",
            "b.txt",
            "-c",
            "equal-info:b=16:v=256",
            "--model",
            "uniform",
            "--words",
            "0",
            "--json",
        ],
        d,
    );
    no_bar("stats --json", &out);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is JSON alone");
    assert!(json.is_object());
    no_bar(
        "stats",
        &eqinfo(
            &[
                "stats", "b.txt", "-c", "ac:v=256", "--model", "uniform", "--words", "0",
            ],
            d,
        ),
    );
    no_bar(
        "compress",
        &eqinfo(
            &[
                "compress",
                "a.txt",
                "-o",
                "a.eqi",
                "--model",
                "uniform",
                "--token-bits",
                "8",
            ],
            d,
        ),
    );
    no_bar(
        "decompress",
        &eqinfo(
            &["decompress", "a.eqi", "-o", "a.back", "--model", "uniform"],
            d,
        ),
    );
    assert_eq!(std::fs::read(d.join("a.back")).unwrap(), text);
    no_bar(
        "export-tokens",
        &eqinfo(
            &[
                "export-tokens",
                "-c",
                "equal-info:b=16:v=256",
                "--model",
                "uniform",
                "-o",
                "ds",
                "a.txt",
                "b.txt",
            ],
            d,
        ),
    );
    no_bar(
        "eval",
        &eqinfo(
            &["eval", "--model", "uniform", "--max-bytes", "3000", "b.txt"],
            d,
        ),
    );
}
