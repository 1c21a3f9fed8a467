//! Plain data of the plots of a batch and of the M2 probe: bars, grouped bars and lines with
//! titles, axis labels and named series, built from [`BatchReport`] and [`ProbeReport`]. The
//! GUI draws them on screen and [`super::render`] writes them as PNG and SVG, so what is
//! shown is what is exported. What both renderers must agree on lives here: the colours
//! ([`PALETTE`], [`series_colours`]), the axis scales and their ticks ([`Scale`]), the legend
//! ([`legend`], drawn beside the data, never over it), the bands as convex quads
//! ([`band_quads`]) and the breaks of a line ([`Series::segments`]).

use super::paper::{paper_c4_ratio, paper_m2_bits_per_byte};
use crate::batch::BatchReport;
use crate::probe::ProbeReport;
use crate::stats::{ConfigStats, Histogram, KlPoint, PrefixStability};
use serde::{Deserialize, Serialize};

/// An sRGB colour of the plots; the screen and the exported files draw these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// The one palette of every plot, screen and export: a colour per series or bar index
/// (colour-blind friendly, after Okabe & Ito 2008, then a few more), repeating after ten.
pub const PALETTE: [Rgb; 10] = [
    Rgb(0, 114, 178),
    Rgb(230, 159, 0),
    Rgb(0, 158, 115),
    Rgb(204, 121, 167),
    Rgb(86, 180, 233),
    Rgb(213, 94, 0),
    Rgb(170, 150, 20),
    Rgb(120, 94, 240),
    Rgb(60, 60, 60),
    Rgb(160, 82, 45),
];

/// Baselines (the random bits of Fig. 11): dashed, in this grey.
pub const BASELINE: Rgb = Rgb(120, 120, 120);

/// Reference marks (the paper's figures): black on a light background (the screen's dark mode
/// draws them white).
pub const REFERENCE: Rgb = Rgb(0, 0, 0);

/// Opacity of a band's fill over its series colour (0 transparent, 1 opaque).
pub const BAND_ALPHA: f64 = 0.18;

/// The colour of index `i` of [`PALETTE`].
pub fn palette(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// How values map onto an axis. Renderers draw `forward(v)` linearly and label ticks with the
/// original values ([`Scale::ticks`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Scale {
    /// Linear.
    Linear,
    /// log10; values <= 0 are not drawn.
    Log,
    /// Symmetric log: `sign(v) log10(1 + |v| / linthresh)`: about linear within ±`linthresh`,
    /// logarithmic beyond, negative values kept (below zero).
    SymLog {
        /// Where linear turns logarithmic (> 0).
        linthresh: f64,
    },
}

impl Scale {
    /// The drawn coordinate of `v`, or None where it cannot be drawn (not finite, or <= 0 on a
    /// log axis).
    pub fn forward(self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        match self {
            Scale::Linear => Some(v),
            Scale::Log => (v > 0.0).then(|| v.log10()),
            Scale::SymLog { linthresh } => Some(
                v.signum() * (v.abs() / linthresh.max(f64::MIN_POSITIVE)).ln_1p()
                    / std::f64::consts::LN_10,
            ),
        }
    }

    /// The value at drawn coordinate `t` (the inverse of [`Scale::forward`]).
    pub fn inverse(self, t: f64) -> f64 {
        match self {
            Scale::Linear => t,
            Scale::Log => 10f64.powf(t),
            Scale::SymLog { linthresh } => {
                t.signum() * linthresh * (t.abs() * std::f64::consts::LN_10).exp_m1()
            }
        }
    }

    /// Tick values (original values, ascending) for the drawn range `lo..=hi`, at most about
    /// `max` of them: 1-2-5 steps on a linear axis, powers of ten (and 2, 5 times them over a
    /// short range) on a log axis, 0 and ±linthresh × powers of ten on a symlog axis.
    pub fn ticks(self, lo: f64, hi: f64, max: usize) -> Vec<f64> {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        if !lo.is_finite() || !hi.is_finite() {
            return Vec::new();
        }
        let max = max.max(2);
        let inside = |v: &f64| {
            self.forward(*v)
                .is_some_and(|t| t >= lo - 1e-9 && t <= hi + 1e-9)
        };
        match self {
            Scale::Linear => linear_ticks(lo, hi, max),
            Scale::Log => {
                let (a, b) = (lo.floor() as i32, hi.ceil() as i32);
                let mults: &[f64] = if b - a <= 2 { &[1.0, 2.0, 5.0] } else { &[1.0] };
                let mut out: Vec<f64> = (a..=b)
                    .flat_map(|k| mults.iter().map(move |m| m * 10f64.powi(k)))
                    .filter(inside)
                    .collect();
                thin(&mut out, max);
                out
            }
            Scale::SymLog { linthresh } => {
                let top = self.inverse(lo).abs().max(self.inverse(hi).abs());
                let mut mags = Vec::new();
                let mut m = linthresh;
                while m <= top * 1.000_001 && mags.len() < 40 {
                    mags.push(m);
                    m *= 10.0;
                }
                let mut out: Vec<f64> = mags.iter().rev().map(|m| -m).collect();
                out.push(0.0);
                out.extend(mags.iter().copied());
                out.retain(inside);
                thin(&mut out, max);
                out
            }
        }
    }
}

/// Keeps every k-th tick (0 always, where present) so that at most `max` remain.
fn thin(ticks: &mut Vec<f64>, max: usize) {
    if ticks.len() <= max {
        return;
    }
    let k = ticks.len().div_ceil(max);
    let zero = ticks.iter().position(|&t| t == 0.0).unwrap_or(0);
    let kept: Vec<f64> = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| i.abs_diff(zero) % k == 0)
        .map(|(_, &t)| t)
        .collect();
    *ticks = kept;
}

fn linear_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    let span = hi - lo;
    if span <= 0.0 {
        return vec![lo];
    }
    let raw = span / max as f64;
    let e = raw.log10().floor() as i32;
    let mag = 10f64.powi(e);
    let m = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| span / (m * mag) <= max as f64)
        .unwrap_or(10.0);
    let step = m * mag;
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // k·m·10^e computed as an integer over a power of ten, so 0.6 is 0.6, not 3 × 0.2.
    let at = |k: i64| {
        let n = k as f64 * m;
        if e < 0 {
            n / 10f64.powi(-e)
        } else {
            n * 10f64.powi(e)
        }
    };
    (first..=last).map(at).collect()
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
    /// Points (x, y); a point with a non-finite y breaks the line there (a gap, e.g. an empty
    /// histogram bin): see [`Series::segments`].
    pub points: Vec<(f64, f64)>,
    /// Optional band (x, low, high) drawn shaded behind the line ([`band_quads`]).
    pub band: Vec<(f64, f64, f64)>,
    /// Drawn dashed and grey (baselines).
    pub baseline: bool,
    /// Estimates from too few samples to be read as measurements, drawn as hollow markers in
    /// the series colour, not joined to the line.
    #[serde(default)]
    pub hollow: Vec<(f64, f64)>,
}

impl Series {
    /// A plain line.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            band: Vec::new(),
            baseline: false,
            hollow: Vec::new(),
        }
    }

    /// The runs of points to join with a line: split at every point whose x or y is not
    /// finite (those points are dropped). A run of one point is drawn as a marker.
    pub fn segments(&self) -> Vec<Vec<(f64, f64)>> {
        let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(x, y) in &self.points {
            if x.is_finite() && y.is_finite() {
                if let Some(last) = out.last_mut() {
                    last.push((x, y));
                }
            } else if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(Vec::new());
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

/// The band as one quadrilateral per pair of neighbouring x (in order: low left, low right, high
/// right, high left). Each has two vertical sides and low <= high at both, so it is convex (a
/// trapezoid), on any monotone axis scale; renderers that fill only convex polygons (egui_plot)
/// draw the band correctly from them. Pairs with a non-finite value are skipped.
pub fn band_quads(band: &[(f64, f64, f64)]) -> Vec<[(f64, f64); 4]> {
    band.windows(2)
        .filter(|w| {
            w.iter()
                .all(|&(x, lo, hi)| x.is_finite() && lo.is_finite() && hi.is_finite())
        })
        .map(|w| {
            let (x0, a0, b0) = w[0];
            let (x1, a1, b1) = w[1];
            let (lo0, hi0) = (a0.min(b0), a0.max(b0));
            let (lo1, hi1) = (a1.min(b1), a1.max(b1));
            [(x0, lo0), (x1, lo1), (x1, hi1), (x0, hi0)]
        })
        .collect()
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
    /// X axis scale.
    pub x_scale: Scale,
    /// Y axis scale.
    pub y_scale: Scale,
    /// The lines.
    pub series: Vec<Series>,
    /// A note under the legend (what the marks mean), if any.
    #[serde(default)]
    pub note: Option<String>,
}

/// The colour of each series of a line plot, in order: baselines [`BASELINE`], the others the
/// palette in order (baselines take no palette slot).
pub fn series_colours(l: &LinePlot) -> Vec<Rgb> {
    let mut k = 0;
    l.series
        .iter()
        .map(|s| {
            if s.baseline {
                BASELINE
            } else {
                k += 1;
                palette(k - 1)
            }
        })
        .collect()
}

/// How a legend entry's swatch is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LegendMark {
    /// A filled box (bars).
    Box,
    /// A solid line with a marker.
    Line,
    /// A dashed line (baselines).
    Dashed,
    /// A hollow marker (estimates from too few samples).
    Hollow,
    /// A thick short line (reference marks).
    Reference,
    /// A light box (bands).
    Band,
}

/// One entry of a legend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegendEntry {
    /// Text.
    pub name: String,
    /// Swatch colour.
    pub colour: Rgb,
    /// Swatch kind.
    pub mark: LegendMark,
    /// The series (line plots), bar (bar plots) or series (grouped bars) it names; None for
    /// entries that explain marks shared by all (bands, hollow markers, reference marks).
    pub item: Option<usize>,
}

/// The legend of a plot, in drawing order; both renderers draw it beside the data area.
pub fn legend(plot: &Plot) -> Vec<LegendEntry> {
    match plot {
        Plot::Bars(b) => bar_legend(b),
        Plot::Lines(l) => line_legend(l),
        Plot::Grouped(g) => grouped_legend(g),
    }
}

/// The legend of a bar chart: one entry per bar, then the reference marks.
pub fn bar_legend(b: &BarPlot) -> Vec<LegendEntry> {
    let mut out: Vec<LegendEntry> = b
        .bars
        .iter()
        .enumerate()
        .map(|(i, bar)| LegendEntry {
            name: format!("{}: {}", i + 1, bar.label),
            colour: palette(i),
            mark: LegendMark::Box,
            item: Some(i),
        })
        .collect();
    if b.bars.iter().any(|x| x.reference.is_some()) {
        out.push(LegendEntry {
            name: b.reference_name.clone(),
            colour: REFERENCE,
            mark: LegendMark::Reference,
            item: None,
        });
    }
    out
}

/// The legend of a line chart: one entry per series, then what bands and hollow markers mean.
pub fn line_legend(l: &LinePlot) -> Vec<LegendEntry> {
    let colours = series_colours(l);
    let mut out: Vec<LegendEntry> = l
        .series
        .iter()
        .zip(&colours)
        .enumerate()
        .map(|(i, (s, &c))| LegendEntry {
            name: s.name.clone(),
            colour: c,
            mark: if s.baseline {
                LegendMark::Dashed
            } else {
                LegendMark::Line
            },
            item: Some(i),
        })
        .collect();
    if l.series.iter().any(|s| s.band.len() >= 2) {
        out.push(LegendEntry {
            name: "shaded: 5-95% over partitions".into(),
            colour: BASELINE,
            mark: LegendMark::Band,
            item: None,
        });
    }
    if l.series.iter().any(|s| !s.hollow.is_empty()) {
        out.push(LegendEntry {
            name: "hollow: fewer samples than 2^n (Chao-Shen, not a measurement)".into(),
            colour: BASELINE,
            mark: LegendMark::Hollow,
            item: None,
        });
    }
    out
}

/// The legend of grouped bars: one entry per series that has a bar.
pub fn grouped_legend(g: &GroupedBarPlot) -> Vec<LegendEntry> {
    g.series
        .iter()
        .enumerate()
        .filter(|(_, (_, v))| v.iter().flatten().any(|x| x.is_finite()))
        .map(|(i, (name, _))| LegendEntry {
            name: name.clone(),
            colour: palette(i),
            mark: LegendMark::Box,
            item: Some(i),
        })
        .collect()
}

/// A tick label of an original value (both renderers): `0`, integers without decimals,
/// up to three decimals, powers beyond `1e5` and below `1e-3` as `1e-4`.
pub fn tick_label(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if !x.is_finite() {
        format!("{x}")
    } else if x.abs() >= 1e5 || x.abs() < 1e-3 {
        format!("{x:.0e}")
    } else if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Points of a histogram as shares of its count, with a break (a non-finite y) at every run of
/// empty bins, so no line is drawn across values that never occurred.
pub fn histogram_points(h: &Histogram) -> Vec<(f64, f64)> {
    let n = h.count().max(1) as f64;
    let mut out = Vec::with_capacity(h.bins.len());
    let mut prev: Option<u64> = None;
    for &(v, c) in &h.bins {
        if prev.is_some_and(|p| v > p + 1) {
            out.push((v as f64 - 0.5, f64::NAN));
        }
        out.push((v as f64, c as f64 / n));
        prev = Some(v);
    }
    out
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

/// A plot of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Plot {
    /// Bars.
    Bars(BarPlot),
    /// Lines.
    Lines(LinePlot),
    /// Grouped bars.
    Grouped(GroupedBarPlot),
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
/// window per example (all configurations when none has); lines break at empty bins.
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
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series: chosen
            .iter()
            .map(|s| Series::line(s.label.clone(), histogram_points(&s.bytes_per_window)))
            .collect(),
        note: None,
    }
}

/// Where the KL plots' symlog axis turns from linear to logarithmic, in bits: below the random
/// baseline's spread on a few KB (about ±0.003), so GZip, StaticAC, AC and random stay apart
/// from zero and from each other, negative values below zero.
pub const KL_LINTHRESH: f64 = 1e-4;

/// KL(empirical ‖ uniform) against n (Fig. 11), Miller–Madow corrected, with the 5–95% band over
/// partitions and the random baseline; `tokens` picks non-overlapping tokens, else overlapping
/// n-grams. The y axis is symlog ([`KL_LINTHRESH`]): EqualInfo's bits and GZip's thousandths
/// are both readable, negative Miller–Madow values stay visible below zero. Points with fewer
/// samples than values (m < 2^n, [`KlPoint::undersampled`]) are not measurements: they are not
/// joined to the line and are drawn hollow at their Chao–Shen value (`kl_cs`).
pub fn kl_curves(stats: &[&ConfigStats], tokens: bool) -> LinePlot {
    fn line(name: String, pts: &[KlPoint], baseline: bool) -> Series {
        let resolved = |p: &&KlPoint| p.n < 64 && p.samples >= 1u64 << p.n;
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
            hollow: pts
                .iter()
                .filter(|p| !resolved(p))
                .map(|p| (p.n as f64, p.kl_cs))
                .collect(),
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
        y_label: "KL(empirical || uniform), bits (Miller-Madow, symlog axis)".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::SymLog {
            linthresh: KL_LINTHRESH,
        },
        series,
        note: Some(format!(
            "y: symlog, linear within ±{KL_LINTHRESH:e} bit; Miller-Madow can fall below 0"
        )),
    }
}

/// Share of word pairs by token Levenshtein distance (Fig. 8), one line per configuration;
/// lines break at distances no pair has.
pub fn stability_histogram(stab: &[&PrefixStability]) -> LinePlot {
    LinePlot {
        title: "Token stability under a prefix edit".into(),
        x_label: "Levenshtein distance between token sequences".into(),
        y_label: "share of pairs".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series: stab
            .iter()
            .map(|s| Series::line(s.label.clone(), histogram_points(&s.distances)))
            .collect(),
        note: None,
    }
}

/// Token rank against frequency, log-log.
pub fn rank_frequency_plot(stats: &[&ConfigStats]) -> LinePlot {
    LinePlot {
        title: "Token rank-frequency".into(),
        x_label: "rank".into(),
        y_label: "count".into(),
        x_scale: Scale::Log,
        y_scale: Scale::Log,
        series: stats
            .iter()
            .map(|s| {
                Series::line(
                    s.label.clone(),
                    s.rank_frequency
                        .iter()
                        .map(|&(r, c)| (r as f64, c as f64))
                        .collect(),
                )
            })
            .collect(),
        note: None,
    }
}

/// All plots of the M2 probe, with file stems: the loss curves and the held-out bits/byte bars.
pub fn probe_plots(report: &ProbeReport) -> Vec<(String, Plot)> {
    vec![
        (
            "probe_loss".to_string(),
            Plot::Lines(probe_loss_plot(report)),
        ),
        (
            "probe_bits_per_byte".to_string(),
            Plot::Grouped(probe_bars(report)),
        ),
    ]
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

/// Training loss (bits per token) against step, one line per named curve.
pub fn loss_curves(curves: &[(String, Vec<f32>)]) -> LinePlot {
    LinePlot {
        title: "M2 training loss".into(),
        x_label: "training step".into(),
        y_label: "training loss, bits per token".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        series: curves
            .iter()
            .map(|(name, c)| {
                Series::line(
                    name.clone(),
                    c.iter()
                        .enumerate()
                        .map(|(i, &l)| ((i + 1) as f64, l as f64))
                        .collect(),
                )
            })
            .collect(),
        note: None,
    }
}

/// The probe's training-loss curves.
pub fn probe_loss_plot(report: &ProbeReport) -> LinePlot {
    let curves: Vec<(String, Vec<f32>)> = report
        .results
        .iter()
        .map(|r| (r.label.clone(), r.m2.train_curve.clone()))
        .collect();
    loss_curves(&curves)
}

/// M2 held-out bits/byte per configuration beside its uniform and unigram bounds and the
/// paper's M2 figure where it has one.
pub fn probe_bars(report: &ProbeReport) -> GroupedBarPlot {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The stability histogram of distances {1: 5, 2: 3, 5: 2} has no pair at 3 and 4: its
    /// line breaks there (two segments, 1-2 and 5), instead of joining 2 to 5.
    #[test]
    fn stability_line_breaks_at_empty_bins() {
        let stab = PrefixStability {
            label: "x".into(),
            distances: Histogram {
                bins: vec![(1, 5), (2, 3), (5, 2)],
            },
            ..Default::default()
        };
        let plot = stability_histogram(&[&stab]);
        let segs = plot.series[0].segments();
        assert_eq!(segs, vec![vec![(1.0, 0.5), (2.0, 0.3)], vec![(5.0, 0.2)]]);
        // No segment spans an empty bin.
        for s in &segs {
            for w in s.windows(2) {
                assert_eq!(w[1].0 - w[0].0, 1.0);
            }
        }
        // Contiguous bins stay one line.
        let h = Histogram {
            bins: vec![(0, 1), (1, 1), (2, 2)],
        };
        assert_eq!(Series::line("y", histogram_points(&h)).segments().len(), 1);
    }

    fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    }

    fn convex(poly: &[(f64, f64)]) -> bool {
        let n = poly.len();
        let signs: Vec<f64> = (0..n)
            .map(|i| cross(poly[i], poly[(i + 1) % n], poly[(i + 2) % n]))
            .filter(|c| c.abs() > 1e-12)
            .collect();
        signs.iter().all(|&c| c > 0.0) || signs.iter().all(|&c| c < 0.0)
    }

    /// A KL band rising with n is not convex as one polygon (what egui_plot fanned into
    /// triangles from its first vertex), but each of its quads is, on a linear and a symlog
    /// axis, and together they cover the band from the first x to the last.
    #[test]
    fn band_quads_are_convex_and_tile_the_band() {
        let band = vec![
            (1.0, 0.0001, 0.0003),
            (2.0, 0.002, 0.004),
            (3.0, 0.01, 0.03),
            (4.0, 0.2, 0.5),
            (5.0, 1.0, 2.0),
        ];
        let mut whole: Vec<(f64, f64)> = band.iter().map(|&(x, lo, _)| (x, lo)).collect();
        whole.extend(band.iter().rev().map(|&(x, _, hi)| (x, hi)));
        assert!(!convex(&whole), "the single polygon is not convex");
        let quads = band_quads(&band);
        assert_eq!(quads.len(), 4);
        let sym = Scale::SymLog { linthresh: 1e-4 };
        for (i, q) in quads.iter().enumerate() {
            assert!(convex(q), "{q:?}");
            let t: Vec<(f64, f64)> = q
                .iter()
                .map(|&(x, y)| (x, sym.forward(y).unwrap_or(f64::NAN)))
                .collect();
            assert!(convex(&t), "{t:?}");
            assert_eq!((q[0].0, q[1].0), (band[i].0, band[i + 1].0));
            assert_eq!((q[0].1, q[3].1), (band[i].1, band[i].2));
            assert_eq!((q[1].1, q[2].1), (band[i + 1].1, band[i + 1].2));
        }
        // A crossed band (low above high) is drawn from min to max, still convex.
        let q = band_quads(&[(1.0, 2.0, 1.0), (2.0, 1.0, 3.0)]);
        assert!(convex(&q[0]));
    }

    /// The symlog axis inverts exactly, keeps the sign, is nearly linear inside the threshold,
    /// and gives GZip-sized values (thousandths of a bit) a visible share of an axis that also
    /// holds EqualInfo's 2 bits, where a linear axis squashes them onto zero.
    #[test]
    fn symlog_keeps_small_and_negative_values_apart() {
        let s = Scale::SymLog {
            linthresh: KL_LINTHRESH,
        };
        for v in [-3.0, -0.0008, 0.0, 1e-5, 0.0015, 2.0] {
            let t = s.forward(v).unwrap_or(f64::NAN);
            assert!((s.inverse(t) - v).abs() <= 1e-12 * v.abs().max(1.0), "{v}");
            assert_eq!(t.signum(), if v == 0.0 { t.signum() } else { v.signum() });
        }
        // Near-linear inside the threshold: f(v) ≈ v / (c ln 10).
        let tiny = KL_LINTHRESH * 1e-3;
        let t = s.forward(tiny).unwrap_or(0.0);
        assert!((t - tiny / (KL_LINTHRESH * std::f64::consts::LN_10)).abs() < 1e-6);
        let share = |scale: Scale, v: f64| {
            let f = |x: f64| scale.forward(x).unwrap_or(f64::NAN);
            (f(v) - f(-0.001)) / (f(2.0) - f(-0.001))
        };
        assert!(share(Scale::Linear, 0.0015) - share(Scale::Linear, 0.0) < 0.002);
        assert!(share(s, 0.0015) - share(s, 0.0) > 0.15);
        assert!(share(s, 0.0002) - share(s, 0.0) > 0.05);
        assert!(share(s, -0.0008) < share(s, 0.0) - 0.1);
        // Ticks: 0 and signed powers of ten times the threshold, within the range.
        let ticks = s.ticks(
            s.forward(-0.002).unwrap_or(0.0),
            s.forward(3.0).unwrap_or(0.0),
            12,
        );
        assert_eq!(ticks, vec![-1e-3, -1e-4, 0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]);
        assert_eq!(Scale::Log.forward(0.0), None);
        assert_eq!(
            Scale::Log.ticks(0.0, 3.0, 10),
            vec![1.0, 10.0, 100.0, 1000.0]
        );
        assert_eq!(
            Scale::Linear.ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
    }

    /// Undersampled KL points are not joined to the line: they come out hollow, at their
    /// Chao–Shen value, and the legend says what hollow means.
    #[test]
    fn undersampled_kl_points_are_hollow() {
        let p = |n: u32, samples: u64, mm: f64, cs: f64| KlPoint {
            n,
            samples,
            kl_plugin: 0.0,
            kl_mm: mm,
            q05: None,
            q50: None,
            q95: None,
            partitions: 0,
            undersampled: samples < 1 << n,
            kl_cs: cs,
        };
        let pts = vec![p(8, 4096, 0.3, 0.31), p(16, 2048, -31.0, 0.9)];
        let stats = ConfigStats {
            label: "EqualInfoAC".into(),
            kl: Some(crate::stats::kl::KlReport {
                bits: 4096 * 8,
                tokens: pts.clone(),
                random_tokens: pts,
                ..Default::default()
            }),
            ..Default::default()
        };
        let plot = kl_curves(&[&stats], true);
        assert_eq!(plot.series[0].points, vec![(8.0, 0.3)]);
        assert_eq!(plot.series[0].hollow, vec![(16.0, 0.9)]);
        let legend = line_legend(&plot);
        assert!(legend
            .iter()
            .any(|e| e.mark == LegendMark::Hollow && e.name.contains("fewer samples")));
        assert!(matches!(plot.y_scale, Scale::SymLog { .. }));
    }

    #[test]
    fn legends_use_the_palette() {
        let b = BarPlot {
            title: String::new(),
            x_label: String::new(),
            y_label: String::new(),
            reference_name: "paper".into(),
            bars: (0..3)
                .map(|i| Bar {
                    label: format!("c{i}"),
                    value: 1.0,
                    reference: (i == 0).then_some(8.0),
                })
                .collect(),
        };
        let l = bar_legend(&b);
        assert_eq!(l.len(), 4);
        for (i, e) in l.iter().take(3).enumerate() {
            assert_eq!((e.colour, e.item), (PALETTE[i], Some(i)));
        }
        assert_eq!((l[3].colour, l[3].mark), (REFERENCE, LegendMark::Reference));
        assert_eq!(tick_label(1e-4), "1e-4");
        assert_eq!(tick_label(-0.01), "-0.01");
        assert_eq!(tick_label(10.0), "10");
    }
}
