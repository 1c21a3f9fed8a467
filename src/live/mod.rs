//! The live engine: what the live view draws for one text, configuration and model, and the
//! incremental engine that produces it (no egui here; the CLI's `bench --live` and the GUI's
//! worker call the same functions).
//!
//! An analysis is a list of examples, each a list of windows; a window record ([`WindowRec`]:
//! the window encoder's position-free [`WindowRecord`] plus its decode checks) holds only what
//! depends on its own bytes, never its position, so an unchanged window is reused by `Arc` after
//! an edit, wherever it moved.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | the [`Analysis`] and its placement of window records in the text and the stream |
//! | `engine.rs` | [`analyse`], [`analyse_quick`] (and with progress): full and incremental encoding on model lanes |
//! | `checks.rs` | the round-trip and side-information-free checks, inline or deferred ([`check_some`]) |
//!
//! ## Long texts
//! The worker shows a long text in steps: [`view_prefix`] (its first examples, where the view
//! of a newly opened text is) first, then the whole text, which reuses those examples; then the
//! decode checks, a batch at a time while no edit waits. Every step reports its progress
//! ([`analyse_quick_progress`]) and stops at the cancel flag.
//! | `compare.rs` | the Compare tab's rows |
//! | `export.rs` | the Live export: bytes, windows, tokens and their spans (JSON, CSV) |
//!
//! ## Incremental recomputation
//! Examples are independent: an example whose bytes did not change is reused whole.
//! - **EqualInfoAC with the model reset at every window** (greedy, Delay or the exact rule): a
//!   window is a function of the bytes from its start, so after an edit at byte `p` of an
//!   example the windows whose bytes and closing byte (the one that did not fit) all lie
//!   before `p` are kept; the window encoder restarts at the first other window's start and
//!   stops as soon as a new window starts in the unchanged suffix exactly where an old window
//!   started (shifted by the edit's length change): every window from there on is the old one.
//! - **AC** (`resume.rs`): the example is coded from its first changed byte on: the coder
//!   restarts from the state the trace kept, the model from a saved lane ([`LaneCache`]) at
//!   or before the edit, fed in runs of rows ([`crate::model::ByteModel::feed_many`],
//!   bit-identical to stepping); after a substitution only the bytes the model's context
//!   reaches get new distributions, the rest are re-coded with their kept slots.
//! - Other reset rules recompute whole examples; StaticAC fits its unigram on the whole input
//!   and is always recomputed whole.

mod assemble;
mod checks;
mod compare;
mod dists;
mod engine;
pub mod export;
mod resume;
#[cfg(test)]
mod tests;

pub use assemble::{assemble, assemble_after};
pub use checks::{check_some, check_some_cancellable};
pub use compare::{
    codes_in_pieces, compare_row, compare_row_progress, compare_rows, row_piece, segmenter_row,
    AxisRow, CompareJob, CompareMsg, CompareRow, PartialRow, RowPiece, Segment, SegmentLabel,
    SegmenterRow, PIECE_EXAMPLES,
};
pub use dists::{window_dists, DistRequests, DistState, Waker, WindowDists};
pub use engine::{
    analyse, analyse_quick, analyse_quick_progress, analyse_quick_with, ProgressFn, SideFn,
};
pub use resume::{LaneCache, SNAPSHOT_BUDGET, SNAPSHOT_EVERY};

use crate::coding::BitWriter;
use crate::method::window::WindowRecord;
use crate::method::{tokens, Alignment, ByteTrace, Config, ExampleSpan};
use std::ops::{Deref, Range};
use std::sync::Arc;
use std::time::Duration;

/// What one window's bytes produced (position-free, shared between analyses): the window
/// encoder's record and the decode checks run on it. Derefs to the [`WindowRecord`] (its
/// `len`, `bits`, `code_bits`, `model_reset`, `traces`, `dists`).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowRec {
    /// What the window encoder made of the window's bytes.
    pub coded: WindowRecord,
    /// Whether the decode checks below have run (they run after the tokens are shown: see
    /// [`analyse_quick`] and [`check_some`]).
    pub checked: bool,
    /// Side-information-free decoding recovered it exactly (None: not applicable or not checked).
    pub free_ok: Option<bool>,
    /// Bytes the side-information-free decoder produced (None: not applicable).
    pub free_len: Option<usize>,
    /// Why the side-information-free decoder got the window wrong (None: right, not applicable
    /// or not checked); its `window` is 0 (a record has no position) and it names no true next
    /// byte. [`crate::method::decode::FreeDecodeFailure::describe`] puts it in words.
    pub free_failure: Option<Arc<crate::method::decode::FreeDecodeFailure>>,
    /// The exact decoder gave its bytes back (false while not checked).
    pub round_trip_ok: bool,
}

impl WindowRec {
    /// A record whose checks have not run. A traced record keeps each byte's bits once, in its
    /// trace (`byte_bits` is then emptied: [`WindowRec::byte_bits`] reads either).
    pub fn unchecked(mut coded: WindowRecord) -> Self {
        if coded.traces.len() == coded.len
            && coded.byte_bits.len() == coded.len
            && coded
                .traces
                .iter()
                .zip(&coded.byte_bits)
                .all(|(t, b)| t.bits == *b)
        {
            coded.byte_bits = Vec::new();
        }
        WindowRec {
            coded,
            checked: false,
            free_ok: None,
            free_len: None,
            free_failure: None,
            round_trip_ok: false,
        }
    }
}

impl WindowRec {
    /// Per byte, the bits emitted while coding it, relative to the window's first bit (from
    /// the trace when the record has one).
    pub fn byte_bits(&self) -> Box<dyn Iterator<Item = Range<u64>> + '_> {
        if self.coded.byte_bits.is_empty() && self.coded.traces.len() == self.coded.len {
            Box::new(self.coded.traces.iter().map(|t| t.bits.clone()))
        } else {
            Box::new(self.coded.byte_bits.iter().cloned())
        }
    }

    /// How many bytes [`WindowRec::byte_bits`] gives.
    pub fn byte_bits_len(&self) -> usize {
        if self.coded.byte_bits.is_empty() && self.coded.traces.len() == self.coded.len {
            self.coded.len
        } else {
            self.coded.byte_bits.len()
        }
    }
}

impl Deref for WindowRec {
    type Target = WindowRecord;
    fn deref(&self) -> &WindowRecord {
        &self.coded
    }
}

/// A window placed in the text and the bit stream.
#[derive(Debug, Clone)]
pub struct WindowView {
    /// Its bytes in the text.
    pub bytes: Range<usize>,
    /// Its first bit in the stream.
    pub bit_start: u64,
    /// Its example.
    pub example: usize,
    /// What it holds.
    pub rec: Arc<WindowRec>,
}

impl WindowView {
    /// Its bit range in the stream.
    pub fn bit_range(&self) -> Range<u64> {
        self.bit_start..self.bit_start + self.rec.bits.len()
    }
}

/// How the last analysis was computed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunStats {
    /// Wall time of the analysis.
    pub elapsed: Duration,
    /// Windows encoded by this run (the rest were reused).
    pub windows_computed: usize,
    /// Bytes encoded by this run (speculative segments and seams included).
    pub bytes_encoded: usize,
    /// Windows reused from the previous analysis.
    pub windows_reused: usize,
    /// Examples whose placement in the text and the stream was taken from the previous
    /// analysis ([`assemble_after`]) rather than laid out anew.
    pub examples_placed_before: usize,
}

/// Everything the live view draws for one text, configuration and model.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The configuration.
    pub config: Config,
    /// Which model (incremented on every model change).
    pub model_generation: u64,
    /// The text analysed.
    pub text: Arc<Vec<u8>>,
    /// Windows in order.
    pub windows: Vec<WindowView>,
    /// Examples in order.
    pub examples: Vec<ExampleSpan>,
    /// The whole bit stream (examples padded to whole tokens).
    pub bits: BitWriter,
    /// The tokens.
    pub tokens: Vec<u32>,
    /// Window index of each byte.
    pub byte_window: Vec<u32>,
    /// The byte <-> bit <-> token alignment (the library's one rule, [`Alignment`]).
    pub alignment: Alignment,
    /// How it was computed.
    pub stats: RunStats,
    /// Saved model lanes of AC examples, shared with the analyses derived from this one (see
    /// [`LaneCache`]): an edit resumes the model there instead of at the example's start.
    pub lanes: Arc<LaneCache>,
    /// Requests for the whole distributions of a window ([`window_dists`]; the analysis keeps
    /// per byte only what the views draw), shared with the checked copies of this analysis.
    pub dist_requests: Arc<DistRequests>,
    /// The length of the text this analysis is the beginning of: more than `text.len()` for
    /// the first examples of a long text, shown while the rest is encoded ([`view_prefix`]).
    pub full_len: usize,
}

/// Bytes of a long text analysed first, so that the beginning (where the view of a newly
/// opened text is) shows within seconds: the first examples covering [`VIEW_PREFIX_BYTES`].
pub const VIEW_PREFIX_BYTES: usize = 8192;

/// How much of a text of `len` bytes to analyse first (see [`Analysis::full_len`]), or None
/// when the whole text comes as fast: short texts, and configurations whose first examples
/// do not stand alone (one example for the whole text; StaticAC, fitted on all of it) or that
/// have no model (their encoders are fast).
pub fn view_prefix(len: usize, config: &Config) -> Option<usize> {
    use crate::method::MethodKind;
    let eb = config.example_bytes;
    if eb == 0 || !matches!(config.method, MethodKind::Ac | MethodKind::EqualInfo) {
        return None;
    }
    let prefix = VIEW_PREFIX_BYTES.div_ceil(eb) * eb;
    (len > 4 * prefix).then_some(prefix)
}

/// Per-byte facts for the tooltip and the interval view.
#[derive(Debug, Clone)]
pub struct ByteInfo<'a> {
    /// The trace (bit range relative to the window); the byte's whole distribution comes on
    /// demand ([`window_dists`], [`Analysis::dist_requests`]).
    pub trace: &'a ByteTrace,
    /// The window index.
    pub window: usize,
    /// Position in the window.
    pub pos_in_window: usize,
    /// Absolute bit range emitted while coding it.
    pub bits: Range<u64>,
}

impl Analysis {
    /// Bytes analysed.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// True for an empty text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// True when this is the beginning of a longer text (see [`Analysis::full_len`]).
    pub fn is_partial(&self) -> bool {
        self.full_len > self.text.len()
    }

    /// True when the method has a per-byte trace (the AC methods).
    pub fn has_trace(&self) -> bool {
        self.windows.iter().any(|w| !w.rec.traces.is_empty())
    }

    /// The trace of byte `i`, when there is one.
    pub fn byte(&self, i: usize) -> Option<ByteInfo<'_>> {
        let w = *self.byte_window.get(i)? as usize;
        let win = self.windows.get(w)?;
        let j = i.checked_sub(win.bytes.start)?;
        let trace = win.rec.traces.get(j)?;
        Some(ByteInfo {
            trace,
            window: w,
            pos_in_window: j,
            bits: win.bit_start + trace.bits.start..win.bit_start + trace.bits.end,
        })
    }

    /// The window holding byte `i`.
    pub fn window_of(&self, i: usize) -> Option<usize> {
        self.byte_window.get(i).map(|&w| w as usize)
    }

    /// Token bits.
    pub fn token_bits(&self) -> u32 {
        self.config.token_bits
    }

    /// The tokens whose bits intersect window `w`.
    pub fn tokens_of_window(&self, w: usize) -> Range<usize> {
        match self.windows.get(w) {
            Some(win) => tokens::tokens_covering(win.bit_range(), self.token_bits()),
            None => 0..0,
        }
    }

    /// The tokens to draw under the bytes `bytes` ([`Alignment::tokens_of_bytes`]); empty for
    /// a method without per-byte bits.
    pub fn tokens_of_bytes(&self, bytes: Range<usize>) -> Range<usize> {
        self.alignment.tokens_of_bytes(bytes)
    }

    /// The bytes of token `t` ([`Alignment::bytes_of_token`]).
    pub fn bytes_of_token(&self, t: usize) -> Range<usize> {
        self.alignment.bytes_of_token(t)
    }

    /// Windows whose decode checks have not run yet.
    pub fn unchecked(&self) -> usize {
        self.windows.iter().filter(|w| !w.rec.checked).count()
    }

    /// Windows the side-information-free decoder gets right, and how many it was run on.
    pub fn free_decode(&self) -> Option<(usize, usize)> {
        let judged: Vec<bool> = self.windows.iter().filter_map(|w| w.rec.free_ok).collect();
        if judged.is_empty() {
            return None;
        }
        Some((judged.iter().filter(|&&ok| ok).count(), judged.len()))
    }

    /// Whether every window decoded back to its bytes; None while some checks are pending.
    pub fn round_trip_ok(&self) -> Option<bool> {
        if self.windows.iter().any(|w| !w.rec.checked) {
            None
        } else {
            Some(self.windows.iter().all(|w| w.rec.round_trip_ok))
        }
    }

    /// Token bits per input byte.
    pub fn bits_per_byte(&self) -> f64 {
        if self.text.is_empty() {
            0.0
        } else {
            (self.tokens.len() as f64 * self.token_bits() as f64) / self.text.len() as f64
        }
    }

    /// Bytes per token.
    pub fn bytes_per_token(&self) -> f64 {
        if self.tokens.is_empty() {
            0.0
        } else {
            self.text.len() as f64 / self.tokens.len() as f64
        }
    }
}

/// One example's window records, in order, with the example's bytes.
pub(crate) type ExampleRecs = (Range<usize>, Vec<Arc<WindowRec>>);

/// Bits as a string of 0 and 1.
pub fn bit_string(bits: &[bool]) -> String {
    bits.iter().map(|&b| if b { '1' } else { '0' }).collect()
}

/// Bits `range` of a stream as a string of 0 and 1.
pub fn bit_range_string(bits: &BitWriter, range: Range<u64>) -> String {
    range
        .filter(|&i| i < bits.len())
        .map(|i| if bits.get(i) { '1' } else { '0' })
        .collect()
}
