//! The Batch tab: many files × many configurations (a methods × window-sizes matrix), compressed
//! and measured by [`crate::batch::run_batch`] on a [`Task`], with per-file and overall progress,
//! ETA and cancel; a sortable results table; the statistics plots of SPEC §8 (egui_plot, the same
//! plot data as the PNG/SVG export of [`crate::report`]); CSV/JSON/PNG/SVG export; and the M2
//! probe section.
//!
//! | module | what |
//! |---|---|
//! | `inputs` | files, the configuration matrix, the model, Run/Cancel, progress |
//! | `results` | the sortable table, export buttons, the plot picker |
//! | `plots` | egui_plot drawings of [`crate::report::plot`] data |
//! | `probe` | the M2 probe section |
//! | `run`, `probe_run` | the background work of a batch and of a probe (no egui) |
//! | `eta` | the steady remaining-time estimate both show (no egui) |
//!
//! Threads: the UI thread only reads file sizes (metadata) and draws. The batch thread opens its
//! own byte model (the app's model lives in the model worker), reads the files and runs the
//! batch; exports run on tasks of their own.

pub mod eta;
pub mod inputs;
pub mod plots;
pub mod probe;
pub mod probe_run;
pub mod results;
pub mod run;

use crate::app::command::{BatchCommand, Command};
use crate::app::state::{BatchModel, Settings};
use crate::app::tasks::{Task, Wake};
use crate::batch::{BatchProgress, BatchReport};
use crate::report::export;
use crate::report::render::write_plots;
use crate::stats::SummaryRow;
use egui::Ui;
use inputs::{FileEntry, InputsState, RunView};
use probe::ProbeState;
use results::ResultsView;
use run::{RunJob, RunOutcome, RunProgress};
use std::path::PathBuf;
use std::time::Duration;

/// Which part of the tab is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Files × configurations statistics.
    Stats,
    /// The M2 probe.
    Probe,
}

/// The Batch tab's runtime state (never persisted).
pub struct BatchState {
    /// The inputs panel (files, fields).
    pub inputs: InputsState,
    task: Option<Task<RunProgress, RunOutcome>>,
    running_configs: usize,
    /// The last report (complete or cancelled).
    pub report: Option<BatchReport>,
    /// Files that could not be read in the last run.
    pub read_errors: Vec<String>,
    /// The model the last run used.
    pub model_used: String,
    /// The last error of a run that could not start or failed as a whole.
    pub run_error: Option<String>,
    /// The table and plots of the last report.
    pub results: ResultsView,
    /// A message for the user (exports, added files).
    pub notice: Option<String>,
    exports: Vec<Task<(), String>>,
    /// Open section.
    pub section: Section,
    /// The probe section's state.
    pub probe: ProbeState,
    last_finished_in: Option<Duration>,
    /// The version of the running report the table shows (see [`RunProgress::partial`]).
    partial_shown: Option<u64>,
    wake: Wake,
}

impl BatchState {
    /// Empty state; `wake` repaints the UI from background threads.
    pub fn new(wake: Wake) -> Self {
        BatchState {
            inputs: InputsState::default(),
            task: None,
            running_configs: 0,
            report: None,
            read_errors: Vec::new(),
            model_used: String::new(),
            run_error: None,
            results: ResultsView::default(),
            notice: None,
            exports: Vec::new(),
            section: Section::Stats,
            probe: ProbeState::new(wake.clone()),
            last_finished_in: None,
            partial_shown: None,
            wake,
        }
    }

    /// The input files, in order.
    pub fn files(&self) -> &[FileEntry] {
        &self.inputs.files
    }

    /// True while a batch or a probe runs.
    pub fn is_running(&self) -> bool {
        self.task.is_some() || self.probe.is_running()
    }

    /// True while a batch runs.
    pub fn batch_running(&self) -> bool {
        self.task.is_some()
    }

    /// The rows of the table in display order (sorted; pooled rows included when shown).
    pub fn table_rows(&self) -> Vec<&SummaryRow> {
        self.results.table_rows()
    }

    /// True while the table shows the running report of a batch that has not ended.
    pub fn showing_partial(&self) -> bool {
        self.task.is_some() && self.partial_shown.is_some()
    }

    /// The current progress of a running batch.
    pub fn progress(&self) -> Option<BatchProgress> {
        self.task.as_ref()?.with_progress(|p| p.progress.clone())
    }

    /// Seconds from the cancel request to the end of the last cancelled run.
    pub fn last_cancel_latency(&self) -> Option<Duration> {
        self.last_finished_in
    }

    /// Adds files and folders (see [`crate::batch::discover_inputs`]); returns how many files
    /// were added.
    pub fn add_paths(&mut self, paths: &[PathBuf]) -> usize {
        let (added, notice) = self.inputs.add_paths(paths);
        self.notice = Some(notice);
        added
    }

    /// Shows a report (also used by tests and embedding).
    pub fn set_report(&mut self, report: BatchReport) {
        self.results.set_report(&report);
        self.report = Some(report);
    }

    /// Starts a batch of every file × every configuration of `settings.batch` (no-op while one
    /// runs). Returns false when nothing was started (no files, no configurations).
    pub fn start(&mut self, settings: &Settings) -> bool {
        if self.task.is_some() {
            return false;
        }
        let configs = settings.batch.configs();
        if self.inputs.files.is_empty() {
            self.run_error = Some("add files first".into());
            return false;
        }
        if configs.is_empty() {
            self.run_error = Some("choose at least one configuration".into());
            return false;
        }
        self.run_error = None;
        self.running_configs = configs.len();
        let job = RunJob {
            paths: self.inputs.files.iter().map(|f| f.path.clone()).collect(),
            configs,
            settings: settings.batch.clone(),
            app_model: settings.model_path.clone(),
            device: settings.device.clone(),
            threads: settings.threads,
        };
        let progress = RunProgress {
            phase: "starting".into(),
            ..Default::default()
        };
        match Task::spawn("batch", progress, self.wake.clone(), move |h| {
            run::run(&job, h)
        }) {
            Ok(t) => {
                self.task = Some(t);
                self.partial_shown = None;
                true
            }
            Err(e) => {
                self.run_error = Some(e);
                false
            }
        }
    }

    /// Asks the running batch to stop (it keeps the jobs finished so far).
    pub fn cancel(&mut self) {
        if let Some(t) = &mut self.task {
            t.cancel();
        }
    }

    /// Applies what background tasks sent (call every frame, whatever tab is shown).
    pub fn poll(&mut self) {
        let notice = &mut self.notice;
        self.exports.retain_mut(|t| {
            if let Some(n) = t.poll().pop() {
                *notice = Some(n);
            }
            !t.is_finished()
        });
        if let Some(t) = &mut self.task {
            let outcome = t.poll().pop();
            // The jobs finished so far fill the table and plots while the batch runs.
            let shown = self.partial_shown;
            let partial = t.with_progress(|p| {
                (Some(p.partial_version) != shown && p.partial.is_some())
                    .then(|| (p.partial_version, p.partial.clone()))
            });
            if let Some((v, Some(rep))) = partial {
                self.results.set_report(&rep);
                self.partial_shown = Some(v);
            }
            let finished = t.is_finished();
            let cancel_latency = t.cancel_requested().map(|at| at.elapsed());
            if let Some(outcome) = outcome {
                self.task = None;
                self.last_finished_in = cancel_latency;
                match outcome {
                    RunOutcome::Done {
                        report,
                        read_errors,
                        model,
                    } => {
                        self.read_errors = read_errors;
                        self.model_used = model;
                        self.set_report(report);
                    }
                    RunOutcome::Failed(e) => self.run_error = Some(e),
                }
            } else if finished {
                // A thread that died without an answer (a panic) must not leave the tab running.
                self.task = None;
                self.run_error = Some("the batch thread stopped unexpectedly".into());
            }
        }
        self.probe.poll();
    }

    /// Applies a command of the tab.
    pub fn apply(&mut self, cmd: BatchCommand, settings: &mut Settings) {
        let dir = PathBuf::from(settings.batch.export_dir.trim());
        match cmd {
            BatchCommand::AddPaths(paths) => {
                self.add_paths(&paths);
            }
            BatchCommand::Run => {
                self.start(settings);
            }
            BatchCommand::Cancel => self.cancel(),
            BatchCommand::ExportCsv | BatchCommand::ExportJson => {
                let csv = matches!(cmd, BatchCommand::ExportCsv);
                let Some(report) = self.report.clone() else {
                    self.notice = Some("nothing to export yet: run a batch".into());
                    return;
                };
                self.export("export", move || {
                    let (what, res) = if csv {
                        ("CSV", export::write_batch_csv(&report, &dir))
                    } else {
                        ("JSON", export::write_batch_json(&report, &dir))
                    };
                    match res {
                        Ok(path) => format!("wrote {}", path.display()),
                        Err(e) => format!("cannot write the {what}: {e}"),
                    }
                });
            }
            BatchCommand::ExportPlots { all } => {
                let chosen = self.results.plots_to_export(all);
                if chosen.is_empty() {
                    self.notice = Some("no plot to export yet: run a batch".into());
                    return;
                }
                self.export("plot-export", move || match write_plots(&dir, &chosen) {
                    Ok(paths) => {
                        format!("wrote {} plot files into {}", paths.len(), dir.display())
                    }
                    Err(e) => format!("plot export failed: {e}"),
                });
            }
            BatchCommand::SetModelPath(p) => {
                settings.batch.model_path = p;
                settings.batch.model = BatchModel::Path;
            }
            BatchCommand::SetExportDir(p) => settings.batch.export_dir = p,
            BatchCommand::SetProbeTrain(p) => settings.batch.probe.train_path = p,
            BatchCommand::SetProbeHeldout(p) => settings.batch.probe.heldout_path = p,
            BatchCommand::Notice(n) => self.notice = Some(n),
            BatchCommand::DismissNotice => self.notice = None,
            BatchCommand::RunProbe => {
                self.probe.start(settings);
            }
            BatchCommand::CancelProbe => self.probe.cancel(),
            BatchCommand::ExportProbe => self.probe.export(&dir),
        }
    }

    fn export(&mut self, name: &str, job: impl FnOnce() -> String + Send + 'static) {
        match Task::spawn(name, (), self.wake.clone(), move |_| job()) {
            Ok(t) => self.exports.push(t),
            Err(e) => self.notice = Some(e),
        }
    }
}

/// Draws the Batch tab.
pub fn batch_ui(
    ui: &mut Ui,
    st: &mut BatchState,
    settings: &mut Settings,
    cmds: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.heading("Batch");
        ui.selectable_value(&mut st.section, Section::Stats, "Statistics");
        ui.selectable_value(&mut st.section, Section::Probe, "M2 probe");
        if st.is_running() {
            ui.spinner();
        }
        if let Some(n) = &st.notice {
            ui.separator();
            ui.label(n.as_str());
            if ui.small_button("Dismiss").clicked() {
                cmds.push(Command::Batch(BatchCommand::DismissNotice));
            }
        }
    });
    ui.separator();
    match st.section {
        Section::Stats => {
            egui::Panel::left("batch_inputs")
                .resizable(true)
                .default_size(380.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("batch_inputs_scroll")
                        .show(ui, |ui| {
                            let run = RunView {
                                task: st.task.as_ref(),
                                configs: st.running_configs,
                                report: st.report.as_ref(),
                                model_used: &st.model_used,
                                cancel_latency: st.last_finished_in,
                                read_errors: &st.read_errors,
                                run_error: st.run_error.as_deref(),
                            };
                            inputs::inputs_ui(ui, &mut st.inputs, settings, &run, cmds);
                        });
                });
            let has_report = st.report.is_some() || st.partial_shown.is_some();
            egui::ScrollArea::vertical()
                .id_salt("batch_results_scroll")
                .show(ui, |ui| {
                    results::results_ui(ui, &mut st.results, has_report, settings, cmds)
                });
        }
        Section::Probe => probe::probe_ui(ui, &mut st.probe, settings, cmds),
    }
}
