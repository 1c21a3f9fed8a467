//! The Live tab's entropy track: H_t of every byte as a line over the byte index, BLT's
//! threshold θ drawn across it (drag in the track or type it), the entropy patch starts that
//! the rule gives marked on the line, and the Equal-Info window boundaries as vertical lines
//! beside them.
//!
//! H_t here is the entropy of the distribution the Live analysis coded byte t with: with
//! EqualInfo resetting the model at every window (the default), the context restarts at every
//! window, so these are not BLT's `reset=never` entropies; with "reset every n windows" = 0, or
//! with AC, the model's context runs over each example and they are (as
//! `eqinfo segments -c entropy` computes them). The rules are the library's
//! ([`crate::segment::rules`]), applied to the whole text as one sequence.

use crate::live::Analysis;
use crate::segment::rules::entropy_starts;
use crate::segment::spec::{EntropyMode, EntropySpec, DEFAULT_THRESHOLD_NATS};
use egui::{Color32, Ui};
use egui_plot::{HLine, Line, Plot, Points, VLine};
use std::sync::Arc;

/// Window boundaries drawn at most (beyond, the lines would only blacken the track).
const MAX_WINDOW_LINES: usize = 4000;

/// The track's settings and its cache.
#[derive(Debug, Clone)]
pub struct EntropyTrackState {
    /// Show the track.
    pub show: bool,
    /// The rule (global, monotone or both; top-k has no threshold to drag).
    pub mode: EntropyMode,
    /// θ in nats.
    pub threshold_nats: f64,
    /// θ_r in nats (monotone, both).
    pub rise_nats: f64,
    /// The entropies of the analysis they were computed for (its address), nats.
    cache: Option<(usize, Arc<Vec<f64>>)>,
}

impl Default for EntropyTrackState {
    fn default() -> Self {
        EntropyTrackState {
            show: true,
            mode: EntropyMode::Global,
            threshold_nats: DEFAULT_THRESHOLD_NATS,
            rise_nats: 0.0,
            cache: None,
        }
    }
}

impl EntropyTrackState {
    /// The rule as a segmenter spec.
    pub fn spec(&self) -> EntropySpec {
        EntropySpec {
            threshold_nats: self.threshold_nats,
            rise_threshold_nats: self.rise_nats,
            ..EntropySpec::new(self.mode)
        }
    }

    /// Per-byte entropies (nats) of `a`, computed once per analysis; None without a trace.
    pub fn entropies(&mut self, a: &Arc<Analysis>) -> Option<Arc<Vec<f64>>> {
        let key = Arc::as_ptr(a) as usize;
        if let Some((k, h)) = &self.cache {
            if *k == key {
                return Some(h.clone());
            }
        }
        let h: Option<Vec<f64>> = (0..a.len())
            .map(|i| a.byte(i).map(|b| b.trace.entropy))
            .collect();
        let h = Arc::new(h?);
        self.cache = Some((key, h.clone()));
        Some(h)
    }
}

/// Patch starts of `h` under the track's rule (the whole text one sequence).
pub fn patch_starts(st: &EntropyTrackState, h: &[f64]) -> Vec<usize> {
    entropy_starts(&st.spec(), h)
}

/// Which context the track's entropies were computed in.
pub fn context_note(c: &crate::method::Config) -> &'static str {
    let windows_reset = c.method == crate::method::MethodKind::EqualInfo && c.reset_every != 0;
    if windows_reset {
        "H_t with the model reset at each window (set \"reset every n windows\" to 0 for M1's \
         context over the example, BLT's reset=never)"
    } else {
        "H_t in M1's context over each example (BLT's reset=never)"
    }
}

/// Draws the track (see the module docs).
pub fn entropy_track_ui(ui: &mut Ui, a: &Arc<Analysis>, st: &mut EntropyTrackState) {
    ui.horizontal(|ui| {
        ui.checkbox(&mut st.show, "entropy track");
        if !st.show {
            return;
        }
        egui::ComboBox::from_label("patch rule")
            .selected_text(st.mode.name())
            .show_ui(ui, |ui| {
                for m in [
                    EntropyMode::Global,
                    EntropyMode::Monotone,
                    EntropyMode::Both,
                ] {
                    ui.selectable_value(&mut st.mode, m, m.name());
                }
            });
        if st.mode != EntropyMode::Monotone {
            let l = ui.label("θ (nats)");
            ui.add(
                egui::DragValue::new(&mut st.threshold_nats)
                    .speed(0.01)
                    .range(0.0..=6.0),
            )
            .labelled_by(l.id);
            ui.weak(format!(
                "= {:.3} bits",
                st.threshold_nats / std::f64::consts::LN_2
            ));
        }
        if st.mode != EntropyMode::Global {
            let l = ui.label("θr (nats)");
            ui.add(
                egui::DragValue::new(&mut st.rise_nats)
                    .speed(0.01)
                    .range(-6.0..=6.0),
            )
            .labelled_by(l.id);
        }
        if ui.button("BLT default").clicked() {
            st.threshold_nats = DEFAULT_THRESHOLD_NATS;
            st.rise_nats = if st.mode == EntropyMode::Both {
                0.0
            } else {
                DEFAULT_THRESHOLD_NATS
            };
        }
    });
    if !st.show {
        return;
    }
    let Some(h) = st.entropies(a) else {
        ui.weak("(no per-byte distributions for this method: no entropy track)");
        return;
    };
    if h.is_empty() {
        return;
    }
    let starts = patch_starts(st, &h);
    ui.label(format!(
        "{} entropy patches (mean {:.2} bytes) · {} windows (mean {:.2} bytes) · {}; drag in \
         the track to set θ",
        starts.len(),
        h.len() as f64 / starts.len().max(1) as f64,
        a.windows.len(),
        h.len() as f64 / a.windows.len().max(1) as f64,
        context_note(&a.config)
    ));
    let line: Vec<[f64; 2]> = h.iter().enumerate().map(|(i, &v)| [i as f64, v]).collect();
    let marks: Vec<[f64; 2]> = starts.iter().map(|&i| [i as f64, h[i]]).collect();
    let windows: Vec<f64> = a.windows.iter().map(|w| w.bytes.start as f64).collect();
    let theta = st.threshold_nats;
    let show_theta = st.mode != EntropyMode::Monotone;
    let resp = Plot::new("entropy_track")
        .height(100.0)
        .allow_drag(false)
        .allow_zoom([true, false])
        .include_y(0.0)
        .include_y(256f64.ln())
        .x_axis_label("byte")
        .y_axis_label("H_t (nats)")
        .show(ui, |p| {
            if windows.len() <= MAX_WINDOW_LINES {
                for (k, &x) in windows.iter().enumerate() {
                    p.vline(
                        VLine::new(if k == 0 { "window starts" } else { "" }, x - 0.5)
                            .color(Color32::from_gray(150))
                            .width(0.5),
                    );
                }
            }
            p.line(Line::new("H_t", line).color(Color32::from_rgb(40, 110, 200)));
            if show_theta {
                p.hline(
                    HLine::new("θ", theta)
                        .color(Color32::from_rgb(220, 60, 40))
                        .width(1.5),
                );
            }
            p.points(
                Points::new("patch starts", marks)
                    .color(Color32::from_rgb(220, 60, 40))
                    .radius(3.0),
            );
            let r = p.response();
            let set = (r.dragged() || r.clicked()) && show_theta;
            set.then(|| p.pointer_coordinate()).flatten()
        });
    if let Some(pt) = resp.inner {
        st.threshold_nats = pt.y.clamp(0.0, 6.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_track_applies_the_librarys_rule_to_its_settings() {
        let h = [3.0, 0.5, 2.0, 1.0, 2.9];
        let mut st = EntropyTrackState {
            threshold_nats: 1.5,
            ..Default::default()
        };
        // Global θ = 1.5: bytes 2 (2.0) and 4 (2.9) beside byte 0.
        assert_eq!(patch_starts(&st, &h), vec![0, 2, 4]);
        // Monotone θr = 1: byte 1 always (BLT), rises 1.5 at 2 and 1.9 at 4.
        st.mode = EntropyMode::Monotone;
        st.rise_nats = 1.0;
        assert_eq!(patch_starts(&st, &h), vec![0, 1, 2, 4]);
    }
}
