//! `eqinfo train`: trains an M1 from text files with a progress bar (loss, bits/byte, ETA),
//! periodic validation and checkpoints, `--resume`, and a final report.

use anyhow::Context;
use clap::Args;
use eqinfo::model::device::parse_device;
use eqinfo::model::m1::config::Config;
use eqinfo::model::m1::train::{load_text, TrainOptions, Trainer};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Arguments of `eqinfo train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Text files to train on.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Model shape: paper-3m, cpu-1m, cpu-small, tiny (ignored with --config).
    #[arg(long, default_value = "paper-3m")]
    pub preset: String,
    /// A config.json to use instead of a preset.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Override the preset's attention window (max_context, BOS included).
    #[arg(long)]
    pub max_context: Option<usize>,
    /// Optimizer steps in total (a resumed run continues up to this).
    #[arg(long, default_value_t = 2000)]
    pub steps: usize,
    /// Sequences per step.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Crop length in bytes (default: the model's max_context).
    #[arg(long)]
    pub context: Option<usize>,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub lr: f64,
    /// Warm-up steps.
    #[arg(long, default_value_t = 100)]
    pub warmup: usize,
    /// Final learning rate as a fraction of the peak (cosine decay).
    #[arg(long, default_value_t = 0.1)]
    pub min_lr_frac: f64,
    /// AdamW weight decay (matrices only).
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// Global gradient-norm clip (0: off).
    #[arg(long, default_value_t = 1.0)]
    pub clip: f64,
    /// Fraction of steps on short crops from an empty context.
    #[arg(long, default_value_t = 0.25)]
    pub short_frac: f64,
    /// Length of short crops.
    #[arg(long, default_value_t = 64)]
    pub short_len: usize,
    /// Random seed (weights and crops).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Held-out validation files (if none, the last --val-fraction of each training file).
    #[arg(long = "val-file")]
    pub val_files: Vec<PathBuf>,
    /// Fraction of each training file held out when no --val-file is given.
    #[arg(long, default_value_t = 0.02)]
    pub val_fraction: f64,
    /// Validate every N steps (0: only at the end).
    #[arg(long, default_value_t = 200)]
    pub eval_every: usize,
    /// Bytes of validation text used by periodic validation (the final one uses it all).
    #[arg(long, default_value_t = 65536)]
    pub eval_bytes: usize,
    /// Checkpoint every N steps (0: only at the end).
    #[arg(long, default_value_t = 200)]
    pub checkpoint_every: usize,
    /// Output directory: config.json + model.safetensors, checkpoint/, train_report.json.
    #[arg(long, default_value = "m1-out")]
    pub out: PathBuf,
    /// Resume from OUT/checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Device: cpu, cuda[:N], metal[:N].
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// CPU threads for candle (sets RAYON_NUM_THREADS / CANDLE_NUM_THREADS; 0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Stop after this many steps in this invocation (the schedule still follows --steps).
    #[arg(long)]
    pub max_steps_now: Option<usize>,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    if args.threads > 0 {
        // Read by candle (and gemm through it) on first use; set before any tensor work.
        std::env::set_var("RAYON_NUM_THREADS", args.threads.to_string());
        std::env::set_var("CANDLE_NUM_THREADS", args.threads.to_string());
    }
    let mut cfg = match &args.config {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Config::from_json(&text)?
        }
        None => Config::preset(&args.preset)?,
    };
    if let Some(mc) = args.max_context {
        cfg.max_context = mc;
        cfg.validate()?;
    }
    let dev = parse_device(&args.device)?;
    let opts = TrainOptions {
        steps: args.steps,
        batch: args.batch,
        context: args.context.unwrap_or(cfg.max_context),
        lr: args.lr,
        min_lr_frac: args.min_lr_frac,
        warmup: args.warmup,
        weight_decay: args.weight_decay,
        clip: args.clip,
        seed: args.seed,
        short_frac: args.short_frac,
        short_len: args.short_len,
        eval_every: args.eval_every,
        eval_bytes: args.eval_bytes,
        checkpoint_every: args.checkpoint_every,
    };
    let (train, val) = load_text(&args.files, &args.val_files, args.val_fraction)?;
    eprintln!(
        "M1 {}: {} parameters ({} non-embedding), {} training bytes, {} validation bytes",
        if args.config.is_some() {
            "from config"
        } else {
            args.preset.as_str()
        },
        cfg.total_params(),
        cfg.non_embedding_params(),
        train.len(),
        val.len()
    );
    let has_val = !val.is_empty();
    let mut tr = Trainer::new(cfg, opts.clone(), train, val, dev)?;
    let ckpt = args.out.join("checkpoint");
    if args.resume {
        tr.resume(&ckpt)
            .with_context(|| format!("resuming from {}", ckpt.display()))?;
        eprintln!("resumed at step {}", tr.state.step);
    }
    let pb = ProgressBar::new(opts.steps as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} ETA {eta_precise} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_position(tr.state.step as u64);
    let start_step = tr.state.step;
    let mut last_val: Option<f64> = None;
    let mut smooth: Option<f64> = None;
    while tr.state.step < opts.steps {
        if let Some(m) = args.max_steps_now {
            if tr.state.step - start_step >= m {
                break;
            }
        }
        let r = tr.step()?;
        smooth = Some(match smooth {
            None => r.loss_bits_per_byte,
            Some(s) => 0.95 * s + 0.05 * r.loss_bits_per_byte,
        });
        if has_val && opts.eval_every > 0 && r.step % opts.eval_every == 0 {
            last_val = Some(tr.validate(opts.eval_bytes)?);
        }
        if opts.checkpoint_every > 0 && r.step % opts.checkpoint_every == 0 {
            tr.save_checkpoint(&ckpt)?;
            tr.save_model(&args.out)?;
        }
        let bps = r.bytes_seen as f64 / r.elapsed_s.max(1e-9);
        pb.set_position(r.step as u64);
        pb.set_message(format!(
            "loss {:.3} b/B (avg {:.3}) val {} lr {:.2e} |g| {:.2} {:.0} B/s",
            r.loss_bits_per_byte,
            smooth.unwrap_or(0.0),
            last_val
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "-".into()),
            r.lr,
            r.grad_norm,
            bps
        ));
        if !pb.is_hidden() {
            continue;
        }
        if r.step % 10 == 0 {
            // Not a terminal (nohup, logs): print a line now and then.
            eprintln!(
                "step {}/{} loss {:.4} avg {:.4} val {} lr {:.2e} |g| {:.2} {:.0} B/s elapsed {:.0}s",
                r.step,
                r.steps,
                r.loss_bits_per_byte,
                smooth.unwrap_or(0.0),
                last_val.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into()),
                r.lr,
                r.grad_norm,
                bps,
                r.elapsed_s
            );
        }
    }
    pb.finish_and_clear();
    tr.save_checkpoint(&ckpt)?;
    tr.save_model(&args.out)?;
    let final_val = if has_val {
        Some(tr.validate(usize::MAX)?)
    } else {
        None
    };
    let report = serde_json::json!({
        "config": tr.cfg,
        "options": opts,
        "steps_done": tr.state.step,
        "bytes_seen": tr.state.bytes_seen,
        "train_seconds": tr.state.elapsed_s,
        "validation_bytes": tr.val_len(),
        "final_val_bits_per_byte": final_val,
        "history": tr.state.history,
    });
    std::fs::write(
        args.out.join("train_report.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    outln!(
        "trained {} steps ({} bytes) in {:.0} s; validation {} bits/byte over {} bytes; model in {}",
        tr.state.step,
        tr.state.bytes_seen,
        tr.state.elapsed_s,
        final_val.map(|v| format!("{v:.4}")).unwrap_or_else(|| "n/a".into()),
        tr.val_len(),
        args.out.display()
    );
    Ok(())
}
