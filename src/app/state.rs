//! The app's persisted settings (`#[serde(default)]`, stored by eframe between runs), kept apart
//! from runtime state, which is never persisted.

use crate::method::{Config, MethodKind};
use serde::{Deserialize, Serialize};

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
    /// The open tab.
    pub tab: Tab,
    /// The text last edited (only when it is valid UTF-8 and not too long).
    pub text: Option<String>,
    /// Interval view: seconds per step while playing.
    pub play_step_s: f32,
    /// Where the model runs: `cpu`, `cuda:0`, `metal:0`.
    pub device: String,
    /// The Batch tab's settings.
    pub batch: super::batch_tab::BatchSettings,
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
            tab: Tab::Live,
            text: None,
            play_step_s: 0.6,
            device: "cpu".into(),
            batch: Default::default(),
        }
    }
}

/// The Compare tab's default rows: EqualInfoAC b = 16, 32, 64, 128 with 16-bit tokens, AC,
/// StaticAC and GZip (16-bit tokens throughout).
pub fn default_compare_rows() -> Vec<Config> {
    let mut rows: Vec<Config> = [16, 32, 64, 128]
        .into_iter()
        .map(|b| Config::equal_info(b, 16))
        .collect();
    for m in [MethodKind::Ac, MethodKind::StaticAc, MethodKind::Gzip] {
        rows.push(Config {
            token_bits: 16,
            ..Config::new(m)
        });
    }
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
