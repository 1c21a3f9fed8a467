//! The Batch tab: many files × many configurations (a methods × window-sizes matrix), compressed
//! and measured by [`crate::batch::run_batch`] on a background thread, with per-file and overall
//! progress, ETA and cancel; a sortable results table; the statistics plots of SPEC §8 (egui_plot,
//! built from the same data as the PNG/SVG export of [`crate::stats::plots`]); CSV/JSON/PNG/SVG
//! export; and the M2 probe section ([`super::probe_tab`]).
//!
//! Threads: the UI thread only reads file sizes (metadata) and draws. The batch thread opens its
//! own byte model (the app's model lives in the worker), reads the files and runs the batch; it
//! shares its progress through a mutex and sends the report over a channel. Exports and file
//! dialogs run on short-lived threads too.

use super::batch_plots;
use super::probe_tab::{self, ProbeSettings, ProbeState};
use super::state::{method_name, Settings};
use crate::batch::{
    discover_inputs, parse_config, run_batch, BatchInput, BatchOptions, BatchProgress, BatchReport,
    PrefixOptions,
};
use crate::method::{Config, MethodKind};
use crate::model::open::{FitText, ModelSpec};
use crate::model::ByteModel;
use crate::report::plot::{batch_plots, Plot};
use crate::report::{export, render::write_plot};
use crate::stats::{StatsOptions, SummaryRow};
use egui::{Color32, RichText, Ui};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Window sizes b offered as columns of the configuration matrix (the paper's).
pub const WINDOW_SIZES: [u32; 4] = [16, 32, 64, 128];

pub use crate::batch::MAX_FOLDER_FILES;

/// Which byte model drives AC and EqualInfo in the batch (and the probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchModel {
    /// The model the app uses (reopened from its path, or the sample M1).
    App,
    /// The uniform byte model.
    Uniform,
    /// A unigram fitted on the inputs (batch) or the training text (probe).
    Unigram,
    /// A model from the path in [`BatchSettings::model_path`].
    Path,
}

/// The Batch tab's persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchSettings {
    /// Checked cells of the matrix: (method, b) with b = 0 for methods without windows.
    pub cells: Vec<(MethodKind, u32)>,
    /// Token sizes in bits (each checked size multiplies the configurations).
    pub token_bits: Vec<u32>,
    /// Further configurations, added as text (`equal-info:b=24:delay`, see `parse_config`).
    pub extra: Vec<Config>,
    /// The byte model.
    pub model: BatchModel,
    /// The model's path when `model` is [`BatchModel::Path`].
    pub model_path: String,
    /// Common words for the prefix-edit stability experiment (Fig. 8); 0 skips it.
    pub prefix_words: usize,
    /// Compute the KL curves (Fig. 11).
    pub kl: bool,
    /// Side-information-free decoding (EqualInfo, reset every window).
    pub free_decode: bool,
    /// Folder exports are written to.
    pub export_dir: String,
    /// The probe section.
    pub probe: ProbeSettings,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            cells: vec![
                (MethodKind::EqualInfo, 16),
                (MethodKind::EqualInfo, 64),
                (MethodKind::Ac, 0),
                (MethodKind::Gzip, 0),
            ],
            token_bits: vec![8],
            extra: Vec::new(),
            model: BatchModel::App,
            model_path: String::new(),
            prefix_words: 500,
            kl: true,
            free_decode: true,
            export_dir: default_export_dir(),
            probe: ProbeSettings::default(),
        }
    }
}

fn default_export_dir() -> String {
    "eqinfo_export".into()
}

impl BatchSettings {
    /// The configurations of the matrix (token sizes × checked cells, in display order), then the
    /// extra ones, without duplicates.
    pub fn configs(&self) -> Vec<Config> {
        let mut bits = self.token_bits.clone();
        bits.sort_unstable();
        bits.dedup();
        let mut out: Vec<Config> = Vec::new();
        for &tb in &bits {
            for m in MethodKind::ALL {
                if m == MethodKind::EqualInfo {
                    for b in WINDOW_SIZES {
                        if self.cells.contains(&(m, b)) {
                            out.push(Config::equal_info(b, tb));
                        }
                    }
                } else if self.cells.contains(&(m, 0)) {
                    let base = Config::new(m);
                    // A method with its own token size (a fixed tokenizer) keeps it.
                    if base.token_bits != Config::default().token_bits {
                        out.push(base);
                    } else {
                        out.push(Config {
                            token_bits: tb,
                            ..base
                        });
                    }
                }
            }
        }
        for c in &self.extra {
            out.push(c.clone());
        }
        let mut unique: Vec<Config> = Vec::with_capacity(out.len());
        for c in out {
            if !unique.contains(&c) {
                unique.push(c);
            }
        }
        unique
    }
}

/// Opens the byte model chosen in the batch settings. `fit_on` is the text a unigram is fitted
/// on (and the missing sample's fallback); `app_model` and `device` are the app's model path and
/// device. Errors are words for the UI.
pub fn open_batch_model(
    choice: BatchModel,
    model_path: &str,
    app_model: Option<&str>,
    device: &str,
    fit_on: FitText<'_>,
) -> Result<(Box<dyn ByteModel>, String), String> {
    let spec = match choice {
        BatchModel::App => ModelSpec::from_path(app_model.map(Path::new)),
        BatchModel::Uniform => ModelSpec::Uniform,
        BatchModel::Unigram => ModelSpec::UnigramFitted,
        BatchModel::Path => match model_path.trim() {
            "" => return Err("no model path given".into()),
            p => ModelSpec::Path(PathBuf::from(p)),
        },
    };
    let m = spec.open(device, Some(fit_on)).map_err(|e| e.to_string())?;
    let name = match m.note {
        Some(n) => format!("{} ({n})", m.name),
        None => m.name,
    };
    Ok((m.model, name))
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Its path.
    pub path: PathBuf,
    /// Its size when added.
    pub size: u64,
}

impl FileEntry {
    /// The file name (the whole path when it has none).
    pub fn short_name(&self) -> String {
        short_name(&self.path.display().to_string())
    }
}

/// The last component of a path written as text.
pub fn short_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

/// What the batch thread shares while it runs.
#[derive(Debug, Default)]
struct Shared {
    progress: Option<BatchProgress>,
    /// Index in the file list of each input that was read (unreadable files are skipped).
    inputs: Vec<usize>,
    phase: String,
    last_repaint: Option<Instant>,
}

enum Msg {
    Done {
        report: BatchReport,
        read_errors: Vec<String>,
        model: String,
    },
    Failed(String),
}

struct Running {
    cancel: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    rx: Receiver<Msg>,
    started: Instant,
    configs: usize,
    cancel_requested: Option<Instant>,
}

/// Table columns (sortable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Input name.
    File,
    /// Configuration label.
    Config,
    /// A numeric column (index into [`NUMERIC`]).
    Num(usize),
}

type NumFn = fn(&SummaryRow) -> Option<f64>;

/// Numeric columns: header, value, decimals.
pub const NUMERIC: &[(&str, NumFn, usize)] = &[
    ("bytes", |r| Some(r.input_bytes as f64), 0),
    ("tokens", |r| Some(r.tokens as f64), 0),
    ("bytes/token", |r| Some(r.bytes_per_token), 3),
    ("bits/byte", |r| Some(r.bits_per_byte), 3),
    ("windows", |r| Some(r.windows as f64), 0),
    ("bytes/window", |r| Some(r.mean_bytes_per_window), 2),
    (
        "pad bits/window",
        |r| Some(r.mean_padding_bits_per_window),
        2,
    ),
    ("uniform b/B", |r| Some(r.uniform_bits_per_byte), 3),
    ("unigram b/B", |r| Some(r.unigram_heldout_bits_per_byte), 3),
    ("KL tokens", |r| r.kl_mm_tokens, 4),
    ("KL random", |r| r.kl_mm_random, 4),
    ("straddle", |r| r.straddle_fraction, 3),
    ("free decode", |r| r.free_decode_window_rate, 3),
    ("encode s", |r| Some(r.encode_seconds), 2),
    ("stats s", |r| Some(r.stats_seconds), 2),
];

const FILE_W: f32 = 150.0;
const CONFIG_W: f32 = 190.0;
const NUM_W: f32 = 88.0;
const ROW_H: f32 = 18.0;

/// Which part of the tab is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Files × configurations statistics.
    Stats,
    /// The M2 probe.
    Probe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DialogKind {
    Files,
    Folder,
    ModelFolder,
    ExportFolder,
    ProbeTrain,
    ProbeHeldout,
}

/// The Batch tab's runtime state (never persisted).
pub struct BatchState {
    /// Input files, in order.
    pub files: Vec<FileEntry>,
    /// Text of the "add path" field.
    pub path_field: String,
    /// Text of the "add configuration" field.
    pub spec_field: String,
    running: Option<Running>,
    /// The last report (complete or cancelled).
    pub report: Option<BatchReport>,
    /// Files that could not be read in the last run.
    pub read_errors: Vec<String>,
    /// The model the last run used.
    pub model_used: String,
    /// The last error of a run that could not start or failed as a whole.
    pub run_error: Option<String>,
    rows: Vec<SummaryRow>,
    order: Vec<usize>,
    /// Sort column and direction (true = ascending).
    pub sort: (Column, bool),
    /// Show the pooled `ALL` rows.
    pub show_pooled: bool,
    plots: Vec<(String, Plot)>,
    plot_sel: usize,
    /// A message for the user (exports, added files).
    pub notice: Option<String>,
    notice_tx: Sender<String>,
    notice_rx: Receiver<String>,
    dialog_tx: Sender<(DialogKind, Vec<PathBuf>)>,
    dialog_rx: Receiver<(DialogKind, Vec<PathBuf>)>,
    dialog_open: bool,
    /// Open section.
    pub section: Section,
    /// The probe section's state.
    pub probe: ProbeState,
    last_finished_in: Option<Duration>,
    pending_model_path: Option<String>,
    pending_export_dir: Option<String>,
    ctx: egui::Context,
}

impl BatchState {
    /// Empty state; `ctx` is repainted by background threads.
    pub fn new(ctx: egui::Context) -> Self {
        let (notice_tx, notice_rx) = channel();
        let (dialog_tx, dialog_rx) = channel();
        BatchState {
            files: Vec::new(),
            path_field: String::new(),
            spec_field: String::new(),
            running: None,
            report: None,
            read_errors: Vec::new(),
            model_used: String::new(),
            run_error: None,
            rows: Vec::new(),
            order: Vec::new(),
            sort: (Column::File, true),
            show_pooled: true,
            plots: Vec::new(),
            plot_sel: 0,
            notice: None,
            notice_tx,
            notice_rx,
            dialog_tx,
            dialog_rx,
            dialog_open: false,
            section: Section::Stats,
            probe: ProbeState::new(ctx.clone()),
            last_finished_in: None,
            pending_model_path: None,
            pending_export_dir: None,
            ctx,
        }
    }

    /// True while a batch or a probe runs.
    pub fn is_running(&self) -> bool {
        self.running.is_some() || self.probe.is_running()
    }

    /// True while a batch runs.
    pub fn batch_running(&self) -> bool {
        self.running.is_some()
    }

    /// The rows of the table in display order (sorted; pooled rows included when shown).
    pub fn table_rows(&self) -> Vec<&SummaryRow> {
        self.order
            .iter()
            .filter_map(|&i| self.rows.get(i))
            .collect()
    }

    /// The current progress of a running batch.
    pub fn progress(&self) -> Option<BatchProgress> {
        let r = self.running.as_ref()?;
        r.shared.lock().ok().and_then(|s| s.progress.clone())
    }

    /// Adds files and folders (folders: their regular files, recursively, hidden ones skipped,
    /// at most [`MAX_FOLDER_FILES`]). Returns how many files were added.
    pub fn add_paths(&mut self, paths: &[PathBuf]) -> usize {
        let found = discover_inputs(paths);
        let mut added = 0;
        for f in &found.files {
            if self.push_file(f) {
                added += 1;
            }
        }
        let problems = found.problems;
        self.notice = Some(if problems.is_empty() {
            format!("added {added} file(s)")
        } else {
            format!(
                "added {added} file(s); skipped: {}",
                problems
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        });
        added
    }

    fn push_file(&mut self, p: &Path) -> bool {
        if self.files.len() >= MAX_FOLDER_FILES * 4 || self.files.iter().any(|f| f.path == p) {
            return false;
        }
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        self.files.push(FileEntry {
            path: p.to_path_buf(),
            size,
        });
        true
    }

    /// Starts a batch of every file × every configuration of `settings.batch` (no-op while one
    /// runs). Returns false when nothing was started (no files, no configurations).
    pub fn start(&mut self, settings: &Settings) -> bool {
        if self.running.is_some() {
            return false;
        }
        let configs = settings.batch.configs();
        if self.files.is_empty() {
            self.run_error = Some("add files first".into());
            return false;
        }
        if configs.is_empty() {
            self.run_error = Some("choose at least one configuration".into());
            return false;
        }
        self.run_error = None;
        let cancel = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Shared {
            phase: "starting".into(),
            ..Default::default()
        }));
        let (tx, rx) = channel();
        let paths: Vec<PathBuf> = self.files.iter().map(|f| f.path.clone()).collect();
        let b = settings.batch.clone();
        let app_model = settings.model_path.clone();
        let device = settings.device.clone();
        let opts = BatchOptions {
            stats: StatsOptions {
                kl: b.kl,
                free_decode: b.free_decode,
                ..StatsOptions::default()
            },
            prefix: (b.prefix_words > 0).then(|| PrefixOptions {
                words: crate::stats::stability::common_words(b.prefix_words),
                ..PrefixOptions::default()
            }),
        };
        let ctx = self.ctx.clone();
        let (th_cancel, th_shared) = (cancel.clone(), shared.clone());
        let n_configs = configs.len();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-batch".into())
            .spawn(move || {
                let msg = batch_thread(
                    &paths,
                    &configs,
                    &b,
                    app_model.as_deref(),
                    &device,
                    &opts,
                    &th_shared,
                    &th_cancel,
                    &ctx,
                );
                let _ = tx.send(msg);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.running = Some(Running {
                    cancel,
                    shared,
                    rx,
                    started: Instant::now(),
                    configs: n_configs,
                    cancel_requested: None,
                });
                true
            }
            Err(e) => {
                self.run_error = Some(format!("cannot start the batch thread: {e}"));
                false
            }
        }
    }

    /// Asks the running batch to stop (it keeps the jobs finished so far).
    pub fn cancel(&mut self) {
        if let Some(r) = &mut self.running {
            r.cancel.store(true, Ordering::Relaxed);
            r.cancel_requested.get_or_insert_with(Instant::now);
        }
    }

    /// Applies what background threads sent (call every frame, whatever tab is shown).
    pub fn poll(&mut self) {
        while let Ok(n) = self.notice_rx.try_recv() {
            self.notice = Some(n);
        }
        self.drain_dialogs();
        let done = match &self.running {
            Some(r) => r.rx.try_recv().ok(),
            None => None,
        };
        if let Some(msg) = done {
            let r = self.running.take();
            self.last_finished_in = r
                .as_ref()
                .and_then(|r| r.cancel_requested)
                .map(|t| t.elapsed());
            match msg {
                Msg::Done {
                    report,
                    read_errors,
                    model,
                } => {
                    self.read_errors = read_errors;
                    self.model_used = model;
                    self.set_report(report);
                }
                Msg::Failed(e) => self.run_error = Some(e),
            }
        } else if let Some(r) = &self.running {
            // A thread that died without a message (a panic) must not leave the tab "running".
            if let Err(std::sync::mpsc::TryRecvError::Disconnected) = r.rx.try_recv() {
                self.running = None;
                self.run_error = Some("the batch thread stopped unexpectedly".into());
            }
        }
        self.probe.poll();
    }

    /// Seconds from the cancel request to the end of the last cancelled run.
    pub fn last_cancel_latency(&self) -> Option<Duration> {
        self.last_finished_in
    }

    /// Shows a report (also used by tests and embedding).
    pub fn set_report(&mut self, report: BatchReport) {
        self.rows = report.rows();
        self.plots = batch_plots(&report);
        self.plot_sel = self.plot_sel.min(self.plots.len().saturating_sub(1));
        self.report = Some(report);
        self.resort();
    }

    fn resort(&mut self) {
        let (col, asc) = self.sort;
        let mut idx: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.show_pooled || self.rows[i].file != "ALL")
            .collect();
        let rows = &self.rows;
        idx.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            let o = match col {
                Column::File => short_name(&ra.file).cmp(&short_name(&rb.file)),
                Column::Config => ra.config.cmp(&rb.config),
                Column::Num(k) => {
                    let f = NUMERIC.get(k).map(|c| c.1);
                    let va = f.and_then(|f| f(ra)).unwrap_or(f64::NEG_INFINITY);
                    let vb = f.and_then(|f| f(rb)).unwrap_or(f64::NEG_INFINITY);
                    va.total_cmp(&vb)
                }
            };
            let o = if asc { o } else { o.reverse() };
            // Pooled rows last, then a stable order.
            o.then(a.cmp(&b))
        });
        // Pooled rows go after the per-file rows whatever the sort.
        idx.sort_by_key(|&i| rows[i].file == "ALL");
        self.order = idx;
    }

    /// Sorts by a column (a second click on the same column flips the direction).
    pub fn sort_by(&mut self, col: Column) {
        if self.sort.0 == col {
            self.sort.1 = !self.sort.1;
        } else {
            self.sort = (col, true);
        }
        self.resort();
    }

    fn spawn_dialog(&mut self, kind: DialogKind) {
        if self.dialog_open {
            return;
        }
        self.dialog_open = true;
        let tx = self.dialog_tx.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-batch-dialog".into())
            .spawn(move || {
                let d = rfd::FileDialog::new();
                let picked: Vec<PathBuf> = match kind {
                    DialogKind::Files => d
                        .set_title("Add text files to the batch")
                        .pick_files()
                        .unwrap_or_default(),
                    DialogKind::Folder => d
                        .set_title("Add a folder of text files")
                        .pick_folder()
                        .into_iter()
                        .collect(),
                    DialogKind::ModelFolder => d
                        .set_title("Model folder for the batch")
                        .pick_folder()
                        .into_iter()
                        .collect(),
                    DialogKind::ExportFolder => d
                        .set_title("Folder to export into")
                        .pick_folder()
                        .into_iter()
                        .collect(),
                    DialogKind::ProbeTrain => d
                        .set_title("Training text for the probe")
                        .pick_file()
                        .into_iter()
                        .collect(),
                    DialogKind::ProbeHeldout => d
                        .set_title("Held-out text for the probe")
                        .pick_file()
                        .into_iter()
                        .collect(),
                };
                let _ = tx.send((kind, picked));
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.dialog_open = false;
            self.notice = Some("cannot open a file dialog; type a path instead".into());
        }
    }

    fn drain_dialogs(&mut self) {
        while let Ok((kind, paths)) = self.dialog_rx.try_recv() {
            self.dialog_open = false;
            if paths.is_empty() {
                self.notice = Some(
                    "nothing chosen (without a desktop portal the dialog may not open: type a \
                     path or drop files on the window)"
                        .into(),
                );
                continue;
            }
            let first = paths[0].display().to_string();
            match kind {
                DialogKind::Files | DialogKind::Folder => {
                    self.add_paths(&paths);
                }
                DialogKind::ModelFolder => self.pending_model_path = Some(first),
                DialogKind::ExportFolder => self.pending_export_dir = Some(first),
                DialogKind::ProbeTrain => self.probe.train_pick = Some(first),
                DialogKind::ProbeHeldout => self.probe.heldout_pick = Some(first),
            }
        }
    }

    fn export_in_background(
        &self,
        what: &'static str,
        job: impl FnOnce() -> String + Send + 'static,
    ) {
        let tx = self.notice_tx.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-export".into())
            .spawn(move || {
                let _ = tx.send(job());
                ctx.request_repaint();
            });
        if spawned.is_err() {
            let _ = self
                .notice_tx
                .send(format!("cannot start the {what} export thread"));
        }
    }

    /// Writes the table (every finished row and the pooled rows) as CSV into `dir`.
    pub fn export_csv(&self, dir: &Path) {
        let Some(report) = self.report.clone() else {
            let _ = self
                .notice_tx
                .send("nothing to export yet: run a batch".into());
            return;
        };
        let dir = dir.to_path_buf();
        self.export_in_background("CSV", move || {
            match export::write_batch_csv(&report, &dir) {
                Ok(path) => format!("wrote {}", path.display()),
                Err(e) => format!("cannot write the CSV: {e}"),
            }
        });
    }

    /// Writes the whole report as JSON into `dir`.
    pub fn export_json(&self, dir: &Path) {
        let Some(report) = self.report.clone() else {
            let _ = self
                .notice_tx
                .send("nothing to export yet: run a batch".into());
            return;
        };
        let dir = dir.to_path_buf();
        self.export_in_background("JSON", move || {
            match export::write_batch_json(&report, &dir) {
                Ok(path) => format!("wrote {}", path.display()),
                Err(e) => format!("cannot write the JSON: {e}"),
            }
        });
    }

    /// Writes plots as PNG and SVG into `dir`: the one shown (`all` false) or all of them.
    pub fn export_plots(&self, dir: &Path, all: bool) {
        let chosen: Vec<(String, Plot)> = if all {
            self.plots.clone()
        } else {
            self.plots.get(self.plot_sel).cloned().into_iter().collect()
        };
        if chosen.is_empty() {
            let _ = self
                .notice_tx
                .send("no plot to export yet: run a batch".into());
            return;
        }
        let dir = dir.to_path_buf();
        self.export_in_background("plot", move || {
            let mut written = 0;
            for (stem, plot) in &chosen {
                match write_plot(&dir, stem, plot) {
                    Ok(paths) => written += paths.len(),
                    Err(e) => return format!("plot export failed: {e}"),
                }
            }
            format!("wrote {written} plot files into {}", dir.display())
        });
    }
}

impl Drop for BatchState {
    fn drop(&mut self) {
        if let Some(r) = &self.running {
            r.cancel.store(true, Ordering::Relaxed);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn batch_thread(
    paths: &[PathBuf],
    configs: &[Config],
    b: &BatchSettings,
    app_model: Option<&str>,
    device: &str,
    opts: &BatchOptions,
    shared: &Mutex<Shared>,
    cancel: &AtomicBool,
    ctx: &egui::Context,
) -> Msg {
    let set_phase = |s: String| {
        if let Ok(mut g) = shared.lock() {
            g.phase = s;
        }
        ctx.request_repaint();
    };
    let mut inputs = Vec::with_capacity(paths.len());
    let mut read_errors = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        set_phase(format!(
            "reading {} ({}/{})",
            p.display(),
            i + 1,
            paths.len()
        ));
        match BatchInput::read(p) {
            Ok(input) => {
                inputs.push(input);
                if let Ok(mut g) = shared.lock() {
                    g.inputs.push(i);
                }
            }
            Err(e) => read_errors.push(e.to_string()),
        }
    }
    set_phase("opening the model".into());
    let texts: Vec<&[u8]> = inputs.iter().map(|i| i.data.as_slice()).collect();
    let (mut model, model_name) = match open_batch_model(
        b.model,
        &b.model_path,
        app_model,
        device,
        FitText {
            name: "the inputs",
            parts: &texts,
        },
    ) {
        Ok(m) => m,
        Err(e) => return Msg::Failed(format!("cannot open the model: {e}")),
    };
    set_phase("compressing".into());
    let on_progress = |p: &BatchProgress| {
        if let Ok(mut g) = shared.lock() {
            g.progress = Some(p.clone());
            let due = g
                .last_repaint
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(33));
            if due {
                g.last_repaint = Some(Instant::now());
                ctx.request_repaint();
            }
        }
    };
    let report = run_batch(&inputs, configs, model.as_mut(), opts, &on_progress, cancel);
    Msg::Done {
        report,
        read_errors,
        model: model_name,
    }
}

fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    let s = s.max(0.0);
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{}:{:02} min", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{}:{:02} h",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}

fn fmt_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// Draws the Batch tab.
pub fn batch_ui(ui: &mut Ui, st: &mut BatchState, settings: &mut Settings) {
    ui.horizontal(|ui| {
        ui.heading("Batch");
        ui.selectable_value(&mut st.section, Section::Stats, "Statistics");
        ui.selectable_value(&mut st.section, Section::Probe, "M2 probe");
        if st.is_running() {
            ui.spinner();
        }
        if let Some(n) = st.notice.clone() {
            ui.separator();
            ui.label(n);
            if ui.small_button("Dismiss").clicked() {
                st.notice = None;
            }
        }
    });
    ui.separator();
    if let Some(p) = st.pending_model_path.take() {
        settings.batch.model_path = p;
        settings.batch.model = BatchModel::Path;
    }
    if let Some(p) = st.pending_export_dir.take() {
        settings.batch.export_dir = p;
    }
    match st.section {
        Section::Stats => stats_ui(ui, st, settings),
        Section::Probe => {
            let mut dialog = None;
            probe_tab::probe_ui(ui, &mut st.probe, settings, &mut |k| dialog = Some(k));
            match dialog {
                Some(probe_tab::PickKind::Train) => st.spawn_dialog(DialogKind::ProbeTrain),
                Some(probe_tab::PickKind::Heldout) => st.spawn_dialog(DialogKind::ProbeHeldout),
                Some(probe_tab::PickKind::ExportFolder) => {
                    st.spawn_dialog(DialogKind::ExportFolder)
                }
                Some(probe_tab::PickKind::Model) => st.spawn_dialog(DialogKind::ModelFolder),
                None => {}
            }
        }
    }
}

fn stats_ui(ui: &mut Ui, st: &mut BatchState, settings: &mut Settings) {
    egui::Panel::left("batch_inputs")
        .resizable(true)
        .default_size(380.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("batch_inputs_scroll")
                .show(ui, |ui| inputs_ui(ui, st, settings));
        });
    egui::ScrollArea::vertical()
        .id_salt("batch_results_scroll")
        .show(ui, |ui| results_ui(ui, st, settings));
}

/// The model chooser shared by the batch and the probe.
pub fn model_choice_ui(ui: &mut Ui, b: &mut BatchSettings, id: &str) -> bool {
    let mut browse = false;
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new(id, "model")
            .selected_text(model_choice_name(b.model))
            .show_ui(ui, |ui| {
                for m in [
                    BatchModel::App,
                    BatchModel::Uniform,
                    BatchModel::Unigram,
                    BatchModel::Path,
                ] {
                    ui.selectable_value(&mut b.model, m, model_choice_name(m));
                }
            });
    });
    if b.model == BatchModel::Path {
        ui.horizontal(|ui| {
            let l = ui.label("Model path");
            ui.add(egui::TextEdit::singleline(&mut b.model_path).desired_width(190.0))
                .labelled_by(l.id);
            if ui.button("Browse…").clicked() {
                browse = true;
            }
        });
    }
    browse
}

/// The name of a model choice in the UI.
pub fn model_choice_name(m: BatchModel) -> &'static str {
    match m {
        BatchModel::App => "the app's model",
        BatchModel::Uniform => "uniform",
        BatchModel::Unigram => "unigram (fitted on the inputs)",
        BatchModel::Path => "from a path…",
    }
}

fn inputs_ui(ui: &mut Ui, st: &mut BatchState, settings: &mut Settings) {
    let running = st.running.is_some();
    ui.strong("Inputs");
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(!running, egui::Button::new("Add files…"))
            .clicked()
        {
            st.spawn_dialog(DialogKind::Files);
        }
        if ui
            .add_enabled(!running, egui::Button::new("Add folder…"))
            .clicked()
        {
            st.spawn_dialog(DialogKind::Folder);
        }
        if ui
            .add_enabled(!running && !st.files.is_empty(), egui::Button::new("Clear"))
            .clicked()
        {
            st.files.clear();
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("File or folder");
        let r = ui
            .add(egui::TextEdit::singleline(&mut st.path_field).desired_width(200.0))
            .labelled_by(l.id);
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let has = !st.path_field.trim().is_empty();
        if (ui
            .add_enabled(has && !running, egui::Button::new("Add path"))
            .clicked()
            || (enter && has))
            && !running
        {
            let p = PathBuf::from(st.path_field.trim());
            st.add_paths(&[p]);
            st.path_field.clear();
        }
    });
    ui.label(
        RichText::new("Files can also be dropped on the window while this tab is open.").weak(),
    );
    let total: u64 = st.files.iter().map(|f| f.size).sum();
    ui.label(format!("{} file(s), {}", st.files.len(), fmt_bytes(total)));
    let progress = st.progress();
    let running_files = st.running.as_ref().map(|r| {
        let inputs = r
            .shared
            .lock()
            .map(|g| g.inputs.clone())
            .unwrap_or_default();
        (inputs, r.configs)
    });
    let mut remove = None;
    egui::ScrollArea::vertical()
        .id_salt("batch_files")
        .max_height(180.0)
        .show_rows(ui, ROW_H + 4.0, st.files.len(), |ui, range| {
            for i in range {
                let Some(f) = st.files.get(i) else { continue };
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!running, egui::Button::new("✖").small())
                        .on_hover_text("Remove from the batch")
                        .clicked()
                    {
                        remove = Some(i);
                    }
                    let text = format!("{} · {}", f.short_name(), fmt_bytes(f.size));
                    fixed_cell(ui, 210.0, RichText::new(text), false)
                        .on_hover_text(f.path.display().to_string());
                    if let (Some((files, configs)), Some(p)) = (&running_files, &progress) {
                        if let Some(k) = files.iter().position(|&j| j == i) {
                            let frac = file_fraction(k, *configs, p);
                            ui.add(
                                egui::ProgressBar::new(frac)
                                    .desired_width(80.0)
                                    .show_percentage(),
                            );
                        }
                    }
                });
            }
        });
    if let Some(i) = remove {
        if i < st.files.len() {
            st.files.remove(i);
        }
    }
    ui.separator();
    ui.strong("Configurations (methods × window sizes)");
    let b = &mut settings.batch;
    ui.add_enabled_ui(!running, |ui| {
        egui::Grid::new("batch_matrix")
            .striped(true)
            .num_columns(2)
            .show(ui, |ui| {
                ui.label("method");
                ui.label("window bits b (EqualInfoAC)");
                ui.end_row();
                for m in MethodKind::ALL {
                    ui.label(method_name(m));
                    ui.horizontal(|ui| {
                        if m == MethodKind::EqualInfo {
                            for w in WINDOW_SIZES {
                                cell(ui, &mut b.cells, m, w, &w.to_string());
                            }
                        } else {
                            cell(ui, &mut b.cells, m, 0, "on");
                        }
                    });
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            ui.label("tokens:");
            for (tb, name) in [(8u32, "v=256"), (16u32, "v=65536")] {
                let mut on = b.token_bits.contains(&tb);
                if ui.checkbox(&mut on, name).changed() {
                    if on {
                        b.token_bits.push(tb);
                    } else {
                        b.token_bits.retain(|&t| t != tb);
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label("Add configuration");
            ui.add(egui::TextEdit::singleline(&mut st.spec_field).desired_width(150.0))
                .labelled_by(l.id)
                .on_hover_text(
                    "e.g. equal-info:b=24:v=256, equal-info:b=16:delay, ac:v=65536, gzip:ex=0",
                );
            if ui.button("Add").clicked() {
                match parse_config(&st.spec_field) {
                    Ok(c) => {
                        if !b.extra.contains(&c) {
                            b.extra.push(c);
                        }
                        st.spec_field.clear();
                    }
                    Err(e) => st.notice = Some(e.to_string()),
                }
            }
        });
        let mut drop_extra = None;
        for (i, c) in b.extra.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(c.label());
                if ui.small_button(format!("Remove extra {}", i + 1)).clicked() {
                    drop_extra = Some(i);
                }
            });
        }
        if let Some(i) = drop_extra {
            b.extra.remove(i);
        }
        let browse = model_choice_ui(ui, b, "batch_model");
        if browse {
            st.spawn_dialog(DialogKind::ModelFolder);
        }
        ui.checkbox(&mut b.kl, "KL curves (Fig. 11)");
        ui.checkbox(&mut b.free_decode, "side-information-free decoding");
        ui.horizontal(|ui| {
            let l = ui.label("prefix-edit words (Fig. 8, 0 = off)");
            ui.add(egui::DragValue::new(&mut b.prefix_words).range(0..=5000))
                .labelled_by(l.id);
        });
    });
    let configs = settings.batch.configs();
    ui.label(format!(
        "{} configuration(s) × {} file(s) = {} job(s)",
        configs.len(),
        st.files.len(),
        configs.len() * st.files.len()
    ));
    ui.separator();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(
                !running && !st.files.is_empty() && !configs.is_empty(),
                egui::Button::new("▶ Run batch"),
            )
            .clicked()
        {
            st.start(settings);
        }
        if ui
            .add_enabled(running, egui::Button::new("⏹ Cancel"))
            .clicked()
        {
            st.cancel();
        }
    });
    progress_ui(ui, st);
    if let Some(e) = &st.run_error {
        ui.colored_label(Color32::from_rgb(220, 80, 60), e);
    }
}

fn cell(ui: &mut Ui, cells: &mut Vec<(MethodKind, u32)>, m: MethodKind, b: u32, text: &str) {
    let mut on = cells.contains(&(m, b));
    let r = ui.checkbox(&mut on, text);
    if r.changed() {
        if on {
            cells.push((m, b));
        } else {
            cells.retain(|&c| c != (m, b));
        }
    }
}

/// A fixed-width table cell, text left- or right-aligned, truncated to fit.
fn fixed_cell(ui: &mut Ui, w: f32, text: RichText, right: bool) -> egui::Response {
    let layout = if right {
        egui::Layout::right_to_left(egui::Align::Center)
    } else {
        egui::Layout::left_to_right(egui::Align::Center)
    };
    ui.allocate_ui_with_layout(egui::vec2(w, ROW_H), layout, |ui| {
        ui.set_min_width(w);
        ui.add(egui::Label::new(text).truncate())
    })
    .inner
}

/// Fraction done of the k-th input of a run with `configs` configurations.
fn file_fraction(k: usize, configs: usize, p: &BatchProgress) -> f32 {
    let configs = configs.max(1);
    let first_job = k * configs;
    let job_frac = if p.job_bytes_total > 0 {
        p.job_bytes_done as f64 / p.job_bytes_total as f64
    } else {
        0.0
    };
    let done = if p.jobs_done >= first_job + configs {
        configs as f64
    } else if p.jobs_done >= first_job {
        (p.jobs_done - first_job) as f64 + job_frac.min(1.0)
    } else {
        0.0
    };
    (done / configs as f64).clamp(0.0, 1.0) as f32
}

fn progress_ui(ui: &mut Ui, st: &BatchState) {
    let Some(r) = &st.running else {
        if let Some(rep) = &st.report {
            let (enc, stats, free) = rep.times();
            ui.label(format!(
                "{} in {} ({} job(s), {} error(s)); model: {}",
                if rep.cancelled {
                    "cancelled"
                } else {
                    "finished"
                },
                fmt_secs(rep.total_seconds),
                rep.results.len(),
                rep.errors.len(),
                st.model_used
            ));
            ui.label(format!(
                "compressing {} · other statistics {} · free decoding {}",
                fmt_secs(enc),
                fmt_secs(stats),
                fmt_secs(free)
            ));
            if let Some(l) = st.last_finished_in {
                ui.label(format!(
                    "stopped {:.0} ms after the cancel request",
                    l.as_secs_f64() * 1e3
                ));
            }
            for e in rep.errors.iter().take(5) {
                ui.colored_label(
                    Color32::from_rgb(220, 80, 60),
                    format!(
                        "{} · config {}: {}",
                        short_name(&e.file),
                        e.config_index + 1,
                        e.message
                    ),
                );
            }
            for e in st.read_errors.iter().take(5) {
                ui.colored_label(Color32::from_rgb(220, 80, 60), e);
            }
        }
        return;
    };
    let (p, phase) = match r.shared.lock() {
        Ok(g) => (g.progress.clone(), g.phase.clone()),
        Err(_) => (None, String::new()),
    };
    let elapsed = r.started.elapsed().as_secs_f64();
    match p {
        None => {
            ui.label(format!("{phase}… ({})", fmt_secs(elapsed)));
        }
        Some(p) => {
            let overall = if p.bytes_total > 0 {
                p.bytes_done as f64 / p.bytes_total as f64
            } else if p.jobs_total > 0 {
                p.jobs_done as f64 / p.jobs_total as f64
            } else {
                0.0
            };
            let eta = if overall > 0.0 && overall < 1.0 {
                fmt_secs(elapsed * (1.0 - overall) / overall)
            } else {
                "?".into()
            };
            ui.label(format!("Now: {}", p.current));
            let k = p.files_done.min(p.files_total.saturating_sub(1));
            let file_frac = file_fraction(k, r.configs, &p);
            ui.add(
                egui::ProgressBar::new(file_frac)
                    .text(format!(
                        "file {} of {}: {:.0}%",
                        (p.files_done + 1).min(p.files_total),
                        p.files_total,
                        file_frac * 100.0
                    ))
                    .animate(true),
            );
            ui.add(egui::ProgressBar::new(overall as f32).text(format!(
                "overall {:.1}% · {} of {} job(s) · ETA {eta}",
                overall * 100.0,
                p.jobs_done,
                p.jobs_total
            )));
            ui.label(format!(
                "elapsed {} · {} of {} compressed",
                fmt_secs(elapsed),
                fmt_bytes(p.bytes_done),
                fmt_bytes(p.bytes_total)
            ));
        }
    }
    if r.cancel_requested.is_some() {
        ui.label("cancelling…");
    }
}

fn results_ui(ui: &mut Ui, st: &mut BatchState, settings: &mut Settings) {
    if st.report.is_none() {
        ui.label("Add files, choose configurations and press Run batch. Results appear here.");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.strong("Results");
        if ui
            .checkbox(&mut st.show_pooled, "show pooled ALL rows")
            .changed()
        {
            st.resort();
        }
        ui.separator();
        let l = ui.label("Export folder");
        ui.add(egui::TextEdit::singleline(&mut settings.batch.export_dir).desired_width(180.0))
            .labelled_by(l.id);
        if ui.button("Choose…").clicked() {
            st.spawn_dialog(DialogKind::ExportFolder);
        }
        let dir = PathBuf::from(settings.batch.export_dir.trim());
        if ui.button("Export CSV").clicked() {
            st.export_csv(&dir);
        }
        if ui.button("Export JSON").clicked() {
            st.export_json(&dir);
        }
        if ui.button("Export all plots (PNG+SVG)").clicked() {
            st.export_plots(&dir, true);
        }
    });
    table_ui(ui, st);
    ui.separator();
    plots_ui(ui, st, settings);
}

fn table_ui(ui: &mut Ui, st: &mut BatchState) {
    let mut clicked = None;
    let order = st.order.clone();
    let height = ((order.len() as f32 + 1.5) * (ROW_H + 4.0)).clamp(80.0, 320.0);
    egui::ScrollArea::horizontal()
        .id_salt("batch_table_h")
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    let mut header = |ui: &mut Ui, col: Column, name: &str, w: f32| {
                        let arrow = if st.sort.0 == col {
                            if st.sort.1 {
                                " ⏶"
                            } else {
                                " ⏷"
                            }
                        } else {
                            ""
                        };
                        let r = ui.add_sized(
                            [w, ROW_H + 2.0],
                            egui::Button::new(RichText::new(format!("{name}{arrow}")).strong()),
                        );
                        if r.on_hover_text(format!("Sort by {name}")).clicked() {
                            clicked = Some(col);
                        }
                    };
                    header(ui, Column::File, "file", FILE_W);
                    header(ui, Column::Config, "configuration", CONFIG_W);
                    for (k, c) in NUMERIC.iter().enumerate() {
                        header(ui, Column::Num(k), c.0, NUM_W);
                    }
                });
                egui::ScrollArea::vertical()
                    .id_salt("batch_table_v")
                    .max_height(height)
                    .show_rows(ui, ROW_H, order.len(), |ui, range| {
                        for &i in &order[range] {
                            let Some(row) = st.rows.get(i) else { continue };
                            ui.horizontal(|ui| {
                                let pooled = row.file == "ALL";
                                let name = if pooled {
                                    "ALL (pooled)".to_string()
                                } else {
                                    short_name(&row.file)
                                };
                                let name = if pooled {
                                    RichText::new(name).strong()
                                } else {
                                    RichText::new(name)
                                };
                                fixed_cell(ui, FILE_W, name, false).on_hover_text(&row.file);
                                fixed_cell(ui, CONFIG_W, RichText::new(&row.config), false);
                                for c in NUMERIC {
                                    let text = match (c.1)(row) {
                                        Some(v) => format!("{v:.*}", c.2),
                                        None => "–".into(),
                                    };
                                    fixed_cell(ui, NUM_W, RichText::new(text), true)
                                        .on_hover_text(c.0);
                                }
                            });
                        }
                    });
            });
        });
    if let Some(c) = clicked {
        st.sort_by(c);
    }
}

fn plots_ui(ui: &mut Ui, st: &mut BatchState, settings: &Settings) {
    if st.plots.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.strong("Plot:");
        for (i, (stem, _)) in st.plots.iter().enumerate() {
            if ui
                .add(egui::Button::selectable(st.plot_sel == i, plot_title(stem)))
                .clicked()
            {
                st.plot_sel = i;
            }
        }
        let dir = PathBuf::from(settings.batch.export_dir.trim());
        if ui.button("Export this plot (PNG+SVG)").clicked() {
            st.export_plots(&dir, false);
        }
    });
    if let Some((stem, plot)) = st.plots.get(st.plot_sel) {
        batch_plots::show_plot(ui, &format!("batch_plot_{stem}"), plot, 380.0);
        if matches!(stem.as_str(), "ratio" | "bits_per_byte") {
            ui.label(
                RichText::new(
                    "Marks: the paper's C4 compression ratios (Lester et al. 2024, \"Training LLMs \
                     over Neurally Compressed Text\", arXiv 2404.03626; SPEC §7), where the paper \
                     has the configuration; bits/byte = token bits / ratio.",
                )
                .weak(),
            );
        }
        if stem.starts_with("kl_") {
            ui.label(
                RichText::new(
                    "As the paper's Fig. 11: Miller–Madow corrected KL from uniform; bands are \
                     5–95% over partitions; n with fewer than 2^n samples are omitted.",
                )
                .weak(),
            );
        }
    }
}

fn plot_title(stem: &str) -> &str {
    match stem {
        "ratio" => "Ratio",
        "bits_per_byte" => "Bits/byte",
        "bytes_per_window" => "Bytes/window",
        "kl_tokens" => "KL tokens (Fig. 11)",
        "kl_ngrams" => "KL n-grams (Fig. 11)",
        "rank_frequency" => "Rank-frequency",
        "stability" => "Stability (Fig. 8)",
        other => other,
    }
}
