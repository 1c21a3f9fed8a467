//! The interval view's state (its own file, so the views can name it without importing the
//! folder's root).

use super::toy::ToyState;
use crate::live::Analysis;

/// Which lesson the view shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Encoding the selected window.
    #[default]
    Encode,
    /// Decoding it from its bits.
    Decode,
    /// A toy alphabet.
    Toy,
}

/// The interval view's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntervalState {
    /// The window shown.
    pub window: usize,
    /// The step in the window (encode: its byte, 0-based; decode: the decoder's step).
    pub step: usize,
    /// Playing.
    pub playing: bool,
    /// Time of the last automatic step.
    pub last_step_time: f64,
    /// The lesson shown.
    pub mode: Mode,
    /// Play pauses at the end of each window.
    pub stop_at_window: bool,
    /// Show the pseudo-code beside the picture.
    pub show_code: bool,
    /// Presenter setting: larger fonts, high contrast.
    pub presenter: bool,
    /// The toy mode.
    pub toy: ToyState,
    /// The last export's message.
    pub export_note: Option<String>,
}

impl IntervalState {
    /// The byte the selection stands on in `a`: the selected window's first byte plus the step,
    /// kept inside the window. None when `a` has no such window.
    pub fn selected_byte(&self, a: &Analysis) -> Option<usize> {
        let w = a.windows.get(self.window)?;
        let last = w.bytes.end.saturating_sub(1).max(w.bytes.start);
        Some((w.bytes.start + self.step).min(last))
    }

    /// Selects, in `a`, the window that holds `byte`, at that byte (the selection follows the
    /// byte, not the window number, when a re-analysis changes the windows). False when `a`
    /// holds no such byte (the selection is left as it is).
    pub fn select_byte(&mut self, a: &Analysis, byte: usize) -> bool {
        let Some(w) = a.window_of(byte) else {
            return false;
        };
        let Some(win) = a.windows.get(w) else {
            return false;
        };
        self.window = w;
        self.step = byte.saturating_sub(win.bytes.start);
        true
    }
}

/// The whole distributions of window `w` of `a`, asked for on demand (the analysis keeps per
/// byte only what the views draw, [`crate::live::window_dists`]); the UI repaints when they
/// come.
pub fn dists_of(ui: &egui::Ui, a: &Analysis, w: usize) -> crate::live::DistState {
    let ctx = ui.ctx().clone();
    a.dist_requests
        .get(w, std::sync::Arc::new(move || ctx.request_repaint()))
}

/// What the view says while a window's distributions are computed, or why they are not there.
pub fn dists_missing(ui: &mut egui::Ui, state: &crate::live::DistState) {
    match state {
        crate::live::DistState::Failed(e) => {
            ui.label(format!("cannot compute this window's distributions: {e}"));
        }
        _ => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("computing this window's distributions…");
            });
        }
    }
}
