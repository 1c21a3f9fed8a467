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

/// Numeric columns: header, value, decimals.
pub const NUMERIC: &[(&str, NumFn, usize)] = &[
    ("bytes", |r| Some(r.input_bytes as f64), 0),
    ("tokens", |r| Some(r.tokens as f64), 0),
    ("bytes/token", |r| Some(r.bytes_per_token), 3),
    ("bits/byte", |r| Some(r.bits_per_byte), 3),
    ("windows", |r| Some(r.windows as f64), 0),
    ("bytes/window", |r| Some(r.mean_bytes_per_window), 2),
    (
        "pad bits/window",
        |r| Some(r.mean_padding_bits_per_window),
        2,
    ),
    ("uniform b/B", |r| Some(r.uniform_bits_per_byte), 3),
    ("unigram b/B", |r| Some(r.unigram_heldout_bits_per_byte), 3),
    ("KL tokens", |r| r.kl_mm_tokens, 4),
    ("KL random", |r| r.kl_mm_random, 4),
    ("straddle", |r| r.straddle_fraction, 3),
    ("free decode", |r| r.free_decode_window_rate, 3),
    ("encode s", |r| Some(r.encode_seconds), 2),
    ("stats s", |r| Some(r.stats_seconds), 2),
];

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
                    let f = NUMERIC.get(k).map(|c| c.1);
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
                    let mut header = |ui: &mut Ui, col: Column, name: &str, w: f32| {
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
                        if r.on_hover_text(format!("Sort by {name}")).clicked() {
                            clicked = Some(col);
                        }
                    };
                    header(ui, Column::File, "file", FILE_W);
                    header(ui, Column::Config, "configuration", CONFIG_W);
                    for (k, c) in NUMERIC.iter().enumerate() {
                        header(ui, Column::Num(k), c.0, NUM_W);
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
                                    let text = match (c.1)(row) {
                                        Some(v) => format!("{v:.*}", c.2),
                                        None => "–".into(),
                                    };
                                    fixed_cell(ui, NUM_W, RichText::new(text), true)
                                        .on_hover_text(c.0);
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
                    "As the paper's Fig. 11: Miller–Madow corrected KL from uniform; bands are \
                     5–95% over partitions; n with fewer than 2^n samples are omitted.",
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
