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
        out.clear();
        out.resize(rows * self.n, 0.0);
        self.matmul_into(x, rows, Epilogue::None, out);
    }

    /// `out = epilogue(x · w)` for `rows` rows of `x` into `out[..rows * n]`. The epilogue is
    /// applied to each finished chain: [`Epilogue::Bias`] adds `bias[n]` (one f32 addition, as a
    /// separate pass would), [`Epilogue::BiasRelu`] then takes `max(v, 0)`.
    pub fn matmul_into(&self, x: &[f32], rows: usize, ep: Epilogue<'_>, out: &mut [f32]) {
        assert_eq!(x.len(), rows * self.k, "matmul input shape");
        assert!(out.len() >= rows * self.n, "matmul output shape");
        if let Epilogue::Bias(b) | Epilogue::BiasRelu(b) = ep {
            assert_eq!(b.len(), self.n, "bias length");
        }
        let out = &mut out[..rows * self.n];
        #[cfg(target_arch = "x86_64")]
        {
            if simd_level() >= 2 {
                // SAFETY: the CPU supports AVX-512F (checked by `simd_level`); the function
                // only uses slice-checked loads and stores compiled with that feature enabled.
                unsafe { matmul_avx512(self, x, rows, ep, out) };
                return;
            }
            if simd_level() == 1 {
                // SAFETY: the CPU supports AVX2 and FMA (checked by `simd_level`).
                unsafe { matmul_avx2(self, x, rows, ep, out) };
                return;
            }
        }
        matmul_body::<Portable>(self, x, rows, ep, out);
    }
}

/// What happens to each finished dot-product chain before it is stored.
#[derive(Debug, Clone, Copy)]
pub enum Epilogue<'a> {
    /// Stored as it is.
    None,
    /// Plus `bias[column]`.
    Bias(&'a [f32]),
    /// Plus `bias[column]`, then `max(v, 0)` (ReLU).
    BiasRelu(&'a [f32]),
}

impl Epilogue<'_> {
    #[inline(always)]
    fn apply(self, v: f32, col: usize) -> f32 {
        match self {
            Epilogue::None => v,
            Epilogue::Bias(b) => v + b[col],
            Epilogue::BiasRelu(b) => (v + b[col]).max(0.0),
        }
    }
}

/// 2: AVX-512F, 1: AVX2 + FMA, 0: neither (portable `f32::mul_add`). Every level computes the
/// same correctly rounded FMA chains, so the level changes the speed only, never a bit.
#[cfg(target_arch = "x86_64")]
fn simd_level() -> u8 {
    use std::sync::atomic::{AtomicU8, Ordering};
    static LEVEL: AtomicU8 = AtomicU8::new(u8::MAX);
    let l = LEVEL.load(Ordering::Relaxed);
    if l != u8::MAX {
        return l;
    }
    let l = if std::env::var_os("EQINFO_KERNEL_NO_AVX512").is_none()
        && std::is_x86_feature_detected!("avx512f")
    {
        2
    } else if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        1
    } else {
        0
    };
    LEVEL.store(l, Ordering::Relaxed);
    l
}

/// The instruction set the kernel uses on this CPU ("avx512f", "avx2+fma" or "portable").
pub fn simd_name() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        match simd_level() {
            2 => return "avx512f",
            1 => return "avx2+fma",
            _ => {}
        }
    }
    "portable"
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn matmul_avx2(w: &Packed, x: &[f32], rows: usize, ep: Epilogue<'_>, out: &mut [f32]) {
    matmul_body::<Avx2>(w, x, rows, ep, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn matmul_avx512(w: &Packed, x: &[f32], rows: usize, ep: Epilogue<'_>, out: &mut [f32]) {
    let k = w.k;
    let np = w.n.div_ceil(NB);
    // Four panels (64 columns) at a time, stepping over every block of four rows while the
    // panels stay in cache; a 4 x 4 block keeps 16 independent chains in flight.
    let mut p0 = 0;
    while p0 < np {
        let pw = (np - p0).min(4);
        let mut r = 0;
        while r < rows {
            let rw = (rows - r).min(4);
            let xs = &x[r * k..(r + rw) * k];
            let o = &mut out[r * w.n..(r + rw) * w.n];
            // SAFETY: AVX-512F is enabled in this function (its caller checked the CPU).
            unsafe {
                match (rw, pw) {
                    (4, 4) => pass_avx512::<4, 4>(w, xs, p0, ep, o),
                    (3, 4) => pass_avx512::<3, 4>(w, xs, p0, ep, o),
                    (2, 4) => pass_avx512::<2, 4>(w, xs, p0, ep, o),
                    (1, 4) => pass_avx512::<1, 4>(w, xs, p0, ep, o),
                    (4, _) => {
                        for p in p0..p0 + pw {
                            pass_avx512::<4, 1>(w, xs, p, ep, o)
                        }
                    }
                    (_, _) => {
                        for rr in 0..rw {
                            let xr = &xs[rr * k..(rr + 1) * k];
                            let orow = &mut o[rr * w.n..(rr + 1) * w.n];
                            for p in p0..p0 + pw {
                                pass_avx512::<1, 1>(w, xr, p, ep, orow)
                            }
                        }
                    }
                }
            }
            r += rw;
        }
        p0 += pw;
    }
}

/// Panels `p0..p0 + P` for the `R` rows of `xs` (`R * k` values) into `out` (`R` rows of `n`):
/// one zmm register (16 columns) per row and panel, one FMA per `k` in order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn pass_avx512<const R: usize, const P: usize>(
    w: &Packed,
    xs: &[f32],
    p0: usize,
    ep: Epilogue<'_>,
    out: &mut [f32],
) {
    use std::arch::x86_64::{
        __m512, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_max_ps, _mm512_set1_ps,
        _mm512_setzero_ps, _mm512_storeu_ps,
    };
    let k = w.k;
    assert!(xs.len() >= R * k);
    assert!(w.panels.len() >= (p0 + P) * k * NB);
    assert!(out.len() >= (R - 1) * w.n + ((p0 + P) * NB).min(w.n));
    let base = w.panels.as_ptr().add(p0 * k * NB);
    let xp = xs.as_ptr();
    let mut acc: [[__m512; P]; R] = [[_mm512_setzero_ps(); P]; R];
    for kk in 0..k {
        let mut wv = [_mm512_setzero_ps(); P];
        for (j, v) in wv.iter_mut().enumerate() {
            // SAFETY: panel p0 + j holds k * NB values from base + j * k * NB (asserted above).
            *v = unsafe { _mm512_loadu_ps(base.add((j * k + kk) * NB)) };
        }
        for (r, ar) in acc.iter_mut().enumerate() {
            // SAFETY: r * k + kk < R * k <= xs.len().
            let xv = _mm512_set1_ps(unsafe { *xp.add(r * k + kk) });
            for (a, wj) in ar.iter_mut().zip(&wv) {
                *a = _mm512_fmadd_ps(xv, *wj, *a);
            }
        }
    }
    let zero = _mm512_setzero_ps();
    for (r, ar) in acc.iter().enumerate() {
        for (j, a) in ar.iter().enumerate() {
            let c0 = (p0 + j) * NB;
            let cols = (w.n - c0).min(NB);
            let orow = &mut out[r * w.n + c0..r * w.n + c0 + cols];
            if cols == NB {
                let v = match ep {
                    Epilogue::None => *a,
                    // SAFETY: bias has n values (asserted by the caller), c0 + 16 <= n.
                    Epilogue::Bias(b) => {
                        _mm512_add_ps(*a, unsafe { _mm512_loadu_ps(b.as_ptr().add(c0)) })
                    }
                    Epilogue::BiasRelu(b) => _mm512_max_ps(
                        _mm512_add_ps(*a, unsafe { _mm512_loadu_ps(b.as_ptr().add(c0)) }),
                        zero,
                    ),
                };
                // SAFETY: orow holds 16 values.
                unsafe { _mm512_storeu_ps(orow.as_mut_ptr(), v) };
            } else {
                let mut tmp = [0f32; NB];
                // SAFETY: tmp holds 16 values.
                unsafe { _mm512_storeu_ps(tmp.as_mut_ptr(), *a) };
                for (i, o) in orow.iter_mut().enumerate() {
                    *o = ep.apply(tmp[i], c0 + i);
                }
            }
        }
    }
}

/// How a pass over panels is computed (same arithmetic, different instructions).
trait Pass {
    fn pass<const R: usize, const P: usize>(
        w: &Packed,
        xr: &[&[f32]; R],
        p0: usize,
        ep: Epilogue<'_>,
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
        ep: Epilogue<'_>,
        out: &mut [f32],
    ) {
        pass::<R, P>(w, xr, p0, ep, out)
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
        ep: Epilogue<'_>,
        out: &mut [f32],
    ) {
        // SAFETY: `Avx2` is only used by `matmul_avx2`, called after checking AVX2 and FMA.
        unsafe { pass_avx2::<R, P>(w, xr, p0, ep, out) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn pass_avx2<const R: usize, const P: usize>(
    w: &Packed,
    xr: &[&[f32]; R],
    p0: usize,
    ep: Epilogue<'_>,
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
            for (i, o) in out[r * w.n + c0..r * w.n + c0 + cols]
                .iter_mut()
                .enumerate()
            {
                *o = ep.apply(tmp[i], c0 + i);
            }
        }
    }
}

#[inline(always)]
fn matmul_body<K: Pass>(w: &Packed, x: &[f32], rows: usize, ep: Epilogue<'_>, out: &mut [f32]) {
    let k = w.k;
    let np = w.n.div_ceil(NB);
    if rows == 1 {
        // One row: four panels per pass keep eight independent chains in flight.
        let xr: [&[f32]; 1] = [&x[..k]];
        let mut p0 = 0;
        while p0 + 4 <= np {
            K::pass::<1, 4>(w, &xr, p0, ep, out);
            p0 += 4;
        }
        for p in p0..np {
            K::pass::<1, 1>(w, &xr, p, ep, out);
        }
        return;
    }
    // Panel by panel (it stays in cache), every block of four rows, then the rest one by one.
    for p in 0..np {
        let mut r = 0;
        while r + 4 <= rows {
            let xr: [&[f32]; 4] = std::array::from_fn(|i| &x[(r + i) * k..(r + i + 1) * k]);
            K::pass::<4, 1>(w, &xr, p, ep, &mut out[r * w.n..(r + 4) * w.n]);
            r += 4;
        }
        while r < rows {
            let xr: [&[f32]; 1] = [&x[r * k..(r + 1) * k]];
            K::pass::<1, 1>(w, &xr, p, ep, &mut out[r * w.n..(r + 1) * w.n]);
            r += 1;
        }
    }
}

/// Panels `p0..p0 + P` for `R` rows: one multiply and one add per element per `k`, in order.
#[inline(always)]
fn pass<const R: usize, const P: usize>(
    w: &Packed,
    xr: &[&[f32]; R],
    p0: usize,
    ep: Epilogue<'_>,
    out: &mut [f32],
) {
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
            for (i, o) in out[r * w.n + c0..r * w.n + c0 + cols]
                .iter_mut()
                .enumerate()
            {
                *o = ep.apply(a[i], c0 + i);
            }
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

    /// Every instruction set this CPU has, and every epilogue, against the scalar chain (the
    /// oracle) with the epilogue applied after it as a separate pass.
    #[test]
    fn every_simd_level_and_epilogue_equals_the_oracle() {
        let mut s = 5u64;
        for (rows, k, n) in [
            (1, 64, 64),
            (2, 9, 70),
            (3, 33, 48),
            (5, 256, 96),
            (7, 40, 17),
            (8, 128, 256),
            (13, 31, 200),
        ] {
            let x: Vec<f32> = (0..rows * k).map(|_| lcg(&mut s)).collect();
            let w: Vec<f32> = (0..k * n).map(|_| lcg(&mut s)).collect();
            let bias: Vec<f32> = (0..n).map(|_| lcg(&mut s)).collect();
            let p = Packed::new(&w, k, n);
            let chain = oracle(&x, &w, rows, k, n);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            for ep in [
                Epilogue::None,
                Epilogue::Bias(&bias),
                Epilogue::BiasRelu(&bias),
            ] {
                let want: Vec<f32> = chain
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| match ep {
                        Epilogue::None => v,
                        Epilogue::Bias(b) => v + b[i % n],
                        Epilogue::BiasRelu(b) => (v + b[i % n]).max(0.0),
                    })
                    .collect();
                let mut runs: Vec<(&str, Vec<f32>)> = Vec::new();
                let mut out = vec![f32::NAN; rows * n];
                matmul_body::<Portable>(&p, &x, rows, ep, &mut out);
                runs.push(("portable", out));
                #[cfg(target_arch = "x86_64")]
                {
                    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
                    {
                        let mut out = vec![f32::NAN; rows * n];
                        // SAFETY: AVX2 and FMA checked just above.
                        unsafe { matmul_avx2(&p, &x, rows, ep, &mut out) };
                        runs.push(("avx2", out));
                    }
                    if std::is_x86_feature_detected!("avx512f") {
                        let mut out = vec![f32::NAN; rows * n];
                        // SAFETY: AVX-512F checked just above.
                        unsafe { matmul_avx512(&p, &x, rows, ep, &mut out) };
                        runs.push(("avx512", out));
                    }
                }
                let mut out = vec![f32::NAN; rows * n];
                p.matmul_into(&x, rows, ep, &mut out);
                runs.push(("dispatch", out));
                for (name, got) in &runs {
                    assert_eq!(
                        bits(got),
                        bits(&want),
                        "{name} {ep:?} rows={rows} k={k} n={n}"
                    );
                }
            }
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
