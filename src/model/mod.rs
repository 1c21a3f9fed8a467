//! Next-byte models behind one trait, [`ByteModel`], and the probe's token model. This is the
//! only module tree where candle appears: `m1` (the byte transformer), `m2` (the probe's
//! network and trainer), `nn` (the helpers both trainers share), `device` and `roofline`;
//! everything above it sees probability vectors, token ids and the library's `Error`.
//!
//! ## The lane contract (determinism)
//! A model steps many independent byte sequences ("lanes") together, so that a transformer can
//! batch them. Lossless decoding needs the decoder to see bit-identical distributions to the
//! encoder's, so every implementation guarantees:
//!
//! **The distribution of a lane depends only on the bytes fed to that lane since its last reset,
//! bit for bit,** not on the number of lanes, on which other lanes are active, or on what they hold.
//!
//! Drivers may therefore feed lanes in any grouping (the encoder tries a byte, backs off, resets;
//! the decoder never sees the byte that did not fit) and still agree exactly.

pub mod device;
pub mod m1;
pub mod m2;
pub mod nn;
pub mod open;
pub mod pool;
pub mod roofline;
pub mod uniform;
pub mod unigram;

pub use uniform::Uniform;
pub use unigram::Unigram;

use crate::coding::FreqTable;
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// Number of byte values.
pub const VOCAB: usize = 256;

/// What identifies a model for the container: decoding under a different identity is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIdentity {
    /// Short kind name: "uniform", "unigram", "m1".
    pub kind: String,
    /// Hex SHA-256 over the weights and config (or the table for simple models).
    pub hash: String,
    /// The backend that computes distributions ("exact" for integer/rational models, "cpu",
    /// "cuda:0", "metal:0" for M1). Floating-point results may differ across backends.
    pub backend: String,
}

/// A model of the next byte, stepping many independent lanes together (see the module docs).
pub trait ByteModel: Send {
    /// Identity recorded in containers.
    fn identity(&self) -> ModelIdentity;

    /// Starts `lanes` independent lanes, each with an empty context. Previous lanes are dropped.
    fn start(&mut self, lanes: usize) -> Result<()>;

    /// Resets one lane to the empty context.
    fn reset_lane(&mut self, lane: usize);

    /// The next-byte distribution of a lane: 256 non-negative values summing to about 1.
    fn dist(&self, lane: usize) -> &[f32];

    /// Feeds one byte to each lane that has `Some`, in one batched step; lanes with `None` are
    /// left unchanged. `bytes.len()` must equal the number of lanes.
    fn feed(&mut self, bytes: &[Option<u8>]) -> Result<()>;

    /// True when the distribution never depends on the context (uniform, unigram): drivers may
    /// then quantize once instead of once per byte.
    fn context_free(&self) -> bool {
        false
    }

    /// A good number of lanes to step together (memory and throughput). Drivers process
    /// independent examples in groups of this size.
    fn preferred_lanes(&self) -> usize {
        64
    }

    /// Uses up to `threads` CPU threads per batched step (1: the caller's thread only). A
    /// lane's distributions must not depend on it (the lane contract); models that cannot use
    /// threads ignore it.
    fn set_threads(&mut self, threads: usize) {
        let _ = threads;
    }

    /// Asks the model to quantize, as part of every step (on its own threads), each fed lane's
    /// new distribution at `precision` with [`crate::coding::quantize`], for [`ByteModel::table`].
    /// A coder calls it once before driving lanes; models without threads ignore it.
    fn prepare_tables(&mut self, precision: u32) {
        let _ = precision;
    }

    /// The quantized table of `lane`'s current distribution at `precision`, when the model has
    /// it (after [`ByteModel::prepare_tables`]): always exactly `quantize(dist(lane), precision)`.
    /// None means "quantize it yourself" (the default).
    fn table(&self, lane: usize, precision: u32) -> Option<&FreqTable> {
        let _ = (lane, precision);
        None
    }

    /// Feeds `bytes` one after the other to lane 0 of a model started with one lane
    /// (`start(1)`), exactly as that many calls of `feed` would, and appends the lane's
    /// distribution after each byte to `dists` (256 values a byte). A model may batch the bytes
    /// (M1 on the CPU pushes them through its network as the rows of one product); the lane
    /// contract makes the result bit-identical to stepping them one at a time.
    fn feed_many(&mut self, bytes: &[u8], dists: &mut Vec<f32>) -> Result<()> {
        dists.reserve(bytes.len() * VOCAB);
        for &b in bytes {
            self.feed(&[Some(b)])?;
            dists.extend_from_slice(self.dist(0));
        }
        Ok(())
    }

    /// A copy of lane 0's state (of a model started with one lane) that
    /// [`ByteModel::restore_lane`] puts back exactly; None when this model cannot.
    fn save_lane(&self) -> Option<LaneSnapshot> {
        None
    }

    /// Puts a state saved by [`ByteModel::save_lane`] (of this model) into lane 0 of a model
    /// started with one lane.
    fn restore_lane(&mut self, snapshot: &LaneSnapshot) -> Result<()> {
        let _ = snapshot;
        Err(crate::error::Error::Model(
            "this model cannot restore a saved lane".into(),
        ))
    }

    /// How many of a lane's latest bytes its distribution depends on, beside the number of
    /// bytes it has been fed: a lane fed `n` bytes gives the same distribution, bit for bit, as
    /// any lane fed `n` bytes that end with the same `context_bytes()` bytes. None: every byte
    /// since the reset counts.
    fn context_bytes(&self) -> Option<usize> {
        None
    }

    /// Scores a whole sequence from an empty context: row `i` (256 values) is the distribution of
    /// byte `i` given bytes `..i`. Returns `bytes.len()` rows, flattened. A transformer overrides
    /// this with one batched forward; the default steps one lane.
    fn score(&mut self, bytes: &[u8]) -> Result<Vec<f32>> {
        self.start(1)?;
        let mut out = Vec::with_capacity(bytes.len() * VOCAB);
        for &b in bytes {
            out.extend_from_slice(self.dist(0));
            self.feed(&[Some(b)])?;
        }
        Ok(out)
    }
}

impl<M: ByteModel + ?Sized> ByteModel for Box<M> {
    fn identity(&self) -> ModelIdentity {
        (**self).identity()
    }
    fn start(&mut self, lanes: usize) -> Result<()> {
        (**self).start(lanes)
    }
    fn reset_lane(&mut self, lane: usize) {
        (**self).reset_lane(lane)
    }
    fn dist(&self, lane: usize) -> &[f32] {
        (**self).dist(lane)
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> Result<()> {
        (**self).feed(bytes)
    }
    fn context_free(&self) -> bool {
        (**self).context_free()
    }
    fn preferred_lanes(&self) -> usize {
        (**self).preferred_lanes()
    }
    fn set_threads(&mut self, threads: usize) {
        (**self).set_threads(threads)
    }
    fn prepare_tables(&mut self, precision: u32) {
        (**self).prepare_tables(precision)
    }
    fn table(&self, lane: usize, precision: u32) -> Option<&FreqTable> {
        (**self).table(lane, precision)
    }
    fn score(&mut self, bytes: &[u8]) -> Result<Vec<f32>> {
        (**self).score(bytes)
    }
    fn feed_many(&mut self, bytes: &[u8], dists: &mut Vec<f32>) -> Result<()> {
        (**self).feed_many(bytes, dists)
    }
    fn save_lane(&self) -> Option<LaneSnapshot> {
        (**self).save_lane()
    }
    fn restore_lane(&mut self, snapshot: &LaneSnapshot) -> Result<()> {
        (**self).restore_lane(snapshot)
    }
    fn context_bytes(&self) -> Option<usize> {
        (**self).context_bytes()
    }
}

/// A saved model lane ([`ByteModel::save_lane`]): the model's own state, opaque to everyone
/// else, with its size in bytes (so that callers can bound what they keep).
#[derive(Clone)]
pub struct LaneSnapshot {
    state: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    bytes: usize,
}

impl LaneSnapshot {
    /// Wraps a model's lane state of about `bytes` bytes.
    pub fn new<T: std::any::Any + Send + Sync>(state: T, bytes: usize) -> Self {
        LaneSnapshot {
            state: std::sync::Arc::new(state),
            bytes,
        }
    }

    /// The state, when it is a `T`.
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.state.downcast_ref()
    }

    /// About how many bytes it holds.
    pub fn size_bytes(&self) -> usize {
        self.bytes
    }
}

impl std::fmt::Debug for LaneSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LaneSnapshot({} bytes)", self.bytes)
    }
}

/// A thread-count setting read with 0 as every core this machine has (the CLI's `--threads` and
/// the GUI's setting).
pub fn thread_count(setting: usize) -> usize {
    // Asked once: on Linux the answer reads cgroup files, and the GUI shows it every frame.
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    match setting {
        0 => *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from)),
        n => n,
    }
}

/// Hex SHA-256 of some bytes (model identities).
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
