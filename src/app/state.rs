//! Every persisted setting of the app, in one place: [`Settings`] with the Batch tab's
//! [`BatchSettings`] and the probe's [`ProbeSettings`] inside it (`#[serde(default)]` throughout,
//! stored by eframe between runs). Runtime state (tasks, results, fields being typed) lives with
//! the panels and is never persisted. This file imports nothing else of the app.

use crate::method::{Config, MethodKind};
use crate::model::open::ModelSpec;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The eframe storage key of [`Settings`].
pub const SETTINGS_KEY: &str = "eqinfo_settings";

/// Largest text (bytes) kept in the persisted settings.
pub const MAX_PERSISTED_TEXT: usize = 64 * 1024;

/// How byte cells are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColourScale {
    /// By the model's probability of the byte.
    Probability,
    /// By the byte's surprisal, −log2 p.
    Surprisal,
    /// By the entropy of the model's distribution the byte was predicted from (bits), the
    /// quantity BLT's entropy patches threshold.
    Entropy,
}

/// How token ids are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenFormat {
    /// Decimal ids.
    Decimal,
    /// Hexadecimal ids.
    Hex,
    /// The token's bits.
    Bits,
}

/// The tabs of the central area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// The live explorer.
    Live,
    /// Several configurations side by side.
    Compare,
    /// Many files × configurations: statistics, plots, export, the M2 probe.
    Batch,
}

/// Everything the user sets that survives a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The configuration of the live view.
    pub config: Config,
    /// Colour scale of the byte cells.
    pub colour_scale: ColourScale,
    /// How token ids are written.
    pub token_format: TokenFormat,
    /// Show whitespace and control characters as visible glyphs.
    pub show_whitespace: bool,
    /// Dark theme.
    pub dark: bool,
    /// The model directory or file last opened (None: the default model).
    pub model_path: Option<String>,
    /// The rows of the Compare tab.
    pub compare_rows: Vec<Config>,
    /// The Compare tab's segmenter rows, each a spec in the `-c` syntax of `eqinfo segments`
    /// (`space`, `entropy:mode=topk`, `fixed:n=8`, ...), kept as typed. Missing in settings
    /// saved before segmenter rows existed: none.
    #[serde(default)]
    pub compare_segmenters: Vec<String>,
    /// The open tab.
    pub tab: Tab,
    /// The text last edited (only when it is valid UTF-8 and not too long).
    pub text: Option<String>,
    /// Interval view: seconds per step while playing.
    pub play_step_s: f32,
    /// Where the model runs: `cpu`, `cuda:0`, `metal:0`.
    pub device: String,
    /// CPU threads stepping M1's lanes (0 = every core), for the Live and Compare tabs' worker
    /// and the Batch tab's runs; results are bit-identical for any count.
    pub threads: usize,
    /// The Batch tab's settings.
    pub batch: BatchSettings,
    /// Which of the Live tab's panels are open.
    pub live_panels: LivePanels,
}

/// Which of the Live tab's panels are open (their sizes are egui's, remembered with its
/// memory). Closed by default: the entropy track, so that the byte view gets most of the
/// height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LivePanels {
    /// The entropy track.
    pub entropy: bool,
    /// The interval view (with its exact-values table).
    pub interval: bool,
}

impl Default for LivePanels {
    fn default() -> Self {
        LivePanels {
            entropy: false,
            interval: true,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            config: Config::default(),
            colour_scale: ColourScale::Surprisal,
            token_format: TokenFormat::Decimal,
            show_whitespace: true,
            dark: true,
            model_path: None,
            compare_rows: default_compare_rows(),
            compare_segmenters: Vec::new(),
            tab: Tab::Live,
            text: None,
            play_step_s: 0.6,
            device: "cpu".into(),
            threads: 0,
            batch: Default::default(),
            live_panels: LivePanels::default(),
        }
    }
}

/// The Compare tab's default rows: EqualInfoAC b = 16, 32, 64, 128 with 16-bit tokens, AC,
/// StaticAC, GZip and Bytes (16-bit tokens), and Subword (its own 15-bit ids): every method.
pub fn default_compare_rows() -> Vec<Config> {
    let mut rows: Vec<Config> = [16, 32, 64, 128]
        .into_iter()
        .map(|b| Config::equal_info(b, 16))
        .collect();
    for m in [
        MethodKind::Ac,
        MethodKind::StaticAc,
        MethodKind::Gzip,
        MethodKind::Bytes,
    ] {
        rows.push(Config {
            token_bits: 16,
            ..Config::new(m)
        });
    }
    rows.push(Config::new(MethodKind::Subword));
    rows
}

/// Short human name of a method.
pub fn method_name(m: MethodKind) -> &'static str {
    match m {
        MethodKind::Bytes => "Bytes",
        MethodKind::Gzip => "GZip",
        MethodKind::StaticAc => "StaticAC",
        MethodKind::Ac => "AC",
        MethodKind::EqualInfo => "EqualInfoAC",
        MethodKind::Subword => "Subword",
    }
}

/// Window sizes b offered as columns of the configuration matrix (the paper's).
pub const WINDOW_SIZES: [u32; 4] = [16, 32, 64, 128];

/// Which byte model drives AC and EqualInfo in the batch (and the probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchModel {
    /// The model the app uses (reopened from its path, or the sample M1).
    App,
    /// The uniform byte model.
    Uniform,
    /// A unigram fitted on the inputs (batch) or the training text (probe).
    Unigram,
    /// A model from the path in [`BatchSettings::model_path`].
    Path,
}

/// The Batch tab's persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchSettings {
    /// Checked cells of the matrix: (method, b) with b = 0 for methods without windows.
    pub cells: Vec<(MethodKind, u32)>,
    /// Token sizes in bits (each checked size multiplies the configurations).
    pub token_bits: Vec<u32>,
    /// Further configurations, added as text (`equal-info:b=24:delay`, see `Config`'s `FromStr`).
    pub extra: Vec<Config>,
    /// The byte model.
    pub model: BatchModel,
    /// The model's path when `model` is [`BatchModel::Path`].
    pub model_path: String,
    /// Common words for the prefix-edit stability experiment (Fig. 8); 0 skips it.
    pub prefix_words: usize,
    /// Compute the KL curves (Fig. 11).
    pub kl: bool,
    /// Side-information-free decoding (EqualInfo, reset every window).
    pub free_decode: bool,
    /// Folder exports are written to.
    pub export_dir: String,
    /// The probe section.
    pub probe: ProbeSettings,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            cells: vec![
                (MethodKind::EqualInfo, 16),
                (MethodKind::EqualInfo, 64),
                (MethodKind::Ac, 0),
                (MethodKind::Gzip, 0),
            ],
            token_bits: vec![8],
            extra: Vec::new(),
            model: BatchModel::App,
            model_path: String::new(),
            prefix_words: 500,
            kl: true,
            free_decode: true,
            export_dir: default_export_dir(),
            probe: ProbeSettings::default(),
        }
    }
}

fn default_export_dir() -> String {
    "eqinfo_export".into()
}

impl BatchSettings {
    /// The configurations of the matrix (token sizes × checked cells, in display order), then the
    /// extra ones, without duplicates.
    pub fn configs(&self) -> Vec<Config> {
        let mut bits = self.token_bits.clone();
        bits.sort_unstable();
        bits.dedup();
        let mut out: Vec<Config> = Vec::new();
        for &tb in &bits {
            for m in MethodKind::ALL {
                if m == MethodKind::EqualInfo {
                    for b in WINDOW_SIZES {
                        if self.cells.contains(&(m, b)) {
                            out.push(Config::equal_info(b, tb));
                        }
                    }
                } else if self.cells.contains(&(m, 0)) {
                    let base = Config::new(m);
                    // A method with its own token size (a fixed tokenizer) keeps it.
                    if base.token_bits != Config::default().token_bits {
                        out.push(base);
                    } else {
                        out.push(Config {
                            token_bits: tb,
                            ..base
                        });
                    }
                }
            }
        }
        for c in &self.extra {
            out.push(c.clone());
        }
        let mut unique: Vec<Config> = Vec::with_capacity(out.len());
        for c in out {
            if !unique.contains(&c) {
                unique.push(c);
            }
        }
        unique
    }
}

/// The probe section's persisted settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbeSettings {
    /// Preset name (see [`GUI_PRESETS`]).
    pub preset: String,
    /// Training text.
    pub train_path: String,
    /// Held-out text.
    pub heldout_path: String,
    /// The chosen configurations, in order.
    pub configs: Vec<Config>,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            preset: "quick".into(),
            train_path: String::new(),
            heldout_path: String::new(),
            configs: crate::probe::default_configs(),
        }
    }
}

impl BatchModel {
    /// Every choice, in menu order.
    pub const ALL: [BatchModel; 4] = [
        BatchModel::App,
        BatchModel::Uniform,
        BatchModel::Unigram,
        BatchModel::Path,
    ];

    /// Its name in the UI.
    pub fn name(self) -> &'static str {
        match self {
            BatchModel::App => "the app's model",
            BatchModel::Uniform => "uniform",
            BatchModel::Unigram => "unigram (fitted on the inputs)",
            BatchModel::Path => "from a path…",
        }
    }
}

impl BatchSettings {
    /// The model these settings choose, given the app's model path: the one answer to "which
    /// model?" for the batch and the probe. Errors (in words) for an empty path.
    pub fn model_spec(&self, app_model: Option<&str>) -> Result<ModelSpec, String> {
        Ok(match self.model {
            BatchModel::App => ModelSpec::from_path(app_model.map(Path::new)),
            BatchModel::Uniform => ModelSpec::Uniform,
            BatchModel::Unigram => ModelSpec::UnigramFitted,
            BatchModel::Path => match self.model_path.trim() {
                "" => return Err("no model path given".into()),
                p => ModelSpec::parse(Some(p)),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings saved before the segmenter rows existed (no `compare_segmenters` key) still
    /// load, with no segmenter rows and everything else as saved; and the rows survive a round
    /// trip.
    #[test]
    fn old_settings_load_and_segmenter_rows_persist() {
        let mut old = serde_json::to_value(Settings {
            dark: false,
            ..Settings::default()
        })
        .unwrap();
        old.as_object_mut().unwrap().remove("compare_segmenters");
        let loaded: Settings = serde_json::from_value(old).unwrap();
        assert!(loaded.compare_segmenters.is_empty());
        assert!(!loaded.dark);
        let with = Settings {
            compare_segmenters: vec!["space".into(), "entropy:mode=topk".into()],
            ..Settings::default()
        };
        let back: Settings = serde_json::from_str(&serde_json::to_string(&with).unwrap()).unwrap();
        assert_eq!(back, with);
    }
}
