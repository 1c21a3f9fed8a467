//! "Which model?", answered once for the CLI and the GUI: a [`ModelSpec`] parsed from what a
//! user typed (`--model`, a path field, a menu choice), opened on a device by
//! [`ModelSpec::open`], with the one fallback rule for a missing sample model.
//!
//! | spec | typed as | model |
//! |---|---|---|
//! | [`ModelSpec::Sample`] | nothing (or an empty field) | the shipped sample M1 (`sample_models/`, or `$EQINFO_MODEL`) |
//! | [`ModelSpec::Uniform`] | `uniform` | the uniform byte model |
//! | [`ModelSpec::UnigramFitted`] | `unigram` | a byte unigram fitted on the caller's text ([`FitText`]) |
//! | [`ModelSpec::Path`] | anything else | a unigram `.json` (written by `Unigram::save`), or an M1 directory (config.json + model.safetensors) or one of its files |
//!
//! Fallback, the one rule: when the sample M1 is missing (not found: no `$EQINFO_MODEL`, no
//! `sample_models/` beside the executable or in the source tree) and the caller gave a
//! [`FitText`], [`ModelSpec::open`] returns a unigram fitted on that text, with a note saying
//! why; without a text, and for a sample that is found but does not load, it returns the error.
//! `eqinfo stats` gives its inputs and the GUI its demo text; the coding commands (`compress`,
//! `decompress`, ...) and `eqinfo probe` give none, so their model is never silently replaced.

use super::{m1, ByteModel, Uniform, Unigram};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Which byte model to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelSpec {
    /// The shipped sample M1.
    Sample,
    /// The uniform byte model.
    Uniform,
    /// A byte unigram fitted on the caller's [`FitText`].
    UnigramFitted,
    /// A model file or directory.
    Path(PathBuf),
}

/// The text a fitted unigram learns from (and the sample's fallback), and how messages name it.
#[derive(Debug, Clone, Copy)]
pub struct FitText<'a> {
    /// How messages name the text ("the inputs", "the training text").
    pub name: &'a str,
    /// The text, in parts (the unigram counts every byte of every part).
    pub parts: &'a [&'a [u8]],
}

/// An opened model and how the UI names it.
pub struct OpenedModel {
    /// The model.
    pub model: Box<dyn ByteModel>,
    /// A short description ("sample M1 (cpu)", "uniform", "unigram fitted on the inputs").
    pub name: String,
    /// Why it is not the model asked for (the sample's fallback), if it is not.
    pub note: Option<String>,
}

impl ModelSpec {
    /// From what a user typed: nothing or blanks = the sample M1; `uniform`; `unigram` (fitted);
    /// anything else a path.
    pub fn parse(typed: Option<&str>) -> ModelSpec {
        match typed.map(str::trim) {
            None | Some("") => ModelSpec::Sample,
            Some("uniform") => ModelSpec::Uniform,
            Some("unigram") => ModelSpec::UnigramFitted,
            Some(p) => ModelSpec::Path(PathBuf::from(p)),
        }
    }

    /// A model from a path (None: the sample M1).
    pub fn from_path(path: Option<&Path>) -> ModelSpec {
        path.map_or(ModelSpec::Sample, |p| ModelSpec::Path(p.to_path_buf()))
    }

    /// Opens the model on `device` (`cpu`, `cuda[:N]`, `metal[:N]`; M1 only). `fit` is the text
    /// [`ModelSpec::UnigramFitted`] is fitted on and the sample's fallback (see the module docs).
    pub fn open(&self, device: &str, fit: Option<FitText<'_>>) -> Result<OpenedModel> {
        if device != "cpu" {
            // A bad device name is an error even for a model that runs without one.
            super::device::parse_device(device)?;
        }
        let opened = |model: Box<dyn ByteModel>, name: String| OpenedModel {
            model,
            name,
            note: None,
        };
        match self {
            ModelSpec::Sample => open_sample(m1::default_model_dir(), device, fit),
            ModelSpec::Uniform => Ok(opened(Box::<Uniform>::default(), "uniform".into())),
            ModelSpec::UnigramFitted => {
                let fit = fit.ok_or_else(|| {
                    Error::Model(
                        "`unigram` fits a model on a text, and none is given here; pass a \
                         unigram .json (see `eqinfo stats` and `eqinfo probe`)"
                            .into(),
                    )
                })?;
                Ok(opened(
                    Box::new(fitted(fit)),
                    format!("unigram fitted on {}", fit.name),
                ))
            }
            ModelSpec::Path(p) => open_path(p, device)
                .map(|m| opened(m, format!("{} ({device})", p.display())))
                .map_err(|e| {
                    // Every error names the path the user gave.
                    let shown = p.display().to_string();
                    if e.to_string().contains(&shown) {
                        e
                    } else {
                        Error::Model(format!("{shown}: {e}"))
                    }
                }),
        }
    }
}

impl std::fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelSpec::Sample => f.write_str("the sample M1"),
            ModelSpec::Uniform => f.write_str("uniform"),
            ModelSpec::UnigramFitted => f.write_str("unigram"),
            ModelSpec::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Opens a model from what a user typed (see [`ModelSpec::parse`]), without a fallback.
pub fn open_model(typed: Option<&str>, device: &str) -> Result<Box<dyn ByteModel>> {
    Ok(ModelSpec::parse(typed).open(device, None)?.model)
}

fn fitted(fit: FitText<'_>) -> Unigram {
    let mut counts = vec![0u64; 256];
    for part in fit.parts {
        for &b in part.iter() {
            counts[b as usize] += 1;
        }
    }
    // 256 counts never fail; add-one smoothing keeps every byte codable.
    Unigram::from_counts(counts).unwrap_or_default()
}

/// The sample M1 from `dir` (where [`m1::default_model_dir`] found it), or the fallback.
fn open_sample(
    dir: Option<PathBuf>,
    device: &str,
    fit: Option<FitText<'_>>,
) -> Result<OpenedModel> {
    match (dir.filter(|d| d.exists()), fit) {
        (Some(dir), _) => Ok(OpenedModel {
            model: open_m1(&dir, device)?,
            name: format!("sample M1 ({device})"),
            note: None,
        }),
        (None, Some(fit)) => Ok(OpenedModel {
            model: Box::new(fitted(fit)),
            name: format!("unigram fitted on {}", fit.name),
            note: Some(format!(
                "no model chosen and no sample M1 found: using a byte unigram fitted on {} \
                 (pass --model DIR, or open a model, for M1)",
                fit.name
            )),
        }),
        (None, None) => Err(Error::Model(
            "no model given and the sample model (sample_models/) was not found; pass --model DIR \
             or set EQINFO_MODEL"
                .into(),
        )),
    }
}

fn open_path(path: &Path, device: &str) -> Result<Box<dyn ByteModel>> {
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
            "{} is not a model: give an M1 directory (config.json + model.safetensors), its \
             .safetensors file, a unigram .json, or `uniform`",
            path.display()
        )));
    }
    open_m1(path, device)
}

fn open_m1(path: &Path, device: &str) -> Result<Box<dyn ByteModel>> {
    let dev = super::device::parse_device(device)?;
    Ok(Box::new(m1::load(path, &dev)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_names_one_spec() {
        assert_eq!(ModelSpec::parse(None), ModelSpec::Sample);
        assert_eq!(ModelSpec::parse(Some("  ")), ModelSpec::Sample);
        assert_eq!(ModelSpec::parse(Some("uniform")), ModelSpec::Uniform);
        assert_eq!(ModelSpec::parse(Some("unigram")), ModelSpec::UnigramFitted);
        assert_eq!(
            ModelSpec::parse(Some(" runs/m1 ")),
            ModelSpec::Path(PathBuf::from("runs/m1"))
        );
    }

    #[test]
    fn a_fitted_unigram_needs_a_text_and_learns_it() {
        assert!(ModelSpec::UnigramFitted.open("cpu", None).is_err());
        let text: &[&[u8]] = &[b"aaaa", b"aab"];
        let fit = FitText {
            name: "the inputs",
            parts: text,
        };
        let m = ModelSpec::UnigramFitted
            .open("cpu", Some(fit))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.name, "unigram fitted on the inputs");
        assert!(m.note.is_none());
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let e = ModelSpec::parse(Some("/no/such/model"))
            .open("cpu", None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("/no/such/model"), "{e}");
    }

    #[test]
    fn a_missing_sample_falls_back_only_when_a_text_is_given() {
        let text: &[&[u8]] = &[b"some text"];
        let fit = FitText {
            name: "the demo text",
            parts: text,
        };
        assert!(open_sample(None, "cpu", None).is_err());
        let gone = Some(PathBuf::from("/no/such/sample_models"));
        assert!(open_sample(gone.clone(), "cpu", None).is_err());
        for dir in [None, gone] {
            let m = open_sample(dir, "cpu", Some(fit)).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.name, "unigram fitted on the demo text");
            assert!(m.note.is_some_and(|n| n.contains("no sample M1 found")));
        }
    }

    #[test]
    fn a_sample_that_is_found_but_does_not_load_is_an_error_even_with_a_text() {
        let dir = std::env::temp_dir();
        let text: &[&[u8]] = &[b"some text"];
        let fit = FitText {
            name: "the inputs",
            parts: text,
        };
        // A directory without config.json: found, but not a model.
        assert!(open_sample(Some(dir), "cpu", Some(fit)).is_err());
    }
}
