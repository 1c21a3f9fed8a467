//! The interval view's state (its own file, so the views can name it without importing the
//! folder's root).

use super::toy::ToyState;

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
