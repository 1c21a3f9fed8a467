//! Many bytes of one lane at once: [`M1::feed_many_cpu`] pushes a run of bytes through the
//! network as the rows of one product per layer instead of one step per byte, with the same
//! arithmetic as stepping (`run_rows`), so every distribution is bit-identical to feeding the
//! bytes one by one (`tests/m1_prefill.rs` checks it bit for bit across the sliding window):
//! - every matrix product goes through the row-independent kernel, so a row's values do not
//!   depend on the other rows of the product;
//! - LayerNorm, bias adds, ReLU and softmax are the same per-row code;
//! - attention of the byte at position `p` reads BOS and the positions
//!   `max(1, p + 2 - max_context)..=p`, oldest first, with the same `dot`, the same score
//!   expression and the same sums in the same order; the keys and values of the run's own
//!   positions are taken from a linear buffer instead of the ring (the same values), so a run
//!   longer than the window does not overwrite entries its earlier rows still read; the ring
//!   gets every position in order afterwards, ending as stepping leaves it.
//!
//! Also the lane snapshot behind [`ByteModel::save_lane`](crate::model::ByteModel::save_lane).

use super::{dot, Dense, Lane, M1, MIN_ROWS_PER_THREAD};
use crate::error::{Error, Result};
use crate::model::{LaneSnapshot, VOCAB};

/// Rows pushed through the network at once (a few MB of activations).
const ROWS: usize = 512;

/// A saved lane and the model it belongs to.
struct Saved {
    hash: String,
    lane: Lane,
}

impl M1 {
    /// [`crate::model::ByteModel::feed_many`] on the CPU kernel (see the module docs).
    pub(super) fn feed_many_cpu(&mut self, bytes: &[u8], dists: &mut Vec<f32>) -> Result<()> {
        if self.lanes.len() != 1 {
            return Err(Error::BadParams(format!(
                "feed_many needs a model started with one lane, not {}",
                self.lanes.len()
            )));
        }
        // A lane reset or started since its last feed is the empty lane until copied.
        self.materialize_lane(0);
        let mut lane = std::mem::take(&mut self.lanes[0]);
        let mut result = Ok(());
        dists.reserve(bytes.len() * VOCAB);
        for chunk in bytes.chunks(ROWS) {
            result = self.rows_of_one_lane(&mut lane, chunk, dists);
            if result.is_err() {
                break;
            }
        }
        self.lanes[0] = lane;
        self.refresh_table0();
        result
    }

    /// Lane 0's quantized table (when tables were asked for) for its current distribution: the
    /// batched feed and a restored lane bypass the step that keeps it.
    fn refresh_table0(&mut self) {
        if let Some(p) = self.table_precision {
            if let Some(lane) = self.lanes.first_mut() {
                lane.table = crate::coding::quantize(&lane.dist, p).ok();
            }
        }
    }

    /// `dense` over `rows` rows of `x`, cut into row groups on up to `self.threads` threads
    /// (rows are independent, so the grouping changes no value).
    fn apply_rows(&self, dense: &Dense, x: &[f32], rows: usize) -> Result<Vec<f32>> {
        let groups = self.threads.min(rows / MIN_ROWS_PER_THREAD).max(1);
        if groups == 1 {
            return dense.apply(x, rows);
        }
        let per = rows.div_ceil(groups);
        let k = dense.k;
        std::thread::scope(|s| {
            let handles: Vec<_> = x
                .chunks(per * k)
                .map(|part| s.spawn(move || dense.apply(part, part.len() / k)))
                .collect();
            let mut out = Vec::with_capacity(rows * dense.n);
            for h in handles {
                let part = h
                    .join()
                    .unwrap_or_else(|_| Err(Error::Model("an M1 thread panicked".into())))?;
                out.extend_from_slice(&part);
            }
            Ok(out)
        })
    }

    /// One run of bytes (at most [`ROWS`]) through the network for `lane`.
    fn rows_of_one_lane(&self, lane: &mut Lane, chunk: &[u8], dists: &mut Vec<f32>) -> Result<()> {
        let cfg = &self.cfg;
        let (d, a, hd) = (cfg.d_model, cfg.attn_dim(), cfg.head_dim);
        let cap = cfg.max_context as u64;
        let rows = chunk.len();
        if rows == 0 {
            return Ok(());
        }
        let p0 = lane.pos;
        if p0 == 0 {
            return Err(Error::Model(
                "internal: a lane without its BOS entry".into(),
            ));
        }
        let slot = |pos: u64| 1 + ((pos - 1) % (cap - 1)) as usize;
        // The oldest position the first row sees.
        let lo0 = (p0 + 2).saturating_sub(cap).max(1);
        let old = (p0 - lo0) as usize;
        let mut x = vec![0f32; rows * d];
        for (r, &b) in chunk.iter().enumerate() {
            let b = b as usize;
            x[r * d..(r + 1) * d].copy_from_slice(&self.tok_emb[b * d..(b + 1) * d]);
        }
        let mut h = vec![0f32; rows * d];
        let mut att = vec![0f32; rows * a];
        for (l, lw) in self.layers.iter().enumerate() {
            for r in 0..rows {
                lw.ln1
                    .apply(&x[r * d..(r + 1) * d], &mut h[r * d..(r + 1) * d]);
            }
            let qkv = self.apply_rows(&lw.qkv, &h, rows)?;
            // Keys and values of positions lo0.., linear: the ring's, then the run's.
            let n_lin = old + rows;
            let mut kl = vec![0f32; n_lin * a];
            let mut vl = vec![0f32; n_lin * a];
            for i in 0..old {
                let s = slot(lo0 + i as u64);
                kl[i * a..(i + 1) * a].copy_from_slice(&lane.k[l][s * a..(s + 1) * a]);
                vl[i * a..(i + 1) * a].copy_from_slice(&lane.v[l][s * a..(s + 1) * a]);
            }
            for r in 0..rows {
                let row = &qkv[r * 3 * a..(r + 1) * 3 * a];
                let i = old + r;
                kl[i * a..(i + 1) * a].copy_from_slice(&row[a..2 * a]);
                vl[i * a..(i + 1) * a].copy_from_slice(&row[2 * a..]);
            }
            let bos_k = &lane.k[l][..a];
            let bos_v = &lane.v[l][..a];
            let ctx = Attend {
                qkv: &qkv,
                kl: &kl,
                vl: &vl,
                bos_k,
                bos_v,
                slopes: &self.slopes,
                a,
                hd,
                cap,
                p0,
                lo0,
            };
            let groups = self.threads.min(rows / MIN_ROWS_PER_THREAD).max(1);
            if groups == 1 {
                ctx.rows(0, &mut att);
            } else {
                let per = rows.div_ceil(groups);
                std::thread::scope(|s| {
                    for (g, out) in att.chunks_mut(per * a).enumerate() {
                        let ctx = &ctx;
                        s.spawn(move || ctx.rows(g * per, out));
                    }
                });
            }
            // The ring gets the run's entries in order, as stepping writes them.
            for r in 0..rows {
                let s = slot(p0 + r as u64);
                let i = old + r;
                for (cache, src) in [
                    (&mut lane.k[l], &kl[i * a..(i + 1) * a]),
                    (&mut lane.v[l], &vl[i * a..(i + 1) * a]),
                ] {
                    if cache.len() < (s + 1) * a {
                        cache.resize((s + 1) * a, 0.0);
                    }
                    cache[s * a..(s + 1) * a].copy_from_slice(src);
                }
            }
            let y = self.apply_rows(&lw.proj, &att, rows)?;
            for r in 0..rows {
                for (xv, yv) in x[r * d..(r + 1) * d].iter_mut().zip(&y[r * d..(r + 1) * d]) {
                    *xv += yv;
                }
                lw.ln2
                    .apply(&x[r * d..(r + 1) * d], &mut h[r * d..(r + 1) * d]);
            }
            let mut m = self.apply_rows(&lw.fc1, &h, rows)?;
            for v in m.iter_mut() {
                *v = v.max(0.0);
            }
            let y = self.apply_rows(&lw.fc2, &m, rows)?;
            for r in 0..rows {
                for (xv, yv) in x[r * d..(r + 1) * d].iter_mut().zip(&y[r * d..(r + 1) * d]) {
                    *xv += yv;
                }
            }
        }
        for r in 0..rows {
            self.ln_f
                .apply(&x[r * d..(r + 1) * d], &mut h[r * d..(r + 1) * d]);
        }
        let logits = self.apply_rows(&self.head, &h, rows)?;
        let mut dist = [0f32; VOCAB];
        for r in 0..rows {
            let row = &logits[r * VOCAB..(r + 1) * VOCAB];
            let mx = row.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            let mut sum = 0f64;
            for (o, &v) in dist.iter_mut().zip(row) {
                *o = (v - mx).exp();
                sum += *o as f64;
            }
            let inv = (1.0 / sum) as f32;
            for o in dist.iter_mut() {
                *o *= inv;
            }
            dists.extend_from_slice(&dist);
        }
        lane.dist.clear();
        lane.dist.extend_from_slice(&dist);
        lane.pos += rows as u64;
        Ok(())
    }

    /// [`crate::model::ByteModel::save_lane`].
    pub(super) fn save_lane0(&self) -> Option<LaneSnapshot> {
        let lane = self.lanes.first()?;
        let floats: usize = lane.k.iter().chain(&lane.v).map(Vec::len).sum::<usize>() + VOCAB;
        Some(LaneSnapshot::new(
            Saved {
                hash: self.identity.hash.clone(),
                lane: lane.clone(),
            },
            floats * 4,
        ))
    }

    /// [`crate::model::ByteModel::restore_lane`].
    pub(super) fn restore_lane0(&mut self, snapshot: &LaneSnapshot) -> Result<()> {
        let saved = snapshot
            .get::<Saved>()
            .filter(|s| s.hash == self.identity.hash)
            .ok_or_else(|| Error::Model("a saved lane of another model".into()))?;
        let lane = self
            .lanes
            .first_mut()
            .ok_or_else(|| Error::BadParams("restore_lane needs a started lane".into()))?;
        lane.copy_from(&saved.lane);
        self.refresh_table0();
        Ok(())
    }

    /// [`crate::model::ByteModel::context_bytes`]: the output at position `p` reads positions
    /// back to `p - (max_context - 2)` in every layer, so `n_layers * (max_context - 2)` bytes
    /// before the latest one (and the position itself, through BOS's ALiBi distance).
    pub(super) fn context_bytes0(&self) -> usize {
        self.cfg.n_layers * (self.cfg.max_context - 2) + 1
    }
}

/// What the attention of a run's rows reads (one layer).
struct Attend<'a> {
    qkv: &'a [f32],
    kl: &'a [f32],
    vl: &'a [f32],
    bos_k: &'a [f32],
    bos_v: &'a [f32],
    slopes: &'a [f32],
    a: usize,
    hd: usize,
    cap: u64,
    p0: u64,
    lo0: u64,
}

impl Attend<'_> {
    /// The attention outputs of rows `first..` into `out` (`a` values a row), the arithmetic of
    /// `run_rows` exactly.
    fn rows(&self, first: usize, out: &mut [f32]) {
        let (a, hd) = (self.a, self.hd);
        let scale = 1.0 / (hd as f32).sqrt();
        let mut scores: Vec<f32> = Vec::new();
        for (j, o_row) in out.chunks_mut(a).enumerate() {
            let r = first + j;
            let p = self.p0 + r as u64;
            let row = &self.qkv[r * 3 * a..(r + 1) * 3 * a];
            let lo = (p + 2).saturating_sub(self.cap).max(1);
            let n_bytes = (p - lo + 1) as usize;
            let base_i = (lo - self.lo0) as usize;
            for (hi, slope) in self.slopes.iter().enumerate() {
                let q = &row[hi * hd..(hi + 1) * hd];
                let off = hi * hd;
                scores.clear();
                scores.push(dot(q, &self.bos_k[off..off + hd]) * scale - slope * p as f32);
                for i in 0..n_bytes {
                    let pos = lo + i as u64;
                    let base = (base_i + i) * a + off;
                    scores
                        .push(dot(q, &self.kl[base..base + hd]) * scale - slope * (p - pos) as f32);
                }
                let mx = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
                let mut sum = 0f32;
                for s in scores.iter_mut() {
                    *s = (*s - mx).exp();
                    sum += *s;
                }
                let o = &mut o_row[off..off + hd];
                o.fill(0.0);
                for (i, w) in scores.iter().enumerate() {
                    let w = w / sum;
                    let vrow = if i == 0 {
                        &self.bos_v[off..off + hd]
                    } else {
                        let base = (base_i + i - 1) * a + off;
                        &self.vl[base..base + hd]
                    };
                    for (ov, v) in o.iter_mut().zip(vrow) {
                        *ov += w * v;
                    }
                }
            }
        }
    }
}
