//! The per-byte trace the GUI draws: for each byte its probability, quantized frequency, the coder
//! interval before and after, the bits emitted while coding it and its window. Recorded only when
//! asked for; the model's whole distribution of each byte only when asked for too (a copy of
//! 256 floats a byte: the live view recomputes it on demand instead, see
//! [`crate::live::window_dists`]).

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
    /// Entropy of the model's distribution for it, in nats (the entropy track and colours).
    pub entropy: f64,
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

/// How the positions in an [`Alignment`]'s ranges map onto the token stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BitOrder {
    /// Positions are token-stream positions (every method but GZip).
    #[default]
    Stream,
    /// Positions are DEFLATE bit positions from each window's start (GZip): bit `k` of a window
    /// is token-stream bit `start + (k ^ 7)`, see [`super::deflate_trace::stream_ranges`].
    /// Windows start on a token boundary and hold whole bytes, so their ranges are the same in
    /// both orders.
    Deflate,
}

/// Bits owned by no input byte: a DEFLATE block header with its Huffman tables, an end-of-block
/// code, the zlib header or trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overhead {
    /// Its bits (in the alignment's [`BitOrder`]).
    pub bits: Range<u64>,
    /// The first input byte after it (where a view draws it).
    pub before_byte: usize,
    /// What it is, in words.
    pub label: String,
}

/// The one byte <-> bit <-> token alignment, shared by the statistics, the live view, the
/// Compare tab and the exports.
///
/// A byte owns the bits emitted while coding it (a window's last byte also owns the stop code;
/// see [`ByteTrace::bits`]; a subword token's bytes all own the token's bits; a DEFLATE
/// literal's byte owns the literal's code, and every byte a match copies owns the whole match).
/// A token's bytes are those owning one of its bits, and, in an alignment without
/// [`Overhead`], for every window that meets the token with padding only, that window's last
/// byte: padding exists because of what the window holds, so a token of padding only belongs to
/// the window's last byte rather than to nothing. A byte whose bits straddle two tokens belongs
/// to both. In an alignment with overhead (GZip) every code bit is a byte's or an overhead
/// span's, and a token of overhead only has no bytes ([`Alignment::overhead_of_token`] says
/// what it holds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alignment {
    /// Per byte, its bits in the whole stream.
    byte_bits: Vec<Range<u64>>,
    /// Per window (in stream order): its bytes and its bits (code and padding).
    windows: Vec<(Range<usize>, Range<u64>)>,
    token_bits: u32,
    order: BitOrder,
    /// Sorted by bits.
    overhead: Vec<Overhead>,
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
            order: BitOrder::Stream,
            overhead: Vec::new(),
        }
    }

    /// An alignment whose byte and overhead ranges are DEFLATE positions ([`BitOrder::Deflate`]).
    pub fn deflate(
        byte_bits: Vec<Range<u64>>,
        windows: Vec<(Range<usize>, Range<u64>)>,
        token_bits: u32,
        overhead: Vec<Overhead>,
    ) -> Self {
        Alignment {
            order: BitOrder::Deflate,
            overhead,
            ..Alignment::new(byte_bits, windows, token_bits)
        }
    }

    /// Each byte's bits, as given to [`Alignment::new`].
    pub fn byte_bit_ranges(&self) -> &[Range<u64>] {
        &self.byte_bits
    }

    /// Token size in bits.
    pub fn token_bits(&self) -> u32 {
        self.token_bits
    }

    /// How the ranges map onto the token stream.
    pub fn order(&self) -> BitOrder {
        self.order
    }

    /// True when the alignment has per-byte bits (false for an AC method analysed without them).
    pub fn has_bytes(&self) -> bool {
        !self.byte_bits.is_empty()
    }

    /// The bits byte `i` owns (in the alignment's [`BitOrder`]).
    pub fn bits_of_byte(&self, i: usize) -> Option<Range<u64>> {
        self.byte_bits.get(i).cloned()
    }

    /// The bits owned by no byte, in stream order.
    pub fn overhead(&self) -> &[Overhead] {
        &self.overhead
    }

    /// The window holding byte `i`.
    pub fn window_of_byte(&self, i: usize) -> Option<usize> {
        let w = self.windows.partition_point(|(b, _)| b.end <= i);
        self.windows
            .get(w)
            .filter(|(b, _)| b.contains(&i))
            .map(|_| w)
    }

    /// Token-stream bits `r` (inside window `w`) in the alignment's order: one range, or for
    /// DEFLATE order up to three.
    fn own_parts(&self, w_start: u64, r: Range<u64>) -> Vec<Range<u64>> {
        match self.order {
            BitOrder::Stream => vec![r],
            BitOrder::Deflate => {
                let local = r.start.saturating_sub(w_start)..r.end.saturating_sub(w_start);
                super::deflate_trace::stream_ranges(local)
                    .into_iter()
                    .map(|p| p.start + w_start..p.end + w_start)
                    .collect()
            }
        }
    }

    /// The token-stream hull of bits `own` (in the alignment's order) of window `w` (an empty
    /// range stays empty, at its byte's start for DEFLATE order).
    fn stream_hull(&self, w: Option<usize>, own: Range<u64>) -> Range<u64> {
        match self.order {
            BitOrder::Stream => own,
            BitOrder::Deflate => {
                let ws = w
                    .and_then(|w| self.windows.get(w))
                    .map(|(_, b)| b.start)
                    .unwrap_or(0);
                if own.is_empty() {
                    let p = ws + (own.start.saturating_sub(ws)) / 8 * 8;
                    return p..p;
                }
                // The map is its own inverse.
                let parts = self.own_parts(ws, own);
                let lo = parts.iter().map(|p| p.start).min().unwrap_or(0);
                let hi = parts.iter().map(|p| p.end).max().unwrap_or(0);
                lo..hi
            }
        }
    }

    /// Each window meeting token `t`, with the token's bits inside it (in the alignment's
    /// order, sorted).
    fn token_parts(&self, t: usize) -> Vec<(usize, Vec<Range<u64>>)> {
        let bits = super::tokens::token_bit_range(t, self.token_bits);
        let w0 = self.windows.partition_point(|(_, b)| b.end <= bits.start);
        let mut out = Vec::new();
        for (w, (_, wbits)) in self.windows.iter().enumerate().skip(w0) {
            if wbits.start >= bits.end {
                break;
            }
            let r = bits.start.max(wbits.start)..bits.end.min(wbits.end);
            if !r.is_empty() {
                out.push((w, self.own_parts(wbits.start, r)));
            }
        }
        out
    }

    /// The bytes of token `t` (see the type's docs; empty when the token meets no window, or
    /// only overhead).
    pub fn bytes_of_token(&self, t: usize) -> Range<usize> {
        let mut first = usize::MAX;
        let mut last = 0usize;
        for (w, parts) in self.token_parts(t) {
            let bytes = &self.windows[w].0;
            let lo = parts.iter().map(|p| p.start).min().unwrap_or(0);
            let hi = parts.iter().map(|p| p.end).max().unwrap_or(0);
            let meets = |r: &Range<u64>| parts.iter().any(|p| p.start < r.end && r.start < p.end);
            let mut any = false;
            let own = self.byte_bits.get(bytes.clone()).unwrap_or_default();
            // Bit ranges are monotonic within a window: skip to the first that can meet.
            let j0 = own.partition_point(|r| r.end <= lo);
            for (j, r) in own.iter().enumerate().skip(j0) {
                if r.start >= hi {
                    break;
                }
                if r.start < r.end && meets(r) {
                    first = first.min(bytes.start + j);
                    last = last.max(bytes.start + j + 1);
                    any = true;
                }
            }
            if !any && !bytes.is_empty() && self.overhead.is_empty() {
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

    /// The overhead spans token `t` holds bits of (empty for every method but GZip).
    pub fn overhead_of_token(&self, t: usize) -> Vec<&Overhead> {
        if self.overhead.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (_, parts) in self.token_parts(t) {
            let lo = parts.iter().map(|p| p.start).min().unwrap_or(0);
            let hi = parts.iter().map(|p| p.end).max().unwrap_or(0);
            let i0 = self.overhead.partition_point(|o| o.bits.end <= lo);
            for o in &self.overhead[i0..] {
                if o.bits.start >= hi {
                    break;
                }
                if parts
                    .iter()
                    .any(|p| p.start < o.bits.end && o.bits.start < p.end)
                {
                    out.push(o);
                }
            }
        }
        out
    }

    /// The tokens holding bits of overhead span `i`.
    pub fn tokens_of_overhead(&self, i: usize) -> Range<usize> {
        match self.overhead.get(i) {
            Some(o) => {
                // The window whose bits hold it (a trailer's `before_byte` is the next window's
                // first byte).
                let w = self.windows.partition_point(|(_, b)| b.end <= o.bits.start);
                let w = (w < self.windows.len()).then_some(w);
                super::tokens::tokens_covering(self.stream_hull(w, o.bits.clone()), self.token_bits)
            }
            None => 0..0,
        }
    }

    /// The tokens of the bytes `bytes`: those meeting the bits the bytes own, plus (without
    /// overhead) the padding tokens of a window whose last byte is the range's last byte (the
    /// inverse of [`Alignment::bytes_of_token`] on whole windows).
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
        let lo = self
            .stream_hull(self.window_of_byte(bytes.start), first.clone())
            .start;
        let w_last = self.window_of_byte(bytes.end - 1);
        let mut hi = self.stream_hull(w_last, last.clone()).end;
        if let Some(w) = w_last.filter(|_| self.overhead.is_empty()) {
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

/// The alignment of a GZip encoding, by tracing each window's zlib stream
/// ([`super::deflate_trace`]): `bits` is the encoding's bit stream and `windows` its windows
/// (one per example: its bytes and the bits of its zlib stream). When `text` is given, each
/// window's decoded bytes must be its bytes of the text.
pub fn gzip_alignment(
    bits: &crate::coding::BitWriter,
    windows: &[(Range<usize>, Range<u64>)],
    token_bits: u32,
    text: Option<&[u8]>,
) -> crate::Result<Alignment> {
    let n = windows.last().map(|(b, _)| b.end).unwrap_or(0);
    let mut byte_bits = vec![0..0; n];
    let mut overhead = Vec::new();
    for (bytes, wbits) in windows {
        let z = super::simple::bits_to_bytes(bits, wbits.start, wbits.end - wbits.start)?;
        let t = super::deflate_trace::trace_zlib(&z)?;
        if t.output.len() != bytes.len()
            || text.is_some_and(|x| x.get(bytes.clone()) != Some(&t.output[..]))
        {
            return Err(crate::Error::Corrupt(format!(
                "the zlib stream of bytes {}..{} does not decode to them",
                bytes.start, bytes.end
            )));
        }
        let ws = wbits.start;
        for s in t.spans {
            let own = ws + s.bits.start..ws + s.bits.end;
            if s.kind.is_overhead() {
                overhead.push(Overhead {
                    bits: own,
                    before_byte: bytes.start + s.out.start,
                    label: s.kind.describe(),
                });
            } else {
                let out = bytes.start + s.out.start..bytes.start + s.out.end;
                if let Some(slot) = byte_bits.get_mut(out) {
                    slot.fill(own);
                }
            }
        }
    }
    Ok(Alignment::deflate(
        byte_bits,
        windows.to_vec(),
        token_bits,
        overhead,
    ))
}

/// The per-byte emitted bit ranges of an encoding: from its trace for the AC methods, computed for
/// Bytes and Subword (every byte of a token gets the token's bits); None for GZip (its bits are
/// DEFLATE codes read least significant bit first, so a byte's bits are not one range of the
/// token stream: [`gzip_alignment`] aligns it) or an untraced AC encoding.
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
