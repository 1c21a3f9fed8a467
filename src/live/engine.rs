//! Full and incremental analysis (see the module docs of [`crate::live`]): every AC method is
//! coded by the library's window encoder ([`crate::method::window`]) on model lanes
//! ([`crate::method::lanes`]); the other methods by [`crate::method::encode`].

use super::checks::{check_all_windows, check_encoded, check_examples};
use super::resume::{code_ac_example, Old};
use super::{assemble, assemble_after, Analysis, ExampleRecs, LaneCache, RunStats, WindowRec};
use crate::error::Result;
use crate::method::lanes::{drive, drive_all, LaneJob, Progress, Tables};
use crate::method::window::{EncodeWants, WindowEncoder, WindowRecord};
use crate::method::{encode, example_ranges, Config, Encoded, MethodKind, RunOptions};
use crate::model::{ByteModel, Unigram};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// What the live view records of every byte: its trace, not its whole distribution (computed
/// on demand, [`super::window_dists`]).
const TRACED: EncodeWants = EncodeWants {
    byte_bits: true,
    trace: true,
    dists: false,
};

/// Whether windows inside an example can be recomputed one by one. Not for Delay or the exact
/// rule: their cut depends on bytes past the window's end.
pub(crate) fn window_incremental(config: &Config) -> bool {
    config.method == MethodKind::EqualInfo
        && config.reset_every == 1
        && !config.delay
        && !config.exact
}

/// Whether an encoder may start at any true window boundary inside an example and give the
/// true windows from there: EqualInfoAC with the model reset at every window, any window rule
/// (greedy, Delay, exact: a window is a function of the bytes from its start, see
/// [`crate::method::window`]).
pub(crate) fn restartable(config: &Config) -> bool {
    config.method == MethodKind::EqualInfo && config.reset_every == 1
}

/// Analyses `text`, reusing what it can of `prev`, with every decode check run.
pub fn analyse(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
) -> Result<Analysis> {
    analyse_inner(
        text,
        config,
        model,
        model_generation,
        prev,
        cancel,
        true,
        None,
        None,
    )
}

/// Like [`analyse`], but for the methods with a model (AC, StaticAC, EqualInfoAC) the decode
/// checks are left pending (`WindowRec::checked == false`): the live view shows the tokens at
/// once and [`super::check_some`] runs the checks afterwards, a batch at a time (windows one
/// by one where they decode alone, else whole examples). Bytes, GZip and Subword are checked
/// here.
pub fn analyse_quick(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
) -> Result<Analysis> {
    analyse_quick_progress(text, config, model, model_generation, prev, cancel, None)
}

/// Reports the progress of an analysis: (bytes encoded, bytes to encode) of the step under way
/// (a total of 0: a step of unknown size, e.g. a seam between speculative segments).
pub type ProgressFn<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// [`analyse_quick`], reporting its progress to `progress` every 64 model steps.
pub fn analyse_quick_progress(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
    progress: Option<ProgressFn<'_>>,
) -> Result<Analysis> {
    analyse_quick_with(
        text,
        config,
        model,
        model_generation,
        prev,
        cancel,
        progress,
        None,
    )
}

/// Other work on the model between the steps of a long analysis (the worker answers the
/// shown analysis's requests for distributions, [`super::DistRequests`]). It may use the model
/// freely: it runs only where the analysis holds no lane state (between groups of lanes and
/// between AC examples).
pub type SideFn<'a> = &'a mut dyn FnMut(&mut dyn ByteModel);

/// [`analyse_quick_progress`], calling `side` between the steps of the encoding (see
/// [`SideFn`]).
#[allow(clippy::too_many_arguments)]
pub fn analyse_quick_with(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
    progress: Option<ProgressFn<'_>>,
    side: Option<SideFn<'_>>,
) -> Result<Analysis> {
    let checks = !config.method.is_ac();
    analyse_inner(
        text,
        config,
        model,
        model_generation,
        prev,
        cancel,
        checks,
        progress,
        side,
    )
}

/// The coding context of one analysis.
struct Coder<'a, 's> {
    text: &'a [u8],
    config: &'a Config,
    opts: RunOptions<'a>,
    stats: RunStats,
    lanes: Arc<LaneCache>,
    side: Option<SideFn<'s>>,
}

impl Coder<'_, '_> {
    /// The side work, where the analysis holds no lane state.
    fn side(&mut self, model: &mut dyn ByteModel) {
        if let Some(s) = self.side.as_mut() {
            s(model);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn analyse_inner(
    text: Arc<Vec<u8>>,
    config: &Config,
    model: &mut dyn ByteModel,
    model_generation: u64,
    prev: Option<&Analysis>,
    cancel: &AtomicBool,
    checks: bool,
    progress: Option<ProgressFn<'_>>,
    side: Option<SideFn<'_>>,
) -> Result<Analysis> {
    let started = Instant::now();
    config.validate()?;
    if config.method.uses_model() {
        // Once per analysis: the window encoder itself does not re-validate.
        config.validate_for_model(model)?;
    }
    let mut c = Coder {
        text: &text,
        config,
        opts: RunOptions {
            trace: true,
            cancel: Some(cancel),
            progress,
        },
        stats: RunStats::default(),
        lanes: prev
            .filter(|p| p.model_generation == model_generation)
            .map(|p| p.lanes.clone())
            .unwrap_or_default(),
        side,
    };
    let examples = if !config.method.is_ac() {
        let enc = encode(&text, config, model, &c.opts)?;
        c.stats.bytes_encoded = text.len();
        let mut examples = records_of_encoded(&enc);
        c.stats.windows_computed = examples.iter().map(|e| e.1.len()).sum();
        check_encoded(&enc, &text, &mut examples, model);
        examples
    } else if config.method == MethodKind::StaticAc {
        // Fitted on the whole input: nothing survives an edit.
        let mut unigram = Unigram::fit(&text);
        let ranges = example_ranges(text.len(), config.example_bytes);
        let mut examples = c.whole_examples(&ranges, &mut unigram)?;
        if checks {
            check_examples(&text, config, &mut examples, &mut unigram, &c.opts)?;
        }
        examples
    } else {
        let prev = prev.filter(|p| p.config == *config && p.model_generation == model_generation);
        let mut examples = c.model_examples(prev, model)?;
        if checks {
            if window_incremental(config) {
                check_all_windows(&text, config, &mut examples, model)?;
            } else {
                check_examples(&text, config, &mut examples, model, &c.opts)?;
            }
        }
        examples
    };
    let mut stats = c.stats;
    let lanes = c.lanes;
    stats.elapsed = started.elapsed();
    Ok(
        match prev.filter(|p| p.config == *config && p.model_generation == model_generation) {
            Some(p) => assemble_after(p, text, config, model_generation, examples, stats, lanes),
            None => assemble(text, config, model_generation, examples, stats, lanes),
        },
    )
}

/// Every window record of an encoding by [`encode`] (no trace: Bytes, GZip, Subword), unchecked.
fn records_of_encoded(enc: &Encoded) -> Vec<ExampleRecs> {
    let byte_bits = crate::method::trace::byte_bit_ranges(enc);
    enc.examples
        .iter()
        .map(|ex| {
            let recs = enc.windows[ex.windows.clone()]
                .iter()
                .map(|w| {
                    let mut own = crate::coding::BitWriter::new();
                    for i in w.bit_start..w.bit_start + w.bit_len {
                        own.push(enc.bits.get(i));
                    }
                    let own_bytes = byte_bits
                        .as_ref()
                        .and_then(|b| b.get(w.bytes.clone()))
                        .map(|b| {
                            b.iter()
                                .map(|r| r.start - w.bit_start..r.end - w.bit_start)
                                .collect()
                        })
                        .unwrap_or_default();
                    Arc::new(WindowRec::unchecked(WindowRecord {
                        len: w.bytes.len(),
                        bits: own,
                        code_bits: w.code_bits,
                        model_reset: w.model_reset,
                        byte_bits: own_bytes,
                        traces: Vec::new(),
                        dists: Vec::new(),
                        overflow: None,
                    }))
                })
                .collect();
            (ex.bytes.clone(), recs)
        })
        .collect()
}

impl Coder<'_, '_> {
    /// The examples of AC or EqualInfoAC, reusing `prev` where its examples (or windows)
    /// survive; all new coding steps many lanes together.
    fn model_examples(
        &mut self,
        prev: Option<&Analysis>,
        model: &mut dyn ByteModel,
    ) -> Result<Vec<ExampleRecs>> {
        let text = self.text;
        let ranges = example_ranges(text.len(), self.config.example_bytes);
        if self.config.method == MethodKind::Ac {
            return self.ac_examples(&ranges, prev, model);
        }
        let incremental = restartable(self.config);
        let Some(prev) = prev else {
            return if incremental {
                self.segmented(&ranges, model)
            } else {
                self.whole_examples(&ranges, model)
            };
        };
        let mut out: Vec<Option<ExampleRecs>> = vec![None; ranges.len()];
        let mut whole: Vec<usize> = Vec::new();
        for (k, r) in ranges.iter().enumerate() {
            let old = prev.examples.get(k).map(|ex| {
                let ws: Vec<Arc<WindowRec>> = prev.windows[ex.windows.clone()]
                    .iter()
                    .map(|w| w.rec.clone())
                    .collect();
                (&prev.text[ex.bytes.clone()], ws)
            });
            match old {
                Some((old_bytes, ws)) if old_bytes == &text[r.clone()] => {
                    self.stats.windows_reused += ws.len();
                    out[k] = Some((r.clone(), ws));
                }
                Some((old_bytes, ws)) if incremental && !ws.is_empty() => {
                    let recs = self.reencode_example(r.clone(), old_bytes, &ws, model)?;
                    out[k] = Some((r.clone(), recs));
                }
                _ => whole.push(k),
            }
        }
        let todo: Vec<Range<usize>> = whole.iter().map(|&k| ranges[k].clone()).collect();
        for (k, ex) in whole.into_iter().zip(self.whole_examples(&todo, model)?) {
            out[k] = Some(ex);
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// The examples of AC: an unchanged example is reused, a changed one is coded from its
    /// first changed byte on, the model resumed from a saved lane ([`super::resume`]).
    fn ac_examples(
        &mut self,
        ranges: &[Range<usize>],
        prev: Option<&Analysis>,
        model: &mut dyn ByteModel,
    ) -> Result<Vec<ExampleRecs>> {
        let text = self.text;
        let olds: Vec<Option<(&[u8], Arc<WindowRec>)>> = (0..ranges.len())
            .map(|k| {
                let p = prev?;
                let ex = p.examples.get(k)?;
                let [w] = &p.windows[ex.windows.clone()] else {
                    return None;
                };
                Some((&p.text[ex.bytes.clone()], w.rec.clone()))
            })
            .collect();
        let total: usize = ranges
            .iter()
            .zip(&olds)
            .filter(|(r, o)| o.as_ref().is_none_or(|(b, _)| *b != &text[(*r).clone()]))
            .map(|(r, _)| r.len())
            .sum();
        let mut done = 0usize;
        let mut out = Vec::with_capacity(ranges.len());
        for (r, old) in ranges.iter().zip(olds) {
            if let Some((b, rec)) = &old {
                if *b == &text[r.clone()] {
                    self.stats.windows_reused += 1;
                    out.push((r.clone(), vec![rec.clone()]));
                    continue;
                }
            }
            self.side(model);
            let opts = &self.opts;
            let (rec, coded) = code_ac_example(
                text,
                r.clone(),
                old.as_ref().map(|(b, rec)| Old {
                    bytes: b,
                    rec: &rec.coded,
                }),
                self.config.precision,
                model,
                &self.lanes,
                opts,
                &mut |n| {
                    done += n;
                    opts.report(done, total);
                },
            )?;
            self.stats.bytes_encoded += coded.model_bytes;
            self.stats.windows_computed += 1;
            out.push((r.clone(), vec![rec]));
        }
        Ok(out)
    }

    /// Encodes whole examples from their first byte, many lanes side by side.
    fn whole_examples(
        &mut self,
        ranges: &[Range<usize>],
        model: &mut dyn ByteModel,
    ) -> Result<Vec<ExampleRecs>> {
        let tables = Tables::new(model, self.config.precision)?;
        let (text, config) = (self.text, self.config);
        let total = ranges.iter().map(|r| r.len()).sum();
        let never = |_: usize| false;
        let mut out = Vec::with_capacity(ranges.len());
        let stats = &mut self.stats;
        drive_all(
            model,
            &tables,
            ranges,
            &self.opts,
            total,
            |r| {
                WindowEncoder::new(
                    text,
                    r.clone(),
                    r.start,
                    0,
                    config,
                    TRACED,
                    Vec::new(),
                    never,
                )
            },
            |job| {
                stats.bytes_encoded += job.bytes_done();
                let range = job.bytes();
                let recs = unchecked(job.into_sink());
                stats.windows_computed += recs.len();
                out.push((range, recs));
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Encodes the examples of EqualInfoAC (reset every window, no Delay) from scratch,
    /// stepping several parts of each together on the model's lanes: every example is cut into
    /// segments, and one window encoder starts at each segment's first byte as if a window
    /// started there, running until a window boundary at or past the segment's end. A
    /// speculative window is a true one as soon as it starts where a true window starts (a
    /// window depends only on its own bytes and the byte after it), so the true chain is then
    /// followed through them, encoding sequentially only at seams where the chain lands on no
    /// speculative start, up to the first boundary it shares with one (usually a few windows).
    fn segmented(
        &mut self,
        ranges: &[Range<usize>],
        model: &mut dyn ByteModel,
    ) -> Result<Vec<ExampleRecs>> {
        let (text, config) = (self.text, self.config);
        let lanes = model.preferred_lanes().max(1);
        // (example, segment start, segment end); at least 512 bytes per segment (few seams).
        let mut segs: Vec<(usize, usize, usize)> = Vec::new();
        for (k, r) in ranges.iter().enumerate() {
            let seg = r.len().div_ceil(lanes).max(512);
            let mut s = r.start;
            while s < r.end {
                segs.push((k, s, (s + seg).min(r.end)));
                s += seg;
            }
        }
        let tables = Tables::new(model, config.precision)?;
        let total = text.len();
        let mut spec: Vec<HashMap<usize, Arc<WindowRec>>> = vec![HashMap::new(); ranges.len()];
        let mut base = 0usize;
        for group in segs.chunks(lanes) {
            // Between groups the lanes hold nothing: the side work may use the model.
            self.side(model);
            let outer = self.opts.progress;
            let report = move |done: usize, total: usize| {
                if let Some(p) = outer {
                    p(base + done, total);
                }
            };
            let opts = RunOptions {
                trace: self.opts.trace,
                cancel: self.opts.cancel,
                progress: Some(&report),
            };
            let stats = &mut self.stats;
            let spec = &mut spec;
            let mut done = 0usize;
            drive_all(
                model,
                &tables,
                group,
                &opts,
                total,
                |&(k, start, end)| {
                    let index = usize::from(start != ranges[k].start);
                    WindowEncoder::new(
                        text,
                        ranges[k].clone(),
                        start,
                        index,
                        config,
                        TRACED,
                        Vec::new(),
                        move |b: usize| b >= end,
                    )
                },
                |job| {
                    stats.bytes_encoded += job.bytes_done();
                    done += job.bytes_done();
                    let k = ranges.partition_point(|r| r.end <= job.bytes().start);
                    let k = k.min(ranges.len().saturating_sub(1));
                    for (start, rec) in job.into_sink() {
                        spec[k]
                            .entry(start)
                            .or_insert_with(|| Arc::new(WindowRec::unchecked(rec)));
                    }
                    Ok(())
                },
            )?;
            base += done;
        }
        let mut out = Vec::with_capacity(ranges.len());
        for (k, r) in ranges.iter().enumerate() {
            let spec = &spec[k];
            let mut recs: Vec<Arc<WindowRec>> = Vec::new();
            let mut pos = r.start;
            while pos < r.end {
                if let Some(rec) = spec.get(&pos) {
                    pos += rec.len.max(1);
                    recs.push(rec.clone());
                    self.stats.windows_computed += 1;
                    continue;
                }
                // A seam: the true chain encoded until it lands on a speculative start.
                pos = self.chain(r.clone(), pos, recs.len(), &mut recs, model, |b| {
                    spec.contains_key(&b)
                })?;
            }
            out.push((r.clone(), recs));
        }
        Ok(out)
    }

    /// Recomputes one example of EqualInfoAC (reset every window, no Delay) after an edit: see
    /// the module docs of [`crate::live`].
    fn reencode_example(
        &mut self,
        range: Range<usize>,
        old: &[u8],
        old_ws: &[Arc<WindowRec>],
        model: &mut dyn ByteModel,
    ) -> Result<Vec<Arc<WindowRec>>> {
        let new = &self.text[range.clone()];
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
        // Keep the windows all of whose bytes, and the byte that closed them, lie before the
        // edit (with Delay or the exact rule a window also depends on the bytes it gave back).
        let j = old_ws
            .iter()
            .zip(&old_starts)
            .take_while(|(w, &st)| w.overflow.as_ref().is_some_and(|o| st + o.at < pre))
            .count();
        let mut out: Vec<Arc<WindowRec>> = old_ws[..j].to_vec();
        self.stats.windows_reused += j;
        let pos = old_starts.get(j).copied().unwrap_or(0);
        let unchanged_from = new.len() - suf;
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
        let base = range.start;
        let end = self.chain(range, base + pos, j, &mut out, model, |b| {
            realigned(b - base).is_some()
        })?;
        if let Some(k) = realigned(end - base) {
            self.stats.windows_reused += old_ws.len() - k;
            out.extend_from_slice(&old_ws[k..]);
        }
        Ok(out)
    }

    /// Encodes the true window chain of the example `example` from its window boundary `pos`
    /// (window `index` of the example) on one lane, pushing each window to `out`, until a
    /// boundary satisfies `stop` or the example ends; returns that boundary.
    fn chain(
        &mut self,
        example: Range<usize>,
        pos: usize,
        index: usize,
        out: &mut Vec<Arc<WindowRec>>,
        model: &mut dyn ByteModel,
        stop: impl FnMut(usize) -> bool,
    ) -> Result<usize> {
        let tables = Tables::new(model, self.config.precision)?;
        let mut job = [WindowEncoder::new(
            self.text,
            example,
            pos,
            index,
            self.config,
            TRACED,
            Vec::new(),
            stop,
        )?];
        drive(model, &tables, &mut job, &self.opts, Progress::default())?;
        let [job] = job;
        self.stats.bytes_encoded += job.bytes_done();
        let end = job.boundary();
        let recs = unchecked(job.into_sink());
        self.stats.windows_computed += recs.len();
        out.extend(recs);
        Ok(end)
    }
}

/// The windows of a window encoder's sink as unchecked records.
fn unchecked(sink: Vec<(usize, WindowRecord)>) -> Vec<Arc<WindowRec>> {
    sink.into_iter()
        .map(|(_, rec)| Arc::new(WindowRec::unchecked(rec)))
        .collect()
}
