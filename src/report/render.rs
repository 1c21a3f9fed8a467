//! Writes the plots of [`super::plot`] as PNG and SVG with plotters, without a window and without
//! system fonts: an embedded font (Ubuntu Light from `epaint_default_fonts`) is registered with
//! plotters' `ab_glyph`.

use super::plot::{BarPlot, GroupedBarPlot, LinePlot, Plot, Series};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Pixel size of written plots.
pub const PLOT_SIZE: (u32, u32) = (1000, 640);

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // Only fails on a malformed font; the font is compiled in and known good.
            let _ = plotters::style::register_font(
                "sans-serif",
                style,
                epaint_default_fonts::UBUNTU_LIGHT,
            );
        }
    });
}

fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(format!("plotting failed: {e}")))
}

/// Writes `plot` as `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub fn write_plot(dir: &Path, stem: &str, plot: &Plot) -> Result<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, PLOT_SIZE).into_drawing_area();
        draw(&root, plot).map_err(|e| plot_err(&png, e))?;
        root.present().map_err(|e| plot_err(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, PLOT_SIZE).into_drawing_area();
        draw(&root, plot).map_err(|e| plot_err(&svg, e))?;
        root.present().map_err(|e| plot_err(&svg, e))?;
    }
    Ok(vec![png, svg])
}

/// Writes each `(stem, plot)` into `dir` as PNG and SVG; returns the paths written.
pub fn write_plots(dir: &Path, plots: &[(String, Plot)]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (stem, plot) in plots {
        out.extend(write_plot(dir, stem, plot)?);
    }
    Ok(out)
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, plot: &Plot) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    match plot {
        Plot::Bars(b) => draw_bars(root, b),
        Plot::Lines(l) => draw_lines(root, l),
        Plot::Grouped(g) => draw_grouped(root, g),
    }
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, b: &BarPlot) -> DrawResult<DB> {
    let n = b.bars.len().max(1);
    let top = b
        .bars
        .iter()
        .flat_map(|x| [x.value, x.reference.unwrap_or(0.0)])
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.15 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .caption(&b.title, ("sans-serif", 26))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(&b.x_label)
        .y_desc(&b.y_label)
        .x_labels(n.max(2))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                format!("{}", i as usize + 1)
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    for (i, bar) in b.bars.iter().enumerate() {
        let color = Palette99::pick(i).mix(0.85);
        let x0 = i as f64 - 0.35;
        let x1 = i as f64 + 0.35;
        let v = if bar.value.is_finite() {
            bar.value
        } else {
            0.0
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x1, v)],
                color.filled(),
            )))?
            .label(format!("{}: {}", i + 1, bar.label))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    let refs: Vec<(usize, f64)> = b
        .bars
        .iter()
        .enumerate()
        .filter_map(|(i, bar)| bar.reference.map(|r| (i, r)))
        .collect();
    if !refs.is_empty() {
        chart
            .draw_series(refs.iter().map(|&(i, r)| {
                PathElement::new(
                    vec![(i as f64 - 0.45, r), (i as f64 + 0.45, r)],
                    BLACK.stroke_width(3),
                )
            }))?
            .label(&b.reference_name)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK.stroke_width(3)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperLeft)
        .draw()?;
    Ok(())
}

fn tick_label(v: f64, log: bool) -> String {
    let x = if log {
        // Two significant digits: log ticks fall between powers of ten.
        let p = 10f64.powf(v);
        let mag = 10f64.powf(p.abs().log10().floor() - 1.0);
        (p / mag).round() * mag
    } else {
        v
    };
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e5 || x.abs() < 1e-3 {
        format!("{x:.1e}")
    } else if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, l: &LinePlot) -> DrawResult<DB> {
    let tx = |x: f64| if l.log_x { x.log10() } else { x };
    let ty = |y: f64| if l.log_y { y.log10() } else { y };
    let ok = |x: f64, y: f64| x.is_finite() && y.is_finite();
    type Prepared<'a> = (&'a Series, Vec<(f64, f64)>, Vec<(f64, f64, f64)>);
    let series: Vec<Prepared> = l
        .series
        .iter()
        .map(|s| {
            let pts = s
                .points
                .iter()
                .filter(|p| (!l.log_x || p.0 > 0.0) && (!l.log_y || p.1 > 0.0))
                .map(|&(x, y)| (tx(x), ty(y)))
                .filter(|&(x, y)| ok(x, y))
                .collect();
            let band = if l.log_y {
                Vec::new()
            } else {
                s.band
                    .iter()
                    .filter(|b| ok(b.1, b.2) && (!l.log_x || b.0 > 0.0))
                    .map(|&(x, lo, hi)| (tx(x), lo, hi))
                    .collect()
            };
            (s, pts, band)
        })
        .collect();
    let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
    let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, pts, band) in &series {
        for &(x, y) in pts {
            xs = (xs.0.min(x), xs.1.max(x));
            ys = (ys.0.min(y), ys.1.max(y));
        }
        for &(x, lo, hi) in band {
            xs = (xs.0.min(x), xs.1.max(x));
            ys = (ys.0.min(lo), ys.1.max(hi));
        }
    }
    let (x0, x1) = padded(xs.0, xs.1);
    let (y0, y1) = padded(ys.0, ys.1);
    let mut chart = ChartBuilder::on(root)
        .caption(&l.title, ("sans-serif", 26))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let fx = |v: &f64| tick_label(*v, l.log_x);
    let fy = |v: &f64| tick_label(*v, l.log_y);
    chart
        .configure_mesh()
        .x_desc(&l.x_label)
        .y_desc(&l.y_label)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    let mut colour = 0usize;
    for (s, pts, band) in &series {
        let color: RGBAColor = if s.baseline {
            RGBColor(110, 110, 110).mix(1.0)
        } else {
            colour += 1;
            Palette99::pick(colour - 1).mix(1.0)
        };
        if band.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|&(x, lo, _)| (x, lo)).collect();
            poly.extend(band.iter().rev().map(|&(x, _, hi)| (x, hi)));
            chart.draw_series(std::iter::once(Polygon::new(
                poly,
                color.mix(0.15).filled(),
            )))?;
        }
        let style = color.stroke_width(2);
        if s.baseline {
            chart
                .draw_series(DashedLineSeries::new(pts.iter().copied(), 8, 5, style))?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        } else {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), style))?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
            if pts.len() <= 64 {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            }
        }
    }
    if !series.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
    }
    Ok(())
}

fn draw_grouped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &GroupedBarPlot,
) -> DrawResult<DB> {
    let n = g.groups.len().max(1);
    let k = g.series.len().max(1);
    let top = g
        .series
        .iter()
        .flat_map(|s| s.1.iter().flatten().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.2 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
        .caption(&g.title, ("sans-serif", 26))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..n as f64 - 0.5, 0f64..top)?;
    let labels = g.groups.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(&g.x_label)
        .y_desc(&g.y_label)
        .x_labels(n.max(2))
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    let width = 0.8 / k as f64;
    for (si, (name, values)) in g.series.iter().enumerate() {
        let color = Palette99::pick(si).mix(0.85);
        let rects: Vec<Rectangle<(f64, f64)>> = values
            .iter()
            .enumerate()
            .filter_map(|(gi, v)| {
                let v = v.filter(|v| v.is_finite())?;
                let x0 = gi as f64 - 0.4 + si as f64 * width;
                Some(Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.9, v)],
                    color.filled(),
                ))
            })
            .collect();
        if rects.is_empty() {
            continue;
        }
        chart
            .draw_series(rects)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}
