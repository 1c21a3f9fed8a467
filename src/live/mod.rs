//! The analysis the live view draws, and the incremental engine that produces it (no egui here).
//!
//! An analysis is a list of examples, each a list of windows; a window record ([`WindowRec`])
//! holds only what depends on its own bytes (its length, bits, trace, decode checks), never its
//! position, so an unchanged window is reused by `Arc` after an edit, wherever it moved.
//!
//! ## Incremental recomputation
//! Examples are independent: an example whose bytes did not change is reused whole. Inside a
//! changed example of EqualInfoAC with the model reset at every window (and no Delay), window `w`
//! depends only on its own bytes and on the byte that followed it (the one that did not fit). So
//! after an edit at byte `p` the windows that end before `p - 1`'s window are kept; encoding
//! restarts at the start of the window holding byte `p - 1`, in growing chunks, and stops as soon
//! as a new window starts in the unchanged suffix exactly where an old window started (shifted by
//! the edit's length change): every window from there on is the old one. Other methods (and
//! Delay or reset-every-n, whose windows look further back or ahead) recompute whole examples;
//! StaticAC fits its unigram on the whole input and is always recomputed whole.

use crate::coding::BitWriter;
use crate::method::{
    decode, encode, example_ranges, free_decode_report, tokens, ByteTrace, Config, Encoded,
    MethodKind, RunOptions,
};
use crate::model::{ByteModel, Unigram};
use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one window's bytes produced (position-free, shared between analyses).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRec {
    /// Bytes in the window.
    pub len: usize,
    /// The window's bits in the stream (code then zero padding).
    pub bits: Vec<bool>,
    /// Bits of real code (the rest is padding).
    pub code_bits: u64,
    /// Whether the model was reset at its start.
    pub model_reset: bool,
    /// Whether the decode checks below have run (they run after the tokens are shown: see
    /// [`analyse_quick`] and [`check_some`]).
    pub checked: bool,
    /// Side-information-free decoding recovered it exactly (None: not applicable or not checked).
    pub free_ok: Option<bool>,
    /// Bytes the side-information-free decoder produced (None: not applicable).
    pub free_len: Option<usize>,
    /// The exact decoder gave its bytes back (false while not checked).
    pub round_trip_ok: bool,
    /// Per-byte trace, bit ranges relative to the window's first bit (empty without a model).
    pub traces: Vec<ByteTrace>,
    /// Model distribution of each byte, 256 values per byte.
    pub dists: Vec<f32>,
}

/// A window placed in the text and the bit stream.
#[derive(Debug, Clone)]
pub struct WindowView {
    /// Its bytes in the text.
    pub bytes: Range<usize>,
    /// Its first bit in the stream.
    pub bit_start: u64,
    /// Its example.
    pub example: usize,
    /// What it holds.
    pub rec: Arc<WindowRec>,
}

impl WindowView {
    /// Its bit range in the stream.
    pub fn bit_range(&self) -> Range<u64> {
        self.bit_start..self.bit_start + self.rec.bits.len() as u64
    }
}

/// An example placed in the text and the stream.
#[derive(Debug, Clone)]
pub struct ExampleView {
    /// Its bytes.
    pub bytes: Range<usize>,
    /// Its first bit.
    pub bit_start: u64,
    /// Its bits before padding to a whole token.
    pub bit_len: u64,
    /// Its tokens.
    pub tokens: Range<usize>,
    /// Its windows.
    pub windows: Range<usize>,
}

/// How the last analysis was computed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Wall time of the analysis.
    pub elapsed: Duration,
    /// Windows encoded by this run (the rest were reused).
    pub windows_computed: usize,
    /// Bytes encoded by this run (chunks included).
    pub bytes_encoded: usize,
    /// Windows reused from the previous analysis.
    pub windows_reused: usize,
}

/// Everything the live view draws for one text, configuration and model.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The configuration.
    pub config: Config,
    /// Which model (incremented on every model change).
    pub model_generation: u64,
    /// The text analysed.
    pub text: Arc<Vec<u8>>,
    /// Windows in order.
    pub windows: Vec<WindowView>,
    /// Examples in order.
    pub examples: Vec<ExampleView>,
    /// The whole bit stream (examples padded to whole tokens).
    pub bits: Vec<bool>,
    /// The tokens.
    pub tokens: Vec<u32>,
    /// Window index of each byte.
    pub byte_window: Vec<u32>,
    /// How it was computed.
    pub stats: RunStats,
}

/// Per-byte facts for the tooltip and the interval view.
#[derive(Debug, Clone)]
pub struct ByteInfo<'a> {
    /// The trace (bit range relative to the window).
    pub trace: &'a ByteTrace,
    /// The model's distribution for this byte.
    pub dist: &'a [f32],
    /// The window index.
    pub window: usize,
    /// Position in the window.
    pub pos_in_window: usize,
    /// Absolute bit range emitted while coding it.
    pub bits: Range<u64>,
}

impl Analysis {
    /// Bytes analysed.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// True for an empty text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// True when the method has a per-byte trace (the AC methods).
    pub fn has_trace(&self) -> bool {
        self.windows.iter().any(|w| !w.rec.traces.is_empty())
    }

    /// The trace of byte `i`, when there is one.
    pub fn byte(&self, i: usize) -> Option<ByteInfo<'_>> {
        let w = *self.byte_window.get(i)? as usize;
        let win = self.windows.get(w)?;
        let j = i.checked_sub(win.bytes.start)?;
        let trace = win.rec.traces.get(j)?;
        let dist = win.rec.dists.get(j * 256..(j + 1) * 256)?;
        Some(ByteInfo {
            trace,
            dist,
            window: w,
            pos_in_window: j,
            bits: win.bit_start + trace.bits.start..win.bit_start + trace.bits.end,
        })
    }

    /// The window holding byte `i`.
    pub fn window_of(&self, i: usize) -> Option<usize> {
        self.byte_window.get(i).map(|&w| w as usize)
    }

    /// Token bits.
    pub fn token_bits(&self) -> u32 {
        self.config.token_bits
    }

    /// The tokens whose bits intersect window `w`.
    pub fn tokens_of_window(&self, w: usize) -> Range<usize> {
        match self.windows.get(w) {
            Some(win) => tokens::tokens_covering(win.bit_range(), self.token_bits()),
            None => 0..0,
        }
    }

    /// The tokens to draw under the bytes `bytes`: those whose bits meet the bits the bytes
    /// emitted, plus the padding tokens of windows ending among them. Empty without a trace.
    pub fn tokens_of_bytes(&self, bytes: Range<usize>) -> Range<usize> {
        if bytes.is_empty() {
            return 0..0;
        }
        let (Some(first), Some(last)) = (self.byte(bytes.start), self.byte(bytes.end - 1)) else {
            return 0..0;
        };
        let lo = first.bits.start;
        let mut hi = last.bits.end;
        if let Some(w) = self.windows.get(last.window) {
            if w.bytes.end == bytes.end {
                hi = hi.max(w.bit_range().end);
            }
        }
        if hi <= lo {
            return 0..0;
        }
        tokens::tokens_covering(lo..hi, self.token_bits())
    }

    /// The bytes whose emitted bits intersect token `t` (a token of padding only maps to the last
    /// byte of its window). Empty when there is no trace.
    pub fn bytes_of_token(&self, t: usize) -> Range<usize> {
        let bits = tokens::token_bit_range(t, self.token_bits());
        let mut first = usize::MAX;
        let mut last = 0usize;
        // Windows whose bits meet the token.
        let w0 = self
            .windows
            .partition_point(|w| w.bit_range().end <= bits.start);
        for w in self.windows.iter().skip(w0) {
            if w.bit_start >= bits.end {
                break;
            }
            let mut any = false;
            // Emitted bit ranges are monotonic within a window: skip to the first that can meet.
            let j0 = w
                .rec
                .traces
                .partition_point(|tr| w.bit_start + tr.bits.end <= bits.start);
            for (j, tr) in w.rec.traces.iter().enumerate().skip(j0) {
                let b = w.bit_start + tr.bits.start..w.bit_start + tr.bits.end;
                if b.start >= bits.end {
                    break;
                }
                if b.start < bits.end && bits.start < b.end {
                    first = first.min(w.bytes.start + j);
                    last = last.max(w.bytes.start + j + 1);
                    any = true;
                }
            }
            if !any && !w.bytes.is_empty() {
                // Padding only (or no trace): the window's last byte.
                first = first.min(w.bytes.end - 1);
                last = last.max(w.bytes.end);
            }
        }
        if first == usize::MAX {
            0..0
        } else {
            first..last
        }
    }

    /// Windows whose decode checks have not run yet.
    pub fn unchecked(&self) -> usize {
        self.windows.iter().filter(|w| !w.rec.checked).count()
    }

    /// Windows the side-information-free decoder gets right, and how many it was run on.
    pub fn free_decode(&self) -> Option<(usize, usize)> {
        let judged: Vec<bool> = self.windows.iter().filter_map(|w| w.rec.free_ok).collect();
        if judged.is_empty() {
            return None;
        }
        Some((judged.iter().filter(|&&ok| ok).count(), judged.len()))
    }

    /// Whether every window decoded back to its bytes; None while some checks are pending.
    pub fn round_trip_ok(&self) -> Option<bool> {
        if self.windows.iter().any(|w| !w.rec.checked) {
            None
        } else {
            Some(self.windows.iter().all(|w| w.rec.round_trip_ok))
        }
    }

    /// Token bits per input byte.
    pub fn bits_per_byte(&self) -> f64 {
        if self.text.is_empty() {
            0.0
        } else {
            (self.tokens.len() as f64 * self.token_bits() as f64) / self.text.len() as f64
        }
    }

    /// Bytes per token.
    pub fn bytes_per_token(&self) -> f64 {
        if self.tokens.is_empty() {
            0.0
        } else {
            self.text.len() as f64 / self.tokens.len() as f64
        }
    }
}

/// Places examples of window records into an [`Analysis`].
pub fn assemble(
    text: Arc<Vec<u8>>,
    config: &Config,
    model_generation: u64,
    examples: Vec<(Range<usize>, Vec<Arc<WindowRec>>)>,
    stats: RunStats,
) -> Analysis {
    let tb = config.token_bits.max(1) as u64;
    let mut bits: Vec<bool> = Vec::new();
    let mut windows = Vec::new();
    let mut ex_views = Vec::new();
    let mut byte_window = vec![0u32; text.len()];
    for (ei, (range, recs)) in examples.into_iter().enumerate() {
        let start = bits.len() as u64;
        let w0 = windows.len();
        let mut pos = range.start;
        for rec in recs {
            let bit_start = bits.len() as u64;
            bits.extend_from_slice(&rec.bits);
            let end = (pos + rec.len).min(text.len());
            let wi = windows.len() as u32;
            for slot in byte_window.get_mut(pos..end).into_iter().flatten() {
                *slot = wi;
            }
            windows.push(WindowView {
                bytes: pos..end,
                bit_start,
                example: ei,
                rec,
            });
            pos = end;
        }
        let bit_len = bits.len() as u64 - start;
        let padded = bit_len.div_ceil(tb) * tb;
        bits.resize((start + padded) as usize, false);
        ex_views.push(ExampleView {
            bytes: range,
            bit_start: start,
            bit_len,
            tokens: (start / tb) as usize..((start + padded) / tb) as usize,
            windows: w0..windows.len(),
        });
    }
    let tokens = bits
        .chunks(tb as usize)
        .map(|c| c.iter().fold(0u32, |acc, &b| (acc << 1) | b as u32))
        .collect();
    Analysis {
        config: config.clone(),
        model_generation,
        text,
        windows,
        examples: ex_views,
        bits,
        tokens,
        byte_window,
        stats,
    }
}

/// Everything an encode of one segment gives, per window, with the checks run.
fn window_recs(
    enc: &Encoded,
    data: &[u8],
    model: &mut dyn ByteModel,
    static_model: Option<&mut Unigram>,
    checks: bool,
) -> Vec<WindowRec> {
    let cfg = &enc.config;
    let free = if checks && cfg.method == MethodKind::EqualInfo && cfg.reset_every == 1 {
        free_decode_report(enc, data, model).ok()
    } else {
        None
    };
    let decoded = if checks {
        match static_model {
            Some(u) => decode(enc, u),
            None => decode(enc, model),
        }
        .ok()
    } else {
        None
    };
    let trace = enc.trace.as_ref();
    enc.windows
        .iter()
        .enumerate()
        .map(|(wi, w)| {
            let bits: Vec<bool> = (0..w.bit_len)
                .map(|i| enc.bits.get(w.bit_start + i))
                .collect();
            let (traces, dists) = match trace {
                Some(t) if t.bytes.len() == data.len() => {
                    let traces = t.bytes[w.bytes.clone()]
                        .iter()
                        .map(|bt| {
                            let mut bt = bt.clone();
                            // Position-free: the window index comes from the placement.
                            bt.window = 0;
                            bt.bits = bt.bits.start.saturating_sub(w.bit_start)
                                ..bt.bits.end.saturating_sub(w.bit_start);
                            bt
                        })
                        .collect();
                    let dists = t
                        .dists
                        .get(w.bytes.start * 256..w.bytes.end * 256)
                        .map(<[f32]>::to_vec)
                        .unwrap_or_default();
                    (traces, dists)
                }
                _ => (Vec::new(), Vec::new()),
            };
            let round_trip_ok = decoded
                .as_ref()
                .and_then(|d| d.get(w.bytes.clone()))
                .is_some_and(|d| d == &data[w.bytes.clone()]);
            WindowRec {
                len: w.bytes.len(),
                bits,
                code_bits: w.code_bits,
                model_reset: w.model_reset,
                checked: checks,
                free_ok: free.as_ref().and_then(|f| f.window_ok.get(wi).copied()),
                free_len: free.as_ref().and_then(|f| f.decoded_len.get(wi).copied()),
                round_trip_ok,
                traces,
                dists,
            }
        })
        .collect()
}

/// Encodes `data` with `config` cut into examples of `example_bytes` (0: one example), traced,
/// and returns the encoding with its window records.
#[allow(clippy::too_many_arguments)]
fn encode_traced(
    data: &[u8],
    config: &Config,
    example_bytes: usize,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    stats: &mut RunStats,
    checks: bool,
) -> crate::Result<(Encoded, Vec<WindowRec>)> {
    let cfg = Config {
        example_bytes,
        ..config.clone()
    };
    let opts = RunOptions {
        trace: true,
        cancel: Some(cancel),
        progress: None,
    };
    let enc = encode(data, &cfg, model, &opts)?;
    stats.bytes_encoded += data.len();
    let recs = window_recs(&enc, data, model, None, checks);
    Ok((enc, recs))
}

/// Encodes `data` as one example with `config` and returns its window records.
fn encode_segment(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    stats: &mut RunStats,
    checks: bool,
) -> crate::Result<Vec<WindowRec>> {
    Ok(encode_traced(data, config, 0, model, cancel, stats, checks)?.1)
}

/// Whether windows inside an example can be recomputed one by one.
fn window_incremental(config: &Config) -> bool {
    config.method == MethodKind::EqualInfo && config.reset_every == 1 && !config.delay
}

/// Analyses `text`, reusing what it can of `prev`, with every decode check run.
pub fn analyse(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
) -> crate::Result<Analysis> {
    analyse_inner(text, config, model, model_generation, prev, cancel, true)
}

/// Like [`analyse`], but for the configurations whose windows are checked one by one
/// (EqualInfoAC, model reset at every window, no Delay) the decode checks are left pending
/// (`WindowRec::checked == false`): the live view shows the tokens at once and
/// [`check_some`] runs the checks afterwards. Other configurations are checked here.
pub fn analyse_quick(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
) -> crate::Result<Analysis> {
    let checks = !window_incremental(config);
    analyse_inner(text, config, model, model_generation, prev, cancel, checks)
}

fn analyse_inner(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
    checks: bool,
) -> crate::Result<Analysis> {
    let started = Instant::now();
    config.validate()?;
    if config.method.uses_model() {
        config.validate_for_model(model)?;
    }
    let mut stats = RunStats::default();
    let prev = prev.filter(|p| {
        p.config == *config
            && p.model_generation == model_generation
            && config.method != MethodKind::StaticAc
    });
    let ranges = example_ranges(text.len(), config.example_bytes);
    let examples: Vec<(Range<usize>, Vec<Arc<WindowRec>>)> = match prev {
        None if window_incremental(config) => {
            let mut out = Vec::with_capacity(ranges.len());
            for r in &ranges {
                let recs =
                    encode_segmented(&text[r.clone()], config, model, cancel, &mut stats, checks)?;
                out.push((r.clone(), recs));
            }
            out
        }
        None => {
            // Whole input at once (examples batched over model lanes).
            let opts = RunOptions {
                trace: true,
                cancel: Some(cancel),
                progress: None,
            };
            let enc = encode(&text, config, model, &opts)?;
            stats.bytes_encoded = text.len();
            let mut unigram = (config.method == MethodKind::StaticAc).then(|| Unigram::fit(&text));
            let recs = window_recs(&enc, &text, model, unigram.as_mut(), checks);
            stats.windows_computed = recs.len();
            let mut recs = recs.into_iter().map(Arc::new);
            enc.examples
                .iter()
                .map(|ex| {
                    let ws: Vec<Arc<WindowRec>> = recs.by_ref().take(ex.windows.len()).collect();
                    (ex.bytes.clone(), ws)
                })
                .collect()
        }
        Some(prev) => {
            let mut out = Vec::with_capacity(ranges.len());
            for (k, r) in ranges.iter().enumerate() {
                let old = prev.examples.get(k).map(|ex| {
                    let ws: Vec<Arc<WindowRec>> = prev.windows[ex.windows.clone()]
                        .iter()
                        .map(|w| w.rec.clone())
                        .collect();
                    (&prev.text[ex.bytes.clone()], ws)
                });
                let new_bytes = &text[r.clone()];
                let recs = match old {
                    Some((old_bytes, ws)) if old_bytes == new_bytes => {
                        stats.windows_reused += ws.len();
                        ws
                    }
                    Some((old_bytes, ws)) if window_incremental(config) && !ws.is_empty() => {
                        reencode_example(
                            old_bytes, &ws, new_bytes, config, model, cancel, &mut stats, checks,
                        )?
                    }
                    _ => {
                        let recs =
                            encode_segment(new_bytes, config, model, cancel, &mut stats, checks)?;
                        stats.windows_computed += recs.len();
                        recs.into_iter().map(Arc::new).collect()
                    }
                };
                out.push((r.clone(), recs));
            }
            out
        }
    };
    stats.elapsed = started.elapsed();
    Ok(assemble(text, config, model_generation, examples, stats))
}

/// Encodes one example of EqualInfoAC (reset every window, no Delay) from scratch, stepping
/// several parts of it together on the model's lanes: the example is cut into segments, each
/// encoded as if a window started at its first byte (one lane each, so the model's products
/// have several rows), and the true windows are then stitched through them. A speculative window
/// is the true one as soon as it starts where a true window starts (a window depends only on its
/// own bytes and the byte after it), so from the first segment on the true chain is followed,
/// re-encoding sequentially only from the seam (the cut last window of a segment) to the first
/// boundary it shares with the next segment, usually a few windows.
fn encode_segmented(
    data: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    stats: &mut RunStats,
    checks: bool,
) -> crate::Result<Vec<Arc<WindowRec>>> {
    use std::collections::HashMap;
    if data.is_empty() {
        return Ok(Vec::new());
    }
    // At least 512 bytes per segment (few seams), at most the model's preferred lanes.
    let seg = data.len().div_ceil(model.preferred_lanes().max(1)).max(512);
    let (enc, recs) = encode_traced(data, config, seg, model, cancel, stats, checks)?;
    // Valid speculative windows by start: all but the cut last window of a non-final segment.
    let last_example = enc.examples.len().saturating_sub(1);
    let mut spec: HashMap<usize, Arc<WindowRec>> = HashMap::new();
    for (w, rec) in enc.windows.iter().zip(recs) {
        let ex = &enc.examples[w.example];
        let cut = w.example != last_example && w.bytes.end == ex.bytes.end;
        if !cut {
            spec.insert(w.bytes.start, Arc::new(rec));
        }
    }
    let avg = (data.len() / enc.windows.len().max(1)).max(1);
    let mut out: Vec<Arc<WindowRec>> = Vec::new();
    let mut pos = 0usize;
    while pos < data.len() {
        if let Some(rec) = spec.get(&pos) {
            pos += rec.len.max(1);
            out.push(rec.clone());
            stats.windows_computed += 1;
            continue;
        }
        // A seam: the true chain re-encoded until it lands on a speculative start.
        let run = Chain {
            data,
            config,
            checks,
        };
        pos = run.encode_until(
            pos,
            (avg * 3).max(16),
            &mut out,
            model,
            cancel,
            stats,
            |b| spec.contains_key(&b),
        )?;
    }
    Ok(out)
}

/// Recomputes one example of EqualInfoAC (reset every window, no Delay) after an edit: see the
/// module docs.
#[allow(clippy::too_many_arguments)]
fn reencode_example(
    old: &[u8],
    old_ws: &[Arc<WindowRec>],
    new: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    stats: &mut RunStats,
    checks: bool,
) -> crate::Result<Vec<Arc<WindowRec>>> {
    let pre = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let max_suf = old.len().min(new.len()) - pre;
    let suf = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suf)
        .take_while(|(a, b)| a == b)
        .count();
    let delta = new.len() as i64 - old.len() as i64;
    // Old window starts (relative to the example).
    let mut old_starts = Vec::with_capacity(old_ws.len());
    let mut s = 0usize;
    for w in old_ws {
        old_starts.push(s);
        s += w.len;
    }
    // Keep the windows wholly before the window holding byte pre - 1.
    let anchor = pre.saturating_sub(1);
    let j = old_starts
        .partition_point(|&st| st <= anchor)
        .saturating_sub(1);
    let mut out: Vec<Arc<WindowRec>> = old_ws[..j].to_vec();
    stats.windows_reused += j;
    let pos = old_starts.get(j).copied().unwrap_or(0);
    let unchanged_from = new.len() - suf;
    let avg = (old.len() / old_ws.len().max(1)).max(1);
    // Where the new chain meets an old window start (shifted by the edit) in the unchanged
    // suffix: every old window from there on is the new one.
    let realigned = |boundary: usize| -> Option<usize> {
        if boundary < unchanged_from || boundary >= new.len() {
            return None;
        }
        let old_pos = usize::try_from(boundary as i64 - delta)
            .ok()
            .filter(|&p| p > 0)?;
        old_starts.binary_search(&old_pos).ok()
    };
    // Start small (an edit usually re-aligns within a few windows), double when it does not.
    let run = Chain {
        data: new,
        config,
        checks,
    };
    let end = run.encode_until(
        pos,
        (avg * 3).max(16),
        &mut out,
        model,
        cancel,
        stats,
        |b| realigned(b).is_some(),
    )?;
    if let Some(k) = realigned(end) {
        stats.windows_reused += old_ws.len() - k;
        out.extend_from_slice(&old_ws[k..]);
    }
    Ok(out)
}

/// Sequential re-encoding of the true window chain of one example (EqualInfoAC, reset every
/// window, no Delay), shared by the edit path and the seams of the segmented full analysis.
struct Chain<'a> {
    data: &'a [u8],
    config: &'a Config,
    checks: bool,
}

impl Chain<'_> {
    /// Encodes windows from the boundary `pos` in growing chunks (the first of `chunk` bytes,
    /// doubling), pushing each complete window to `out`, until a boundary satisfies `stop` or
    /// the data ends; returns that boundary. The last window of a chunk is complete only when
    /// the chunk reaches the end of the data (otherwise the byte after it is unknown).
    #[allow(clippy::too_many_arguments)]
    fn encode_until(
        &self,
        mut pos: usize,
        mut chunk: usize,
        out: &mut Vec<Arc<WindowRec>>,
        model: &mut dyn ByteModel,
        cancel: &AtomicBool,
        stats: &mut RunStats,
        stop: impl Fn(usize) -> bool,
    ) -> crate::Result<usize> {
        let data = self.data;
        loop {
            if pos >= data.len() {
                return Ok(pos);
            }
            let end = (pos + chunk).min(data.len());
            let recs = encode_segment(
                &data[pos..end],
                self.config,
                model,
                cancel,
                stats,
                self.checks,
            )?;
            let complete = if end == data.len() {
                recs.len()
            } else {
                recs.len().saturating_sub(1)
            };
            for rec in recs.into_iter().take(complete) {
                pos += rec.len.max(1);
                out.push(Arc::new(rec));
                stats.windows_computed += 1;
                if pos >= data.len() || stop(pos) {
                    return Ok(pos);
                }
            }
            chunk *= 2;
        }
    }
}

/// Runs the pending decode checks of up to `max_windows` windows of `a` (see [`analyse_quick`])
/// and returns the analysis with those windows' records checked, or None when nothing is
/// pending. Each window is decoded alone, which gives exactly its checks in the whole stream:
/// pending checks only exist for EqualInfoAC with the model reset at every window and no Delay,
/// where a window's decoding depends on its own bits and byte count only (exact decoding) or on
/// its own bits only (side-information-free decoding).
pub fn check_some(
    a: &Analysis,
    model: &mut dyn ByteModel,
    max_windows: usize,
) -> crate::Result<Option<Analysis>> {
    use std::collections::HashMap;
    let mut todo: Vec<(usize, Arc<WindowRec>)> = Vec::new();
    let mut seen: HashMap<*const WindowRec, usize> = HashMap::new();
    for (i, w) in a.windows.iter().enumerate() {
        if todo.len() >= max_windows.max(1) {
            break;
        }
        if !w.rec.checked && !seen.contains_key(&Arc::as_ptr(&w.rec)) {
            seen.insert(Arc::as_ptr(&w.rec), todo.len());
            todo.push((i, w.rec.clone()));
        }
    }
    if todo.is_empty() {
        return Ok(None);
    }
    if !window_incremental(&a.config) {
        return Err(crate::Error::BadParams(
            "internal: pending checks for a configuration decoded as a whole".into(),
        ));
    }
    // Each window its own example, so the decoders step them as independent lanes.
    let cfg = Config {
        example_bytes: 0,
        ..a.config.clone()
    };
    let mut asm = crate::method::Assembler::new(&cfg);
    let mut data: Vec<u8> = Vec::new();
    for (i, rec) in &todo {
        let bytes = &a.text[a.windows[*i].bytes.clone()];
        let start = data.len();
        data.extend_from_slice(bytes);
        let mut bits = BitWriter::new();
        for &b in &rec.bits {
            bits.push(b);
        }
        let span = crate::method::WindowSpan {
            example: 0,
            bytes: start..data.len(),
            bit_start: 0,
            bit_len: rec.bits.len() as u64,
            code_bits: rec.code_bits,
            model_reset: true,
        };
        asm.push_example(start..data.len(), &bits, vec![span]);
    }
    let enc = asm.finish(data.len(), None);
    let free = free_decode_report(&enc, &data, model)?;
    let decoded = decode(&enc, model).ok();
    let mut checked: HashMap<*const WindowRec, Arc<WindowRec>> = HashMap::new();
    for (k, ((_, rec), w)) in todo.iter().zip(&enc.windows).enumerate() {
        let round_trip_ok = decoded
            .as_ref()
            .and_then(|d| d.get(w.bytes.clone()))
            .is_some_and(|d| d == &data[w.bytes.clone()]);
        let new = WindowRec {
            checked: true,
            free_ok: free.window_ok.get(k).copied(),
            free_len: free.decoded_len.get(k).copied(),
            round_trip_ok,
            ..(**rec).clone()
        };
        checked.insert(Arc::as_ptr(rec), Arc::new(new));
    }
    let mut out = a.clone();
    for w in out.windows.iter_mut() {
        if let Some(n) = checked.get(&Arc::as_ptr(&w.rec)) {
            w.rec = n.clone();
        }
    }
    Ok(Some(out))
}

/// One row of the Compare tab.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// The configuration.
    pub config: Config,
    /// Window byte ranges.
    pub windows: Vec<Range<usize>>,
    /// Tokens per window (tokens whose bits meet the window).
    pub window_tokens: Vec<usize>,
    /// Total tokens.
    pub tokens: usize,
    /// Bytes per token.
    pub bytes_per_token: f64,
    /// Token bits per byte.
    pub bits_per_byte: f64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Encodes `text` with `config` for the Compare tab.
pub fn compare_row(
    text: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
) -> crate::Result<CompareRow> {
    let started = Instant::now();
    let opts = RunOptions {
        trace: false,
        cancel: Some(cancel),
        progress: None,
    };
    let enc = encode(text, config, model, &opts)?;
    Ok(CompareRow {
        config: config.clone(),
        windows: enc.windows.iter().map(|w| w.bytes.clone()).collect(),
        window_tokens: enc
            .windows
            .iter()
            .map(|w| {
                tokens::tokens_covering(w.bit_start..w.bit_start + w.bit_len, config.token_bits)
                    .len()
            })
            .collect(),
        tokens: enc.tokens.len(),
        bytes_per_token: enc.bytes_per_token(),
        bits_per_byte: enc.bits_per_byte(),
        elapsed: started.elapsed(),
    })
}

/// A bit stream as a string of 0 and 1.
pub fn bit_string(bits: &[bool]) -> String {
    bits.iter().map(|&b| if b { '1' } else { '0' }).collect()
}

/// Helper for tests and benches: the bits of a [`BitWriter`].
pub fn writer_bits(w: &BitWriter) -> Vec<bool> {
    (0..w.len()).map(|i| w.get(i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Unigram;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    /// Incremental re-analysis after random edits equals a full analysis, for several window
    /// sizes, token sizes and example sizes (several examples included).
    #[test]
    fn incremental_equals_full_after_random_edits() {
        let corpus =
            b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
        let mut model = Unigram::fit(corpus);
        let cancel = AtomicBool::new(false);
        let mut seed = 7u64;
        for (b, tb, eb) in [
            (16, 16, 0),
            (24, 16, 0),
            (32, 8, 100),
            (64, 16, 0),
            (16, 5, 37),
        ] {
            let cfg = Config {
                example_bytes: eb,
                ..Config::equal_info(b, tb)
            };
            let mut text: Vec<u8> = (0..300)
                .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
                .collect();
            let mut prev = analyse(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            for _ in 0..12 {
                let pos = lcg(&mut seed) as usize % (text.len() + 1);
                match lcg(&mut seed) % 3 {
                    0 => text.insert(pos, corpus[lcg(&mut seed) as usize % corpus.len()]),
                    1 if pos < text.len() => {
                        text.remove(pos);
                    }
                    _ => {
                        let n = (lcg(&mut seed) % 6) as usize;
                        let ins: Vec<u8> =
                            (0..n).map(|_| b'a' + (lcg(&mut seed) % 26) as u8).collect();
                        text.splice(pos..pos, ins);
                    }
                }
                let t = Arc::new(text.clone());
                let inc = analyse(t.clone(), &cfg, &mut model, 1, Some(&prev), &cancel)
                    .unwrap_or_else(|e| panic!("{e}"));
                let full = analyse(t, &cfg, &mut model, 1, None, &cancel)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(inc.tokens, full.tokens, "b={b} tb={tb} eb={eb}");
                assert_eq!(inc.bits, full.bits);
                let spans = |a: &Analysis| {
                    a.windows
                        .iter()
                        .map(|w| w.bytes.clone())
                        .collect::<Vec<_>>()
                };
                assert_eq!(spans(&inc), spans(&full));
                for (x, y) in inc.windows.iter().zip(&full.windows) {
                    assert_eq!(*x.rec, *y.rec);
                }
                assert_eq!(inc.round_trip_ok(), Some(true));
                prev = inc;
            }
        }
    }

    /// The quick path (tokens first, checks afterwards in batches) ends with exactly the records
    /// of a fully checked analysis, including a window the side-information-free decoder gets
    /// wrong, and reports the round trip as pending until the last batch.
    #[test]
    fn deferred_checks_equal_inline_checks() {
        // NUL is likely and the lowest symbol, so a window's zero padding also decodes as extra
        // NULs when the byte that did not fit was a letter: the side-information-free decoder
        // then gets such windows wrong.
        let corpus = b"\0\0\0\0\0\0x\0\0\0\0\0\0\0\0\0yz\0\0\0\0\0\0\0\0q";
        let mut model = Unigram::fit(corpus);
        let cancel = AtomicBool::new(false);
        let text: Vec<u8> = corpus.iter().cycle().take(600).copied().collect();
        for b in [16u32, 24] {
            let cfg = Config {
                example_bytes: 0,
                ..Config::equal_info(b, 16)
            };
            let t = Arc::new(text.clone());
            let full = analyse(t.clone(), &cfg, &mut model, 1, None, &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(full.unchecked(), 0);
            let mut quick = analyse_quick(t, &cfg, &mut model, 1, None, &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(quick.tokens, full.tokens);
            assert_eq!(quick.unchecked(), quick.windows.len());
            assert_eq!(quick.round_trip_ok(), None);
            let mut batches = 0;
            while let Some(next) =
                check_some(&quick, &mut model, 7).unwrap_or_else(|e| panic!("{e}"))
            {
                assert!(next.unchecked() < quick.unchecked());
                quick = next;
                batches += 1;
            }
            assert!(batches >= quick.windows.len() / 7, "{batches} batches");
            assert_eq!(quick.round_trip_ok(), Some(true));
            for (x, y) in quick.windows.iter().zip(&full.windows) {
                assert_eq!(*x.rec, *y.rec);
            }
            let (ok, n) = full.free_decode().unwrap_or((0, 0));
            assert_eq!(quick.free_decode(), Some((ok, n)));
            assert!(n > 0 && ok < n, "b={b}: {ok}/{n} windows free-decoded");
        }
    }

    /// A full analysis of a text long enough to be cut into several speculative segments gives
    /// the windows, bits and tokens of the library's plain encoder.
    #[test]
    fn segmented_full_analysis_equals_the_plain_encoder() {
        let corpus =
            b"the quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ";
        let mut model = Unigram::fit(corpus);
        let cancel = AtomicBool::new(false);
        let mut seed = 99u64;
        let text: Vec<u8> = (0..5000)
            .map(|_| corpus[lcg(&mut seed) as usize % corpus.len()])
            .collect();
        for (b, tb, eb) in [(16, 16, 0), (24, 8, 0), (16, 16, 2048), (40, 7, 0)] {
            let cfg = Config {
                example_bytes: eb,
                ..Config::equal_info(b, tb)
            };
            let a = analyse_quick(Arc::new(text.clone()), &cfg, &mut model, 1, None, &cancel)
                .unwrap_or_else(|e| panic!("{e}"));
            let enc = encode(&text, &cfg, &mut model, &RunOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let spans: Vec<Range<usize>> = a.windows.iter().map(|w| w.bytes.clone()).collect();
            let want: Vec<Range<usize>> = enc.windows.iter().map(|w| w.bytes.clone()).collect();
            assert_eq!(spans, want, "b={b} tb={tb} eb={eb}");
            assert_eq!(a.tokens, enc.tokens, "b={b} tb={tb} eb={eb}");
            assert!(a.stats.bytes_encoded > text.len(), "seams were re-encoded");
        }
    }
}
