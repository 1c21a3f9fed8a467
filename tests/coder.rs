//! The coder against independent computations: an exact-rational brute force for the bits needed
//! to stop, hand-worked codes, window invariants and the Delay rule.

use eqinfo::coding::{quantize, BitReader, BitWriter, CoderState, Decoder, Encoder, FreqTable};
use eqinfo::method::{self, Config, RunOptions};
use eqinfo::model::{Uniform, Unigram};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use proptest::prelude::*;

fn rat(n: u64, d_log2: u64) -> BigRational {
    BigRational::new(BigInt::from(n), BigInt::one() << d_log2)
}

/// The real interval [lo, hi) of a coder state whose emitted bits are `bits`, in exact rationals,
/// from the documented formula.
fn real_interval(st: &CoderState, bits: &BitWriter) -> (BigRational, BigRational) {
    let e = st.emitted;
    let mut bval = BigRational::zero();
    for i in 0..e {
        if bits.get(i) {
            bval += rat(1, i + 1);
        }
    }
    let half = rat(1, 1);
    let scale = rat(1, e + st.pending);
    let lo = bval.clone() + rat(1, e + 1) + (rat(st.low, 32) - half.clone()) * scale.clone();
    let hi = bval + rat(1, e + 1) + (rat(st.high + 1, 32) - half) * scale;
    (lo, hi)
}

/// Smallest k such that some [m/2^k, (m+1)/2^k) lies inside [lo, hi), by search.
fn brute_k(lo: &BigRational, hi: &BigRational) -> u64 {
    for k in 0..200u64 {
        let p = BigRational::from_integer(BigInt::one() << k);
        let m = (lo * &p).ceil();
        let end = (m + BigRational::one()) / p;
        if &end <= hi {
            return k;
        }
    }
    panic!("no dyadic interval found");
}

fn random_table(seed: u64, precision: u32) -> FreqTable {
    // A skewed distribution from a tiny LCG, so that some bytes are far more probable.
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let probs: Vec<f32> = (0..256)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = ((x >> 33) % 1000) as f32 / 1000.0;
            u.powi(8)
        })
        .collect();
    quantize(&probs, precision).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
    /// bits_needed equals the brute-force k of the exact interval after every symbol, and the
    /// stop code zero-padded decodes back to the symbols.
    #[test]
    fn bits_needed_matches_rational_oracle(seed in any::<u64>(), precision in 10u32..=16,
                                           picks in proptest::collection::vec(any::<u16>(), 0..14)) {
        let table = random_table(seed, precision);
        let mut enc = Encoder::new();
        let mut syms = Vec::new();
        // Pick symbols by cumulative position so probable ones come up often.
        for p in picks {
            let target = (p as u32 * 7919) % table.total();
            let s = table.symbol_at(target);
            syms.push(s);
            enc.encode(&table, s);
            let (lo, hi) = real_interval(&enc.state, &enc.out);
            prop_assert_eq!(enc.state.bits_needed(), brute_k(&lo, &hi));
        }
        let need = enc.state.bits_needed();
        let code = enc.finish();
        prop_assert_eq!(code.len(), need);
        let mut dec = Decoder::new(BitReader::new(&code, 0, code.len()));
        for &s in &syms {
            prop_assert_eq!(dec.decode(&table), s);
        }
    }
}

/// A dyadic table written down on paper: β = 10, byte 0 has [0, 1/2), byte 1 [1/2, 3/4),
/// byte 2 three units, every other byte one unit.
fn dyadic_table() -> FreqTable {
    let mut f = vec![1u32; 256];
    f[0] = 512;
    f[1] = 256;
    f[2] = 3;
    FreqTable::from_freqs(&f, 10).unwrap()
}

fn code_of(table: &FreqTable, syms: &[u8]) -> String {
    let mut enc = Encoder::new();
    for &s in syms {
        enc.encode(table, s);
    }
    enc.finish().to_bit_string()
}

#[test]
fn hand_worked_dyadic_codes() {
    let t = dyadic_table();
    // [0, 1/2) -> "0";  [1/2, 3/4) -> "10".
    assert_eq!(code_of(&t, &[0]), "0");
    assert_eq!(code_of(&t, &[1]), "10");
    // [0,1/2) then its [1/2,3/4) part: [1/4, 3/8) -> "010".
    assert_eq!(code_of(&t, &[0, 1]), "010");
    // [1/2,3/4) then [5/8, 11/16) -> "1010".
    assert_eq!(code_of(&t, &[1, 1]), "1010");
    // [0, 1/8) -> "000".
    assert_eq!(code_of(&t, &[0, 0, 0]), "000");
    // Byte 255 is the last unit [1023/1024, 1): ten ones.
    assert_eq!(code_of(&t, &[255]), "1111111111");
    // Empty input: the full interval needs no bits.
    assert_eq!(code_of(&t, &[]), "");
}

#[test]
fn uniform_windows_by_hand() {
    // Uniform: every byte is exactly its own 8 bits. b = 20 holds two bytes and 4 padding zeros.
    let mut cfg = Config::equal_info(20, 8);
    cfg.example_bytes = 0;
    let enc = method::encode(
        b"abcd",
        &cfg,
        &mut Uniform::default(),
        &RunOptions::default(),
    )
    .unwrap();
    assert_eq!(enc.windows.len(), 2);
    assert_eq!(enc.windows[0].bytes, 0..2);
    assert_eq!(enc.windows[0].code_bits, 16);
    // bits: 0x61 0x62 0000 | 0x63 0x64 0000  = 40 bits.
    assert_eq!(enc.tokens, vec![0x61, 0x62, 0x06, 0x36, 0x40]);
}

/// The alignment's padding rule, worked by hand on the windows above: 'a' owns bits 0..8, 'b'
/// 8..16 (its window's stop code is empty), padding 16..20; 'c' 20..28, 'd' 28..36, padding
/// 36..40. Token 2 (bits 16..24) is window 0's padding and the start of 'c': the padding belongs
/// to window 0's last byte 'b', so the token's bytes are "bc".
#[test]
fn padding_tokens_belong_to_their_windows_last_byte() {
    let mut cfg = Config::equal_info(20, 8);
    cfg.example_bytes = 0;
    let traced = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let enc = method::encode(b"abcd", &cfg, &mut Uniform::default(), &traced).unwrap();
    let align = enc.alignment().unwrap();
    assert_eq!(align.token_spans(5), vec![0..1, 1..2, 1..3, 2..4, 3..4]);
    // The inverse: 'b' ends window 0, so its tokens include the padding token 2.
    assert_eq!(align.tokens_of_bytes(1..2), 1..3);
    assert_eq!(align.tokens_of_bytes(0..1), 0..1);
    // 'd' ends window 1 and the stream: tokens 3 and 4.
    assert_eq!(align.tokens_of_bytes(3..4), 3..5);
    // 2-bit tokens: tokens 8 and 9 (bits 16..20) are padding only and belong to 'b' alone;
    // token 10 (bits 20..22) is the start of 'c'; tokens 18 and 19 are window 1's padding.
    let mut cfg2 = Config::equal_info(20, 2);
    cfg2.example_bytes = 0;
    let enc = method::encode(b"abcd", &cfg2, &mut Uniform::default(), &traced).unwrap();
    let spans = enc.alignment().unwrap().token_spans(20);
    assert_eq!(spans[7], 1..2);
    assert_eq!((spans[8].clone(), spans[9].clone()), (1..2, 1..2));
    assert_eq!(spans[10], 2..3);
    assert_eq!((spans[18].clone(), spans[19].clone()), (3..4, 3..4));
    assert_eq!(enc.alignment().unwrap().tokens_of_bytes(1..2), 4..10);
}

#[test]
fn straddling_tokens_b24_v65k() {
    // b = 24 holds exactly three uniform bytes; 16-bit tokens straddle the windows.
    let mut cfg = Config::equal_info(24, 16);
    cfg.example_bytes = 0;
    let trace_opts = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let enc = method::encode(b"abcdef", &cfg, &mut Uniform::default(), &trace_opts).unwrap();
    assert_eq!(enc.windows.len(), 2);
    assert_eq!(enc.windows[1].bit_start, 24);
    assert_eq!(enc.tokens, vec![0x6162, 0x6364, 0x6566]);
    // Token 1 takes its bits from window 0 ('c') and window 1 ('d').
    let align = enc.alignment().unwrap();
    let t = enc.trace.unwrap();
    assert_eq!(t.bytes[2].bits, 16..24);
    assert_eq!(t.bytes[3].bits, 24..32);
    assert_eq!(
        method::tokens::tokens_covering(16..32, 16),
        1..2,
        "'c' and 'd' both land in token 1"
    );
    assert_eq!((t.bytes[2].window, t.bytes[3].window), (0, 1));
    // Token -> bytes: "ab", "cd" (across the window boundary), "ef".
    assert_eq!(align.token_spans(3), vec![0..2, 2..4, 4..6]);
    // With 5-bit tokens, token 1 (bits 5..10) holds the end of 'a' and the start of 'b'.
    let mut cfg5 = cfg.clone();
    cfg5.token_bits = 5;
    let enc5 = method::encode(b"abcdef", &cfg5, &mut Uniform::default(), &trace_opts).unwrap();
    assert_eq!(enc5.alignment().unwrap().token_spans(10)[1], 0..2);
}

fn skewed_text() -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..400u32 {
        v.extend_from_slice(b"the cat sat on the mat ");
        if i % 7 == 0 {
            v.extend_from_slice(b"zebra QUIZ 42! ");
        }
    }
    v
}

/// Greedy rule: every window fits in b bits and the next byte would not have fitted.
#[test]
fn greedy_windows_are_maximal() {
    let text = skewed_text();
    let model = Unigram::fit(&text);
    let table = quantize(
        &{
            let mut m = model.clone();
            use eqinfo::model::ByteModel;
            m.start(1).unwrap();
            m.dist(0).to_vec()
        },
        14,
    )
    .unwrap();
    for b in [16u32, 24, 32, 64] {
        let mut cfg = Config::equal_info(b, 16);
        cfg.example_bytes = 1000;
        let enc = method::encode(&text, &cfg, &mut model.clone(), &RunOptions::default()).unwrap();
        for (i, w) in enc.windows.iter().enumerate() {
            // Re-encode the window independently.
            let mut st = CoderState::default();
            for &c in &text[w.bytes.clone()] {
                st = st.after(&table, c);
            }
            assert!(st.bits_needed() <= b as u64);
            assert_eq!(st.bits_needed(), w.code_bits);
            let last_of_example = enc
                .windows
                .get(i + 1)
                .is_none_or(|n| n.example != w.example);
            if !last_of_example {
                let next = text[w.bytes.end];
                assert!(
                    st.after(&table, next).bits_needed() > b as u64,
                    "window {i} not maximal"
                );
            }
        }
    }
}

/// Delay: a window's padded code changes when its last byte is removed, and it is the greedy
/// window minus bytes that did not change the padded code.
#[test]
fn delay_rule_holds() {
    let text = skewed_text();
    let model = Unigram::fit(&text);
    let table = {
        use eqinfo::model::ByteModel;
        let mut m = model.clone();
        m.start(1).unwrap();
        quantize(m.dist(0), 14).unwrap()
    };
    let b = 16u64;
    let padded = |bytes: &[u8]| {
        let mut enc = Encoder::new();
        for &c in bytes {
            enc.encode(&table, c);
        }
        let mut code = enc.finish();
        let n = code.len();
        code.push_run(false, b - n);
        code
    };
    let mut cfg = Config::equal_info(b as u32, 16);
    cfg.delay = true;
    cfg.example_bytes = 0;
    let enc = method::encode(&text, &cfg, &mut model.clone(), &RunOptions::default()).unwrap();
    let mut deferred_any = false;
    for w in &enc.windows[..enc.windows.len() - 1] {
        let bytes = &text[w.bytes.clone()];
        if bytes.len() >= 2 {
            assert_ne!(padded(bytes), padded(&bytes[..bytes.len() - 1]));
        }
        // The greedy window from the same start.
        let mut st = CoderState::default();
        let mut end = w.bytes.start;
        while end < text.len() && st.after(&table, text[end]).bits_needed() <= b {
            st = st.after(&table, text[end]);
            end += 1;
        }
        assert!(w.bytes.end <= end);
        for cut in w.bytes.end..end {
            assert_eq!(
                padded(&text[w.bytes.start..cut + 1]),
                padded(&text[w.bytes.start..cut])
            );
            deferred_any = true;
        }
    }
    assert!(deferred_any, "this text should exercise the Delay rule");
}

#[test]
fn impossible_parameters_are_refused_before_work() {
    let text = skewed_text();
    let mut uni = Unigram::fit(&text);
    // b = 8 cannot hold a rare byte at β = 14.
    let cfg = Config::equal_info(8, 8);
    let err = method::encode(&text, &cfg, &mut uni, &RunOptions::default()).unwrap_err();
    assert!(err.to_string().contains("cannot hold byte"), "{err}");
    // Delay with reset-every != 1.
    let mut cfg = Config::equal_info(16, 16);
    cfg.delay = true;
    cfg.reset_every = 2;
    assert!(cfg.validate().is_err());
    for (tb, beta, b) in [
        (0, 14, 16),
        (17, 14, 16),
        (8, 9, 16),
        (8, 17, 16),
        (8, 14, 7),
        (8, 14, 257),
    ] {
        let mut cfg = Config::equal_info(b, tb);
        cfg.precision = beta;
        assert!(cfg.validate().is_err(), "tb={tb} β={beta} b={b}");
    }
}

#[test]
fn free_decoder_report_is_consistent() {
    let text = skewed_text();
    let model = Unigram::fit(&text);
    for delay in [false, true] {
        let mut cfg = Config::equal_info(16, 16);
        cfg.delay = delay;
        cfg.example_bytes = 2000;
        let enc = method::encode(&text, &cfg, &mut model.clone(), &RunOptions::default()).unwrap();
        let rep = method::free_decode_report(&enc, &text, &mut model.clone()).unwrap();
        assert_eq!(rep.windows_total, enc.windows.len());
        assert_eq!(rep.window_ok.len(), enc.windows.len());
        for (i, w) in enc.windows.iter().enumerate() {
            assert_eq!(
                rep.window_ok[i],
                rep.decoded_len[i] == w.bytes.len(),
                "window {i}"
            );
        }
        assert!(rep.windows_ok > rep.windows_total / 2);
    }
}

#[test]
fn uniform_free_decoding_is_exact_within_examples() {
    // Uniform: a window's padded code pins its bytes; only the padding could add a byte, and a
    // zero byte needs 8 more bits than the padding offers when b - 16 < 8.
    let mut cfg = Config::equal_info(20, 8);
    cfg.example_bytes = 0;
    let data = b"hello world".to_vec();
    let enc = method::encode(&data, &cfg, &mut Uniform::default(), &RunOptions::default()).unwrap();
    let rep = method::free_decode_report(&enc, &data, &mut Uniform::default()).unwrap();
    // Windows of two bytes are pinned; the last window ("d" and 12 padding zeros) has no end
    // marker, so the greedy decoder also reads a 0x00 byte out of the padding (by hand: "d\0"
    // needs 16 <= 20 bits and pads to the same 20 bits).
    assert_eq!(rep.windows_total, 6);
    assert_eq!(rep.window_ok, vec![true, true, true, true, true, false]);
    assert_eq!(rep.decoded_len[5], 2);
    assert_eq!(rep.examples_ok, 0);
}

/// AC without a trace keeps only each lane's last coder step (memory); its bits, windows and
/// tokens are those of the traced run, which keeps every step.
#[test]
fn untraced_ac_equals_traced_ac() {
    let text = skewed_text();
    let mut model = Unigram::fit(&text);
    for example_bytes in [0usize, 700] {
        let cfg = Config {
            example_bytes,
            ..Config::new(eqinfo::method::MethodKind::Ac)
        };
        let plain = method::encode(&text, &cfg, &mut model, &RunOptions::default()).unwrap();
        let traced = method::encode(
            &text,
            &cfg,
            &mut model,
            &RunOptions {
                trace: true,
                ..RunOptions::default()
            },
        )
        .unwrap();
        assert_eq!(plain.bits, traced.bits);
        assert_eq!(plain.windows, traced.windows);
        assert_eq!(plain.tokens, traced.tokens);
        let back = method::decode(&plain, &mut model).unwrap();
        assert_eq!(back, text);
    }
}
