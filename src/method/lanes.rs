//! The one lane scheduler: everything that codes with a model (the window encoder, the exact
//! decoder, the side-information-free decoder, the trace sample) is a [`LaneJob`], and
//! [`drive_stream`] steps many independent jobs side by side, one model lane each, in batched
//! model steps, taking them from a [`JobSource`] and refilling a lane as soon as its job ends
//! (so a stream of jobs of any sizes, from any inputs and configurations, keeps
//! `preferred_lanes` lanes busy). [`drive_all`] runs a list of items on it and hands the jobs
//! back in item order; [`drive`] steps a fixed set of jobs, one lane each.
//!
//! ## The loop
//! Every round, each unfinished job takes one [`LaneJob::step`]: it reads its lane's quantized
//! table through the [`LaneCtx`] (and may reset its lane, e.g. when a window closes), does its
//! coding work and answers what to feed its lane next. Then the model is fed once for all lanes
//! that asked. A job answers [`Step::Done`] when it has nothing left; the drive ends when every
//! job is done. The lane contract of [`crate::model`] makes a lane's distributions independent of
//! the other lanes, so a job's result does not depend on which jobs share the drive with it, nor
//! on how many: packing is free to follow the model's preferred lane count.

use super::RunOptions;
use crate::coding::{quantize, FreqTable};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Instant;

/// The quantized table of a distribution (the one float-to-integer step, see
/// [`crate::coding::quantize`]), with its error in the library's terms.
pub(crate) fn table_of(dist: &[f32], precision: u32) -> Result<FreqTable> {
    quantize(dist, precision).map_err(|e| Error::BadDistribution(e.to_string()))
}

/// Supplies the quantized table of a lane, quantizing once per precision for context-free
/// models. Jobs of several configurations may share a drive ([`drive_stream`]): each asks for
/// its own precision.
pub(crate) struct Tables {
    /// Context-free models: the one table of each precision prepared.
    fixed: Vec<(u32, FreqTable)>,
    context_free: bool,
    precision: u32,
}

impl Tables {
    pub(crate) fn new(model: &mut dyn ByteModel, precision: u32) -> Result<Self> {
        Self::with_precisions(model, precision, &[])
    }

    /// Tables at `precision` (the default of [`drive`] and [`drive_all`]) and at each of `more`.
    pub(crate) fn with_precisions(
        model: &mut dyn ByteModel,
        precision: u32,
        more: &[u32],
    ) -> Result<Self> {
        let context_free = model.context_free();
        let mut fixed = Vec::new();
        if context_free {
            model.start(1)?;
            for &p in std::iter::once(&precision).chain(more) {
                if !fixed.iter().any(|(q, _)| *q == p) {
                    fixed.push((p, table_of(model.dist(0), p)?));
                }
            }
        } else {
            // A model with threads quantizes each step's distributions on them (at the default
            // precision; other precisions of a packed run are quantized here).
            model.prepare_tables(precision);
        }
        Ok(Tables {
            fixed,
            context_free,
            precision,
        })
    }

    /// The table of a lane at `precision`.
    pub(crate) fn get_at(
        &self,
        model: &dyn ByteModel,
        lane: usize,
        precision: u32,
    ) -> Result<Cow<'_, FreqTable>> {
        if self.context_free {
            if let Some((_, t)) = self.fixed.iter().find(|(p, _)| *p == precision) {
                return Ok(Cow::Borrowed(t));
            }
        }
        match model.table(lane, precision) {
            Some(t) => Ok(Cow::Owned(t.clone())),
            None => Ok(Cow::Owned(table_of(model.dist(lane), precision)?)),
        }
    }
}

/// What a job did in one round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// It consumed its lane's distribution; feed this byte to its lane.
    Feed(u8),
    /// It consumed its lane's distribution and needs no feed (its last byte).
    Last,
    /// It has finished (nothing was consumed this round).
    Done,
}

/// A job's view of its own lane during a step.
pub(crate) struct LaneCtx<'m, 't> {
    model: &'m mut dyn ByteModel,
    tables: &'t Tables,
    lane: usize,
    precision: u32,
}

impl<'t> LaneCtx<'_, 't> {
    /// The quantized table of the lane's next-byte distribution.
    pub(crate) fn table(&self) -> Result<Cow<'t, FreqTable>> {
        self.tables.get_at(&*self.model, self.lane, self.precision)
    }

    /// The lane's next-byte distribution (floats, before quantization).
    pub(crate) fn dist(&self) -> &[f32] {
        self.model.dist(self.lane)
    }

    /// Resets the lane to the empty context (a new window).
    pub(crate) fn reset(&mut self) {
        self.model.reset_lane(self.lane);
    }
}

/// One independent piece of coding work stepped on one model lane.
pub(crate) trait LaneJob {
    /// One round: see the module docs. Called only until it answers [`Step::Done`].
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step>;

    /// Input bytes this job has coded so far (for progress reports).
    fn bytes_done(&self) -> usize {
        0
    }
}

/// Progress of a drive: bytes done before it and the total the caller reports against.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Progress {
    pub(crate) base: usize,
    pub(crate) total: usize,
}

/// Runs `jobs` to completion on fresh lanes of `model` (one lane per job), checking `opts`'
/// cancel flag every round and reporting progress every 64 rounds.
pub(crate) fn drive<J: LaneJob>(
    model: &mut dyn ByteModel,
    tables: &Tables,
    jobs: &mut [J],
    opts: &RunOptions,
    progress: Progress,
) -> Result<()> {
    let n = jobs.len();
    if n == 0 {
        return Ok(());
    }
    model.start(n)?;
    let mut feeds: Vec<Option<u8>> = vec![None; n];
    let mut done = vec![false; n];
    let mut rounds = 0usize;
    loop {
        opts.check_cancel()?;
        let mut active = false;
        for (lane, job) in jobs.iter_mut().enumerate() {
            feeds[lane] = None;
            if done[lane] {
                continue;
            }
            let mut ctx = LaneCtx {
                model: &mut *model,
                tables,
                lane,
                precision: tables.precision,
            };
            match job.step(&mut ctx)? {
                Step::Feed(b) => {
                    feeds[lane] = Some(b);
                    active = true;
                }
                Step::Last => active = true,
                Step::Done => done[lane] = true,
            }
        }
        if !active {
            return Ok(());
        }
        if feeds.iter().any(Option::is_some) {
            model.feed(&feeds)?;
        }
        rounds += 1;
        if rounds.is_multiple_of(64) && opts.progress.is_some() {
            let bytes: usize = jobs.iter().map(LaneJob::bytes_done).sum();
            opts.report(progress.base + bytes, progress.total);
        }
    }
}

/// Where [`drive_stream`] takes its jobs from and gives them back. Jobs may come from many
/// inputs and configurations (each with its own precision); a finished job may make new ones
/// (the side-information-free decoding of an encoding just finished), which the drive picks up
/// on the lanes that are free.
pub(crate) trait JobSource {
    /// The jobs.
    type Job: LaneJob;

    /// The next job to start now and the precision of its tables, or None when there is none
    /// now (more may come after a job finishes).
    fn next_job(&mut self) -> Result<Option<(Self::Job, u32)>>;

    /// A finished job, with its share of the drive's wall time (each round's time split evenly
    /// among the jobs that stepped in it).
    fn finish_job(&mut self, job: Self::Job, seconds: f64) -> Result<()>;

    /// The most jobs it will ever give, when known (a drive of fewer jobs starts fewer lanes).
    fn max_jobs(&self) -> Option<usize> {
        None
    }
}

struct Slot<J> {
    job: J,
    precision: u32,
    seconds: f64,
}

/// The one lane scheduler: runs every job of `source` on `model.preferred_lanes()` lanes, a job
/// per lane, refilling a lane (reset to the empty context) as soon as its job finishes, so the
/// lanes stay full whatever the jobs' sizes; ends when every lane is free and the source has
/// nothing more. Checks `opts`' cancel flag every round and reports progress every 64 rounds
/// (bytes of finished jobs and of running ones, from `progress.base`).
///
/// A job's result never depends on which jobs share the drive or on which lane it gets: the
/// lane contract of [`crate::model`] makes a lane's distributions a function of what was fed to
/// it since its reset.
pub(crate) fn drive_stream<S: JobSource>(
    model: &mut dyn ByteModel,
    tables: &Tables,
    source: &mut S,
    opts: &RunOptions,
    progress: Progress,
) -> Result<()> {
    opts.check_cancel()?;
    let Some(first) = source.next_job()? else {
        return Ok(());
    };
    let lanes = source
        .max_jobs()
        .map_or(model.preferred_lanes(), |n| n.min(model.preferred_lanes()))
        .max(1);
    model.start(lanes)?;
    let mut slots: Vec<Option<Slot<S::Job>>> = (0..lanes).map(|_| None).collect();
    let mut fresh = vec![true; lanes];
    let mut pending = Some(first);
    let mut feeds: Vec<Option<u8>> = vec![None; lanes];
    let mut done_bytes = 0usize;
    let mut rounds = 0usize;
    loop {
        opts.check_cancel()?;
        let t0 = Instant::now();
        let mut active = 0usize;
        for lane in 0..lanes {
            feeds[lane] = None;
            loop {
                if slots[lane].is_none() {
                    let next = match pending.take() {
                        Some(j) => Some(j),
                        None => source.next_job()?,
                    };
                    let Some((job, precision)) = next else {
                        break;
                    };
                    if !fresh[lane] {
                        model.reset_lane(lane);
                    }
                    fresh[lane] = false;
                    slots[lane] = Some(Slot {
                        job,
                        precision,
                        seconds: 0.0,
                    });
                }
                let Some(slot) = slots[lane].as_mut() else {
                    break;
                };
                let mut ctx = LaneCtx {
                    model: &mut *model,
                    tables,
                    lane,
                    precision: slot.precision,
                };
                match slot.job.step(&mut ctx)? {
                    Step::Feed(b) => {
                        feeds[lane] = Some(b);
                        active += 1;
                        break;
                    }
                    Step::Last => {
                        active += 1;
                        break;
                    }
                    Step::Done => {
                        if let Some(s) = slots[lane].take() {
                            done_bytes += s.job.bytes_done();
                            source.finish_job(s.job, s.seconds)?;
                        }
                    }
                }
            }
        }
        if active == 0 {
            return Ok(());
        }
        if feeds.iter().any(Option::is_some) {
            model.feed(&feeds)?;
        }
        let share = t0.elapsed().as_secs_f64() / active as f64;
        for s in slots.iter_mut().flatten() {
            s.seconds += share;
        }
        rounds += 1;
        if rounds.is_multiple_of(64) && opts.progress.is_some() {
            let running: usize = slots.iter().flatten().map(|s| s.job.bytes_done()).sum();
            opts.report(progress.base + done_bytes + running, progress.total);
        }
    }
}

/// A job of [`drive_all`], with its item's index.
struct Indexed<J> {
    index: usize,
    job: J,
}

impl<J: LaneJob> LaneJob for Indexed<J> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        self.job.step(ctx)
    }
    fn bytes_done(&self) -> usize {
        self.job.bytes_done()
    }
}

/// [`drive_all`]'s source: items in order, finished jobs handed on in item order.
struct InOrder<'i, I, J, M, F> {
    items: &'i [I],
    next: usize,
    precision: u32,
    make: M,
    finish: F,
    /// Finished jobs waiting for an earlier item's.
    waiting: BTreeMap<usize, J>,
    handed: usize,
}

impl<I, J, M, F> JobSource for InOrder<'_, I, J, M, F>
where
    J: LaneJob,
    M: FnMut(&I) -> Result<J>,
    F: FnMut(J) -> Result<()>,
{
    type Job = Indexed<J>;

    fn next_job(&mut self) -> Result<Option<(Indexed<J>, u32)>> {
        let Some(item) = self.items.get(self.next) else {
            return Ok(None);
        };
        let job = (self.make)(item)?;
        let index = self.next;
        self.next += 1;
        Ok(Some((Indexed { index, job }, self.precision)))
    }

    fn max_jobs(&self) -> Option<usize> {
        Some(self.items.len())
    }

    fn finish_job(&mut self, job: Indexed<J>, _seconds: f64) -> Result<()> {
        self.waiting.insert(job.index, job.job);
        while let Some(j) = self.waiting.remove(&self.handed) {
            self.handed += 1;
            (self.finish)(j)?;
        }
        Ok(())
    }
}

/// Runs every job on the lanes of [`drive_stream`] (a lane refilled as soon as its job ends):
/// `make` builds the job of each item when a lane takes it (in item order) and `finish`
/// receives every job, in item order, once it and every earlier one are done (a job that ends
/// before an earlier one waits for it).
pub(crate) fn drive_all<I, J: LaneJob>(
    model: &mut dyn ByteModel,
    tables: &Tables,
    items: &[I],
    opts: &RunOptions,
    total_bytes: usize,
    make: impl FnMut(&I) -> Result<J>,
    finish: impl FnMut(J) -> Result<()>,
) -> Result<()> {
    let mut source = InOrder {
        items,
        next: 0,
        precision: tables.precision,
        make,
        finish,
        waiting: BTreeMap::new(),
        handed: 0,
    };
    drive_stream(
        model,
        tables,
        &mut source,
        opts,
        Progress {
            base: 0,
            total: total_bytes,
        },
    )
}
