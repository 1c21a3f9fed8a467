//! Plain data of the plots of a batch and of the M2 probe: bars, grouped bars and lines with
//! titles, axis labels and named series, built from [`BatchReport`] and [`ProbeReport`]. The
//! GUI draws them on screen and [`super::render`] writes them as PNG and SVG, so what is
//! shown is what is exported. Log axes are flags: renderers plot log10 of the values and label
//! ticks with the original values.

use super::paper::{paper_c4_ratio, paper_m2_bits_per_byte};
use crate::batch::BatchReport;
use crate::probe::ProbeReport;
use crate::stats::{ConfigStats, KlPoint, PrefixStability};
use serde::{Deserialize, Serialize};

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
    fn line(name: String, pts: &[KlPoint], baseline: bool) -> Series {
        let resolved = |p: &&KlPoint| p.samples >= 1u64 << p.n;
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
