//! The Batch tab's results: the sortable table (one row per file × configuration, then the
//! pooled `ALL` rows), the export buttons, and the plots of [`crate::report::plot`] drawn with
//! egui_plot ([`crate::app::batch::plots`]), the same data the PNG/SVG export writes.

use crate::app::batch::inputs::{fixed_cell, short_name, ROW_H};
use crate::app::batch::plots;
use crate::app::command::{BatchCommand, Command, DialogKind};
use crate::app::state::Settings;
use crate::batch::BatchReport;
use crate::report::plot::{batch_plots, Plot};
use crate::stats::SummaryRow;
use egui::{RichText, Ui};

/// Table columns (sortable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Input name.
    File,
    /// Configuration label.
    Config,
    /// A numeric column (index into [`NUMERIC`]).
    Num(usize),
}

type NumFn = fn(&SummaryRow) -> Option<f64>;

/// A numeric column: header, value, decimals, what it is (the header's tooltip).
pub struct NumCol {
    /// Header.
    pub name: &'static str,
    /// The value of a row (None: not measured or not defined).
    pub value: NumFn,
    /// Decimals shown.
    pub decimals: usize,
    /// What the column holds, for the header's tooltip.
    pub help: &'static str,
    /// Whether a row's value is an estimate from too few samples (marked `*`, dimmed).
    pub undersampled: fn(&SummaryRow) -> bool,
}

fn never(_: &SummaryRow) -> bool {
    false
}

fn kl_undersampled(r: &SummaryRow) -> bool {
    r.kl_tokens_undersampled == Some(true)
}

/// What every KL column's tooltip says about the estimator.
pub const KL_HELP: &str = "KL(empirical || uniform) of the non-overlapping tokens, in bits: \
    token bits n minus an entropy estimate. Miller-Madow: plug-in entropy + (2^n - 1)/(2 m ln 2) \
    for m tokens; it removes the plug-in's first-order bias when m >> 2^n, and then small \
    negative values (down to about minus the noise of the random baseline) mean 'as uniform as \
    random'. With fewer tokens than token values (m < 2^n, marked *) the correction exceeds what \
    the sample can show and Miller-Madow falls far below 0 (-31 at 16-bit tokens on a few KB): \
    not a measurement. Chao-Shen (CS columns) adjusts for unseen values by coverage and stays \
    bounded there, but is still an estimate from too few samples.";

/// Numeric columns.
pub const NUMERIC: &[NumCol] = &[
    NumCol {
        name: "bytes",
        value: |r| Some(r.input_bytes as f64),
        decimals: 0,
        help: "input bytes",
        undersampled: never,
    },
    NumCol {
        name: "tokens",
        value: |r| Some(r.tokens as f64),
        decimals: 0,
        help: "tokens (each example padded to a whole token)",
        undersampled: never,
    },
    NumCol {
        name: "bytes/token",
        value: |r| Some(r.bytes_per_token),
        decimals: 3,
        help: "compression ratio: input bytes per token",
        undersampled: never,
    },
    NumCol {
        name: "bits/byte",
        value: |r| Some(r.bits_per_byte),
        decimals: 3,
        help: "token bits per input byte",
        undersampled: never,
    },
    NumCol {
        name: "windows",
        value: |r| Some(r.windows as f64),
        decimals: 0,
        help: "windows (EqualInfo; one per example otherwise)",
        undersampled: never,
    },
    NumCol {
        name: "bytes/window",
        value: |r| Some(r.mean_bytes_per_window),
        decimals: 2,
        help: "mean input bytes per window",
        undersampled: never,
    },
    NumCol {
        name: "pad bits/window",
        value: |r| Some(r.mean_padding_bits_per_window),
        decimals: 2,
        help: "mean zero-padding bits per window",
        undersampled: never,
    },
    NumCol {
        name: "uniform b/B",
        value: |r| Some(r.uniform_bits_per_byte),
        decimals: 3,
        help: "Table 3: bits/byte of a uniform model over the tokens (token bits / ratio)",
        undersampled: never,
    },
    NumCol {
        name: "unigram b/B",
        value: |r| Some(r.unigram_heldout_bits_per_byte),
        decimals: 3,
        help: "Table 3: bits/byte of a held-out unigram over the tokens",
        undersampled: never,
    },
    NumCol {
        name: "KL tokens",
        value: |r| r.kl_mm_tokens,
        decimals: 4,
        help: KL_HELP,
        undersampled: kl_undersampled,
    },
    NumCol {
        name: "KL random",
        value: |r| r.kl_mm_random,
        decimals: 4,
        help: "The same Miller-Madow KL on random bits of the same length (the baseline: what \
               'uniform' looks like with this many samples). See KL tokens.",
        undersampled: kl_undersampled,
    },
    NumCol {
        name: "KL tokens CS",
        value: |r| r.kl_cs_tokens,
        decimals: 4,
        help: "KL of the tokens by the Chao-Shen coverage-adjusted entropy (Chao & Shen 2003): \
               the estimate to read where Miller-Madow is marked *; with no singletons it is the \
               plug-in estimate and keeps its upward bias (+(2^n - 1)/(2 m ln 2)).",
        undersampled: kl_undersampled,
    },
    NumCol {
        name: "KL random CS",
        value: |r| r.kl_cs_random,
        decimals: 4,
        help: "Chao-Shen KL of the random baseline (see KL tokens CS).",
        undersampled: kl_undersampled,
    },
    NumCol {
        name: "straddle",
        value: |r| r.straddle_fraction,
        decimals: 3,
        help: "share of characters whose bytes straddle a token boundary",
        undersampled: never,
    },
    NumCol {
        name: "free decode",
        value: |r| r.free_decode_window_rate,
        decimals: 3,
        help: "share of windows the side-information-free decoder recovers exactly",
        undersampled: never,
    },
    NumCol {
        name: "encode s",
        value: |r| Some(r.encode_seconds),
        decimals: 2,
        help: "seconds compressing",
        undersampled: never,
    },
    NumCol {
        name: "stats s",
        value: |r| Some(r.stats_seconds),
        decimals: 2,
        help: "seconds on the other statistics",
        undersampled: never,
    },
];

/// The text of a numeric cell and whether it is marked as undersampled: `–` where not
/// measured, the value with a trailing `*` where it comes from too few samples.
pub fn cell_text(col: &NumCol, row: &SummaryRow) -> (String, bool) {
    match (col.value)(row) {
        Some(v) => {
            let marked = (col.undersampled)(row);
            let text = format!("{v:.*}", col.decimals);
            if marked {
                (format!("{text}*"), true)
            } else {
                (text, false)
            }
        }
        None => ("–".into(), false),
    }
}

const FILE_W: f32 = 150.0;
const CONFIG_W: f32 = 190.0;
const NUM_W: f32 = 88.0;

/// The results' own state: the rows, their order, the plots and which one is shown.
#[derive(Debug, Clone)]
pub struct ResultsView {
    rows: Vec<SummaryRow>,
    order: Vec<usize>,
    /// Sort column and direction (true = ascending).
    pub sort: (Column, bool),
    /// Show the pooled `ALL` rows.
    pub show_pooled: bool,
    plots: Vec<(String, Plot)>,
    plot_sel: usize,
}

impl Default for ResultsView {
    fn default() -> Self {
        ResultsView {
            rows: Vec::new(),
            order: Vec::new(),
            sort: (Column::File, true),
            show_pooled: true,
            plots: Vec::new(),
            plot_sel: 0,
        }
    }
}

impl ResultsView {
    /// The rows and plots of a report.
    pub fn set_report(&mut self, report: &BatchReport) {
        self.rows = report.rows();
        self.plots = batch_plots(report);
        self.plot_sel = self.plot_sel.min(self.plots.len().saturating_sub(1));
        self.resort();
    }

    /// The rows of the table in display order (sorted; pooled rows included when shown).
    pub fn table_rows(&self) -> Vec<&SummaryRow> {
        self.order
            .iter()
            .filter_map(|&i| self.rows.get(i))
            .collect()
    }

    /// The plots to export: all of them, or the one shown.
    pub fn plots_to_export(&self, all: bool) -> Vec<(String, Plot)> {
        if all {
            self.plots.clone()
        } else {
            self.plots.get(self.plot_sel).cloned().into_iter().collect()
        }
    }

    fn resort(&mut self) {
        let (col, asc) = self.sort;
        let mut idx: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.show_pooled || self.rows[i].file != "ALL")
            .collect();
        let rows = &self.rows;
        idx.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a], &rows[b]);
            let o = match col {
                Column::File => short_name(&ra.file).cmp(&short_name(&rb.file)),
                Column::Config => ra.config.cmp(&rb.config),
                Column::Num(k) => {
                    let f = NUMERIC.get(k).map(|c| c.value);
                    let va = f.and_then(|f| f(ra)).unwrap_or(f64::NEG_INFINITY);
                    let vb = f.and_then(|f| f(rb)).unwrap_or(f64::NEG_INFINITY);
                    va.total_cmp(&vb)
                }
            };
            let o = if asc { o } else { o.reverse() };
            // Pooled rows last, then a stable order.
            o.then(a.cmp(&b))
        });
        // Pooled rows go after the per-file rows whatever the sort.
        idx.sort_by_key(|&i| rows[i].file == "ALL");
        self.order = idx;
    }

    /// Sorts by a column (a second click on the same column flips the direction).
    pub fn sort_by(&mut self, col: Column) {
        if self.sort.0 == col {
            self.sort.1 = !self.sort.1;
        } else {
            self.sort = (col, true);
        }
        self.resort();
    }
}

/// Draws the results (nothing to show before the first report).
pub fn results_ui(
    ui: &mut Ui,
    st: &mut ResultsView,
    has_report: bool,
    settings: &mut Settings,
    cmds: &mut Vec<Command>,
) {
    if !has_report {
        ui.label("Add files, choose configurations and press Run batch. Results appear here.");
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.strong("Results");
        if ui
            .checkbox(&mut st.show_pooled, "show pooled ALL rows")
            .changed()
        {
            st.resort();
        }
        ui.separator();
        let l = ui.label("Export folder");
        ui.add(egui::TextEdit::singleline(&mut settings.batch.export_dir).desired_width(180.0))
            .labelled_by(l.id);
        if ui.button("Choose…").clicked() {
            cmds.push(Command::OpenDialog(DialogKind::ExportFolder));
        }
        if ui.button("Export CSV").clicked() {
            cmds.push(Command::Batch(BatchCommand::ExportCsv));
        }
        if ui.button("Export JSON").clicked() {
            cmds.push(Command::Batch(BatchCommand::ExportJson));
        }
        if ui.button("Export all plots (PNG+SVG)").clicked() {
            cmds.push(Command::Batch(BatchCommand::ExportPlots { all: true }));
        }
    });
    table_ui(ui, st);
    ui.separator();
    plots_ui(ui, st, cmds);
}

fn table_ui(ui: &mut Ui, st: &mut ResultsView) {
    let mut clicked = None;
    let order = st.order.clone();
    let height = ((order.len() as f32 + 1.5) * (ROW_H + 4.0)).clamp(80.0, 320.0);
    egui::ScrollArea::horizontal()
        .id_salt("batch_table_h")
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    let mut header = |ui: &mut Ui, col: Column, name: &str, help: &str, w: f32| {
                        let arrow = if st.sort.0 == col {
                            if st.sort.1 {
                                " ⏶"
                            } else {
                                " ⏷"
                            }
                        } else {
                            ""
                        };
                        let r = ui.add_sized(
                            [w, ROW_H + 2.0],
                            egui::Button::new(RichText::new(format!("{name}{arrow}")).strong()),
                        );
                        if r.on_hover_text(format!("{help}\n\nClick to sort by {name}."))
                            .clicked()
                        {
                            clicked = Some(col);
                        }
                    };
                    header(ui, Column::File, "file", "the input", FILE_W);
                    header(
                        ui,
                        Column::Config,
                        "configuration",
                        "method and parameters",
                        CONFIG_W,
                    );
                    for (k, c) in NUMERIC.iter().enumerate() {
                        header(ui, Column::Num(k), c.name, c.help, NUM_W);
                    }
                });
                egui::ScrollArea::vertical()
                    .id_salt("batch_table_v")
                    .max_height(height)
                    .show_rows(ui, ROW_H, order.len(), |ui, range| {
                        for &i in &order[range] {
                            let Some(row) = st.rows.get(i) else { continue };
                            ui.horizontal(|ui| {
                                let pooled = row.file == "ALL";
                                let name = if pooled {
                                    "ALL (pooled)".to_string()
                                } else {
                                    short_name(&row.file)
                                };
                                let name = if pooled {
                                    RichText::new(name).strong()
                                } else {
                                    RichText::new(name)
                                };
                                fixed_cell(ui, FILE_W, name, false).on_hover_text(&row.file);
                                fixed_cell(ui, CONFIG_W, RichText::new(&row.config), false);
                                for c in NUMERIC {
                                    let (text, marked) = cell_text(c, row);
                                    let rich = if marked {
                                        RichText::new(text).weak().italics()
                                    } else {
                                        RichText::new(text)
                                    };
                                    let cell = fixed_cell(ui, NUM_W, rich, true);
                                    if marked {
                                        cell.on_hover_text(format!(
                                            "{}: * fewer tokens than token values (m < 2^n): \
                                             an estimate from too few samples, not a \
                                             measurement. {KL_HELP}",
                                            c.name
                                        ));
                                    } else {
                                        cell.on_hover_text(c.name);
                                    }
                                }
                            });
                        }
                    });
            });
        });
    if let Some(c) = clicked {
        st.sort_by(c);
    }
}

fn plots_ui(ui: &mut Ui, st: &mut ResultsView, cmds: &mut Vec<Command>) {
    if st.plots.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.strong("Plot:");
        for (i, (stem, _)) in st.plots.iter().enumerate() {
            if ui
                .add(egui::Button::selectable(st.plot_sel == i, plot_title(stem)))
                .clicked()
            {
                st.plot_sel = i;
            }
        }
        if ui.button("Export this plot (PNG+SVG)").clicked() {
            cmds.push(Command::Batch(BatchCommand::ExportPlots { all: false }));
        }
    });
    if let Some((stem, plot)) = st.plots.get(st.plot_sel) {
        plots::show_plot(ui, &format!("batch_plot_{stem}"), plot, 380.0);
        if matches!(stem.as_str(), "ratio" | "bits_per_byte") {
            ui.label(
                RichText::new(
                    "Marks: the paper's C4 compression ratios (Lester et al. 2024, \"Training LLMs \
                     over Neurally Compressed Text\", arXiv 2404.03626; SPEC §7), where the paper \
                     has the configuration; bits/byte = token bits / ratio.",
                )
                .weak(),
            );
        }
        if stem.starts_with("kl_") {
            ui.label(
                RichText::new(
                    "As the paper's Fig. 11: Miller–Madow corrected KL from uniform on a symlog \
                     axis (linear near 0, so GZip, StaticAC, AC and random stay apart and \
                     negative values show below 0); bands are 5–95% over partitions; n with \
                     fewer than 2^n samples are not measurements: drawn hollow at their \
                     Chao–Shen estimate, not joined to the line.",
                )
                .weak(),
            );
        }
    }
}

fn plot_title(stem: &str) -> &str {
    match stem {
        "ratio" => "Ratio",
        "bits_per_byte" => "Bits/byte",
        "bytes_per_window" => "Bytes/window",
        "kl_tokens" => "KL tokens (Fig. 11)",
        "kl_ngrams" => "KL n-grams (Fig. 11)",
        "rank_frequency" => "Rank-frequency",
        "stability" => "Stability (Fig. 8)",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> &'static NumCol {
        NUMERIC
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// A row of 2,048 16-bit tokens (fewer than 65,536 values) shows its Miller–Madow KL
    /// marked `*` (-31 is not a measurement), its Chao–Shen KL beside it, and the KL columns'
    /// tooltips explain the estimator and why it goes negative.
    #[test]
    fn undersampled_kl_cells_are_marked_and_explained() {
        let mut row = SummaryRow {
            kl_mm_tokens: Some(-31.25),
            kl_mm_random: Some(-18.5),
            kl_cs_tokens: Some(0.875),
            kl_cs_random: Some(0.25),
            kl_tokens_undersampled: Some(true),
            bytes_per_token: 2.5,
            ..Default::default()
        };
        assert_eq!(
            cell_text(col("KL tokens"), &row),
            ("-31.2500*".into(), true)
        );
        assert_eq!(
            cell_text(col("KL random"), &row),
            ("-18.5000*".into(), true)
        );
        assert_eq!(
            cell_text(col("KL tokens CS"), &row),
            ("0.8750*".into(), true)
        );
        assert_eq!(cell_text(col("bytes/token"), &row), ("2.500".into(), false));
        row.kl_tokens_undersampled = Some(false);
        assert_eq!(
            cell_text(col("KL tokens"), &row),
            ("-31.2500".into(), false)
        );
        row.kl_cs_random = None;
        assert_eq!(cell_text(col("KL random CS"), &row), ("–".into(), false));
        for name in ["KL tokens", "KL random"] {
            let help = col(name).help;
            assert!(help.contains("Miller-Madow"), "{name}");
        }
        assert!(KL_HELP.contains("below 0") && KL_HELP.contains("m < 2^n"));
    }
}
