//! Reports above [`crate::batch`] and [`crate::probe`]: what their results look like to a
//! person. Plain plot data, the plotters renderer, the paper's reference figures and the CSV/JSON
//! exports, shared by `eqinfo stats`, `eqinfo probe` and the GUI's Batch tab (which draws the same
//! plot data on screen).
//!
//! | module | what |
//! |---|---|
//! | [`paper`] | the paper's C4 ratios and M2 bits/byte, drawn as reference marks |
//! | [`plot`] | plot data (bars, grouped bars, lines) built from batch and probe reports |
//! | [`render`] | PNG + SVG with plotters and an embedded font |
//! | [`segments`] | plot data of the segmenters' statistics (length and information distributions) |
//! | [`export`] | `batch.csv`, `batch.json`, `probe.csv`, `probe.json` and the plot files |
//!
//! Layering: `report` imports `batch`, `probe` and `stats`; none of them imports `report`.

pub mod export;
pub mod paper;
pub mod plot;
pub mod render;
pub mod segments;
