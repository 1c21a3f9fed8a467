//! The per-byte trace the GUI draws: for each byte its probability, quantized frequency, the coder
//! interval before and after, the bits emitted while coding it and its window. Recorded only when
//! asked for (it costs a copy of the model's distribution per byte).

use super::{Encoded, MethodKind};
use crate::coding::{quantize, CoderState, FreqTable};
use std::ops::Range;

/// What happened when one byte was coded.
#[derive(Debug, Clone, PartialEq)]
pub struct ByteTrace {
    /// The byte.
    pub byte: u8,
    /// The model's probability of it.
    pub prob: f32,
    /// Its quantized frequency (out of 2^β).
    pub freq: u32,
    /// Cumulative frequency below it.
    pub cum_low: u32,
    /// 0 for the model's most probable byte, 1 for the next, ...
    pub rank: u16,
    /// Coder state before coding it (relative to its window's start).
    pub before: CoderState,
    /// Coder state after coding it.
    pub after: CoderState,
    /// Positions in the whole bit stream of the bits emitted while coding it (for a window's last
    /// byte this includes the stop code; padding belongs to no byte).
    pub bits: Range<u64>,
    /// Its window.
    pub window: usize,
}

/// The per-byte trace of a whole input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// One entry per input byte (for the AC methods; empty for Bytes and GZip).
    pub bytes: Vec<ByteTrace>,
    /// The model distribution used for each byte, 256 values per byte.
    pub dists: Vec<f32>,
    /// Precision β of the quantized tables.
    pub precision: u32,
}

impl Trace {
    /// The model distribution used for byte `i`.
    pub fn dist(&self, i: usize) -> &[f32] {
        &self.dists[i * 256..(i + 1) * 256]
    }

    /// The quantized table used for byte `i` (recomputed with the same function as the coder).
    pub fn table(&self, i: usize) -> Option<FreqTable> {
        quantize(self.dist(i), self.precision).ok()
    }

    /// The `n` most probable bytes for byte `i`, most probable first (ties: smaller byte).
    pub fn top(&self, i: usize, n: usize) -> Vec<(u8, f32)> {
        let d = self.dist(i);
        let mut idx: Vec<u8> = (0..=255u8).collect();
        idx.sort_by(|&a, &b| d[b as usize].total_cmp(&d[a as usize]).then(a.cmp(&b)));
        idx.into_iter()
            .take(n)
            .map(|s| (s, d[s as usize]))
            .collect()
    }
}

/// The one byte <-> bit <-> token alignment, shared by the statistics, the live view and the
/// exports.
///
/// A byte owns the bits emitted while coding it (a window's last byte also owns the stop code;
/// see [`ByteTrace::bits`]). A token's bytes are those owning one of its bits, and, for every
/// window that meets the token with padding only, that window's last byte: padding exists
/// because of what the window holds, so a token of padding only belongs to the window's last
/// byte rather than to nothing. A byte whose bits straddle two tokens belongs to both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alignment {
    /// Per byte, its bits in the whole stream.
    byte_bits: Vec<Range<u64>>,
    /// Per window (in stream order): its bytes and its bits (code and padding).
    windows: Vec<(Range<usize>, Range<u64>)>,
    token_bits: u32,
}

impl Alignment {
    /// An alignment from each byte's bit range and each window's bytes and bits (both in stream
    /// order, absolute positions).
    pub fn new(
        byte_bits: Vec<Range<u64>>,
        windows: Vec<(Range<usize>, Range<u64>)>,
        token_bits: u32,
    ) -> Self {
        Alignment {
            byte_bits,
            windows,
            token_bits: token_bits.max(1),
        }
    }

    /// Token size in bits.
    pub fn token_bits(&self) -> u32 {
        self.token_bits
    }

    /// The bits byte `i` owns.
    pub fn bits_of_byte(&self, i: usize) -> Option<Range<u64>> {
        self.byte_bits.get(i).cloned()
    }

    /// The window holding byte `i`.
    pub fn window_of_byte(&self, i: usize) -> Option<usize> {
        let w = self.windows.partition_point(|(b, _)| b.end <= i);
        self.windows
            .get(w)
            .filter(|(b, _)| b.contains(&i))
            .map(|_| w)
    }

    /// The bytes of token `t` (see the type's docs; empty when the token meets no window).
    pub fn bytes_of_token(&self, t: usize) -> Range<usize> {
        let bits = super::tokens::token_bit_range(t, self.token_bits);
        let mut first = usize::MAX;
        let mut last = 0usize;
        let w0 = self.windows.partition_point(|(_, b)| b.end <= bits.start);
        for (bytes, wbits) in self.windows.iter().skip(w0) {
            if wbits.start >= bits.end {
                break;
            }
            let mut any = false;
            let own = self.byte_bits.get(bytes.clone()).unwrap_or_default();
            // Bit ranges are monotonic within a window: skip to the first that can meet.
            let j0 = own.partition_point(|r| r.end <= bits.start);
            for (j, r) in own.iter().enumerate().skip(j0) {
                if r.start >= bits.end {
                    break;
                }
                if r.start < r.end {
                    first = first.min(bytes.start + j);
                    last = last.max(bytes.start + j + 1);
                    any = true;
                }
            }
            if !any && !bytes.is_empty() {
                first = first.min(bytes.end - 1);
                last = last.max(bytes.end);
            }
        }
        if first == usize::MAX {
            0..0
        } else {
            first..last
        }
    }

    /// The tokens of the bytes `bytes`: those meeting the bits the bytes own, plus the padding
    /// tokens of a window whose last byte is the range's last byte (the inverse of
    /// [`Alignment::bytes_of_token`] on whole windows).
    pub fn tokens_of_bytes(&self, bytes: Range<usize>) -> Range<usize> {
        if bytes.is_empty() {
            return 0..0;
        }
        let (Some(first), Some(last)) = (
            self.byte_bits.get(bytes.start),
            self.byte_bits.get(bytes.end - 1),
        ) else {
            return 0..0;
        };
        let lo = first.start;
        let mut hi = last.end;
        if let Some(w) = self.window_of_byte(bytes.end - 1) {
            let (wb, wbits) = &self.windows[w];
            if wb.end == bytes.end {
                hi = hi.max(wbits.end);
            }
        }
        if hi <= lo {
            return 0..0;
        }
        super::tokens::tokens_covering(lo..hi, self.token_bits)
    }

    /// [`Alignment::bytes_of_token`] of each of the first `n_tokens` tokens.
    pub fn token_spans(&self, n_tokens: usize) -> Vec<Range<usize>> {
        (0..n_tokens).map(|t| self.bytes_of_token(t)).collect()
    }
}

/// The per-byte emitted bit ranges of an encoding: from its trace for the AC methods, computed for
/// Bytes and Subword (every byte of a token gets the token's bits); None for GZip (no
/// byte-to-bit alignment) or an untraced AC encoding.
pub fn byte_bit_ranges(enc: &Encoded) -> Option<Vec<Range<u64>>> {
    match enc.config.method {
        MethodKind::Bytes => {
            let mut out = vec![0..0; enc.input_len];
            for ex in &enc.examples {
                for (k, i) in ex.bytes.clone().enumerate() {
                    if let Some(slot) = out.get_mut(i) {
                        let s = ex.bit_start + 8 * k as u64;
                        *slot = s..s + 8;
                    }
                }
            }
            Some(out)
        }
        MethodKind::Gzip => None,
        MethodKind::Subword => super::subword::byte_bit_ranges(enc),
        _ => {
            let t = enc.trace.as_ref()?;
            if t.bytes.len() != enc.input_len {
                return None;
            }
            Some(t.bytes.iter().map(|b| b.bits.clone()).collect())
        }
    }
}

/// Rank of `byte` in `dist` (number of bytes strictly more probable, ties by smaller value).
pub(crate) fn rank_of(dist: &[f32], byte: u8) -> u16 {
    let p = dist[byte as usize];
    dist.iter()
        .enumerate()
        .filter(|&(s, &q)| q > p || (q == p && s < byte as usize))
        .count() as u16
}
