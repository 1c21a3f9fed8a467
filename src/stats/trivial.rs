//! Trivial-model bounds (paper Table 3): the bits/byte a model that ignores all context would
//! get on the token stream.
//!
//! With `ratio` = input bytes / tokens and `v = 2^token_bits`:
//!
//! * `uniform_bits_per_byte = log2(v) / ratio` (equal to the stream's own bits/byte);
//! * `unigram_plugin_bits_per_byte = H / ratio`, H the plug-in entropy (bits) of the token
//!   frequencies of the whole stream (in-sample: an optimistic bound);
//! * `unigram_heldout_bits_per_byte = CE / ratio`, CE the cross-entropy (bits/token) on the
//!   *score* part of a unigram fitted on the *fit* part with additive smoothing α:
//!   `p(t) = (c_fit(t) + α) / (F + α v)`, so an unseen token costs a finite `-log2 p(t)`.
//!
//! The split: when an encoding has at least two examples, tokens of even-numbered examples
//! (0, 2, ...) are fitted and tokens of odd-numbered ones scored; with one example, its first
//! `floor(T / 2)` tokens are fitted and the rest scored. Over several files each file is split
//! by this rule and the counts are pooled.

use crate::method::Encoded;
use serde::{Deserialize, Serialize};

/// The Table 3 numbers of a token stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrivialBounds {
    /// Vocabulary size v.
    pub vocab: u64,
    /// Bytes per token.
    pub bytes_per_token: f64,
    /// log2(v) / ratio.
    pub uniform_bits_per_byte: f64,
    /// In-sample plug-in token entropy / ratio.
    pub unigram_plugin_bits_per_byte: f64,
    /// Held-out unigram cross-entropy / ratio.
    pub unigram_heldout_bits_per_byte: f64,
    /// Plug-in token entropy, bits/token.
    pub token_entropy_bits: f64,
    /// Held-out cross-entropy, bits/token.
    pub heldout_cross_entropy_bits: f64,
    /// Tokens fitted.
    pub fit_tokens: u64,
    /// Tokens scored.
    pub score_tokens: u64,
    /// Additive smoothing α.
    pub smoothing: f64,
    /// Distinct token ids seen.
    pub distinct_tokens: u64,
}

/// Token counts for the bounds, poolable over files (and over shards: serializable).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrivialAccumulator {
    token_bits: u32,
    bytes: u64,
    all: Vec<u64>,
    fit: Vec<u64>,
    score: Vec<u64>,
}

impl TrivialAccumulator {
    /// Empty counts for `token_bits`-bit tokens.
    pub fn new(token_bits: u32) -> Self {
        let v = 1usize << token_bits.min(16);
        TrivialAccumulator {
            token_bits,
            bytes: 0,
            all: vec![0; v],
            fit: vec![0; v],
            score: vec![0; v],
        }
    }

    /// Adds tokens directly: `fit` and `score` parts, covering `bytes` input bytes in all.
    pub fn add_split(&mut self, fit: &[u32], score: &[u32], bytes: u64) {
        self.bytes += bytes;
        let v = self.all.len();
        for &t in fit {
            let t = t as usize % v;
            self.fit[t] += 1;
            self.all[t] += 1;
        }
        for &t in score {
            let t = t as usize % v;
            self.score[t] += 1;
            self.all[t] += 1;
        }
    }

    /// Adds an encoding, split by the module's rule.
    pub fn add_encoded(&mut self, enc: &Encoded) {
        let toks = &enc.tokens;
        if enc.examples.len() >= 2 {
            let mut fit = Vec::new();
            let mut score = Vec::new();
            for (i, ex) in enc.examples.iter().enumerate() {
                let r = ex.tokens.start.min(toks.len())..ex.tokens.end.min(toks.len());
                if i % 2 == 0 {
                    fit.extend_from_slice(&toks[r]);
                } else {
                    score.extend_from_slice(&toks[r]);
                }
            }
            self.add_split(&fit, &score, enc.input_len as u64);
        } else {
            let half = toks.len() / 2;
            self.add_split(&toks[..half], &toks[half..], enc.input_len as u64);
        }
    }

    /// Pools another accumulator's counts (same token size).
    pub fn merge(&mut self, other: &TrivialAccumulator) {
        self.bytes += other.bytes;
        for (a, b) in [
            (&mut self.all, &other.all),
            (&mut self.fit, &other.fit),
            (&mut self.score, &other.score),
        ] {
            for (x, y) in a.iter_mut().zip(b.iter()) {
                *x += y;
            }
        }
    }

    /// Counts of every token id over the whole stream.
    pub fn token_counts(&self) -> &[u64] {
        &self.all
    }

    /// The bounds with smoothing α.
    pub fn bounds(&self, smoothing: f64) -> TrivialBounds {
        let tokens: u64 = self.all.iter().sum();
        let v = self.all.len() as f64;
        let ratio = if tokens == 0 {
            0.0
        } else {
            self.bytes as f64 / tokens as f64
        };
        let per_byte = |bits_per_token: f64| {
            if ratio > 0.0 {
                bits_per_token / ratio
            } else {
                0.0
            }
        };
        let (h, _) = super::kl::plugin_entropy(&self.all);
        let fit_total: u64 = self.fit.iter().sum();
        let score_total: u64 = self.score.iter().sum();
        let alpha = smoothing.max(0.0);
        let denom = fit_total as f64 + alpha * v;
        let ce = if score_total == 0 || denom <= 0.0 {
            0.0
        } else {
            let mut s = 0.0;
            for (t, &c) in self.score.iter().enumerate() {
                if c > 0 {
                    let p = (self.fit[t] as f64 + alpha) / denom;
                    s -= c as f64 * if p > 0.0 { p.log2() } else { f64::NEG_INFINITY };
                }
            }
            s / score_total as f64
        };
        TrivialBounds {
            vocab: self.all.len() as u64,
            bytes_per_token: ratio,
            uniform_bits_per_byte: per_byte(self.token_bits as f64),
            unigram_plugin_bits_per_byte: per_byte(h),
            unigram_heldout_bits_per_byte: per_byte(ce),
            token_entropy_bits: h,
            heldout_cross_entropy_bits: ce,
            fit_tokens: fit_total,
            score_tokens: score_total,
            smoothing: alpha,
            distinct_tokens: self.all.iter().filter(|&&c| c > 0).count() as u64,
        }
    }
}

/// Token ranks and their counts, most frequent first, sampled at about geometric steps (every
/// rank up to 10, then about 5% apart, and always the last) so a log-log plot needs few points.
pub fn rank_frequency(counts: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted: Vec<u64> = counts.iter().copied().filter(|&c| c > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    let mut r = 1usize;
    while r <= sorted.len() {
        out.push((r as u64, sorted[r - 1]));
        r = if r < 10 {
            r + 1
        } else {
            (r + r / 20).max(r + 1)
        };
    }
    if let Some(&last) = sorted.last() {
        if out.last().map(|p| p.0) != Some(sorted.len() as u64) {
            out.push((sorted.len() as u64, last));
        }
    }
    out
}
