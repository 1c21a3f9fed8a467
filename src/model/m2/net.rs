//! The M2 network: a small decoder-only transformer over token ids, built from M1's layers
//! (`model::m1::net::{Block, LayerNorm, attention_bias}`: pre-LayerNorm, ReLU MLP, ALiBi, learned
//! BOS at position 0), with a vocabulary of `2^token_bits` instead of 256.
//!
//! Tensor names (every layer is `new(cfg, vb)` with `vb.pp(name)`):
//!
//! ```text
//! bos                         [d_model]
//! tok_emb.weight              [vocab, e]
//! emb_in.weight               [d_model, e]        only when e < d_model (large vocabularies)
//! layers.{i}.*                as in M1
//! ln_f.{weight,bias}          [d_model]
//! emb_out.weight              [e, d_model]        only when e < d_model
//! head.{weight,bias}          [vocab, e], [vocab]
//! ```
//!
//! The embedding width `e` is `d_model` for small vocabularies and `large_vocab_embed_dim` above
//! [`LARGE_VOCAB`] tokens: with v = 65,536 the input embedding and the output softmax dominate
//! everything else (the head alone costs `2 v e` flops per token), so both go through an
//! `e`-wide bottleneck (factorized embedding, as in ALBERT). The transformer body is identical for
//! every vocabulary, so configurations differ only in their token interface.

use crate::model::m1::net::{attention_bias, Block, LayerNorm};
use crate::model::m1::Config as BodyConfig;
use candle_core::{Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use serde::{Deserialize, Serialize};

/// Vocabularies above this size use the factorized embedding of width
/// [`M2Shape::large_vocab_embed_dim`].
pub const LARGE_VOCAB: usize = 4096;

/// Shape of an M2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct M2Shape {
    /// Residual width.
    pub d_model: usize,
    /// Transformer blocks.
    pub n_layers: usize,
    /// Attention heads per block.
    pub n_heads: usize,
    /// Width of each head.
    pub head_dim: usize,
    /// Hidden width of the ReLU MLP.
    pub d_mlp: usize,
    /// Embedding (and output bottleneck) width for vocabularies above [`LARGE_VOCAB`].
    pub large_vocab_embed_dim: usize,
}

impl M2Shape {
    /// Embedding width for a vocabulary.
    pub fn embed_dim(&self, vocab: usize) -> usize {
        if vocab > LARGE_VOCAB {
            self.large_vocab_embed_dim.clamp(1, self.d_model)
        } else {
            self.d_model
        }
    }

    /// The M1 config describing the transformer body (the layers read only its shape fields).
    /// `seq_len` tokens plus BOS fit in its attention window, so attention is never truncated.
    pub fn body_config(&self, vocab: usize, seq_len: usize) -> BodyConfig {
        BodyConfig {
            kind: "m2".into(),
            vocab,
            d_model: self.d_model,
            n_layers: self.n_layers,
            n_heads: self.n_heads,
            head_dim: self.head_dim,
            d_mlp: self.d_mlp,
            max_context: seq_len + 1,
            layer_norm_eps: 1e-5,
        }
    }

    /// Number of parameters for a vocabulary.
    pub fn params(&self, vocab: usize) -> usize {
        let body = self.body_config(vocab, 2).non_embedding_params();
        let (d, e) = (self.d_model, self.embed_dim(vocab));
        let bottleneck = if e < d { 2 * d * e } else { 0 };
        body + d + vocab * e + bottleneck + vocab * e + vocab
    }

    /// Checks the numbers.
    pub fn validate(&self) -> crate::Result<()> {
        for (name, v) in [
            ("d_model", self.d_model),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("head_dim", self.head_dim),
            ("d_mlp", self.d_mlp),
            ("large_vocab_embed_dim", self.large_vocab_embed_dim),
        ] {
            if v == 0 || v > 1 << 14 {
                return Err(crate::Error::BadParams(format!(
                    "M2 {name} = {v} is out of range (1..=16384)"
                )));
            }
        }
        Ok(())
    }
}

/// The M2 network.
#[derive(Debug, Clone)]
pub struct M2Net {
    body: BodyConfig,
    bos: Tensor,
    tok_emb: candle_nn::Embedding,
    emb_in: Option<Linear>,
    layers: Vec<Block>,
    ln_f: LayerNorm,
    emb_out: Option<Linear>,
    head: Linear,
}

impl M2Net {
    /// Builds the layers for `vocab` tokens and sequences of up to `seq_len` tokens.
    pub fn new(
        shape: &M2Shape,
        vocab: usize,
        seq_len: usize,
        vb: VarBuilder,
    ) -> candle_core::Result<Self> {
        let body = shape.body_config(vocab, seq_len);
        let (d, e) = (shape.d_model, shape.embed_dim(vocab));
        let bos = vb.get(d, "bos")?;
        let tok_emb = candle_nn::embedding(vocab, e, vb.pp("tok_emb"))?;
        let (emb_in, emb_out) = if e < d {
            (
                Some(candle_nn::linear_no_bias(e, d, vb.pp("emb_in"))?),
                Some(candle_nn::linear_no_bias(d, e, vb.pp("emb_out"))?),
            )
        } else {
            (None, None)
        };
        let layers = (0..body.n_layers)
            .map(|i| Block::new(&body, vb.pp(format!("layers.{i}"))))
            .collect::<candle_core::Result<Vec<_>>>()?;
        let ln_f = LayerNorm::new(&body, vb.pp("ln_f"))?;
        let head = candle_nn::linear(e, vocab, vb.pp("head"))?;
        Ok(Self {
            body,
            bos,
            tok_emb,
            emb_in,
            layers,
            ln_f,
            emb_out,
            head,
        })
    }

    /// The body's config (shape, vocabulary, attention window).
    pub fn body(&self) -> &BodyConfig {
        &self.body
    }

    /// Logits for `ids` (B, L) of u32 token ids: (B, L+1, vocab), row `i` predicting token `i`
    /// from `[BOS, ids[..i]]`.
    pub fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, l) = ids.dims2()?;
        let d = self.body.d_model;
        let bos = self.bos.reshape((1, 1, d))?.broadcast_as((b, 1, d))?;
        let x = if l == 0 {
            bos.contiguous()?
        } else {
            let mut emb = self.tok_emb.forward(ids)?;
            if let Some(p) = &self.emb_in {
                emb = p.forward(&emb)?;
            }
            Tensor::cat(&[&bos, &emb], 1)?
        };
        let bias = attention_bias(&self.body, l + 1, x.device())?;
        let mut x = x;
        for layer in &self.layers {
            x = layer.forward(&x, &bias)?;
        }
        // The head runs on (B*S, e) rows: one plain matmul instead of a batched one against a
        // broadcast weight (much cheaper for a 65,536-row head, forward and backward).
        let s = l + 1;
        let mut x = self.ln_f.forward(&x)?.reshape((b * s, d))?;
        if let Some(p) = &self.emb_out {
            x = p.forward(&x)?;
        }
        let v = self.body.vocab;
        self.head.forward(&x)?.reshape((b, s, v))
    }
}
