//! MSB-first bit streams. Bits past the end of a reader's stream read as zero (the padding rule
//! of the coder: a code is always completed with zeros).

/// Appends bits MSB-first into bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BitWriter {
    bytes: Vec<u8>,
    len: u64,
}

impl BitWriter {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one bit (any non-zero value is a 1).
    #[inline]
    pub fn push(&mut self, bit: bool) {
        // Invariant: bytes.len() == ceil(len / 8), unused low bits of the last byte are zero.
        let off = (self.len & 7) as u32;
        if off == 0 {
            self.bytes.push((bit as u8) << 7);
        } else if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 0x80 >> off;
            }
        }
        self.len += 1;
    }

    /// Appends `n` copies of `bit`.
    pub fn push_run(&mut self, bit: bool, n: u64) {
        for _ in 0..n {
            self.push(bit);
        }
    }

    /// Appends the low `n` bits of `value`, most significant first (`n` at most 64).
    pub fn push_bits(&mut self, value: u64, n: u32) {
        for i in (0..n).rev() {
            self.push((value >> i) & 1 == 1);
        }
    }

    /// Appends all bits of another stream (a byte at a time: each of its bytes lands shifted
    /// across the current last byte and a new one).
    pub fn extend(&mut self, other: &BitWriter) {
        let off = (self.len & 7) as u32;
        if off == 0 {
            self.bytes.extend_from_slice(&other.bytes);
        } else {
            self.bytes.reserve(other.bytes.len());
            for &b in &other.bytes {
                if let Some(last) = self.bytes.last_mut() {
                    *last |= b >> off;
                }
                self.bytes.push(b << (8 - off));
            }
        }
        self.len += other.len;
        // At most one byte too many, holding only bits past the end (zeros, by the invariant).
        self.bytes.truncate(self.len.div_ceil(8) as usize);
    }

    /// Number of bits written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when no bit was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bit `i` (false past the end).
    #[inline]
    pub fn get(&self, i: u64) -> bool {
        if i >= self.len {
            return false;
        }
        self.bytes[(i / 8) as usize] & (0x80 >> (i % 8)) != 0
    }

    /// Drops bits beyond `len`.
    pub fn truncate(&mut self, len: u64) {
        if len >= self.len {
            return;
        }
        self.len = len;
        self.bytes.truncate(len.div_ceil(8) as usize);
        if !len.is_multiple_of(8) {
            if let Some(last) = self.bytes.last_mut() {
                *last &= 0xFFu8 << (8 - len % 8);
            }
        }
    }

    /// The packed bytes (the last one zero-padded).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Builds from packed bytes and a bit length (bits beyond `len` are cleared).
    pub fn from_bytes(bytes: &[u8], len: u64) -> Self {
        let mut bytes = bytes.to_vec();
        bytes.resize(len.div_ceil(8) as usize, 0);
        if !len.is_multiple_of(8) {
            if let Some(last) = bytes.last_mut() {
                *last &= 0xFFu8 << (8 - len % 8);
            }
        }
        BitWriter { bytes, len }
    }

    /// The bits as a string of '0' and '1'.
    pub fn to_bit_string(&self) -> String {
        (0..self.len)
            .map(|i| if self.get(i) { '1' } else { '0' })
            .collect()
    }
}

/// Reads bits MSB-first from a slice of a bit stream; past the end it yields zeros.
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    bits: &'a BitWriter,
    pos: u64,
    end: u64,
}

impl<'a> BitReader<'a> {
    /// Reads bits `start..end` of `bits`.
    pub fn new(bits: &'a BitWriter, start: u64, end: u64) -> Self {
        BitReader {
            bits,
            pos: start,
            end: end.min(bits.len()),
        }
    }

    /// The next bit, or zero past the end.
    #[inline]
    pub fn next_bit(&mut self) -> bool {
        let b = self.pos < self.end && self.bits.get(self.pos);
        self.pos += 1;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_bytes_clears_bits_past_the_end() {
        let w = BitWriter::from_bytes(&[0xFF, 0xFF], 10);
        assert_eq!(w.as_bytes(), &[0xFF, 0xC0]);
        assert_eq!(w.to_bit_string(), "1111111111");
        let mut v = BitWriter::new();
        v.push_bits(0x3FF, 10);
        assert_eq!(v, w);
        v.push(true);
        assert_eq!(v.as_bytes(), &[0xFF, 0xE0]);
    }

    /// The byte-wise `extend` gives what pushing the other stream's bits one by one gives, for
    /// every offset and length (the invariant included: bytes past the end stay zero).
    #[test]
    fn extend_equals_pushing_bit_by_bit() {
        let mut x: u64 = 0x243f_6a88_85a3_08d3;
        let mut bit = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x & 1 == 1
        };
        for a in 0..20u64 {
            for b in 0..20u64 {
                let mut left = BitWriter::new();
                (0..a).for_each(|_| left.push(bit()));
                let mut right = BitWriter::new();
                (0..b).for_each(|_| right.push(bit()));
                let mut want = left.clone();
                for i in 0..right.len() {
                    want.push(right.get(i));
                }
                let mut got = left.clone();
                got.extend(&right);
                assert_eq!(got, want, "{a} + {b} bits");
                assert_eq!(got.as_bytes().len() as u64, (a + b).div_ceil(8));
            }
        }
    }
}
