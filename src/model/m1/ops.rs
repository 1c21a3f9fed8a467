//! Fused CPU kernels with backward passes for training: softmax over the last dimension and
//! LayerNorm. candle's own fused versions (`candle_nn::ops::softmax_last_dim`, `layer_norm`)
//! have no backward pass, and the versions written with differentiable primitives run ~6 passes
//! forward and ~15 backward over every element (the attention scores alone are
//! batch x heads x 257 x 257 values per layer). These do one pass forward and one or two backward.
//!
//! The row loops live in `eqinfo_kernel::rows` (optimised in debug builds too). Each row is
//! computed by one sequential loop in a fixed order, so results do not depend on the
//! thread count or on anything but the row's own values (training stays deterministic). Off the
//! CPU, [`softmax`] and [`layer_norm`] fall back to the primitive versions.

use candle_core::{CpuStorage, CustomOp1, CustomOp2, CustomOp3, Layout};
use candle_core::{Result, Shape, Tensor, D};

fn f32_rows<'a>(s: &'a CpuStorage, l: &Layout, what: &str) -> Result<&'a [f32]> {
    let data = match s {
        CpuStorage::F32(v) => v.as_slice(),
        _ => candle_core::bail!("{what}: only f32 is supported"),
    };
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&data[a..b]),
        None => candle_core::bail!("{what}: input must be contiguous"),
    }
}

fn last_dim(l: &Layout) -> Result<usize> {
    match l.dims().last() {
        Some(&d) if d > 0 => Ok(d),
        _ => candle_core::bail!("empty last dimension"),
    }
}

/// Softmax over the last dimension.
struct Softmax;

impl CustomOp1 for Softmax {
    fn name(&self) -> &'static str {
        "m1-softmax"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = f32_rows(s, l, "softmax")?;
        let n = last_dim(l)?;
        let mut y = vec![0f32; x.len()];
        eqinfo_kernel::rows::softmax(x, n, &mut y);
        Ok((CpuStorage::F32(y), l.shape().clone()))
    }

    fn bwd(&self, _arg: &Tensor, res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let g = grad_res.contiguous()?;
        Ok(Some(res.apply_op2_no_bwd(&g, &SoftmaxBwd)?))
    }
}

/// `dx = y * (g - sum(g * y))` per row, from (y, g).
struct SoftmaxBwd;

impl CustomOp2 for SoftmaxBwd {
    fn name(&self) -> &'static str {
        "m1-softmax-bwd"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let y = f32_rows(s1, l1, "softmax backward")?;
        let g = f32_rows(s2, l2, "softmax backward")?;
        let n = last_dim(l1)?;
        if y.len() != g.len() {
            candle_core::bail!("softmax backward: shape mismatch");
        }
        let mut dx = vec![0f32; y.len()];
        eqinfo_kernel::rows::softmax_bwd(y, g, n, &mut dx);
        Ok((CpuStorage::F32(dx), l1.shape().clone()))
    }
}

/// Softmax over the last dimension, differentiable (fused on the CPU).
pub fn softmax(x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() {
        x.contiguous()?.apply_op1(Softmax)
    } else {
        candle_nn::ops::softmax(x, D::Minus1)
    }
}

/// LayerNorm over the last dimension: `(x - mean) / sqrt(var + eps) * w + b`, biased variance.
struct LayerNormOp {
    eps: f32,
}

impl CustomOp3 for LayerNormOp {
    fn name(&self) -> &'static str {
        "m1-layer-norm"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = f32_rows(s1, l1, "layer norm")?;
        let w = f32_rows(s2, l2, "layer norm")?;
        let b = f32_rows(s3, l3, "layer norm")?;
        let n = last_dim(l1)?;
        if w.len() != n || b.len() != n {
            candle_core::bail!("layer norm: weight/bias length differs from the last dimension");
        }
        let mut y = vec![0f32; x.len()];
        eqinfo_kernel::rows::layer_norm(x, w, b, self.eps, &mut y);
        Ok((CpuStorage::F32(y), l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let n = w.elem_count();
        let rows = x.elem_count() / n;
        let g = grad_res.contiguous()?;
        let x2 = x.contiguous()?;
        // One pass: dx for every row, then the dw and db rows (summed over rows in order).
        let all = x2.apply_op3_no_bwd(w, &g, &LayerNormBwd { eps: self.eps })?;
        let dx = all.narrow(0, 0, rows)?.reshape(x.shape())?;
        let dw = all.narrow(0, rows, 1)?.reshape(n)?;
        let db = all.narrow(0, rows + 1, 1)?.reshape(n)?;
        Ok((Some(dx), Some(dw), Some(db)))
    }
}

/// From (x, w, g): a (rows + 2, n) tensor holding dx, then dw, then db.
struct LayerNormBwd {
    eps: f32,
}

impl CustomOp3 for LayerNormBwd {
    fn name(&self) -> &'static str {
        "m1-layer-norm-bwd"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = f32_rows(s1, l1, "layer norm backward")?;
        let w = f32_rows(s2, l2, "layer norm backward")?;
        let g = f32_rows(s3, l3, "layer norm backward")?;
        let n = last_dim(l1)?;
        if w.len() != n || g.len() != x.len() {
            candle_core::bail!("layer norm backward: shape mismatch");
        }
        let rows = x.len() / n;
        let mut out = vec![0f32; (rows + 2) * n];
        let (dx, rest) = out.split_at_mut(rows * n);
        let (dw, db) = rest.split_at_mut(n);
        eqinfo_kernel::rows::layer_norm_bwd(x, w, g, self.eps, dx, dw, db);
        Ok((CpuStorage::F32(out), Shape::from((rows + 2, n))))
    }
}

/// LayerNorm over the last dimension, differentiable in x, weight and bias (fused on the CPU).
pub fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor, eps: f64) -> Result<Tensor> {
    if x.device().is_cpu() {
        x.contiguous()?
            .apply_op3(w, b, LayerNormOp { eps: eps as f32 })
    } else {
        let mean = x.mean_keepdim(D::Minus1)?;
        let xc = x.broadcast_sub(&mean)?;
        let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
        let xn = xc.broadcast_div(&(var + eps)?.sqrt()?)?;
        xn.broadcast_mul(w)?.broadcast_add(b)
    }
}
