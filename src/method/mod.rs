//! The compression methods of the paper, all producing one [`Encoded`] value: the bit stream, its
//! tokens, the windows and examples it is made of, and (optionally) a per-byte trace.
//!
//! | method | what |
//! |---|---|
//! | Bytes | the bytes themselves, cut into tokens |
//! | GZip | zlib (DEFLATE, default level) per example |
//! | StaticAC | arithmetic coding with a byte unigram fitted on the input |
//! | AC | arithmetic coding with the model over each whole example |
//! | EqualInfoAC[b] | windows of exactly `b` bits, greedy (paper §3.3), Delay variant, reset every n |
//! | Subword | byte-level BPE ids (32k, the SentencePiece baseline's stand-in), see [`subword`] |
//!
//! Inputs are split into independent examples of `example_bytes` bytes (10,240 by default, as in
//! the paper; 0 = the whole input is one example). Each example's bits are zero-padded to a whole
//! number of tokens.

pub mod ac;
pub mod decode;
pub(crate) mod lanes;
pub mod simple;
pub mod subword;
pub mod tokens;
pub mod trace;
pub mod window;

pub use decode::{decode, free_decode_report, FreeDecodeReport};
pub use trace::{ByteTrace, Trace};

use crate::coding::{BitWriter, DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// The paper's example size in bytes.
pub const DEFAULT_EXAMPLE_BYTES: usize = 10_240;

/// Which method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MethodKind {
    /// The bytes themselves.
    Bytes,
    /// zlib per example.
    Gzip,
    /// AC with a unigram fitted on the input.
    StaticAc,
    /// AC with the model, one coder per example.
    Ac,
    /// Equal-Info windows.
    EqualInfo,
    /// Byte-level BPE subword ids (the shipped 32k tokenizer).
    Subword,
}

impl MethodKind {
    /// All methods, in display order.
    pub const ALL: [MethodKind; 6] = [
        MethodKind::Bytes,
        MethodKind::Gzip,
        MethodKind::StaticAc,
        MethodKind::Ac,
        MethodKind::EqualInfo,
        MethodKind::Subword,
    ];

    /// The name used on the command line.
    pub fn cli_name(self) -> &'static str {
        match self {
            MethodKind::Bytes => "bytes",
            MethodKind::Gzip => "gzip",
            MethodKind::StaticAc => "static-ac",
            MethodKind::Ac => "ac",
            MethodKind::EqualInfo => "equal-info",
            MethodKind::Subword => "subword",
        }
    }

    /// Parses a command-line name.
    pub fn from_cli_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.cli_name() == s)
    }

    /// True for the methods driven by the byte model given by the user.
    pub fn uses_model(self) -> bool {
        matches!(self, MethodKind::Ac | MethodKind::EqualInfo)
    }

    /// True for the arithmetic-coding methods (precision matters).
    pub fn is_ac(self) -> bool {
        matches!(
            self,
            MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo
        )
    }
}

/// All parameters of a compression run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The method.
    pub method: MethodKind,
    /// Window size b in bits (EqualInfo only), 8..=256.
    pub window_bits: u32,
    /// Bits per token, 1..=16 (v = 2^token_bits).
    pub token_bits: u32,
    /// Quantization precision β, 10..=16.
    pub precision: u32,
    /// Bytes per independent example; 0 = whole input.
    pub example_bytes: usize,
    /// EqualInfo: the Delay variant (paper App. A.2).
    pub delay: bool,
    /// EqualInfo: reset the model every n windows (1 = every window, the paper's rule;
    /// 0 = never within an example).
    pub reset_every: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            method: MethodKind::EqualInfo,
            window_bits: 16,
            token_bits: 16,
            precision: DEFAULT_PRECISION,
            example_bytes: DEFAULT_EXAMPLE_BYTES,
            delay: false,
            reset_every: 1,
        }
    }
}

impl Config {
    /// A configuration of `method` with the other fields at their defaults, except that Subword
    /// gets the shipped tokenizer's token size ([`subword::SUBWORD_TOKEN_BITS`], v = 32,768).
    pub fn new(method: MethodKind) -> Self {
        let token_bits = match method {
            MethodKind::Subword => subword::SUBWORD_TOKEN_BITS,
            _ => Config::default().token_bits,
        };
        Config {
            method,
            token_bits,
            ..Config::default()
        }
    }

    /// EqualInfoAC[b, v=2^token_bits].
    pub fn equal_info(window_bits: u32, token_bits: u32) -> Self {
        Config {
            method: MethodKind::EqualInfo,
            window_bits,
            token_bits,
            ..Config::default()
        }
    }

    /// Vocabulary size 2^token_bits.
    pub fn vocab(&self) -> u64 {
        1u64 << self.token_bits
    }

    /// The paper's style of name, e.g. `EqualInfoAC[b=16, v=65536]`.
    pub fn label(&self) -> String {
        let v = self.vocab();
        match self.method {
            MethodKind::Bytes => format!("Bytes[v={v}]"),
            MethodKind::Gzip => format!("GZip[v={v}]"),
            MethodKind::StaticAc => format!("StaticAC[v={v}]"),
            MethodKind::Ac => format!("AC[v={v}]"),
            MethodKind::Subword => format!("Subword[BPE, v={v}]"),
            MethodKind::EqualInfo => {
                let mut s = format!("EqualInfoAC[b={}, v={v}", self.window_bits);
                if self.delay {
                    s.push_str(", delay");
                }
                if self.reset_every != 1 {
                    if self.reset_every == 0 {
                        s.push_str(", reset=never");
                    } else {
                        s.push_str(&format!(", reset={}", self.reset_every));
                    }
                }
                s.push(']');
                s
            }
        }
    }

    /// Checks everything that does not depend on the model. See also
    /// [`Config::validate_for_model`].
    pub fn validate(&self) -> Result<()> {
        if !(1..=16).contains(&self.token_bits) {
            return Err(Error::BadParams(format!(
                "token bits must be in 1..=16, got {}",
                self.token_bits
            )));
        }
        if self.method.is_ac() && !(MIN_PRECISION..=MAX_PRECISION).contains(&self.precision) {
            return Err(Error::BadParams(format!(
                "precision β must be in {MIN_PRECISION}..={MAX_PRECISION}, got {}",
                self.precision
            )));
        }
        if self.method == MethodKind::Subword && self.token_bits < subword::SUBWORD_TOKEN_BITS {
            return Err(Error::BadParams(format!(
                "the subword tokenizer's ids need {} bits per token (v = {}), got token bits {}",
                subword::SUBWORD_TOKEN_BITS,
                1u64 << subword::SUBWORD_TOKEN_BITS,
                self.token_bits
            )));
        }
        if self.method == MethodKind::EqualInfo {
            if !(8..=256).contains(&self.window_bits) {
                return Err(Error::BadParams(format!(
                    "window bits b must be in 8..=256, got {}",
                    self.window_bits
                )));
            }
            if self.delay && self.reset_every != 1 {
                return Err(Error::BadParams(
                    "the Delay variant needs the model reset at every window (reset-every 1)"
                        .into(),
                ));
            }
            if self.reset_every != 1 && self.window_bits < self.precision {
                return Err(Error::BadParams(format!(
                    "with reset-every {} a window may start in any context, where one byte can \
                     need up to β = {} bits: window bits b = {} is too small (use b >= β)",
                    self.reset_every, self.precision, self.window_bits
                )));
            }
        }
        Ok(())
    }

    /// Checks the parameters against the model: with the model reset at every window, every
    /// window's first byte is coded with the empty-context distribution, so the window size must
    /// hold each of the 256 bytes alone. Checked exactly, before any work.
    pub fn validate_for_model(&self, model: &mut dyn ByteModel) -> Result<()> {
        self.validate()?;
        if self.method == MethodKind::EqualInfo && self.reset_every == 1 {
            model.start(1)?;
            let table = crate::coding::quantize(model.dist(0), self.precision)
                .map_err(|e| Error::BadDistribution(e.to_string()))?;
            let fresh = crate::coding::CoderState::default();
            let worst = (0..=255u8)
                .map(|s| (fresh.after(&table, s).bits_needed(), s))
                .max()
                .unwrap_or((0, 0));
            if worst.0 > self.window_bits as u64 {
                return Err(Error::BadParams(format!(
                    "window bits b = {} cannot hold byte 0x{:02x} alone: it needs {} bits at \
                     precision β = {} with this model (use b >= {} or a lower β)",
                    self.window_bits, worst.1, worst.0, self.precision, worst.0
                )));
            }
        }
        Ok(())
    }
}

/// One independent example of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExampleSpan {
    /// Its bytes in the input.
    pub bytes: Range<usize>,
    /// Where its bits start in [`Encoded::bits`].
    pub bit_start: u64,
    /// Bits it used before padding to a whole token.
    pub bit_len: u64,
    /// Its tokens in [`Encoded::tokens`].
    pub tokens: Range<usize>,
    /// Its windows in [`Encoded::windows`].
    pub windows: Range<usize>,
}

/// One window (EqualInfo); the other methods have one window per example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpan {
    /// The example it belongs to.
    pub example: usize,
    /// Its bytes in the input.
    pub bytes: Range<usize>,
    /// Where its bits start in [`Encoded::bits`].
    pub bit_start: u64,
    /// Bits it occupies in the stream (exactly b for EqualInfo).
    pub bit_len: u64,
    /// Bits of real code (the rest is zero padding).
    pub code_bits: u64,
    /// Whether the model was reset at its start.
    pub model_reset: bool,
}

/// The result of compressing an input with one configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The configuration used.
    pub config: Config,
    /// Length of the original input in bytes.
    pub input_len: usize,
    /// All bits: examples one after the other, each zero-padded to a whole token.
    pub bits: BitWriter,
    /// The tokens (each `token_bits` bits, MSB first).
    pub tokens: Vec<u32>,
    /// The examples.
    pub examples: Vec<ExampleSpan>,
    /// The windows.
    pub windows: Vec<WindowSpan>,
    /// Per-byte trace, when asked for.
    pub trace: Option<Trace>,
}

impl Encoded {
    /// Bytes per token (the paper's compression ratio).
    pub fn bytes_per_token(&self) -> f64 {
        if self.tokens.is_empty() {
            return 0.0;
        }
        self.input_len as f64 / self.tokens.len() as f64
    }

    /// Token bits per input byte.
    pub fn bits_per_byte(&self) -> f64 {
        if self.input_len == 0 {
            return 0.0;
        }
        (self.tokens.len() as u64 * self.config.token_bits as u64) as f64 / self.input_len as f64
    }

    /// Number of windows per example in order.
    pub fn windows_of(&self, example: usize) -> &[WindowSpan] {
        &self.windows[self.examples[example].windows.clone()]
    }
}

/// Options of a compression run that do not change its output.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Record the per-byte trace (costly; for the GUI).
    pub trace: bool,
    /// Checked between steps; when set, the run stops with [`Error::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
    /// Called with (bytes done, bytes total).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

impl RunOptions<'_> {
    pub(crate) fn check_cancel(&self) -> Result<()> {
        match self.cancel {
            Some(c) if c.load(Ordering::Relaxed) => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }
    pub(crate) fn report(&self, done: usize, total: usize) {
        if let Some(p) = self.progress {
            p(done, total);
        }
    }
}

/// Splits `len` bytes into example ranges.
pub fn example_ranges(len: usize, example_bytes: usize) -> Vec<Range<usize>> {
    if len == 0 {
        return Vec::new();
    }
    if example_bytes == 0 {
        return std::iter::once(0..len).collect();
    }
    (0..len)
        .step_by(example_bytes)
        .map(|s| s..(s + example_bytes).min(len))
        .collect()
}

/// Compresses `data` with `config`, using `model` for AC and EqualInfo.
pub fn encode(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Encoded> {
    config.validate()?;
    match config.method {
        MethodKind::Bytes => simple::encode_bytes(data, config),
        MethodKind::Gzip => simple::encode_gzip(data, config),
        MethodKind::Subword => subword::encode_subword(data, config),
        MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo => {
            Ok(encode_recording(data, config, model, opts, 0)?.0)
        }
    }
}

/// [`encode`], also returning for the arithmetic-coding methods the emitted bit range of every
/// byte of the examples that start before `upto` (exactly the trace's [`ByteTrace::bits`], at
/// the cost of one range per byte instead of a trace). None for the other methods (their
/// byte-to-bit alignment follows from the encoding; see `stats::byte_bit_ranges`).
pub fn encode_recording(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
    upto: usize,
) -> Result<(Encoded, Option<Vec<Range<u64>>>)> {
    config.validate()?;
    match config.method {
        MethodKind::StaticAc => {
            let mut unigram = crate::model::Unigram::fit(data);
            let (enc, bits) = ac::encode_ac(data, config, &mut unigram, opts, upto)?;
            Ok((enc, Some(bits)))
        }
        MethodKind::Ac | MethodKind::EqualInfo => {
            config.validate_for_model(model)?;
            let (enc, bits) = ac::encode_ac(data, config, model, opts, upto)?;
            Ok((enc, Some(bits)))
        }
        _ => Ok((encode(data, config, model, opts)?, None)),
    }
}

/// The tokens of each of several texts, each encoded alone with `config` (as [`encode`] of that
/// text gives them). AC and EqualInfo code all the texts' examples in one run, many model lanes
/// side by side (the lane contract makes that the same as one text at a time); the other methods
/// encode one text at a time (StaticAC fits its unigram on each text).
pub fn encode_texts_tokens(
    texts: &[&[u8]],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<Vec<u32>>> {
    if !matches!(config.method, MethodKind::Ac | MethodKind::EqualInfo) {
        return texts
            .iter()
            .map(|t| Ok(encode(t, config, model, opts)?.tokens))
            .collect();
    }
    config.validate()?;
    config.validate_for_model(model)?;
    let mut data = Vec::new();
    let mut ranges = Vec::new();
    let mut owner = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let off = data.len();
        data.extend_from_slice(t);
        for r in example_ranges(t.len(), config.example_bytes) {
            ranges.push(off + r.start..off + r.end);
            owner.push(i);
        }
    }
    let (enc, _) = ac::encode_ac_examples(&data, &ranges, config, model, opts, 0)?;
    let mut out = vec![Vec::new(); texts.len()];
    for (ex, &i) in enc.examples.iter().zip(&owner) {
        out[i].extend_from_slice(&enc.tokens[ex.tokens.clone()]);
    }
    Ok(out)
}

impl Encoded {
    /// The encoding of the first `k` examples alone: for methods whose examples are coded
    /// independently (all but StaticAC, whose unigram is fitted on the whole input), exactly
    /// what encoding their bytes alone gives. No trace.
    pub fn prefix_examples(&self, k: usize) -> Encoded {
        let k = k.min(self.examples.len());
        let (input_len, bit_end, tok_end, win_end) = match k.checked_sub(1) {
            Some(last) => {
                let ex = &self.examples[last];
                let tb = self.config.token_bits as u64;
                (
                    ex.bytes.end,
                    ex.tokens.end as u64 * tb,
                    ex.tokens.end,
                    ex.windows.end,
                )
            }
            None => (0, 0, 0, 0),
        };
        let bytes = self.bits.as_bytes();
        let bits = BitWriter::from_bytes(
            &bytes[..(bit_end.div_ceil(8) as usize).min(bytes.len())],
            bit_end,
        );
        Encoded {
            config: self.config.clone(),
            input_len,
            bits,
            tokens: self.tokens[..tok_end].to_vec(),
            examples: self.examples[..k].to_vec(),
            windows: self.windows[..win_end].to_vec(),
            trace: None,
        }
    }
}

/// Assembles per-example bit streams into an [`Encoded`] (padding each example to whole tokens).
pub(crate) struct Assembler {
    config: Config,
    bits: BitWriter,
    examples: Vec<ExampleSpan>,
    pub(crate) windows: Vec<WindowSpan>,
}

impl Assembler {
    pub(crate) fn new(config: &Config) -> Self {
        Assembler {
            config: config.clone(),
            bits: BitWriter::new(),
            examples: Vec::new(),
            windows: Vec::new(),
        }
    }

    /// Current bit position (where the next example starts).
    pub(crate) fn bit_pos(&self) -> u64 {
        self.bits.len()
    }

    /// Adds one example: its bytes, its bits, and its windows (bit positions relative to the
    /// example's start; byte ranges absolute).
    pub(crate) fn push_example(
        &mut self,
        bytes: Range<usize>,
        bits: &BitWriter,
        windows: Vec<WindowSpan>,
    ) {
        let tb = self.config.token_bits as u64;
        let start = self.bits.len();
        self.bits.extend(bits);
        let padded = bits.len().div_ceil(tb) * tb;
        self.bits.push_run(false, padded - bits.len());
        let example = self.examples.len();
        let w0 = self.windows.len();
        for mut w in windows {
            w.bit_start += start;
            w.example = example;
            self.windows.push(w);
        }
        let t0 = (start / tb) as usize;
        self.examples.push(ExampleSpan {
            bytes,
            bit_start: start,
            bit_len: bits.len(),
            tokens: t0..t0 + (padded / tb) as usize,
            windows: w0..self.windows.len(),
        });
    }

    pub(crate) fn finish(self, input_len: usize, trace: Option<Trace>) -> Encoded {
        let tokens = tokens::bits_to_tokens(&self.bits, self.config.token_bits);
        Encoded {
            config: self.config,
            input_len,
            bits: self.bits,
            tokens,
            examples: self.examples,
            windows: self.windows,
            trace,
        }
    }
}
