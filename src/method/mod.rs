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
mod config;
pub mod decode;
pub mod deflate_trace;
pub(crate) mod lanes;
pub mod simple;
pub mod subword;
pub mod tokens;
pub mod trace;
pub mod window;

pub use config::{Config, MethodKind};
pub use decode::{
    decode, free_decode_report, FreeDecodeFailure, FreeDecodeFailureKind, FreeDecodeReport,
    FreeDecodeRule,
};
pub use trace::{Alignment, ByteTrace, Trace};

use crate::coding::BitWriter;
use crate::error::{Error, Result};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// The paper's example size in bytes.
pub const DEFAULT_EXAMPLE_BYTES: usize = 10_240;

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

    /// The byte <-> bit <-> token alignment: GZip's from tracing its zlib streams
    /// ([`trace::gzip_alignment`]), the others' from [`trace::byte_bit_ranges`] (None for an AC
    /// method encoded without a trace).
    pub fn alignment(&self) -> Option<trace::Alignment> {
        if self.config.method == MethodKind::Gzip {
            let windows: Vec<_> = self
                .windows
                .iter()
                .map(|w| (w.bytes.clone(), w.bit_start..w.bit_start + w.bit_len))
                .collect();
            return trace::gzip_alignment(&self.bits, &windows, self.config.token_bits, None).ok();
        }
        Some(trace::Alignment::new(
            trace::byte_bit_ranges(self)?,
            self.windows
                .iter()
                .map(|w| (w.bytes.clone(), w.bit_start..w.bit_start + w.bit_len))
                .collect(),
            self.config.token_bits,
        ))
    }

    /// The windows of example `example`, in order.
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
/// byte-to-bit alignment follows from the encoding; see [`trace::byte_bit_ranges`]).
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
