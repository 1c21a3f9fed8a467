//! Token datasets for training an M2 elsewhere (`eqinfo export-tokens`): the tokens of many inputs
//! under one configuration, in the layout nanoGPT-style loaders memory-map, with what is needed to
//! decode them back exactly.
//!
//! A dataset is a folder of three files:
//! - `tokens.bin`: every token id, examples one after the other, little-endian `u8` for 1-8-bit
//!   tokens and `u16` for 9-16-bit tokens (`manifest.dtype` is numpy's name for it: `"u1"` or
//!   `"<u2"`);
//! - `index.jsonl`: one [`IndexLine`] per example: its input, its bytes in that input, its tokens in
//!   `tokens.bin`, the bits it used before padding, and per window its byte count (the side
//!   information the exact decoder needs; EqualInfo only);
//! - `manifest.json`: a [`Manifest`]: eqinfo's version, the configuration, the model's identity, the
//!   shard, and every input's path, size and SHA-256 (and StaticAC's fitted unigram counts).
//!
//! Inputs go in the order given (a folder's files in sorted path order, [`crate::batch::discover_inputs`]).
//! With a [`Shard`], an input belongs to shard `I` of `N` when the first 8 bytes of the SHA-256 of
//! its manifest path (UTF-8), read as a big-endian integer, are `I` modulo `N`: stable across
//! machines, runs and input orders, so that N independent runs cover every input exactly once.
//!
//! Decoding ([`decode_dataset`]) rebuilds each input's `.eqi` container from the index and decodes
//! it with all of the container's checks (every count validated, the checksum verified), so a
//! dataset that was tampered with is refused, never trusted.

use crate::container::{self, Container, Header};
use crate::error::{Error, Result};
use crate::method::{self, Config, MethodKind, RunOptions};
use crate::model::{ByteModel, ModelIdentity};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Text coded together in one lane run by [`export`] (whole inputs; one larger input alone).
const GROUP_BYTES: u64 = 8 << 20;

/// The dataset format this build writes and reads.
pub const DATASET_FORMAT_VERSION: u32 = 1;
/// `manifest.format`.
pub const DATASET_FORMAT: &str = "eqinfo-tokens";

pub use crate::shard::Shard;

/// One input of a dataset, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestInput {
    /// Its path: relative to the export's root where it lies inside it, else as given.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Hex SHA-256 of its bytes.
    pub sha256: String,
    /// StaticAC only: the byte counts of the unigram fitted on it (the decoder's model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unigram: Option<Vec<u64>>,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`DATASET_FORMAT`].
    pub format: String,
    /// [`DATASET_FORMAT_VERSION`].
    pub format_version: u32,
    /// The eqinfo version that wrote it.
    pub eqinfo_version: String,
    /// The configuration's canonical `-c` spec.
    pub config_spec: String,
    /// The configuration.
    pub config: Config,
    /// The model that made the tokens (AC, StaticAC's absence of one, EqualInfo's M1; the
    /// subword tokenizer for Subword).
    pub model: Option<ModelIdentity>,
    /// Bits per token.
    pub token_bits: u32,
    /// numpy's name of the element type of `tokens.bin`: `"u1"` or `"<u2"`.
    pub dtype: String,
    /// Tokens in `tokens.bin`.
    pub token_count: u64,
    /// Lines in `index.jsonl`.
    pub example_count: u64,
    /// The shard, when the run was sharded.
    pub shard: Option<Shard>,
    /// The inputs of this shard, in order.
    pub inputs: Vec<ManifestInput>,
}

/// One line of `index.jsonl`: one example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexLine {
    /// Its input (an index into `manifest.inputs`).
    pub input: u64,
    /// Its input's path (as in the manifest).
    pub path: String,
    /// Where its bytes start in the input.
    pub byte_offset: u64,
    /// Its bytes.
    pub byte_len: u64,
    /// Where its tokens start in `tokens.bin` (in tokens).
    pub token_offset: u64,
    /// Its tokens.
    pub token_count: u64,
    /// Bits of code before padding to a whole token.
    pub bit_len: u64,
    /// EqualInfo: each window's byte count, in order (the exact decoder's side information).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub windows: Vec<u64>,
}

/// An input to export: its manifest path and where to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetInput {
    /// The path recorded in the manifest (and hashed for the shard).
    pub name: String,
    /// The file.
    pub file: PathBuf,
}

impl DatasetInput {
    /// An input named by its path relative to `root` where it lies inside it (with `/`
    /// separators), else by the path as given ([`crate::shard::manifest_path`]).
    pub fn under_root(file: &Path, root: &Path) -> DatasetInput {
        DatasetInput {
            name: crate::shard::manifest_path(file, root),
            file: file.to_path_buf(),
        }
    }
}

/// The element type of `tokens.bin` for `token_bits`.
pub fn dtype_for(token_bits: u32) -> Result<&'static str> {
    match token_bits {
        1..=8 => Ok("u1"),
        9..=16 => Ok("<u2"),
        b => Err(Error::BadParams(format!(
            "{b}-bit tokens: a dataset holds 1-16-bit tokens"
        ))),
    }
}

/// What [`export`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportOutcome {
    /// Written.
    Written(Manifest),
    /// The folder already held this exact dataset (same manifest): nothing was done.
    UpToDate(Manifest),
}

/// Options of [`export`].
#[derive(Default)]
pub struct ExportOptions<'a> {
    /// Only the inputs of this shard.
    pub shard: Option<Shard>,
    /// Replace a folder that holds something else.
    pub force: bool,
    /// Called with (input bytes done, input bytes in all).
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Checked between coding steps.
    pub cancel: Option<&'a std::sync::atomic::AtomicBool>,
}

/// Hex SHA-256 of a file's bytes, as `sha256sum` prints it (and as containers record it).
pub fn file_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The manifest an export of `inputs` (already filtered to the shard) would write, without the
/// token and example counts (which only coding can tell) and the unigrams.
fn planned_manifest(
    inputs: &[(DatasetInput, u64, String)],
    config: &Config,
    model: Option<ModelIdentity>,
    shard: Option<Shard>,
) -> Result<Manifest> {
    Ok(Manifest {
        format: DATASET_FORMAT.into(),
        format_version: DATASET_FORMAT_VERSION,
        eqinfo_version: env!("CARGO_PKG_VERSION").into(),
        config_spec: config.spec(),
        config: config.clone(),
        model,
        token_bits: config.token_bits,
        dtype: dtype_for(config.token_bits)?.into(),
        token_count: 0,
        example_count: 0,
        shard,
        inputs: inputs
            .iter()
            .map(|(i, size, sha)| ManifestInput {
                path: i.name.clone(),
                size: *size,
                sha256: sha.clone(),
                unigram: None,
            })
            .collect(),
    })
}

/// Whether two manifests describe the same dataset (all but the counts and unigrams, which
/// follow from the rest).
fn same_plan(a: &Manifest, b: &Manifest) -> bool {
    let strip = |m: &Manifest| {
        let mut m = m.clone();
        m.token_count = 0;
        m.example_count = 0;
        for i in &mut m.inputs {
            i.unigram = None;
        }
        m
    };
    strip(a) == strip(b)
}

/// The identity a dataset of `config` records for `model`.
fn identity_for(config: &Config, model: &dyn ByteModel) -> Result<Option<ModelIdentity>> {
    Ok(match config.method {
        m if m.uses_model() => Some(model.identity()),
        MethodKind::Subword => Some(method::subword::SubwordTokenizer::shipped()?.identity()),
        _ => None,
    })
}

/// Codes `inputs` under `config` and writes the dataset into the folder `out`, atomically (into a
/// temporary folder beside it, renamed at the end). A folder that already holds the same dataset
/// (same manifest: configuration, model, shard, every input's path, size and SHA-256) is left as
/// it is ([`ExportOutcome::UpToDate`]); one holding anything else is refused unless
/// `opts.force`.
pub fn export(
    inputs: &[DatasetInput],
    config: &Config,
    model: &mut dyn ByteModel,
    out: &Path,
    opts: &ExportOptions<'_>,
) -> Result<ExportOutcome> {
    config.validate()?;
    let dtype = dtype_for(config.token_bits)?;
    let mut seen = std::collections::HashSet::new();
    for i in inputs {
        if !seen.insert(i.name.as_str()) {
            return Err(Error::BadParams(format!(
                "input {:?} is given twice",
                i.name
            )));
        }
    }
    // Hash every input of the shard first: the manifest decides whether there is work to do.
    let mut planned = Vec::new();
    for i in inputs {
        if opts.shard.is_some_and(|s| !s.holds(&i.name)) {
            continue;
        }
        let data = read_file(&i.file)?;
        planned.push((i.clone(), data.len() as u64, file_sha256(&data)));
    }
    let identity = identity_for(config, model)?;
    let mut manifest = planned_manifest(&planned, config, identity.clone(), opts.shard)?;

    let manifest_path = out.join("manifest.json");
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => {
            return Err(Error::BadParams(format!(
                "{} exists and is not a folder",
                out.display()
            )))
        }
        Ok(_) => {
            let existing = std::fs::read(&manifest_path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok());
            match existing {
                Some(m) if same_plan(&m, &manifest) && dataset_files_present(out) => {
                    return Ok(ExportOutcome::UpToDate(m))
                }
                _ if opts.force => {}
                _ => {
                    let empty = std::fs::read_dir(out)
                        .map_err(|e| Error::io(out, e))?
                        .next()
                        .is_none();
                    if !empty {
                        return Err(Error::BadParams(format!(
                            "{} already holds something else (another dataset or other files); \
                             choose another folder or pass --force to replace it",
                            out.display()
                        )));
                    }
                }
            }
        }
        Err(_) => {}
    }

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".eqinfo-export-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    let total: u64 = planned.iter().map(|(_, size, _)| size).sum();
    let mut done = 0u64;
    let tokens_path = tmp.path().join("tokens.bin");
    let index_path = tmp.path().join("index.jsonl");
    let mut tokens_out = BufWriter::new(
        std::fs::File::create(&tokens_path).map_err(|e| Error::io(&tokens_path, e))?,
    );
    let mut index_out =
        BufWriter::new(std::fs::File::create(&index_path).map_err(|e| Error::io(&index_path, e))?);
    let mut token_offset = 0u64;
    let mut examples = 0u64;
    // Inputs are coded in groups (at most GROUP_BYTES of text, whole inputs) whose examples
    // share the model's lanes (`method::encode_packed_many`): a folder of small files fills the
    // lanes as one long file does. The output is the same as coding each input alone.
    let mut next = 0usize;
    while next < planned.len() {
        let mut group = Vec::new();
        let mut bytes = 0u64;
        while next < planned.len() && (group.is_empty() || bytes + planned[next].1 <= GROUP_BYTES) {
            let (input, _, sha) = &planned[next];
            let data = read_file(&input.file)?;
            if file_sha256(&data) != *sha {
                return Err(Error::BadParams(format!(
                    "{} changed while it was being exported",
                    input.file.display()
                )));
            }
            bytes += data.len() as u64;
            group.push((next, data));
            next += 1;
        }
        let base = done;
        let progress = |d: usize, _t: usize| {
            if let Some(p) = opts.progress {
                p(base + d as u64, total);
            }
        };
        let run = RunOptions {
            trace: false,
            cancel: opts.cancel,
            progress: Some(&progress),
        };
        let texts: Vec<&[u8]> = group
            .iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(_, d)| d.as_slice())
            .collect();
        let mut packed = method::encode_packed_many(&texts, config, model, &run)?.into_iter();
        for (n, data) in &group {
            if data.is_empty() {
                continue;
            }
            let p = packed
                .next()
                .ok_or_else(|| Error::Decode("an input without its encoding".into()))?;
            let input = &planned[*n].0;
            let tb = config.token_bits as u64;
            let mut t0 = 0usize;
            let mut w0 = 0usize;
            for (ex, &bit_len) in method::example_ranges(data.len(), config.example_bytes)
                .iter()
                .zip(&p.example_bits)
            {
                let n_tokens = bit_len.div_ceil(tb) as usize;
                let tokens = p
                    .tokens
                    .get(t0..t0 + n_tokens)
                    .ok_or_else(|| Error::Decode("an example's tokens are missing".into()))?;
                t0 += n_tokens;
                let bytes: Vec<u8> = if dtype == "u1" {
                    tokens.iter().map(|&t| t as u8).collect()
                } else {
                    tokens
                        .iter()
                        .flat_map(|&t| (t as u16).to_le_bytes())
                        .collect()
                };
                tokens_out
                    .write_all(&bytes)
                    .map_err(|e| Error::io(&tokens_path, e))?;
                let mut windows = Vec::new();
                if config.method == MethodKind::EqualInfo {
                    let mut left = ex.len() as u64;
                    while left > 0 {
                        let c = *p.window_bytes.get(w0).ok_or_else(|| {
                            Error::Decode("an example's windows are missing".into())
                        })? as u64;
                        windows.push(c);
                        left = left.saturating_sub(c);
                        w0 += 1;
                    }
                }
                let line = IndexLine {
                    input: *n as u64,
                    path: input.name.clone(),
                    byte_offset: ex.start as u64,
                    byte_len: ex.len() as u64,
                    token_offset,
                    token_count: tokens.len() as u64,
                    bit_len,
                    windows,
                };
                serde_json::to_writer(&mut index_out, &line)?;
                index_out
                    .write_all(b"\n")
                    .map_err(|e| Error::io(&index_path, e))?;
                token_offset += tokens.len() as u64;
                examples += 1;
            }
            if config.method == MethodKind::StaticAc {
                manifest.inputs[*n].unigram =
                    Some(crate::model::Unigram::fit(data).counts().to_vec());
            }
        }
        done += bytes;
        if let Some(p) = opts.progress {
            p(done, total);
        }
    }
    for (w, path) in [
        (&mut tokens_out, &tokens_path),
        (&mut index_out, &index_path),
    ] {
        w.flush().map_err(|e| Error::io(path, e))?;
        w.get_ref().sync_all().map_err(|e| Error::io(path, e))?;
    }
    drop(tokens_out);
    drop(index_out);
    manifest.token_count = token_offset;
    manifest.example_count = examples;
    let tmp_manifest = tmp.path().join("manifest.json");
    let json = serde_json::to_vec_pretty(&manifest)?;
    std::fs::write(&tmp_manifest, json).map_err(|e| Error::io(&tmp_manifest, e))?;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        Error::io(out, e)
    })?;
    Ok(ExportOutcome::Written(manifest))
}

fn dataset_files_present(dir: &Path) -> bool {
    ["tokens.bin", "index.jsonl", "manifest.json"]
        .iter()
        .all(|f| dir.join(f).is_file())
}

/// A dataset read back: the manifest, the index and the token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// `manifest.json`.
    pub manifest: Manifest,
    /// `index.jsonl`, one entry per example.
    pub index: Vec<IndexLine>,
    /// `tokens.bin`.
    pub tokens: Vec<u32>,
    /// Per input, its lines in `index` (an input's examples are consecutive lines, in order).
    lines_of: Vec<std::ops::Range<usize>>,
}

/// Reads a dataset folder, checking that its three files agree (counts, offsets, element type).
pub fn read_dataset(dir: &Path) -> Result<Dataset> {
    let bad = |what: String| Error::Corrupt(format!("dataset {}: {what}", dir.display()));
    let manifest_path = dir.join("manifest.json");
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?,
    )
    .map_err(|e| bad(format!("manifest.json: {e}")))?;
    if manifest.format != DATASET_FORMAT {
        return Err(bad(format!(
            "not an eqinfo dataset ({:?})",
            manifest.format
        )));
    }
    if manifest.format_version != DATASET_FORMAT_VERSION {
        return Err(Error::BadParams(format!(
            "dataset format version {} (this build reads version {DATASET_FORMAT_VERSION})",
            manifest.format_version
        )));
    }
    manifest.config.validate()?;
    if manifest.token_bits != manifest.config.token_bits
        || manifest.dtype != dtype_for(manifest.token_bits)?
    {
        return Err(bad("token bits and element type disagree".into()));
    }
    let width: u64 = if manifest.dtype == "u1" { 1 } else { 2 };
    let tokens_path = dir.join("tokens.bin");
    let file = std::fs::File::open(&tokens_path).map_err(|e| Error::io(&tokens_path, e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(&tokens_path, e))?
        .len();
    if manifest.token_count.checked_mul(width) != Some(len) {
        return Err(bad(format!(
            "tokens.bin holds {len} bytes, the manifest claims {} tokens of {width} bytes",
            manifest.token_count
        )));
    }
    let mut raw = Vec::new();
    file.take(len)
        .read_to_end(&mut raw)
        .map_err(|e| Error::io(&tokens_path, e))?;
    let tokens: Vec<u32> = if width == 1 {
        raw.iter().map(|&b| b as u32).collect()
    } else {
        raw.chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]) as u32)
            .collect()
    };
    let limit = 1u64 << manifest.token_bits;
    if tokens.iter().any(|&t| t as u64 >= limit) {
        return Err(bad("a token id does not fit the token bits".into()));
    }
    let index_path = dir.join("index.jsonl");
    let reader = std::io::BufReader::new(
        std::fs::File::open(&index_path).map_err(|e| Error::io(&index_path, e))?,
    );
    let mut index = Vec::new();
    let mut next_token = 0u64;
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::io(&index_path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: IndexLine = serde_json::from_str(&line)
            .map_err(|e| bad(format!("index.jsonl line {}: {e}", n + 1)))?;
        if l.token_offset != next_token {
            return Err(bad(format!(
                "index.jsonl line {}: tokens start at {}, expected {next_token}",
                n + 1,
                l.token_offset
            )));
        }
        next_token = l
            .token_offset
            .checked_add(l.token_count)
            .filter(|&e| e <= manifest.token_count)
            .ok_or_else(|| bad(format!("index.jsonl line {}: tokens past the end", n + 1)))?;
        let input = usize::try_from(l.input)
            .ok()
            .and_then(|i| manifest.inputs.get(i))
            .ok_or_else(|| bad(format!("index.jsonl line {}: no such input", n + 1)))?;
        if input.path != l.path {
            return Err(bad(format!(
                "index.jsonl line {}: input {} is {:?}, not {:?}",
                n + 1,
                l.input,
                input.path,
                l.path
            )));
        }
        // An input's examples are consecutive lines and the inputs come in order (as `export`
        // writes them), so each input's lines, and with them its tokens, are one range.
        if index.last().is_some_and(|p: &IndexLine| p.input > l.input) {
            return Err(bad(format!(
                "index.jsonl line {}: input {} comes after input {}",
                n + 1,
                l.input,
                index.last().map_or(0, |p: &IndexLine| p.input)
            )));
        }
        index.push(l);
    }
    let mut lines_of = vec![0..0; manifest.inputs.len()];
    let mut i = 0;
    while i < index.len() {
        let input = index[i].input as usize;
        let start = i;
        while i < index.len() && index[i].input as usize == input {
            i += 1;
        }
        lines_of[input] = start..i;
    }
    if next_token != manifest.token_count || index.len() as u64 != manifest.example_count {
        return Err(bad(
            "the index does not account for every token and example".into(),
        ));
    }
    Ok(Dataset {
        manifest,
        index,
        tokens,
        lines_of,
    })
}

impl Dataset {
    /// Rebuilds input `n`'s `.eqi` container from the index (its examples must be consecutive,
    /// in order, and cover the input).
    pub fn container(&self, n: usize) -> Result<Container> {
        let m = &self.manifest;
        let input = m
            .inputs
            .get(n)
            .ok_or_else(|| Error::BadParams(format!("the dataset has no input {n}")))?;
        let lines = &self.index[self.lines_of[n].clone()];
        let bad = |what: &str| Error::Corrupt(format!("dataset input {:?}: {what}", input.path));
        let mut pos = 0u64;
        for l in lines {
            if l.byte_offset != pos {
                return Err(bad("its examples are not consecutive"));
            }
            pos = pos
                .checked_add(l.byte_len)
                .ok_or_else(|| bad("example length overflows"))?;
        }
        if pos != input.size {
            return Err(bad("its examples do not cover it"));
        }
        let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
            return Err(bad("it has no examples"));
        };
        // Lines' tokens are consecutive (checked when read), so these are the input's alone.
        let t0 = first.token_offset as usize;
        let t1 = (last.token_offset + last.token_count) as usize;
        let tokens = self.tokens[t0..t1].to_vec();
        let mut values = Vec::new();
        for l in lines {
            values.push(l.bit_len);
        }
        if m.config.method == MethodKind::EqualInfo {
            for l in lines {
                values.extend_from_slice(&l.windows);
            }
        } else if lines.iter().any(|l| !l.windows.is_empty()) {
            return Err(bad("window counts for a method without windows"));
        }
        if m.config.method == MethodKind::StaticAc {
            let counts = input
                .unigram
                .as_ref()
                .ok_or_else(|| bad("StaticAC without its unigram counts"))?;
            if counts.len() != 256 {
                return Err(bad("the unigram does not have 256 counts"));
            }
            values.extend_from_slice(counts);
        }
        let side_info = container::side_info_from_values(&values)?;
        Ok(Container {
            header: Header {
                config: m.config.clone(),
                model: m.model.clone(),
                input_len: input.size,
                sha256: input.sha256.clone(),
                token_count: tokens.len() as u64,
                side_info_bytes: side_info.len() as u64,
            },
            tokens,
            side_info,
        })
    }
}

/// Decodes every input of a dataset exactly (each checked against its recorded SHA-256; the
/// model against the recorded identity unless `force`), calling `each` with its manifest path
/// and bytes in order.
pub fn decode_dataset(
    dataset: &Dataset,
    model: &mut dyn ByteModel,
    force: bool,
    mut each: impl FnMut(&str, Vec<u8>) -> Result<()>,
) -> Result<()> {
    for (n, input) in dataset.manifest.inputs.iter().enumerate() {
        let bytes = if input.size == 0 {
            Vec::new()
        } else {
            dataset.container(n)?.decode(model, force)?
        };
        each(&input.path, bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtype_follows_token_bits() {
        assert_eq!(dtype_for(8).ok(), Some("u1"));
        assert_eq!(dtype_for(9).ok(), Some("<u2"));
        assert_eq!(dtype_for(16).ok(), Some("<u2"));
        assert!(dtype_for(17).is_err());
    }
}
