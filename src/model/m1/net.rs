//! The M1 layers in candle, for training and for batched scoring. Every layer has
//! `new(cfg, vb)` with `vb.pp(name)` so that field names mirror tensor names:
//!
//! ```text
//! bos                               [d_model]          learned start-of-context embedding
//! tok_emb.weight                    [256, d_model]
//! layers.{i}.ln1.{weight,bias}      [d_model]
//! layers.{i}.attn.qkv.{weight,bias} [3*n_heads*head_dim, d_model], [3*n_heads*head_dim]
//! layers.{i}.attn.proj.{weight,bias}[d_model, n_heads*head_dim], [d_model]
//! layers.{i}.ln2.{weight,bias}      [d_model]
//! layers.{i}.mlp.fc1.{weight,bias}  [d_mlp, d_model], [d_mlp]
//! layers.{i}.mlp.fc2.{weight,bias}  [d_model, d_mlp], [d_model]
//! ln_f.{weight,bias}                [d_model]
//! head.{weight,bias}                [256, d_model], [256]
//! ```
//!
//! A sequence is `[BOS, b0, b1, ...]`: position 0 holds the learned `bos` vector, so the empty
//! context has a defined next-byte distribution (row 0 of the output). Positions enter only
//! through ALiBi: head `h` adds `-slope_h * (i - j)` to the score of query `i` on key `j`. ALiBi
//! is relative and translation-invariant, so keys cached in a KV cache never need re-encoding
//! when the window slides, and it adds no parameters. Attention is limited to a window of
//! `max_context` positions: BOS plus the latest `max_context - 1` bytes (the same rule as the
//! sliding KV cache in `infer.rs`, so both paths compute the same function).

use super::config::Config;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder};

/// LayerNorm over the last dimension (biased variance, eps inside the square root); fused with a
/// backward pass on the CPU (`ops.rs`), candle primitives elsewhere.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    pub weight: Tensor,
    pub bias: Tensor,
    pub eps: f64,
}

impl LayerNorm {
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle_core::Result<Self> {
        let weight = vb.get_with_hints(cfg.d_model, "weight", candle_nn::Init::Const(1.0))?;
        let bias = vb.get_with_hints(cfg.d_model, "bias", candle_nn::Init::Const(0.0))?;
        Ok(Self {
            weight,
            bias,
            eps: cfg.layer_norm_eps,
        })
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        super::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

/// A linear layer applied to (B, S, K) as one (B*S, K) x (K, N) product (candle's `Linear` on a
/// 3-D input broadcasts the weight over B: B small products forward and a (B, N, K) gradient to
/// sum backward).
fn linear3(l: &Linear, x: &Tensor) -> candle_core::Result<Tensor> {
    let (b, s, k) = x.dims3()?;
    let y = l.forward(&x.reshape((b * s, k))?)?;
    let n = y.dim(1)?;
    y.reshape((b, s, n))
}

/// Multi-head causal self-attention with ALiBi and a sliding window.
#[derive(Debug, Clone)]
pub struct Attention {
    pub qkv: Linear,
    pub proj: Linear,
    n_heads: usize,
    head_dim: usize,
}

impl Attention {
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle_core::Result<Self> {
        let a = cfg.attn_dim();
        Ok(Self {
            qkv: candle_nn::linear(cfg.d_model, 3 * a, vb.pp("qkv"))?,
            proj: candle_nn::linear(a, cfg.d_model, vb.pp("proj"))?,
            n_heads: cfg.n_heads,
            head_dim: cfg.head_dim,
        })
    }

    /// `x`: (B, S, d_model); `bias`: (n_heads, S, S) additive ALiBi + mask.
    pub fn forward(&self, x: &Tensor, bias: &Tensor) -> candle_core::Result<Tensor> {
        let (b, s, _) = x.dims3()?;
        let (h, hd) = (self.n_heads, self.head_dim);
        let qkv = linear3(&self.qkv, x)?.reshape((b, s, 3, h, hd))?;
        let q = qkv
            .narrow(2, 0, 1)?
            .squeeze(2)?
            .transpose(1, 2)?
            .contiguous()?;
        let k = qkv
            .narrow(2, 1, 1)?
            .squeeze(2)?
            .transpose(1, 2)?
            .contiguous()?;
        let v = qkv
            .narrow(2, 2, 1)?
            .squeeze(2)?
            .transpose(1, 2)?
            .contiguous()?;
        let scale = 1.0 / (hd as f64).sqrt();
        let att = (q.matmul(&k.t()?)? * scale)?.broadcast_add(bias)?;
        let att = super::ops::softmax(&att)?;
        let y = att.matmul(&v)?.transpose(1, 2)?.reshape((b, s, h * hd))?;
        linear3(&self.proj, &y)
    }
}

impl Attention {
    /// Like [`Attention::forward`] for long sequences: queries in blocks of `max_context`, each
    /// against only the keys its window can see (BOS and the previous `max_context - 1` bytes),
    /// so memory grows linearly with the length. Same function as `forward` with the full bias.
    pub fn forward_blocked(&self, x: &Tensor, cfg: &Config) -> candle_core::Result<Tensor> {
        let (b, s, _) = x.dims3()?;
        let (h, hd) = (self.n_heads, self.head_dim);
        let qkv = linear3(&self.qkv, x)?.reshape((b, s, 3, h, hd))?;
        let part = |i: usize| -> candle_core::Result<Tensor> {
            qkv.narrow(2, i, 1)?
                .squeeze(2)?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (part(0)?, part(1)?, part(2)?);
        let scale = 1.0 / (hd as f64).sqrt();
        let w = cfg.max_context;
        let mut outs = Vec::new();
        let mut qs = 0;
        while qs < s {
            let qe = (qs + w).min(s);
            let ks = (qs + 2).saturating_sub(w).max(1);
            let (kb, vb, keys) = if ks <= 1 {
                (
                    k.narrow(2, 0, qe)?,
                    v.narrow(2, 0, qe)?,
                    (0..qe).collect::<Vec<_>>(),
                )
            } else {
                let keys: Vec<usize> = std::iter::once(0).chain(ks..qe).collect();
                (
                    Tensor::cat(&[&k.narrow(2, 0, 1)?, &k.narrow(2, ks, qe - ks)?], 2)?,
                    Tensor::cat(&[&v.narrow(2, 0, 1)?, &v.narrow(2, ks, qe - ks)?], 2)?,
                    keys,
                )
            };
            let bias = block_bias(cfg, qs, qe, &keys, x.device())?;
            let qb = q.narrow(2, qs, qe - qs)?;
            let att = (qb.matmul(&kb.t()?)? * scale)?.broadcast_add(&bias)?;
            let att = super::ops::softmax(&att)?;
            outs.push(att.matmul(&vb)?);
            qs = qe;
        }
        let y = Tensor::cat(&outs, 2)?
            .transpose(1, 2)?
            .reshape((b, s, h * hd))?;
        linear3(&self.proj, &y)
    }
}

/// The ReLU MLP.
#[derive(Debug, Clone)]
pub struct Mlp {
    pub fc1: Linear,
    pub fc2: Linear,
}

impl Mlp {
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle_core::Result<Self> {
        Ok(Self {
            fc1: candle_nn::linear(cfg.d_model, cfg.d_mlp, vb.pp("fc1"))?,
            fc2: candle_nn::linear(cfg.d_mlp, cfg.d_model, vb.pp("fc2"))?,
        })
    }
}

impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        linear3(&self.fc2, &linear3(&self.fc1, x)?.relu()?)
    }
}

/// One pre-LayerNorm transformer block.
#[derive(Debug, Clone)]
pub struct Block {
    pub ln1: LayerNorm,
    pub attn: Attention,
    pub ln2: LayerNorm,
    pub mlp: Mlp,
}

impl Block {
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle_core::Result<Self> {
        Ok(Self {
            ln1: LayerNorm::new(cfg, vb.pp("ln1"))?,
            attn: Attention::new(cfg, vb.pp("attn"))?,
            ln2: LayerNorm::new(cfg, vb.pp("ln2"))?,
            mlp: Mlp::new(cfg, vb.pp("mlp"))?,
        })
    }

    pub fn forward(&self, x: &Tensor, bias: &Tensor) -> candle_core::Result<Tensor> {
        let x = (x + self.attn.forward(&self.ln1.forward(x)?, bias)?)?;
        &x + self.mlp.forward(&self.ln2.forward(&x)?)?
    }
}

/// The whole network.
#[derive(Debug, Clone)]
pub struct Net {
    pub cfg: Config,
    pub bos: Tensor,
    pub tok_emb: candle_nn::Embedding,
    pub layers: Vec<Block>,
    pub ln_f: LayerNorm,
    pub head: Linear,
}

impl Net {
    pub fn new(cfg: &Config, vb: VarBuilder) -> candle_core::Result<Self> {
        let bos = vb.get(cfg.d_model, "bos")?;
        let tok_emb = candle_nn::embedding(cfg.vocab, cfg.d_model, vb.pp("tok_emb"))?;
        let layers = (0..cfg.n_layers)
            .map(|i| Block::new(cfg, vb.pp(format!("layers.{i}"))))
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            bos,
            tok_emb,
            layers,
            ln_f: LayerNorm::new(cfg, vb.pp("ln_f"))?,
            head: candle_nn::linear(cfg.d_model, cfg.vocab, vb.pp("head"))?,
        })
    }

    /// Logits for `ids` (B, L) of u32 byte values: returns (B, L+1, 256), row `i` predicting
    /// byte `i` from `[BOS, ids[..i]]` (row `L` predicts the byte after all of them).
    pub fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, l) = ids.dims2()?;
        let d = self.cfg.d_model;
        let bos = self.bos.reshape((1, 1, d))?.broadcast_as((b, 1, d))?;
        let x = if l == 0 {
            bos.contiguous()?
        } else {
            Tensor::cat(&[&bos, &self.tok_emb.forward(ids)?], 1)?
        };
        let bias = attention_bias(&self.cfg, l + 1, x.device())?;
        let mut x = x;
        for layer in &self.layers {
            x = layer.forward(&x, &bias)?;
        }
        linear3(&self.head, &self.ln_f.forward(&x)?)
    }
}

impl Net {
    /// Same as [`Net::forward`], with attention computed in query blocks (memory linear in the
    /// length): for scoring inputs far longer than `max_context`.
    pub fn forward_long(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let (b, l) = ids.dims2()?;
        if l < 2 * self.cfg.max_context {
            return self.forward(ids);
        }
        let d = self.cfg.d_model;
        let bos = self.bos.reshape((1, 1, d))?.broadcast_as((b, 1, d))?;
        let mut x = Tensor::cat(&[&bos, &self.tok_emb.forward(ids)?], 1)?;
        for layer in &self.layers {
            x = (&x
                + layer
                    .attn
                    .forward_blocked(&layer.ln1.forward(&x)?, &self.cfg)?)?;
            x = (&x + layer.mlp.forward(&layer.ln2.forward(&x)?)?)?;
        }
        linear3(&self.head, &self.ln_f.forward(&x)?)
    }
}

/// The additive attention bias (n_heads, S, S): ALiBi `-slope * (i - j)` where query `i` may see
/// key `j`, `-inf` elsewhere. Query `i` sees BOS (key 0) and the bytes at positions
/// `i - (max_context - 2) ..= i`.
pub fn attention_bias(cfg: &Config, s: usize, dev: &Device) -> candle_core::Result<Tensor> {
    let keys: Vec<usize> = (0..s).collect();
    block_bias(cfg, 0, s, &keys, dev)
}

/// The bias (n_heads, qe - qs, keys.len()) for queries at positions `qs..qe` against keys at the
/// given positions, by the same rule as [`attention_bias`].
pub fn block_bias(
    cfg: &Config,
    qs: usize,
    qe: usize,
    keys: &[usize],
    dev: &Device,
) -> candle_core::Result<Tensor> {
    let slopes = cfg.alibi_slopes();
    let byte_window = cfg.max_context - 1;
    let (nq, nk) = (qe - qs, keys.len());
    let mut data = vec![f32::NEG_INFINITY; cfg.n_heads * nq * nk];
    for (h, slope) in slopes.iter().enumerate() {
        for i in qs..qe {
            let row = &mut data[(h * nq + i - qs) * nk..(h * nq + i - qs + 1) * nk];
            for (cell, &j) in row.iter_mut().zip(keys) {
                if j <= i && (j == 0 || i - j < byte_window) {
                    *cell = -slope * (i - j) as f32;
                }
            }
        }
    }
    Tensor::from_vec(data, (cfg.n_heads, nq, nk), dev)?.to_dtype(DType::F32)
}
