//! The unigram byte model: a fixed byte distribution fitted from counts (add-one smoothed), saved
//! and loaded as JSON. The model of the paper's StaticAC.

use super::{sha256_hex, ByteModel, ModelIdentity, VOCAB};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A context-free byte distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Unigram {
    counts: Vec<u64>,
    dist: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
struct UnigramFile {
    kind: String,
    counts: Vec<u64>,
}

impl Unigram {
    /// Fits from bytes: probability of `s` is `(count(s) + 1) / (n + 256)`, so none is zero.
    pub fn fit(bytes: &[u8]) -> Self {
        let mut counts = vec![0u64; VOCAB];
        for &b in bytes {
            counts[b as usize] += 1;
        }
        Self::from_counts(counts).unwrap_or_default()
    }

    /// Builds from 256 raw counts (add-one smoothing is applied on top).
    pub fn from_counts(counts: Vec<u64>) -> Result<Self> {
        if counts.len() != VOCAB {
            return Err(Error::Model(format!(
                "unigram needs {VOCAB} counts, found {}",
                counts.len()
            )));
        }
        let total: f64 = counts.iter().map(|&c| c as f64 + 1.0).sum();
        let dist = counts
            .iter()
            .map(|&c| ((c as f64 + 1.0) / total) as f32)
            .collect();
        Ok(Unigram { counts, dist })
    }

    /// The raw counts (before smoothing).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Serializes as JSON: `{"kind":"unigram","counts":[...256]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&UnigramFile {
            kind: "unigram".into(),
            counts: self.counts.clone(),
        })
        .unwrap_or_default()
    }

    /// Parses the JSON written by [`Unigram::to_json`].
    pub fn from_json(text: &str) -> Result<Self> {
        let f: UnigramFile = serde_json::from_str(text)?;
        if f.kind != "unigram" {
            return Err(Error::Model(format!(
                "expected a unigram model, found kind {:?}",
                f.kind
            )));
        }
        Self::from_counts(f.counts)
    }

    /// Saves to a JSON file.
    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json()).map_err(|e| Error::io(path, e))
    }

    /// Loads from a JSON file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&text)
    }
}

impl Default for Unigram {
    fn default() -> Self {
        Self::fit(&[])
    }
}

impl ByteModel for Unigram {
    fn identity(&self) -> ModelIdentity {
        let bytes: Vec<u8> = self.counts.iter().flat_map(|c| c.to_le_bytes()).collect();
        ModelIdentity {
            kind: "unigram".into(),
            hash: sha256_hex(&[b"unigram", &bytes]),
            backend: "exact".into(),
        }
    }
    fn start(&mut self, _lanes: usize) -> Result<()> {
        Ok(())
    }
    fn reset_lane(&mut self, _lane: usize) {}
    fn dist(&self, _lane: usize) -> &[f32] {
        &self.dist
    }
    fn feed(&mut self, _bytes: &[Option<u8>]) -> Result<()> {
        Ok(())
    }
    fn context_free(&self) -> bool {
        true
    }
    fn preferred_lanes(&self) -> usize {
        1024
    }
}
