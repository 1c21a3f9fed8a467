//! The Live export as a background job (issue 15): it runs off the UI thread (frames go on,
//! with its progress and a Cancel button, while a large export is written), writes the four
//! files, and a failure (a directory where a file goes) or a cancel is said in the notice line
//! and leaves the previous export as it was.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::state::Settings;
use eqinfo::app::App;
use eqinfo::method::{Config, MethodKind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{harness, settle};

fn files(target: &Path) -> [PathBuf; 4] {
    eqinfo::live::export::export_paths(target)
}

fn contents(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("an exported file"))
        .collect()
}

fn app_with(text: String) -> Harness<'static, App> {
    let mut h = harness(Settings {
        text: Some(text),
        // No model needed, so a long text is analysed at once.
        config: Config::new(MethodKind::Bytes),
        ..Settings::default()
    });
    settle(&mut h);
    assert!(h.state().analysis.is_some());
    h
}

#[test]
fn export_writes_four_files_and_a_failure_keeps_the_previous_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("run.json");
    let mut h = app_with("A short text to export.".into());
    h.state_mut().export_to(&target);
    assert!(h.state().is_exporting(), "the export is a background job");
    settle(&mut h);
    assert!(!h.state().is_exporting());
    h.get_by_label_contains("exported 23 bytes");
    let paths = files(&target);
    let before = contents(&paths);
    assert!(before.iter().all(|c| !c.is_empty()));
    // A directory where the windows table goes: an error in words, nothing else touched.
    std::fs::remove_file(&paths[2]).expect("remove");
    std::fs::create_dir(&paths[2]).expect("mkdir");
    h.state_mut()
        .set_input(eqinfo::app::Input::from_text("Another text.".into(), "t"));
    settle(&mut h);
    h.state_mut().export_to(&target);
    settle(&mut h);
    h.get_by_label_contains("export failed");
    h.get_by_label_contains("is a directory");
    for k in [0, 1, 3] {
        assert_eq!(std::fs::read(&paths[k]).expect("kept"), before[k]);
    }
    // A folder that does not exist.
    h.state_mut()
        .export_to(&dir.path().join("missing").join("x.json"));
    settle(&mut h);
    h.get_by_label_contains("export failed");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A large export: the UI keeps drawing frames with the export's progress and Cancel; Cancel
/// stops it and the earlier files stay as they were.
#[test]
fn a_large_export_runs_off_the_ui_thread_and_cancel_keeps_the_old_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("big.json");
    let mut h = app_with("small first".into());
    h.state_mut().export_to(&target);
    settle(&mut h);
    let paths = files(&target);
    let before = contents(&paths);
    let text = "Sphinx of black quartz, judge my vow. ".repeat(8000); // 304,000 bytes
    h.state_mut()
        .set_input(eqinfo::app::Input::from_text(text, "big"));
    settle(&mut h);
    h.state_mut().export_to(&target);
    // Frames go on while it writes, and show its progress.
    let start = Instant::now();
    let mut frames = 0;
    while h.query_by_label("Cancel export").is_none() {
        h.step();
        frames += 1;
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no progress shown"
        );
    }
    assert!(h.state().is_exporting(), "the export is still running");
    assert!(frames >= 1);
    h.get_by_label("Cancel export").click();
    let start = Instant::now();
    while h.state().is_exporting() {
        h.step();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "cancel did not stop it"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(2);
    let notice = h.state().notice.clone().unwrap_or_default();
    assert!(notice.contains("export cancelled"), "{notice}");
    assert_eq!(contents(&paths), before, "the earlier export is as it was");
}
