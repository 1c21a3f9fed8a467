//! Where the app's byte model comes from: a pluggable loader from a path, the default model
//! (the shipped `sample_models/` when it loads, otherwise a built-in unigram), and the text shown
//! on first start.

use crate::model::open::ModelSpec;
use crate::model::{ByteModel, Unigram};
use std::path::Path;
use std::sync::Arc;

/// The demo text shown on first start.
pub const DEMO_TEXT: &str = include_str!("../../assets/demo.txt");

/// Loads a model from a path (None: the shipped sample M1) on a device (`cpu`, `cuda:0`, ...),
/// or says why not, in words for the UI.
pub type ModelLoader =
    Arc<dyn Fn(Option<&Path>, &str) -> Result<Box<dyn ByteModel>, String> + Send + Sync>;

/// A model together with how the UI should name it.
pub struct LoadedModel {
    /// The model.
    pub model: Box<dyn ByteModel>,
    /// A short description ("M1 (sample_models)", "unigram fitted on the demo text").
    pub name: String,
}

/// The default loader: `uniform`; a unigram JSON file; an M1 directory (config.json +
/// model.safetensors) or one of its files; nothing = the shipped sample M1
/// (see `model::open::open_model`).
pub fn default_loader() -> ModelLoader {
    Arc::new(load_model)
}

/// See [`default_loader`].
pub fn load_model(path: Option<&Path>, device: &str) -> Result<Box<dyn ByteModel>, String> {
    ModelSpec::from_path(path)
        .open(device, None)
        .map(|m| m.model)
        .map_err(|e| e.to_string())
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
pub fn default_model(loader: &ModelLoader, device: &str) -> (LoadedModel, Option<String>) {
    match loader(None, device) {
        Ok(model) => (
            LoadedModel {
                model,
                name: format!("sample M1 ({device})"),
            },
            None,
        ),
        Err(e) => (
            fallback_model(),
            Some(format!(
                "sample model not loaded, using a built-in unigram: {e}"
            )),
        ),
    }
}
