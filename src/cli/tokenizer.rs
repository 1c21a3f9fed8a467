//! `eqinfo train-tokenizer`: trains the byte-level BPE of the subword baseline (the shipped
//! `assets/subword_bpe32k.json` was made with it; see the README for the exact command).

use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::subword::{self, SubwordTokenizer};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `eqinfo train-tokenizer`.
#[derive(Args, Debug)]
pub struct TrainTokenizerArgs {
    /// UTF-8 training text files (a file listed twice counts twice).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Vocabulary size: 256 single bytes plus merges (32768 = T5's SentencePiece size).
    #[arg(long, default_value_t = subword::DEFAULT_VOCAB)]
    pub vocab: usize,
    /// Occurrences a pair needs to be merged.
    #[arg(long, default_value_t = 2)]
    pub min_frequency: u64,
    /// Output tokenizer JSON.
    #[arg(long, short = 'o', default_value = "assets/subword_bpe32k.json")]
    pub out: PathBuf,
    /// Held-out text files: report the trained tokenizer's bytes/token on them.
    #[arg(long = "eval")]
    pub eval: Vec<PathBuf>,
}

/// Training pieces: ~4 KiB chunks cut after a newline (so runs of newlines inside a chunk are
/// seen whole by the pre-tokenizer).
fn chunks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        cur.push_str(line);
        if cur.len() >= 4096 {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Runs `eqinfo train-tokenizer`.
pub fn run(args: TrainTokenizerArgs) -> Result<()> {
    let mut pieces = Vec::new();
    let mut bytes = 0usize;
    for p in &args.files {
        let raw = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let text = String::from_utf8(raw).map_err(|e| {
            anyhow::anyhow!(
                "{} is not UTF-8 (first bad byte at {}): the trainer reads text",
                p.display(),
                e.utf8_error().valid_up_to()
            )
        })?;
        bytes += text.len();
        pieces.extend(chunks(&text));
    }
    if bytes == 0 {
        bail!("the training files are empty");
    }
    let t0 = Instant::now();
    let json = subword::train_bpe(pieces.into_iter(), args.vocab, args.min_frequency)?;
    let secs = t0.elapsed().as_secs_f64();
    let tk = SubwordTokenizer::from_json(json.as_bytes())
        .context("the trained tokenizer does not load back")?;
    super::common::write_output(Some(&args.out), json.as_bytes())?;
    eprintln!(
        "trained on {bytes} bytes in {secs:.1} s: {} ids ({} bits/token), {} bytes written to {}",
        tk.vocab_size(),
        tk.token_bits(),
        json.len(),
        args.out.display()
    );
    for p in &args.eval {
        let data = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let ids = tk.tokenize(&data)?;
        let ratio = if ids.is_empty() {
            0.0
        } else {
            data.len() as f64 / ids.len() as f64
        };
        outln!(
            "{}: {} bytes, {} tokens, {ratio:.3} bytes/token (whole file, no example split)",
            p.display(),
            data.len(),
            ids.len()
        );
    }
    Ok(())
}
