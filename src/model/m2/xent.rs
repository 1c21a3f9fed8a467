//! Fused softmax cross-entropy for the CPU: per-row negative log-likelihood of integer targets
//! and its gradient, without materializing `log_softmax` and its backward graph.
//!
//! Why: with v = 65,536 the logits of one step hold tens of millions of values. The generic path
//! (max, subtract, exp, sum, log, subtract, gather, and the backward of each) makes about thirty
//! passes over them; this makes three (max, sum of exp in the forward; one exp per value in the
//! backward, which writes `g · (softmax − onehot)` directly).
//!
//! Forward: `(logits (N, V) f32, targets (N) u32) -> (N, 2)`: column 0 is the NLL in nats,
//! column 1 the row's log-sum-exp (kept for the backward). Rows are independent and split over
//! threads by row ranges, so results do not depend on the thread count.

use candle_core::{bail, CpuStorage, CustomOp2, CustomOp3, Layout, Shape, Tensor};

/// Per-row NLL (column 0 of the result) of `targets` under `softmax(logits)`.
pub struct SoftmaxXent;

/// The backward of [`SoftmaxXent`]: `(logits, targets, [g, lse] (N, 2)) -> g · (softmax − onehot)`.
struct SoftmaxXentGrad;

fn f32_slice<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(v) = s else {
        bail!("softmax-xent: {what} must be f32")
    };
    let Some((a, b)) = l.contiguous_offsets() else {
        bail!("softmax-xent: {what} must be contiguous")
    };
    Ok(&v[a..b])
}

fn u32_slice<'a>(s: &'a CpuStorage, l: &Layout) -> candle_core::Result<&'a [u32]> {
    let CpuStorage::U32(v) = s else {
        bail!("softmax-xent: targets must be u32")
    };
    let Some((a, b)) = l.contiguous_offsets() else {
        bail!("softmax-xent: targets must be contiguous")
    };
    Ok(&v[a..b])
}

/// Runs `f(first_row, rows_out)` over disjoint row ranges of `out` (width `w`) on a few threads.
fn par_rows(out: &mut [f32], w: usize, f: impl Fn(usize, &mut [f32]) + Sync) {
    let rows = out.len() / w.max(1);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16)
        .min(rows.max(1));
    let per = rows.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (i, chunk) in out.chunks_mut(per * w).enumerate() {
            let f = &f;
            s.spawn(move || f(i * per, chunk));
        }
    });
}

fn check_dims(l1: &Layout, l2: &Layout) -> candle_core::Result<(usize, usize)> {
    let (n, v) = l1.shape().dims2()?;
    let nt = l2.shape().dims1()?;
    if nt != n {
        bail!("softmax-xent: {n} rows of logits but {nt} targets")
    }
    Ok((n, v))
}

impl CustomOp2 for SoftmaxXent {
    fn name(&self) -> &'static str {
        "softmax-xent"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, v) = check_dims(l1, l2)?;
        let logits = f32_slice(s1, l1, "logits")?;
        let targets = u32_slice(s2, l2)?;
        if let Some(&t) = targets.iter().find(|&&t| t as usize >= v) {
            bail!("softmax-xent: target {t} outside {v} classes")
        }
        let mut out = vec![0f32; n * 2];
        par_rows(&mut out, 2, |r0, chunk| {
            for (k, o) in chunk.chunks_mut(2).enumerate() {
                let r = r0 + k;
                let row = &logits[r * v..(r + 1) * v];
                let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let sum: f32 = row.iter().map(|&x| (x - max).exp()).sum();
                let lse = max + sum.ln();
                o[0] = lse - row[targets[r] as usize];
                o[1] = lse;
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((n, 2))))
    }

    fn bwd(
        &self,
        logits: &Tensor,
        targets: &Tensor,
        res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let g = grad_res.narrow(1, 0, 1)?;
        let lse = res.narrow(1, 1, 1)?;
        let g_lse = Tensor::cat(&[&g, &lse], 1)?.contiguous()?;
        let grad = logits.apply_op3_no_bwd(targets, &g_lse, &SoftmaxXentGrad)?;
        Ok((Some(grad), None))
    }
}

impl CustomOp3 for SoftmaxXentGrad {
    fn name(&self) -> &'static str {
        "softmax-xent-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (n, v) = check_dims(l1, l2)?;
        let logits = f32_slice(s1, l1, "logits")?;
        let targets = u32_slice(s2, l2)?;
        let g_lse = f32_slice(s3, l3, "gradient")?;
        if g_lse.len() != 2 * n {
            bail!("softmax-xent-grad: expected {n} rows of [g, lse]")
        }
        let mut out = vec![0f32; n * v];
        par_rows(&mut out, v, |r0, chunk| {
            for (k, o) in chunk.chunks_mut(v).enumerate() {
                let r = r0 + k;
                let (g, lse) = (g_lse[2 * r], g_lse[2 * r + 1]);
                let row = &logits[r * v..(r + 1) * v];
                for (d, &x) in o.iter_mut().zip(row) {
                    *d = g * (x - lse).exp();
                }
                o[targets[r] as usize] -= g;
            }
        });
        Ok((CpuStorage::F32(out), Shape::from((n, v))))
    }
}

/// Per-row NLL in nats, shape (N): the fused op on the CPU, `log_softmax` + `gather` elsewhere.
pub fn nll_rows(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    if logits.device().is_cpu() && logits.dtype() == candle_core::DType::F32 {
        let logits = logits.contiguous()?;
        let targets = targets.contiguous()?;
        return logits
            .apply_op2(&targets, SoftmaxXent)?
            .narrow(1, 0, 1)?
            .squeeze(1);
    }
    let logp = candle_nn::ops::log_softmax(logits, candle_core::D::Minus1)?;
    logp.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?.neg()
}
