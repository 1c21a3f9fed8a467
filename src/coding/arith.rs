//! A Witten-Neal-Cleary binary arithmetic coder over [`FreqTable`]s, with a 32-bit integer state
//! and pending (underflow) bits, and the exact number of bits needed to stop at any point.
//!
//! ## State and the interval it represents
//! `low` and `high` are `P = 32`-bit integers, `high` inclusive. After every encoded symbol the
//! state is renormalized so that `low < HALF <= high` and `high - low >= QUARTER`; `pending` counts
//! the underflow expansions not yet resolved into an output bit, and `emitted` counts the bits
//! already written. With `B` the emitted bits read as a binary fraction, the real interval the
//! coder stands for is
//!
//! `B + 2^-emitted * [1/2 + (low/2^P - 1/2)/2^pending, 1/2 + ((high+1)/2^P - 1/2)/2^pending)`.
//!
//! ## Bits needed to stop here
//! The smallest `k` such that a dyadic interval `[m/2^k, (m+1)/2^k)` lies inside that interval.
//! Since 1/2 lies strictly inside the bracket (the renormalization invariant), and no dyadic
//! interval shorter than the whole `[0,1)` has 1/2 strictly inside, the best dyadic either starts
//! at 1/2 (code: emitted bits, `1`, zeros) or ends at 1/2 (emitted bits, `0`, ones). Its level
//! beyond `emitted` is `P + pending - floor(log2(high + 1 - HALF))` on the right and
//! `P + pending - floor(log2(HALF - low))` on the left; the only exception is the untouched
//! full interval `[0,1)`, which needs nothing more. Emitting those bits and padding with zeros
//! decodes correctly, because the padded value is the dyadic interval's left end.

use super::bits::BitReader;
use super::freq::FreqTable;

/// Bits of the coder's registers.
pub const STATE_BITS: u32 = 32;
const FULL: u64 = (1u64 << STATE_BITS) - 1;
const HALF: u64 = 1u64 << (STATE_BITS - 1);
const QUARTER: u64 = 1u64 << (STATE_BITS - 2);

/// The complete state of the encoder (copyable, so a candidate byte is tried on a copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoderState {
    /// Lower bound of the register interval (inclusive).
    pub low: u64,
    /// Upper bound of the register interval (inclusive).
    pub high: u64,
    /// Underflow expansions whose bit is not decided yet.
    pub pending: u64,
    /// Bits already output.
    pub emitted: u64,
}

impl Default for CoderState {
    fn default() -> Self {
        CoderState {
            low: 0,
            high: FULL,
            pending: 0,
            emitted: 0,
        }
    }
}

/// The code that stops the coder at its current state: `extra` bits after the emitted ones,
/// `first_bit` followed by `extra - 1` copies of `!first_bit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopCode {
    /// Bits to add after the emitted ones (0 for the untouched full interval).
    pub extra: u64,
    /// The first of those bits.
    pub first_bit: bool,
}

impl CoderState {
    /// True for the untouched interval `[0, 1)`.
    pub fn is_full(&self) -> bool {
        self.low == 0 && self.high == FULL && self.pending == 0
    }

    /// The shortest code that stops here (see the module docs). Ties prefer the right-hand
    /// candidate (`1` then zeros).
    pub fn stop_code(&self) -> StopCode {
        if self.is_full() {
            return StopCode {
                extra: 0,
                first_bit: false,
            };
        }
        debug_assert!(self.low < HALF && HALF <= self.high);
        let p_u = STATE_BITS as u64 + self.pending;
        let right = p_u - (self.high + 1 - HALF).ilog2() as u64;
        let left = p_u - (HALF - self.low).ilog2() as u64;
        if right <= left {
            StopCode {
                extra: right,
                first_bit: true,
            }
        } else {
            StopCode {
                extra: left,
                first_bit: false,
            }
        }
    }

    /// Total bits needed to stop here: emitted bits plus the stop code.
    #[inline]
    pub fn bits_needed(&self) -> u64 {
        self.emitted + self.stop_code().extra
    }

    /// Encodes byte `sym` with `table`, calling `emit` for every output bit.
    #[inline]
    pub fn encode_with<F: FnMut(bool)>(&mut self, table: &FreqTable, sym: u8, emit: F) {
        self.encode_slot_with(
            table.cum_low(sym),
            table.cum_high(sym),
            table.precision(),
            emit,
        );
    }

    /// Encodes the slot `[cum_low, cum_high)` of a table of precision `beta` (what
    /// [`CoderState::encode_with`] does with a symbol's slot), calling `emit` for every output
    /// bit: a caller that kept a byte's slot can code it again without its table.
    #[inline]
    pub fn encode_slot_with<F: FnMut(bool)>(
        &mut self,
        cum_low: u32,
        cum_high: u32,
        beta: u32,
        mut emit: F,
    ) {
        let range = self.high - self.low + 1;
        // Invariant before the update: low <= high, range > QUARTER (or the full start range),
        // and every slot gets at least range * 1 / 2^β >= 2^14 register units.
        debug_assert!(self.low <= self.high && self.high <= FULL && range > QUARTER);
        debug_assert!(cum_low < cum_high && cum_high <= 1u32 << beta);
        let new_high = self.low + ((range * cum_high as u64) >> beta) - 1;
        let new_low = self.low + ((range * cum_low as u64) >> beta);
        self.low = new_low;
        self.high = new_high;
        debug_assert!(self.low <= self.high);
        loop {
            if self.high < HALF {
                self.output(false, &mut emit);
            } else if self.low >= HALF {
                self.output(true, &mut emit);
                self.low -= HALF;
                self.high -= HALF;
            } else if self.low >= QUARTER && self.high < 3 * QUARTER {
                self.pending += 1;
                self.low -= QUARTER;
                self.high -= QUARTER;
            } else {
                break;
            }
            self.low <<= 1;
            self.high = (self.high << 1) | 1;
        }
        // Invariant after renormalization: low < HALF <= high, so 1/2 lies strictly inside.
        debug_assert!(self.low < HALF && HALF <= self.high && self.high <= FULL);
    }

    #[inline]
    fn output<F: FnMut(bool)>(&mut self, bit: bool, emit: &mut F) {
        emit(bit);
        for _ in 0..self.pending {
            emit(!bit);
        }
        self.emitted += 1 + self.pending;
        self.pending = 0;
    }

    /// The state after encoding `sym`, without output (for trying a candidate byte).
    #[inline]
    pub fn after(&self, table: &FreqTable, sym: u8) -> CoderState {
        let mut s = *self;
        s.encode_with(table, sym, |_| {});
        s
    }

    /// Calls `emit` with the stop code's bits (after this, `emitted` bits + stop code is the
    /// complete code).
    pub fn finish_with<F: FnMut(bool)>(&self, mut emit: F) -> u64 {
        let code = self.stop_code();
        if code.extra > 0 {
            emit(code.first_bit);
            for _ in 1..code.extra {
                emit(!code.first_bit);
            }
        }
        code.extra
    }

    /// The real interval `[lo, hi)` this state stands for, relative to the emitted prefix, as
    /// `f64` (for display only; exact values are the integer fields).
    pub fn relative_interval(&self) -> (f64, f64) {
        let p = 2f64.powi(STATE_BITS as i32);
        let scale = 2f64.powi(-(self.pending.min(1000) as i32));
        let lo = 0.5 + (self.low as f64 / p - 0.5) * scale;
        let hi = 0.5 + ((self.high + 1) as f64 / p - 0.5) * scale;
        (lo, hi)
    }
}

/// An encoder writing into a [`super::BitWriter`].
#[derive(Debug, Clone, Default)]
pub struct Encoder {
    /// The coder state.
    pub state: CoderState,
    /// The output so far.
    pub out: super::BitWriter,
}

impl Encoder {
    /// A fresh encoder on `[0, 1)`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Encodes one byte.
    #[inline]
    pub fn encode(&mut self, table: &FreqTable, sym: u8) {
        let out = &mut self.out;
        self.state.encode_with(table, sym, |b| out.push(b));
    }

    /// Appends the stop code and returns the complete code.
    pub fn finish(mut self) -> super::BitWriter {
        let out = &mut self.out;
        self.state.finish_with(|b| out.push(b));
        self.out
    }
}

/// The decoder mirroring [`CoderState::encode_with`]; reads zeros past the end of its bits.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    low: u64,
    high: u64,
    value: u64,
    reader: BitReader<'a>,
}

impl<'a> Decoder<'a> {
    /// Starts decoding from a bit reader.
    pub fn new(mut reader: BitReader<'a>) -> Self {
        let mut value = 0u64;
        for _ in 0..STATE_BITS {
            value = (value << 1) | reader.next_bit() as u64;
        }
        Decoder {
            low: 0,
            high: FULL,
            value,
            reader,
        }
    }

    /// Decodes one byte. Any bit string decodes to some bytes: this never fails or panics, and
    /// it is the caller's job (checksums, counts) to detect wrong data.
    #[inline]
    pub fn decode(&mut self, table: &FreqTable) -> u8 {
        let range = self.high - self.low + 1;
        let beta = table.precision();
        // Invariant: low <= value <= high, so target < 2^β.
        debug_assert!(self.low <= self.value && self.value <= self.high);
        let target = (((self.value - self.low + 1) << beta) - 1) / range;
        let sym = table.symbol_at(target as u32);
        let new_high = self.low + ((range * table.cum_high(sym) as u64) >> beta) - 1;
        let new_low = self.low + ((range * table.cum_low(sym) as u64) >> beta);
        self.low = new_low;
        self.high = new_high;
        loop {
            if self.high < HALF {
            } else if self.low >= HALF {
                self.low -= HALF;
                self.high -= HALF;
                self.value -= HALF;
            } else if self.low >= QUARTER && self.high < 3 * QUARTER {
                self.low -= QUARTER;
                self.high -= QUARTER;
                self.value -= QUARTER;
            } else {
                break;
            }
            self.low <<= 1;
            self.high = (self.high << 1) | 1;
            self.value = (self.value << 1) | self.reader.next_bit() as u64;
        }
        sym
    }
}

#[cfg(test)]
mod tests {
    use super::super::{quantize, BitWriter};
    use super::*;

    #[test]
    fn full_interval_needs_no_bits() {
        assert_eq!(CoderState::default().bits_needed(), 0);
    }

    #[test]
    fn uniform_bytes_need_eight_bits_each() {
        // Uniform at any β: each byte is a dyadic interval of width 2^-8, so n bytes need 8n bits
        // and the code is the bytes themselves.
        let table = quantize(&[1.0; 256], 12).unwrap();
        let mut enc = Encoder::new();
        let data = [0x41u8, 0xFF, 0x00, 0x80];
        for (i, &b) in data.iter().enumerate() {
            enc.encode(&table, b);
            assert_eq!(enc.state.bits_needed(), 8 * (i as u64 + 1));
        }
        let code = enc.finish();
        assert_eq!(code.as_bytes(), &data);
        let w = BitWriter::from_bytes(&data, 32);
        let mut dec = Decoder::new(BitReader::new(&w, 0, 32));
        for &b in &data {
            assert_eq!(dec.decode(&table), b);
        }
    }
}
