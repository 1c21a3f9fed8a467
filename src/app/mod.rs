//! The GUI (eframe/egui/egui_plot/rfd live here and nowhere else): UI only, one home per concept.
//! The library does the work; the app draws it, sends long work to background tasks and applies
//! the user's commands once per frame. The UI thread never waits on the model.
//!
//! | module | what |
//! |---|---|
//! | `shell` | the [`App`]: polls its tasks, draws the panels and the open tab, applies commands |
//! | `panels` | the top bar, the settings side panel, the help window |
//! | `command` | the [`Command`](command::Command)s panels push, applied at the end of the frame |
//! | `tasks` | the one background-task type: thread, cancel flag, progress, result channel |
//! | `worker` | the model worker thread: analyses, Compare rows and model loads, one task each |
//! | `dialog` | every file dialog, one way: a task whose answer becomes a command |
//! | `state` | every persisted setting (`#[serde(default)]`), apart from runtime state |
//! | `input` | the text being analysed |
//! | `model_source` | the pluggable model loader, the default model, the demo text |
//! | `live` | the Live tab: editor, summary, byte view, interval view |
//! | `compare` | the Compare tab |
//! | `batch` | the Batch tab: inputs, results, plots, the M2 probe |
//! | `plots` | plain builders of the interval view's drawing data |
//! | `theme` | colours and glyphs |
//!
//! Imports between the files of `app` go one way (no file imports, even through others, a file
//! that imports it): this file only declares the modules, re-exports and starts the window.

pub mod batch;
pub mod command;
pub mod compare;
pub mod dialog;
pub mod input;
pub mod live;
pub mod model_source;
pub mod panels;
pub mod plots;
pub mod segments;
pub mod shell;
pub mod state;
pub mod tasks;
pub mod theme;
pub mod worker;

pub use input::{escape_invalid_utf8, Input, MAX_TEXT_BYTES};
pub use shell::App;
use std::path::PathBuf;

/// Opens the window (with `file` in the Live tab, when given); returns when it is closed.
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    // Lane-stepping threads run below the UI thread, so a batch on every core leaves frames
    // on time (measured by tests/gui_frame_time.rs).
    crate::model::pool::set_worker_nice(crate::model::pool::GUI_WORKER_NICE);
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
