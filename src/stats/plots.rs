//! Plots of batch statistics: plain data builders (usable by the GUI's egui_plot code) and a
//! renderer that writes each plot as PNG and SVG with plotters, without system fonts (an embedded
//! font, Ubuntu Light from `epaint_default_fonts`, is registered with plotters' `ab_glyph`).
//!
//! Builders return [`BarPlot`] / [`LinePlot`]: a title, axis labels and named series; log axes are
//! flags, the renderer plots log10 of the values and labels ticks with the original values.

use super::{ConfigStats, PrefixStability};
use crate::batch::BatchReport;
use crate::error::{Error, Result};
use crate::method::{Config, MethodKind};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The paper's token compression ratios on C4 (SPEC section 7, bytes/token) for a configuration,
/// where it gives one: v = 256 or 65536, default precision and example size, no Delay, reset every
/// window. Subword: T5's 32k SentencePiece, 4.28 (for v = 2^15 only).
pub fn paper_c4_ratio(c: &Config) -> Option<f64> {
    if c.method == MethodKind::Subword {
        return (c.token_bits == 15).then_some(4.28);
    }
    let wide = match c.token_bits {
        8 => false,
        16 => true,
        _ => return None,
    };
    let pick = |a: f64, b: Option<f64>| if wide { b } else { Some(a) };
    match c.method {
        MethodKind::Bytes => pick(1.00, None),
        MethodKind::Ac => pick(5.49, Some(10.98)),
        MethodKind::StaticAc => pick(1.73, Some(3.46)),
        MethodKind::Gzip => pick(2.23, Some(4.47)),
        MethodKind::Subword => None,
        MethodKind::EqualInfo => {
            if c.delay || c.reset_every != 1 {
                return None;
            }
            match c.window_bits {
                16 => pick(2.66, Some(5.31)),
                32 => pick(3.49, Some(6.97)),
                64 => pick(4.16, Some(8.33)),
                128 => pick(4.61, Some(9.22)),
                _ => None,
            }
        }
    }
}

/// One bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Its label (the configuration).
    pub label: String,
    /// Its value.
    pub value: f64,
    /// A reference value drawn as a mark (the paper's figure), if any.
    pub reference: Option<f64>,
}

/// A bar chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarPlot {
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Legend name of the reference marks.
    pub reference_name: String,
    /// Bars in order.
    pub bars: Vec<Bar>,
}

/// One named line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Points (x, y).
    pub points: Vec<(f64, f64)>,
    /// Optional band (x, low, high) drawn shaded behind the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Drawn dashed and grey (baselines).
    pub baseline: bool,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinePlot {
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Log-scale x.
    pub log_x: bool,
    /// Log-scale y.
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
}

fn summaries(report: &BatchReport) -> Vec<&ConfigStats> {
    report.summaries.iter().flatten().collect()
}

/// Compression ratio per configuration with the paper's C4 values.
pub fn ratio_bars(stats: &[&ConfigStats]) -> BarPlot {
    BarPlot {
        title: "Compression ratio per configuration".into(),
        x_label: "configuration (see legend)".into(),
        y_label: "bytes per token".into(),
        reference_name: "paper, C4".into(),
        bars: stats
            .iter()
            .map(|s| Bar {
                label: s.label.clone(),
                value: s.bytes_per_token,
                reference: s.config.as_ref().and_then(paper_c4_ratio),
            })
            .collect(),
    }
}

/// Bits per byte per configuration with the paper's C4 values (token bits / ratio).
pub fn bits_per_byte_bars(stats: &[&ConfigStats]) -> BarPlot {
    BarPlot {
        title: "Bits per byte per configuration".into(),
        x_label: "configuration (see legend)".into(),
        y_label: "token bits per input byte".into(),
        reference_name: "paper, C4".into(),
        bars: stats
            .iter()
            .map(|s| Bar {
                label: s.label.clone(),
                value: s.bits_per_byte,
                reference: s
                    .config
                    .as_ref()
                    .and_then(|c| paper_c4_ratio(c).map(|r| c.token_bits as f64 / r)),
            })
            .collect(),
    }
}

/// Share of windows by input bytes per window, one line per configuration with more than one
/// window per example (all configurations when none has).
pub fn window_histogram(stats: &[&ConfigStats]) -> LinePlot {
    let windowed: Vec<&&ConfigStats> = stats.iter().filter(|s| s.windows > s.examples).collect();
    let chosen: Vec<&&ConfigStats> = if windowed.is_empty() {
        stats.iter().collect()
    } else {
        windowed
    };
    LinePlot {
        title: "Bytes per window".into(),
        x_label: "input bytes in the window".into(),
        y_label: "share of windows".into(),
        log_x: false,
        log_y: false,
        series: chosen
            .iter()
            .map(|s| {
                let n = s.bytes_per_window.count().max(1) as f64;
                Series {
                    name: s.label.clone(),
                    points: s
                        .bytes_per_window
                        .bins
                        .iter()
                        .map(|&(v, c)| (v as f64, c as f64 / n))
                        .collect(),
                    band: Vec::new(),
                    baseline: false,
                }
            })
            .collect(),
    }
}

/// KL(empirical ‖ uniform) against n (Fig. 11), Miller–Madow corrected, with the 5–95% band over
/// partitions and the random baseline; `tokens` picks non-overlapping tokens, else overlapping
/// n-grams. Only n with at least 2^n samples are drawn (below that the correction term, not the
/// data, sets the value).
pub fn kl_curves(stats: &[&ConfigStats], tokens: bool) -> LinePlot {
    fn line(name: String, pts: &[super::KlPoint], baseline: bool) -> Series {
        let resolved = |p: &&super::KlPoint| p.samples >= 1u64 << p.n;
        Series {
            name,
            points: pts
                .iter()
                .filter(resolved)
                .map(|p| (p.n as f64, p.kl_mm))
                .collect(),
            band: pts
                .iter()
                .filter(resolved)
                .filter_map(|p| Some((p.n as f64, p.q05?, p.q95?)))
                .collect(),
            baseline,
        }
    }
    let mut series = Vec::new();
    let mut random: Option<(u64, Series)> = None;
    for s in stats {
        let Some(k) = &s.kl else { continue };
        let (pts, rnd) = if tokens {
            (&k.tokens, &k.random_tokens)
        } else {
            (&k.overlapping, &k.random_overlapping)
        };
        series.push(line(s.label.clone(), pts, false));
        // One baseline: the one over the most bits (the tightest).
        if random.as_ref().is_none_or(|(b, _)| k.bits > *b) {
            random = Some((k.bits, line("random bits (same length)".into(), rnd, true)));
        }
    }
    series.extend(random.map(|r| r.1));
    LinePlot {
        title: if tokens {
            "Distance from uniform: non-overlapping n-bit tokens".into()
        } else {
            "Distance from uniform: overlapping bit n-grams".into()
        },
        x_label: "n (bits)".into(),
        y_label: "KL(empirical || uniform), bits (Miller-Madow)".into(),
        log_x: false,
        log_y: false,
        series,
    }
}

/// Share of word pairs by token Levenshtein distance (Fig. 8), one line per configuration.
pub fn stability_histogram(stab: &[&PrefixStability]) -> LinePlot {
    LinePlot {
        title: "Token stability under a prefix edit".into(),
        x_label: "Levenshtein distance between token sequences".into(),
        y_label: "share of pairs".into(),
        log_x: false,
        log_y: false,
        series: stab
            .iter()
            .map(|s| {
                let n = s.distances.count().max(1) as f64;
                Series {
                    name: s.label.clone(),
                    points: s
                        .distances
                        .bins
                        .iter()
                        .map(|&(d, c)| (d as f64, c as f64 / n))
                        .collect(),
                    band: Vec::new(),
                    baseline: false,
                }
            })
            .collect(),
    }
}

/// Token rank against frequency, log-log.
pub fn rank_frequency_plot(stats: &[&ConfigStats]) -> LinePlot {
    LinePlot {
        title: "Token rank-frequency".into(),
        x_label: "rank".into(),
        y_label: "count".into(),
        log_x: true,
        log_y: true,
        series: stats
            .iter()
            .map(|s| Series {
                name: s.label.clone(),
                points: s
                    .rank_frequency
                    .iter()
                    .map(|&(r, c)| (r as f64, c as f64))
                    .collect(),
                band: Vec::new(),
                baseline: false,
            })
            .collect(),
    }
}

/// A plot of either kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Plot {
    /// Bars.
    Bars(BarPlot),
    /// Lines.
    Lines(LinePlot),
}

/// All plots of a batch, with file stems.
pub fn batch_plots(report: &BatchReport) -> Vec<(String, Plot)> {
    let s = summaries(report);
    let stab: Vec<&PrefixStability> = report.prefix_stability.iter().flatten().collect();
    let mut out = vec![
        ("ratio".to_string(), Plot::Bars(ratio_bars(&s))),
        (
            "bits_per_byte".to_string(),
            Plot::Bars(bits_per_byte_bars(&s)),
        ),
        (
            "bytes_per_window".to_string(),
            Plot::Lines(window_histogram(&s)),
        ),
        ("kl_tokens".to_string(), Plot::Lines(kl_curves(&s, true))),
        ("kl_ngrams".to_string(), Plot::Lines(kl_curves(&s, false))),
        (
            "rank_frequency".to_string(),
            Plot::Lines(rank_frequency_plot(&s)),
        ),
    ];
    if !stab.is_empty() {
        out.push((
            "stability".to_string(),
            Plot::Lines(stability_histogram(&stab)),
        ));
    }
    out
}

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

/// Writes every plot of a batch into `dir`; returns the paths written.
pub fn write_batch_plots(report: &BatchReport, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (stem, plot) in batch_plots(report) {
        out.extend(write_plot(dir, &stem, &plot)?);
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

// ---------------------------------------------------------------------------------------------
// The M2 probe's plots (GUI probe section and its export): loss curves and grouped bars.

/// The paper's held-out bits/byte of its 25m-parameter M2 on C4 (SPEC section 8.8), for the
/// configurations it reports: Bytes, AC[v=256], StaticAC[v=256], GZip[v=256],
/// EqualInfoAC[b=16, v=256] and [b=16, v=65536] (default precision and examples, no Delay).
pub fn paper_m2_bits_per_byte(c: &Config) -> Option<f64> {
    if c.delay || c.example_bytes != Config::default().example_bytes {
        return None;
    }
    match (c.method, c.token_bits) {
        (MethodKind::Bytes, 8) => Some(1.29),
        (MethodKind::Ac, 8) => Some(1.46),
        (MethodKind::StaticAc, 8) => Some(4.61),
        (MethodKind::Gzip, 8) => Some(2.34),
        (MethodKind::EqualInfo, 8) if c.window_bits == 16 && c.reset_every == 1 => Some(1.47),
        (MethodKind::EqualInfo, 16) if c.window_bits == 16 && c.reset_every == 1 => Some(1.25),
        _ => None,
    }
}

/// A bar chart with several named series per group (bars side by side within a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupedBarPlot {
    /// Title.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Group labels, in order.
    pub groups: Vec<String>,
    /// Series: name and one value per group (None: no bar).
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// Training loss (bits per token) against step, one line per named curve.
pub fn loss_curves(curves: &[(String, Vec<f32>)]) -> LinePlot {
    LinePlot {
        title: "M2 training loss".into(),
        x_label: "training step".into(),
        y_label: "training loss, bits per token".into(),
        log_x: false,
        log_y: false,
        series: curves
            .iter()
            .map(|(name, c)| Series {
                name: name.clone(),
                points: c
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| ((i + 1) as f64, l as f64))
                    .collect(),
                band: Vec::new(),
                baseline: false,
            })
            .collect(),
    }
}

/// The probe's training-loss curves.
pub fn probe_loss_plot(report: &crate::probe::ProbeReport) -> LinePlot {
    let curves: Vec<(String, Vec<f32>)> = report
        .results
        .iter()
        .map(|r| (r.label.clone(), r.m2.train_curve.clone()))
        .collect();
    loss_curves(&curves)
}

/// M2 held-out bits/byte per configuration beside its uniform and unigram bounds and the
/// paper's M2 figure where it has one.
pub fn probe_bars(report: &crate::probe::ProbeReport) -> GroupedBarPlot {
    let r = &report.results;
    GroupedBarPlot {
        title: "M2 probe: held-out bits per byte".into(),
        x_label: "configuration".into(),
        y_label: "bits per byte (lower is better)".into(),
        groups: r.iter().map(|x| x.label.clone()).collect(),
        series: vec![
            (
                "M2".into(),
                r.iter().map(|x| Some(x.m2_bits_per_byte)).collect(),
            ),
            (
                "uniform bound".into(),
                r.iter().map(|x| Some(x.uniform_bits_per_byte)).collect(),
            ),
            (
                "unigram bound".into(),
                r.iter().map(|x| Some(x.unigram_bits_per_byte)).collect(),
            ),
            (
                "paper M2 (25m, C4)".into(),
                r.iter()
                    .map(|x| paper_m2_bits_per_byte(&x.config))
                    .collect(),
            ),
        ],
    }
}

/// Writes a grouped bar chart as `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub fn write_grouped_bar_plot(
    dir: &Path,
    stem: &str,
    plot: &GroupedBarPlot,
) -> Result<Vec<PathBuf>> {
    register_font();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, PLOT_SIZE).into_drawing_area();
        draw_grouped(&root, plot).map_err(|e| plot_err(&png, e))?;
        root.present().map_err(|e| plot_err(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, PLOT_SIZE).into_drawing_area();
        draw_grouped(&root, plot).map_err(|e| plot_err(&svg, e))?;
        root.present().map_err(|e| plot_err(&svg, e))?;
    }
    Ok(vec![png, svg])
}

fn draw_grouped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &GroupedBarPlot,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
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
