//! Statistics (SPEC section 8): known values computed by hand, CSV/JSON round trips, plots that
//! decode, and the batch runner's progress and cancel.

use eqinfo::batch::{run_batch, BatchInput, BatchOptions, BatchProgress, PrefixOptions};
use eqinfo::method::{encode, Config, MethodKind, RunOptions};
use eqinfo::model::{Uniform, Unigram};
use eqinfo::report::{export, paper, plot as plots, render};
use eqinfo::stats::align::{alignment, char_lengths};
use eqinfo::stats::kl::{kl_of_counts, kl_report, quantile, random_bits};
use eqinfo::stats::stability::{levenshtein, pairwise_histogram, parse_word_list};
use eqinfo::stats::trivial::{rank_frequency, TrivialAccumulator};
use eqinfo::stats::{self, ConfigStats, Histogram, StatsOptions, SummaryRow};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

const LN2: f64 = std::f64::consts::LN_2;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn kl_of_a_constant_stream_is_n_bits_before_correction() {
    // 4096 zero bits: every n-gram and every n-bit token is 0..0, entropy 0.
    let bytes = vec![0u8; 512];
    let r = kl_report(&bytes, 4096, 8, 1);
    assert_eq!(r.overlapping.len(), 16);
    assert_eq!(r.tokens.len(), 16);
    for p in &r.overlapping {
        assert_eq!(p.kl_plugin, p.n as f64, "overlapping n = {}", p.n);
        let m = 4096 - p.n as u64 + 1;
        assert_eq!(p.samples, m);
        // Miller–Madow adds (2^n - 1)/(2 m ln 2) bits to H, so KL drops by as much.
        let expect = p.n as f64 - ((1u64 << p.n) as f64 - 1.0) / (2.0 * m as f64 * LN2);
        assert!(
            close(p.kl_mm, expect, 1e-12),
            "n {} {} vs {}",
            p.n,
            p.kl_mm,
            expect
        );
        assert!(p.kl_mm < p.kl_plugin);
    }
    for p in &r.tokens {
        assert_eq!(p.kl_plugin, p.n as f64, "tokens n = {}", p.n);
        assert_eq!(p.samples, 4096 / p.n as u64);
    }
    // All ones too (the stream's value does not matter).
    let ones = vec![0xFFu8; 512];
    let r1 = kl_report(&ones, 4096, 8, 1);
    assert!(r1.tokens.iter().all(|p| p.kl_plugin == p.n as f64));
}

#[test]
fn kl_of_hand_counts() {
    // n = 1, counts 3 zeros and 1 one: H = -(3/4 log2 3/4 + 1/4 log2 1/4) = 0.811278...
    let (kl, mm, m) = kl_of_counts(&[3, 1], 1).unwrap();
    let h = -(0.75f64 * 0.75f64.log2() + 0.25 * 0.25f64.log2());
    assert_eq!(m, 4);
    assert!(close(kl, 1.0 - h, 1e-12));
    assert!(close(mm, 1.0 - h - 1.0 / (8.0 * LN2), 1e-12));
    assert!(close(1.0 - h, 0.188_721_875_540_867, 1e-12));
    // A uniform 2-bit table: plug-in KL exactly 0.
    let (kl2, _, _) = kl_of_counts(&[5, 5, 5, 5], 2).unwrap();
    assert!(kl2.abs() < 1e-12);
    assert!(kl_of_counts(&[0, 0], 1).is_none());
}

#[test]
fn kl_known_overlapping_pattern() {
    // 0101... (alternating): overlapping 1-grams balanced (KL 0); overlapping 2-grams only
    // "01" and "10", each half: H = 1, KL = 1. Non-overlapping 2-bit tokens are all "01": KL = 2.
    let bytes = vec![0x55u8; 64];
    let r = kl_report(&bytes, 512, 4, 3);
    let over = |n: u32| r.overlapping.iter().find(|p| p.n == n).unwrap();
    let tok = |n: u32| r.tokens.iter().find(|p| p.n == n).unwrap();
    assert!(over(1).kl_plugin.abs() < 1e-12);
    assert!(close(over(2).kl_plugin, 1.0, 1e-3));
    assert_eq!(tok(2).kl_plugin, 2.0);
}

#[test]
fn random_bits_give_a_miller_madow_interval_covering_zero() {
    let len = 200_000u64;
    let bytes = random_bits(len, 42);
    let r = kl_report(&bytes, len, 20, 9);
    for pts in [&r.tokens, &r.overlapping, &r.random_tokens] {
        for p in pts.iter().filter(|p| p.n <= 8) {
            assert_eq!(p.partitions, 20);
            let (q05, q50, q95) = (p.q05.unwrap(), p.q50.unwrap(), p.q95.unwrap());
            assert!(
                q05 <= 0.0 && 0.0 <= q95,
                "n {}: [{}, {}] does not cover 0",
                p.n,
                q05,
                q95
            );
            assert!(q05 <= q50 && q50 <= q95);
            // Without the correction the plug-in estimate is biased upward: KL > 0 always.
            assert!(p.kl_plugin > p.kl_mm);
        }
    }
    // The baseline is seeded: same seed, same numbers.
    let again = kl_report(&bytes, len, 20, 9);
    assert_eq!(r, again);
}

#[test]
fn quantiles_interpolate() {
    let v = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(quantile(&v, 0.5), 3.0);
    assert!(close(quantile(&v, 0.05), 1.2, 1e-12));
    assert!(close(quantile(&v, 0.95), 4.8, 1e-12));
    assert!(quantile(&[], 0.5).is_nan());
}

#[test]
fn levenshtein_known_pairs() {
    assert_eq!(levenshtein(b"kitten", b"sitting"), 3);
    assert_eq!(levenshtein(b"flaw", b"lawn"), 2);
    assert_eq!(levenshtein(b"", b"abc"), 3);
    assert_eq!(levenshtein(b"abc", b""), 3);
    assert_eq!(levenshtein(b"same", b"same"), 0);
    assert_eq!(levenshtein(&[1u32, 2, 3, 4], &[9, 1, 2, 3, 4]), 1);
    assert_eq!(levenshtein(&[1u32, 2, 3], &[3, 2, 1]), 2);
    assert_eq!(levenshtein(b"intention", b"execution"), 5);
    // Pairwise histogram of {[1,2], [1,2], [2]}: distances 0, 1, 1.
    let h = pairwise_histogram(&[vec![1, 2], vec![1, 2], vec![2]], None).unwrap();
    assert_eq!(h.bins, vec![(0, 1), (1, 2)]);
}

#[test]
fn table3_formulas_on_a_hand_made_token_stream() {
    // 2-bit tokens (v = 4). Fit part [0,0,1,2], score part [0,1,1,3]; 16 input bytes.
    let mut acc = TrivialAccumulator::new(2);
    acc.add_split(&[0, 0, 1, 2], &[0, 1, 1, 3], 16);
    let b = acc.bounds(1.0);
    // ratio = 16 bytes / 8 tokens = 2.
    assert_eq!(b.bytes_per_token, 2.0);
    // uniform: log2(4) / 2 = 1 bit per byte.
    assert_eq!(b.uniform_bits_per_byte, 1.0);
    // all counts: 0:3, 1:3, 2:1, 3:1 of 8: H = 2*(3/8 log2 8/3) + 2*(1/8 log2 8) = 1.811278 bits.
    let h = 0.75 * (8.0f64 / 3.0).log2() + 0.25 * 3.0;
    assert!(close(b.token_entropy_bits, h, 1e-12));
    assert!(close(b.unigram_plugin_bits_per_byte, h / 2.0, 1e-12));
    // Add-one fitted on [0,0,1,2]: p = (3, 2, 2, 1) / 8. Score [0,1,1,3]:
    // CE = -(log2 3/8 + 2 log2 2/8 + log2 1/8)/4 = (1.415037 + 4 + 3)/4 = 2.103759 bits/token.
    let ce = -((3.0f64 / 8.0).log2() + 2.0 * (2.0f64 / 8.0).log2() + (1.0f64 / 8.0).log2()) / 4.0;
    assert!(close(ce, 2.103_759_4, 1e-6));
    assert!(close(b.heldout_cross_entropy_bits, ce, 1e-12));
    assert!(close(b.unigram_heldout_bits_per_byte, ce / 2.0, 1e-12));
    assert_eq!((b.fit_tokens, b.score_tokens, b.distinct_tokens), (4, 4, 4));
    // Rank-frequency: counts sorted 3, 3, 1, 1.
    assert_eq!(
        rank_frequency(acc.token_counts()),
        vec![(1, 3), (2, 3), (3, 1), (4, 1)]
    );
}

#[test]
fn table3_split_of_an_encoding() {
    // Bytes with 8-bit tokens, one example: first half fitted, second half scored.
    let data = b"aaaabbbb";
    let enc = encode(
        data,
        &"bytes".parse::<Config>().unwrap(),
        &mut Uniform::default(),
        &RunOptions::default(),
    )
    .unwrap();
    let mut acc = TrivialAccumulator::new(8);
    acc.add_encoded(&enc);
    let b = acc.bounds(0.5);
    assert_eq!((b.fit_tokens, b.score_tokens), (4, 4));
    // Score tokens 'b' never seen in fit: p = 0.5 / (4 + 0.5 * 256) = 1/264.
    assert!(close(b.heldout_cross_entropy_bits, 264f64.log2(), 1e-9));
    assert_eq!(b.uniform_bits_per_byte, 8.0);
    assert!(close(b.token_entropy_bits, 1.0, 1e-12));
}

#[test]
fn alignment_of_hand_made_ranges() {
    // "aé" = 61 c3 a9: chars of 1 and 2 bytes.
    let data = "aé!".as_bytes();
    assert_eq!(char_lengths(data), vec![1, 2, 1]);
    // 4-bit tokens. 'a' bits 0..3 (token 0), 'é' bytes 3..5 and 5..9 -> 3..9 (tokens 0..2:
    // straddles), '!' emits nothing.
    let ranges = vec![0..3, 3..5, 5..9, 9..9];
    let a = alignment(data, &ranges, 4);
    assert_eq!(a.chars, 3);
    assert_eq!(a.chars_one_token, 1);
    assert_eq!(a.chars_straddling, 1);
    assert_eq!(a.chars_no_bits, 1);
    assert_eq!(a.multibyte_straddling, 1);
    assert!(close(a.straddle_fraction, 1.0 / 3.0, 1e-12));
    // Invalid UTF-8 bytes are characters of their own.
    assert_eq!(char_lengths(&[0xff, b'a', 0xc3]), vec![1, 1, 1]);
}

#[test]
fn bytes_method_alignment_is_exact() {
    // Bytes with 16-bit tokens: ASCII chars at even positions start a token, all fit in one
    // token; a 2-byte char starting at an odd byte straddles.
    let data = "abcé".as_bytes(); // 61 62 63 c3 a9: 'é' = bytes 3..5, bits 24..40, tokens 1..3
    let cfg = "bytes:bits=16".parse::<Config>().unwrap();
    let enc = encode(data, &cfg, &mut Uniform::default(), &RunOptions::default()).unwrap();
    let ranges = stats::byte_bit_ranges(&enc).unwrap();
    assert_eq!(ranges[3], 24..32);
    let a = alignment(data, &ranges, 16);
    assert_eq!((a.chars, a.chars_straddling), (4, 1));
}

#[test]
fn histogram_merge_and_mean() {
    let mut h = Histogram::from_dense(&[0, 2, 0, 1]);
    assert_eq!(h.bins, vec![(1, 2), (3, 1)]);
    h.merge(&Histogram {
        bins: vec![(0, 1), (3, 1)],
    });
    assert_eq!(h.bins, vec![(0, 1), (1, 2), (3, 2)]);
    assert_eq!(h.count(), 5);
    assert!(close(h.mean(), 8.0 / 5.0, 1e-12));
}

#[test]
fn word_list_is_shipped_and_ranked() {
    let w = stats::stability::common_words(500);
    assert_eq!(w.len(), 500);
    assert_eq!(w[0], "the");
    assert!(w.iter().all(|x| x.chars().all(|c| c.is_ascii_lowercase())));
    let counts: Vec<u64> = stats::stability::COMMON_WORDS_TXT
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(1)?.parse().ok())
        .collect();
    assert!(
        counts.windows(2).all(|p| p[0] >= p[1]),
        "not ranked by frequency"
    );
    assert_eq!(parse_word_list("# c\nfoo\t3\n\nbar\n"), vec!["foo", "bar"]);
}

#[test]
fn config_syntax() {
    let c = "equal-info:b=32:v=65536".parse::<Config>().unwrap();
    assert_eq!(
        (c.method, c.window_bits, c.token_bits),
        (MethodKind::EqualInfo, 32, 16)
    );
    assert_eq!("ac:v=256".parse::<Config>().unwrap().token_bits, 8);
    assert_eq!("equal-info:v=65k".parse::<Config>().unwrap().token_bits, 16);
    assert_eq!("bytes".parse::<Config>().unwrap().token_bits, 8);
    assert!("equal-info:b=16:delay".parse::<Config>().unwrap().delay);
    assert!("zip".parse::<Config>().is_err());
    assert!("ac:v=100".parse::<Config>().is_err());
    assert!("ac:bits=17".parse::<Config>().is_err());
    assert!("ac:q=1".parse::<Config>().is_err());
}

fn small_inputs() -> Vec<BatchInput> {
    let a = "It is a truth universally acknowledged, that a single man in possession of a good \
             fortune, must be in want of a wife. "
        .repeat(12);
    let b = "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy \
             disposition, seemed to unite some of the best blessings of existence. "
        .repeat(9);
    vec![
        BatchInput {
            name: "a.txt".into(),
            data: a.into_bytes(),
        },
        BatchInput {
            name: "b.txt".into(),
            data: b.into_bytes(),
        },
    ]
}

fn small_configs() -> Vec<Config> {
    [
        "bytes",
        "gzip:v=256",
        "static-ac:v=256",
        "ac:v=256",
        "equal-info:b=16:v=256",
    ]
    .iter()
    .map(|s| {
        let mut c: Config = s.parse().unwrap();
        c.example_bytes = 512;
        c
    })
    .collect()
}

fn small_batch() -> eqinfo::batch::BatchReport {
    let inputs = small_inputs();
    let all: Vec<u8> = inputs.iter().flat_map(|i| i.data.clone()).collect();
    let mut model = Unigram::fit(&all);
    let opts = BatchOptions {
        stats: StatsOptions {
            kl_partitions: 4,
            ..Default::default()
        },
        prefix: Some(PrefixOptions {
            words: stats::stability::common_words(12),
            ..Default::default()
        }),
    };
    let cancel = AtomicBool::new(false);
    run_batch(
        &inputs,
        &small_configs(),
        &mut model,
        &opts,
        &|_| {},
        &cancel,
    )
}

#[test]
fn batch_statistics_are_consistent() {
    let r = small_batch();
    assert!(!r.cancelled);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.results.len(), 10);
    let inputs = small_inputs();
    for (ci, s) in r.summaries.iter().enumerate() {
        let s = s.as_ref().unwrap();
        let total: u64 = inputs.iter().map(|i| i.data.len() as u64).sum();
        assert_eq!(s.input_bytes, total);
        assert_eq!(s.files, 2);
        // Pooled tokens are the sum over files.
        let toks: u64 = r
            .results
            .iter()
            .filter(|j| j.config_index == ci)
            .map(|j| j.stats.tokens)
            .sum();
        assert_eq!(s.tokens, toks);
        assert!(close(s.bytes_per_token, total as f64 / toks as f64, 1e-12));
        assert!(close(
            s.trivial.uniform_bits_per_byte,
            s.bits_per_byte,
            1e-12
        ));
        assert_eq!(s.bytes_per_window.count(), s.windows);
        assert_eq!(s.rank_frequency.first().map(|p| p.0), Some(1));
    }
    let by = |m: MethodKind| {
        r.summaries
            .iter()
            .flatten()
            .find(|s| s.config.as_ref().unwrap().method == m)
            .unwrap()
    };
    // Bytes: ratio exactly 1, no padding, each char inside one 8-bit token.
    let bytes = by(MethodKind::Bytes);
    assert_eq!(bytes.bytes_per_token, 1.0);
    assert_eq!(bytes.alignment.as_ref().unwrap().chars_straddling, 0);
    assert!(by(MethodKind::Gzip).alignment.is_none());
    // EqualInfo: windows are b = 16 bits, and the free decoder was run.
    let eq = by(MethodKind::EqualInfo);
    assert!(eq.windows > eq.examples);
    assert!(eq.padding_bits_per_window.bins.iter().all(|&(p, _)| p < 16));
    let fd = eq.free_decode.as_ref().unwrap();
    assert_eq!(fd.windows_total, eq.windows);
    let wp = eq.window_position.as_ref().unwrap();
    assert_eq!(wp.len(), 2);
    assert!(wp[0].occurrences > 0);
    // Prefix stability: 12 words -> 66 pairs; Bytes tokens differ only by the prefix.
    let ps = r.prefix_stability[0].as_ref().unwrap();
    assert_eq!(ps.pairs, 66);
    let words = stats::stability::common_words(12);
    let max_len = words.iter().map(|w| w.len()).max().unwrap() as u64;
    assert!(ps.distances.bins.iter().all(|&(d, _)| d <= max_len));
}

#[test]
fn csv_and_json_round_trip() {
    let r = small_batch();
    let rows = r.rows();
    assert_eq!(rows.len(), 10 + 5);
    let mut buf = Vec::new();
    stats::write_csv(&rows, &mut buf).unwrap();
    let text = String::from_utf8(buf.clone()).unwrap();
    assert!(text.starts_with("file,config,input_bytes"));
    let back = stats::read_csv(&buf[..]).unwrap();
    assert_eq!(back.len(), rows.len());
    for (a, b) in rows.iter().zip(&back) {
        assert_eq!(a.file, b.file);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.kl_mm_tokens.is_some(), b.kl_mm_tokens.is_some());
        assert!(close(
            a.bytes_per_token,
            b.bytes_per_token,
            1e-9 * a.bytes_per_token.abs()
        ));
    }
    let json = serde_json::to_string(&r).unwrap();
    let back: eqinfo::batch::BatchReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.results.len(), r.results.len());
    let s0: &ConfigStats = r.summaries[4].as_ref().unwrap();
    let b0: &ConfigStats = back.summaries[4].as_ref().unwrap();
    assert_eq!(s0.bytes_per_window, b0.bytes_per_window);
    assert_eq!(s0.tokens, b0.tokens);
    assert_eq!(s0.label, b0.label);
    // Floats survive the trip (to the last bit or one unit in the last place).
    let kl = s0.kl.as_ref().unwrap();
    let kb = b0.kl.as_ref().unwrap();
    assert_eq!(kl.tokens.len(), kb.tokens.len());
    for (x, y) in kl.tokens.iter().zip(&kb.tokens) {
        assert!(close(x.kl_mm, y.kl_mm, 1e-12 * x.kl_mm.abs().max(1.0)));
        assert_eq!(x.q05.is_some(), y.q05.is_some());
    }
    assert!(close(
        s0.trivial.unigram_heldout_bits_per_byte,
        b0.trivial.unigram_heldout_bits_per_byte,
        1e-12
    ));
    let (wa, wb) = (
        s0.window_position.as_ref().unwrap(),
        b0.window_position.as_ref().unwrap(),
    );
    for (x, y) in wa.iter().zip(wb) {
        assert_eq!((x.occurrences, x.groups), (y.occurrences, y.groups));
        assert!(close(x.consistency, y.consistency, 1e-12));
        let ids = |p: &stats::PositionStability| {
            p.top
                .iter()
                .map(|t| (t.token, t.texts.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(x), ids(y));
    }
    let row = SummaryRow::new("x", s0);
    assert_eq!(row.config, s0.label);
}

#[test]
fn plots_are_written_and_decode() {
    let r = small_batch();
    let dir = tempfile::tempdir().unwrap();
    let written = export::write_batch_plots(&r, dir.path()).unwrap();
    if let Some(keep) = std::env::var_os("EQINFO_KEEP_PLOTS") {
        export::write_batch_plots(&r, std::path::Path::new(&keep)).unwrap();
    }
    assert_eq!(written.len(), 2 * 7, "{written:?}");
    for p in &written {
        let bytes = std::fs::read(p).unwrap();
        assert!(bytes.len() > 1000, "{} too small", p.display());
        match p.extension().and_then(|e| e.to_str()) {
            Some("png") => {
                let img = image::load_from_memory(&bytes).unwrap();
                assert_eq!((img.width(), img.height()), render::PLOT_SIZE);
                // Not a blank canvas: some pixel is not white.
                let rgb = img.to_rgb8();
                assert!(rgb.pixels().any(|px| px.0 != [255, 255, 255]));
            }
            Some("svg") => {
                let text = String::from_utf8(bytes).unwrap();
                let doc = roxmltree::Document::parse(&text).unwrap();
                assert_eq!(doc.root_element().tag_name().name(), "svg");
                // Title and axis labels are there as text.
                let stem = p.file_stem().unwrap().to_str().unwrap();
                let (_, plot) = plots::batch_plots(&r)
                    .into_iter()
                    .find(|(s, _)| s == stem)
                    .unwrap();
                let (title, xl, yl) = match &plot {
                    plots::Plot::Bars(b) => (b.title.clone(), b.x_label.clone(), b.y_label.clone()),
                    plots::Plot::Lines(l) => {
                        (l.title.clone(), l.x_label.clone(), l.y_label.clone())
                    }
                    plots::Plot::Grouped(g) => {
                        (g.title.clone(), g.x_label.clone(), g.y_label.clone())
                    }
                };
                let texts: Vec<String> = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("text"))
                    .map(|n| n.text().unwrap_or("").trim().to_string())
                    .collect();
                for want in [title, xl, yl] {
                    assert!(texts.contains(&want), "{stem}.svg lacks {want:?}");
                }
            }
            other => panic!("unexpected file {other:?}"),
        }
    }
    let bars = plots::ratio_bars(&r.summaries.iter().flatten().collect::<Vec<_>>());
    // Paper reference marks: Bytes 1.00, GZip 2.23, StaticAC 1.73, AC 5.49, EqualInfo[b=16] 2.66,
    // but our configs use 512-byte examples: they are still v = 256 configurations.
    assert_eq!(bars.bars.len(), 5);
    assert_eq!(bars.bars[0].reference, Some(1.0));
    assert_eq!(bars.bars[4].reference, Some(2.66));
}

#[test]
fn batch_progress_and_cancel() {
    let inputs = small_inputs();
    let configs = small_configs();
    let mut model = Unigram::fit(&inputs[0].data);
    let opts = BatchOptions {
        stats: StatsOptions::default(),
        prefix: None,
    };
    // Progress: bytes done never decreases and ends at the total.
    let seen = Mutex::new(Vec::<BatchProgress>::new());
    let cancel = AtomicBool::new(false);
    let r = run_batch(
        &inputs,
        &configs,
        &mut model,
        &opts,
        &|p| seen.lock().unwrap().push(p.clone()),
        &cancel,
    );
    assert!(!r.cancelled);
    let seen = seen.into_inner().unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.files_done, 2);
    assert_eq!(last.jobs_done, 10);
    assert_eq!(last.bytes_done, last.bytes_total);
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    // Cancel after the first job: the finished job is kept, the rest is not run.
    let cancel = AtomicBool::new(false);
    let calls = AtomicUsize::new(0);
    let r = run_batch(
        &inputs,
        &configs,
        &mut model,
        &opts,
        &|p| {
            calls.fetch_add(1, Ordering::Relaxed);
            if p.jobs_done >= 1 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    );
    assert!(r.cancelled);
    assert!(
        !r.results.is_empty() && r.results.len() < 10,
        "{}",
        r.results.len()
    );
    assert_eq!(r.summaries[0].as_ref().unwrap().files, 1);
}

/// The prefix-edit step runs after every job: the progress total counts it, so the fraction
/// done stays below 1 when the last job ends (before, bytes done reached bytes total there and
/// the GUI showed 100% while the step still ran) and reaches 1 only when the step is done.
#[test]
fn batch_progress_counts_the_prefix_edit_step() {
    let inputs = small_inputs();
    let configs: Vec<Config> = small_configs().into_iter().take(2).collect();
    let mut model = Unigram::fit(&inputs[0].data);
    let prefix = PrefixOptions {
        words: vec!["the".into(), "of".into(), "and".into()],
        sentence: "a short sentence.".into(),
    };
    // By hand: "the" + " " + 17 bytes = 21, "of" 20, "and" 21: 62 bytes per configuration.
    assert_eq!(prefix.variant_bytes(), 62);
    let file_bytes: u64 = inputs.iter().map(|i| i.data.len() as u64).sum();
    let opts = BatchOptions {
        stats: StatsOptions::default(),
        prefix: Some(prefix),
    };
    let seen = Mutex::new(Vec::<BatchProgress>::new());
    let cancel = AtomicBool::new(false);
    let r = run_batch(
        &inputs,
        &configs,
        &mut model,
        &opts,
        &|p| seen.lock().unwrap().push(p.clone()),
        &cancel,
    );
    assert!(r.prefix_stability.iter().all(Option::is_some));
    let seen = seen.into_inner().unwrap();
    let first = &seen[0];
    assert_eq!(first.bytes_total, (file_bytes + 62) * 2);
    assert_eq!(first.prefix_total, 2);
    // Every report before the last prefix-edit step is done is below 100%.
    let all_jobs = seen
        .iter()
        .position(|p| p.jobs_done == p.jobs_total)
        .unwrap();
    assert!(seen[all_jobs].fraction() < 1.0, "{:?}", seen[all_jobs]);
    assert!(seen[all_jobs].bytes_done < seen[all_jobs].bytes_total);
    for p in &seen[..seen.len() - 1] {
        assert!(
            p.fraction() < 1.0 || p.prefix_done == p.prefix_total,
            "{p:?}"
        );
    }
    let last = seen.last().unwrap();
    assert_eq!((last.prefix_done, last.fraction()), (2, 1.0));
    assert_eq!(last.bytes_done, last.bytes_total);
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
}

/// The AC methods' recorded per-byte bit ranges (what the statistics use) are exactly the
/// trace's, for AC, StaticAC, EqualInfo, Delay and reset-every-n, with the sample M1.
#[test]
fn recorded_byte_bits_equal_the_trace() {
    use eqinfo::method::encode_recording;
    let mut model = eqinfo::model::open::open_model(None, "cpu").expect("sample M1 loads");
    let data = b"It is a truth universally acknowledged, that a single man in possession of a \
good fortune, must be in want of a wife. caf\xc3\xa9 \xff."
        .repeat(2);
    let mut configs = vec![
        Config::new(MethodKind::Ac),
        Config::new(MethodKind::StaticAc),
    ];
    for (b, delay, reset) in [(16, false, 1), (24, true, 1), (32, false, 3)] {
        let mut c = Config::equal_info(b, 8);
        c.delay = delay;
        c.reset_every = reset;
        configs.push(c);
    }
    for mut cfg in configs {
        cfg.example_bytes = 100;
        let traced = encode(
            &data,
            &cfg,
            &mut model,
            &RunOptions {
                trace: true,
                ..Default::default()
            },
        )
        .unwrap();
        let from_trace = stats::byte_bit_ranges(&traced).unwrap();
        let (enc, rec) =
            encode_recording(&data, &cfg, &mut model, &RunOptions::default(), usize::MAX).unwrap();
        assert_eq!(enc.bits, traced.bits, "{}", cfg.label());
        assert_eq!(rec.unwrap(), from_trace, "{}", cfg.label());
        // Only the examples that start before `upto` are recorded.
        let (_, part) =
            encode_recording(&data, &cfg, &mut model, &RunOptions::default(), 150).unwrap();
        assert_eq!(part.unwrap(), from_trace[..200], "{}", cfg.label());
    }
}

/// Alignment and window position on the sample come out the same whether taken from the main
/// run (as `analyze` now does) or from a separate traced encoding of the sample (as it did).
#[test]
fn sample_statistics_match_a_separate_traced_encoding() {
    use eqinfo::stats::WindowPositionAccumulator;
    let mut model = eqinfo::model::open::open_model(None, "cpu").expect("sample M1 loads");
    let data = b"Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy \
disposition, seemed to unite some of the best blessings of existence; and had lived nearly \
twenty-one years in the world with very little to distress or vex her."
        .to_vec();
    let opts = StatsOptions {
        kl: false,
        free_decode: false,
        trace_sample_bytes: 150,
        ..Default::default()
    };
    for (mut cfg, ex) in [
        (Config::equal_info(16, 8), 64),
        (Config::new(MethodKind::Ac), 64),
        (Config::new(MethodKind::StaticAc), 64),
        (Config::equal_info(24, 16), 0),
    ] {
        cfg.example_bytes = ex;
        let got = stats::analyze(&data, &cfg, &mut model, &opts, &RunOptions::default())
            .unwrap()
            .finish();
        let sample = stats::trace_sample_len(data.len(), &cfg, &opts);
        assert_eq!(sample, if ex == 64 { 128 } else { 150 });
        let traced = encode(
            &data[..sample],
            &cfg,
            &mut model,
            &RunOptions {
                trace: true,
                ..Default::default()
            },
        )
        .unwrap();
        let ranges = stats::byte_bit_ranges(&traced).unwrap();
        let want_align = alignment(&data[..sample], &ranges, cfg.token_bits);
        assert_eq!(got.alignment.as_ref(), Some(&want_align), "{}", cfg.label());
        let mut wp = WindowPositionAccumulator::default();
        wp.add(&data[..sample], &traced, &ranges);
        // Window position is defined for EqualInfo's windows only (issue 17).
        let want_wp =
            (cfg.method == MethodKind::EqualInfo).then(|| wp.report(opts.window_position_top, 5));
        assert_eq!(got.window_position, want_wp, "{}", cfg.label());
        assert!(want_align.chars > 0);
    }
}

/// The subword method through the statistics: ratio from the tokenizer, 15-bit tokens, uniform
/// bound log2(32768) / ratio, and alignment from token spans (no trace needed).
#[test]
fn subword_statistics() {
    use eqinfo::method::subword::SubwordTokenizer;
    let text = b"It is a truth universally acknowledged, that a single man in possession of a \
good fortune, must be in want of a wife. "
        .repeat(8);
    let cfg = "subword".parse::<Config>().unwrap();
    assert_eq!(cfg.token_bits, 15);
    let s = stats::analyze(
        &text,
        &cfg,
        &mut Uniform::default(),
        &StatsOptions::default(),
        &RunOptions::default(),
    )
    .unwrap()
    .finish();
    let tk = SubwordTokenizer::shipped().unwrap();
    let ids = tk.tokenize(&text).unwrap();
    assert_eq!(s.tokens, ids.len() as u64);
    assert!(close(
        s.bytes_per_token,
        text.len() as f64 / ids.len() as f64,
        1e-12
    ));
    assert!(close(
        s.trivial.uniform_bits_per_byte,
        15.0 / s.bytes_per_token,
        1e-12
    ));
    let a = s.alignment.as_ref().expect("subword alignment");
    // ASCII text: every character is inside one token.
    assert_eq!(a.chars, text.len() as u64);
    assert_eq!(a.chars_straddling, 0);
    // A 3-byte character the tokenizer never merged straddles tokens.
    let rare = "\u{2603}".as_bytes().to_vec();
    let s2 = stats::analyze(
        &rare,
        &cfg,
        &mut Uniform::default(),
        &StatsOptions::default(),
        &RunOptions::default(),
    )
    .unwrap()
    .finish();
    let n = tk.tokenize(&rare).unwrap().len() as u64;
    let a2 = s2.alignment.unwrap();
    assert_eq!(a2.chars, 1);
    assert_eq!(a2.chars_straddling, u64::from(n > 1));
    assert_eq!(
        paper::paper_c4_ratio(&cfg),
        Some(4.28),
        "the paper's SentencePiece mark"
    );
}

/// The prefix-edit experiment codes many variants side by side (AC, EqualInfo with M1): its
/// distances equal those of the variants encoded one at a time.
#[test]
fn prefix_stability_equals_one_variant_at_a_time() {
    use eqinfo::stats::stability::{common_words, prefix_stability, DEFAULT_SENTENCE};
    let mut model = eqinfo::model::open::open_model(None, "cpu").expect("sample M1 loads");
    let words = common_words(7);
    let mut delay = Config::equal_info(24, 8);
    delay.delay = true;
    let mut short = Config::new(MethodKind::Ac);
    short.example_bytes = 20; // every variant spans several examples
    for cfg in [
        Config::new(MethodKind::Ac),
        Config::equal_info(16, 16),
        delay,
        short,
    ] {
        let got = prefix_stability(&cfg, &mut model, &words, DEFAULT_SENTENCE, None).unwrap();
        let seqs: Vec<Vec<u32>> = words
            .iter()
            .map(|w| {
                let text = format!("{w} {DEFAULT_SENTENCE}");
                encode(text.as_bytes(), &cfg, &mut model, &RunOptions::default())
                    .unwrap()
                    .tokens
            })
            .collect();
        let want = pairwise_histogram(&seqs, None).unwrap();
        assert_eq!(got.distances, want, "{}", cfg.label());
        assert_eq!(got.pairs, 21);
        let mean_tokens = seqs.iter().map(Vec::len).sum::<usize>() as f64 / 7.0;
        assert_eq!(got.mean_tokens, mean_tokens, "{}", cfg.label());
    }
}

/// The one rule for input folders (CLI and GUI): inputs in the order given, a folder's regular
/// files recursively in sorted path order, hidden entries and links to folders skipped, a file
/// named twice kept once, missing paths reported.
#[test]
fn input_discovery_walks_folders_by_one_rule() {
    use eqinfo::batch::discover_inputs;
    use std::path::PathBuf;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let touch = |rel: &str| {
        let p = d.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"x").unwrap();
        p
    };
    let a = touch("a.txt");
    let b = touch("b.txt");
    let hidden = touch(".hidden.txt");
    touch(".git/config");
    let c = touch("sub/c.txt");
    touch("sub/.x");
    let deep = touch("sub/deeper/d.txt");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("sub"), d.join("z_link")).unwrap();
        std::os::unix::fs::symlink(&a, d.join("f_link")).unwrap();
    }
    let missing = d.join("missing.txt");
    let found = discover_inputs(&[d.to_path_buf(), a.clone(), hidden.clone(), missing]);
    let mut want: Vec<PathBuf> = vec![a.clone(), b.clone()];
    #[cfg(unix)]
    want.push(d.join("f_link"));
    want.extend([c.clone(), deep.clone(), hidden]);
    assert_eq!(found.files, want);
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    assert!(found.problems[0].contains("missing.txt"));
    // Inputs keep the order given: a folder named first comes first.
    let found = discover_inputs(&[d.join("sub"), b.clone()]);
    assert_eq!(found.files, vec![c, deep, b]);
    assert!(found.problems.is_empty());
}
