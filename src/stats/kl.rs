//! Distance from uniform (paper Fig. 11): KL(empirical || uniform) of a bit stream, for
//! overlapping bit n-grams and for non-overlapping n-bit tokens, n = 1..=16.
//!
//! For one n and one way of cutting the stream into m samples with counts `c_v`:
//!
//! * plug-in entropy `H = log2 m - (1/m) sum_v c_v log2 c_v` (bits);
//! * `kl_plugin = n - H`: exactly `n` for a constant stream, 0 only when every n-bit value occurs
//!   equally often;
//! * Miller–Madow: `H_mm = H + (2^n - 1) / (2 m ln 2)` (the correction in bits: the classical
//!   `(K - 1) / (2m)` is in nats; K is taken as the full support `2^n`, as SPEC section 8 writes
//!   it, not the number of values seen), and `kl_mm = n - H_mm`. The correction removes the
//!   plug-in estimator's downward bias, so on random bits `kl_mm` scatters around 0 (it can be
//!   slightly negative); on a constant stream it is `n - (2^n - 1)/(2 m ln 2)`, below `n`.
//!
//! Overlapping n-grams: the m = L - n + 1 windows `bits[i..i+n]`. Non-overlapping tokens: the
//! m = floor(L / n) slices `bits[k n..(k+1) n]` (a partial last slice is dropped).
//!
//! Quantiles: the stream is cut into `partitions` contiguous parts of equal length (the remainder
//! goes to the last); a part holds the overlapping n-grams that start in it (the last 15 may read
//! into the next part) and, for each n, a contiguous run of `floor(L/n) / partitions` whole
//! n-bit tokens, so every sample is in exactly one part and the stream's counts are the parts'
//! sums. `kl_mm` is computed on each part alone for the n where the part holds at least 2^n
//! samples, and the 5/50/95% quantiles (linear interpolation between order
//! statistics) are taken over all such parts of all streams added. A random baseline is computed the same way on seeded pseudo-random bits
//! (splitmix64) of the same lengths.

use serde::{Deserialize, Serialize};

/// Largest n.
pub const MAX_N: u32 = 16;

/// Shortest partition (in bits) worth measuring; fewer parts are used for short streams.
pub const MIN_PARTITION_BITS: u64 = 64;

/// KL for one n.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlPoint {
    /// n (bits per n-gram or token).
    pub n: u32,
    /// Samples m over the whole stream(s).
    pub samples: u64,
    /// n - H (plug-in), bits.
    pub kl_plugin: f64,
    /// n - H_mm (Miller–Madow corrected), bits.
    pub kl_mm: f64,
    /// 5% quantile of `kl_mm` over partitions (None when no partition has 2^n samples).
    pub q05: Option<f64>,
    /// Median of `kl_mm` over partitions.
    pub q50: Option<f64>,
    /// 95% quantile of `kl_mm` over partitions.
    pub q95: Option<f64>,
    /// Partitions the quantiles were taken over (those with at least 2^n samples).
    pub partitions: u64,
}

/// KL curves of a stream and of its random baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KlReport {
    /// Bits analysed.
    pub bits: u64,
    /// Overlapping bit n-grams, n = 1..=16 (n with no sample are left out).
    pub overlapping: Vec<KlPoint>,
    /// Non-overlapping n-bit tokens.
    pub tokens: Vec<KlPoint>,
    /// The random baseline, overlapping.
    pub random_overlapping: Vec<KlPoint>,
    /// The random baseline, tokens.
    pub random_tokens: Vec<KlPoint>,
    /// Seed of the random baseline.
    pub seed: u64,
}

/// splitmix64: a tiny seeded generator, good enough for a baseline of random bits.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `len` seeded random bits, packed MSB-first.
pub fn random_bits(len: u64, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64(seed);
    let n = len.div_ceil(8) as usize;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        out.extend_from_slice(&rng.next_u64().to_be_bytes());
    }
    out.truncate(n);
    if !len.is_multiple_of(8) {
        if let Some(last) = out.last_mut() {
            *last &= 0xFFu8 << (8 - len % 8);
        }
    }
    out
}

/// A view of bits `start..end` of MSB-first packed bytes.
#[derive(Clone, Copy)]
struct Bits<'a> {
    bytes: &'a [u8],
    start: u64,
    end: u64,
}

impl Bits<'_> {
    fn len(&self) -> u64 {
        self.end - self.start
    }

    #[inline]
    fn bit(&self, i: u64) -> u32 {
        let p = self.start + i;
        match self.bytes.get((p / 8) as usize) {
            Some(b) => ((b >> (7 - p % 8)) & 1) as u32,
            None => 0,
        }
    }

    /// `n` (<= 16) bits starting at relative position `i`, as an integer.
    #[inline]
    fn slice(&self, i: u64, n: u32) -> u32 {
        let p = self.start + i;
        let byte = (p / 8) as usize;
        let mut word = 0u32;
        for k in 0..3 {
            word = (word << 8) | *self.bytes.get(byte + k).unwrap_or(&0) as u32;
        }
        let shift = 24 - (p % 8) as u32 - n;
        (word >> shift) & ((1u32 << n) - 1)
    }
}

/// Counts per n (index n-1), each of length 2^n, for n up to some maximum (empty above).
#[derive(Debug, Clone)]
struct Counts {
    per_n: Vec<Vec<u64>>,
}

impl Counts {
    fn zero(max_n: u32) -> Self {
        Counts {
            per_n: (1..=MAX_N)
                .map(|n| {
                    if n <= max_n {
                        vec![0u64; 1usize << n]
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
        }
    }

    fn add(&mut self, other: &Counts) {
        for (a, b) in self.per_n.iter_mut().zip(&other.per_n) {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// Overlapping n-gram counts for all n <= `max_n` in one pass, of the n-grams that start before
/// relative position `limit`: count the `max_n`-grams, marginalize to shorter n (the top n bits
/// of an (n+1)-gram), then add the n-grams that start too late to begin a `max_n`-gram.
fn overlapping_counts(bits: Bits, max_n: u32, limit: u64) -> Counts {
    let len = bits.len();
    let mut c = Counts::zero(max_n);
    if max_n == 0 {
        return c;
    }
    let top = max_n as usize - 1;
    let k = max_n as u64;
    {
        let mask = (1u32 << max_n) - 1;
        let ctop = &mut c.per_n[top];
        let mut w: u32 = 0;
        for i in 0..len {
            w = ((w << 1) | bits.bit(i)) & mask;
            if i + 1 >= k && i + 1 - k < limit {
                ctop[w as usize] += 1;
            }
        }
    }
    for n in (1..max_n as usize).rev() {
        let (lo, hi) = c.per_n.split_at_mut(n);
        let longer = &hi[0];
        let shorter = &mut lo[n - 1];
        for (v, s) in shorter.iter_mut().enumerate() {
            *s = longer[2 * v] + longer[2 * v + 1];
        }
    }
    for s in len.saturating_sub(k - 1)..len.min(limit) {
        for n in 1..max_n {
            if s + n as u64 <= len && s + k > len {
                c.per_n[n as usize - 1][bits.slice(s, n) as usize] += 1;
            }
        }
    }
    c
}

/// Largest n (at most 16) with at least 2^n samples in `len` bits, for overlapping n-grams
/// (`len - n + 1` samples) or tokens (`floor(len / n)`).
pub fn max_resolved_n(len: u64, tokens: bool) -> u32 {
    (1..=MAX_N)
        .take_while(|&n| {
            let m = if tokens {
                len / n as u64
            } else {
                (len + 1).saturating_sub(n as u64)
            };
            m >= 1u64 << n
        })
        .last()
        .unwrap_or(0)
}

/// `c log2 c` for small counts, looked up (entropies over up to 2^16 bins are the hot spot).
fn c_log2_c(c: u64) -> f64 {
    const TABLE: usize = 1 << 14;
    static T: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let t = T.get_or_init(|| {
        (0..TABLE)
            .map(|c| {
                if c == 0 {
                    0.0
                } else {
                    c as f64 * (c as f64).log2()
                }
            })
            .collect()
    });
    match t.get(c as usize) {
        Some(&v) => v,
        None => {
            let c = c as f64;
            c * c.log2()
        }
    }
}

/// Plug-in entropy (bits) of counts, and the number of samples.
pub fn plugin_entropy(counts: &[u64]) -> (f64, u64) {
    let m: u64 = counts.iter().sum();
    if m == 0 {
        return (0.0, 0);
    }
    let mf = m as f64;
    let s: f64 = counts.iter().map(|&c| c_log2_c(c)).sum();
    ((mf.log2() - s / mf).max(0.0), m)
}

/// (kl_plugin, kl_mm, m) for the counts of n-bit values; None when there is no sample.
pub fn kl_of_counts(counts: &[u64], n: u32) -> Option<(f64, f64, u64)> {
    let (h, m) = plugin_entropy(counts);
    if m == 0 {
        return None;
    }
    let support = (1u64 << n) as f64;
    let h_mm = h + (support - 1.0) / (2.0 * m as f64 * std::f64::consts::LN_2);
    Some((n as f64 - h, n as f64 - h_mm, m))
}

/// Quantile `q` in [0, 1] of sorted values, linear between order statistics (NaN when empty).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Accumulates counts of one kind of stream (data or random) over several streams.
#[derive(Debug, Clone)]
struct Side {
    bits: u64,
    over: Counts,
    tok: Counts,
    /// Per partition, per n: kl_mm (NaN when the part has no sample of that n).
    part_over: Vec<Vec<f64>>,
    part_tok: Vec<Vec<f64>>,
}

impl Side {
    fn new() -> Self {
        Side {
            bits: 0,
            over: Counts::zero(MAX_N),
            tok: Counts::zero(MAX_N),
            part_over: Vec::new(),
            part_tok: Vec::new(),
        }
    }

    /// Counts each n-gram and token once, in its partition; the stream's counts are the sums.
    fn add(&mut self, bytes: &[u8], len: u64, partitions: usize) {
        self.bits += len;
        if len == 0 {
            return;
        }
        let parts = (partitions.max(1) as u64).min((len / MIN_PARTITION_BITS).max(1));
        let part_len = len / parts;
        // kl_mm per n, only for n with at least 2^n samples in the part (below that the estimate
        // says little and the Miller–Madow term dominates).
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
        // Overlapping: part p holds the n-grams that start in its bits (they may read up to 15
        // bits into the next part).
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
            let c = overlapping_counts(view, MAX_N, end - start);
            self.part_over
                .push(kls(&c, max_resolved_n(end - start, false)));
            self.over.add(&c);
        }
        // Tokens: for each n, part p holds a contiguous run of whole n-bit tokens.
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

    fn merge(&mut self, other: &Side) {
        self.bits += other.bits;
        self.over.add(&other.over);
        self.tok.add(&other.tok);
        self.part_over.extend(other.part_over.iter().cloned());
        self.part_tok.extend(other.part_tok.iter().cloned());
    }

    fn points(counts: &Counts, parts: &[Vec<f64>]) -> Vec<KlPoint> {
        let mut out = Vec::new();
        for n in 1..=MAX_N {
            let i = n as usize - 1;
            let Some((kl_plugin, kl_mm, m)) = kl_of_counts(&counts.per_n[i], n) else {
                continue;
            };
            let mut vals: Vec<f64> = parts
                .iter()
                .filter_map(|p| p.get(i).copied())
                .filter(|v| v.is_finite())
                .collect();
            vals.sort_by(f64::total_cmp);
            let q = |p: f64| (!vals.is_empty()).then(|| quantile(&vals, p));
            out.push(KlPoint {
                n,
                samples: m,
                kl_plugin,
                kl_mm,
                q05: q(0.05),
                q50: q(0.50),
                q95: q(0.95),
                partitions: vals.len() as u64,
            });
        }
        out
    }
}

/// Accumulates the KL statistics of several bit streams (files) and of their random baselines.
#[derive(Debug, Clone)]
pub struct KlAccumulator {
    data: Side,
    random: Side,
    partitions: usize,
    seed: u64,
    streams: u64,
}

impl KlAccumulator {
    /// An empty accumulator: `partitions` parts per stream, random baseline seeded by `seed`.
    pub fn new(partitions: usize, seed: u64) -> Self {
        KlAccumulator {
            data: Side::new(),
            random: Side::new(),
            partitions,
            seed,
            streams: 0,
        }
    }

    /// Adds the first `len` bits of MSB-first packed `bytes`, and as many random bits.
    pub fn add_stream(&mut self, bytes: &[u8], len: u64) {
        let len = len.min(bytes.len() as u64 * 8);
        self.data.add(bytes, len, self.partitions);
        // A different random stream per stream added, reproducible from the seed.
        let seed = self.seed ^ self.streams.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        let rnd = random_bits(len, seed);
        self.random.add(&rnd, len, self.partitions);
        self.streams += 1;
    }

    /// Adds everything another accumulator holds.
    pub fn merge(&mut self, other: &KlAccumulator) {
        self.data.merge(&other.data);
        self.random.merge(&other.random);
        self.streams += other.streams;
    }

    /// The curves.
    pub fn report(&self) -> KlReport {
        KlReport {
            bits: self.data.bits,
            overlapping: Side::points(&self.data.over, &self.data.part_over),
            tokens: Side::points(&self.data.tok, &self.data.part_tok),
            random_overlapping: Side::points(&self.random.over, &self.random.part_over),
            random_tokens: Side::points(&self.random.tok, &self.random.part_tok),
            seed: self.seed,
        }
    }
}

/// The KL report of one stream (convenience).
pub fn kl_report(bytes: &[u8], len: u64, partitions: usize, seed: u64) -> KlReport {
    let mut acc = KlAccumulator::new(partitions, seed);
    acc.add_stream(bytes, len);
    acc.report()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_overlap(bytes: &[u8], len: u64, n: u32) -> Vec<u64> {
        let b = Bits {
            bytes,
            start: 0,
            end: len,
        };
        let mut c = vec![0u64; 1 << n];
        for s in 0..=(len.saturating_sub(n as u64)) {
            if s + n as u64 <= len {
                let mut v = 0usize;
                for k in 0..n as u64 {
                    v = (v << 1) | b.bit(s + k) as usize;
                }
                c[v] += 1;
            }
        }
        c
    }

    #[test]
    fn marginalized_counts_match_naive_counts() {
        let bytes = random_bits(203, 7);
        for len in [0u64, 1, 5, 15, 16, 17, 40, 203] {
            let c = overlapping_counts(
                Bits {
                    bytes: &bytes,
                    start: 0,
                    end: len,
                },
                MAX_N,
                len,
            );
            for n in 1..=MAX_N {
                assert_eq!(
                    c.per_n[n as usize - 1],
                    naive_overlap(&bytes, len, n),
                    "len {len} n {n}"
                );
            }
        }
    }

    #[test]
    fn slice_reads_msb_first() {
        let b = Bits {
            bytes: &[0b1010_0000, 0b1111_0000],
            start: 0,
            end: 16,
        };
        assert_eq!(b.slice(0, 3), 0b101);
        assert_eq!(b.slice(6, 4), 0b0011);
        assert_eq!(b.slice(0, 16), 0b1010_0000_1111_0000);
    }
}
