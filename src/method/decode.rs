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
            decode_ac(enc, cfg, model, &mut out)?;
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
/// examples side by side on the model's lanes. Returns each example's bytes.
pub(crate) fn decode_examples_exact(
    examples: Vec<(Vec<WindowBits<'_>>, usize)>,
    precision: u32,
    model: &mut dyn ByteModel,
) -> Result<Vec<Vec<u8>>> {
    let tables = Tables::new(model, precision)?;
    let total = examples.iter().map(|e| e.1).sum();
    let mut items: Vec<Option<(Vec<WindowBits<'_>>, usize)>> =
        examples.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(items.len());
    let mut next = 0usize;
    let idx: Vec<usize> = (0..items.len()).collect();
    drive_all(
        model,
        &tables,
        &idx,
        &RunOptions::default(),
        total,
        |_| {
            let (windows, total) = items[next].take().unwrap_or_default();
            next += 1;
            Ok(ExactJob {
                windows,
                next: 0,
                remaining: 0,
                dec: None,
                out: Vec::new(),
                total,
            })
        },
        |job| {
            out.push(job.out);
            Ok(())
        },
    )?;
    Ok(out)
}

fn decode_ac(enc: &Encoded, cfg: &Config, model: &mut dyn ByteModel, out: &mut [u8]) -> Result<()> {
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
    let decoded = decode_examples_exact(examples, cfg.precision, model)?;
    for (ex, bytes) in enc.examples.iter().zip(decoded) {
        let Some(slot) = out.get_mut(ex.bytes.clone()) else {
            return Err(Error::Corrupt("example outside the output".into()));
        };
        slot.copy_from_slice(&bytes);
    }
    Ok(())
}

/// What the side-information-free decoder made of one window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FreeDecoded {
    /// The bytes it read while they fit in b bits (the candidates are prefixes of these).
    pub(crate) bytes: Vec<u8>,
    /// The prefix length it chose (0 when no prefix reproduces the window's bits).
    pub(crate) len: usize,
}

/// The side-information-free decoder of one window (see [`free_decode_report`]).
struct FreeJob<'a> {
    dec: Decoder<'a>,
    st: CoderState,
    bits: BitWriter,
    window: BitWriter,
    out: Vec<u8>,
    matches: Vec<usize>,
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

/// Runs the side-information-free decoder on windows of EqualInfoAC with the model reset at
/// every window (`cfg.window_bits`, `cfg.precision`; Delay picks the shortest matching prefix,
/// greedy the longest), many windows side by side on the model's lanes.
pub(crate) fn free_decode_windows(
    windows: &[WindowBits<'_>],
    cfg: &Config,
    model: &mut dyn ByteModel,
) -> Result<Vec<FreeDecoded>> {
    let b = cfg.window_bits as u64;
    let tables = Tables::new(model, cfg.precision)?;
    // Beyond this many bytes a window cannot fit in b bits: each byte shrinks the interval by at
    // least (2^β - 255) / 2^β. A hard stop all the same.
    let cap = 1 + (b as usize) * (1usize << cfg.precision);
    let mut out = Vec::with_capacity(windows.len());
    drive_all(
        model,
        &tables,
        windows,
        &RunOptions::default(),
        0,
        |w| {
            let mut window = BitWriter::new();
            for i in w.range.clone() {
                window.push(w.bits.get(i));
            }
            Ok(FreeJob {
                dec: Decoder::new(BitReader::new(w.bits, w.range.start, w.range.end)),
                st: CoderState::default(),
                bits: BitWriter::new(),
                window,
                out: Vec::new(),
                matches: Vec::new(),
                b,
                cap,
                done: false,
            })
        },
        |job| {
            let len = if cfg.delay {
                job.matches.first()
            } else {
                job.matches.last()
            }
            .copied()
            .unwrap_or(0);
            out.push(FreeDecoded {
                bytes: job.out,
                len,
            });
            Ok(())
        },
    )?;
    Ok(out)
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
/// longest and the Delay decoder the shortest. The last window of an example has no end marker:
/// it is judged like the others.
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
    let decoded = free_decode_windows(&windows, cfg, model)?;
    let mut decoded_len = Vec::with_capacity(enc.windows.len());
    let mut window_ok = Vec::with_capacity(enc.windows.len());
    for (d, w) in decoded.iter().zip(&enc.windows) {
        decoded_len.push(d.len);
        window_ok.push(Some(&d.bytes[..d.len]) == data.get(w.bytes.clone()));
    }
    let examples_ok = enc
        .examples
        .iter()
        .filter(|ex| window_ok[ex.windows.clone()].iter().all(|&ok| ok))
        .count();
    Ok(FreeDecodeReport {
        windows_total: enc.windows.len(),
        windows_ok: window_ok.iter().filter(|&&ok| ok).count(),
        examples_total: enc.examples.len(),
        examples_ok,
        window_ok,
        decoded_len,
    })
}
