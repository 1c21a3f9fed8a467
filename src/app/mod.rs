//! The GUI (eframe/egui live here and nowhere else): the [`App`], which drains the worker's
//! replies, draws the top bar, the settings panel and the Live and Compare tabs, and sends work to
//! the background worker; the UI thread never waits on the model.
//!
//! | module | what |
//! |---|---|
//! | `state` | persisted settings, apart from runtime state |
//! | `worker` | the background thread owning the model; jobs and replies over channels |
//! | `model_source` | the pluggable model loader, the default model, the demo text |
//! | `live` | the Live tab: editor, summary, byte view, interval view |
//! | `compare` | the Compare tab |
//! | `batch_tab`, `batch_plots`, `probe_tab` | the Batch tab: files × configurations, plots, export, M2 probe |
//! | `plots` | plain builders of plot data |
//! | `theme` | colours and glyphs |

pub mod batch_plots;
pub mod batch_tab;
pub mod compare;
pub mod live;
pub mod model_source;
pub mod plots;
pub mod probe_tab;
pub mod state;
pub mod theme;
pub mod worker;

use crate::live::{Analysis, CompareRow};
use model_source::{LoadedModel, ModelLoader};
use state::{Settings, Tab, SETTINGS_KEY};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use worker::{Job, Reply, Worker};

/// Largest file loaded into the live view (bytes).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Opens the window (with `file` in the Live tab, when given); returns when it is closed.
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("eqinfo — Equal-Info Windows explorer")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "eqinfo",
        options,
        Box::new(move |cc| {
            let mut app = App::new(cc);
            if let Some(f) = &file {
                app.open_text_path(f);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| e.to_string())
}

/// The text being analysed.
#[derive(Debug, Clone)]
pub struct Input {
    /// The editor's buffer (lossy for text that is not UTF-8).
    pub text: String,
    /// The bytes analysed.
    pub bytes: Arc<Vec<u8>>,
    /// False when the bytes are not valid UTF-8 (the editor is then read-only).
    pub utf8: bool,
    /// Where it came from.
    pub name: String,
}

impl Input {
    /// From an editable string.
    pub fn from_text(text: String, name: &str) -> Input {
        Input {
            bytes: Arc::new(text.as_bytes().to_vec()),
            text,
            utf8: true,
            name: name.into(),
        }
    }

    /// From raw bytes (any).
    pub fn from_bytes(bytes: Vec<u8>, name: &str) -> Input {
        match String::from_utf8(bytes) {
            Ok(text) => Input::from_text(text, name),
            Err(e) => {
                let bytes = e.into_bytes();
                Input {
                    text: escape_invalid_utf8(&bytes),
                    bytes: Arc::new(bytes),
                    utf8: false,
                    name: name.into(),
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DialogKind {
    Text,
    Model,
    Export,
}

struct Pending {
    generation: u64,
    cancel: Arc<AtomicBool>,
    since: Instant,
}

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
    analysis_gen: u64,
    shown_gen: u64,
    pending_analysis: Option<Pending>,
    /// Latency from the request to the result of the last analysis.
    pub last_latency: Option<Duration>,
    /// The Compare rows' results.
    pub compare_results: Vec<Result<CompareRow, String>>,
    compare_gen: u64,
    pending_compare: Option<Pending>,
    compare_dirty: bool,
    compare_state: compare::CompareState,
    /// The model's name.
    pub model_name: String,
    /// The last model error.
    pub model_error: Option<String>,
    model_loading: bool,
    requested_model: Option<Option<PathBuf>>,
    /// A message for the user (file errors, notes).
    pub notice: Option<String>,
    path_field: String,
    dialogs_tx: Sender<(DialogKind, Option<PathBuf>)>,
    dialogs_rx: Receiver<(DialogKind, Option<PathBuf>)>,
    dialog_open: bool,
    live: live::LiveState,
    /// Frame times.
    pub frame_times: FrameTimes,
    /// Whole-frame CPU times reported by eframe (ui, tessellation, painting).
    pub cpu_times: FrameTimes,
    frame_log: Option<Instant>,
    show_help: bool,
    /// The Batch tab (files × configurations, the M2 probe).
    pub batch: batch_tab::BatchState,
    ctx: egui::Context,
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
                match init_loader(Some(Path::new(&p)), &device) {
                    Ok(model) => {
                        let name = format!("{p} ({device})");
                        return (LoadedModel { model, name }, None);
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

    fn build(
        ctx: egui::Context,
        settings: Settings,
        init: Box<dyn FnOnce() -> (LoadedModel, Option<String>) + Send>,
        loader: ModelLoader,
    ) -> Self {
        ctx.set_theme(if settings.dark {
            egui::Theme::Dark
        } else {
            egui::Theme::Light
        });
        let wake_ctx = ctx.clone();
        let worker = Worker::spawn(init, loader, Arc::new(move || wake_ctx.request_repaint()));
        let text = settings
            .text
            .clone()
            .unwrap_or_else(|| model_source::DEMO_TEXT.to_string());
        let (dialogs_tx, dialogs_rx) = channel();
        let app = App {
            settings,
            input: Input::from_text(text, "demo text"),
            worker,
            analysis: None,
            analysis_error: None,
            analysis_gen: 0,
            shown_gen: 0,
            pending_analysis: None,
            last_latency: None,
            compare_results: Vec::new(),
            compare_gen: 0,
            pending_compare: None,
            compare_dirty: true,
            compare_state: Default::default(),
            model_name: "loading…".into(),
            model_error: None,
            model_loading: true,
            requested_model: None,
            notice: None,
            path_field: String::new(),
            dialogs_tx,
            dialogs_rx,
            dialog_open: false,
            live: Default::default(),
            frame_times: Default::default(),
            cpu_times: Default::default(),
            frame_log: std::env::var_os("EQINFO_FRAME_STATS").map(|_| Instant::now()),
            show_help: false,
            batch: batch_tab::BatchState::new(ctx.clone()),
            ctx,
        };
        // The first analysis is requested when the worker reports its model.
        app
    }

    /// True while the worker has work of ours (analysis, compare, model load).
    pub fn is_busy(&self) -> bool {
        self.pending_analysis.is_some()
            || self.pending_compare.is_some()
            || self.model_loading
            || (self.analysis_error.is_none()
                && self.analysis.as_ref().is_some_and(|a| a.unchecked() > 0))
    }

    /// Replaces the text (as if typed or loaded).
    pub fn set_input(&mut self, input: Input) {
        self.input = input;
        self.live.interval.window = 0;
        self.live.interval.step = 0;
        self.request_analysis();
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
        self.load_model(Some(path.to_path_buf()));
    }

    /// Loads a model (None: the sample model) on the device of the settings.
    fn load_model(&mut self, path: Option<PathBuf>) {
        self.model_loading = true;
        self.model_error = None;
        self.requested_model = Some(path.clone());
        self.worker.send(Job::LoadModel {
            path,
            device: self.settings.device.clone(),
        });
    }

    fn request_analysis(&mut self) {
        if let Some(p) = &self.pending_analysis {
            p.cancel.store(true, Ordering::Relaxed);
        }
        self.analysis_gen += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.worker.send(Job::Analyse {
            generation: self.analysis_gen,
            text: self.input.bytes.clone(),
            config: self.settings.config.clone(),
            cancel: cancel.clone(),
        });
        self.pending_analysis = Some(Pending {
            generation: self.analysis_gen,
            cancel,
            since: Instant::now(),
        });
    }

    fn request_compare(&mut self) {
        if let Some(p) = &self.pending_compare {
            p.cancel.store(true, Ordering::Relaxed);
        }
        self.compare_gen += 1;
        let cancel = Arc::new(AtomicBool::new(false));
        self.worker.send(Job::Compare {
            generation: self.compare_gen,
            text: self.input.bytes.clone(),
            configs: self.settings.compare_rows.clone(),
            cancel: cancel.clone(),
        });
        self.pending_compare = Some(Pending {
            generation: self.compare_gen,
            cancel,
            since: Instant::now(),
        });
        self.compare_dirty = false;
    }

    /// Applies the worker's replies.
    fn drain_replies(&mut self) {
        while let Some(reply) = self.worker.try_recv() {
            match reply {
                Reply::Model(Ok((name, _generation))) => {
                    self.model_name = name;
                    self.model_error = None;
                    self.model_loading = false;
                    if let Some(p) = self.requested_model.take() {
                        self.settings.model_path = p.map(|p| p.display().to_string());
                    }
                    self.request_analysis();
                    self.compare_dirty = true;
                }
                Reply::Model(Err(e)) => {
                    self.model_error = Some(e);
                    self.model_loading = false;
                    self.requested_model = None;
                }
                Reply::Notice(n) => self.notice = Some(n),
                Reply::Analysis { generation, result } => {
                    if generation < self.shown_gen {
                        continue;
                    }
                    self.shown_gen = generation;
                    if let Some(p) = &self.pending_analysis {
                        if p.generation == generation {
                            self.last_latency = Some(p.since.elapsed());
                            self.pending_analysis = None;
                        }
                    }
                    match result {
                        Ok(a) => {
                            self.analysis = Some(a);
                            self.analysis_error = None;
                        }
                        Err(e) => self.analysis_error = Some(e),
                    }
                }
                Reply::Compare { generation, rows } => {
                    if let Some(p) = &self.pending_compare {
                        if p.generation == generation {
                            self.pending_compare = None;
                        }
                    }
                    if generation == self.compare_gen {
                        self.compare_results = rows;
                    }
                }
            }
        }
        // A job cancelled by a newer one sends nothing: drop it from `pending` once superseded.
        if let Some(p) = &self.pending_analysis {
            if p.generation < self.analysis_gen {
                self.pending_analysis = None;
            }
        }
    }

    fn spawn_dialog(&mut self, kind: DialogKind) {
        if self.dialog_open {
            return;
        }
        self.dialog_open = true;
        let tx = self.dialogs_tx.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-dialog".into())
            .spawn(move || {
                let dialog = rfd::FileDialog::new();
                let path = match kind {
                    DialogKind::Text => dialog.set_title("Open a text file").pick_file(),
                    DialogKind::Model => dialog
                        .set_title("Open a model folder (config.json + model.safetensors)")
                        .pick_folder(),
                    DialogKind::Export => dialog
                        .set_title("Export the per-byte analysis (TSV)")
                        .set_file_name("analysis.tsv")
                        .save_file(),
                };
                let _ = tx.send((kind, path));
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.dialog_open = false;
            self.notice = Some("cannot open a file dialog; use the path field".into());
        }
    }

    fn drain_dialogs(&mut self) {
        while let Ok((kind, path)) = self.dialogs_rx.try_recv() {
            self.dialog_open = false;
            let Some(path) = path else {
                self.notice = Some(
                    "no file chosen (without a desktop portal the dialog may not open: type a path \
                     in the side panel or drop a file on the window)"
                        .into(),
                );
                continue;
            };
            match kind {
                DialogKind::Text => self.open_text_path(&path),
                DialogKind::Model => self.open_model_path(&path),
                DialogKind::Export => self.export_to(&path),
            }
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
        if self.settings.tab == Tab::Batch && !dropped.is_empty() {
            self.batch.add_paths(&dropped);
            return;
        }
        for path in dropped {
            if looks_like_model(&path) {
                self.open_model_path(&path);
            } else {
                self.open_text_path(&path);
            }
        }
    }

    /// Writes the per-byte analysis as TSV.
    pub fn export_to(&mut self, path: &Path) {
        let Some(a) = self.analysis.clone() else {
            self.notice = Some("nothing to export yet".into());
            return;
        };
        let mut out = String::from("byte_idx\tbyte\tprob\tsurprisal_bits\trank\twindow\tbits\n");
        for i in 0..a.len() {
            let byte = a.text.get(i).copied().unwrap_or(0);
            match a.byte(i) {
                Some(info) => out.push_str(&format!(
                    "{i}\t{byte}\t{}\t{:.4}\t{}\t{}\t{}\n",
                    info.trace.prob,
                    theme::surprisal_bits(info.trace.prob),
                    info.trace.rank,
                    info.window,
                    crate::live::bit_string(
                        a.bits
                            .get(info.bits.start as usize..info.bits.end as usize)
                            .unwrap_or(&[])
                    )
                )),
                None => out.push_str(&format!(
                    "{i}\t{byte}\t\t\t\t{}\t\n",
                    a.window_of(i).unwrap_or(0)
                )),
            }
        }
        self.notice = Some(match std::fs::write(path, out) {
            Ok(()) => format!(
                "exported {} bytes of analysis to {}",
                a.len(),
                path.display()
            ),
            Err(e) => format!("cannot write {}: {e}", path.display()),
        });
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("top_bar").show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                if ui.button("Open text…").clicked() {
                    self.spawn_dialog(DialogKind::Text);
                }
                if ui.button("Open model…").clicked() {
                    self.spawn_dialog(DialogKind::Model);
                }
                if ui.button("Export…").clicked() {
                    self.spawn_dialog(DialogKind::Export);
                }
                let theme_label = if self.settings.dark {
                    "☀ Light"
                } else {
                    "🌙 Dark"
                };
                if ui.button(theme_label).clicked() {
                    self.settings.dark = !self.settings.dark;
                    ui.ctx().set_theme(if self.settings.dark {
                        egui::Theme::Dark
                    } else {
                        egui::Theme::Light
                    });
                }
                if ui.button("Help").clicked() {
                    self.show_help = !self.show_help;
                }
                ui.separator();
                ui.selectable_value(&mut self.settings.tab, Tab::Live, "Live");
                ui.selectable_value(&mut self.settings.tab, Tab::Compare, "Compare");
                ui.selectable_value(&mut self.settings.tab, Tab::Batch, "Batch");
                ui.separator();
                ui.label(format!("Model: {}", self.model_name));
                if self.model_loading {
                    ui.spinner();
                    ui.label("loading model…");
                }
                if self.is_busy() {
                    ui.spinner();
                    ui.label("analysing…");
                }
            });
            if let Some(e) = &self.model_error {
                ui.colored_label(theme::FLAG, format!("Model error: {e}"));
            }
            if let Some(n) = self.notice.clone() {
                ui.horizontal(|ui| {
                    ui.label(n);
                    if ui.small_button("Dismiss").clicked() {
                        self.notice = None;
                    }
                });
            }
        });
    }

    fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::left("settings")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.settings_ui(ui));
            });
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        use crate::method::MethodKind;
        let cfg = &mut self.settings.config;
        ui.heading("Settings");
        egui::ComboBox::from_label("Method")
            .selected_text(state::method_name(cfg.method))
            .show_ui(ui, |ui| {
                for m in MethodKind::ALL {
                    ui.selectable_value(&mut cfg.method, m, state::method_name(m));
                }
            });
        ui.add_enabled(
            cfg.method == MethodKind::EqualInfo,
            egui::Slider::new(&mut cfg.window_bits, 8..=256).text("window bits b"),
        );
        ui.horizontal_wrapped(|ui| {
            for b in [16u32, 24, 32, 64, 128] {
                if ui
                    .add_enabled(
                        cfg.method == MethodKind::EqualInfo,
                        egui::Button::selectable(cfg.window_bits == b, format!("b={b}")),
                    )
                    .clicked()
                {
                    cfg.window_bits = b;
                }
            }
        });
        ui.add(egui::Slider::new(&mut cfg.token_bits, 1..=16).text("token bits"));
        ui.horizontal(|ui| {
            for (t, name) in [(8u32, "8-bit tokens"), (16, "16-bit tokens")] {
                if ui
                    .add(egui::Button::selectable(cfg.token_bits == t, name))
                    .clicked()
                {
                    cfg.token_bits = t;
                }
            }
        });
        ui.add_enabled(
            cfg.method.is_ac(),
            egui::Slider::new(&mut cfg.precision, 10..=16).text("precision β"),
        );
        ui.add_enabled(
            cfg.method == MethodKind::EqualInfo,
            egui::Checkbox::new(&mut cfg.delay, "Delay variant"),
        );
        ui.horizontal(|ui| {
            let l = ui.label("reset every n windows (0 = never)");
            ui.add_enabled(
                cfg.method == MethodKind::EqualInfo,
                egui::DragValue::new(&mut cfg.reset_every).range(0..=1024),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label("example bytes (0 = whole text)");
            ui.add(egui::DragValue::new(&mut cfg.example_bytes).range(0..=1 << 20))
                .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let before = self.settings.device.clone();
            egui::ComboBox::from_label("Device")
                .selected_text(self.settings.device.clone())
                .show_ui(ui, |ui| {
                    for d in ["cpu", "cuda:0", "metal:0"] {
                        ui.selectable_value(&mut self.settings.device, d.to_string(), d);
                    }
                });
            if self.settings.device != before {
                let path = self.settings.model_path.clone().map(PathBuf::from);
                self.load_model(path);
            }
        });
        if ui.button("Use the sample model").clicked() {
            self.load_model(None);
        }
        ui.separator();
        ui.heading("View");
        ui.horizontal(|ui| {
            ui.label("colour:");
            ui.selectable_value(
                &mut self.settings.colour_scale,
                state::ColourScale::Surprisal,
                "surprisal",
            );
            ui.selectable_value(
                &mut self.settings.colour_scale,
                state::ColourScale::Probability,
                "probability",
            );
        });
        ui.horizontal(|ui| {
            ui.label("tokens:");
            ui.selectable_value(
                &mut self.settings.token_format,
                state::TokenFormat::Decimal,
                "decimal",
            );
            ui.selectable_value(
                &mut self.settings.token_format,
                state::TokenFormat::Hex,
                "hex",
            );
            ui.selectable_value(
                &mut self.settings.token_format,
                state::TokenFormat::Bits,
                "bits",
            );
        });
        ui.checkbox(&mut self.settings.show_whitespace, "show whitespace glyphs");
        ui.add(egui::Slider::new(&mut self.settings.play_step_s, 0.05..=2.0).text("play step (s)"));
        ui.separator();
        ui.heading("Files");
        ui.horizontal(|ui| {
            let l = ui.label("Path");
            ui.add(egui::TextEdit::singleline(&mut self.path_field).desired_width(160.0))
                .labelled_by(l.id);
        });
        ui.horizontal_wrapped(|ui| {
            let path = PathBuf::from(self.path_field.trim());
            let has_path = !self.path_field.trim().is_empty();
            if ui
                .add_enabled(has_path, egui::Button::new("Load text"))
                .clicked()
            {
                self.open_text_path(&path);
            }
            if ui
                .add_enabled(has_path, egui::Button::new("Load model"))
                .clicked()
            {
                self.open_model_path(&path);
            }
            if ui
                .add_enabled(has_path, egui::Button::new("Export to path"))
                .clicked()
            {
                self.export_to(&path);
            }
        });
        ui.separator();
        ui.heading("Timing");
        if let Some(a) = &self.analysis {
            ui.label(format!(
                "last analysis {:.1} ms: {} windows encoded, {} reused, {} bytes encoded",
                a.stats.elapsed.as_secs_f64() * 1e3,
                a.stats.windows_computed,
                a.stats.windows_reused,
                a.stats.bytes_encoded
            ));
        }
        if let Some(l) = self.last_latency {
            ui.label(format!("edit to result {:.1} ms", l.as_secs_f64() * 1e3));
        }
        let (mean, max) = self.frame_times.mean_max();
        ui.label(format!("frame (ui) mean {mean:.1} ms, max {max:.1} ms"));
        let (mean, max) = self.cpu_times.mean_max();
        ui.label(format!("frame (cpu) mean {mean:.1} ms, max {max:.1} ms"));
    }

    fn help_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_help;
        egui::Window::new("Help").open(&mut open).show(ctx, |ui| {
            ui.label(
                "Type in the editor: every edit is re-analysed in the background (only the changed \
                 windows are recomputed).\n\
                 Byte cells are coloured by the model's probability of each byte (or its surprisal); \
                 bands above are the Equal-Info windows (⚠: the side-information-free decoder gets \
                 that window wrong); boxes below are the tokens, under the bytes whose coding emitted \
                 their bits. A red underline marks a character whose bits straddle two tokens.\n\
                 Hover a byte for its prediction; click it to step through its window in the interval \
                 view (arrow keys, play/pause).\n\
                 Compare shows the same text under several configurations on one byte axis.\n\
                 Open files with the buttons, by dropping them on the window, or by typing a path in \
                 the side panel.",
            );
        });
        self.show_help = open;
    }
}

/// The bytes as text, each invalid byte written as `\xHH`.
pub fn escape_invalid_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
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
        self.drain_replies();
        self.drain_dialogs();
        self.handle_dropped_files(&ctx);
        self.batch.poll();
        let before_cfg = self.settings.config.clone();
        let before_rows = self.settings.compare_rows.clone();
        self.top_bar_ui(ui);
        self.side_panel_ui(ui);
        let tab = self.settings.tab;
        egui::CentralPanel::default().show(ui, |ui| match tab {
            Tab::Live => self.live_ui(ui),
            Tab::Compare => {
                let busy = self.pending_compare.is_some();
                let text = self.input.bytes.clone();
                let changed = compare::compare_ui(
                    ui,
                    &mut self.compare_state,
                    &mut self.settings.compare_rows,
                    &self.compare_results,
                    &text,
                    busy,
                    self.settings.dark,
                );
                if changed {
                    self.compare_dirty = true;
                }
            }
            Tab::Batch => batch_tab::batch_ui(ui, &mut self.batch, &mut self.settings),
        });
        self.help_ui(&ctx);
        if self.settings.config != before_cfg {
            self.request_analysis();
        }
        if self.settings.compare_rows != before_rows {
            self.compare_dirty = true;
        }
        if self.settings.tab != Tab::Compare {
            if let Some(p) = self.pending_compare.take() {
                // Leaving Compare stops its rows (redone on return): the live view's analyses
                // share the worker and must not wait behind rows nobody sees.
                p.cancel.store(true, Ordering::Relaxed);
                self.compare_dirty = true;
            }
        }
        if self.compare_dirty && self.settings.tab == Tab::Compare && !self.model_loading {
            self.request_compare();
        }
        self.frame_times.push(started.elapsed().as_secs_f32() * 1e3);
        if let Some(last) = self.frame_log {
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

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.text = (self.input.utf8
            && self.input.text.len() <= state::MAX_PERSISTED_TEXT)
            .then(|| self.input.text.clone());
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}
