//! The arithmetic-coding methods: AC (one coder per example), StaticAC (the same with a unigram)
//! and EqualInfoAC (windows of exactly `b` bits, see [`super::window`] for the rules), driven
//! over many examples at once, one model lane per example ([`super::lanes`]), and assembled into
//! one [`Encoded`].

use super::lanes::{drive_all, Tables};
use super::trace::Trace;
use super::window::{EncodeWants, WindowEncoder, WindowRecord, WindowSink};
use super::{example_ranges, Assembler, Config, Encoded, MethodKind, PackedWindows, RunOptions};
use crate::coding::BitWriter;
use crate::error::{Error, Result};
use crate::model::ByteModel;
use std::ops::Range;

pub use super::window::resets_at;

/// One example's windows laid end to end (bit positions relative to the example's first bit),
/// kept compact: the bits in one writer, each window's byte count and code bits.
#[derive(Default)]
pub(crate) struct ExampleSink {
    bits: BitWriter,
    windows: PackedWindows,
    /// A window did not fit the compact form (impossible for a valid EqualInfoAC
    /// configuration; AC's one window per example is not kept).
    too_long: bool,
    byte_bits: Vec<Range<u64>>,
    trace: Trace,
}

impl WindowSink for ExampleSink {
    fn push(&mut self, _start: usize, rec: WindowRecord) {
        let bit_start = self.bits.len();
        self.bits.extend(&rec.bits);
        let shift = |r: &Range<u64>| r.start + bit_start..r.end + bit_start;
        self.byte_bits.extend(rec.byte_bits.iter().map(shift));
        let window = self.windows.len();
        for mut bt in rec.traces {
            bt.bits = shift(&bt.bits);
            bt.window = window;
            self.trace.bytes.push(bt);
        }
        self.trace.dists.extend_from_slice(&rec.dists);
        // AC's one window per example is not kept: it is the example.
        if !self.windows.push(rec.len, rec.code_bits) {
            self.too_long = true;
        }
    }
}

/// Encodes with AC (no windows) or EqualInfo (windows), per `config.method`, and returns with
/// it the emitted bit range of every byte of the examples that start before `record_upto` (the
/// same ranges as the trace's [`super::ByteTrace::bits`], without the trace's cost).
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
    let (asm, trace, byte_bits) =
        assemble_ac_examples(data, ranges, config, model, opts, record_upto)?;
    Ok((asm.finish(data.len(), trace), byte_bits))
}

/// The encoder job of one example (the lane job of [`assemble_ac_examples`], also run by the
/// packed statistics of [`crate::stats::packed`] beside other inputs' and configurations' jobs).
pub(crate) type ExampleJob<'a> = WindowEncoder<'a, ExampleSink, fn(usize) -> bool>;

fn never(_: usize) -> bool {
    false
}

/// The job of example `r` of `data`, recording each byte's bit range when the example starts
/// before `record_upto`, and the trace when asked.
pub(crate) fn example_job<'a>(
    data: &'a [u8],
    r: &Range<usize>,
    config: &Config,
    record_upto: usize,
    trace: bool,
) -> Result<ExampleJob<'a>> {
    let wants = EncodeWants {
        byte_bits: r.start < record_upto,
        trace,
        dists: trace,
    };
    WindowEncoder::new(
        data,
        r.clone(),
        r.start,
        0,
        config,
        wants,
        ExampleSink::default(),
        never as fn(usize) -> bool,
    )
}

/// Finished example jobs assembled in order: the examples, the trace and the recorded bit
/// ranges (positions in the assembled stream).
pub(crate) struct AcAssembly {
    pub(crate) asm: Assembler,
    pub(crate) trace: Option<Trace>,
    pub(crate) byte_bits: Vec<Range<u64>>,
    windowed: bool,
}

impl AcAssembly {
    pub(crate) fn new(config: &Config, trace: bool) -> Self {
        AcAssembly {
            asm: Assembler::new(config),
            trace: trace.then(|| Trace {
                precision: config.precision,
                ..Trace::default()
            }),
            byte_bits: Vec::new(),
            windowed: config.method == MethodKind::EqualInfo,
        }
    }

    /// Adds the next example's finished job.
    pub(crate) fn push(&mut self, job: ExampleJob<'_>) -> Result<()> {
        let range = job.bytes();
        let ex = job.into_sink();
        let asm = &mut self.asm;
        let start = asm.bit_pos();
        self.byte_bits
            .extend(ex.byte_bits.iter().map(|r| r.start + start..r.end + start));
        if let Some(t) = self.trace.as_mut() {
            let w0 = asm.window_count();
            for mut bt in ex.trace.bytes {
                bt.bits = bt.bits.start + start..bt.bits.end + start;
                bt.window += w0;
                t.bytes.push(bt);
            }
            t.dists.extend_from_slice(&ex.trace.dists);
        }
        if self.windowed {
            if ex.too_long {
                return Err(Error::BadParams(format!(
                    "a window of more than {} bytes (impossible for a valid configuration)",
                    PackedWindows::MAX_BYTES
                )));
            }
            asm.push_windows(range, &ex.bits, &ex.windows);
        } else {
            asm.push_whole(range, &ex.bits);
        }
        Ok(())
    }
}

/// [`encode_ac_examples`] up to the assembled examples (the caller chooses how to finish).
pub(crate) fn assemble_ac_examples(
    data: &[u8],
    ranges: &[Range<usize>],
    config: &Config,
    model: &mut dyn ByteModel,
    opts: &RunOptions,
    record_upto: usize,
) -> Result<(Assembler, Option<Trace>, Vec<Range<u64>>)> {
    let tables = Tables::new(model, config.precision)?;
    let mut out = AcAssembly::new(config, opts.trace);
    drive_all(
        model,
        &tables,
        ranges,
        opts,
        data.len(),
        |r| example_job(data, r, config, record_upto, opts.trace),
        |job| out.push(job),
    )?;
    Ok((out.asm, out.trace, out.byte_bits))
}
