//! Export of the current encoder step as PNG and SVG for slides (drawn by
//! [`crate::teach::picture`]; a small picture, written in a few milliseconds).

use super::state::{IntervalState, Mode};
use crate::app::theme;
use crate::coding::quantize;
use crate::live::Analysis;
use crate::teach::coder::{cum_of, encode_step, reg_interval, Slot};
use crate::teach::partition;
use crate::teach::picture::{self, StepPicture};

fn bits(b: &[bool]) -> String {
    b.iter().map(|&x| if x { '1' } else { '0' }).collect()
}

/// The picture of the current step (Encode mode, or the toy mode's step).
pub(super) fn picture_of(analysis: &Analysis, st: &IntervalState) -> Option<(String, StepPicture)> {
    if st.mode == Mode::Toy {
        return st.toy.picture().map(|p| ("eqinfo-toy-step".to_string(), p));
    }
    if st.mode == Mode::Decode {
        return None;
    }
    let win = analysis.windows.get(st.window)?;
    let j = st.step.min(win.rec.traces.len().checked_sub(1)?);
    let t = win.rec.traces.get(j)?;
    let dists = analysis.dist_requests.ready(st.window)?;
    let table = quantize(dists.of(j)?, analysis.config.precision).ok()?;
    let cum = cum_of(&table);
    let step = encode_step(t.before, Slot::of(&cum, t.byte as usize)?);
    let (lo, hi) = reg_interval(t.before.low, t.before.high);
    let sl = partition::slices(t.before.low, t.before.high, &cum);
    let g = partition::group(
        &sl,
        1.0 / 1300.0 / (hi - lo).max(1e-9),
        Some(t.byte as usize),
    );
    let w = hi - lo;
    let slices = g
        .parts
        .iter()
        .map(|p| {
            let label = if p.is_group() {
                String::new()
            } else {
                theme::byte_label(p.first as u8)
            };
            (
                lo + w * p.lo,
                lo + w * p.hi,
                label,
                !p.is_group() && p.first == t.byte as usize,
            )
        })
        .collect();
    Some((
        format!("eqinfo-window{}-byte{}", st.window, j + 1),
        StepPicture {
            title: format!(
                "Window {}, byte {} of {}: coding {} (p = {:.4})",
                st.window,
                j + 1,
                win.rec.len,
                theme::byte_label(t.byte),
                t.prob
            ),
            before: (lo, hi),
            slices,
            ops: step.ops.iter().map(|o| o.kind).collect(),
            after: reg_interval(step.after.low, step.after.high),
            notes: vec![
                format!("bits emitted by this byte: {}", bits(&step.bits)),
                format!(
                    "pending after it: {}   bits needed to stop: {}",
                    step.after.pending,
                    step.after.bits_needed()
                ),
            ],
        },
    ))
}

/// Writes the current step into the working directory; returns a message for the user.
pub(super) fn export_step(analysis: &Analysis, st: &IntervalState) -> String {
    let Some((stem, p)) = picture_of(analysis, st) else {
        return "export draws an encoder step: switch to Encode or Toy alphabet".into();
    };
    let dir = std::env::current_dir().unwrap_or_else(|_| std::env::temp_dir());
    match picture::write(&dir, &stem, &p) {
        Ok(paths) => format!(
            "wrote {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Err(e) => format!("export failed: {e}"),
    }
}
