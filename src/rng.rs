//! The crate's one deterministic random-number generator, [`SplitMix64`] (Steele, Lea and Flood,
//! 2014): seedable, fast, and its whole state is one `u64`, so an M1 checkpoint can store it and a
//! resumed run continues the same stream.
//!
//! It lives here, outside `model`, because it is plain std code used on both sides of the
//! `model` boundary: M1 and M2 training (crops, initialization, segment sampling) and the
//! statistics' random baseline (`stats::kl::random_bits`), which must not depend on the tensor
//! library's module tree.

use serde::{Deserialize, Serialize};

/// SplitMix64: every call advances the state by a fixed odd constant and mixes it.
///
/// Serialized as `{"state": u64}` (the form M1 checkpoints' `state.json` has always used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitMix64 {
    /// The whole state of the generator.
    pub state: u64,
}

impl SplitMix64 {
    /// A generator whose first output is the mix of `seed + 0x9E37_79B9_7F4A_7C15`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by the multiply-shift reduction of one draw.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in [0, 1): the top 53 bits of one draw.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller, two draws, the cosine branch).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(1e-300);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_matches_the_reference_splitmix64() {
        // First outputs of the reference implementation (Vigna's splitmix64.c) seeded with 0
        // and with 1234567.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.state, 1_234_567u64.wrapping_add(0x9E37_79B9_7F4A_7C15));
    }

    #[test]
    fn derived_draws_stay_in_range_and_the_state_round_trips_as_json() {
        let mut r = SplitMix64::new(42);
        for n in [1u64, 2, 7, 1 << 40] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
            }
        }
        let mut sum = 0.0;
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            sum += r.normal();
        }
        assert!(
            (sum / 1000.0).abs() < 0.15,
            "mean of 1000 normals {}",
            sum / 1000.0
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, format!("{{\"state\":{}}}", r.state));
        let back: SplitMix64 = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
