//! The Compare tab: the same text under several configurations, one row each, with bytes/token,
//! bits/byte and token count, and every row's tokens (and windows) drawn on one shared byte
//! axis that wraps with the text like the Live view, so that the boundaries line up with the
//! text. Row labels stay in a column of their own; hovering a token shows its bytes and id and
//! highlights the same bytes in every row. Rows can be added, removed and edited.
//!
//! What a row draws is a [`crate::live::AxisRow`] (a label and byte ranges with what they
//! are): rows of another kind are drawn by [`axis_ui`] the same way. Segmenter rows (a spec in
//! the `-c` syntax of `eqinfo segments`, typed or from a preset) follow the coding rows on the
//! same axis, each segment coloured by its information coded alone, its tooltip the
//! segmentation lab's ([`segment_hover_text`]), and under the table a collapsible distribution
//! plot per row ([`segment_distribution_ui`]). The worker computes them
//! ([`crate::live::segmenter_row`]); a bad spec is that row's error.

use crate::app::live::byte_view::{text_if_fits, ByteLayout};
use crate::app::segments::{segment_distribution_ui, segment_hover_text, SegmentRowView};
use crate::app::state::{default_compare_rows, method_name};
use crate::app::theme;
use crate::app::worker::{RowProgress, ViewBytes};
use crate::live::{AxisRow, CompareRow, PartialRow, SegmentLabel, SegmenterRow};
use crate::method::{Config, MethodKind};
use crate::segment::SegmentInfo;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Ui, Vec2};
use std::ops::Range;
use std::sync::Arc;

/// Width of one byte on the shared axis.
const BYTE_W: f32 = 11.0;
/// Height of the text line of a block.
const TEXT_H: f32 = 18.0;
/// Height of one row of a block: a window tick strip and two token sub-rows.
const ROW_H: f32 = 22.0;
const SUB_H: f32 = 9.0;
/// Width of the label column.
const LABEL_W: f32 = 190.0;
/// Space between blocks.
const GAP: f32 = 8.0;

/// The segmenter presets offered beside the spec field.
pub const SEGMENTER_PRESETS: [&str; 4] = ["entropy", "entropy:mode=topk", "space", "fixed:n=8"];

/// What the user changed in the tab this frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompareChanges {
    /// The coding rows.
    pub rows: bool,
    /// The segmenter rows.
    pub segmenters: bool,
}

/// A segment the axis drew last frame (for hover and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnSegment {
    /// Its row.
    pub row: usize,
    /// Index in the row's segments.
    pub index: usize,
    /// Its bytes.
    pub bytes: Range<usize>,
    /// Where it was drawn.
    pub rect: Rect,
}

/// A row of the running (or cancelled) Compare job.
#[derive(Debug, Clone)]
pub enum RowSlot {
    /// Nothing of it yet (the last finished result, if its configuration is the row's, shows).
    Pending,
    /// Coded in part: the pieces so far.
    Partial(PartialRow),
    /// Done.
    Done(Result<CompareRow, String>),
}

/// The tab's UI state.
#[derive(Debug, Clone, Default)]
pub struct CompareState {
    /// The bytes the axis showed last frame (shared with the worker's Compare job).
    pub view: Arc<ViewBytes>,
    /// The row being edited.
    pub editing: Option<usize>,
    /// The text's layout on the axis.
    pub layout: ByteLayout,
    /// The segments drawn last frame.
    pub drawn: Vec<DrawnSegment>,
    /// The bytes under the pointer last frame (highlighted in every row).
    pub hover_bytes: Option<Range<usize>>,
    /// The segmenter spec being typed.
    pub new_segmenter: String,
}

/// The Compare tab's rows and their results.
pub struct CompareRows<'a> {
    /// The coding rows.
    pub rows: &'a mut Vec<Config>,
    /// The last finished results, in order (stale ones are those whose configuration differs).
    pub results: &'a [Result<CompareRow, String>],
    /// The running (or cancelled) job's rows, in order (empty: none).
    pub live: &'a [RowSlot],
    /// How far each row of the running job is (by row).
    pub progress: &'a [RowProgress],
    /// The segmenter rows (specs as typed).
    pub segmenters: &'a mut Vec<String>,
    /// Their results, in order (stale ones are those whose spec differs).
    pub segmenter_results: &'a [Result<SegmenterRow, String>],
}

/// Draws the tab; says what the user changed.
pub fn compare_ui(
    ui: &mut Ui,
    st: &mut CompareState,
    all: CompareRows<'_>,
    text: &Arc<Vec<u8>>,
    busy: bool,
    dark: bool,
) -> CompareChanges {
    let CompareRows {
        rows,
        results,
        live,
        progress,
        segmenters,
        segmenter_results,
    } = all;
    // What each row shows: its finished result, its pieces so far, or nothing.
    let shown: Vec<Shown<'_>> = rows
        .iter()
        .enumerate()
        .map(|(i, cfg)| match live.get(i) {
            Some(RowSlot::Done(Ok(r))) if r.config == *cfg => Shown::Row(r),
            Some(RowSlot::Done(Err(e))) => Shown::Error(e),
            Some(RowSlot::Partial(p)) if p.config == *cfg => Shown::Partial(p),
            _ => match results.get(i) {
                Some(Ok(r)) if r.config == *cfg => Shown::Row(r),
                Some(Err(e)) if live.is_empty() => Shown::Error(e),
                _ => Shown::Nothing,
            },
        })
        .collect();
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.heading("Compare");
        if busy {
            ui.spinner();
            ui.label("analysing…");
        }
        if ui.button("Add row").clicked() {
            let next = rows.last().cloned().unwrap_or_default();
            rows.push(next);
            st.editing = Some(rows.len() - 1);
            changed = true;
        }
        if ui.button("Default rows").clicked() {
            *rows = default_compare_rows();
            st.editing = None;
            changed = true;
        }
        ui.label(format!("{} bytes of text", text.len()));
    });
    let mut remove = None;
    egui::Grid::new("compare_table")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for h in [
                "#",
                "configuration",
                "windows",
                "tokens",
                "bytes/token",
                "bits/byte",
                "",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, cfg) in rows.iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.label(cfg.label());
                let running = progress.get(i).filter(|p| p.total > 0);
                match shown[i] {
                    Shown::Row(r) => {
                        ui.label(r.windows.len().to_string());
                        ui.label(r.tokens.to_string());
                        ui.label(format!("{:.2}", r.bytes_per_token));
                        ui.label(format!("{:.3}", r.bits_per_byte));
                    }
                    Shown::Error(e) => {
                        ui.colored_label(theme::FLAG, "error");
                        ui.colored_label(theme::FLAG, e);
                        ui.label("");
                        ui.label("");
                    }
                    Shown::Partial(p) => {
                        ui.label(format!("{} so far", p.windows.len()));
                        ui.label("…");
                        row_progress_ui(ui, i, p, running);
                        ui.label("…");
                    }
                    Shown::Nothing => {
                        ui.label("…");
                        ui.label("…");
                        match running {
                            Some(rp) => {
                                ui.label(format!("row {}: {}", i + 1, rp.line()));
                            }
                            None => {
                                ui.label("…");
                            }
                        }
                        ui.label("…");
                    }
                }
                ui.horizontal(|ui| {
                    let editing = st.editing == Some(i);
                    if ui
                        .selectable_label(editing, format!("Edit {}", i + 1))
                        .clicked()
                    {
                        st.editing = if editing { None } else { Some(i) };
                    }
                    if ui.button(format!("Remove {}", i + 1)).clicked() {
                        remove = Some(i);
                    }
                });
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        rows.remove(i);
        st.editing = None;
        changed = true;
    }
    if let Some(i) = st.editing {
        if let Some(cfg) = rows.get_mut(i) {
            ui.separator();
            ui.label(format!("Row {}:", i + 1));
            changed |= config_editor_ui(ui, cfg, &format!("compare_row_{i}"));
        }
    }
    ui.separator();
    let seg_changed = segmenters_ui(ui, st, rows.len(), segmenters, segmenter_results, text);
    ui.separator();
    let seg_result = |k: usize, spec: &String| match segmenter_results.get(k) {
        Some(Ok(r)) if r.spec == *spec => Some(r),
        _ => None,
    };
    let mut axis: Vec<Option<&AxisRow>> = shown
        .iter()
        .map(|s| match s {
            Shown::Row(r) => Some(&r.axis),
            Shown::Partial(p) => Some(&p.axis),
            _ => None,
        })
        .collect();
    let mut infos: Vec<Option<&[SegmentInfo]>> = vec![None; axis.len()];
    for (k, spec) in segmenters.iter().enumerate() {
        let r = seg_result(k, spec);
        axis.push(r.map(|r| &r.axis));
        infos.push(r.map(|r| r.segments.as_slice()));
    }
    let mut windows: Vec<&[Range<usize>]> = rows
        .iter()
        .zip(&shown)
        .map(|(cfg, s)| match s {
            _ if cfg.method != MethodKind::EqualInfo => &[][..],
            Shown::Row(r) => r.windows.as_slice(),
            Shown::Partial(p) => p.windows.as_slice(),
            _ => &[],
        })
        .collect();
    windows.resize(axis.len(), &[]);
    axis_ui(ui, st, text, &axis, &windows, &infos, dark);
    CompareChanges {
        rows: changed,
        segmenters: seg_changed,
    }
}

/// What a row shows.
#[derive(Clone, Copy)]
enum Shown<'a> {
    Row(&'a CompareRow),
    Partial(&'a PartialRow),
    Error(&'a str),
    Nothing,
}

/// A row coded in part: a bar and "row 3: 37% · 370 of 1000 bytes · about 12 s left" (from the
/// worker's report while it codes the row, else from the pieces so far).
fn row_progress_ui(ui: &mut Ui, i: usize, p: &PartialRow, running: Option<&RowProgress>) {
    let (done, line) = match running {
        Some(rp) => (rp.done.min(p.len), rp.line()),
        None => {
            let rp = RowProgress {
                done: p.coded(),
                total: p.len,
                busy: p.elapsed(),
                since: None,
            };
            (rp.done, rp.line())
        }
    };
    let f = if p.len > 0 {
        done as f32 / p.len as f32
    } else {
        1.0
    };
    ui.horizontal(|ui| {
        ui.add(egui::ProgressBar::new(f).desired_width(80.0));
        ui.label(format!("row {}: {line}", i + 1));
    });
}

/// The segmenter rows: a spec field with presets, a table (segments, bytes and bits a segment,
/// or the row's error) and a collapsible distribution plot per row. Rows are numbered after the
/// `first` coding rows, as on the axis. True when the rows changed.
fn segmenters_ui(
    ui: &mut Ui,
    st: &mut CompareState,
    first: usize,
    segmenters: &mut Vec<String>,
    results: &[Result<SegmenterRow, String>],
    text: &[u8],
) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        ui.strong("Segmenter rows");
        let l = ui.label("Segmenter spec");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut st.new_segmenter)
                    .desired_width(200.0)
                    .hint_text("e.g. equal-info:b=16"),
            )
            .labelled_by(l.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let spec = st.new_segmenter.trim().to_owned();
        if (ui
            .add_enabled(!spec.is_empty(), egui::Button::new("Add segmenter"))
            .clicked()
            || entered)
            && !spec.is_empty()
        {
            segmenters.push(spec);
            st.new_segmenter.clear();
            changed = true;
        }
        ui.label("presets:");
        for p in SEGMENTER_PRESETS {
            if ui
                .button(format!("+ {p}"))
                .on_hover_text(format!("add the segmenter row '{p}'"))
                .clicked()
            {
                segmenters.push(p.to_owned());
                changed = true;
            }
        }
    });
    if segmenters.is_empty() {
        ui.weak(
            "none: add a segmenter (entropy, space, fixed:n=N, subword, equal-info:b=B, the \
             -c syntax of `eqinfo segments`) to see its segments beside the coding rows",
        );
        return changed;
    }
    let mut remove = None;
    egui::Grid::new("compare_segmenters")
        .striped(true)
        .num_columns(6)
        .show(ui, |ui| {
            for h in [
                "#",
                "segmenter",
                "segments",
                "bytes/segment",
                "bits/segment alone",
                "",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (k, spec) in segmenters.iter().enumerate() {
                let n = first + k + 1;
                ui.label(format!("{n}"));
                match results.get(k) {
                    Some(Ok(r)) if r.spec == *spec => {
                        ui.label(format!("{spec} ({})", r.name));
                        let c = r.segments.len().max(1) as f64;
                        ui.label(r.segments.len().to_string());
                        ui.label(format!("{:.2}", text.len() as f64 / c));
                        let bits: f64 = r.segments.iter().map(|s| s.bits_alone).sum();
                        ui.label(format!("{:.2}", bits / c));
                    }
                    Some(Err(e)) => {
                        ui.label(spec.as_str());
                        ui.colored_label(theme::FLAG, "error");
                        ui.colored_label(theme::FLAG, e);
                        ui.label("");
                    }
                    _ => {
                        ui.label(spec.as_str());
                        for _ in 0..3 {
                            ui.label("…");
                        }
                    }
                }
                if ui.button(format!("Remove {n}")).clicked() {
                    remove = Some(k);
                }
                ui.end_row();
            }
        });
    for (k, spec) in segmenters.iter().enumerate() {
        if let Some(Ok(r)) = results.get(k) {
            if r.spec != *spec {
                continue;
            }
            let n = first + k + 1;
            egui::CollapsingHeader::new(format!("Distribution of #{n} {}", r.name))
                .id_salt(("compare_seg_dist", k, spec.as_str()))
                .show(ui, |ui| {
                    let view = SegmentRowView {
                        label: &r.name,
                        text,
                        segments: &r.segments,
                    };
                    segment_distribution_ui(ui, &format!("compare_seg_{k}"), &view);
                });
        }
    }
    if let Some(k) = remove {
        segmenters.remove(k);
        changed = true;
    }
    changed
}

/// Widgets editing a configuration's method, b, token bits and Delay; true when it changed.
pub fn config_editor_ui(ui: &mut Ui, cfg: &mut Config, id: &str) -> bool {
    let before = cfg.clone();
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new(id, "method")
            .selected_text(method_name(cfg.method))
            .show_ui(ui, |ui| {
                for m in MethodKind::ALL {
                    ui.selectable_value(&mut cfg.method, m, method_name(m));
                }
            });
        if cfg.method == MethodKind::EqualInfo {
            ui.add(egui::Slider::new(&mut cfg.window_bits, 8..=256).text("window bits b"));
            ui.checkbox(&mut cfg.delay, "Delay");
        }
        // Subword's token size is its tokenizer's: fixed, its control disabled.
        if before.method != cfg.method && before.method.fixed_token_bits().is_some() {
            cfg.token_bits = Config::new(cfg.method).token_bits;
        }
        let fixed = cfg.method.fixed_token_bits();
        if let Some(tb) = fixed {
            cfg.token_bits = tb;
        }
        ui.add_enabled(
            fixed.is_none(),
            egui::Slider::new(&mut cfg.token_bits, 1..=16).text("token bits"),
        );
    });
    *cfg != before
}

/// The shared byte axis: the text wrapped in lines like the Live view, and under each line one
/// row per configuration with its tokens (alternating sub-rows, so that neighbours that share a
/// byte stay apart) and, for EqualInfo, its window boundaries as ticks. Labels sit in a column
/// of their own. Only visible blocks are painted. A row with `infos` (a segmenter's: one per
/// segment, in order) colours each segment by its information coded alone and shows the
/// segmentation lab's tooltip.
pub fn axis_ui(
    ui: &mut Ui,
    st: &mut CompareState,
    text: &Arc<Vec<u8>>,
    rows: &[Option<&AxisRow>],
    windows: &[&[Range<usize>]],
    infos: &[Option<&[SegmentInfo]>],
    dark: bool,
) {
    // Per segmenter row: its largest information coded alone (the colour scale's top).
    let max_bits: Vec<f64> = (0..rows.len())
        .map(|ri| {
            infos
                .get(ri)
                .copied()
                .flatten()
                .map_or(1.0, |v| v.iter().map(|s| s.bits_alone).fold(1.0, f64::max))
        })
        .collect();
    let width = ui.available_width().max(LABEL_W + 200.0);
    let per_line = ((width - LABEL_W - 12.0) / BYTE_W).floor().max(8.0) as usize;
    st.layout.update(text, per_line, true);
    let layout = &st.layout;
    let block_h = TEXT_H + ROW_H * rows.len() as f32 + GAP;
    let total_h = layout.lines.len() as f32 * block_h;
    let prev_hover = st.hover_bytes.clone();
    let mut hover_bytes: Option<Range<usize>> = None;
    let mut tip: Option<(String, Range<usize>)> = None;
    let mut drawn = Vec::new();
    let text_col = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    egui::ScrollArea::vertical()
        .id_salt("compare_axis")
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            let (resp, painter) =
                ui.allocate_painter(Vec2::new(width - 8.0, total_h), Sense::hover());
            let origin = resp.rect.min;
            let pointer = resp.hover_pos();
            let first = ((viewport.min.y / block_h).floor().max(0.0)) as usize;
            let last = ((viewport.max.y / block_h).ceil() as usize).min(layout.lines.len());
            if first < last {
                st.view
                    .set(layout.lines[first].bytes.start..layout.lines[last - 1].bytes.end);
            }
            let x0 = origin.x + LABEL_W;
            let small = FontId::monospace(8.0);
            let label_font = FontId::proportional(11.0);
            for li in first..last {
                let line = &layout.lines[li];
                let top = origin.y + li as f32 * block_h;
                let x_of = |b: usize| {
                    x0 + (b.clamp(line.bytes.start, line.bytes.end) - line.bytes.start) as f32
                        * BYTE_W
                };
                // The text.
                for g in &layout.glyphs[line.glyphs.clone()] {
                    let r = Rect::from_min_max(
                        Pos2::new(x_of(g.bytes.start), top),
                        Pos2::new(x_of(g.bytes.end), top + TEXT_H),
                    );
                    let lit = prev_hover
                        .as_ref()
                        .is_some_and(|h| h.start < g.bytes.end && g.bytes.start < h.end);
                    let lit_fill = Color32::from_rgb(90, 160, 230);
                    if lit {
                        painter.rect_filled(r, 2.0, lit_fill);
                    }
                    let font = if g.invalid {
                        FontId::monospace(7.0)
                    } else {
                        FontId::monospace(11.0)
                    };
                    // Lit glyphs in the colour that reads on the highlight.
                    text_if_fits(
                        &painter,
                        r.expand2(Vec2::new(1.0, 0.0)),
                        Align2::CENTER_CENTER,
                        &g.text,
                        &font,
                        if lit {
                            theme::text_on(lit_fill)
                        } else {
                            text_col
                        },
                    );
                    if pointer.is_some_and(|p| r.contains(p)) {
                        hover_bytes = Some(g.bytes.clone());
                        tip = Some((
                            format!("bytes {}..{}", g.bytes.start, g.bytes.end),
                            g.bytes.clone(),
                        ));
                    }
                }
                painter.text(
                    Pos2::new(origin.x + 2.0, top + TEXT_H / 2.0),
                    Align2::LEFT_CENTER,
                    format!("bytes {}..", line.bytes.start),
                    FontId::proportional(9.0),
                    weak,
                );
                for (ri, row) in rows.iter().enumerate() {
                    let y = top + TEXT_H + ROW_H * ri as f32;
                    let label_rect = Rect::from_min_max(
                        Pos2::new(origin.x + 2.0, y),
                        Pos2::new(x0 - 6.0, y + ROW_H),
                    );
                    let name = row.map_or(String::from("…"), |r| r.label.clone());
                    if !text_if_fits(
                        &painter,
                        label_rect,
                        Align2::LEFT_CENTER,
                        &format!("#{} {name}", ri + 1),
                        &label_font,
                        text_col,
                    ) {
                        text_if_fits(
                            &painter,
                            label_rect,
                            Align2::LEFT_CENTER,
                            &format!("#{}", ri + 1),
                            &label_font,
                            text_col,
                        );
                    }
                    if pointer.is_some_and(|p| label_rect.contains(p)) {
                        tip = Some((format!("row {}: {name}", ri + 1), 0..0));
                    }
                    // Window boundaries: ticks at each window's first byte.
                    let wins = windows.get(ri).copied().unwrap_or(&[]);
                    let w0 = wins.partition_point(|w| w.end <= line.bytes.start);
                    for (k, w) in wins.iter().enumerate().skip(w0) {
                        if w.start >= line.bytes.end {
                            break;
                        }
                        let band = Rect::from_min_max(
                            Pos2::new(x_of(w.start), y + 1.0),
                            Pos2::new(x_of(w.end), y + 3.0),
                        );
                        painter.rect_filled(band, 0.0, theme::window_tint(k, dark));
                        let hit = Rect::from_min_max(
                            Pos2::new(band.left(), y),
                            Pos2::new(band.right(), y + 4.0),
                        );
                        if pointer.is_some_and(|p| hit.contains(p)) {
                            hover_bytes = Some(w.clone());
                            let bytes = text.get(w.clone()).unwrap_or(&[]);
                            tip = Some((
                                format!(
                                    "#{} window {k}: bytes {}..{}: {:?}",
                                    ri + 1,
                                    w.start,
                                    w.end,
                                    String::from_utf8_lossy(bytes)
                                ),
                                w.clone(),
                            ));
                        }
                        if w.start >= line.bytes.start {
                            painter.line_segment(
                                [
                                    Pos2::new(band.left(), y),
                                    Pos2::new(band.left(), y + ROW_H - 1.0),
                                ],
                                Stroke::new(1.0, Color32::from_gray(150)),
                            );
                        }
                    }
                    let Some(row) = row else { continue };
                    let row_infos = infos.get(ri).copied().flatten();
                    let segs = &row.segments;
                    let s0 = segs.partition_point(|s| s.bytes.end < line.bytes.start);
                    for (si, seg) in segs.iter().enumerate().skip(s0) {
                        if seg.bytes.start > line.bytes.end
                            || (seg.bytes.start == line.bytes.end && !seg.bytes.is_empty())
                        {
                            break;
                        }
                        let is_mark = matches!(seg.label, SegmentLabel::Overhead { .. });
                        if seg.bytes.is_empty() && !is_mark {
                            continue;
                        }
                        if !is_mark && seg.bytes.end <= line.bytes.start {
                            continue;
                        }
                        // A marker at a line's end belongs to the next line, except at the text's end.
                        if is_mark
                            && seg.bytes.start == line.bytes.end
                            && li + 1 != layout.lines.len()
                        {
                            continue;
                        }
                        let sub = (si % 2) as f32;
                        let rect = if is_mark {
                            let x = x_of(seg.bytes.start);
                            Rect::from_min_max(
                                Pos2::new(x - 2.0, y + 4.0),
                                Pos2::new(x + 2.0, y + 4.0 + 2.0 * SUB_H),
                            )
                        } else {
                            Rect::from_min_max(
                                Pos2::new(x_of(seg.bytes.start) + 0.5, y + 4.0 + sub * SUB_H),
                                Pos2::new(
                                    x_of(seg.bytes.end) - 0.5,
                                    y + 4.0 + (sub + 1.0) * SUB_H - 1.0,
                                ),
                            )
                        };
                        let lit = prev_hover.as_ref().is_some_and(|h| {
                            h.start < seg.bytes.end && seg.bytes.start < h.end
                                || (seg.bytes.is_empty()
                                    && h.is_empty()
                                    && h.start == seg.bytes.start)
                        });
                        let info = row_infos.and_then(|v| v.get(si));
                        let fill = if is_mark {
                            if lit {
                                theme::HIGHLIGHT
                            } else {
                                theme::OVERHEAD
                            }
                        } else if lit {
                            Color32::from_rgb(90, 160, 230)
                        } else if let Some(info) = info {
                            theme::ramp((info.bits_alone / max_bits[ri]) as f32)
                        } else if dark {
                            Color32::from_gray(if si % 2 == 0 { 70 } else { 95 })
                        } else {
                            Color32::from_gray(if si % 2 == 0 { 200 } else { 225 })
                        };
                        painter.rect_filled(rect, 2.0, fill);
                        if !is_mark {
                            let cell = match (&seg.label, info) {
                                (SegmentLabel::Token { id, .. }, _) => Some(id.to_string()),
                                (_, Some(info)) => Some(format!("{:.0}", info.bits_alone)),
                                _ => None,
                            };
                            if let Some(cell) = cell {
                                text_if_fits(
                                    &painter,
                                    rect,
                                    Align2::CENTER_CENTER,
                                    &cell,
                                    &small,
                                    theme::text_on(fill),
                                );
                            }
                        }
                        drawn.push(DrawnSegment {
                            row: ri,
                            index: si,
                            bytes: seg.bytes.clone(),
                            rect,
                        });
                        if pointer.is_some_and(|p| {
                            rect.expand2(Vec2::new(if is_mark { 1.5 } else { 0.0 }, 0.0))
                                .contains(p)
                        }) {
                            hover_bytes = Some(seg.bytes.clone());
                            let bytes = text.get(seg.bytes.clone()).unwrap_or(&[]);
                            let about = match info {
                                Some(info) => segment_hover_text(text, info),
                                None => format!(
                                    "bytes {}..{}: {:?}",
                                    seg.bytes.start,
                                    seg.bytes.end,
                                    String::from_utf8_lossy(bytes)
                                ),
                            };
                            tip = Some((
                                format!(
                                    "#{} {}\n{}\n{about}",
                                    ri + 1,
                                    row.label,
                                    row.describe(seg),
                                ),
                                seg.bytes.clone(),
                            ));
                        }
                    }
                }
            }
            if let Some((t, _)) = &tip {
                resp.on_hover_ui_at_pointer(|ui| {
                    ui.label(t.as_str());
                });
            }
        });
    st.drawn = drawn;
    st.hover_bytes = hover_bytes;
}
