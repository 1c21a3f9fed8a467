//! Many inputs × many configurations: compress each pair, measure the statistics of
//! [`crate::stats`], pool them per configuration, and (optionally) run the prefix-edit
//! stability experiment per configuration. Shared by `eqinfo stats` and the GUI's batch tab.
//!
//! Jobs run input-major (all configurations of input 1, then input 2, ...), one at a time on the
//! caller's thread with the caller's model. A progress callback hears after every coding step
//! and job; a cancel flag is checked between steps. On cancel the run stops promptly and the
//! report keeps every job finished so far (`cancelled` is set). A job that fails (for example a
//! window too small for the model) is recorded in `errors` and the run goes on.

use crate::error::{Error, Result};
use crate::method::{Config, RunOptions};
use crate::model::ByteModel;
use crate::stats::stability::{prefix_stability, PrefixStability};
use crate::stats::{analyze, ConfigStats, StatsAccumulator, StatsOptions, SummaryRow};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// One input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchInput {
    /// Its name in reports (usually the path).
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl BatchInput {
    /// Reads a file.
    pub fn read(path: &Path) -> Result<Self> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Ok(BatchInput {
            name: path.display().to_string(),
            data,
        })
    }
}

/// Where a batch stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// Inputs all of whose configurations are done.
    pub files_done: usize,
    /// Inputs.
    pub files_total: usize,
    /// (input, configuration) jobs done.
    pub jobs_done: usize,
    /// Jobs in all.
    pub jobs_total: usize,
    /// Input bytes compressed so far, over all jobs (a byte counts once per configuration).
    pub bytes_done: u64,
    /// Input bytes × configurations.
    pub bytes_total: u64,
    /// Bytes done in the current job and its size.
    pub job_bytes_done: u64,
    /// Size of the current job's input.
    pub job_bytes_total: u64,
    /// What runs now.
    pub current: String,
    /// Seconds since the start.
    pub elapsed_seconds: f64,
}

/// The prefix-edit experiment's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixOptions {
    /// Words prepended.
    pub words: Vec<String>,
    /// The sentence.
    pub sentence: String,
}

impl Default for PrefixOptions {
    fn default() -> Self {
        PrefixOptions {
            words: crate::stats::stability::common_words(500),
            sentence: crate::stats::stability::DEFAULT_SENTENCE.to_string(),
        }
    }
}

/// What a batch measures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchOptions {
    /// Statistics per job.
    pub stats: StatsOptions,
    /// Prefix-edit stability per configuration (None: skipped).
    pub prefix: Option<PrefixOptions>,
}

/// One finished job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    /// The input's name.
    pub file: String,
    /// Index into [`BatchReport::configs`].
    pub config_index: usize,
    /// Its statistics.
    pub stats: ConfigStats,
}

/// One failed job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobError {
    /// The input's name ("" for a per-configuration step).
    pub file: String,
    /// Index into [`BatchReport::configs`].
    pub config_index: usize,
    /// The error, for a person.
    pub message: String,
}

/// A batch's results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    /// The configurations, in order.
    pub configs: Vec<Config>,
    /// The inputs' names, in order.
    pub files: Vec<String>,
    /// Finished jobs, in the order run.
    pub results: Vec<JobResult>,
    /// Per configuration: the statistics pooled over its finished jobs (None when none finished).
    pub summaries: Vec<Option<ConfigStats>>,
    /// Per configuration: prefix-edit stability (None when skipped, failed or cancelled).
    pub prefix_stability: Vec<Option<PrefixStability>>,
    /// Failed jobs.
    pub errors: Vec<JobError>,
    /// True when cancelled before the end.
    pub cancelled: bool,
    /// Wall seconds of the whole batch.
    pub total_seconds: f64,
}

impl BatchReport {
    /// Flat rows: one per finished job, then one `ALL` row per configuration.
    pub fn rows(&self) -> Vec<SummaryRow> {
        let mut rows: Vec<SummaryRow> = self
            .results
            .iter()
            .map(|r| SummaryRow::new(&r.file, &r.stats))
            .collect();
        rows.extend(
            self.summaries
                .iter()
                .flatten()
                .map(|s| SummaryRow::new("ALL", s)),
        );
        rows
    }

    /// Seconds compressing, on other statistics, and on free decoding, over all jobs.
    pub fn times(&self) -> (f64, f64, f64) {
        self.results.iter().fold((0.0, 0.0, 0.0), |a, r| {
            (
                a.0 + r.stats.encode_seconds,
                a.1 + r.stats.stats_seconds,
                a.2 + r.stats.free_decode_seconds,
            )
        })
    }
}

/// Runs every configuration on every input with `model`. Never fails as a whole: job errors
/// are recorded, cancel keeps what finished.
pub fn run_batch(
    inputs: &[BatchInput],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &BatchOptions,
    progress: &(dyn Fn(&BatchProgress) + Sync),
    cancel: &AtomicBool,
) -> BatchReport {
    let t0 = Instant::now();
    let mut report = BatchReport {
        configs: configs.to_vec(),
        files: inputs.iter().map(|i| i.name.clone()).collect(),
        ..Default::default()
    };
    let mut pooled: Vec<Option<StatsAccumulator>> = vec![None; configs.len()];
    let file_bytes: u64 = inputs.iter().map(|i| i.data.len() as u64).sum();
    let mut p = BatchProgress {
        files_total: inputs.len(),
        jobs_total: inputs.len() * configs.len(),
        bytes_total: file_bytes * configs.len() as u64,
        ..Default::default()
    };
    progress(&p);
    'outer: for input in inputs {
        for (ci, config) in configs.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break 'outer;
            }
            p.current = format!("{} · {}", input.name, config.label());
            p.job_bytes_done = 0;
            p.job_bytes_total = input.data.len() as u64;
            p.elapsed_seconds = t0.elapsed().as_secs_f64();
            progress(&p);
            let base = p.clone();
            let on_step = |done: usize, _total: usize| {
                let mut q = base.clone();
                q.job_bytes_done = done as u64;
                q.bytes_done += done as u64;
                q.elapsed_seconds = t0.elapsed().as_secs_f64();
                progress(&q);
            };
            let run = RunOptions {
                trace: false,
                cancel: Some(cancel),
                progress: Some(&on_step),
            };
            match analyze(&input.data, config, model, &opts.stats, &run) {
                Ok(acc) => {
                    report.results.push(JobResult {
                        file: input.name.clone(),
                        config_index: ci,
                        stats: acc.finish(),
                    });
                    match &mut pooled[ci] {
                        Some(all) => all.merge(&acc),
                        slot => *slot = Some(acc),
                    }
                }
                Err(Error::Cancelled) => {
                    report.cancelled = true;
                    break 'outer;
                }
                Err(e) => report.errors.push(JobError {
                    file: input.name.clone(),
                    config_index: ci,
                    message: e.to_string(),
                }),
            }
            p.jobs_done += 1;
            p.bytes_done += input.data.len() as u64;
            p.job_bytes_done = p.job_bytes_total;
        }
        p.files_done += 1;
        p.elapsed_seconds = t0.elapsed().as_secs_f64();
        progress(&p);
    }
    report.summaries = pooled
        .iter()
        .map(|a| a.as_ref().map(|a| a.finish()))
        .collect();
    report.prefix_stability = vec![None; configs.len()];
    if let Some(prefix) = opts.prefix.as_ref().filter(|_| !report.cancelled) {
        for (ci, config) in configs.iter().enumerate() {
            p.current = format!("prefix-edit stability · {}", config.label());
            p.elapsed_seconds = t0.elapsed().as_secs_f64();
            progress(&p);
            match prefix_stability(config, model, &prefix.words, &prefix.sentence, Some(cancel)) {
                Ok(s) => report.prefix_stability[ci] = Some(s),
                Err(Error::Cancelled) => {
                    report.cancelled = true;
                    break;
                }
                Err(e) => report.errors.push(JobError {
                    file: String::new(),
                    config_index: ci,
                    message: format!("prefix-edit stability: {e}"),
                }),
            }
        }
    }
    report.total_seconds = t0.elapsed().as_secs_f64();
    report
}

/// Parses a configuration written like `equal-info:b=16:v=65536`, `ac:v=256`, `gzip`, `bytes`,
/// `static-ac:bits=8`, `subword`. Keys: `b` (window bits), `v` (vocabulary size, a power of two:
/// `v=256`, `v=65536`, also `v=65k`) or `bits` (token bits, 1..=16), `p` (precision β), `ex` (example bytes, 0 = whole input), `delay`, `reset`
/// (reset every n windows). Unset keys keep [`Config::default`] values, except the token size,
/// which defaults to 8 bits (v = 256) for Bytes and to 15 bits (v = 32768, the shipped
/// tokenizer's ids) for Subword.
pub fn parse_config(spec: &str) -> Result<Config> {
    let mut parts = spec.trim().split(':');
    let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let method = match name.as_str() {
        "equal-info" | "equalinfo" | "eq" | "equal-info-ac" => crate::method::MethodKind::EqualInfo,
        other => crate::method::MethodKind::from_cli_name(other).ok_or_else(|| {
            Error::BadParams(format!(
                "unknown method '{other}' in '{spec}' (use bytes, gzip, static-ac, ac, equal-info, subword)"
            ))
        })?,
    };
    let mut c = Config::new(method);
    if method == crate::method::MethodKind::Bytes {
        c.token_bits = 8;
    }
    let mut seen: Vec<&str> = Vec::new();
    for kv in parts {
        let kv = kv.trim();
        if kv.is_empty() {
            continue;
        }
        // `v` and `bits` both set the token size.
        let key = match kv.split_once('=').map_or(kv, |(k, _)| k.trim()) {
            "bits" => "v",
            k => k,
        };
        if seen.contains(&key) {
            return Err(Error::BadParams(format!(
                "'{key}' is given twice in '{spec}' (the token size once, as v or bits)"
            )));
        }
        seen.push(key);
        if kv == "delay" {
            c.delay = true;
            continue;
        }
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::BadParams(format!("'{kv}' in '{spec}' is not key=value")))?;
        let v = match v.trim() {
            "65k" | "64k" => "65536",
            other => other,
        };
        let num: u64 = v
            .parse()
            .map_err(|_| Error::BadParams(format!("'{v}' in '{spec}' is not a whole number")))?;
        let small = |n: u64| -> Result<u32> {
            u32::try_from(n).map_err(|_| Error::BadParams(format!("{n} is too large in '{spec}'")))
        };
        match k.trim() {
            "b" => c.window_bits = small(num)?,
            "v" => {
                if !num.is_power_of_two() {
                    return Err(Error::BadParams(format!(
                        "v = {num} in '{spec}' is not a power of two"
                    )));
                }
                c.token_bits = num.trailing_zeros();
            }
            "bits" => c.token_bits = small(num)?,
            "p" => c.precision = small(num)?,
            "ex" => {
                c.example_bytes = usize::try_from(num)
                    .map_err(|_| Error::BadParams(format!("{num} is too large in '{spec}'")))?
            }
            "reset" => c.reset_every = small(num)?,
            "delay" => c.delay = num != 0,
            other => {
                return Err(Error::BadParams(format!(
                    "unknown key '{other}' in '{spec}' (use b, v, bits, p, ex, delay, reset)"
                )))
            }
        }
    }
    c.validate()?;
    Ok(c)
}
