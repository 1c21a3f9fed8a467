//! Loading an M1 from `config.json` + `model.safetensors`, with every tensor's name, shape and
//! dtype checked against the config before anything is built, so that a missing tensor, a wrong
//! shape, a corrupt file or a config that does not match the weights is a clear
//! [`Error::Model`] naming the problem. Also finds the shipped sample model.
//!
//! Error messages (stable, tests rely on them): `missing tensor \`NAME\``, `wrong shape for
//! tensor \`NAME\``, `unexpected tensor \`NAME\``, `wrong dtype for tensor \`NAME\``, `is not a
//! valid safetensors file`, `is not a valid M1 config`.

use super::config::Config;
use super::infer::M1;
use super::net::Net;
use crate::error::{Error, Result};
use crate::model::sha256_hex;
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// File names inside a model directory.
pub const CONFIG_FILE: &str = "config.json";
/// File names inside a model directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";

/// Every tensor the config requires, with its shape (see `net.rs` for the layout).
pub fn expected_tensors(cfg: &Config) -> Vec<(String, Vec<usize>)> {
    let (d, a, m, v) = (cfg.d_model, cfg.attn_dim(), cfg.d_mlp, cfg.vocab);
    let mut out = vec![
        ("bos".to_string(), vec![d]),
        ("tok_emb.weight".to_string(), vec![v, d]),
    ];
    for i in 0..cfg.n_layers {
        let p = format!("layers.{i}");
        out.extend([
            (format!("{p}.ln1.weight"), vec![d]),
            (format!("{p}.ln1.bias"), vec![d]),
            (format!("{p}.attn.qkv.weight"), vec![3 * a, d]),
            (format!("{p}.attn.qkv.bias"), vec![3 * a]),
            (format!("{p}.attn.proj.weight"), vec![d, a]),
            (format!("{p}.attn.proj.bias"), vec![d]),
            (format!("{p}.ln2.weight"), vec![d]),
            (format!("{p}.ln2.bias"), vec![d]),
            (format!("{p}.mlp.fc1.weight"), vec![m, d]),
            (format!("{p}.mlp.fc1.bias"), vec![m]),
            (format!("{p}.mlp.fc2.weight"), vec![d, m]),
            (format!("{p}.mlp.fc2.bias"), vec![d]),
        ]);
    }
    out.extend([
        ("ln_f.weight".to_string(), vec![d]),
        ("ln_f.bias".to_string(), vec![d]),
        ("head.weight".to_string(), vec![v, d]),
        ("head.bias".to_string(), vec![v]),
    ]);
    out
}

/// Resolves a model path: a directory holding both files, the `.safetensors` file (config.json
/// beside it), or the `config.json` file (model.safetensors beside it).
pub fn resolve(path: &Path) -> Result<(PathBuf, PathBuf)> {
    if path.is_dir() {
        return Ok((path.join(CONFIG_FILE), path.join(WEIGHTS_FILE)));
    }
    if !path.exists() {
        return Err(Error::Model(format!(
            "{}: no such model file or directory",
            path.display()
        )));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    if path.extension().is_some_and(|e| e == "json") {
        Ok((path.to_path_buf(), dir.join(WEIGHTS_FILE)))
    } else {
        Ok((dir.join(CONFIG_FILE), path.to_path_buf()))
    }
}

/// Checks the weights against the config and returns the tensors by name.
pub fn check_tensors(
    cfg: &Config,
    weights: &[u8],
    dev: &Device,
) -> Result<HashMap<String, Tensor>> {
    let st = safetensors::SafeTensors::deserialize(weights).map_err(|e| {
        Error::Model(format!(
            "{WEIGHTS_FILE} is not a valid safetensors file: {e}"
        ))
    })?;
    let expected = expected_tensors(cfg);
    let mut out = HashMap::new();
    for (name, shape) in &expected {
        let view = st.tensor(name).map_err(|_| {
            Error::Model(format!(
                "missing tensor `{name}` (shape {shape:?}) that config.json requires: the weights do not \
                 belong to this config or are incomplete"
            ))
        })?;
        if view.dtype() != safetensors::Dtype::F32 {
            return Err(Error::Model(format!(
                "wrong dtype for tensor `{name}`: {:?}, M1 needs F32",
                view.dtype()
            )));
        }
        if view.shape() != shape.as_slice() {
            return Err(Error::Model(format!(
                "wrong shape for tensor `{name}`: the file has {:?}, config.json requires {shape:?} \
                 (the config does not match the weights)",
                view.shape()
            )));
        }
        let data: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if data.iter().any(|v| !v.is_finite()) {
            return Err(Error::Model(format!(
                "tensor `{name}` holds NaN or infinite values"
            )));
        }
        let t = Tensor::from_vec(data, shape.as_slice(), dev)
            .map_err(|e| Error::Model(format!("tensor `{name}`: {e}")))?;
        out.insert(name.clone(), t);
    }
    let mut extra: Vec<String> = st
        .names()
        .into_iter()
        .filter(|n| !out.contains_key(*n))
        .map(str::to_string)
        .collect();
    extra.sort();
    if let Some(n) = extra.first() {
        return Err(Error::Model(format!(
            "unexpected tensor `{n}` ({} extra in all; config.json says n_layers = {}): the config does \
             not match the weights",
            extra.len(),
            cfg.n_layers
        )));
    }
    Ok(out)
}

/// Builds an [`M1`] from config text and safetensors bytes on a device.
pub fn from_bytes(config_json: &str, weights: &[u8], dev: &Device) -> Result<M1> {
    let cfg = Config::from_json(config_json)?;
    let tensors = check_tensors(&cfg, weights, dev)?;
    let vb = candle_nn::VarBuilder::from_tensors(tensors, DType::F32, dev);
    let net = Net::new(&cfg, vb).map_err(|e| Error::Model(format!("building M1: {e}")))?;
    let canonical = serde_json::to_string(&cfg)?;
    let hash = sha256_hex(&[b"m1", canonical.as_bytes(), weights]);
    M1::from_net(net, hash)
}

/// Loads an M1 from a directory or file path (see [`resolve`]).
pub fn load(path: &Path, dev: &Device) -> Result<M1> {
    let (cfg_path, w_path) = resolve(path)?;
    let cfg_text = std::fs::read_to_string(&cfg_path).map_err(|e| {
        Error::Model(format!(
            "cannot read {} ({e}): an M1 needs {CONFIG_FILE} beside its weights",
            cfg_path.display()
        ))
    })?;
    let weights = std::fs::read(&w_path)
        .map_err(|e| Error::Model(format!("cannot read {} ({e})", w_path.display())))?;
    from_bytes(&cfg_text, &weights, dev).map_err(|e| match e {
        Error::Model(m) => Error::Model(format!(
            "{}: {m}",
            w_path.parent().unwrap_or(Path::new(".")).display()
        )),
        other => other,
    })
}

/// Where the shipped sample model lives, if it can be found: `$EQINFO_MODEL` (a path), then
/// `sample_models/` beside the executable or up to three directories above it (a cargo
/// `target/<profile>/` build), then `sample_models/` of the source tree this was built from.
pub fn default_model_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EQINFO_MODEL") {
        return Some(PathBuf::from(p));
    }
    let has = |d: &Path| d.join(CONFIG_FILE).is_file() && d.join(WEIGHTS_FILE).is_file();
    if let Ok(exe) = std::env::current_exe() {
        let mut dir = exe.parent().map(Path::to_path_buf);
        for _ in 0..4 {
            let Some(d) = dir else { break };
            let cand = d.join("sample_models");
            if has(&cand) {
                return Some(cand);
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_models");
    has(&src).then_some(src)
}

/// Loads the shipped sample model on the CPU (see [`default_model_dir`]).
pub fn load_default_model() -> Result<M1> {
    let dir = default_model_dir().ok_or_else(|| {
        Error::Model(
            "no model given and the sample model (sample_models/config.json + model.safetensors) was not \
             found; pass --model DIR or set EQINFO_MODEL"
                .into(),
        )
    })?;
    load(&dir, &Device::Cpu)
}
