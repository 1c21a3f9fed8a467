//! Learnability statistics (SPEC section 8) of compressed text, as plain serde data shared by the
//! CLI (`eqinfo stats`) and the GUI's batch tab. This module sits below `batch`, `probe` and
//! `report` and imports none of them: the plots and exports of its figures live in
//! [`crate::report`].
//!
//! One [`StatsAccumulator`] collects, for one configuration, everything measured on one or more
//! inputs; [`StatsAccumulator::finish`] turns it into a [`ConfigStats`]. Accumulators of several
//! files merge by pooling counts, so a summary over files is the statistic of the pooled data,
//! not a mean of per-file figures.
//!
//! | statistic | module | definition |
//! |---|---|---|
//! | ratio, bits/byte, windows, padding | here | see [`ConfigStats`] |
//! | Table 3 trivial-model bounds | [`trivial`] | uniform and unigram bits/byte |
//! | Fig. 11 distance from uniform | [`kl`] | KL(empirical ‖ uniform), Miller–Madow, quantiles, random baseline |
//! | Fig. 8 prefix-edit stability | [`stability`] | pairwise Levenshtein of token sequences |
//! | Table 8 window-position stability | [`stability`] | texts per token id at window position 1 / 2 |
//! | Fig. 9 character alignment | [`align`] | share of characters whose bits straddle tokens |
//! | §5 side-information-free decoding | here | windows / examples recovered exactly |
//! | cross-entropy, float and quantized | [`xent`] | `Σ −log2 p` and the coder's ideal `Σ −log2 q` |
//! | segmenters (entropy patches, SpaceByte, ...) | [`segments`] | bytes and bits per segment, boundaries in characters and words, prefix-edit stability of segments |
//!
//! [`analyze`] measures one input under one configuration; [`packed::analyze_packed`] measures
//! many inputs under many configurations in one stream of model lanes, each pair giving exactly
//! what [`analyze`] gives it alone (timings aside).
//!
//! Per-byte bit ranges (alignment, window position) are measured on a sample: the first
//! [`StatsOptions::trace_sample_bytes`] bytes (rounded down to whole examples). The AC methods
//! record each byte's emitted bit range while compressing (one range per byte of the sample's
//! examples, not the GUI's trace); examples are coded independently, so the sample's bits are
//! those of the full run, and the sample's statistics come from the main run's encoding. The
//! sample is encoded alone only where that differs: StaticAC (its unigram is refitted on the
//! sample) and a one-example input cut short. Bytes and Subword need no recording (their ranges
//! follow from the encoding) and are measured on the whole input.
//!
//! Cost: the KL counters read 64 bits per load (eight overlapping 16-grams per load, several
//! tokens per load, byte histograms for 1-, 2-, 4- and 8-bit tokens); see [`kl`].
//!
//! Invariant: every figure is a pure function of the input, the configuration, the model and
//! [`StatsOptions`] (the random baseline is seeded), except the timings.

pub mod align;
pub mod kl;
pub mod packed;
pub mod segments;
pub mod stability;
pub mod trivial;
pub mod xent;

pub use align::AlignmentStats;
pub use kl::{KlAccumulator, KlPoint, KlReport};
pub use stability::{PositionStability, PrefixStability, WindowPositionAccumulator};
pub use trivial::{TrivialAccumulator, TrivialBounds};

use crate::error::Result;
use crate::method::{
    encode_recording, free_decode_report, Config, Encoded, MethodKind, RunOptions,
};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Instant;

/// A sparse histogram of non-negative integer values: `(value, count)` pairs, ascending by value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// `(value, count)`, ascending by value, counts > 0.
    pub bins: Vec<(u64, u64)>,
}

impl Histogram {
    /// From a map.
    pub fn from_map(m: &BTreeMap<u64, u64>) -> Self {
        Histogram {
            bins: m
                .iter()
                .filter(|(_, &c)| c > 0)
                .map(|(&v, &c)| (v, c))
                .collect(),
        }
    }

    /// From dense counts (index = value).
    pub fn from_dense(counts: &[u64]) -> Self {
        Histogram {
            bins: counts
                .iter()
                .enumerate()
                .filter(|(_, &c)| c > 0)
                .map(|(v, &c)| (v as u64, c))
                .collect(),
        }
    }

    /// As a map.
    pub fn to_map(&self) -> BTreeMap<u64, u64> {
        let mut m = BTreeMap::new();
        for &(v, c) in &self.bins {
            *m.entry(v).or_insert(0) += c;
        }
        m
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        let mut m = self.to_map();
        for &(v, c) in &other.bins {
            *m.entry(v).or_insert(0) += c;
        }
        *self = Histogram::from_map(&m);
    }

    /// Total count.
    pub fn count(&self) -> u64 {
        self.bins.iter().map(|b| b.1).sum()
    }

    /// Mean value (0 when empty).
    pub fn mean(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            return 0.0;
        }
        self.bins
            .iter()
            .map(|&(v, c)| v as f64 * c as f64)
            .sum::<f64>()
            / n as f64
    }
}

/// What to measure besides compression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsOptions {
    /// Compute the KL curves (Fig. 11).
    pub kl: bool,
    /// Disjoint partitions per stream for the KL quantiles.
    pub kl_partitions: usize,
    /// Seed of the random-bits baseline.
    pub seed: u64,
    /// Additive smoothing α of the held-out unigram (Table 3).
    pub unigram_smoothing: f64,
    /// Bytes of each input re-encoded with the trace for alignment and window position
    /// (rounded down to whole examples, at least one example); 0 = skip both.
    pub trace_sample_bytes: usize,
    /// Character-to-token alignment (Fig. 9).
    pub alignment: bool,
    /// Window-position stability (Table 8).
    pub window_position: bool,
    /// Token ids reported per window position.
    pub window_position_top: usize,
    /// Side-information-free decoding (EqualInfo with reset every window only).
    pub free_decode: bool,
}

impl Default for StatsOptions {
    fn default() -> Self {
        StatsOptions {
            kl: true,
            kl_partitions: 20,
            seed: 0x5EED,
            unigram_smoothing: 0.5,
            trace_sample_bytes: 20_480,
            alignment: true,
            window_position: true,
            window_position_top: 10,
            free_decode: true,
        }
    }
}

/// Side-information-free decodability, pooled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FreeDecodeStats {
    /// Windows decoded.
    pub windows_total: u64,
    /// Windows recovered exactly.
    pub windows_ok: u64,
    /// Examples decoded.
    pub examples_total: u64,
    /// Examples all of whose windows were recovered exactly.
    pub examples_ok: u64,
    /// windows_ok / windows_total.
    pub window_rate: f64,
    /// examples_ok / examples_total.
    pub example_rate: f64,
}

impl FreeDecodeStats {
    fn merge(&mut self, o: &FreeDecodeStats) {
        self.windows_total += o.windows_total;
        self.windows_ok += o.windows_ok;
        self.examples_total += o.examples_total;
        self.examples_ok += o.examples_ok;
        let rate = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        self.window_rate = rate(self.windows_ok, self.windows_total);
        self.example_rate = rate(self.examples_ok, self.examples_total);
    }
}

/// Everything measured for one configuration on one or more inputs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigStats {
    /// The configuration's label (paper style).
    pub label: String,
    /// The configuration.
    pub config: Option<Config>,
    /// Inputs pooled.
    pub files: u64,
    /// Input bytes.
    pub input_bytes: u64,
    /// Tokens.
    pub tokens: u64,
    /// Bits per token.
    pub token_bits: u32,
    /// input bytes / tokens (the paper's compression ratio).
    pub bytes_per_token: f64,
    /// tokens × token bits / input bytes (padding included).
    pub bits_per_byte: f64,
    /// Examples.
    pub examples: u64,
    /// Windows (one per example for methods without windows).
    pub windows: u64,
    /// Histogram of input bytes per window.
    pub bytes_per_window: Histogram,
    /// Mean input bytes per window.
    pub mean_bytes_per_window: f64,
    /// Histogram of padding bits per window (window bits − code bits).
    pub padding_bits_per_window: Histogram,
    /// Mean padding bits per window.
    pub mean_padding_bits_per_window: f64,
    /// Zero bits added to complete each example's last token, in all.
    pub example_padding_bits: u64,
    /// Table 3 bounds.
    pub trivial: TrivialBounds,
    /// Token rank-frequency, sampled (rank, count).
    pub rank_frequency: Vec<(u64, u64)>,
    /// Fig. 11 curves.
    pub kl: Option<KlReport>,
    /// Fig. 11 curves of EqualInfo's code bits alone: each window's zero padding removed before
    /// the windows' bits are concatenated (how much of the distance from uniform is padding).
    #[serde(default)]
    pub kl_without_padding: Option<KlReport>,
    /// Fig. 9 alignment (AC methods and Bytes; on the traced sample).
    pub alignment: Option<AlignmentStats>,
    /// Table 8 window-position stability (on the traced sample; EqualInfo only, and only the
    /// positions that hold tokens).
    pub window_position: Option<Vec<PositionStability>>,
    /// Side-information-free decoding (EqualInfo, reset every window).
    pub free_decode: Option<FreeDecodeStats>,
    /// Seconds spent compressing.
    pub encode_seconds: f64,
    /// Seconds spent on all other statistics (free decoding excluded).
    pub stats_seconds: f64,
    /// Seconds spent on side-information-free decoding.
    pub free_decode_seconds: f64,
}

pub use crate::method::trace::byte_bit_ranges;

/// Statistics of one configuration, poolable over inputs (and over shards: serializable, see
/// [`crate::shard`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsAccumulator {
    config: Config,
    opts: StatsOptions,
    files: u64,
    input_bytes: u64,
    tokens: u64,
    examples: u64,
    windows: u64,
    bytes_per_window: BTreeMap<u64, u64>,
    padding: BTreeMap<u64, u64>,
    example_padding_bits: u64,
    trivial: TrivialAccumulator,
    kl: Option<KlAccumulator>,
    kl_unpadded: Option<KlAccumulator>,
    alignment: Option<AlignmentStats>,
    window_position: Option<WindowPositionAccumulator>,
    free_decode: Option<FreeDecodeStats>,
    encode_seconds: f64,
    stats_seconds: f64,
    free_decode_seconds: f64,
}

impl StatsAccumulator {
    /// Empty statistics for `config`.
    pub fn new(config: &Config, opts: &StatsOptions) -> Self {
        StatsAccumulator {
            config: config.clone(),
            opts: opts.clone(),
            files: 0,
            input_bytes: 0,
            tokens: 0,
            examples: 0,
            windows: 0,
            bytes_per_window: BTreeMap::new(),
            padding: BTreeMap::new(),
            example_padding_bits: 0,
            trivial: TrivialAccumulator::new(config.token_bits),
            kl: opts
                .kl
                .then(|| KlAccumulator::new(opts.kl_partitions, opts.seed)),
            kl_unpadded: (opts.kl && config.method == MethodKind::EqualInfo)
                .then(|| KlAccumulator::new(opts.kl_partitions, opts.seed)),
            alignment: None,
            window_position: None,
            free_decode: None,
            encode_seconds: 0.0,
            stats_seconds: 0.0,
            free_decode_seconds: 0.0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Adds the statistics that need only the encoding (not the model): counts, histograms,
    /// Table 3, KL. `data` is the input `enc` was made from.
    pub fn add_encoded(&mut self, enc: &Encoded) {
        self.files += 1;
        self.input_bytes += enc.input_len as u64;
        self.tokens += enc.tokens.len() as u64;
        self.examples += enc.examples.len() as u64;
        self.windows += enc.windows.len() as u64;
        for w in &enc.windows {
            *self
                .bytes_per_window
                .entry(w.bytes.len() as u64)
                .or_insert(0) += 1;
            *self
                .padding
                .entry(w.bit_len.saturating_sub(w.code_bits))
                .or_insert(0) += 1;
        }
        let tb = enc.config.token_bits as u64;
        for ex in &enc.examples {
            let padded = ex.tokens.len() as u64 * tb;
            self.example_padding_bits += padded.saturating_sub(ex.bit_len);
        }
        self.trivial.add_encoded(enc);
        if let Some(kl) = self.kl.as_mut() {
            kl.add_stream(enc.bits.as_bytes(), enc.bits.len());
        }
        if let Some(kl) = self.kl_unpadded.as_mut() {
            let code = code_bits_only(enc);
            kl.add_stream(code.as_bytes(), code.len());
        }
    }

    /// Adds alignment and window-position statistics of a traced encoding of `data`.
    pub fn add_traced(&mut self, data: &[u8], enc: &Encoded) {
        let Some(ranges) = byte_bit_ranges(enc) else {
            return;
        };
        self.add_byte_bits(data, enc, &ranges);
    }

    /// Adds alignment and window-position statistics of an encoding of `data` given each byte's
    /// emitted bit range (as [`byte_bit_ranges`] gives them, or
    /// [`crate::method::encode_recording`]).
    pub fn add_byte_bits(&mut self, data: &[u8], enc: &Encoded, ranges: &[Range<u64>]) {
        if self.opts.alignment {
            let a = align::alignment(data, ranges, enc.config.token_bits);
            self.alignment
                .get_or_insert_with(Default::default)
                .merge(&a);
        }
        // Window position is a property of windows: EqualInfo only (the other methods' single
        // "window" per example would give meaningless figures).
        if self.opts.window_position && enc.config.method == MethodKind::EqualInfo {
            self.window_position
                .get_or_insert_with(Default::default)
                .add(data, enc, ranges);
        }
    }

    /// Adds a side-information-free decoding report.
    pub fn add_free_decode(&mut self, r: &crate::method::FreeDecodeReport) {
        let s = FreeDecodeStats {
            windows_total: r.windows_total as u64,
            windows_ok: r.windows_ok as u64,
            examples_total: r.examples_total as u64,
            examples_ok: r.examples_ok as u64,
            ..Default::default()
        };
        self.free_decode
            .get_or_insert_with(Default::default)
            .merge(&s);
    }

    /// Adds time spent (seconds): compressing, other statistics, free decoding.
    pub fn add_time(&mut self, encode: f64, stats: f64, free_decode: f64) {
        self.encode_seconds += encode;
        self.stats_seconds += stats;
        self.free_decode_seconds += free_decode;
    }

    /// Pools another accumulator of the same configuration.
    pub fn merge(&mut self, o: &StatsAccumulator) {
        self.files += o.files;
        self.input_bytes += o.input_bytes;
        self.tokens += o.tokens;
        self.examples += o.examples;
        self.windows += o.windows;
        for (k, v) in &o.bytes_per_window {
            *self.bytes_per_window.entry(*k).or_insert(0) += v;
        }
        for (k, v) in &o.padding {
            *self.padding.entry(*k).or_insert(0) += v;
        }
        self.example_padding_bits += o.example_padding_bits;
        self.trivial.merge(&o.trivial);
        if let (Some(a), Some(b)) = (self.kl.as_mut(), o.kl.as_ref()) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (self.kl_unpadded.as_mut(), o.kl_unpadded.as_ref()) {
            a.merge(b);
        }
        if let Some(b) = &o.alignment {
            self.alignment.get_or_insert_with(Default::default).merge(b);
        }
        if let Some(b) = &o.window_position {
            self.window_position
                .get_or_insert_with(Default::default)
                .merge(b);
        }
        if let Some(b) = &o.free_decode {
            self.free_decode
                .get_or_insert_with(Default::default)
                .merge(b);
        }
        self.add_time(o.encode_seconds, o.stats_seconds, o.free_decode_seconds);
    }

    /// The statistics.
    pub fn finish(&self) -> ConfigStats {
        let bpw = Histogram::from_map(&self.bytes_per_window);
        let pad = Histogram::from_map(&self.padding);
        let tb = self.config.token_bits;
        ConfigStats {
            label: self.config.label(),
            config: Some(self.config.clone()),
            files: self.files,
            input_bytes: self.input_bytes,
            tokens: self.tokens,
            token_bits: tb,
            bytes_per_token: if self.tokens == 0 {
                0.0
            } else {
                self.input_bytes as f64 / self.tokens as f64
            },
            bits_per_byte: if self.input_bytes == 0 {
                0.0
            } else {
                (self.tokens * tb as u64) as f64 / self.input_bytes as f64
            },
            examples: self.examples,
            windows: self.windows,
            mean_bytes_per_window: bpw.mean(),
            bytes_per_window: bpw,
            mean_padding_bits_per_window: pad.mean(),
            padding_bits_per_window: pad,
            example_padding_bits: self.example_padding_bits,
            trivial: self.trivial.bounds(self.opts.unigram_smoothing),
            rank_frequency: trivial::rank_frequency(self.trivial.token_counts()),
            kl: self.kl.as_ref().map(KlAccumulator::report),
            kl_without_padding: self.kl_unpadded.as_ref().map(KlAccumulator::report),
            alignment: self.alignment.clone(),
            window_position: self
                .window_position
                .as_ref()
                .map(|w| w.report(self.opts.window_position_top, 5)),
            free_decode: self.free_decode.clone(),
            encode_seconds: self.encode_seconds,
            stats_seconds: self.stats_seconds,
            free_decode_seconds: self.free_decode_seconds,
        }
    }
}

/// The windows' code bits without their padding, concatenated in window order (the stream
/// whose KL [`ConfigStats::kl_without_padding`] reports).
pub fn code_bits_only(enc: &Encoded) -> crate::coding::BitWriter {
    let mut out = crate::coding::BitWriter::new();
    for w in &enc.windows {
        let n = w.code_bits.min(w.bit_len);
        for i in w.bit_start..w.bit_start + n {
            out.push(enc.bits.get(i));
        }
    }
    out
}

/// Length of the traced sample of an input of `len` bytes (see [`StatsOptions`]).
pub fn trace_sample_len(len: usize, config: &Config, opts: &StatsOptions) -> usize {
    if opts.trace_sample_bytes == 0 {
        return 0;
    }
    let ex = config.example_bytes;
    let want = opts.trace_sample_bytes.min(len);
    if ex == 0 || want == len {
        return want;
    }
    (want / ex).max(1).saturating_mul(ex).min(len)
}

/// Compresses `data` with `config` and measures everything asked for in `opts`.
///
/// Errors: those of [`encode`] (bad parameters, model errors, [`crate::Error::Cancelled`]).
pub fn analyze(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &StatsOptions,
    run: &RunOptions,
) -> Result<StatsAccumulator> {
    let mut acc = StatsAccumulator::new(config, opts);
    let wants_trace = (opts.alignment || opts.window_position) && config.method != MethodKind::Gzip;
    let sample = trace_sample_len(data.len(), config, opts);
    // Bytes and Subword need no trace: their byte-to-bit ranges follow from the encoding.
    let untraced = matches!(config.method, MethodKind::Bytes | MethodKind::Subword);
    // The AC methods record each byte's bit range (not a whole trace) while compressing. The main
    // run's ranges serve when the sample is coded exactly as alone: the whole input, or whole
    // examples of a method whose examples are independent (not StaticAC, fitted on its input).
    let reuse = wants_trace
        && sample > 0
        && !untraced
        && (sample == data.len()
            || (config.example_bytes > 0 && config.method != MethodKind::StaticAc));
    let t0 = Instant::now();
    let (enc, ranges) = encode_recording(data, config, model, run, if reuse { sample } else { 0 })?;
    let encode_s = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    acc.add_encoded(&enc);
    if wants_trace && sample > 0 {
        if untraced {
            acc.add_traced(data, &enc);
        } else if reuse {
            let ranges = ranges.unwrap_or_default();
            if sample == data.len() {
                acc.add_byte_bits(data, &enc, &ranges);
            } else {
                let k = enc
                    .examples
                    .iter()
                    .take_while(|e| e.bytes.end <= sample)
                    .count();
                let head = enc.prefix_examples(k);
                let r = &ranges[..sample.min(ranges.len())];
                acc.add_byte_bits(&data[..sample], &head, r);
            }
        } else {
            // A sample cut out of one example, or StaticAC: encode the sample alone.
            let quiet = RunOptions {
                trace: false,
                cancel: run.cancel,
                progress: None,
            };
            let (head, r) = encode_recording(&data[..sample], config, model, &quiet, sample)?;
            acc.add_byte_bits(&data[..sample], &head, &r.unwrap_or_default());
        }
    }
    let stats_s = t1.elapsed().as_secs_f64();

    let t2 = Instant::now();
    if opts.free_decode && config.method == MethodKind::EqualInfo && config.reset_every == 1 {
        run.check_cancel()?;
        let r = free_decode_report(&enc, data, model)?;
        acc.add_free_decode(&r);
    }
    acc.add_time(encode_s, stats_s, t2.elapsed().as_secs_f64());
    Ok(acc)
}

/// One flat row of a results table (CSV): one input (or "ALL") × one configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// The input's name, or `ALL` for the pooled summary.
    pub file: String,
    /// Configuration label.
    pub config: String,
    /// Input bytes.
    pub input_bytes: u64,
    /// Tokens.
    pub tokens: u64,
    /// Bits per token.
    pub token_bits: u32,
    /// Bytes per token.
    pub bytes_per_token: f64,
    /// Bits per byte.
    pub bits_per_byte: f64,
    /// Windows.
    pub windows: u64,
    /// Mean bytes per window.
    pub mean_bytes_per_window: f64,
    /// Mean padding bits per window.
    pub mean_padding_bits_per_window: f64,
    /// Table 3: uniform bits/byte.
    pub uniform_bits_per_byte: f64,
    /// Table 3: in-sample unigram bits/byte.
    pub unigram_plugin_bits_per_byte: f64,
    /// Table 3: held-out unigram bits/byte.
    pub unigram_heldout_bits_per_byte: f64,
    /// KL (Miller–Madow) of non-overlapping tokens of `token_bits` bits, if measured.
    pub kl_mm_tokens: Option<f64>,
    /// The same for the random baseline.
    pub kl_mm_random: Option<f64>,
    /// Fewer tokens than token values (m < 2^token_bits): `kl_mm_tokens` and `kl_mm_random` are
    /// Miller–Madow past its range (see [`kl`]); read the Chao–Shen columns.
    #[serde(default)]
    pub kl_tokens_undersampled: Option<bool>,
    /// KL of the tokens by the Chao–Shen entropy estimate (the undersampled regime's estimate).
    #[serde(default)]
    pub kl_cs_tokens: Option<f64>,
    /// The same for the random baseline.
    #[serde(default)]
    pub kl_cs_random: Option<f64>,
    /// EqualInfo: `kl_mm_tokens` of the code bits with each window's padding removed.
    #[serde(default)]
    pub kl_mm_tokens_without_padding: Option<f64>,
    /// Alignment: share of characters straddling tokens.
    pub straddle_fraction: Option<f64>,
    /// Window position 1 consistency (EqualInfo only; None where no token id occurs twice at
    /// the position, e.g. position 2 when a window is one token).
    pub position1_consistency: Option<f64>,
    /// Window position 2 consistency (as position 1).
    pub position2_consistency: Option<f64>,
    /// Free decoding: windows recovered.
    pub free_decode_window_rate: Option<f64>,
    /// Free decoding: examples recovered.
    pub free_decode_example_rate: Option<f64>,
    /// Seconds compressing.
    pub encode_seconds: f64,
    /// Seconds on other statistics.
    pub stats_seconds: f64,
    /// Seconds on free decoding.
    pub free_decode_seconds: f64,
}

impl SummaryRow {
    /// The row of `stats` for input `file`.
    pub fn new(file: &str, s: &ConfigStats) -> Self {
        let point = |pts: &[KlPoint]| pts.iter().find(|p| p.n == s.token_bits).cloned();
        let kl = |f: fn(&KlReport) -> &Vec<KlPoint>| s.kl.as_ref().and_then(|k| point(f(k)));
        let (tok, rnd) = (kl(|k| &k.tokens), kl(|k| &k.random_tokens));
        // Consistency is defined where the position holds a token id seen at least twice.
        let pos = |p: u32| {
            s.window_position
                .as_ref()
                .and_then(|v| v.iter().find(|x| x.position == p && x.groups > 0))
                .map(|x| x.consistency)
        };
        SummaryRow {
            file: file.to_string(),
            config: s.label.clone(),
            input_bytes: s.input_bytes,
            tokens: s.tokens,
            token_bits: s.token_bits,
            bytes_per_token: s.bytes_per_token,
            bits_per_byte: s.bits_per_byte,
            windows: s.windows,
            mean_bytes_per_window: s.mean_bytes_per_window,
            mean_padding_bits_per_window: s.mean_padding_bits_per_window,
            uniform_bits_per_byte: s.trivial.uniform_bits_per_byte,
            unigram_plugin_bits_per_byte: s.trivial.unigram_plugin_bits_per_byte,
            unigram_heldout_bits_per_byte: s.trivial.unigram_heldout_bits_per_byte,
            kl_mm_tokens: tok.as_ref().map(|p| p.kl_mm),
            kl_mm_random: rnd.as_ref().map(|p| p.kl_mm),
            kl_tokens_undersampled: tok.as_ref().map(|p| p.undersampled),
            kl_cs_tokens: tok.as_ref().map(|p| p.kl_cs),
            kl_cs_random: rnd.as_ref().map(|p| p.kl_cs),
            kl_mm_tokens_without_padding: s
                .kl_without_padding
                .as_ref()
                .and_then(|k| point(&k.tokens))
                .map(|p| p.kl_mm),
            straddle_fraction: s.alignment.as_ref().map(|a| a.straddle_fraction),
            position1_consistency: pos(1),
            position2_consistency: pos(2),
            free_decode_window_rate: s.free_decode.as_ref().map(|f| f.window_rate),
            free_decode_example_rate: s.free_decode.as_ref().map(|f| f.example_rate),
            encode_seconds: s.encode_seconds,
            stats_seconds: s.stats_seconds,
            free_decode_seconds: s.free_decode_seconds,
        }
    }
}

/// Writes rows as CSV (header first).
pub fn write_csv<W: std::io::Write>(rows: &[SummaryRow], out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r).map_err(csv_err)?;
    }
    w.flush()?;
    Ok(())
}

/// Reads rows written by [`write_csv`].
pub fn read_csv<R: std::io::Read>(input: R) -> Result<Vec<SummaryRow>> {
    let mut r = csv::Reader::from_reader(input);
    r.deserialize()
        .map(|row| row.map_err(csv_err))
        .collect::<Result<Vec<_>>>()
}

/// A CSV error as the library's error (shared with the report exports).
pub(crate) fn csv_err(e: csv::Error) -> crate::error::Error {
    crate::error::Error::IoPlain(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("CSV: {e}"),
    ))
}
