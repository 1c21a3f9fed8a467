//! Cross-entropy of a text under a byte model, twice: under the model's float distributions
//! (what the model "knows") and under the quantized distributions the arithmetic coder really
//! codes with (SPEC §3), `Σ −log2 q(x)`, `q = f / 2^β`. The second is the coder's ideal: an
//! exact arithmetic coder's output is that plus at most a few bits of termination per example
//! and the finite-precision coder's small rounding loss, never less (up to those few bits).
//!
//! They differ because quantization gives every byte at least `f = 1` of `2^β` (so `q ≥ 2^-β`)
//! and takes that floor from the other bytes: a byte the model finds nearly impossible (a
//! carriage return before a line feed, for a model that never saw one) costs `−log2 p` ≈ 20+ bits
//! under the float model but at most β (14) bits in the coder, while common bytes pay a little
//! more than `−log2 p` (their share of the `256 / 2^β` floor mass, at most about
//! `−log2(1 − 256/2^β)` ≈ 0.023 bits at β = 14). On text with such bytes the float
//! cross-entropy can therefore exceed the coded size; the quantized one cannot.
//!
//! Each example (of `example_bytes`, 0 = the whole text) is scored from an empty context with
//! [`ByteModel::score`], as the coder codes it.

use crate::coding::quantize;
use crate::error::{Error, Result};
use crate::method::example_ranges;
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};

/// Both cross-entropies of one text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossEntropy {
    /// Bytes scored.
    pub bytes: u64,
    /// `Σ −log2 p(x)` under the float distributions, bits.
    pub float_bits: f64,
    /// `Σ −log2 q(x)` under the quantized distributions at the given precision, bits.
    pub quantized_bits: f64,
}

impl CrossEntropy {
    /// Float cross-entropy, bits/byte.
    pub fn float_bpb(&self) -> f64 {
        per(self.float_bits, self.bytes)
    }
    /// Quantized cross-entropy (the coder's ideal), bits/byte.
    pub fn quantized_bpb(&self) -> f64 {
        per(self.quantized_bits, self.bytes)
    }
}

fn per(bits: f64, bytes: u64) -> f64 {
    if bytes == 0 {
        0.0
    } else {
        bits / bytes as f64
    }
}

/// Scores `data` in examples of `example_bytes` at precision β = `precision`.
///
/// Errors: an empty input, a bad precision, the model's errors.
pub fn cross_entropy(
    model: &mut dyn ByteModel,
    data: &[u8],
    example_bytes: usize,
    precision: u32,
) -> Result<CrossEntropy> {
    if data.is_empty() {
        return Err(Error::EmptyInput("no bytes to score".into()));
    }
    let mut out = CrossEntropy {
        bytes: data.len() as u64,
        ..Default::default()
    };
    for r in example_ranges(data.len(), example_bytes) {
        let bytes = &data[r];
        let rows = model.score(bytes)?;
        for (i, &b) in bytes.iter().enumerate() {
            let Some(row) = rows.get(i * 256..(i + 1) * 256) else {
                return Err(Error::BadDistribution(
                    "the model scored fewer bytes than asked".into(),
                ));
            };
            out.float_bits -= (row[b as usize] as f64).max(1e-30).log2();
            let table =
                quantize(row, precision).map_err(|e| Error::BadDistribution(e.to_string()))?;
            out.quantized_bits -= (table.freq(b) as f64 / table.total() as f64).log2();
        }
    }
    Ok(out)
}
