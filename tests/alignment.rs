//! Every method's byte <-> token alignment ([`eqinfo::method::Alignment`]) against a brute force
//! from the definition: a token's bytes are the bytes owning one of its bits, computed bit by bit
//! (for GZip from the DEFLATE trace, mapping DEFLATE bit `k` of an example to token-stream bit
//! `start + (k ^ 7)` one bit at a time), and against hand-worked cases.

use eqinfo::method::deflate_trace::{trace_zlib, SpanKind};
use eqinfo::method::{self, Config, Encoded, MethodKind, RunOptions};
use eqinfo::model::{Uniform, Unigram};
use std::ops::Range;

const TEXT: &str = "The quick brown fox jumps over the lazy dog. The quick brown fox \
    jumps over the lazy dog again, and again: Café, naïve, 10 €, “quotes”.\n";

fn traced() -> RunOptions<'static> {
    RunOptions {
        trace: true,
        ..RunOptions::default()
    }
}

fn encode(text: &[u8], cfg: &Config) -> Encoded {
    let mut model = Unigram::fit(text);
    method::encode(text, cfg, &mut model, &traced()).expect("encodes")
}

/// Owners of every token-stream bit, one bit at a time, from the DEFLATE trace of each example.
fn gzip_bit_owners(enc: &Encoded) -> Vec<Option<Range<usize>>> {
    let mut owners = vec![None; enc.bits.len() as usize];
    for w in &enc.windows {
        let z: Vec<u8> = (0..w.bit_len / 8)
            .map(|i| {
                (0..8).fold(0u8, |a, j| {
                    (a << 1) | enc.bits.get(w.bit_start + 8 * i + j) as u8
                })
            })
            .collect();
        let t = trace_zlib(&z).expect("our own zlib stream");
        assert_eq!(t.output, &TEXT.as_bytes()[w.bytes.clone()]);
        for s in &t.spans {
            for k in s.bits.clone() {
                let at = (w.bit_start + (k ^ 7)) as usize;
                if !s.kind.is_overhead() {
                    owners[at] = Some(w.bytes.start + s.out.start..w.bytes.start + s.out.end);
                }
            }
        }
    }
    owners
}

/// Owners of every bit from per-byte ranges in stream order.
fn range_bit_owners(enc: &Encoded, ranges: &[Range<u64>]) -> Vec<Option<Range<usize>>> {
    let mut owners: Vec<Option<Range<usize>>> = vec![None; enc.bits.len() as usize];
    for (i, r) in ranges.iter().enumerate() {
        for k in r.clone() {
            let o = owners[k as usize].get_or_insert(i..i + 1);
            o.start = o.start.min(i);
            o.end = o.end.max(i + 1);
        }
    }
    owners
}

fn brute_spans(
    owners: &[Option<Range<usize>>],
    token_bits: u32,
    n_tokens: usize,
) -> Vec<Range<usize>> {
    let tb = token_bits as usize;
    (0..n_tokens)
        .map(|t| {
            let mut lo = usize::MAX;
            let mut hi = 0;
            for o in owners.iter().skip(t * tb).take(tb).flatten() {
                lo = lo.min(o.start);
                hi = hi.max(o.end);
            }
            if lo == usize::MAX {
                0..0
            } else {
                lo..hi
            }
        })
        .collect()
}

/// GZip at several token sizes (whole bytes and not, examples starting mid-byte): every token's
/// bytes as the brute force gives them, every byte in some token, the tokens of a byte those
/// holding its bits, and header-only tokens described as overhead.
#[test]
fn gzip_tokens_match_the_bit_by_bit_brute_force() {
    for (tb, example_bytes) in [(16, 10_240), (8, 50), (15, 40), (5, 64), (3, 0)] {
        let cfg = Config {
            token_bits: tb,
            example_bytes,
            ..Config::new(MethodKind::Gzip)
        };
        let enc = encode(TEXT.as_bytes(), &cfg);
        let align = enc.alignment().expect("GZip has an alignment");
        let owners = gzip_bit_owners(&enc);
        let want = brute_spans(&owners, tb, enc.tokens.len());
        assert_eq!(align.token_spans(enc.tokens.len()), want, "tb {tb}");
        // Every byte is in some token.
        let mut seen = vec![false; TEXT.len()];
        for s in &want {
            seen[s.clone()].fill(true);
        }
        assert!(seen.iter().all(|&x| x), "tb {tb}");
        // The inverse: the tokens of byte i run from the first to the last holding its bits.
        for i in 0..TEXT.len() {
            let ts: Vec<usize> = (0..enc.tokens.len())
                .filter(|&t| {
                    owners
                        .iter()
                        .skip(t * tb as usize)
                        .take(tb as usize)
                        .flatten()
                        .any(|o| o.contains(&i))
                })
                .collect();
            let got = align.tokens_of_bytes(i..i + 1);
            assert_eq!(got, ts[0]..ts[ts.len() - 1] + 1, "tb {tb} byte {i}");
        }
        // Every overhead span's tokens, bit by bit (several examples: a trailer lies before
        // the next example's first byte).
        let mut want_over: Vec<(usize, usize)> = Vec::new();
        for w in &enc.windows {
            let z: Vec<u8> = (0..w.bit_len / 8)
                .map(|i| {
                    (0..8).fold(0u8, |a, j| {
                        (a << 1) | enc.bits.get(w.bit_start + 8 * i + j) as u8
                    })
                })
                .collect();
            for s in trace_zlib(&z).unwrap().spans {
                if s.kind.is_overhead() && !s.bits.is_empty() {
                    let ts: Vec<usize> = s
                        .bits
                        .clone()
                        .map(|k| ((w.bit_start + (k ^ 7)) / tb as u64) as usize)
                        .collect();
                    want_over.push((*ts.iter().min().unwrap(), ts.iter().max().unwrap() + 1));
                }
            }
        }
        let got_over: Vec<(usize, usize)> = (0..align.overhead().len())
            .filter(|&i| !align.overhead()[i].bits.is_empty())
            .map(|i| {
                let r = align.tokens_of_overhead(i);
                (r.start, r.end)
            })
            .collect();
        assert_eq!(got_over, want_over, "tb {tb}");
        // Token 0 holds the zlib header: overhead, no byte (16 header bits).
        if tb <= 16 {
            assert_eq!(align.bytes_of_token(0), 0..0);
            let o = align.overhead_of_token(0);
            assert_eq!(o[0].label, SpanKind::ZlibHeader.describe());
        }
    }
}

/// Bytes: token t of 16 bits is bytes 2t, 2t + 1; of 8 bits byte t (by hand).
#[test]
fn bytes_tokens_are_the_bytes() {
    for tb in [8u32, 16] {
        let cfg = Config {
            token_bits: tb,
            ..Config::new(MethodKind::Bytes)
        };
        let enc = encode(TEXT.as_bytes(), &cfg);
        let per = tb as usize / 8;
        let spans = enc.alignment().unwrap().token_spans(enc.tokens.len());
        for (t, s) in spans.iter().enumerate() {
            assert_eq!(*s, per * t..(per * (t + 1)).min(TEXT.len()));
        }
    }
}

/// AC and StaticAC under the uniform model cost exactly 8 bits a byte (1/256 of the interval),
/// so 16-bit token t is bytes 2t and 2t + 1 (by hand); with the fitted unigram, the brute force.
#[test]
fn ac_and_static_ac_tokens_match_hand_and_brute_force() {
    let text = b"abcdefgh";
    let cfg = Config {
        example_bytes: 0,
        ..Config::new(MethodKind::Ac)
    };
    let enc = method::encode(text, &cfg, &mut Uniform::default(), &traced()).unwrap();
    let spans = enc.alignment().unwrap().token_spans(4);
    assert_eq!(spans, vec![0..2, 2..4, 4..6, 6..8]);
    for m in [MethodKind::Ac, MethodKind::StaticAc, MethodKind::EqualInfo] {
        for tb in [16u32, 8, 5] {
            let cfg = Config {
                token_bits: tb,
                example_bytes: 60,
                ..Config::new(m)
            };
            let enc = encode(TEXT.as_bytes(), &cfg);
            let ranges = method::trace::byte_bit_ranges(&enc).unwrap();
            let owners = range_bit_owners(&enc, &ranges);
            let mut want = brute_spans(&owners, tb, enc.tokens.len());
            // The padding rule, bit by bit: a window whose bits in the token have no owner
            // gives the token its last byte.
            for (t, span) in want.iter_mut().enumerate() {
                let bits = t as u64 * tb as u64..(t as u64 + 1) * tb as u64;
                for w in &enc.windows {
                    let wb = w.bit_start..w.bit_start + w.bit_len;
                    let mine: Vec<u64> = bits.clone().filter(|k| wb.contains(k)).collect();
                    if !mine.is_empty() && mine.iter().all(|&k| owners[k as usize].is_none()) {
                        let last = w.bytes.end - 1;
                        *span = if span.start >= span.end {
                            last..last + 1
                        } else {
                            span.start.min(last)..span.end.max(last + 1)
                        };
                    }
                }
            }
            let got = enc.alignment().unwrap().token_spans(enc.tokens.len());
            assert_eq!(got, want, "{m:?} tb {tb}");
        }
    }
}

/// Subword: every token's bytes are its piece, and the pieces tile the text in order.
#[test]
fn subword_tokens_spell_their_bytes() {
    let cfg = Config::new(MethodKind::Subword);
    let enc = encode(TEXT.as_bytes(), &cfg);
    let tk = method::subword::SubwordTokenizer::shipped().unwrap();
    let spans = enc.alignment().unwrap().token_spans(enc.tokens.len());
    let mut pos = 0;
    for (t, s) in spans.iter().enumerate() {
        assert_eq!(s.start, pos, "token {t}");
        assert_eq!(
            &TEXT.as_bytes()[s.clone()],
            tk.piece(enc.tokens[t]).unwrap(),
            "token {t}"
        );
        pos = s.end;
    }
    assert_eq!(pos, TEXT.len());
}
