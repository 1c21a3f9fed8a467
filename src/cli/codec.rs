//! `compress`, `decompress`, `tokens` and `info`.

use super::common::{read_input, MethodArgs, ModelArgs};
use super::output::{self, check_writable, refuse_same_file, write_output};
use anyhow::{anyhow, bail, Result};
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
    refuse_same_file(args.input.as_deref(), args.output.as_deref())?;
    check_writable(args.output.as_deref())?;
    // A file's size is known before it is read: too large for memory is refused first.
    if let Some(m) = args
        .input
        .as_deref()
        .filter(|p| *p != std::path::Path::new("-"))
        .and_then(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
    {
        container::check_compress_memory(&cfg, usize::try_from(m.len()).unwrap_or(usize::MAX))?;
    }
    let data = read_input(args.input.as_deref())?;
    if data.is_empty() {
        bail!("empty input: nothing to compress");
    }
    container::check_compress_memory(&cfg, data.len())?;
    let mut model = open_for(&args.model, cfg.method)?;
    let bar = super::progress::byte_bar(false);
    let on_step = super::progress::on_bytes(&bar);
    let run = RunOptions {
        progress: Some(&on_step),
        ..RunOptions::default()
    };
    let packed = method::encode_packed(&data, &cfg, model.as_mut(), &run)?;
    bar.finish_and_clear();
    let (n_tokens, bpt, bpb) = (
        packed.tokens.len(),
        packed.bytes_per_token(),
        packed.bits_per_byte(),
    );
    let bytes = container::build_packed(packed, &data, Some(model.identity()))?.to_bytes()?;
    let summary = format!(
        "{}: {} bytes -> {n_tokens} tokens ({bpt:.3} bytes/token, {bpb:.3} bits/byte), file {} bytes",
        cfg.label(),
        data.len(),
        bytes.len()
    );
    drop(data);
    write_output(args.output.as_deref(), &bytes)?;
    eprintln!("{summary}");
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

/// Reads a container from a file (its size checked against the declared sizes before the rest
/// is read) or from stdin.
fn read_container(input: Option<&std::path::Path>) -> Result<Container> {
    match input {
        Some(p) if p != std::path::Path::new("-") => Ok(Container::read_path(p)?),
        _ => Ok(Container::read_from(std::io::stdin().lock(), None)?),
    }
}

pub fn decompress(args: DecompressArgs) -> Result<()> {
    refuse_same_file(args.input.as_deref(), args.output.as_deref())?;
    check_writable(args.output.as_deref())?;
    let c = read_container(args.input.as_deref())?;
    let mut model = open_for(&args.model, c.header.config.method)?;
    let bar = super::progress::byte_bar(false);
    let on_step = super::progress::on_bytes(&bar);
    let run = RunOptions {
        progress: Some(&on_step),
        ..RunOptions::default()
    };
    let out = c.decode_with(model.as_mut(), args.force, &run);
    bar.finish_and_clear();
    let out = out.map_err(|e| match e {
        eqinfo::Error::ModelMismatch(m) => {
            anyhow!("model mismatch: {m} (pass --force to try anyway)")
        }
        e => e.into(),
    })?;
    write_output(args.output.as_deref(), &out)
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
        return output::print(&(serde_json::to_string_pretty(&rep)? + "\n"));
    }
    let mut out = output::stdout();
    out.line(&format!(
        "# {}  bytes={} tokens={} bytes/token={:.3} bits/byte={:.3}",
        cfg.label(),
        data.len(),
        enc.tokens.len(),
        enc.bytes_per_token(),
        enc.bits_per_byte()
    ))?;
    if let Some(f) = &free {
        out.line(&format!(
            "# side-information-free decoding ({}): {}/{} windows, {}/{} examples exact",
            if cfg.delay { "delay" } else { "greedy" },
            f.windows_ok,
            f.windows_total,
            f.examples_ok,
            f.examples_total
        ))?;
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
        out.line(&format!(
            "window {i:>5}  bytes {:>6}..{:<6} code {:>3} bits  tokens [{}]  {:?}{flag}",
            w.bytes[0],
            w.bytes[1],
            w.code_bits,
            toks.join(" "),
            text
        ))?;
    }
    out.finish()
}

pub fn info(args: InfoArgs) -> Result<()> {
    let c = read_container(args.input.as_deref())?;
    let o = c.overhead()?;
    let file_bytes = (o.token_bits.div_ceil(8) * 8 + o.side_info_bits + o.framing_bits) / 8;
    if args.json {
        #[derive(serde::Serialize)]
        struct Info<'a> {
            header: &'a container::Header,
            label: String,
            file_bytes: u64,
            overhead: container::Overhead,
        }
        let info = Info {
            header: &c.header,
            label: c.header.config.label(),
            file_bytes,
            overhead: o,
        };
        return output::print(&(serde_json::to_string_pretty(&info)? + "\n"));
    }
    let h = &c.header;
    let n = h.input_len.max(1) as f64;
    let mut s = String::new();
    use std::fmt::Write as _;
    writeln!(s, "method        {}", h.config.label())?;
    writeln!(s, "parameters    {}", serde_json::to_string(&h.config)?)?;
    match &h.model {
        Some(m) => writeln!(s, "model         {} {} on {}", m.kind, m.hash, m.backend)?,
        None => writeln!(s, "model         (none needed)")?,
    }
    writeln!(
        s,
        "original      {} bytes, sha256 {}",
        h.input_len, h.sha256
    )?;
    writeln!(
        s,
        "tokens        {} ({} bits, {:.4} bits/byte, {:.3} bytes/token)",
        h.token_count,
        o.token_bits,
        o.token_bits as f64 / n,
        h.input_len as f64 / (h.token_count.max(1) as f64)
    )?;
    writeln!(
        s,
        "side info     {} bits ({:.4} bits/byte, {:.1}% of the tokens)",
        o.side_info_bits,
        o.side_info_bits as f64 / n,
        100.0 * o.side_info_bits as f64 / (o.token_bits.max(1) as f64)
    )?;
    writeln!(s, "framing       {} bits", o.framing_bits)?;
    writeln!(s, "file          {file_bytes} bytes")?;
    output::print(&s)
}
