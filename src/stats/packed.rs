//! [`analyze`](super::analyze) of many inputs × many configurations in one stream of model
//! lanes (`method::lanes::drive_stream`): the examples of every input and of every
//! configuration that codes with the model (AC and EqualInfoAC) side by side, as many lanes as
//! the model prefers, whatever the files' sizes (a folder of 5 KB files fills the lanes as one
//! long file does). The trace sample that must be coded alone and the side-information-free
//! decoding of each finished encoding are jobs of the same stream; the decoding of an
//! encoding starts as soon as its last example is coded, before any further example.
//!
//! Every (input, configuration) gives exactly the accumulator [`super::analyze`] gives it alone
//! (timings aside): examples, windows and the decoder's windows are independent lane jobs, and
//! the lane contract makes a job's result independent of what shares the drive with it. Results
//! arrive through a callback as each (input, configuration) finishes.
//!
//! Memory: an (input, configuration) holds its encoding only until its statistics are taken;
//! jobs start in input-major order, so about a lane-full of them are alive at once. The bits of
//! each encoding whose windows are free-decoded stay until the call ends (a few bits per input
//! byte), so callers pass inputs in groups ([`crate::batch`] uses 8 MB).

use super::{trace_sample_len, StatsAccumulator, StatsOptions};
use crate::coding::BitWriter;
use crate::error::{Error, Result};
use crate::method::ac::{example_job, AcAssembly, ExampleJob};
use crate::method::decode::{
    free_decode_inputs, free_decoded, free_job, free_report, FreeDecoded, FreeJob, WindowBits,
};
use crate::method::lanes::{drive_stream, JobSource, LaneCtx, LaneJob, Progress, Step, Tables};
use crate::method::{example_ranges, Config, Encoded, FreeDecodeRule, MethodKind, RunOptions};
use crate::model::ByteModel;
use std::cell::OnceCell;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::time::Instant;

/// Whether a configuration's statistics go through the packed lane stream (the methods that
/// code with the shared model: AC and EqualInfoAC). The others need no model lanes (StaticAC
/// fits a unigram on each input) and are measured by [`super::analyze`] alone.
pub fn packs(config: &Config) -> bool {
    matches!(config.method, MethodKind::Ac | MethodKind::EqualInfo)
}

/// How the trace sample of an (input, configuration) is measured (as [`super::analyze`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sample {
    /// No alignment or window-position statistics.
    None,
    /// The whole input: the main run's recorded ranges.
    Whole,
    /// Whole leading examples of the main run.
    Prefix(usize),
    /// The sample cut out of one example: coded alone.
    Alone(usize),
}

fn sample_plan(len: usize, config: &Config, opts: &StatsOptions) -> Sample {
    let wants_trace = opts.alignment || opts.window_position;
    let sample = trace_sample_len(len, config, opts);
    if !wants_trace || sample == 0 {
        Sample::None
    } else if sample == len {
        Sample::Whole
    } else if config.example_bytes > 0 {
        Sample::Prefix(sample)
    } else {
        Sample::Alone(sample)
    }
}

/// One (input, configuration) in flight.
struct Unit<'a> {
    input: usize,
    config: usize,
    data: &'a [u8],
    cfg: &'a Config,
    ranges: Vec<Range<usize>>,
    record_upto: usize,
    sample: Sample,
    /// Examples handed out so far.
    started: usize,
    /// Example jobs finished but waiting for an earlier example.
    waiting: BTreeMap<usize, ExampleJob<'a>>,
    assembly: AcAssembly,
    assembled: usize,
    /// The sample coded alone: its encoding and recorded ranges.
    alone: Option<(Encoded, Vec<Range<u64>>)>,
    alone_pending: bool,
    enc: Option<Encoded>,
    byte_bits: Vec<Range<u64>>,
    /// Side-information-free decoding: per window its probe and result.
    probes: Vec<Option<(usize, u8)>>,
    free: Vec<Option<FreeDecoded>>,
    free_left: usize,
    encode_s: f64,
    alone_s: f64,
    free_s: f64,
}

impl Unit<'_> {
    fn examples_done(&self) -> bool {
        self.assembled == self.ranges.len()
    }
    fn free_decodes(&self, opts: &StatsOptions) -> bool {
        opts.free_decode && self.cfg.method == MethodKind::EqualInfo && self.cfg.reset_every == 1
    }
}

/// A job of the packed stream.
enum PackJob<'a> {
    Example {
        unit: usize,
        index: usize,
        job: ExampleJob<'a>,
    },
    Alone {
        unit: usize,
        job: ExampleJob<'a>,
    },
    Free {
        unit: usize,
        window: usize,
        job: FreeJob<'a>,
    },
}

impl LaneJob for PackJob<'_> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        match self {
            PackJob::Example { job, .. } | PackJob::Alone { job, .. } => job.step(ctx),
            PackJob::Free { job, .. } => job.step(ctx),
        }
    }
    fn bytes_done(&self) -> usize {
        match self {
            PackJob::Example { job, .. } | PackJob::Alone { job, .. } => job.bytes_done(),
            PackJob::Free { job, .. } => job.bytes_done(),
        }
    }
}

struct Source<'a, 'r> {
    opts: &'a StatsOptions,
    run: &'a RunOptions<'a>,
    units: Vec<Option<Unit<'a>>>,
    /// The bits of each unit's encoding while its windows are free-decoded.
    bits: &'a [OnceCell<BitWriter>],
    /// The unit whose examples are being handed out.
    cursor: usize,
    free_queue: VecDeque<(usize, usize)>,
    on_result: &'r mut dyn FnMut(usize, usize, Result<StatsAccumulator>),
    encoded_bytes: usize,
    total_bytes: usize,
}

impl<'a> Source<'a, '_> {
    /// The unit's examples are all coded: assemble, then free-decode or finish.
    fn examples_finished(&mut self, u: usize) -> Result<()> {
        let Some(unit) = self.units[u].as_mut() else {
            return Ok(());
        };
        let assembly = std::mem::replace(&mut unit.assembly, AcAssembly::new(unit.cfg, false));
        let enc = assembly.asm.finish(unit.data.len(), None);
        unit.byte_bits = assembly.byte_bits;
        if unit.free_decodes(self.opts) && !enc.windows.is_empty() {
            let (_, probes) = free_decode_inputs(&enc, unit.data);
            unit.free = vec![None; enc.windows.len()];
            unit.free_left = enc.windows.len();
            unit.probes = probes;
            // The cell is set once: a unit finishes its examples once.
            let _ = self.bits[u].set(enc.bits.clone());
            self.free_queue
                .extend((0..enc.windows.len()).map(|w| (u, w)));
            unit.enc = Some(enc);
            return Ok(());
        }
        unit.enc = Some(enc);
        self.maybe_finish(u)
    }

    /// Emits the unit's statistics when everything it waits for is done.
    fn maybe_finish(&mut self, u: usize) -> Result<()> {
        let ready = self.units[u].as_ref().is_some_and(|unit| {
            unit.examples_done() && unit.enc.is_some() && unit.free_left == 0 && !unit.alone_pending
        });
        if !ready {
            return Ok(());
        }
        let Some(unit) = self.units[u].take() else {
            return Ok(());
        };
        let (input, config) = (unit.input, unit.config);
        let acc = finish_unit(unit, self.opts);
        (self.on_result)(input, config, acc);
        Ok(())
    }
}

/// The statistics of a finished unit, as [`super::analyze`] takes them.
fn finish_unit(unit: Unit<'_>, opts: &StatsOptions) -> Result<StatsAccumulator> {
    let t1 = Instant::now();
    let mut acc = StatsAccumulator::new(unit.cfg, opts);
    let free_decodes = unit.free_decodes(opts);
    let enc = unit
        .enc
        .ok_or_else(|| Error::Decode("a packed encoding is missing".into()))?;
    let data = unit.data;
    acc.add_encoded(&enc);
    match unit.sample {
        Sample::None => {}
        Sample::Whole => acc.add_byte_bits(data, &enc, &unit.byte_bits),
        Sample::Prefix(sample) => {
            let k = enc
                .examples
                .iter()
                .take_while(|e| e.bytes.end <= sample)
                .count();
            let head = enc.prefix_examples(k);
            let r = &unit.byte_bits[..sample.min(unit.byte_bits.len())];
            acc.add_byte_bits(&data[..sample], &head, r);
        }
        Sample::Alone(sample) => {
            if let Some((head, r)) = &unit.alone {
                acc.add_byte_bits(&data[..sample], head, r);
            }
        }
    }
    let stats_s = t1.elapsed().as_secs_f64() + unit.alone_s;
    if free_decodes {
        let decoded: Vec<FreeDecoded> = unit
            .free
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        let r = free_report(&enc, data, &unit.probes, &decoded);
        acc.add_free_decode(&r);
    }
    acc.add_time(unit.encode_s, stats_s, unit.free_s);
    Ok(acc)
}

impl<'a> JobSource for Source<'a, '_> {
    type Job = PackJob<'a>;

    fn next_job(&mut self) -> Result<Option<(PackJob<'a>, u32)>> {
        // Decoding of finished encodings first: it lets their results out.
        if let Some((u, w)) = self.free_queue.pop_front() {
            let Some(unit) = self.units[u].as_ref() else {
                return Err(Error::Decode("a packed decoding lost its unit".into()));
            };
            let (Some(enc), Some(bits)) = (unit.enc.as_ref(), self.bits[u].get()) else {
                return Err(Error::Decode("a packed decoding lost its encoding".into()));
            };
            let win = &enc.windows[w];
            let wb = WindowBits {
                bits,
                range: win.bit_start..win.bit_start + win.bit_len,
                bytes: win.bytes.len(),
                reset: true,
            };
            let job = free_job(&wb, unit.probes[w], unit.cfg);
            return Ok(Some((
                PackJob::Free {
                    unit: u,
                    window: w,
                    job,
                },
                unit.cfg.precision,
            )));
        }
        while self.cursor < self.units.len() {
            let u = self.cursor;
            let Some(unit) = self.units[u].as_mut() else {
                self.cursor += 1;
                continue;
            };
            if let (Sample::Alone(sample), true, None) =
                (unit.sample, unit.started == 0, unit.alone.as_ref())
            {
                if !unit.alone_pending {
                    unit.alone_pending = true;
                    let job = example_job(unit.data, &(0..sample), unit.cfg, sample, false)?;
                    return Ok(Some((PackJob::Alone { unit: u, job }, unit.cfg.precision)));
                }
            }
            if let Some(r) = unit.ranges.get(unit.started) {
                let job = example_job(unit.data, r, unit.cfg, unit.record_upto, false)?;
                let index = unit.started;
                unit.started += 1;
                return Ok(Some((
                    PackJob::Example {
                        unit: u,
                        index,
                        job,
                    },
                    unit.cfg.precision,
                )));
            }
            self.cursor += 1;
            if unit.ranges.is_empty() {
                // An empty input: nothing to code.
                self.examples_finished(u)?;
            }
        }
        Ok(None)
    }

    fn finish_job(&mut self, job: PackJob<'a>, seconds: f64) -> Result<()> {
        match job {
            PackJob::Example {
                unit: u,
                index,
                job,
            } => {
                self.encoded_bytes += job.bytes_done();
                self.run.report(self.encoded_bytes, self.total_bytes);
                let Some(unit) = self.units[u].as_mut() else {
                    return Ok(());
                };
                unit.encode_s += seconds;
                unit.waiting.insert(index, job);
                while let Some(j) = unit.waiting.remove(&unit.assembled) {
                    unit.assembly.push(j)?;
                    unit.assembled += 1;
                }
                if unit.examples_done() {
                    self.examples_finished(u)?;
                }
            }
            PackJob::Alone { unit: u, job } => {
                let Some(unit) = self.units[u].as_mut() else {
                    return Ok(());
                };
                let mut a = AcAssembly::new(unit.cfg, false);
                let len = job.bytes().end;
                a.push(job)?;
                unit.alone = Some((a.asm.finish(len, None), a.byte_bits));
                unit.alone_pending = false;
                unit.alone_s += seconds;
                self.maybe_finish(u)?;
            }
            PackJob::Free {
                unit: u,
                window,
                job,
            } => {
                let Some(unit) = self.units[u].as_mut() else {
                    return Ok(());
                };
                unit.free_s += seconds;
                let rule = FreeDecodeRule::of(unit.cfg);
                if let Some(slot) = unit.free.get_mut(window) {
                    *slot = Some(free_decoded(job, rule));
                }
                unit.free_left = unit.free_left.saturating_sub(1);
                if unit.free_left == 0 {
                    self.maybe_finish(u)?;
                }
            }
        }
        Ok(())
    }
}

/// The statistics of every (input, configuration) pair with a configuration that [`packs`]
/// (the others are skipped), coded in one stream of `model`'s lanes. `on_result(input,
/// config, acc)` hears each pair as it finishes (in an order that depends only on the inputs,
/// the configurations and the model's lane count), a pair whose configuration does not fit the
/// model with its error. `run`'s progress hears (input bytes coded, input bytes of all packed
/// pairs); its cancel flag stops the call with [`Error::Cancelled`]. Any other error of the
/// stream (a model failure) ends the call with it; pairs not yet heard of have no result.
pub fn analyze_packed(
    inputs: &[&[u8]],
    configs: &[Config],
    model: &mut dyn ByteModel,
    opts: &StatsOptions,
    run: &RunOptions,
    on_result: &mut dyn FnMut(usize, usize, Result<StatsAccumulator>),
) -> Result<()> {
    let mut units = Vec::new();
    let mut precisions = Vec::new();
    let mut total_bytes = 0usize;
    for (i, data) in inputs.iter().enumerate() {
        for (c, cfg) in configs.iter().enumerate() {
            if !packs(cfg) {
                continue;
            }
            if let Err(e) = cfg.validate_for_model(model) {
                on_result(i, c, Err(e));
                continue;
            }
            precisions.push(cfg.precision);
            total_bytes += data.len();
            let sample = sample_plan(data.len(), cfg, opts);
            let record_upto = match sample {
                Sample::Whole => data.len(),
                Sample::Prefix(s) => s,
                Sample::None | Sample::Alone(_) => 0,
            };
            units.push(Some(Unit {
                input: i,
                config: c,
                data,
                cfg,
                ranges: example_ranges(data.len(), cfg.example_bytes),
                record_upto,
                sample,
                started: 0,
                waiting: BTreeMap::new(),
                assembly: AcAssembly::new(cfg, false),
                assembled: 0,
                alone: None,
                alone_pending: false,
                enc: None,
                byte_bits: Vec::new(),
                probes: Vec::new(),
                free: Vec::new(),
                free_left: 0,
                encode_s: 0.0,
                alone_s: 0.0,
                free_s: 0.0,
            }));
        }
    }
    let Some(&first) = precisions.first() else {
        return Ok(());
    };
    let tables = Tables::with_precisions(model, first, &precisions)?;
    let bits: Vec<OnceCell<BitWriter>> = (0..units.len()).map(|_| OnceCell::new()).collect();
    let quiet = RunOptions {
        trace: false,
        cancel: run.cancel,
        progress: None,
    };
    let mut source = Source {
        opts,
        run,
        units,
        bits: &bits,
        cursor: 0,
        free_queue: VecDeque::new(),
        on_result,
        encoded_bytes: 0,
        total_bytes,
    };
    drive_stream(model, &tables, &mut source, &quiet, Progress::default())
}
