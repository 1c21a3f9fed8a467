//! `eqinfo stats`: the learnability statistics of SPEC section 8 over many files and
//! configurations (the same library code as the GUI's batch tab), as a table, JSON or CSV, with
//! an optional directory of PNG + SVG plots.

use super::common::ModelArgs;
use anyhow::{bail, Result};
use clap::Args;
use eqinfo::batch::{self, BatchInput, BatchOptions, BatchProgress, BatchReport, PrefixOptions};
use eqinfo::method::Config;
use eqinfo::method::RunOptions;
use eqinfo::model::open::FitText;
use eqinfo::report::export;
use eqinfo::segment::{SegmentOptions, SegmenterSpec};
use eqinfo::shard::{self, Shard};
use eqinfo::stats::segments::{analyse_texts, SegmentBatchOptions, SegmentReport};
use eqinfo::stats::{stability, StatsOptions};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Configurations measured when none is given.
pub const DEFAULT_CONFIGS: [&str; 6] = [
    "bytes",
    "gzip:v=256",
    "static-ac:v=256",
    "ac:v=256",
    "equal-info:b=16:v=256",
    "equal-info:b=64:v=256",
];

/// Compress files with many configurations and measure what the paper measured.
#[derive(Args, Debug)]
pub struct StatsArgs {
    /// Input files, in order; a directory stands for its regular files, recursively, in sorted
    /// path order, hidden ones skipped.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A configuration, repeatable or comma-separated: `equal-info:b=16:v=65536`, `ac:v=256`,
    /// `gzip`, `bytes`, `static-ac`; keys b (window bits), v (vocabulary, power of two) or bits
    /// (token bits), p (precision), ex (example bytes, 0 = whole file), delay, exact, reset.
    /// Segmenters too (segment statistics, see `eqinfo segments --help`): `entropy:...`,
    /// `space`, `fixed:n=N`, or any segmenter after `seg:` (`seg:subword`, `seg:equal-info:b=16`).
    #[arg(long = "config", short = 'c', value_delimiter = ',')]
    pub configs: Vec<String>,
    /// The byte model for AC and EqualInfo (`unigram`: fitted on all inputs; the same when no
    /// --model is given and the sample M1 is not found).
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print the whole report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print one CSV row per file and configuration, then one `ALL` row per configuration.
    #[arg(long)]
    pub csv: bool,
    /// Write the output here instead of stdout.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write PNG and SVG plots into this directory.
    #[arg(long)]
    pub plots: Option<PathBuf>,
    /// Common words prepended for the prefix-edit stability (0 = skip it). Cost per
    /// configuration: encoding the N variants, then N(N-1)/2 token Levenshtein distances, each
    /// O(n ⌈n/64⌉) for n tokens per variant (bit-parallel; cancellable). With 500 words about
    /// 125,000 pairs: a second or two for ~100 tokens a variant, longer for tiny token sizes.
    #[arg(long, default_value_t = 500)]
    pub words: usize,
    /// The sentence the words are prepended to.
    #[arg(long, default_value = stability::DEFAULT_SENTENCE)]
    pub sentence: String,
    /// Skip the KL curves.
    #[arg(long)]
    pub no_kl: bool,
    /// Skip side-information-free decoding.
    #[arg(long)]
    pub no_free_decode: bool,
    /// Partitions per file for the KL quantiles.
    #[arg(long, default_value_t = 20)]
    pub partitions: usize,
    /// Seed of the random-bits baseline.
    #[arg(long, default_value_t = 0x5EED)]
    pub seed: u64,
    /// Bytes per file re-encoded with the trace for alignment and window position (0 = skip).
    #[arg(long, default_value_t = 20_480)]
    pub trace_sample: usize,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Run only shard I of N (0-based) and write its mergeable statistics as JSON to -o (see
    /// `eqinfo merge` and the README's sharding recipes). An -o file that already holds this
    /// shard of the same run is kept and the shard skipped.
    #[arg(long, requires = "out", conflicts_with_all = ["json", "csv", "plots"])]
    pub shard: Option<String>,
    /// Inputs are named (and hashed for --shard) by their path relative to this folder.
    /// Default with --shard: the current folder.
    #[arg(long)]
    pub root: Option<PathBuf>,
}

/// Pool the shards of a sharded `eqinfo stats` run into its report.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shard files (`stats --shard I/N -o FILE`), all N of them.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Print the whole report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print one CSV row per file and configuration, then one `ALL` row per configuration.
    #[arg(long)]
    pub csv: bool,
    /// Write the output here instead of stdout.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Write PNG and SVG plots into this directory.
    #[arg(long)]
    pub plots: Option<PathBuf>,
}

/// Reads the files `paths` name (folders by [`batch::discover_inputs`]'s rule); any path that
/// cannot be used is an error. With `root`, each is named by its manifest path under it.
fn collect_inputs(paths: &[PathBuf], root: Option<&std::path::Path>) -> Result<Vec<BatchInput>> {
    let found = batch::discover_inputs(paths);
    if let Some(p) = found.problems.first() {
        bail!("{p}");
    }
    let inputs = found
        .files
        .iter()
        .map(|f| {
            let mut input = BatchInput::read(f)?;
            if let Some(root) = root {
                input.name = shard::manifest_path(f, root);
            }
            Ok(input)
        })
        .collect::<eqinfo::Result<Vec<_>>>()?;
    if inputs.is_empty() {
        bail!("no input files");
    }
    Ok(inputs)
}

/// Splits the `-c` specs into coding configurations and segmenters: `entropy...`, `space`,
/// `fixed:n=N`, or any segmenter spec after `seg:` (`seg:subword`, `seg:equal-info:b=16`) is a
/// segmenter; everything else a configuration. No spec at all: the default configurations.
pub fn split_specs(specs: &[String]) -> Result<(Vec<Config>, Vec<SegmenterSpec>)> {
    let mut configs = Vec::new();
    let mut segs = Vec::new();
    for s in specs {
        let t = s.trim();
        let name = t.split(':').next().unwrap_or_default().to_ascii_lowercase();
        if let Some(rest) = t.strip_prefix("seg:") {
            segs.push(rest.parse::<SegmenterSpec>()?);
        } else if matches!(name.as_str(), "entropy" | "space" | "spacebyte" | "fixed") {
            segs.push(t.parse::<SegmenterSpec>()?);
        } else {
            configs.extend(parse_configs(std::slice::from_ref(s))?);
        }
    }
    if specs.is_empty() {
        configs = parse_configs(&[])?;
    }
    Ok((configs, segs))
}

fn segments_table(r: &SegmentReport) -> String {
    let mut s = format!(
        "{:<44} {:>9} {:>9} {:>7} {:>9} {:>7} {:>9} {:>7} {:>7} {:>7} {:>9}\n",
        "segmenter (all files)",
        "segments",
        "bytes/seg",
        "sd",
        "bits/seg",
        "sd",
        "alone",
        "sd",
        "in-char",
        "in-word",
        "stability"
    );
    for x in &r.summaries {
        s.push_str(&format!(
            "{:<44} {:>9} {:>9.3} {:>7.3} {:>9.3} {:>7.3} {:>9.3} {:>7.3} {:>7.3} {:>7.3} {:>9}\n",
            x.label,
            x.segments,
            x.bytes.mean,
            x.bytes.sd,
            x.bits.mean,
            x.bits.sd,
            x.bits_alone.mean,
            x.bits_alone.sd,
            x.inside_char_fraction,
            x.inside_word_fraction,
            x.stability
                .as_ref()
                .map_or("-".to_string(), |st| format!("{:.2}", st.mean_distance)),
        ));
    }
    s.push_str(
        "bits/seg: Σ −log2 q under M1 over the segment in M1's context over the example; alone: \
         the model reset at the segment's start; in-char / in-word: share of boundaries inside a \
         UTF-8 character / a word; stability: mean Levenshtein distance between the segment \
         sequences of the prefix-edit variants.\n",
    );
    s
}

/// Parses the configurations (the defaults when none is given).
pub fn parse_configs(specs: &[String]) -> Result<Vec<Config>> {
    let specs: Vec<String> = if specs.is_empty() {
        DEFAULT_CONFIGS.iter().map(|s| s.to_string()).collect()
    } else {
        specs.to_vec()
    };
    specs
        .iter()
        .map(|s| {
            if s.trim().is_empty() {
                bail!("an empty configuration in -c: give one like `equal-info:b=16:v=256`");
            }
            s.parse::<Config>().map_err(anyhow::Error::from)
        })
        .collect()
}

fn table(report: &BatchReport) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{:<34} {:>10} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}\n",
        "configuration (all files)",
        "tokens",
        "bytes/tok",
        "bits/B",
        "unif",
        "unigram",
        "KL(v)",
        "KL-CS(v)",
        "rand(v)",
        "KL nopad",
        "straddle",
        "free-dec"
    ));
    let opt = |v: Option<f64>, digits: usize| match v {
        Some(x) => format!("{x:.digits$}"),
        None => "-".into(),
    };
    let mut any_undersampled = false;
    for r in report.rows().iter().filter(|r| r.file == "ALL") {
        // Undersampled Miller–Madow figures carry a star (see the note under the table).
        let star = r.kl_tokens_undersampled == Some(true);
        any_undersampled |= star;
        let mark = |v: Option<f64>| match v {
            Some(x) if star => format!("{x:.4}*"),
            other => opt(other, 4),
        };
        s.push_str(&format!(
            "{:<34} {:>10} {:>9.3} {:>8.3} {:>8.3} {:>8.3} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}\n",
            r.config,
            r.tokens,
            r.bytes_per_token,
            r.bits_per_byte,
            r.uniform_bits_per_byte,
            r.unigram_heldout_bits_per_byte,
            mark(r.kl_mm_tokens),
            opt(r.kl_cs_tokens, 4),
            mark(r.kl_mm_random),
            opt(r.kl_mm_tokens_without_padding, 4),
            opt(r.straddle_fraction, 3),
            opt(r.free_decode_window_rate, 3),
        ));
    }
    s.push_str(
        "KL(v): KL(tokens || uniform) in bits, Miller-Madow: n - H - (2^n - 1)/(2 m ln 2) for m \
         n-bit tokens; rand(v): the same on random bits of the same lengths; KL-CS(v): n - the \
         Chao-Shen coverage-adjusted entropy; KL nopad: EqualInfo's code bits with the window \
         padding removed.\n",
    );
    if any_undersampled {
        s.push_str(
            "* fewer tokens than token values (m < 2^n): Miller-Madow over-corrects there (it can \
             go far below 0); read KL-CS(v), itself only an estimate from few samples.\n",
        );
    }
    for (ps, c) in report.prefix_stability.iter().zip(&report.configs) {
        if let Some(p) = ps {
            s.push_str(&format!(
                "prefix-edit stability {:<30} mean Levenshtein {:.2} over {} pairs\n",
                c.label(),
                p.mean_distance,
                p.pairs
            ));
        }
    }
    let (enc, st, fd) = report.times();
    let prefix: f64 = report
        .prefix_stability
        .iter()
        .flatten()
        .map(|p| p.seconds)
        .sum();
    // Everything that is neither compression, free decoding nor the prefix-edit experiment:
    // per-job statistics plus pooling and summaries (measured as the rest of the wall time).
    let other = (report.total_seconds - enc - fd - prefix).max(st);
    s.push_str(&format!(
        "time: compress {enc:.3} s, other statistics {other:.3} s ({:.1}% of compress; in-job \
         {st:.3} s), free decoding {fd:.3} s, prefix-edit stability {prefix:.3} s, total {:.3} s\n",
        if enc > 0.0 { 100.0 * other / enc } else { 0.0 },
        report.total_seconds
    ));
    for e in &report.errors {
        s.push_str(&format!(
            "error: {} [{}]: {}\n",
            e.file,
            report
                .configs
                .get(e.config_index)
                .map(Config::label)
                .unwrap_or_default(),
            e.message
        ));
    }
    s
}

/// Runs `eqinfo stats`.
pub fn run(args: StatsArgs) -> Result<()> {
    let (configs, segmenters) = split_specs(&args.configs)?;
    if args.csv && !configs.is_empty() && !segmenters.is_empty() {
        bail!(
            "--csv writes one table: give the coding configurations and the segmenters in two \
             runs (or use --json, which holds both)"
        );
    }
    super::output::check_writable(args.out.as_deref())?;
    if let Some(dir) = &args.plots {
        // The plots directory may be created, its parent must exist (a typo is not a tree).
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        if !dir.is_dir() && !parent.is_dir() {
            bail!(
                "cannot write plots into {}: the directory {} does not exist",
                dir.display(),
                parent.display()
            );
        }
        if dir.exists() && !dir.is_dir() {
            bail!(
                "cannot write plots into {}: it is not a directory",
                dir.display()
            );
        }
    }
    let shard_spec = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    let root = match (&args.root, shard_spec) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(_)) => Some(std::env::current_dir()?),
        (None, None) => None,
    };
    let inputs = collect_inputs(&args.files, root.as_deref())?;
    let texts: Vec<&[u8]> = inputs.iter().map(|i| i.data.as_slice()).collect();
    let mut model = args.model.open_fitted(Some(FitText {
        name: "the inputs",
        parts: &texts,
    }))?;
    let opts = BatchOptions {
        stats: StatsOptions {
            kl: !args.no_kl,
            kl_partitions: args.partitions,
            seed: args.seed,
            trace_sample_bytes: args.trace_sample,
            free_decode: !args.no_free_decode,
            ..StatsOptions::default()
        },
        prefix: (args.words > 0).then(|| PrefixOptions {
            words: stability::common_words(args.words),
            sentence: args.sentence.clone(),
        }),
    };
    let bar = super::progress::byte_bar(args.quiet);
    let on_progress = |p: &BatchProgress| {
        bar.set_length(p.bytes_total.max(1));
        bar.set_position(p.bytes_done);
        bar.set_message(format!(
            "file {}/{} · {}",
            (p.files_done + 1).min(p.files_total),
            p.files_total,
            p.current
        ));
    };
    let cancel = AtomicBool::new(false);
    if let (Some(spec), Some(out)) = (shard_spec, args.out.as_deref()) {
        if !segmenters.is_empty() {
            bail!("--shard runs the coding configurations only: give the segmenters in a run of their own");
        }
        // Resume: the same shard of the same run is already there.
        let want = shard::stats_manifest(&inputs, &configs, &*model, &opts, spec);
        if let Some(done) = std::fs::read(out)
            .ok()
            .and_then(|b| shard::read_stats_shard(&b, "").ok())
            .filter(|s| s.manifest == want)
        {
            if !args.quiet {
                eprintln!(
                    "{} already holds shard {spec} of this run ({} inputs): skipped",
                    out.display(),
                    done.report.files.len()
                );
            }
            return Ok(());
        }
        let s = shard::run_stats_shard(
            &inputs,
            &configs,
            &mut *model,
            &opts,
            spec,
            &on_progress,
            &cancel,
        )?;
        bar.finish_and_clear();
        super::output::write_output(Some(out), &serde_json::to_vec(&s)?)?;
        if !args.quiet {
            eprintln!(
                "shard {spec}: {} of {} inputs, {} jobs -> {}",
                s.report.files.len(),
                inputs.len(),
                s.report.results.len(),
                out.display()
            );
        }
        return Ok(());
    }
    let report = (!configs.is_empty())
        .then(|| batch::run_batch(&inputs, &configs, &mut *model, &opts, &on_progress, &cancel));
    let seg_report = if segmenters.is_empty() {
        None
    } else {
        bar.set_message("segmenters");
        let named: Vec<(&str, &[u8])> = inputs
            .iter()
            .map(|i| (i.name.as_str(), i.data.as_slice()))
            .collect();
        let seg_opts = SegmentBatchOptions {
            seg: SegmentOptions::default(),
            prefix: opts
                .prefix
                .as_ref()
                .map(|p| (p.words.clone(), p.sentence.clone())),
        };
        let run = RunOptions {
            cancel: Some(&cancel),
            ..Default::default()
        };
        Some(analyse_texts(
            &named,
            &segmenters,
            &mut *model,
            &seg_opts,
            &run,
        )?)
    };
    bar.finish_and_clear();
    emit(
        report.as_ref(),
        seg_report.as_ref(),
        args.json,
        args.csv,
        args.out.as_deref(),
        args.plots.as_deref(),
        args.quiet,
    )
}

/// Runs `eqinfo merge`.
pub fn merge(args: MergeArgs) -> Result<()> {
    super::output::check_writable(args.out.as_deref())?;
    let shards = args
        .shards
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| eqinfo::Error::io(p, e))?;
            shard::read_stats_shard(&bytes, &p.display().to_string())
        })
        .collect::<eqinfo::Result<Vec<_>>>()?;
    let report = shard::merge_stats_shards(&shards)?;
    emit(
        Some(&report),
        None,
        args.json,
        args.csv,
        args.out.as_deref(),
        args.plots.as_deref(),
        false,
    )
}

/// Writes the reports as the table, JSON or CSV, and the plots.
fn emit(
    report: Option<&BatchReport>,
    seg_report: Option<&SegmentReport>,
    json: bool,
    csv: bool,
    out: Option<&std::path::Path>,
    plots: Option<&std::path::Path>,
    quiet: bool,
) -> Result<()> {
    let text = match (report, seg_report) {
        (Some(r), None) if json => export::batch_json(r)?,
        (Some(r), Some(s)) if json => export::batch_json_with_segments(r, s)?,
        (None, Some(s)) if json => export::segments_json(s)?,
        (Some(r), _) if csv => export::batch_csv(r)?,
        (None, Some(s)) if csv => export::segments_csv(s)?,
        (r, s) => {
            let mut t = r.map(table).unwrap_or_default();
            if let Some(s) = s {
                t.push_str(&segments_table(s));
            }
            t
        }
    };
    super::output::write_output(out, text.as_bytes())?;
    if let Some(dir) = plots {
        let mut written = Vec::new();
        if let Some(r) = report {
            written.extend(export::write_batch_plots(r, dir)?);
        }
        if let Some(s) = seg_report {
            written.extend(export::write_segment_plots(s, dir)?);
        }
        if !quiet {
            eprintln!("wrote {} plot files into {}", written.len(), dir.display());
        }
    }
    if let Some(report) = report {
        if !report.errors.is_empty() && report.results.is_empty() {
            bail!("every job failed: {}", report.errors[0].message);
        }
    }
    Ok(())
}
