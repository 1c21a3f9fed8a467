//! The Compare tab: the same text under several configurations, one row each, with bytes/token,
//! bits/byte and token count, and every row's windows drawn on one shared byte axis so that the
//! boundaries line up with the text. Rows can be added, removed and edited.

use crate::app::state::{default_compare_rows, method_name};
use crate::app::theme;
use crate::live::CompareRow;
use crate::method::{Config, MethodKind};
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, StrokeKind, Ui, Vec2};

/// Width of one byte on the shared axis.
const BYTE_W: f32 = 10.0;
const ROW_H: f32 = 22.0;
const LABEL_W: f32 = 36.0;

/// The tab's UI state.
#[derive(Debug, Clone, Default)]
pub struct CompareState {
    /// The row being edited.
    pub editing: Option<usize>,
}

/// Draws the tab; returns true when the rows changed.
pub fn compare_ui(
    ui: &mut Ui,
    st: &mut CompareState,
    rows: &mut Vec<Config>,
    results: &[Result<CompareRow, String>],
    text: &[u8],
    busy: bool,
    dark: bool,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        ui.heading("Compare");
        if busy {
            ui.spinner();
            ui.label("analysing…");
        }
        if ui.button("Add row").clicked() {
            let next = rows.last().cloned().unwrap_or_default();
            rows.push(next);
            st.editing = Some(rows.len() - 1);
            changed = true;
        }
        if ui.button("Default rows").clicked() {
            *rows = default_compare_rows();
            st.editing = None;
            changed = true;
        }
        ui.label(format!("{} bytes of text", text.len()));
    });
    let mut remove = None;
    egui::Grid::new("compare_table")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for h in [
                "#",
                "configuration",
                "windows",
                "tokens",
                "bytes/token",
                "bits/byte",
                "",
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for (i, cfg) in rows.iter().enumerate() {
                ui.label(format!("{}", i + 1));
                ui.label(cfg.label());
                match results.get(i) {
                    Some(Ok(r)) if r.config == *cfg => {
                        ui.label(r.windows.len().to_string());
                        ui.label(r.tokens.to_string());
                        ui.label(format!("{:.2}", r.bytes_per_token));
                        ui.label(format!("{:.3}", r.bits_per_byte));
                    }
                    Some(Err(e)) => {
                        ui.colored_label(theme::FLAG, "error");
                        ui.colored_label(theme::FLAG, e);
                        ui.label("");
                        ui.label("");
                    }
                    _ => {
                        for _ in 0..4 {
                            ui.label("…");
                        }
                    }
                }
                ui.horizontal(|ui| {
                    let editing = st.editing == Some(i);
                    if ui
                        .selectable_label(editing, format!("Edit {}", i + 1))
                        .clicked()
                    {
                        st.editing = if editing { None } else { Some(i) };
                    }
                    if ui.button(format!("Remove {}", i + 1)).clicked() {
                        remove = Some(i);
                    }
                });
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        rows.remove(i);
        st.editing = None;
        changed = true;
    }
    if let Some(i) = st.editing {
        if let Some(cfg) = rows.get_mut(i) {
            ui.separator();
            ui.label(format!("Row {}:", i + 1));
            changed |= config_editor_ui(ui, cfg, &format!("compare_row_{i}"));
        }
    }
    ui.separator();
    strips_ui(ui, rows, results, text, dark);
    changed
}

/// Widgets editing a configuration's method, b, token bits and Delay; true when it changed.
pub fn config_editor_ui(ui: &mut Ui, cfg: &mut Config, id: &str) -> bool {
    let before = cfg.clone();
    ui.horizontal_wrapped(|ui| {
        egui::ComboBox::new(id, "method")
            .selected_text(method_name(cfg.method))
            .show_ui(ui, |ui| {
                for m in MethodKind::ALL {
                    ui.selectable_value(&mut cfg.method, m, method_name(m));
                }
            });
        if cfg.method == MethodKind::EqualInfo {
            ui.add(egui::Slider::new(&mut cfg.window_bits, 8..=256).text("window bits b"));
            ui.checkbox(&mut cfg.delay, "Delay");
        }
        ui.add(egui::Slider::new(&mut cfg.token_bits, 1..=16).text("token bits"));
    });
    *cfg != before
}

/// The shared byte axis: the text on top, one strip of windows per row.
fn strips_ui(
    ui: &mut Ui,
    rows: &[Config],
    results: &[Result<CompareRow, String>],
    text: &[u8],
    dark: bool,
) {
    let glyphs = theme::glyphs(text, true);
    let total_w = LABEL_W + text.len() as f32 * BYTE_W + 8.0;
    let total_h = ROW_H * (rows.len() as f32 + 1.0) + 4.0;
    egui::ScrollArea::horizontal()
        .id_salt("compare_strips")
        .auto_shrink([false, true])
        .show_viewport(ui, |ui, viewport| {
            let (resp, painter) = ui.allocate_painter(Vec2::new(total_w, total_h), Sense::hover());
            let origin = resp.rect.min;
            let first = (((viewport.min.x - LABEL_W) / BYTE_W).floor().max(0.0)) as usize;
            let last =
                ((((viewport.max.x - LABEL_W) / BYTE_W).ceil()).max(0.0) as usize).min(text.len());
            let x_of = |b: usize| origin.x + LABEL_W + b as f32 * BYTE_W;
            let text_col = ui.visuals().text_color();
            // Text row.
            for g in &glyphs {
                if g.bytes.end <= first || g.bytes.start >= last {
                    continue;
                }
                let r = Rect::from_min_max(
                    Pos2::new(x_of(g.bytes.start), origin.y),
                    Pos2::new(x_of(g.bytes.end), origin.y + ROW_H),
                );
                let font = if g.invalid {
                    FontId::monospace(7.0)
                } else {
                    FontId::monospace(11.0)
                };
                painter.text(r.center(), Align2::CENTER_CENTER, &g.text, font, text_col);
            }
            for (i, cfg) in rows.iter().enumerate() {
                let y = origin.y + ROW_H * (i as f32 + 1.0);
                painter.text(
                    Pos2::new(viewport.min.x + origin.x + 2.0, y + ROW_H / 2.0),
                    Align2::LEFT_CENTER,
                    format!("#{}", i + 1),
                    FontId::proportional(11.0),
                    text_col,
                );
                let Some(Ok(r)) = results.get(i) else {
                    continue;
                };
                if r.config != *cfg {
                    continue;
                }
                let w0 = r.windows.partition_point(|w| w.end <= first);
                for (k, w) in r.windows.iter().enumerate().skip(w0) {
                    if w.start >= last {
                        break;
                    }
                    let rect = Rect::from_min_max(
                        Pos2::new(x_of(w.start), y + 2.0),
                        Pos2::new(x_of(w.end).max(x_of(w.start) + 1.0), y + ROW_H - 2.0),
                    );
                    let tint = theme::window_tint(k, dark);
                    painter.rect_filled(rect, 2.0, tint);
                    painter.rect_stroke(
                        rect,
                        2.0,
                        Stroke::new(0.5, Color32::from_gray(30)),
                        StrokeKind::Inside,
                    );
                    let n = r.window_tokens.get(k).copied().unwrap_or(0);
                    let label = format!("{n}t");
                    if rect.width() >= 18.0 {
                        painter.text(
                            rect.center(),
                            Align2::CENTER_CENTER,
                            label,
                            FontId::monospace(9.0),
                            theme::text_on(tint),
                        );
                    }
                }
            }
        });
}
