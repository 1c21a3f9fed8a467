//! Arithmetic coding only, on `std` alone: it knows nothing of models, windows or the GUI.
//!
//! - [`freq`]: the one float-to-integer boundary (`quantize`).
//! - [`arith`]: the Witten-Neal-Cleary binary arithmetic encoder and decoder, and the exact
//!   "bits needed to stop here".
//! - [`bits`]: MSB-first bit writer and reader.

pub mod arith;
pub mod bits;
pub mod freq;

pub use arith::{CoderState, Decoder, Encoder, StopCode};
pub use bits::{BitReader, BitWriter};
pub use freq::{quantize, FreqTable, DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION};
