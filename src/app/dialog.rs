//! File dialogs, done one way: every dialog of the app is a [`DialogKind`] (a word of the
//! command vocabulary, defined with [`Command`]), opened on a
//! [`Task`] (rfd blocks, so never on the UI thread), and its answer becomes a [`Command`] that
//! the app applies like any other. Without a desktop portal the dialog may not open at all; the
//! answer is then "nothing chosen" and the user is pointed at the path fields and drag-and-drop.

use crate::app::command::{BatchCommand, Command, DialogKind};
use crate::app::tasks::{Task, Wake};
use std::path::PathBuf;

/// The answer of an open dialog.
pub type DialogTask = Task<(), Vec<PathBuf>>;

/// Opens a dialog on its own thread.
pub fn open(kind: DialogKind, wake: Wake) -> Result<DialogTask, String> {
    Task::spawn("dialog", (), wake, move |_| {
        let d = rfd::FileDialog::new();
        let one = |p: Option<PathBuf>| p.into_iter().collect::<Vec<_>>();
        match kind {
            DialogKind::Text => one(d.set_title("Open a text file").pick_file()),
            DialogKind::Model => one(d
                .set_title("Open a model folder (config.json + model.safetensors)")
                .pick_folder()),
            DialogKind::ExportAnalysis => one(d
                .set_title("Export the analysis (NAME.json and NAME_bytes/_windows/_tokens.csv)")
                .set_file_name("analysis.json")
                .save_file()),
            DialogKind::BatchFiles => d
                .set_title("Add text files to the batch")
                .pick_files()
                .unwrap_or_default(),
            DialogKind::BatchFolder => one(d.set_title("Add a folder of text files").pick_folder()),
            DialogKind::BatchModel => one(d.set_title("Model folder for the batch").pick_folder()),
            DialogKind::ExportFolder => one(d.set_title("Folder to export into").pick_folder()),
            DialogKind::ProbeTrain => one(d.set_title("Training text for the probe").pick_file()),
            DialogKind::ProbeHeldout => one(d.set_title("Held-out text for the probe").pick_file()),
        }
    })
}

/// What the app does with a dialog's answer.
pub fn answer(kind: DialogKind, paths: Vec<PathBuf>) -> Command {
    let Some(first) = paths.first().cloned() else {
        return Command::Notice(
            "nothing chosen (without a desktop portal the dialog may not open: type a path in a \
             path field or drop files on the window)"
                .into(),
        );
    };
    let text = first.display().to_string();
    match kind {
        DialogKind::Text => Command::OpenText(first),
        DialogKind::Model => Command::OpenModel(Some(first)),
        DialogKind::ExportAnalysis => Command::ExportAnalysis(first),
        DialogKind::BatchFiles | DialogKind::BatchFolder => {
            Command::Batch(BatchCommand::AddPaths(paths))
        }
        DialogKind::BatchModel => Command::Batch(BatchCommand::SetModelPath(text)),
        DialogKind::ExportFolder => Command::Batch(BatchCommand::SetExportDir(text)),
        DialogKind::ProbeTrain => Command::Batch(BatchCommand::SetProbeTrain(text)),
        DialogKind::ProbeHeldout => Command::Batch(BatchCommand::SetProbeHeldout(text)),
    }
}
