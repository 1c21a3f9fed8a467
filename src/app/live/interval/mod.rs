//! The interval view, a classroom for arithmetic coding. Three modes:
//!
//! - **Encode**: step through the selected window's bytes; each step shows the nested zoom
//!   (the interval before the byte with the full partition, the binary ruler of its rescalings,
//!   the interval after it), the registers, the bits (emitted, stop code, padding) and why the
//!   window ends.
//! - **Decode**: the same window read back from its b bits, by the exact decoder and the
//!   side-information-free decoder of the paper (App. D.5), with its stop rule.
//! - **Toy**: a small alphabet with exact rational intervals and preset lessons.
//!
//! Everything computed here comes from [`crate::teach`]; this folder only draws it.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the mode bar, stepping (buttons, arrow keys, Play across windows) |
//! | `state.rs` | the view's state |
//! | `encode.rs` | the encoder view |
//! | `decode.rs` | the decoder view |
//! | `toy.rs` | the toy mode |
//! | `draw.rs` | number lines, partition, ruler, bits, pseudo-code |
//! | `export.rs` | the current step as PNG / SVG (plotters) |

mod decode;
mod draw;
mod encode;
mod export;
mod state;
mod toy;

pub use state::{IntervalState, Mode};

use crate::live::Analysis;
use draw::Look;
use egui::{Key, RichText, Ui};

/// Steps in window `w` for the current mode.
fn steps_in(analysis: &Analysis, st: &IntervalState, w: usize) -> usize {
    let Some(win) = analysis.windows.get(w) else {
        return 0;
    };
    match st.mode {
        Mode::Encode => win.rec.traces.len(),
        Mode::Decode => decode::steps(analysis, w),
        Mode::Toy => 0,
    }
}

/// One step forward; at a window's last step, to the next window's first (false at the end).
fn forward(analysis: &Analysis, st: &mut IntervalState) -> bool {
    let n = steps_in(analysis, st, st.window);
    if st.step + 1 < n {
        st.step += 1;
        true
    } else if st.window + 1 < analysis.windows.len() {
        st.window += 1;
        st.step = 0;
        true
    } else {
        false
    }
}

/// One step back; at a window's first step, to the previous window's last.
fn backward(analysis: &Analysis, st: &mut IntervalState) {
    if st.step > 0 {
        st.step -= 1;
    } else if st.window > 0 {
        st.window -= 1;
        st.step = steps_in(analysis, st, st.window).saturating_sub(1);
    }
}

/// Draws the view.
pub fn interval_ui(ui: &mut Ui, analysis: &Analysis, st: &mut IntervalState, step_s: f32) {
    if st.presenter {
        let style = ui.style_mut();
        for font in style.text_styles.values_mut() {
            font.size *= 1.35;
        }
        if style.visuals.dark_mode {
            style.visuals.override_text_color = Some(egui::Color32::WHITE);
            style.visuals.panel_fill = egui::Color32::BLACK;
        } else {
            style.visuals.override_text_color = Some(egui::Color32::BLACK);
        }
    }
    let look = Look::new(ui, st.presenter);
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(&mut st.mode, Mode::Encode, "Encode");
        ui.selectable_value(&mut st.mode, Mode::Decode, "Decode");
        ui.selectable_value(&mut st.mode, Mode::Toy, "Toy alphabet");
        ui.separator();
        ui.checkbox(&mut st.show_code, "Pseudo-code");
        ui.checkbox(&mut st.presenter, "Presenter (large, high contrast)");
        if st.mode != Mode::Toy {
            ui.checkbox(&mut st.stop_at_window, "Play stops at each window");
        }
        ui.separator();
        if ui.button("Export step as PNG + SVG").clicked() {
            st.export_note = Some(export::export_step(analysis, st));
        }
        if let Some(n) = &st.export_note {
            ui.weak(n);
        }
    });
    if st.mode == Mode::Toy {
        toy::toy_ui(ui, &look, &mut st.toy, st.show_code);
        return;
    }
    if analysis.windows.is_empty() {
        ui.label("No windows: type some text.");
        return;
    }
    st.window = st.window.min(analysis.windows.len() - 1);
    // Input first, so the counter, the highlight and the picture all show the same step.
    navigate(ui, analysis, st, step_s);
    let n = steps_in(analysis, st, st.window);
    st.step = st.step.min(n.saturating_sub(1));
    match st.mode {
        Mode::Encode => encode::encode_ui(ui, &look, analysis, st),
        Mode::Decode => decode::decode_ui(ui, &look, analysis, st),
        Mode::Toy => {}
    }
}

/// The step buttons, the arrow keys and Play.
fn navigate(ui: &mut Ui, analysis: &Analysis, st: &mut IntervalState, step_s: f32) {
    let keys_free = !ui.ctx().text_edit_focused();
    if keys_free {
        let (left, right) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::ArrowLeft),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowRight),
            )
        });
        if left {
            backward(analysis, st);
            st.playing = false;
        }
        if right {
            forward(analysis, st);
            st.playing = false;
        }
    }
    if st.playing {
        let now = ui.input(|i| i.time);
        if now - st.last_step_time >= step_s as f64 {
            st.last_step_time = now;
            let n = steps_in(analysis, st, st.window);
            let at_end = st.step + 1 >= n;
            if at_end && st.stop_at_window {
                // Pause on the window's last step; the next Play starts the next window.
                st.playing = false;
            } else if !forward(analysis, st) {
                st.playing = false;
            }
        }
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f32(step_s.max(0.05)));
    }
    let n = steps_in(analysis, st, st.window);
    ui.horizontal_wrapped(|ui| {
        if ui.button("⏮ First").clicked() {
            st.step = 0;
        }
        if ui.button("◀ Prev").clicked() {
            backward(analysis, st);
        }
        if ui.button("Next ▶").clicked() {
            forward(analysis, st);
        }
        if ui.button("Last ⏭").clicked() {
            st.step = n.saturating_sub(1);
        }
        let play_label = if st.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(play_label).clicked() {
            st.playing = !st.playing;
            if st.playing && st.step + 1 >= n {
                // At a window's end Play goes on with the next window (or restarts the last).
                if !forward(analysis, st) {
                    st.step = 0;
                }
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
        let n = steps_in(analysis, st, st.window);
        let what = if st.mode == Mode::Decode {
            "decoder step"
        } else {
            "byte"
        };
        ui.label(
            RichText::new(format!(
                "{what} {} of {} · window {} of {}",
                (st.step + 1).min(n.max(1)),
                n,
                st.window,
                analysis.windows.len()
            ))
            .strong(),
        );
        ui.weak(if keys_free {
            "⬅ ➡ arrow keys step (past a window's end to the next window)"
        } else {
            "⬅ ➡ arrow keys step once the text editor does not have focus (click outside it)"
        });
    });
}
