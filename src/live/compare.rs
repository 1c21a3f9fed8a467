//! The Compare tab's rows: one encoding of the text per configuration, its windows, and its
//! tokens placed on the text's bytes by the library's one alignment
//! ([`crate::method::Alignment`]).
//!
//! ## Extension point
//! What the tab draws of a row is an [`AxisRow`]: a label and a list of [`Segment`]s, each a
//! range of bytes with what it is ([`SegmentLabel`]: a token, bits owned by no byte, or any
//! text). A row of another kind (a segmenter's patches, e.g. BLT entropy patches or SpaceByte
//! words) is one more `AxisRow` built from its byte ranges with [`AxisRow::from_ranges`]; the
//! tab draws, wraps and links it like the token rows.

use crate::method::{encode_recording, Alignment, Config, Encoded, MethodKind, RunOptions};
use crate::model::ByteModel;
use crate::segment::{SegmentInfo, SegmentOptions, SegmenterSpec};
use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// What a segment of a row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentLabel {
    /// A token (its index and id).
    Token {
        /// Index in the row's token stream.
        index: u32,
        /// Its id.
        id: u32,
    },
    /// Tokens made only of bits owned by no byte (GZip headers, tables, trailer); drawn as a
    /// marker before the segment's (empty) byte range.
    Overhead {
        /// The tokens.
        tokens: Range<u32>,
        /// What the bits are: an index into [`AxisRow::notes`].
        note: u32,
    },
    /// Anything else (a patch of a segmenter, ...), named in words.
    Text(String),
}

/// One piece of a row on the shared byte axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Its bytes (empty for a marker between bytes).
    pub bytes: Range<usize>,
    /// What it is.
    pub label: SegmentLabel,
}

/// A row of the shared byte axis: a label and its segments in byte order. Segments may
/// overlap (a byte whose bits straddle two tokens is in both); the tab draws neighbours on
/// alternating sub-rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AxisRow {
    /// The row's name.
    pub label: String,
    /// Its segments, ordered by their first byte.
    pub segments: Vec<Segment>,
    /// Texts the segments refer to ([`SegmentLabel::Overhead`]).
    pub notes: Vec<String>,
}

impl AxisRow {
    /// A row of plain byte ranges (a segmenter's patches), each named `"{kind} {i}"`.
    pub fn from_ranges(label: &str, kind: &str, ranges: &[Range<usize>]) -> AxisRow {
        AxisRow {
            label: label.to_owned(),
            segments: ranges
                .iter()
                .enumerate()
                .map(|(i, r)| Segment {
                    bytes: r.clone(),
                    label: SegmentLabel::Text(format!("{kind} {i}")),
                })
                .collect(),
            notes: Vec::new(),
        }
    }

    /// The row of an encoding's tokens: each token over the bytes of [`Alignment::bytes_of_token`];
    /// consecutive tokens without bytes become one overhead marker before the byte that follows
    /// their bits.
    pub fn from_tokens(label: &str, tokens: &[u32], align: &Alignment) -> AxisRow {
        let mut row = AxisRow {
            label: label.to_owned(),
            ..AxisRow::default()
        };
        let mut t = 0usize;
        while t < tokens.len() {
            let span = align.bytes_of_token(t);
            if !span.is_empty() {
                row.segments.push(Segment {
                    bytes: span,
                    label: SegmentLabel::Token {
                        index: t as u32,
                        id: tokens[t],
                    },
                });
                t += 1;
                continue;
            }
            // A run of tokens without bytes.
            let start = t;
            let mut notes: Vec<String> = Vec::new();
            let mut at: Option<usize> = None;
            while t < tokens.len() && align.bytes_of_token(t).is_empty() {
                for o in align.overhead_of_token(t) {
                    at.get_or_insert(o.before_byte);
                    if !notes.contains(&o.label) {
                        notes.push(o.label.clone());
                    }
                }
                t += 1;
            }
            if let Some(at) = at {
                row.notes.push(notes.join("; "));
                row.segments.push(Segment {
                    bytes: at..at,
                    label: SegmentLabel::Overhead {
                        tokens: start as u32..t as u32,
                        note: (row.notes.len() - 1) as u32,
                    },
                });
            }
        }
        row
    }

    /// A segment's description for a tooltip.
    pub fn describe(&self, seg: &Segment) -> String {
        match &seg.label {
            SegmentLabel::Token { index, id } => format!("token {index}: id {id}"),
            SegmentLabel::Overhead { tokens, note } => format!(
                "tokens {}..{} hold only bits owned by no byte: {}",
                tokens.start,
                tokens.end,
                self.notes.get(*note as usize).map_or("", String::as_str)
            ),
            SegmentLabel::Text(s) => s.clone(),
        }
    }
}

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
    /// The tokens on the byte axis.
    pub axis: AxisRow,
    /// Wall time.
    pub elapsed: Duration,
}

/// The alignment of an encoding, given the per-byte bits of an AC method when recorded.
fn alignment_of(enc: &Encoded, byte_bits: Option<Vec<Range<u64>>>) -> Option<Alignment> {
    match (enc.config.method, byte_bits) {
        (MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo, Some(bits)) => {
            Some(Alignment::new(
                bits,
                enc.windows
                    .iter()
                    .map(|w| (w.bytes.clone(), w.bit_start..w.bit_start + w.bit_len))
                    .collect(),
                enc.config.token_bits,
            ))
        }
        _ => enc.alignment(),
    }
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
    // The AC methods record every byte's bits (one range per byte, not a trace).
    let (enc, byte_bits) = encode_recording(text, config, model, &opts, text.len())?;
    let axis = match alignment_of(&enc, byte_bits) {
        Some(a) => AxisRow::from_tokens(&config.label(), &enc.tokens, &a),
        None => AxisRow {
            label: config.label(),
            ..AxisRow::default()
        },
    };
    Ok(CompareRow {
        config: config.clone(),
        windows: enc.windows.iter().map(|w| w.bytes.clone()).collect(),
        window_tokens: enc
            .windows
            .iter()
            .map(|w| {
                crate::method::tokens::tokens_covering(
                    w.bit_start..w.bit_start + w.bit_len,
                    config.token_bits,
                )
                .len()
            })
            .collect(),
        tokens: enc.tokens.len(),
        bytes_per_token: enc.bytes_per_token(),
        bits_per_byte: enc.bits_per_byte(),
        axis,
        elapsed: started.elapsed(),
    })
}

/// One segmenter row of the Compare tab: a segmentation of the text ([`crate::segment`]) with
/// each segment's information under M1, as a row of the shared byte axis.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmenterRow {
    /// The spec as the user typed it (the row's key: a result belongs to the row with this text).
    pub spec: String,
    /// The segmenter's full name ([`SegmenterSpec::label`], e.g. `SpaceByte`).
    pub name: String,
    /// The segments on the byte axis (the row labelled with the spec as typed, which is short), one [`SegmentLabel::Text`] each, in the order of
    /// [`SegmenterRow::segments`].
    pub axis: AxisRow,
    /// Per segment: its bytes, its information in context and coded alone, its mean entropy.
    pub segments: Vec<SegmentInfo>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Cuts `text` with the segmenter `spec` (the `-c` syntax of `eqinfo segments`, e.g. `space`,
/// `entropy:mode=topk`, `fixed:n=8`, `equal-info:b=16`) and measures every segment under
/// `model` ([`crate::segment::analyse`] with the default [`SegmentOptions`]). A bad spec is an
/// error in words.
pub fn segmenter_row(
    text: &[u8],
    spec: &str,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
) -> crate::Result<SegmenterRow> {
    let started = Instant::now();
    let parsed: SegmenterSpec = spec.parse()?;
    let run = RunOptions {
        trace: false,
        cancel: Some(cancel),
        progress: None,
    };
    let (_, mut analysed) = crate::segment::analyse(
        text,
        std::slice::from_ref(&parsed),
        model,
        &SegmentOptions::default(),
        &run,
    )?;
    let segments = analysed.pop().map(|a| a.segments).unwrap_or_default();
    let ranges: Vec<Range<usize>> = segments.iter().map(|s| s.range.clone()).collect();
    Ok(SegmenterRow {
        spec: spec.to_owned(),
        name: parsed.label(),
        axis: AxisRow::from_ranges(spec.trim(), "segment", &ranges),
        segments,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Uniform;

    /// Every method's row: tokens in order, their bytes those of the encoding's alignment, every
    /// byte under some token; GZip's header tokens a marker before byte 0.
    #[test]
    fn rows_place_every_token() {
        let text = b"abracadabra abracadabra, said the wizard; abracadabra!";
        for m in MethodKind::ALL {
            let cfg = Config {
                token_bits: 8,
                ..Config::new(m)
            };
            let cfg = if m == MethodKind::Subword {
                Config::new(m)
            } else {
                cfg
            };
            let row =
                compare_row(text, &cfg, &mut Uniform::default(), &AtomicBool::new(false)).unwrap();
            let traced = RunOptions {
                trace: true,
                ..RunOptions::default()
            };
            let enc = crate::method::encode(text, &cfg, &mut Uniform::default(), &traced).unwrap();
            let align = enc.alignment().unwrap();
            let mut covered = vec![false; text.len()];
            let mut tokens_seen = 0;
            for s in &row.axis.segments {
                match &s.label {
                    SegmentLabel::Token { index, id } => {
                        assert_eq!(*index as usize, tokens_seen, "{m:?}");
                        assert_eq!(*id, enc.tokens[*index as usize]);
                        assert_eq!(s.bytes, align.bytes_of_token(*index as usize), "{m:?}");
                        tokens_seen += 1;
                    }
                    SegmentLabel::Overhead { tokens, .. } => {
                        assert_eq!(m, MethodKind::Gzip);
                        assert_eq!(tokens.start as usize, tokens_seen);
                        tokens_seen = tokens.end as usize;
                    }
                    SegmentLabel::Text(_) => unreachable!(),
                }
                covered[s.bytes.clone()].fill(true);
            }
            assert_eq!(tokens_seen, enc.tokens.len(), "{m:?}");
            // A byte is under no token only when coding it emitted no bit (AC methods).
            let bits = crate::method::trace::byte_bit_ranges(&enc);
            for (i, &c) in covered.iter().enumerate() {
                let no_bits = bits.as_ref().is_some_and(|b| b[i].is_empty());
                assert!(c || no_bits, "{m:?} byte {i}");
            }
            if m == MethodKind::Gzip {
                let first = &row.axis.segments[0];
                assert_eq!(first.bytes, 0..0);
                assert!(row.axis.describe(first).contains("zlib header"));
            }
        }
    }

    /// A segmenter row: SpaceByte's cuts of a hand-checked text, one axis segment per segment
    /// over the same bytes; the information in context sums to AC's ideal code length (the
    /// per-byte sum under the uniform model: 8 bits a byte); a bad spec is an error.
    #[test]
    fn segmenter_rows_cut_and_measure() {
        let text = b"Hello, world  x";
        let row = segmenter_row(
            text,
            "space",
            &mut Uniform::default(),
            &AtomicBool::new(false),
        )
        .unwrap();
        // By hand: a byte starts a segment when the byte before it is spacelike and the one
        // before that is not: 6 (after "o,"), 13 (after "d "); so "Hello," " world " " x".
        let want = [0..6, 6..13, 13..15];
        let got: Vec<_> = row.segments.iter().map(|s| s.range.clone()).collect();
        assert_eq!(got, want);
        let axis: Vec<_> = row.axis.segments.iter().map(|s| s.bytes.clone()).collect();
        assert_eq!(axis, want);
        assert_eq!(row.name, "SpaceByte");
        assert_eq!(row.axis.label, "space");
        for s in &row.segments {
            assert!((s.bits - 8.0 * s.range.len() as f64).abs() < 0.05, "{s:?}");
        }
        let bad = segmenter_row(
            text,
            "fixed:n=zero",
            &mut Uniform::default(),
            &AtomicBool::new(false),
        );
        assert!(bad.is_err());
    }
}
