//! egui_plot renderings of the plot data of [`crate::report::plot`] (the same [`BarPlot`],
//! [`LinePlot`] and [`GroupedBarPlot`] that the PNG/SVG export draws with plotters), so what the
//! Batch tab shows is what it exports. Hovering shows exact values: bars name their configuration
//! and value; lines show the series name and the point's coordinates (the original values on log
//! axes).

use crate::report::plot::{BarPlot, GroupedBarPlot, LinePlot, Plot};
use egui::{Color32, Ui};
use egui_plot::{
    Bar, BarChart, GridMark, HoverPosition, Legend, Line, LineStyle, Plot as EPlot, Points, Polygon,
};
use std::ops::RangeInclusive;

/// A colour per series index (colour-blind friendly, after Okabe & Ito, then a few more).
pub fn palette(i: usize) -> Color32 {
    const P: [Color32; 10] = [
        Color32::from_rgb(0, 114, 178),
        Color32::from_rgb(230, 159, 0),
        Color32::from_rgb(0, 158, 115),
        Color32::from_rgb(204, 121, 167),
        Color32::from_rgb(86, 180, 233),
        Color32::from_rgb(213, 94, 0),
        Color32::from_rgb(240, 228, 66),
        Color32::from_rgb(120, 94, 240),
        Color32::from_rgb(150, 150, 150),
        Color32::from_rgb(160, 82, 45),
    ];
    P[i % P.len()]
}

fn ref_colour(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::WHITE
    } else {
        Color32::BLACK
    }
}

/// A number for a hover label: integers without decimals, others with up to 4 significant
/// decimals.
pub fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v.round() as i64)
    } else if v.abs() >= 1e5 || v.abs() < 1e-3 {
        format!("{v:.4e}")
    } else {
        format!("{v:.4}")
    }
}

/// Draws a plot of either kind.
pub fn show_plot(ui: &mut Ui, id: &str, plot: &Plot, height: f32) {
    match plot {
        Plot::Bars(b) => show_bars(ui, id, b, height),
        Plot::Lines(l) => show_lines(ui, id, l, height),
        Plot::Grouped(g) => show_grouped(ui, id, g, height),
    }
}

/// Bars: one chart per configuration (so the legend names each), the reference values as short
/// horizontal marks.
pub fn show_bars(ui: &mut Ui, id: &str, b: &BarPlot, height: f32) {
    ui.strong(&b.title);
    let labels: Vec<String> = b.bars.iter().map(|x| x.label.clone()).collect();
    let n = labels.len();
    let ref_name = format!("{} (Lester et al. 2024)", b.reference_name);
    let ref_col = ref_colour(ui);
    let x_labels = labels.clone();
    let hover_ref = ref_name.clone();
    // Headroom above the tallest bar or mark, so the legend does not hide a mark.
    let top = b
        .bars
        .iter()
        .flat_map(|x| [x.value, x.reference.unwrap_or(0.0)])
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    EPlot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label(b.x_label.clone())
        .y_axis_label(b.y_label.clone())
        .include_y(0.0)
        .include_y(top * 1.5)
        .allow_scroll(false)
        .x_axis_formatter(move |m: GridMark, _r: &RangeInclusive<f64>| {
            let i = m.value.round();
            if (m.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            let i = i as usize;
            match x_labels.get(i) {
                Some(l) if n <= 6 => l.clone(),
                Some(_) => format!("{}", i + 1),
                None => String::new(),
            }
        })
        .label_formatter(move |pos: &HoverPosition<'_>| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } if *plot_name == hover_ref => {
                let i = position.x.round().max(0.0) as usize;
                Some(format!(
                    "{plot_name}\n{}: {}",
                    labels.get(i).cloned().unwrap_or_default(),
                    fmt_value(position.y)
                ))
            }
            _ => None,
        })
        .show(ui, |p| {
            for (i, bar) in b.bars.iter().enumerate() {
                let v = if bar.value.is_finite() {
                    bar.value
                } else {
                    0.0
                };
                let chart = BarChart::new(
                    format!("{}: {}", i + 1, bar.label),
                    vec![Bar::new(i as f64, v).width(0.7).name(&bar.label)],
                )
                .color(palette(i))
                .element_formatter(Box::new(|bar: &Bar, _c: &BarChart| {
                    format!("{}\n{}", bar.name, fmt_value(bar.value))
                }));
                p.bar_chart(chart);
            }
            for (i, bar) in b.bars.iter().enumerate() {
                if let Some(r) = bar.reference.filter(|r| r.is_finite()) {
                    let x = i as f64;
                    p.line(
                        Line::new(ref_name.clone(), vec![[x - 0.42, r], [x + 0.42, r]])
                            .color(ref_col)
                            .width(3.0),
                    );
                }
            }
        });
}

/// Lines, with optional bands and dashed grey baselines; log axes plot log10 of the values.
pub fn show_lines(ui: &mut Ui, id: &str, l: &LinePlot, height: f32) {
    ui.strong(&l.title);
    let (log_x, log_y) = (l.log_x, l.log_y);
    let tx = move |x: f64| if log_x { x.log10() } else { x };
    let ty = move |y: f64| if log_y { y.log10() } else { y };
    let inv_x = move |x: f64| if log_x { 10f64.powf(x) } else { x };
    let inv_y = move |y: f64| if log_y { 10f64.powf(y) } else { y };
    let axis = move |log: bool| {
        move |m: GridMark, _r: &RangeInclusive<f64>| {
            if log {
                fmt_value(round_sig(10f64.powf(m.value)))
            } else {
                fmt_value(m.value)
            }
        }
    };
    EPlot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label(l.x_label.clone())
        .y_axis_label(l.y_label.clone())
        .allow_scroll(false)
        .x_axis_formatter(axis(log_x))
        .y_axis_formatter(axis(log_y))
        .label_formatter(move |pos: &HoverPosition<'_>| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\nx = {}\ny = {}",
                fmt_value(round_sig(inv_x(position.x))),
                fmt_value(inv_y(position.y))
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |p| {
            let mut colour = 0usize;
            for s in &l.series {
                let col = if s.baseline {
                    Color32::from_gray(140)
                } else {
                    colour += 1;
                    palette(colour - 1)
                };
                let pts: Vec<[f64; 2]> = s
                    .points
                    .iter()
                    .filter(|p| (!log_x || p.0 > 0.0) && (!log_y || p.1 > 0.0))
                    .map(|&(x, y)| [tx(x), ty(y)])
                    .filter(|p| p[0].is_finite() && p[1].is_finite())
                    .collect();
                if !log_y && s.band.len() >= 2 {
                    let mut poly: Vec<[f64; 2]> =
                        s.band.iter().map(|&(x, lo, _)| [tx(x), lo]).collect();
                    poly.extend(s.band.iter().rev().map(|&(x, _, hi)| [tx(x), hi]));
                    if poly.iter().all(|p| p[0].is_finite() && p[1].is_finite()) {
                        p.polygon(
                            Polygon::new(s.name.clone(), poly)
                                .fill_color(col.gamma_multiply(0.15))
                                .stroke(egui::Stroke::NONE)
                                .allow_hover(false),
                        );
                    }
                }
                let small = pts.len() <= 64;
                let mut line = Line::new(s.name.clone(), pts.clone()).color(col).width(2.0);
                if s.baseline {
                    line = line.style(LineStyle::dashed_loose());
                }
                p.line(line);
                if small && !s.baseline {
                    p.points(Points::new(s.name.clone(), pts).color(col).radius(3.0));
                }
            }
        });
}

/// Grouped bars: series side by side within each group.
pub fn show_grouped(ui: &mut Ui, id: &str, g: &GroupedBarPlot, height: f32) {
    ui.strong(&g.title);
    let labels = g.groups.clone();
    let n = labels.len();
    let k = g.series.len().max(1);
    let width = 0.8 / k as f64;
    EPlot::new(id)
        .height(height)
        .legend(Legend::default())
        .x_axis_label(g.x_label.clone())
        .y_axis_label(g.y_label.clone())
        .include_y(0.0)
        .allow_scroll(false)
        .x_axis_formatter(move |m: GridMark, _r: &RangeInclusive<f64>| {
            let i = m.value.round();
            if (m.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            match labels.get(i as usize) {
                Some(l) if n <= 8 => l.clone(),
                Some(_) => format!("{}", i as usize + 1),
                None => String::new(),
            }
        })
        .label_formatter(|_pos: &HoverPosition<'_>| None)
        .show(ui, |p| {
            for (si, (name, values)) in g.series.iter().enumerate() {
                let bars: Vec<Bar> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(gi, v)| {
                        let v = v.filter(|v| v.is_finite())?;
                        let x = gi as f64 - 0.4 + (si as f64 + 0.5) * width;
                        let group = g.groups.get(gi).cloned().unwrap_or_default();
                        Some(Bar::new(x, v).width(width * 0.9).name(group))
                    })
                    .collect();
                if bars.is_empty() {
                    continue;
                }
                let series_name = name.clone();
                p.bar_chart(
                    BarChart::new(name.clone(), bars)
                        .color(palette(si))
                        .element_formatter(Box::new(move |bar: &Bar, _c: &BarChart| {
                            format!("{}\n{series_name}: {}", bar.name, fmt_value(bar.value))
                        })),
                );
            }
        });
}

/// Rounds to 3 significant digits (tick and hover labels on log axes).
fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = 10f64.powf(v.abs().log10().floor() - 2.0);
    (v / mag).round() * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_formatted_exactly_enough() {
        assert_eq!(fmt_value(3.0), "3");
        assert_eq!(fmt_value(2.6612), "2.6612");
        assert_eq!(round_sig(12345.0), 12300.0);
        assert_eq!(round_sig(0.0), 0.0);
    }
}
