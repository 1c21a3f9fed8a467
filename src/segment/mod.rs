//! The segmentation lab: other answers to "where should a byte sequence be cut?" beside
//! Equal-Info windows, on the same text and the same byte model (M1).
//!
//! | segmenter | rule | source |
//! |---|---|---|
//! | `entropy` | a patch starts where M1's next-byte entropy is high (global, monotone, both, top-k) | BLT, Pagnoni et al. 2024, arXiv 2412.09871; `facebookresearch/blt`, `bytelatent/data/patcher.py` |
//! | `space` | a patch starts after a spacelike byte | SpaceByte, Slagle 2024, arXiv 2404.14408; BLT's `find_space_patch_start_ids` |
//! | `fixed:n=N` | patches of N bytes | BLT's static patching |
//! | `subword` | the shipped byte-level BPE's tokens ([`crate::method::subword`]) | |
//! | `equal-info:...` | the windows of the EqualInfoAC encoder ([`crate::method::encode`]) | Lester et al. 2024 |
//!
//! The rules are in [`rules`] (each checked against BLT's source, cited there), the syntax in
//! [`spec`], the model pass in [`score`].
//!
//! ## Invariants
//! * A [`Segmentation`] is a list of non-empty byte ranges, in order, covering the input exactly
//!   ([`is_cover`]).
//! * Every segmenter works example by example (`example_bytes`, 10,240 by default as for the
//!   coding methods; 0 = the whole input): an example's first byte always starts a segment, and
//!   M1's context never crosses an example (the context AC codes with).
//! * Deterministic: the same input, model and options give the same segments for any thread count
//!   and lane packing (the model's lane contract; the passes are lane jobs of
//!   [`crate::method::lanes`]).
//!
//! ## What is measured per byte and per segment
//! * `H_t`, the entropy of M1's **float** distribution of byte t given the bytes before it in
//!   its context, in nats (as BLT) and bits (`H_t / ln 2`). The entropy rules read it under the
//!   segmenter's `reset` rule: `never` = M1's normal context over the example; `newline` = the
//!   context restarts after each `\n`; `patch` = it restarts at every patch start, so the pass
//!   decides the patches as it goes (sequential: H_t depends on where earlier patches began).
//! * The information of a byte, `−log2 q(x_t)` under the coder's **quantized** distribution
//!   (`q = f / 2^β`, β = [`SegmentOptions::precision`]; what the arithmetic coder pays, up to
//!   termination), summed per segment twice: [`SegmentInfo::bits`] with M1's normal context
//!   over the example (the same total for every segmenter of a text: AC's ideal code length),
//!   and [`SegmentInfo::bits_alone`] with the model reset at the segment's start (the segment
//!   coded on its own, as an EqualInfo window is: its `bits_alone` is at most b).

pub mod rules;
pub mod score;
pub mod spec;

pub use spec::{ContextReset, EntropyMode, EntropySpec, SegmenterSpec};

use crate::coding::{DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION};
use crate::error::{Error, Result};
use crate::method::ac::encode_ac_examples;
use crate::method::lanes::{drive_all, Tables};
use crate::method::subword::SubwordTokenizer;
use crate::method::{example_ranges, Config, RunOptions, DEFAULT_EXAMPLE_BYTES};
use crate::model::ByteModel;
use score::{Resets, ScoreJob};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Options shared by every segmenter of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentOptions {
    /// Bytes per example (0 = the whole input is one example).
    pub example_bytes: usize,
    /// Quantization precision β of the information figures (10..=16).
    pub precision: u32,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            example_bytes: DEFAULT_EXAMPLE_BYTES,
            precision: DEFAULT_PRECISION,
        }
    }
}

impl SegmentOptions {
    fn validate(&self) -> Result<()> {
        if !(MIN_PRECISION..=MAX_PRECISION).contains(&self.precision) {
            return Err(Error::BadParams(format!(
                "precision β must be in {MIN_PRECISION}..={MAX_PRECISION}, got {}",
                self.precision
            )));
        }
        Ok(())
    }
}

/// A text cut into segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    /// The segmenter.
    pub spec: SegmenterSpec,
    /// The segments: non-empty, in order, covering the input.
    pub ranges: Vec<Range<usize>>,
    /// For the entropy segmenters: the per-byte entropies (nats) the rule read, under its
    /// `reset` rule.
    pub entropy_nats: Option<Vec<f64>>,
}

impl Segmentation {
    /// The first byte of every segment.
    pub fn starts(&self) -> Vec<usize> {
        self.ranges.iter().map(|r| r.start).collect()
    }
}

/// True when `ranges` are non-empty, consecutive, and cover `0..len` exactly.
pub fn is_cover(ranges: &[Range<usize>], len: usize) -> bool {
    let mut at = 0usize;
    for r in ranges {
        if r.start != at || r.end <= r.start {
            return false;
        }
        at = r.end;
    }
    at == len
}

/// Ranges from sorted, distinct starts (the first 0) over `len` bytes.
pub fn ranges_from_starts(starts: &[usize], len: usize) -> Vec<Range<usize>> {
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| s..starts.get(i + 1).copied().unwrap_or(len))
        .collect()
}

/// Per-byte figures under M1's normal context (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ByteScores {
    /// H_t in nats, float distribution.
    pub entropy_nats: Vec<f64>,
    /// −log2 q(x_t) in bits, quantized distribution.
    pub bits: Vec<f64>,
}

impl ByteScores {
    /// H_t in bits (`H_t / ln 2`).
    pub fn entropy_bits(&self) -> Vec<f64> {
        self.entropy_nats
            .iter()
            .map(|h| h / std::f64::consts::LN_2)
            .collect()
    }
}

fn run_pass<'a>(
    data: &'a [u8],
    examples: &[Range<usize>],
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
    resets: Resets<'a>,
    want_bits: bool,
) -> Result<(Vec<f64>, Vec<f64>, Vec<usize>)> {
    opts.validate()?;
    let tables = Tables::new(model, opts.precision)?;
    let mut entropy = Vec::with_capacity(data.len());
    let mut bits = Vec::with_capacity(if want_bits { data.len() } else { 0 });
    let mut starts = Vec::new();
    drive_all(
        model,
        &tables,
        examples,
        run,
        data.len(),
        |r| Ok(ScoreJob::new(data, r.clone(), resets, want_bits)),
        |job| {
            entropy.extend_from_slice(&job.entropy);
            bits.extend_from_slice(&job.bits);
            starts.extend_from_slice(&job.starts);
            Ok(())
        },
    )?;
    Ok((entropy, bits, starts))
}

/// H_t and −log2 q(x_t) of every byte under M1's normal context (reset only at example starts),
/// or with the context restarting after each newline (`reset` = Newline; Patch is refused here:
/// it depends on a rule, see [`segment`]).
pub fn byte_scores(
    data: &[u8],
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    reset: ContextReset,
    run: &RunOptions,
) -> Result<ByteScores> {
    let examples = example_ranges(data.len(), opts.example_bytes);
    byte_scores_in(data, &examples, model, opts, reset, run)
}

fn byte_scores_in(
    data: &[u8],
    examples: &[Range<usize>],
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    reset: ContextReset,
    run: &RunOptions,
) -> Result<ByteScores> {
    let resets = match reset {
        ContextReset::Never => Resets::Never,
        ContextReset::Newline => Resets::Newline,
        ContextReset::Patch => {
            return Err(Error::BadParams(
                "per-byte scores with the context reset at patch starts need the patch rule".into(),
            ))
        }
    };
    let (entropy_nats, bits, _) = run_pass(data, examples, model, opts, run, resets, true)?;
    Ok(ByteScores { entropy_nats, bits })
}

/// −log2 q(x_t) of every byte with the model reset at the start of every segment (and of every
/// example): each segment coded alone.
pub fn bits_alone(
    data: &[u8],
    ranges: &[Range<usize>],
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
) -> Result<Vec<f64>> {
    let examples = example_ranges(data.len(), opts.example_bytes);
    let starts: Vec<usize> = ranges.iter().map(|r| r.start).collect();
    Ok(run_pass(data, &examples, model, opts, run, Resets::At(&starts), true)?.1)
}

fn per_example(
    data: &[u8],
    examples: &[Range<usize>],
    mut starts_of: impl FnMut(Range<usize>) -> Result<Vec<usize>>,
) -> Result<Vec<Range<usize>>> {
    let _ = data;
    let mut ranges = Vec::new();
    for ex in examples {
        let starts = starts_of(ex.clone())?;
        let abs: Vec<usize> = starts.iter().map(|s| s + ex.start).collect();
        ranges.extend(ranges_from_starts(&abs, ex.end));
    }
    Ok(ranges)
}

/// Cuts `data` with `spec`. `scores`, when given, are [`byte_scores`] of `data` under the normal
/// context with the same options (an entropy segmenter with `reset=never` then needs no model
/// pass of its own).
pub fn segment(
    data: &[u8],
    spec: &SegmenterSpec,
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
    scores: Option<&ByteScores>,
) -> Result<Segmentation> {
    let examples = example_ranges(data.len(), opts.example_bytes);
    segment_in(data, &examples, spec, model, opts, run, scores)
}

/// Each text segmented alone (as [`segment`] of that text gives it), the model's lanes stepping
/// all the texts' examples side by side. Ranges are relative to each text.
pub fn segment_texts(
    texts: &[&[u8]],
    spec: &SegmenterSpec,
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
) -> Result<Vec<Vec<Range<usize>>>> {
    let mut data = Vec::new();
    let mut examples = Vec::new();
    let mut offsets = Vec::new();
    for t in texts {
        let off = data.len();
        offsets.push(off);
        data.extend_from_slice(t);
        for r in example_ranges(t.len(), opts.example_bytes) {
            examples.push(off + r.start..off + r.end);
        }
    }
    let seg = segment_in(&data, &examples, spec, model, opts, run, None)?;
    let mut out = vec![Vec::new(); texts.len()];
    let mut which = 0usize;
    for r in seg.ranges {
        while which + 1 < texts.len() && r.start >= offsets[which] + texts[which].len() {
            which += 1;
        }
        let off = offsets[which];
        out[which].push(r.start - off..r.end - off);
    }
    Ok(out)
}

fn segment_in(
    data: &[u8],
    examples: &[Range<usize>],
    spec: &SegmenterSpec,
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
    scores: Option<&ByteScores>,
) -> Result<Segmentation> {
    opts.validate()?;
    let mut entropy_nats = None;
    let ranges = match spec {
        SegmenterSpec::Space => {
            per_example(data, examples, |ex| Ok(rules::space_starts(&data[ex])))?
        }
        SegmenterSpec::Fixed { n } => {
            per_example(data, examples, |ex| Ok(rules::fixed_starts(ex.len(), *n)))?
        }
        SegmenterSpec::Subword => {
            let tk = SubwordTokenizer::shipped()?;
            per_example(data, examples, |ex| {
                let mut starts = Vec::new();
                let mut at = 0usize;
                for id in tk.tokenize(&data[ex])? {
                    starts.push(at);
                    at += tk.piece(id).map_or(0, <[u8]>::len);
                }
                Ok(starts)
            })?
        }
        SegmenterSpec::EqualInfo(c) => {
            let config = Config {
                example_bytes: opts.example_bytes,
                ..c.clone()
            };
            config.validate_for_model(model)?;
            if examples.is_empty() {
                Vec::new()
            } else {
                let (enc, _) = encode_ac_examples(data, examples, &config, model, run, 0)?;
                enc.windows.iter().map(|w| w.bytes.clone()).collect()
            }
        }
        SegmenterSpec::Entropy(e) => {
            e.validate()?;
            let h = match (e.reset, scores) {
                (ContextReset::Patch, _) => {
                    let (h, _, starts) =
                        run_pass(data, examples, model, opts, run, Resets::Patches(*e), false)?;
                    entropy_nats = Some(h);
                    let mut ranges = Vec::new();
                    for ex in examples {
                        let lo = starts.partition_point(|&s| s < ex.start);
                        let hi = starts.partition_point(|&s| s < ex.end);
                        ranges.extend(ranges_from_starts(&starts[lo..hi], ex.end));
                    }
                    return finish(data, spec, ranges, entropy_nats);
                }
                (ContextReset::Never, Some(s)) if s.entropy_nats.len() == data.len() => {
                    s.entropy_nats.clone()
                }
                (ContextReset::Never, _) => {
                    run_pass(data, examples, model, opts, run, Resets::Never, false)?.0
                }
                (ContextReset::Newline, _) => {
                    run_pass(data, examples, model, opts, run, Resets::Newline, false)?.0
                }
            };
            let ranges = per_example(data, examples, |ex| Ok(rules::entropy_starts(e, &h[ex])))?;
            entropy_nats = Some(h);
            ranges
        }
    };
    finish(data, spec, ranges, entropy_nats)
}

fn finish(
    data: &[u8],
    spec: &SegmenterSpec,
    ranges: Vec<Range<usize>>,
    entropy_nats: Option<Vec<f64>>,
) -> Result<Segmentation> {
    if !is_cover(&ranges, data.len()) {
        return Err(Error::BadParams(format!(
            "internal: segmenter {spec} did not cover the input with non-empty ranges"
        )));
    }
    Ok(Segmentation {
        spec: spec.clone(),
        ranges,
        entropy_nats,
    })
}

/// The bytes written for a person: valid UTF-8 as text with Rust's debug escapes for control
/// characters, quotes and backslashes (`\n`, `\t`, `\"`), every other byte as `\xHH` (a
/// segment cut inside a character shows its pieces so).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            s.extend(c.escape_debug());
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// One segment with its information under M1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentInfo {
    /// Its bytes.
    pub range: Range<usize>,
    /// Σ −log2 q over its bytes, M1's normal context (bits).
    pub bits: f64,
    /// Σ −log2 q over its bytes, the model reset at its start (bits).
    pub bits_alone: f64,
    /// Mean H_t over its bytes, normal context (nats).
    pub mean_entropy_nats: f64,
}

/// A segmentation with the information of each segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysed {
    /// The segments.
    pub segmentation: Segmentation,
    /// Per segment: its information.
    pub segments: Vec<SegmentInfo>,
}

/// Sums per-byte figures over segments.
pub fn segment_infos(
    ranges: &[Range<usize>],
    scores: &ByteScores,
    alone: &[f64],
) -> Vec<SegmentInfo> {
    let sum = |v: &[f64], r: &Range<usize>| v.get(r.clone()).map_or(0.0, |s| s.iter().sum());
    ranges
        .iter()
        .map(|r| SegmentInfo {
            range: r.clone(),
            bits: sum(&scores.bits, r),
            bits_alone: sum(alone, r),
            mean_entropy_nats: sum(&scores.entropy_nats, r) / r.len().max(1) as f64,
        })
        .collect()
}

/// Cuts `data` with every spec and measures each segment (one normal-context pass shared by all
/// specs, then one pass per spec with the model reset at its segment starts).
pub fn analyse(
    data: &[u8],
    specs: &[SegmenterSpec],
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    run: &RunOptions,
) -> Result<(ByteScores, Vec<Analysed>)> {
    let scores = byte_scores(data, model, opts, ContextReset::Never, run)?;
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let seg = segment(data, spec, model, opts, run, Some(&scores))?;
        let alone = bits_alone(data, &seg.ranges, model, opts, run)?;
        let segments = segment_infos(&seg.ranges, &scores, &alone);
        out.push(Analysed {
            segmentation: seg,
            segments,
        });
    }
    Ok((scores, out))
}

#[cfg(test)]
mod tests;
