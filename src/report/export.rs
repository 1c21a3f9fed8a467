//! The exported files of a batch and of the M2 probe, shared by `eqinfo stats`, `eqinfo probe`
//! and the GUI's Batch tab: one function per format, so the CLI's `--csv`/`--json` output and the
//! GUI's `batch.csv`/`batch.json`/`probe.csv`/`probe.json` are the same bytes.
//!
//! | file | content |
//! |---|---|
//! | `batch.csv` | [`SummaryRow`](crate::stats::SummaryRow)s: one per file × configuration, then the pooled `ALL` rows |
//! | `batch.json` | the whole [`BatchReport`] (serde) |
//! | `probe.csv` | one [`ProbeCsvRow`] per configuration |
//! | `probe.json` | the whole [`ProbeReport`] (serde, loss curves included) |
//! | `segments.csv` | [`SegmentRow`](crate::stats::segments::SegmentRow)s: one per file × segmenter, then the pooled `ALL` rows |
//! | `segments.json` | the whole [`SegmentReport`] (serde); with a batch, its `segments` field |
//! | `*.png`, `*.svg` | the plots of [`super::plot`], by [`super::render`] |

use super::paper::paper_m2_bits_per_byte;
use super::plot::{batch_plots, probe_plots};
use super::render::write_plots;
use crate::batch::BatchReport;
use crate::error::{Error, Result};
use crate::probe::ProbeReport;
use crate::stats::segments::SegmentReport;
use crate::stats::{csv_err, write_csv};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The batch table as CSV (the rows of [`BatchReport::rows`]).
pub fn batch_csv(report: &BatchReport) -> Result<String> {
    let mut buf = Vec::new();
    write_csv(&report.rows(), &mut buf)?;
    String::from_utf8(buf).map_err(|e| Error::IoPlain(std::io::Error::other(e)))
}

/// The whole batch report as pretty JSON.
pub fn batch_json(report: &BatchReport) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)?)
}

/// One row of the probe's CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeCsvRow {
    /// Configuration label.
    pub config: String,
    /// Vocabulary size.
    pub vocab: u64,
    /// Held-out bytes per token.
    pub bytes_per_token: f64,
    /// M2 held-out bits per byte.
    pub m2_bits_per_byte: f64,
    /// log2(v) / ratio.
    pub uniform_bits_per_byte: f64,
    /// Held-out unigram / ratio.
    pub unigram_bits_per_byte: f64,
    /// 1 − M2 / uniform.
    pub gain_vs_uniform: f64,
    /// 1 − M2 / unigram.
    pub gain_vs_unigram: f64,
    /// The paper's M2 (25m, C4), where it has the configuration.
    pub paper_m2_bits_per_byte: Option<f64>,
    /// Training tokens.
    pub train_tokens: u64,
    /// Held-out tokens.
    pub heldout_tokens: u64,
    /// Seconds training M2.
    pub train_seconds: f64,
    /// Seconds compressing.
    pub encode_seconds: f64,
}

/// The probe's CSV rows, one per configuration, in order.
pub fn probe_rows(report: &ProbeReport) -> Vec<ProbeCsvRow> {
    report
        .results
        .iter()
        .map(|r| ProbeCsvRow {
            config: r.label.clone(),
            vocab: r.vocab,
            bytes_per_token: r.bytes_per_token,
            m2_bits_per_byte: r.m2_bits_per_byte,
            uniform_bits_per_byte: r.uniform_bits_per_byte,
            unigram_bits_per_byte: r.unigram_bits_per_byte,
            gain_vs_uniform: r.gain_vs_uniform,
            gain_vs_unigram: r.gain_vs_unigram,
            paper_m2_bits_per_byte: paper_m2_bits_per_byte(&r.config),
            train_tokens: r.train_tokens,
            heldout_tokens: r.heldout_tokens,
            train_seconds: r.m2.train_seconds,
            encode_seconds: r.encode_seconds,
        })
        .collect()
}

/// The probe table as CSV.
pub fn probe_csv(report: &ProbeReport) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in probe_rows(report) {
        w.serialize(row).map_err(csv_err)?;
    }
    let buf = w
        .into_inner()
        .map_err(|e| Error::IoPlain(std::io::Error::other(e.to_string())))?;
    String::from_utf8(buf).map_err(|e| Error::IoPlain(std::io::Error::other(e)))
}

/// The whole probe report as pretty JSON.
pub fn probe_json(report: &ProbeReport) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)?)
}

fn write_text(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Writes `dir/batch.csv`; returns its path.
pub fn write_batch_csv(report: &BatchReport, dir: &Path) -> Result<PathBuf> {
    write_text(dir, "batch.csv", &batch_csv(report)?)
}

/// Writes `dir/batch.json`; returns its path.
pub fn write_batch_json(report: &BatchReport, dir: &Path) -> Result<PathBuf> {
    write_text(dir, "batch.json", &batch_json(report)?)
}

/// Writes every plot of a batch into `dir` as PNG and SVG; returns the paths written.
pub fn write_batch_plots(report: &BatchReport, dir: &Path) -> Result<Vec<PathBuf>> {
    write_plots(dir, &batch_plots(report))
}

/// Writes `probe.csv`, `probe.json` and the probe's plots (PNG + SVG) into `dir`; returns the
/// paths written.
pub fn write_probe(report: &ProbeReport, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![
        write_text(dir, "probe.csv", &probe_csv(report)?)?,
        write_text(dir, "probe.json", &probe_json(report)?)?,
    ];
    out.extend(write_plots(dir, &probe_plots(report))?);
    Ok(out)
}

/// The segmenters' table as CSV (the rows of [`SegmentReport::rows`]).
pub fn segments_csv(report: &SegmentReport) -> Result<String> {
    let mut buf = Vec::new();
    crate::stats::segments::write_csv(&report.rows(), &mut buf)?;
    String::from_utf8(buf).map_err(|e| Error::IoPlain(std::io::Error::other(e)))
}

/// The whole segment report as pretty JSON.
pub fn segments_json(report: &SegmentReport) -> Result<String> {
    Ok(serde_json::to_string_pretty(report)?)
}

/// The batch report as [`batch_json`] writes it, with one more field, `segments`: the
/// segmenters' report.
pub fn batch_json_with_segments(report: &BatchReport, segments: &SegmentReport) -> Result<String> {
    let mut v = serde_json::to_value(report)?;
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("segments".into(), serde_json::to_value(segments)?);
    }
    Ok(serde_json::to_string_pretty(&v)?)
}

/// Writes `dir/segments.csv`, `dir/segments.json` and the segmenters' plots (PNG + SVG);
/// returns the paths written.
pub fn write_segments(report: &SegmentReport, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = vec![
        write_text(dir, "segments.csv", &segments_csv(report)?)?,
        write_text(dir, "segments.json", &segments_json(report)?)?,
    ];
    out.extend(write_segment_plots(report, dir)?);
    Ok(out)
}

/// Writes the segmenters' plots into `dir` as PNG and SVG; returns the paths written.
pub fn write_segment_plots(report: &SegmentReport, dir: &Path) -> Result<Vec<PathBuf>> {
    write_plots(dir, &super::segments::segment_plots(report))
}
