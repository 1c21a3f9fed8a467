//! The byte view: one cell per byte coloured by probability or surprisal, characters drawn over
//! their cells, window bands with numbers and flags above, the tokens of each window below, and
//! linked hover (byte -> window, tokens, bits; token -> bytes). Only visible lines are painted.

use crate::app::state::{ColourScale, TokenFormat};
use crate::app::theme::{self, Glyph};
use crate::live::Analysis;
use crate::method::tokens;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};
use std::ops::Range;
use std::sync::Arc;

/// Width of one byte cell.
pub const CELL_W: f32 = 15.0;
const WIN_ROW: Range<f32> = 0.0..14.0;
const CELL_ROW: Range<f32> = 15.0..37.0;
const TOKEN_ROWS: [Range<f32>; 2] = [39.0..53.0, 54.0..68.0];
/// Height of one line of the view.
pub const LINE_H: f32 = 74.0;

/// One line of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its bytes.
    pub bytes: Range<usize>,
    /// Its glyphs.
    pub glyphs: Range<usize>,
}

/// Where every byte sits; rebuilt when the text, the width or the glyph style changes.
#[derive(Debug, Clone, Default)]
pub struct ByteLayout {
    key: Option<(usize, usize, usize, bool)>,
    /// The glyphs of the text.
    pub glyphs: Vec<Glyph>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Line of each byte.
    pub byte_line: Vec<u32>,
}

impl ByteLayout {
    /// Lays out `text` in lines of at most `per_line` bytes (a glyph is never split; a line
    /// break ends a line). A plain function of its inputs.
    pub fn build(text: &[u8], per_line: usize, show_whitespace: bool) -> ByteLayout {
        let per_line = per_line.max(4);
        let glyphs = theme::glyphs(text, show_whitespace);
        let mut lines = Vec::new();
        let mut byte_line = vec![0u32; text.len()];
        let mut start_b = 0usize;
        let mut start_g = 0usize;
        for (gi, g) in glyphs.iter().enumerate() {
            if g.bytes.end - start_b > per_line && g.bytes.start > start_b {
                lines.push(Line {
                    bytes: start_b..g.bytes.start,
                    glyphs: start_g..gi,
                });
                start_b = g.bytes.start;
                start_g = gi;
            }
            if g.newline {
                lines.push(Line {
                    bytes: start_b..g.bytes.end,
                    glyphs: start_g..gi + 1,
                });
                start_b = g.bytes.end;
                start_g = gi + 1;
            }
        }
        if start_b < text.len() || lines.is_empty() {
            lines.push(Line {
                bytes: start_b..text.len(),
                glyphs: start_g..glyphs.len(),
            });
        }
        for (li, l) in lines.iter().enumerate() {
            for slot in byte_line.get_mut(l.bytes.clone()).into_iter().flatten() {
                *slot = li as u32;
            }
        }
        ByteLayout {
            key: None,
            glyphs,
            lines,
            byte_line,
        }
    }

    /// Rebuilds when needed.
    pub fn update(&mut self, text: &Arc<Vec<u8>>, per_line: usize, show_whitespace: bool) {
        let key = (
            Arc::as_ptr(text) as usize,
            text.len(),
            per_line,
            show_whitespace,
        );
        if self.key != Some(key) {
            *self = ByteLayout::build(text, per_line, show_whitespace);
            self.key = Some(key);
        }
    }

    /// Number of glyphs drawn as hex (invalid UTF-8).
    pub fn hex_cells(&self) -> usize {
        self.glyphs.iter().filter(|g| g.invalid).count()
    }
}

/// What the pointer is over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hover {
    /// A byte.
    pub byte: Option<usize>,
    /// A token.
    pub token: Option<usize>,
}

/// What the view asks of the rest of the app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteViewOutput {
    /// What is hovered.
    pub hover: Hover,
    /// A byte was clicked.
    pub clicked_byte: Option<usize>,
}

/// Options of the view.
pub struct ViewOptions {
    /// Colour scale.
    pub scale: ColourScale,
    /// Token ids format.
    pub token_format: TokenFormat,
    /// Dark theme.
    pub dark: bool,
    /// The window selected for the interval view.
    pub selected_window: Option<usize>,
}

/// A token id as text.
pub fn format_token(t: u32, format: TokenFormat, token_bits: u32) -> String {
    match format {
        TokenFormat::Decimal => t.to_string(),
        TokenFormat::Hex => {
            let digits = token_bits.div_ceil(4) as usize;
            format!("{t:0digits$X}")
        }
        TokenFormat::Bits => {
            let n = token_bits as usize;
            format!("{t:0n$b}")
        }
    }
}

fn row(r: &Range<f32>, top: f32, x: Range<f32>) -> Rect {
    Rect::from_min_max(
        Pos2::new(x.start, top + r.start),
        Pos2::new(x.end, top + r.end),
    )
}

/// Draws the view (in a vertical scroll area) and reports hover and clicks.
pub fn byte_view_ui(
    ui: &mut Ui,
    analysis: &Analysis,
    layout: &mut ByteLayout,
    opts: &ViewOptions,
    prev_hover: Hover,
    show_whitespace: bool,
) -> ByteViewOutput {
    let width = ui.available_width().max(200.0);
    let per_line = ((width - 8.0) / CELL_W).floor() as usize;
    layout.update(&analysis.text, per_line, show_whitespace);
    let mut out = ByteViewOutput::default();
    let total_h = layout.lines.len() as f32 * LINE_H;
    egui::ScrollArea::vertical()
        .id_salt("byte_view")
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            let (resp, painter) =
                ui.allocate_painter(Vec2::new(width - 8.0, total_h), Sense::click());
            let origin = resp.rect.min;
            let first = ((viewport.min.y / LINE_H).floor().max(0.0)) as usize;
            let last = ((viewport.max.y / LINE_H).ceil() as usize).min(layout.lines.len());
            // Linked-hover sets from last frame's hover.
            let hover_window = prev_hover.byte.and_then(|b| analysis.window_of(b));
            let hover_tokens: Range<usize> = match prev_hover.byte.and_then(|b| analysis.byte(b)) {
                Some(info) => tokens::tokens_covering(info.bits.clone(), analysis.token_bits()),
                None => 0..0,
            };
            let token_bytes = prev_hover
                .token
                .map(|t| analysis.bytes_of_token(t))
                .unwrap_or(0..0);
            let pointer = resp.hover_pos();
            let small = FontId::monospace(10.0);
            let glyph_font = FontId::monospace(13.0);
            let hex_font = FontId::monospace(9.0);
            let x_of = |line: &Line, b: usize| origin.x + (b - line.bytes.start) as f32 * CELL_W;
            for li in first..last {
                let line = &layout.lines[li];
                let top = origin.y + li as f32 * LINE_H;
                if line.bytes.is_empty() {
                    continue;
                }
                // Windows.
                let mut w = analysis.window_of(line.bytes.start).unwrap_or(0);
                let line_tokens = analysis.tokens_of_bytes(line.bytes.clone());
                while let Some(win) = analysis.windows.get(w) {
                    if win.bytes.start >= line.bytes.end {
                        break;
                    }
                    let a = win.bytes.start.max(line.bytes.start);
                    let b = win.bytes.end.min(line.bytes.end);
                    if a < b {
                        let xr = x_of(line, a)..x_of(line, b);
                        let band = row(&WIN_ROW, top, xr.clone());
                        painter.rect_filled(band, 2.0, theme::window_tint(w, opts.dark));
                        let cells = row(&CELL_ROW, top, xr.clone());
                        painter.rect_filled(
                            cells.expand2(Vec2::new(0.0, 1.0)),
                            0.0,
                            theme::window_tint(w, opts.dark),
                        );
                        if win.bytes.start >= line.bytes.start {
                            let flag = if win.rec.free_ok == Some(false) {
                                " ⚠"
                            } else {
                                ""
                            };
                            painter.text(
                                band.left_center() + Vec2::new(2.0, 0.0),
                                Align2::LEFT_CENTER,
                                format!("w{w}{flag}"),
                                small.clone(),
                                if flag.is_empty() {
                                    theme::text_on(theme::window_tint(w, opts.dark))
                                } else {
                                    theme::FLAG
                                },
                            );
                        }
                        if win.rec.free_ok == Some(false) {
                            painter.rect_stroke(
                                band,
                                2.0,
                                Stroke::new(1.5, theme::FLAG),
                                StrokeKind::Inside,
                            );
                        }
                        if hover_window == Some(w) || opts.selected_window == Some(w) {
                            let stroke = if hover_window == Some(w) {
                                Stroke::new(2.0, theme::HIGHLIGHT)
                            } else {
                                Stroke::new(1.5, Color32::from_rgb(120, 200, 255))
                            };
                            painter.rect_stroke(
                                band.union(cells),
                                2.0,
                                stroke,
                                StrokeKind::Outside,
                            );
                        }
                    }
                    w += 1;
                }
                // Cells.
                for b in line.bytes.clone() {
                    let x = x_of(line, b);
                    let cell = row(&CELL_ROW, top, x..x + CELL_W).shrink2(Vec2::new(0.5, 2.0));
                    let colour = match analysis.byte(b) {
                        Some(info) => theme::cell_colour(opts.scale, info.trace.prob),
                        None => theme::NO_TRACE,
                    };
                    painter.rect_filled(cell, 1.0, colour);
                    if prev_hover.byte == Some(b) || token_bytes.contains(&b) {
                        painter.rect_stroke(
                            cell,
                            1.0,
                            Stroke::new(2.0, theme::HIGHLIGHT),
                            StrokeKind::Inside,
                        );
                    }
                }
                // Glyphs.
                for g in &layout.glyphs[line.glyphs.clone()] {
                    let x0 = x_of(line, g.bytes.start);
                    let x1 = x_of(line, g.bytes.end.min(line.bytes.end));
                    let rect = row(&CELL_ROW, top, x0..x1);
                    let bg = analysis
                        .byte(g.bytes.start)
                        .map(|i| theme::cell_colour(opts.scale, i.trace.prob))
                        .unwrap_or(theme::NO_TRACE);
                    let font = if g.invalid {
                        hex_font.clone()
                    } else {
                        glyph_font.clone()
                    };
                    painter.text(
                        rect.center(),
                        Align2::CENTER_CENTER,
                        &g.text,
                        font,
                        theme::text_on(bg),
                    );
                    // A character whose bits land in two tokens (paper App. C, Fig. 9).
                    if straddles(analysis, g.bytes.clone()) {
                        painter.line_segment(
                            [
                                rect.left_bottom() + Vec2::new(1.0, -1.0),
                                rect.right_bottom() + Vec2::new(-1.0, -1.0),
                            ],
                            Stroke::new(2.0, theme::FLAG),
                        );
                    }
                }
                // Tokens.
                for t in line_tokens {
                    let span = analysis.bytes_of_token(t);
                    let a = span.start.max(line.bytes.start);
                    let b = span.end.min(line.bytes.end);
                    if a >= b {
                        continue;
                    }
                    let rect = row(&TOKEN_ROWS[t % 2], top, x_of(line, a)..x_of(line, b))
                        .shrink2(Vec2::new(1.0, 0.0));
                    let hovered = prev_hover.token == Some(t) || hover_tokens.contains(&t);
                    let fill = if hovered {
                        Color32::from_rgb(90, 160, 230)
                    } else if opts.dark {
                        Color32::from_gray(60)
                    } else {
                        Color32::from_gray(215)
                    };
                    painter.rect_filled(rect, 3.0, fill);
                    let id = analysis.tokens.get(t).copied().unwrap_or(0);
                    let label = format_token(id, opts.token_format, analysis.token_bits());
                    painter.with_clip_rect(rect).text(
                        rect.center(),
                        Align2::CENTER_CENTER,
                        label,
                        small.clone(),
                        theme::text_on(fill),
                    );
                    if let Some(p) = pointer {
                        if rect.contains(p) {
                            out.hover.token = Some(t);
                        }
                    }
                }
            }
            if let Some(p) = pointer {
                let li = ((p.y - origin.y) / LINE_H).floor();
                if li >= 0.0 {
                    if let Some(line) = layout.lines.get(li as usize) {
                        let dy = p.y - origin.y - li * LINE_H;
                        let col = ((p.x - origin.x) / CELL_W).floor();
                        if dy < CELL_ROW.end && col >= 0.0 {
                            let b = line.bytes.start + col as usize;
                            if b < line.bytes.end {
                                out.hover.byte = Some(b);
                            }
                        }
                    }
                }
            }
            if resp.clicked() {
                out.clicked_byte = out.hover.byte;
            }
            if out.hover.byte.is_some() || out.hover.token.is_some() {
                resp.on_hover_ui_at_pointer(|ui| {
                    if let Some(b) = out.hover.byte {
                        byte_tooltip_ui(ui, analysis, b);
                    } else if let Some(t) = out.hover.token {
                        token_tooltip_ui(ui, analysis, t, opts.token_format);
                    }
                });
            }
        });
    out
}

/// True when the bits of `bytes` land in more than one token.
fn straddles(analysis: &Analysis, bytes: Range<usize>) -> bool {
    let mut lo = u64::MAX;
    let mut hi = 0u64;
    for b in bytes {
        if let Some(info) = analysis.byte(b) {
            if !info.bits.is_empty() {
                lo = lo.min(info.bits.start);
                hi = hi.max(info.bits.end);
            }
        }
    }
    lo < hi && tokens::tokens_covering(lo..hi, analysis.token_bits()).len() > 1
}

/// The tooltip of a byte: character, value, p, −log2 p, rank, the top 10 predictions as bars,
/// window and position, bits emitted.
pub fn byte_tooltip_ui(ui: &mut Ui, analysis: &Analysis, b: usize) {
    let Some(&value) = analysis.text.get(b) else {
        return;
    };
    ui.label(format!(
        "byte {b}: {} = 0x{value:02X} ({value})",
        theme::describe_char(&analysis.text, b)
    ));
    let Some(info) = analysis.byte(b) else {
        if let Some(w) = analysis.window_of(b) {
            ui.label(format!(
                "window {w} (no per-byte model trace for this method)"
            ));
        }
        return;
    };
    let t = info.trace;
    ui.label(format!(
        "p = {:.4}   −log2 p = {:.2} bits   rank {}   freq {}/2^{}",
        t.prob,
        theme::surprisal_bits(t.prob),
        t.rank + 1,
        t.freq,
        analysis.config.precision
    ));
    let emitted = crate::live::bit_range_string(&analysis.bits, info.bits.clone());
    ui.label(format!(
        "window {} position {}   bits emitted: {} {}",
        info.window,
        info.pos_in_window,
        info.bits.end - info.bits.start,
        if emitted.is_empty() {
            "(none yet)".into()
        } else {
            format!("[{emitted}]")
        }
    ));
    // Why the side-information-free decoder gets this window wrong (the ⚠ flag).
    let failure = analysis.windows.get(info.window);
    if let Some(f) = failure.and_then(|w| w.rec.free_failure.as_ref()) {
        ui.colored_label(theme::FLAG, format!("⚠ {}", f.describe()));
    }
    let top = top_n(info.dist, 10);
    top_bars_ui(ui, &top, value);
}

/// The `n` most probable bytes of a distribution (ties: smaller byte first).
pub fn top_n(dist: &[f32], n: usize) -> Vec<(u8, f32)> {
    let mut idx: Vec<(u8, f32)> = dist
        .iter()
        .enumerate()
        .map(|(s, &p)| (s as u8, p))
        .collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    idx.truncate(n);
    idx
}

/// Horizontal bars of the top predictions, the true byte highlighted.
fn top_bars_ui(ui: &mut Ui, top: &[(u8, f32)], truth: u8) {
    let row_h = 14.0;
    let (rect, _) =
        ui.allocate_exact_size(Vec2::new(260.0, row_h * top.len() as f32), Sense::hover());
    let painter = ui.painter_at(rect);
    let max = top.first().map(|t| t.1).unwrap_or(1.0).max(1e-9);
    for (i, &(s, p)) in top.iter().enumerate() {
        let y = rect.top() + i as f32 * row_h;
        let label_w = 48.0;
        painter.text(
            Pos2::new(rect.left(), y + row_h / 2.0),
            Align2::LEFT_CENTER,
            theme::byte_label(s),
            FontId::monospace(10.0),
            ui.visuals().text_color(),
        );
        let bar_w = (rect.width() - label_w - 50.0) * (p / max);
        let bar = Rect::from_min_size(
            Pos2::new(rect.left() + label_w, y + 2.0),
            Vec2::new(bar_w.max(1.0), row_h - 4.0),
        );
        let colour = if s == truth {
            theme::FLAG
        } else {
            Color32::from_rgb(90, 150, 220)
        };
        painter.rect_filled(bar, 1.0, colour);
        painter.text(
            Pos2::new(bar.right() + 4.0, y + row_h / 2.0),
            Align2::LEFT_CENTER,
            format!("{p:.3}"),
            FontId::monospace(10.0),
            ui.visuals().text_color(),
        );
    }
}

/// The tooltip of a token.
pub fn token_tooltip_ui(ui: &mut Ui, analysis: &Analysis, t: usize, format: TokenFormat) {
    let Some(&id) = analysis.tokens.get(t) else {
        return;
    };
    let tb = analysis.token_bits();
    let bytes = analysis.bytes_of_token(t);
    ui.label(format!(
        "token {t}: id {} = 0x{} = {}",
        id,
        format_token(id, TokenFormat::Hex, tb),
        format_token(id, TokenFormat::Bits, tb)
    ));
    let _ = format;
    let text = String::from_utf8_lossy(analysis.text.get(bytes.clone()).unwrap_or(&[]));
    ui.label(format!(
        "covers bytes {}..{}: {:?}",
        bytes.start, bytes.end, text
    ));
}
