//! Many inputs × many configurations: find the input files ([`discover_inputs`], one rule for
//! folders in the CLI and the GUI), compress each pair, measure the statistics of
//! [`crate::stats`], pool them per configuration, and (optionally) run the prefix-edit
//! stability experiment per configuration. Shared by `eqinfo stats` and the GUI's batch tab.
//!
//! Jobs run on the caller's thread with the caller's model, inputs in groups of up to
//! [`GROUP_BYTES`]: in a group, the configurations that need no model lanes run job by job,
//! input-major, then the examples of every input under every configuration that codes with the
//! model share one stream of the model's lanes ([`crate::stats::packed`]); each job is
//! reported as it finishes ([`run_batch_streaming`]), and the report lists them input-major
//! whatever order they finished in. A progress callback hears after coding steps and every
//! job; a cancel flag is checked between steps. On cancel the run stops promptly and the
//! report keeps every job finished so far (`cancelled` is set). A job that fails (for example a
//! window too small for the model) is recorded in `errors` and the run goes on.

use crate::error::{Error, Result};
use crate::method::{Config, RunOptions};
use crate::model::ByteModel;
use crate::stats::packed::{analyze_packed, packs};
use crate::stats::stability::{prefix_stability, PrefixStability};
use crate::stats::{analyze, ConfigStats, StatsAccumulator, StatsOptions, SummaryRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// Bytes coded so far: input bytes over all jobs (a byte counts once per configuration),
    /// then the prefix-edit variants' bytes of each finished prefix-edit step.
    pub bytes_done: u64,
    /// Input bytes × configurations, plus the prefix-edit variants' bytes × configurations when
    /// the batch has that step (it runs after the jobs and codes every variant alone), so the
    /// fraction done reaches 1 only at the end.
    pub bytes_total: u64,
    /// Configurations whose prefix-edit stability step is done (the step runs after every
    /// job; 0 of 0 when the batch has none).
    #[serde(default)]
    pub prefix_done: usize,
    /// Configurations with a prefix-edit stability step (0 when skipped).
    #[serde(default)]
    pub prefix_total: usize,
    /// Bytes done in the current job and its size.
    pub job_bytes_done: u64,
    /// Size of the current job's input.
    pub job_bytes_total: u64,
    /// What runs now.
    pub current: String,
    /// Seconds since the start.
    pub elapsed_seconds: f64,
}

impl BatchProgress {
    /// Fraction of the batch done, 0..=1, by bytes coded (the prefix-edit step included).
    pub fn fraction(&self) -> f64 {
        if self.bytes_total > 0 {
            (self.bytes_done as f64 / self.bytes_total as f64).clamp(0.0, 1.0)
        } else if self.jobs_total + self.prefix_total > 0 {
            (self.jobs_done + self.prefix_done) as f64
                / (self.jobs_total + self.prefix_total) as f64
        } else {
            0.0
        }
    }
}

/// The prefix-edit experiment's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixOptions {
    /// Words prepended.
    pub words: Vec<String>,
    /// The sentence.
    pub sentence: String,
}

impl PrefixOptions {
    /// Bytes of the variants one configuration codes: each word, a space and the sentence.
    pub fn variant_bytes(&self) -> u64 {
        self.words
            .iter()
            .map(|w| (w.len() + 1 + self.sentence.len()) as u64)
            .sum()
    }
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
    run_batch_pooled(inputs, configs, model, opts, progress, cancel).0
}

/// [`run_batch`], also returning each configuration's pooled accumulator (the sufficient
/// statistics a sharded run saves, see [`crate::shard`]).
pub fn run_batch_pooled(
    inputs: &[BatchInput],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &BatchOptions,
    progress: &(dyn Fn(&BatchProgress) + Sync),
    cancel: &AtomicBool,
) -> (BatchReport, Vec<Option<StatsAccumulator>>) {
    run_batch_streaming(
        inputs,
        configs,
        model,
        opts,
        progress,
        &mut |_, _| {},
        cancel,
    )
}

/// Inputs packed into one lane stream at most (a group of inputs ends when the next would pass
/// it; one input larger than it is a group alone). It bounds what a group keeps until its end
/// (the bits of the encodings being free-decoded); the lanes drain once per group.
pub const GROUP_BYTES: usize = 8 << 20;

/// Pools per configuration in input order, whatever order the jobs finish in.
struct Pooler {
    next: Vec<usize>,
    waiting: Vec<BTreeMap<usize, Option<StatsAccumulator>>>,
    pooled: Vec<Option<StatsAccumulator>>,
}

impl Pooler {
    fn new(configs: usize) -> Self {
        Pooler {
            next: vec![0; configs],
            waiting: vec![BTreeMap::new(); configs],
            pooled: vec![None; configs],
        }
    }

    fn merge(slot: &mut Option<StatsAccumulator>, acc: StatsAccumulator) {
        match slot {
            Some(all) => all.merge(&acc),
            slot => *slot = Some(acc),
        }
    }

    /// Input `input`'s job of configuration `ci` ended (None: it failed).
    fn add(&mut self, input: usize, ci: usize, acc: Option<StatsAccumulator>) {
        self.waiting[ci].insert(input, acc);
        while let Some(a) = self.waiting[ci].remove(&self.next[ci]) {
            self.next[ci] += 1;
            if let Some(a) = a {
                Self::merge(&mut self.pooled[ci], a);
            }
        }
    }

    /// Everything, the jobs after a gap (a cancelled run) included, in input order.
    fn finish(mut self) -> Vec<Option<StatsAccumulator>> {
        for (ci, waiting) in self.waiting.iter_mut().enumerate() {
            for (_, a) in std::mem::take(waiting) {
                if let Some(a) = a {
                    Self::merge(&mut self.pooled[ci], a);
                }
            }
        }
        self.pooled
    }
}

/// [`run_batch_pooled`], also calling `on_result` with every job as it finishes (and its
/// accumulator, for running summaries): the Batch tab fills its table and plots from it while
/// the batch runs.
///
/// Scheduling: inputs in groups of at most [`GROUP_BYTES`]; in a group, the configurations that
/// need no model lanes (Bytes, GZip, Subword, StaticAC) run job by job, input-major, then every
/// example of every input under every configuration that codes with the model is packed into
/// one stream of the model's lanes ([`crate::stats::packed`]). The report is the same for any
/// packing: jobs are listed in input-major order, and pooled in input order per configuration.
#[allow(clippy::type_complexity)]
pub fn run_batch_streaming(
    inputs: &[BatchInput],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &BatchOptions,
    progress: &(dyn Fn(&BatchProgress) + Sync),
    on_result: &mut dyn FnMut(&JobResult, &StatsAccumulator),
    cancel: &AtomicBool,
) -> (BatchReport, Vec<Option<StatsAccumulator>>) {
    let t0 = Instant::now();
    let mut report = BatchReport {
        configs: configs.to_vec(),
        files: inputs.iter().map(|i| i.name.clone()).collect(),
        ..Default::default()
    };
    let file_bytes: u64 = inputs.iter().map(|i| i.data.len() as u64).sum();
    let prefix_bytes = opts.prefix.as_ref().map_or(0, PrefixOptions::variant_bytes);
    let p = std::sync::Mutex::new(BatchProgress {
        files_total: inputs.len(),
        jobs_total: inputs.len() * configs.len(),
        prefix_total: if opts.prefix.is_some() {
            configs.len()
        } else {
            0
        },
        bytes_total: (file_bytes + prefix_bytes) * configs.len() as u64,
        ..Default::default()
    });
    let snapshot = |f: &mut dyn FnMut(&mut BatchProgress)| {
        let q = {
            let mut g = p.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut g);
            g.elapsed_seconds = t0.elapsed().as_secs_f64();
            g.clone()
        };
        progress(&q);
    };
    snapshot(&mut |_| {});
    let mut pooler = Pooler::new(configs.len());
    // Finished jobs with their (input, configuration), and failed ones.
    let mut results: Vec<((usize, usize), JobResult)> = Vec::new();
    let mut errors: Vec<((usize, usize), JobError)> = Vec::new();
    let mut configs_left = vec![configs.len(); inputs.len()];
    let packed_configs = configs.iter().filter(|c| packs(c)).count();
    let mut start = 0usize;
    'groups: while start < inputs.len() {
        let mut end = start + 1;
        let mut bytes = inputs[start].data.len();
        while end < inputs.len() && bytes + inputs[end].data.len() <= GROUP_BYTES {
            bytes += inputs[end].data.len();
            end += 1;
        }
        let group = &inputs[start..end];
        // One job ended: record it, pool it, count it.
        let mut record = |ii: usize,
                          ci: usize,
                          res: Result<StatsAccumulator>,
                          coded: u64,
                          results: &mut Vec<((usize, usize), JobResult)>,
                          errors: &mut Vec<((usize, usize), JobError)>| {
            match res {
                Ok(acc) => {
                    let r = JobResult {
                        file: inputs[ii].name.clone(),
                        config_index: ci,
                        stats: acc.finish(),
                    };
                    on_result(&r, &acc);
                    results.push(((ii, ci), r));
                    pooler.add(ii, ci, Some(acc));
                }
                Err(e) => {
                    errors.push((
                        (ii, ci),
                        JobError {
                            file: inputs[ii].name.clone(),
                            config_index: ci,
                            message: e.to_string(),
                        },
                    ));
                    pooler.add(ii, ci, None);
                }
            }
            configs_left[ii] -= 1;
            let file_done = configs_left[ii] == 0;
            snapshot(&mut |g| {
                g.jobs_done += 1;
                g.bytes_done += coded;
                if file_done {
                    g.files_done += 1;
                }
            });
        };
        for (gi, input) in group.iter().enumerate() {
            let ii = start + gi;
            for (ci, config) in configs.iter().enumerate().filter(|(_, c)| !packs(c)) {
                if cancel.load(Ordering::Relaxed) {
                    report.cancelled = true;
                    break 'groups;
                }
                let base = {
                    let mut g = p.lock().unwrap_or_else(|e| e.into_inner());
                    g.current = format!("{} · {}", input.name, config.label());
                    g.job_bytes_done = 0;
                    g.job_bytes_total = input.data.len() as u64;
                    g.clone()
                };
                progress(&base);
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
                    Err(Error::Cancelled) => {
                        report.cancelled = true;
                        break 'groups;
                    }
                    res => record(
                        ii,
                        ci,
                        res,
                        input.data.len() as u64,
                        &mut results,
                        &mut errors,
                    ),
                }
            }
        }
        if packed_configs > 0 {
            let texts: Vec<&[u8]> = group.iter().map(|i| i.data.as_slice()).collect();
            let group_bytes = (bytes * packed_configs) as u64;
            snapshot(&mut |g| {
                g.current = format!(
                    "{} input{} × {} configuration{}, packed on {} model lanes",
                    group.len(),
                    if group.len() == 1 { "" } else { "s" },
                    packed_configs,
                    if packed_configs == 1 { "" } else { "s" },
                    model.preferred_lanes().max(1)
                );
                g.job_bytes_done = 0;
                g.job_bytes_total = group_bytes;
            });
            // Bytes done in the packed stream: the larger of the input bytes coded (finished
            // examples) and of the finished jobs' bytes, so that it never goes back.
            let level = std::sync::Mutex::new((0u64, 0u64));
            let bump = |coded: Option<u64>, finished: u64| -> u64 {
                let mut l = level.lock().unwrap_or_else(|e| e.into_inner());
                let before = l.0.max(l.1);
                if let Some(c) = coded {
                    l.0 = l.0.max(c);
                }
                l.1 += finished;
                l.0.max(l.1) - before
            };
            let on_step = |done: usize, _total: usize| {
                let d = bump(Some(done as u64), 0);
                snapshot(&mut |g| {
                    g.bytes_done += d;
                    g.job_bytes_done = done as u64;
                });
            };
            let run = RunOptions {
                trace: false,
                cancel: Some(cancel),
                progress: Some(&on_step),
            };
            let mut heard = std::collections::HashSet::new();
            let outcome = analyze_packed(
                &texts,
                configs,
                model,
                &opts.stats,
                &run,
                &mut |gi, ci, res| {
                    heard.insert((gi, ci));
                    let d = bump(None, texts[gi].len() as u64);
                    record(start + gi, ci, res, d, &mut results, &mut errors);
                },
            );
            match outcome {
                Ok(()) => {}
                Err(Error::Cancelled) => {
                    report.cancelled = true;
                    break 'groups;
                }
                Err(e) => {
                    // The stream failed as a whole: every packed job not yet heard of fails
                    // with it.
                    for (gi, text) in texts.iter().enumerate() {
                        for (ci, _) in configs.iter().enumerate().filter(|(_, c)| packs(c)) {
                            if !heard.contains(&(gi, ci)) {
                                let d = bump(None, text.len() as u64);
                                record(
                                    start + gi,
                                    ci,
                                    Err(Error::Model(e.to_string())),
                                    d,
                                    &mut results,
                                    &mut errors,
                                );
                            }
                        }
                    }
                }
            }
        }
        start = end;
    }
    results.sort_by_key(|(k, _)| *k);
    errors.sort_by_key(|(k, _)| *k);
    report.results = results.into_iter().map(|(_, r)| r).collect();
    report.errors = errors.into_iter().map(|(_, e)| e).collect();
    let pooled = pooler.finish();
    let mut p = p.into_inner().unwrap_or_else(|e| e.into_inner());
    report.summaries = pooled
        .iter()
        .map(|a| a.as_ref().map(|a| a.finish()))
        .collect();
    report.prefix_stability = vec![None; configs.len()];
    if let Some(prefix) = opts.prefix.as_ref().filter(|_| !report.cancelled) {
        for (ci, config) in configs.iter().enumerate() {
            p.current = format!(
                "prefix-edit stability {} of {} · {}",
                ci + 1,
                configs.len(),
                config.label()
            );
            p.job_bytes_done = 0;
            p.job_bytes_total = prefix_bytes;
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
            p.prefix_done += 1;
            p.bytes_done += prefix_bytes;
            p.job_bytes_done = prefix_bytes;
            p.elapsed_seconds = t0.elapsed().as_secs_f64();
            progress(&p);
        }
    }
    report.total_seconds = t0.elapsed().as_secs_f64();
    (report, pooled)
}

/// Most files one folder given to [`discover_inputs`] adds (a guard against adding a whole disk
/// by mistake); the walk stops there and says so.
pub const MAX_FOLDER_FILES: usize = 10_000;

/// Deepest folder level [`discover_inputs`] descends to below a folder it was given.
pub const MAX_FOLDER_DEPTH: usize = 16;

/// The files a list of paths names, and what could not be used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// The files, in input order (see [`discover_inputs`]), each once.
    pub files: Vec<PathBuf>,
    /// One message per path or folder entry that was skipped (missing, unreadable, not a regular
    /// file, a folder cut short).
    pub problems: Vec<String>,
}

/// The input files named by `paths`, by the one rule of `eqinfo stats` and the GUI's Batch tab:
/// inputs in the order given; a file stands for itself; a folder for its regular files,
/// recursively (at most [`MAX_FOLDER_DEPTH`] levels and [`MAX_FOLDER_FILES`] files), in sorted
/// path order, skipping hidden entries (names starting with `.`) and not following symbolic
/// links to folders; a file named twice is kept once, where it first appears. Nothing named is
/// read here, only listed.
pub fn discover_inputs(paths: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                walk(p, &mut found, &mut out.problems, 0);
                found.sort();
                out.files.extend(found);
            }
            Ok(m) if m.is_file() => out.files.push(p.clone()),
            Ok(_) => out
                .problems
                .push(format!("{}: not a regular file", p.display())),
            Err(e) => out.problems.push(format!("{}: {e}", p.display())),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.files.retain(|f| seen.insert(f.clone()));
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<String>, depth: usize) {
    if depth > MAX_FOLDER_DEPTH {
        problems.push(format!(
            "{}: deeper than {MAX_FOLDER_DEPTH} folders, skipped",
            dir.display()
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut items: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    items.sort();
    for p in items {
        if out.len() >= MAX_FOLDER_FILES {
            problems.push(format!(
                "{}: stopped at {MAX_FOLDER_FILES} files",
                dir.display()
            ));
            return;
        }
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        let Ok(link) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if link.is_dir() {
            walk(&p, out, problems, depth + 1);
        } else if link.is_file() || std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            // A regular file, or a symbolic link to one.
            out.push(p);
        }
    }
}
