//! `eqinfo probe`: the M2 learnability probe (SPEC §8.8) from the command line: compress a
//! training and a held-out text with each configuration, train a small M2 per configuration for
//! the same budget, and print held-out bits/byte beside the uniform and unigram bounds.

use super::common::ModelArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::Config;
use eqinfo::model::open::{FitText, ModelSpec};
use eqinfo::probe::{self, Hooks, Phase, ProbeProgress, ProbeReport};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Arguments of `eqinfo probe`.
#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// Text M2 trains on (compressed with every configuration).
    #[arg(long, required_unless_present = "train_export")]
    pub train: Option<PathBuf>,
    /// Held-out text M2 is scored on.
    #[arg(long, required_unless_present = "heldout_export")]
    pub heldout: Option<PathBuf>,
    /// Read the training tokens from an `export-tokens` folder (tokens.bin, index.jsonl,
    /// manifest.json) instead of encoding a text: its configuration is the one probed, and
    /// every example is a sequence.
    #[arg(long, conflicts_with_all = ["train", "configs"], requires = "heldout_export")]
    pub train_export: Option<PathBuf>,
    /// The held-out tokens from an `export-tokens` folder of the same configuration and model.
    #[arg(long, conflicts_with = "heldout", requires = "train_export")]
    pub heldout_export: Option<PathBuf>,
    /// M2 shape and budget: `quick` (2 CPU cores, about 15 minutes) or `gpu`.
    #[arg(long, default_value = "quick")]
    pub preset: String,
    /// A configuration, repeatable or comma-separated (`equal-info:b=16:v=65536`, `ac:v=256`,
    /// `bytes`, ...). Default: Bytes, StaticAC[v=256], AC[v=256], EqualInfoAC[b=16, v=256],
    /// EqualInfoAC[b=16, v=65536], GZip[v=256], Subword[BPE, v=32768].
    #[arg(long = "config", short = 'c', value_delimiter = ',')]
    pub configs: Vec<String>,
    /// Byte model driving AC and EqualInfo (`unigram`: fitted on the training text); its
    /// device is M2's too.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Override the preset's training steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Override the preset's batch (segments per step).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Override the preset's segment length in tokens.
    #[arg(long)]
    pub seq_len: Option<usize>,
    /// Seed of M2 initialization and sampling.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the whole report (loss curves included) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the output here instead of stdout.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs `eqinfo probe`.
pub fn run(args: ProbeArgs) -> Result<()> {
    let mut opts = probe::preset(&args.preset)?;
    if let Some(s) = args.steps {
        opts.budget.steps = s;
        opts.budget.warmup = opts.budget.warmup.min(s / 10);
    }
    if let Some(b) = args.batch {
        opts.budget.batch = b;
    }
    if let Some(l) = args.seq_len {
        opts.budget.seq_len = l;
    }
    if let Some(s) = args.seed {
        opts.budget.seed = s;
    }
    opts.budget.validate()?;
    if let (Some(t), Some(h)) = (&args.train_export, &args.heldout_export) {
        return run_exports(&args, t, h, &opts);
    }
    let (Some(train_path), Some(heldout_path)) = (&args.train, &args.heldout) else {
        bail!("give --train and --heldout texts, or --train-export and --heldout-export folders");
    };
    let configs: Vec<Config> = if args.configs.is_empty() {
        probe::default_configs()
    } else {
        args.configs
            .iter()
            .map(|c| {
                c.parse::<eqinfo::Config>()
                    .with_context(|| format!("--config {c:?}"))
            })
            .collect::<Result<_>>()?
    };
    let train = std::fs::read(train_path)
        .with_context(|| format!("cannot read {}", train_path.display()))?;
    let heldout = std::fs::read(heldout_path)
        .with_context(|| format!("cannot read {}", heldout_path.display()))?;
    if train.is_empty() || heldout.is_empty() {
        bail!("the training and held-out texts must not be empty");
    }
    // The training text is what `unigram` fits on; a missing sample M1 is an error here (a
    // probe of a stand-in model would not measure what was asked).
    let train_parts: [&[u8]; 1] = [&train];
    let fit = (args.model.spec() == ModelSpec::UnigramFitted).then_some(FitText {
        name: "the training text",
        parts: &train_parts,
    });
    let mut model = args.model.open_fitted(fit)?;

    let total = (configs.len() * opts.budget.steps) as u64;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps (eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let labels: Vec<String> = configs.iter().map(Config::label).collect();
    let steps = opts.budget.steps;
    let on_progress = |p: &ProbeProgress| {
        let label = labels.get(p.config_index).map(String::as_str).unwrap_or("");
        bar.set_position((p.config_index * steps + p.step) as u64);
        let what = match p.phase {
            Phase::Encoding => "compressing".to_string(),
            Phase::Training => format!(
                "loss {:.3} bits/token",
                p.loss_bits_per_token.unwrap_or(f64::NAN)
            ),
            Phase::Scoring => "scoring held-out".to_string(),
            Phase::Done => "done".to_string(),
        };
        bar.set_message(format!(
            "{}/{} {label}: {what}",
            p.config_index + 1,
            p.configs
        ));
    };
    let hooks = Hooks {
        progress: Some(&on_progress),
        cancel: None,
    };
    let report = probe::run_probe(
        &train,
        &heldout,
        &configs,
        model.as_mut(),
        &opts,
        &args.model.device,
        &hooks,
    )?;
    bar.finish_and_clear();
    print_report(&args, &report)
}

/// `eqinfo probe --train-export DIR --heldout-export DIR`: the tokens read back, not encoded.
fn run_exports(
    args: &ProbeArgs,
    train: &std::path::Path,
    heldout: &std::path::Path,
    opts: &probe::ProbeOptions,
) -> Result<()> {
    let read = |dir: &std::path::Path| {
        eqinfo::dataset::read_dataset(dir)
            .with_context(|| format!("cannot read the export {}", dir.display()))
    };
    let (t, h) = (read(train)?, read(heldout)?);
    let tokens = probe::ProbeTokens::from_datasets(&t, &h)?;
    let model = t
        .manifest
        .model
        .clone()
        .unwrap_or_else(|| eqinfo::model::ModelIdentity {
            kind: "none".into(),
            hash: String::new(),
            backend: String::new(),
        });
    let steps = opts.budget.steps;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(steps as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps (eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let on_progress = |p: &ProbeProgress| bar.set_position(p.step as u64);
    let hooks = Hooks {
        progress: Some(&on_progress),
        cancel: None,
    };
    let report = probe::run_probe_tokens(
        std::slice::from_ref(&tokens),
        model,
        opts,
        &args.model.device,
        &hooks,
    )?;
    bar.finish_and_clear();
    print_report(args, &report)
}

fn print_report(args: &ProbeArgs, report: &ProbeReport) -> Result<()> {
    let text = if args.json {
        eqinfo::report::export::probe_json(report)? + "\n"
    } else {
        table(report)
    };
    super::output::write_output(args.out.as_deref(), text.as_bytes())
}

/// The human-readable table.
fn table(r: &ProbeReport) -> String {
    let b = &r.options.budget;
    let s = &r.options.shape;
    let mut out = format!(
        "M2 probe (preset {}): {} layers, d_model {}, {}x{} heads, MLP {}, embedding {} for v > {}; \
         {} steps x {} segments x {} tokens, seed {}, device {}\nmodel: {} {}\n\n",
        r.options.preset,
        s.n_layers,
        s.d_model,
        s.n_heads,
        s.head_dim,
        s.d_mlp,
        s.large_vocab_embed_dim,
        probe::LARGE_VOCAB,
        b.steps,
        b.batch,
        b.seq_len,
        b.seed,
        r.device,
        r.model.kind,
        &r.model.hash.get(..12).unwrap_or(&r.model.hash),
    );
    out.push_str(&format!(
        "{:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}\n",
        "configuration",
        "bytes/tok",
        "M2 bpb",
        "uniform",
        "unigram",
        "gain/uni",
        "gain/ugr",
        "seconds"
    ));
    for c in &r.results {
        out.push_str(&format!(
            "{:<28} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>8.1}% {:>8.1}% {:>8.0}\n",
            c.label,
            c.bytes_per_token,
            c.m2_bits_per_byte,
            c.uniform_bits_per_byte,
            c.unigram_bits_per_byte,
            100.0 * c.gain_vs_uniform,
            100.0 * c.gain_vs_unigram,
            c.encode_seconds + c.m2.train_seconds + c.m2.score_seconds,
        ));
    }
    out.push_str(&format!(
        "\nbpb: held-out bits/byte = tokens/bytes x NLL / ln 2; uniform = log2(v)/ratio; unigram = \
         held-out cross-entropy of a train-fitted unigram (alpha {}) / ratio; gain = 1 - M2/bound. \
         Total {:.0} s.\n",
        r.options.unigram_smoothing, r.seconds
    ));
    out
}
