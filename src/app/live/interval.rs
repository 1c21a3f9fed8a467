//! The interval view (teaching arithmetic coding): for the selected window, step through its
//! bytes; at each step the current interval on a zoomed number line partitioned by the quantized
//! CDF (top candidates labelled, the true byte highlighted), the interval after the byte with the
//! dyadic grid and the interval a stop would pick, the bits emitted so far, the growth of "bits
//! needed" against b, and the exact coder registers.

use crate::app::live::byte_view::top_n;
use crate::app::plots::{bits_needed_points, partition, stop_dyadic, zoom, Slice};
use crate::app::theme;
use crate::coding::{quantize, CoderState};
use crate::live::{bit_string, Analysis};
use egui::{Align2, Color32, FontId, Key, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

/// The interval view's own state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IntervalState {
    /// The window shown.
    pub window: usize,
    /// The byte of the window being coded (0-based).
    pub step: usize,
    /// Playing.
    pub playing: bool,
    /// Time of the last automatic step.
    pub last_step_time: f64,
}

/// Draws the view.
pub fn interval_ui(ui: &mut Ui, analysis: &Analysis, st: &mut IntervalState, step_s: f32) {
    let Some(win) = analysis.windows.get(st.window) else {
        ui.label("Click a byte in the byte view to pick its window.");
        return;
    };
    let rec = win.rec.clone();
    let n = rec.traces.len();
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!(
            "Window {} — bytes {}..{} ({} bytes), {} code bits in {} window bits",
            st.window,
            win.bytes.start,
            win.bytes.end,
            win.bytes.len(),
            rec.code_bits,
            rec.bits.len()
        ));
        if rec.free_ok == Some(false) {
            ui.colored_label(
                theme::FLAG,
                format!(
                    "⚠ the side-information-free decoder reads {} bytes here",
                    rec.free_len.unwrap_or(0)
                ),
            );
        }
    });
    if n == 0 {
        ui.label("This method has no per-byte coder trace (Bytes, GZip, Subword): nothing to step through.");
        return;
    }
    st.step = st.step.min(n - 1);
    // Controls.
    ui.horizontal(|ui| {
        if ui.button("⏮ First").clicked() {
            st.step = 0;
        }
        if ui.button("◀ Prev").clicked() {
            st.step = st.step.saturating_sub(1);
        }
        if ui.button("Next ▶").clicked() {
            st.step = (st.step + 1).min(n - 1);
        }
        if ui.button("Last ⏭").clicked() {
            st.step = n - 1;
        }
        let play_label = if st.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(play_label).clicked() {
            st.playing = !st.playing;
            if st.playing && st.step + 1 >= n {
                st.step = 0;
            }
            st.last_step_time = ui.input(|i| i.time);
        }
        if ui.button("◀ Window").clicked() && st.window > 0 {
            st.window -= 1;
            st.step = 0;
        }
        if ui.button("Window ▶").clicked() && st.window + 1 < analysis.windows.len() {
            st.window += 1;
            st.step = 0;
        }
        ui.label(format!("byte {} of {} (arrow keys)", st.step + 1, n));
    });
    if !ui.ctx().egui_wants_keyboard_input() {
        let (left, right) = ui.input(|i| {
            (
                i.key_pressed(Key::ArrowLeft),
                i.key_pressed(Key::ArrowRight),
            )
        });
        if left {
            st.step = st.step.saturating_sub(1);
        }
        if right {
            st.step = (st.step + 1).min(n - 1);
        }
    }
    if st.playing {
        let now = ui.input(|i| i.time);
        if now - st.last_step_time >= step_s as f64 {
            st.last_step_time = now;
            if st.step + 1 < n {
                st.step += 1;
            } else {
                st.playing = false;
            }
        }
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f32(step_s.max(0.05)));
    }
    let j = st.step;
    let Some(t) = rec.traces.get(j) else { return };
    let dist = rec.dists.get(j * 256..(j + 1) * 256).unwrap_or(&[]);
    let Ok(table) = quantize(dist, analysis.config.precision) else {
        ui.label("cannot quantize this byte's distribution");
        return;
    };
    // The window's bytes, the current one marked.
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for (k, &b) in analysis.text[win.bytes.clone()].iter().enumerate() {
            let text = egui::RichText::new(theme::byte_label(b)).monospace();
            let text = if k == j {
                text.background_color(theme::FLAG).color(Color32::WHITE)
            } else if k < j {
                text.weak()
            } else {
                text
            };
            ui.label(text);
        }
    });
    // Line 1: the interval before the byte, partitioned.
    let mut candidates: Vec<u8> = top_n(dist, 8).into_iter().map(|(s, _)| s).collect();
    if !candidates.contains(&t.byte) {
        candidates.push(t.byte);
    }
    let (lo, hi, slices) = partition(&t.before, &table, &candidates);
    ui.label(format!(
        "Coding {} (p = {:.4}, {:.2} bits): the current interval, split by the quantized CDF (β = {})",
        theme::byte_label(t.byte),
        t.prob,
        theme::surprisal_bits(t.prob),
        analysis.config.precision
    ));
    let view = zoom(lo, hi, 0.05);
    number_line_ui(ui, view, (lo, hi), &slices, Some(t.byte), None);
    // Line 2: after the byte, with the dyadic stop interval.
    let (lo2, hi2) = t.after.relative_interval();
    let dy = stop_dyadic(&t.after);
    let new_bits = t.after.emitted - t.before.emitted;
    ui.label(format!(
        "After it: {} new bit(s) emitted, {} pending; rescaled interval and the dyadic interval a stop \
         would pick ({} more bit(s): bits needed = {} of b = {})",
        new_bits,
        t.after.pending,
        dy.map(|d| d.2).unwrap_or(0),
        t.after.bits_needed(),
        analysis.config.window_bits
    ));
    let (vlo, vhi) = match dy {
        Some((a, b, _)) => (lo2.min(a), hi2.max(b)),
        None => (lo2, hi2),
    };
    number_line_ui(ui, zoom(vlo, vhi, 0.08), (lo2, hi2), &[], None, dy);
    // Bits so far: emitted, stop code, padding.
    bits_row_ui(
        ui,
        &(0..rec.bits.len())
            .map(|i| rec.bits.get(i))
            .collect::<Vec<bool>>(),
        &t.after,
        analysis.config.window_bits as usize,
    );
    ui.columns(2, |cols| {
        bits_needed_plot_ui(&mut cols[0], analysis, st.window, j);
        egui::CollapsingHeader::new("Exact values")
            .default_open(true)
            .show(&mut cols[1], |ui| {
                exact_values_ui(ui, &t.before, &t.after, t.freq, t.cum_low, table.total())
            });
    });
}

/// A number line over `view`, with the interval, its slices and an optional dyadic interval.
fn number_line_ui(
    ui: &mut Ui,
    view: (f64, f64),
    interval: (f64, f64),
    slices: &[Slice],
    truth: Option<u8>,
    dyadic: Option<(f64, f64, u64)>,
) {
    let width = ui.available_width().max(100.0);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, 58.0), Sense::hover());
    let painter = ui.painter_at(rect);
    let (v0, v1) = view;
    let span = (v1 - v0).max(1e-300);
    let x = |v: f64| rect.left() + ((v - v0) / span) as f32 * rect.width();
    let axis_y = rect.top() + 30.0;
    let text_col = ui.visuals().text_color();
    painter.hline(rect.x_range(), axis_y, Stroke::new(1.0, Color32::GRAY));
    // Dyadic grid: ticks at multiples of 2^-k while at least 4 px apart.
    if let Some((_, _, level)) = dyadic {
        for k in 1..=level.min(60) {
            let step = 2f64.powi(-(k as i32));
            let px = step / span * rect.width() as f64;
            if px < 4.0 {
                continue;
            }
            let h = (14.0 - k as f32 * 0.0).min(14.0) * (1.0 / (1.0 + 0.15 * k as f32));
            let mut m = (v0 / step).ceil();
            while m * step <= v1 {
                let xv = x(m * step);
                painter.vline(
                    xv,
                    axis_y - h..=axis_y + h,
                    Stroke::new(1.0, Color32::from_gray(120)),
                );
                m += 1.0;
            }
        }
    }
    // The interval.
    let irect = Rect::from_min_max(
        Pos2::new(x(interval.0), axis_y - 10.0),
        Pos2::new(x(interval.1), axis_y + 10.0),
    );
    painter.rect_filled(
        irect,
        0.0,
        Color32::from_rgba_unmultiplied(90, 150, 220, 60),
    );
    painter.rect_stroke(
        irect,
        0.0,
        Stroke::new(1.5, Color32::from_rgb(90, 150, 220)),
        StrokeKind::Middle,
    );
    for s in slices {
        let r = Rect::from_min_max(
            Pos2::new(x(s.lo), axis_y - 10.0),
            Pos2::new(x(s.hi), axis_y + 10.0),
        );
        let is_truth = truth == Some(s.byte);
        let fill = if is_truth {
            theme::FLAG
        } else {
            theme::ramp(0.2 + 0.6 * (1.0 - s.prob as f32))
        };
        painter.rect_filled(r.shrink2(Vec2::new(0.0, 1.0)), 0.0, fill);
        painter.vline(
            r.left(),
            axis_y - 12.0..=axis_y + 12.0,
            Stroke::new(1.0, text_col),
        );
        if r.width() > 14.0 || is_truth {
            painter.text(
                Pos2::new(r.center().x, axis_y - 13.0),
                Align2::CENTER_BOTTOM,
                theme::byte_label(s.byte),
                FontId::monospace(10.0),
                if is_truth { theme::FLAG } else { text_col },
            );
        }
    }
    if let Some((a, b, level)) = dyadic {
        let r = Rect::from_min_max(
            Pos2::new(x(a), axis_y - 6.0),
            Pos2::new(x(b).max(x(a) + 1.0), axis_y + 6.0),
        );
        painter.rect_filled(r, 0.0, Color32::from_rgb(250, 200, 40));
        painter.text(
            Pos2::new(r.center().x, axis_y + 12.0),
            Align2::CENTER_TOP,
            format!("dyadic stop interval, level {level}"),
            FontId::proportional(10.0),
            text_col,
        );
    }
    painter.text(
        rect.left_bottom(),
        Align2::LEFT_BOTTOM,
        format!("{v0:.6}"),
        FontId::monospace(9.0),
        Color32::GRAY,
    );
    painter.text(
        rect.right_bottom(),
        Align2::RIGHT_BOTTOM,
        format!("{v1:.6}"),
        FontId::monospace(9.0),
        Color32::GRAY,
    );
}

/// The window's bits: emitted so far, then the stop code, then zero padding up to b.
fn bits_row_ui(ui: &mut Ui, window_bits: &[bool], after: &CoderState, b: usize) {
    let emitted = (after.emitted as usize).min(window_bits.len());
    let code = after.stop_code();
    let mut stop = Vec::new();
    if code.extra > 0 {
        stop.push(code.first_bit);
        for _ in 1..code.extra {
            stop.push(!code.first_bit);
        }
    }
    let pad = b.saturating_sub(emitted + stop.len());
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label("bits: ");
        // An empty label in a wrapping row sends the next one back to the row's start, over the
        // bits (seen at every window's last byte, where the padding is 0): empty parts are left
        // out.
        let parts = [
            egui::RichText::new(bit_string(&window_bits[..emitted]))
                .monospace()
                .background_color(Color32::from_rgb(40, 110, 60))
                .color(Color32::WHITE),
            egui::RichText::new(bit_string(&stop))
                .monospace()
                .background_color(Color32::from_rgb(200, 150, 20))
                .color(Color32::BLACK),
            egui::RichText::new("0".repeat(pad.min(512)))
                .monospace()
                .weak(),
        ];
        for part in parts {
            if !part.is_empty() {
                ui.label(part);
            }
        }
        ui.label(format!(
            "   (emitted {emitted}, stop code {}, padding {pad})",
            stop.len()
        ));
    });
}

fn bits_needed_plot_ui(ui: &mut Ui, analysis: &Analysis, w: usize, step: usize) {
    let Some(win) = analysis.windows.get(w) else {
        return;
    };
    let pts = bits_needed_points(&win.rec);
    let b = analysis.config.window_bits as f64;
    let is_windowed = analysis.config.method == crate::method::MethodKind::EqualInfo;
    egui_plot::Plot::new(("bits_needed", w))
        .height(150.0)
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
            p.vline(egui_plot::VLine::new("this byte", (step + 1) as f64));
        });
}

fn exact_values_ui(
    ui: &mut Ui,
    before: &CoderState,
    after: &CoderState,
    freq: u32,
    cum_low: u32,
    total: u32,
) {
    egui::Grid::new("exact_values")
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            ui.strong("before");
            ui.strong("after");
            ui.end_row();
            let rows: [(&str, String, String); 5] = [
                (
                    "low",
                    format!("{} = {:032b}", before.low, before.low),
                    format!("{} = {:032b}", after.low, after.low),
                ),
                (
                    "high",
                    format!("{} = {:032b}", before.high, before.high),
                    format!("{} = {:032b}", after.high, after.high),
                ),
                (
                    "pending",
                    before.pending.to_string(),
                    after.pending.to_string(),
                ),
                (
                    "emitted",
                    before.emitted.to_string(),
                    after.emitted.to_string(),
                ),
                (
                    "bits needed",
                    before.bits_needed().to_string(),
                    after.bits_needed().to_string(),
                ),
            ];
            for (name, a, b) in rows {
                ui.label(name);
                ui.monospace(a);
                ui.monospace(b);
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
}
