//! This machine's candle matmul throughput, the roofline the M1 benchmark compares against.

use crate::error::Result;
use candle_core::{DType, Device, Tensor};
use std::time::Instant;

/// GFLOP/s of an `m × k` by `k × n` f32 matmul on the CPU with candle, best of `reps` timed runs
/// after one warm-up.
pub fn matmul_gflops(m: usize, k: usize, n: usize, reps: usize) -> Result<f64> {
    let dev = Device::Cpu;
    let a = Tensor::randn(0f32, 1.0, (m, k), &dev)?;
    let b = Tensor::randn(0f32, 1.0, (k, n), &dev)?;
    let _ = a.matmul(&b)?.to_dtype(DType::F32)?;
    let mut best = f64::INFINITY;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let c = a.matmul(&b)?;
        // Force the result (candle's CPU backend is eager; this also keeps it alive).
        let _ = c.dims();
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(2.0 * (m * k * n) as f64 / best / 1e9)
}
