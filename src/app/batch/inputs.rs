//! The Batch tab's inputs panel: the file list (dialogs, a path field, drops), the matrix of
//! methods × window sizes, token sizes, extra configurations, the model and the options; Run and
//! Cancel; the run's progress (per file, overall, ETA) and how the last run ended. Small helpers
//! the other batch panels share (sizes, times, fixed-width cells) live here too.

use crate::app::batch::run::{RunOutcome, RunProgress};
use crate::app::command::{BatchCommand, Command, DialogKind};
use crate::app::state::{method_name, BatchModel, BatchSettings, Settings, WINDOW_SIZES};
use crate::app::tasks::Task;
use crate::batch::{discover_inputs, BatchProgress, BatchReport, MAX_FOLDER_FILES};
use crate::method::MethodKind;
use egui::{Color32, RichText, Ui};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Height of a table row.
pub const ROW_H: f32 = 18.0;

/// The inputs panel's own state (never persisted).
#[derive(Debug, Clone, Default)]
pub struct InputsState {
    /// Input files, in order.
    pub files: Vec<FileEntry>,
    /// Text of the "add path" field.
    pub path_field: String,
    /// Text of the "add configuration" field.
    pub spec_field: String,
}

impl InputsState {
    /// Adds files and folders by [`discover_inputs`]'s rule, each file once; returns how many
    /// were added and a message for the user.
    pub fn add_paths(&mut self, paths: &[PathBuf]) -> (usize, String) {
        let found = discover_inputs(paths);
        let mut added = 0;
        for f in &found.files {
            if self.push_file(f) {
                added += 1;
            }
        }
        let notice = if found.problems.is_empty() {
            format!("added {added} file(s)")
        } else {
            let shown: Vec<&str> = found.problems.iter().take(3).map(String::as_str).collect();
            format!("added {added} file(s); skipped: {}", shown.join("; "))
        };
        (added, notice)
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
}

/// What the panel shows of the running or last batch.
pub struct RunView<'a> {
    /// The running batch.
    pub task: Option<&'a Task<RunProgress, RunOutcome>>,
    /// Configurations of the running batch.
    pub configs: usize,
    /// The last report.
    pub report: Option<&'a BatchReport>,
    /// The model the last run used.
    pub model_used: &'a str,
    /// Cancel request to the end of the last cancelled run.
    pub cancel_latency: Option<Duration>,
    /// Files the last run could not read.
    pub read_errors: &'a [String],
    /// Why the last run could not start or failed.
    pub run_error: Option<&'a str>,
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

/// The model chooser shared by the batch and the probe.
pub fn model_choice_ui(ui: &mut Ui, b: &mut BatchSettings, id: &str, cmds: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new(id, "model")
            .selected_text(b.model.name())
            .show_ui(ui, |ui| {
                for m in BatchModel::ALL {
                    ui.selectable_value(&mut b.model, m, m.name());
                }
            });
    });
    if b.model == BatchModel::Path {
        ui.horizontal(|ui| {
            let l = ui.label("Model path");
            ui.add(egui::TextEdit::singleline(&mut b.model_path).desired_width(190.0))
                .labelled_by(l.id);
            if ui.button("Browse…").clicked() {
                cmds.push(Command::OpenDialog(DialogKind::BatchModel));
            }
        });
    }
}

/// Draws the inputs panel.
pub fn inputs_ui(
    ui: &mut Ui,
    st: &mut InputsState,
    settings: &mut Settings,
    run: &RunView<'_>,
    cmds: &mut Vec<Command>,
) {
    let running = run.task.is_some();
    ui.strong("Inputs");
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(!running, egui::Button::new("Add files…"))
            .clicked()
        {
            cmds.push(Command::OpenDialog(DialogKind::BatchFiles));
        }
        if ui
            .add_enabled(!running, egui::Button::new("Add folder…"))
            .clicked()
        {
            cmds.push(Command::OpenDialog(DialogKind::BatchFolder));
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
            cmds.push(Command::Batch(BatchCommand::AddPaths(vec![p])));
            st.path_field.clear();
        }
    });
    ui.label(
        RichText::new("Files can also be dropped on the window while this tab is open.").weak(),
    );
    let total: u64 = st.files.iter().map(|f| f.size).sum();
    ui.label(format!("{} file(s), {}", st.files.len(), fmt_bytes(total)));
    let progress = run
        .task
        .and_then(|t| t.with_progress(|g| g.progress.clone()));
    let running_files = run
        .task
        .map(|t| (t.with_progress(|g| g.inputs.clone()), run.configs));
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
                match st.spec_field.parse::<crate::method::Config>() {
                    Ok(c) => {
                        if !b.extra.contains(&c) {
                            b.extra.push(c);
                        }
                        st.spec_field.clear();
                    }
                    Err(e) => cmds.push(Command::Batch(BatchCommand::Notice(e.to_string()))),
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
        model_choice_ui(ui, b, "batch_model", cmds);
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
            cmds.push(Command::Batch(BatchCommand::Run));
        }
        if ui
            .add_enabled(running, egui::Button::new("⏹ Cancel"))
            .clicked()
        {
            cmds.push(Command::Batch(BatchCommand::Cancel));
        }
    });
    progress_ui(ui, run);
    if let Some(e) = run.run_error {
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
pub fn fixed_cell(ui: &mut Ui, w: f32, text: RichText, right: bool) -> egui::Response {
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
pub fn file_fraction(k: usize, configs: usize, p: &BatchProgress) -> f32 {
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

fn progress_ui(ui: &mut Ui, run: &RunView<'_>) {
    let Some(r) = run.task else {
        if let Some(rep) = run.report {
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
                run.model_used
            ));
            ui.label(format!(
                "compressing {} · other statistics {} · free decoding {}",
                fmt_secs(enc),
                fmt_secs(stats),
                fmt_secs(free)
            ));
            if let Some(l) = run.cancel_latency {
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
            for e in run.read_errors.iter().take(5) {
                ui.colored_label(Color32::from_rgb(220, 80, 60), e);
            }
        }
        return;
    };
    let (p, phase, eta) = r.with_progress(|g| (g.progress.clone(), g.phase.clone(), g.eta_seconds));
    let elapsed = r.elapsed().as_secs_f64();
    match p {
        None => {
            ui.label(format!("{phase}… ({})", fmt_secs(elapsed)));
        }
        Some(p) => {
            // The prefix-edit step is part of the total (see `BatchProgress::fraction`).
            let overall = p.fraction();
            let eta = match crate::app::batch::eta::counted_down(eta) {
                Some(s) if overall < 1.0 => fmt_secs(s),
                _ => "?".into(),
            };
            ui.label(format!("Now: {}", p.current));
            let k = p.files_done.min(p.files_total.saturating_sub(1));
            let file_frac = file_fraction(k, run.configs, &p);
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
            let prefix = if p.prefix_total > 0 {
                format!(" · prefix-edit {} of {}", p.prefix_done, p.prefix_total)
            } else {
                String::new()
            };
            ui.add(egui::ProgressBar::new(overall as f32).text(format!(
                "overall {:.1}% · {} of {} job(s){prefix} · ETA {eta}",
                overall * 100.0,
                p.jobs_done,
                p.jobs_total
            )));
            ui.label(format!(
                "elapsed {} · {} of {} coded",
                fmt_secs(elapsed),
                fmt_bytes(p.bytes_done),
                fmt_bytes(p.bytes_total)
            ));
        }
    }
    if r.cancel_requested().is_some() {
        ui.label("cancelling…");
    }
}

/// Seconds for a person ("4.2 s", "3:05 min").
pub fn fmt_secs(s: f64) -> String {
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

/// Bytes for a person ("12.0 KB").
pub fn fmt_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1u64 << 20) as f64)
    } else if n >= 1 << 10 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}
