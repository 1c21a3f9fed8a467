//! Writes the plots of [`super::plot`] as PNG and SVG with plotters, without a window and without
//! system fonts: an embedded font (Ubuntu Light from `epaint_default_fonts`) is registered with
//! plotters' `ab_glyph`.
//!
//! Everything the screen must draw the same way comes from [`super::plot`]: the colours
//! ([`super::plot::PALETTE`]), the axis scales and their ticks ([`Scale`]; a custom plotters
//! coordinate, [`ScaledAxis`], so ticks sit at the scale's values), the legend (drawn in a panel
//! right of the data, never over it), the bands as convex quads and the breaks of a line.

use super::plot::{
    band_quads, legend, palette, series_colours, tick_label, BarPlot, GroupedBarPlot, LegendEntry,
    LegendMark, LinePlot, Plot, Rgb, Scale, BAND_ALPHA, REFERENCE,
};
use crate::error::{Error, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Pixel size of written plots.
pub const PLOT_SIZE: (u32, u32) = (1000, 640);

/// Width of the legend panel right of the data.
pub const LEGEND_WIDTH: u32 = 270;

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

/// The plotters colour of a palette colour.
pub fn colour(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// The result of drawing on a plotters backend.
pub type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Something drawn the same way on every plotters backend (a plot, a classroom picture).
pub trait Drawing {
    /// Draws on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

impl Drawing for Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self)
    }
}

/// Writes `drawing` as `dir/stem.png` and `dir/stem.svg` of `size` pixels, with the embedded
/// font; returns both paths. The one writer of every picture the library exports.
pub fn write_png_svg(
    dir: &Path,
    stem: &str,
    size: (u32, u32),
    drawing: &impl Drawing,
) -> Result<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        drawing.draw(&root).map_err(|e| plot_err(&png, e))?;
        root.present().map_err(|e| plot_err(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        drawing.draw(&root).map_err(|e| plot_err(&svg, e))?;
        root.present().map_err(|e| plot_err(&svg, e))?;
    }
    Ok(vec![png, svg])
}

/// Writes `plot` as `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub fn write_plot(dir: &Path, stem: &str, plot: &Plot) -> Result<Vec<PathBuf>> {
    write_png_svg(dir, stem, PLOT_SIZE, plot)
}

/// Writes each `(stem, plot)` into `dir` as PNG and SVG; returns the paths written.
pub fn write_plots(dir: &Path, plots: &[(String, Plot)]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (stem, plot) in plots {
        out.extend(write_plot(dir, stem, plot)?);
    }
    Ok(out)
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, plot: &Plot) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let title = match plot {
        Plot::Bars(b) => &b.title,
        Plot::Lines(l) => &l.title,
        Plot::Grouped(g) => &g.title,
    };
    let body = root.titled(title, ("sans-serif", 26))?;
    let (w, _) = body.dim_in_pixel();
    let (data, side) = body.split_horizontally(w.saturating_sub(LEGEND_WIDTH));
    match plot {
        Plot::Bars(b) => draw_bars(&data, b)?,
        Plot::Lines(l) => draw_lines(&data, l)?,
        Plot::Grouped(g) => draw_grouped(&data, g)?,
    }
    let note = match plot {
        Plot::Lines(l) => l.note.as_deref(),
        _ => None,
    };
    draw_legend(&side, &legend(plot), note)
}

/// The legend panel: one swatch and text per entry, top to bottom, then the note.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    note: Option<&str>,
) -> DrawResult<DB> {
    let font =
        TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let row = 20i32;
    let mut y = 40i32;
    for e in entries {
        let c = colour(e.colour);
        let (x0, x1) = (8i32, 30i32);
        match e.mark {
            LegendMark::Box => {
                area.draw(&Rectangle::new([(x0, y - 6), (x1, y + 6)], c.filled()))?;
            }
            LegendMark::Band => {
                area.draw(&Rectangle::new(
                    [(x0, y - 6), (x1, y + 6)],
                    c.mix(BAND_ALPHA * 2.0).filled(),
                ))?;
            }
            LegendMark::Line => {
                area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(2)))?;
                area.draw(&Circle::new(((x0 + x1) / 2, y), 3, c.filled()))?;
            }
            LegendMark::Dashed => {
                for k in 0..3 {
                    let a = x0 + k * 8;
                    area.draw(&PathElement::new(
                        vec![(a, y), (a + 5, y)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            LegendMark::Hollow => {
                area.draw(&Circle::new(((x0 + x1) / 2, y), 4, c.stroke_width(2)))?;
            }
            LegendMark::Reference => {
                area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
            }
        }
        for (k, line) in wrap(&e.name, 30).iter().enumerate() {
            area.draw(&Text::new(
                line.clone(),
                (x1 + 8, y + k as i32 * 16),
                font.clone(),
            ))?;
            if k > 0 {
                y += 16;
            }
        }
        y += row;
    }
    if let Some(n) = note {
        y += 6;
        for line in wrap(n, 34) {
            area.draw(&Text::new(
                line,
                (8, y),
                ("sans-serif", 13)
                    .into_font()
                    .color(&RGBColor(80, 80, 80))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            y += 16;
        }
    }
    Ok(())
}

/// Greedy word wrap at `width` characters (a word longer than that stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
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

/// A plotters axis over the drawn range `lo..hi` of a [`Scale`]: values map through
/// [`Scale::forward`], grid lines and labels sit at [`Scale::ticks`].
#[derive(Debug, Clone, Copy)]
pub struct ScaledAxis {
    /// The scale.
    pub scale: Scale,
    /// Drawn coordinate at the axis' start.
    pub lo: f64,
    /// Drawn coordinate at the axis' end.
    pub hi: f64,
}

impl Ranged for ScaledAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        // Points that cannot be drawn are filtered before; a stray one lands off the axis.
        let t = self
            .scale
            .forward(*value)
            .unwrap_or(self.lo - (self.hi - self.lo));
        let span = (self.hi - self.lo).max(1e-300);
        let f = (t - self.lo) / span;
        let px = limit.0 as f64 + f * (limit.1 - limit.0) as f64;
        px.clamp(-1e6, 1e6).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        self.scale
            .ticks(self.lo, self.hi, hint.max_num_points().clamp(2, 12))
    }

    fn range(&self) -> Range<f64> {
        self.scale.inverse(self.lo)..self.scale.inverse(self.hi)
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
    // The legend is beside the data, so a little headroom is enough.
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
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
        let color = colour(palette(i));
        let x0 = i as f64 - 0.35;
        let x1 = i as f64 + 0.35;
        let v = if bar.value.is_finite() {
            bar.value
        } else {
            0.0
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, 0.0), (x1, v)],
            color.filled(),
        )))?;
    }
    let refs: Vec<(usize, f64)> = b
        .bars
        .iter()
        .enumerate()
        .filter_map(|(i, bar)| bar.reference.map(|r| (i, r)))
        .collect();
    chart.draw_series(refs.iter().map(|&(i, r)| {
        PathElement::new(
            vec![(i as f64 - 0.45, r), (i as f64 + 0.45, r)],
            colour(REFERENCE).stroke_width(3),
        )
    }))?;
    Ok(())
}

/// The drawn range of one axis over the given values (original), padded by 5%.
fn drawn_range(scale: Scale, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut r = (f64::INFINITY, f64::NEG_INFINITY);
    for t in values.filter_map(|v| scale.forward(v)) {
        r = (r.0.min(t), r.1.max(t));
    }
    padded(r.0, r.1)
}

fn draw_lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, l: &LinePlot) -> DrawResult<DB> {
    let (xs, ys) = (l.x_scale, l.y_scale);
    let drawable = |&(x, y): &(f64, f64)| xs.forward(x).is_some() && ys.forward(y).is_some();
    let all_x = l.series.iter().flat_map(|s| {
        s.points
            .iter()
            .chain(&s.hollow)
            .filter(|p| drawable(p))
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
    });
    let all_y = l.series.iter().flat_map(|s| {
        s.points
            .iter()
            .chain(&s.hollow)
            .filter(|p| drawable(p))
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
    });
    let (x0, x1) = drawn_range(xs, all_x);
    let (y0, y1) = drawn_range(ys, all_y);
    let x_axis = ScaledAxis {
        scale: xs,
        lo: x0,
        hi: x1,
    };
    let y_axis = ScaledAxis {
        scale: ys,
        lo: y0,
        hi: y1,
    };
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x_axis, y_axis)?;
    let fmt = |v: &f64| tick_label(*v);
    chart
        .configure_mesh()
        .x_desc(&l.x_label)
        .y_desc(&l.y_label)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()?;
    let colours = series_colours(l);
    for (s, &c) in l.series.iter().zip(&colours) {
        let color = colour(c);
        for q in band_quads(&s.band) {
            if q.iter().all(drawable) {
                chart.draw_series(std::iter::once(Polygon::new(
                    q.to_vec(),
                    color.mix(BAND_ALPHA).filled(),
                )))?;
            }
        }
    }
    for (s, &c) in l.series.iter().zip(&colours) {
        let color = colour(c);
        let style = color.stroke_width(2);
        let segments = s.segments();
        let n_points: usize = segments.iter().map(Vec::len).sum();
        for seg in &segments {
            let pts: Vec<(f64, f64)> = seg.iter().copied().filter(drawable).collect();
            if s.baseline {
                chart.draw_series(DashedLineSeries::new(pts.iter().copied(), 8, 5, style))?;
            } else {
                chart.draw_series(LineSeries::new(pts.iter().copied(), style))?;
            }
            if (n_points <= 64 && !s.baseline) || pts.len() == 1 {
                chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
            }
        }
        chart.draw_series(
            s.hollow
                .iter()
                .copied()
                .filter(drawable)
                .map(|p| Circle::new(p, 4, color.stroke_width(2))),
        )?;
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
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let mut chart = ChartBuilder::on(root)
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
    for (si, (_, values)) in g.series.iter().enumerate() {
        let color = colour(palette(si));
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
        chart.draw_series(rects)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_at_the_width() {
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), vec![""]);
    }

    fn bits_per_byte_like() -> Plot {
        use super::super::plot::Bar;
        // Bytes first: the tallest bar (8 bits/byte) with its paper mark at 8.
        let bars = [
            ("Bytes", 8.0, Some(8.0)),
            ("GZip[v=256]", 2.5, Some(3.59)),
            ("AC[v=256]", 1.4, None),
        ];
        Plot::Bars(BarPlot {
            title: "Bits per byte per configuration".into(),
            x_label: "configuration (see legend)".into(),
            y_label: "token bits per input byte".into(),
            reference_name: "paper, C4".into(),
            bars: bars
                .iter()
                .map(|&(l, v, r)| Bar {
                    label: l.into(),
                    value: v,
                    reference: r,
                })
                .collect(),
        })
    }

    /// The exported bars are drawn in the palette's exact colours (the colours the screen's
    /// `c32(palette(i))` draws), and the legend is right of the data: its texts start beyond
    /// the data area and every bar lies left of it, so nothing covers the Bytes bar or its mark.
    #[test]
    fn exported_bars_use_the_palette_and_keep_the_legend_off_the_data() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let plot = bits_per_byte_like();
        let paths = write_plot(dir.path(), "bpb", &plot).unwrap_or_else(|e| panic!("{e}"));
        let png = image::open(&paths[0])
            .unwrap_or_else(|e| panic!("{e}"))
            .to_rgb8();
        for i in 0..3 {
            let c = palette(i);
            assert!(
                png.pixels().any(|p| p.0 == [c.0, c.1, c.2]),
                "no pixel of bar {i} in {c:?}"
            );
        }
        let svg = std::fs::read_to_string(&paths[1]).unwrap_or_else(|e| panic!("{e}"));
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}"));
        let data_right = (PLOT_SIZE.0 - LEGEND_WIDTH) as f64;
        let num = |n: &roxmltree::Node, a: &str| {
            n.attribute(a)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        let mut legend_texts = 0;
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let t = n.text().unwrap_or("").trim();
            if t.starts_with("1: Bytes") || t.starts_with("paper, C4") {
                assert!(num(&n, "x") >= data_right, "{t} at x = {}", num(&n, "x"));
                legend_texts += 1;
            }
        }
        assert_eq!(legend_texts, 2);
        let bytes_fill = format!(
            "#{:02X}{:02X}{:02X}",
            palette(0).0,
            palette(0).1,
            palette(0).2
        );
        let bars: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect"))
            .filter(|n| {
                n.attribute("fill")
                    .is_some_and(|f| f.eq_ignore_ascii_case(&bytes_fill))
            })
            .collect();
        // The Bytes bar and its legend swatch.
        assert_eq!(bars.len(), 2, "{bytes_fill}");
        let bar = bars
            .iter()
            .max_by(|a, b| num(a, "height").total_cmp(&num(b, "height")))
            .unwrap_or_else(|| unreachable!());
        assert!(num(bar, "x") + num(bar, "width") < data_right);
    }
}
