//! Where the app's byte model comes from: a pluggable loader (by default
//! [`ModelSpec::open`](crate::model::open::ModelSpec::open), whose missing-sample fallback is a
//! unigram fitted on the demo text), the model used when the user chose none, and the text shown
//! on first start.

use crate::model::open::{FitText, ModelSpec, OpenedModel};
use crate::model::{ByteModel, Unigram};
use std::sync::Arc;

/// The demo text shown on first start.
pub const DEMO_TEXT: &str = include_str!("../../assets/demo.txt");

/// Opens a model on a device (`cpu`, `cuda:0`, ...), or says why not, in words for the UI.
pub type ModelLoader = Arc<dyn Fn(&ModelSpec, &str) -> Result<OpenedModel, String> + Send + Sync>;

/// A model together with how the UI should name it.
pub struct LoadedModel {
    /// The model.
    pub model: Box<dyn ByteModel>,
    /// A short description ("sample M1 (cpu)", "unigram fitted on the demo text").
    pub name: String,
}

/// The demo text as the text a fallback unigram is fitted on.
pub fn demo_fit() -> FitText<'static> {
    const PARTS: &[&[u8]] = &[DEMO_TEXT.as_bytes()];
    FitText {
        name: "the demo text",
        parts: PARTS,
    }
}

/// The default loader: [`ModelSpec::open`] with the demo text as the fallback's text.
pub fn default_loader() -> ModelLoader {
    Arc::new(|spec, device| {
        spec.open(device, Some(demo_fit()))
            .map_err(|e| e.to_string())
    })
}

/// The built-in fallback: a unigram fitted on the demo text.
pub fn fallback_model() -> LoadedModel {
    LoadedModel {
        model: Box::new(Unigram::fit(DEMO_TEXT.as_bytes())),
        name: "built-in unigram (fitted on the demo text)".into(),
    }
}

/// The model used when the user chose none: the sample M1 (or the loader's fallback for a
/// missing one, with its note); when even that fails (a sample that does not load on this
/// device), the built-in unigram with the reason, so the app always starts.
pub fn default_model(loader: &ModelLoader, device: &str) -> (LoadedModel, Option<String>) {
    match loader(&ModelSpec::Sample, device) {
        Ok(m) => (
            LoadedModel {
                model: m.model,
                name: m.name,
            },
            m.note,
        ),
        Err(e) => (
            fallback_model(),
            Some(format!(
                "sample model not loaded, using a built-in unigram: {e}"
            )),
        ),
    }
}
