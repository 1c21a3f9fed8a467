//! Tests of `stats::kl`: the fast counters and reports against the straightforward bit-by-bit
//! reference implementation, threaded vs sequential random baseline, MSB-first padded reads.

use super::*;

/// The straightforward implementation the fast counters replaced (bit by bit, one slice per
/// token): the oracle of the tests below.
mod reference {
    use super::super::*;

    #[derive(Clone, Copy)]
    pub struct Bits<'a> {
        pub bytes: &'a [u8],
        pub start: u64,
        pub end: u64,
    }

    impl Bits<'_> {
        fn len(&self) -> u64 {
            self.end - self.start
        }
        pub fn bit(&self, i: u64) -> u32 {
            let p = self.start + i;
            match self.bytes.get((p / 8) as usize) {
                Some(b) => ((b >> (7 - p % 8)) & 1) as u32,
                None => 0,
            }
        }
        pub fn slice(&self, i: u64, n: u32) -> u32 {
            (0..n as u64).fold(0, |v, k| (v << 1) | self.bit(i + k))
        }
    }

    pub fn overlapping_counts(bits: Bits, limit: u64) -> Counts {
        let len = bits.len();
        let mut c = Counts::zero(MAX_N);
        for s in 0..len.min(limit) {
            let k = (len - s).min(MAX_N as u64) as u32;
            let v = bits.slice(s, k);
            for n in 1..=k {
                c.per_n[n as usize - 1][(v >> (k - n)) as usize] += 1;
            }
        }
        c
    }

    impl Side {
        pub fn add_reference(&mut self, bytes: &[u8], len: u64, partitions: usize) {
            self.bits += len;
            if len == 0 {
                return;
            }
            let parts = (partitions.max(1) as u64).min((len / MIN_PARTITION_BITS).max(1));
            let part_len = len / parts;
            let kls = |c: &Counts, resolved: u32| -> Vec<f64> {
                c.per_n
                    .iter()
                    .enumerate()
                    .map(|(i, cn)| {
                        let n = i as u32 + 1;
                        if n > resolved {
                            return f64::NAN;
                        }
                        kl_of_counts(cn, n).map_or(f64::NAN, |(_, mm, _)| mm)
                    })
                    .collect()
            };
            for p in 0..parts {
                let start = p * part_len;
                let end = if p + 1 == parts {
                    len
                } else {
                    start + part_len
                };
                let view = Bits {
                    bytes,
                    start,
                    end: (end + MAX_N as u64 - 1).min(len),
                };
                let c = overlapping_counts(view, end - start);
                self.part_over
                    .push(kls(&c, max_resolved_n(end - start, false)));
                self.over.add(&c);
            }
            let all = Bits {
                bytes,
                start: 0,
                end: len,
            };
            let mut part_tok = vec![vec![f64::NAN; MAX_N as usize]; parts as usize];
            for n in 1..=MAX_N {
                let i = n as usize - 1;
                let t = len / n as u64;
                let mut c = vec![0u64; 1usize << n];
                for (p, kl_p) in part_tok.iter_mut().enumerate() {
                    let (a, b) = (p as u64 * t / parts, (p as u64 + 1) * t / parts);
                    c.fill(0);
                    for k in a..b {
                        c[all.slice(k * n as u64, n) as usize] += 1;
                    }
                    if b - a >= 1u64 << n {
                        kl_p[i] = kl_of_counts(&c, n).map_or(f64::NAN, |(_, mm, _)| mm);
                    }
                    for (x, y) in self.tok.per_n[i].iter_mut().zip(&c) {
                        *x += y;
                    }
                }
            }
            self.part_tok.extend(part_tok);
        }
    }
}

fn streams() -> Vec<(Vec<u8>, u64)> {
    let mut out = Vec::new();
    for len in [0u64, 1, 5, 15, 16, 17, 40, 63, 64, 65, 203, 1000, 2051] {
        out.push((random_bits(len, 7 + len), len));
    }
    // Structured: a repeating text, a constant stream, and a biased one.
    let text = b"It is a truth universally acknowledged, ".repeat(16);
    out.push((text.clone(), text.len() as u64 * 8 - 3));
    out.push((vec![0u8; 300], 2397));
    let biased: Vec<u8> = random_bits(8000, 3)
        .chunks(2)
        .map(|c| c[0] & c.get(1).copied().unwrap_or(0xFF))
        .collect();
    out.push((biased.clone(), biased.len() as u64 * 8));
    // Long enough for parts that resolve n = 16 (at least 65,551 bits each).
    out.push((random_bits(140_000, 5), 139_997));
    out
}

#[test]
fn fast_overlapping_counts_match_the_reference() {
    for (bytes, len) in streams() {
        let padded = Padded::new(&bytes, len);
        let mut c16 = Box::new([0u32; 1 << 16]);
        let mut got = Counts::zero(MAX_N);
        for (start, end) in [
            (0, len),
            (0, len / 2),
            (len / 3, len),
            (len / 4, len / 2 + 1),
        ] {
            if start > end {
                continue;
            }
            overlapping_counts(&padded, len, start, end, &mut c16, &mut got);
            let view = reference::Bits {
                bytes: &bytes,
                start,
                end: (end + MAX_N as u64 - 1).min(len),
            };
            let want = reference::overlapping_counts(view, end - start);
            for n in 1..=MAX_N as usize {
                assert_eq!(
                    got.per_n[n - 1],
                    want.per_n[n - 1],
                    "len {len} {start}..{end} n {n}"
                );
            }
        }
    }
}

#[test]
fn fast_token_counts_match_the_reference() {
    let mut hist = [0u64; 256];
    for (bytes, len) in streams() {
        let padded = Padded::new(&bytes, len);
        let all = reference::Bits {
            bytes: &bytes,
            start: 0,
            end: len,
        };
        for n in 1..=MAX_N {
            let t = len / n as u64;
            for (a, b) in [(0, t), (t / 3, t), (1.min(t), t / 2 + (t > 1) as u64)] {
                if a > b {
                    continue;
                }
                let mut got = vec![0u64; 1 << n];
                count_tokens(&padded, n, a, b, &mut got, &mut hist);
                let mut want = vec![0u64; 1 << n];
                for k in a..b {
                    want[all.slice(k * n as u64, n) as usize] += 1;
                }
                assert_eq!(got, want, "len {len} n {n} tokens {a}..{b}");
            }
        }
    }
}

/// Bit for bit the same report (counts, KL values and quantiles) as the reference.
#[test]
fn reports_equal_the_reference_implementation() {
    for partitions in [1usize, 3, 20] {
        let mut fast = KlAccumulator::new(partitions, 11);
        let mut slow = KlAccumulator::new(partitions, 11);
        for (bytes, len) in streams() {
            fast.add_stream(&bytes, len);
            slow.data.add_reference(&bytes, len, partitions);
            let seed = stream_seed(slow.seed, &bytes, len);
            slow.random
                .add_reference(&random_bits(len, seed), len, partitions);
        }
        let (f, s) = (fast.report(), slow.report());
        // NaN-free by construction (points with no sample are left out), so == is exact.
        assert_eq!(f, s, "partitions {partitions}");
        assert!(!f.overlapping.is_empty());
    }
}

/// A stream long enough for the second thread gives what counting both sides in turn gives.
#[test]
fn threaded_random_side_equals_sequential() {
    let len = PARALLEL_BITS + 12_345;
    let bytes = random_bits(len, 99);
    let mut threaded = KlAccumulator::new(4, 5);
    threaded.add_stream(&bytes, len);
    threaded.add_stream(&bytes[..1000], 8000);
    let mut seq = KlAccumulator::new(4, 5);
    for (b, l) in [(&bytes[..], len), (&bytes[..1000], 8000)] {
        seq.data.add(b, l, 4);
        let seed = stream_seed(5, b, l);
        seq.random.add(&random_bits(l, seed), l, 4);
    }
    assert_eq!(threaded.report(), seq.report());
    assert_eq!(threaded.report().bits, len + 8000);
}

#[test]
fn padded_reads_msb_first() {
    let b = Padded::new(&[0b1010_0000, 0b1111_0000], 16);
    assert_eq!(b.get(0, 3), 0b101);
    assert_eq!(b.get(6, 4), 0b0011);
    assert_eq!(b.get(0, 16), 0b1010_0000_1111_0000);
}

/// The stream seed reads exactly the first `len` bits: bits past the length do not change it,
/// any bit inside does.
#[test]
fn stream_seed_reads_exactly_the_stream() {
    let a = [0b1010_1010u8, 0b1100_0000];
    let b = [0b1010_1010u8, 0b1101_1111];
    assert_eq!(stream_seed(1, &a, 11), stream_seed(1, &b, 11));
    assert_ne!(stream_seed(1, &a, 12), stream_seed(1, &b, 12));
    assert_ne!(stream_seed(1, &a, 11), stream_seed(2, &a, 11));
    assert_ne!(stream_seed(1, &a, 11), stream_seed(1, &a, 10));
    assert_eq!(stream_seed(3, &[], 0), stream_seed(3, &[7], 0));
}
