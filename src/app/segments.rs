//! Self-contained widgets of the segmentation lab ([`crate::segment`]), for the Compare view and
//! any other panel: a segmenter's row on a shared byte axis (each segment a cell coloured by its
//! information coded alone, hover for its bytes, length, information and entropy) and the
//! distribution plots of a segmentation (bytes per segment, bits per segment coded alone;
//! Equal-Info windows' second histogram is one narrow peak, entropy patches' is not). They take
//! the text, the segments and their information, and draw; they own no state and start no work.

use crate::app::theme;
use crate::segment::{escape_bytes, SegmentInfo};
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};
use egui_plot::{Bar, BarChart, Plot};
use std::collections::BTreeMap;
use std::ops::Range;

/// Width of the label column of a row.
pub const LABEL_WIDTH: f32 = 200.0;

/// One segmenter's segments of a text.
#[derive(Debug, Clone, Copy)]
pub struct SegmentRowView<'a> {
    /// The row's name (the segmenter's label).
    pub label: &'a str,
    /// The text.
    pub text: &'a [u8],
    /// The segments with their information (covering the text, in order).
    pub segments: &'a [SegmentInfo],
}

/// The index of the segment holding byte `byte`.
pub fn segment_at(segments: &[SegmentInfo], byte: usize) -> Option<usize> {
    let i = segments.partition_point(|s| s.range.start <= byte);
    let i = i.checked_sub(1)?;
    segments[i].range.contains(&byte).then_some(i)
}

/// What hovering a segment shows.
pub fn segment_hover_text(text: &[u8], s: &SegmentInfo) -> String {
    let bytes = text
        .get(s.range.clone())
        .map(escape_bytes)
        .unwrap_or_default();
    format!(
        "bytes {}..{} ({} bytes): \"{bytes}\"\ninformation under M1: {:.2} bits in context, {:.2} \
         bits coded alone\nmean entropy {:.3} nats ({:.3} bits) a byte",
        s.range.start,
        s.range.end,
        s.range.len(),
        s.bits,
        s.bits_alone,
        s.mean_entropy_nats,
        s.mean_entropy_nats / std::f64::consts::LN_2
    )
}

/// The summary line of a row.
pub fn summary_text(row: &SegmentRowView<'_>) -> String {
    let n = row.segments.len();
    if n == 0 {
        return format!("{}: no segments", row.label);
    }
    let mean = |f: &dyn Fn(&SegmentInfo) -> f64| row.segments.iter().map(f).sum::<f64>() / n as f64;
    let len = mean(&|s| s.range.len() as f64);
    let alone = mean(&|s| s.bits_alone);
    let sd = (mean(&|s| (s.bits_alone - alone).powi(2))).sqrt();
    format!(
        "{}: {n} segments · {len:.2} bytes a segment · {alone:.2} ± {sd:.2} bits a segment coded \
         alone",
        row.label
    )
}

/// Draws one row: the label, then the segments of the bytes `view` across the remaining width.
/// Returns the index of the hovered segment.
pub fn segment_row_ui(
    ui: &mut Ui,
    row: &SegmentRowView<'_>,
    view: Range<usize>,
    height: f32,
) -> Option<usize> {
    ui.horizontal(|ui| {
        ui.add_sized(
            Vec2::new(LABEL_WIDTH, height),
            egui::Label::new(row.label).truncate(),
        );
        let width = ui.available_width().max(10.0);
        let (rect, resp) = ui.allocate_exact_size(Vec2::new(width, height), Sense::hover());
        let label = row.label.to_string();
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Figure, true, format!("segments of {label}"))
        });
        let span = view.end.saturating_sub(view.start).max(1) as f32;
        let x_of =
            |b: usize| rect.left() + (b.saturating_sub(view.start)) as f32 / span * rect.width();
        let max_bits = row
            .segments
            .iter()
            .map(|s| s.bits_alone)
            .fold(1.0f64, f64::max);
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        let first = segment_at(row.segments, view.start).unwrap_or(0);
        for (k, s) in row.segments.iter().enumerate().skip(first) {
            if s.range.start >= view.end {
                break;
            }
            let r = Rect::from_min_max(
                Pos2::new(x_of(s.range.start.max(view.start)), rect.top()),
                Pos2::new(x_of(s.range.end.min(view.end)), rect.bottom()),
            );
            let fill = theme::ramp((s.bits_alone / max_bits) as f32);
            painter.rect_filled(
                r.shrink2(Vec2::new(0.0, if k % 2 == 0 { 1.0 } else { 3.0 })),
                0.0,
                fill,
            );
            painter.line_segment(
                [r.left_top(), r.left_bottom()],
                Stroke::new(1.0, Color32::from_gray(20)),
            );
            if r.width() > 28.0 {
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    format!("{:.0}", s.bits_alone),
                    FontId::monospace(10.0),
                    theme::text_on(fill),
                );
            }
        }
        let hovered = resp.hover_pos().and_then(|p| {
            let b = view.start + ((p.x - rect.left()) / rect.width() * span).floor() as usize;
            segment_at(row.segments, b.min(view.end.saturating_sub(1)))
        });
        if let Some(i) = hovered {
            let s = &row.segments[i];
            let r = Rect::from_min_max(
                Pos2::new(x_of(s.range.start.max(view.start)), rect.top()),
                Pos2::new(x_of(s.range.end.min(view.end)), rect.bottom()),
            );
            painter.rect_stroke(
                r,
                0.0,
                Stroke::new(2.0, theme::HIGHLIGHT),
                StrokeKind::Inside,
            );
            resp.on_hover_text(segment_hover_text(row.text, s));
        }
        hovered
    })
    .inner
}

fn histogram(values: impl Iterator<Item = u64>) -> Vec<(u64, u64)> {
    let mut m = BTreeMap::new();
    for v in values {
        *m.entry(v).or_insert(0u64) += 1;
    }
    m.into_iter().collect()
}

/// The two distributions of a row (bytes per segment, ⌊bits coded alone⌋ per segment) as bar
/// charts side by side, with the summary line above.
pub fn segment_distribution_ui(ui: &mut Ui, id_salt: &str, row: &SegmentRowView<'_>) {
    ui.label(summary_text(row));
    let lengths = histogram(row.segments.iter().map(|s| s.range.len() as u64));
    let bits = histogram(
        row.segments
            .iter()
            .map(|s| s.bits_alone.max(0.0).floor() as u64),
    );
    let n = row.segments.len().max(1) as f64;
    let width = ((ui.available_width() - 16.0) / 2.0).max(120.0);
    ui.horizontal(|ui| {
        for (name, data, x_label) in [
            ("length", &lengths, "bytes per segment"),
            ("bits", &bits, "bits per segment, coded alone"),
        ] {
            let bars: Vec<Bar> = data
                .iter()
                .map(|&(v, c)| Bar::new(v as f64, c as f64 / n).width(0.9))
                .collect();
            Plot::new(format!("{id_salt}_{name}"))
                .width(width)
                .height(140.0)
                .allow_drag(false)
                .allow_zoom(false)
                .allow_scroll(false)
                .x_axis_label(x_label)
                .y_axis_label("share")
                .show(ui, |p| {
                    p.bar_chart(BarChart::new(format!("{} {name}", row.label), bars));
                });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(r: Range<usize>, bits: f64) -> SegmentInfo {
        SegmentInfo {
            range: r,
            bits,
            bits_alone: bits + 1.0,
            mean_entropy_nats: std::f64::consts::LN_2,
        }
    }

    #[test]
    fn segment_lookup_and_hover_text() {
        let s = [seg(0..3, 5.0), seg(3..4, 2.0), seg(4..9, 7.5)];
        assert_eq!(segment_at(&s, 0), Some(0));
        assert_eq!(segment_at(&s, 2), Some(0));
        assert_eq!(segment_at(&s, 3), Some(1));
        assert_eq!(segment_at(&s, 8), Some(2));
        assert_eq!(segment_at(&s, 9), None);
        let t = segment_hover_text(b"abc\ndefgh", &s[1]);
        assert!(t.contains("bytes 3..4 (1 bytes): \"\\n\""), "{t}");
        assert!(
            t.contains("2.00 bits in context, 3.00 bits coded alone"),
            "{t}"
        );
        assert!(t.contains("(1.000 bits)"), "{t}");
    }
}
