//! The Live tab: the text editor, the summary line, the colour legend, the byte view and the
//! interval view of the selected window. It draws from the data it is given each frame and
//! asks for everything else (a new analysis after an edit) with [`Command`]s.

pub mod byte_view;
pub mod entropy;
pub mod interval;
pub mod status;

use crate::app::command::Command;
use crate::app::input::Input;
use crate::app::state::{ColourScale, LivePanels, Settings};
use crate::app::theme;
use crate::app::worker::WorkProgress;
use crate::live::Analysis;
use byte_view::{ByteLayout, Hover, ViewOptions};
use egui::{Align2, FontId, Pos2, Rect, Sense, Ui, Vec2};
use interval::IntervalState;
use std::sync::Arc;

/// Height of the interval panel when first shown (at most: see [`INTERVAL_PANEL_SHARE`]).
pub const INTERVAL_PANEL_DEFAULT: f32 = 430.0;
/// The interval panel first takes at most this share of the tab's height, so that the byte
/// view gets most of it (more than half at 1400 × 900); it can be dragged taller or closed.
pub const INTERVAL_PANEL_SHARE: f32 = 0.2;
/// The interval panel is never smaller than this while open (nor stored smaller); its content
/// scrolls.
pub const INTERVAL_PANEL_MIN: f32 = 120.0;
/// Height of the editor panel when first shown (it can be dragged taller).
pub const EDITOR_PANEL_DEFAULT: f32 = 104.0;

/// A visible handle on the panel's top edge (egui's resize edge is a thin line).
fn resize_grip(ui: &mut Ui) {
    let top = ui.max_rect().top() + 1.0;
    let cx = ui.max_rect().center().x;
    let c = ui.visuals().widgets.inactive.fg_stroke.color;
    let r = Rect::from_center_size(Pos2::new(cx, top), Vec2::new(70.0, 5.0));
    ui.painter().rect_filled(r, 2.5, c);
    ui.painter().text(
        Pos2::new(r.right() + 6.0, top),
        Align2::LEFT_CENTER,
        "drag to resize",
        FontId::proportional(9.0),
        c,
    );
}

/// The Live tab's UI state.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Layout of the byte view.
    pub layout: ByteLayout,
    /// Hover of the last frame.
    pub hover: Hover,
    /// Interval view state.
    pub interval: IntervalState,
    /// The entropy track's settings.
    pub entropy: entropy::EntropyTrackState,
    /// What the byte view drew last frame (token boxes, overhead markers).
    pub drawn: byte_view::ByteViewOutput,
    /// The result on show is stale (drawn dimmed): the analysis after it failed.
    pub stale: bool,
    /// Which panels are open (the shell keeps them in the settings, so they survive a restart).
    pub panels: LivePanels,
}

/// The summary line of an analysis.
pub fn summary_text(a: &Analysis) -> String {
    let ratio = if a.bits_per_byte() > 0.0 {
        8.0 / a.bits_per_byte()
    } else {
        0.0
    };
    let free = match a.free_decode() {
        Some((ok, n)) => format!(" · side-info-free decoding {ok}/{n} windows"),
        None => String::new(),
    };
    let partial = if a.is_partial() {
        format!(
            "the first {} of {} bytes (the rest is being encoded) · ",
            a.len(),
            a.full_len
        )
    } else {
        String::new()
    };
    format!(
        "{partial}{} bytes · {} windows · {} tokens · {:.3} bits/byte · {:.2} bytes/token · ratio {:.2}× vs bytes · \
         round trip {}{} · analysed in {:.1} ms",
        a.len(),
        a.windows.len(),
        a.tokens.len(),
        a.bits_per_byte(),
        a.bytes_per_token(),
        ratio,
        match a.round_trip_ok() {
            Some(true) => "verified".to_string(),
            Some(false) => "FAILED".to_string(),
            None => format!("being verified ({} windows to go)", a.unchecked()),
        },
        free,
        a.stats.elapsed.as_secs_f64() * 1e3
    )
}

/// What the Live tab shows this frame.
pub struct LiveView<'a> {
    /// The last analysis.
    pub analysis: Option<&'a Arc<Analysis>>,
    /// The last analysis error.
    pub error: Option<&'a str>,
    /// True while the worker has work of ours.
    pub busy: bool,
    /// How far the running analysis (or its decode checks) is, while one runs.
    pub progress: Option<WorkProgress>,
    /// The user cancelled the last analysis before it was done.
    pub cancelled: bool,
    /// The settings (read only here).
    pub settings: &'a Settings,
}

/// Draws the Live tab.
pub fn live_ui(
    ui: &mut Ui,
    st: &mut LiveState,
    input: &mut Input,
    view: &LiveView<'_>,
    cmds: &mut Vec<Command>,
) {
    let settings = view.settings;
    let edited = egui::Panel::top("editor_panel")
        .resizable(true)
        .default_size(EDITOR_PANEL_DEFAULT)
        .min_size(64.0)
        .show(ui, |ui| editor_ui(ui, input, cmds))
        .inner;
    if let Some(b) = edited {
        st.layout.follow(b);
    }
    let analysis = view.analysis.cloned();
    st.stale = analysis.is_some() && view.error.is_some();
    if let Some(a) = &analysis {
        if st.panels.interval {
            // The panel keeps its height: a minimum it is never drawn (or stored) below, and a
            // scroll area that fills it instead of shrinking it to its content.
            egui::Panel::bottom("interval_panel")
                .resizable(true)
                .default_size(
                    INTERVAL_PANEL_DEFAULT
                        .min(INTERVAL_PANEL_SHARE * ui.available_height())
                        .max(INTERVAL_PANEL_MIN),
                )
                .min_size(INTERVAL_PANEL_MIN)
                .show(ui, |ui| {
                    if st.stale {
                        ui.multiply_opacity(status::STALE_OPACITY);
                    }
                    resize_grip(ui);
                    panel_header(ui, &mut st.panels.interval, "Interval view");
                    egui::ScrollArea::vertical()
                        .id_salt("interval_scroll")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            interval::interval_ui(ui, a, &mut st.interval, settings.play_step_s);
                        });
                });
        } else {
            // Closed: one line, so the byte view takes the height (the open size is kept).
            egui::Panel::bottom("interval_panel_closed")
                .resizable(false)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        panel_header(ui, &mut st.panels.interval, "Interval view");
                        ui.weak(format!(
                            "window {} · click a byte to choose its window",
                            st.interval.window
                        ));
                    });
                });
        }
    }
    egui::CentralPanel::default().show(ui, |ui| {
        // Progress first: its Cancel button stays put while the summary below changes.
        work_progress_ui(
            ui,
            view.progress.as_ref(),
            view.cancelled,
            "Cancel",
            Command::CancelAnalysis,
            cmds,
        );
        // The error next: with a stale result everything after it (its summary too) is dimmed.
        status::error_ui(ui, analysis.as_deref(), view.error);
        if st.stale {
            ui.multiply_opacity(status::STALE_OPACITY);
        }
        status::status_line_ui(ui, analysis.as_deref().map(summary_text));
        ui.horizontal(|ui| {
            legend_ui(ui, settings.colour_scale);
            if let Some(a) = &analysis {
                let hex = st.layout.hex_cells();
                if hex > 0 {
                    ui.label(format!("{hex} invalid UTF-8 bytes shown as hex cells"));
                }
                if !a.has_trace() {
                    ui.label("(no per-byte probabilities for this method)");
                }
            }
        });
        let Some(a) = analysis else {
            ui.label("Analysing…");
            return;
        };
        // The track's own checkbox opens and closes it; the shell remembers the choice.
        st.entropy.show = st.panels.entropy;
        entropy::entropy_track_ui(ui, &a, &mut st.entropy);
        st.panels.entropy = st.entropy.show;
        let opts = ViewOptions {
            scale: settings.colour_scale,
            token_format: settings.token_format,
            dark: settings.dark,
            selected_window: Some(st.interval.window),
        };
        let out = byte_view::byte_view_ui(
            ui,
            &a,
            &mut st.layout,
            &opts,
            st.hover,
            settings.show_whitespace,
        );
        st.hover = out.hover;
        let clicked = out.clicked_byte;
        st.drawn = out;
        if let Some(b) = clicked {
            if let Some(info) = a.byte(b) {
                st.interval.window = info.window;
                st.interval.step = info.pos_in_window;
            } else if let Some(w) = a.window_of(b) {
                st.interval.window = w;
                st.interval.step = 0;
            }
            st.interval.playing = false;
        }
    });
}

/// A panel's title as a button that opens or closes it ("⏷ Interval view" while open).
fn panel_header(ui: &mut Ui, open: &mut bool, title: &str) {
    let arrow = if *open { "⏷" } else { "⏵" };
    let text = egui::RichText::new(format!("{arrow} {title}")).heading();
    let tip = if *open {
        format!(
            "close the {}: the byte view takes its height",
            title.to_lowercase()
        )
    } else {
        format!("open the {}", title.to_lowercase())
    };
    if ui
        .add(egui::Button::new(text).frame(false))
        .on_hover_text(tip)
        .clicked()
    {
        *open = !*open;
    }
}

/// The editor; after an edit, the byte at its cursor (for the byte view to follow).
fn editor_ui(ui: &mut Ui, input: &mut Input, cmds: &mut Vec<Command>) -> Option<usize> {
    let label_id = ui
        .horizontal(|ui| {
            let label = ui.label("Text");
            ui.weak(format!("({}, {} bytes)", input.name, input.bytes.len()));
            if !input.utf8
                && ui
                    .button("Edit as UTF-8 (invalid bytes become \\xHH text)")
                    .clicked()
            {
                cmds.push(Command::SetInput(Input::from_text(
                    input.text.clone(),
                    &input.name,
                )));
            }
            label.id
        })
        .inner;
    egui::ScrollArea::vertical()
        .id_salt("editor_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let utf8 = input.utf8;
            let out = egui::TextEdit::multiline(&mut input.text)
                .id_salt("text_editor")
                .desired_width(f32::INFINITY)
                .desired_rows(4)
                .interactive(utf8)
                .show(ui);
            let resp = (*out.response).clone().labelled_by(label_id);
            if !(resp.changed() && utf8) {
                return None;
            }
            input.bytes = Arc::new(input.text.as_bytes().to_vec());
            input.name = "edited text".into();
            cmds.push(Command::TextEdited);
            // The byte before the cursor: the one just typed.
            let chars = out.cursor_range.map(|c| c.primary.index.0)?;
            let byte = input
                .text
                .char_indices()
                .nth(chars)
                .map_or(input.text.len(), |(i, _)| i);
            Some(byte.saturating_sub(1))
        })
        .inner
}

/// One line of progress for work the worker does for a tab: a Cancel button (pushing `cancel`),
/// a bar, what is under way and the time left; after a cancel, a line saying so. Always one
/// line high, so the layout below does not jump when work starts or ends.
pub fn work_progress_ui(
    ui: &mut Ui,
    progress: Option<&WorkProgress>,
    cancelled: bool,
    cancel_label: &str,
    cancel: Command,
    cmds: &mut Vec<Command>,
) {
    ui.horizontal(|ui| {
        ui.set_min_height(ui.spacing().interact_size.y);
        match progress {
            Some(p) => {
                // The button first: it stays put while the line after it changes length.
                ui.spinner();
                if ui.button(cancel_label).clicked() {
                    cmds.push(cancel);
                }
                if let Some(f) = p.fraction() {
                    ui.add(egui::ProgressBar::new(f).desired_width(160.0));
                }
                ui.label(p.line());
            }
            None if cancelled => {
                ui.weak("cancelled: what is shown is the last finished result");
            }
            None => {}
        }
    });
}

/// The colour legend of the byte cells.
pub fn legend_ui(ui: &mut Ui, scale: ColourScale) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(260.0, 26.0), Sense::hover());
    let painter = ui.painter_at(rect);
    let bar = Rect::from_min_size(rect.min, Vec2::new(rect.width(), 10.0));
    let steps = 64;
    for k in 0..steps {
        let t0 = k as f32 / steps as f32;
        let r = Rect::from_min_max(
            Pos2::new(bar.left() + t0 * bar.width(), bar.top()),
            Pos2::new(
                bar.left() + (t0 + 1.0 / steps as f32) * bar.width() + 0.5,
                bar.bottom(),
            ),
        );
        painter.rect_filled(r, 0.0, theme::ramp(t0));
    }
    for (t, label) in theme::legend_ticks(scale) {
        let x = bar.left() + t * bar.width();
        let anchor = if t <= 0.0 {
            Align2::LEFT_TOP
        } else if t >= 1.0 {
            Align2::RIGHT_TOP
        } else {
            Align2::CENTER_TOP
        };
        painter.text(
            Pos2::new(x, bar.bottom() + 1.0),
            anchor,
            label,
            FontId::proportional(10.0),
            ui.visuals().text_color(),
        );
    }
}
