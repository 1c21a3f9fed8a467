//! M2: the small transformer of the learnability probe, which models the token streams that the
//! compression methods emit (paper §4; the orchestration, presets and reports are in `probe`).
//! `net` (the network over `2^token_bits` token ids, built from M1's layers, with a factorized
//! embedding for large vocabularies), `train` (one training run for a fixed [`Budget`] and the
//! held-out score), `xent` (a fused softmax cross-entropy for the CPU).

pub mod net;
pub mod train;
pub mod xent;

pub use net::{M2Net, M2Shape, LARGE_VOCAB};
pub use train::{segments, train_m2, Budget, M2Outcome};
