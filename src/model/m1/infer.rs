//! [`M1`], the lane-stepping inference model behind [`ByteModel`]: per-lane KV caches with a
//! sliding window, batched matmuls, and the determinism design that the lane contract needs.
//!
//! ## Determinism (the lane contract)
//! The arithmetic decoder must see bit-identical distributions to the encoder's although the two
//! step different sets of lanes. So nothing a lane computes may depend on other lanes:
//! - **On the CPU, matmuls are row-independent by construction** (the `eqinfo-kernel` crate): each output
//!   element is one fixed chain of fused multiply-adds over its own row, so only the lanes being
//!   fed are multiplied, as consecutive rows, and a lane's values do not depend on how many lanes
//!   exist, which are active, or what the other rows hold (`tests/m1.rs` checks this bit for
//!   bit). One lane costs one row: the live view, which steps one lane, pays no padding.
//! - **On a GPU, matmuls run on fixed-shape row chunks.** Lanes are grouped in chunks of
//!   [`CHUNK_ROWS`] (lane `i` is row `i % CHUNK_ROWS` of chunk `i / CHUNK_ROWS`); a chunk with any
//!   active lane is multiplied as one `(CHUNK_ROWS, K) x (K, N)` product, rows of inactive lanes
//!   zeroed, so the library always takes the same blocking and kernels.
//! - **Everything else is per lane, in plain Rust, in a fixed order**: LayerNorm, bias adds,
//!   attention over the lane's own cache with its exact length (no padded reductions), softmax.
//! - The empty-context state (BOS pushed through the network) is computed once at load time and
//!   copied into a lane on `start`/`reset_lane`.
//!
//! Results depend on the backend (CPU vs CUDA vs Metal); that is why the identity carries the
//! backend and the container refuses a mismatch. The CPU kernel's bits do not depend on the SIMD
//! width it runs at (correctly rounded FMA in a fixed order); the CPU backend is recorded as `cpu-v2` since this
//! kernel replaced the chunked gemm products of the first version, whose files it cannot decode.
//!
//! ## Sliding window
//! A lane attends to BOS plus its latest `max_context - 1` bytes (ring buffer per layer); BOS is
//! kept as an attention sink. Keys and values of a byte are computed once, when it is fed, which
//! is exactly what the banded mask of `net::attention_bias` computes in one batched forward, so
//! [`ByteModel::score`] and stepping agree (up to float rounding) at any length.

use super::config::Config;
use super::net::Net;
use crate::coding::{quantize, FreqTable};
use crate::error::{Error, Result};
use crate::model::{ByteModel, ModelIdentity, VOCAB};
use candle_core::{Device, Tensor};
use eqinfo_kernel::{Epilogue, Packed};
use std::sync::Arc;

mod prefill;

/// Rows per matmul chunk on a GPU (lanes are stepped there in groups of this size).
pub const CHUNK_ROWS: usize = 16;

/// Fewest fed lanes per thread worth a thread of their own (CPU).
pub const MIN_ROWS_PER_THREAD: usize = 8;

fn ce(e: candle_core::Error) -> Error {
    Error::Model(format!("candle: {e}"))
}

/// A linear layer prepared for lane stepping. On the CPU the weight is packed for the
/// row-independent kernel of the `eqinfo-kernel` crate (any number of rows, a row's values independent of
/// the others); on a GPU `wt` is the transposed weight (K, N) and products run on fixed
/// [`CHUNK_ROWS`]-row chunks so that gemm always takes the same path.
struct Dense {
    /// Off the CPU: the transposed weight (K, N).
    wt: Option<Tensor>,
    /// On the CPU: the packed weight.
    packed: Option<Packed>,
    bias: Vec<f32>,
    k: usize,
    n: usize,
}

impl Dense {
    fn new(lin: &candle_nn::Linear) -> Result<Self> {
        let w = lin.weight();
        let (n, k) = w.dims2().map_err(ce)?;
        let wt = w.t().map_err(ce)?.contiguous().map_err(ce)?;
        let (wt, packed) = if wt.device().is_cpu() {
            let flat = wt.flatten_all().map_err(ce)?.to_vec1::<f32>().map_err(ce)?;
            (None, Some(Packed::new(&flat, k, n)))
        } else {
            (Some(wt), None)
        };
        let bias = match lin.bias() {
            Some(b) => b
                .to_device(&Device::Cpu)
                .map_err(ce)?
                .to_vec1::<f32>()
                .map_err(ce)?,
            None => vec![0.0; n],
        };
        Ok(Self {
            wt,
            packed,
            bias,
            k,
            n,
        })
    }

    /// `x`: `rows * k` values; returns `rows * n` values, bias added ([`Dense::apply_into`]
    /// into a new vector).
    #[allow(dead_code)]
    fn apply(&self, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        let mut y = Vec::new();
        self.apply_into(x, rows, false, &mut y)?;
        Ok(y)
    }

    /// `x`: `rows * k` values; `out` gets `rows * n` values, bias added (then `max(v, 0)` with
    /// `relu`). On the CPU the kernel adds the bias (and takes the maximum) as each chain
    /// finishes, the same two operations a separate pass would do. Off the CPU, `rows` must be
    /// [`CHUNK_ROWS`].
    fn apply_into(&self, x: &[f32], rows: usize, relu: bool, out: &mut Vec<f32>) -> Result<()> {
        debug_assert_eq!(x.len(), rows * self.k);
        match (&self.packed, &self.wt) {
            (Some(p), _) => {
                out.resize(rows * self.n, 0.0);
                let ep = if relu {
                    Epilogue::BiasRelu(&self.bias)
                } else {
                    Epilogue::Bias(&self.bias)
                };
                p.matmul_into(x, rows, ep, out);
                return Ok(());
            }
            (None, None) => return Err(Error::Model("internal: a layer without weights".into())),
            (None, Some(wt)) => {
                let xt = Tensor::from_slice(x, (rows, self.k), wt.device()).map_err(ce)?;
                *out = xt
                    .matmul(wt)
                    .map_err(ce)?
                    .flatten_all()
                    .map_err(ce)?
                    .to_device(&Device::Cpu)
                    .map_err(ce)?
                    .to_vec1::<f32>()
                    .map_err(ce)?;
            }
        }
        for row in out.chunks_exact_mut(self.n) {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v += b;
            }
        }
        if relu {
            for v in out.iter_mut() {
                *v = v.max(0.0);
            }
        }
        Ok(())
    }
}

/// Buffers of one pass through the network, kept per thread between steps (a step allocates
/// nothing once they have grown).
#[derive(Default)]
struct Scratch {
    x: Vec<f32>,
    h: Vec<f32>,
    att: Vec<f32>,
    qkv: Vec<f32>,
    y: Vec<f32>,
    m: Vec<f32>,
    scores: Vec<f32>,
    /// The member rows, in order.
    idx: Vec<usize>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (a fresh set if they are in use, e.g. re-entered).
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|c| match c.try_borrow_mut() {
        Ok(mut s) => f(&mut s),
        Err(_) => f(&mut Scratch::default()),
    })
}

struct Norm {
    w: Vec<f32>,
    b: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn new(ln: &super::net::LayerNorm) -> Result<Self> {
        let cpu = |t: &Tensor| -> Result<Vec<f32>> {
            t.to_device(&Device::Cpu)
                .map_err(ce)?
                .to_vec1::<f32>()
                .map_err(ce)
        };
        Ok(Self {
            w: cpu(&ln.weight)?,
            b: cpu(&ln.bias)?,
            eps: ln.eps as f32,
        })
    }

    /// One row (the reference: [`Norm::apply_rows`] computes exactly this for many rows).
    #[cfg_attr(not(test), allow(dead_code))]
    fn apply(&self, x: &[f32], out: &mut [f32]) {
        let d = x.len() as f32;
        let mean = x.iter().sum::<f32>() / d;
        let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d;
        let inv = 1.0 / (var + self.eps).sqrt();
        for (((o, v), w), b) in out.iter_mut().zip(x).zip(&self.w).zip(&self.b) {
            *o = (v - mean) * inv * w + b;
        }
    }

    /// [`Norm::apply`] on rows `rows` of `x` into the same rows of `out` (rows of `w.len()`
    /// values), bit for bit: each row's two sums are still one sequential chain in the same
    /// order (from -0.0, as `Iterator::sum` starts), but the chains of eight rows advance
    /// together, so their additions overlap instead of waiting on each other.
    fn apply_rows(&self, x: &[f32], out: &mut [f32], rows: &[usize]) {
        let mut rest = rows;
        while !rest.is_empty() {
            let n = match rest.len() {
                8.. => 8,
                4..=7 => 4,
                _ => 1,
            };
            let (now, later) = rest.split_at(n);
            match n {
                8 => self.block::<8>(x, out, now),
                4 => self.block::<4>(x, out, now),
                _ => self.block::<1>(x, out, now),
            }
            rest = later;
        }
    }

    // The loops index eight rows at one column: the interleaving is the point.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn block<const R: usize>(&self, x: &[f32], out: &mut [f32], rows: &[usize]) {
        let d = self.w.len();
        let df = d as f32;
        let xs: [&[f32]; R] = std::array::from_fn(|j| &x[rows[j] * d..(rows[j] + 1) * d]);
        let mut sum = [-0.0f32; R];
        for i in 0..d {
            for j in 0..R {
                sum[j] += xs[j][i];
            }
        }
        let mean: [f32; R] = std::array::from_fn(|j| sum[j] / df);
        let mut sq = [-0.0f32; R];
        for i in 0..d {
            for j in 0..R {
                let t = xs[j][i] - mean[j];
                sq[j] += t * t;
            }
        }
        for j in 0..R {
            let inv = 1.0 / (sq[j] / df + self.eps).sqrt();
            let o = &mut out[rows[j] * d..(rows[j] + 1) * d];
            for (((o, v), w), b) in o.iter_mut().zip(xs[j]).zip(&self.w).zip(&self.b) {
                *o = (v - mean[j]) * inv * w + b;
            }
        }
    }
}

struct LayerW {
    ln1: Norm,
    qkv: Dense,
    proj: Dense,
    ln2: Norm,
    fc1: Dense,
    fc2: Dense,
}

/// One lane: per-layer key/value caches (slot 0 BOS, slots 1.. a ring of bytes), the absolute
/// position of the next entry, the current next-byte distribution and, when the coder asked for
/// it ([`ByteModel::prepare_tables`]), that distribution's quantized table.
#[derive(Debug, Clone, Default)]
struct Lane {
    k: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    pos: u64,
    dist: Vec<f32>,
    /// `quantize(dist, precision)` at the model's table precision (None: not asked, or the
    /// distribution did not quantize, in which case the coder's own call reports the error).
    table: Option<FreqTable>,
    /// Reset and not yet fed: the lane is the empty-context lane, whose state is copied in by
    /// the thread that feeds it next (so a reset costs the coder's thread nothing), and whose
    /// distribution and table are read from the empty lane until then. A fresh lane's `pos` is
    /// 0 (no BOS entry), so code that reads its caches without [`M1::materialize_lane`] fails
    /// loudly instead of reading the old context.
    fresh: bool,
}

impl Lane {
    fn copy_from(&mut self, other: &Lane) {
        self.k.resize(other.k.len(), Vec::new());
        self.v.resize(other.v.len(), Vec::new());
        for (a, b) in self.k.iter_mut().zip(&other.k) {
            a.clear();
            a.extend_from_slice(b);
        }
        for (a, b) in self.v.iter_mut().zip(&other.v) {
            a.clear();
            a.extend_from_slice(b);
        }
        self.pos = other.pos;
        self.dist.clear();
        self.dist.extend_from_slice(&other.dist);
        self.table.clone_from(&other.table);
        self.fresh = false;
    }
}

/// Fixed-order dot product with 8 partial sums (deterministic, vectorizable).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

/// The M1 model for coding: see the module docs.
pub struct M1 {
    cfg: Config,
    net: Net,
    identity: ModelIdentity,
    tok_emb: Vec<f32>,
    bos: Vec<f32>,
    layers: Vec<LayerW>,
    ln_f: Norm,
    head: Dense,
    slopes: Vec<f32>,
    empty: Lane,
    lanes: Vec<Lane>,
    /// CPU threads per step (lane groups run on their own threads; see [`M1::feed_cpu`]).
    threads: usize,
    /// The worker threads when `threads > 1` (built by `set_threads`, kept between steps).
    pool: Option<Arc<rayon::ThreadPool>>,
    /// The precision at which every step also quantizes each fed lane's distribution.
    table_precision: Option<u32>,
}

impl M1 {
    /// Builds the inference model from a network; `hash` identifies config + weights.
    pub(crate) fn from_net(net: Net, hash: String) -> Result<Self> {
        let cfg = net.cfg.clone();
        let backend = match net.bos.device() {
            Device::Cpu => "cpu-v2".to_string(),
            dev => crate::model::device::backend_name(dev),
        };
        let cpu_vec = |t: &Tensor| -> Result<Vec<f32>> {
            t.to_device(&Device::Cpu)
                .map_err(ce)?
                .flatten_all()
                .map_err(ce)?
                .to_vec1::<f32>()
                .map_err(ce)
        };
        let tok_emb = cpu_vec(net.tok_emb.embeddings())?;
        let bos = cpu_vec(&net.bos)?;
        let mut layers = Vec::new();
        for b in &net.layers {
            layers.push(LayerW {
                ln1: Norm::new(&b.ln1)?,
                qkv: Dense::new(&b.attn.qkv)?,
                proj: Dense::new(&b.attn.proj)?,
                ln2: Norm::new(&b.ln2)?,
                fc1: Dense::new(&b.mlp.fc1)?,
                fc2: Dense::new(&b.mlp.fc2)?,
            });
        }
        let ln_f = Norm::new(&net.ln_f)?;
        let head = Dense::new(&net.head)?;
        let mut m = M1 {
            slopes: cfg.alibi_slopes(),
            cfg,
            net,
            identity: ModelIdentity {
                kind: "m1".into(),
                hash,
                backend,
            },
            tok_emb,
            bos,
            layers,
            ln_f,
            head,
            empty: Lane::default(),
            lanes: Vec::new(),
            threads: 1,
            pool: None,
            table_precision: None,
        };
        let mut empty = Lane {
            k: vec![Vec::new(); m.cfg.n_layers],
            v: vec![Vec::new(); m.cfg.n_layers],
            pos: 0,
            dist: vec![0.0; VOCAB],
            table: None,
            fresh: false,
        };
        let d = m.cfg.d_model;
        let rows = if m.on_cpu() { 1 } else { CHUNK_ROWS };
        let mut x = vec![0f32; rows * d];
        x[..d].copy_from_slice(&m.bos);
        with_scratch(|sc| m.run_rows(&mut x, rows, &mut [(0, &mut empty)], sc))?;
        m.empty = empty;
        Ok(m)
    }

    /// True when lanes step on the CPU kernel (any number of rows per product).
    fn on_cpu(&self) -> bool {
        self.layers.first().is_none_or(|l| l.qkv.packed.is_some())
    }

    /// GPU stepping: lane `i` is row `i % CHUNK_ROWS` of chunk `i / CHUNK_ROWS`, every chunk
    /// with an active lane multiplied whole (fixed shapes, see the module docs).
    fn feed_chunks(&self, lanes: &mut [Lane], bytes: &[Option<u8>]) -> Result<()> {
        let d = self.cfg.d_model;
        with_scratch(|sc| {
            let mut x = std::mem::take(&mut sc.x);
            let result = (|| {
                for (c, chunk) in lanes.chunks_mut(CHUNK_ROWS).enumerate() {
                    let in_bytes = &bytes[c * CHUNK_ROWS..c * CHUNK_ROWS + chunk.len()];
                    if in_bytes.iter().all(Option::is_none) {
                        continue;
                    }
                    x.clear();
                    x.resize(CHUNK_ROWS * d, 0.0);
                    let mut members: Vec<(usize, &mut Lane)> = Vec::new();
                    for (r, (lane, b)) in chunk.iter_mut().zip(in_bytes).enumerate() {
                        if let Some(b) = *b {
                            let b = b as usize;
                            if lane.fresh {
                                lane.copy_from(&self.empty);
                            }
                            x[r * d..(r + 1) * d]
                                .copy_from_slice(&self.tok_emb[b * d..(b + 1) * d]);
                            members.push((r, lane));
                        }
                    }
                    self.run_rows(&mut x, CHUNK_ROWS, &mut members, sc)?;
                }
                Ok(())
            })();
            sc.x = x;
            result
        })
    }

    /// CPU stepping: only the lanes being fed, as consecutive rows (rows are independent on the
    /// CPU). With more than one thread the fed lanes are cut into contiguous groups, one per
    /// thread of the model's pool, each pushed through the whole network on its own (no
    /// synchronisation inside a step; the kernel's row independence makes every lane's bits the
    /// same whatever the grouping, so the thread count never changes a distribution). Below
    /// [`MIN_ROWS_PER_THREAD`] rows per thread fewer threads are used, and one group runs on the
    /// caller's thread.
    fn feed_cpu(&self, lanes: &mut [Lane], bytes: &[Option<u8>]) -> Result<()> {
        let mut members: Vec<(u8, &mut Lane)> = lanes
            .iter_mut()
            .zip(bytes)
            .filter_map(|(lane, b)| b.map(|b| (b, lane)))
            .collect();
        if members.is_empty() {
            return Ok(());
        }
        let groups = self.threads.min(members.len() / MIN_ROWS_PER_THREAD).max(1);
        // One group runs on the caller's thread, unless the workers were given a lower
        // priority (the GUI): then it runs on a worker, at that priority, too.
        let pool = match &self.pool {
            Some(p) if groups > 1 || crate::model::pool::worker_nice() > 0 => p,
            _ => return self.feed_group(&mut members),
        };
        let per = members.len().div_ceil(groups);
        let mut results: Vec<Result<()>> = Vec::new();
        results.resize_with(members.len().div_ceil(per), || Ok(()));
        let mut jobs = members.chunks_mut(per).zip(results.iter_mut());
        if crate::model::pool::worker_nice() > 0 {
            // Every group on a worker (at the workers' priority); this thread waits.
            pool.scope(|s| {
                for (group, res) in jobs {
                    s.spawn(move |_| *res = self.feed_group(group));
                }
            });
        } else {
            // The other groups on workers, the first one here (one hand-off fewer per step).
            pool.in_place_scope(|s| {
                let first = jobs.next();
                for (group, res) in jobs {
                    s.spawn(move |_| *res = self.feed_group(group));
                }
                if let Some((group, res)) = first {
                    *res = self.feed_group(group);
                }
            });
        }
        results.into_iter().collect()
    }

    /// Feeds one byte to each lane of a group, as consecutive rows.
    fn feed_group(&self, group: &mut [(u8, &mut Lane)]) -> Result<()> {
        let d = self.cfg.d_model;
        let rows = group.len();
        with_scratch(|sc| {
            let mut x = std::mem::take(&mut sc.x);
            x.clear();
            let mut members: Vec<(usize, &mut Lane)> = Vec::with_capacity(rows);
            for (r, (b, lane)) in group.iter_mut().enumerate() {
                let b = *b as usize;
                x.extend_from_slice(&self.tok_emb[b * d..(b + 1) * d]);
                if lane.fresh {
                    lane.copy_from(&self.empty);
                }
                members.push((r, &mut **lane));
            }
            let result = self.run_rows(&mut x, rows, &mut members, sc);
            sc.x = x;
            result
        })
    }

    /// Copies the empty context into lane `i` if it is fresh (reset, not yet fed), so that its
    /// caches, position and distribution can be read or changed directly.
    #[allow(dead_code)]
    pub(crate) fn materialize_lane(&mut self, i: usize) {
        if let Some(lane) = self.lanes.get_mut(i) {
            if lane.fresh {
                lane.copy_from(&self.empty);
            }
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The candle network (batched scoring, evaluation).
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// Number of lanes started.
    pub fn lanes(&self) -> usize {
        self.lanes.len()
    }

    /// Pushes `rows` rows through the network: `x` holds `rows` input embeddings (rows not in
    /// `members` are zero); each member `(row, lane)` gets its new entry appended to its caches
    /// and its distribution updated (and its quantized table, when asked for).
    fn run_rows(
        &self,
        x: &mut [f32],
        rows: usize,
        members: &mut [(usize, &mut Lane)],
        sc: &mut Scratch,
    ) -> Result<()> {
        let cfg = &self.cfg;
        let (d, a, hd) = (cfg.d_model, cfg.attn_dim(), cfg.head_dim);
        let cap = cfg.max_context as u64;
        let scale = 1.0 / (hd as f32).sqrt();
        let Scratch {
            h,
            att,
            qkv,
            y,
            m,
            scores,
            idx,
            ..
        } = sc;
        if members.len() < rows {
            // Rows that are not members stay zero (the GPU path multiplies whole chunks).
            h.clear();
            att.clear();
        }
        h.resize(rows * d, 0.0);
        att.resize(rows * a, 0.0);
        idx.clear();
        idx.extend(members.iter().map(|(r, _)| *r));
        for (l, lw) in self.layers.iter().enumerate() {
            lw.ln1.apply_rows(x, h, idx);
            lw.qkv.apply_into(h, rows, false, qkv)?;
            for (r, lane) in members.iter_mut() {
                let r = *r;
                let p = lane.pos;
                let row = &qkv[r * 3 * a..(r + 1) * 3 * a];
                let slot = if p == 0 {
                    0
                } else {
                    1 + ((p - 1) % (cap - 1)) as usize
                };
                for (cache, src) in [
                    (&mut lane.k[l], &row[a..2 * a]),
                    (&mut lane.v[l], &row[2 * a..]),
                ] {
                    if cache.len() == slot * a {
                        cache.extend_from_slice(src);
                    } else {
                        if cache.len() < (slot + 1) * a {
                            cache.resize((slot + 1) * a, 0.0);
                        }
                        cache[slot * a..(slot + 1) * a].copy_from_slice(src);
                    }
                }
                // Entries visible to the query at position p: BOS (distance p), then the bytes
                // at positions lo..=p (distance p - pos), oldest first.
                let lo = if p == 0 {
                    1
                } else {
                    (p + 2).saturating_sub(cap).max(1)
                };
                let n_bytes = if p == 0 { 0 } else { (p - lo + 1) as usize };
                let (kc, vc) = (&lane.k[l], &lane.v[l]);
                for (hi, slope) in self.slopes.iter().enumerate() {
                    let q = &row[hi * hd..(hi + 1) * hd];
                    let off = hi * hd;
                    scores.clear();
                    scores.push(dot(q, &kc[off..off + hd]) * scale - slope * p as f32);
                    for i in 0..n_bytes {
                        let pos = lo + i as u64;
                        let s = 1 + ((pos - 1) % (cap - 1)) as usize;
                        let base = s * a + off;
                        scores
                            .push(dot(q, &kc[base..base + hd]) * scale - slope * (p - pos) as f32);
                    }
                    let mx = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
                    let mut sum = 0f32;
                    for s in scores.iter_mut() {
                        *s = (*s - mx).exp();
                        sum += *s;
                    }
                    let out = &mut att[r * a + off..r * a + off + hd];
                    out.fill(0.0);
                    for (i, w) in scores.iter().enumerate() {
                        let s = if i == 0 {
                            0
                        } else {
                            1 + ((lo + i as u64 - 2) % (cap - 1)) as usize
                        };
                        let w = w / sum;
                        let vrow = &vc[s * a + off..s * a + off + hd];
                        for (o, v) in out.iter_mut().zip(vrow) {
                            *o += w * v;
                        }
                    }
                }
            }
            lw.proj.apply_into(att, rows, false, y)?;
            for (r, _) in members.iter() {
                for (xv, yv) in x[r * d..(r + 1) * d].iter_mut().zip(&y[r * d..(r + 1) * d]) {
                    *xv += yv;
                }
            }
            lw.ln2.apply_rows(x, h, idx);
            lw.fc1.apply_into(h, rows, true, m)?;
            lw.fc2.apply_into(m, rows, false, y)?;
            for (r, _) in members.iter() {
                for (xv, yv) in x[r * d..(r + 1) * d].iter_mut().zip(&y[r * d..(r + 1) * d]) {
                    *xv += yv;
                }
            }
        }
        self.ln_f.apply_rows(x, h, idx);
        let logits = y;
        self.head.apply_into(h, rows, false, logits)?;
        for (r, lane) in members.iter_mut() {
            let row = &logits[*r * VOCAB..(*r + 1) * VOCAB];
            let mx = row.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            lane.dist.resize(VOCAB, 0.0);
            let mut sum = 0f64;
            for (o, &v) in lane.dist.iter_mut().zip(row) {
                *o = (v - mx).exp();
                sum += *o as f64;
            }
            let inv = (1.0 / sum) as f32;
            for o in lane.dist.iter_mut() {
                *o *= inv;
            }
            lane.pos += 1;
            lane.table = self
                .table_precision
                .and_then(|p| quantize(&lane.dist, p).ok());
        }
        Ok(())
    }

    /// Model cross-entropy of `bytes` scored from an empty context, in bits per byte.
    pub fn cross_entropy_bits_per_byte(&mut self, bytes: &[u8]) -> Result<f64> {
        cross_entropy_bits_per_byte(self, bytes)
    }
}

/// Cross-entropy in bits/byte of `bytes` under any model, scored from an empty context with
/// [`ByteModel::score`] (one batched forward for M1).
pub fn cross_entropy_bits_per_byte<M: ByteModel + ?Sized>(
    model: &mut M,
    bytes: &[u8],
) -> Result<f64> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput("no bytes to score".into()));
    }
    let probs = model.score(bytes)?;
    let mut bits = 0f64;
    for (i, &b) in bytes.iter().enumerate() {
        let p = probs[i * VOCAB + b as usize] as f64;
        bits -= p.max(1e-30).log2();
    }
    Ok(bits / bytes.len() as f64)
}

impl ByteModel for M1 {
    fn identity(&self) -> ModelIdentity {
        self.identity.clone()
    }

    fn start(&mut self, lanes: usize) -> Result<()> {
        self.lanes.truncate(lanes);
        for lane in self.lanes.iter_mut() {
            lane.fresh = true;
            lane.pos = 0;
        }
        while self.lanes.len() < lanes {
            self.lanes.push(Lane {
                fresh: true,
                ..Lane::default()
            });
        }
        Ok(())
    }

    fn reset_lane(&mut self, lane: usize) {
        let l = &mut self.lanes[lane];
        l.fresh = true;
        l.pos = 0;
    }

    fn dist(&self, lane: usize) -> &[f32] {
        match &self.lanes[lane] {
            l if l.fresh => &self.empty.dist,
            l => &l.dist,
        }
    }

    fn feed(&mut self, bytes: &[Option<u8>]) -> Result<()> {
        if bytes.len() != self.lanes.len() {
            return Err(Error::BadParams(format!(
                "feed got {} bytes for {} lanes",
                bytes.len(),
                self.lanes.len()
            )));
        }
        let mut lanes = std::mem::take(&mut self.lanes);
        let result = if self.on_cpu() {
            self.feed_cpu(&mut lanes, bytes)
        } else {
            self.feed_chunks(&mut lanes, bytes)
        };
        self.lanes = lanes;
        result
    }

    fn preferred_lanes(&self) -> usize {
        4 * CHUNK_ROWS
    }

    fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
        let have = self.pool.as_ref().map_or(1, |p| p.current_num_threads());
        if self.threads == 1 {
            self.pool = None;
        } else if have != self.threads {
            // A pool that cannot be built (no threads left) leaves stepping on the caller's
            // thread, with the same results.
            self.pool = crate::model::pool::build(self.threads).ok().map(Arc::new);
        }
    }

    fn prepare_tables(&mut self, precision: u32) {
        if self.table_precision == Some(precision) {
            return;
        }
        self.table_precision = Some(precision);
        for lane in std::iter::once(&mut self.empty).chain(self.lanes.iter_mut()) {
            if !lane.fresh {
                lane.table = quantize(&lane.dist, precision).ok();
            }
        }
    }

    fn table(&self, lane: usize, precision: u32) -> Option<&FreqTable> {
        match self.table_precision {
            Some(p) if p == precision => match self.lanes.get(lane)? {
                l if l.fresh => self.empty.table.as_ref(),
                l => l.table.as_ref(),
            },
            _ => None,
        }
    }

    /// On the CPU a run of bytes goes through as the rows of one product per layer, bit for
    /// bit what stepping gives (`infer/prefill.rs`); on a GPU it steps.
    fn feed_many(&mut self, bytes: &[u8], dists: &mut Vec<f32>) -> Result<()> {
        if self.on_cpu() {
            return self.feed_many_cpu(bytes, dists);
        }
        for &b in bytes {
            self.feed(&[Some(b)])?;
            dists.extend_from_slice(self.dist(0));
        }
        Ok(())
    }

    fn save_lane(&self) -> Option<crate::model::LaneSnapshot> {
        self.save_lane0()
    }

    fn restore_lane(&mut self, snapshot: &crate::model::LaneSnapshot) -> Result<()> {
        self.restore_lane0(snapshot)
    }

    fn context_bytes(&self) -> Option<usize> {
        Some(self.context_bytes0())
    }

    /// One batched forward over `[BOS, bytes[..n-1]]` with the sliding-window mask (attention in
    /// query blocks beyond twice the window, so memory stays linear). Does not touch the lanes.
    fn score(&mut self, bytes: &[u8]) -> Result<Vec<f32>> {
        if bytes.is_empty() {
            return Ok(Vec::new());
        }
        let dev = self.net.bos.device().clone();
        let ids: Vec<u32> = bytes[..bytes.len() - 1].iter().map(|&b| b as u32).collect();
        let ids = Tensor::from_vec(ids, (1, bytes.len() - 1), &dev).map_err(ce)?;
        let logits = self.net.forward_long(&ids).map_err(ce)?;
        let probs = candle_nn::ops::softmax_last_dim(&logits).map_err(ce)?;
        probs
            .flatten_all()
            .map_err(ce)?
            .to_device(&Device::Cpu)
            .map_err(ce)?
            .to_vec1::<f32>()
            .map_err(ce)
    }
}

// `Net` holds candle tensors, which are Send; so is everything else here.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<M1>();
};

#[cfg(test)]
mod tests {
    use super::Norm;

    /// `apply_rows` against `apply` row by row (the reference), bit for bit, for every block
    /// size and for rows of zeros of both signs (where the sum's starting value shows).
    #[test]
    fn norm_rows_equal_norm_row_by_row() {
        let d = 37;
        let mut s = 7u32;
        let mut next = || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let norm = Norm {
            w: (0..d).map(|_| next() * 3.0).collect(),
            b: (0..d).map(|_| next()).collect(),
            eps: 1e-5,
        };
        let rows = 23;
        let mut x: Vec<f32> = (0..rows * d).map(|_| next() * 10.0).collect();
        x[..d].fill(-0.0);
        x[d..2 * d].fill(0.0);
        for pick in [
            (0..rows).collect::<Vec<_>>(),
            vec![5, 2, 19, 0, 1, 7, 8, 3, 4, 11, 22],
            vec![9],
        ] {
            let mut got = vec![f32::NAN; rows * d];
            norm.apply_rows(&x, &mut got, &pick);
            for &r in &pick {
                let mut want = vec![0f32; d];
                norm.apply(&x[r * d..(r + 1) * d], &mut want);
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got[r * d..(r + 1) * d]), bits(&want), "row {r}");
            }
        }
    }
}
