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
    /// Byte ranges whose token indices are counted from the range's first byte, not from the
    /// row's (a row coded in pieces: an index is known once every byte before it is coded).
    pub provisional: Vec<Range<usize>>,
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
            provisional: Vec::new(),
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
            SegmentLabel::Token { index, id } => match self
                .provisional
                .iter()
                .find(|r| r.contains(&seg.bytes.start))
            {
                Some(r) => format!(
                    "token {index} counted from byte {} (its index in the row is known once \
                     the bytes before are coded): id {id}",
                    r.start
                ),
                None => format!("token {index}: id {id}"),
            },
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
    compare_row_progress(text, config, model, cancel, None)
}

/// [`compare_row`], reporting (bytes coded, bytes in all) to `progress` as it goes.
pub fn compare_row_progress(
    text: &[u8],
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> crate::Result<CompareRow> {
    let started = Instant::now();
    let opts = RunOptions {
        trace: false,
        cancel: Some(cancel),
        progress,
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

/// input bytes / tokens (0 without tokens), as [`Encoded::bytes_per_token`].
fn bytes_per_token(len: usize, tokens: usize) -> f64 {
    if tokens == 0 {
        return 0.0;
    }
    len as f64 / tokens as f64
}

/// tokens × token bits / input bytes (0 without input), as [`Encoded::bits_per_byte`].
fn bits_per_byte(len: usize, tokens: usize, token_bits: u32) -> f64 {
    if len == 0 {
        return 0.0;
    }
    (tokens as u64 * token_bits as u64) as f64 / len as f64
}

/// True when a row of `config` can be coded in pieces of whole examples ([`row_piece`]): AC and
/// EqualInfoAC code every example alone (the model starts afresh at its first byte, its bits
/// are padded to whole tokens), so a stretch of examples coded alone is exactly that stretch
/// of the whole row, its tokens numbered after those of the examples before it.
pub fn codes_in_pieces(config: &Config) -> bool {
    config.example_bytes > 0 && matches!(config.method, MethodKind::Ac | MethodKind::EqualInfo)
}

/// A stretch of whole examples of a Compare row, coded alone ([`row_piece`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RowPiece {
    /// Its bytes (from an example's first byte to an example's end).
    pub bytes: Range<usize>,
    /// Its windows' bytes (bytes of the whole text).
    pub windows: Vec<Range<usize>>,
    /// Tokens per window.
    pub window_tokens: Vec<usize>,
    /// Its tokens.
    pub tokens: usize,
    /// Its tokens on the byte axis (bytes of the whole text; token indices from the piece's
    /// first token).
    pub segments: Vec<Segment>,
    /// The notes its overhead segments refer to.
    pub notes: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Codes `bytes` of `text` (whole examples of `config`, see [`codes_in_pieces`]) as a piece of
/// the row of `config`; `progress` gets (bytes of the piece coded, bytes of the piece).
pub fn row_piece(
    text: &[u8],
    bytes: Range<usize>,
    config: &Config,
    model: &mut dyn ByteModel,
    cancel: &AtomicBool,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> crate::Result<RowPiece> {
    let eb = config.example_bytes;
    let whole_examples = codes_in_pieces(config)
        && bytes.start.is_multiple_of(eb)
        && (bytes.end == text.len() || bytes.end.is_multiple_of(eb))
        && bytes.start < bytes.end
        && bytes.end <= text.len();
    if !whole_examples {
        return Err(crate::Error::BadParams(format!(
            "bytes {}..{} are not whole examples of {} (of a text of {} bytes)",
            bytes.start,
            bytes.end,
            config.label(),
            text.len()
        )));
    }
    let row = compare_row_progress(&text[bytes.clone()], config, model, cancel, progress)?;
    let off = bytes.start;
    let shift = |r: &Range<usize>| r.start + off..r.end + off;
    Ok(RowPiece {
        windows: row.windows.iter().map(shift).collect(),
        window_tokens: row.window_tokens,
        tokens: row.tokens,
        segments: row
            .axis
            .segments
            .iter()
            .map(|s| Segment {
                bytes: shift(&s.bytes),
                label: s.label.clone(),
            })
            .collect(),
        notes: row.axis.notes,
        elapsed: row.elapsed,
        bytes,
    })
}

/// Where a piece of a [`PartialRow`] lies in the row.
#[derive(Debug, Clone, PartialEq)]
struct PieceAt {
    bytes: Range<usize>,
    tokens: usize,
    segments: usize,
    windows: usize,
    elapsed: Duration,
    /// Its token indices are the row's (every byte before it is coded).
    numbered: bool,
}

/// A Compare row being coded in pieces ([`RowPiece`]), in any order: what is coded so far, on
/// the byte axis, and how far it is. Complete, it is the [`CompareRow`] of coding the whole
/// text in one go ([`PartialRow::into_row`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PartialRow {
    /// The configuration.
    pub config: Config,
    /// The text's length.
    pub len: usize,
    /// The pieces coded so far, on the byte axis (token indices of pieces after a gap are
    /// provisional: [`AxisRow::provisional`]).
    pub axis: AxisRow,
    /// Window byte ranges of the pieces so far, in byte order.
    pub windows: Vec<Range<usize>>,
    window_tokens: Vec<usize>,
    pieces: Vec<PieceAt>,
}

impl PartialRow {
    /// A row of `config` over a text of `len` bytes, nothing coded yet.
    pub fn new(config: &Config, len: usize) -> PartialRow {
        PartialRow {
            config: config.clone(),
            len,
            axis: AxisRow {
                label: config.label(),
                ..AxisRow::default()
            },
            windows: Vec::new(),
            window_tokens: Vec::new(),
            pieces: Vec::new(),
        }
    }

    /// Adds a piece; false (and nothing changes) when it overlaps one already there or ends
    /// past the text.
    pub fn insert(&mut self, piece: RowPiece) -> bool {
        if piece.bytes.end > self.len
            || piece.bytes.is_empty()
            || self
                .pieces
                .iter()
                .any(|q| q.bytes.start < piece.bytes.end && piece.bytes.start < q.bytes.end)
        {
            return false;
        }
        let p = self
            .pieces
            .partition_point(|q| q.bytes.start < piece.bytes.start);
        let seg_at: usize = self.pieces[..p].iter().map(|q| q.segments).sum();
        let win_at: usize = self.pieces[..p].iter().map(|q| q.windows).sum();
        let note0 = self.axis.notes.len() as u32;
        let segments = piece.segments.into_iter().map(|mut s| {
            if let SegmentLabel::Overhead { note, .. } = &mut s.label {
                *note += note0;
            }
            s
        });
        let n_segs = segments.len();
        self.axis.segments.splice(seg_at..seg_at, segments);
        self.axis.notes.extend(piece.notes);
        let n_wins = piece.windows.len();
        self.windows.splice(win_at..win_at, piece.windows);
        self.window_tokens
            .splice(win_at..win_at, piece.window_tokens);
        self.pieces.insert(
            p,
            PieceAt {
                bytes: piece.bytes,
                tokens: piece.tokens,
                segments: n_segs,
                windows: n_wins,
                elapsed: piece.elapsed,
                numbered: false,
            },
        );
        self.number();
        true
    }

    /// Gives the pieces that follow the coded bytes from 0 without a gap the row's token
    /// indices, and names the others provisional.
    fn number(&mut self) {
        let (mut end, mut tokens, mut seg) = (0usize, 0usize, 0usize);
        let mut k = 0;
        while k < self.pieces.len() && self.pieces[k].bytes.start == end {
            let q = &mut self.pieces[k];
            if !q.numbered {
                for s in &mut self.axis.segments[seg..seg + q.segments] {
                    match &mut s.label {
                        SegmentLabel::Token { index, .. } => *index += tokens as u32,
                        SegmentLabel::Overhead { tokens: t, .. } => {
                            *t = t.start + tokens as u32..t.end + tokens as u32
                        }
                        SegmentLabel::Text(_) => {}
                    }
                }
                q.numbered = true;
            }
            end = q.bytes.end;
            tokens += q.tokens;
            seg += q.segments;
            k += 1;
        }
        self.axis.provisional = self.pieces[k..]
            .iter()
            .filter(|q| !q.numbered)
            .map(|q| q.bytes.clone())
            .collect();
    }

    /// Bytes coded so far.
    pub fn coded(&self) -> usize {
        self.pieces.iter().map(|q| q.bytes.len()).sum()
    }

    /// True when the pieces cover the text.
    pub fn is_complete(&self) -> bool {
        self.coded() == self.len
    }

    /// Wall time of the pieces so far.
    pub fn elapsed(&self) -> Duration {
        self.pieces.iter().map(|q| q.elapsed).sum()
    }

    /// The time the rest takes at the rate so far (None before the first piece).
    pub fn eta(&self) -> Option<Duration> {
        let coded = self.coded();
        if coded == 0 {
            return None;
        }
        let per_byte = self.elapsed().as_secs_f64() / coded as f64;
        Some(Duration::from_secs_f64(
            per_byte * self.len.saturating_sub(coded) as f64,
        ))
    }

    /// The byte ranges coded so far (neighbouring pieces merged).
    pub fn coded_ranges(&self) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        for q in &self.pieces {
            match out.last_mut() {
                Some(last) if last.end == q.bytes.start => last.end = q.bytes.end,
                _ => out.push(q.bytes.clone()),
            }
        }
        out
    }

    /// The finished row (the row itself again when a piece is missing).
    pub fn into_row(self) -> Result<CompareRow, Box<PartialRow>> {
        if !self.is_complete() {
            return Err(Box::new(self));
        }
        let tokens: usize = self.pieces.iter().map(|q| q.tokens).sum();
        let elapsed = self.elapsed();
        Ok(CompareRow {
            bytes_per_token: bytes_per_token(self.len, tokens),
            bits_per_byte: bits_per_byte(self.len, tokens, self.config.token_bits),
            config: self.config,
            windows: self.windows,
            window_tokens: self.window_tokens,
            tokens,
            axis: self.axis,
            elapsed,
        })
    }
}

/// What [`compare_rows`] reports, as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum CompareMsg {
    /// A piece of a row coded in pieces ([`codes_in_pieces`]).
    Piece {
        /// The row (as the caller numbers it).
        row: usize,
        /// The piece.
        piece: RowPiece,
    },
    /// A row coded in one go, or a row's error (its pieces so far are void).
    Row {
        /// The row.
        row: usize,
        /// Its result.
        result: Result<CompareRow, String>,
    },
}

/// Most examples in one piece (one lane group of the model at most): small enough that a row
/// fills in steadily and a scroll is answered within one piece.
pub const PIECE_EXAMPLES: usize = 8;

/// The Compare rows of one text.
pub struct CompareJob<'a> {
    /// The text.
    pub text: &'a [u8],
    /// The rows: the caller's number for each, and its configuration.
    pub rows: &'a [(usize, Config)],
    /// Stops the work ([`crate::Error::Cancelled`]).
    pub cancel: &'a AtomicBool,
    /// The bytes in view now, asked before every piece: their examples are coded first.
    pub view: &'a dyn Fn() -> Range<usize>,
    /// (row, bytes of the row coded, bytes in all), as it goes.
    pub progress: &'a (dyn Fn(usize, usize, usize) + Sync),
}

/// A row's examples and which of them are coded.
type ExamplesDone = (Vec<Range<usize>>, Vec<bool>);

/// Codes the rows of `job`, sending each result as it comes: first, for every row coded in
/// pieces, the examples in view (asked again before each piece, so a scroll is answered next);
/// then the rows coded in one go (the methods without a model, fast), in order; then the rest
/// of the pieces, row by row in byte order. Ends early with [`crate::Error::Cancelled`] when
/// cancelled or when `send` says nobody listens.
pub fn compare_rows(
    job: &CompareJob<'_>,
    model: &mut dyn ByteModel,
    send: &mut dyn FnMut(CompareMsg) -> bool,
) -> crate::Result<()> {
    let text = job.text;
    let group = model.preferred_lanes().clamp(1, PIECE_EXAMPLES);
    // Per row: its examples and which are coded (None: coded in one go).
    let mut examples: Vec<Option<ExamplesDone>> = job
        .rows
        .iter()
        .map(|(_, c)| {
            (codes_in_pieces(c) && !text.is_empty()).then(|| {
                let ex = crate::method::example_ranges(text.len(), c.example_bytes);
                let n = ex.len();
                (ex, vec![false; n])
            })
        })
        .collect();
    let mut whole_done = vec![false; job.rows.len()];
    let cancelled = || job.cancel.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        if cancelled() {
            return Err(crate::Error::Cancelled);
        }
        let view = (job.view)();
        let view = view.start..view.end.max(view.start + 1);
        // What to code next: a row and, for a row in pieces, which examples.
        let mut next: Option<(usize, Option<Range<usize>>)> = None;
        // 1. The examples in view.
        for (ri, ex) in examples.iter().enumerate() {
            let Some((ranges, done)) = ex else { continue };
            let first = (0..ranges.len())
                .find(|&e| !done[e] && ranges[e].start < view.end && view.start < ranges[e].end);
            if let Some(e0) = first {
                let mut e1 = e0 + 1;
                while e1 < ranges.len()
                    && e1 - e0 < group
                    && !done[e1]
                    && ranges[e1].start < view.end
                {
                    e1 += 1;
                }
                next = Some((ri, Some(e0..e1)));
                break;
            }
        }
        // 2. The rows coded in one go.
        if next.is_none() {
            next = (0..job.rows.len())
                .find(|&ri| examples[ri].is_none() && !whole_done[ri])
                .map(|ri| (ri, None));
        }
        // 3. The rest of the pieces.
        if next.is_none() {
            for (ri, ex) in examples.iter().enumerate() {
                let Some((ranges, done)) = ex else { continue };
                if let Some(e0) = done.iter().position(|d| !d) {
                    let e1 = (e0..ranges.len())
                        .take(group)
                        .take_while(|&e| !done[e])
                        .last()
                        .map_or(e0 + 1, |e| e + 1);
                    next = Some((ri, Some(e0..e1)));
                    break;
                }
            }
        }
        let Some((ri, which)) = next else {
            return Ok(());
        };
        let (row, config) = &job.rows[ri];
        let msg = match which {
            None => {
                whole_done[ri] = true;
                let report = |done: usize, total: usize| (job.progress)(*row, done, total);
                match compare_row_progress(text, config, model, job.cancel, Some(&report)) {
                    Err(crate::Error::Cancelled) => return Err(crate::Error::Cancelled),
                    r => {
                        // Methods without a model report nothing on the way: all done now.
                        (job.progress)(*row, text.len(), text.len());
                        CompareMsg::Row {
                            row: *row,
                            result: r.map_err(|e| e.to_string()),
                        }
                    }
                }
            }
            Some(es) => {
                let Some((ranges, done)) = examples[ri].as_mut() else {
                    continue;
                };
                let bytes = ranges[es.start].start..ranges[es.end - 1].end;
                let before: usize = ranges
                    .iter()
                    .zip(done.iter())
                    .filter(|(_, d)| **d)
                    .map(|(r, _)| r.len())
                    .sum();
                let len = text.len();
                let report = |d: usize, _: usize| (job.progress)(*row, before + d, len);
                let piece = row_piece(text, bytes, config, model, job.cancel, Some(&report));
                match piece {
                    Ok(piece) => {
                        done[es].fill(true);
                        (job.progress)(*row, before + piece.bytes.len(), len);
                        CompareMsg::Piece { row: *row, piece }
                    }
                    Err(crate::Error::Cancelled) => return Err(crate::Error::Cancelled),
                    Err(e) => {
                        // The row's error: nothing more of it is coded.
                        done.fill(true);
                        CompareMsg::Row {
                            row: *row,
                            result: Err(e.to_string()),
                        }
                    }
                }
            }
        };
        if !send(msg) {
            return Err(crate::Error::Cancelled);
        }
    }
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

    fn small_examples(m: MethodKind) -> Config {
        let mut c = if m == MethodKind::EqualInfo {
            Config::equal_info(16, 8)
        } else {
            Config {
                token_bits: 8,
                ..Config::new(m)
            }
        };
        c.example_bytes = 32;
        c
    }

    fn text_of(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"the quick brown fox jumps over a lazy dog. "[i % 43])
            .collect()
    }

    fn same_row(a: &CompareRow, b: &CompareRow) {
        assert_eq!(a.config, b.config);
        assert_eq!(a.windows, b.windows);
        assert_eq!(a.window_tokens, b.window_tokens);
        assert_eq!(a.tokens, b.tokens);
        assert_eq!(a.bytes_per_token, b.bytes_per_token);
        assert_eq!(a.bits_per_byte, b.bits_per_byte);
        assert_eq!(a.axis.segments, b.axis.segments);
        assert_eq!(a.axis.notes, b.axis.notes);
        assert!(a.axis.provisional.is_empty() && b.axis.provisional.is_empty());
    }

    /// A row coded in pieces of whole examples, inserted out of order, is the row coded in one
    /// go (one encode of the whole text, the oracle); before the gaps close, the pieces after
    /// one have provisional token indices.
    #[test]
    fn pieces_in_any_order_make_the_whole_row() {
        let text = text_of(7 * 32 + 5);
        for m in [MethodKind::Ac, MethodKind::EqualInfo] {
            let cfg = small_examples(m);
            let stop = AtomicBool::new(false);
            let whole = compare_row(&text, &cfg, &mut Uniform::default(), &stop).unwrap();
            let mut part = PartialRow::new(&cfg, text.len());
            let cuts = [96..160, 224..text.len(), 0..32, 160..224, 32..96];
            for (k, c) in cuts.iter().enumerate() {
                let piece = row_piece(&text, c.clone(), &cfg, &mut Uniform::default(), &stop, None)
                    .unwrap();
                assert!(part.insert(piece.clone()), "{m:?} {c:?}");
                assert!(!part.insert(piece), "an overlapping piece is refused");
                if k == 2 {
                    // 0..32 coded: 96..160 and 224.. still follow a gap.
                    assert_eq!(part.axis.provisional, vec![96..160, 224..text.len()]);
                    assert_eq!(part.coded_ranges(), vec![0..32, 96..160, 224..text.len()]);
                    assert!(!part.is_complete());
                }
            }
            assert!(part.is_complete());
            let row = part.into_row().unwrap_or_else(|_| panic!("complete"));
            same_row(&row, &whole);
        }
        // Not whole examples: an error, not a wrong row.
        let cfg = small_examples(MethodKind::Ac);
        let stop = AtomicBool::new(false);
        assert!(row_piece(&text, 10..40, &cfg, &mut Uniform::default(), &stop, None).is_err());
        let gz = Config::new(MethodKind::Gzip);
        assert!(row_piece(&text, 0..32, &gz, &mut Uniform::default(), &stop, None).is_err());
    }

    /// The job codes the examples in view first (every row in pieces), then the rows coded in
    /// one go, then the rest; after a scroll, the examples newly in view come next. Every row
    /// it sends assembles to the row coded in one go.
    #[test]
    fn compare_rows_code_the_view_first_and_follow_a_scroll() {
        use std::cell::Cell;
        let text = text_of(40 * 32);
        let rows = vec![
            (0, small_examples(MethodKind::EqualInfo)),
            (1, Config::new(MethodKind::Bytes)),
            (2, small_examples(MethodKind::Ac)),
        ];
        let asked = Cell::new(0usize);
        let view = || {
            asked.set(asked.get() + 1);
            // In view: bytes 100..110 (example 3), then after three pieces 1000..1010 (31).
            if asked.get() <= 3 {
                100..110
            } else {
                1000..1010
            }
        };
        let progress = |_: usize, done: usize, total: usize| assert!(done <= total);
        let stop = AtomicBool::new(false);
        let job = CompareJob {
            text: &text,
            rows: &rows,
            cancel: &stop,
            view: &view,
            progress: &progress,
        };
        let mut got = Vec::new();
        compare_rows(&job, &mut Uniform::default(), &mut |m| {
            got.push(m);
            true
        })
        .unwrap();
        let first = |m: &CompareMsg| match m {
            CompareMsg::Piece { row, piece } => (*row, Some(piece.bytes.clone())),
            CompareMsg::Row { row, .. } => (*row, None),
        };
        let order: Vec<_> = got.iter().take(5).map(first).collect();
        assert_eq!(
            order,
            vec![
                (0, Some(96..128)),
                (2, Some(96..128)),
                (1, None),
                (0, Some(992..1024)),
                (2, Some(992..1024)),
            ]
        );
        let mut parts: Vec<PartialRow> = rows
            .iter()
            .map(|(_, c)| PartialRow::new(c, text.len()))
            .collect();
        for m in got {
            match m {
                CompareMsg::Piece { row, piece } => assert!(parts[row].insert(piece)),
                CompareMsg::Row { row, result } => {
                    let r = result.unwrap();
                    let want =
                        compare_row(&text, &rows[row].1, &mut Uniform::default(), &stop).unwrap();
                    same_row(&r, &want);
                }
            }
        }
        for (ri, p) in parts.into_iter().enumerate() {
            if ri == 1 {
                continue;
            }
            let want = compare_row(&text, &rows[ri].1, &mut Uniform::default(), &stop).unwrap();
            let row = p.into_row().unwrap_or_else(|_| panic!("row {ri} complete"));
            same_row(&row, &want);
        }
        // Cancelled: it stops.
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let r = compare_rows(&job, &mut Uniform::default(), &mut |_| true);
        assert!(matches!(r, Err(crate::Error::Cancelled)));
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
