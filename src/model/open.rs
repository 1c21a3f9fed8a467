//! Opening a model from what a user typed: `uniform`, a unigram JSON file, or an M1 directory /
//! file; nothing means the shipped sample M1.

use super::{m1, ByteModel, Uniform, Unigram};
use crate::error::{Error, Result};
use std::path::Path;

/// Opens a model. `spec`: `None` = the sample M1; `"uniform"`; a `.json` unigram file (written
/// by `Unigram::save`); otherwise an M1 directory (config.json + model.safetensors) or one of
/// those files. `device`: `cpu`, `cuda[:N]`, `metal[:N]` (M1 only).
pub fn open_model(spec: Option<&str>, device: &str) -> Result<Box<dyn ByteModel>> {
    if device != "cpu" {
        // A bad device name is an error even for a model that runs without one.
        super::device::parse_device(device)?;
    }
    match spec {
        None => {
            let dir = m1::default_model_dir().ok_or_else(|| {
                Error::Model(
                    "no model given and the sample model (sample_models/) was not found; pass \
                     --model DIR or set EQINFO_MODEL"
                        .into(),
                )
            })?;
            open_m1(&dir, device)
        }
        Some("uniform") => Ok(Box::new(Uniform::default())),
        Some(s) => {
            let path = Path::new(s);
            if !path.exists() {
                return Err(Error::io(
                    path,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
                ));
            }
            if path.is_file() && path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
                if text.contains("\"unigram\"") {
                    return Ok(Box::new(Unigram::from_json(&text)?));
                }
            }
            let known = path
                .extension()
                .is_some_and(|e| e == "json" || e == "safetensors");
            if path.is_file() && !known {
                return Err(Error::Model(format!(
                    "{} is not a model: give an M1 directory (config.json + model.safetensors), its .safetensors file, a unigram .json, or `uniform`",
                    path.display()
                )));
            }
            open_m1(path, device)
        }
    }
}

fn open_m1(path: &Path, device: &str) -> Result<Box<dyn ByteModel>> {
    let dev = super::device::parse_device(device)?;
    Ok(Box::new(m1::load(path, &dev)?))
}
