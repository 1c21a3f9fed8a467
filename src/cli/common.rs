//! Arguments shared by the subcommands: the method and its parameters, the model, input/output.

use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::{Config, MethodKind};
use eqinfo::model::open::{FitText, ModelSpec};
use eqinfo::model::ByteModel;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Method and parameters.
#[derive(Args, Debug, Clone)]
pub struct MethodArgs {
    /// bytes, gzip, static-ac, ac, equal-info, subword.
    #[arg(long, default_value = "equal-info")]
    pub method: String,
    /// Window size b in bits (equal-info), 8..=256.
    #[arg(long, default_value_t = 16)]
    pub window_bits: u32,
    /// Bits per token, 1..=16 (vocabulary 2^bits). Default: 16; 15 for subword (its 32,768 ids).
    #[arg(long)]
    pub token_bits: Option<u32>,
    /// Quantization precision β, 10..=16.
    #[arg(long, default_value_t = eqinfo::coding::DEFAULT_PRECISION)]
    pub precision: u32,
    /// Bytes per independent example (0 = the whole input is one example).
    #[arg(long, default_value_t = eqinfo::method::DEFAULT_EXAMPLE_BYTES)]
    pub example_bytes: usize,
    /// The Delay variant of Equal-Info windows (paper App. A.2).
    #[arg(long)]
    pub delay: bool,
    /// The exact window rule: every window decodes exactly without side information.
    #[arg(long, conflicts_with = "delay")]
    pub exact: bool,
    /// Reset the model every n windows (1 = every window; 0 = never within an example).
    #[arg(long, default_value_t = 1)]
    pub reset_every: u32,
}

impl MethodArgs {
    pub fn config(&self) -> Result<Config> {
        let Some(method) = MethodKind::from_cli_name(&self.method) else {
            bail!(
                "unknown method {:?}; one of: {}",
                self.method,
                MethodKind::ALL.map(|m| m.cli_name()).join(", ")
            );
        };
        let cfg = Config {
            method,
            window_bits: self.window_bits,
            token_bits: self.token_bits.unwrap_or(Config::new(method).token_bits),
            precision: self.precision,
            example_bytes: self.example_bytes,
            delay: self.delay,
            exact: self.exact,
            reset_every: self.reset_every,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Model selection.
#[derive(Args, Debug, Clone)]
pub struct ModelArgs {
    /// Model: an M1 directory (config.json + model.safetensors), a unigram .json, `uniform`, or
    /// `unigram` (fitted on the command's text: `stats` and `probe` only). Default: the shipped
    /// sample M1.
    #[arg(long)]
    pub model: Option<String>,
    /// Device for M1: cpu, cuda[:N], metal[:N].
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// CPU threads for stepping M1's lanes (0 = every core). Output is bit-identical for any
    /// thread count.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

impl ModelArgs {
    /// The model asked for (see `eqinfo::model::open`).
    pub fn spec(&self) -> ModelSpec {
        ModelSpec::parse(self.model.as_deref())
    }

    /// Opens it; `fit` is the text of `unigram` and of the missing sample's fallback (None:
    /// neither is allowed). A fallback's note goes to stderr.
    pub fn open_fitted(&self, fit: Option<FitText<'_>>) -> Result<Box<dyn ByteModel>> {
        let mut opened = self.spec().open(&self.device, fit)?;
        if let Some(note) = &opened.note {
            eprintln!("note: {note}");
        }
        opened.model.set_threads(self.thread_count());
        Ok(opened.model)
    }

    /// The `--threads` setting with 0 read as every core.
    pub fn thread_count(&self) -> usize {
        eqinfo::model::thread_count(self.threads)
    }

    /// Opens it without a text to fit on (the coding commands).
    pub fn open(&self) -> Result<Box<dyn ByteModel>> {
        self.open_fitted(None)
    }
}

/// Reads a file, or stdin for `-` / no path.
pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>> {
    match path {
        None => read_stdin(),
        Some(p) if p == Path::new("-") => read_stdin(),
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display())),
    }
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut v = Vec::new();
    std::io::stdin()
        .read_to_end(&mut v)
        .context("cannot read stdin")?;
    Ok(v)
}

/// Writes to stdout (no path or `-`) or a file, by the rules of [`super::output`].
pub fn write_output(path: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    super::output::write_output(path.map(PathBuf::as_path), bytes)
}
