//! The CPU matrix product behind eqinfo's M1 lane stepping: row-independent by construction.
//!
//! A crate of its own so that `[profile.dev.package.eqinfo-kernel]` can optimise it in debug
//! builds (tests step the model through it).
//!
//! Every output element `y[r][n] = x[r][0]*w[0][n] + x[r][1]*w[1][n] + ...` is one chain of
//! IEEE single-precision fused multiply-adds (`f32::mul_add`, one rounding each) in increasing
//! `k`, starting from zero, with no reassociation. Nothing in that chain depends on the other
//! rows, on how many rows are multiplied together, or on the vector width the compiler picked: a
//! 256-bit FMA3 lane computes the same correctly rounded fused operation as the scalar `fmaf`
//! that a CPU without FMA falls back to (slowly, but with the same bits). So a lane's distribution is
//! bit-identical whether it is stepped alone or with 63 others, which is what the lane contract
//! needs, and a single lane costs one row of work, not a padded chunk (the live view steps one
//! lane at a time).
//!
//! Speed comes from packing the weights in panels of [`NB`] columns (contiguous in `k`) and
//! computing up to four rows per pass over a panel, so each weight load feeds four rows; a single
//! row walks four panels at once so that enough independent add chains are in flight.

pub mod rows;

/// Columns per panel.
pub const NB: usize = 16;

/// A `(K, N)` weight matrix packed in column panels: panel `p` holds `w[k][p*NB..p*NB+NB]` for
/// every `k`, contiguous, the last panel zero-padded.
#[derive(Debug, Clone)]
pub struct Packed {
    k: usize,
    n: usize,
    panels: Vec<f32>,
}

impl Packed {
    /// Packs a row-major `(k, n)` matrix.
    pub fn new(w: &[f32], k: usize, n: usize) -> Self {
        debug_assert_eq!(w.len(), k * n);
        let np = n.div_ceil(NB);
        let mut panels = vec![0f32; np * k * NB];
        for p in 0..np {
            let cols = (n - p * NB).min(NB);
            for kk in 0..k {
                let dst = (p * k + kk) * NB;
                panels[dst..dst + cols]
                    .copy_from_slice(&w[kk * n + p * NB..kk * n + p * NB + cols]);
            }
        }
        Self { k, n, panels }
    }

    /// Input width.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Output width.
    pub fn n(&self) -> usize {
        self.n
    }

    /// `out = x · w` for `rows` rows of `x` (`rows * k` values); `out` gets `rows * n` values.
    pub fn matmul(&self, x: &[f32], rows: usize, out: &mut Vec<f32>) {
        assert_eq!(x.len(), rows * self.k, "matmul input shape");
        out.clear();
        out.resize(rows * self.n, 0.0);
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU supports AVX2 and FMA (checked just above); the function only
                // uses safe slice code compiled with those features enabled.
                unsafe { matmul_avx2(self, x, rows, out) };
                return;
            }
        }
        matmul_body::<Portable>(self, x, rows, out);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn matmul_avx2(w: &Packed, x: &[f32], rows: usize, out: &mut [f32]) {
    matmul_body::<Avx2>(w, x, rows, out);
}

/// How a pass over panels is computed (same arithmetic, different instructions).
trait Pass {
    fn pass<const R: usize, const P: usize>(
        w: &Packed,
        xr: &[&[f32]; R],
        p0: usize,
        out: &mut [f32],
    );
}

/// Portable Rust (`f32::mul_add`).
struct Portable;

impl Pass for Portable {
    #[inline(always)]
    fn pass<const R: usize, const P: usize>(
        w: &Packed,
        xr: &[&[f32]; R],
        p0: usize,
        out: &mut [f32],
    ) {
        pass::<R, P>(w, xr, p0, out)
    }
}

/// AVX2 + FMA3 intrinsics: `vfmadd` computes the same fused operation as `f32::mul_add`.
#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Pass for Avx2 {
    #[inline(always)]
    fn pass<const R: usize, const P: usize>(
        w: &Packed,
        xr: &[&[f32]; R],
        p0: usize,
        out: &mut [f32],
    ) {
        // SAFETY: `Avx2` is only used by `matmul_avx2`, called after checking AVX2 and FMA.
        unsafe { pass_avx2::<R, P>(w, xr, p0, out) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn pass_avx2<const R: usize, const P: usize>(
    w: &Packed,
    xr: &[&[f32]; R],
    p0: usize,
    out: &mut [f32],
) {
    use std::arch::x86_64::{
        __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
        _mm256_storeu_ps,
    };
    let k = w.k;
    let panels: [&[f32]; P] =
        std::array::from_fn(|j| &w.panels[(p0 + j) * k * NB..(p0 + j + 1) * k * NB]);
    for x in xr {
        assert!(x.len() >= k);
    }
    let mut acc: [[[__m256; 2]; P]; R] = [[[_mm256_setzero_ps(); 2]; P]; R];
    for kk in 0..k {
        let mut xv = [_mm256_setzero_ps(); R];
        for r in 0..R {
            // SAFETY: kk < k <= xr[r].len() (asserted above).
            xv[r] = _mm256_set1_ps(unsafe { *xr[r].get_unchecked(kk) });
        }
        for j in 0..P {
            // SAFETY: each panel holds k * NB values, so kk * NB + 16 <= its length.
            let (w0, w1) = unsafe {
                let ptr = panels[j].as_ptr().add(kk * NB);
                (_mm256_loadu_ps(ptr), _mm256_loadu_ps(ptr.add(8)))
            };
            for r in 0..R {
                acc[r][j][0] = _mm256_fmadd_ps(xv[r], w0, acc[r][j][0]);
                acc[r][j][1] = _mm256_fmadd_ps(xv[r], w1, acc[r][j][1]);
            }
        }
    }
    let mut tmp = [0f32; NB];
    for (r, ar) in acc.iter().enumerate() {
        for (j, a) in ar.iter().enumerate() {
            // SAFETY: tmp holds 16 values.
            unsafe {
                _mm256_storeu_ps(tmp.as_mut_ptr(), a[0]);
                _mm256_storeu_ps(tmp.as_mut_ptr().add(8), a[1]);
            }
            let c0 = (p0 + j) * NB;
            let cols = (w.n - c0).min(NB);
            out[r * w.n + c0..r * w.n + c0 + cols].copy_from_slice(&tmp[..cols]);
        }
    }
}

#[inline(always)]
fn matmul_body<K: Pass>(w: &Packed, x: &[f32], rows: usize, out: &mut [f32]) {
    let k = w.k;
    let np = w.n.div_ceil(NB);
    if rows == 1 {
        // One row: four panels per pass keep eight independent chains in flight.
        let xr: [&[f32]; 1] = [&x[..k]];
        let mut p0 = 0;
        while p0 + 4 <= np {
            K::pass::<1, 4>(w, &xr, p0, out);
            p0 += 4;
        }
        for p in p0..np {
            K::pass::<1, 1>(w, &xr, p, out);
        }
        return;
    }
    // Panel by panel (it stays in cache), every block of four rows, then the rest one by one.
    for p in 0..np {
        let mut r = 0;
        while r + 4 <= rows {
            let xr: [&[f32]; 4] = std::array::from_fn(|i| &x[(r + i) * k..(r + i + 1) * k]);
            K::pass::<4, 1>(w, &xr, p, &mut out[r * w.n..(r + 4) * w.n]);
            r += 4;
        }
        while r < rows {
            let xr: [&[f32]; 1] = [&x[r * k..(r + 1) * k]];
            K::pass::<1, 1>(w, &xr, p, &mut out[r * w.n..(r + 1) * w.n]);
            r += 1;
        }
    }
}

/// Panels `p0..p0 + P` for `R` rows: one multiply and one add per element per `k`, in order.
#[inline(always)]
fn pass<const R: usize, const P: usize>(w: &Packed, xr: &[&[f32]; R], p0: usize, out: &mut [f32]) {
    let k = w.k;
    let panels: [&[f32]; P] =
        std::array::from_fn(|j| &w.panels[(p0 + j) * k * NB..(p0 + j + 1) * k * NB]);
    let mut acc = [[[0f32; NB]; P]; R];
    for kk in 0..k {
        let wk: [&[f32; NB]; P] = std::array::from_fn(|j| {
            panels[j][kk * NB..kk * NB + NB]
                .try_into()
                .unwrap_or(&[0.0; NB])
        });
        let xv: [f32; R] = std::array::from_fn(|r| xr[r][kk]);
        for r in 0..R {
            for j in 0..P {
                for i in 0..NB {
                    acc[r][j][i] = xv[r].mul_add(wk[j][i], acc[r][j][i]);
                }
            }
        }
    }
    for (r, ar) in acc.iter().enumerate() {
        for (j, a) in ar.iter().enumerate() {
            let c0 = (p0 + j) * NB;
            let cols = (w.n - c0).min(NB);
            out[r * w.n + c0..r * w.n + c0 + cols].copy_from_slice(&a[..cols]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(s: &mut u64) -> f32 {
        *s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
    }

    /// Scalar oracle: the same chain, one element at a time.
    fn oracle(x: &[f32], w: &[f32], rows: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; rows * n];
        for r in 0..rows {
            for c in 0..n {
                let mut acc = 0f32;
                for kk in 0..k {
                    acc = x[r * k + kk].mul_add(w[kk * n + c], acc);
                }
                out[r * n + c] = acc;
            }
        }
        out
    }

    #[test]
    fn equals_the_scalar_chain_bit_for_bit() {
        let mut s = 3u64;
        for (rows, k, n) in [
            (1, 7, 5),
            (3, 16, 16),
            (4, 33, 40),
            (9, 256, 768),
            (6, 64, 17),
        ] {
            let x: Vec<f32> = (0..rows * k).map(|_| lcg(&mut s)).collect();
            let w: Vec<f32> = (0..k * n).map(|_| lcg(&mut s)).collect();
            let p = Packed::new(&w, k, n);
            let mut out = Vec::new();
            p.matmul(&x, rows, &mut out);
            let want = oracle(&x, &w, rows, k, n);
            assert_eq!(
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                "rows={rows} k={k} n={n}"
            );
        }
    }

    #[test]
    fn a_row_does_not_depend_on_its_neighbours() {
        let mut s = 11u64;
        let (k, n) = (48, 40);
        let w: Vec<f32> = (0..k * n).map(|_| lcg(&mut s)).collect();
        let p = Packed::new(&w, k, n);
        let x: Vec<f32> = (0..7 * k).map(|_| lcg(&mut s)).collect();
        let mut all = Vec::new();
        p.matmul(&x, 7, &mut all);
        for r in 0..7 {
            let mut one = Vec::new();
            p.matmul(&x[r * k..(r + 1) * k], 1, &mut one);
            assert_eq!(one, all[r * n..(r + 1) * n].to_vec(), "row {r}");
        }
    }
}
