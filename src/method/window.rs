//! The window encoder: one lane job that codes an example's bytes into windows (EqualInfoAC) or
//! one window per example (AC, StaticAC), starting at any window boundary and stopping at the
//! example's end or at the first boundary a predicate accepts. It hands each finished window to
//! a [`WindowSink`] as a position-free [`WindowRecord`]: everything in it follows from the
//! window's own bytes (and, for EqualInfoAC with the model reset at every window, the byte that
//! did not fit), nothing from where it sits in the stream. [`super::ac`] assembles records into
//! an [`super::Encoded`]; the live engine ([`crate::live`]) keeps them and reuses unchanged ones
//! after an edit.
//!
//! ## The greedy window rule (paper §3.3)
//! A window starts with the coder on `[0, 1)` (and the model reset, every `reset_every` windows).
//! Each next byte is tried on a copy of the coder state; if the bits needed to stop after it
//! would exceed `b`, it does not fit: the window is closed with its stop code, zero-padded to
//! exactly `b` bits, and the byte starts the next window.
//!
//! ## Delay (paper App. A.2)
//! When closing, while the window holds at least two bytes and its padded code would be the same
//! without its last byte, that byte is pushed to the next window. A window never becomes empty, so
//! this always advances.
//!
//! ## The exact rule (`equal-info:...:exact`, beyond the paper)
//! Write `x_1 x_2 ...` for the bytes from the window's start, `J` for the greedy length (the
//! longest prefix that fits in `b` bits: the bits needed to stop never decrease as the interval
//! shrinks, so the prefixes that fit are exactly `1..=J`), and `W_t` for the b-bit padded code of
//! the first `t` bytes (its stop code, then zeros). The exact rule closes the window at
//!
//! `j = max { t in 1..=J : W_t != W_s for every s in 1..t }`
//!
//! (the longest fitting prefix whose padded code no shorter non-empty prefix shares; `t = 1`
//! always qualifies, so a window is never empty and the encoder always advances). It applies to
//! an example's last window as well (when the rest of the example fits, `J` is the rest): the
//! decoder has no end marker, so a last window cut short just leaves a further window.
//!
//! **Claim.** The side-information-free decoder that takes the *shortest* prefix whose padded
//! code reproduces the window's bits (the Delay decoder, [`super::decode`]) returns exactly
//! `x_1..x_j` for every window.
//!
//! **Proof sketch.** (1) The window's bits `W = W_j` are a point of the dyadic interval of the
//! stop code of `x_1..x_j`, which lies inside the coder's interval `I_j ⊆ I_t` for every
//! `t <= j`; decoding `W` followed by zeros therefore yields `x_1..x_j` as its first `j` bytes
//! (the decoder mirrors the finite coder's integer state exactly, SPEC §4), and after each
//! decoded byte `t` the decoder holds the same coder state as the encoder did, hence computes
//! the same `W_t`. (2) The decoder stops at the first `t` with `W_t = W`. For `t < j` the rule
//! chose `j` so that `W_t != W_j = W`; at `t = j` it matches. So it stops at `t = j`, before it
//! decodes any byte past the window, whatever those would be. (3) Windows are independent (the
//! model is reset at every window, which the rule requires), so every window of every example
//! decodes exactly; an example is the concatenation of its windows, and the number of windows
//! follows from the example's length in bits (`b` each; the example's last token is padded by
//! fewer than `token_bits` bits, fewer than `b` when `token_bits <= b`). The only convention a
//! reader (or an M2) needs is that the token stream of an example ends with its last window.
//!
//! Compared with Delay: Delay drops the last byte only while `W_{len-1} = W_len`, so an earlier,
//! non-adjacent prefix `s < len - 1` with `W_s = W_len` still makes its decoder stop early; and
//! it leaves the last window alone. The exact rule checks every shorter prefix. Cost: `j <= J`,
//! so windows hold at most as many bytes as greedy ones (measured in the README).
//!
//! ## Starting in the middle
//! With the model reset at every window, a window is a function of the bytes from its start
//! on, so an encoder started at a true window boundary produces the true windows from there.
//! With other reset rules the model's context crosses windows: such an encoder must start at
//! its example's first byte ([`WindowEncoder::new`] refuses otherwise).

use super::lanes::{LaneCtx, LaneJob, Step};
use super::trace::{rank_of, ByteTrace};
use super::{Config, MethodKind};
use crate::coding::{BitWriter, CoderState, FreqTable};
use crate::error::{Error, Result};
use std::ops::Range;

/// Whether the model is reset at the start of window `w` (index within its example).
pub fn resets_at(reset_every: u32, w: usize) -> bool {
    w == 0 || (reset_every > 0 && w.is_multiple_of(reset_every as usize))
}

/// One window as its own bytes made it (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRecord {
    /// Bytes in the window.
    pub len: usize,
    /// Its bits: the code, then zero padding (exactly b bits for EqualInfoAC).
    pub bits: BitWriter,
    /// Bits of real code (the rest is padding).
    pub code_bits: u64,
    /// Whether the model was reset at its start.
    pub model_reset: bool,
    /// Per byte, the bits emitted while coding it, relative to the window's first bit (the
    /// window's last byte also owns the stop code; padding belongs to no byte). Recorded only
    /// when asked for ([`EncodeWants::byte_bits`] or [`EncodeWants::trace`]).
    pub byte_bits: Vec<Range<u64>>,
    /// Per-byte trace (bit ranges relative to the window, `window` 0); only when traced.
    pub traces: Vec<ByteTrace>,
    /// The model distribution of each byte, 256 values per byte; only when asked for
    /// ([`EncodeWants::dists`]).
    pub dists: Vec<f32>,
    /// The byte that did not fit and closed the window (EqualInfoAC; None at an example's end).
    pub overflow: Option<Overflow>,
}

/// The byte an EqualInfoAC window could not take (what closed it, for the teaching view).
#[derive(Debug, Clone, PartialEq)]
pub struct Overflow {
    /// Bytes the window held when the byte was tried (Delay and the exact rule may keep fewer).
    pub at: usize,
    /// The byte.
    pub byte: u8,
    /// Bits needed to stop after it (more than b).
    pub bits_needed: u64,
    /// The model's distribution for it in the window's context (only when asked for,
    /// [`EncodeWants::dists`]).
    pub dist: Vec<f32>,
}

/// Receives the windows of a [`WindowEncoder`] in order, with each window's first byte.
pub trait WindowSink {
    /// One finished window starting at byte `start`.
    fn push(&mut self, start: usize, rec: WindowRecord);
}

impl WindowSink for Vec<(usize, WindowRecord)> {
    fn push(&mut self, start: usize, rec: WindowRecord) {
        Vec::push(self, (start, rec));
    }
}

/// What a window encoder records beside the bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeWants {
    /// Each byte's emitted bit range ([`WindowRecord::byte_bits`]).
    pub byte_bits: bool,
    /// The per-byte trace (implies `byte_bits`).
    pub trace: bool,
    /// With the trace, each byte's whole distribution ([`WindowRecord::dists`],
    /// [`Overflow::dist`]): 1 KB a byte.
    pub dists: bool,
}

/// The window rule of a configuration.
#[derive(Debug, Clone, Copy)]
struct Rule {
    /// b (None: one window per example, AC and StaticAC).
    window_bits: Option<u64>,
    delay: bool,
    exact: bool,
    reset_every: u32,
}

struct Coded {
    before: CoderState,
    after: CoderState,
    emit: Range<u64>,
    /// Probability, rank, entropy and (when asked for) the distribution.
    trace: Option<(f32, u16, f64, Vec<f32>)>,
    freq: u32,
    cum_low: u32,
}

/// The window encoder job (see the module docs). `S` receives the windows; `F` is asked at every
/// window boundary inside the example and ends the job when it answers true.
pub struct WindowEncoder<'a, S, F> {
    data: &'a [u8],
    start: usize,
    end: usize,
    rule: Rule,
    wants: EncodeWants,
    pos: usize,
    state: CoderState,
    win_bits: BitWriter,
    win_start: usize,
    /// Windows closed so far in the example (the next window's index within it).
    window_index: usize,
    coded: Vec<Coded>,
    /// False when nobody needs each byte's step (AC without trace or recorded bit ranges): only
    /// the last step is kept and `dropped` counts the others, so memory is one step a lane
    /// instead of one a byte of the example.
    keep_steps: bool,
    dropped: usize,
    sink: S,
    stop: F,
    finished: bool,
    /// The byte that did not fit, while its window is being closed.
    overflow: Option<Overflow>,
}

impl<'a, S: WindowSink, F: FnMut(usize) -> bool> WindowEncoder<'a, S, F> {
    /// An encoder of the example `data[example]` from its window boundary `start` (window index
    /// `window_index` within the example; 0 at the example's start). Only the AC methods have
    /// windows to encode.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        data: &'a [u8],
        example: Range<usize>,
        start: usize,
        window_index: usize,
        config: &Config,
        wants: EncodeWants,
        sink: S,
        stop: F,
    ) -> Result<Self> {
        if !config.method.is_ac() {
            return Err(Error::BadParams(format!(
                "{} has no model windows to encode",
                config.label()
            )));
        }
        let rule = Rule {
            window_bits: (config.method == MethodKind::EqualInfo)
                .then_some(config.window_bits as u64),
            delay: config.delay && config.method == MethodKind::EqualInfo,
            exact: config.exact && config.method == MethodKind::EqualInfo,
            reset_every: if config.method == MethodKind::EqualInfo {
                config.reset_every
            } else {
                1
            },
        };
        let mid = start != example.start || window_index != 0;
        if mid && (rule.window_bits.is_none() || rule.reset_every != 1) {
            return Err(Error::BadParams(
                "a window encoder can start inside an example only for EqualInfoAC with the \
                 model reset at every window"
                    .into(),
            ));
        }
        if !(example.start <= start && start <= example.end && example.end <= data.len()) {
            return Err(Error::BadParams(format!(
                "window encoder start {start} outside its example {example:?}"
            )));
        }
        Ok(WindowEncoder {
            data,
            start,
            end: example.end,
            rule,
            wants: EncodeWants {
                byte_bits: wants.byte_bits || wants.trace,
                trace: wants.trace,
                dists: wants.trace && wants.dists,
            },
            pos: start,
            state: CoderState::default(),
            win_bits: BitWriter::new(),
            win_start: start,
            window_index,
            coded: Vec::new(),
            keep_steps: rule.window_bits.is_some() || wants.byte_bits || wants.trace,
            dropped: 0,
            sink,
            stop,
            finished: false,
            overflow: None,
        })
    }

    /// The sink, with every window pushed so far.
    pub fn into_sink(self) -> S {
        self.sink
    }

    /// The bytes it was asked to encode: from its start to its example's end.
    pub fn bytes(&self) -> Range<usize> {
        self.start..self.end
    }

    /// Where the next window would start (after the job: where it stopped).
    pub fn boundary(&self) -> usize {
        self.win_start
    }

    /// The b-bit padded code of the current window's first `j` bytes.
    fn padded(&self, j: usize, b: u64) -> BitWriter {
        let st = if j == 0 {
            CoderState::default()
        } else {
            self.coded[j - 1].after
        };
        let mut w = self.win_bits.clone();
        w.truncate(st.emitted);
        st.finish_with(|bit| w.push(bit));
        let len = w.len();
        w.push_run(false, b.saturating_sub(len));
        w
    }

    /// The exact rule's cut: the longest prefix length `j` (at least 1) of the current window
    /// whose padded code differs from the padded code of every shorter non-empty prefix.
    fn exact_len(&self, b: u64) -> usize {
        let n = self.coded.len();
        // first[code] = the shortest prefix length with that padded code.
        let mut first: std::collections::HashMap<Vec<u8>, usize> =
            std::collections::HashMap::with_capacity(n);
        let mut best = n.min(1);
        for j in 1..=n {
            let code = self.padded(j, b).as_bytes().to_vec();
            let f = *first.entry(code).or_insert(j);
            if f == j {
                best = j;
            }
        }
        best
    }

    /// Closes the current window (Delay and the exact rule may push bytes back to the next one).
    fn close_window(&mut self, last: bool) {
        let mut len = self.dropped + self.coded.len();
        if let (Some(b), true, false) = (self.rule.window_bits, self.rule.delay, last) {
            while len >= 2 && self.padded(len - 1, b) == self.padded(len, b) {
                len -= 1;
            }
        }
        // The exact rule applies to an example's last window too: its decoder has no end marker.
        if let (Some(b), true) = (self.rule.window_bits, self.rule.exact) {
            len = self.exact_len(b);
        }
        // With steps dropped (never with Delay or windows) the window ends with the last one.
        let st = match len.checked_sub(self.dropped + 1) {
            None if len == 0 => CoderState::default(),
            None => self.coded.last().map_or(CoderState::default(), |c| c.after),
            Some(i) => self.coded[i].after,
        };
        let mut bits = std::mem::take(&mut self.win_bits);
        bits.truncate(st.emitted);
        st.finish_with(|bit| bits.push(bit));
        let code_bits = bits.len();
        if let Some(b) = self.rule.window_bits {
            debug_assert!(code_bits <= b);
            bits.push_run(false, b.saturating_sub(code_bits));
        }
        let mut byte_bits = Vec::new();
        let mut traces = Vec::new();
        let mut dists = Vec::new();
        if self.wants.byte_bits {
            byte_bits.reserve(len);
            for (j, c) in self.coded.iter().take(len).enumerate() {
                let mut r = c.emit.clone();
                if j + 1 == len {
                    r.end = code_bits;
                }
                byte_bits.push(r);
            }
        }
        if self.wants.trace {
            traces.reserve(len);
            if self.wants.dists {
                dists.reserve(len * 256);
            }
            for (j, c) in self.coded.drain(..).take(len).enumerate() {
                let Some((prob, rank, entropy, dist)) = c.trace else {
                    continue;
                };
                traces.push(ByteTrace {
                    byte: self.data[self.win_start + j],
                    prob,
                    freq: c.freq,
                    cum_low: c.cum_low,
                    rank,
                    entropy,
                    before: c.before,
                    after: c.after,
                    bits: byte_bits[j].clone(),
                    window: 0,
                });
                dists.extend_from_slice(&dist);
            }
        }
        self.coded.clear();
        self.dropped = 0;
        let rec = WindowRecord {
            len,
            bits,
            code_bits,
            model_reset: resets_at(self.rule.reset_every, self.window_index),
            byte_bits,
            traces,
            dists,
            overflow: self.overflow.take(),
        };
        self.sink.push(self.win_start, rec);
        self.window_index += 1;
        self.pos = self.win_start + len;
        self.state = CoderState::default();
        self.win_start = self.pos;
    }

    /// Refuses a window whose first byte needs more than b bits alone (it could never be placed).
    fn check_fits_alone(&self, table: &FreqTable) -> Result<()> {
        let Some(b) = self.rule.window_bits else {
            return Ok(());
        };
        let byte = self.data[self.pos];
        let need = CoderState::default().after(table, byte).bits_needed();
        if need > b {
            return Err(Error::BadParams(format!(
                "byte 0x{byte:02x} at offset {} needs {need} bits alone, more than the window \
                 size b = {b}",
                self.pos
            )));
        }
        Ok(())
    }

    fn commit(&mut self, table: &FreqTable, byte: u8, dist: Option<&[f32]>) {
        let before = self.state;
        let start = self.win_bits.len();
        let bits = &mut self.win_bits;
        self.state.encode_with(table, byte, |bit| bits.push(bit));
        if !self.keep_steps && !self.coded.is_empty() {
            self.coded.clear();
            self.dropped += 1;
        }
        self.coded.push(Coded {
            before,
            after: self.state,
            emit: start..self.win_bits.len(),
            trace: dist.map(|d| {
                (
                    d[byte as usize],
                    rank_of(d, byte),
                    crate::coding::freq::entropy_nats(d),
                    if self.wants.dists {
                        d.to_vec()
                    } else {
                        Vec::new()
                    },
                )
            }),
            freq: table.freq(byte),
            cum_low: table.cum_low(byte),
        });
        self.pos += 1;
    }
}

impl<S: WindowSink, F: FnMut(usize) -> bool> LaneJob for WindowEncoder<'_, S, F> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        if self.finished {
            return Ok(Step::Done);
        }
        if self.pos == self.end {
            self.close_window(true);
            if self.pos == self.end || (self.stop)(self.pos) {
                self.finished = true;
                return Ok(Step::Done);
            }
            // The exact rule cut the example's last window short: the rest starts a new window
            // (the rule needs the model reset at every window).
            ctx.reset();
            let table = ctx.table()?;
            self.check_fits_alone(&table)?;
        }
        let mut table = ctx.table()?;
        if let Some(b) = self.rule.window_bits {
            let byte = self.data[self.pos];
            let need = self.state.after(&table, byte).bits_needed();
            if need > b {
                self.overflow = Some(Overflow {
                    at: self.dropped + self.coded.len(),
                    byte,
                    bits_needed: need,
                    dist: if self.wants.dists {
                        ctx.dist().to_vec()
                    } else {
                        Vec::new()
                    },
                });
                self.close_window(false);
                if (self.stop)(self.pos) {
                    self.finished = true;
                    return Ok(Step::Done);
                }
                if resets_at(self.rule.reset_every, self.window_index) {
                    ctx.reset();
                }
                table = ctx.table()?;
                self.check_fits_alone(&table)?;
            }
        }
        let byte = self.data[self.pos];
        let dist = self.wants.trace.then(|| ctx.dist());
        self.commit(&table, byte, dist);
        Ok(if self.pos < self.end {
            Step::Feed(byte)
        } else {
            Step::Last
        })
    }

    fn bytes_done(&self) -> usize {
        self.pos - self.start
    }
}
