//! Decoding: the exact decoder (which knows each window's byte count, the side information the
//! container stores) and the paper's side-information-free window decoder (App. D.5), whose
//! success rate is measured, not assumed.

use super::ac::{resets_at, Tables};
use super::simple::{bits_to_bytes, inflate};
use super::{Config, Encoded, MethodKind};
use crate::coding::{BitReader, BitWriter, CoderState, Decoder};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};

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

struct DecLane<'a> {
    windows: std::ops::Range<usize>,
    next_window: usize,
    remaining: usize,
    pos: usize,
    end: usize,
    dec: Option<Decoder<'a>>,
}

fn decode_ac(enc: &Encoded, cfg: &Config, model: &mut dyn ByteModel, out: &mut [u8]) -> Result<()> {
    let tables = Tables::new(model, cfg.precision)?;
    let group = model.preferred_lanes().max(1);
    for chunk in enc.examples.chunks(group) {
        let n = chunk.len();
        model.start(n)?;
        let mut lanes: Vec<DecLane> = chunk
            .iter()
            .map(|ex| DecLane {
                windows: ex.windows.clone(),
                next_window: ex.windows.start,
                remaining: 0,
                pos: ex.bytes.start,
                end: ex.bytes.end,
                dec: None,
            })
            .collect();
        let mut feeds: Vec<Option<u8>> = vec![None; n];
        loop {
            let mut active = false;
            for (li, lane) in lanes.iter_mut().enumerate() {
                feeds[li] = None;
                if lane.pos == lane.end {
                    continue;
                }
                while lane.remaining == 0 {
                    if lane.next_window >= lane.windows.end {
                        return Err(Error::Corrupt(
                            "windows hold fewer bytes than the example".into(),
                        ));
                    }
                    let w = &enc.windows[lane.next_window];
                    let w_in_ex = lane.next_window - lane.windows.start;
                    if w_in_ex > 0 && resets_at(cfg.reset_every, w_in_ex) {
                        model.reset_lane(li);
                    }
                    lane.remaining = w.bytes.len();
                    lane.dec = Some(Decoder::new(BitReader::new(
                        &enc.bits,
                        w.bit_start,
                        w.bit_start + w.bit_len,
                    )));
                    lane.next_window += 1;
                }
                active = true;
                let table = tables.get(model, li)?;
                let Some(dec) = lane.dec.as_mut() else {
                    return Err(Error::Decode("no decoder for window".into()));
                };
                let sym = dec.decode(&table);
                out[lane.pos] = sym;
                lane.pos += 1;
                lane.remaining -= 1;
                if lane.pos < lane.end {
                    feeds[li] = Some(sym);
                }
            }
            if !active {
                break;
            }
            if feeds.iter().any(Option::is_some) {
                model.feed(&feeds)?;
            }
        }
    }
    Ok(())
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
    let b = cfg.window_bits as u64;
    let tables = Tables::new(model, cfg.precision)?;
    let group = model.preferred_lanes().max(1);
    // Beyond this many bytes a window cannot fit in b bits: each byte shrinks the interval by at
    // least (2^β - 255) / 2^β. A hard stop all the same.
    let cap = 1 + (b as usize) * (1usize << cfg.precision);
    let mut decoded_len = Vec::with_capacity(enc.windows.len());
    let mut window_ok = Vec::with_capacity(enc.windows.len());
    for chunk in enc.windows.chunks(group) {
        let n = chunk.len();
        model.start(n)?;
        struct L<'a> {
            dec: Decoder<'a>,
            st: CoderState,
            bits: BitWriter,
            window: BitWriter,
            out: Vec<u8>,
            matches: Vec<usize>,
            done: bool,
        }
        let mut lanes: Vec<L> = chunk
            .iter()
            .map(|w| {
                let mut window = BitWriter::new();
                for i in 0..w.bit_len {
                    window.push(enc.bits.get(w.bit_start + i));
                }
                L {
                    dec: Decoder::new(BitReader::new(
                        &enc.bits,
                        w.bit_start,
                        w.bit_start + w.bit_len,
                    )),
                    st: CoderState::default(),
                    bits: BitWriter::new(),
                    window,
                    out: Vec::new(),
                    matches: Vec::new(),
                    done: false,
                }
            })
            .collect();
        let mut feeds: Vec<Option<u8>> = vec![None; n];
        loop {
            let mut active = false;
            for (li, lane) in lanes.iter_mut().enumerate() {
                feeds[li] = None;
                if lane.done {
                    continue;
                }
                let table = tables.get(model, li)?;
                let sym = lane.dec.decode(&table);
                let mut st = lane.st;
                let mut bits = lane.bits.clone();
                st.encode_with(&table, sym, |bit| bits.push(bit));
                if st.bits_needed() > b || lane.out.len() >= cap {
                    lane.done = true;
                    continue;
                }
                lane.st = st;
                lane.bits = bits;
                lane.out.push(sym);
                // Does this prefix's own padded code reproduce the window?
                let mut code = lane.bits.clone();
                st.finish_with(|bit| code.push(bit));
                let len = code.len();
                code.push_run(false, b - len);
                if code == lane.window {
                    lane.matches.push(lane.out.len());
                }
                active = true;
                feeds[li] = Some(sym);
            }
            if !active {
                break;
            }
            model.feed(&feeds)?;
        }
        for (lane, w) in lanes.iter().zip(chunk) {
            let len = if cfg.delay {
                lane.matches.first()
            } else {
                lane.matches.last()
            }
            .copied()
            .unwrap_or(0);
            decoded_len.push(len);
            window_ok.push(lane.out[..len] == data[w.bytes.clone()]);
        }
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
