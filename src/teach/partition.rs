//! The whole partition of the current interval: one slice per symbol (its slot of the
//! cumulative table, in register units exactly as the coder narrows), and, for drawing at a
//! given width, runs of neighbouring slices too narrow to see merged into labelled groups.

use super::coder::{narrow, Slot};

/// A slice of the interval (one symbol) or a group of neighbouring narrow slices.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// First symbol.
    pub first: usize,
    /// Last symbol (inclusive; equal to `first` for a single slice).
    pub last: usize,
    /// Left end, as a fraction of the interval (0..1).
    pub lo: f64,
    /// Right end, as a fraction of the interval.
    pub hi: f64,
    /// Probability mass in the table (count / total).
    pub prob: f64,
}

impl Part {
    /// Symbols in it.
    pub fn count(&self) -> usize {
        self.last + 1 - self.first
    }
    /// Whether it is a group of several symbols.
    pub fn is_group(&self) -> bool {
        self.last > self.first
    }
}

/// The slices of every symbol of `cum` inside the register interval `[low, high]`, as fractions
/// of that interval (exactly where the coder would narrow to).
pub fn slices(low: u64, high: u64, cum: &[u64]) -> Vec<Part> {
    let n = cum.len().saturating_sub(1);
    let total = cum.last().copied().unwrap_or(0);
    if total == 0 || high < low {
        return Vec::new();
    }
    let width = (high - low + 1) as f64;
    (0..n)
        .filter_map(|s| {
            let slot = Slot::of(cum, s)?;
            if slot.cum_high <= slot.cum_low {
                return None;
            }
            let (a, b) = narrow(low, high, slot);
            Some(Part {
                first: s,
                last: s,
                lo: (a - low) as f64 / width,
                hi: (b + 1 - low) as f64 / width,
                prob: (slot.cum_high - slot.cum_low) as f64 / total as f64,
            })
        })
        .collect()
}

/// What [`group`] made of a partition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grouped {
    /// Parts left to right: single slices at least `min_frac` wide, and groups.
    pub parts: Vec<Part>,
    /// Symbols shown as their own slice.
    pub single: usize,
    /// Symbols inside groups.
    pub grouped: usize,
}

/// Merges every maximal run of neighbouring slices narrower than `min_frac` (of the interval)
/// into one group; a symbol in `keep` always stays a slice of its own.
pub fn group(slices: &[Part], min_frac: f64, keep: Option<usize>) -> Grouped {
    let mut out = Grouped::default();
    let mut run: Option<Part> = None;
    for p in slices {
        let narrow = p.hi - p.lo < min_frac && Some(p.first) != keep;
        if narrow {
            match run.as_mut() {
                Some(r) => {
                    r.last = p.last;
                    r.hi = p.hi;
                    r.prob += p.prob;
                }
                None => run = Some(p.clone()),
            }
            continue;
        }
        if let Some(r) = run.take() {
            push_run(&mut out, r);
        }
        out.single += 1;
        out.parts.push(p.clone());
    }
    if let Some(r) = run.take() {
        push_run(&mut out, r);
    }
    out
}

fn push_run(out: &mut Grouped, r: Part) {
    if r.is_group() {
        out.grouped += r.count();
    } else {
        out.single += 1;
    }
    out.parts.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::quantize;
    use crate::teach::coder::{cum_of, HALF, ONE};

    #[test]
    fn uniform_gives_256_equal_slices() {
        let cum = cum_of(&quantize(&[1.0; 256], 14).expect("table"));
        let s = slices(0, ONE - 1, &cum);
        assert_eq!(s.len(), 256);
        for (k, p) in s.iter().enumerate() {
            assert!((p.lo - k as f64 / 256.0).abs() < 1e-12);
            assert!((p.hi - p.lo - 1.0 / 256.0).abs() < 1e-12);
        }
        // 1/256 of 1200 px is about 4.7 px: at a 1-pixel minimum nothing is grouped.
        let g = group(&s, 1.0 / 1200.0, None);
        assert_eq!((g.parts.len(), g.single, g.grouped), (256, 256, 0));
    }

    #[test]
    fn narrow_runs_are_grouped_and_mass_is_kept() {
        // One byte with most of the mass: the other 255 are slivers.
        let mut p = [1f32; 256];
        p[b'e' as usize] = 5000.0;
        let cum = cum_of(&quantize(&p, 14).expect("table"));
        let s = slices(HALF / 2, HALF + HALF / 3, &cum);
        let g = group(&s, 0.01, Some(b'q' as usize));
        // Groups: 0..=0x64 and 0x66..=0x70, 0x72..=0xff around 'e' and the kept 'q'.
        assert_eq!(g.single, 2);
        assert_eq!(g.grouped, 254);
        assert_eq!(g.parts.len(), 5);
        let mass: f64 = g.parts.iter().map(|p| p.prob).sum();
        assert!((mass - 1.0).abs() < 1e-12);
        for w in g.parts.windows(2) {
            assert_eq!(w[0].hi, w[1].lo);
            assert_eq!(w[0].last + 1, w[1].first);
        }
        assert_eq!(g.parts[0].lo, 0.0);
        assert!((g.parts[4].hi - 1.0).abs() < 1e-9);
    }
}
