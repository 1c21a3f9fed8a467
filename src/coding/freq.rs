//! Quantizing a model's distribution into integer frequencies: the one float-to-integer boundary
//! of the project. The encoder and the decoder call the same function on bit-identical input.
//!
//! ## The rounding rule
//! With precision β (total `T = 2^β`), the input is normalized in `f64` (summed in index order)
//! to `q[s] = p[s] / Σp`, then every byte gets
//! `f[s] = 1 + floor(q[s] * (T - 256))`. So every `f[s] >= 1` and `Σ f <= T`. The remainder
//! `R = T - Σ f` (always `0 <= R < 256`, since the fractional parts sum to less than 256) is
//! given out one unit each to the `R` bytes with the largest fractional parts
//! `q[s] * (T - 256) - floor(..)`, ties broken by the smaller byte value. The result sums to
//! exactly `T`. Every step is IEEE-754 `f64` arithmetic in a fixed order, so it is deterministic.

use std::fmt;

/// Smallest precision β accepted.
pub const MIN_PRECISION: u32 = 10;
/// Largest precision β accepted.
pub const MAX_PRECISION: u32 = 16;
/// The paper's precision.
pub const DEFAULT_PRECISION: u32 = 14;

/// Error from [`quantize`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantizeError(pub String);

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QuantizeError {}

/// Integer frequencies of the 256 byte values, summing to exactly `2^precision`, every one >= 1.
#[derive(Clone, PartialEq, Eq)]
pub struct FreqTable {
    precision: u32,
    /// `cum[s]` = sum of `f[..s]`; `cum[256] = 2^precision`.
    cum: [u32; 257],
}

impl fmt::Debug for FreqTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FreqTable(β={}, ..)", self.precision)
    }
}

impl FreqTable {
    /// Builds from explicit frequencies (each >= 1, summing to `2^precision`).
    pub fn from_freqs(freqs: &[u32], precision: u32) -> Result<Self, QuantizeError> {
        check_precision(precision)?;
        if freqs.len() != 256 {
            return Err(QuantizeError(format!(
                "expected 256 frequencies, got {}",
                freqs.len()
            )));
        }
        let mut cum = [0u32; 257];
        let mut acc: u64 = 0;
        for (s, &f) in freqs.iter().enumerate() {
            if f == 0 {
                return Err(QuantizeError(format!("frequency of byte {s} is zero")));
            }
            cum[s] = acc as u32;
            acc += f as u64;
        }
        if acc != 1u64 << precision {
            return Err(QuantizeError(format!(
                "frequencies sum to {acc}, expected 2^{precision}"
            )));
        }
        cum[256] = acc as u32;
        Ok(FreqTable { precision, cum })
    }

    /// The precision β.
    #[inline]
    pub fn precision(&self) -> u32 {
        self.precision
    }

    /// Total `2^β`.
    #[inline]
    pub fn total(&self) -> u32 {
        self.cum[256]
    }

    /// Frequency of byte `s`.
    #[inline]
    pub fn freq(&self, s: u8) -> u32 {
        self.cum[s as usize + 1] - self.cum[s as usize]
    }

    /// Cumulative frequency below byte `s` (exclusive).
    #[inline]
    pub fn cum_low(&self, s: u8) -> u32 {
        self.cum[s as usize]
    }

    /// Cumulative frequency through byte `s` (exclusive upper bound of its slot).
    #[inline]
    pub fn cum_high(&self, s: u8) -> u32 {
        self.cum[s as usize + 1]
    }

    /// The byte whose slot `[cum_low, cum_high)` contains `target` (`target < total`).
    #[inline]
    pub fn symbol_at(&self, target: u32) -> u8 {
        // Largest s with cum[s] <= target.
        let (mut lo, mut hi) = (0usize, 256usize);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.cum[mid] <= target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo as u8
    }

    /// The quantized probability of `s`.
    pub fn prob(&self, s: u8) -> f64 {
        self.freq(s) as f64 / self.total() as f64
    }
}

fn check_precision(precision: u32) -> Result<(), QuantizeError> {
    if !(MIN_PRECISION..=MAX_PRECISION).contains(&precision) {
        return Err(QuantizeError(format!(
            "precision β must be in {MIN_PRECISION}..={MAX_PRECISION}, got {precision}"
        )));
    }
    Ok(())
}

/// Quantizes 256 probabilities (any positive scale) into a [`FreqTable`] of precision β with the
/// rule in the module docs. NaN, infinite or negative values, an all-zero vector or a length
/// other than 256 are errors.
pub fn quantize(probs: &[f32], precision: u32) -> Result<FreqTable, QuantizeError> {
    check_precision(precision)?;
    if probs.len() != 256 {
        return Err(QuantizeError(format!(
            "expected 256 probabilities, got {}",
            probs.len()
        )));
    }
    let mut sum = 0f64;
    for (s, &p) in probs.iter().enumerate() {
        if !p.is_finite() || p < 0.0 {
            return Err(QuantizeError(format!(
                "probability of byte {s} is {p}, not a finite non-negative number"
            )));
        }
        sum += p as f64;
    }
    if sum <= 0.0 || !sum.is_finite() {
        return Err(QuantizeError("probabilities sum to zero".into()));
    }
    let total: u64 = 1 << precision;
    let spread = (total - 256) as f64;
    let mut freqs = [0u32; 256];
    let mut frac = [0f64; 256];
    let mut assigned: u64 = 0;
    for s in 0..256 {
        let x = (probs[s] as f64 / sum) * spread;
        // x is finite and at least 0, so truncation is its floor (without a libm call).
        let fl = x as u64 as f64;
        // x <= spread, so fl fits comfortably in u32.
        freqs[s] = 1 + fl as u32;
        frac[s] = x - fl;
        assigned += freqs[s] as u64;
    }
    if assigned > total {
        // Only possible through rounding of q[s] summing above 1 by an ulp; take the excess
        // from the largest frequencies (ties: smaller byte), never below 1.
        let mut excess = assigned - total;
        while excess > 0 {
            let s = (0..256).max_by_key(|&s| (freqs[s], 255 - s)).unwrap_or(0);
            if freqs[s] <= 1 {
                break;
            }
            freqs[s] -= 1;
            excess -= 1;
        }
        assigned = total + excess;
    }
    let remainder = (total - assigned.min(total)) as usize;
    if remainder > 0 {
        // Largest fractional part first, ties by smaller byte value: a strict total order,
        // written as one integer key per byte. A fraction is in [0, 1) (never -0.0: x - floor(x)
        // with x >= 0), where the bits of an f64 order as the values do, so the key
        // (MAX - bits, byte) sorts ascending exactly as (fraction descending, byte ascending).
        let mut order: [u128; 256] =
            std::array::from_fn(|s| ((u64::MAX - frac[s].to_bits()) as u128) << 8 | s as u128);
        if remainder < 256 {
            // Only which bytes come first matters (each gets one more), and under a strict
            // total order the first `remainder` are the same set however they are found:
            // selecting them is linear where sorting all 256 was most of the cost.
            order.select_nth_unstable(remainder - 1);
            for &key in &order[..remainder] {
                freqs[(key & 0xff) as usize] += 1;
            }
        } else {
            order.sort_unstable();
            for &key in order.iter().cycle().take(remainder) {
                freqs[(key & 0xff) as usize] += 1;
            }
        }
    }
    FreqTable::from_freqs(&freqs, precision)
}

/// Entropy in nats of a distribution (normalized by its sum first, as BLT's softmax is).
pub fn entropy_nats(dist: &[f32]) -> f64 {
    let sum: f64 = dist.iter().map(|&p| p.max(0.0) as f64).sum();
    if sum <= 0.0 {
        return 0.0;
    }
    let plogp: f64 = dist
        .iter()
        .map(|&p| p.max(0.0) as f64 / sum)
        .filter(|&p| p > 0.0)
        .map(|p| p * p.ln())
        .sum();
    -plogp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_is_exact() {
        let t = quantize(&[1.0; 256], 14).unwrap();
        for s in 0..=255u8 {
            assert_eq!(t.freq(s), 64);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(quantize(&[0.0; 256], 14).is_err());
        assert!(quantize(&[1.0; 255], 14).is_err());
        let mut p = [1.0f32; 256];
        p[3] = f32::NAN;
        assert!(quantize(&p, 14).is_err());
        p[3] = -0.5;
        assert!(quantize(&p, 14).is_err());
        assert!(quantize(&[1.0; 256], 9).is_err());
        assert!(quantize(&[1.0; 256], 17).is_err());
    }

    #[test]
    fn point_mass_keeps_every_byte_codable() {
        let mut p = [0f32; 256];
        p[65] = 1.0;
        let t = quantize(&p, 10).unwrap();
        assert_eq!(t.freq(65), 1024 - 255);
        assert_eq!(t.freq(0), 1);
        assert_eq!(t.total(), 1024);
    }

    #[test]
    fn remainder_goes_to_largest_fraction() {
        // q = 1/3 for bytes 0,1,2 (others 0): spread = 1024-256 = 768, 768/3 = 256 exactly.
        let mut p = [0f32; 256];
        p[0] = 1.0;
        p[1] = 1.0;
        p[2] = 1.0;
        let t = quantize(&p, 10).unwrap();
        assert_eq!(
            (t.freq(0), t.freq(1), t.freq(2), t.freq(3)),
            (257, 257, 257, 1)
        );
        // Hand-worked: p = (0.5, 0.25, 0.25 split as 3 bytes with weights 2,1,1), β = 10.
        // spread 768: x = 384, 192, 192 -> f = 385, 193, 193, rest 253 ones: 385+386+253 = 1024.
        let mut p = [0f32; 256];
        p[10] = 2.0;
        p[11] = 1.0;
        p[12] = 1.0;
        let t = quantize(&p, 10).unwrap();
        assert_eq!((t.freq(10), t.freq(11), t.freq(12)), (385, 193, 193));
    }

    /// The rule written out the slow way (every fraction ranked by a full sort, the largest
    /// remainders rounded up), against `quantize`, on skewed, flat and tied distributions.
    #[test]
    fn equals_the_full_sort_rule() {
        fn by_sorting(probs: &[f32], precision: u32) -> Vec<u32> {
            let sum: f64 = probs.iter().map(|&p| p as f64).sum();
            let spread = ((1u64 << precision) - 256) as f64;
            let mut f = vec![0u32; 256];
            let mut frac = vec![0f64; 256];
            for s in 0..256 {
                let x = (probs[s] as f64 / sum) * spread;
                f[s] = 1 + x.floor() as u32;
                frac[s] = x - x.floor();
            }
            let given: u64 = f.iter().map(|&v| v as u64).sum();
            let mut ranked: Vec<usize> = (0..256).collect();
            ranked.sort_by(|&a, &b| frac[b].partial_cmp(&frac[a]).unwrap().then(a.cmp(&b)));
            for &s in ranked.iter().take(((1u64 << precision) - given) as usize) {
                f[s] += 1;
            }
            f
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32
        };
        for case in 0..300 {
            let probs: Vec<f32> = (0..256)
                .map(|_| match case % 3 {
                    0 => next().powi(12),
                    1 => 0.5 + next(),
                    // Few distinct values: many tied fractions.
                    _ => ((next() * 4.0).floor() + 1.0) / 8.0,
                })
                .collect();
            for precision in [10, 14, 16] {
                let t = quantize(&probs, precision).unwrap();
                let got: Vec<u32> = (0..=255u8).map(|s| t.freq(s)).collect();
                assert_eq!(
                    got,
                    by_sorting(&probs, precision),
                    "case {case} β={precision}"
                );
            }
        }
    }

    #[test]
    fn symbol_at_inverts_cumulative() {
        let mut p = [1f32; 256];
        p[7] = 100.0;
        let t = quantize(&p, 12).unwrap();
        for s in 0..=255u8 {
            assert_eq!(t.symbol_at(t.cum_low(s)), s);
            assert_eq!(t.symbol_at(t.cum_high(s) - 1), s);
        }
    }
}
