//! The Live view's export: the bytes, windows and tokens of an [`Analysis`] with their spans in
//! both directions (a byte's window and tokens, a token's bytes, a window's bytes, bits and
//! tokens), from the one alignment ([`crate::method::Alignment`]). Written as one JSON document
//! and three CSV tables.

use super::Analysis;
use crate::error::{Error, Result};
use crate::method::trace::BitOrder;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One byte of the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByteRow {
    /// Its index.
    pub byte: usize,
    /// Its value.
    pub value: u8,
    /// Its window.
    pub window: usize,
    /// The model's probability of it (AC methods).
    pub prob: Option<f32>,
    /// −log2 prob.
    pub surprisal_bits: Option<f64>,
    /// Its rank among the model's predictions (0 = most probable).
    pub rank: Option<u16>,
    /// The bits it owns: first (in `bit_order`; None when the method has no per-byte bits).
    pub bit_start: Option<u64>,
    /// The bits it owns: end.
    pub bit_end: Option<u64>,
    /// `stream` (token-stream positions) or `deflate` (GZip: DEFLATE bit positions from the
    /// window's start bit, i.e. stream bit `start + (k ^ 7)`).
    pub bit_order: &'static str,
    /// The tokens holding its bits: first.
    pub token_first: usize,
    /// The tokens holding its bits: end (exclusive; equal to `token_first` for none).
    pub token_end: usize,
}

/// One window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowRow {
    /// Its index.
    pub window: usize,
    /// Its example.
    pub example: usize,
    /// Its bytes: first.
    pub byte_start: usize,
    /// Its bytes: end.
    pub byte_end: usize,
    /// Its first bit in the token stream.
    pub bit_start: u64,
    /// Its bits (code and padding).
    pub bit_len: u64,
    /// Bits of real code.
    pub code_bits: u64,
    /// Tokens whose bits meet it: first.
    pub token_first: usize,
    /// Tokens whose bits meet it: end.
    pub token_end: usize,
    /// Whether the side-information-free decoder recovers it (None: not applicable or not
    /// checked yet).
    pub free_decode_ok: Option<bool>,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRow {
    /// Its index.
    pub token: usize,
    /// Its id.
    pub id: u32,
    /// Its bits, most significant first.
    pub bits: String,
    /// Its bytes: first (`byte_start == byte_end`: none).
    pub byte_start: usize,
    /// Its bytes: end.
    pub byte_end: usize,
    /// Its bytes as text (invalid UTF-8 replaced).
    pub text: String,
    /// What else its bits are (GZip: headers, Huffman tables, trailer), `; `-separated.
    pub overhead: String,
}

/// Everything exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveExport {
    /// The configuration's name.
    pub config: String,
    /// The configuration as `-c` syntax.
    pub spec: String,
    /// Token size in bits.
    pub token_bits: u32,
    /// The bytes.
    pub bytes: Vec<ByteRow>,
    /// The windows.
    pub windows: Vec<WindowRow>,
    /// The tokens.
    pub tokens: Vec<TokenRow>,
}

/// The export of an analysis.
pub fn export(a: &Analysis) -> LiveExport {
    let al = &a.alignment;
    let order = match al.order() {
        BitOrder::Stream => "stream",
        BitOrder::Deflate => "deflate",
    };
    let bytes = (0..a.len())
        .map(|i| {
            let info = a.byte(i);
            let bits = al.bits_of_byte(i);
            let toks = a.tokens_of_bytes(i..i + 1);
            ByteRow {
                byte: i,
                value: a.text[i],
                window: a.window_of(i).unwrap_or(0),
                prob: info.as_ref().map(|x| x.trace.prob),
                surprisal_bits: info.as_ref().map(|x| -(x.trace.prob as f64).log2()),
                rank: info.as_ref().map(|x| x.trace.rank),
                bit_start: bits.as_ref().map(|b| b.start),
                bit_end: bits.as_ref().map(|b| b.end),
                bit_order: order,
                token_first: toks.start,
                token_end: toks.end,
            }
        })
        .collect();
    let windows = a
        .windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let toks = a.tokens_of_window(w);
            WindowRow {
                window: w,
                example: win.example,
                byte_start: win.bytes.start,
                byte_end: win.bytes.end,
                bit_start: win.bit_start,
                bit_len: win.rec.bits.len(),
                code_bits: win.rec.code_bits,
                token_first: toks.start,
                token_end: toks.end,
                free_decode_ok: win.rec.free_ok,
            }
        })
        .collect();
    let tb = a.token_bits();
    let tokens = a
        .tokens
        .iter()
        .enumerate()
        .map(|(t, &id)| {
            let span = a.bytes_of_token(t);
            let overhead: Vec<&str> = al
                .overhead_of_token(t)
                .into_iter()
                .map(|o| o.label.as_str())
                .collect();
            TokenRow {
                token: t,
                id,
                bits: super::bit_range_string(
                    &a.bits,
                    crate::method::tokens::token_bit_range(t, tb),
                ),
                byte_start: span.start,
                byte_end: span.end,
                text: String::from_utf8_lossy(a.text.get(span).unwrap_or(&[])).into_owned(),
                overhead: overhead.join("; "),
            }
        })
        .collect();
    LiveExport {
        config: a.config.label(),
        spec: a.config.spec(),
        token_bits: tb,
        bytes,
        windows,
        tokens,
    }
}

/// The files [`write_files`] writes for `path`: `STEM.json`, `STEM_bytes.csv`,
/// `STEM_windows.csv`, `STEM_tokens.csv` beside it (any extension of `path` is dropped).
pub fn export_paths(path: &Path) -> [PathBuf; 4] {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "analysis".into());
    let dir = path.parent().unwrap_or(Path::new(""));
    [
        dir.join(format!("{stem}.json")),
        dir.join(format!("{stem}_bytes.csv")),
        dir.join(format!("{stem}_windows.csv")),
        dir.join(format!("{stem}_tokens.csv")),
    ]
}

fn csv_of<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::BadParams(format!("CSV: {e}")))?;
    }
    w.into_inner()
        .map_err(|e| Error::BadParams(format!("CSV: {e}")))
}

/// Writes the export of `a` as JSON and three CSV tables ([`export_paths`]); returns the paths.
pub fn write_files(a: &Analysis, path: &Path) -> Result<Vec<PathBuf>> {
    let e = export(a);
    let paths = export_paths(path);
    let contents = [
        serde_json::to_vec_pretty(&e)?,
        csv_of(&e.bytes)?,
        csv_of(&e.windows)?,
        csv_of(&e.tokens)?,
    ];
    for (p, c) in paths.iter().zip(contents) {
        std::fs::write(p, c).map_err(|err| Error::io(p, err))?;
    }
    Ok(paths.to_vec())
}
