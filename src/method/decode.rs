//! Decoding: the exact decoder (which knows each window's byte count, the side information the
//! container stores) and the paper's side-information-free window decoder (App. D.5), whose
//! success rate is measured, not assumed.

use super::lanes::{drive_all, LaneCtx, LaneJob, Step, Tables};
use super::simple::{bits_to_bytes, inflate};
use super::window::resets_at;
use super::{Config, Encoded, MethodKind, RunOptions};
use crate::coding::{BitReader, BitWriter, CoderState, Decoder};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Decodes an [`Encoded`] whose bits, examples and windows (with their byte counts) are known.
/// For StaticAC, `model` must be the unigram the encoder fitted; for AC and EqualInfo, the same
/// model as the encoder's.
pub fn decode(enc: &Encoded, model: &mut dyn ByteModel) -> Result<Vec<u8>> {
    decode_with(enc, model, &RunOptions::default())
}

/// [`decode`] under `opts`: progress over the decoded bytes (the AC methods), and its cancel
/// flag stops it with [`Error::Cancelled`].
pub fn decode_with(enc: &Encoded, model: &mut dyn ByteModel, opts: &RunOptions) -> Result<Vec<u8>> {
    let cfg = &enc.config;
    cfg.validate()?;
    let mut out = vec![0u8; enc.input_len];
    match cfg.method {
        MethodKind::Bytes => {
            for ex in &enc.examples {
                let bytes = bits_to_bytes(&enc.bits, ex.bit_start, ex.bit_len)?;
                if bytes.len() != ex.bytes.len() {
                    return Err(Error::Corrupt("example length does not match".into()));
                }
                out[ex.bytes.clone()].copy_from_slice(&bytes);
            }
        }
        MethodKind::Gzip => {
            for ex in &enc.examples {
                let z = bits_to_bytes(&enc.bits, ex.bit_start, ex.bit_len)?;
                let bytes = inflate(&z, ex.bytes.len())?;
                out[ex.bytes.clone()].copy_from_slice(&bytes);
            }
        }
        MethodKind::Subword => super::subword::decode_subword(enc, &mut out)?,
        MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo => {
            decode_ac(enc, cfg, model, &mut out, opts)?;
        }
    }
    Ok(out)
}

/// A window to decode: its bits in some stream, its byte count (the side information; unused
/// by the side-information-free decoder) and whether the model is reset at its start.
#[derive(Debug, Clone)]
pub(crate) struct WindowBits<'a> {
    /// The stream holding the window.
    pub(crate) bits: &'a BitWriter,
    /// The window's bits in it.
    pub(crate) range: Range<u64>,
    /// Bytes it holds.
    pub(crate) bytes: usize,
    /// The model is reset at its start (the first window of an example always starts fresh).
    pub(crate) reset: bool,
}

/// The exact decoder of one example: its windows with their byte counts.
struct ExactJob<'a> {
    windows: Vec<WindowBits<'a>>,
    next: usize,
    remaining: usize,
    dec: Option<Decoder<'a>>,
    out: Vec<u8>,
    total: usize,
}

impl LaneJob for ExactJob<'_> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        if self.out.len() == self.total {
            return Ok(Step::Done);
        }
        while self.remaining == 0 {
            let Some(w) = self.windows.get(self.next) else {
                return Err(Error::Corrupt(
                    "windows hold fewer bytes than the example".into(),
                ));
            };
            if self.next > 0 && w.reset {
                ctx.reset();
            }
            self.remaining = w.bytes;
            self.dec = Some(Decoder::new(BitReader::new(
                w.bits,
                w.range.start,
                w.range.end,
            )));
            self.next += 1;
        }
        let table = ctx.table()?;
        let Some(dec) = self.dec.as_mut() else {
            return Err(Error::Decode("no decoder for window".into()));
        };
        let sym = dec.decode(&table);
        self.out.push(sym);
        self.remaining -= 1;
        Ok(if self.out.len() < self.total {
            Step::Feed(sym)
        } else {
            Step::Last
        })
    }

    fn bytes_done(&self) -> usize {
        self.out.len()
    }
}

/// Decodes examples exactly, each given as its windows (in order) and its byte count, many
/// examples side by side on the model's lanes ([`super::lanes::drive_all`]), under `opts` (its
/// cancel flag stops it with [`Error::Cancelled`]). Returns each example's bytes.
pub(crate) fn decode_examples_exact_opts(
    examples: Vec<(Vec<WindowBits<'_>>, usize)>,
    precision: u32,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<Vec<u8>>> {
    let tables = Tables::new(model, precision)?;
    let total = examples.iter().map(|e| e.1).sum();
    let mut out = Vec::with_capacity(examples.len());
    drive_all(
        model,
        &tables,
        &examples,
        opts,
        total,
        |(windows, total)| {
            Ok(ExactJob {
                windows: windows.clone(),
                next: 0,
                remaining: 0,
                dec: None,
                out: Vec::new(),
                total: *total,
            })
        },
        |job| {
            out.push(job.out);
            Ok(())
        },
    )?;
    Ok(out)
}

fn decode_ac(
    enc: &Encoded,
    cfg: &Config,
    model: &mut dyn ByteModel,
    out: &mut [u8],
    opts: &RunOptions,
) -> Result<()> {
    let examples = enc
        .examples
        .iter()
        .map(|ex| {
            let windows = enc
                .windows
                .get(ex.windows.clone())
                .unwrap_or_default()
                .iter()
                .enumerate()
                .map(|(k, w)| WindowBits {
                    bits: &enc.bits,
                    range: w.bit_start..w.bit_start + w.bit_len,
                    bytes: w.bytes.len(),
                    reset: resets_at(cfg.reset_every, k),
                })
                .collect();
            (windows, ex.bytes.len())
        })
        .collect();
    let decoded = decode_examples_exact_opts(examples, cfg.precision, model, opts)?;
    for (ex, bytes) in enc.examples.iter().zip(decoded) {
        let Some(slot) = out.get_mut(ex.bytes.clone()) else {
            return Err(Error::Corrupt("example outside the output".into()));
        };
        slot.copy_from_slice(&bytes);
    }
    Ok(())
}

/// What the side-information-free decoder made of one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FreeDecoded {
    /// The bytes it read while they fit in b bits (the candidates are prefixes of these).
    pub(crate) bytes: Vec<u8>,
    /// The prefix length it chose (0 when no prefix reproduces the window's bits).
    pub(crate) len: usize,
    /// Per decoded byte, its quantized probability `f / 2^β` in its context.
    pub(crate) probs: Vec<f64>,
    /// The prefix lengths whose own padded code reproduces the window's bits, ascending.
    pub(crate) matches: Vec<usize>,
    /// The quantized probability of a byte asked about beforehand ([`WindowBits`] `probe`) in
    /// the context of the first `probe.0` decoded bytes, when the decoder got that far.
    pub(crate) probe_prob: Option<f64>,
}

/// The side-information-free decoder of one window (see [`free_decode_report`]).
pub(crate) struct FreeJob<'a> {
    dec: Decoder<'a>,
    st: CoderState,
    bits: BitWriter,
    window: BitWriter,
    out: Vec<u8>,
    probs: Vec<f64>,
    matches: Vec<usize>,
    probe: Option<(usize, u8)>,
    probe_prob: Option<f64>,
    b: u64,
    cap: usize,
    done: bool,
}

impl LaneJob for FreeJob<'_> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        if self.done {
            return Ok(Step::Done);
        }
        let table = ctx.table()?;
        let total = table.total() as f64;
        if let Some((at, byte)) = self.probe {
            if at == self.out.len() {
                self.probe_prob = Some(table.freq(byte) as f64 / total);
            }
        }
        let sym = self.dec.decode(&table);
        let mut st = self.st;
        let mut bits = self.bits.clone();
        st.encode_with(&table, sym, |bit| bits.push(bit));
        if st.bits_needed() > self.b || self.out.len() >= self.cap {
            self.done = true;
            return Ok(Step::Done);
        }
        self.st = st;
        self.bits = bits;
        self.out.push(sym);
        self.probs.push(table.freq(sym) as f64 / total);
        // Does this prefix's own padded code reproduce the window?
        let mut code = self.bits.clone();
        st.finish_with(|bit| code.push(bit));
        let len = code.len();
        code.push_run(false, self.b.saturating_sub(len));
        if code == self.window {
            self.matches.push(self.out.len());
        }
        Ok(Step::Feed(sym))
    }

    fn bytes_done(&self) -> usize {
        self.out.len()
    }
}

/// Which prefix the side-information-free decoder takes among those whose padded code
/// reproduces the window's bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FreeDecodeRule {
    /// The longest (the paper's greedy windows, App. D.5).
    Longest,
    /// The shortest (Delay, and the exact rule, whose windows it always recovers).
    Shortest,
}

impl FreeDecodeRule {
    /// The decoder rule for a configuration's windows.
    pub fn of(cfg: &Config) -> Self {
        if cfg.delay || cfg.exact {
            FreeDecodeRule::Shortest
        } else {
            FreeDecodeRule::Longest
        }
    }
}

/// Runs the side-information-free decoder on windows of EqualInfoAC with the model reset at
/// every window (`cfg.window_bits`, `cfg.precision`; Delay and the exact rule pick the shortest
/// matching prefix, greedy the longest), many windows side by side on the model's lanes.
/// Its cancel flag (in `opts`) stops it with [`Error::Cancelled`].
pub(crate) fn free_decode_windows_opts(
    windows: &[WindowBits<'_>],
    cfg: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<FreeDecoded>> {
    let probes = vec![None; windows.len()];
    free_decode_windows_probed(windows, &probes, cfg, model, opts)
}

/// [`free_decode_windows_opts`], also reporting for each window with a probe `(k, byte)` the quantized
/// probability of `byte` after the window's first `k` decoded bytes.
pub(crate) fn free_decode_windows_probed(
    windows: &[WindowBits<'_>],
    probes: &[Option<(usize, u8)>],
    cfg: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<FreeDecoded>> {
    let rule = FreeDecodeRule::of(cfg);
    let jobs: Vec<(&WindowBits<'_>, Option<(usize, u8)>)> = windows
        .iter()
        .zip(probes.iter().copied().chain(std::iter::repeat(None)))
        .collect();
    let tables = Tables::new(model, cfg.precision)?;
    let mut out = Vec::with_capacity(windows.len());
    drive_all(
        model,
        &tables,
        &jobs,
        opts,
        0,
        |&(w, probe)| Ok(free_job(w, probe, cfg)),
        |job| {
            out.push(free_decoded(job, rule));
            Ok(())
        },
    )?;
    Ok(out)
}

/// The side-information-free decoding job of window `w` (with its probe, see
/// [`free_decode_windows_probed`]) under `cfg`'s window size and precision.
pub(crate) fn free_job<'a>(
    w: &WindowBits<'a>,
    probe: Option<(usize, u8)>,
    cfg: &Config,
) -> FreeJob<'a> {
    let b = cfg.window_bits as u64;
    // Beyond this many bytes a window cannot fit in b bits: each byte shrinks the interval by at
    // least (2^β - 255) / 2^β. A hard stop all the same.
    let cap = 1 + (b as usize) * (1usize << cfg.precision);
    let mut window = BitWriter::new();
    for i in w.range.clone() {
        window.push(w.bits.get(i));
    }
    FreeJob {
        dec: Decoder::new(BitReader::new(w.bits, w.range.start, w.range.end)),
        st: CoderState::default(),
        bits: BitWriter::new(),
        window,
        out: Vec::new(),
        probs: Vec::new(),
        matches: Vec::new(),
        probe,
        probe_prob: None,
        b,
        cap,
        done: false,
    }
}

/// What a finished [`free_job`] decoded, its length chosen by `rule`.
pub(crate) fn free_decoded(job: FreeJob<'_>, rule: FreeDecodeRule) -> FreeDecoded {
    let len = match rule {
        FreeDecodeRule::Shortest => job.matches.first(),
        FreeDecodeRule::Longest => job.matches.last(),
    }
    .copied()
    .unwrap_or(0);
    FreeDecoded {
        bytes: job.out,
        len,
        probs: job.probs,
        matches: job.matches,
        probe_prob: job.probe_prob,
    }
}

/// How a window's side-information-free decoding went wrong (the two failure modes measured on
/// real text, see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FreeDecodeFailureKind {
    /// The decoder added bytes: the true next byte did not fit (or was pushed back), and a more
    /// probable byte fits and its prefix reproduces the same padded bits. The greedy rule's
    /// failure (longest match).
    ExtraBytes,
    /// The decoder stopped early: a shorter prefix of the window has the same padded code. The
    /// shortest-match rule's failure (Delay checks only whether dropping the last byte keeps the
    /// code; an earlier, non-adjacent prefix can still share it).
    ShorterPrefix,
    /// No decoded prefix reproduces the window's bits (not seen with a correct encoder).
    NoMatch,
}

/// One window the side-information-free decoder got wrong, with what a viewer needs to show why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeDecodeFailure {
    /// Window index in the encoding.
    pub window: usize,
    /// The rule that chose the decoded length.
    pub rule: FreeDecodeRule,
    /// Which failure.
    pub kind: FreeDecodeFailureKind,
    /// Bytes the window really holds.
    pub true_len: usize,
    /// Bytes the decoder chose.
    pub decoded_len: usize,
    /// Every prefix length whose padded code reproduces the window's bits (ascending; the true
    /// length is among them).
    pub matching_lens: Vec<usize>,
    /// The byte the decoder put where the window ends (`ExtraBytes`: the first extra byte) or
    /// the true byte it dropped (`ShorterPrefix`: the window's byte at `decoded_len`).
    pub competing_byte: Option<u8>,
    /// Its quantized probability in its context.
    pub competing_prob: Option<f64>,
    /// `ExtraBytes`: the byte that really follows the window (the next window's first byte), if
    /// any.
    pub true_next_byte: Option<u8>,
    /// Its quantized probability after the window's bytes (the context the competing byte won
    /// in).
    pub true_next_prob: Option<f64>,
}

/// The failure of window `window` decoded by `rule` into `d`, against its true bytes `truth`
/// and the byte that really follows it in its example (`next`; its probability is `d`'s probe,
/// when one was asked), or None when the window decoded exactly.
pub(crate) fn free_decode_failure(
    window: usize,
    rule: FreeDecodeRule,
    truth: &[u8],
    d: &FreeDecoded,
    next: Option<u8>,
) -> Option<FreeDecodeFailure> {
    if d.bytes.get(..d.len) == Some(truth) {
        return None;
    }
    let true_len = truth.len();
    let kind = if d.len == 0 {
        FreeDecodeFailureKind::NoMatch
    } else if d.len > true_len {
        FreeDecodeFailureKind::ExtraBytes
    } else {
        FreeDecodeFailureKind::ShorterPrefix
    };
    let (competing_byte, competing_prob) = match kind {
        FreeDecodeFailureKind::ExtraBytes => (
            d.bytes.get(true_len).copied(),
            d.probs.get(true_len).copied(),
        ),
        FreeDecodeFailureKind::ShorterPrefix => {
            (d.bytes.get(d.len).copied(), d.probs.get(d.len).copied())
        }
        FreeDecodeFailureKind::NoMatch => (None, None),
    };
    let (true_next_byte, true_next_prob) = match next {
        Some(c) if kind == FreeDecodeFailureKind::ExtraBytes => (Some(c), d.probe_prob),
        _ => (None, None),
    };
    Some(FreeDecodeFailure {
        window,
        rule,
        kind,
        true_len,
        decoded_len: d.len,
        matching_lens: d.matches.clone(),
        competing_byte,
        competing_prob,
        true_next_byte,
        true_next_prob,
    })
}

/// A byte for a person: printable ASCII quoted (`'s'`, `' '`), escapes for `\n`, `\t`, `\r`,
/// the rest as hex (`0xE2`).
pub fn byte_for_people(b: u8) -> String {
    match b {
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        0x20..=0x7e => format!("'{}'", b as char),
        _ => format!("0x{b:02X}"),
    }
}

impl FreeDecodeRule {
    /// The rule in words, naming the windows it belongs to.
    pub fn describe(self) -> &'static str {
        match self {
            FreeDecodeRule::Longest => "the greedy decoder (longest matching prefix)",
            FreeDecodeRule::Shortest => "the Delay decoder (shortest matching prefix)",
        }
    }
}

impl FreeDecodeFailure {
    /// What went wrong, in words: the rule, which failure mode, the competing byte and its
    /// probability, the lengths (see the README's two failure modes). For example "the greedy
    /// decoder (longest matching prefix) added 1 byte: ' ' (p = 0.5224) after the window's 4
    /// bytes fits and gives the same padded code; the true next byte 'x' (p = 0.0293) did not
    /// fit".
    pub fn describe(&self) -> String {
        let prob = |p: Option<f64>| p.map(|p| format!(" (p = {p:.4})")).unwrap_or_default();
        let lens = self
            .matching_lens
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let rule = self.rule.describe();
        match self.kind {
            FreeDecodeFailureKind::ExtraBytes => {
                let extra = self.decoded_len - self.true_len;
                let mut s = format!(
                    "{rule} added {extra} byte{}: {}{} after the window's {} bytes fits and \
                     gives the same padded code",
                    if extra == 1 { "" } else { "s" },
                    self.competing_byte
                        .map(byte_for_people)
                        .unwrap_or_else(|| "a byte".into()),
                    prob(self.competing_prob),
                    self.true_len,
                );
                match self.true_next_byte {
                    Some(t) => s.push_str(&format!(
                        "; the true next byte {}{} did not fit",
                        byte_for_people(t),
                        prob(self.true_next_prob)
                    )),
                    None => s.push_str("; nothing in the bits marks where the window ends"),
                }
                s.push_str(&format!(" (prefixes matching the code: {lens} bytes)"));
                s
            }
            FreeDecodeFailureKind::ShorterPrefix => {
                let gap = self.true_len - self.decoded_len;
                format!(
                    "{rule} stopped after {} of the window's {} bytes: that earlier prefix has \
                     the same padded code{} (prefixes matching the code: {lens} bytes); it \
                     dropped {}{} and what follows",
                    self.decoded_len,
                    self.true_len,
                    if gap > 1 {
                        ", and it is not the adjacent one (the Delay encoder checks only the \
                         prefix one byte shorter)"
                    } else {
                        ""
                    },
                    self.competing_byte
                        .map(byte_for_people)
                        .unwrap_or_else(|| "a byte".into()),
                    prob(self.competing_prob),
                )
            }
            FreeDecodeFailureKind::NoMatch => {
                format!("{rule} found no prefix whose padded code reproduces the window's bits")
            }
        }
    }
}

/// How well the side-information-free decoder recovers the windows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FreeDecodeReport {
    /// Windows decoded.
    pub windows_total: usize,
    /// Windows whose free decoding equals their bytes exactly.
    pub windows_ok: usize,
    /// Examples decoded.
    pub examples_total: usize,
    /// Examples all of whose windows decode exactly.
    pub examples_ok: usize,
    /// Per window: decoded exactly?
    pub window_ok: Vec<bool>,
    /// Per window: how many bytes the free decoder produced.
    pub decoded_len: Vec<usize>,
    /// The windows decoded wrongly, in window order, with why.
    #[serde(default)]
    pub failures: Vec<FreeDecodeFailure>,
}

impl FreeDecodeReport {
    /// Fraction of windows recovered exactly.
    pub fn window_rate(&self) -> f64 {
        ratio(self.windows_ok, self.windows_total)
    }
    /// Fraction of examples recovered exactly.
    pub fn example_rate(&self) -> f64 {
        ratio(self.examples_ok, self.examples_total)
    }
    /// Failures of a kind.
    pub fn count(&self, kind: FreeDecodeFailureKind) -> usize {
        self.failures.iter().filter(|f| f.kind == kind).count()
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Runs the side-information-free decoder (paper App. D.5) on every window of an EqualInfo
/// encoding with the model reset at every window, and compares with the true bytes.
///
/// Each window is decoded byte by byte while the decoded prefix still fits in `b` bits; among the
/// prefixes whose own padded code reproduces the window's bits, the greedy decoder takes the
/// longest and the Delay and exact decoders the shortest. The last window of an example has no
/// end marker: it is judged like the others. Every wrong window is described in
/// [`FreeDecodeReport::failures`].
pub fn free_decode_report(
    enc: &Encoded,
    data: &[u8],
    model: &mut dyn ByteModel,
) -> Result<FreeDecodeReport> {
    let cfg = &enc.config;
    if cfg.method != MethodKind::EqualInfo || cfg.reset_every != 1 {
        return Err(Error::BadParams(
            "side-information-free decoding applies to EqualInfo with the model reset at every \
             window"
                .into(),
        ));
    }
    let (windows, probes) = free_decode_inputs(enc, data);
    let decoded =
        free_decode_windows_probed(&windows, &probes, cfg, model, &RunOptions::default())?;
    Ok(free_report(enc, data, &probes, &decoded))
}

/// The windows of an EqualInfo encoding `enc` of `data` and, per window, the byte after it in
/// its example asked about in the window's context (the inputs of the side-information-free
/// decoder, see [`free_decode_report`]).
pub(crate) fn free_decode_inputs<'a>(
    enc: &'a Encoded,
    data: &[u8],
) -> (Vec<WindowBits<'a>>, Vec<Option<(usize, u8)>>) {
    let windows: Vec<WindowBits> = enc
        .windows
        .iter()
        .map(|w| WindowBits {
            bits: &enc.bits,
            range: w.bit_start..w.bit_start + w.bit_len,
            bytes: w.bytes.len(),
            reset: true,
        })
        .collect();
    // The byte aftereach window (within its example), asked about in the window's context.
    let mut probes = vec![None; enc.windows.len()];
    for ex in &enc.examples {
        for wi in ex.windows.clone() {
            let Some(w) = enc.windows.get(wi) else {
                continue;
            };
            if w.bytes.end < ex.bytes.end {
                probes[wi] = data.get(w.bytes.end).map(|&c| (w.bytes.len(), c));
            }
        }
    }
    (windows, probes)
}

/// The report of the side-information-free decoder's windows `decoded` (in window order) of
/// `enc`, against the true bytes `data`.
pub(crate) fn free_report(
    enc: &Encoded,
    data: &[u8],
    probes: &[Option<(usize, u8)>],
    decoded: &[FreeDecoded],
) -> FreeDecodeReport {
    let cfg = &enc.config;
    let rule = FreeDecodeRule::of(cfg);
    let mut decoded_len = Vec::with_capacity(enc.windows.len());
    let mut window_ok = Vec::with_capacity(enc.windows.len());
    let mut failures = Vec::new();
    for (i, (d, w)) in decoded.iter().zip(&enc.windows).enumerate() {
        decoded_len.push(d.len);
        let truth = data.get(w.bytes.clone()).unwrap_or_default();
        let ok = d.bytes.get(..d.len) == Some(truth);
        window_ok.push(ok);
        let next = probes.get(i).copied().flatten().map(|(_, c)| c);
        if let Some(f) = free_decode_failure(i, rule, truth, d, next) {
            failures.push(f);
        }
    }
    let examples_ok = enc
        .examples
        .iter()
        .filter(|ex| {
            window_ok
                .get(ex.windows.clone())
                .is_some_and(|w| w.iter().all(|&ok| ok))
        })
        .count();
    FreeDecodeReport {
        windows_total: enc.windows.len(),
        windows_ok: window_ok.iter().filter(|&&ok| ok).count(),
        examples_total: enc.examples.len(),
        examples_ok,
        window_ok,
        decoded_len,
        failures,
    }
}
