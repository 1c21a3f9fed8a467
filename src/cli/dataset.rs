//! `export-tokens` (a token dataset for training M2 elsewhere, see `eqinfo::dataset`) and
//! `verify-tokens` (decode one back and check every input).

use super::common::ModelArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::batch;
use eqinfo::dataset::{self, DatasetInput, ExportOptions, ExportOutcome, Shard};
use eqinfo::method::{Config, MethodKind};
use eqinfo::model::ByteModel;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportTokensArgs {
    /// Input files, in order; a directory stands for its regular files, recursively, in sorted
    /// path order, hidden ones skipped.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The configuration (the `-c` syntax of `eqinfo stats`), e.g. `equal-info:b=16:v=65536`.
    #[arg(long = "config", short = 'c')]
    pub config: String,
    /// The dataset folder to write (tokens.bin, index.jsonl, manifest.json).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Only shard I of N (0-based): the inputs whose manifest path hashes to I (see the README).
    #[arg(long)]
    pub shard: Option<String>,
    /// Inputs are recorded (and hashed for --shard) by their path relative to this folder.
    /// Default: the current folder.
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Replace an output folder that holds something else.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct VerifyTokensArgs {
    /// The dataset folder.
    pub dir: PathBuf,
    /// Also compare each decoded input with the file at its recorded path, relative to this
    /// folder.
    #[arg(long)]
    pub against: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Decode even if the model differs from the one recorded.
    #[arg(long)]
    pub force: bool,
}

fn open_model(args: &ModelArgs, method: MethodKind) -> Result<Box<dyn ByteModel>> {
    if method.uses_model() {
        args.open()
    } else {
        Ok(Box::new(eqinfo::model::Uniform::default()))
    }
}

pub fn export(args: ExportTokensArgs) -> Result<()> {
    let config: Config = args.config.parse()?;
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    let found = batch::discover_inputs(&args.files);
    if let Some(p) = found.problems.first() {
        bail!("{p}");
    }
    if found.files.is_empty() {
        bail!("no input files");
    }
    let root = match &args.root {
        Some(r) => r.clone(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    let inputs: Vec<DatasetInput> = found
        .files
        .iter()
        .map(|f| DatasetInput::under_root(f, &root))
        .collect();
    let mut model = open_model(&args.model, config.method)?;
    let bar = super::progress::byte_bar(args.quiet);
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let opts = ExportOptions {
        shard,
        force: args.force,
        progress: Some(&progress),
        cancel: None,
    };
    let outcome = dataset::export(&inputs, &config, model.as_mut(), &args.out, &opts)?;
    bar.finish_and_clear();
    match outcome {
        ExportOutcome::Written(m) => eprintln!(
            "{}: {} inputs, {} examples, {} tokens ({}) -> {}",
            config.label(),
            m.inputs.len(),
            m.example_count,
            m.token_count,
            m.dtype,
            args.out.display()
        ),
        ExportOutcome::UpToDate(m) => eprintln!(
            "{} already holds this dataset ({} inputs, {} tokens): nothing to do",
            args.out.display(),
            m.inputs.len(),
            m.token_count
        ),
    }
    Ok(())
}

pub fn verify(args: VerifyTokensArgs) -> Result<()> {
    let ds = dataset::read_dataset(&args.dir)?;
    let mut model = open_model(&args.model, ds.manifest.config.method)?;
    let mut n = 0usize;
    let mut bytes = 0usize;
    dataset::decode_dataset(&ds, model.as_mut(), args.force, |path, data| {
        if let Some(base) = &args.against {
            let file = base.join(path);
            let orig = std::fs::read(&file).map_err(|e| eqinfo::Error::io(&file, e))?;
            if orig != data {
                return Err(eqinfo::Error::Decode(format!(
                    "{path}: decodes to other bytes than {}",
                    file.display()
                )));
            }
        }
        n += 1;
        bytes += data.len();
        Ok(())
    })?;
    outln!(
        "{}: {n} inputs, {bytes} bytes, {} tokens decode exactly ({})",
        args.dir.display(),
        ds.manifest.token_count,
        ds.manifest.config.label()
    );
    Ok(())
}
