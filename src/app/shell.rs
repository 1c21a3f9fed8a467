//! The shell: the [`App`], which each frame polls its background tasks, draws the top bar, the
//! settings panel and the open tab, then applies the [`Command`]s the panels pushed, once, in
//! order. The UI thread never waits: every model, file-dialog and export job is a
//! [`Task`](crate::app::tasks::Task).

use crate::app::batch::BatchState;
use crate::app::command::{BatchCommand, Command, DialogKind};
use crate::app::compare::{self, CompareRows, CompareState, RowSlot};
use crate::app::dialog::{self, DialogTask};
use crate::app::input::{Input, MAX_TEXT_BYTES};
use crate::app::live::{self, LiveState, LiveView};
use crate::app::model_source::{self, LoadedModel, ModelLoader};
use crate::app::panels::{self, Timing, TopBar};
use crate::app::state::{self, Settings, Tab, SETTINGS_KEY};
use crate::app::tasks::{Task, Wake};
use crate::app::worker::{CompareProgress, Init, Job, ModelLoaded, WorkProgress, Worker};
use crate::live::{Analysis, CompareMsg, CompareRow, PartialRow, SegmenterRow};
use crate::model::open::ModelSpec;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rolling frame-time statistics (ms of our `ui` function).
#[derive(Debug, Clone, Default)]
pub struct FrameTimes {
    samples: Vec<f32>,
    next: usize,
}

impl FrameTimes {
    fn push(&mut self, ms: f32) {
        if self.samples.len() < 120 {
            self.samples.push(ms);
        } else {
            self.samples[self.next] = ms;
            self.next = (self.next + 1) % 120;
        }
    }
    /// Mean and max over the last frames.
    pub fn mean_max(&self) -> (f32, f32) {
        if self.samples.is_empty() {
            return (0.0, 0.0);
        }
        let sum: f32 = self.samples.iter().sum();
        let max = self.samples.iter().copied().fold(0.0, f32::max);
        (sum / self.samples.len() as f32, max)
    }
}

type ModelTask = Task<(), Result<ModelLoaded, String>>;
type AnalysisTask = Task<WorkProgress, Result<Arc<Analysis>, String>>;
type CompareTask = Task<CompareProgress, CompareMsg>;
type SegmentsTask = Task<(), Vec<Result<SegmenterRow, String>>>;
type ExportTask = Task<WorkProgress, Result<String, String>>;

/// The application.
pub struct App {
    /// Persisted settings.
    pub settings: Settings,
    /// The text.
    pub input: Input,
    worker: Worker,
    /// The last analysis shown.
    pub analysis: Option<Arc<Analysis>>,
    /// The last analysis error.
    pub analysis_error: Option<String>,
    analysis_task: Option<AnalysisTask>,
    /// The selected byte, while no result holds it yet (kept for the next one).
    keep_byte: Option<usize>,
    /// The user cancelled the last analysis (or its checks) before it was done.
    pub analysis_cancelled: bool,
    /// The user cancelled the last Compare run.
    pub compare_cancelled: bool,
    /// Latency from the request to the first result of the last analysis.
    pub last_latency: Option<Duration>,
    /// The Compare rows' results (of the last job that finished; a row whose configuration
    /// differs from the tab's is stale).
    pub compare_results: Vec<Result<CompareRow, String>>,
    /// The rows of the running (or cancelled) Compare job, filled in as they come.
    pub compare_live: Vec<RowSlot>,
    /// The configurations of that job's rows (a piece belongs to the row as it was then).
    compare_job_rows: Vec<crate::method::Config>,
    compare_task: Option<CompareTask>,
    compare_dirty: bool,
    compare_state: CompareState,
    /// The Compare segmenter rows' results.
    pub segmenter_results: Vec<Result<SegmenterRow, String>>,
    segments_task: Option<SegmentsTask>,
    segments_dirty: bool,
    /// The model's name.
    pub model_name: String,
    /// The last model error.
    pub model_error: Option<String>,
    model_task: Option<ModelTask>,
    export_task: Option<ExportTask>,
    dialog: Option<(DialogKind, DialogTask)>,
    /// A message for the user (file errors, notes).
    pub notice: Option<String>,
    path_field: String,
    live: LiveState,
    /// Frame times.
    pub frame_times: FrameTimes,
    /// Whole-frame CPU times reported by eframe (ui, tessellation, painting).
    pub cpu_times: FrameTimes,
    frame_log: Option<Instant>,
    show_help: bool,
    /// The Batch tab (files × configurations, the M2 probe).
    pub batch: BatchState,
    commands: Vec<Command>,
    ctx: egui::Context,
}

fn waker(ctx: &egui::Context) -> Wake {
    let ctx = ctx.clone();
    Arc::new(move || ctx.request_repaint())
}

impl App {
    /// The app as eframe starts it: settings from storage, the default model (or the one last
    /// opened) loaded by the worker.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let settings: Settings = cc
            .storage
            .and_then(|s| eframe::get_value(s, SETTINGS_KEY))
            .unwrap_or_default();
        let loader = model_source::default_loader();
        let init_loader = loader.clone();
        let model_path = settings.model_path.clone();
        let device = settings.device.clone();
        let init = move || {
            if let Some(p) = model_path {
                let spec = ModelSpec::Path(PathBuf::from(&p));
                match init_loader(&spec, &device) {
                    Ok(m) => {
                        let loaded = LoadedModel {
                            model: m.model,
                            name: m.name,
                        };
                        return (loaded, m.note);
                    }
                    Err(e) => {
                        let (m, _) = model_source::default_model(&init_loader, &device);
                        return (m, Some(format!("could not reopen the last model: {e}")));
                    }
                }
            }
            model_source::default_model(&init_loader, &device)
        };
        Self::build(cc.egui_ctx.clone(), settings, Box::new(init), loader)
    }

    /// An app with injected settings and model (tests, benches, embedding). The text is
    /// `settings.text`, or the demo text.
    pub fn new_for_test(ctx: &egui::Context, settings: Settings, model: LoadedModel) -> Self {
        Self::build(
            ctx.clone(),
            settings,
            Box::new(move || (model, None)),
            model_source::default_loader(),
        )
    }

    fn build(ctx: egui::Context, settings: Settings, init: Init, loader: ModelLoader) -> Self {
        ctx.set_theme(if settings.dark {
            egui::Theme::Dark
        } else {
            egui::Theme::Light
        });
        let (model_task, first) = Task::channel("model", (), waker(&ctx));
        let worker = Worker::spawn(init, loader, first);
        worker.send(Job::SetThreads(settings.threads));
        let text = settings
            .text
            .clone()
            .unwrap_or_else(|| model_source::DEMO_TEXT.to_string());
        let live = LiveState {
            panels: settings.live_panels,
            ..LiveState::default()
        };
        // The first analysis is requested when the worker reports its model.
        App {
            settings,
            input: Input::from_text(text, "demo text"),
            worker,
            analysis: None,
            analysis_error: None,
            analysis_task: None,
            keep_byte: None,
            analysis_cancelled: false,
            compare_cancelled: false,
            last_latency: None,
            compare_results: Vec::new(),
            compare_live: Vec::new(),
            compare_job_rows: Vec::new(),
            compare_task: None,
            compare_dirty: true,
            compare_state: Default::default(),
            segmenter_results: Vec::new(),
            segments_task: None,
            segments_dirty: true,
            model_name: "loading…".into(),
            model_error: None,
            model_task: Some(model_task),
            export_task: None,
            dialog: None,
            notice: None,
            path_field: String::new(),
            live,
            frame_times: Default::default(),
            cpu_times: Default::default(),
            frame_log: std::env::var_os("EQINFO_FRAME_STATS").map(|_| Instant::now()),
            show_help: false,
            batch: BatchState::new(waker(&ctx)),
            commands: Vec::new(),
            ctx,
        }
    }

    /// The Live tab's view state (what its byte view drew last frame).
    pub fn live_state(&self) -> &LiveState {
        &self.live
    }

    /// The Compare tab's view state (what it drew last frame).
    pub fn compare_view(&self) -> &CompareState {
        &self.compare_state
    }

    /// True while the worker has work of ours (analysis and its checks, compare, model load)
    /// or an export runs.
    pub fn is_busy(&self) -> bool {
        self.export_task.is_some()
            || self.analysis_task.is_some()
            || self.compare_task.is_some()
            || self.segments_task.is_some()
            || self.model_task.is_some()
    }

    /// Replaces the text (as if typed or loaded).
    pub fn set_input(&mut self, input: Input) {
        self.input = input;
        self.live.interval.window = 0;
        self.live.interval.step = 0;
        self.keep_byte = None;
        // A new text starts at its top, not at the old one's scroll offset.
        self.live.layout.scroll_to_top();
        self.request_analysis();
        self.compare_text_changed();
    }

    /// The text (or the model) changed: every Compare result is void, its rows are redone.
    fn compare_text_changed(&mut self) {
        self.compare_results.clear();
        self.compare_live.clear();
        self.compare_task = None;
        self.compare_dirty = true;
    }

    /// Loads a text file (errors go to the notice line, never a panic).
    pub fn open_text_path(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(mut bytes) => {
                if bytes.len() > MAX_TEXT_BYTES {
                    bytes.truncate(MAX_TEXT_BYTES);
                    self.notice = Some(format!(
                        "{}: only the first {} bytes are shown",
                        path.display(),
                        MAX_TEXT_BYTES
                    ));
                } else {
                    self.notice = None;
                }
                let input = Input::from_bytes(bytes, &path.display().to_string());
                if !input.utf8 {
                    self.notice = Some(format!(
                        "{}: not valid UTF-8; invalid bytes are shown as hex cells and the editor is \
                         read-only",
                        path.display()
                    ));
                }
                self.set_input(input);
            }
            Err(e) => self.notice = Some(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// Asks the worker to load a model (errors come back to the UI as a message).
    pub fn open_model_path(&mut self, path: &Path) {
        self.load_model(ModelSpec::Path(path.to_path_buf()));
    }

    /// Loads a model on the device of the settings (a newer load supersedes this one).
    fn load_model(&mut self, spec: ModelSpec) {
        self.model_error = None;
        let (task, reply) = Task::channel("model", (), waker(&self.ctx));
        self.model_task = Some(task);
        self.worker.send(Job::LoadModel {
            spec,
            device: self.settings.device.clone(),
            reply,
        });
    }

    /// Sets the live configuration and re-analyses (as the settings panel does).
    pub fn set_config(&mut self, config: crate::method::Config) {
        self.settings.config = config;
        self.request_analysis();
    }

    fn request_analysis(&mut self) {
        // Dropping the previous task cancels it.
        let (task, reply) = Task::channel("analysis", WorkProgress::default(), waker(&self.ctx));
        self.analysis_task = Some(task);
        self.analysis_cancelled = false;
        self.worker.send(Job::Analyse {
            text: self.input.bytes.clone(),
            config: self.settings.config.clone(),
            reply,
        });
    }

    /// Starts the Compare rows: a row whose configuration has a result already (of this text
    /// and model) keeps it; the others are coded by the worker, the examples in view first.
    fn request_compare(&mut self) {
        self.compare_dirty = false;
        self.compare_cancelled = false;
        // Results so far: the last finished job's and what the running (or cancelled) one has.
        let mut old: Vec<Result<CompareRow, String>> = std::mem::take(&mut self.compare_results);
        for slot in std::mem::take(&mut self.compare_live) {
            if let RowSlot::Done(Ok(r)) = slot {
                old.push(Ok(r));
            }
        }
        let mut slots = Vec::with_capacity(self.settings.compare_rows.len());
        let mut todo = Vec::new();
        for (k, cfg) in self.settings.compare_rows.iter().enumerate() {
            match old
                .iter()
                .position(|r| matches!(r, Ok(r) if r.config == *cfg))
            {
                Some(pos) => slots.push(RowSlot::Done(old.swap_remove(pos))),
                None => {
                    slots.push(RowSlot::Pending);
                    todo.push((k, cfg.clone()));
                }
            }
        }
        self.compare_live = slots;
        self.compare_job_rows = self.settings.compare_rows.clone();
        if todo.is_empty() {
            self.compare_task = None;
            self.finish_compare();
        } else {
            let (task, reply) =
                Task::channel("compare", CompareProgress::default(), waker(&self.ctx));
            self.compare_task = Some(task);
            self.worker.send(Job::Compare {
                text: self.input.bytes.clone(),
                rows: todo,
                of: self.settings.compare_rows.len(),
                view: self.compare_state.view.clone(),
                reply,
            });
        }
        self.request_segments();
    }

    /// A Compare job that finished: its rows become the results (rows still coded in part
    /// stay on show as they are).
    fn finish_compare(&mut self) {
        if self
            .compare_live
            .iter()
            .all(|s| matches!(s, RowSlot::Done(_)))
        {
            self.compare_results = std::mem::take(&mut self.compare_live)
                .into_iter()
                .filter_map(|s| match s {
                    RowSlot::Done(r) => Some(r),
                    _ => None,
                })
                .collect();
        }
    }

    /// Applies what the Compare job sent.
    fn compare_message(&mut self, msg: CompareMsg) {
        match msg {
            CompareMsg::Piece { row, piece } => {
                let Some(slot) = self.compare_live.get_mut(row) else {
                    return;
                };
                let Some(cfg) = self.compare_job_rows.get(row) else {
                    return;
                };
                if !matches!(slot, RowSlot::Partial(p) if p.config == *cfg) {
                    *slot = RowSlot::Partial(PartialRow::new(cfg, self.input.bytes.len()));
                }
                let RowSlot::Partial(p) = slot else { return };
                p.insert(piece);
                if p.is_complete() {
                    let RowSlot::Partial(p) = std::mem::replace(slot, RowSlot::Pending) else {
                        return;
                    };
                    *slot = match p.into_row() {
                        Ok(r) => RowSlot::Done(Ok(r)),
                        Err(p) => RowSlot::Partial(*p),
                    };
                }
            }
            CompareMsg::Row { row, result } => {
                if let Some(slot) = self.compare_live.get_mut(row) {
                    *slot = RowSlot::Done(result);
                }
            }
        }
    }

    /// The segmenter rows of Compare (with the coding rows, or alone when only they changed).
    fn request_segments(&mut self) {
        self.segments_dirty = false;
        if self.settings.compare_segmenters.is_empty() {
            self.segments_task = None;
            self.segmenter_results.clear();
            return;
        }
        let (task, reply) = Task::channel("segments", (), waker(&self.ctx));
        self.segments_task = Some(task);
        self.worker.send(Job::Segments {
            text: self.input.bytes.clone(),
            specs: self.settings.compare_segmenters.clone(),
            reply,
        });
    }

    /// Applies what the worker, the dialog and the Batch tab's tasks sent.
    fn poll_tasks(&mut self) {
        if let Some(t) = &mut self.model_task {
            // One answer per load; a task that ends without one lost its worker.
            let answer = t.poll().pop();
            let lost = answer.is_none() && t.is_finished();
            if let Some(a) = answer {
                self.model_task = None;
                self.model_loaded(a);
            } else if lost {
                self.model_task = None;
                self.model_error = Some("the model worker is not running".into());
            }
        }
        if let Some(t) = &mut self.analysis_task {
            let first = t.received() == 0;
            let elapsed = t.elapsed();
            let results = t.poll();
            if first && !results.is_empty() {
                self.last_latency = Some(elapsed);
            }
            for r in results {
                match r {
                    Ok(a) => {
                        // The selection stays on its byte (a new b renumbers the windows).
                        let byte = self.keep_byte.take().or_else(|| {
                            let old = self.analysis.as_deref()?;
                            self.live.interval.selected_byte(old)
                        });
                        if let Some(b) = byte {
                            if !self.live.interval.select_byte(&a, b) {
                                self.keep_byte = Some(b);
                            }
                        }
                        self.analysis = Some(a);
                        self.analysis_error = None;
                    }
                    Err(e) => self.analysis_error = Some(e),
                }
            }
            if t.is_finished() {
                self.analysis_task = None;
            }
        }
        if let Some(t) = &mut self.compare_task {
            let msgs = t.poll();
            let finished = t.is_finished();
            for m in msgs {
                self.compare_message(m);
            }
            if finished {
                self.compare_task = None;
                self.finish_compare();
            }
        }
        if let Some(t) = &mut self.segments_task {
            let rows = t.poll().pop();
            if rows.is_some() || t.is_finished() {
                self.segments_task = None;
            }
            if let Some(rows) = rows {
                self.segmenter_results = rows;
            }
        }
        if let Some(t) = &mut self.export_task {
            let answer = t.poll().pop();
            if answer.is_some() || t.is_finished() {
                let cancelled = t.cancel_requested().is_some();
                self.export_task = None;
                self.notice = Some(match answer {
                    Some(Ok(done)) => done,
                    Some(Err(e)) if cancelled => {
                        format!("export cancelled ({e}): earlier files are as they were")
                    }
                    Some(Err(e)) => {
                        format!("export failed: {e} (earlier files are as they were)")
                    }
                    None => "export failed: its thread stopped".into(),
                });
            }
        }
        if let Some((kind, t)) = &mut self.dialog {
            let kind = *kind;
            let answer = t.poll().pop();
            if answer.is_some() || t.is_finished() {
                self.dialog = None;
                self.commands
                    .push(dialog::answer(kind, answer.unwrap_or_default()));
            }
        }
        self.batch.poll();
    }

    fn model_loaded(&mut self, answer: Result<ModelLoaded, String>) {
        match answer {
            Ok(m) => {
                self.model_name = m.name;
                self.model_error = None;
                if let Some(n) = m.note {
                    self.notice = Some(n);
                }
                if let Some(p) = m.remember {
                    self.settings.model_path = p;
                }
                self.request_analysis();
                self.compare_text_changed();
            }
            Err(e) => self.model_error = Some(e),
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        if self.settings.tab == Tab::Batch {
            self.commands
                .push(Command::Batch(BatchCommand::AddPaths(dropped)));
            return;
        }
        for path in dropped {
            self.commands.push(if looks_like_model(&path) {
                Command::OpenModel(Some(path))
            } else {
                Command::OpenText(path)
            });
        }
    }

    /// Applies one command (see [`Command`]).
    fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::OpenText(p) => self.open_text_path(&p),
            Command::SetInput(input) => self.set_input(input),
            Command::TextEdited => {
                self.request_analysis();
                self.compare_text_changed();
            }
            Command::OpenModel(p) => self.load_model(ModelSpec::from_path(p.as_deref())),
            Command::ReopenModel => {
                let p = self.settings.model_path.clone().map(PathBuf::from);
                self.load_model(ModelSpec::from_path(p.as_deref()));
            }
            Command::Reanalyse => self.request_analysis(),
            Command::CompareChanged => self.compare_dirty = true,
            Command::SetThreads(n) => self.worker.send(Job::SetThreads(n)),
            Command::CancelAnalysis => {
                if let Some(mut t) = self.analysis_task.take() {
                    t.cancel();
                    self.analysis_cancelled = true;
                }
            }
            Command::CancelCompare => {
                if let Some(mut t) = self.compare_task.take() {
                    t.cancel();
                    self.compare_cancelled = true;
                }
            }
            Command::ExportAnalysis(p) => self.export_to(&p),
            Command::CancelExport => {
                if let Some(t) = &mut self.export_task {
                    t.cancel();
                }
            }
            Command::ToggleTheme => {
                self.settings.dark = !self.settings.dark;
                self.ctx.set_theme(if self.settings.dark {
                    egui::Theme::Dark
                } else {
                    egui::Theme::Light
                });
            }
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::OpenDialog(kind) => {
                if self.dialog.is_none() {
                    match dialog::open(kind, waker(&self.ctx)) {
                        Ok(t) => self.dialog = Some((kind, t)),
                        Err(e) => self.notice = Some(format!("{e}; type a path instead")),
                    }
                }
            }
            Command::Notice(n) => self.notice = Some(n),
            Command::DismissNotice => self.notice = None,
            Command::DismissModelError => self.model_error = None,
            Command::Batch(c) => self.batch.apply(c, &mut self.settings),
        }
    }

    /// Writes the analysis: bytes, windows and tokens with their spans, as JSON and CSV
    /// ([`crate::live::export`]), on a thread of its own with progress and Cancel; the outcome
    /// (the files written, or why not) comes to the notice line. One export at a time.
    pub fn export_to(&mut self, path: &Path) {
        let Some(a) = self.analysis.clone() else {
            self.notice = Some("nothing to export yet".into());
            return;
        };
        if self.export_task.is_some() {
            self.notice = Some("an export is under way: wait for it or cancel it".into());
            return;
        }
        let path = path.to_path_buf();
        let task = Task::spawn(
            "export",
            WorkProgress::default(),
            waker(&self.ctx),
            move |h| {
                h.update(|p| p.start("exporting", 0));
                let progress = |done: usize, total: usize| {
                    h.update(|p| {
                        if p.total != total {
                            p.start("exporting", total);
                        }
                        p.done = done;
                    })
                };
                crate::live::export::write_files_with(&a, &path, h.cancel_flag(), &progress)
                    .map(|paths| {
                        format!(
                            "exported {} bytes, {} windows and {} tokens to {}",
                            a.len(),
                            a.windows.len(),
                            a.tokens.len(),
                            paths
                                .iter()
                                .map(|p| p.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .map_err(|e| e.to_string())
            },
        );
        match task {
            Ok(t) => self.export_task = Some(t),
            Err(e) => self.notice = Some(format!("export failed: {e}")),
        }
    }

    /// True while an export runs.
    pub fn is_exporting(&self) -> bool {
        self.export_task.is_some()
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        let busy = self.is_busy();
        let tab = self.settings.tab;
        let cmds = &mut self.commands;
        egui::CentralPanel::default().show(ui, |ui| match tab {
            Tab::Live => {
                let view = LiveView {
                    analysis: self.analysis.as_ref(),
                    error: self.analysis_error.as_deref(),
                    busy,
                    progress: self
                        .analysis_task
                        .as_ref()
                        .map(|t| t.with_progress(WorkProgress::clone)),
                    cancelled: self.analysis_cancelled,
                    settings: &self.settings,
                };
                live::live_ui(ui, &mut self.live, &mut self.input, &view, cmds);
                self.settings.live_panels = self.live.panels;
            }
            Tab::Compare => {
                // Progress and Cancel of the rows (the tab itself draws the rows).
                let progress = self
                    .compare_task
                    .as_ref()
                    .map(|t| t.with_progress(CompareProgress::clone));
                live::work_progress_ui(
                    ui,
                    progress.as_ref().map(|p| &p.work),
                    self.compare_cancelled,
                    "Cancel rows",
                    Command::CancelCompare,
                    cmds,
                );
                let changed = compare::compare_ui(
                    ui,
                    &mut self.compare_state,
                    CompareRows {
                        rows: &mut self.settings.compare_rows,
                        results: &self.compare_results,
                        live: &self.compare_live,
                        progress: progress.as_ref().map_or(&[], |p| p.rows.as_slice()),
                        segmenters: &mut self.settings.compare_segmenters,
                        segmenter_results: &self.segmenter_results,
                    },
                    &self.input.bytes,
                    self.compare_task.is_some() || self.segments_task.is_some(),
                    self.settings.dark,
                );
                if changed.rows {
                    cmds.push(Command::CompareChanged);
                }
                if changed.segmenters {
                    self.segments_dirty = true;
                }
            }
            Tab::Batch => {
                crate::app::batch::batch_ui(ui, &mut self.batch, &mut self.settings, cmds)
            }
        });
    }

    fn log_frame_stats(&mut self) {
        let Some(last) = self.frame_log else { return };
        if last.elapsed() >= Duration::from_secs(2) {
            let (ui_mean, ui_max) = self.frame_times.mean_max();
            let (cpu_mean, cpu_max) = self.cpu_times.mean_max();
            eprintln!(
                "frame stats: ui mean {ui_mean:.2} ms max {ui_max:.2} ms; cpu mean {cpu_mean:.2} ms \
                 max {cpu_max:.2} ms; {} bytes shown; last latency {:?}",
                self.analysis.as_ref().map(|a| a.len()).unwrap_or(0),
                self.last_latency
            );
            self.frame_log = Some(Instant::now());
        }
    }
}

/// True for a path that names a model rather than a text.
fn looks_like_model(path: &Path) -> bool {
    path.is_dir()
        || matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("safetensors") | Some("json")
        )
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        if let Some(cpu) = frame.info().cpu_usage {
            self.cpu_times.push(cpu * 1e3);
        }
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        self.poll_tasks();
        self.handle_dropped_files(&ctx);
        let export = self
            .export_task
            .as_ref()
            .map(|t| t.with_progress(WorkProgress::clone));
        let bar = TopBar {
            export: export.as_ref(),
            model_name: &self.model_name,
            model_loading: self.model_task.is_some(),
            busy: self.is_busy(),
            model_error: self.model_error.as_deref(),
            notice: self.notice.as_deref(),
        };
        panels::top_bar_ui(ui, &mut self.settings, &bar, &mut self.commands);
        let timing = Timing {
            analysis: self.analysis.as_ref(),
            last_latency: self.last_latency,
            ui_ms: self.frame_times.mean_max(),
            cpu_ms: self.cpu_times.mean_max(),
        };
        panels::side_panel_ui(
            ui,
            &mut self.settings,
            &mut self.path_field,
            &timing,
            &mut self.commands,
        );
        self.central_ui(ui);
        panels::help_ui(&ctx, &mut self.show_help);
        for cmd in std::mem::take(&mut self.commands) {
            self.apply(cmd);
        }
        if self.settings.tab != Tab::Compare && self.compare_task.take().is_some() {
            // Leaving Compare stops its rows (redone on return): the live view's analyses share
            // the worker and must not wait behind rows nobody sees. Dropping the task cancels it.
            self.compare_dirty = true;
        }
        if self.settings.tab != Tab::Compare && self.segments_task.take().is_some() {
            self.segments_dirty = true;
        }
        if self.compare_dirty && self.settings.tab == Tab::Compare && self.model_task.is_none() {
            self.request_compare();
        } else if self.segments_dirty
            && self.settings.tab == Tab::Compare
            && self.model_task.is_none()
        {
            self.request_segments();
        }
        self.frame_times.push(started.elapsed().as_secs_f32() * 1e3);
        self.log_frame_stats();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.text = (self.input.utf8
            && self.input.text.len() <= state::MAX_PERSISTED_TEXT)
            .then(|| self.input.text.clone());
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
