//! The M2 probe section of the Batch tab: choose configurations, a training and a held-out file
//! and a preset; the probe runs on a [`Task`] ([`crate::app::batch::probe_run`]) with live per-configuration
//! loss curves, progress and cancel; then the table and the bar chart of M2 bits/byte against the
//! uniform and unigram bounds, and the CSV/JSON/PNG/SVG export of [`crate::report::export`].

use crate::app::batch::inputs::{fmt_secs, model_choice_ui};
use crate::app::batch::plots;
use crate::app::batch::probe_run::{
    self, probe_fraction, probe_options, ProbeJob, ProbeLive, ProbeOutcome, GUI_PRESETS,
};
use crate::app::command::{BatchCommand, Command, DialogKind};
use crate::app::state::{BatchModel, Settings};
use crate::app::tasks::{Task, Wake};
use crate::method::Config;
use crate::probe::{self, Phase, ProbeReport};
use crate::report::export::write_probe;
use crate::report::paper::paper_m2_bits_per_byte;
use crate::report::plot::{loss_curves, probe_bars};
use egui::{Color32, RichText, Ui};
use std::path::{Path, PathBuf};

/// The probe section's runtime state.
pub struct ProbeState {
    task: Option<Task<ProbeLive, ProbeOutcome>>,
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
    /// A message for the user (exports).
    pub notice: Option<String>,
    exports: Vec<Task<(), String>>,
    wake: Wake,
}

impl ProbeState {
    /// Empty state; `wake` repaints the UI from background threads.
    pub fn new(wake: Wake) -> Self {
        ProbeState {
            task: None,
            report: None,
            cancelled: false,
            errors: Vec::new(),
            curves: Vec::new(),
            seconds: None,
            notice: None,
            exports: Vec::new(),
            wake,
        }
    }

    /// True while a probe runs.
    pub fn is_running(&self) -> bool {
        self.task.is_some()
    }

    /// Starts a probe with the settings (no-op while one runs); false when it could not start.
    pub fn start(&mut self, settings: &Settings) -> bool {
        if self.task.is_some() {
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
        let live = ProbeLive {
            labels: p.configs.iter().map(Config::label).collect(),
            curves: vec![Vec::new(); p.configs.len()],
            phase: "starting".into(),
            ..Default::default()
        };
        let job = ProbeJob {
            train: PathBuf::from(p.train_path.trim()),
            heldout: PathBuf::from(p.heldout_path.trim()),
            configs: p.configs,
            settings: settings.batch.clone(),
            app_model: settings.model_path.clone(),
            device: settings.device.clone(),
            threads: settings.threads,
            opts,
        };
        match Task::spawn("probe", live, self.wake.clone(), move |h| {
            probe_run::run(&job, h)
        }) {
            Ok(t) => {
                self.curves.clear();
                self.report = None;
                self.cancelled = false;
                self.seconds = None;
                self.task = Some(t);
                true
            }
            Err(e) => {
                self.errors.push(e);
                false
            }
        }
    }

    /// Asks a running probe to stop; finished configurations are kept.
    pub fn cancel(&mut self) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
    }

    /// Applies what the probe and export threads sent (every frame).
    pub fn poll(&mut self) {
        let notice = &mut self.notice;
        self.exports.retain_mut(|t| {
            if let Some(n) = t.poll().pop() {
                *notice = Some(n);
            }
            !t.is_finished()
        });
        let Some(t) = &mut self.task else { return };
        self.curves = t.with_progress(|g| {
            g.labels
                .iter()
                .cloned()
                .zip(g.curves.iter().cloned())
                .collect()
        });
        let outcome = t.poll().pop();
        let finished = t.is_finished();
        if let Some(outcome) = outcome {
            let errors = t.with_progress(|g| g.errors.clone());
            self.errors.extend(errors);
            match outcome {
                ProbeOutcome::Done { report, cancelled } => {
                    self.seconds = Some(report.seconds);
                    self.report = Some(*report);
                    self.cancelled = cancelled;
                }
                ProbeOutcome::Failed(e) => self.errors.push(e),
            }
            self.task = None;
        } else if finished {
            self.task = None;
            self.errors
                .push("the probe thread stopped unexpectedly".into());
        }
    }

    /// Writes the probe's files into `dir` on a background thread.
    pub fn export(&mut self, dir: &Path) {
        let Some(report) = self.report.clone() else {
            self.notice = Some("nothing to export yet: run the probe".into());
            return;
        };
        let dir = dir.to_path_buf();
        match Task::spawn(
            "probe-export",
            (),
            self.wake.clone(),
            move |_| match write_probe(&report, &dir) {
                Ok(paths) => format!("wrote {} probe files into {}", paths.len(), dir.display()),
                Err(e) => format!("probe export failed: {e}"),
            },
        ) {
            Ok(t) => self.exports.push(t),
            Err(e) => self.notice = Some(e),
        }
    }
}

/// Draws the probe section.
pub fn probe_ui(
    ui: &mut Ui,
    st: &mut ProbeState,
    settings: &mut Settings,
    cmds: &mut Vec<Command>,
) {
    let running = st.task.is_some();
    egui::Panel::left("probe_inputs")
        .resizable(true)
        .default_size(380.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("probe_inputs_scroll")
                .show(ui, |ui| {
                    ui.add_enabled_ui(!running, |ui| setup_ui(ui, settings, cmds));
                    ui.separator();
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(!running, egui::Button::new("▶ Run probe"))
                            .clicked()
                        {
                            cmds.push(Command::Batch(BatchCommand::RunProbe));
                        }
                        if ui
                            .add_enabled(running, egui::Button::new("⏹ Cancel probe"))
                            .clicked()
                        {
                            cmds.push(Command::Batch(BatchCommand::CancelProbe));
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
        .show(ui, |ui| results_ui(ui, st, settings, cmds));
}

fn setup_ui(ui: &mut Ui, settings: &mut Settings, cmds: &mut Vec<Command>) {
    ui.strong("Texts");
    let batch_configs = settings.batch.configs();
    let p = &mut settings.batch.probe;
    for (kind, name) in [
        (DialogKind::ProbeTrain, "Training file"),
        (DialogKind::ProbeHeldout, "Held-out file"),
    ] {
        ui.horizontal(|ui| {
            let l = ui.label(name);
            let field = match kind {
                DialogKind::ProbeTrain => &mut p.train_path,
                _ => &mut p.heldout_path,
            };
            ui.add(egui::TextEdit::singleline(field).desired_width(170.0))
                .labelled_by(l.id);
            if ui
                .button(format!("Browse {}…", name.to_lowercase()))
                .clicked()
            {
                cmds.push(Command::OpenDialog(kind));
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
                 the same for every configuration. Compressing both texts with M1 (AC, \
                 EqualInfo) comes first whatever the preset (measured: 5 minutes for 80 KB \
                 on a loaded 2-core machine), and v = 65,536 trains slower than v = 256.",
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
    model_choice_ui(ui, &mut settings.batch, "probe_model", cmds);
    if settings.batch.model == BatchModel::Unigram {
        ui.label(RichText::new("(the unigram is fitted on the training text)").weak());
    }
}

fn progress_ui(ui: &mut Ui, st: &ProbeState) {
    let Some(r) = &st.task else {
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
    let (current, phase, n, done, overall, eta) = r.with_progress(|g| {
        (
            g.current,
            g.phase.clone(),
            g.labels.len(),
            g.finished.len(),
            probe_fraction(g),
            g.eta_seconds,
        )
    });
    let elapsed = r.elapsed().as_secs_f64();
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
            // Smoothed in the probe thread (see `eta`): no jumps between phases.
            let eta = match crate::app::batch::eta::counted_down(eta) {
                Some(s) if overall < 1.0 => fmt_secs(s),
                _ => "?".into(),
            };
            let overall = overall as f32;
            ui.add(
                egui::ProgressBar::new(overall.clamp(0.0, 1.0)).text(format!(
                    "overall {:.0}% · {done} of {n} done · ETA {eta}",
                    overall * 100.0
                )),
            );
        }
    }
}

fn results_ui(ui: &mut Ui, st: &mut ProbeState, settings: &mut Settings, cmds: &mut Vec<Command>) {
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
        plots::show_lines(ui, "probe_loss", &plot, 260.0);
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
            cmds.push(Command::OpenDialog(DialogKind::ExportFolder));
        }
        if ui.button("Export probe (CSV, JSON, PNG, SVG)").clicked() {
            cmds.push(Command::Batch(BatchCommand::ExportProbe));
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
        plots::show_grouped(ui, "probe_bars", &probe_bars(&report), 300.0);
    }
}
