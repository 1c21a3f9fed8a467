//! The Live tab's status line: the summary in a space of its own height, and a fixed slot for
//! the top bar's busy marker, so that the layout never jumps while typing; and the banner that marks
//! a result as stale when the settings after it failed.

use crate::live::Analysis;
use egui::{Align, Layout, Ui, Vec2};

/// Width of the busy marker's slot (a spinner and "analysing…").
const BUSY_SLOT_W: f32 = 110.0;

/// Opacity of a stale result.
pub const STALE_OPACITY: f32 = 0.35;

/// Allocates the busy marker's slot (always the same size), and draws the marker in it when
/// `busy`.
pub fn busy_slot(ui: &mut Ui, busy: bool) {
    let size = Vec2::new(BUSY_SLOT_W, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(size, Layout::left_to_right(Align::Center), |ui| {
        ui.set_min_size(size);
        if busy {
            ui.spinner();
            ui.label("analysing…");
        }
    });
}

/// The status line: the summary, wrapped at the full width in at least two lines' height (the
/// busy marker is not in it: the Live tab's progress line above has a height of its own, and
/// the top bar's marker is a [`busy_slot`]), so nothing coming and going re-wraps it.
pub fn status_line_ui(ui: &mut Ui, summary: Option<String>) {
    let line_h = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    ui.vertical(|ui| {
        ui.set_min_height(2.0 * line_h);
        if let Some(s) = summary {
            ui.add(egui::Label::new(s).wrap());
        }
    });
}

/// The error line: with a result on show it says that the result is stale, whose settings it
/// belongs to and why the new ones gave nothing. True when the shown result is stale.
pub fn error_ui(ui: &mut Ui, analysis: Option<&Analysis>, error: Option<&str>) -> bool {
    let Some(e) = error else { return false };
    match analysis {
        Some(a) => {
            ui.colored_label(
                crate::app::theme::FLAG,
                format!(
                    "Stale (dimmed): the result below is for {} and the text as it was then; \
                     the current settings and text give an error: {e}",
                    a.config
                ),
            );
            true
        }
        None => {
            ui.colored_label(crate::app::theme::FLAG, format!("Analysis error: {e}"));
            false
        }
    }
}
