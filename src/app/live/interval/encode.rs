//! The encoder view: the nested zoom of one byte's step.

use super::draw::{self, Line, Look};
use super::state::IntervalState;
use crate::app::plots::{bits_needed_points, stop_dyadic};
use crate::app::theme;
use crate::coding::quantize;
use crate::live::{Analysis, WindowView};
use crate::teach::coder::{
    cum_of, encode_step, reg_interval, stop_bits, EncodeStep, Rescale, Slot,
};
use crate::teach::{partition, pseudo, window};
use egui::{Color32, RichText, Ui};

/// The header of a window: its bytes (the current one marked), sizes, the ⚠ mark and why it
/// ends.
pub(super) fn window_header(
    ui: &mut Ui,
    look: &Look,
    analysis: &Analysis,
    w: usize,
    current: Option<usize>,
) {
    let Some(win) = analysis.windows.get(w) else {
        return;
    };
    let rec = &win.rec;
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!(
            "Window {w} — bytes {}..{} ({} bytes), {} code bits + {} padding in {} window bits",
            win.bytes.start,
            win.bytes.end,
            win.bytes.len(),
            rec.code_bits,
            rec.bits.len().saturating_sub(rec.code_bits),
            rec.bits.len()
        ));
        if rec.free_ok == Some(false) {
            ui.colored_label(
                theme::FLAG,
                format!(
                    "⚠ the side-information-free decoder reads {} bytes here (see Decode)",
                    rec.free_len.unwrap_or(0)
                ),
            );
        }
    });
    bytes_row(ui, look, analysis, win, current);
    let reason = window::close_reason(&rec.coded, &analysis.config);
    let next = (w + 1 < analysis.windows.len()).then_some(w + 1);
    let last = current.is_some_and(|j| j + 1 == rec.len);
    let text = format!(
        "Why the window ends: {}",
        window::explain(&reason, &analysis.config, next)
    );
    let text = RichText::new(text).size(13.0 * look.scale);
    ui.label(if last {
        text.strong().color(theme::FLAG)
    } else {
        text
    });
}

fn bytes_row(
    ui: &mut Ui,
    look: &Look,
    analysis: &Analysis,
    win: &WindowView,
    current: Option<usize>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        let bytes = analysis.text.get(win.bytes.clone()).unwrap_or_default();
        for (k, &b) in bytes.iter().enumerate() {
            let text = RichText::new(theme::byte_label(b))
                .monospace()
                .size(13.0 * look.scale);
            let text = match current {
                Some(j) if k == j => text.background_color(theme::FLAG).color(Color32::WHITE),
                Some(j) if k < j => text.weak(),
                _ => text,
            };
            ui.label(text);
        }
        if let Some(o) = &win.rec.overflow {
            ui.label(
                RichText::new(format!(
                    "| next: {} (did not fit)",
                    theme::byte_label(o.byte)
                ))
                .monospace()
                .size(13.0 * look.scale)
                .italics()
                .weak(),
            );
        }
    });
}

/// The encoder view of the current step.
pub(super) fn encode_ui(ui: &mut Ui, look: &Look, analysis: &Analysis, st: &IntervalState) {
    let w = st.window;
    let Some(win) = analysis.windows.get(w) else {
        return;
    };
    let rec = &win.rec;
    if rec.traces.is_empty() {
        window_header(ui, look, analysis, w, None);
        ui.label("This method has no per-byte coder trace (Bytes, GZip, Subword): nothing to step through.");
        return;
    }
    let j = st.step.min(rec.traces.len() - 1);
    window_header(ui, look, analysis, w, Some(j));
    let t = &rec.traces[j];
    let dists = match super::state::dists_of(ui, analysis, w) {
        crate::live::DistState::Ready(d) => d,
        other => {
            super::state::dists_missing(ui, &other);
            return;
        }
    };
    let dist = dists.of(j).unwrap_or(&[]);
    let Ok(table) = quantize(dist, analysis.config.precision) else {
        ui.label("cannot quantize this byte's distribution");
        return;
    };
    let cum = cum_of(&table);
    let Some(slot) = Slot::of(&cum, t.byte as usize) else {
        return;
    };
    let step = encode_step(t.before, slot);
    let closes = j + 1 == rec.len;
    let picture = |ui: &mut Ui| {
        ui.label(
            RichText::new(format!(
                "Coding {} (p = {:.4}, {:.2} bits; slot [{}, {}) of 2^{} = {})",
                theme::byte_label(t.byte),
                t.prob,
                theme::surprisal_bits(t.prob),
                slot.cum_low,
                slot.cum_high,
                table.precision(),
                slot.total
            ))
            .size(13.0 * look.scale),
        );
        let prefix: String = (0..t.before.emitted.min(rec.bits.len()))
            .map(|i| if rec.bits.get(i) { '1' } else { '0' })
            .collect();
        let cell = if t.before.emitted == 0 {
            "all of it (no bit emitted yet)".to_string()
        } else {
            format!("the cell 0.{prefix}… of width 2^-{}", t.before.emitted)
        };
        ui.label(
            RichText::new(format!(
                "Where this frame sits in the window's [0, 1): {cell}{}.",
                if t.before.pending > 0 {
                    format!(
                        ", squeezed {}× more around its middle by the {} pending bit(s)",
                        1u64 << t.before.pending.min(62),
                        t.before.pending
                    )
                } else {
                    String::new()
                }
            ))
            .size(12.0 * look.scale),
        );
        nested_zoom(ui, look, &step, &cum, t.byte);
        registers(ui, look, &step);
        let bits: Vec<bool> = (0..rec.bits.len()).map(|i| rec.bits.get(i)).collect();
        let emitted = (step.after.emitted as usize).min(bits.len());
        let stop = stop_bits(&step.after);
        let pad = (analysis.config.window_bits as usize).saturating_sub(emitted + stop.len());
        let pad_bits = vec![
            false;
            if closes || analysis.config.method == crate::method::MethodKind::EqualInfo {
                pad.min(512)
            } else {
                0
            }
        ];
        draw::bits_row(
            ui,
            look,
            "window bits so far:",
            &[
                (&bits[..emitted], look.emitted(), "emitted"),
                (&stop, look.stop(), "stop code if the window ended here"),
                (&pad_bits, Color32::from_gray(200), "padding"),
            ],
        );
    };
    let details = |ui: &mut Ui| {
        ui.columns(2, |cols| {
            bits_needed_plot(&mut cols[0], analysis, w, j);
            exact_values(&mut cols[1], &step, t.freq, t.cum_low, table.total());
        });
    };
    if st.show_code {
        ui.horizontal_top(|ui| {
            let code_w = 470.0 * look.scale;
            let pic_w = (ui.available_width() - code_w - 12.0).max(300.0);
            ui.vertical(|ui| {
                ui.set_width(pic_w);
                picture(ui);
            });
            ui.vertical(|ui| {
                draw::code_ui(
                    ui,
                    look,
                    "Encoder (lines this byte executed)",
                    &pseudo::ENCODER,
                    &pseudo::encoder_lines(&step, closes),
                );
            });
        });
    } else {
        picture(ui);
    }
    details(ui);
}

/// Previous interval above (register frame, with the full partition and the binary ruler),
/// the interval after the byte below, and the lines between.
fn nested_zoom(ui: &mut Ui, look: &Look, step: &EncodeStep, cum: &[u64], byte: u8) {
    let before = (step.before.low, step.before.high);
    let slices = partition::slices(before.0, before.1, cum);
    let (lo, hi) = reg_interval(before.0, before.1);
    let top = draw::Line::allocate(ui, 54.0 * look.scale, 0.0, 1.0);
    let min_frac = 1.0 / (top.px_per_unit() * (hi - lo)).max(1.0);
    let parts = partition::group(&slices, min_frac, Some(byte as usize));
    let y = top.rect.top() + 34.0 * look.scale;
    draw::axis(
        ui,
        look,
        &top,
        y,
        "before: the coder's interval [low, high] in its register frame [0, 1), split by the quantized CDF",
    );
    draw::partition(
        ui,
        look,
        &top,
        y,
        (lo, hi),
        &parts,
        Some(byte as usize),
        &|s| theme::byte_label(s as u8),
    );
    draw::partition_legend(ui, look, &parts, 256, "the byte coded");
    // The ruler below the top line.
    let kinds: Vec<Rescale> = step.ops.iter().map(|o| o.kind).collect();
    let ruler_h =
        (13.0 * look.scale) * (kinds.len().min(8) as f32 + 1.0 + u8::from(kinds.len() > 8) as f32);
    let ruler_line = Line::allocate(ui, ruler_h, 0.0, 1.0);
    ui.painter()
        .rect_filled(ruler_line.rect, 0.0, look.bg.gamma_multiply(0.5));
    let ((ca, cw), _) = draw::ruler(ui, look, &ruler_line, ruler_line.rect.top(), &kinds);
    let (na, nb) = reg_interval(step.narrowed.0, step.narrowed.1);
    // Space for the connecting lines.
    let (gap, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), 26.0 * look.scale),
        egui::Sense::hover(),
    );
    let bottom = Line::allocate(ui, 46.0 * look.scale, 0.0, 1.0);
    let by = bottom.rect.top() + 24.0 * look.scale;
    let bits: String = step
        .bits
        .iter()
        .map(|&b| if b { '1' } else { '0' })
        .collect();
    let caption = if kinds.is_empty() {
        "after: the byte's slice (no rescaling: no bit decided)".to_string()
    } else {
        format!(
            "after: the byte's slice, doubled {}× (the cell the ruler kept): emitted '{}', pending {}",
            kinds.len(),
            bits,
            step.after.pending
        )
    };
    draw::axis(ui, look, &bottom, by, &caption);
    draw::connect(
        ui,
        look,
        &ruler_line,
        gap.top(),
        (ca, ca + cw),
        &bottom,
        bottom.rect.top(),
        (0.0, 1.0),
    );
    draw::connect(
        ui,
        look,
        &top,
        y + 11.0,
        (na, nb),
        &ruler_line,
        gap.top(),
        (na, nb),
    );
    let (alo, ahi) = reg_interval(step.after.low, step.after.high);
    draw::band(ui, look, &bottom, by, alo, ahi, 10.0);
    if step.after.pending == 0 {
        if let Some((a, b, level)) = stop_dyadic(&step.after) {
            let r = egui::Rect::from_min_max(
                egui::pos2(bottom.x(a), by - 5.0),
                egui::pos2(bottom.x(b).max(bottom.x(a) + 1.0), by + 5.0),
            );
            ui.painter().rect_filled(r, 0.0, look.stop());
            ui.painter().text(
                egui::pos2(r.center().x, by + 8.0),
                egui::Align2::CENTER_TOP,
                format!("stop here: dyadic interval of level {level}"),
                look.prop(9.5),
                look.text,
            );
        }
    }
}

/// The registers after narrowing, their shared leading bits, and each rescaling.
fn registers(ui: &mut Ui, look: &Look, step: &EncodeStep) {
    let (l, h) = step.narrowed;
    let common = draw::common_prefix(l, h);
    ui.label(
        RichText::new(format!(
            "After narrowing, low and high share their first {common} bit(s): those are decided \
             and leave the registers (E1/E2){}.",
            if step.ops.iter().any(|o| o.kind == Rescale::E3) {
                "; where low = 01… and high = 10… straddle ½ the bit waits as pending (E3)"
            } else {
                ""
            }
        ))
        .size(12.0 * look.scale),
    );
    draw::register(ui, look, "low", l, common);
    draw::register(ui, look, "high", h, common);
    ui.horizontal_wrapped(|ui| {
        for op in &step.ops {
            let bits: String = op.bits.iter().map(|&b| if b { '1' } else { '0' }).collect();
            let (c, text) = match op.kind {
                Rescale::E1 => (look.emitted(), format!("E1: {bits}")),
                Rescale::E2 => (look.emitted(), format!("E2: {bits}")),
                Rescale::E3 => (look.pending(), "E3: pending".to_string()),
            };
            ui.label(
                RichText::new(text)
                    .monospace()
                    .size(12.0 * look.scale)
                    .background_color(c)
                    .color(Color32::WHITE),
            )
            .on_hover_text(op.kind.describe());
        }
        if step.ops.is_empty() {
            ui.label(
                RichText::new("no rescaling: low < ½ ≤ high and the interval is wider than ¼")
                    .size(12.0 * look.scale),
            );
        }
    });
}

fn bits_needed_plot(ui: &mut Ui, analysis: &Analysis, w: usize, step: usize) {
    let Some(win) = analysis.windows.get(w) else {
        return;
    };
    let pts = bits_needed_points(&win.rec);
    let b = analysis.config.window_bits as f64;
    let is_windowed = analysis.config.method == crate::method::MethodKind::EqualInfo;
    let next = win.rec.overflow.as_ref().map(|o| o.bits_needed);
    egui_plot::Plot::new(("bits_needed", w))
        .height(140.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .x_axis_label("bytes coded")
        .y_axis_label("bits needed")
        .include_y(0.0)
        .show(ui, |p| {
            p.line(egui_plot::Line::new("bits needed to stop", pts));
            if is_windowed {
                p.hline(egui_plot::HLine::new("window bits b", b));
            }
            if let Some(n) = next {
                p.points(
                    egui_plot::Points::new(
                        "the byte that did not fit",
                        vec![[win.rec.len as f64 + 1.0, n as f64]],
                    )
                    .radius(4.0)
                    .color(theme::FLAG),
                );
            }
            p.vline(egui_plot::VLine::new("this byte", (step + 1) as f64));
        });
}

/// A register in 8-bit groups (`00000000 11111111 …`), so the table stays narrow.
fn grouped_bits(x: u64) -> String {
    let bits = format!("{x:032b}");
    // Groups counted from the right (the low bits), so a wider value keeps its alignment.
    let lead = bits.len() % 8;
    let mut out = String::with_capacity(bits.len() + bits.len() / 8);
    for (i, c) in bits.chars().enumerate() {
        if i > 0 && (i + 8 - lead) % 8 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The exact register values before and after the step. Each register is its decimal value
/// over its bits in 8-bit groups (small type), so the table fits its half of the panel; a
/// horizontal scroll bar takes over where even that does not fit.
fn exact_values(ui: &mut Ui, step: &EncodeStep, freq: u32, cum_low: u32, total: u32) {
    let small = egui::FontId::monospace(10.0);
    let reg = |ui: &mut Ui, x: u64| {
        ui.vertical(|ui| {
            ui.monospace(x.to_string());
            ui.label(egui::RichText::new(grouped_bits(x)).font(small.clone()));
        });
    };
    egui::ScrollArea::horizontal()
        .id_salt("exact_values_scroll")
        .show(ui, |ui| {
            // Values never wrap inside a cell: the scroll bar takes over instead.
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            egui::Grid::new("exact_values")
                .striped(true)
                .show(ui, |ui| {
                    ui.label("");
                    ui.strong("before");
                    ui.strong("after");
                    ui.end_row();
                    let (b, a) = (&step.before, &step.after);
                    ui.label("low");
                    reg(ui, b.low);
                    reg(ui, a.low);
                    ui.end_row();
                    ui.label("high");
                    reg(ui, b.high);
                    reg(ui, a.high);
                    ui.end_row();
                    let rows: [(&str, String, String); 3] = [
                        ("pending", b.pending.to_string(), a.pending.to_string()),
                        ("emitted", b.emitted.to_string(), a.emitted.to_string()),
                        (
                            "bits needed",
                            b.bits_needed().to_string(),
                            a.bits_needed().to_string(),
                        ),
                    ];
                    for (name, x, y) in rows {
                        ui.label(name);
                        ui.monospace(x);
                        ui.monospace(y);
                        ui.end_row();
                    }
                    ui.label("slot");
                    ui.monospace(format!(
                        "[{cum_low}, {}) of {total}",
                        cum_low as u64 + freq as u64
                    ));
                    ui.monospace(format!("freq {freq}"));
                    ui.end_row();
                });
        });
}

#[cfg(test)]
mod tests {
    use super::grouped_bits;

    #[test]
    fn bits_are_grouped_by_eight_from_the_right() {
        assert_eq!(
            grouped_bits(0xFF00_00F0),
            "11111111 00000000 00000000 11110000"
        );
        assert_eq!(
            grouped_bits(1 << 32),
            "1 00000000 00000000 00000000 00000000"
        );
    }
}
