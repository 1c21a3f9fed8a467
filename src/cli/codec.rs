//! `compress`, `decompress`, `tokens` and `info`.

use super::common::{read_input, write_output, MethodArgs, ModelArgs};
use anyhow::{bail, Result};
use clap::Args;
use eqinfo::container::{self, Container};
use eqinfo::method::{self, MethodKind, RunOptions};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompressArgs {
    /// Input file (default: stdin).
    pub input: Option<PathBuf>,
    /// Output .eqi file (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub method: MethodArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct DecompressArgs {
    /// Input .eqi file (default: stdin).
    pub input: Option<PathBuf>,
    /// Output file (default: stdout).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Decode even if the model or backend differs from the one recorded.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct TokensArgs {
    /// Input text file (default: stdin).
    pub input: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print token bits instead of ids.
    #[arg(long)]
    pub bits: bool,
    #[command(flatten)]
    pub method: MethodArgs,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The .eqi file (default: stdin).
    pub input: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn compress(args: CompressArgs) -> Result<()> {
    let cfg = args.method.config()?;
    let data = read_input(args.input.as_deref())?;
    if data.is_empty() {
        bail!("empty input: nothing to compress");
    }
    let mut model = open_for(&args.model, cfg.method)?;
    let enc = method::encode(&data, &cfg, model.as_mut(), &RunOptions::default())?;
    let bytes = container::build(&enc, &data, Some(model.identity()))?.to_bytes()?;
    write_output(args.output.as_ref(), &bytes)?;
    eprintln!(
        "{}: {} bytes -> {} tokens ({:.3} bytes/token, {:.3} bits/byte), file {} bytes",
        cfg.label(),
        data.len(),
        enc.tokens.len(),
        enc.bytes_per_token(),
        enc.bits_per_byte(),
        bytes.len()
    );
    Ok(())
}

/// Models are only opened when the method needs one (Bytes, GZip, StaticAC run without M1).
fn open_for(args: &ModelArgs, method: MethodKind) -> Result<Box<dyn eqinfo::model::ByteModel>> {
    if method.uses_model() {
        args.open()
    } else {
        Ok(Box::new(eqinfo::model::Uniform::default()))
    }
}

pub fn decompress(args: DecompressArgs) -> Result<()> {
    let bytes = read_input(args.input.as_deref())?;
    if bytes.is_empty() {
        bail!("empty input: not an .eqi file");
    }
    let c = Container::from_bytes(&bytes)?;
    let mut model = open_for(&args.model, c.header.config.method)?;
    let out = c.decode(model.as_mut(), args.force)?;
    write_output(args.output.as_ref(), &out)
}

#[derive(serde::Serialize)]
struct TokenReport<'a> {
    config: &'a method::Config,
    label: String,
    input_bytes: usize,
    bytes_per_token: f64,
    bits_per_byte: f64,
    tokens: &'a [u32],
    windows: Vec<WindowReport>,
    /// Side-information-free decoding (EqualInfo with reset every window only).
    free_decode: Option<method::FreeDecodeReport>,
}

#[derive(serde::Serialize)]
struct WindowReport {
    example: usize,
    bytes: [usize; 2],
    bit_start: u64,
    code_bits: u64,
    tokens: [usize; 2],
}

pub fn tokens(args: TokensArgs) -> Result<()> {
    let cfg = args.method.config()?;
    let data = read_input(args.input.as_deref())?;
    let mut model = open_for(&args.model, cfg.method)?;
    let enc = method::encode(&data, &cfg, model.as_mut(), &RunOptions::default())?;
    let windows: Vec<WindowReport> = enc
        .windows
        .iter()
        .map(|w| {
            let t = method::tokens::tokens_covering(
                w.bit_start..w.bit_start + w.bit_len,
                cfg.token_bits,
            );
            WindowReport {
                example: w.example,
                bytes: [w.bytes.start, w.bytes.end],
                bit_start: w.bit_start,
                code_bits: w.code_bits,
                tokens: [t.start, t.end],
            }
        })
        .collect();
    let free = if cfg.method == MethodKind::EqualInfo && cfg.reset_every == 1 {
        Some(method::free_decode_report(&enc, &data, model.as_mut())?)
    } else {
        None
    };
    if args.json {
        let rep = TokenReport {
            free_decode: free,
            config: &cfg,
            label: cfg.label(),
            input_bytes: data.len(),
            bytes_per_token: enc.bytes_per_token(),
            bits_per_byte: enc.bits_per_byte(),
            tokens: &enc.tokens,
            windows,
        };
        println!("{}", serde_json::to_string_pretty(&rep)?);
        return Ok(());
    }
    println!(
        "# {}  bytes={} tokens={} bytes/token={:.3} bits/byte={:.3}",
        cfg.label(),
        data.len(),
        enc.tokens.len(),
        enc.bytes_per_token(),
        enc.bits_per_byte()
    );
    if let Some(f) = &free {
        println!(
            "# side-information-free decoding ({}): {}/{} windows, {}/{} examples exact",
            if cfg.delay { "delay" } else { "greedy" },
            f.windows_ok,
            f.windows_total,
            f.examples_ok,
            f.examples_total
        );
    }
    let width = cfg.token_bits as usize;
    for (i, w) in windows.iter().enumerate() {
        let text = String::from_utf8_lossy(&data[w.bytes[0]..w.bytes[1]]);
        let toks: Vec<String> = (w.tokens[0]..w.tokens[1])
            .map(|t| {
                if args.bits {
                    format!("{:0width$b}", enc.tokens[t])
                } else {
                    enc.tokens[t].to_string()
                }
            })
            .collect();
        let flag = match &free {
            Some(f) if !f.window_ok[i] => "  (free decoding fails)",
            _ => "",
        };
        println!(
            "window {i:>5}  bytes {:>6}..{:<6} code {:>3} bits  tokens [{}]  {:?}{flag}",
            w.bytes[0],
            w.bytes[1],
            w.code_bits,
            toks.join(" "),
            text
        );
    }
    Ok(())
}

pub fn info(args: InfoArgs) -> Result<()> {
    let bytes = read_input(args.input.as_deref())?;
    let c = Container::from_bytes(&bytes)?;
    let o = c.overhead()?;
    if args.json {
        #[derive(serde::Serialize)]
        struct Info<'a> {
            header: &'a container::Header,
            label: String,
            file_bytes: usize,
            overhead: container::Overhead,
        }
        let info = Info {
            header: &c.header,
            label: c.header.config.label(),
            file_bytes: bytes.len(),
            overhead: o,
        };
        println!("{}", serde_json::to_string_pretty(&info)?);
        return Ok(());
    }
    let h = &c.header;
    let n = h.input_len.max(1) as f64;
    println!("method        {}", h.config.label());
    println!("parameters    {}", serde_json::to_string(&h.config)?);
    match &h.model {
        Some(m) => println!("model         {} {} on {}", m.kind, m.hash, m.backend),
        None => println!("model         (none needed)"),
    }
    println!("original      {} bytes, sha256 {}", h.input_len, h.sha256);
    println!(
        "tokens        {} ({} bits, {:.4} bits/byte, {:.3} bytes/token)",
        h.token_count,
        o.token_bits,
        o.token_bits as f64 / n,
        h.input_len as f64 / (h.token_count.max(1) as f64)
    );
    println!(
        "side info     {} bits ({:.4} bits/byte, {:.1}% of the tokens)",
        o.side_info_bits,
        o.side_info_bits as f64 / n,
        100.0 * o.side_info_bits as f64 / (o.token_bits.max(1) as f64)
    );
    println!("framing       {} bits", o.framing_bits);
    println!("file          {} bytes", bytes.len());
    Ok(())
}
