//! A steady remaining-time estimate for the Batch tab's progress (no egui). The raw estimate
//! `elapsed × (1 − f) / f` of a fraction done `f` jumps whenever the work's pace changes (a
//! probe's encoding phase, where the fraction stands still, then training, where it runs; a
//! group of configurations finishing at once). [`EtaSmoother`] counts the shown value down in
//! real time and moves it toward each new raw estimate with a time constant of [`TAU_SECONDS`]
//! (an exponential moving average in continuous time, so the frequency of updates does not
//! matter).

/// The smoother's time constant, seconds.
pub const TAU_SECONDS: f64 = 5.0;

/// Remaining seconds as estimated at an instant; shown counted down from then (between
/// progress reports, e.g. during a long step that reports only at its end).
pub fn counted_down(estimate: Option<(f64, std::time::Instant)>) -> Option<f64> {
    estimate.map(|(s, at)| (s - at.elapsed().as_secs_f64()).max(0.0))
}

/// See the module docs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EtaSmoother {
    /// (elapsed seconds at the last update, remaining seconds shown then).
    last: Option<(f64, f64)>,
}

impl EtaSmoother {
    /// The remaining seconds to show at `elapsed` seconds with `fraction` done (None while
    /// nothing is done: no estimate yet).
    pub fn update(&mut self, elapsed: f64, fraction: f64) -> Option<f64> {
        if fraction.is_nan() || fraction <= 0.0 || !elapsed.is_finite() {
            return self
                .last
                .map(|(t, r)| (r - (elapsed - t).max(0.0)).max(0.0));
        }
        if fraction >= 1.0 {
            self.last = Some((elapsed, 0.0));
            return Some(0.0);
        }
        let raw = elapsed * (1.0 - fraction) / fraction;
        let shown = match self.last {
            None => raw,
            Some((t, r)) => {
                let dt = (elapsed - t).max(0.0);
                let predicted = (r - dt).max(0.0);
                let a = 1.0 - (-dt / TAU_SECONDS).exp();
                predicted + a * (raw - predicted)
            }
        };
        self.last = Some((elapsed, shown));
        Some(shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A steady pace gives the raw estimate exactly (it is already a straight countdown).
    #[test]
    fn steady_work_counts_down_exactly() {
        let mut s = EtaSmoother::default();
        // 100 s of work at a constant pace, reported every 0.5 s.
        for k in 1..200 {
            let t = k as f64 * 0.5;
            let eta = s.update(t, t / 100.0).unwrap_or(f64::NAN);
            assert!((eta - (100.0 - t)).abs() < 1e-9, "{t}: {eta}");
        }
        assert_eq!(s.update(100.0, 1.0), Some(0.0));
    }

    /// When the pace changes (the fraction stands still for 30 s, as in a probe's encoding
    /// phase, then runs), the raw estimate leaps; the shown one moves at most a bounded amount
    /// per second and then follows the new pace.
    #[test]
    fn a_change_of_pace_does_not_jump() {
        let mut s = EtaSmoother::default();
        let mut shown = Vec::new();
        let mut raws = Vec::new();
        let mut t = 0.0;
        // 10 s at 1%/s, 30 s stalled at 10%, then 2%/s.
        while t < 80.0 {
            t += 0.25;
            let f: f64 = if t <= 10.0 {
                t / 100.0
            } else if t <= 40.0 {
                0.1
            } else {
                (0.1 + (t - 40.0) * 0.02).min(0.99)
            };
            raws.push(t * (1.0 - f) / f);
            shown.push(s.update(t, f).unwrap_or(f64::NAN));
        }
        let max_step = |v: &[f64]| {
            v.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0f64, f64::max)
        };
        // Raw leaps by many seconds per quarter second when the stall ends; shown moves by a
        // quarter of that (each update moves it by about dt/τ of the gap, plus the countdown).
        let (raw_step, shown_step) = (max_step(&raws), max_step(&shown));
        assert!(raw_step > 15.0, "{raw_step}");
        assert!(shown_step < 0.3 * raw_step, "{shown_step} vs {raw_step}");
        // And it follows: over the last 20 s it counts down steadily, and it ends within
        // τ × (the raw estimate's excess slope, 1.3 s/s here) of the raw estimate.
        let last = &shown[shown.len() - 80..];
        assert!(last.windows(2).all(|w| w[1] < w[0]));
        let (r, e) = (raws[raws.len() - 1], shown[shown.len() - 1]);
        assert!((e - r).abs() <= TAU_SECONDS * 1.5, "{e} vs {r}");
        assert_eq!(EtaSmoother::default().update(3.0, 0.0), None);
    }
}
