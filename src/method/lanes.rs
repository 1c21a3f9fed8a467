//! The one lane driver: everything that codes with a model (the window encoder, the exact
//! decoder, the side-information-free decoder) is a [`LaneJob`], and [`drive`] steps many
//! independent jobs side by side, one model lane each, in batched model steps.
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

/// The quantized table of a distribution (the one float-to-integer step, see
/// [`crate::coding::quantize`]), with its error in the library's terms.
pub(crate) fn table_of(dist: &[f32], precision: u32) -> Result<FreqTable> {
    quantize(dist, precision).map_err(|e| Error::BadDistribution(e.to_string()))
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
            // A model with threads quantizes each step's distributions on them.
            model.prepare_tables(precision);
            None
        };
        Ok(Tables { fixed, precision })
    }

    pub(crate) fn get(&self, model: &dyn ByteModel, lane: usize) -> Result<Cow<'_, FreqTable>> {
        match &self.fixed {
            Some(t) => Ok(Cow::Borrowed(t)),
            None => match model.table(lane, self.precision) {
                Some(t) => Ok(Cow::Owned(t.clone())),
                None => Ok(Cow::Owned(table_of(model.dist(lane), self.precision)?)),
            },
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
}

impl<'t> LaneCtx<'_, 't> {
    /// The quantized table of the lane's next-byte distribution.
    pub(crate) fn table(&self) -> Result<Cow<'t, FreqTable>> {
        self.tables.get(&*self.model, self.lane)
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

/// Runs every job, `model.preferred_lanes()` at a time, in order: `make` builds the job of each
/// item when its group starts and `finish` receives every job of a group when the group is done
/// (in item order), so at most one group's jobs are alive at once.
pub(crate) fn drive_all<I, J: LaneJob>(
    model: &mut dyn ByteModel,
    tables: &Tables,
    items: &[I],
    opts: &RunOptions,
    total_bytes: usize,
    mut make: impl FnMut(&I) -> Result<J>,
    mut finish: impl FnMut(J) -> Result<()>,
) -> Result<()> {
    let group = model.preferred_lanes().max(1);
    let mut base = 0usize;
    for chunk in items.chunks(group) {
        let mut jobs = chunk.iter().map(&mut make).collect::<Result<Vec<J>>>()?;
        drive(
            model,
            tables,
            &mut jobs,
            opts,
            Progress {
                base,
                total: total_bytes,
            },
        )?;
        for job in jobs {
            base += job.bytes_done();
            finish(job)?;
        }
    }
    Ok(())
}
