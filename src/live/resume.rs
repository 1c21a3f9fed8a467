//! AC examples coded from the edit on: the model's distributions come from batched runs of the
//! example's bytes ([`ByteModel::feed_many`], bit-identical to stepping), resumed from a saved
//! lane ([`LaneCache`]) at or before the first changed byte, and the coder restarts from the
//! state the old trace recorded before that byte.
//!
//! After an edit of the example's bytes `pre..` (the bytes before `pre` unchanged):
//! 1. bytes `..pre` keep their trace: the coder state before byte `pre` is the old trace's
//!    `after` of byte `pre - 1`, and the bits emitted so far are the old window's first
//!    `after.emitted` bits;
//! 2. the distribution of byte `j >= pre` is the lane's after `j` bytes. The lane is put at the
//!    latest saved state `q <= pre` whose context is the example's (see [`LaneCache`]), fed
//!    `q..pre` and then `pre..` in runs of rows;
//! 3. when the edit kept the example's length, the distribution of byte `j` depends only on
//!    the `R = context_bytes()` bytes before it and on `j` ([`ByteModel::context_bytes`]), so
//!    from `j = end of the change + R` on it is the old one: its slot (`cum_low`, `freq`) is
//!    taken from the old trace and only the coder runs;
//! 4. the window is closed with its stop code as the window encoder closes it.
//!
//! Every step either reproduces the window encoder's values or reads them from a record the
//! window encoder made, so the record equals a from-scratch encoding (tests in `tests.rs`).

use super::WindowRec;
use crate::coding::{quantize, BitWriter, CoderState};
use crate::error::{Error, Result};
use crate::method::trace::{rank_of, ByteTrace};
use crate::method::window::WindowRecord;
use crate::method::RunOptions;
use crate::model::{ByteModel, LaneSnapshot, VOCAB};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Lane states are saved every this many bytes of an example while it is fed.
pub const SNAPSHOT_EVERY: usize = 256;

/// At most this many bytes of saved lanes are kept (least recently used dropped first).
pub const SNAPSHOT_BUDGET: usize = 64 << 20;

/// One saved lane: the state after `at` bytes of an example whose last `context.len()` bytes
/// were `context` (all `at` of them, when the model names no context bound).
struct Saved {
    at: usize,
    context: Vec<u8>,
    lane: LaneSnapshot,
    used: u64,
}

/// Saved model lanes of AC examples, shared by an analysis and those derived from it. A saved
/// lane after `at` bytes serves any example whose bytes `at - context_bytes()..at` are the same
/// (the model's own claim, [`ByteModel::context_bytes`]; every byte before `at` when it makes
/// none), whatever happened to the bytes before them.
#[derive(Default)]
pub struct LaneCache {
    inner: Mutex<CacheInner>,
}

#[derive(Default)]
struct CacheInner {
    saved: Vec<Saved>,
    bytes: usize,
    clock: u64,
}

impl std::fmt::Debug for LaneCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.inner.lock().map(|c| c.saved.len()).unwrap_or(0);
        write!(f, "LaneCache({n} saved lanes)")
    }
}

impl LaneCache {
    /// Bytes of saved lanes held.
    pub fn size_bytes(&self) -> usize {
        self.inner.lock().map(|c| c.bytes).unwrap_or(0)
    }

    /// The latest saved lane at or before `limit` valid for the example `bytes`.
    fn best(&self, bytes: &[u8], limit: usize, bounded: bool) -> Option<(usize, LaneSnapshot)> {
        let mut c = self.inner.lock().ok()?;
        c.clock += 1;
        let clock = c.clock;
        let best = c
            .saved
            .iter_mut()
            .filter(|s| {
                s.at <= limit
                    && (bounded || s.context.len() == s.at)
                    && bytes.get(s.at - s.context.len()..s.at) == Some(&s.context[..])
            })
            .max_by_key(|s| s.at)?;
        best.used = clock;
        Some((best.at, best.lane.clone()))
    }

    fn save(&self, at: usize, context: &[u8], lane: LaneSnapshot) {
        let Ok(mut c) = self.inner.lock() else {
            return;
        };
        c.clock += 1;
        let clock = c.clock;
        if let Some(s) = c
            .saved
            .iter_mut()
            .find(|s| s.at == at && s.context == context)
        {
            s.used = clock;
            return;
        }
        c.bytes += lane.size_bytes() + context.len();
        c.saved.push(Saved {
            at,
            context: context.to_vec(),
            lane,
            used: clock,
        });
        while c.bytes > SNAPSHOT_BUDGET && c.saved.len() > 1 {
            let Some((i, _)) = c.saved.iter().enumerate().min_by_key(|(_, s)| s.used) else {
                break;
            };
            let s = c.saved.swap_remove(i);
            c.bytes -= s.lane.size_bytes() + s.context.len();
        }
    }
}

/// What an AC example's coding reuses of the example's previous record.
pub(crate) struct Old<'a> {
    /// The example's previous bytes.
    pub bytes: &'a [u8],
    /// Their record.
    pub rec: &'a WindowRecord,
}

/// How much an AC example's coding computed (for the run's statistics).
#[derive(Debug, Default)]
pub(crate) struct Coded {
    /// Bytes whose distribution the model computed.
    pub model_bytes: usize,
    /// Bytes coded again with a distribution kept from the old record.
    pub reused: usize,
}

/// The lane over one run of bytes from a model reset (an example, or the windows from a
/// reset): keeps the count of bytes fed and saves states on the way.
pub(crate) struct Feeder<'a> {
    pub(crate) model: &'a mut dyn ByteModel,
    pub(crate) cache: &'a LaneCache,
    pub(crate) bytes: &'a [u8],
    pub(crate) fed: usize,
    pub(crate) context: Option<usize>,
    pub(crate) can_save: bool,
}

impl Feeder<'_> {
    /// A fresh lane over `bytes` (the model started with one lane), put at the latest saved
    /// state at or before `limit` when there is one.
    pub(crate) fn resume<'a>(
        model: &'a mut dyn ByteModel,
        cache: &'a LaneCache,
        bytes: &'a [u8],
        limit: usize,
    ) -> Result<Feeder<'a>> {
        model.start(1)?;
        let context = model.context_bytes();
        let mut f = Feeder {
            model,
            cache,
            bytes,
            fed: 0,
            context,
            can_save: true,
        };
        if limit > 0 {
            if let Some((at, lane)) = cache.best(bytes, limit, context.is_some()) {
                if f.model.restore_lane(&lane).is_ok() {
                    f.fed = at;
                }
            }
        }
        Ok(f)
    }

    /// Feeds bytes `fed..to`, saving the lane at every multiple of [`SNAPSHOT_EVERY`] and
    /// appending each distribution to `dists` when given.
    pub(crate) fn feed_to(
        &mut self,
        to: usize,
        mut dists: Option<&mut Vec<f32>>,
        opts: &RunOptions,
        progress: &mut dyn FnMut(usize),
    ) -> Result<()> {
        let mut scratch = Vec::new();
        while self.fed < to {
            opts.check_cancel()?;
            let next = ((self.fed / SNAPSHOT_EVERY + 1) * SNAPSHOT_EVERY).min(to);
            let out: &mut Vec<f32> = match &mut dists {
                Some(d) => d,
                None => {
                    scratch.clear();
                    &mut scratch
                }
            };
            self.model.feed_many(&self.bytes[self.fed..next], out)?;
            progress(next - self.fed);
            self.fed = next;
            if self.can_save && next.is_multiple_of(SNAPSHOT_EVERY) {
                match self.model.save_lane() {
                    Some(lane) => {
                        let from = self.context.map_or(0, |r| next.saturating_sub(r));
                        self.cache.save(next, &self.bytes[from..next], lane);
                    }
                    None => self.can_save = false,
                }
            }
        }
        Ok(())
    }
}

/// Codes the AC example `text[range]` (one window: the coder never restarts), reusing what
/// `old` allows (see the module docs). `progress` gets the bytes fed to the model as they go.
#[allow(clippy::too_many_arguments)]
pub(crate) fn code_ac_example(
    text: &[u8],
    range: Range<usize>,
    old: Option<Old<'_>>,
    precision: u32,
    model: &mut dyn ByteModel,
    cache: &LaneCache,
    opts: &RunOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<(Arc<WindowRec>, Coded)> {
    let new = text
        .get(range.clone())
        .ok_or_else(|| Error::BadParams(format!("example {range:?} outside the text")))?;
    let n = new.len();
    let context = model.context_bytes();
    let free = model.context_free();
    // The unchanged prefix, and from where the old distributions still hold.
    let old = old.filter(|o| o.rec.traces.len() == o.bytes.len());
    let (pre, reuse_from) = match &old {
        Some(o) => {
            let pre = o.bytes.iter().zip(new).take_while(|(a, b)| a == b).count();
            let reuse_from = if o.bytes.len() == n {
                let suf = o.bytes[pre..]
                    .iter()
                    .rev()
                    .zip(new[pre..].iter().rev())
                    .take_while(|(a, b)| a == b)
                    .count();
                match (free, context) {
                    (true, _) => n - suf,
                    (false, Some(r)) => (n - suf).saturating_add(r).min(n),
                    (false, None) => n,
                }
            } else {
                n
            };
            (pre, reuse_from.max(pre))
        }
        None => (0, n),
    };
    let old = old.filter(|_| pre > 0 || reuse_from < n);
    let mut coded = Coded::default();
    // Distributions of bytes pre..reuse_from.
    let mut dists: Vec<f32> = Vec::with_capacity((reuse_from - pre) * VOCAB);
    model.start(1)?;
    if reuse_from > pre {
        if free {
            for _ in pre..reuse_from {
                dists.extend_from_slice(model.dist(0));
            }
        } else {
            let mut f = Feeder::resume(&mut *model, cache, new, pre)?;
            f.feed_to(pre, None, opts, progress)?;
            dists.extend_from_slice(f.model.dist(0));
            f.feed_to(reuse_from - 1, Some(&mut dists), opts, progress)?;
            coded.model_bytes = reuse_from - pre;
        }
    }
    coded.reused = n - reuse_from;
    // The coder from byte pre on.
    let mut traces: Vec<ByteTrace> = Vec::with_capacity(n);
    let mut bits = BitWriter::new();
    let mut state = CoderState::default();
    if let Some(o) = &old {
        traces.extend_from_slice(&o.rec.traces[..pre]);
        // The old last byte also owned the stop code.
        if let Some(last) = traces.last_mut() {
            last.bits.end = last.after.emitted;
        }
        if pre > 0 {
            state = o.rec.traces[pre - 1].after;
            bits = o.rec.bits.clone();
            bits.truncate(state.emitted);
        }
    }
    let beta = precision;
    for j in pre..n {
        let byte = new[j];
        let before = state;
        let start = bits.len();
        let (prob, rank, entropy, freq, cum_low) = if j < reuse_from {
            let d = &dists[(j - pre) * VOCAB..(j - pre + 1) * VOCAB];
            let table =
                quantize(d, precision).map_err(|e| Error::BadDistribution(e.to_string()))?;
            state.encode_with(&table, byte, |b| bits.push(b));
            (
                d[byte as usize],
                rank_of(d, byte),
                crate::segment::score::entropy_nats(d),
                table.freq(byte),
                table.cum_low(byte),
            )
        } else {
            let Some(t) = old.as_ref().map(|o| &o.rec.traces[j]) else {
                return Err(Error::Model("internal: reuse without a record".into()));
            };
            state.encode_slot_with(t.cum_low, t.cum_low + t.freq, beta, |b| bits.push(b));
            (t.prob, t.rank, t.entropy, t.freq, t.cum_low)
        };
        traces.push(ByteTrace {
            byte,
            prob,
            freq,
            cum_low,
            rank,
            entropy,
            before,
            after: state,
            bits: start..bits.len(),
            window: 0,
        });
    }
    state.finish_with(|b| bits.push(b));
    let code_bits = bits.len();
    if let Some(last) = traces.last_mut() {
        last.bits.end = code_bits;
    }
    let byte_bits = traces.iter().map(|t| t.bits.clone()).collect();
    let rec = WindowRecord {
        len: n,
        bits,
        code_bits,
        model_reset: true,
        byte_bits,
        traces,
        dists: Vec::new(),
        overflow: None,
    };
    Ok((Arc::new(WindowRec::unchecked(rec)), coded))
}
