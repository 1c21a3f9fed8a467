//! Careless hands at the shell (issue 10): a closed or full stdout, `-o` onto special files,
//! links and the input, a signal during the final write, a huge file that is not a container,
//! and the small ones (empty or repeated `-c` keys, bad devices, a missing plots parent, errors
//! that repeat themselves, a file that is not a model).

#![cfg(unix)]

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test; `EQINFO_TEST_BIN` runs these tests against another build (to see
/// them fail on an older one; never run the /dev/null test as root against a build without the
/// fix: it replaces the device).
fn bin() -> String {
    std::env::var("EQINFO_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_eqinfo").into())
}

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("spawn eqinfo")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fails_with(o: &Output, needle: &str) {
    let e = stderr(o);
    assert!(!o.status.success(), "expected failure; stderr: {e}");
    assert!(!e.contains("panicked"), "panic: {e}");
    assert!(e.contains(needle), "stderr lacks {needle:?}: {e}");
}

fn text() -> Vec<u8> {
    b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune must be in want of a wife. caf\xc3\xa9 \xff\n"
        .repeat(40)
}

struct Dir {
    _t: tempfile::TempDir,
    path: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().to_path_buf();
        Dir { _t: t, path }
    }
    fn file(&self, name: &str, data: &[u8]) -> String {
        let p = self.path.join(name);
        std::fs::write(&p, data).unwrap();
        p.display().to_string()
    }
    fn p(&self, name: &str) -> String {
        self.path.join(name).display().to_string()
    }
}

/// An input, its container (bytes method: no model, fast) and the container's bytes.
fn sample(d: &Dir) -> (String, String, Vec<u8>) {
    let input = d.file("in.txt", &text());
    let eqi = d.p("in.eqi");
    let o = run(&["compress", &input, "-o", &eqi, "--method", "gzip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&eqi).unwrap();
    (input, eqi, bytes)
}

// ---------------------------------------------------------------------------------------------
// Item 7: stdout closed or full.

fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the program writes: every write gets EPIPE.
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

fn commands_that_print(d: &Dir) -> Vec<Vec<String>> {
    let big = d.file("big.txt", &text().repeat(20));
    let (_, eqi, _) = sample(d);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["tokens", &big, "--model", "uniform"]),
        s(&["tokens", &big, "--model", "uniform", "--json"]),
        s(&["info", &eqi]),
        s(&["info", &eqi, "--json"]),
        s(&["eval", &big, "--model", "uniform", "--max-bytes", "3000"]),
        s(&[
            "eval",
            &big,
            "--model",
            "uniform",
            "--max-bytes",
            "3000",
            "--json",
        ]),
        s(&["decompress", &eqi]),
    ]
}

#[test]
fn a_closed_stdout_is_a_quiet_exit() {
    let d = Dir::new();
    for args in commands_that_print(&d) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = with_closed_stdout(&args);
        let e = stderr(&o);
        assert!(!e.contains("panicked"), "{args:?}: {e}");
        assert!(o.status.success(), "{args:?}: {:?} {e}", o.status);
        assert!(!e.contains("error"), "{args:?}: {e}");
    }
}

#[test]
fn a_full_stdout_is_a_clear_error() {
    let d = Dir::new();
    for args in commands_that_print(&d) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(bin())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(full)
            .output()
            .unwrap();
        fails_with(&o, "No space left on device");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 8: `-o` onto special files, links, existing files and the input.

#[test]
fn output_to_dev_null_leaves_the_device_alone() {
    let d = Dir::new();
    let (input, eqi, _) = sample(&d);
    for args in [
        vec!["compress", &input, "-o", "/dev/null", "--method", "gzip"],
        vec!["decompress", &eqi, "-o", "/dev/null"],
    ] {
        let o = run(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let m = std::fs::symlink_metadata("/dev/null").unwrap();
        assert!(m.file_type().is_char_device(), "/dev/null was replaced");
    }
}

#[test]
fn output_to_dev_stdout_goes_to_stdout() {
    let d = Dir::new();
    let (_, eqi, _) = sample(&d);
    let o = Command::new(bin())
        .args(["decompress", &eqi, "-o", "/dev/stdout"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, text(), "the pipe got the text");
}

#[test]
fn output_to_a_fifo_writes_into_it() {
    let d = Dir::new();
    let (input, _, want) = sample(&d);
    let fifo = d.path.join("pipe");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a plain mkfifo on a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_end(&mut v)
                .unwrap();
            v
        })
    };
    let o = run(&[
        "compress",
        &input,
        "-o",
        fifo.to_str().unwrap(),
        "--method",
        "gzip",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        reader.join().unwrap(),
        want,
        "the FIFO's reader got the container"
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn output_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let d = Dir::new();
    let (input, _, want) = sample(&d);
    let target = d.file("target.eqi", b"old");
    let link = d.path.join("link.eqi");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = run(&[
        "compress",
        &input,
        "-o",
        link.to_str().unwrap(),
        "--method",
        "gzip",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), want);
}

#[test]
fn new_files_get_the_umask_and_replaced_files_keep_their_mode_and_links() {
    let d = Dir::new();
    let (input, _, want) = sample(&d);
    // A new file under umask 027: 0666 & !027 = 0640.
    let new = d.p("new.eqi");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027 && exec '{}' compress '{input}' -o '{new}' --method gzip",
            bin()
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::metadata(&new).unwrap().mode() & 0o777,
        0o640,
        "new file's mode"
    );
    // An existing file with mode 0604 keeps it.
    let old = d.file("old.eqi", b"old");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o604)).unwrap();
    let o = run(&["compress", &input, "-o", &old, "--method", "gzip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&old).unwrap().mode() & 0o777, 0o604);
    assert_eq!(std::fs::read(&old).unwrap(), want);
    // A file with two names: both see the new content.
    let a = d.file("a.eqi", b"old");
    let b = d.p("b.eqi");
    std::fs::hard_link(&a, &b).unwrap();
    let o = run(&["compress", &input, "-o", &a, "--method", "gzip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&b).unwrap(), want, "the other name");
    assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 2);
}

#[test]
fn output_onto_the_input_or_a_directory_is_refused_before_work() {
    let d = Dir::new();
    let (input, eqi, bytes) = sample(&d);
    let o = run(&["compress", &input, "-o", &input, "--method", "gzip"]);
    fails_with(&o, "is the input file");
    assert_eq!(std::fs::read(&input).unwrap(), text());
    // The same file under another name.
    let alias = d.p("alias.eqi");
    std::fs::hard_link(&eqi, &alias).unwrap();
    let o = run(&["decompress", &eqi, "-o", &alias]);
    fails_with(&o, "is the input file");
    assert_eq!(std::fs::read(&eqi).unwrap(), bytes);
    let sub = d.path.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let o = run(&["decompress", &eqi, "-o", sub.to_str().unwrap()]);
    fails_with(&o, "is a directory");
    assert!(sub.is_dir());
    let o = run(&["decompress", &eqi, "-o", &d.p("missing/dir/out.txt")]);
    fails_with(&o, "does not exist");
}

// ---------------------------------------------------------------------------------------------
// Item 9: a signal during the final write.

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn a_signal_during_the_final_write_removes_the_temporary_file() {
    for sig in [libc::SIGTERM, libc::SIGINT] {
        let d = Dir::new();
        let input = d.file("in.txt", &text());
        let out = d.path.join("out.eqi");
        let mut child = Command::new(bin())
            .args([
                "compress",
                &input,
                "-o",
                out.to_str().unwrap(),
                "--method",
                "gzip",
            ])
            .env("EQINFO_TEST_PAUSE_BEFORE_RENAME_MS", "20000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the temporary file exists (written, synced, about to be renamed).
        let t = Instant::now();
        let name = loop {
            if let Some(n) = temp_files(&d.path).into_iter().next() {
                break n;
            }
            assert!(t.elapsed() < Duration::from_secs(60), "no temporary file");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            name.starts_with(".out.eqi.") && name.ends_with(".eqinfo-tmp"),
            "named after its target: {name}"
        );
        // SAFETY: a signal to our own child.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(sig), "dies of the signal: {status:?}");
        assert_eq!(temp_files(&d.path), Vec::<String>::new(), "left behind");
        assert!(!out.exists(), "no partial output");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 10: a huge stream that is not a container is refused after its first bytes.

#[test]
fn info_and_decompress_stop_reading_a_stream_that_is_not_a_container() {
    for cmd in ["info", "decompress"] {
        let mut child = Command::new(bin())
            .arg(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut sin = child.stdin.take().unwrap();
        let chunk = vec![b'x'; 1 << 16];
        let mut sent = 0usize;
        // Up to 256 MiB; the program leaves after a few bytes, and the pipe breaks.
        while sent < 256 << 20 {
            match sin.write(&chunk) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        drop(sin);
        let o = child.wait_with_output().unwrap();
        fails_with(&o, "bad magic");
        assert!(
            sent < 8 << 20,
            "{cmd} read {sent} bytes of a stream that is not a container"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Item 12: an input too large for memory is a clear error before work.

#[test]
fn an_input_too_large_for_memory_is_refused_before_work() {
    let cfg = eqinfo::method::Config::new(eqinfo::method::MethodKind::Ac);
    let avail = eqinfo::container::available_memory().expect("Linux reports MemAvailable");
    let per = eqinfo::container::compress_bytes_per_input_byte(&cfg);
    let too_big = (avail / per + 1) as usize;
    let e = eqinfo::container::check_compress_memory(&cfg, too_big).unwrap_err();
    assert!(e.to_string().contains("MB are available"), "{e}");
    assert!(eqinfo::container::check_compress_memory(&cfg, 1 << 20).is_ok());
    // The CLI refuses a (sparse) file of that size before reading it.
    let d = Dir::new();
    let huge = d.path.join("huge.txt");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(too_big as u64 * 2)
        .unwrap();
    let o = run(&[
        "compress",
        huge.to_str().unwrap(),
        "--method",
        "ac",
        "--model",
        "uniform",
        "-o",
        &d.p("huge.eqi"),
    ]);
    fails_with(&o, "MB are available");
}

// ---------------------------------------------------------------------------------------------
// Item 13: the small ones.

#[test]
fn small_careless_inputs_get_clear_errors() {
    let d = Dir::new();
    let (input, eqi, _) = sample(&d);
    let stats = |extra: &[&str]| {
        let mut a = vec!["stats", &input, "--model", "uniform", "--words", "0", "-q"];
        a.extend_from_slice(extra);
        run(&a)
    };
    fails_with(&stats(&["-c", ""]), "empty configuration");
    fails_with(&stats(&["-c", "equal-info:b=16:b=32"]), "given twice");
    fails_with(&stats(&["-c", "ac:v=256:bits=8"]), "given twice");
    let plots = d.path.join("nothere/plots");
    fails_with(
        &stats(&["-c", "bytes", "--plots", plots.to_str().unwrap()]),
        "does not exist",
    );
    assert!(
        !d.path.join("nothere").exists(),
        "no parent directories created"
    );
    for dev in ["cpu:1", ""] {
        fails_with(
            &run(&["tokens", &input, "--model", "uniform", "--device", dev]),
            "device",
        );
    }
    // A missing file is said once.
    let o = run(&["stats", &d.p("missing.txt"), "--model", "uniform", "-q"]);
    let e = stderr(&o);
    assert!(!o.status.success());
    assert_eq!(e.matches("os error 2").count(), 1, "said twice: {e}");
    let o = run(&["tokens", &input, "--model", &d.p("missing-model")]);
    assert!(!o.status.success());
    let e = stderr(&o).to_lowercase();
    assert_eq!(e.matches("no such file").count(), 1, "said twice: {e}");
    // A file that is not a model says so, not that a config.json is missing.
    let bin = d.file("random.bin", &[7u8; 100]);
    let o = run(&["tokens", &input, "--model", &bin]);
    fails_with(&o, "is not a model");
    assert!(!stderr(&o).contains("config.json beside"), "{}", stderr(&o));
    // The library's mismatch message has no CLI flag in it; the CLI adds one.
    let lib = eqinfo::Error::ModelMismatch("written with another model".into()).to_string();
    assert!(!lib.contains("--force"), "{lib}");
    let ac = d.p("ac.eqi");
    let o = run(&[
        "compress", &input, "-o", &ac, "--method", "ac", "--model", "uniform",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let uni = d.file(
        "u.json",
        eqinfo::model::Unigram::fit(b"xyz").to_json().as_bytes(),
    );
    fails_with(&run(&["decompress", &ac, "--model", &uni]), "pass --force");
    let _ = eqi;
}
