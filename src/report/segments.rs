//! Plot data of the segmenters' statistics ([`crate::stats::segments`]), in the plain types of
//! [`super::plot`] so [`super::render`] writes them (PNG + SVG) and a GUI can draw them:
//! the distribution of bytes per segment and of bits per segment (in context and coded alone),
//! one line per segmenter, and the bars of mean and spread. Equal-Info windows' bits alone are
//! flat by construction (each at most b); entropy patches' are not: these plots show it.

use super::plot::{histogram_points, Bar, BarPlot, LinePlot, Plot, Scale, Series};
use crate::stats::segments::{SegmentReport, SegmentStats};
use crate::stats::Histogram;

/// A histogram as a share-of-segments line (x = value, y = share).
pub fn histogram_series(name: &str, h: &Histogram) -> Series {
    // Shares of the count, with a break at every run of empty bins (no line across values that
    // never occurred), as the other histograms.
    Series::line(name, histogram_points(h))
}

/// Share of segments by length in bytes, one line per segmenter.
pub fn length_distribution(stats: &[SegmentStats]) -> LinePlot {
    LinePlot {
        title: "Segment length".into(),
        x_label: "bytes per segment".into(),
        y_label: "share of segments".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        note: None,
        series: stats
            .iter()
            .map(|s| histogram_series(&s.label, &s.bytes_per_segment))
            .collect(),
    }
}

/// Share of segments by information (⌊bits⌋), in context or alone.
pub fn bits_distribution(stats: &[SegmentStats], alone: bool) -> LinePlot {
    LinePlot {
        title: if alone {
            "Information per segment, coded alone".into()
        } else {
            "Information per segment, in M1's context".into()
        },
        x_label: "bits per segment (floor)".into(),
        y_label: "share of segments".into(),
        x_scale: Scale::Linear,
        y_scale: Scale::Linear,
        note: None,
        series: stats
            .iter()
            .map(|s| {
                let h = if alone {
                    &s.bits_alone_histogram
                } else {
                    &s.bits_histogram
                };
                histogram_series(&s.label, h)
            })
            .collect(),
    }
}

/// Relative spread (sd / mean) of bits per segment coded alone, per segmenter.
pub fn spread_bars(stats: &[SegmentStats]) -> BarPlot {
    BarPlot {
        title: "Spread of information per segment (coded alone)".into(),
        x_label: "segmenter".into(),
        y_label: "sd / mean of bits per segment".into(),
        reference_name: String::new(),
        bars: stats
            .iter()
            .map(|s| Bar {
                label: s.label.clone(),
                value: if s.bits_alone.mean > 0.0 {
                    s.bits_alone.sd / s.bits_alone.mean
                } else {
                    0.0
                },
                reference: None,
            })
            .collect(),
    }
}

/// All plots of a segment report, with file stems.
pub fn segment_plots(report: &SegmentReport) -> Vec<(String, Plot)> {
    let s = &report.summaries;
    vec![
        (
            "segment_length".to_string(),
            Plot::Lines(length_distribution(s)),
        ),
        (
            "segment_bits".to_string(),
            Plot::Lines(bits_distribution(s, false)),
        ),
        (
            "segment_bits_alone".to_string(),
            Plot::Lines(bits_distribution(s, true)),
        ),
        ("segment_spread".to_string(), Plot::Bars(spread_bars(s))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_lines_are_shares() {
        let h = Histogram {
            bins: vec![(2, 1), (4, 3)],
        };
        let s = histogram_series("x", &h);
        // Bin 3 is empty: the line breaks there (two pieces), the shares are 1/4 and 3/4.
        assert_eq!(s.segments(), vec![vec![(2.0, 0.25)], vec![(4.0, 0.75)]]);
        let stats = SegmentStats {
            label: "a".into(),
            bits_alone: crate::stats::segments::Moments {
                count: 2,
                mean: 4.0,
                sd: 1.0,
                min: 3.0,
                max: 5.0,
            },
            ..Default::default()
        };
        assert_eq!(spread_bars(&[stats]).bars[0].value, 0.25);
    }
}
