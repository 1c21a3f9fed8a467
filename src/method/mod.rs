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

/// [`encode_packed`] of each of several texts, as encoding each alone gives it. AC and EqualInfo
/// code all the texts' examples in one run of the lane driver, many model lanes side by side
/// whatever the texts' sizes (a folder of files shorter than one example fills the lanes as one
/// long file does; the lane contract makes the result the same as one text at a time); the other
/// methods encode one text at a time (StaticAC fits its unigram on each text).
pub fn encode_packed_many(
    texts: &[&[u8]],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<Packed>> {
    if !matches!(config.method, MethodKind::Ac | MethodKind::EqualInfo) {
        return texts
            .iter()
            .map(|t| encode_packed(t, config, model, opts))
            .collect();
    }
    config.validate()?;
    config.validate_for_model(model)?;
    let total: usize = texts.iter().map(|t| t.len()).sum();
    let mut data = Vec::with_capacity(total);
    let mut ranges = Vec::new();
    let mut examples_of = Vec::with_capacity(texts.len());
    for t in texts {
        let off = data.len();
        data.extend_from_slice(t);
        let rs = example_ranges(t.len(), config.example_bytes);
        examples_of.push(rs.len());
        ranges.extend(rs.into_iter().map(|r| off + r.start..off + r.end));
    }
    let all = ac::assemble_ac_examples(&data, &ranges, config, model, opts, 0)?
        .0
        .finish_packed(data.len());
    drop(data);
    let tb = config.token_bits as u64;
    let windowed = config.method == MethodKind::EqualInfo;
    let (mut e, mut t, mut w) = (0usize, 0usize, 0usize);
    let mut out = Vec::with_capacity(texts.len());
    for (text, &k) in texts.iter().zip(&examples_of) {
        let example_bits = all.example_bits[e..e + k].to_vec();
        let tokens: usize = example_bits.iter().map(|b| b.div_ceil(tb) as usize).sum();
        let mut window_bytes = Vec::new();
        if windowed {
            // An example's windows hold its bytes, in order.
            for r in &ranges[e..e + k] {
                let mut left = r.len();
                while left > 0 {
                    let n = all.window_bytes.get(w).copied().ok_or_else(|| {
                        Error::Decode("the packed windows do not cover the examples".into())
                    })?;
                    window_bytes.push(n);
                    left = left.checked_sub(n as usize).ok_or_else(|| {
                        Error::Decode("a packed window crosses its example's end".into())
                    })?;
                    w += 1;
                }
            }
        }
        out.push(Packed {
            config: config.clone(),
            input_len: text.len(),
            tokens: all.tokens[t..t + tokens].to_vec(),
            example_bits,
            window_bytes,
        });
        e += k;
        t += tokens;
    }
    Ok(out)
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

/// The windows of examples of EqualInfoAC in the compact form the encoder keeps: per window its
/// byte count and its bits of real code. Everything else a [`WindowSpan`] says follows from the
/// configuration and the windows before it (bytes and bits laid end to end from the example's
/// start, `b` bits each, the model reset by [`window::resets_at`]): 4 bytes a window instead of
/// a `WindowSpan`'s 56. Both fit 16 bits: a window has at most b <= 256 bits of code, and at
/// β <= 16 a byte costs at least −log2(1 − 255/2^16) bits, so a window holds at most 45,520
/// bytes ([`PackedWindows::MAX_BYTES`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PackedWindows {
    pub(crate) bytes: Vec<u16>,
    pub(crate) code_bits: Vec<u16>,
}

impl PackedWindows {
    /// The most bytes a window of the largest b can hold at the largest precision.
    pub(crate) const MAX_BYTES: usize = u16::MAX as usize;

    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Adds a window; false (and nothing added) when it does not fit the compact form, which
    /// the bound above rules out for every valid configuration.
    #[must_use]
    pub(crate) fn push(&mut self, bytes: usize, code_bits: u64) -> bool {
        match (u16::try_from(bytes), u16::try_from(code_bits)) {
            (Ok(n), Ok(c)) => {
                self.bytes.push(n);
                self.code_bits.push(c);
                true
            }
            _ => false,
        }
    }

    fn extend(&mut self, other: &PackedWindows) {
        self.bytes.extend_from_slice(&other.bytes);
        self.code_bits.extend_from_slice(&other.code_bits);
    }
}

/// An encoding reduced to what a `.eqi` container stores: the tokens, each example's code
/// length and (EqualInfoAC) each window's byte count, in a few bytes per input byte (no
/// per-window spans; see [`encode_packed`]). The examples follow from `input_len` and the
/// configuration's `example_bytes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// The configuration used.
    pub config: Config,
    /// Length of the original input in bytes.
    pub input_len: usize,
    /// The tokens (each `token_bits` bits, MSB first).
    pub tokens: Vec<u32>,
    /// Per example, the bits it used before padding to a whole token.
    pub example_bits: Vec<u64>,
    /// Per window of EqualInfoAC, in order, its byte count (at most 45,520: see the README's
    /// Memory section; empty for the other methods, whose window is their example).
    pub window_bytes: Vec<u16>,
}

impl Packed {
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
}

/// [`encode`] reduced to what a container stores ([`Packed`]): the same tokens, without the
/// per-window spans of an [`Encoded`] (the memory of `eqinfo compress`; see the README).
pub fn encode_packed(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Packed> {
    config.validate()?;
    let asm = match config.method {
        MethodKind::StaticAc => {
            let mut unigram = crate::model::Unigram::fit(data);
            let ranges = example_ranges(data.len(), config.example_bytes);
            ac::assemble_ac_examples(data, &ranges, config, &mut unigram, opts, 0)?.0
        }
        MethodKind::Ac | MethodKind::EqualInfo => {
            config.validate_for_model(model)?;
            let ranges = example_ranges(data.len(), config.example_bytes);
            ac::assemble_ac_examples(data, &ranges, config, model, opts, 0)?.0
        }
        _ => {
            let enc = encode(data, config, model, opts)?;
            return Ok(Packed {
                example_bits: enc.examples.iter().map(|e| e.bit_len).collect(),
                window_bytes: Vec::new(),
                config: enc.config,
                input_len: enc.input_len,
                tokens: enc.tokens,
            });
        }
    };
    Ok(asm.finish_packed(data.len()))
}

/// Assembles per-example bit streams into an [`Encoded`] (padding each example to whole tokens).
/// Windows are kept compact ([`PackedWindows`], EqualInfoAC only: the other methods have one
/// window per example) and expanded to [`WindowSpan`]s only by [`Assembler::finish`].
pub(crate) struct Assembler {
    config: Config,
    bits: BitWriter,
    examples: Vec<ExampleSpan>,
    windows: PackedWindows,
    /// Windows so far (with the one-per-example windows of the other methods).
    window_count: usize,
}

impl Assembler {
    pub(crate) fn new(config: &Config) -> Self {
        Assembler {
            config: config.clone(),
            bits: BitWriter::new(),
            examples: Vec::new(),
            windows: PackedWindows::default(),
            window_count: 0,
        }
    }

    /// Current bit position (where the next example starts).
    pub(crate) fn bit_pos(&self) -> u64 {
        self.bits.len()
    }

    /// Windows pushed so far.
    pub(crate) fn window_count(&self) -> usize {
        self.window_count
    }

    fn is_windowed(&self) -> bool {
        self.config.method == MethodKind::EqualInfo
    }

    /// Adds one example of a method with one window per example (all but EqualInfoAC): its
    /// bytes and its bits.
    pub(crate) fn push_whole(&mut self, bytes: Range<usize>, bits: &BitWriter) {
        debug_assert!(!self.is_windowed());
        self.push_bits(bytes, bits, 1);
    }

    /// Adds one example of EqualInfoAC: its bytes, its bits and its windows (laid end to end).
    pub(crate) fn push_windows(
        &mut self,
        bytes: Range<usize>,
        bits: &BitWriter,
        windows: &PackedWindows,
    ) {
        debug_assert!(self.is_windowed());
        self.windows.extend(windows);
        self.push_bits(bytes, bits, windows.len());
    }

    fn push_bits(&mut self, bytes: Range<usize>, bits: &BitWriter, windows: usize) {
        let tb = self.config.token_bits as u64;
        let start = self.bits.len();
        self.bits.extend(bits);
        let padded = bits.len().div_ceil(tb) * tb;
        self.bits.push_run(false, padded - bits.len());
        let w0 = self.window_count;
        self.window_count += windows;
        let t0 = (start / tb) as usize;
        self.examples.push(ExampleSpan {
            bytes,
            bit_start: start,
            bit_len: bits.len(),
            tokens: t0..t0 + (padded / tb) as usize,
            windows: w0..self.window_count,
        });
    }

    /// The windows as [`WindowSpan`]s.
    fn window_spans(&self) -> Vec<WindowSpan> {
        let mut out = Vec::with_capacity(self.window_count);
        let cfg = &self.config;
        // The one window of an example: AC and StaticAC reset their model at its start.
        let whole_reset = cfg.method.is_ac();
        for (e, ex) in self.examples.iter().enumerate() {
            if !self.is_windowed() {
                out.push(WindowSpan {
                    example: e,
                    bytes: ex.bytes.clone(),
                    bit_start: ex.bit_start,
                    bit_len: ex.bit_len,
                    code_bits: ex.bit_len,
                    model_reset: whole_reset,
                });
                continue;
            }
            let b = cfg.window_bits as u64;
            let (mut pos, mut bit) = (ex.bytes.start, ex.bit_start);
            for k in 0..ex.windows.len() {
                let w = ex.windows.start + k;
                let len = self.windows.bytes[w] as usize;
                out.push(WindowSpan {
                    example: e,
                    bytes: pos..pos + len,
                    bit_start: bit,
                    bit_len: b,
                    code_bits: self.windows.code_bits[w] as u64,
                    model_reset: window::resets_at(cfg.reset_every, k),
                });
                pos += len;
                bit += b;
            }
        }
        out
    }

    pub(crate) fn finish(self, input_len: usize, trace: Option<Trace>) -> Encoded {
        let tokens = tokens::bits_to_tokens(&self.bits, self.config.token_bits);
        let windows = self.window_spans();
        Encoded {
            config: self.config,
            input_len,
            bits: self.bits,
            tokens,
            examples: self.examples,
            windows,
            trace,
        }
    }

    /// What a container stores of it (the bits are dropped once cut into tokens).
    pub(crate) fn finish_packed(self, input_len: usize) -> Packed {
        let tokens = tokens::bits_to_tokens(&self.bits, self.config.token_bits);
        drop(self.bits);
        Packed {
            example_bits: self.examples.iter().map(|e| e.bit_len).collect(),
            window_bytes: self.windows.bytes,
            config: self.config,
            input_len,
            tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::MAX_PRECISION;

    /// The compact window form's 16-bit byte counts hold the longest window of any valid
    /// configuration: b = 256 bits at the cheapest byte the largest precision allows, which
    /// costs −log2(1 − 255/2^β) bits (255 of the 2^β counts go to the other bytes).
    #[test]
    fn the_longest_window_fits_sixteen_bits() {
        let beta = MAX_PRECISION as f64;
        let cheapest = -(1.0 - 255.0 / beta.exp2()).log2();
        let longest = (256.0 / cheapest).floor() as usize;
        assert!(longest <= PackedWindows::MAX_BYTES, "{longest}");
        let mut w = PackedWindows::default();
        assert!(w.push(longest, 256));
        assert!(!w.push(PackedWindows::MAX_BYTES + 1, 8));
        assert_eq!(w.len(), 1);
    }
}
