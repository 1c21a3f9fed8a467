//! Character-to-token alignment (paper Fig. 9 / App. C): do a character's bits fall inside one
//! token or straddle token boundaries?
//!
//! A character is a UTF-8 scalar of the input (an invalid byte counts as one character of its
//! own). Its bits are the union (smallest covering range) of the bit ranges its bytes emitted
//! (the per-byte ranges of the trace: for AC methods the bits output while coding the byte;
//! for Bytes the byte's own 8 bits). A character that emitted no bit at all is counted apart
//! (`chars_no_bits`): its information travels in bits emitted later. A character straddles when
//! its first and last bits lie in different tokens.
//!
//! `straddle_fraction = chars_straddling / chars` (all characters in the denominator).

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Alignment counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlignmentStats {
    /// Input bytes examined.
    pub bytes: u64,
    /// Characters examined.
    pub chars: u64,
    /// Characters whose bytes emitted no bit.
    pub chars_no_bits: u64,
    /// Characters whose bits lie inside one token.
    pub chars_one_token: u64,
    /// Characters whose bits straddle two or more tokens.
    pub chars_straddling: u64,
    /// Multi-byte characters examined.
    pub multibyte_chars: u64,
    /// Multi-byte characters that straddle.
    pub multibyte_straddling: u64,
    /// chars_straddling / chars.
    pub straddle_fraction: f64,
}

impl AlignmentStats {
    /// Adds counts and recomputes the fraction.
    pub fn merge(&mut self, o: &AlignmentStats) {
        self.bytes += o.bytes;
        self.chars += o.chars;
        self.chars_no_bits += o.chars_no_bits;
        self.chars_one_token += o.chars_one_token;
        self.chars_straddling += o.chars_straddling;
        self.multibyte_chars += o.multibyte_chars;
        self.multibyte_straddling += o.multibyte_straddling;
        self.refresh();
    }

    fn refresh(&mut self) {
        self.straddle_fraction = if self.chars == 0 {
            0.0
        } else {
            self.chars_straddling as f64 / self.chars as f64
        };
    }
}

/// Byte lengths of the characters of `data` in order (invalid bytes: length 1 each).
pub fn char_lengths(data: &[u8]) -> Vec<usize> {
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        out.extend(chunk.valid().chars().map(char::len_utf8));
        out.extend(std::iter::repeat_n(1, chunk.invalid().len()));
    }
    out
}

/// Alignment of `data` given each byte's emitted bit range and the token size.
/// `byte_bits.len()` must equal `data.len()` (extra entries are ignored, missing ones count as
/// bytes with no bit).
pub fn alignment(data: &[u8], byte_bits: &[Range<u64>], token_bits: u32) -> AlignmentStats {
    let tb = token_bits.max(1) as u64;
    let mut st = AlignmentStats {
        bytes: data.len() as u64,
        ..Default::default()
    };
    let mut pos = 0usize;
    for len in char_lengths(data) {
        let mut lo = u64::MAX;
        let mut hi = 0u64;
        for r in byte_bits.iter().skip(pos).take(len) {
            if !r.is_empty() {
                lo = lo.min(r.start);
                hi = hi.max(r.end);
            }
        }
        pos += len;
        st.chars += 1;
        let multi = len > 1;
        if multi {
            st.multibyte_chars += 1;
        }
        if lo >= hi {
            st.chars_no_bits += 1;
        } else if lo / tb == (hi - 1) / tb {
            st.chars_one_token += 1;
        } else {
            st.chars_straddling += 1;
            if multi {
                st.multibyte_straddling += 1;
            }
        }
    }
    st.refresh();
    st
}
