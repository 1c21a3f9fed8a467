//! The uniform byte model: every byte has probability 1/256. A baseline and a fast test model.

use super::{sha256_hex, ByteModel, ModelIdentity, VOCAB};
use crate::error::Result;

/// Every byte equally likely, whatever the context.
#[derive(Debug, Clone)]
pub struct Uniform {
    dist: Vec<f32>,
}

impl Default for Uniform {
    fn default() -> Self {
        Uniform {
            dist: vec![1.0 / VOCAB as f32; VOCAB],
        }
    }
}

impl ByteModel for Uniform {
    fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            kind: "uniform".into(),
            hash: sha256_hex(&[b"uniform"]),
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
