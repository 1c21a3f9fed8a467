//! Row-wise f32 kernels for M1 training (softmax and LayerNorm, forward and backward), here so
//! that debug builds optimise them like the matrix product. Each row is one sequential loop in a
//! fixed order: results depend only on the row's own values.

/// Softmax of every row of `n` values of `x` into `y`.
pub fn softmax(x: &[f32], n: usize, y: &mut [f32]) {
    for (xr, yr) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
        let mx = xr.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0f32;
        for (o, &v) in yr.iter_mut().zip(xr) {
            *o = (v - mx).exp();
            sum += *o;
        }
        let inv = 1.0 / sum;
        for o in yr.iter_mut() {
            *o *= inv;
        }
    }
}

/// Softmax backward per row: `dx = y * (g - sum(g * y))`.
pub fn softmax_bwd(y: &[f32], g: &[f32], n: usize, dx: &mut [f32]) {
    for ((yr, gr), dr) in y
        .chunks_exact(n)
        .zip(g.chunks_exact(n))
        .zip(dx.chunks_exact_mut(n))
    {
        let dot: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
        for ((o, &a), &b) in dr.iter_mut().zip(yr).zip(gr) {
            *o = a * (b - dot);
        }
    }
}

/// Mean and `1 / sqrt(var + eps)` of a row (biased variance).
pub fn row_stats(xr: &[f32], eps: f32) -> (f32, f32) {
    let n = xr.len() as f32;
    let mean = xr.iter().sum::<f32>() / n;
    let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, 1.0 / (var + eps).sqrt())
}

/// LayerNorm of every row of `w.len()` values: `(x - mean) / sqrt(var + eps) * w + b`.
pub fn layer_norm(x: &[f32], w: &[f32], b: &[f32], eps: f32, y: &mut [f32]) {
    let n = w.len();
    for (xr, yr) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
        let (mean, inv) = row_stats(xr, eps);
        for (((o, &v), &wv), &bv) in yr.iter_mut().zip(xr).zip(w).zip(b) {
            *o = (v - mean) * inv * wv + bv;
        }
    }
}

/// LayerNorm backward: `dx` per row, and `dw`, `db` accumulated over the rows in order
/// (`dw`, `db` must start at zero).
pub fn layer_norm_bwd(
    x: &[f32],
    w: &[f32],
    g: &[f32],
    eps: f32,
    dx: &mut [f32],
    dw: &mut [f32],
    db: &mut [f32],
) {
    let n = w.len();
    let nf = n as f32;
    let mut xhat = vec![0f32; n];
    for ((xr, gr), dr) in x
        .chunks_exact(n)
        .zip(g.chunks_exact(n))
        .zip(dx.chunks_exact_mut(n))
    {
        let (mean, inv) = row_stats(xr, eps);
        let (mut s1, mut s2) = (0f32, 0f32);
        for (((h, &v), &gv), &wv) in xhat.iter_mut().zip(xr).zip(gr).zip(w) {
            *h = (v - mean) * inv;
            let gw = gv * wv;
            s1 += gw;
            s2 += gw * *h;
        }
        let (m1, m2) = (s1 / nf, s2 / nf);
        for ((((o, &h), &gv), &wv), (dwv, dbv)) in dr
            .iter_mut()
            .zip(&xhat)
            .zip(gr)
            .zip(w)
            .zip(dw.iter_mut().zip(db.iter_mut()))
        {
            *o = inv * (gv * wv - m1 - h * m2);
            *dwv += gv * h;
            *dbv += gv;
        }
    }
}
