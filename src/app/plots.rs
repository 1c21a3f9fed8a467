//! Plain builders of plot and drawing data (no egui): the partition of a coder interval by a
//! quantized CDF, the dyadic stop interval, the growth of "bits needed" through a window.

use crate::coding::{CoderState, FreqTable};
use crate::live::WindowRec;

/// One symbol's slice of the current interval, in the interval's relative coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slice {
    /// The byte.
    pub byte: u8,
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Its quantized probability.
    pub prob: f64,
}

/// The slices of `candidates` in the interval of `state` (relative coordinates of the coder's
/// emitted prefix, see `CoderState::relative_interval`), by the quantized table.
pub fn partition(
    state: &CoderState,
    table: &FreqTable,
    candidates: &[u8],
) -> (f64, f64, Vec<Slice>) {
    let (lo, hi) = state.relative_interval();
    let total = table.total().max(1) as f64;
    let w = hi - lo;
    let slices = candidates
        .iter()
        .map(|&s| Slice {
            byte: s,
            lo: lo + w * table.cum_low(s) as f64 / total,
            hi: lo + w * table.cum_high(s) as f64 / total,
            prob: table.freq(s) as f64 / total,
        })
        .collect();
    (lo, hi, slices)
}

/// The dyadic interval a stop at `state` picks, in the same relative coordinates, and its level
/// (bits beyond the emitted ones). None for the untouched full interval.
pub fn stop_dyadic(state: &CoderState) -> Option<(f64, f64, u64)> {
    let code = state.stop_code();
    if code.extra == 0 {
        return None;
    }
    let width = 2f64.powi(-(code.extra.min(1000) as i32));
    Some(if code.first_bit {
        (0.5, 0.5 + width, code.extra)
    } else {
        (0.5 - width, 0.5, code.extra)
    })
}

/// Points (bytes coded, bits needed to stop) through a window, starting at (0, 0).
pub fn bits_needed_points(rec: &WindowRec) -> Vec<[f64; 2]> {
    std::iter::once([0.0, 0.0])
        .chain(
            rec.traces
                .iter()
                .enumerate()
                .map(|(j, t)| [(j + 1) as f64, t.after.bits_needed() as f64]),
        )
        .collect()
}

/// A view range around `lo..hi` with a margin of `margin` times its width on each side.
pub fn zoom(lo: f64, hi: f64, margin: f64) -> (f64, f64) {
    let w = (hi - lo).max(1e-300);
    (lo - w * margin, hi + w * margin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::quantize;

    #[test]
    fn partition_covers_the_interval() {
        let table = quantize(&[1.0; 256], 12).unwrap_or_else(|_| unreachable!());
        let st = CoderState::default();
        let all: Vec<u8> = (0..=255).collect();
        let (lo, hi, slices) = partition(&st, &table, &all);
        assert_eq!((lo, hi), (0.0, 1.0));
        assert!((slices[0].lo - 0.0).abs() < 1e-12);
        assert!((slices[255].hi - 1.0).abs() < 1e-12);
        assert!((slices[10].hi - slices[11].lo).abs() < 1e-12);
    }

    #[test]
    fn dyadic_lies_inside_the_interval() {
        let mut dist = [1.0f32; 256];
        dist[65] = 3.0;
        let table = quantize(&dist, 12).unwrap_or_else(|_| unreachable!());
        let st = CoderState::default().after(&table, 65);
        let (lo, hi) = st.relative_interval();
        let (a, b, k) = stop_dyadic(&st).unwrap_or((0.0, 0.0, 0));
        assert!(k > 0 && lo <= a && b <= hi, "{lo} {hi} {a} {b}");
    }
}
