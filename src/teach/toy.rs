//! Toy mode: a small alphabet (2–8 symbols) with counts (or probabilities, turned into counts
//! over their common denominator), a typed message, the ideal interval in exact rational
//! arithmetic beside the 32-bit integer coder's, and the Equal-Info window rule on it.
//!
//! The integer coder is the project's (32-bit registers, E1/E2/E3, the same stop code), only
//! over the toy table: symbol `s` owns `[cum[s], cum[s+1])` of `T = Σ counts` (`T <= 2^16`).
//! The ideal interval of a message is the product of its probabilities as exact fractions;
//! the integer coder's interval (read exactly from its registers, pending bits included) lies
//! inside it, a little narrower where `range · cum / T` rounds down.

use super::coder::{encode_step, stop_bits, EncodeStep, Slot, MAX_TOTAL, STATE_BITS};
use crate::coding::CoderState;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};
use std::ops::Range;

/// Largest message (symbols) the toy mode codes.
pub const MAX_MESSAGE: usize = 512;

/// A bad toy model or message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToyError {
    /// The alphabet size is outside 2..=8.
    #[error("a toy alphabet has 2 to 8 symbols, not {0}")]
    AlphabetSize(usize),
    /// A symbol appears twice.
    #[error("symbol '{0}' appears twice in the alphabet")]
    Duplicate(char),
    /// The weights do not match the symbols, or one is not a positive number.
    #[error("{0}")]
    Weights(String),
    /// The counts add up to more than 2^16.
    #[error("the counts add up to {0}, more than 65536 (2^16); use smaller counts")]
    TooLarge(u64),
    /// A message character is not in the alphabet.
    #[error("'{0}' is not in the alphabet")]
    NotInAlphabet(char),
    /// The message is too long.
    #[error("the message has {0} symbols; the toy mode codes at most {MAX_MESSAGE}")]
    TooLong(usize),
    /// A symbol needs more than b bits on its own: no window can hold it.
    #[error("'{symbol}' needs {need} bits on its own, more than b = {b}: no window can hold it")]
    DoesNotFitAlone {
        /// The symbol.
        symbol: char,
        /// Bits it needs alone.
        need: u64,
        /// b.
        b: u64,
    },
}

/// A toy model: symbols and their positive counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToyModel {
    /// The alphabet, in table order.
    pub symbols: Vec<char>,
    /// Counts (each >= 1).
    pub counts: Vec<u64>,
}

fn parse_weight(w: &str) -> Result<BigRational, ToyError> {
    let bad = || {
        ToyError::Weights(format!(
            "'{w}' is not a positive number (write 3, 0.25 or 1/4)"
        ))
    };
    let r = if let Some((a, b)) = w.split_once('/') {
        let a: BigInt = a.trim().parse().map_err(|_| bad())?;
        let b: BigInt = b.trim().parse().map_err(|_| bad())?;
        if b.is_zero() {
            return Err(bad());
        }
        BigRational::new(a, b)
    } else if let Some((i, f)) = w.split_once('.') {
        if f.len() > 6 || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let i: BigInt = if i.is_empty() {
            BigInt::zero()
        } else {
            i.parse().map_err(|_| bad())?
        };
        let f_num: BigInt = if f.is_empty() {
            BigInt::zero()
        } else {
            f.parse().map_err(|_| bad())?
        };
        let den = BigInt::from(10u32).pow(f.len() as u32);
        BigRational::new(i * &den + f_num, den)
    } else {
        BigRational::from_integer(w.parse().map_err(|_| bad())?)
    };
    if r <= BigRational::zero() {
        return Err(bad());
    }
    Ok(r)
}

impl ToyModel {
    /// A model from its symbols and counts.
    pub fn new(symbols: Vec<char>, counts: Vec<u64>) -> Result<Self, ToyError> {
        if !(2..=8).contains(&symbols.len()) {
            return Err(ToyError::AlphabetSize(symbols.len()));
        }
        for (i, c) in symbols.iter().enumerate() {
            if symbols[..i].contains(c) {
                return Err(ToyError::Duplicate(*c));
            }
        }
        if counts.len() != symbols.len() {
            return Err(ToyError::Weights(format!(
                "{} weights for {} symbols",
                counts.len(),
                symbols.len()
            )));
        }
        if counts.contains(&0) {
            return Err(ToyError::Weights("every count must be at least 1".into()));
        }
        let total: u64 = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        if total > MAX_TOTAL {
            return Err(ToyError::TooLarge(total));
        }
        Ok(ToyModel { symbols, counts })
    }

    /// A model from the alphabet as a string (`"abc"`) and weights separated by spaces or
    /// commas: counts (`2 1 1`), probabilities (`0.5 0.25 0.25`) or fractions (`1/2 1/4 1/4`).
    /// Weights are scaled by their common denominator (and reduced) into integer counts.
    pub fn parse(symbols: &str, weights: &str) -> Result<Self, ToyError> {
        let symbols: Vec<char> = symbols.chars().filter(|c| !c.is_whitespace()).collect();
        let ws: Vec<BigRational> = weights
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|w| !w.is_empty())
            .map(parse_weight)
            .collect::<Result<_, _>>()?;
        let mut den = BigInt::one();
        for w in &ws {
            den = num_integer_lcm(&den, w.denom());
        }
        let ints: Vec<BigInt> = ws.iter().map(|w| (w * &den).to_integer()).collect();
        let mut g = BigInt::zero();
        for i in &ints {
            g = num_integer_gcd(&g, i);
        }
        if g.is_zero() {
            g = BigInt::one();
        }
        let counts = ints
            .iter()
            .map(|i| {
                (i / &g)
                    .to_u64()
                    .filter(|&c| c <= MAX_TOTAL)
                    .ok_or(ToyError::TooLarge(u64::MAX))
            })
            .collect::<Result<Vec<u64>, _>>()?;
        ToyModel::new(symbols, counts)
    }

    /// The cumulative table (`symbols + 1` entries).
    pub fn cum(&self) -> Vec<u64> {
        let mut cum = vec![0u64];
        for &c in &self.counts {
            cum.push(cum.last().copied().unwrap_or(0) + c);
        }
        cum
    }

    /// The total count T.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Symbol `s`'s probability as an exact fraction.
    pub fn prob(&self, s: usize) -> BigRational {
        BigRational::new(
            BigInt::from(self.counts.get(s).copied().unwrap_or(0)),
            BigInt::from(self.total().max(1)),
        )
    }

    /// The message as symbol indices.
    pub fn message(&self, text: &str) -> Result<Vec<usize>, ToyError> {
        let n = text.chars().count();
        if n > MAX_MESSAGE {
            return Err(ToyError::TooLong(n));
        }
        text.chars()
            .map(|c| {
                self.symbols
                    .iter()
                    .position(|&s| s == c)
                    .ok_or(ToyError::NotInAlphabet(c))
            })
            .collect()
    }
}

fn num_integer_gcd(a: &BigInt, b: &BigInt) -> BigInt {
    let (mut a, mut b) = (a.clone(), b.clone());
    while !b.is_zero() {
        let r = &a % &b;
        a = b;
        b = r;
    }
    if a < BigInt::zero() {
        -a
    } else {
        a
    }
}

fn num_integer_lcm(a: &BigInt, b: &BigInt) -> BigInt {
    let g = num_integer_gcd(a, b);
    if g.is_zero() {
        return BigInt::zero();
    }
    a / &g * b
}

/// The exact interval `[lo, hi)` the coder state stands for, given the bits it emitted (their
/// value is the start of the bracket; see [`crate::coding::arith`]).
pub fn state_interval(st: &CoderState, emitted: &[bool]) -> (BigRational, BigRational) {
    let mut b = BigInt::zero();
    for &bit in emitted.iter().take(st.emitted as usize) {
        b = (b << 1u32) + BigInt::from(bit as u8);
    }
    let shift = STATE_BITS as u64 + st.pending;
    let den = BigInt::one() << (st.emitted + shift) as usize;
    let base = (b << shift as usize) + (BigInt::one() << (shift - 1) as usize)
        - (BigInt::one() << (STATE_BITS - 1) as usize);
    let lo = BigRational::new(&base + BigInt::from(st.low), den.clone());
    let hi = BigRational::new(base + BigInt::from(st.high + 1), den);
    (lo, hi)
}

/// The shortest dyadic interval `[m/2^k, (m+1)/2^k)` inside `[lo, hi)`: its bits (m in k bits).
pub fn shortest_dyadic(lo: &BigRational, hi: &BigRational) -> Vec<bool> {
    if *lo <= BigRational::zero() && *hi >= BigRational::one() {
        return Vec::new();
    }
    if hi <= lo {
        return Vec::new();
    }
    // A dyadic interval of level k fits only if 2^-k <= width, and one always fits at the
    // first level with 2^-k <= width / 2: so k lies within two of -log2(width), which the bit
    // lengths of the width's numerator and denominator give to within one.
    let w = hi - lo;
    let est = w.denom().bits() as i64 - w.numer().bits() as i64;
    let first = (est - 1).max(1) as u64;
    for k in first..=first + 4 {
        if let Some(bits) = dyadic_at(lo, hi, k) {
            return bits;
        }
    }
    Vec::new()
}

/// The bits of a dyadic interval of level `k` inside `[lo, hi)`, if there is one.
fn dyadic_at(lo: &BigRational, hi: &BigRational, k: u64) -> Option<Vec<bool>> {
    let scale = BigRational::from_integer(BigInt::one() << k as usize);
    let m = (lo * &scale).ceil().to_integer();
    (BigRational::from_integer(&m + 1) <= hi * &scale)
        .then(|| (0..k).rev().map(|i| m.bit(i)).collect())
}

/// One coded symbol of a toy run.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyStep {
    /// The symbol.
    pub symbol: usize,
    /// Its window.
    pub window: usize,
    /// The ideal interval before and after it, exact (relative to its window's start).
    pub exact_before: (BigRational, BigRational),
    /// See `exact_before`.
    pub exact_after: (BigRational, BigRational),
    /// The integer coder's interval after it, exact.
    pub int_after: (BigRational, BigRational),
    /// The integer coder's step.
    pub enc: EncodeStep,
    /// Bits the window's code has emitted before this symbol.
    pub emitted_before: Vec<bool>,
    /// Bits needed to stop after it (integer coder).
    pub need: u64,
    /// Bits of the shortest dyadic inside the ideal interval (the ideal coder's code).
    pub ideal_code: Vec<bool>,
}

/// One window of a toy run.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyWindow {
    /// Its steps.
    pub steps: Range<usize>,
    /// Bits emitted while coding them.
    pub emitted: Vec<bool>,
    /// The stop code.
    pub stop: Vec<bool>,
    /// Zero padding up to b.
    pub padding: usize,
    /// The symbol that did not fit and the bits it would have needed.
    pub closed_by: Option<(usize, u64)>,
}

impl ToyWindow {
    /// The window's bits: emitted, stop code, padding.
    pub fn bits(&self) -> Vec<bool> {
        let mut v = self.emitted.clone();
        v.extend_from_slice(&self.stop);
        v.extend(std::iter::repeat_n(false, self.padding));
        v
    }
}

/// A message coded with a toy model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyRun {
    /// b (None: one window, no limit).
    pub b: Option<u64>,
    /// The steps.
    pub steps: Vec<ToyStep>,
    /// The windows.
    pub windows: Vec<ToyWindow>,
}

/// Codes `message` (symbol indices) with `model`, in Equal-Info windows of `b` bits (greedy
/// rule: a symbol that would make the bits needed exceed b closes the window and starts the
/// next) or as one stream (`b` None).
pub fn run(model: &ToyModel, message: &[usize], b: Option<u64>) -> Result<ToyRun, ToyError> {
    let cum = model.cum();
    let mut steps: Vec<ToyStep> = Vec::new();
    let mut windows = Vec::new();
    let mut st = CoderState::default();
    let mut emitted: Vec<bool> = Vec::new();
    let mut exact = (BigRational::zero(), BigRational::one());
    let mut start = 0usize;
    let total = BigRational::from_integer(BigInt::from(model.total()));
    let close = |st: &CoderState, emitted: &mut Vec<bool>, range: Range<usize>, by| {
        let stop = stop_bits(st);
        let used = (emitted.len() + stop.len()) as u64;
        ToyWindow {
            steps: range,
            emitted: std::mem::take(emitted),
            stop,
            padding: b.map_or(0, |b| b.saturating_sub(used) as usize),
            closed_by: by,
        }
    };
    for (i, &s) in message.iter().enumerate() {
        let Some(slot) = Slot::of(&cum, s) else {
            return Err(ToyError::NotInAlphabet('?'));
        };
        let mut e = encode_step(st, slot);
        if let Some(b) = b {
            if e.after.bits_needed() > b {
                if i == start {
                    return Err(ToyError::DoesNotFitAlone {
                        symbol: model.symbols[s],
                        need: e.after.bits_needed(),
                        b,
                    });
                }
                let need = e.after.bits_needed();
                windows.push(close(&st, &mut emitted, start..i, Some((s, need))));
                start = i;
                st = CoderState::default();
                exact = (BigRational::zero(), BigRational::one());
                e = encode_step(st, slot);
                if e.after.bits_needed() > b {
                    return Err(ToyError::DoesNotFitAlone {
                        symbol: model.symbols[s],
                        need: e.after.bits_needed(),
                        b,
                    });
                }
            }
        }
        let width = &exact.1 - &exact.0;
        let lo = &exact.0 + &width * BigRational::from_integer(BigInt::from(slot.cum_low)) / &total;
        let hi =
            &exact.0 + &width * BigRational::from_integer(BigInt::from(slot.cum_high)) / &total;
        let before = exact.clone();
        exact = (lo, hi);
        let emitted_before = emitted.clone();
        emitted.extend_from_slice(&e.bits);
        let int_after = state_interval(&e.after, &emitted);
        st = e.after;
        steps.push(ToyStep {
            symbol: s,
            window: windows.len(),
            ideal_code: shortest_dyadic(&exact.0, &exact.1),
            exact_before: before,
            exact_after: exact.clone(),
            int_after,
            need: e.after.bits_needed(),
            enc: e,
            emitted_before,
        });
    }
    if start < message.len() || message.is_empty() {
        windows.push(close(&st, &mut emitted, start..message.len(), None));
    }
    Ok(ToyRun { b, steps, windows })
}

/// A preset lesson of the toy mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lesson {
    /// Its name.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// The alphabet.
    pub symbols: &'static str,
    /// The weights.
    pub weights: &'static str,
    /// The message.
    pub message: &'static str,
    /// b.
    pub b: u64,
}

/// The preset lessons.
pub const LESSONS: [Lesson; 4] = [
    Lesson {
        name: "Dyadic: bits by hand",
        about: "p = 1/2, 1/4, 1/4: every slice is a dyadic interval, so each symbol's bits are \
                fixed (a = 0, b = 10, c = 11) and the coder returns to [0, 1) after each one. \
                b = 8: 'bacab' takes exactly 8 bits, the next 'c' would need 10, so it opens \
                window 1, whose 3 bits are padded with 5 zeros.",
        symbols: "abc",
        weights: "1/2 1/4 1/4",
        message: "bacabca",
        b: 8,
    },
    Lesson {
        name: "A skewed model",
        about: "One likely symbol (14/16): each 'e' costs about 0.19 bits, so many fit in a \
                window; a rare 't' or 'x' costs 4 bits at once.",
        symbols: "etx",
        weights: "14 1 1",
        message: "eeeeteeeeeexeeeeeeee",
        b: 8,
    },
    Lesson {
        name: "Underflow: pending bits",
        about: "p = 1/4, 1/2, 1/4 and the middle symbol: the interval [1/4, 3/4) straddles 1/2, \
                so no bit is known yet (E3): pending bits pile up until an 'a' or 'c' decides \
                them all at once.",
        symbols: "abc",
        weights: "1 2 1",
        message: "bbbbabbc",
        b: 16,
    },
    Lesson {
        name: "A symbol that does not fit",
        about: "p(z) = 1/64: a 'z' needs 6 bits, so after 'z' and some 'a's a second 'z' does \
                not fit in b = 8 and starts a new window. Set b below 6 and no window can hold \
                a 'z' at all.",
        symbols: "az",
        weights: "63 1",
        message: "zaaz",
        b: 8,
    },
];

/// A fraction written for a person: `19/32 (0.59375)`.
pub fn fraction(r: &BigRational) -> String {
    let f = r.to_f64().unwrap_or(f64::NAN);
    let s = r.to_string();
    if s.len() > 40 {
        format!(
            "{f:.10}… (a {}-digit fraction)",
            r.denom().to_string().len()
        )
    } else {
        format!("{s} ({f:.8})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn weights_parse_to_counts() {
        let m = ToyModel::parse("abc", "1/2 1/4 1/4").expect("model");
        assert_eq!(m.counts, [2, 1, 1]);
        let m = ToyModel::parse("abc", "0.5, 0.25, 0.25").expect("model");
        assert_eq!(m.counts, [2, 1, 1]);
        let m = ToyModel::parse("xy", "3 6").expect("model");
        assert_eq!(m.counts, [1, 2]);
        assert!(matches!(
            ToyModel::parse("a", "1"),
            Err(ToyError::AlphabetSize(1))
        ));
        assert!(matches!(
            ToyModel::parse("aa", "1 1"),
            Err(ToyError::Duplicate('a'))
        ));
        assert!(ToyModel::parse("ab", "1 -1").is_err());
        assert!(ToyModel::parse("ab", "1 0").is_err());
        assert!(ToyModel::parse("ab", "1").is_err());
        assert!(matches!(
            ToyModel::parse("ab", "1 70000"),
            Err(ToyError::TooLarge(_))
        ));
        assert!(matches!(
            m.message("xyz"),
            Err(ToyError::NotInAlphabet('z'))
        ));
    }

    #[test]
    fn dyadic_lesson_gives_the_hand_worked_bits() {
        // By hand: a = [0, 1/2) -> 0, b = [1/2, 3/4) -> 10, c = [3/4, 1) -> 11. "bacab" costs
        // 2+1+2+1+2 = 8 bits: window 0 = 10 0 11 0 10. The next 'c' would make 10 > 8, so it
        // starts window 1: 11 0, then 5 zeros of padding.
        let l = LESSONS[0];
        let m = ToyModel::parse(l.symbols, l.weights).expect("model");
        let msg = m.message(l.message).expect("message");
        let r = run(&m, &msg, Some(l.b)).expect("run");
        assert_eq!(r.windows.len(), 2);
        assert_eq!(r.windows[0].bits(), bits("10011010"));
        assert_eq!(r.windows[1].bits(), bits("11000000"));
        assert_eq!(r.windows[0].closed_by, Some((2, 10)));
        assert_eq!(r.windows[1].padding, 5);
        // Exact: "bac" = [1/2 + 1/2·... ] = [19/32, 20/32); the integer coder is exact here.
        let s = &r.steps[2];
        let f = |a: i64, b: i64| BigRational::new(BigInt::from(a), BigInt::from(b));
        assert_eq!(s.exact_after, (f(19, 32), f(5, 8)));
        assert_eq!(s.int_after, s.exact_after);
        assert_eq!(s.ideal_code, bits("10011"));
    }

    #[test]
    fn pending_bits_resolve_at_once() {
        // By hand: 'b' = [1/4, 3/4) three times: [1/4 + ..] stays around 1/2, three E3s; then
        // 'a' = the lower quarter of [0.5 - 1/16, 0.5 + 1/16): [7/16, 7/16 + 1/32) lies below
        // 1/2, so the first bit is 0 and the three pending bits come out as 1s: 0111.
        let m = ToyModel::parse("abc", "1 2 1").expect("model");
        let msg = m.message("bbba").expect("message");
        let r = run(&m, &msg, None).expect("run");
        assert_eq!(r.steps[2].enc.after.pending, 3);
        let out: Vec<bool> = r.steps.iter().flat_map(|s| s.enc.bits.clone()).collect();
        assert_eq!(&out[..4], &bits("0111")[..]);
        for s in &r.steps {
            // The integer interval lies inside the ideal one.
            assert!(s.int_after.0 >= s.exact_after.0 && s.int_after.1 <= s.exact_after.1);
        }
    }

    #[test]
    fn shortest_dyadic_matches_a_search_over_every_level() {
        let f = |a: i64, b: i64| BigRational::new(BigInt::from(a), BigInt::from(b));
        // By hand: [19/32, 5/8) holds [19/32, 20/32) = 10011. [1/3, 2/3): level 1 and 2 cells
        // ([1/4, 1/2), [1/2, 3/4), ...) stick out; level 3 has [3/8, 4/8) inside: 011.
        assert_eq!(shortest_dyadic(&f(19, 32), &f(5, 8)), bits("10011"));
        assert_eq!(shortest_dyadic(&f(1, 3), &f(2, 3)), bits("011"));
        assert!(shortest_dyadic(&f(0, 1), &f(1, 1)).is_empty());
        let mut rng = crate::rng::SplitMix64::new(5);
        for _ in 0..300 {
            let d = 2 + rng.below(5000) as i64;
            let a = rng.below(d as u64 - 1) as i64;
            let b = a + 1 + rng.below((d - a - 1).max(1) as u64) as i64;
            let (lo, hi) = (f(a, d), f(b.min(d), d));
            let brute = (1..=40)
                .find_map(|k| dyadic_at(&lo, &hi, k))
                .unwrap_or_default();
            assert_eq!(shortest_dyadic(&lo, &hi), brute, "[{a}/{d}, {b}/{d})");
        }
    }

    #[test]
    fn a_symbol_too_long_for_any_window_is_an_error() {
        let m = ToyModel::parse("az", "63 1").expect("model");
        let msg = m.message("az").expect("message");
        let e = run(&m, &msg, Some(5)).expect_err("z needs 6 bits");
        assert_eq!(
            e,
            ToyError::DoesNotFitAlone {
                symbol: 'z',
                need: 6,
                b: 5
            }
        );
        let r = run(&m, &m.message("zaaz").expect("msg"), Some(8)).expect("run");
        assert_eq!(r.windows.len(), 2);
    }
}
