//! The decoder view: the selected window read back from its b bits.

use super::draw::{self, Line, Look};
use super::encode::window_header;
use super::state::IntervalState;
use crate::app::theme;
use crate::live::Analysis;
use crate::method::decode::FreeDecodeRule;
use crate::teach::coder::{reg_interval, ONE};
use crate::teach::decode::{decode_lesson_with, DecodeLesson, FreeStop};
use crate::teach::{partition, pseudo};
use egui::{Color32, RichText, Ui};

/// Steps of the decoder lesson of window `w`: one per decoded byte, plus the stop test.
pub(super) fn steps(analysis: &Analysis, w: usize) -> usize {
    analysis
        .windows
        .get(w)
        .and_then(|win| {
            let d = analysis.dist_requests.ready(w)?;
            decode_lesson_with(
                &win.rec.coded,
                &d.dists,
                d.overflow.as_deref(),
                &analysis.config,
            )
        })
        .map_or(0, |l| {
            l.steps.len() + usize::from(l.stop != FreeStop::NoWindow)
        })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Draws the decoder view.
pub(super) fn decode_ui(ui: &mut Ui, look: &Look, analysis: &Analysis, st: &IntervalState) {
    let w = st.window;
    let Some(win) = analysis.windows.get(w) else {
        return;
    };
    window_header(ui, look, analysis, w, None);
    if win.rec.traces.is_empty() {
        ui.label("This method has no per-byte coder trace: nothing to decode step by step.");
        return;
    }
    let d = match super::state::dists_of(ui, analysis, w) {
        crate::live::DistState::Ready(d) => d,
        other => {
            super::state::dists_missing(ui, &other);
            return;
        }
    };
    let Some(lesson) = decode_lesson_with(
        &win.rec.coded,
        &d.dists,
        d.overflow.as_deref(),
        &analysis.config,
    ) else {
        ui.label("This method has no per-byte coder trace: nothing to decode step by step.");
        return;
    };
    let j = st.step;
    let body = |ui: &mut Ui| {
        decoder_step(ui, look, &lesson, j, win.rec.free_len);
    };
    if st.show_code {
        ui.horizontal_top(|ui| {
            let code_w = 470.0 * look.scale;
            let pic_w = (ui.available_width() - code_w - 12.0).max(300.0);
            ui.vertical(|ui| {
                ui.set_width(pic_w);
                body(ui);
            });
            ui.vertical(|ui| {
                let hot = match lesson.steps.get(j) {
                    Some(s) => pseudo::decoder_lines(&s.step, false),
                    None => vec![(12, 1)],
                };
                draw::code_ui(
                    ui,
                    look,
                    "Decoder (lines this step executed)",
                    &pseudo::DECODER,
                    &hot,
                );
            });
        });
    } else {
        body(ui);
    }
}

fn decoder_step(ui: &mut Ui, look: &Look, l: &DecodeLesson, j: usize, free_len: Option<usize>) {
    let size = 13.0 * look.scale;
    // The window's bits, the ones the decoder has read marked.
    let read = l
        .steps
        .get(j)
        .map_or(l.bits.len() as u64, |s| s.step.bits_read) as usize;
    let read = read.min(l.bits.len());
    draw::bits_row(
        ui,
        look,
        "window bits:",
        &[
            (
                &l.bits[..read],
                look.emitted(),
                "read into the value so far",
            ),
            (
                &l.bits[read..],
                Color32::from_gray(190),
                "not yet read (past the end the decoder reads zeros)",
            ),
        ],
    );
    let upto = j.min(l.steps.len());
    let decoded: Vec<u8> = l
        .steps
        .iter()
        .take(upto + usize::from(j < l.steps.len()))
        .map(|s| s.byte)
        .collect();
    let (inside, past) = decoded.split_at(decoded.len().min(l.true_len));
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("decoded: \"{}\"", text(inside)))
                .monospace()
                .size(size),
        );
        if !past.is_empty() {
            ui.label(
                RichText::new(format!(" + past the window: \"{}\"", text(past)))
                    .monospace()
                    .size(size)
                    .color(theme::FLAG),
            );
        }
    });
    let Some(s) = l.steps.get(j) else {
        stop_ui(ui, look, l, free_len);
        return;
    };
    let d = &s.step;
    let value_bits = format!("{:032b}", d.value);
    let read_before = d.bits_read as usize - d.ops.len();
    let past = read_before.saturating_sub(l.bits.len()).min(32);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label(RichText::new("value register = the next 32 code bits: ").size(12.0 * look.scale));
        ui.label(
            RichText::new(&value_bits[..32 - past])
                .monospace()
                .size(12.0 * look.scale),
        );
        ui.label(
            RichText::new(&value_bits[32 - past..])
                .monospace()
                .size(12.0 * look.scale)
                .background_color(Color32::from_gray(200))
                .color(Color32::BLACK),
        );
        if past > 0 {
            ui.label(
                RichText::new(format!(
                    "  (the last {past} are zeros read past the window's end)"
                ))
                .size(12.0 * look.scale),
            );
        }
    });
    let line = Line::allocate(ui, 56.0 * look.scale, 0.0, 1.0);
    let y = line.rect.top() + 34.0 * look.scale;
    draw::axis(
        ui,
        look,
        &line,
        y,
        "the decoder's interval [low, high] (register frame), split by the model's CDF; the code value is the point",
    );
    let slices = partition::slices(d.low, d.high, &s.cum);
    let (lo, hi) = reg_interval(d.low, d.high);
    let min_frac = 1.0 / (line.px_per_unit() * (hi - lo)).max(1.0);
    let parts = partition::group(&slices, min_frac, Some(d.symbol));
    draw::partition(ui, look, &line, y, (lo, hi), &parts, Some(d.symbol), &|b| {
        theme::byte_label(b as u8)
    });
    let v = (d.value as f64 + 0.5) / ONE as f64;
    let x = line.x(v);
    ui.painter().vline(
        x,
        line.rect.top() + 14.0..=line.rect.bottom(),
        egui::Stroke::new(2.5 * look.scale, look.text),
    );
    ui.painter().text(
        egui::pos2(x + 4.0, line.rect.bottom() - 2.0),
        egui::Align2::LEFT_BOTTOM,
        format!("value = {v:.6}"),
        look.mono(10.0),
        look.text,
    );
    draw::partition_legend(ui, look, &parts, 256, "the byte decoded");
    let range = d.high - d.low + 1;
    ui.label(
        RichText::new(format!(
            "target = floor(((value − low + 1)·T − 1) / range) = floor((({} − {} + 1)·{} − 1) / {}) = {} lies in \
             [{}, {}): the slice of {}: decode {}.",
            d.value,
            d.low,
            d.slot.total,
            range,
            d.target,
            d.slot.cum_low,
            d.slot.cum_high,
            theme::byte_label(s.byte),
            theme::byte_label(s.byte)
        ))
        .size(12.0 * look.scale),
    );
    let ops: Vec<&str> = d
        .ops
        .iter()
        .map(|o| match o {
            crate::teach::coder::Rescale::E1 => "E1",
            crate::teach::coder::Rescale::E2 => "E2",
            crate::teach::coder::Rescale::E3 => "E3",
        })
        .collect();
    ui.label(
        RichText::new(format!(
            "Rescale as the encoder did: {}; {} more bit(s) shifted into the value ({} read in all).",
            if ops.is_empty() { "none".to_string() } else { ops.join(", ") },
            d.ops.len(),
            d.bits_read
        ))
        .size(12.0 * look.scale),
    );
    if let Some(b) = l.b {
        let inside = j < l.true_len;
        ui.label(
            RichText::new(format!(
                "Free decoder (no byte count): re-encoding the {} byte(s) so far needs {} ≤ b = {} bits; \
                 their padded code {} the window's bits.{}",
                j + 1,
                s.need,
                b,
                if s.matches { "EQUALS" } else { "differs from" },
                if inside {
                    String::new()
                } else {
                    format!(
                        " This byte is past the window's {} bytes: the padding zeros were read as code.",
                        l.true_len
                    )
                }
            ))
            .size(12.0 * look.scale)
            .color(if inside { look.text } else { theme::FLAG }),
        );
    } else {
        ui.label(
            RichText::new(
                "The exact decoder knows the byte count from the container and stops after it.",
            )
            .size(12.0 * look.scale),
        );
    }
}

fn stop_ui(ui: &mut Ui, look: &Look, l: &DecodeLesson, free_len: Option<usize>) {
    let size = 13.0 * look.scale;
    let b = l.b.unwrap_or(0);
    let matches = l.matching_lens();
    let why = match &l.stop {
        FreeStop::NextDoesNotFit { byte, need } => format!(
            "The next decoded byte would be {} and would need {need} bits > b = {b}: the free \
             decoder stops reading (paper App. D.5).",
            theme::byte_label(*byte)
        ),
        FreeStop::NotRecorded => {
            "The decoder would read on, but the model's predictions after a byte past the \
             window were never computed here."
                .to_string()
        }
        FreeStop::NoWindow => String::new(),
    };
    ui.label(RichText::new(why).size(size));
    let rule = match l.rule {
        FreeDecodeRule::Longest => "greedy windows: it keeps the LONGEST",
        FreeDecodeRule::Shortest => "Delay / exact rule: it keeps the SHORTEST",
    };
    let chosen = l.free_len().or(free_len);
    ui.label(
        RichText::new(format!(
            "Prefixes whose padded code equals the window's bits: {matches:?}; {rule}: {} byte(s). \
             The window holds {}.",
            chosen.map_or("?".to_string(), |c| c.to_string()),
            l.true_len
        ))
        .size(size),
    );
    let exact = l.exact_bytes();
    ui.label(
        RichText::new(format!(
            "The exact decoder (byte count {} from the container) gives \"{}\".",
            l.true_len,
            text(&exact)
        ))
        .size(size)
        .strong(),
    );
    match chosen {
        Some(c) if c == l.true_len => {
            ui.label(
                RichText::new("✔ The side-information-free decoder recovers this window.")
                    .size(size),
            );
        }
        Some(c) if c > l.true_len => {
            ui.colored_label(
                theme::FLAG,
                RichText::new(format!(
                    "⚠ It goes wrong: the true next byte did not fit, but the padding zeros point into the slice of a \
                     likelier byte that does fit, and that longer prefix has the same padded code. The decoder keeps \
                     {} byte(s), {} too many.",
                    c,
                    c - l.true_len
                ))
                .size(size),
            );
        }
        Some(c) => {
            ui.colored_label(
                theme::FLAG,
                RichText::new(format!(
                    "⚠ It goes wrong: a shorter prefix ({c} bytes) already has the window's padded code, so the decoder \
                     stops early."
                ))
                .size(size),
            );
        }
        None => {}
    }
}
