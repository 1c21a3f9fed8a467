//! The batch's background work: read the files, open the byte model the settings choose, and run
//! [`crate::batch::run_batch_streaming`] with progress, cancel and every finished job (the
//! running report the table fills in from) through the task's handle. No egui here.

use crate::app::batch::eta::EtaSmoother;
use crate::app::state::BatchSettings;
use crate::app::tasks::TaskHandle;
use crate::batch::{
    run_batch_streaming, BatchInput, BatchOptions, BatchProgress, BatchReport, JobResult,
    PrefixOptions,
};
use crate::method::Config;
use crate::model::open::FitText;
use crate::model::ByteModel;
use crate::stats::{StatsAccumulator, StatsOptions};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a running batch shares with the UI.
#[derive(Debug, Clone, Default)]
pub struct RunProgress {
    /// The library's progress, once compression started.
    pub progress: Option<BatchProgress>,
    /// Index in the file list of each input that was read (unreadable files are skipped).
    pub inputs: Vec<usize>,
    /// What runs before compression ("reading …", "opening the model").
    pub phase: String,
    /// Remaining seconds (smoothed; None before any work is done) and when they were
    /// estimated (shown counted down, [`crate::app::batch::eta::counted_down`]).
    pub eta_seconds: Option<(f64, std::time::Instant)>,
    /// The smoother behind `eta_seconds`.
    pub eta: EtaSmoother,
    /// The jobs finished so far, as a report (per-file rows in the order they finished, and the
    /// running pooled summaries): the table and plots fill in from it while the batch runs.
    pub partial: Option<BatchReport>,
    /// Bumped at every change of `partial` (the UI rebuilds its table only then).
    pub partial_version: u64,
}

/// Least time between two recomputations of the running pooled summaries of a configuration
/// (each pools every finished job; the final report pools them once more in input order).
const SUMMARY_EVERY: Duration = Duration::from_millis(300);

/// The running report of a batch: each finished job is added as it arrives.
struct Partial {
    report: BatchReport,
    pooled: Vec<Option<StatsAccumulator>>,
    dirty: Vec<bool>,
    last_summary: Option<Instant>,
}

impl Partial {
    fn new(configs: &[Config], files: Vec<String>) -> Self {
        Partial {
            report: BatchReport {
                configs: configs.to_vec(),
                files,
                summaries: vec![None; configs.len()],
                prefix_stability: vec![None; configs.len()],
                ..Default::default()
            },
            pooled: vec![None; configs.len()],
            dirty: vec![false; configs.len()],
            last_summary: None,
        }
    }

    fn add(&mut self, r: &JobResult, acc: &StatsAccumulator) {
        let ci = r.config_index;
        self.report.results.push(r.clone());
        if let Some(slot) = self.pooled.get_mut(ci) {
            match slot {
                Some(all) => all.merge(acc),
                slot => *slot = Some(acc.clone()),
            }
            self.dirty[ci] = true;
        }
        let due = self
            .last_summary
            .is_none_or(|t| t.elapsed() >= SUMMARY_EVERY);
        if due {
            for (ci, d) in self.dirty.iter_mut().enumerate() {
                if std::mem::take(d) {
                    self.report.summaries[ci] = self.pooled[ci].as_ref().map(|a| a.finish());
                }
            }
            self.last_summary = Some(Instant::now());
        }
    }
}

/// How a batch ended.
pub enum RunOutcome {
    /// With a report (complete or cancelled).
    Done {
        /// The report.
        report: BatchReport,
        /// Files that could not be read.
        read_errors: Vec<String>,
        /// The model's name.
        model: String,
    },
    /// Without one (the model did not open).
    Failed(String),
}

/// Everything a batch run needs, taken from the settings when it starts.
pub struct RunJob {
    /// The files, in order.
    pub paths: Vec<PathBuf>,
    /// The configurations.
    pub configs: Vec<Config>,
    /// The Batch tab's settings.
    pub settings: BatchSettings,
    /// The app's model path (for "the app's model").
    pub app_model: Option<String>,
    /// The device.
    pub device: String,
    /// CPU threads for M1 (0 = every core).
    pub threads: usize,
}

impl RunJob {
    /// What the batch measures, from the settings.
    pub fn options(&self) -> BatchOptions {
        let b = &self.settings;
        BatchOptions {
            stats: StatsOptions {
                kl: b.kl,
                free_decode: b.free_decode,
                ..StatsOptions::default()
            },
            prefix: (b.prefix_words > 0).then(|| PrefixOptions {
                words: crate::stats::stability::common_words(b.prefix_words),
                ..PrefixOptions::default()
            }),
        }
    }
}

/// Opens the byte model the batch settings choose; `fit` is the text a unigram is fitted on
/// (and the missing sample's fallback). Returns the model and its name, or the error in words.
pub fn open_model(
    settings: &BatchSettings,
    app_model: Option<&str>,
    device: &str,
    threads: usize,
    fit: FitText<'_>,
) -> Result<(Box<dyn ByteModel>, String), String> {
    let spec = settings.model_spec(app_model)?;
    let mut m = spec.open(device, Some(fit)).map_err(|e| e.to_string())?;
    m.model.set_threads(crate::model::thread_count(threads));
    let name = match m.note {
        Some(n) => format!("{} ({n})", m.name),
        None => m.name,
    };
    Ok((m.model, name))
}

/// The batch thread's body.
pub fn run(job: &RunJob, h: &TaskHandle<RunProgress, RunOutcome>) -> RunOutcome {
    let set_phase = |s: String| h.update(|p| p.phase = s);
    let mut inputs = Vec::with_capacity(job.paths.len());
    let mut read_errors = Vec::new();
    for (i, p) in job.paths.iter().enumerate() {
        if h.is_cancelled() {
            break;
        }
        set_phase(format!(
            "reading {} ({}/{})",
            p.display(),
            i + 1,
            job.paths.len()
        ));
        match BatchInput::read(p) {
            Ok(input) => {
                inputs.push(input);
                h.update(|g| g.inputs.push(i));
            }
            Err(e) => read_errors.push(e.to_string()),
        }
    }
    set_phase("opening the model".into());
    let texts: Vec<&[u8]> = inputs.iter().map(|i| i.data.as_slice()).collect();
    let fit = FitText {
        name: "the inputs",
        parts: &texts,
    };
    let (mut model, model_name) = match open_model(
        &job.settings,
        job.app_model.as_deref(),
        &job.device,
        job.threads,
        fit,
    ) {
        Ok(m) => m,
        Err(e) => return RunOutcome::Failed(format!("cannot open the model: {e}")),
    };
    set_phase("compressing".into());
    let on_progress = |p: &BatchProgress| {
        h.update(|g| {
            g.eta_seconds = g
                .eta
                .update(p.elapsed_seconds, p.fraction())
                .map(|s| (s, std::time::Instant::now()));
            g.progress = Some(p.clone());
        })
    };
    let mut partial = Partial::new(
        &job.configs,
        inputs.iter().map(|i| i.name.clone()).collect(),
    );
    let mut published: Option<Instant> = None;
    let mut on_result = |r: &JobResult, acc: &StatsAccumulator| {
        partial.add(r, acc);
        // The first job at once, then at most every SUMMARY_EVERY (each copy is the whole
        // running report).
        if published.is_some_and(|t| t.elapsed() < SUMMARY_EVERY) {
            return;
        }
        published = Some(Instant::now());
        let snapshot = partial.report.clone();
        h.update(|g| {
            g.partial = Some(snapshot);
            g.partial_version += 1;
        });
    };
    let (report, _) = run_batch_streaming(
        &inputs,
        &job.configs,
        model.as_mut(),
        &job.options(),
        &on_progress,
        &mut on_result,
        h.cancel_flag(),
    );
    RunOutcome::Done {
        report,
        read_errors,
        model: model_name,
    }
}
