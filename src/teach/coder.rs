//! The coder of [`crate::coding::arith`] again, one byte at a time, with every rescaling
//! recorded: the narrowing to the symbol's slot, then each E1 (the interval lies in the lower
//! half: emit 0), E2 (upper half: emit 1) and E3 (middle half, straddling 1/2: one more pending
//! bit), then the doubling. The same integer arithmetic (32-bit registers, `high` inclusive)
//! over any cumulative table (`cum[0] = 0 < cum[1] < ... < cum[n] = T`, `T <= 2^16`), so a
//! [`FreqTable`] (T = 2^β, 256 symbols) and a toy model of 2–8 symbols step the same way. The
//! tests check it against [`CoderState::encode_with`] and [`crate::coding::Decoder`] bit for bit.

use crate::coding::{CoderState, FreqTable};

/// Bits of the registers.
pub const STATE_BITS: u32 = 32;
/// The register value of 1 (exclusive top).
pub const ONE: u64 = 1 << STATE_BITS;
const FULL: u64 = ONE - 1;
/// 1/2 in register units.
pub const HALF: u64 = 1 << (STATE_BITS - 1);
/// 1/4 in register units.
pub const QUARTER: u64 = 1 << (STATE_BITS - 2);

/// Largest total of a cumulative table (keeps every slot at least 2^14 register units wide).
pub const MAX_TOTAL: u64 = 1 << 16;

/// One rescaling of the interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rescale {
    /// The interval lies in [0, 1/2): the next bit is 0 (then the pending bits as 1s).
    E1,
    /// The interval lies in [1/2, 1): the next bit is 1 (then the pending bits as 0s).
    E2,
    /// The interval lies in [1/4, 3/4): the next bit is not known yet; one more pending bit.
    E3,
}

impl Rescale {
    /// A short explanation.
    pub fn describe(self) -> &'static str {
        match self {
            Rescale::E1 => "E1: inside [0, ½): emit 0 (and each pending bit as 1), double",
            Rescale::E2 => {
                "E2: inside [½, 1): emit 1 (and each pending bit as 0), subtract ½, double"
            }
            Rescale::E3 => "E3: inside [¼, ¾): bit not known yet, pending + 1, subtract ¼, double",
        }
    }
}

/// One rescaling as it happened: the registers after it and the bits it emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescaleOp {
    /// Which.
    pub kind: Rescale,
    /// Registers after the doubling.
    pub low: u64,
    /// Registers after the doubling (inclusive).
    pub high: u64,
    /// Bits emitted by it (E1/E2: the bit and the resolved pending bits; E3: none).
    pub bits: Vec<bool>,
}

/// The symbol's slot in a cumulative table: `[cum_low, cum_high)` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// Cumulative count below the symbol.
    pub cum_low: u64,
    /// Cumulative count through the symbol.
    pub cum_high: u64,
    /// The table's total.
    pub total: u64,
}

impl Slot {
    /// Symbol `s`'s slot in `cum` (`cum.len()` = symbols + 1).
    pub fn of(cum: &[u64], s: usize) -> Option<Slot> {
        Some(Slot {
            cum_low: *cum.get(s)?,
            cum_high: *cum.get(s + 1)?,
            total: *cum.last()?,
        })
    }
}

/// The cumulative table of a [`FreqTable`] (257 entries).
pub fn cum_of(table: &FreqTable) -> Vec<u64> {
    let mut cum: Vec<u64> = (0..=255u8).map(|s| table.cum_low(s) as u64).collect();
    cum.push(table.total() as u64);
    cum
}

/// Narrows `[low, high]` to the slot (the coder's two lines, in this order).
pub fn narrow(low: u64, high: u64, slot: Slot) -> (u64, u64) {
    let range = high - low + 1;
    let new_high = low + range * slot.cum_high / slot.total - 1;
    let new_low = low + range * slot.cum_low / slot.total;
    (new_low, new_high)
}

/// One encoded symbol, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeStep {
    /// State before.
    pub before: CoderState,
    /// The slot coded.
    pub slot: Slot,
    /// Registers after narrowing, before any rescaling.
    pub narrowed: (u64, u64),
    /// The rescalings, in order.
    pub ops: Vec<RescaleOp>,
    /// State after.
    pub after: CoderState,
    /// Every bit emitted by this symbol.
    pub bits: Vec<bool>,
}

/// Encodes one slot from `state`, recording everything (see the module docs). A table whose
/// total is 0 or above [`MAX_TOTAL`], or an empty slot, leaves the state unchanged (no ops).
pub fn encode_step(state: CoderState, slot: Slot) -> EncodeStep {
    let mut s = state;
    let valid = slot.total > 0
        && slot.total <= MAX_TOTAL
        && slot.cum_low < slot.cum_high
        && slot.cum_high <= slot.total
        && s.low <= s.high
        && s.high <= FULL;
    if !valid {
        return EncodeStep {
            before: state,
            slot,
            narrowed: (s.low, s.high),
            ops: Vec::new(),
            after: state,
            bits: Vec::new(),
        };
    }
    let (low, high) = narrow(s.low, s.high, slot);
    s.low = low;
    s.high = high;
    let mut ops = Vec::new();
    let mut all = Vec::new();
    loop {
        let (kind, mut bits) = if s.high < HALF {
            (Rescale::E1, vec![false])
        } else if s.low >= HALF {
            s.low -= HALF;
            s.high -= HALF;
            (Rescale::E2, vec![true])
        } else if s.low >= QUARTER && s.high < 3 * QUARTER {
            s.low -= QUARTER;
            s.high -= QUARTER;
            s.pending += 1;
            (Rescale::E3, Vec::new())
        } else {
            break;
        };
        if kind != Rescale::E3 {
            let bit = kind == Rescale::E2;
            bits.extend(std::iter::repeat_n(!bit, s.pending as usize));
            s.emitted += 1 + s.pending;
            s.pending = 0;
        }
        s.low <<= 1;
        s.high = (s.high << 1) | 1;
        all.extend_from_slice(&bits);
        ops.push(RescaleOp {
            kind,
            low: s.low,
            high: s.high,
            bits,
        });
    }
    EncodeStep {
        before: state,
        slot,
        narrowed: (low, high),
        ops,
        after: s,
        bits: all,
    }
}

/// The bits of the stop code of `state` (after its emitted bits).
pub fn stop_bits(state: &CoderState) -> Vec<bool> {
    let mut v = Vec::new();
    state.finish_with(|b| v.push(b));
    v
}

/// One decoded symbol, step by step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeStep {
    /// Registers before: low, high (inclusive), and the code value (the next 32 bits).
    pub low: u64,
    /// See `low`.
    pub high: u64,
    /// See `low`.
    pub value: u64,
    /// Where the value falls on the table's scale, `floor(((value - low + 1)·T − 1) / range)`.
    pub target: u64,
    /// The symbol whose slot holds the target.
    pub symbol: usize,
    /// Its slot.
    pub slot: Slot,
    /// Registers after narrowing.
    pub narrowed: (u64, u64),
    /// The rescalings (the value follows the registers and takes in one new bit per doubling).
    pub ops: Vec<Rescale>,
    /// Registers after: low, high, value.
    pub after: (u64, u64, u64),
    /// Bits of the code read so far (32 at the start, one more per rescaling).
    pub bits_read: u64,
}

/// The decoder of [`crate::coding::Decoder`], recording its steps. Reads zeros past its bits.
#[derive(Debug, Clone)]
pub struct TracedDecoder {
    low: u64,
    high: u64,
    value: u64,
    bits: Vec<bool>,
    pos: u64,
}

impl TracedDecoder {
    /// Starts on `bits` (the first 32 become the value).
    pub fn new(bits: Vec<bool>) -> Self {
        let mut d = TracedDecoder {
            low: 0,
            high: FULL,
            value: 0,
            bits,
            pos: 0,
        };
        for _ in 0..STATE_BITS {
            d.value = (d.value << 1) | d.next_bit() as u64;
        }
        d
    }

    fn next_bit(&mut self) -> bool {
        let b = self.bits.get(self.pos as usize).copied().unwrap_or(false);
        self.pos += 1;
        b
    }

    /// Registers: low, high, value.
    pub fn registers(&self) -> (u64, u64, u64) {
        (self.low, self.high, self.value)
    }

    /// Decodes one symbol of the cumulative table `cum` (None for a malformed table).
    pub fn step(&mut self, cum: &[u64]) -> Option<DecodeStep> {
        let total = *cum.last()?;
        if cum.len() < 2 || total == 0 || total > MAX_TOTAL {
            return None;
        }
        let (low, high, value) = (self.low, self.high, self.value);
        let range = high - low + 1;
        let target = ((value - low + 1) * total - 1) / range;
        // Largest s with cum[s] <= target.
        let symbol = cum.partition_point(|&c| c <= target).saturating_sub(1);
        let symbol = symbol.min(cum.len() - 2);
        let slot = Slot::of(cum, symbol)?;
        let narrowed = narrow(low, high, slot);
        (self.low, self.high) = narrowed;
        let mut ops = Vec::new();
        loop {
            let kind = if self.high < HALF {
                Rescale::E1
            } else if self.low >= HALF {
                self.low -= HALF;
                self.high -= HALF;
                self.value -= HALF;
                Rescale::E2
            } else if self.low >= QUARTER && self.high < 3 * QUARTER {
                self.low -= QUARTER;
                self.high -= QUARTER;
                self.value -= QUARTER;
                Rescale::E3
            } else {
                break;
            };
            self.low <<= 1;
            self.high = (self.high << 1) | 1;
            self.value = (self.value << 1) | self.next_bit() as u64;
            ops.push(kind);
        }
        Some(DecodeStep {
            low,
            high,
            value,
            target,
            symbol,
            slot,
            narrowed,
            ops,
            after: (self.low, self.high, self.value),
            bits_read: self.pos,
        })
    }
}

/// The register interval `[low, high + 1)` as fractions of 1.
pub fn reg_interval(low: u64, high: u64) -> (f64, f64) {
    (low as f64 / ONE as f64, (high + 1) as f64 / ONE as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::{quantize, BitReader, BitWriter, Decoder, Encoder};
    use crate::rng::SplitMix64;

    fn random_table(rng: &mut SplitMix64, beta: u32) -> FreqTable {
        let skew = rng.next_u64() % 4;
        let p: Vec<f32> = (0..256)
            .map(|_| {
                let u = (rng.next_u64() % 1000) as f32 + 1.0;
                u.powi(skew as i32 + 1)
            })
            .collect();
        quantize(&p, beta).expect("table")
    }

    #[test]
    fn traced_encoder_matches_the_coder_bit_for_bit() {
        let mut rng = SplitMix64::new(7);
        for round in 0..40 {
            let beta = 10 + (round % 7) as u32;
            let mut enc = Encoder::new();
            let mut st = CoderState::default();
            let mut bits = Vec::new();
            for _ in 0..60 {
                let table = random_table(&mut rng, beta);
                let sym = (rng.next_u64() % 256) as u8;
                enc.encode(&table, sym);
                let cum = cum_of(&table);
                let step = encode_step(st, Slot::of(&cum, sym as usize).expect("slot"));
                assert_eq!(step.after, enc.state, "round {round}");
                bits.extend_from_slice(&step.bits);
                // E3 never emits; E1/E2 emit 1 + the pending bits.
                for op in &step.ops {
                    if op.kind == Rescale::E3 {
                        assert!(op.bits.is_empty());
                    } else {
                        assert_eq!(op.bits[0], op.kind == Rescale::E2);
                    }
                }
                st = step.after;
            }
            let out = enc.finish();
            let mut all = bits.clone();
            all.extend(stop_bits(&st));
            let want: Vec<bool> = (0..out.len()).map(|i| out.get(i)).collect();
            assert_eq!(all, want);
        }
    }

    #[test]
    fn traced_decoder_matches_the_decoder() {
        let mut rng = SplitMix64::new(11);
        for _ in 0..20 {
            let tables: Vec<FreqTable> = (0..50).map(|_| random_table(&mut rng, 12)).collect();
            let syms: Vec<u8> = (0..50).map(|_| (rng.next_u64() % 256) as u8).collect();
            let mut enc = Encoder::new();
            for (t, &s) in tables.iter().zip(&syms) {
                enc.encode(t, s);
            }
            let out: BitWriter = enc.finish();
            let bits: Vec<bool> = (0..out.len()).map(|i| out.get(i)).collect();
            let mut dec = Decoder::new(BitReader::new(&out, 0, out.len()));
            let mut traced = TracedDecoder::new(bits);
            for (t, &s) in tables.iter().zip(&syms) {
                let d = dec.decode(t);
                let step = traced.step(&cum_of(t)).expect("step");
                assert_eq!(d, s);
                assert_eq!(step.symbol, s as usize);
                assert!(step.slot.cum_low <= step.target && step.target < step.slot.cum_high);
            }
        }
    }

    #[test]
    fn dyadic_slots_return_to_the_full_interval() {
        // Hand-worked: counts 2:1:1 (a = [0,1/2), b = [1/2,3/4), c = [3/4,1)). From the full
        // interval, b narrows to [2^31, 3·2^30 − 1]: E2 (emit 1) then E1 (emit 0), back to full.
        let cum = [0u64, 2, 3, 4];
        let step = encode_step(CoderState::default(), Slot::of(&cum, 1).expect("slot"));
        assert_eq!(step.narrowed, (HALF, 3 * QUARTER - 1));
        let kinds: Vec<Rescale> = step.ops.iter().map(|o| o.kind).collect();
        assert_eq!(kinds, [Rescale::E2, Rescale::E1]);
        assert_eq!(step.bits, [true, false]);
        assert!(step.after.is_full());
        // Counts 1:2:1 and the middle symbol: [1/4, 3/4) straddles 1/2, an E3.
        let cum = [0u64, 1, 3, 4];
        let step = encode_step(CoderState::default(), Slot::of(&cum, 1).expect("slot"));
        assert_eq!(step.ops.len(), 1);
        assert_eq!(step.ops[0].kind, Rescale::E3);
        assert_eq!(step.after.pending, 1);
        assert!(step.bits.is_empty());
    }
}
