//! The M1 configuration: the serde `config.json` that sits beside `model.safetensors`, and the
//! named presets. The config fully determines every tensor name and shape (see `net.rs`), so a
//! config that does not match the weights is caught at load time.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Shape of an M1 byte transformer (decoder-only, pre-LayerNorm, ReLU MLP, ALiBi attention bias,
/// learned BOS embedding as position 0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Always "m1" (guards against loading some other model's config).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Vocabulary size: always 256 byte values.
    #[serde(default = "default_vocab")]
    pub vocab: usize,
    /// Residual width.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Attention heads per block.
    pub n_heads: usize,
    /// Width of each head (`n_heads * head_dim` need not equal `d_model`).
    pub head_dim: usize,
    /// Hidden width of the ReLU MLP.
    pub d_mlp: usize,
    /// Attention window in positions, the BOS position included: the training sequence length.
    /// Beyond it, inference slides the window (BOS stays; the oldest byte drops out).
    pub max_context: usize,
    /// LayerNorm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
}

fn default_kind() -> String {
    "m1".into()
}
fn default_vocab() -> usize {
    256
}
fn default_eps() -> f64 {
    1e-5
}

/// Names of the presets accepted by [`Config::preset`].
pub const PRESETS: &[&str] = &["paper-3m", "cpu-1m", "cpu-small", "tiny"];

impl Config {
    /// A named preset:
    /// - `paper-3m`: the paper's M1 (3 layers, d_model 256, 4 heads of 64, MLP 1024, context 1024).
    /// - `cpu-1m`: 2 layers of the paper's width (d_model 256, 4x64, MLP 1024), context 256: fast
    ///   enough to train on one CPU core in an hour or two.
    /// - `cpu-small`: 3 layers, d_model 192, 4 heads of 48, MLP 768, context 256.
    /// - `tiny`: for tests (2 layers, d_model 32, 2 heads of 16, MLP 64, context 32).
    pub fn preset(name: &str) -> Result<Self> {
        let c = |d_model, n_layers, n_heads, head_dim, d_mlp, max_context| Config {
            kind: default_kind(),
            vocab: 256,
            d_model,
            n_layers,
            n_heads,
            head_dim,
            d_mlp,
            max_context,
            layer_norm_eps: default_eps(),
        };
        Ok(match name {
            "paper-3m" => c(256, 3, 4, 64, 1024, 1024),
            "cpu-1m" => c(256, 2, 4, 64, 1024, 256),
            "cpu-small" => c(192, 3, 4, 48, 768, 256),
            "tiny" => c(32, 2, 2, 16, 64, 32),
            other => {
                return Err(Error::BadParams(format!(
                    "unknown M1 preset {other:?}; known presets: {}",
                    PRESETS.join(", ")
                )))
            }
        })
    }

    /// Checks that the numbers describe a model that can be built.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Model(format!("invalid M1 config: {m}")));
        if self.kind != "m1" {
            return bad(format!("kind is {:?}, expected \"m1\"", self.kind));
        }
        if self.vocab != 256 {
            return bad(format!("vocab is {}, expected 256", self.vocab));
        }
        for (name, v) in [
            ("d_model", self.d_model),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("head_dim", self.head_dim),
            ("d_mlp", self.d_mlp),
        ] {
            if v == 0 || v > 1 << 16 {
                return bad(format!("{name} = {v} is out of range"));
            }
        }
        if self.max_context < 2 || self.max_context > 1 << 20 {
            return bad(format!(
                "max_context = {} is out of range (2..=1048576)",
                self.max_context
            ));
        }
        if !(self.layer_norm_eps > 0.0 && self.layer_norm_eps < 1.0) {
            return bad(format!("layer_norm_eps = {}", self.layer_norm_eps));
        }
        Ok(())
    }

    /// Width of the concatenated heads.
    pub fn attn_dim(&self) -> usize {
        self.n_heads * self.head_dim
    }

    /// ALiBi slopes, one per head: `2^(-8 (h+1) / n_heads)` (Press et al. 2022).
    pub fn alibi_slopes(&self) -> Vec<f32> {
        (0..self.n_heads)
            .map(|h| 2f64.powf(-8.0 * (h as f64 + 1.0) / self.n_heads as f64) as f32)
            .collect()
    }

    /// Parameters outside the byte embedding, BOS and output head (the paper's count).
    pub fn non_embedding_params(&self) -> usize {
        let d = self.d_model;
        let a = self.attn_dim();
        let per_layer = 2 * 2 * d
            + (d * 3 * a + 3 * a)
            + (a * d + d)
            + (d * self.d_mlp + self.d_mlp)
            + (self.d_mlp * d + d);
        self.n_layers * per_layer + 2 * d
    }

    /// All parameters.
    pub fn total_params(&self) -> usize {
        self.non_embedding_params()
            + self.vocab * self.d_model
            + self.d_model
            + self.d_model * self.vocab
            + self.vocab
    }

    /// Forward multiply-adds x2 per byte in the matmuls (attention over the cache not included).
    pub fn matmul_flops_per_byte(&self) -> usize {
        let d = self.d_model;
        let a = self.attn_dim();
        2 * (self.n_layers * (d * 3 * a + a * d + 2 * d * self.d_mlp) + d * self.vocab)
    }

    /// Serializes as pretty JSON (the `config.json` format).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses `config.json` text and validates it.
    pub fn from_json(text: &str) -> Result<Self> {
        let c: Config = serde_json::from_str(text)
            .map_err(|e| Error::Model(format!("config.json is not a valid M1 config: {e}")))?;
        c.validate()?;
        Ok(c)
    }
}
