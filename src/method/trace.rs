//! The per-byte trace the GUI draws: for each byte its probability, quantized frequency, the coder
//! interval before and after, the bits emitted while coding it and its window. Recorded only when
//! asked for (it costs a copy of the model's distribution per byte).

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

impl Trace {
    /// For each of `n_tokens` tokens, the range of bytes whose emitted bits fall in it (empty for
    /// a token of padding only). A byte whose bits straddle two tokens belongs to both.
    pub fn token_spans(&self, n_tokens: usize, token_bits: u32) -> Vec<Range<usize>> {
        let mut spans: Vec<Option<Range<usize>>> = vec![None; n_tokens];
        for (i, b) in self.bytes.iter().enumerate() {
            let toks = crate::method::tokens::tokens_covering(b.bits.clone(), token_bits);
            let end = toks.end.min(n_tokens);
            for slot in spans.iter_mut().take(end).skip(toks.start) {
                let span = slot.get_or_insert(i..i + 1);
                span.start = span.start.min(i);
                span.end = span.end.max(i + 1);
            }
        }
        spans.into_iter().map(|s| s.unwrap_or(0..0)).collect()
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
