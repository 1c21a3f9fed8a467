//! The shell's panels: the top bar (files, theme, tabs, model, notices), the settings side panel
//! (the live configuration, device, view options, paths, timing) and the help window. They draw
//! from what they are given and push [`Command`]s; the settings they bind to are edited in place
//! and every change that needs work (a new analysis, another model) is a command.

use crate::app::command::{Command, DialogKind};
use crate::app::state::{method_name, ColourScale, Settings, Tab, TokenFormat};
use crate::app::theme;
use crate::live::Analysis;
use crate::method::MethodKind;
use egui::Ui;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What the top bar shows.
pub struct TopBar<'a> {
    /// The model's name.
    pub model_name: &'a str,
    /// A model is being loaded.
    pub model_loading: bool,
    /// The worker has work of ours.
    pub busy: bool,
    /// The last model error.
    pub model_error: Option<&'a str>,
    /// The message for the user.
    pub notice: Option<&'a str>,
    /// How far the running export is (None: no export runs).
    pub export: Option<&'a crate::app::worker::WorkProgress>,
}

/// Draws the top bar; the tab buttons switch `tab` directly.
pub fn top_bar_ui(ui: &mut Ui, settings: &mut Settings, bar: &TopBar<'_>, cmds: &mut Vec<Command>) {
    egui::Panel::top("top_bar").show(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            if ui.button("Open text…").clicked() {
                cmds.push(Command::OpenDialog(DialogKind::Text));
            }
            if ui.button("Open model…").clicked() {
                cmds.push(Command::OpenDialog(DialogKind::Model));
            }
            if ui.button("Export…").clicked() {
                cmds.push(Command::OpenDialog(DialogKind::ExportAnalysis));
            }
            let theme_label = if settings.dark {
                "☀ Light"
            } else {
                "🌙 Dark"
            };
            if ui.button(theme_label).clicked() {
                cmds.push(Command::ToggleTheme);
            }
            if ui.button("Help").clicked() {
                cmds.push(Command::ToggleHelp);
            }
            ui.separator();
            ui.selectable_value(&mut settings.tab, Tab::Live, "Live");
            ui.selectable_value(&mut settings.tab, Tab::Compare, "Compare");
            ui.selectable_value(&mut settings.tab, Tab::Batch, "Batch");
            ui.separator();
            ui.label(format!("Model: {}", bar.model_name));
            if bar.model_loading {
                ui.spinner();
                ui.label("loading model…");
            }
            // A fixed slot: the bar never reflows when the marker comes and goes.
            crate::app::live::status::busy_slot(ui, bar.busy);
        });
        if let Some(e) = bar.model_error {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(theme::FLAG, format!("Model error: {e}"));
                if ui.small_button("Dismiss model error").clicked() {
                    cmds.push(Command::DismissModelError);
                }
            });
        }
        if let Some(p) = bar.export {
            crate::app::live::work_progress_ui(
                ui,
                Some(p),
                false,
                "Cancel export",
                Command::CancelExport,
                cmds,
            );
        }
        if let Some(n) = bar.notice {
            ui.horizontal(|ui| {
                ui.label(n);
                if ui.small_button("Dismiss").clicked() {
                    cmds.push(Command::DismissNotice);
                }
            });
        }
    });
}

/// The timing figures of the side panel.
pub struct Timing<'a> {
    /// The last analysis.
    pub analysis: Option<&'a Arc<Analysis>>,
    /// Request to first result of the last analysis.
    pub last_latency: Option<Duration>,
    /// Mean and max ms of our `ui` function.
    pub ui_ms: (f32, f32),
    /// Mean and max ms of whole frames (eframe's CPU time).
    pub cpu_ms: (f32, f32),
}

/// Draws the settings side panel.
pub fn side_panel_ui(
    ui: &mut Ui,
    settings: &mut Settings,
    path_field: &mut String,
    timing: &Timing<'_>,
    cmds: &mut Vec<Command>,
) {
    egui::Panel::left("settings")
        .resizable(true)
        .default_size(270.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .show(ui, |ui| settings_ui(ui, settings, path_field, timing, cmds));
        });
}

fn settings_ui(
    ui: &mut Ui,
    s: &mut Settings,
    path_field: &mut String,
    timing: &Timing<'_>,
    cmds: &mut Vec<Command>,
) {
    let mut changed = false;
    let cfg = &mut s.config;
    ui.heading("Settings");
    let method_before = cfg.method;
    egui::ComboBox::from_label("Method")
        .selected_text(method_name(cfg.method))
        .show_ui(ui, |ui| {
            for m in MethodKind::ALL {
                changed |= ui
                    .selectable_value(&mut cfg.method, m, method_name(m))
                    .changed();
            }
        });
    changed |= ui
        .add_enabled(
            cfg.method == MethodKind::EqualInfo,
            egui::Slider::new(&mut cfg.window_bits, 8..=256).text("window bits b"),
        )
        .changed();
    ui.horizontal_wrapped(|ui| {
        for b in [16u32, 24, 32, 64, 128] {
            if ui
                .add_enabled(
                    cfg.method == MethodKind::EqualInfo,
                    egui::Button::selectable(cfg.window_bits == b, format!("b={b}")),
                )
                .clicked()
            {
                changed |= cfg.window_bits != b;
                cfg.window_bits = b;
            }
        }
    });
    // A method with its own token size (Subword) keeps it; its controls are disabled. Leaving
    // it restores the default size.
    if method_before != cfg.method && method_before.fixed_token_bits().is_some() {
        cfg.token_bits = crate::method::Config::new(cfg.method).token_bits;
    }
    let fixed = cfg.method.fixed_token_bits();
    if let Some(tb) = fixed.filter(|&tb| tb != cfg.token_bits) {
        cfg.token_bits = tb;
        changed = true;
    }
    changed |= ui
        .add_enabled(
            fixed.is_none(),
            egui::Slider::new(&mut cfg.token_bits, 1..=16).text("token bits"),
        )
        .changed();
    ui.horizontal(|ui| {
        for (t, name) in [(8u32, "8-bit tokens"), (16, "16-bit tokens")] {
            if ui
                .add_enabled(
                    fixed.is_none(),
                    egui::Button::selectable(cfg.token_bits == t, name),
                )
                .clicked()
            {
                changed |= cfg.token_bits != t;
                cfg.token_bits = t;
            }
        }
    });
    changed |= ui
        .add_enabled(
            cfg.method.is_ac(),
            egui::Slider::new(&mut cfg.precision, 10..=16).text("precision β"),
        )
        .changed();
    changed |= ui
        .add_enabled(
            cfg.method == MethodKind::EqualInfo,
            egui::Checkbox::new(&mut cfg.delay, "Delay variant"),
        )
        .changed();
    ui.horizontal(|ui| {
        let l = ui.label("reset every n windows (0 = never)");
        changed |= ui
            .add_enabled(
                cfg.method == MethodKind::EqualInfo,
                egui::DragValue::new(&mut cfg.reset_every).range(0..=1024),
            )
            .labelled_by(l.id)
            .changed();
    });
    ui.horizontal(|ui| {
        let l = ui.label("example bytes (0 = whole text)");
        changed |= ui
            .add(egui::DragValue::new(&mut cfg.example_bytes).range(0..=1 << 20))
            .labelled_by(l.id)
            .changed();
    });
    if changed {
        cmds.push(Command::Reanalyse);
    }
    ui.horizontal(|ui| {
        let mut device_changed = false;
        egui::ComboBox::from_label("Device")
            .selected_text(s.device.clone())
            .show_ui(ui, |ui| {
                for d in ["cpu", "cuda:0", "metal:0"] {
                    device_changed |= ui
                        .selectable_value(&mut s.device, d.to_string(), d)
                        .changed();
                }
            });
        if device_changed {
            cmds.push(Command::ReopenModel);
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label("CPU threads");
        let r = ui
            .add(egui::DragValue::new(&mut s.threads).range(0..=256))
            .labelled_by(l.id)
            .on_hover_text(
                "Threads stepping M1's lanes on the CPU (0 = every core) in the Live, Compare and \
                 Batch tabs; the results are bit-identical for any count.",
            );
        if r.changed() {
            cmds.push(Command::SetThreads(s.threads));
        }
        if s.threads == 0 {
            ui.weak(format!("= {}", crate::model::thread_count(0)));
        }
    });
    if ui.button("Use the sample model").clicked() {
        cmds.push(Command::OpenModel(None));
    }
    ui.separator();
    ui.heading("View");
    ui.horizontal(|ui| {
        ui.label("colour:");
        ui.selectable_value(&mut s.colour_scale, ColourScale::Surprisal, "surprisal");
        ui.selectable_value(&mut s.colour_scale, ColourScale::Probability, "probability");
        ui.selectable_value(&mut s.colour_scale, ColourScale::Entropy, "entropy");
    });
    ui.horizontal(|ui| {
        ui.label("tokens:");
        ui.selectable_value(&mut s.token_format, TokenFormat::Decimal, "decimal");
        ui.selectable_value(&mut s.token_format, TokenFormat::Hex, "hex");
        ui.selectable_value(&mut s.token_format, TokenFormat::Bits, "bits");
    });
    ui.checkbox(&mut s.show_whitespace, "show whitespace glyphs");
    ui.add(egui::Slider::new(&mut s.play_step_s, 0.05..=2.0).text("play step (s)"));
    ui.separator();
    ui.heading("Files");
    ui.horizontal(|ui| {
        let l = ui.label("Path");
        ui.add(egui::TextEdit::singleline(path_field).desired_width(160.0))
            .labelled_by(l.id);
    });
    ui.horizontal_wrapped(|ui| {
        let path = PathBuf::from(path_field.trim());
        let has_path = !path_field.trim().is_empty();
        if ui
            .add_enabled(has_path, egui::Button::new("Load text"))
            .clicked()
        {
            cmds.push(Command::OpenText(path.clone()));
        }
        if ui
            .add_enabled(has_path, egui::Button::new("Load model"))
            .clicked()
        {
            cmds.push(Command::OpenModel(Some(path.clone())));
        }
        if ui
            .add_enabled(has_path, egui::Button::new("Export to path"))
            .clicked()
        {
            cmds.push(Command::ExportAnalysis(path.clone()));
        }
    });
    ui.separator();
    ui.heading("Timing");
    if let Some(a) = timing.analysis {
        ui.label(format!(
            "last analysis {:.1} ms: {} windows encoded, {} reused, {} bytes encoded",
            a.stats.elapsed.as_secs_f64() * 1e3,
            a.stats.windows_computed,
            a.stats.windows_reused,
            a.stats.bytes_encoded
        ));
    }
    if let Some(l) = timing.last_latency {
        ui.label(format!("edit to result {:.1} ms", l.as_secs_f64() * 1e3));
    }
    let (mean, max) = timing.ui_ms;
    ui.label(format!("frame (ui) mean {mean:.1} ms, max {max:.1} ms"));
    let (mean, max) = timing.cpu_ms;
    ui.label(format!("frame (cpu) mean {mean:.1} ms, max {max:.1} ms"));
}

/// The help window (closed with its ✖).
pub fn help_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Help").open(open).show(ctx, |ui| {
        ui.label(
            "Type in the editor: every edit is re-analysed in the background (only the changed \
             windows are recomputed).\n\
             Byte cells are coloured by the model's probability of each byte (or its surprisal); \
             bands above are the Equal-Info windows (⚠: the side-information-free decoder gets \
             that window wrong); boxes below are the tokens, under the bytes whose coding emitted \
             their bits (for every method: GZip's under the bytes its literals and matches produce, \
             with an amber marker standing for its headers and Huffman tables). A red \
             underline marks a character whose bits straddle two tokens.\n\
             Hover a byte for its prediction; click it to step through its window in the interval \
             view (arrow keys, play/pause).\n\
             Compare shows the same text under several configurations on one byte axis.\n\
             Open files with the buttons, by dropping them on the window, or by typing a path in \
             the side panel.",
        );
    });
}
