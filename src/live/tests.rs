//! The live engine's own tests: incremental equals full, deferred checks equal inline checks,
//! the segmented full analysis equals the plain encoder.

use super::*;
use crate::method::{encode, Config, RunOptions};
use crate::model::Unigram;
use std::sync::atomic::AtomicBool;

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

/// Two analyses lay out the same examples in the same way: every field [`assemble`] computes
/// (the incremental layout of [`assemble_after`] against the full one).
fn assert_same_layout(a: &Analysis, b: &Analysis, label: &str) {
    assert_eq!(a.text, b.text, "{label}");
    assert_eq!(a.bits, b.bits, "{label}: bits");
    assert_eq!(a.tokens, b.tokens, "{label}: tokens");
    assert_eq!(a.examples, b.examples, "{label}: examples");
    assert_eq!(a.byte_window, b.byte_window, "{label}: byte_window");
    assert_eq!(a.alignment, b.alignment, "{label}: alignment");
    assert_eq!(a.windows.len(), b.windows.len(), "{label}: windows");
    for (x, y) in a.windows.iter().zip(&b.windows) {
        assert_eq!(
            (&x.bytes, x.bit_start, x.example),
            (&y.bytes, y.bit_start, y.example),
            "{label}"
        );
        assert_eq!(x.rec.coded, y.rec.coded, "{label}");
    }
}

/// The incremental layout after an edit equals laying out every example anew, field for
/// field: edits in the first, a middle and the last example (moving the examples after them
/// in bytes, bits, tokens and windows), growing and shrinking the number of examples, with
/// token sizes that do and do not divide a byte.
#[test]
fn assemble_after_equals_assemble() {
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let mut seed = 31u64;
    for (b, tb, eb) in [
        (16u32, 16u32, 50usize),
        (24, 5, 64),
        (16, 8, 0),
        (32, 12, 33),
    ] {
        let cfg = Config {
            example_bytes: eb,
            ..Config::equal_info(b, tb)
        };
        let mut text: Vec<u8> = (0..420)
            .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
            .collect();
        let mut prev = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut kept = 0;
        for (i, at) in [0usize, 200, 419, 5, 300, 100, 0, 250]
            .into_iter()
            .enumerate()
        {
            let at = at.min(text.len());
            match i % 3 {
                0 => text.splice(at..at, b"xyz".iter().copied()).for_each(drop),
                1 if at < text.len() => {
                    text.drain(at..(at + 40).min(text.len()));
                }
                _ => {
                    if let Some(c) = text.get_mut(at) {
                        *c = b'q';
                    }
                }
            }
            let t = Arc::new(text.clone());
            let inc = analyse_quick(t.clone(), &cfg, &mut model, 1, Some(&prev), &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            let examples: Vec<ExampleRecs> = inc
                .examples
                .iter()
                .map(|ex| {
                    (
                        ex.bytes.clone(),
                        inc.windows[ex.windows.clone()]
                            .iter()
                            .map(|w| w.rec.clone())
                            .collect(),
                    )
                })
                .collect();
            let full = assemble(t, &cfg, 1, examples, RunStats::default(), Arc::default());
            assert_same_layout(&inc, &full, &format!("b={b} tb={tb} eb={eb} edit {i}"));
            kept += inc.stats.examples_placed_before;
            prev = inc;
        }
        assert!(
            eb == 0 || kept > 8,
            "b={b} eb={eb}: {kept} examples kept their place"
        );
    }
}

/// Incremental re-analysis after random edits equals a full analysis, for several window
/// sizes, token sizes and example sizes (several examples included).
#[test]
fn incremental_equals_full_after_random_edits() {
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let mut seed = 7u64;
    for (b, tb, eb) in [
        (16, 16, 0),
        (24, 16, 0),
        (32, 8, 100),
        (64, 16, 0),
        (16, 5, 37),
    ] {
        let cfg = Config {
            example_bytes: eb,
            ..Config::equal_info(b, tb)
        };
        let mut text: Vec<u8> = (0..300)
            .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
            .collect();
        let mut prev = analyse(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..12 {
            let pos = lcg(&mut seed) as usize % (text.len() + 1);
            match lcg(&mut seed) % 3 {
                0 => text.insert(pos, corpus[lcg(&mut seed) as usize % corpus.len()]),
                1 if pos < text.len() => {
                    text.remove(pos);
                }
                _ => {
                    let n = (lcg(&mut seed) % 6) as usize;
                    let ins: Vec<u8> = (0..n).map(|_| b'a' + (lcg(&mut seed) % 26) as u8).collect();
                    text.splice(pos..pos, ins);
                }
            }
            let t = Arc::new(text.clone());
            let inc = analyse(t.clone(), &cfg, &mut model, 1, Some(&prev), &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            let full =
                analyse(t, &cfg, &mut model, 1, None, &cancel).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(inc.tokens, full.tokens, "b={b} tb={tb} eb={eb}");
            assert_eq!(inc.bits, full.bits);
            let spans = |a: &Analysis| {
                a.windows
                    .iter()
                    .map(|w| w.bytes.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(spans(&inc), spans(&full));
            for (x, y) in inc.windows.iter().zip(&full.windows) {
                assert_eq!(*x.rec, *y.rec);
            }
            assert_eq!(inc.round_trip_ok(), Some(true));
            prev = inc;
        }
    }
}

/// The quick path (tokens first, checks afterwards in batches) ends with exactly the records
/// of a fully checked analysis, including a window the side-information-free decoder gets
/// wrong, and reports the round trip as pending until the last batch.
#[test]
fn deferred_checks_equal_inline_checks() {
    // NUL is likely and the lowest symbol, so a window's zero padding also decodes as extra
    // NULs when the byte that did not fit was a letter: the side-information-free decoder
    // then gets such windows wrong.
    let corpus = b"\0\0\0\0\0\0x\0\0\0\0\0\0\0\0\0yz\0\0\0\0\0\0\0\0q";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let text: Vec<u8> = corpus.iter().cycle().take(600).copied().collect();
    for b in [16u32, 24] {
        let cfg = Config {
            example_bytes: 0,
            ..Config::equal_info(b, 16)
        };
        let t = Arc::new(text.clone());
        let full = analyse(t.clone(), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(full.unchecked(), 0);
        let mut quick =
            analyse_quick(t, &cfg, &mut model, 1, None, &cancel).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(quick.tokens, full.tokens);
        assert_eq!(quick.unchecked(), quick.windows.len());
        assert_eq!(quick.round_trip_ok(), None);
        let mut batches = 0;
        while let Some(next) = check_some(&quick, &mut model, 7).unwrap_or_else(|e| panic!("{e}")) {
            assert!(next.unchecked() < quick.unchecked());
            quick = next;
            batches += 1;
        }
        assert!(batches >= quick.windows.len() / 7, "{batches} batches");
        assert_eq!(quick.round_trip_ok(), Some(true));
        for (x, y) in quick.windows.iter().zip(&full.windows) {
            assert_eq!(*x.rec, *y.rec);
        }
        let (ok, n) = full.free_decode().unwrap_or((0, 0));
        assert_eq!(quick.free_decode(), Some((ok, n)));
        assert!(n > 0 && ok < n, "b={b}: {ok}/{n} windows free-decoded");
    }
}

/// A full analysis of a text long enough to be cut into several speculative segments gives
/// the windows, bits and tokens of the library's plain encoder.
#[test]
fn segmented_full_analysis_equals_the_plain_encoder() {
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let mut seed = 99u64;
    let text: Vec<u8> = (0..5000)
        .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
        .collect();
    for (b, tb, eb) in [(16, 16, 0), (24, 8, 0), (16, 16, 2048), (40, 7, 0)] {
        let cfg = Config {
            example_bytes: eb,
            ..Config::equal_info(b, tb)
        };
        let a = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        let enc = encode(&text, &cfg, &mut model, &RunOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let spans: Vec<Range<usize>> = a.windows.iter().map(|w| w.bytes.clone()).collect();
        let want: Vec<Range<usize>> = enc.windows.iter().map(|w| w.bytes.clone()).collect();
        assert_eq!(spans, want, "b={b} tb={tb} eb={eb}");
        assert_eq!(a.tokens, enc.tokens, "b={b} tb={tb} eb={eb}");
        assert!(a.stats.bytes_encoded > text.len(), "seams were re-encoded");
    }
}

/// Every method and window rule: after random edits, the incremental analysis (reusing the
/// previous one) equals a full analysis bit for bit, and both give the tokens and windows of
/// the library's plain encoder ([`encode`], the independent computation); the deferred checks
/// of the quick path end with the records of the inline checks.
#[test]
fn every_method_incremental_and_deferred_equal_full_and_the_plain_encoder() {
    use crate::method::MethodKind;
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let mut configs = Vec::new();
    for m in [
        MethodKind::Bytes,
        MethodKind::Gzip,
        MethodKind::StaticAc,
        MethodKind::Ac,
    ] {
        configs.push(Config {
            example_bytes: 90,
            token_bits: 8,
            ..Config::new(m)
        });
    }
    let eq = Config {
        example_bytes: 120,
        ..Config::equal_info(16, 16)
    };
    configs.push(eq.clone());
    configs.push(Config {
        delay: true,
        ..eq.clone()
    });
    configs.push(Config {
        exact: true,
        ..eq.clone()
    });
    configs.push(Config {
        reset_every: 3,
        ..Config::equal_info(24, 16)
    });
    configs.push(Config {
        example_bytes: 90,
        token_bits: 15,
        ..Config::new(MethodKind::Subword)
    });
    let mut seed = 1234u64;
    for cfg in &configs {
        let mut text: Vec<u8> = (0..400)
            .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
            .collect();
        let mut prev: Option<Analysis> = None;
        for _ in 0..4 {
            let pos = lcg(&mut seed) as usize % (text.len() + 1);
            let n = 1 + (lcg(&mut seed) % 4) as usize;
            let ins: Vec<u8> = (0..n).map(|_| b'a' + (lcg(&mut seed) % 26) as u8).collect();
            text.splice(pos..pos, ins);
            let t = Arc::new(text.clone());
            let mut quick = analyse_quick(t.clone(), cfg, &mut model, 1, prev.as_ref(), &cancel)
                .unwrap_or_else(|e| panic!("{}: {e}", cfg.label()));
            while let Some(next) =
                check_some(&quick, &mut model, 5).unwrap_or_else(|e| panic!("{e}"))
            {
                assert!(next.unchecked() < quick.unchecked(), "{}", cfg.label());
                quick = next;
            }
            let full = analyse(t, cfg, &mut model, 1, None, &cancel)
                .unwrap_or_else(|e| panic!("{}: {e}", cfg.label()));
            let enc = encode(&text, cfg, &mut model, &RunOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", cfg.label()));
            let label = cfg.label();
            assert_eq!(full.tokens, enc.tokens, "{label}");
            assert_eq!(quick.tokens, full.tokens, "{label}");
            assert_eq!(quick.bits, full.bits, "{label}");
            let spans = |a: &Analysis| {
                a.windows
                    .iter()
                    .map(|w| w.bytes.clone())
                    .collect::<Vec<_>>()
            };
            let want: Vec<Range<usize>> = enc.windows.iter().map(|w| w.bytes.clone()).collect();
            assert_eq!(spans(&full), want, "{label}");
            assert_eq!(spans(&quick), want, "{label}");
            for (x, y) in quick.windows.iter().zip(&full.windows) {
                assert_eq!(*x.rec, *y.rec, "{label}");
            }
            assert_same_layout(&quick, &full, &label);
            assert_eq!(quick.round_trip_ok(), Some(true), "{label}");
            assert_eq!(quick.free_decode(), full.free_decode(), "{label}");
            prev = Some(quick);
        }
    }
}

/// The same text, configuration and model give the same analysis whatever the previous one:
/// from scratch twice, and after an unrelated analysis of another text.
#[test]
fn analyses_are_deterministic() {
    let corpus = b"pack my box with five dozen liquor jugs; sphinx of black quartz, judge my vow. ";
    let mut model = Unigram::fit(corpus);
    let cancel = AtomicBool::new(false);
    let text: Vec<u8> = corpus.iter().cycle().take(700).copied().collect();
    let other: Vec<u8> = corpus.iter().rev().cycle().take(500).copied().collect();
    let cfg = Config {
        example_bytes: 200,
        ..Config::equal_info(16, 16)
    };
    let a = analyse(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel).unwrap();
    let b = analyse(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel).unwrap();
    let o = analyse(Arc::new(other), &cfg, &mut model, 1, None, &cancel).unwrap();
    let c = analyse(Arc::new(text), &cfg, &mut model, 1, Some(&o), &cancel).unwrap();
    for x in [&b, &c] {
        assert_eq!(x.tokens, a.tokens);
        assert_eq!(x.bits, a.bits);
        for (p, q) in x.windows.iter().zip(&a.windows) {
            assert_eq!(p.bytes, q.bytes);
            assert_eq!(*p.rec, *q.rec);
        }
    }
}

/// Deferred checks stop at the cancel flag (the worker's newer edit), for both kinds of batch
/// (windows alone, whole examples), and leave nothing half-checked behind.
#[test]
fn deferred_checks_stop_at_the_cancel_flag() {
    use crate::method::MethodKind;
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = Unigram::fit(corpus);
    let go = AtomicBool::new(false);
    let stop = AtomicBool::new(true);
    let text: Vec<u8> = corpus.iter().cycle().take(500).copied().collect();
    for cfg in [Config::equal_info(16, 16), Config::new(MethodKind::Ac)] {
        let quick = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &go)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(quick.unchecked() > 0, "{}", cfg.label());
        let r = check_some_cancellable(&quick, &mut model, 24, Some(&stop));
        assert!(matches!(r, Err(crate::Error::Cancelled)), "{}", cfg.label());
        let r = check_some_cancellable(&quick, &mut model, 24, Some(&go));
        assert!(
            r.unwrap_or_else(|e| panic!("{e}"))
                .is_some_and(|a| a.unchecked() < quick.unchecked()),
            "{}",
            cfg.label()
        );
    }
}

/// A tiny random M1 with a short window (so that texts slide past it), on the CPU.
fn tiny_m1(dir: &std::path::Path) -> crate::model::m1::M1 {
    let mut c = crate::model::m1::Config::preset("tiny").unwrap_or_else(|e| panic!("{e}"));
    c.max_context = 12;
    crate::model::m1::train::random_model_files(&c, 3, 0.4, dir).unwrap_or_else(|e| panic!("{e}"));
    let cpu = crate::model::device::parse_device("cpu").unwrap_or_else(|e| panic!("{e}"));
    crate::model::m1::load(dir, &cpu).unwrap_or_else(|e| panic!("{e}"))
}

/// AC with M1 after random edits (substitutions, insertions, deletions, anywhere): every byte's
/// trace and distribution, every bit and token equal the library's window encoder run from
/// scratch with its trace ([`encode`] stepping lanes, the independent computation); a
/// substitution far from the example's end computes only the bytes the model's context
/// reaches (the rest is re-coded from the kept slots), and later edits resume from saved lanes.
#[test]
fn ac_edits_with_m1_equal_the_window_encoder_from_scratch() {
    use crate::method::MethodKind;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut model = tiny_m1(dir.path());
    let reach = crate::model::ByteModel::context_bytes(&model).unwrap_or(0);
    let cancel = AtomicBool::new(false);
    let corpus = b"it is a truth universally acknowledged, that a single man in possession ";
    let mut seed = 77u64;
    for (eb, tb) in [(0usize, 16u32), (300, 8)] {
        let cfg = Config {
            example_bytes: eb,
            token_bits: tb,
            ..Config::new(MethodKind::Ac)
        };
        let mut text: Vec<u8> = (0..700)
            .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
            .collect();
        let mut prev = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut saw_small_substitution = false;
        for i in 0..10 {
            let pos = lcg(&mut seed) as usize % text.len();
            let mut substituted = None;
            match i % 4 {
                0 | 1 => {
                    let n = (1 + (lcg(&mut seed) % 3) as usize).min(text.len() - pos);
                    for b in &mut text[pos..pos + n] {
                        *b = if *b == b'x' { b'y' } else { b'x' };
                    }
                    substituted = Some((pos, n));
                }
                2 => text.insert(pos, b'A' + (lcg(&mut seed) % 26) as u8),
                _ => {
                    text.remove(pos);
                }
            }
            let t = Arc::new(text.clone());
            let inc = analyse_quick(t, &cfg, &mut model, 1, Some(&prev), &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            let opts = RunOptions {
                trace: true,
                ..RunOptions::default()
            };
            let enc = encode(&text, &cfg, &mut model, &opts).unwrap_or_else(|e| panic!("{e}"));
            let label = format!("eb={eb} tb={tb} edit {i} at {pos}");
            assert_eq!(inc.tokens, enc.tokens, "{label}");
            let trace = enc.trace.as_ref().unwrap_or_else(|| panic!("no trace"));
            assert_eq!(trace.bytes.len(), text.len());
            let on_demand: Vec<WindowDists> = (0..inc.windows.len())
                .map(|w| window_dists(&inc, w, &mut model).unwrap_or_else(|e| panic!("{e}")))
                .collect();
            for (j, want) in trace.bytes.iter().enumerate() {
                let got = inc.byte(j).unwrap_or_else(|| panic!("{label}: byte {j}"));
                let t = got.trace;
                assert_eq!(
                    (t.byte, t.prob.to_bits(), t.freq, t.cum_low, t.rank),
                    (
                        want.byte,
                        want.prob.to_bits(),
                        want.freq,
                        want.cum_low,
                        want.rank
                    ),
                    "{label}: byte {j}"
                );
                assert_eq!(
                    (t.before, t.after),
                    (want.before, want.after),
                    "{label}: {j}"
                );
                assert_eq!(got.bits, want.bits, "{label}: byte {j}");
                assert_eq!(t.entropy, want.entropy, "{label}: entropy of byte {j}");
                assert!(
                    on_demand[got.window].of(got.pos_in_window) == Some(trace.dist(j)),
                    "{label}: distribution of byte {j}"
                );
            }
            if let Some((p, n)) = substituted {
                let ex_end = p.checked_div(eb).map_or(text.len(), |k| (k + 1) * eb);
                if p + n + reach < ex_end.min(text.len()) {
                    assert!(
                        inc.stats.bytes_encoded <= n + reach,
                        "{label}: {} bytes through the model",
                        inc.stats.bytes_encoded
                    );
                    saw_small_substitution = true;
                }
            }
            prev = inc;
        }
        assert!(
            saw_small_substitution,
            "eb={eb}: no substitution far from the end"
        );
        assert!(prev.lanes.size_bytes() > 0, "eb={eb}: no lane was saved");
    }
}

/// The distributions computed on demand ([`window_dists`]) are those the coder used: equal, bit
/// for bit, to the ones the window encoder recorded while coding from scratch, for every AC
/// method and window rule; the distribution of the byte that closed an EqualInfo window is
/// the model's after the window's bytes, stepped one by one. The analysis itself keeps none.
#[test]
fn window_distributions_on_demand_are_the_coders() {
    use crate::method::MethodKind;
    use crate::model::ByteModel;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut model = tiny_m1(dir.path());
    let cancel = AtomicBool::new(false);
    let corpus = b"it is a truth universally acknowledged, that a single man in possession ";
    let mut seed = 5u64;
    let text: Vec<u8> = (0..260)
        .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
        .collect();
    let eq = Config {
        example_bytes: 100,
        ..Config::equal_info(24, 16)
    };
    let configs = [
        eq.clone(),
        Config {
            delay: true,
            ..eq.clone()
        },
        Config {
            exact: true,
            ..eq.clone()
        },
        Config {
            reset_every: 3,
            ..eq.clone()
        },
        Config {
            example_bytes: 100,
            ..Config::new(MethodKind::Ac)
        },
        Config {
            example_bytes: 100,
            ..Config::new(MethodKind::StaticAc)
        },
    ];
    for cfg in &configs {
        let label = cfg.label();
        let a = analyse_quick(Arc::new(text.clone()), cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(
            a.windows.iter().all(|w| w.rec.dists.is_empty()),
            "{label}: dists kept"
        );
        let opts = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let enc = encode(&text, cfg, &mut model, &opts).unwrap_or_else(|e| panic!("{e}"));
        let trace = enc
            .trace
            .as_ref()
            .unwrap_or_else(|| panic!("{label}: no trace"));
        let mut overflows = 0;
        for (w, win) in a.windows.iter().enumerate() {
            let d = window_dists(&a, w, &mut model).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(d.dists.len(), win.bytes.len() * 256, "{label}: window {w}");
            for (j, i) in win.bytes.clone().enumerate() {
                assert!(
                    d.of(j) == Some(trace.dist(i)),
                    "{label}: window {w} byte {i}"
                );
            }
            if cfg.reset_every == 1 && !cfg.delay && !cfg.exact {
                if let Some(o) = &win.rec.overflow {
                    model.start(1).unwrap_or_else(|e| panic!("{e}"));
                    for &b in &text[win.bytes.clone()] {
                        model.feed(&[Some(b)]).unwrap_or_else(|e| panic!("{e}"));
                    }
                    assert_eq!(o.at, win.bytes.len());
                    assert!(d.overflow.as_deref() == Some(model.dist(0)), "{label}: {w}");
                    overflows += 1;
                }
            }
        }
        assert!(
            cfg.method != MethodKind::EqualInfo
                || cfg.reset_every != 1
                || cfg.delay
                || cfg.exact
                || overflows > 5,
            "{label}: {overflows} overflows checked"
        );
        // Through the request list, as the GUI asks: pending, served, ready.
        let w = a.windows.len() / 2;
        let woke = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let k = woke.clone();
        let waker: Waker = Arc::new(move || {
            k.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert!(matches!(
            a.dist_requests.get(w, waker.clone()),
            DistState::Pending
        ));
        assert_eq!(a.dist_requests.serve(&a, &mut model), 1);
        assert_eq!(
            woke.load(std::sync::atomic::Ordering::Relaxed),
            1,
            "the UI was woken"
        );
        match a.dist_requests.get(w, waker) {
            DistState::Ready(d) => assert_eq!(d.window, w),
            other => panic!("{label}: {other:?}"),
        }
    }
}

/// A unigram stepped two lanes at a time (so that an analysis has many lane groups).
struct TwoLanes(Unigram);

impl crate::model::ByteModel for TwoLanes {
    fn identity(&self) -> crate::model::ModelIdentity {
        self.0.identity()
    }
    fn start(&mut self, lanes: usize) -> crate::Result<()> {
        self.0.start(lanes)
    }
    fn reset_lane(&mut self, lane: usize) {
        self.0.reset_lane(lane)
    }
    fn dist(&self, lane: usize) -> &[f32] {
        self.0.dist(lane)
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> crate::Result<()> {
        self.0.feed(bytes)
    }
    fn preferred_lanes(&self) -> usize {
        2
    }
}

/// The side work of a long analysis (the worker answering distribution requests) runs between
/// lane groups and AC examples, may use the model as it likes there, and changes nothing in
/// the result.
#[test]
fn side_work_between_lane_groups_changes_nothing() {
    use crate::method::MethodKind;
    use crate::model::ByteModel;
    let corpus = b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
    let mut model = TwoLanes(Unigram::fit(corpus));
    let cancel = AtomicBool::new(false);
    let text: Vec<u8> = corpus.iter().cycle().take(3000).copied().collect();
    for cfg in [
        Config {
            example_bytes: 1000,
            ..Config::equal_info(16, 16)
        },
        Config {
            example_bytes: 500,
            ..Config::new(MethodKind::Ac)
        },
    ] {
        let plain = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut calls = 0;
        let mut side = |m: &mut dyn ByteModel| {
            calls += 1;
            // Whatever the side work does to the lanes.
            m.start(3).unwrap_or_else(|e| panic!("{e}"));
            m.feed(&[Some(b'x'), None, Some(b'y')])
                .unwrap_or_else(|e| panic!("{e}"));
        };
        let with = analyse_quick_with(
            Arc::new(text.clone()),
            &cfg,
            &mut model,
            1,
            None,
            &cancel,
            None,
            Some(&mut side),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(calls >= 3, "{}: {calls} side calls", cfg.label());
        assert_eq!(with.tokens, plain.tokens, "{}", cfg.label());
        assert_same_layout(&with, &plain, &cfg.label());
    }
}
