//! Placing examples of window records into an [`Analysis`] ([`assemble`]), and after an edit
//! placing only what changed ([`assemble_after`]): the examples before the first changed one
//! keep their place, those after the last changed one move by the edit's length change in
//! bytes, bits, tokens and windows, and only the changed examples are laid out anew. Both give
//! the same analysis, field for field (`tests.rs`).

use super::{Analysis, ExampleRecs, LaneCache, RunStats, WindowRec, WindowView};
use crate::coding::BitWriter;
use crate::method::{tokens, Alignment, Config, ExampleSpan, MethodKind};
use std::ops::Range;
use std::sync::Arc;

/// The analysis being laid out, example by example.
struct Layout {
    tb: u64,
    bits: BitWriter,
    windows: Vec<WindowView>,
    examples: Vec<ExampleSpan>,
    byte_window: Vec<u32>,
    byte_bits: Vec<Range<u64>>,
    all_bytes_have_bits: bool,
}

impl Layout {
    /// Appends one example: its windows' bits end to end, zero-padded to a whole token.
    fn push(&mut self, range: Range<usize>, recs: Vec<Arc<WindowRec>>) {
        let len = self.byte_window.len();
        let start = self.bits.len();
        let w0 = self.windows.len();
        let ei = self.examples.len();
        let mut pos = range.start;
        for rec in recs {
            let bit_start = self.bits.len();
            self.bits.extend(&rec.bits);
            let end = (pos + rec.len).min(len);
            let wi = self.windows.len() as u32;
            for slot in self.byte_window.get_mut(pos..end).into_iter().flatten() {
                *slot = wi;
            }
            if self.all_bytes_have_bits && rec.byte_bits_len() == end.saturating_sub(pos) {
                self.byte_bits.extend(
                    rec.byte_bits()
                        .map(|r| r.start + bit_start..r.end + bit_start),
                );
            } else {
                self.all_bytes_have_bits = false;
            }
            self.windows.push(WindowView {
                bytes: pos..end,
                bit_start,
                example: ei,
                rec,
            });
            pos = end;
        }
        let bit_len = self.bits.len() - start;
        let padded = bit_len.div_ceil(self.tb) * self.tb;
        self.bits.push_run(false, padded - bit_len);
        self.examples.push(ExampleSpan {
            bytes: range,
            bit_start: start,
            bit_len,
            tokens: (start / self.tb) as usize..((start + padded) / self.tb) as usize,
            windows: w0..self.windows.len(),
        });
    }
}

/// Places examples of window records into an [`Analysis`]: the stream is the windows' bits
/// end to end, each example zero-padded to a whole number of tokens.
pub fn assemble(
    text: Arc<Vec<u8>>,
    config: &Config,
    model_generation: u64,
    examples: Vec<ExampleRecs>,
    stats: RunStats,
    lanes: Arc<LaneCache>,
) -> Analysis {
    let mut l = Layout {
        tb: config.token_bits.max(1) as u64,
        bits: BitWriter::new(),
        windows: Vec::new(),
        examples: Vec::new(),
        byte_window: vec![0u32; text.len()],
        byte_bits: Vec::new(),
        all_bytes_have_bits: true,
    };
    for (range, recs) in examples {
        l.push(range, recs);
    }
    let tokens = tokens::bits_to_tokens(&l.bits, config.token_bits);
    finish(text, config, model_generation, l, tokens, stats, lanes)
}

/// The stream's bits from `start` on, as a stream of their own (a byte at a time).
fn bits_from(bits: &BitWriter, start: u64) -> BitWriter {
    let len = bits.len().saturating_sub(start);
    let bytes = bits.as_bytes();
    let first = (start / 8) as usize;
    let off = (start % 8) as u32;
    let src = bytes.get(first..).unwrap_or_default();
    if off == 0 {
        return BitWriter::from_bytes(src, len);
    }
    let shifted: Vec<u8> = (0..src.len())
        .map(|i| (src[i] << off) | src.get(i + 1).map_or(0, |b| b >> (8 - off)))
        .collect();
    BitWriter::from_bytes(&shifted, len)
}

/// Whether two lists of records are the same records (the same `Arc`s).
fn same_recs(a: &[WindowView], b: &[Arc<WindowRec>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(v, r)| Arc::ptr_eq(&v.rec, r))
}

/// [`assemble`] after an edit, reusing the placement of `prev`'s examples that did not change
/// (the same records in the same order): the analysis is the one [`assemble`] gives.
pub fn assemble_after(
    prev: &Analysis,
    text: Arc<Vec<u8>>,
    config: &Config,
    model_generation: u64,
    examples: Vec<ExampleRecs>,
    stats: RunStats,
    lanes: Arc<LaneCache>,
) -> Analysis {
    let tb = config.token_bits.max(1) as u64;
    let usable = prev.config.token_bits == config.token_bits
        && config.method != MethodKind::Gzip
        && prev.alignment.has_bytes()
        && prev.byte_window.len() == prev.text.len();
    if !usable {
        return assemble(text, config, model_generation, examples, stats, lanes);
    }
    let (n_new, n_old) = (examples.len(), prev.examples.len());
    let old_recs = |k: usize| &prev.windows[prev.examples[k].windows.clone()];
    // Leading examples unchanged in place, trailing ones unchanged but moved.
    let k0 = (0..n_new.min(n_old))
        .take_while(|&k| {
            examples[k].0 == prev.examples[k].bytes && same_recs(old_recs(k), &examples[k].1)
        })
        .count();
    let delta = text.len() as i64 - prev.text.len() as i64;
    let k1 = (0..n_new.min(n_old) - k0)
        .take_while(|&i| {
            let (kn, ko) = (n_new - 1 - i, n_old - 1 - i);
            let (r, o) = (&examples[kn].0, &prev.examples[ko].bytes);
            r.start as i64 == o.start as i64 + delta
                && r.len() == o.len()
                && same_recs(old_recs(ko), &examples[kn].1)
        })
        .count();
    if k0 + k1 == 0 {
        return assemble(text, config, model_generation, examples, stats, lanes);
    }
    let mut stats = stats;
    stats.examples_placed_before = k0 + k1;
    // The prefix as it was.
    let (b0, bit0, w0, t0) = match prev.examples.get(k0) {
        Some(ex) => (
            ex.bytes.start,
            ex.bit_start,
            ex.windows.start,
            ex.tokens.start,
        ),
        None => (
            prev.text.len(),
            prev.bits.len(),
            prev.windows.len(),
            prev.tokens.len(),
        ),
    };
    let mut bits = prev.bits.clone();
    bits.truncate(bit0);
    let old_bytes = prev.alignment.byte_bit_ranges();
    let mut byte_window = Vec::with_capacity(text.len());
    byte_window.extend_from_slice(&prev.byte_window[..b0]);
    // The changed examples end where the moved suffix starts.
    let old_suffix = prev.examples[n_old - k1..]
        .first()
        .map_or(prev.text.len(), |e| e.bytes.start);
    byte_window.resize(text.len() - (prev.text.len() - old_suffix), 0);
    let mut l = Layout {
        tb,
        bits,
        windows: prev.windows[..w0].to_vec(),
        examples: prev.examples[..k0].to_vec(),
        byte_window,
        byte_bits: old_bytes[..b0].to_vec(),
        all_bytes_have_bits: true,
    };
    let mut examples = examples;
    let tail: Vec<ExampleRecs> = examples.split_off(n_new - k1);
    for (range, recs) in examples.into_iter().skip(k0) {
        l.push(range, recs);
    }
    if !l.all_bytes_have_bits {
        // The full layout decides what a method without per-byte bits gets.
        let mut all: Vec<ExampleRecs> = Vec::with_capacity(n_new);
        for (k, ex) in prev.examples[..k0].iter().enumerate() {
            all.push((
                ex.bytes.clone(),
                old_recs(k).iter().map(|w| w.rec.clone()).collect(),
            ));
        }
        let mid: Vec<ExampleRecs> = l.examples[k0..]
            .iter()
            .map(|ex| {
                (
                    ex.bytes.clone(),
                    l.windows[ex.windows.clone()]
                        .iter()
                        .map(|w| w.rec.clone())
                        .collect(),
                )
            })
            .collect();
        all.extend(mid);
        all.extend(tail);
        return assemble(text, config, model_generation, all, stats, lanes);
    }
    let mut tokens = Vec::with_capacity(prev.tokens.len());
    tokens.extend_from_slice(&prev.tokens[..t0]);
    tokens.extend(tokens::bits_to_tokens(
        &bits_from(&l.bits, bit0),
        config.token_bits,
    ));
    // The suffix, moved.
    if k1 > 0 {
        let first = &prev.examples[n_old - k1];
        let (ob, obit, ow, ot) = (
            first.bytes.start,
            first.bit_start,
            first.windows.start,
            first.tokens.start,
        );
        let (nb, nbit, nw, ne) = (
            l.byte_window.len(),
            l.bits.len(),
            l.windows.len(),
            l.examples.len(),
        );
        let db = |x: usize| x - ob + nb;
        let dbit = |x: u64| x - obit + nbit;
        l.bits.extend(&bits_from(&prev.bits, obit));
        tokens.extend_from_slice(&prev.tokens[ot..]);
        for ex in &prev.examples[n_old - k1..] {
            l.examples.push(ExampleSpan {
                bytes: db(ex.bytes.start)..db(ex.bytes.end),
                bit_start: dbit(ex.bit_start),
                bit_len: ex.bit_len,
                tokens: ex.tokens.start - ot + nbit as usize / tb as usize
                    ..ex.tokens.end - ot + nbit as usize / tb as usize,
                windows: ex.windows.start - ow + nw..ex.windows.end - ow + nw,
            });
        }
        for (i, w) in prev.windows[ow..].iter().enumerate() {
            l.byte_window
                .extend(std::iter::repeat_n((nw + i) as u32, w.bytes.len()));
            l.windows.push(WindowView {
                bytes: db(w.bytes.start)..db(w.bytes.end),
                bit_start: dbit(w.bit_start),
                example: w.example - (n_old - k1) + ne,
                rec: w.rec.clone(),
            });
        }
        l.byte_bits
            .extend(old_bytes[ob..].iter().map(|r| dbit(r.start)..dbit(r.end)));
    }
    finish(text, config, model_generation, l, tokens, stats, lanes)
}

fn finish(
    text: Arc<Vec<u8>>,
    config: &Config,
    model_generation: u64,
    l: Layout,
    tokens: Vec<u32>,
    stats: RunStats,
    lanes: Arc<LaneCache>,
) -> Analysis {
    let window_bits: Vec<_> = l
        .windows
        .iter()
        .map(|w| (w.bytes.clone(), w.bit_range()))
        .collect();
    // GZip's alignment comes from tracing its zlib streams (DEFLATE bit order, with overhead).
    let gzip = (config.method == MethodKind::Gzip)
        .then(|| {
            crate::method::trace::gzip_alignment(
                &l.bits,
                &window_bits,
                config.token_bits,
                Some(&text),
            )
            .ok()
        })
        .flatten();
    let alignment = gzip.unwrap_or_else(|| {
        Alignment::new(
            if l.all_bytes_have_bits {
                l.byte_bits
            } else {
                Vec::new()
            },
            window_bits,
            config.token_bits,
        )
    });
    Analysis {
        config: config.clone(),
        model_generation,
        full_len: text.len(),
        text,
        windows: l.windows,
        examples: l.examples,
        bits: l.bits,
        tokens,
        byte_window: l.byte_window,
        alignment,
        stats,
        lanes,
        dist_requests: Arc::default(),
    }
}
