//! The M2 probe section of the Batch tab: choose configurations, a training and a held-out file
//! and a preset; [`crate::probe::run_probe`] runs on a background thread with live per-
//! configuration loss curves, progress and cancel; the final table and the bar chart of M2
//! bits/byte against the uniform and unigram bounds; CSV/JSON/PNG/SVG export.
//!
//! Configurations that share an encoding (AC methods that differ only in token size) run in one
//! `run_probe` call, so they share it; each group is its own call, so a cancel keeps every group
//! finished before it.

use super::batch_plots;
use super::batch_tab::{model_choice_ui, open_batch_model, BatchModel};
use super::state::Settings;
use crate::method::Config;
use crate::model::open::FitText;
use crate::probe::{
    self, preset, Budget, ConfigResult, Hooks, M2Shape, Phase, ProbeOptions, ProbeProgress,
    ProbeReport,
};
use crate::report::export::write_probe;
use crate::report::paper::paper_m2_bits_per_byte;
use crate::report::plot::{loss_curves, probe_bars};
use egui::{Color32, RichText, Ui};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Presets offered: `tiny` (a GUI-only smoke preset: seconds), then the library's.
pub const GUI_PRESETS: &[&str] = &["tiny", "quick", "gpu"];

/// The options of a preset name; `tiny` is a 1-layer, 32-wide M2 for 40 steps of 4 × 64 tokens,
/// enough to see a loss curve move in seconds (not a measurement).
pub fn probe_options(name: &str) -> Result<ProbeOptions, String> {
    if name == "tiny" {
        return Ok(ProbeOptions {
            preset: "tiny".into(),
            shape: M2Shape {
                d_model: 32,
                n_layers: 1,
                n_heads: 2,
                head_dim: 16,
                d_mlp: 64,
                large_vocab_embed_dim: 8,
            },
            budget: Budget {
                steps: 40,
                batch: 4,
                seq_len: 64,
                lr: 3e-3,
                min_lr_frac: 0.1,
                warmup: 4,
                weight_decay: 0.01,
                clip: 1.0,
                seed: 0,
            },
            unigram_smoothing: probe::DEFAULT_UNIGRAM_SMOOTHING,
        });
    }
    preset(name).map_err(|e| e.to_string())
}

/// The probe section's persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbeSettings {
    /// Preset name (see [`GUI_PRESETS`]).
    pub preset: String,
    /// Training text.
    pub train_path: String,
    /// Held-out text.
    pub heldout_path: String,
    /// The chosen configurations, in order.
    pub configs: Vec<Config>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            preset: "quick".into(),
            train_path: String::new(),
            heldout_path: String::new(),
            configs: probe::default_configs(),
        }
    }
}

/// A file dialog the probe section asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    /// The training text.
    Train,
    /// The held-out text.
    Heldout,
    /// The export folder.
    ExportFolder,
    /// A model folder.
    Model,
}

#[derive(Default)]
struct Live {
    labels: Vec<String>,
    curves: Vec<Vec<f32>>,
    current: Option<(usize, Phase, usize, usize)>,
    results: Vec<(usize, ConfigResult)>,
    errors: Vec<String>,
    phase: String,
    last_repaint: Option<Instant>,
}

enum Msg {
    Done {
        report: Box<ProbeReport>,
        cancelled: bool,
    },
    Failed(String),
}

struct Running {
    cancel: Arc<AtomicBool>,
    live: Arc<Mutex<Live>>,
    rx: Receiver<Msg>,
    started: Instant,
    steps: usize,
}

/// The probe section's runtime state.
pub struct ProbeState {
    running: Option<Running>,
    /// The last report (complete or cut short by cancel).
    pub report: Option<ProbeReport>,
    /// The last run was cancelled.
    pub cancelled: bool,
    /// Errors of configurations that failed, and of a run that could not start.
    pub errors: Vec<String>,
    /// Loss curves (label, bits per token per step) of the last or running probe.
    pub curves: Vec<(String, Vec<f32>)>,
    /// Seconds the last probe took.
    pub seconds: Option<f64>,
    pub(crate) train_pick: Option<String>,
    pub(crate) heldout_pick: Option<String>,
    notice: Option<String>,
    notice_tx: Sender<String>,
    notice_rx: Receiver<String>,
    ctx: egui::Context,
}

impl ProbeState {
    /// Empty state.
    pub fn new(ctx: egui::Context) -> Self {
        let (notice_tx, notice_rx) = channel();
        ProbeState {
            running: None,
            report: None,
            cancelled: false,
            errors: Vec::new(),
            curves: Vec::new(),
            seconds: None,
            train_pick: None,
            heldout_pick: None,
            notice: None,
            notice_tx,
            notice_rx,
            ctx,
        }
    }

    /// True while a probe runs.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Starts a probe with the settings (no-op while one runs); false when it could not start.
    pub fn start(&mut self, settings: &Settings) -> bool {
        if self.running.is_some() {
            return false;
        }
        let p = settings.batch.probe.clone();
        self.errors.clear();
        let opts = match probe_options(&p.preset) {
            Ok(o) => o,
            Err(e) => {
                self.errors.push(e);
                return false;
            }
        };
        if p.configs.is_empty() {
            self.errors.push("choose at least one configuration".into());
            return false;
        }
        if p.train_path.trim().is_empty() || p.heldout_path.trim().is_empty() {
            self.errors
                .push("choose a training file and a held-out file".into());
            return false;
        }
        let cancel = Arc::new(AtomicBool::new(false));
        let live = Arc::new(Mutex::new(Live {
            labels: p.configs.iter().map(Config::label).collect(),
            curves: vec![Vec::new(); p.configs.len()],
            phase: "starting".into(),
            ..Default::default()
        }));
        let (tx, rx) = channel();
        let (model, model_path) = (settings.batch.model, settings.batch.model_path.clone());
        let (app_model, device) = (settings.model_path.clone(), settings.device.clone());
        let ctx = self.ctx.clone();
        let (th_cancel, th_live) = (cancel.clone(), live.clone());
        let steps = opts.budget.steps;
        let spawned = std::thread::Builder::new()
            .name("eqinfo-probe".into())
            .spawn(move || {
                let job = ProbeJob {
                    train: PathBuf::from(p.train_path.trim()),
                    heldout: PathBuf::from(p.heldout_path.trim()),
                    configs: p.configs,
                    model,
                    model_path,
                    app_model,
                    device,
                    opts,
                };
                let msg = probe_thread(&job, &th_live, &th_cancel, &ctx);
                let _ = tx.send(msg);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => {
                self.curves.clear();
                self.report = None;
                self.cancelled = false;
                self.seconds = None;
                self.running = Some(Running {
                    cancel,
                    live,
                    rx,
                    started: Instant::now(),
                    steps,
                });
                true
            }
            Err(e) => {
                self.errors
                    .push(format!("cannot start the probe thread: {e}"));
                false
            }
        }
    }

    /// Asks a running probe to stop; finished configurations are kept.
    pub fn cancel(&mut self) {
        if let Some(r) = &self.running {
            r.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Applies what the probe thread sent (every frame).
    pub fn poll(&mut self) {
        while let Ok(n) = self.notice_rx.try_recv() {
            self.notice = Some(n);
        }
        let Some(r) = &self.running else { return };
        if let Ok(live) = r.live.lock() {
            self.curves = live
                .labels
                .iter()
                .cloned()
                .zip(live.curves.iter().cloned())
                .collect();
        }
        match r.rx.try_recv() {
            Ok(msg) => {
                let r = self.running.take();
                if let Some(live) = r.as_ref().and_then(|r| r.live.lock().ok()) {
                    self.errors.extend(live.errors.iter().cloned());
                }
                match msg {
                    Msg::Done { report, cancelled } => {
                        self.seconds = Some(report.seconds);
                        self.report = Some(*report);
                        self.cancelled = cancelled;
                    }
                    Msg::Failed(e) => self.errors.push(e),
                }
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.running = None;
                self.errors
                    .push("the probe thread stopped unexpectedly".into());
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
        }
    }

    fn export(&self, dir: &Path) {
        let Some(report) = self.report.clone() else {
            let _ = self
                .notice_tx
                .send("nothing to export yet: run the probe".into());
            return;
        };
        let dir = dir.to_path_buf();
        let tx = self.notice_tx.clone();
        let ctx = self.ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-probe-export".into())
            .spawn(move || {
                let _ = tx.send(match write_probe(&report, &dir) {
                    Ok(paths) => {
                        format!("wrote {} probe files into {}", paths.len(), dir.display())
                    }
                    Err(e) => format!("probe export failed: {e}"),
                });
                ctx.request_repaint();
            });
        if spawned.is_err() {
            let _ = self.notice_tx.send("cannot start the export thread".into());
        }
    }
}

impl Drop for ProbeState {
    fn drop(&mut self) {
        if let Some(r) = &self.running {
            r.cancel.store(true, Ordering::Relaxed);
        }
    }
}

struct ProbeJob {
    train: PathBuf,
    heldout: PathBuf,
    configs: Vec<Config>,
    model: BatchModel,
    model_path: String,
    app_model: Option<String>,
    device: String,
    opts: ProbeOptions,
}

/// Groups of configuration indices that share an encoding (AC methods differing only in token
/// size), in order of first appearance.
fn groups(configs: &[Config]) -> Vec<Vec<usize>> {
    let mut out: Vec<(Option<Config>, Vec<usize>)> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let key = c.method.is_ac().then(|| Config {
            token_bits: 0,
            ..c.clone()
        });
        match out.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, v)) => v.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

fn probe_thread(
    job: &ProbeJob,
    live: &Mutex<Live>,
    cancel: &AtomicBool,
    ctx: &egui::Context,
) -> Msg {
    let set_phase = |s: &str| {
        if let Ok(mut g) = live.lock() {
            g.phase = s.to_string();
        }
        ctx.request_repaint();
    };
    set_phase("reading the texts");
    let train = match std::fs::read(&job.train) {
        Ok(t) => t,
        Err(e) => return Msg::Failed(format!("{}: {e}", job.train.display())),
    };
    let heldout = match std::fs::read(&job.heldout) {
        Ok(t) => t,
        Err(e) => return Msg::Failed(format!("{}: {e}", job.heldout.display())),
    };
    set_phase("opening the model");
    let (mut model, _name) = match open_batch_model(
        job.model,
        &job.model_path,
        job.app_model.as_deref(),
        &job.device,
        FitText {
            name: "the training text",
            parts: &[&train],
        },
    ) {
        Ok(m) => m,
        Err(e) => return Msg::Failed(format!("cannot open the model: {e}")),
    };
    let start = Instant::now();
    let m2_device = if job.device.starts_with("cuda") || job.device.starts_with("metal") {
        job.device.clone()
    } else {
        "cpu".to_string()
    };
    let mut cancelled = false;
    for group in groups(&job.configs) {
        if cancel.load(Ordering::Relaxed) {
            cancelled = true;
            break;
        }
        let cfgs: Vec<Config> = group
            .iter()
            .filter_map(|&i| job.configs.get(i).cloned())
            .collect();
        let on_progress = |p: &ProbeProgress| {
            let Some(&global) = group.get(p.config_index) else {
                return;
            };
            if let Ok(mut g) = live.lock() {
                g.current = Some((global, p.phase, p.step, p.steps));
                if let (Phase::Training, Some(l)) = (p.phase, p.loss_bits_per_token) {
                    if let Some(c) = g.curves.get_mut(global) {
                        if p.step > c.len() {
                            c.push(l as f32);
                        }
                    }
                }
                let due = g
                    .last_repaint
                    .is_none_or(|t| t.elapsed() >= Duration::from_millis(50));
                if due {
                    g.last_repaint = Some(Instant::now());
                    ctx.request_repaint();
                }
            }
        };
        let hooks = Hooks {
            progress: Some(&on_progress),
            cancel: Some(cancel),
        };
        match probe::run_probe(
            &train,
            &heldout,
            &cfgs,
            model.as_mut(),
            &job.opts,
            &m2_device,
            &hooks,
        ) {
            Ok(rep) => {
                if let Ok(mut g) = live.lock() {
                    for (k, r) in rep.results.into_iter().enumerate() {
                        if let Some(&global) = group.get(k) {
                            g.results.push((global, r));
                        }
                    }
                }
            }
            Err(crate::Error::Cancelled) => {
                cancelled = true;
                break;
            }
            Err(e) => {
                if let Ok(mut g) = live.lock() {
                    let names: Vec<String> = cfgs.iter().map(Config::label).collect();
                    g.errors.push(format!("{}: {e}", names.join(", ")));
                }
            }
        }
    }
    let mut results = match live.lock() {
        Ok(g) => g.results.clone(),
        Err(_) => Vec::new(),
    };
    results.sort_by_key(|r| r.0);
    Msg::Done {
        report: Box::new(ProbeReport {
            options: job.opts.clone(),
            model: model.identity(),
            device: m2_device,
            results: results.into_iter().map(|r| r.1).collect(),
            seconds: start.elapsed().as_secs_f64(),
        }),
        cancelled,
    }
}

/// Draws the probe section; `pick` asks the owner for a file dialog.
pub fn probe_ui(
    ui: &mut Ui,
    st: &mut ProbeState,
    settings: &mut Settings,
    pick: &mut dyn FnMut(PickKind),
) {
    if let Some(p) = st.train_pick.take() {
        settings.batch.probe.train_path = p;
    }
    if let Some(p) = st.heldout_pick.take() {
        settings.batch.probe.heldout_path = p;
    }
    let running = st.running.is_some();
    egui::Panel::left("probe_inputs")
        .resizable(true)
        .default_size(380.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("probe_inputs_scroll")
                .show(ui, |ui| {
                    ui.add_enabled_ui(!running, |ui| setup_ui(ui, settings, pick));
                    ui.separator();
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(!running, egui::Button::new("▶ Run probe"))
                            .clicked()
                        {
                            st.start(settings);
                        }
                        if ui
                            .add_enabled(running, egui::Button::new("⏹ Cancel probe"))
                            .clicked()
                        {
                            st.cancel();
                        }
                    });
                    progress_ui(ui, st);
                    for e in &st.errors {
                        ui.colored_label(Color32::from_rgb(220, 80, 60), e);
                    }
                });
        });
    egui::ScrollArea::vertical()
        .id_salt("probe_results_scroll")
        .show(ui, |ui| results_ui(ui, st, settings, pick));
}

fn setup_ui(ui: &mut Ui, settings: &mut Settings, pick: &mut dyn FnMut(PickKind)) {
    ui.strong("Texts");
    let batch_configs = settings.batch.configs();
    let p = &mut settings.batch.probe;
    for (kind, name) in [
        (PickKind::Train, "Training file"),
        (PickKind::Heldout, "Held-out file"),
    ] {
        ui.horizontal(|ui| {
            let l = ui.label(name);
            let field = match kind {
                PickKind::Train => &mut p.train_path,
                _ => &mut p.heldout_path,
            };
            ui.add(egui::TextEdit::singleline(field).desired_width(170.0))
                .labelled_by(l.id);
            if ui
                .button(format!("Browse {}…", name.to_lowercase()))
                .clicked()
            {
                pick(kind);
            }
        });
    }
    ui.separator();
    ui.strong("Configurations");
    let mut candidates = probe::default_configs();
    for c in batch_configs.into_iter().chain(p.configs.clone()) {
        if !candidates.contains(&c) {
            candidates.push(c);
        }
    }
    for c in candidates {
        let mut on = p.configs.contains(&c);
        if ui.checkbox(&mut on, c.label()).changed() {
            if on {
                p.configs.push(c);
            } else {
                p.configs.retain(|x| *x != c);
            }
        }
    }
    ui.separator();
    ui.horizontal(|ui| {
        egui::ComboBox::new("probe_preset", "preset")
            .selected_text(p.preset.clone())
            .show_ui(ui, |ui| {
                for name in GUI_PRESETS {
                    ui.selectable_value(&mut p.preset, name.to_string(), *name);
                }
            });
    });
    if let Ok(o) = probe_options(&p.preset) {
        ui.label(
            RichText::new(format!(
                "M2: {} layer(s), d_model {}, {} heads; {} steps × {} segments × {} tokens, \
                 the same for every configuration",
                o.shape.n_layers,
                o.shape.d_model,
                o.shape.n_heads,
                o.budget.steps,
                o.budget.batch,
                o.budget.seq_len
            ))
            .weak(),
        );
    }
    if model_choice_ui(ui, &mut settings.batch, "probe_model") {
        pick(PickKind::Model);
    }
    if settings.batch.model == BatchModel::Unigram {
        ui.label(RichText::new("(the unigram is fitted on the training text)").weak());
    }
}

fn progress_ui(ui: &mut Ui, st: &ProbeState) {
    let Some(r) = &st.running else {
        if let Some(rep) = &st.report {
            ui.label(format!(
                "{} in {:.1} s: {} configuration(s)",
                if st.cancelled {
                    "cancelled"
                } else {
                    "finished"
                },
                st.seconds.unwrap_or(rep.seconds),
                rep.results.len()
            ));
        }
        return;
    };
    let (current, phase, n, done) = match r.live.lock() {
        Ok(g) => (g.current, g.phase.clone(), g.labels.len(), g.results.len()),
        Err(_) => (None, String::new(), 0, 0),
    };
    let elapsed = r.started.elapsed().as_secs_f64();
    match current {
        None => {
            ui.label(format!("{phase}… ({elapsed:.0} s)"));
        }
        Some((i, ph, step, steps)) => {
            let label = st.curves.get(i).map(|c| c.0.clone()).unwrap_or_default();
            let what = match ph {
                Phase::Encoding => "compressing".to_string(),
                Phase::Training => format!("training step {step} of {steps}"),
                Phase::Scoring => "scoring held-out".to_string(),
                Phase::Done => "done".to_string(),
            };
            ui.label(format!("{label}: {what}"));
            let frac = if steps > 0 {
                step as f32 / steps as f32
            } else {
                0.0
            };
            ui.add(
                egui::ProgressBar::new(frac)
                    .text(format!("this configuration {:.0}%", frac * 100.0)),
            );
            let overall = if n > 0 {
                (done as f32 + if ph == Phase::Done { 0.0 } else { frac }) / n as f32
            } else {
                0.0
            };
            let eta = if overall > 0.01 {
                format!("{:.0} s", elapsed * (1.0 - overall as f64) / overall as f64)
            } else {
                "?".into()
            };
            ui.add(
                egui::ProgressBar::new(overall.clamp(0.0, 1.0)).text(format!(
                    "overall {:.0}% · {done} of {n} done · ETA {eta}",
                    overall * 100.0
                )),
            );
        }
    }
    let _ = r.steps;
}

fn results_ui(
    ui: &mut Ui,
    st: &mut ProbeState,
    settings: &mut Settings,
    pick: &mut dyn FnMut(PickKind),
) {
    if let Some(n) = st.notice.clone() {
        ui.horizontal(|ui| {
            ui.label(n);
            if ui.small_button("Dismiss").clicked() {
                st.notice = None;
            }
        });
    }
    if st.curves.iter().any(|c| !c.1.is_empty()) {
        let plot = loss_curves(&st.curves);
        batch_plots::show_lines(ui, "probe_loss", &plot, 260.0);
    } else if st.report.is_none() {
        ui.label(
            "Choose a training and a held-out text, configurations and a preset, then Run probe. \
             Loss curves appear here while M2 trains.",
        );
    }
    let Some(report) = st.report.clone() else {
        return;
    };
    ui.separator();
    ui.horizontal_wrapped(|ui| {
        ui.strong("Probe results");
        let l = ui.label("Export folder");
        ui.add(egui::TextEdit::singleline(&mut settings.batch.export_dir).desired_width(180.0))
            .labelled_by(l.id);
        if ui.button("Choose folder…").clicked() {
            pick(PickKind::ExportFolder);
        }
        if ui.button("Export probe (CSV, JSON, PNG, SVG)").clicked() {
            st.export(&PathBuf::from(settings.batch.export_dir.trim()));
        }
    });
    egui::Grid::new("probe_table")
        .striped(true)
        .num_columns(9)
        .show(ui, |ui| {
            for h in [
                "configuration",
                "bytes/token",
                "M2 bits/byte",
                "uniform",
                "unigram",
                "gain vs uniform",
                "gain vs unigram",
                "paper M2",
                "train s",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for r in &report.results {
                ui.label(&r.label);
                ui.label(format!("{:.3}", r.bytes_per_token));
                ui.label(RichText::new(format!("{:.3}", r.m2_bits_per_byte)).strong());
                ui.label(format!("{:.3}", r.uniform_bits_per_byte));
                ui.label(format!("{:.3}", r.unigram_bits_per_byte));
                ui.label(format!("{:+.1}%", r.gain_vs_uniform * 100.0));
                ui.label(format!("{:+.1}%", r.gain_vs_unigram * 100.0));
                ui.label(
                    paper_m2_bits_per_byte(&r.config)
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or_else(|| "–".into()),
                );
                ui.label(format!("{:.1}", r.m2.train_seconds));
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(format!(
            "Held-out bits/byte = tokens/bytes × NLL / ln 2 (SPEC §8.8). Paper M2: Lester et al. \
             2024 (arXiv 2404.03626), 25m-parameter M2 on C4, for scale only. Preset {}, model {}, \
             M2 on {}.",
            report.options.preset, report.model.kind, report.device
        ))
        .weak(),
    );
    if !report.results.is_empty() {
        batch_plots::show_grouped(ui, "probe_bars", &probe_bars(&report), 300.0);
    }
}
