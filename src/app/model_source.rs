//! Where the app's byte model comes from: a pluggable loader from a path, the default model
//! (the shipped `sample_models/` when it loads, otherwise a built-in unigram), and the text shown
//! on first start.

use crate::model::{ByteModel, Uniform, Unigram};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The demo text shown on first start.
pub const DEMO_TEXT: &str = include_str!("../../assets/demo.txt");

/// Loads a model from a path, or says why not (in words for the UI).
pub type ModelLoader = Arc<dyn Fn(&Path) -> Result<Box<dyn ByteModel>, String> + Send + Sync>;

/// A model together with how the UI should name it.
pub struct LoadedModel {
    /// The model.
    pub model: Box<dyn ByteModel>,
    /// A short description ("m1 (sample_models)", "unigram fitted on the demo text").
    pub name: String,
}

/// The default loader: a directory holding `config.json` and `model.safetensors` is an M1 model;
/// a JSON file with `"kind": "unigram"` is a unigram; the word `uniform` is the uniform model.
pub fn default_loader() -> ModelLoader {
    Arc::new(load_model)
}

/// See [`default_loader`].
pub fn load_model(path: &Path) -> Result<Box<dyn ByteModel>, String> {
    if path.as_os_str() == "uniform" {
        return Ok(Box::new(Uniform::default()));
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        return load_m1_dir(path);
    }
    if path.file_name().and_then(|n| n.to_str()) == Some("model.safetensors") {
        if let Some(dir) = path.parent() {
            return load_m1_dir(dir);
        }
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        format!(
            "{}: not a model: expected a model directory (config.json + model.safetensors) or a \
             unigram JSON file",
            path.display()
        )
    })?;
    Unigram::from_json(text)
        .map(|u| Box::new(u) as Box<dyn ByteModel>)
        .map_err(|e| format!("{}: not a usable model: {e}", path.display()))
}

/// Loads an M1 model directory. The M1 loader is wired here once `model::m1` provides one.
fn load_m1_dir(dir: &Path) -> Result<Box<dyn ByteModel>, String> {
    let config = dir.join("config.json");
    let weights = dir.join("model.safetensors");
    if !config.is_file() || !weights.is_file() {
        return Err(format!(
            "{}: not a model directory (needs config.json and model.safetensors)",
            dir.display()
        ));
    }
    Err(format!(
        "{}: this build cannot load M1 models yet (the M1 loader is not available)",
        dir.display()
    ))
}

/// Candidate locations of the shipped sample model.
pub fn sample_model_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("sample_models")];
    if let Ok(exe) = std::env::current_exe() {
        for anc in exe.ancestors().skip(1).take(4) {
            dirs.push(anc.join("sample_models"));
        }
    }
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_models"));
    dirs
}

/// The built-in fallback: a unigram fitted on the demo text.
pub fn fallback_model() -> LoadedModel {
    LoadedModel {
        model: Box::new(Unigram::fit(DEMO_TEXT.as_bytes())),
        name: "built-in unigram (fitted on the demo text)".into(),
    }
}

/// The model used when the user chose none: the sample M1 when it loads, else the fallback
/// (with the reason the sample did not load).
pub fn default_model(loader: &ModelLoader) -> (LoadedModel, Option<String>) {
    let mut reason = None;
    for dir in sample_model_dirs() {
        if dir.join("config.json").is_file() {
            match loader(&dir) {
                Ok(model) => {
                    return (
                        LoadedModel {
                            model,
                            name: format!("M1 ({})", dir.display()),
                        },
                        None,
                    )
                }
                Err(e) => {
                    reason = Some(e);
                    break;
                }
            }
        }
    }
    (fallback_model(), reason)
}
