//! `eval` (cross-entropy and actual coded sizes, round-tripped) and `bench` (M1 throughput against
//! this machine's matmul roofline).

use super::common::ModelArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::ByteModel;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Text files to evaluate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Bytes per example (the paper's 10,240).
    #[arg(long, default_value_t = method::DEFAULT_EXAMPLE_BYTES)]
    pub example_bytes: usize,
    /// Evaluate at most this many bytes of each file (0 = all).
    #[arg(long, default_value_t = 0)]
    pub max_bytes: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// One file's evaluation.
#[derive(Debug, serde::Serialize)]
pub struct EvalRow {
    pub file: String,
    pub bytes: usize,
    /// Model cross-entropy under the float distributions, bits/byte, each example scored from
    /// an empty context.
    pub cross_entropy_bpb: f64,
    /// Cross-entropy under the quantized distributions the coder uses (β = 14), `Σ −log2 q`:
    /// the coder's ideal, which the AC size can only exceed (by termination and rounding). It
    /// differs from the float one because every byte gets `q ≥ 2^-β` (see `stats::xent`).
    pub quantized_cross_entropy_bpb: f64,
    /// AC's coded size over the quantized ideal, minus 1 (e.g. 0.00004 = +0.004%).
    pub ac_overhead_vs_quantized: f64,
    /// AC: coded bits (before token padding) per byte, round-tripped.
    pub ac_bpb: f64,
    /// EqualInfoAC[b=16, v=65536]: token bits per byte, round-tripped.
    pub equal_info16_bpb: f64,
    /// EqualInfoAC[b=16, v=65536]: bytes per token.
    pub equal_info16_bytes_per_token: f64,
    /// Share of b=16 windows the side-information-free decoder recovers exactly (greedy).
    pub free_decode_windows: f64,
    /// Share of examples all of whose windows it recovers.
    pub free_decode_examples: f64,
    pub seconds: f64,
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let mut model = args.model.open()?;
    let mut rows = Vec::new();
    // The bar moves by file (the files' sizes, known before they are read).
    let bar = super::progress::byte_bar(false);
    let sizes: Vec<u64> = args
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .map(|n| {
            if args.max_bytes > 0 {
                n.min(args.max_bytes as u64)
            } else {
                n
            }
        })
        .collect();
    bar.set_length(sizes.iter().sum());
    for (k, f) in args.files.iter().enumerate() {
        bar.set_message(format!("file {}/{}", k + 1, args.files.len()));
        let mut data = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        if args.max_bytes > 0 {
            data.truncate(args.max_bytes);
        }
        if data.is_empty() {
            bail!("{}: empty file", f.display());
        }
        let t = Instant::now();
        let row = eval_one(
            &f.display().to_string(),
            &data,
            model.as_mut(),
            args.example_bytes,
        )?;
        rows.push(EvalRow {
            seconds: t.elapsed().as_secs_f64(),
            ..row
        });
        bar.inc(sizes[k]);
    }
    bar.finish_and_clear();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        outln!(
            "{:<40} {:>10} {:>9} {:>9} {:>9} {:>9} {:>12} {:>11} {:>10} {:>8}",
            "file",
            "bytes",
            "CE b/B",
            "CE(q) b/B",
            "AC b/B",
            "AC-CE(q)",
            "EqInfo16 b/B",
            "bytes/token",
            "free-dec %",
            "seconds"
        );
        for r in &rows {
            outln!(
                "{:<40} {:>10} {:>9.4} {:>9.4} {:>9.4} {:>8.3}% {:>12.4} {:>11.3} {:>10.2} {:>8.1}",
                r.file,
                r.bytes,
                r.cross_entropy_bpb,
                r.quantized_cross_entropy_bpb,
                r.ac_bpb,
                100.0 * r.ac_overhead_vs_quantized,
                r.equal_info16_bpb,
                r.equal_info16_bytes_per_token,
                100.0 * r.free_decode_windows,
                r.seconds
            );
        }
        outln!(
            "CE: cross-entropy under the model's float distributions; CE(q): under the quantized \
             distributions the coder codes with (every byte gets at least 2^-14, so a byte the \
             model finds nearly impossible costs at most 14 bits there, more under CE). The coded \
             size can fall below CE but not below CE(q); AC-CE(q) is its overhead."
        );
    }
    Ok(())
}

/// Evaluates one text (examples of `example_bytes`).
pub fn eval_one(
    name: &str,
    data: &[u8],
    model: &mut dyn ByteModel,
    example_bytes: usize,
) -> Result<EvalRow> {
    let mut ac = Config::new(MethodKind::Ac);
    ac.example_bytes = example_bytes;
    let ce = eqinfo::stats::xent::cross_entropy(model, data, example_bytes, ac.precision)?;
    let enc = method::encode(data, &ac, model, &RunOptions::default())?;
    if method::decode(&enc, model)? != data {
        bail!("{name}: AC round trip failed");
    }
    let ac_bits: u64 = enc.examples.iter().map(|e| e.bit_len).sum();
    let mut ei = Config::equal_info(16, 16);
    ei.example_bytes = example_bytes;
    let enc16 = method::encode(data, &ei, model, &RunOptions::default())?;
    if method::decode(&enc16, model)? != data {
        bail!("{name}: EqualInfoAC round trip failed");
    }
    let free = method::free_decode_report(&enc16, data, model)?;
    let n = data.len() as f64;
    Ok(EvalRow {
        free_decode_windows: free.window_rate(),
        free_decode_examples: free.example_rate(),
        file: name.to_string(),
        bytes: data.len(),
        cross_entropy_bpb: ce.float_bpb(),
        quantized_cross_entropy_bpb: ce.quantized_bpb(),
        ac_overhead_vs_quantized: ac_bits as f64 / ce.quantized_bits - 1.0,
        ac_bpb: ac_bits as f64 / n,
        equal_info16_bpb: enc16.bits_per_byte(),
        equal_info16_bytes_per_token: enc16.bytes_per_token(),
        seconds: 0.0,
    })
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Text to compress (default: a built-in English passage repeated).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Bytes to compress.
    #[arg(long, default_value_t = 131_072)]
    pub bytes: usize,
    /// Bytes per example: examples are the lanes stepped together.
    #[arg(long, default_value_t = 1024)]
    pub example_bytes: usize,
    /// Window size b.
    #[arg(long, default_value_t = 16)]
    pub window_bits: u32,
    /// Times each thread count is run, alternating 1 thread and all threads; the figures are
    /// medians (use 3 or more on a machine with other work on it).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Also time the live view's worker path (the GUI's code): a full analysis of
    /// `--live-bytes` bytes, then one-character edits in the middle, each analysed incrementally.
    #[arg(long)]
    pub live: bool,
    /// Also code `--bytes` as this many files of equal size under the paper's 10,240-byte
    /// examples: as one file, as the files one at a time, and as the files packed into one lane
    /// run (how `export-tokens` codes a folder), and compare the throughputs.
    #[arg(long, default_value_t = 0)]
    pub many_files: usize,
    /// Text size for `--live`.
    #[arg(long, default_value_t = 4096)]
    pub live_bytes: usize,
    /// Edits timed by `--live`.
    #[arg(long, default_value_t = 100)]
    pub live_edits: usize,
    /// Method timed by `--live`: equal-info (b = --window-bits) or ac.
    #[arg(long, default_value = "equal-info", value_parser = ["equal-info", "ac"])]
    pub live_method: String,
    /// With `--live`, time only the tokens (what the view shows first), not the deferred decode
    /// checks nor the final comparison with a full analysis (for megabyte texts).
    #[arg(long)]
    pub live_tokens_only: bool,
    /// The edits `--live` times: `replace` a letter (the text keeps its length) or `insert`
    /// one (typing: everything after it moves by one byte).
    #[arg(long, default_value = "replace", value_parser = ["replace", "insert"])]
    pub live_edit: String,
}

pub fn bench(args: BenchArgs) -> Result<()> {
    let mut model = args.model.open()?;
    let base: Vec<u8> = match &args.input {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => include_bytes!("../../assets/demo.txt").to_vec(),
    };
    if base.is_empty() {
        bail!("empty input");
    }
    if args.live {
        live_bench(&args, &base, model.as_mut())?;
    }
    if args.bytes == 0 {
        return Ok(());
    }
    let data: Vec<u8> = base.iter().cycle().take(args.bytes).copied().collect();
    if args.many_files > 0 {
        many_files_bench(&data, args.many_files, args.window_bits, model.as_mut())?;
    }
    let mut cfg = Config::equal_info(args.window_bits, 16);
    cfg.example_bytes = args.example_bytes;
    let flops = m1_flops_per_byte(&args.model);
    let lanes = data.len().div_ceil(args.example_bytes.max(1));
    let threads = args.model.thread_count();
    // The roofline: candle's matmul on every core, best of runs before and after the timed
    // coding (the machine's load can change in between; the better figure is the stricter
    // yardstick).
    let roofline = || eqinfo::model::roofline::matmul_gflops(256, 256, 1024, 20);
    let mut roofs = vec![roofline()?];
    outln!(
        "EqualInfoAC[b={}, v=65536] on {} bytes in {} lanes ({} bytes per example), kernel {}",
        args.window_bits,
        data.len(),
        lanes,
        args.example_bytes,
        eqinfo::model::m1::kernel_simd()
    );
    let mut counts = vec![1];
    if threads > 1 {
        counts.push(threads);
    }
    let repeat = args.repeat.max(1);
    // runs[i]: every repetition at counts[i].
    let mut runs: Vec<Vec<BenchRun>> = counts.iter().map(|_| Vec::new()).collect();
    for _ in 0..repeat {
        for (i, &n) in counts.iter().enumerate() {
            model.set_threads(n);
            runs[i].push(bench_run(&data, &cfg, model.as_mut(), n)?);
        }
        roofs.push(roofline()?);
    }
    model.set_threads(threads);
    let roof = roofs.iter().copied().fold(0.0, f64::max);
    outln!(
        "  roofline: candle matmul 256x256 @ 256x1024 on {} threads: {roof:.1} GFLOP/s (best of {} runs, {})",
        eqinfo::model::thread_count(0),
        roofs.len(),
        roofs.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(", ")
    );
    if repeat > 1 {
        outln!("  (median of {repeat} alternating runs per thread count)");
    }
    let median = |v: Vec<f64>| -> f64 {
        let mut v = v;
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let opt_median = |v: Vec<Option<f64>>| -> Option<f64> {
        let v: Option<Vec<f64>> = v.into_iter().collect();
        v.map(median)
    };
    let mut medians: Vec<(usize, f64, f64)> = Vec::new();
    for (&n, rs) in counts.iter().zip(&runs) {
        outln!("  {n} thread(s):");
        let enc = median(rs.iter().map(|r| r.enc_secs).collect());
        let dec = median(rs.iter().map(|r| r.dec_secs).collect());
        let enc_cpu = opt_median(rs.iter().map(|r| r.enc_cpu).collect());
        let dec_cpu = opt_median(rs.iter().map(|r| r.dec_cpu).collect());
        medians.push((n, enc, dec));
        for (name, secs, cpu) in [("compress  ", enc, enc_cpu), ("decompress", dec, dec_cpu)] {
            let rate = data.len() as f64 / secs;
            let cpu_note = cpu.map_or(String::new(), |c| {
                format!(
                    ", CPU {:.2} s = {:.0}% of wall x threads",
                    c,
                    100.0 * c / secs / n as f64
                )
            });
            match flops {
                Some(f) => {
                    // Every byte is fed to the model exactly once (a byte that does not fit is
                    // retried with the reset lane's cached empty-context distribution, without
                    // a forward).
                    let achieved = data.len() as f64 * f as f64 / secs / 1e9;
                    let per_cpu = cpu.map_or(String::new(), |c| {
                        format!(
                            ", {:.1} GFLOP per CPU second",
                            data.len() as f64 * f as f64 / c / 1e9
                        )
                    });
                    outln!(
                        "    {name} {rate:>9.0} bytes/s ({secs:.2} s{cpu_note}): {achieved:.1} GFLOP/s = {:.1}% of the roofline{per_cpu}",
                        100.0 * achieved / roof
                    );
                }
                None => outln!("    {name} {rate:>9.0} bytes/s ({secs:.2} s{cpu_note})"),
            }
        }
    }
    if let [(_, e1, d1), (n, en, dn)] = medians[..] {
        outln!(
            "  {n} threads vs 1: compress {:.2}x, decompress {:.2}x",
            e1 / en,
            d1 / dn
        );
    }
    match flops {
        Some(f) => outln!("  model: {f} FLOP/byte (matmuls)"),
        None => outln!("  model: not a transformer, no FLOP count"),
    }
    Ok(())
}

/// One timed compress and decompress of the bench text at a thread count.
struct BenchRun {
    enc_secs: f64,
    dec_secs: f64,
    /// CPU time (user + system, all threads) of each, in seconds, where the OS tells it.
    enc_cpu: Option<f64>,
    dec_cpu: Option<f64>,
}

fn bench_run(
    data: &[u8],
    cfg: &Config,
    model: &mut dyn ByteModel,
    threads: usize,
) -> Result<BenchRun> {
    let cpu = || cpu_ms().map(|ms| ms / 1e3);
    let (c0, t) = (cpu(), Instant::now());
    let enc = method::encode(data, cfg, model, &RunOptions::default())?;
    let (enc_secs, c1) = (t.elapsed().as_secs_f64(), cpu());
    let t = Instant::now();
    let back = method::decode(&enc, model)?;
    let (dec_secs, c2) = (t.elapsed().as_secs_f64(), cpu());
    if back != data {
        bail!("round trip failed with {threads} thread(s)");
    }
    let diff = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    Ok(BenchRun {
        enc_secs,
        dec_secs,
        enc_cpu: diff(c0, c1),
        dec_cpu: diff(c1, c2),
    })
}

/// Input bytes the one-at-a-time pass of [`many_files_bench`] codes at most: its first files
/// up to this size (one lane per file, so the pass is slow; its rate is what counts).
const ALONE_SAMPLE_BYTES: usize = 100_000;

/// One text, the same bytes as `n` files packed into one lane run (the lane scheduler refills a
/// lane as soon as its file's example ends), and the first files coded one at a time (how the
/// batch ran before packing; at most [`ALONE_SAMPLE_BYTES`]); the packed tokens are checked
/// against the one-at-a-time ones.
fn many_files_bench(data: &[u8], n: usize, b: u32, model: &mut dyn ByteModel) -> Result<()> {
    let cfg = Config::equal_info(b, 16);
    let size = data.len().div_ceil(n);
    let files: Vec<&[u8]> = data.chunks(size).collect();
    let opts = RunOptions::default();
    let lanes = model.preferred_lanes();
    let t = Instant::now();
    method::encode_packed(data, &cfg, model, &opts)?;
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let packed = method::encode_packed_many(&files, &cfg, model, &opts)?;
    let together = t.elapsed().as_secs_f64();
    let mut k = 0;
    let mut sample_bytes = 0;
    while k < files.len() && sample_bytes + files[k].len() <= ALONE_SAMPLE_BYTES.max(files[0].len())
    {
        sample_bytes += files[k].len();
        k += 1;
    }
    let t = Instant::now();
    let alone = files[..k]
        .iter()
        .map(|f| method::encode_packed(f, &cfg, model, &opts))
        .collect::<eqinfo::Result<Vec<_>>>()?;
    let each = t.elapsed().as_secs_f64();
    if packed.iter().zip(&alone).any(|(p, a)| p.tokens != a.tokens) {
        bail!("packed files gave other tokens than the files one at a time");
    }
    let rate = |bytes: usize, s: f64| bytes as f64 / s;
    let one_rate = rate(data.len(), one);
    outln!(
        "{} on {} bytes, 10,240-byte examples, {lanes} model lanes: one file vs {} files of {} bytes",
        cfg.label(),
        data.len(),
        files.len(),
        size
    );
    outln!(
        "  one file                {:>10.0} bytes/s ({one:.2} s)",
        one_rate
    );
    outln!(
        "  files packed together   {:>10.0} bytes/s ({together:.2} s, {:.0}% of one file)",
        rate(data.len(), together),
        100.0 * rate(data.len(), together) / one_rate
    );
    outln!(
        "  first {k} files one at a time {:>10.0} bytes/s ({each:.2} s for {sample_bytes} bytes, {:.0}% of one file)",
        rate(sample_bytes, each),
        100.0 * rate(sample_bytes, each) / one_rate
    );
    Ok(())
}

/// Matmul FLOPs per byte of the M1 named by the model arguments (None for other models).
fn m1_flops_per_byte(args: &ModelArgs) -> Option<usize> {
    let dir = match &args.model {
        Some(s) => PathBuf::from(s),
        None => eqinfo::model::m1::default_model_dir()?,
    };
    let (config, _) = eqinfo::model::m1::load::resolve(&dir).ok()?;
    let text = std::fs::read_to_string(config).ok()?;
    let cfg = eqinfo::model::m1::Config::from_json(&text).ok()?;
    Some(cfg.matmul_flops_per_byte())
}

/// Milliseconds of a duration.
fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The `q` quantile (nearest rank) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// CPU time (user + system, all threads) this process has used so far, in ms (Linux
/// `/proc/self/stat`, 100 ticks a second; None elsewhere): a figure the machine's load does not
/// stretch the way it stretches wall time.
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = s.get(s.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) * 10.0)
}

/// The process's peak RSS so far in MB (Linux `VmHWM`; None elsewhere).
fn peak_rss_mb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Times the GUI worker's path: `analyse_quick` (tokens shown) then `check_some` until every
/// window is checked (round trip and side-information-free decoding verified).
fn live_bench(args: &BenchArgs, base: &[u8], model: &mut dyn ByteModel) -> Result<()> {
    use eqinfo::live::{analyse, analyse_quick, check_some, Analysis};
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    let cancel = AtomicBool::new(false);
    let mut text: Vec<u8> = base.iter().cycle().take(args.live_bytes).copied().collect();
    if text.len() < 16 {
        bail!("--live-bytes must be at least 16");
    }
    let cfg = match args.live_method.as_str() {
        "ac" => {
            let mut c = Config::new(eqinfo::method::MethodKind::Ac);
            c.token_bits = 16;
            c
        }
        _ => Config::equal_info(args.window_bits, 16),
    };
    let checks = !args.live_tokens_only;
    let check_all = |a: Analysis, model: &mut dyn ByteModel| -> Result<Analysis> {
        let mut a = a;
        if checks {
            while let Some(next) = check_some(&a, model, 24)? {
                a = next;
            }
        }
        Ok(a)
    };
    let rss0 = peak_rss_mb();
    let t = Instant::now();
    // What the worker does: the first examples (the view) first, when the text is long.
    let (head, first_view) = match eqinfo::live::view_prefix(text.len(), &cfg) {
        Some(n) => {
            let head = analyse_quick(Arc::new(text[..n].to_vec()), &cfg, model, 1, None, &cancel)?;
            (Some(head), Some((n, t.elapsed())))
        }
        None => (None, None),
    };
    let first = analyse_quick(
        Arc::new(text.clone()),
        &cfg,
        model,
        1,
        head.as_ref(),
        &cancel,
    )?;
    drop(head);
    let full_tokens = t.elapsed();
    let mut prev = check_all(first, model)?;
    let full_checked = t.elapsed();
    if checks && prev.round_trip_ok() != Some(true) {
        bail!("live: round trip failed");
    }
    let (mut lat_tokens, mut lat_checked) = (Vec::new(), Vec::new());
    let (mut re_bytes, mut re_windows) = (0usize, 0usize);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let cpu0 = cpu_ms();
    let mut cpu_tokens = 0.0;
    for _ in 0..args.live_edits {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // A position in the middle half, a letter that differs from the one there.
        let n = text.len();
        let pos = n / 4 + (seed as usize) % (n / 2);
        let mut c = b'a' + ((seed >> 32) % 26) as u8;
        if args.live_edit == "insert" {
            text.insert(pos, c);
        } else {
            if c == text[pos] {
                c = if c == b'z' { b'a' } else { c + 1 };
            }
            text[pos] = c;
        }
        let t = Instant::now();
        let c = cpu_ms();
        let a = analyse_quick(Arc::new(text.clone()), &cfg, model, 1, Some(&prev), &cancel)?;
        lat_tokens.push(ms(t.elapsed()));
        if let (Some(c0), Some(c1)) = (c, cpu_ms()) {
            cpu_tokens += c1 - c0;
        }
        re_bytes += a.stats.bytes_encoded;
        re_windows += a.stats.windows_computed;
        let a = check_all(a, model)?;
        lat_checked.push(ms(t.elapsed()));
        if checks && a.round_trip_ok() != Some(true) {
            bail!("live: round trip failed after an edit");
        }
        prev = a;
    }
    let rss1 = peak_rss_mb();
    let cpu_edits = cpu0.zip(cpu_ms()).map(|(a, b)| b - a);
    // The incremental result must be the full one.
    if checks {
        let full = analyse(Arc::new(text.clone()), &cfg, model, 1, None, &cancel)?;
        if full.tokens != prev.tokens || full.round_trip_ok() != prev.round_trip_ok() {
            bail!("live: incremental analysis differs from a full analysis");
        }
    }
    lat_tokens.sort_by(f64::total_cmp);
    lat_checked.sort_by(f64::total_cmp);
    let edits = args.live_edits.max(1);
    outln!(
        "Live view worker path, {}, {} bytes, edits: {}",
        cfg.label(),
        text.len(),
        if args.live_edit == "insert" {
            "insert a letter"
        } else {
            "replace a letter"
        }
    );
    if let Some((n, d)) = first_view {
        outln!(
            "  first {n} bytes (the view of a newly opened text) shown after {:.0} ms",
            ms(d)
        );
    }
    if checks {
        outln!(
            "  full analysis    tokens {:.0} ms, all windows checked {:.0} ms ({} windows)",
            ms(full_tokens),
            ms(full_checked),
            prev.windows.len()
        );
    } else {
        outln!(
            "  full analysis    tokens {:.0} ms ({} windows; checks not timed)",
            ms(full_tokens),
            prev.windows.len()
        );
    }
    if let (Some(a), Some(b)) = (rss0, rss1) {
        outln!(
            "  peak RSS {a} MB before the analysis, {b} MB after the edits ({} MB of saved model lanes)",
            prev.lanes.size_bytes() >> 20
        );
    }
    if !lat_tokens.is_empty() {
        outln!(
            "  {} one-character edits: edit -> tokens p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            lat_tokens.len(),
            quantile(&lat_tokens, 0.5),
            quantile(&lat_tokens, 0.95),
            quantile(&lat_tokens, 1.0)
        );
        outln!(
            "  edit -> checks done p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; {:.1} bytes / {:.1} windows re-encoded per edit",
            quantile(&lat_checked, 0.5),
            quantile(&lat_checked, 0.95),
            quantile(&lat_checked, 1.0),
            re_bytes as f64 / edits as f64,
            re_windows as f64 / edits as f64
        );
        if let Some(c) = cpu_edits {
            outln!(
                "  CPU time per edit (all threads, 10 ms ticks): to tokens {:.1} ms, with checks {:.1} ms",
                cpu_tokens / edits as f64,
                c / edits as f64
            );
        }
    }
    Ok(())
}
