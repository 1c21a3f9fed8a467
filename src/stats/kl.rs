//! Distance from uniform (paper Fig. 11): KL(empirical || uniform) of a bit stream, for
//! overlapping bit n-grams and for non-overlapping n-bit tokens, n = 1..=16.
//!
//! For one n and one way of cutting the stream into m samples with counts `c_v`:
//!
//! * plug-in entropy `H = log2 m - (1/m) sum_v c_v log2 c_v` (bits);
//! * `kl_plugin = n - H`: exactly `n` for a constant stream, 0 only when every n-bit value occurs
//!   equally often;
//! * Miller–Madow: `H_mm = H + (2^n - 1) / (2 m ln 2)` and `kl_mm = n - H_mm`. The classical
//!   correction `(K - 1) / (2m)` is in nats; in bits it is divided by `ln 2`. K is taken as the
//!   full support `2^n` (SPEC section 8's text says "K = distinct values seen, at most 2^n"; for
//!   a stream that shows every value the two agree). The correction is the first term of the
//!   plug-in estimator's downward bias, `E[H] = H_true - (K - 1)/(2 m ln 2) + O(K^2/m^2)`, so on
//!   random bits `kl_mm` scatters around 0 (it can be slightly negative); on a constant stream
//!   it is `n - (2^n - 1)/(2 m ln 2)`, below `n`.
//! * **Undersampled** (`m < 2^n`, [`KlPoint::undersampled`]): the expansion behind Miller–Madow
//!   needs m ≫ K. With fewer samples than values the plug-in H is at most `log2 m` and the
//!   correction grows like `2^n / m`: `kl_mm` comes out far below zero (random bits, n = 16,
//!   m = 2,048: about −18) and says nothing. Such points are flagged in the JSON, the CSV
//!   (`kl_tokens_undersampled`) and the CLI table (`*`).
//! * **Chao–Shen** ([`chao_shen_entropy`], `kl_cs = n - H_CS`): the estimator to read in the
//!   undersampled regime. It estimates the probability mass of the values never seen from the
//!   singletons (Good–Turing coverage `C = 1 - f1/m`), shrinks the seen values' frequencies by
//!   C, and weights each term by the inverse chance of seeing that value at all
//!   (Horvitz–Thompson). It is closed-form, needs no prior and no knowledge of K, and in the
//!   comparisons of Chao & Shen (2003) and Hausser & Strimmer (2009) it has among the smallest
//!   biases of the closed-form estimators when m < K; on random bits at n = 16 with m = 2,048 it
//!   gives |kl_cs| < 1 where `kl_mm` gives −18 (tested). It is still an estimate from few
//!   samples: no estimator recovers n bits of entropy from m ≪ 2^n samples without
//!   assumptions, so undersampled rows stay flagged. (NSB would do better still, at the cost of a
//!   numerical integral over a Dirichlet-mixture prior; not implemented.)
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
//! statistics) are taken over all such parts of all streams added.
//!
//! Random baseline: computed the same way on seeded pseudo-random bits
//! ([`crate::rng::SplitMix64`]) of the same lengths, one random stream per stream added, seeded
//! by the baseline seed and the stream's own bits ([`stream_seed`]): independent across files
//! and shards, the same for the same input and seed, and the pooled baseline does not depend on
//! how the streams were split among accumulators or in what order they were merged. Two streams
//! with identical bits get identical random bits (as their data counts are identical too).

use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// Largest n.
pub const MAX_N: u32 = 16;

/// Shortest partition (in bits) worth measuring; fewer parts are used for short streams.
pub const MIN_PARTITION_BITS: u64 = 64;

/// Streams at least this long count their random baseline on a second thread.
const PARALLEL_BITS: u64 = 1 << 20;

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
    /// Fewer samples than possible values (m < 2^n): Miller–Madow's correction with K = 2^n
    /// then exceeds what the sample can show and `kl_mm` is not to be read as a measurement
    /// (it can come out far below 0); read `kl_cs` instead, with care.
    #[serde(default)]
    pub undersampled: bool,
    /// n - H_CS, the Chao–Shen coverage-adjusted entropy estimate (see the module docs): the
    /// estimate to read where `undersampled`.
    #[serde(default)]
    pub kl_cs: f64,
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

/// `len` seeded random bits, packed MSB-first.
pub fn random_bits(len: u64, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
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

/// The bits of a stream, MSB-first, copied with 8 zero bytes of padding so that a 64-bit load at
/// any bit position below the length stays in bounds (no per-bit bounds checks in the counters).
struct Padded {
    buf: Vec<u8>,
}

impl Padded {
    /// The first `len` bits of `bytes` (`bytes` holds at least `ceil(len / 8)` bytes).
    fn new(bytes: &[u8], len: u64) -> Self {
        let n = (len.div_ceil(8) as usize).min(bytes.len());
        let mut buf = Vec::with_capacity(n + 8);
        buf.extend_from_slice(&bytes[..n]);
        buf.resize(n + 8, 0);
        Padded { buf }
    }

    /// The 64 bits starting at bit `p` (the low `p % 8` bits are zero), `p` below the length.
    #[inline]
    fn word(&self, p: u64) -> u64 {
        let i = (p >> 3) as usize;
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[i..i + 8]);
        u64::from_be_bytes(w) << (p & 7)
    }

    /// `n` (1..=16) bits starting at bit `p`, as an integer.
    #[inline]
    fn get(&self, p: u64, n: u32) -> usize {
        (self.word(p) >> (64 - n)) as usize
    }
}

/// Counts the 16-grams starting at bit positions `s0..s1` (each must end within the stream) into
/// `c`, eight positions per 64-bit load.
fn count_16grams(bits: &Padded, s0: u64, s1: u64, c: &mut [u32; 1 << 16]) {
    let mut p = s0;
    while p < s1 && !p.is_multiple_of(8) {
        c[bits.get(p, 16)] += 1;
        p += 1;
    }
    while p + 8 <= s1 {
        // Byte-aligned: all 64 bits are stream bits; the 16-gram at p + j is bits j..j+16.
        let w = bits.word(p);
        for j in 0..8 {
            c[((w >> (48 - j)) & 0xFFFF) as usize] += 1;
        }
        p += 8;
    }
    while p < s1 {
        c[bits.get(p, 16)] += 1;
        p += 1;
    }
}

/// Adds the counts of the non-overlapping `n`-bit tokens `a..b` (token k is bits `k n..(k+1) n`)
/// to `c` (length 2^n). Tokens of 1, 2, 4 and 8 bits are byte-aligned: their whole bytes go
/// through a byte histogram (one increment per byte instead of one per token).
fn count_tokens(bits: &Padded, n: u32, a: u64, b: u64, c: &mut [u64], hist: &mut [u64; 256]) {
    let nn = n as u64;
    if 8 % n == 0 {
        let per = 8 / nn;
        let mut k = a;
        while k < b && !k.is_multiple_of(per) {
            c[bits.get(k * nn, n)] += 1;
            k += 1;
        }
        let whole = b.saturating_sub(k) / per;
        if whole > 0 {
            let (b0, b1) = ((k / per) as usize, (k / per + whole) as usize);
            hist.fill(0);
            for &byte in &bits.buf[b0..b1] {
                hist[byte as usize] += 1;
            }
            let mask = (1usize << n) - 1;
            for (v, &h) in hist.iter().enumerate() {
                if h > 0 {
                    for j in 0..per as u32 {
                        c[(v >> (8 - (j + 1) * n)) & mask] += h;
                    }
                }
            }
            k += whole * per;
        }
        while k < b {
            c[bits.get(k * nn, n)] += 1;
            k += 1;
        }
        return;
    }
    macro_rules! by_width {
        ($($w:literal)*) => {
            match n {
                $($w => count_tokens_n::<$w>(bits, a, b, c),)*
                _ => count_tokens_n::<16>(bits, a, b, c),
            }
        };
    }
    by_width!(3 5 6 7 9 10 11 12 13 14 15 16);
}

/// [`count_tokens`] for `N`-bit tokens: several tokens per 64-bit load (57 bits are always
/// valid after the shift), the width known at compile time.
fn count_tokens_n<const N: u32>(bits: &Padded, a: u64, b: u64, c: &mut [u64]) {
    let nn = N as u64;
    let per = 57 / nn;
    let c = &mut c[..1 << N];
    let mut k = a;
    while k + per <= b {
        let w = bits.word(k * nn);
        for j in 0..per {
            c[((w << (j * nn)) >> (64 - nn)) as usize] += 1;
        }
        k += per;
    }
    while k < b {
        c[bits.get(k * nn, N)] += 1;
        k += 1;
    }
}

/// Counts per n (index n-1), each of length 2^n, for n up to some maximum (empty above).
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// Fills the counts of n = `top - 1` down to 1 from those of `top` (the top n bits of an
/// (n+1)-gram are an n-gram at the same position).
fn marginalize(c: &mut Counts, top: u32) {
    for n in (1..top as usize).rev() {
        let (lo, hi) = c.per_n.split_at_mut(n);
        let longer = &hi[0];
        let shorter = &mut lo[n - 1];
        for (v, s) in shorter.iter_mut().enumerate() {
            *s = longer[2 * v] + longer[2 * v + 1];
        }
    }
}

/// The n-grams (n < 16) that start at `s0..s1` but too late in a stream of `len` bits to begin a
/// 16-gram, as (n, value).
fn tail_ngrams(bits: &Padded, len: u64, s0: u64, s1: u64) -> Vec<(u32, usize)> {
    let k = MAX_N as u64;
    let mut out = Vec::new();
    for s in s0.max(len.saturating_sub(k - 1))..s1.min(len) {
        for n in 1..MAX_N {
            if s + n as u64 <= len {
                out.push((n, bits.get(s, n)));
            }
        }
    }
    out
}

/// Overlapping n-gram counts, n = 1..=16, of the n-grams that start at bit positions
/// `start..end` of a stream of `len` bits (an n-gram may read past `end`, not past `len`), into
/// `out` (overwritten): count the 16-grams, marginalize to shorter n, then add the n-grams that
/// start too late to begin a 16-gram.
#[cfg(test)]
fn overlapping_counts(
    bits: &Padded,
    len: u64,
    start: u64,
    end: u64,
    c16: &mut [u32; 1 << 16],
    out: &mut Counts,
) {
    let s1 = end.min(len.saturating_sub(MAX_N as u64 - 1)).max(start);
    c16.fill(0);
    count_16grams(bits, start, s1, c16);
    for (o, &x) in out.per_n[MAX_N as usize - 1].iter_mut().zip(c16.iter()) {
        *o = x as u64;
    }
    marginalize(out, MAX_N);
    for (n, v) in tail_ngrams(bits, len, start, end) {
        out.per_n[n as usize - 1][v] += 1;
    }
}

/// Counts the 16-grams starting at `s0..s1` into `t16` and their top `r` bits (r < 16) into `cr`.
fn count_16grams_and_prefixes(
    bits: &Padded,
    s0: u64,
    s1: u64,
    t16: &mut [u64],
    cr: &mut [u64],
    r: u32,
) {
    let shift = MAX_N - r;
    for p in s0..s1 {
        let v = bits.get(p, 16);
        t16[v] += 1;
        cr[v >> shift] += 1;
    }
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
    // Empty bins add 0.0, which changes no sum: skip them.
    let s: f64 = counts
        .iter()
        .filter(|&&c| c > 1)
        .map(|&c| c_log2_c(c))
        .sum();
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

/// The Chao–Shen (2003) coverage-adjusted entropy estimate of counts, in bits (0 without
/// samples): with m samples and f1 values seen once, the sample coverage is
/// `C = 1 - f1/m` (f1 taken as m - 1 when every value is a singleton), each seen value gets
/// `p = C c / m`, and `H = -sum p log2 p / (1 - (1 - p)^m)` (Horvitz–Thompson: each term divided
/// by the chance that the value was seen at all).
pub fn chao_shen_entropy(counts: &[u64]) -> f64 {
    let m: u64 = counts.iter().sum();
    if m == 0 {
        return 0.0;
    }
    let mf = m as f64;
    let mut f1 = counts.iter().filter(|&&c| c == 1).count() as f64;
    if f1 >= mf {
        f1 = mf - 1.0;
    }
    let coverage = 1.0 - f1 / mf;
    let mut h = 0.0;
    for &c in counts.iter().filter(|&&c| c > 0) {
        let p = coverage * c as f64 / mf;
        // 1 - (1 - p)^m, without cancellation for small p.
        let seen = -(mf * (-p).ln_1p()).exp_m1();
        if seen > 0.0 {
            h -= p * p.ln() / seen;
        }
    }
    h / std::f64::consts::LN_2
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
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Side {
    bits: u64,
    over: Counts,
    tok: Counts,
    /// Per partition, per n: kl_mm (NaN when the part has no sample of that n; null in JSON).
    #[serde(with = "nan_as_null")]
    part_over: Vec<Vec<f64>>,
    #[serde(with = "nan_as_null")]
    part_tok: Vec<Vec<f64>>,
}

/// JSON has no NaN: a NaN is written as null and read back as NaN (every other value exactly,
/// serde_json writes the shortest representation that reads back bit for bit).
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        let o: Vec<Vec<Option<f64>>> = v
            .iter()
            .map(|r| r.iter().map(|x| (!x.is_nan()).then_some(*x)).collect())
            .collect();
        o.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        let o: Vec<Vec<Option<f64>>> = Vec::deserialize(d)?;
        Ok(o.into_iter()
            .map(|r| r.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
            .collect())
    }
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
        let bits = Padded::new(bytes, len);
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
        // bits into the next part). The stream's counts come from all its 16-grams (marginalized
        // once) and the tail; a part's own counts are needed only up to its resolved n, r: a
        // part with r = 16 counts its 16-grams in its own table, a smaller one counts their top
        // r bits beside the stream's 16-grams.
        let mut t16 = vec![0u64; 1 << 16];
        let mut c16 = Box::new([0u32; 1 << 16]);
        let mut c = Counts::zero(MAX_N);
        let mut tails = Vec::new();
        for p in 0..parts {
            let start = p * part_len;
            let end = if p + 1 == parts {
                len
            } else {
                start + part_len
            };
            let r = max_resolved_n(end - start, false);
            let s1 = end.min(len.saturating_sub(MAX_N as u64 - 1)).max(start);
            if r == MAX_N {
                c16.fill(0);
                count_16grams(&bits, start, s1, &mut c16);
                let top = &mut c.per_n[MAX_N as usize - 1];
                for ((o, t), &x) in top.iter_mut().zip(t16.iter_mut()).zip(c16.iter()) {
                    *o = x as u64;
                    *t += x as u64;
                }
            } else {
                let cr = &mut c.per_n[r.max(1) as usize - 1];
                cr.fill(0);
                count_16grams_and_prefixes(&bits, start, s1, &mut t16, cr, r.max(1));
            }
            marginalize(&mut c, r);
            let tail = tail_ngrams(&bits, len, start, end);
            for &(n, v) in &tail {
                if n <= r {
                    c.per_n[n as usize - 1][v] += 1;
                }
            }
            tails.extend(tail);
            self.part_over.push(kls(&c, r));
        }
        let mut stream = Counts::zero(MAX_N);
        stream.per_n[MAX_N as usize - 1] = t16;
        marginalize(&mut stream, MAX_N);
        for (n, v) in tails {
            stream.per_n[n as usize - 1][v] += 1;
        }
        self.over.add(&stream);
        // Tokens: for each n, part p holds a contiguous run of whole n-bit tokens.
        let mut part_tok = vec![vec![f64::NAN; MAX_N as usize]; parts as usize];
        let mut hist = [0u64; 256];
        for n in 1..=MAX_N {
            let i = n as usize - 1;
            let t = len / n as u64;
            let c = &mut c.per_n[i];
            for (p, kl_p) in part_tok.iter_mut().enumerate() {
                let (a, b) = (p as u64 * t / parts, (p as u64 + 1) * t / parts);
                if b - a < 1u64 << n {
                    // No KL for this part: its tokens go straight into the totals.
                    count_tokens(&bits, n, a, b, &mut self.tok.per_n[i], &mut hist);
                    continue;
                }
                c.fill(0);
                count_tokens(&bits, n, a, b, c, &mut hist);
                kl_p[i] = kl_of_counts(c, n).map_or(f64::NAN, |(_, mm, _)| mm);
                for (x, y) in self.tok.per_n[i].iter_mut().zip(c.iter()) {
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
                undersampled: m < 1u64 << n,
                kl_cs: n as f64 - chao_shen_entropy(&counts.per_n[i]),
            });
        }
        out
    }
}

/// Accumulates the KL statistics of several bit streams (files) and of their random baselines.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KlAccumulator {
    data: Side,
    random: Side,
    partitions: usize,
    seed: u64,
}

impl KlAccumulator {
    /// An empty accumulator: `partitions` parts per stream, random baseline seeded by `seed`.
    pub fn new(partitions: usize, seed: u64) -> Self {
        KlAccumulator {
            data: Side::new(),
            random: Side::new(),
            partitions,
            seed,
        }
    }

    /// Adds the first `len` bits of MSB-first packed `bytes`, and as many random bits. The two
    /// are counted on two threads (they share nothing; the result does not depend on it).
    ///
    /// The random bits are seeded by the accumulator's seed and the stream's own bits
    /// ([`stream_seed`]): streams of different content (files, shards of a file) get independent
    /// random streams whichever accumulator counts them and in whatever order, and the same
    /// stream under the same seed always gets the same ones.
    pub fn add_stream(&mut self, bytes: &[u8], len: u64) {
        let len = len.min(bytes.len() as u64 * 8);
        let seed = stream_seed(self.seed, bytes, len);
        let parts = self.partitions;
        let (data, random) = (&mut self.data, &mut self.random);
        let mut add_random = move || random.add(&random_bits(len, seed), len, parts);
        if len < PARALLEL_BITS {
            data.add(bytes, len, parts);
            add_random();
        } else {
            std::thread::scope(|s| {
                let handle = s.spawn(add_random);
                data.add(bytes, len, parts);
                // A panic in the counter is a bug; pass it on.
                if let Err(p) = handle.join() {
                    std::panic::resume_unwind(p);
                }
            });
        }
    }

    /// Adds everything another accumulator holds.
    pub fn merge(&mut self, other: &KlAccumulator) {
        self.data.merge(&other.data);
        self.random.merge(&other.random);
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

/// The seed of the random baseline of a stream: SHA-256 of the baseline seed, the stream's
/// length and its first `len` bits (whole bytes, the last one masked), folded to 64 bits. Before
/// this, every accumulator restarted one random stream, so pooled files counted the same random
/// bits several times (issue 17).
pub fn stream_seed(seed: u64, bytes: &[u8], len: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let n = (len.div_ceil(8) as usize).min(bytes.len());
    let mut h = Sha256::new();
    h.update(b"eqinfo-kl-random-baseline");
    h.update(seed.to_le_bytes());
    h.update(len.to_le_bytes());
    if n > 0 {
        h.update(&bytes[..n - 1]);
        let keep = if len.is_multiple_of(8) {
            0xFF
        } else {
            0xFFu8 << (8 - len % 8)
        };
        h.update([bytes[n - 1] & keep]);
    }
    let d = h.finalize();
    let mut w = [0u8; 8];
    w.copy_from_slice(&d[..8]);
    u64::from_le_bytes(w)
}

/// The KL report of one stream (convenience).
pub fn kl_report(bytes: &[u8], len: u64, partitions: usize, seed: u64) -> KlReport {
    let mut acc = KlAccumulator::new(partitions, seed);
    acc.add_stream(bytes, len);
    acc.report()
}

#[cfg(test)]
mod tests;
