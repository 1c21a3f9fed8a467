//! The model pass of the segmenters: one [`LaneJob`] per example, stepped by the one lane driver
//! ([`crate::method::lanes::drive_all`]), that records per byte the entropy of M1's float
//! distribution (nats) and the information `−log2 q` of the byte under the coder's quantized
//! distribution (`q = f / 2^β`, as [`crate::stats::xent`] and the coder use), with the lane
//! reset by one of the [`Resets`] rules. With [`Resets::Patches`] the job also decides the entropy
//! patches as it goes: the context restarts at each patch start, so H_t depends on the decisions
//! before it and cannot be computed ahead.

use super::rules::starts_patch;
use super::spec::EntropySpec;
use crate::error::Result;
use crate::method::lanes::{LaneCtx, LaneJob, Step};
use std::ops::Range;

/// Where the job resets its lane (besides the example start, where every lane starts empty).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Resets<'a> {
    /// Never: M1's normal context over the example.
    Never,
    /// After every `\n`.
    Newline,
    /// At these absolute byte positions (sorted ascending).
    At(&'a [usize]),
    /// At every entropy patch start, decided on the way by this rule (global, monotone, both).
    Patches(EntropySpec),
}

pub use crate::coding::freq::entropy_nats;

/// One example's pass (see the module docs).
pub(crate) struct ScoreJob<'a> {
    data: &'a [u8],
    start: usize,
    end: usize,
    pos: usize,
    resets: Resets<'a>,
    cursor: usize,
    want_bits: bool,
    prev_h: f64,
    /// Per byte of the example: entropy (nats) of the distribution it was predicted from.
    pub(crate) entropy: Vec<f64>,
    /// Per byte: −log2 q (bits), when asked for.
    pub(crate) bits: Vec<f64>,
    /// With [`Resets::Patches`]: the patch starts found (absolute).
    pub(crate) starts: Vec<usize>,
}

impl<'a> ScoreJob<'a> {
    pub(crate) fn new(
        data: &'a [u8],
        example: Range<usize>,
        resets: Resets<'a>,
        want_bits: bool,
    ) -> Self {
        let cursor = match resets {
            Resets::At(list) => list.partition_point(|&p| p <= example.start),
            _ => 0,
        };
        ScoreJob {
            data,
            start: example.start,
            end: example.end,
            pos: example.start,
            resets,
            cursor,
            want_bits,
            prev_h: 0.0,
            entropy: Vec::with_capacity(example.len()),
            bits: Vec::with_capacity(if want_bits { example.len() } else { 0 }),
            starts: Vec::new(),
        }
    }
}

impl LaneJob for ScoreJob<'_> {
    fn step(&mut self, ctx: &mut LaneCtx) -> Result<Step> {
        if self.pos >= self.end {
            return Ok(Step::Done);
        }
        let pos = self.pos;
        match self.resets {
            Resets::Newline if pos > self.start && self.data[pos - 1] == b'\n' => ctx.reset(),
            Resets::At(list) => {
                while self.cursor < list.len() && list[self.cursor] < pos {
                    self.cursor += 1;
                }
                if list.get(self.cursor) == Some(&pos) {
                    ctx.reset();
                }
            }
            _ => {}
        }
        let h = entropy_nats(ctx.dist());
        if self.want_bits {
            let table = ctx.table()?;
            let b = self.data[pos];
            self.bits
                .push(-(table.freq(b) as f64 / table.total() as f64).log2());
        }
        if let Resets::Patches(spec) = self.resets {
            if starts_patch(&spec, pos - self.start, h, self.prev_h) {
                self.starts.push(pos);
                if pos > self.start {
                    ctx.reset();
                }
            }
        }
        self.prev_h = h;
        self.entropy.push(h);
        self.pos += 1;
        Ok(if self.pos == self.end {
            Step::Last
        } else {
            Step::Feed(self.data[pos])
        })
    }

    fn bytes_done(&self) -> usize {
        self.pos - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::entropy_nats;

    #[test]
    fn entropy_of_simple_distributions() {
        let mut d = vec![0.0f32; 256];
        d[7] = 1.0;
        assert_eq!(entropy_nats(&d), 0.0);
        d[8] = 1.0; // unnormalized: two equal values are one bit, ln 2 nats
        assert!((entropy_nats(&d) - std::f64::consts::LN_2).abs() < 1e-12);
        let u = vec![1.0f32 / 256.0; 256];
        assert!((entropy_nats(&u) - 256f64.ln()).abs() < 1e-9);
    }
}
