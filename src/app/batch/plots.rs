//! egui_plot renderings of the plot data of [`crate::report::plot`] (the same [`BarPlot`],
//! [`LinePlot`] and [`GroupedBarPlot`] that the PNG/SVG export draws with plotters), so what the
//! Batch tab shows is what it exports: the colours are the library's [`PALETTE`], the axes its
//! [`Scale`]s with its ticks, the legend its [`legend`] drawn beside the plot (never over the
//! data; click an entry to hide or show its item), the bands its convex [`band_quads`] (egui_plot
//! fills only convex polygons), the line breaks its [`Series::segments`]. Hovering shows exact
//! values: bars name their configuration and value; lines show the series name and the point's
//! coordinates (the original values on log and symlog axes).
//!
//! [`PALETTE`]: crate::report::plot::PALETTE
//! [`Series::segments`]: crate::report::plot::Series::segments

use crate::report::plot::{
    band_quads, bar_legend, grouped_legend, line_legend, palette, series_colours, tick_label,
    BarPlot, GroupedBarPlot, LegendEntry, LegendMark, LinePlot, Plot, Rgb, Scale, BAND_ALPHA,
    REFERENCE,
};
use egui::{Color32, Sense, Stroke, Ui, Vec2};
use egui_plot::{
    Bar, BarChart, GridInput, GridMark, HoverPosition, Line, LineStyle, MarkerShape, Plot as EPlot,
    PlotItem, Points, Polygon,
};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;

/// Width of the legend beside a plot.
pub const LEGEND_WIDTH: f32 = 230.0;

/// The screen colour of a palette colour.
pub fn c32(c: Rgb) -> Color32 {
    Color32::from_rgb(c.0, c.1, c.2)
}

/// The screen colour of a legend entry or item colour: the library's, except the black
/// reference marks, drawn white in dark mode.
pub fn screen_colour(c: Rgb, dark: bool) -> Color32 {
    if dark && c == REFERENCE {
        Color32::WHITE
    } else {
        c32(c)
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

/// The items of a plot the user hid by clicking their legend entry.
fn hidden_items(ui: &Ui, id: &str) -> BTreeSet<usize> {
    ui.data(|d| d.get_temp::<BTreeSet<usize>>(egui::Id::unique(("plot_hidden", id))))
        .unwrap_or_default()
}

/// The plot on the left (`draw` gets the width it may take), the legend on the right.
fn with_side_legend(
    ui: &mut Ui,
    id: &str,
    entries: &[LegendEntry],
    note: Option<&str>,
    draw: impl FnOnce(&mut Ui, f32),
) {
    let dark = ui.visuals().dark_mode;
    let mut hidden = hidden_items(ui, id);
    let before = hidden.clone();
    ui.horizontal_top(|ui| {
        let plot_w = (ui.available_width() - LEGEND_WIDTH - 12.0).max(240.0);
        ui.vertical(|ui| {
            ui.set_width(plot_w);
            draw(ui, plot_w);
        });
        ui.vertical(|ui| {
            ui.set_width(LEGEND_WIDTH);
            for e in entries {
                let off = e.item.is_some_and(|i| hidden.contains(&i));
                let r = legend_row(ui, e, dark, off);
                if let (Some(i), true) = (e.item, r.clicked()) {
                    if !hidden.remove(&i) {
                        hidden.insert(i);
                    }
                }
            }
            if let Some(n) = note {
                ui.label(egui::RichText::new(n).weak().small());
            }
        });
    });
    if hidden != before {
        ui.data_mut(|d| d.insert_temp(egui::Id::unique(("plot_hidden", id)), hidden));
    }
}

/// One legend row: swatch and text; clickable where it names an item.
fn legend_row(ui: &mut Ui, e: &LegendEntry, dark: bool, off: bool) -> egui::Response {
    let col = screen_colour(e.colour, dark);
    let col = if off { col.gamma_multiply(0.25) } else { col };
    let sense = if e.item.is_some() {
        Sense::click()
    } else {
        Sense::hover()
    };
    ui.horizontal(|ui| {
        let (rect, resp) = ui.allocate_exact_size(Vec2::new(24.0, 14.0), sense);
        let p = ui.painter_at(rect);
        let (l, r, c) = (rect.left() + 2.0, rect.right() - 2.0, rect.center());
        match e.mark {
            LegendMark::Box => {
                p.rect_filled(rect.shrink2(Vec2::new(3.0, 2.0)), 1.0, col);
            }
            LegendMark::Band => {
                p.rect_filled(
                    rect.shrink2(Vec2::new(3.0, 2.0)),
                    1.0,
                    col.gamma_multiply(BAND_ALPHA as f32 * 2.0),
                );
            }
            LegendMark::Line => {
                p.line_segment(
                    [egui::pos2(l, c.y), egui::pos2(r, c.y)],
                    Stroke::new(2.0, col),
                );
                p.circle_filled(c, 3.0, col);
            }
            LegendMark::Dashed => {
                for k in 0..3 {
                    let a = l + k as f32 * 7.0;
                    p.line_segment(
                        [egui::pos2(a, c.y), egui::pos2(a + 4.0, c.y)],
                        Stroke::new(2.0, col),
                    );
                }
            }
            LegendMark::Hollow => {
                p.circle_stroke(c, 4.0, Stroke::new(1.5, col));
            }
            LegendMark::Reference => {
                p.line_segment(
                    [egui::pos2(l, c.y), egui::pos2(r, c.y)],
                    Stroke::new(3.0, col),
                );
            }
        }
        let text = egui::RichText::new(&e.name).small();
        let text = if off { text.weak() } else { text };
        let label = ui.add(egui::Label::new(text).wrap().sense(sense));
        let resp = resp | label;
        if e.item.is_some() {
            resp.on_hover_text("click to hide or show")
        } else {
            resp
        }
    })
    .inner
}

/// Grid marks at the scale's ticks (drawn coordinates).
fn grid_marks(scale: Scale, input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let step = ((hi - lo) / 4.0).abs().max(input.base_step_size);
    scale
        .ticks(lo, hi, 10)
        .into_iter()
        .filter_map(|v| scale.forward(v))
        .map(|value| GridMark {
            value,
            step_size: step,
        })
        .collect()
}

/// Bars: one chart per configuration, the reference values as short horizontal marks, the
/// legend beside.
pub fn show_bars(ui: &mut Ui, id: &str, b: &BarPlot, height: f32) {
    ui.strong(&b.title);
    let labels: Vec<String> = b.bars.iter().map(|x| x.label.clone()).collect();
    let n = labels.len();
    let ref_name = format!("{} (Lester et al. 2024)", b.reference_name);
    let ref_col = screen_colour(REFERENCE, ui.visuals().dark_mode);
    let x_labels = labels.clone();
    let hover_ref = ref_name.clone();
    let top = b
        .bars
        .iter()
        .flat_map(|x| [x.value, x.reference.unwrap_or(0.0)])
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let hidden = hidden_items(ui, id);
    let entries = bar_legend(b);
    with_side_legend(ui, id, &entries, None, |ui, width| {
        EPlot::new(id)
            .width(width)
            .height(height)
            .x_axis_label(b.x_label.clone())
            .y_axis_label(b.y_label.clone())
            .include_y(0.0)
            .include_y(top * 1.08)
            .allow_scroll(false)
            .x_axis_formatter(move |m: GridMark, _r: &RangeInclusive<f64>| {
                let i = m.value.round();
                if (m.value - i).abs() > 1e-6 || i < 0.0 {
                    return String::new();
                }
                let i = i as usize;
                match x_labels.get(i) {
                    // Names fit under up to four bars; beyond, the legend's numbers.
                    Some(l) if n <= 4 => l.clone(),
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
                    if hidden.contains(&i) {
                        continue;
                    }
                    let v = if bar.value.is_finite() {
                        bar.value
                    } else {
                        0.0
                    };
                    let chart = BarChart::new(
                        format!("{}: {}", i + 1, bar.label),
                        // Solid, as exported (egui_plot's default fill is 20% of the colour).
                        vec![Bar::new(i as f64, v)
                            .width(0.7)
                            .name(&bar.label)
                            .fill(bar_colour(i))
                            .stroke(Stroke::new(1.0, bar_colour(i)))],
                    )
                    .color(bar_colour(i))
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
    });
}

/// The screen colour of bar `i` of a bar chart (and of series `i` of grouped bars).
pub fn bar_colour(i: usize) -> Color32 {
    c32(palette(i))
}

/// The egui_plot items of a line plot, in drawing order (bands first), without the series in
/// `hidden`: per series its band as convex quads, one line per segment (a marker for a segment
/// of one point; markers on every point of a short series), hollow markers for its
/// undersampled estimates. Coordinates are the scales' drawn coordinates.
pub fn line_items(l: &LinePlot, hidden: &BTreeSet<usize>) -> Vec<Box<dyn PlotItem>> {
    let (xs, ys) = (l.x_scale, l.y_scale);
    let tr = move |&(x, y): &(f64, f64)| Some([xs.forward(x)?, ys.forward(y)?]);
    let colours = series_colours(l);
    let mut bands: Vec<Box<dyn PlotItem>> = Vec::new();
    let mut lines: Vec<Box<dyn PlotItem>> = Vec::new();
    for (i, (s, &c)) in l.series.iter().zip(&colours).enumerate() {
        if hidden.contains(&i) {
            continue;
        }
        let col = c32(c);
        for q in band_quads(&s.band) {
            let pts: Option<Vec<[f64; 2]>> = q.iter().map(tr).collect();
            if let Some(pts) = pts {
                bands.push(Box::new(
                    Polygon::new(String::new(), pts)
                        .fill_color(col.gamma_multiply(BAND_ALPHA as f32))
                        .stroke(Stroke::NONE)
                        .allow_hover(false),
                ));
            }
        }
        let segments: Vec<Vec<[f64; 2]>> = s
            .segments()
            .iter()
            .map(|seg| seg.iter().filter_map(tr).collect::<Vec<_>>())
            .filter(|seg| !seg.is_empty())
            .collect();
        let n_points: usize = segments.iter().map(Vec::len).sum();
        for seg in segments {
            let markers = (n_points <= 64 && !s.baseline) || seg.len() == 1;
            if seg.len() > 1 {
                let mut line = Line::new(s.name.clone(), seg.clone()).color(col).width(2.0);
                if s.baseline {
                    line = line.style(LineStyle::dashed_loose());
                }
                lines.push(Box::new(line));
            }
            if markers {
                lines.push(Box::new(
                    Points::new(s.name.clone(), seg).color(col).radius(3.0),
                ));
            }
        }
        let hollow: Vec<[f64; 2]> = s.hollow.iter().filter_map(tr).collect();
        if !hollow.is_empty() {
            lines.push(Box::new(
                Points::new(format!("{} (too few samples: Chao-Shen)", s.name), hollow)
                    .color(col)
                    .shape(MarkerShape::Circle)
                    .filled(false)
                    .radius(4.5),
            ));
        }
    }
    bands.extend(lines);
    bands
}

/// Lines, with bands, dashed grey baselines, hollow undersampled markers, on the plot's scales.
pub fn show_lines(ui: &mut Ui, id: &str, l: &LinePlot, height: f32) {
    ui.strong(&l.title);
    let (xs, ys) = (l.x_scale, l.y_scale);
    let axis = move |scale: Scale| {
        move |m: GridMark, _r: &RangeInclusive<f64>| tick_label(round_sig(scale.inverse(m.value)))
    };
    let hidden = hidden_items(ui, id);
    let items = line_items(l, &hidden);
    let entries = line_legend(l);
    with_side_legend(ui, id, &entries, l.note.as_deref(), |ui, width| {
        let mut plot = EPlot::new(id)
            .width(width)
            .height(height)
            .x_axis_label(l.x_label.clone())
            .y_axis_label(l.y_label.clone())
            .allow_scroll(false)
            .x_axis_formatter(axis(xs))
            .y_axis_formatter(axis(ys))
            .label_formatter(move |pos: &HoverPosition<'_>| match pos {
                HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => Some(format!(
                    "{plot_name}\nx = {}\ny = {}",
                    fmt_value(round_sig(xs.inverse(position.x))),
                    fmt_value(ys.inverse(position.y))
                )),
                HoverPosition::Elsewhere { .. } => None,
            });
        // Grid lines and labels at the library's ticks, the export's.
        plot = plot
            .x_grid_spacer(move |g| grid_marks(xs, g))
            .y_grid_spacer(move |g| grid_marks(ys, g));
        plot.show(ui, |p| {
            for item in items {
                p.add_item(item);
            }
        });
    });
}

/// Grouped bars: series side by side within each group, the legend beside.
pub fn show_grouped(ui: &mut Ui, id: &str, g: &GroupedBarPlot, height: f32) {
    ui.strong(&g.title);
    let labels = g.groups.clone();
    let n = labels.len();
    let k = g.series.len().max(1);
    let width = 0.8 / k as f64;
    let hidden = hidden_items(ui, id);
    let entries = grouped_legend(g);
    with_side_legend(ui, id, &entries, None, |ui, plot_w| {
        EPlot::new(id)
            .width(plot_w)
            .height(height)
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
                    if hidden.contains(&si) {
                        continue;
                    }
                    let bars: Vec<Bar> = values
                        .iter()
                        .enumerate()
                        .filter_map(|(gi, v)| {
                            let v = v.filter(|v| v.is_finite())?;
                            let x = gi as f64 - 0.4 + (si as f64 + 0.5) * width;
                            let group = g.groups.get(gi).cloned().unwrap_or_default();
                            Some(
                                Bar::new(x, v)
                                    .width(width * 0.9)
                                    .name(group)
                                    .fill(bar_colour(si))
                                    .stroke(Stroke::new(1.0, bar_colour(si))),
                            )
                        })
                        .collect();
                    if bars.is_empty() {
                        continue;
                    }
                    let series_name = name.clone();
                    p.bar_chart(
                        BarChart::new(name.clone(), bars)
                            .color(bar_colour(si))
                            .element_formatter(Box::new(move |bar: &Bar, _c: &BarChart| {
                                format!("{}\n{series_name}: {}", bar.name, fmt_value(bar.value))
                            })),
                    );
                }
            });
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
    use crate::report::plot::{Series, BASELINE, PALETTE};

    #[test]
    fn values_are_formatted_exactly_enough() {
        assert_eq!(fmt_value(3.0), "3");
        assert_eq!(fmt_value(2.6612), "2.6612");
        assert_eq!(round_sig(12345.0), 12300.0);
        assert_eq!(round_sig(0.0), 0.0);
    }

    fn kl_like() -> LinePlot {
        let band = |k: f64| {
            vec![
                (1.0, 0.1 * k, 0.2 * k),
                (2.0, 0.3 * k, 0.5 * k),
                (3.0, 1.0 * k, 2.0 * k),
            ]
        };
        LinePlot {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            x_scale: Scale::Linear,
            y_scale: Scale::SymLog { linthresh: 1e-4 },
            series: vec![
                Series {
                    band: band(1.0),
                    ..Series::line("a", vec![(1.0, 0.15), (2.0, 0.4), (3.0, 1.5)])
                },
                Series {
                    band: band(0.01),
                    hollow: vec![(4.0, -0.5)],
                    ..Series::line("b", vec![(1.0, 0.0015), (2.0, -0.0004), (3.0, 0.015)])
                },
                Series {
                    baseline: true,
                    ..Series::line("random", vec![(1.0, 0.0), (2.0, 0.001), (3.0, -0.002)])
                },
            ],
            note: None,
        }
    }

    /// Every screen item is drawn in its series' library colour (the colour the export draws
    /// and the legend shows): no grey swatch from merged items of different colours, and the
    /// baseline alone in the baseline grey.
    #[test]
    fn screen_items_take_the_library_colours() {
        let l = kl_like();
        let items = line_items(&l, &BTreeSet::new());
        let colours = series_colours(&l);
        for (s, &c) in l.series.iter().zip(&colours) {
            let mine: Vec<&Box<dyn PlotItem>> = items
                .iter()
                .filter(|it| it.name().starts_with(&s.name))
                .collect();
            assert!(!mine.is_empty(), "{}", s.name);
            for it in mine {
                assert_eq!(it.color(), c32(c), "{}", it.name());
            }
        }
        assert_eq!(colours, vec![PALETTE[0], PALETTE[1], BASELINE]);
        // The legend the screen draws is the library's, entry for entry.
        let legend = line_legend(&l);
        assert_eq!(legend[0].colour, PALETTE[0]);
        assert_eq!(legend[1].colour, PALETTE[1]);
        assert_eq!(legend[2].colour, BASELINE);
        assert!(legend.iter().all(|e| e.colour != Rgb(128, 128, 128)));
        assert_eq!(bar_colour(3), c32(PALETTE[3]));
        // Bands: two quads per banded series, unnamed (not in any legend).
        let bands = items.iter().filter(|it| it.name().is_empty()).count();
        assert_eq!(bands, 4);
        // Hiding a series drops all its items.
        let hidden: BTreeSet<usize> = [0].into_iter().collect();
        let fewer = line_items(&l, &hidden);
        assert!(fewer.iter().all(|it| it.name() != "a"));
        assert!(fewer.len() < items.len());
    }

    #[test]
    fn symlog_grid_marks_sit_at_the_scale_ticks() {
        let s = Scale::SymLog { linthresh: 1e-4 };
        let lo = s.forward(-0.002).unwrap_or(0.0);
        let hi = s.forward(3.0).unwrap_or(0.0);
        let marks = grid_marks(
            s,
            GridInput {
                bounds: (lo, hi),
                base_step_size: 0.01,
            },
        );
        let values: Vec<f64> = marks
            .iter()
            .map(|m| round_sig(s.inverse(m.value)))
            .collect();
        assert!(values.contains(&0.0) && values.contains(&-0.001) && values.contains(&1.0));
    }
}
