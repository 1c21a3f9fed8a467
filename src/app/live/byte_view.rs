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
    /// A byte to scroll into view once an analysis covers it (the editor's cursor after an
    /// edit); kept across rebuilds, cleared once shown.
    pub follow: Option<usize>,
    /// Scroll to the top on the next frame (a new text was opened).
    pub to_top: bool,
}

impl ByteLayout {
    /// Lays out `text` in lines of at most `per_line` bytes (a glyph is never split; a line
    /// break ends a line; a full line is broken after its last space or tab when it has one, so
    /// words stay whole). A plain function of its inputs.
    pub fn build(text: &[u8], per_line: usize, show_whitespace: bool) -> ByteLayout {
        let per_line = per_line.max(4);
        let glyphs = theme::glyphs(text, show_whitespace);
        let mut lines = Vec::new();
        let mut byte_line = vec![0u32; text.len()];
        let mut start_b = 0usize;
        let mut start_g = 0usize;
        // The glyph after the line's last space or tab: where a line is best broken.
        let mut word_g: Option<usize> = None;
        for (gi, g) in glyphs.iter().enumerate() {
            while g.bytes.end - start_b > per_line && g.bytes.start > start_b {
                // Break after the last space of the line, or (a word longer than the line)
                // before this glyph.
                let at = word_g.filter(|&w| w > start_g && w < gi).unwrap_or(gi);
                let at_b = glyphs[at].bytes.start;
                lines.push(Line {
                    bytes: start_b..at_b,
                    glyphs: start_g..at,
                });
                start_b = at_b;
                start_g = at;
                word_g = None;
            }
            if matches!(text.get(g.bytes.start), Some(b' ' | b'\t')) && !g.newline {
                word_g = Some(gi + 1);
            }
            if g.newline {
                lines.push(Line {
                    bytes: start_b..g.bytes.end,
                    glyphs: start_g..gi + 1,
                });
                start_b = g.bytes.end;
                start_g = gi + 1;
                word_g = None;
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
            follow: None,
            to_top: false,
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
            let (follow, to_top) = (self.follow, self.to_top);
            *self = ByteLayout::build(text, per_line, show_whitespace);
            self.key = Some(key);
            self.follow = follow;
            self.to_top = to_top;
        }
    }

    /// Asks the view to scroll `byte` into view once an analysis covers it.
    pub fn follow(&mut self, byte: usize) {
        self.follow = Some(byte);
    }

    /// Asks the view to start at the top (a newly opened text), forgetting any byte to follow.
    pub fn scroll_to_top(&mut self) {
        self.to_top = true;
        self.follow = None;
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
    /// The overhead marker (GZip headers, tables, trailer) drawn before this byte.
    pub overhead_at: Option<usize>,
}

/// What the view asks of the rest of the app, and what it drew.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ByteViewOutput {
    /// What is hovered.
    pub hover: Hover,
    /// A byte was clicked.
    pub clicked_byte: Option<usize>,
    /// The token boxes drawn (visible lines only): token and screen rectangle.
    pub drawn_tokens: Vec<(usize, Rect)>,
    /// The overhead markers drawn: the byte they precede and their rectangle.
    pub drawn_overhead: Vec<(usize, Rect)>,
    /// The bytes of the lines in view (first to last visible line).
    pub shown_bytes: Range<usize>,
    /// The top of the view on screen (it must not move while the text is re-analysed).
    pub view_top: f32,
    /// The part of the screen the view shows (its scroll area's clip): drawn boxes outside it
    /// are hidden.
    pub view_rect: Option<Rect>,
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
    let mut out = ByteViewOutput {
        view_top: ui.cursor().top(),
        ..Default::default()
    };
    let total_h = layout.lines.len() as f32 * LINE_H;
    let mut area = egui::ScrollArea::vertical()
        .id_salt("byte_view")
        .auto_shrink([false, false]);
    if std::mem::take(&mut layout.to_top) {
        area = area.vertical_scroll_offset(0.0);
    }
    // The line to bring into view: the followed byte, once this analysis holds it.
    let follow_line = layout
        .follow
        .filter(|&b| b < analysis.text.len())
        .and_then(|b| layout.byte_line.get(b).map(|&l| l as usize));
    if follow_line.is_some() {
        layout.follow = None;
    }
    area.show_viewport(ui, |ui, viewport| {
        let (resp, painter) = ui.allocate_painter(Vec2::new(width - 8.0, total_h), Sense::click());
        let origin = resp.rect.min;
        out.view_rect = Some(ui.clip_rect());
        if let Some(l) = follow_line {
            let top = origin.y + l as f32 * LINE_H;
            let r = Rect::from_min_max(
                Pos2::new(origin.x, top),
                Pos2::new(origin.x + 1.0, top + LINE_H),
            );
            ui.scroll_to_rect_animation(r, None, egui::style::ScrollAnimation::none());
        }
        let first = ((viewport.min.y / LINE_H).floor().max(0.0)) as usize;
        let last = ((viewport.max.y / LINE_H).ceil() as usize).min(layout.lines.len());
        if first < last {
            out.shown_bytes = layout.lines[first].bytes.start..layout.lines[last - 1].bytes.end;
        }
        // Linked-hover sets from last frame's hover.
        let hover_window = prev_hover.byte.and_then(|b| analysis.window_of(b));
        let hover_tokens: Range<usize> = match prev_hover.byte {
            Some(b) => analysis.tokens_of_bytes(b..b + 1),
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
                        let colour = if flag.is_empty() {
                            theme::text_on(theme::window_tint(w, opts.dark))
                        } else {
                            theme::FLAG
                        };
                        // The label with its flag, else the flag alone, else nothing (the
                        // byte's tooltip names the window).
                        let inner = band.shrink2(Vec2::new(2.0, 0.0));
                        if !text_if_fits(
                            &painter,
                            inner,
                            Align2::LEFT_CENTER,
                            &format!("w{w}{flag}"),
                            &small,
                            colour,
                        ) && !flag.is_empty()
                        {
                            text_if_fits(
                                &painter,
                                inner,
                                Align2::CENTER_CENTER,
                                "⚠",
                                &small,
                                colour,
                            );
                        }
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
                        painter.rect_stroke(band.union(cells), 2.0, stroke, StrokeKind::Outside);
                    }
                }
                w += 1;
            }
            // Cells.
            for b in line.bytes.clone() {
                let x = x_of(line, b);
                let cell = row(&CELL_ROW, top, x..x + CELL_W).shrink2(Vec2::new(0.5, 2.0));
                let colour = match analysis.byte(b) {
                    Some(info) => {
                        theme::byte_colour(opts.scale, info.trace.prob, info.trace.entropy)
                    }
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
                    .map(|i| theme::byte_colour(opts.scale, i.trace.prob, i.trace.entropy))
                    .unwrap_or(theme::NO_TRACE);
                let font = if g.invalid {
                    hex_font.clone()
                } else {
                    glyph_font.clone()
                };
                // A glyph wider than its cells is left out (the tooltip shows it).
                text_if_fits(
                    &painter,
                    rect.expand2(Vec2::new(1.0, 0.0)),
                    Align2::CENTER_CENTER,
                    &g.text,
                    &font,
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
                // An id wider than its box is hidden, never cut or overprinted: hovering
                // the box shows it.
                text_if_fits(
                    &painter,
                    rect,
                    Align2::CENTER_CENTER,
                    &label,
                    &small,
                    theme::text_on(fill),
                );
                out.drawn_tokens.push((t, rect));
                if let Some(p) = pointer {
                    if rect.contains(p) {
                        out.hover.token = Some(t);
                    }
                }
            }
            // Bits owned by no byte (GZip: zlib header, block headers and Huffman tables,
            // end-of-block codes, trailer): a marker before the byte that follows them.
            for at in overhead_points(analysis, line, li + 1 == layout.lines.len()) {
                let x = x_of(line, at);
                let rect = Rect::from_min_max(
                    Pos2::new(x - 2.5, top + TOKEN_ROWS[0].start),
                    Pos2::new(x + 2.5, top + TOKEN_ROWS[1].end),
                );
                out.drawn_overhead.push((at, rect));
                let hovered = prev_hover.overhead_at == Some(at);
                painter.rect_filled(
                    rect,
                    1.0,
                    if hovered {
                        theme::HIGHLIGHT
                    } else {
                        theme::OVERHEAD
                    },
                );
                if let Some(p) = pointer {
                    if rect.expand2(Vec2::new(1.5, 0.0)).contains(p) {
                        out.hover.overhead_at = Some(at);
                        out.hover.token = None;
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
        if out.hover.byte.is_some() || out.hover.token.is_some() || out.hover.overhead_at.is_some()
        {
            resp.on_hover_ui_at_pointer(|ui| {
                if let Some(at) = out.hover.overhead_at {
                    overhead_tooltip_ui(ui, analysis, at, opts.token_format);
                } else if let Some(b) = out.hover.byte {
                    byte_tooltip_ui(ui, analysis, b);
                } else if let Some(t) = out.hover.token {
                    token_tooltip_ui(ui, analysis, t, opts.token_format);
                }
            });
        }
    });
    out
}

/// Draws `text` aligned in `rect` only when it fits there; returns whether it was drawn.
pub fn text_if_fits(
    painter: &egui::Painter,
    rect: Rect,
    align: Align2,
    text: &str,
    font: &FontId,
    colour: Color32,
) -> bool {
    let galley = painter.layout_no_wrap(text.to_owned(), font.clone(), colour);
    if galley.size().x > rect.width() + 0.5 {
        return false;
    }
    let at = align.align_size_within_rect(galley.size(), rect).min;
    painter.galley(at, galley, colour);
    true
}

/// The bytes of line `line` before which overhead is drawn (the text's end for the last line).
fn overhead_points(analysis: &Analysis, line: &Line, last_line: bool) -> Vec<usize> {
    let all = analysis.alignment.overhead();
    let i0 = all.partition_point(|o| o.before_byte < line.bytes.start);
    let mut out: Vec<usize> = Vec::new();
    for o in &all[i0..] {
        let inside =
            line.bytes.contains(&o.before_byte) || (last_line && o.before_byte == line.bytes.end);
        if !inside {
            break;
        }
        if out.last() != Some(&o.before_byte) {
            out.push(o.before_byte);
        }
    }
    out
}

/// The overhead spans drawn before byte `at`, and the tokens holding their bits only.
pub fn overhead_at(analysis: &Analysis, at: usize) -> (Vec<usize>, Vec<usize>) {
    let all = analysis.alignment.overhead();
    let i0 = all.partition_point(|o| o.before_byte < at);
    let spans: Vec<usize> = (i0..all.len())
        .take_while(|&i| all[i].before_byte == at)
        .collect();
    let mut toks: Vec<usize> = Vec::new();
    for &i in &spans {
        for t in analysis.alignment.tokens_of_overhead(i) {
            if analysis.bytes_of_token(t).is_empty() && !toks.contains(&t) {
                toks.push(t);
            }
        }
    }
    (spans, toks)
}

/// The tooltip of an overhead marker: what the bits are and the tokens made of them alone.
fn overhead_tooltip_ui(ui: &mut Ui, analysis: &Analysis, at: usize, format: TokenFormat) {
    let (spans, toks) = overhead_at(analysis, at);
    let all = analysis.alignment.overhead();
    ui.label(format!("bits owned by no byte, before byte {at}:"));
    for i in spans {
        let o = &all[i];
        ui.label(format!(
            "  {} ({} bits)",
            o.label,
            o.bits.end - o.bits.start
        ));
    }
    match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => {
            let ids: Vec<String> = toks
                .iter()
                .take(12)
                .map(|&t| {
                    format_token(
                        analysis.tokens.get(t).copied().unwrap_or(0),
                        format,
                        analysis.token_bits(),
                    )
                })
                .collect();
            ui.label(format!(
                "tokens {a}..={b} hold only these bits ({} tokens): {}{}",
                toks.len(),
                ids.join(" "),
                if toks.len() > 12 { " …" } else { "" }
            ));
        }
        _ => {
            ui.label("(they share their tokens with the bytes around them)");
        }
    }
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
    let toks = analysis.tokens_of_bytes(b..b + 1);
    if !toks.is_empty() {
        let ids: Vec<String> = analysis
            .tokens
            .get(toks.clone())
            .unwrap_or_default()
            .iter()
            .map(|&id| format_token(id, TokenFormat::Decimal, analysis.token_bits()))
            .collect();
        ui.label(format!(
            "in token{} {}: id {}",
            if toks.len() > 1 { "s" } else { "" },
            if toks.len() > 1 {
                format!("{}..={}", toks.start, toks.end - 1)
            } else {
                toks.start.to_string()
            },
            ids.join(", ")
        ));
    }
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
    // The whole distribution is computed on demand (the analysis keeps per byte only what the
    // views draw): the bars come a moment after the tooltip.
    let ctx = ui.ctx().clone();
    let wake: crate::live::Waker = std::sync::Arc::new(move || ctx.request_repaint());
    match analysis.dist_requests.get(info.window, wake) {
        crate::live::DistState::Ready(d) => {
            if let Some(dist) = d.of(info.pos_in_window) {
                top_bars_ui(ui, &top_n(dist, 10), value);
            }
        }
        crate::live::DistState::Pending => {
            ui.weak("computing the top predictions…");
        }
        crate::live::DistState::Failed(e) => {
            ui.weak(format!("no distribution: {e}"));
        }
    }
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
    if !bytes.is_empty() {
        let text = String::from_utf8_lossy(analysis.text.get(bytes.clone()).unwrap_or(&[]));
        ui.label(format!(
            "covers bytes {}..{}: {:?}",
            bytes.start, bytes.end, text
        ));
    }
    for o in analysis.alignment.overhead_of_token(t) {
        ui.label(format!("holds bits of: {}", o.label));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_texts(text: &str, per_line: usize) -> Vec<String> {
        let l = ByteLayout::build(text.as_bytes(), per_line, false);
        l.lines
            .iter()
            .map(|x| text[x.bytes.clone()].to_string())
            .collect()
    }

    /// Lines break after the last space that fits (worked by hand), a word longer than a line
    /// is cut, and a line break still ends a line.
    #[test]
    fn lines_break_at_word_boundaries() {
        assert_eq!(
            line_texts("the cat sat on the mat", 8),
            vec!["the cat ", "sat on ", "the mat"]
        );
        assert_eq!(
            line_texts("abcdefghijkl mn", 5),
            vec!["abcde", "fghij", "kl mn"]
        );
        assert_eq!(line_texts("ab cd\nef gh", 8), vec!["ab cd\n", "ef gh"]);
        assert_eq!(line_texts("ab cdefg hi", 8), vec!["ab ", "cdefg hi"]);
        // A three-byte character is never split, and never makes a line longer than allowed.
        for l in ByteLayout::build("aa €€€ bb €€".as_bytes(), 5, false).lines {
            assert!(l.bytes.len() <= 5, "{l:?}");
        }
    }

    /// A label is drawn only where it fits: "w12 ⚠" is wider than one 15-pixel byte cell.
    #[test]
    fn labels_that_do_not_fit_are_not_drawn() {
        let ctx = egui::Context::default();
        let mut results = Vec::new();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            let p = ui.painter().clone();
            let font = FontId::monospace(10.0);
            let one = Rect::from_min_size(Pos2::ZERO, Vec2::new(CELL_W, 14.0));
            let four = Rect::from_min_size(Pos2::ZERO, Vec2::new(4.0 * CELL_W, 14.0));
            for (r, t) in [(one, "w12 ⚠"), (four, "w12 ⚠"), (one, "€"), (one, "12345")] {
                results.push(text_if_fits(
                    &p,
                    r,
                    Align2::LEFT_CENTER,
                    t,
                    &font,
                    Color32::WHITE,
                ));
            }
        });
        out.textures_delta.clear();
        assert_eq!(results, vec![false, true, true, false]);
    }
}
