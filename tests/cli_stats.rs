//! `eqinfo stats` end to end: the binary on small files with --json, --csv and --plots, its
//! numbers checked against independent computations (Bytes: counted here; uniform-model AC:
//! 8 bits a byte plus a stop code; Subword: the `tokenizers` crate on the shipped file), the PNG
//! plots decode and the SVG plots parse.

use eqinfo::batch::BatchReport;
use eqinfo::stats::{read_csv, SummaryRow};
use std::path::Path;
use std::process::{Command, Output};

fn eqinfo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(args)
        .output()
        .expect("spawn eqinfo")
}

fn ok(out: Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "eqinfo failed: {err}");
    assert!(!err.contains("panicked"), "{err}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.display().to_string()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// Plug-in entropy in bits of counts, computed the textbook way.
fn entropy(counts: &[u64]) -> f64 {
    let m: u64 = counts.iter().sum();
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / m as f64;
            -p * p.log2()
        })
        .sum()
}

fn byte_counts(data: &[u8]) -> Vec<u64> {
    let mut c = vec![0u64; 256];
    for &b in data {
        c[b as usize] += 1;
    }
    c
}

fn inputs() -> (Vec<u8>, Vec<u8>) {
    let a = b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife.\n"
        .repeat(3);
    let mut b = b"Emma Woodhouse, handsome, clever, and rich. caf\xc3\xa9 \xff\xfe ".to_vec();
    b.extend(0..=255u8);
    (a, b)
}

#[test]
fn stats_json_matches_independent_computations() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = inputs();
    let pa = write(dir.path(), "a.txt", &a);
    let pb = write(dir.path(), "b.bin", &b);
    let json = ok(eqinfo(&[
        "stats",
        &pa,
        &pb,
        "-c",
        "bytes",
        "-c",
        "ac:v=256:ex=0",
        "-c",
        "subword",
        "--model",
        "uniform",
        "--words",
        "6",
        "--json",
        "-q",
    ]));
    let r: BatchReport = serde_json::from_str(&json).expect("the JSON is a BatchReport");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.results.len(), 6);
    assert_eq!(r.files, [pa.clone(), pb.clone()]);
    let job = |file: &str, ci: usize| {
        &r.results
            .iter()
            .find(|j| j.file == file && j.config_index == ci)
            .expect("job")
            .stats
    };

    // Bytes: one 8-bit token per byte; Table 3 and KL from byte counts made here.
    for (path, data) in [(&pa, &a), (&pb, &b)] {
        let s = job(path, 0);
        let n = data.len() as f64;
        assert_eq!(s.tokens, data.len() as u64);
        assert_eq!(s.bytes_per_token, 1.0);
        assert_eq!(s.bits_per_byte, 8.0);
        assert_eq!(s.trivial.uniform_bits_per_byte, 8.0);
        let h = entropy(&byte_counts(data));
        assert!(close(s.trivial.unigram_plugin_bits_per_byte, h));
        // One example: the first floor(T/2) tokens fit the unigram (α = 0.5), the rest are scored.
        let half = data.len() / 2;
        let fit = byte_counts(&data[..half]);
        let ce: f64 = data[half..]
            .iter()
            .map(|&t| -((fit[t as usize] as f64 + 0.5) / (half as f64 + 0.5 * 256.0)).log2())
            .sum::<f64>()
            / (data.len() - half) as f64;
        assert!(close(s.trivial.unigram_heldout_bits_per_byte, ce));
        let kl = s.kl.as_ref().expect("KL");
        // 8-bit tokens are the bytes: KL = 8 - H, Miller–Madow adds 255 / (2 m ln 2) to H.
        let p8 = kl.tokens.iter().find(|p| p.n == 8).unwrap();
        assert_eq!(p8.samples, data.len() as u64);
        assert!(close(p8.kl_plugin, 8.0 - h));
        let mm = 255.0 / (2.0 * n * std::f64::consts::LN_2);
        assert!(close(p8.kl_mm, 8.0 - h - mm));
        // Overlapping 1-grams are all the bits.
        let ones: u64 = data.iter().map(|b| b.count_ones() as u64).sum();
        let p1 = &kl.overlapping[0];
        assert_eq!((p1.n, p1.samples), (1, 8 * data.len() as u64));
        assert!(close(
            p1.kl_plugin,
            1.0 - entropy(&[ones, 8 * data.len() as u64 - ones])
        ));
        // 8-bit tokens: exactly the multi-byte characters straddle tokens.
        let multibyte = data
            .utf8_chunks()
            .flat_map(|c| c.valid().chars())
            .filter(|c| c.len_utf8() > 1)
            .count() as u64;
        assert_eq!(s.alignment.as_ref().unwrap().chars_straddling, multibyte);
    }
    // The pooled Bytes row is the statistic of the pooled data, not a mean.
    let all = r.summaries[0].as_ref().unwrap();
    let pooled: Vec<u8> = a.iter().chain(&b).copied().collect();
    assert_eq!(all.tokens, pooled.len() as u64);
    assert!(close(
        all.trivial.unigram_plugin_bits_per_byte,
        entropy(&byte_counts(&pooled))
    ));

    // Uniform-model AC over the whole file: every byte costs exactly 8 bits, then a stop code
    // of at most two bytes' worth, zero-padded to whole 8-bit tokens.
    for (path, data) in [(&pa, &a), (&pb, &b)] {
        let s = job(path, 1);
        let n = data.len() as u64;
        assert!(
            (n..=n + 2).contains(&s.tokens),
            "{} tokens for {n} bytes",
            s.tokens
        );
        assert_eq!(s.windows, 1);
    }

    // Subword: the token count the `tokenizers` crate itself gives on the shipped file (both
    // inputs are under one 10,240-byte example; `a` is valid UTF-8).
    let tk = tokenizers::Tokenizer::from_file(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/subword_bpe32k.json"),
    )
    .unwrap();
    let text = std::str::from_utf8(&a).unwrap();
    let want = tk.encode(text, false).unwrap().get_ids().len() as u64;
    let s = job(&pa, 2);
    assert_eq!(s.tokens, want);
    assert_eq!(s.token_bits, 15);
    assert!(close(s.bytes_per_token, a.len() as f64 / want as f64));
    assert!(s.bytes_per_token > 3.0, "{}", s.bytes_per_token);
    assert!(close(
        s.trivial.uniform_bits_per_byte,
        15.0 / s.bytes_per_token
    ));

    // Prefix-edit stability over 6 words: 15 pairs per configuration.
    for ps in &r.prefix_stability {
        assert_eq!(ps.as_ref().expect("prefix stability").pairs, 15);
    }
}

#[test]
fn stats_csv_agrees_with_json_and_plots_are_images() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = inputs();
    let pa = write(dir.path(), "a.txt", &a);
    let pb = write(dir.path(), "b.bin", &b);
    let plots = dir.path().join("plots");
    let plots_s = plots.display().to_string();
    let common = [
        "stats",
        &pa,
        &pb,
        "-c",
        "bytes",
        "-c",
        "gzip:v=256",
        "--model",
        "uniform",
        "--words",
        "4",
        "-q",
    ];
    let csv_out = ok(eqinfo(
        &[&common[..], &["--csv", "--plots", &plots_s]].concat(),
    ));
    let rows: Vec<SummaryRow> = read_csv(csv_out.as_bytes()).expect("CSV parses");
    // One row per file and configuration, then one ALL row per configuration.
    assert_eq!(rows.len(), 2 * 2 + 2);
    assert_eq!(rows.iter().filter(|r| r.file == "ALL").count(), 2);
    let header = csv_out.lines().next().unwrap();
    for col in [
        "file",
        "config",
        "bytes_per_token",
        "kl_mm_tokens",
        "stats_seconds",
    ] {
        assert!(header.split(',').any(|c| c == col), "no column {col}");
    }
    let json = ok(eqinfo(&[&common[..], &["--json"]].concat()));
    let r: BatchReport = serde_json::from_str(&json).unwrap();
    let from_json = r.rows();
    assert_eq!(from_json.len(), rows.len());
    for (c, j) in rows.iter().zip(&from_json) {
        assert_eq!((&c.file, &c.config), (&j.file, &j.config));
        assert_eq!(c.tokens, j.tokens);
        assert_eq!(c.bytes_per_token, j.bytes_per_token);
        assert_eq!(
            c.unigram_heldout_bits_per_byte,
            j.unigram_heldout_bits_per_byte
        );
        assert_eq!(c.kl_mm_tokens, j.kl_mm_tokens);
    }
    // Bytes: the CSV's own numbers, checked by hand.
    let bytes_a = rows
        .iter()
        .find(|r| r.file == pa && r.config == "Bytes[v=256]")
        .expect("Bytes row of a.txt");
    assert_eq!(bytes_a.tokens, a.len() as u64);
    assert_eq!(bytes_a.bits_per_byte, 8.0);
    assert!(close(
        bytes_a.unigram_plugin_bits_per_byte,
        entropy(&byte_counts(&a))
    ));
    // GZip: the ratio is that of zlib on the file (default level, one example).
    let gz = rows
        .iter()
        .find(|r| r.file == pa && r.config == "GZip[v=256]")
        .unwrap();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, &a).unwrap();
    let zlen = z.finish().unwrap().len();
    assert_eq!(gz.tokens, zlen as u64);

    // Plots: every PNG decodes to a non-trivial image, every SVG parses, in pairs.
    let mut names: Vec<String> = std::fs::read_dir(&plots)
        .expect("plots directory written")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let pngs: Vec<&String> = names.iter().filter(|n| n.ends_with(".png")).collect();
    let svgs: Vec<&String> = names.iter().filter(|n| n.ends_with(".svg")).collect();
    assert!(pngs.len() >= 3, "{names:?}");
    assert_eq!(pngs.len(), svgs.len(), "{names:?}");
    for p in pngs {
        let img = image::open(plots.join(p)).expect("PNG decodes");
        assert!(img.width() >= 200 && img.height() >= 100, "{p}");
        let svg_name = p.replace(".png", ".svg");
        let svg = std::fs::read_to_string(plots.join(&svg_name)).expect("SVG beside the PNG");
        let doc = roxmltree::Document::parse(&svg).expect("SVG parses");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(
            doc.descendants().any(|n| n.is_text()),
            "{svg_name} has no text"
        );
    }
}

#[test]
fn stats_errors_are_messages() {
    let dir = tempfile::tempdir().unwrap();
    let pa = write(dir.path(), "a.txt", b"some text");
    let missing = dir.path().join("missing.txt").display().to_string();
    for (args, needle) in [
        (vec!["stats", missing.as_str()], "missing.txt"),
        (vec!["stats", pa.as_str(), "-c", "nope"], "unknown method"),
        (
            vec!["stats", pa.as_str(), "-c", "subword:bits=8"],
            "15 bits",
        ),
    ] {
        let out = eqinfo(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
