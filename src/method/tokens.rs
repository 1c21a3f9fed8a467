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
    let tb = token_bits.clamp(1, 32);
    let n = bits.len().div_ceil(tb as u64) as usize;
    let bytes = bits.as_bytes();
    let mut out = Vec::with_capacity(n);
    // A byte at a time into `acc`, whose low `have` bits are the next ones (bits past the end
    // of the stream are zero).
    let (mut acc, mut have, mut next) = (0u64, 0u32, 0usize);
    for _ in 0..n {
        while have < tb {
            acc = (acc << 8) | bytes.get(next).copied().unwrap_or(0) as u64;
            next += 1;
            have += 8;
        }
        have -= tb;
        out.push(((acc >> have) & ((1u64 << tb) - 1)) as u32);
        acc &= (1u64 << have) - 1;
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-wise cut gives each token's bits read one by one, for every token size and
    /// stream length (a partial last token zero-padded), and round-trips through
    /// [`tokens_to_bits`].
    #[test]
    fn tokens_are_the_bits_read_one_by_one() {
        let mut x: u64 = 0x1319_8a2e_0370_7344;
        let mut w = BitWriter::new();
        for _ in 0..203 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            w.push(x & 1 == 1);
        }
        for tb in 1..=16u32 {
            for len in [0u64, 1, 7, 8, 9, 15, 16, 17, 64, 100, 203] {
                let mut part = w.clone();
                part.truncate(len);
                let want: Vec<u32> = (0..len.div_ceil(tb as u64))
                    .map(|t| {
                        (0..tb as u64)
                            .fold(0u32, |v, i| (v << 1) | part.get(t * tb as u64 + i) as u32)
                    })
                    .collect();
                let got = bits_to_tokens(&part, tb);
                assert_eq!(got, want, "tb={tb} len={len}");
                if len.is_multiple_of(tb as u64) {
                    assert_eq!(tokens_to_bits(&got, tb), part, "tb={tb} len={len}");
                }
            }
        }
    }
}
