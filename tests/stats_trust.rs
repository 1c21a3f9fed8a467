//! Issue 17, "numbers a reviewer can trust": the random KL baseline is independent across files
//! and shards, undersampled estimates are flagged (and a better estimator is given beside them),
//! window-position consistency is reported only where it is defined.

use eqinfo::method::{Config, MethodKind, RunOptions};
use eqinfo::model::Unigram;
use eqinfo::stats::kl::{chao_shen_entropy, kl_of_counts, random_bits, KlAccumulator};
use eqinfo::stats::{self, StatsOptions, SummaryRow};

const LN2: f64 = std::f64::consts::LN_2;

/// Eight different "files" of 2^15 bits, each in its own accumulator (as the batch runner keeps
/// one per file), then pooled.
fn pooled_over_files() -> (Vec<KlAccumulator>, KlAccumulator) {
    let files: Vec<Vec<u8>> = (0..8).map(|i| random_bits(1 << 15, 1000 + i)).collect();
    let per_file: Vec<KlAccumulator> = files
        .iter()
        .map(|f| {
            let mut a = KlAccumulator::new(4, 0x5EED);
            a.add_stream(f, 1 << 15);
            a
        })
        .collect();
    let mut all = per_file[0].clone();
    for a in &per_file[1..] {
        all.merge(a);
    }
    (per_file, all)
}

#[test]
fn random_baseline_differs_between_files_of_the_same_length() {
    let (per_file, _) = pooled_over_files();
    let r0 = per_file[0].report();
    let r1 = per_file[1].report();
    assert_ne!(
        r0.random_tokens, r1.random_tokens,
        "two files got the same random bits"
    );
    // Reproducible from the seed: the same file and seed give the same baseline.
    let mut again = KlAccumulator::new(4, 0x5EED);
    again.add_stream(&random_bits(1 << 15, 1000), 1 << 15);
    assert_eq!(again.report(), r0);
    // ... and another seed another baseline.
    let mut other = KlAccumulator::new(4, 0x5EEE);
    other.add_stream(&random_bits(1 << 15, 1000), 1 << 15);
    assert_ne!(other.report().random_tokens, r0.random_tokens);
}

#[test]
fn pooled_random_baseline_is_as_uniform_as_independent_random_bits() {
    // Oracle: for m independent uniform n-bit tokens the plug-in KL has mean (K - 1)/(2 m ln 2)
    // + O(K/m^2) and standard deviation sqrt(2 (K - 1))/(2 m ln 2); Miller–Madow removes the
    // mean. At n = 10 (K = 1024) the pool has m = 8 * 3276 = 26,208 tokens: |kl_mm| stays within
    // a few 0.001. Had the files shared one random stream, the pool would hold each of 3,276
    // tokens 8 times: plug-in KL about 1023/(2 * 3276 ln 2) = 0.225, corrected by only 1/8 of
    // that: kl_mm about 0.20.
    let (_, all) = pooled_over_files();
    let r = all.report();
    let tok10 = r.random_tokens.iter().find(|p| p.n == 10).unwrap();
    assert_eq!(tok10.samples, 8 * ((1 << 15) / 10));
    let sd = (2.0 * 1023.0f64).sqrt() / (2.0 * tok10.samples as f64 * LN2);
    assert!(tok10.kl_mm.abs() < 6.0 * sd, "{} (sd {sd})", tok10.kl_mm);
    let over10 = r.random_overlapping.iter().find(|p| p.n == 10).unwrap();
    assert!(over10.kl_mm.abs() < 0.01, "{}", over10.kl_mm);
    // Pooling is order-free: one accumulator fed every file equals the merge.
    let mut one = KlAccumulator::new(4, 0x5EED);
    for i in (0..8).rev() {
        one.add_stream(&random_bits(1 << 15, 1000 + i), 1 << 15);
    }
    let r1 = one.report();
    for (a, b) in r1.random_tokens.iter().zip(&r.random_tokens) {
        assert_eq!((a.n, a.samples), (b.n, b.samples));
        assert!((a.kl_mm - b.kl_mm).abs() < 1e-12);
    }
}

#[test]
fn two_files_through_analyze_get_different_random_baselines() {
    let a = b"the quick brown fox jumps over the lazy dog. ".repeat(40);
    let b = b"pack my box with five dozen liquor jugs!!!!! ".repeat(40);
    assert_eq!(a.len(), b.len());
    let cfg = Config::new(MethodKind::Bytes);
    let opts = StatsOptions::default();
    let run = RunOptions::default();
    let mut u = Unigram::default();
    let sa = stats::analyze(&a, &cfg, &mut u, &opts, &run).unwrap();
    let sb = stats::analyze(&b, &cfg, &mut u, &opts, &run).unwrap();
    let ra = SummaryRow::new("a", &sa.finish());
    let rb = SummaryRow::new("b", &sb.finish());
    assert_ne!(ra.kl_mm_random, rb.kl_mm_random);
}

#[test]
fn undersampled_points_are_flagged() {
    // 4096 random bits: 256 16-bit tokens for 65,536 values, 341 12-bit tokens for 4096 values:
    // both fewer samples than values; 8-bit tokens (512 for 256 values) are not.
    let bits = random_bits(4096, 7);
    let mut a = KlAccumulator::new(1, 1);
    a.add_stream(&bits, 4096);
    let r = a.report();
    for p in r.tokens.iter().chain(&r.random_tokens) {
        assert_eq!(p.undersampled, p.samples < 1u64 << p.n, "n {}", p.n);
    }
    let t = |n: u32| r.tokens.iter().find(|p| p.n == n).unwrap();
    assert!(t(16).undersampled && t(12).undersampled && !t(8).undersampled);
    // Undersampled, Miller–Madow over-corrects far below zero on random bits; Chao–Shen does not.
    assert!(t(16).kl_mm < -3.0, "{}", t(16).kl_mm);
    assert!(t(16).kl_cs.abs() < 1.0, "{}", t(16).kl_cs);
}

#[test]
fn chao_shen_by_hand() {
    // Counts [3, 1]: m = 4, one singleton, coverage C = 1 - 1/4 = 3/4; p = (9/16, 3/16);
    // H = -sum p ln p / (1 - (1 - p)^4), in bits.
    let p = [9.0 / 16.0, 3.0 / 16.0f64];
    let h: f64 = p
        .iter()
        .map(|&p| -p * p.ln() / (1.0 - (1.0 - p).powi(4)))
        .sum::<f64>()
        / LN2;
    assert!((chao_shen_entropy(&[3, 1]) - h).abs() < 1e-12);
    // Only singletons: the coverage is taken as 1 - (m - 1)/m (not 0).
    let p1 = 1.0 / 9.0f64; // C = 1/3, p = C / 3
    let h1 = 3.0 * (-p1 * p1.ln() / (1.0 - (1.0 - p1).powi(3))) / LN2;
    assert!((chao_shen_entropy(&[1, 0, 1, 1]) - h1).abs() < 1e-12);
    // No singleton: coverage 1, the plug-in probabilities.
    let h2 = -(0.5f64 * 0.5f64.ln()) * 2.0 / (1.0 - 0.5f64.powi(4)) / LN2;
    assert!((chao_shen_entropy(&[2, 2]) - h2).abs() < 1e-12);
    assert_eq!(chao_shen_entropy(&[0, 0]), 0.0);
    assert!(kl_of_counts(&[3, 1], 1).is_some());
}

#[test]
fn summary_rows_carry_the_flag_and_the_chao_shen_estimate() {
    let text = b"It is a truth universally acknowledged. ".repeat(20);
    let mut cfg = Config::equal_info(16, 16);
    cfg.example_bytes = 0;
    let mut u = Unigram::fit(&text);
    let s = stats::analyze(
        &text,
        &cfg,
        &mut u,
        &StatsOptions::default(),
        &RunOptions::default(),
    )
    .unwrap()
    .finish();
    let row = SummaryRow::new("x", &s);
    // A few hundred 16-bit tokens: undersampled.
    assert!(s.tokens < 1 << 16);
    assert_eq!(row.kl_tokens_undersampled, Some(true));
    assert!(row.kl_cs_tokens.is_some() && row.kl_cs_random.is_some());
    let mut buf = Vec::new();
    stats::write_csv(std::slice::from_ref(&row), &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains("kl_tokens_undersampled"));
    let back = stats::read_csv(text.as_bytes()).unwrap();
    assert_eq!(back[0].kl_tokens_undersampled, Some(true));
}

#[test]
fn window_position_only_where_defined() {
    let text =
        b"It is a truth universally acknowledged, that a single man in possession. ".repeat(6);
    let mut u = Unigram::fit(&text);
    let run = RunOptions::default();
    let opts = StatsOptions::default();
    let row = |spec: &str, u: &mut Unigram| {
        let cfg: Config = spec.parse().unwrap();
        let s = stats::analyze(&text, &cfg, u, &opts, &run)
            .unwrap()
            .finish();
        (s.clone(), SummaryRow::new("x", &s))
    };
    // b = 16 with 16-bit tokens: one token per window, no position 2.
    let (s, r) = row("equal-info:b=16:v=65536", &mut u);
    assert!(r.position1_consistency.is_some());
    assert_eq!(r.position2_consistency, None);
    assert!(s
        .window_position
        .as_ref()
        .unwrap()
        .iter()
        .all(|p| p.occurrences > 0 && p.groups > 0));
    // b = 16 with 8-bit tokens: two positions.
    let (_, r) = row("equal-info:b=16:v=256", &mut u);
    assert!(r.position1_consistency.is_some() && r.position2_consistency.is_some());
    // Methods without windows: nothing.
    for spec in ["ac:v=256", "static-ac:v=256", "bytes", "gzip"] {
        let (s, r) = row(spec, &mut u);
        assert_eq!(s.window_position, None, "{spec}");
        assert_eq!(r.position1_consistency, None, "{spec}");
        assert_eq!(r.position2_consistency, None, "{spec}");
    }
}

#[test]
fn cli_table_stars_undersampled_kl_and_explains_the_estimators() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.txt");
    std::fs::write(
        &p,
        b"a small file, far fewer than 65,536 tokens. ".repeat(30),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_eqinfo"))
        .args(["stats", "-q", "--words", "0", "--model", "uniform"])
        .args(["-c", "equal-info:b=16:v=65536", "-c", "bytes"])
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row in\n{text}"))
            .to_string()
    };
    // 16-bit tokens: a few hundred samples for 65,536 values: starred; bytes (8-bit tokens,
    // 1,350 samples for 256 values): not.
    assert!(line("EqualInfoAC[b=16, v=65536]").contains('*'), "{text}");
    assert!(!line("Bytes[v=256]").contains('*'), "{text}");
    assert!(
        text.contains("Miller-Madow: n - H - (2^n - 1)/(2 m ln 2)"),
        "{text}"
    );
    assert!(text.contains("* fewer tokens than token values"), "{text}");
}
