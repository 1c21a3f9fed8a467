//! The arithmetic-coding methods: AC (one coder per example), StaticAC (the same with a unigram)
//! and EqualInfoAC (windows of exactly `b` bits), driven over many examples at once, one model
//! lane per example.
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

use super::trace::{rank_of, ByteTrace, Trace};
use super::{example_ranges, Assembler, Config, Encoded, MethodKind, RunOptions, WindowSpan};
use crate::coding::{quantize, BitWriter, CoderState, FreqTable};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use std::borrow::Cow;
use std::ops::Range;

pub(crate) fn table_of(dist: &[f32], precision: u32) -> Result<FreqTable> {
    quantize(dist, precision).map_err(|e| Error::BadDistribution(e.to_string()))
}

/// Whether the model is reset at the start of window `w` (index within its example).
pub fn resets_at(reset_every: u32, w: usize) -> bool {
    w == 0 || (reset_every > 0 && w.is_multiple_of(reset_every as usize))
}

/// Supplies the quantized table of a lane, quantizing once for context-free models.
pub(crate) struct Tables {
    fixed: Option<FreqTable>,
    precision: u32,
}

impl Tables {
    pub(crate) fn new(model: &mut dyn ByteModel, precision: u32) -> Result<Self> {
        let fixed = if model.context_free() {
            model.start(1)?;
            Some(table_of(model.dist(0), precision)?)
        } else {
            None
        };
        Ok(Tables { fixed, precision })
    }

    pub(crate) fn get(&self, model: &dyn ByteModel, lane: usize) -> Result<Cow<'_, FreqTable>> {
        match &self.fixed {
            Some(t) => Ok(Cow::Borrowed(t)),
            None => Ok(Cow::Owned(table_of(model.dist(lane), self.precision)?)),
        }
    }
}

struct Step {
    before: CoderState,
    after: CoderState,
    emit: Range<u64>,
    trace: Option<(f32, u16, Vec<f32>)>,
    freq: u32,
    cum_low: u32,
}

struct Lane {
    range: Range<usize>,
    pos: usize,
    state: CoderState,
    win_bits: BitWriter,
    win_start: usize,
    steps: Vec<Step>,
    /// False when no one needs each byte's step (AC without trace or recording): only the last
    /// step is kept, and `dropped` counts the others (memory: one step a lane, not one a byte).
    keep_steps: bool,
    dropped: usize,
    out: BitWriter,
    windows: Vec<WindowSpan>,
    traces: Vec<ByteTrace>,
    dists: Vec<f32>,
    /// Record each byte's emitted bit range (relative to the example's bits) in `byte_bits`.
    record: bool,
    byte_bits: Vec<Range<u64>>,
    done: bool,
}

impl Lane {
    /// The b-bit padded code of the window's first `j` bytes.
    fn padded(&self, j: usize, b: u64) -> BitWriter {
        let st = if j == 0 {
            CoderState::default()
        } else {
            self.steps[j - 1].after
        };
        let mut w = BitWriter::new();
        for i in 0..st.emitted {
            w.push(self.win_bits.get(i));
        }
        st.finish_with(|bit| w.push(bit));
        let len = w.len();
        w.push_run(false, b.saturating_sub(len));
        w
    }

    /// Closes the current window; returns how many bytes were pushed back to the next window.
    fn close_window(&mut self, window_bits: Option<u64>, delay: bool, last: bool) -> usize {
        let mut len = self.dropped + self.steps.len();
        if let (Some(b), true, false) = (window_bits, delay, last) {
            while len >= 2 && self.padded(len - 1, b) == self.padded(len, b) {
                len -= 1;
            }
        }
        let st = match len.checked_sub(self.dropped + 1) {
            None if len == 0 => CoderState::default(),
            // Steps were dropped (never with Delay): the window ends with the last one.
            None => self.steps.last().map_or(CoderState::default(), |s| s.after),
            Some(i) => self.steps[i].after,
        };
        let bit_start = self.out.len();
        for i in 0..st.emitted {
            self.out.push(self.win_bits.get(i));
        }
        let out = &mut self.out;
        st.finish_with(|bit| out.push(bit));
        let code_bits = self.out.len() - bit_start;
        let bit_len = match window_bits {
            Some(b) => {
                debug_assert!(code_bits <= b);
                self.out.push_run(false, b - code_bits);
                b
            }
            None => code_bits,
        };
        let window = self.windows.len();
        self.windows.push(WindowSpan {
            example: 0,
            bytes: self.win_start..self.win_start + len,
            bit_start,
            bit_len,
            code_bits,
            model_reset: false,
        });
        for (j, step) in self.steps.drain(..).take(len).enumerate() {
            let mut bits = bit_start + step.emit.start..bit_start + step.emit.end;
            if j + 1 == len {
                bits.end = bit_start + code_bits;
            }
            if self.record {
                self.byte_bits.push(bits.clone());
            }
            let Some((prob, rank, dist)) = step.trace else {
                continue;
            };
            self.traces.push(ByteTrace {
                byte: 0,
                prob,
                freq: step.freq,
                cum_low: step.cum_low,
                rank,
                before: step.before,
                after: step.after,
                bits,
                window,
            });
            self.dists.extend_from_slice(&dist);
        }
        self.dropped = 0;
        let deferred = self.pos - (self.win_start + len);
        self.pos = self.win_start + len;
        self.state = CoderState::default();
        self.win_bits = BitWriter::new();
        self.win_start = self.pos;
        deferred
    }

    fn commit(&mut self, table: &FreqTable, byte: u8, dist: Option<&[f32]>) {
        let before = self.state;
        let start = self.win_bits.len();
        let bits = &mut self.win_bits;
        self.state.encode_with(table, byte, |bit| bits.push(bit));
        if !self.keep_steps && !self.steps.is_empty() {
            self.steps.clear();
            self.dropped += 1;
        }
        self.steps.push(Step {
            before,
            after: self.state,
            emit: start..self.win_bits.len(),
            trace: dist.map(|d| (d[byte as usize], rank_of(d, byte), d.to_vec())),
            freq: table.freq(byte),
            cum_low: table.cum_low(byte),
        });
        self.pos += 1;
    }
}

/// Encodes with AC (no windows) or EqualInfo (windows), per `config.method`, and returns with
/// it the emitted bit range of every byte of the examples that start before `record_upto` (the
/// same ranges as the trace's [`ByteTrace::bits`], without the trace's cost).
pub(crate) fn encode_ac(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
    record_upto: usize,
) -> Result<(Encoded, Vec<Range<u64>>)> {
    let ranges = example_ranges(data.len(), config.example_bytes);
    encode_ac_examples(data, &ranges, config, model, opts, record_upto)
}

/// [`encode_ac`] with the examples given: `ranges` must cut `data` into consecutive non-empty
/// ranges from 0 to its end (each is coded independently, as an example).
pub(crate) fn encode_ac_examples(
    data: &[u8],
    ranges: &[Range<usize>],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
    record_upto: usize,
) -> Result<(Encoded, Vec<Range<u64>>)> {
    let window_bits = (config.method == MethodKind::EqualInfo).then_some(config.window_bits as u64);
    let delay = config.delay && window_bits.is_some();
    let tables = Tables::new(model, config.precision)?;
    let mut asm = Assembler::new(config);
    let mut trace = opts.trace.then(|| Trace {
        precision: config.precision,
        ..Trace::default()
    });
    let group = model.preferred_lanes().max(1);
    let mut done_bytes = 0usize;
    let mut byte_bits = Vec::new();
    for chunk in ranges.chunks(group) {
        let lanes = encode_group(
            data,
            chunk,
            config,
            window_bits,
            delay,
            &tables,
            model,
            opts,
            done_bytes,
            record_upto,
        )?;
        for lane in lanes {
            let start = asm.bit_pos();
            done_bytes += lane.range.len();
            byte_bits.extend(
                lane.byte_bits
                    .iter()
                    .map(|r| r.start + start..r.end + start),
            );
            if let Some(t) = trace.as_mut() {
                let w0 = asm.windows.len();
                let first_byte = lane.range.start;
                for (i, mut bt) in lane.traces.into_iter().enumerate() {
                    bt.byte = data[first_byte + i];
                    bt.bits = bt.bits.start + start..bt.bits.end + start;
                    bt.window += w0;
                    t.bytes.push(bt);
                }
                t.dists.extend_from_slice(&lane.dists);
            }
            asm.push_example(lane.range.clone(), &lane.out, lane.windows);
        }
    }
    Ok((asm.finish(data.len(), trace), byte_bits))
}

#[allow(clippy::too_many_arguments)]
fn encode_group(
    data: &[u8],
    chunk: &[Range<usize>],
    config: &Config,
    window_bits: Option<u64>,
    delay: bool,
    tables: &Tables,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
    done_before: usize,
    record_upto: usize,
) -> Result<Vec<Lane>> {
    let n = chunk.len();
    model.start(n)?;
    let mut lanes: Vec<Lane> = chunk
        .iter()
        .map(|r| Lane {
            range: r.clone(),
            pos: r.start,
            state: CoderState::default(),
            win_bits: BitWriter::new(),
            win_start: r.start,
            steps: Vec::new(),
            keep_steps: window_bits.is_some() || opts.trace || r.start < record_upto,
            dropped: 0,
            out: BitWriter::new(),
            windows: Vec::new(),
            traces: Vec::new(),
            dists: Vec::new(),
            record: r.start < record_upto,
            byte_bits: Vec::new(),
            done: false,
        })
        .collect();
    let total = data.len();
    let mut feeds: Vec<Option<u8>> = vec![None; n];
    let mut step_count = 0usize;
    loop {
        opts.check_cancel()?;
        let mut active = false;
        for (li, lane) in lanes.iter_mut().enumerate() {
            feeds[li] = None;
            if lane.done {
                continue;
            }
            if lane.pos == lane.range.end {
                lane.close_window(window_bits, delay, true);
                lane.done = true;
                continue;
            }
            active = true;
            let mut table = tables.get(model, li)?;
            let byte = data[lane.pos];
            if let Some(b) = window_bits {
                if lane.state.after(&table, byte).bits_needed() > b {
                    lane.close_window(Some(b), delay, false);
                    if resets_at(config.reset_every, lane.windows.len()) {
                        model.reset_lane(li);
                    }
                    table = tables.get(model, li)?;
                    let byte = data[lane.pos];
                    let need = CoderState::default().after(&table, byte).bits_needed();
                    if need > b {
                        return Err(Error::BadParams(format!(
                            "byte 0x{byte:02x} at offset {} needs {need} bits alone, more than \
                             the window size b = {b}",
                            lane.pos
                        )));
                    }
                }
            }
            let byte = data[lane.pos];
            let dist = opts.trace.then(|| model.dist(li));
            lane.commit(&table, byte, dist);
            if lane.pos < lane.range.end {
                feeds[li] = Some(byte);
            }
        }
        if !active {
            break;
        }
        if feeds.iter().any(Option::is_some) {
            model.feed(&feeds)?;
        }
        step_count += 1;
        if step_count.is_multiple_of(64) {
            let done: usize = lanes.iter().map(|l| l.pos - l.range.start).sum();
            opts.report(done_before + done, total);
        }
    }
    for lane in &mut lanes {
        for (w, win) in lane.windows.iter_mut().enumerate() {
            win.model_reset = resets_at(config.reset_every, w);
        }
    }
    Ok(lanes)
}
