//! Sharded runs on an existing engine: `eqinfo stats --shard I/N` runs the statistics of one
//! shard of the inputs and saves mergeable sufficient statistics; `eqinfo merge` pools the shards
//! into the report an unsharded run of the same inputs gives. One binary that a scheduler (a Slurm
//! job array, GNU parallel, `xargs -P`) runs N times is the whole cluster story.
//!
//! - **Assignment**: an input belongs to shard `I` of `N` when the first 8 bytes of the SHA-256 of
//!   its manifest path (UTF-8; relative to the run's root, `/`-separated, see [`manifest_path`]),
//!   read as a big-endian integer, are `I` modulo `N`: stable across machines, runs and the order
//!   the inputs are given in.
//! - **Manifest**: every shard records eqinfo's version, the model's identity, the
//!   configurations, the options, the shard, and *every* input of the run (path, size, SHA-256),
//!   so that the merge can refuse shards of different runs and see a missing or doubled shard.
//! - **Sufficient statistics**: each configuration's [`StatsAccumulator`] (token and n-gram
//!   counts, histograms, sums); KL and entropies are not additive, so they are computed at merge
//!   time from the merged counts. The prefix-edit experiment does not depend on the inputs: shard
//!   0 runs it.

use crate::batch::{self, BatchInput, BatchOptions, BatchProgress, BatchReport};
use crate::error::{Error, Result};
use crate::method::Config;
use crate::model::{ByteModel, ModelIdentity};
use crate::stats::StatsAccumulator;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;

/// Shard `index` of `count` (`I/N` on the command line, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Shards in all.
    pub count: u64,
}

impl Shard {
    /// The shard an input with this manifest path belongs to (see the module docs).
    pub fn of_path(path: &str, count: u64) -> u64 {
        let digest = Sha256::digest(path.as_bytes());
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(head) % count.max(1)
    }

    /// Whether the input with this manifest path is in this shard.
    pub fn holds(&self, path: &str) -> bool {
        Shard::of_path(path, self.count) == self.index
    }
}

impl FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::BadParams(format!("shard {s:?}: expected I/N with 0 <= I < N"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The path a manifest records for `file`: relative to `root` where it lies inside it (with `/`
/// separators; both resolved, so `./a` and symbolic links name the same place), else the path as
/// given.
pub fn manifest_path(file: &Path, root: &Path) -> String {
    let resolve = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    resolve(file)
        .strip_prefix(resolve(root))
        .ok()
        .filter(|rel| !rel.as_os_str().is_empty())
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|| file.to_string_lossy().into_owned())
}

/// One input of a run, as manifests record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    /// Its manifest path.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Hex SHA-256 of its bytes (as `sha256sum` prints it).
    pub sha256: String,
}

impl InputRecord {
    /// The record of an input whose name is its manifest path.
    pub fn of(input: &BatchInput) -> InputRecord {
        InputRecord {
            path: input.name.clone(),
            size: input.data.len() as u64,
            sha256: crate::dataset::file_sha256(&input.data),
        }
    }
}

/// What a shard report records of the run it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsManifest {
    /// The eqinfo version that wrote it.
    pub eqinfo_version: String,
    /// The model's identity.
    pub model: ModelIdentity,
    /// The configurations' canonical specs, in order.
    pub configs: Vec<String>,
    /// The options.
    pub options: BatchOptions,
    /// Every input of the run (all shards), in order.
    pub inputs: Vec<InputRecord>,
    /// This shard.
    pub shard: Shard,
}

/// `stats --shard`'s output: the manifest, this shard's report, and the sufficient statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsShard {
    /// Always [`STATS_SHARD_FORMAT`].
    pub format: String,
    /// [`STATS_SHARD_VERSION`].
    pub format_version: u32,
    /// The run and this shard.
    pub manifest: StatsManifest,
    /// This shard's report (its inputs only; the prefix-edit experiment in shard 0 only).
    pub report: BatchReport,
    /// Per configuration, the statistics pooled over this shard's finished jobs.
    pub accumulators: Vec<Option<StatsAccumulator>>,
}

/// `StatsShard::format`.
pub const STATS_SHARD_FORMAT: &str = "eqinfo-stats-shard";
/// The shard format this build writes and reads.
pub const STATS_SHARD_VERSION: u32 = 1;

/// The manifest of shard `shard` of a run over `inputs` (named by their manifest paths).
pub fn stats_manifest(
    inputs: &[BatchInput],
    configs: &[Config],
    model: &dyn ByteModel,
    opts: &BatchOptions,
    shard: Shard,
) -> StatsManifest {
    StatsManifest {
        eqinfo_version: env!("CARGO_PKG_VERSION").into(),
        model: model.identity(),
        configs: configs.iter().map(Config::spec).collect(),
        options: opts.clone(),
        inputs: inputs.iter().map(InputRecord::of).collect(),
        shard,
    }
}

/// Runs shard `shard` of the statistics of `inputs` × `configs` (the inputs named by their
/// manifest paths; all of them are given, the shard picks its own).
pub fn run_stats_shard(
    inputs: &[BatchInput],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &BatchOptions,
    shard: Shard,
    progress: &(dyn Fn(&BatchProgress) + Sync),
    cancel: &AtomicBool,
) -> Result<StatsShard> {
    let mut names = std::collections::HashSet::new();
    if let Some(dup) = inputs.iter().find(|i| !names.insert(i.name.as_str())) {
        return Err(Error::BadParams(format!(
            "input {:?} is given twice",
            dup.name
        )));
    }
    let manifest = stats_manifest(inputs, configs, &*model, opts, shard);
    let mine: Vec<BatchInput> = inputs
        .iter()
        .filter(|i| shard.holds(&i.name))
        .cloned()
        .collect();
    let mut shard_opts = opts.clone();
    if shard.index != 0 {
        shard_opts.prefix = None;
    }
    let (report, accumulators) =
        batch::run_batch_pooled(&mine, configs, model, &shard_opts, progress, cancel);
    if report.cancelled {
        return Err(Error::Cancelled);
    }
    Ok(StatsShard {
        format: STATS_SHARD_FORMAT.into(),
        format_version: STATS_SHARD_VERSION,
        manifest,
        report,
        accumulators,
    })
}

/// Reads a shard report, checking its format.
pub fn read_stats_shard(bytes: &[u8], name: &str) -> Result<StatsShard> {
    let s: StatsShard = serde_json::from_slice(bytes)
        .map_err(|e| Error::Corrupt(format!("{name}: not an eqinfo stats shard: {e}")))?;
    if s.format != STATS_SHARD_FORMAT {
        return Err(Error::Corrupt(format!(
            "{name}: not an eqinfo stats shard ({:?})",
            s.format
        )));
    }
    if s.format_version != STATS_SHARD_VERSION {
        return Err(Error::BadParams(format!(
            "{name}: stats shard format version {} (this build reads {STATS_SHARD_VERSION})",
            s.format_version
        )));
    }
    Ok(s)
}

/// Pools the shards of one run into the report an unsharded run of the same inputs gives (every
/// count equal; derived floats equal up to the order of floating-point sums; times are the
/// shards' sums). Refused: shards of different runs (eqinfo version, model, configurations,
/// options or inputs differ), a missing or doubled shard, a shard whose inputs are not the ones
/// the assignment gives it, a cancelled shard.
pub fn merge_stats_shards(shards: &[StatsShard]) -> Result<BatchReport> {
    let first = shards
        .first()
        .ok_or_else(|| Error::BadParams("no shards to merge".into()))?;
    let m0 = &first.manifest;
    let n = m0.shard.count;
    let mut seen = vec![false; usize::try_from(n).unwrap_or(usize::MAX).min(1 << 20)];
    if seen.len() as u64 != n {
        return Err(Error::BadParams(format!("{n} shards: too many")));
    }
    let configs: Vec<Config> = m0
        .configs
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_>>()?;
    for s in shards {
        let m = &s.manifest;
        let what = format!("shard {}", m.shard);
        let differs = |field: &str| {
            Error::BadParams(format!(
                "{what} belongs to another run: its {field} differs from shard {}'s",
                m0.shard
            ))
        };
        if m.eqinfo_version != m0.eqinfo_version {
            return Err(differs("eqinfo version"));
        }
        if m.model != m0.model {
            return Err(differs("model"));
        }
        if m.configs != m0.configs {
            return Err(differs("configurations"));
        }
        if m.options != m0.options {
            return Err(differs("options"));
        }
        if m.inputs != m0.inputs {
            return Err(differs("list of inputs"));
        }
        if m.shard.count != n {
            return Err(differs("shard count"));
        }
        let slot = &mut seen[m.shard.index as usize];
        if *slot {
            return Err(Error::BadParams(format!("{what} is given twice")));
        }
        *slot = true;
        let want: Vec<&str> = m
            .inputs
            .iter()
            .map(|i| i.path.as_str())
            .filter(|p| m.shard.holds(p))
            .collect();
        let have: Vec<&str> = s.report.files.iter().map(String::as_str).collect();
        if want != have {
            return Err(Error::Corrupt(format!(
                "{what}: its inputs are not the ones the assignment gives it"
            )));
        }
        if s.report.cancelled {
            return Err(Error::BadParams(format!(
                "{what} was cancelled: run it again"
            )));
        }
        if s.accumulators.len() != configs.len() || s.report.configs != configs {
            return Err(Error::Corrupt(format!(
                "{what}: its statistics do not match its configurations"
            )));
        }
        if s.accumulators
            .iter()
            .flatten()
            .zip(&configs)
            .any(|(a, c)| a.config() != c)
        {
            return Err(Error::Corrupt(format!(
                "{what}: its statistics do not match its configurations"
            )));
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, &s)| !s)
        .map(|(i, _)| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::BadParams(format!(
            "missing shards: {}",
            missing.join(", ")
        )));
    }

    // In input order, as the unsharded run goes (input-major, configurations in order).
    let order: std::collections::HashMap<&str, usize> = m0
        .inputs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path.as_str(), i))
        .collect();
    let key = |file: &str| order.get(file).copied().unwrap_or(usize::MAX);
    let mut results: Vec<_> = shards
        .iter()
        .flat_map(|s| s.report.results.clone())
        .collect();
    results.sort_by_key(|r| (key(&r.file), r.config_index));
    let mut errors: Vec<_> = shards
        .iter()
        .flat_map(|s| s.report.errors.clone())
        .collect();
    errors.sort_by_key(|e| (e.file.is_empty(), key(&e.file), e.config_index));

    // Pool in input order: each input's job statistics are in the results, but the
    // accumulators are per shard; pooling shards in index order gives the same counts.
    let mut by_index: Vec<&StatsShard> = shards.iter().collect();
    by_index.sort_by_key(|s| s.manifest.shard.index);
    let mut pooled: Vec<Option<StatsAccumulator>> = vec![None; configs.len()];
    for s in &by_index {
        for (slot, acc) in pooled.iter_mut().zip(&s.accumulators) {
            if let Some(acc) = acc {
                match slot {
                    Some(all) => all.merge(acc),
                    None => *slot = Some(acc.clone()),
                }
            }
        }
    }
    let prefix_stability = by_index[0].report.prefix_stability.clone();
    Ok(BatchReport {
        configs,
        files: m0.inputs.iter().map(|i| i.path.clone()).collect(),
        results,
        summaries: pooled
            .iter()
            .map(|a| a.as_ref().map(|a| a.finish()))
            .collect(),
        prefix_stability,
        errors,
        cancelled: false,
        total_seconds: shards.iter().map(|s| s.report.total_seconds).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_spec_parses_and_refuses() {
        assert_eq!(
            "2/5".parse::<Shard>().ok(),
            Some(Shard { index: 2, count: 5 })
        );
        for bad in ["5/5", "1/0", "x/2", "1", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    // `printf 'docs/a.txt' | sha256sum | cut -c1-16`, computed outside Rust.
    const GOLDEN_HEAD: &str = "6b7bef3809ab21b4";

    #[test]
    fn shard_hash_matches_coreutils_sha256() {
        let head = u64::from_str_radix(GOLDEN_HEAD, 16).unwrap();
        assert_eq!(Shard::of_path("docs/a.txt", 7), head % 7);
        assert_eq!(Shard::of_path("docs/a.txt", 1), 0);
    }

    #[test]
    fn manifest_paths_are_relative_to_the_root() {
        assert_eq!(
            manifest_path(Path::new("/data/c/x/y.txt"), Path::new("/data/c")),
            "x/y.txt"
        );
        assert_eq!(
            manifest_path(Path::new("/else/y.txt"), Path::new("/data/c")),
            "/else/y.txt"
        );
    }
}
