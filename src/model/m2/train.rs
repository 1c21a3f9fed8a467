//! Training one M2 on token sequences for a fixed budget and scoring it on held-out sequences.
//!
//! Data: each input sequence (one compressed example) is cut into segments of `seq_len` tokens
//! aligned to its start (segment k = tokens `k*seq_len .. (k+1)*seq_len`; the last one may be
//! shorter). Every segment is modelled from BOS, in training and in scoring alike, so a segment
//! that starts an example sees exactly what the compressor emitted from its reset state, and
//! Equal-Info windows stay aligned to token positions (segments start on a window boundary
//! whenever `seq_len` is a multiple of the tokens per window).
//!
//! Each step draws `batch` segments uniformly with replacement (SplitMix64 seeded by the budget's
//! seed); short segments are zero-padded and the padding is masked out of the loss. The
//! optimizer, schedule, clipping and initialization are M1's, from `model::nn`: AdamW (β = 0.9,
//! 0.95; decoupled weight decay on the matrices of linear layers only), linear warm-up and cosine
//! decay to `min_lr_frac * lr` ([`Schedule`]), global-norm gradient clipping, and
//! [`init_weights`].
//!
//! Determinism: with the same sequences, budget, shape and thread count the run is repeatable
//! bit for bit (no hash-map order enters a floating-point sum: variables are visited by name).

use super::net::{M2Net, M2Shape};
use crate::error::{Error, Result};
use crate::model::nn::{self, init_weights, sorted_vars, AdamW, Schedule};
use crate::rng::SplitMix64;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// The training budget: identical for every configuration of a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Optimizer steps.
    pub steps: usize,
    /// Segments per step.
    pub batch: usize,
    /// Segment length in tokens.
    pub seq_len: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Final learning rate as a fraction of `lr`.
    pub min_lr_frac: f64,
    /// Warm-up steps.
    pub warmup: usize,
    /// AdamW weight decay (matrices of linear layers only).
    pub weight_decay: f64,
    /// Global gradient-norm clip (0 = none).
    pub clip: f64,
    /// Seed of initialization and sampling.
    pub seed: u64,
}

impl Budget {
    /// Checks the numbers.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 || self.batch == 0 {
            return Err(Error::BadParams(
                "M2 steps and batch must be positive".into(),
            ));
        }
        if !(2..=1 << 16).contains(&self.seq_len) {
            return Err(Error::BadParams(format!(
                "M2 sequence length must be in 2..=65536 tokens, got {}",
                self.seq_len
            )));
        }
        if !(self.lr > 0.0 && self.lr < 1.0) {
            return Err(Error::BadParams(format!(
                "M2 learning rate {} is out of range",
                self.lr
            )));
        }
        Ok(())
    }

    /// The learning-rate schedule of this budget.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            steps: self.steps,
            lr: self.lr,
            min_lr_frac: self.min_lr_frac,
            warmup: self.warmup,
        }
    }
}

/// What one training run produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct M2Outcome {
    /// Held-out tokens scored.
    pub heldout_tokens: u64,
    /// Mean held-out negative log-likelihood, nats per token.
    pub heldout_nll_nats: f64,
    /// Training loss of every step, bits per token.
    pub train_curve: Vec<f32>,
    /// Parameters of the model.
    pub params: usize,
    /// Training segments available.
    pub train_segments: usize,
    /// Wall-clock seconds of training (without scoring).
    pub train_seconds: f64,
    /// Wall-clock seconds of held-out scoring.
    pub score_seconds: f64,
}

impl M2Outcome {
    /// Mean held-out bits per token.
    pub fn heldout_bits_per_token(&self) -> f64 {
        self.heldout_nll_nats / std::f64::consts::LN_2
    }
}

/// The segments of `seqs`: consecutive `seq_len`-token slices aligned to each sequence's start.
pub fn segments(seqs: &[Vec<u32>], seq_len: usize) -> Vec<&[u32]> {
    seqs.iter()
        .flat_map(|s| s.chunks(seq_len.max(1)))
        .filter(|c| !c.is_empty())
        .collect()
}

/// Token ids and a 0/1 mask, both (rows, seq_len), padding with token 0.
fn pack(segs: &[&[u32]], seq_len: usize, dev: &Device) -> Result<(Tensor, Tensor, usize)> {
    let rows = segs.len();
    let mut ids = vec![0u32; rows * seq_len];
    let mut mask = vec![0f32; rows * seq_len];
    let mut real = 0usize;
    for (r, s) in segs.iter().enumerate() {
        let n = s.len().min(seq_len);
        ids[r * seq_len..r * seq_len + n].copy_from_slice(&s[..n]);
        mask[r * seq_len..r * seq_len + n].fill(1.0);
        real += n;
    }
    let ids = Tensor::from_vec(ids, (rows, seq_len), dev)?;
    let mask = Tensor::from_vec(mask, (rows, seq_len), dev)?;
    Ok((ids, mask, real))
}

/// Summed masked NLL (nats) of packed segments: a scalar tensor.
fn masked_nll_sum(net: &M2Net, ids: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let (b, t) = ids.dims2()?;
    let inp = ids.narrow(1, 0, t - 1)?;
    let logits = net.forward(&inp)?;
    let v = logits.dim(2)?;
    let nll = super::xent::nll_rows(&logits.reshape((b * t, v))?, &ids.reshape(b * t)?)?;
    (nll * mask.reshape(b * t)?)?.sum_all()
}

/// Trains an M2 over `vocab` token ids on `train` sequences for `budget`, then scores every
/// token of `heldout`. `on_step(step, loss_bits_per_token)` is called after each step (1-based);
/// `cancel` is checked before each step and each scoring batch.
#[allow(clippy::too_many_arguments)]
pub fn train_m2(
    train: &[Vec<u32>],
    heldout: &[Vec<u32>],
    vocab: usize,
    shape: &M2Shape,
    budget: &Budget,
    dev: &Device,
    on_step: &mut dyn FnMut(usize, f64),
    cancel: Option<&AtomicBool>,
) -> Result<M2Outcome> {
    budget.validate()?;
    shape.validate()?;
    if !(2..=1 << 16).contains(&vocab) {
        return Err(Error::BadParams(format!(
            "M2 vocabulary must be in 2..=65536, got {vocab}"
        )));
    }
    let check_cancel = || match cancel {
        Some(c) if c.load(Ordering::Relaxed) => Err(Error::Cancelled),
        _ => Ok(()),
    };
    for s in train.iter().chain(heldout) {
        if let Some(&t) = s.iter().find(|&&t| t as usize >= vocab) {
            return Err(Error::BadParams(format!(
                "token id {t} is outside the M2 vocabulary of {vocab}"
            )));
        }
    }
    let seq_len = budget.seq_len;
    let train_segs = segments(train, seq_len);
    if train_segs.is_empty() {
        return Err(Error::EmptyInput(
            "no training tokens for M2 (the training text compressed to nothing)".into(),
        ));
    }
    let heldout_segs = segments(heldout, seq_len);
    if heldout_segs.is_empty() {
        return Err(Error::EmptyInput(
            "no held-out tokens for M2 (the held-out text compressed to nothing)".into(),
        ));
    }

    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, dev);
    let net = M2Net::new(shape, vocab, seq_len, vb)?;
    init_weights(&varmap, shape.n_layers, budget.seed)?;
    let vars = sorted_vars(&varmap);
    let mut opt = AdamW::new(&vars)?;
    let schedule = budget.schedule();
    let mut rng = SplitMix64::new(budget.seed ^ 0x0004_2000_5EED);
    let mut out = M2Outcome {
        params: shape.params(vocab),
        train_segments: train_segs.len(),
        ..M2Outcome::default()
    };

    let t0 = std::time::Instant::now();
    for step in 0..budget.steps {
        check_cancel()?;
        let picks: Vec<&[u32]> = (0..budget.batch)
            .map(|_| train_segs[rng.below(train_segs.len() as u64) as usize])
            .collect();
        let (ids, mask, real) = pack(&picks, seq_len, dev)?;
        let loss = (masked_nll_sum(&net, &ids, &mask)? / real.max(1) as f64)?;
        let grads = loss.backward()?;
        let scale = nn::clip_factor(nn::grad_norm(&grads, &vars)?, budget.clip);
        let lr = schedule.lr_at(step);
        opt.step(&grads, lr, budget.weight_decay, scale)?;
        let bits = loss.to_scalar::<f32>()? as f64 / std::f64::consts::LN_2;
        out.train_curve.push(bits as f32);
        on_step(step + 1, bits);
    }
    out.train_seconds = t0.elapsed().as_secs_f64();

    let t1 = std::time::Instant::now();
    let mut nll = 0f64;
    let mut tokens = 0u64;
    for group in heldout_segs.chunks(budget.batch) {
        check_cancel()?;
        let (ids, mask, real) = pack(group, seq_len, dev)?;
        let s = masked_nll_sum(&net, &ids, &mask)?.to_scalar::<f32>()?;
        nll += s as f64;
        tokens += real as u64;
    }
    out.score_seconds = t1.elapsed().as_secs_f64();
    out.heldout_tokens = tokens;
    out.heldout_nll_nats = if tokens == 0 {
        0.0
    } else {
        nll / tokens as f64
    };
    Ok(out)
}
