//! The decoder lesson of one window: its b bits read back step by step by the exact decoder
//! (which knows how many bytes the window holds, from the container) and by the paper's
//! side-information-free decoder (App. D.5), which has only the bits: it decodes while each
//! next byte would still fit in b bits, re-encodes every prefix and takes the longest prefix
//! (greedy windows; the shortest with Delay or the exact rule) whose padded code equals the
//! window's bits.
//!
//! The model's distribution in each decoder step is the one the encoder used at the same
//! position (the decoded prefix equals the true one while it is inside the window); one step
//! past the window, the decoder sees the distribution the encoder had for the byte that did not
//! fit ([`crate::method::window::Overflow`]). Beyond that the model's predictions after a
//! wrong byte were never computed, and the lesson says so instead of guessing.

use super::coder::{cum_of, encode_step, stop_bits, DecodeStep, Slot, TracedDecoder};
use crate::coding::{quantize, CoderState};
use crate::method::decode::FreeDecodeRule;
use crate::method::window::WindowRecord;
use crate::method::{Config, MethodKind};

/// One decoded byte.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeStep {
    /// The decoder's step.
    pub step: DecodeStep,
    /// The byte.
    pub byte: u8,
    /// The cumulative table it was decoded with.
    pub cum: Vec<u64>,
    /// The re-encoding state after it.
    pub encoder: CoderState,
    /// Bits needed to stop after it.
    pub need: u64,
    /// It fits in b bits (always true without a window size).
    pub fits: bool,
    /// The padded code of the prefix ending here equals the window's bits.
    pub matches: bool,
}

/// Why the side-information-free decoder stopped reading.
#[derive(Debug, Clone, PartialEq)]
pub enum FreeStop {
    /// The next decoded byte would need more than b bits (the last step, not taken).
    NextDoesNotFit {
        /// The byte.
        byte: u8,
        /// Bits it would need.
        need: u64,
    },
    /// The model's distribution for the next byte was never computed (past the window and the
    /// byte that did not fit).
    NotRecorded,
    /// Not applicable (no window size: AC, StaticAC).
    NoWindow,
}

/// The whole lesson of one window.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeLesson {
    /// The window's bits (code, then padding).
    pub bits: Vec<bool>,
    /// b (None for AC and StaticAC).
    pub b: Option<u64>,
    /// Bytes the window really holds.
    pub true_len: usize,
    /// The decoder's steps: the window's bytes, then what the free decoder read past them.
    pub steps: Vec<FreeStep>,
    /// Why the free decoder stopped (after `steps`).
    pub stop: FreeStop,
    /// The rule that picks among matching prefixes.
    pub rule: FreeDecodeRule,
}

impl DecodeLesson {
    /// Prefix lengths (among the steps) whose padded code equals the window's bits.
    pub fn matching_lens(&self) -> Vec<usize> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.matches)
            .map(|(i, _)| i + 1)
            .collect()
    }

    /// The bytes the exact decoder gives (the first `true_len` decoded).
    pub fn exact_bytes(&self) -> Vec<u8> {
        self.steps
            .iter()
            .take(self.true_len)
            .map(|s| s.byte)
            .collect()
    }

    /// The length the free decoder picks from what is known here (None when it depends on
    /// steps that were not recorded).
    pub fn free_len(&self) -> Option<usize> {
        let m = self.matching_lens();
        match self.rule {
            FreeDecodeRule::Shortest => m.first().copied(),
            FreeDecodeRule::Longest => {
                if self.stop == FreeStop::NotRecorded {
                    None
                } else {
                    m.last().copied()
                }
            }
        }
    }
}

/// The padded b-bit code of the re-encoding `st` with emitted bits `emitted`.
fn padded(emitted: &[bool], st: &CoderState, b: usize) -> Vec<bool> {
    let mut v = emitted.to_vec();
    v.extend(stop_bits(st));
    if v.len() < b {
        v.resize(b, false);
    }
    v
}

/// The lesson of window `rec` (traced, with its distributions) under `config`; None without a
/// trace.
pub fn decode_lesson(rec: &WindowRecord, config: &Config) -> Option<DecodeLesson> {
    let overflow = rec.overflow.as_ref().map(|o| &o.dist[..]);
    decode_lesson_with(rec, &rec.dists, overflow, config)
}

/// [`decode_lesson`] with the window's distributions given apart from the record (256 values a
/// byte, and the distribution of the byte that did not fit): the live view computes them on
/// demand ([`crate::live::window_dists`]).
pub fn decode_lesson_with(
    rec: &WindowRecord,
    dists: &[f32],
    overflow: Option<&[f32]>,
    config: &Config,
) -> Option<DecodeLesson> {
    if rec.traces.len() != rec.len || dists.len() != rec.len * 256 {
        return None;
    }
    let bits: Vec<bool> = (0..rec.bits.len()).map(|i| rec.bits.get(i)).collect();
    let windowed = config.method == MethodKind::EqualInfo;
    let b = windowed.then_some(config.window_bits as u64);
    let mut dec = TracedDecoder::new(bits.clone());
    let mut st = CoderState::default();
    let mut emitted: Vec<bool> = Vec::new();
    let mut steps = Vec::new();
    let mut stop = if windowed {
        FreeStop::NotRecorded
    } else {
        FreeStop::NoWindow
    };
    for t in 0.. {
        let dist = if t < rec.len {
            &dists[t * 256..(t + 1) * 256]
        } else {
            match (overflow, windowed) {
                (Some(o), true) if t == rec.len && o.len() == 256 => o,
                _ => break,
            }
        };
        let Ok(table) = quantize(dist, config.precision) else {
            break;
        };
        let cum = cum_of(&table);
        let Some(step) = dec.step(&cum) else { break };
        let byte = step.symbol as u8;
        let Some(slot) = Slot::of(&cum, step.symbol) else {
            break;
        };
        let e = encode_step(st, slot);
        let need = e.after.bits_needed();
        let fits = b.is_none_or(|b| need <= b);
        if !fits {
            stop = FreeStop::NextDoesNotFit { byte, need };
            break;
        }
        st = e.after;
        emitted.extend_from_slice(&e.bits);
        let matches = padded(&emitted, &st, b.unwrap_or(0) as usize) == bits;
        steps.push(FreeStep {
            step,
            byte,
            cum,
            encoder: st,
            need,
            fits,
            matches,
        });
    }
    Some(DecodeLesson {
        bits,
        b,
        true_len: rec.len,
        steps,
        stop,
        rule: FreeDecodeRule::of(config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::decode::{free_decode_windows_opts, WindowBits};
    use crate::model::Unigram;
    use crate::teach::window::tests::{windows, windows_with};

    #[test]
    fn the_exact_decoder_recovers_every_window() {
        let cfg: Config = "equal-info:b=16:v=256".parse().expect("config");
        let text = b"Equal-Info windows";
        let w = windows(text, &cfg);
        for (start, rec) in &w {
            let l = decode_lesson(rec, &cfg).expect("traced");
            assert_eq!(l.exact_bytes(), &text[*start..start + rec.len]);
            // Uniform: the window's two bytes are its 16 bits, and the free decoder's third
            // byte (from the padding's zeros, 0x00) would need 24 bits: it stops, exact.
            if rec.overflow.is_some() {
                assert_eq!(l.stop, FreeStop::NextDoesNotFit { byte: 0, need: 24 });
                assert_eq!(l.free_len(), Some(rec.len));
            }
        }
    }

    #[test]
    fn free_decoder_lengths_agree_with_the_librarys_free_decoder() {
        // The lesson's own re-encoding decoder against method::decode's lane decoder: wherever
        // the lesson knows the free decoder's choice, it must be the same length.
        let text = b"the theme of the thesis: these three then threw the thread there";
        let mut model = Unigram::fit(b"the the the th e t h  ththth eeee");
        for spec in [
            "equal-info:b=16:v=256",
            "equal-info:b=24:v=256",
            "equal-info:b=16:v=256:delay",
        ] {
            let cfg: Config = spec.parse().expect("config");
            let w = windows_with(text, &cfg, &mut model);
            let bits: Vec<WindowBits> = w
                .iter()
                .map(|(_, rec)| WindowBits {
                    bits: &rec.bits,
                    range: 0..rec.bits.len(),
                    bytes: rec.len,
                    reset: true,
                })
                .collect();
            let free = free_decode_windows_opts(&bits, &cfg, &mut model, &Default::default())
                .expect("free decode");
            let mut known = 0;
            for ((start, rec), f) in w.iter().zip(&free) {
                let l = decode_lesson(rec, &cfg).expect("traced");
                assert_eq!(l.exact_bytes(), &text[*start..start + rec.len]);
                if let Some(n) = l.free_len() {
                    assert_eq!(n, f.len, "{spec}: window at {start}");
                    known += 1;
                }
            }
            assert!(
                known * 2 >= w.len(),
                "{spec}: only {known} of {} known",
                w.len()
            );
        }
    }
}
