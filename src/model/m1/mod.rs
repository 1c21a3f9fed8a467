//! M1: the byte-level transformer of the paper, in candle. `config` (serde config and presets),
//! `net` (layers for training and batched scoring), `infer` (the lane-stepping [`M1`] model with
//! per-lane KV caches, deterministic per lane), `ops` (fused CPU softmax / LayerNorm with
//! backward passes, for training), `load` (safetensors + config.json with checked
//! names and shapes, the shipped sample model), `train` (the `eqinfo train` engine).

pub mod config;
pub mod infer;
pub mod load;
pub mod net;
pub mod ops;
pub mod train;

pub use config::Config;
pub use infer::{cross_entropy_bits_per_byte, M1};
pub use load::{default_model_dir, load, load_default_model};

/// The instruction set M1's CPU matrix kernel uses on this machine ("avx512f", "avx2+fma" or
/// "portable"; the same bits on every one).
pub fn kernel_simd() -> &'static str {
    eqinfo_kernel::simd_name()
}
