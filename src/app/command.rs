//! What the panels ask for. A panel draws from the data it is given and pushes [`Command`]s; the
//! app applies them once per frame, after every panel has drawn (as egui's demo app does), so no
//! panel changes shared state mid-frame and nothing is found out by diffing copies of settings.

use crate::app::input::Input;
use std::path::PathBuf;

/// An intent of the user, applied at the end of the frame.
#[derive(Debug)]
pub enum Command {
    /// Load a text file into the Live tab.
    OpenText(PathBuf),
    /// Replace the text (as if typed).
    SetInput(Input),
    /// The editor's text changed in place: analyse it again.
    TextEdited,
    /// Load a model (None: the sample model) on the settings' device.
    OpenModel(Option<PathBuf>),
    /// The device changed: reopen the current model there.
    ReopenModel,
    /// The live configuration changed: analyse again.
    Reanalyse,
    /// The Compare rows changed: recompute them.
    CompareChanged,
    /// Stop the running analysis (or its decode checks); the last result stays on show.
    CancelAnalysis,
    /// Step the model on this many CPU threads (0 = every core).
    SetThreads(usize),
    /// Stop computing the Compare rows.
    CancelCompare,
    /// Write the analysis (bytes, windows, tokens and their spans) as JSON and CSV.
    ExportAnalysis(PathBuf),
    /// Stop the running export (earlier files stay as they were).
    CancelExport,
    /// Switch between the dark and the light theme.
    ToggleTheme,
    /// Show or hide the help window.
    ToggleHelp,
    /// Open a file dialog (one at a time).
    OpenDialog(DialogKind),
    /// A message for the top bar.
    Notice(String),
    /// Clear the top bar's message.
    DismissNotice,
    /// Hide the model-error banner (a new error shows it again).
    DismissModelError,
    /// Something for the Batch tab.
    Batch(BatchCommand),
}

/// What the Batch tab (and its probe section) asks for.
#[derive(Debug)]
pub enum BatchCommand {
    /// Add files and folders (see `batch::discover_inputs`).
    AddPaths(Vec<PathBuf>),
    /// Start a batch of every file × configuration.
    Run,
    /// Stop the running batch (finished jobs are kept).
    Cancel,
    /// Write `batch.csv` into the export folder.
    ExportCsv,
    /// Write `batch.json` into the export folder.
    ExportJson,
    /// Write plots as PNG and SVG: all of them, or the one shown.
    ExportPlots {
        /// All plots (else the one shown).
        all: bool,
    },
    /// Use the model at this path for the batch and the probe.
    SetModelPath(String),
    /// Export into this folder.
    SetExportDir(String),
    /// The probe's training text.
    SetProbeTrain(String),
    /// The probe's held-out text.
    SetProbeHeldout(String),
    /// A message for the tab.
    Notice(String),
    /// Clear the tab's message.
    DismissNotice,
    /// Start the M2 probe.
    RunProbe,
    /// Stop the probe (finished configurations are kept).
    CancelProbe,
    /// Write the probe's CSV, JSON and plots into the export folder.
    ExportProbe,
}

/// Every file dialog of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogKind {
    /// A text for the Live tab.
    Text,
    /// A model folder for the app.
    Model,
    /// Where the analysis export (JSON and CSV) goes.
    ExportAnalysis,
    /// Files for the batch.
    BatchFiles,
    /// A folder of files for the batch.
    BatchFolder,
    /// A model folder for the batch and the probe.
    BatchModel,
    /// The folder batch and probe exports go to.
    ExportFolder,
    /// The probe's training text.
    ProbeTrain,
    /// The probe's held-out text.
    ProbeHeldout,
}
