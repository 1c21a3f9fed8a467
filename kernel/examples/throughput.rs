//! GFLOP/s of the kernel on M1's shapes (`cargo run --release -p eqinfo-kernel --example
//! throughput [ROWS]`): one thread, weights packed once, each shape repeated for ~0.2 s.

use eqinfo_kernel::{Epilogue, Packed};
use std::time::Instant;

/// This thread's time on a CPU in ns (Linux schedstat; None elsewhere).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    println!("kernel: {}, {rows} rows", eqinfo_kernel::simd_name());
    for (k, n) in [(256, 768), (256, 256), (256, 1024), (1024, 256)] {
        let w: Vec<f32> = (0..k * n)
            .map(|i| ((i % 97) as f32 - 48.0) / 97.0)
            .collect();
        let x: Vec<f32> = (0..rows * k)
            .map(|i| ((i % 89) as f32 - 44.0) / 89.0)
            .collect();
        let bias = vec![0.5f32; n];
        let p = Packed::new(&w, k, n);
        let mut out = vec![0f32; rows * n];
        let t = Instant::now();
        let c0 = thread_cpu_ns();
        let mut reps = 0u64;
        while t.elapsed().as_secs_f64() < 0.2 {
            p.matmul_into(&x, rows, Epilogue::Bias(&bias), &mut out);
            reps += 1;
        }
        let secs = t.elapsed().as_secs_f64();
        let flop = 2.0 * (rows * k * n) as f64 * reps as f64;
        let cpu = match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) => format!("{:6.1}", flop / (b - a) as f64),
            _ => "   n/a".into(),
        };
        println!(
            "  {k:>5} x {n:<5} {:6.1} GFLOP/s wall, {cpu} GFLOP/s of CPU time",
            flop / secs / 1e9
        );
    }
}
