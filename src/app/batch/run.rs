//! The batch's background work: read the files, open the byte model the settings choose, and run
//! [`crate::batch::run_batch`] with progress and cancel through the task's handle. No egui here.

use crate::app::batch::eta::EtaSmoother;
use crate::app::state::BatchSettings;
use crate::app::tasks::TaskHandle;
use crate::batch::{
    run_batch, BatchInput, BatchOptions, BatchProgress, BatchReport, PrefixOptions,
};
use crate::method::Config;
use crate::model::open::FitText;
use crate::model::ByteModel;
use crate::stats::StatsOptions;
use std::path::PathBuf;

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
    let report = run_batch(
        &inputs,
        &job.configs,
        model.as_mut(),
        &job.options(),
        &on_progress,
        h.cancel_flag(),
    );
    RunOutcome::Done {
        report,
        read_errors,
        model: model_name,
    }
}
