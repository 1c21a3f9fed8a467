//! The M2 learnability probe (SPEC §8.8, paper §4): compress a training text and a held-out text
//! with each configuration, train a small transformer ("M2") on each configuration's tokens for
//! the same budget, and report its held-out bits/byte beside the trivial bounds of the same
//! token stream.
//!
//! * Held-out bits/byte = (held-out tokens / held-out bytes) × mean NLL (nats/token) / ln 2
//!   ([`bits_per_byte`]); tokens include each example's zero padding to a whole token, as they
//!   are what M2 must model.
//! * Uniform bound = log2(v) / ratio, ratio = held-out bytes / held-out tokens.
//! * Unigram bound = cross-entropy (bits/token) on the held-out tokens of a unigram fitted on the
//!   training tokens with additive smoothing α (`p(t) = (c(t) + α) / (N + α v)`), / ratio. This
//!   is the same estimator as `stats::trivial`'s held-out unigram, computed here from the probe's
//!   own train/held-out split ([`unigram_cross_entropy_bits`]).
//! * Equal budgets: every configuration trains with the same [`Budget`] (steps, batch, sequence
//!   length in tokens, schedule, seed) and the same transformer body ([`M2Shape`]); only the
//!   vocabulary (and, above [`LARGE_VOCAB`], a factorized embedding) differs. As in the paper,
//!   the budget is counted in tokens, so configurations with more bytes per token see more text.
//! * Sequences: each compressed example (`Config::example_bytes` of text, 10,240 by default) is a
//!   token sequence, cut into segments aligned to its start (see [`crate::model::m2::train`]).
//!
//! This module is orchestration only: presets, encoding and re-cutting, the bounds and the
//! report. The network, its training loop and its loss are `model::m2` (the tensor library is
//! used only under `model`); their types are re-exported here. The AC and EqualInfo encodings
//! that differ only in token size are computed once and re-cut (the bit stream does not depend
//! on the token size).

pub use crate::model::m2::{segments, train_m2, Budget, M2Net, M2Outcome, M2Shape, LARGE_VOCAB};

use crate::error::{Error, Result};
use crate::method::{self, Config, Encoded, MethodKind, RunOptions};
use crate::model::{ByteModel, ModelIdentity};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// Names accepted by [`preset`].
pub const PRESETS: &[&str] = &["tiny", "quick", "gpu"];

/// Additive smoothing α of the unigram bound (the same default as `stats`).
pub const DEFAULT_UNIGRAM_SMOOTHING: f64 = 0.5;

/// Everything that shapes a probe besides the configurations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeOptions {
    /// The preset these options came from (informational).
    pub preset: String,
    /// The M2 shape, shared by every configuration.
    pub shape: M2Shape,
    /// The training budget, shared by every configuration.
    pub budget: Budget,
    /// Additive smoothing α of the unigram bound.
    pub unigram_smoothing: f64,
}

/// A named preset.
///
/// * `tiny`: a smoke run, not a measurement: a 1-layer, 32-wide M2 (2 heads of 16, MLP 64,
///   embedding width 8 for v = 65,536) for 40 steps of 4 segments of 64 tokens. Its training
///   takes seconds per configuration; the run's time is the compression of the two texts with
///   M1 (AC, EqualInfo), which no preset changes (see the README's probe section for measured
///   times): give it small texts.
/// * `quick`: sized for 2 CPU cores and about 250 KB of text (e.g. 200 KB train + 50 KB
///   held out): all seven default configurations in about 15 minutes on idle cores (measured in
///   the probe issue's note). The large vocabularies dominate: a step with v = 65,536 costs about
///   ten of a v = 256 step (the output layer), so the budget is set by them. M2: 2 layers,
///   d_model 128, 4 heads of 32, MLP 512 (about 0.4M body parameters); embedding width 32 for
///   v = 65,536. Budget: 150 steps of 8 segments of 128 tokens (153,600 training tokens), lr
///   3e-3, 15 warm-up steps.
/// * `gpu`: 4 layers, d_model 256, 4 heads of 64, MLP 1024 (3.2M body parameters); embedding
///   width 128 for v = 65,536. Budget: 4,000 steps of 32 segments of 256 tokens (32.8M training
///   tokens), lr 1e-3, 200 warm-up steps. Meant for a CUDA/Metal build and a few MB of text.
pub fn preset(name: &str) -> Result<ProbeOptions> {
    let (shape, budget) = match name {
        "tiny" => (
            M2Shape {
                d_model: 32,
                n_layers: 1,
                n_heads: 2,
                head_dim: 16,
                d_mlp: 64,
                large_vocab_embed_dim: 8,
            },
            Budget {
                steps: 40,
                batch: 4,
                seq_len: 64,
                lr: 3e-3,
                min_lr_frac: 0.1,
                warmup: 4,
                weight_decay: 0.01,
                clip: 1.0,
                seed: 0,
            },
        ),
        "quick" => (
            M2Shape {
                d_model: 128,
                n_layers: 2,
                n_heads: 4,
                head_dim: 32,
                d_mlp: 512,
                large_vocab_embed_dim: 32,
            },
            Budget {
                steps: 150,
                batch: 8,
                seq_len: 128,
                lr: 3e-3,
                min_lr_frac: 0.1,
                warmup: 15,
                weight_decay: 0.01,
                clip: 1.0,
                seed: 0,
            },
        ),
        "gpu" => (
            M2Shape {
                d_model: 256,
                n_layers: 4,
                n_heads: 4,
                head_dim: 64,
                d_mlp: 1024,
                large_vocab_embed_dim: 128,
            },
            Budget {
                steps: 4000,
                batch: 32,
                seq_len: 256,
                lr: 1e-3,
                min_lr_frac: 0.1,
                warmup: 200,
                weight_decay: 0.01,
                clip: 1.0,
                seed: 0,
            },
        ),
        other => {
            return Err(Error::BadParams(format!(
                "unknown probe preset {other:?}; known presets: {}",
                PRESETS.join(", ")
            )))
        }
    };
    Ok(ProbeOptions {
        preset: name.to_string(),
        shape,
        budget,
        unigram_smoothing: DEFAULT_UNIGRAM_SMOOTHING,
    })
}

/// The default configurations: Bytes, StaticAC[v=256], AC[v=256], EqualInfoAC[b=16, v=256],
/// EqualInfoAC[b=16, v=65536], GZip[v=256] (all with 10,240-byte examples, β = 14), and the
/// subword baseline Subword[BPE, v=32768] (the shipped byte-level BPE, in place of the paper's
/// SentencePiece).
pub fn default_configs() -> Vec<Config> {
    let v256 = |m| Config {
        token_bits: 8,
        ..Config::new(m)
    };
    vec![
        v256(MethodKind::Bytes),
        v256(MethodKind::StaticAc),
        v256(MethodKind::Ac),
        Config::equal_info(16, 8),
        Config::equal_info(16, 16),
        v256(MethodKind::Gzip),
        Config::new(MethodKind::Subword),
    ]
}

/// Held-out bits per byte of a model scoring `tokens` tokens that stand for `bytes` bytes with a
/// mean negative log-likelihood of `mean_nll_nats` nats per token:
/// `(tokens / bytes) × mean_nll_nats / ln 2`. Zero bytes give 0.
pub fn bits_per_byte(tokens: u64, bytes: u64, mean_nll_nats: f64) -> f64 {
    if bytes == 0 {
        return 0.0;
    }
    tokens as f64 / bytes as f64 * mean_nll_nats / std::f64::consts::LN_2
}

/// Cross-entropy in bits/token of `heldout` under a unigram over `vocab` ids fitted on `train`
/// with additive smoothing `alpha`: `p(t) = (c(t) + α) / (N + α v)`. Ids at or above `vocab`
/// are an error. With α = 0 an unseen held-out token makes the result infinite.
pub fn unigram_cross_entropy_bits(
    train: &[u32],
    heldout: &[u32],
    vocab: usize,
    alpha: f64,
) -> Result<f64> {
    if heldout.is_empty() {
        return Ok(0.0);
    }
    let mut counts = vec![0u64; vocab];
    for &t in train.iter().chain(heldout) {
        if t as usize >= vocab {
            return Err(Error::BadParams(format!(
                "token id {t} is outside a vocabulary of {vocab}"
            )));
        }
    }
    for &t in train {
        counts[t as usize] += 1;
    }
    let alpha = alpha.max(0.0);
    let denom = train.len() as f64 + alpha * vocab as f64;
    if denom <= 0.0 {
        return Ok(f64::INFINITY);
    }
    let mut held = vec![0u64; vocab];
    for &t in heldout {
        held[t as usize] += 1;
    }
    let mut bits = 0f64;
    for (t, &c) in held.iter().enumerate() {
        if c > 0 {
            let p = (counts[t] as f64 + alpha) / denom;
            bits -= c as f64 * p.log2();
        }
    }
    Ok(bits / heldout.len() as f64)
}

/// What a probe is doing, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Compressing the training and held-out texts.
    Encoding,
    /// Training M2 (`step` of `steps` done).
    Training,
    /// Scoring the held-out tokens.
    Scoring,
    /// This configuration is finished.
    Done,
}

/// A progress report: which configuration, which phase, and the latest training loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeProgress {
    /// Index into the configurations.
    pub config_index: usize,
    /// Number of configurations.
    pub configs: usize,
    /// Phase of this configuration.
    pub phase: Phase,
    /// Steps done (Training), else 0 or `steps`.
    pub step: usize,
    /// Steps per configuration.
    pub steps: usize,
    /// Training loss of the latest step, bits per token.
    pub loss_bits_per_token: Option<f64>,
}

/// The result for one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigResult {
    /// The configuration.
    pub config: Config,
    /// Its paper-style label.
    pub label: String,
    /// Vocabulary size 2^token_bits.
    pub vocab: u64,
    /// Training text: bytes and tokens.
    pub train_bytes: u64,
    pub train_tokens: u64,
    /// Held-out text: bytes and tokens.
    pub heldout_bytes: u64,
    pub heldout_tokens: u64,
    /// Held-out bytes per token.
    pub bytes_per_token: f64,
    /// M2's held-out bits per token.
    pub m2_bits_per_token: f64,
    /// M2's held-out bits per byte.
    pub m2_bits_per_byte: f64,
    /// log2(v) / ratio.
    pub uniform_bits_per_byte: f64,
    /// Held-out unigram cross-entropy / ratio.
    pub unigram_bits_per_byte: f64,
    /// 1 - M2 / uniform (fraction; > 0 means M2 learned something).
    pub gain_vs_uniform: f64,
    /// 1 - M2 / unigram (fraction).
    pub gain_vs_unigram: f64,
    /// M2's outcome: loss curve, parameters, timings.
    pub m2: M2Outcome,
    /// Seconds spent compressing both texts.
    pub encode_seconds: f64,
}

/// The whole probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// The options used.
    pub options: ProbeOptions,
    /// The byte model that drove AC and EqualInfo.
    pub model: ModelIdentity,
    /// The device M2 ran on, as given to [`run_probe`] (`cpu`, `cuda[:N]`, `metal[:N]`).
    pub device: String,
    /// One result per configuration, in the order given.
    pub results: Vec<ConfigResult>,
    /// Total wall-clock seconds.
    pub seconds: f64,
}

/// The tokens of each example of an encoding, cut into `token_bits`-bit tokens (each example
/// zero-padded to a whole token, exactly as [`method::encode`] would with that token size).
pub fn example_tokens(enc: &Encoded, token_bits: u32) -> Vec<Vec<u32>> {
    if token_bits == enc.config.token_bits {
        return enc
            .examples
            .iter()
            .map(|ex| {
                let r = ex.tokens.start.min(enc.tokens.len())..ex.tokens.end.min(enc.tokens.len());
                enc.tokens[r].to_vec()
            })
            .collect();
    }
    let tb = token_bits as u64;
    enc.examples
        .iter()
        .map(|ex| {
            let n = ex.bit_len.div_ceil(tb);
            (0..n)
                .map(|t| {
                    (0..tb).fold(0u32, |v, i| {
                        let pos = t * tb + i;
                        let bit = pos < ex.bit_len && enc.bits.get(ex.bit_start + pos);
                        (v << 1) | bit as u32
                    })
                })
                .collect()
        })
        .collect()
}

/// Encodings computed so far, reused across configurations that differ only in token size.
#[derive(Default)]
struct EncodeCache {
    entries: Vec<(Config, Encoded)>,
}

impl EncodeCache {
    fn tokens(
        &mut self,
        data: &[u8],
        config: &Config,
        model: &mut dyn ByteModel,
        opts: &RunOptions,
    ) -> Result<Vec<Vec<u32>>> {
        let key = config.encoding_key();
        if let Some((_, enc)) = self.entries.iter().find(|(k, _)| key.as_ref() == Some(k)) {
            return Ok(example_tokens(enc, config.token_bits));
        }
        let enc = method::encode(data, config, model, opts)?;
        let toks = example_tokens(&enc, config.token_bits);
        if let Some(key) = key {
            self.entries.push((key, enc));
        }
        Ok(toks)
    }
}

/// Progress callback and cancel flag of a run (both optional).
#[derive(Default, Clone, Copy)]
pub struct Hooks<'a> {
    /// Called at every phase change and after every training step.
    pub progress: Option<&'a (dyn Fn(&ProbeProgress) + Sync)>,
    /// Checked between steps; when set, the run stops with [`Error::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

/// Runs the probe: for each configuration, compress `train_text` and `heldout_text`, train an M2
/// on the training tokens and score it on the held-out tokens. `model` drives AC and EqualInfo;
/// `device` names the device M2 trains on (`cpu`, `cuda[:N]`, `metal[:N]`). Results come back
/// in the order of `configs`; see [`Hooks`] for progress and cancel.
pub fn run_probe(
    train_text: &[u8],
    heldout_text: &[u8],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &ProbeOptions,
    device: &str,
    hooks: &Hooks,
) -> Result<ProbeReport> {
    let (progress, cancel) = (hooks.progress, hooks.cancel);
    opts.budget.validate()?;
    opts.shape.validate()?;
    if train_text.is_empty() {
        return Err(Error::EmptyInput("the training text is empty".into()));
    }
    if heldout_text.is_empty() {
        return Err(Error::EmptyInput("the held-out text is empty".into()));
    }
    if configs.is_empty() {
        return Err(Error::BadParams("no configurations to probe".into()));
    }
    for c in configs {
        c.validate()?;
    }
    crate::model::device::parse_device(device)?;
    let start = std::time::Instant::now();
    let steps = opts.budget.steps;
    let report = |p: ProbeProgress| {
        if let Some(f) = progress {
            f(&p);
        }
    };
    let run_opts = RunOptions {
        trace: false,
        cancel,
        progress: None,
    };
    let mut train_cache = EncodeCache::default();
    let mut heldout_cache = EncodeCache::default();
    let mut results = Vec::with_capacity(configs.len());
    for (ci, config) in configs.iter().enumerate() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        report(ProbeProgress {
            config_index: ci,
            configs: configs.len(),
            phase: Phase::Encoding,
            step: 0,
            steps,
            loss_bits_per_token: None,
        });
        let t0 = std::time::Instant::now();
        let tokens = ProbeTokens {
            config: config.clone(),
            train: train_cache.tokens(train_text, config, model, &run_opts)?,
            train_bytes: train_text.len() as u64,
            heldout: heldout_cache.tokens(heldout_text, config, model, &run_opts)?,
            heldout_bytes: heldout_text.len() as u64,
            encode_seconds: t0.elapsed().as_secs_f64(),
        };
        results.push(probe_one(ci, configs.len(), &tokens, opts, device, hooks)?);
    }
    Ok(ProbeReport {
        options: opts.clone(),
        model: model.identity(),
        device: device.to_string(),
        results,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// One configuration's two texts as token sequences (one per example), however they were made:
/// encoded here ([`run_probe`]) or read from `eqinfo export-tokens` datasets
/// ([`ProbeTokens::from_datasets`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTokens {
    /// The configuration the tokens were made with.
    pub config: Config,
    /// The training text's examples' tokens.
    pub train: Vec<Vec<u32>>,
    /// Bytes of the training text.
    pub train_bytes: u64,
    /// The held-out text's examples' tokens.
    pub heldout: Vec<Vec<u32>>,
    /// Bytes of the held-out text.
    pub heldout_bytes: u64,
    /// Seconds spent making them (0 when read).
    pub encode_seconds: f64,
}

/// The tokens of every example of a dataset, in index order, and the bytes they code.
pub fn dataset_sequences(ds: &crate::dataset::Dataset) -> Result<(Vec<Vec<u32>>, u64)> {
    let mut out = Vec::with_capacity(ds.index.len());
    let mut bytes = 0u64;
    for l in &ds.index {
        let (start, n) = (
            usize::try_from(l.token_offset).unwrap_or(usize::MAX),
            usize::try_from(l.token_count).unwrap_or(usize::MAX),
        );
        let toks = start
            .checked_add(n)
            .and_then(|end| ds.tokens.get(start..end))
            .ok_or_else(|| Error::Corrupt("a dataset example's tokens lie past the end".into()))?;
        out.push(toks.to_vec());
        bytes = bytes.saturating_add(l.byte_len);
    }
    Ok((out, bytes))
}

impl ProbeTokens {
    /// The tokens of a training and a held-out dataset (`eqinfo export-tokens` folders, read with
    /// [`crate::dataset::read_dataset`]): both must hold the same configuration and come from the
    /// same model. Each example is a sequence, as when [`run_probe`] encodes the texts: a
    /// dataset of one input per text gives exactly the sequences `run_probe` trains on.
    pub fn from_datasets(
        train: &crate::dataset::Dataset,
        heldout: &crate::dataset::Dataset,
    ) -> Result<ProbeTokens> {
        let (a, b) = (&train.manifest, &heldout.manifest);
        if a.config != b.config {
            return Err(Error::BadParams(format!(
                "the training dataset holds {} and the held-out one {}: probe one configuration",
                a.config.label(),
                b.config.label()
            )));
        }
        if a.model != b.model {
            return Err(Error::BadParams(
                "the training and held-out datasets come from different models".into(),
            ));
        }
        let (train_seqs, train_bytes) = dataset_sequences(train)?;
        let (heldout_seqs, heldout_bytes) = dataset_sequences(heldout)?;
        if train_bytes == 0 || heldout_bytes == 0 {
            return Err(Error::EmptyInput(
                "the training and held-out datasets must hold some text".into(),
            ));
        }
        Ok(ProbeTokens {
            config: a.config.clone(),
            train: train_seqs,
            train_bytes,
            heldout: heldout_seqs,
            heldout_bytes,
            encode_seconds: 0.0,
        })
    }
}

/// The probe of configurations whose tokens are already made (see [`ProbeTokens`]; e.g. read
/// from exports instead of re-encoding): the same training, scoring and bounds as
/// [`run_probe`]. `model` is the identity recorded for the report.
pub fn run_probe_tokens(
    items: &[ProbeTokens],
    model: ModelIdentity,
    opts: &ProbeOptions,
    device: &str,
    hooks: &Hooks,
) -> Result<ProbeReport> {
    opts.budget.validate()?;
    opts.shape.validate()?;
    if items.is_empty() {
        return Err(Error::BadParams("no configurations to probe".into()));
    }
    crate::model::device::parse_device(device)?;
    let start = std::time::Instant::now();
    let mut results = Vec::with_capacity(items.len());
    for (ci, t) in items.iter().enumerate() {
        t.config.validate()?;
        if hooks.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        results.push(probe_one(ci, items.len(), t, opts, device, hooks)?);
    }
    Ok(ProbeReport {
        options: opts.clone(),
        model,
        device: device.to_string(),
        results,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Trains and scores M2 on one configuration's tokens.
fn probe_one(
    ci: usize,
    configs: usize,
    t: &ProbeTokens,
    opts: &ProbeOptions,
    device: &str,
    hooks: &Hooks,
) -> Result<ConfigResult> {
    let dev = crate::model::device::parse_device(device)?;
    let (progress, cancel) = (hooks.progress, hooks.cancel);
    let steps = opts.budget.steps;
    let report = |p: ProbeProgress| {
        if let Some(f) = progress {
            f(&p);
        }
    };
    let at = |phase, step, loss| ProbeProgress {
        config_index: ci,
        configs,
        phase,
        step,
        steps,
        loss_bits_per_token: loss,
    };
    let config = &t.config;
    let vocab = config.vocab() as usize;
    let train_flat: Vec<u32> = t.train.iter().flatten().copied().collect();
    let heldout_flat: Vec<u32> = t.heldout.iter().flatten().copied().collect();
    let unigram_bits =
        unigram_cross_entropy_bits(&train_flat, &heldout_flat, vocab, opts.unigram_smoothing)?;
    let mut on_step = |step: usize, loss: f64| {
        report(at(Phase::Training, step, Some(loss)));
        if step == steps {
            report(at(Phase::Scoring, step, Some(loss)));
        }
    };
    let m2 = train_m2(
        &t.train,
        &t.heldout,
        vocab,
        &opts.shape,
        &opts.budget,
        &dev,
        &mut on_step,
        cancel,
    )?;
    let (hb, ht) = (t.heldout_bytes, heldout_flat.len() as u64);
    let ratio = hb as f64 / ht.max(1) as f64;
    let m2_bpb = bits_per_byte(ht, hb, m2.heldout_nll_nats);
    let uniform = config.token_bits as f64 / ratio;
    let unigram = unigram_bits / ratio;
    let result = ConfigResult {
        config: config.clone(),
        label: config.label(),
        vocab: config.vocab(),
        train_bytes: t.train_bytes,
        train_tokens: train_flat.len() as u64,
        heldout_bytes: hb,
        heldout_tokens: ht,
        bytes_per_token: ratio,
        m2_bits_per_token: m2.heldout_bits_per_token(),
        m2_bits_per_byte: m2_bpb,
        uniform_bits_per_byte: uniform,
        unigram_bits_per_byte: unigram,
        gain_vs_uniform: 1.0 - m2_bpb / uniform,
        gain_vs_unigram: 1.0 - m2_bpb / unigram,
        m2,
        encode_seconds: t.encode_seconds,
    };
    report(at(
        Phase::Done,
        steps,
        result.m2.train_curve.last().map(|&l| l as f64),
    ));
    Ok(result)
}
