//! The Compare tab's rows: one encoding of the text per configuration, its windows and their
//! token counts.

use crate::method::{encode, tokens, Config, RunOptions};
use crate::model::ByteModel;
use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// One row of the Compare tab.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareRow {
    /// The configuration.
    pub config: Config,
    /// Window byte ranges.
    pub windows: Vec<Range<usize>>,
    /// Tokens per window (tokens whose bits meet the window).
    pub window_tokens: Vec<usize>,
    /// Total tokens.
    pub tokens: usize,
    /// Bytes per token.
    pub bytes_per_token: f64,
    /// Token bits per byte.
    pub bits_per_byte: f64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Encodes `text` with `config` for the Compare tab.
pub fn compare_row(
    text: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
) -> crate::Result<CompareRow> {
    let started = Instant::now();
    let opts = RunOptions {
        trace: false,
        cancel: Some(cancel),
        progress: None,
    };
    let enc = encode(text, config, model, &opts)?;
    Ok(CompareRow {
        config: config.clone(),
        windows: enc.windows.iter().map(|w| w.bytes.clone()).collect(),
        window_tokens: enc
            .windows
            .iter()
            .map(|w| {
                tokens::tokens_covering(w.bit_start..w.bit_start + w.bit_len, config.token_bits)
                    .len()
            })
            .collect(),
        tokens: enc.tokens.len(),
        bytes_per_token: enc.bytes_per_token(),
        bits_per_byte: enc.bits_per_byte(),
        elapsed: started.elapsed(),
    })
}
