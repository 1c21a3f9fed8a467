//! Arguments shared by the subcommands: the method and its parameters, the model, input/output.

use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::{Config, MethodKind};
use eqinfo::model::ByteModel;
use std::io::{Read, Write};
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
    /// Model: an M1 directory (config.json + model.safetensors), a unigram .json, or `uniform`.
    /// Default: the shipped sample M1.
    #[arg(long)]
    pub model: Option<String>,
    /// Device for M1: cpu, cuda[:N], metal[:N].
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

impl ModelArgs {
    pub fn open(&self) -> Result<Box<dyn ByteModel>> {
        Ok(eqinfo::model::open::open_model(
            self.model.as_deref(),
            &self.device,
        )?)
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

/// Writes to a file atomically (temporary file in the same directory, then rename), or stdout.
pub fn write_output(path: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).context("cannot write stdout")?;
            out.flush().context("cannot write stdout")?;
        }
        Some(p) if p == Path::new("-") => return write_output(None, bytes),
        Some(p) => {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)
                .with_context(|| format!("cannot create a file in {}", dir.display()))?;
            tmp.write_all(bytes)
                .with_context(|| format!("cannot write {}", p.display()))?;
            tmp.persist(p)
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    Ok(())
}
