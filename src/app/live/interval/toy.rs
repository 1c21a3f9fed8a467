//! The toy mode: a small alphabet, a typed message, the exact interval beside the integer
//! coder's, the window rule, and preset lessons (all computed by [`crate::teach::toy`]).

use super::draw::{self, Line, Look};
use crate::app::theme;
use crate::teach::coder::Rescale;
use crate::teach::partition::{Grouped, Part};
use crate::teach::picture::StepPicture;
use crate::teach::pseudo;
use crate::teach::toy::{self, fraction, ToyModel, ToyRun, LESSONS};
use egui::{Color32, Key, RichText, Ui};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

/// The toy mode's inputs and its last result.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyState {
    /// The alphabet.
    pub symbols: String,
    /// Counts or probabilities.
    pub weights: String,
    /// The message.
    pub message: String,
    /// b.
    pub b: u64,
    /// Code in windows of b bits.
    pub windowed: bool,
    /// The symbol shown.
    pub step: usize,
    /// The lesson loaded (None once edited).
    pub lesson: Option<usize>,
    cache: Option<(Key4, ToyResult)>,
}

type Key4 = (String, String, String, Option<u64>);
type ToyResult = Result<(ToyModel, ToyRun), String>;

impl Default for ToyState {
    fn default() -> Self {
        let mut s = ToyState {
            symbols: String::new(),
            weights: String::new(),
            message: String::new(),
            b: 8,
            windowed: true,
            step: 0,
            lesson: None,
            cache: None,
        };
        s.load(0);
        s
    }
}

impl ToyState {
    /// Loads preset lesson `k`.
    pub fn load(&mut self, k: usize) {
        if let Some(l) = LESSONS.get(k) {
            self.symbols = l.symbols.into();
            self.weights = l.weights.into();
            self.message = l.message.into();
            self.b = l.b;
            self.windowed = true;
            self.step = 0;
            self.lesson = Some(k);
        }
    }

    fn key(&self) -> Key4 {
        (
            self.symbols.clone(),
            self.weights.clone(),
            self.message.clone(),
            self.windowed.then_some(self.b),
        )
    }

    /// The model and run of the inputs (cached).
    pub fn result(&mut self) -> ToyResult {
        let key = self.key();
        if let Some((k, r)) = &self.cache {
            if *k == key {
                return r.clone();
            }
        }
        let r = ToyModel::parse(&key.0, &key.1)
            .and_then(|m| {
                let msg = m.message(&key.2)?;
                let run = toy::run(&m, &msg, key.3)?;
                Ok((m, run))
            })
            .map_err(|e| e.to_string());
        self.cache = Some((key, r.clone()));
        r
    }

    /// The picture of the current step, for the export.
    pub fn picture(&self) -> Option<StepPicture> {
        let (_, Ok((m, run))) = self.cache.as_ref()? else {
            return None;
        };
        let s = run.steps.get(self.step)?;
        let (vlo, vw) = (&s.exact_before.0, &s.exact_before.1 - &s.exact_before.0);
        let f = |x: &BigRational| ((x - vlo) / &vw).to_f64().unwrap_or(0.0);
        let total = m.total();
        let cum = m.cum();
        let slices = (0..m.symbols.len())
            .map(|k| {
                let a = vlo + &vw * BigRational::new(BigInt::from(cum[k]), BigInt::from(total));
                let b = vlo + &vw * BigRational::new(BigInt::from(cum[k + 1]), BigInt::from(total));
                (f(&a), f(&b), m.symbols[k].to_string(), k == s.symbol)
            })
            .collect();
        Some(StepPicture {
            title: format!(
                "Toy: symbol {} of {}, '{}' — ideal interval {}",
                self.step + 1,
                run.steps.len(),
                m.symbols[s.symbol],
                s.exact_after.0
            ),
            before: (0.0, 1.0),
            slices,
            ops: s.enc.ops.iter().map(|o| o.kind).collect(),
            after: (0.0, 1.0),
            notes: vec![format!(
                "ideal code {} · integer coder emitted {}",
                bitstr(&s.ideal_code),
                bitstr(&s.enc.bits)
            )],
        })
    }
}

fn bitstr(b: &[bool]) -> String {
    b.iter().map(|&x| if x { '1' } else { '0' }).collect()
}

/// Draws the toy mode.
pub(super) fn toy_ui(ui: &mut Ui, look: &Look, t: &mut ToyState, show_code: bool) {
    let size = 13.0 * look.scale;
    ui.horizontal_wrapped(|ui| {
        ui.label("Lessons:");
        for (k, l) in LESSONS.iter().enumerate() {
            if ui.selectable_label(t.lesson == Some(k), l.name).clicked() {
                t.load(k);
            }
        }
    });
    if let Some(l) = t.lesson.and_then(|k| LESSONS.get(k)) {
        ui.label(RichText::new(l.about).size(size).italics());
    }
    let before = t.key();
    egui::Grid::new("toy_inputs").num_columns(2).show(ui, |ui| {
        let l = ui.label("Alphabet (2–8 symbols)");
        ui.add(egui::TextEdit::singleline(&mut t.symbols).desired_width(120.0))
            .labelled_by(l.id);
        ui.end_row();
        let l = ui.label("Counts or probabilities (3 1 1, 0.5 0.25 0.25, 1/2 1/4 1/4)");
        ui.add(egui::TextEdit::singleline(&mut t.weights).desired_width(260.0))
            .labelled_by(l.id);
        ui.end_row();
        let l = ui.label("Message");
        ui.add(egui::TextEdit::singleline(&mut t.message).desired_width(420.0))
            .labelled_by(l.id);
        ui.end_row();
        ui.label("Windows");
        ui.horizontal(|ui| {
            let l = ui.checkbox(&mut t.windowed, "Equal-Info windows of b bits, b =");
            ui.add(egui::DragValue::new(&mut t.b).range(1..=64))
                .labelled_by(l.id);
        });
        ui.end_row();
    });
    if t.key() != before {
        t.lesson = None;
    }
    let (m, run) = match t.result() {
        Ok(r) => r,
        Err(e) => {
            ui.colored_label(theme::FLAG, RichText::new(e).size(size));
            return;
        }
    };
    model_table(ui, look, &m);
    let n = run.steps.len();
    if n == 0 {
        ui.label("Type a message made of the alphabet's symbols.");
        return;
    }
    if !ui.ctx().text_edit_focused() {
        let (l, r) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, Key::ArrowLeft),
                i.consume_key(egui::Modifiers::NONE, Key::ArrowRight),
            )
        });
        if l {
            t.step = t.step.saturating_sub(1);
        }
        if r {
            t.step = (t.step + 1).min(n - 1);
        }
    }
    t.step = t.step.min(n - 1);
    ui.horizontal(|ui| {
        if ui.button("◀ Prev symbol").clicked() {
            t.step = t.step.saturating_sub(1);
        }
        if ui.button("Next symbol ▶").clicked() {
            t.step = (t.step + 1).min(n - 1);
        }
        ui.label(RichText::new(format!("symbol {} of {n}", t.step + 1)).strong());
        ui.weak("(⬅ ➡ arrow keys when no text field has focus)");
    });
    let s = &run.steps[t.step];
    let body = |ui: &mut Ui| {
        // The message, the current symbol marked, window boundaries as bars.
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0;
            for (k, st) in run.steps.iter().enumerate() {
                if k > 0 && run.steps[k - 1].window != st.window {
                    ui.label(RichText::new("|").size(size).strong());
                }
                let rt = RichText::new(m.symbols[st.symbol].to_string())
                    .monospace()
                    .size(size);
                ui.label(if k == t.step {
                    rt.background_color(theme::FLAG).color(Color32::WHITE)
                } else {
                    rt
                });
            }
        });
        zoom(ui, look, &m, s);
        ui.label(
            RichText::new(format!(
                "Ideal interval (exact): [{}, {})   width {}",
                fraction(&s.exact_after.0),
                fraction(&s.exact_after.1),
                fraction(&(&s.exact_after.1 - &s.exact_after.0))
            ))
            .monospace()
            .size(12.0 * look.scale),
        );
        ui.label(
            RichText::new(format!(
                "32-bit coder's interval:  [{}, {})",
                fraction(&s.int_after.0),
                fraction(&s.int_after.1)
            ))
            .monospace()
            .size(12.0 * look.scale),
        );
        let same = s.int_after == s.exact_after;
        ui.label(
            RichText::new(if same {
                "The integer coder's interval is the ideal one exactly (no rounding in floor(range·cum/T))."
                    .to_string()
            } else {
                "The integer coder's interval lies inside the ideal one, a little narrower: floor(range·cum/T) rounds."
                    .to_string()
            })
            .size(12.0 * look.scale),
        );
        let ops: Vec<String> = s
            .enc
            .ops
            .iter()
            .map(|o| match o.kind {
                Rescale::E1 => format!("E1: {}", bitstr(&o.bits)),
                Rescale::E2 => format!("E2: {}", bitstr(&o.bits)),
                Rescale::E3 => "E3 (pending)".into(),
            })
            .collect();
        ui.label(
            RichText::new(format!(
                "Rescalings: {} · bits needed to stop now: {} · ideal code (shortest dyadic inside the exact \
                 interval): '{}' ({} bits)",
                if ops.is_empty() { "none".to_string() } else { ops.join(", ") },
                s.need,
                bitstr(&s.ideal_code),
                s.ideal_code.len()
            ))
            .size(12.0 * look.scale),
        );
        windows_ui(ui, look, &m, &run);
    };
    if show_code {
        ui.horizontal_top(|ui| {
            let code_w = 470.0 * look.scale;
            let pic_w = (ui.available_width() - code_w - 12.0).max(300.0);
            ui.vertical(|ui| {
                ui.set_width(pic_w);
                body(ui);
            });
            ui.vertical(|ui| {
                let closes = run
                    .windows
                    .iter()
                    .any(|w| w.steps.end == t.step + 1 && w.closed_by.is_some());
                draw::code_ui(
                    ui,
                    look,
                    "Encoder (lines this symbol executed)",
                    &pseudo::ENCODER,
                    &pseudo::encoder_lines(&s.enc, closes),
                );
            });
        });
    } else {
        body(ui);
    }
}

fn model_table(ui: &mut Ui, look: &Look, m: &ToyModel) {
    let cum = m.cum();
    ui.horizontal_wrapped(|ui| {
        for (k, c) in m.symbols.iter().enumerate() {
            let p = m.prob(k);
            ui.label(
                RichText::new(format!(
                    "'{c}': {}/{} = {}  slot [{}, {})  {:.3} bits",
                    m.counts[k],
                    m.total(),
                    p,
                    cum[k],
                    cum[k + 1],
                    -p.to_f64().unwrap_or(1.0).log2()
                ))
                .monospace()
                .size(12.0 * look.scale),
            );
            ui.separator();
        }
    });
}

/// The interval before the symbol (zoomed, partitioned), the lines down to the interval after,
/// with the integer coder's interval inside it.
fn zoom(ui: &mut Ui, look: &Look, m: &ToyModel, s: &toy::ToyStep) {
    let (blo, bhi) = (&s.exact_before.0, &s.exact_before.1);
    let bw = bhi - blo;
    if bw.is_zero() {
        return;
    }
    let total = BigRational::from_integer(BigInt::from(m.total()));
    let cum = m.cum();
    let parts: Vec<Part> = (0..m.symbols.len())
        .map(|k| Part {
            first: k,
            last: k,
            lo: (BigRational::from_integer(BigInt::from(cum[k])) / &total)
                .to_f64()
                .unwrap_or(0.0),
            hi: (BigRational::from_integer(BigInt::from(cum[k + 1])) / &total)
                .to_f64()
                .unwrap_or(1.0),
            prob: m.prob(k).to_f64().unwrap_or(0.0),
        })
        .collect();
    let grouped = Grouped {
        single: parts.len(),
        grouped: 0,
        parts,
    };
    let top = Line::allocate(ui, 54.0 * look.scale, 0.0, 1.0);
    let y = top.rect.top() + 34.0 * look.scale;
    draw::axis(
        ui,
        look,
        &top,
        y,
        &format!(
            "before: the ideal interval [{}, {}), zoomed to fill the line",
            blo, bhi
        ),
    );
    draw::partition(
        ui,
        look,
        &top,
        y,
        (0.0, 1.0),
        &grouped,
        Some(s.symbol),
        &|k| m.symbols.get(k).map(|c| c.to_string()).unwrap_or_default(),
    );
    draw::partition_legend(ui, look, &grouped, m.symbols.len(), "the symbol coded");
    let rel = |x: &BigRational| ((x - blo) / &bw).to_f64().unwrap_or(0.0);
    let (alo, ahi) = (rel(&s.exact_after.0), rel(&s.exact_after.1));
    let (gap, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), 28.0 * look.scale),
        egui::Sense::hover(),
    );
    let bottom = Line::allocate(ui, 46.0 * look.scale, 0.0, 1.0);
    let by = bottom.rect.top() + 24.0 * look.scale;
    draw::axis(
        ui,
        look,
        &bottom,
        by,
        "after: the symbol's slice zoomed; blue = the 32-bit coder's interval inside it",
    );
    draw::connect(
        ui,
        look,
        &top,
        y + 11.0,
        (alo, ahi),
        &bottom,
        bottom.rect.top(),
        (0.0, 1.0),
    );
    let _ = gap;
    let aw = &s.exact_after.1 - &s.exact_after.0;
    if !aw.is_zero() {
        let r2 = |x: &BigRational| ((x - &s.exact_after.0) / &aw).to_f64().unwrap_or(0.0);
        let (ilo, ihi) = (r2(&s.int_after.0), r2(&s.int_after.1));
        ui.painter().rect_stroke(
            egui::Rect::from_min_max(
                egui::pos2(bottom.x(0.0), by - 12.0),
                egui::pos2(bottom.x(1.0), by + 12.0),
            ),
            0.0,
            egui::Stroke::new(1.5, theme::FLAG),
            egui::StrokeKind::Middle,
        );
        draw::band(ui, look, &bottom, by, ilo, ihi, 8.0);
    }
}

fn windows_ui(ui: &mut Ui, look: &Look, m: &ToyModel, run: &ToyRun) {
    ui.label(RichText::new("Windows").strong().size(13.0 * look.scale));
    for (k, w) in run.windows.iter().enumerate() {
        let text: String = run.steps[w.steps.clone()]
            .iter()
            .map(|s| m.symbols[s.symbol])
            .collect();
        let all = bitstr(&w.bits());
        ui.label(
            RichText::new(format!(
                "window {k} \"{text}\": {all}  ({} emitted + {} stop code + {} padding)",
                w.emitted.len(),
                w.stop.len(),
                w.padding
            ))
            .monospace()
            .size(12.0 * look.scale),
        );
        let pad = vec![false; w.padding];
        draw::bits_row(
            ui,
            look,
            "   ",
            &[
                (&w.emitted, look.emitted(), "emitted"),
                (&w.stop, look.stop(), "stop code"),
                (&pad, Color32::from_gray(200), "padding"),
            ],
        );
        if let (Some((sym, need)), Some(b)) = (w.closed_by, run.b) {
            ui.label(
                RichText::new(format!(
                    "   the next symbol '{}' would need {need} bits > b = {b}, so it opens window {}",
                    m.symbols[sym],
                    k + 1
                ))
                .size(12.0 * look.scale),
            );
        }
    }
}
