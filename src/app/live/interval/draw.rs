//! Drawing pieces shared by the classroom views: the look (presenter setting), number lines,
//! the full partition with its legend, the binary ruler, connecting lines, bit rows and the
//! pseudo-code column.

use crate::app::theme;
use crate::teach::coder::Rescale;
use crate::teach::partition::Grouped;
use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, StrokeKind, Ui, Vec2};

/// Sizes and colours (normal or presenter: larger, high contrast).
#[derive(Debug, Clone, Copy)]
pub struct Look {
    /// Font and line scale.
    pub scale: f32,
    /// High contrast.
    pub contrast: bool,
    /// Text colour.
    pub text: Color32,
    /// Background of drawings.
    pub bg: Color32,
}

impl Look {
    /// The look for a ui.
    pub fn new(ui: &Ui, presenter: bool) -> Self {
        let dark = ui.visuals().dark_mode;
        if presenter {
            Look {
                scale: 1.45,
                contrast: true,
                text: if dark { Color32::WHITE } else { Color32::BLACK },
                bg: if dark { Color32::BLACK } else { Color32::WHITE },
            }
        } else {
            Look {
                scale: 1.0,
                contrast: false,
                text: ui.visuals().text_color(),
                bg: ui.visuals().extreme_bg_color,
            }
        }
    }
    /// A monospace font of `size` points, scaled.
    pub fn mono(&self, size: f32) -> FontId {
        FontId::monospace(size * self.scale)
    }
    /// A proportional font, scaled.
    pub fn prop(&self, size: f32) -> FontId {
        FontId::proportional(size * self.scale)
    }
    /// The interval's colour.
    pub fn interval(&self) -> Color32 {
        if self.contrast {
            Color32::from_rgb(0, 120, 255)
        } else {
            Color32::from_rgb(90, 150, 220)
        }
    }
    /// Emitted bits.
    pub fn emitted(&self) -> Color32 {
        Color32::from_rgb(40, 140, 60)
    }
    /// Pending bits (E3).
    pub fn pending(&self) -> Color32 {
        Color32::from_rgb(170, 90, 220)
    }
    /// The stop code.
    pub fn stop(&self) -> Color32 {
        Color32::from_rgb(220, 160, 20)
    }
    /// Grouped slices.
    pub fn group(&self) -> Color32 {
        Color32::from_gray(if self.contrast { 150 } else { 110 })
    }
}

/// A number line: a rect showing the values `v0..v1`.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// Where.
    pub rect: Rect,
    /// Value at the left edge.
    pub v0: f64,
    /// Value at the right edge.
    pub v1: f64,
}

impl Line {
    /// Allocates a line of `height` over `v0..v1`.
    pub fn allocate(ui: &mut Ui, height: f32, v0: f64, v1: f64) -> Line {
        let width = ui.available_width().max(120.0);
        let (rect, _) = ui.allocate_exact_size(Vec2::new(width, height), Sense::hover());
        Line { rect, v0, v1 }
    }
    /// The x of value `v`.
    pub fn x(&self, v: f64) -> f32 {
        let span = (self.v1 - self.v0).max(1e-300);
        self.rect.left() + ((v - self.v0) / span) as f32 * self.rect.width()
    }
    /// Pixels per unit.
    pub fn px_per_unit(&self) -> f64 {
        self.rect.width() as f64 / (self.v1 - self.v0).max(1e-300)
    }
}

/// Draws the axis with its end values and a caption at the top left.
pub fn axis(ui: &Ui, look: &Look, line: &Line, y: f32, caption: &str) {
    let p = ui.painter();
    p.rect_filled(line.rect, 2.0, look.bg);
    p.hline(line.rect.x_range(), y, Stroke::new(1.0, Color32::GRAY));
    let small = look.mono(9.0);
    p.text(
        Pos2::new(line.rect.left() + 2.0, line.rect.bottom() - 1.0),
        Align2::LEFT_BOTTOM,
        format!("{:.6}", line.v0),
        small.clone(),
        Color32::GRAY,
    );
    p.text(
        Pos2::new(line.rect.right() - 2.0, line.rect.bottom() - 1.0),
        Align2::RIGHT_BOTTOM,
        format!("{:.6}", line.v1),
        small,
        Color32::GRAY,
    );
    p.text(
        line.rect.left_top() + Vec2::new(3.0, 1.0),
        Align2::LEFT_TOP,
        caption,
        look.prop(10.5),
        look.text,
    );
}

/// Draws an interval `[lo, hi)` on a line as a band around `y`.
pub fn band(ui: &Ui, look: &Look, line: &Line, y: f32, lo: f64, hi: f64, half: f32) -> Rect {
    let r = Rect::from_min_max(
        Pos2::new(line.x(lo), y - half),
        Pos2::new(line.x(hi).max(line.x(lo) + 1.0), y + half),
    );
    let c = look.interval();
    ui.painter().rect_filled(r, 0.0, c.gamma_multiply(0.35));
    ui.painter()
        .rect_stroke(r, 0.0, Stroke::new(1.5 * look.scale, c), StrokeKind::Middle);
    r
}

/// Draws the grouped partition of the interval `[lo, hi)` (values on `line`): each slice in
/// the colour of its probability, the true symbol red, groups grey; labels where they fit.
#[allow(clippy::too_many_arguments)]
pub fn partition(
    ui: &Ui,
    look: &Look,
    line: &Line,
    y: f32,
    (lo, hi): (f64, f64),
    parts: &Grouped,
    truth: Option<usize>,
    label: &dyn Fn(usize) -> String,
) {
    let p = ui.painter();
    let w = hi - lo;
    for part in &parts.parts {
        let a = line.x(lo + w * part.lo);
        let b = line.x(lo + w * part.hi);
        let r = Rect::from_min_max(Pos2::new(a, y - 11.0), Pos2::new(b.max(a + 0.5), y + 11.0));
        let is_truth = !part.is_group() && truth == Some(part.first);
        let fill = if is_truth {
            theme::FLAG
        } else if part.is_group() {
            look.group()
        } else {
            theme::ramp(0.15 + 0.7 * (1.0 - part.prob.sqrt() as f32))
        };
        p.rect_filled(r.shrink2(Vec2::new(0.0, 1.0)), 0.0, fill);
        if r.width() >= 3.0 {
            p.vline(
                a,
                y - 12.0..=y + 12.0,
                Stroke::new(0.6, look.text.gamma_multiply(0.6)),
            );
        }
        let text = if part.is_group() {
            format!(
                "{}…{} ({})",
                label(part.first),
                label(part.last),
                part.count()
            )
        } else {
            label(part.first)
        };
        let font = look.mono(10.0);
        let tw = ui
            .fonts_mut(|f| f.layout_no_wrap(text.clone(), font.clone(), look.text))
            .size()
            .x;
        if r.width() > tw + 2.0 || is_truth {
            p.text(
                Pos2::new(r.center().x, y - 13.0),
                Align2::CENTER_BOTTOM,
                text,
                font,
                if is_truth { theme::FLAG } else { look.text },
            );
        }
    }
}

/// The colour legend of the partition, and what was grouped.
pub fn partition_legend(ui: &mut Ui, look: &Look, parts: &Grouped, symbols: usize, what: &str) {
    ui.horizontal_wrapped(|ui| {
        let swatch = |ui: &mut Ui, c: Color32, text: &str| {
            let (r, _) = ui.allocate_exact_size(Vec2::splat(11.0 * look.scale), Sense::hover());
            ui.painter().rect_filled(r, 2.0, c);
            ui.label(RichText::new(text).size(12.0 * look.scale));
        };
        swatch(ui, theme::FLAG, what);
        swatch(ui, theme::ramp(0.15), "likely");
        swatch(ui, theme::ramp(0.85), "unlikely");
        swatch(ui, look.group(), "group of slices < 1 px");
        ui.label(
            RichText::new(format!(
                "· partition of all {symbols} symbols: {} drawn as their own slice, {} in {} \
                 group(s)",
                parts.single,
                parts.grouped,
                parts.parts.iter().filter(|p| p.is_group()).count()
            ))
            .size(12.0 * look.scale),
        );
    });
}

/// The binary ruler: from the cell `[0, 1)` of `line`, each rescaling keeps a half (E1: the
/// lower, bit 0; E2: the upper, bit 1) or the middle half (E3: the bit is not known yet). Draws
/// one bracket per rescaling below `y0` and returns the last cell `(start, width)` and the y
/// below the ruler.
pub fn ruler(ui: &Ui, look: &Look, line: &Line, y0: f32, ops: &[Rescale]) -> ((f64, f64), f32) {
    let p = ui.painter();
    let (mut a, mut w) = (0.0f64, 1.0f64);
    let mut y = y0;
    let row = 13.0 * look.scale;
    let shown = ops.len().min(8);
    for (k, op) in ops.iter().enumerate() {
        let (na, label, c) = match op {
            Rescale::E1 => (a, "0", look.emitted()),
            Rescale::E2 => (a + w / 2.0, "1", look.emitted()),
            Rescale::E3 => (a + w / 4.0, "?", look.pending()),
        };
        a = na;
        w /= 2.0;
        if k < shown {
            let (x0, x1) = (line.x(a), line.x(a + w).max(line.x(a) + 1.0));
            let yy = y + row * 0.5;
            p.line_segment([Pos2::new(x0, yy), Pos2::new(x1, yy)], Stroke::new(2.0, c));
            p.vline(x0, yy - 3.0..=yy + 3.0, Stroke::new(1.5, c));
            p.vline(x1, yy - 3.0..=yy + 3.0, Stroke::new(1.5, c));
            let name = match op {
                Rescale::E1 => "E1",
                Rescale::E2 => "E2",
                Rescale::E3 => "E3",
            };
            let (tx, align) = if x1 + 60.0 > line.rect.right() {
                (x0 - 4.0, Align2::RIGHT_CENTER)
            } else {
                (x1 + 4.0, Align2::LEFT_CENTER)
            };
            p.text(
                Pos2::new(tx, yy),
                align,
                format!("{name}: {label}"),
                look.mono(9.5),
                c,
            );
            y += row;
        }
    }
    if ops.len() > shown {
        p.text(
            Pos2::new(line.rect.left() + 4.0, y + row * 0.5),
            Align2::LEFT_CENTER,
            format!("… {} more rescalings", ops.len() - shown),
            look.prop(9.5),
            look.text,
        );
        y += row;
    }
    ((a, w), y)
}

/// Lines connecting `[a, b)` on `top` (at y `ty`) to `[c, d)` on `bottom` (at y `by`).
#[allow(clippy::too_many_arguments)]
pub fn connect(
    ui: &Ui,
    look: &Look,
    top: &Line,
    ty: f32,
    (a, b): (f64, f64),
    bottom: &Line,
    by: f32,
    (c, d): (f64, f64),
) {
    let s = Stroke::new(1.0 * look.scale, look.interval().gamma_multiply(0.8));
    let p = ui.painter();
    p.line_segment([Pos2::new(top.x(a), ty), Pos2::new(bottom.x(c), by)], s);
    p.line_segment([Pos2::new(top.x(b), ty), Pos2::new(bottom.x(d), by)], s);
}

/// A row of bits in parts, each with its own colour and name (e.g. emitted / stop / padding).
pub fn bits_row(ui: &mut Ui, look: &Look, label: &str, parts: &[(&[bool], Color32, &str)]) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label(RichText::new(format!("{label} ")).size(13.0 * look.scale));
        for (bits, c, _) in parts {
            if bits.is_empty() {
                continue;
            }
            let s: String = bits.iter().map(|&b| if b { '1' } else { '0' }).collect();
            ui.label(
                RichText::new(s)
                    .monospace()
                    .size(13.0 * look.scale)
                    .background_color(*c)
                    .color(theme::text_on(*c)),
            );
        }
        let legend: Vec<String> = parts
            .iter()
            .map(|(b, _, name)| format!("{name} {}", b.len()))
            .collect();
        ui.label(RichText::new(format!("   ({})", legend.join(", "))).size(12.0 * look.scale));
    });
}

/// The pseudo-code column, with the lines `hot` (line, times) highlighted.
pub fn code_ui(ui: &mut Ui, look: &Look, title: &str, lines: &[&str], hot: &[(usize, usize)]) {
    ui.label(RichText::new(title).strong().size(13.0 * look.scale));
    egui::Frame::new()
        .fill(look.bg)
        .inner_margin(4.0)
        .show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = 1.0;
            for (i, l) in lines.iter().enumerate() {
                let times = hot.iter().find(|h| h.0 == i).map(|h| h.1);
                let text = match times {
                    Some(n) if n > 1 => format!("{l}   ×{n}"),
                    _ => l.to_string(),
                };
                let mut rt = RichText::new(text).monospace().size(11.0 * look.scale);
                if times.is_some() {
                    rt = rt
                        .background_color(Color32::from_rgb(250, 220, 90))
                        .color(Color32::BLACK);
                }
                ui.label(rt);
            }
        });
}

/// A 32-bit register in binary with its first `common` bits in the emitted colour.
pub fn register(ui: &mut Ui, look: &Look, name: &str, v: u64, common: usize) {
    let s = format!("{v:032b}");
    let common = common.min(32);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        ui.label(
            RichText::new(format!("{name:>5} = "))
                .monospace()
                .size(12.0 * look.scale),
        );
        ui.label(
            RichText::new(&s[..common])
                .monospace()
                .size(12.0 * look.scale)
                .background_color(look.emitted())
                .color(Color32::WHITE),
        );
        ui.label(
            RichText::new(&s[common..])
                .monospace()
                .size(12.0 * look.scale),
        );
    });
}

/// Leading bits two 32-bit registers share.
pub fn common_prefix(a: u64, b: u64) -> usize {
    ((a ^ b) << 32).leading_zeros().min(32) as usize
}
