//! Training an M1: seeded initialization, random crops, AdamW with warm-up and cosine decay,
//! global-norm gradient clipping, held-out validation in bits/byte, checkpoints and resume.
//!
//! Determinism: every random choice (initial weights, crop offsets, short/long step choice) comes
//! from one SplitMix64 stream seeded by `--seed`, whose state is saved in each checkpoint; with
//! the same seed, data and thread count, a run (resumed or not) produces the same weights.
//!
//! Crops start at arbitrary byte offsets and every sequence starts from BOS, because at coding
//! time M1 mostly sees window-initial contexts (an Equal-Info window restarts from an empty
//! context every few bytes). On top of that, a fraction of steps (`short_frac`) trains on short
//! crops only (`short_len` bytes, with a proportionally larger batch, so every step sees about
//! the same number of bytes).
//!
//! The optimizer is `model::nn::AdamW`, the same update rule as `candle_nn::AdamW` (decoupled
//! weight decay, bias-corrected moments), written out so that its moments can be saved in a
//! checkpoint and restored by `--resume` (candle_nn keeps them private). Weight decay applies to
//! the matrices of the linear layers only, not to embeddings, BOS, LayerNorm or biases. The
//! schedule, clipping and initialization are `model::nn`'s too, shared with M2.

use super::config::Config;
use super::net::Net;
use crate::error::{Error, Result};
use crate::model::nn::{self, name_seed, sorted_vars, AdamW, Schedule};
use crate::rng::SplitMix64;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Training options.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    pub steps: usize,
    /// Sequences per step (long steps).
    pub batch: usize,
    /// Crop length in bytes of long steps (at most `max_context`).
    pub context: usize,
    pub lr: f64,
    pub min_lr_frac: f64,
    pub warmup: usize,
    pub weight_decay: f64,
    pub clip: f64,
    pub seed: u64,
    /// Fraction of steps trained on short crops only.
    pub short_frac: f64,
    /// Crop length of short steps.
    pub short_len: usize,
    /// Validate every this many steps (0: only at the end).
    pub eval_every: usize,
    /// Bytes of the validation text used by periodic validation (the final one uses all).
    pub eval_bytes: usize,
    /// Checkpoint every this many steps (0: only at the end).
    pub checkpoint_every: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            steps: 1000,
            batch: 16,
            context: 256,
            lr: 2e-3,
            min_lr_frac: 0.1,
            warmup: 100,
            weight_decay: 0.01,
            clip: 1.0,
            seed: 0,
            short_frac: 0.25,
            short_len: 64,
            eval_every: 200,
            eval_bytes: 65_536,
            checkpoint_every: 200,
        }
    }
}

impl TrainOptions {
    /// The learning-rate schedule: linear warm-up, then cosine decay to `min_lr_frac * lr`.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            steps: self.steps,
            lr: self.lr,
            min_lr_frac: self.min_lr_frac,
            warmup: self.warmup,
        }
    }

    /// Learning rate at a step (0-based), by [`TrainOptions::schedule`].
    pub fn lr_at(&self, step: usize) -> f64 {
        self.schedule().lr_at(step)
    }
}

/// What the trainer reports after each step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StepReport {
    pub step: usize,
    pub steps: usize,
    pub loss_bits_per_byte: f64,
    pub lr: f64,
    pub grad_norm: f64,
    /// Latest validation bits/byte, if any.
    pub val_bits_per_byte: Option<f64>,
    pub bytes_seen: u64,
    pub elapsed_s: f64,
}

/// Saved with each checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainState {
    pub step: usize,
    pub rng: SplitMix64,
    pub bytes_seen: u64,
    pub elapsed_s: f64,
    pub options: TrainOptions,
    pub history: Vec<(usize, f64)>,
}

/// Keeps freed large buffers in the heap instead of returning them to the OS. Every candle op
/// allocates its output afresh; with glibc's default thresholds each buffer over 128 KiB (the
/// attention scores, the activations) is a new `mmap` whose pages fault in zeroed, which cost
/// about a fifth of a training step's CPU time (measured: 2.2 s of system time in 12 steps of
/// cpu-1m). Raising the mmap threshold to 32 MiB and the trim threshold to 1 GiB reuses them.
/// Process-wide; called when a trainer is made. No effect on results.
fn keep_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt only changes allocator tunables; glibc documents it as safe to call
        // at any time, and these values are within its accepted ranges.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, 1 << 30);
        }
    }
}

/// A trainable M1: the variables, the network built on them, the optimizer and the state.
pub struct Trainer {
    pub cfg: Config,
    pub opts: TrainOptions,
    varmap: VarMap,
    net: Net,
    opt: AdamW,
    pub state: TrainState,
    dev: Device,
    train: Vec<u8>,
    val: Vec<u8>,
}

impl Trainer {
    /// A fresh model initialized from `opts.seed`.
    pub fn new(
        cfg: Config,
        opts: TrainOptions,
        train: Vec<u8>,
        val: Vec<u8>,
        dev: Device,
    ) -> Result<Self> {
        cfg.validate()?;
        if opts.context < 2 || opts.context > cfg.max_context {
            return Err(Error::BadParams(format!(
                "--context {} must be in 2..={} (the model's max_context)",
                opts.context, cfg.max_context
            )));
        }
        if opts.batch == 0 || opts.steps == 0 {
            return Err(Error::BadParams("batch and steps must be positive".into()));
        }
        if train.len() <= opts.context {
            return Err(Error::EmptyInput(format!(
                "training text has {} bytes; need more than the context ({})",
                train.len(),
                opts.context
            )));
        }
        keep_large_buffers();
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
        let net = Net::new(&cfg, vb)?;
        nn::init_weights(&varmap, cfg.n_layers, opts.seed)?;
        let opt = AdamW::new(&sorted_vars(&varmap))?;
        let state = TrainState {
            step: 0,
            rng: SplitMix64::new(opts.seed ^ 0x005E_ED0F_DA7A),
            bytes_seen: 0,
            elapsed_s: 0.0,
            options: opts.clone(),
            history: Vec::new(),
        };
        Ok(Self {
            cfg,
            opts,
            varmap,
            net,
            opt,
            state,
            dev,
            train,
            val,
        })
    }

    /// Restores weights, optimizer moments and state from a checkpoint directory written by
    /// [`Trainer::save_checkpoint`]. The step count and schedule come from `self.opts` (so a
    /// resumed run may extend `--steps`).
    pub fn resume(&mut self, dir: &Path) -> Result<()> {
        let cfg_text = std::fs::read_to_string(dir.join("config.json"))
            .map_err(|e| Error::io(dir.join("config.json"), e))?;
        let cfg = Config::from_json(&cfg_text)?;
        if cfg != self.cfg {
            return Err(Error::Model(format!(
                "checkpoint {} has a different config than the one requested",
                dir.display()
            )));
        }
        let model = dir.join("model.safetensors");
        let mut vm = self.varmap.clone();
        vm.load(&model)
            .map_err(|e| Error::Model(format!("{}: {e}", model.display())))?;
        self.opt.load(&dir.join("optim.safetensors"), &self.dev)?;
        let st_path = dir.join("state.json");
        let text = std::fs::read_to_string(&st_path).map_err(|e| Error::io(&st_path, e))?;
        let st: TrainState = serde_json::from_str(&text)?;
        self.state = TrainState {
            options: self.opts.clone(),
            ..st
        };
        Ok(())
    }

    /// Writes `config.json`, `model.safetensors`, `optim.safetensors`, `state.json` into `dir`
    /// (through temporary names, so an interrupted write leaves the previous checkpoint intact).
    pub fn save_checkpoint(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = dir.join(".tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        self.save_model(&tmp)?;
        self.opt.save(&tmp.join("optim.safetensors"))?;
        std::fs::write(
            tmp.join("state.json"),
            serde_json::to_string_pretty(&self.state)?,
        )
        .map_err(|e| Error::io(tmp.join("state.json"), e))?;
        for f in [
            "config.json",
            "model.safetensors",
            "optim.safetensors",
            "state.json",
        ] {
            std::fs::rename(tmp.join(f), dir.join(f)).map_err(|e| Error::io(dir.join(f), e))?;
        }
        let _ = std::fs::remove_dir(&tmp);
        Ok(())
    }

    /// Writes the model only: `config.json` + `model.safetensors`.
    pub fn save_model(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        std::fs::write(dir.join("config.json"), self.cfg.to_json())
            .map_err(|e| Error::io(dir.join("config.json"), e))?;
        let p = dir.join("model.safetensors");
        self.varmap
            .save(&p)
            .map_err(|e| Error::Model(format!("{}: {e}", p.display())))
    }

    fn batch_tensor(&mut self, len: usize, rows: usize) -> Result<Tensor> {
        let mut data = Vec::with_capacity(len * rows);
        let max_off = (self.train.len() - len) as u64;
        for _ in 0..rows {
            let off = self.state.rng.below(max_off + 1) as usize;
            data.extend(self.train[off..off + len].iter().map(|&b| b as u32));
        }
        Ok(Tensor::from_vec(data, (rows, len), &self.dev)?)
    }

    /// Mean cross-entropy (nats) of crops (B, T): inputs are all but the last byte, after BOS.
    fn loss(&self, crops: &Tensor) -> Result<Tensor> {
        let (b, t) = crops.dims2()?;
        let inp = crops.narrow(1, 0, t - 1)?;
        let logits = self.net.forward(&inp)?;
        let logits = logits.reshape((b * t, self.cfg.vocab))?;
        let tgt = crops.reshape(b * t)?;
        Ok(candle_nn::loss::cross_entropy(&logits, &tgt)?)
    }

    /// One optimization step; returns the report.
    pub fn step(&mut self) -> Result<StepReport> {
        let t0 = std::time::Instant::now();
        let step = self.state.step;
        let short = self.opts.short_len >= 2
            && self.opts.short_len < self.opts.context
            && self.state.rng.unit() < self.opts.short_frac;
        let (len, rows) = if short {
            let rows = (self.opts.batch * self.opts.context).div_ceil(self.opts.short_len);
            (self.opts.short_len, rows)
        } else {
            (self.opts.context, self.opts.batch)
        };
        let crops = self.batch_tensor(len, rows)?;
        let loss = self.loss(&crops)?;
        let grads = loss.backward()?;
        // Global-norm clipping over all gradients. M1 has always multiplied by the factor, 1 when
        // not clipping (x * 1 maps -0 to +0), so it passes Some(1.0) there: the same bits as ever.
        let norm = nn::grad_norm(&grads, &sorted_vars(&self.varmap))?;
        let gscale = nn::clip_factor(norm, self.opts.clip).unwrap_or(1.0);
        let lr = self.opts.lr_at(step);
        self.opt
            .step(&grads, lr, self.opts.weight_decay, Some(gscale))?;
        let loss_nats = loss.to_scalar::<f32>()? as f64;
        self.state.step += 1;
        self.state.bytes_seen += (len * rows) as u64;
        self.state.elapsed_s += t0.elapsed().as_secs_f64();
        Ok(StepReport {
            step: self.state.step,
            steps: self.opts.steps,
            loss_bits_per_byte: loss_nats / std::f64::consts::LN_2,
            lr,
            grad_norm: norm,
            val_bits_per_byte: None,
            bytes_seen: self.state.bytes_seen,
            elapsed_s: self.state.elapsed_s,
        })
    }

    /// Validation bits/byte over (up to) `max_bytes` of the held-out text, cut into consecutive
    /// segments of `context` bytes each scored from BOS.
    pub fn validate(&mut self, max_bytes: usize) -> Result<f64> {
        let t = self.opts.context;
        let n = self.val.len().min(max_bytes);
        if n < 2 {
            return Err(Error::EmptyInput("validation text is empty".into()));
        }
        let segs: Vec<&[u8]> = self.val[..n].chunks(t).collect();
        let mut total_bits = 0f64;
        let mut total_bytes = 0usize;
        for group in segs.chunks(self.opts.batch.max(1)) {
            // Same-length segments batch together; a short last one goes alone.
            let mut by_len: Vec<Vec<&[u8]>> = Vec::new();
            for s in group {
                match by_len.iter_mut().find(|g| g[0].len() == s.len()) {
                    Some(g) => g.push(s),
                    None => by_len.push(vec![s]),
                }
            }
            for g in by_len {
                let len = g[0].len();
                let data: Vec<u32> = g.iter().flat_map(|s| s.iter().map(|&b| b as u32)).collect();
                let crops = Tensor::from_vec(data, (g.len(), len), &self.dev)?;
                let loss = if len == 1 {
                    let logits = self.net.forward(&crops.narrow(1, 0, 0)?)?;
                    let logits = logits.reshape((g.len(), self.cfg.vocab))?;
                    candle_nn::loss::cross_entropy(&logits, &crops.reshape(g.len())?)?
                } else {
                    self.loss(&crops)?
                };
                let l = loss.to_scalar::<f32>()? as f64;
                total_bits += l / std::f64::consts::LN_2 * (len * g.len()) as f64;
                total_bytes += len * g.len();
            }
        }
        let bpb = total_bits / total_bytes as f64;
        self.state.history.push((self.state.step, bpb));
        Ok(bpb)
    }

    /// Number of validation bytes available.
    pub fn val_len(&self) -> usize {
        self.val.len()
    }
}

/// Reads training files and splits off validation text.
///
/// `val_files` given: all of `files` train, all of `val_files` validate. Otherwise the last
/// `val_fraction` of each training file is held out (validation = those tails, concatenated).
pub fn load_text(
    files: &[PathBuf],
    val_files: &[PathBuf],
    val_fraction: f64,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut train = Vec::new();
    let mut val = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|e| Error::io(f, e))?;
        if val_files.is_empty() && val_fraction > 0.0 {
            let cut = bytes.len() - ((bytes.len() as f64 * val_fraction) as usize).min(bytes.len());
            train.extend_from_slice(&bytes[..cut]);
            val.extend_from_slice(&bytes[cut..]);
        } else {
            train.extend_from_slice(&bytes);
        }
    }
    for f in val_files {
        val.extend(std::fs::read(f).map_err(|e| Error::io(f, e))?);
    }
    Ok((train, val))
}

/// The net, for tests that want to inspect it.
impl Trainer {
    pub fn net(&self) -> &Net {
        &self.net
    }
}

/// Writes `config.json` + `model.safetensors` of a freshly initialized model into `dir`, matrices
/// and embeddings drawn from N(0, `std`) with `seed` (LayerNorm weights 1, biases small): an
/// untrained model for tests and benches, with distributions far enough from uniform to be
/// interesting when `std` is large (e.g. 0.3).
pub fn random_model_files(cfg: &Config, seed: u64, std: f64, dir: &Path) -> Result<()> {
    cfg.validate()?;
    let varmap = VarMap::new();
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
    Net::new(cfg, vb)?;
    for (name, var) in sorted_vars(&varmap) {
        let n = var.elem_count();
        let mut rng = SplitMix64::new(name_seed(seed, &name));
        let data: Vec<f32> = if name.contains("ln") && name.ends_with(".weight") {
            (0..n).map(|_| (1.0 + 0.1 * rng.normal()) as f32).collect()
        } else if name.ends_with(".bias") {
            (0..n).map(|_| (0.1 * std * rng.normal()) as f32).collect()
        } else {
            (0..n).map(|_| (std * rng.normal()) as f32).collect()
        };
        let t = Tensor::from_vec(data, var.dims(), &Device::Cpu)?;
        var.set(&t)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    std::fs::write(dir.join("config.json"), cfg.to_json())
        .map_err(|e| Error::io(dir.join("config.json"), e))?;
    let p = dir.join("model.safetensors");
    varmap
        .save(&p)
        .map_err(|e| Error::Model(format!("{}: {e}", p.display())))
}
