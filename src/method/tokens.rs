//! Bits to tokens and back, and the bit range of a token (the byte <-> token alignment is
//! [`super::trace::Alignment`]).
//!
//! Tokens are consecutive `token_bits`-bit slices of the bit stream, MSB first; a token's id is the
//! unsigned integer of its bits. When the window size is not a multiple of the token size, tokens
//! straddle windows (paper: b = 24 with 16-bit tokens).

use crate::coding::BitWriter;
use std::ops::Range;

/// Cuts a bit stream into tokens of `token_bits` bits (the stream length must be a multiple of it;
/// a partial last token is zero-padded).
pub fn bits_to_tokens(bits: &BitWriter, token_bits: u32) -> Vec<u32> {
    let tb = token_bits as u64;
    let n = bits.len().div_ceil(tb);
    (0..n)
        .map(|t| {
            let mut v = 0u32;
            for i in 0..tb {
                v = (v << 1) | bits.get(t * tb + i) as u32;
            }
            v
        })
        .collect()
}

/// The bit stream of a token sequence.
pub fn tokens_to_bits(tokens: &[u32], token_bits: u32) -> BitWriter {
    let mut w = BitWriter::new();
    for &t in tokens {
        w.push_bits(t as u64, token_bits);
    }
    w
}

/// The token indices whose bits intersect `bits` (a half-open bit range).
pub fn tokens_covering(bits: Range<u64>, token_bits: u32) -> Range<usize> {
    if bits.is_empty() {
        return 0..0;
    }
    let tb = token_bits as u64;
    (bits.start / tb) as usize..bits.end.div_ceil(tb) as usize
}

/// The bit range of token `t`.
pub fn token_bit_range(t: usize, token_bits: u32) -> Range<u64> {
    let tb = token_bits as u64;
    t as u64 * tb..(t as u64 + 1) * tb
}
