//! Candle helpers shared by the two trainers, M1 (`m1::train`) and M2 (`m2::train`): the
//! conversion of candle's errors into the library's, variables in name order, seeded
//! initialization, global-norm gradient clipping, the learning-rate schedule and AdamW.
//!
//! Determinism: everything here visits variables in name order ([`sorted_vars`]), never in the
//! hash-map order of a `VarMap`, so no floating-point sum depends on it; with the same seed, data
//! and thread count a training run is repeatable bit for bit. The random numbers come from
//! [`crate::rng::SplitMix64`], which lives outside `model` because `stats` uses it too.

use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use std::collections::HashMap;
use std::path::Path;

/// Candle's errors become [`Error::Model`] (`candle: ...`), so `?` works on any candle call in a
/// function returning the library's `Result`.
impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Model(format!("candle: {e}"))
    }
}

/// The variables of `varmap` sorted by name.
pub fn sorted_vars(varmap: &VarMap) -> Vec<(String, Var)> {
    let data = varmap.data().lock().unwrap_or_else(|p| p.into_inner());
    let mut v: Vec<(String, Var)> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// A seed for one variable: FNV-1a over its name, mixed with the run's seed, so that
/// initialization does not depend on the order in which variables are visited.
pub fn name_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h ^ seed.rotate_left(17)
}

/// Initializes every variable of a transformer built from M1's layers (M1 itself, and M2) from
/// the seed: N(0, 0.02) for matrices and embeddings (output projections of residual branches,
/// `*proj.weight` and `*fc2.weight`, scaled by 1/sqrt(2 n_layers)), ones for LayerNorm weights,
/// zeros for biases.
pub fn init_weights(varmap: &VarMap, n_layers: usize, seed: u64) -> Result<()> {
    let resid_scale = 1.0 / ((2 * n_layers) as f64).sqrt();
    for (name, var) in sorted_vars(varmap) {
        let n = var.elem_count();
        let dims = var.dims().to_vec();
        let data: Vec<f32> = if name.contains("ln") && name.ends_with(".weight") {
            vec![1.0; n]
        } else if name.ends_with(".bias") {
            vec![0.0; n]
        } else {
            let mut rng = SplitMix64::new(name_seed(seed, &name));
            let std = if name.ends_with("proj.weight") || name.ends_with("fc2.weight") {
                0.02 * resid_scale
            } else {
                0.02
            };
            (0..n).map(|_| (rng.normal() * std) as f32).collect()
        };
        var.set(&Tensor::from_vec(data, dims, var.device())?)?;
    }
    Ok(())
}

/// The global L2 norm of the gradients of `vars` (squares summed per tensor in f32, then over
/// tensors in f64, in the order of `vars`). Variables without a gradient count as zero.
pub fn grad_norm(grads: &GradStore, vars: &[(String, Var)]) -> Result<f64> {
    let mut sq = 0f64;
    for (_, v) in vars {
        if let Some(g) = grads.get(v) {
            sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
        }
    }
    Ok(sq.sqrt())
}

/// Global-norm clipping: the factor `clip / norm` to scale every gradient by when the norm
/// exceeds `clip`, or `None` when it does not (or `clip` is 0: no clipping).
pub fn clip_factor(norm: f64, clip: f64) -> Option<f64> {
    (clip > 0.0 && norm > clip).then(|| clip / norm)
}

/// The learning-rate schedule of both trainers: linear warm-up, then cosine decay to
/// `min_lr_frac * lr` at `steps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Steps of the whole run.
    pub steps: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Final learning rate as a fraction of `lr`.
    pub min_lr_frac: f64,
    /// Warm-up steps.
    pub warmup: usize,
}

impl Schedule {
    /// Learning rate at a step (0-based): `lr * (step + 1) / warmup` during warm-up, then
    /// cosine from `lr` down to `min_lr_frac * lr` (held there past `steps`).
    pub fn lr_at(&self, step: usize) -> f64 {
        if step < self.warmup {
            return self.lr * (step + 1) as f64 / self.warmup as f64;
        }
        let span = self.steps.saturating_sub(self.warmup).max(1) as f64;
        let t = ((step - self.warmup) as f64 / span).min(1.0);
        let min = self.lr * self.min_lr_frac;
        min + (self.lr - min) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
    }
}

/// Whether a variable gets weight decay: the matrices of linear layers (rank 2, `*.weight`), not
/// the token embedding, BOS, LayerNorm or biases.
pub fn decays(name: &str, var: &Var) -> bool {
    var.rank() == 2 && name.ends_with(".weight") && !name.starts_with("tok_emb")
}

/// One variable under AdamW: the parameter, its two moments, whether it decays.
struct Slot {
    name: String,
    theta: Var,
    m: Var,
    v: Var,
    decay: bool,
}

/// AdamW (β = 0.9, 0.95, ε = 1e-8; decoupled weight decay on the variables [`decays`] picks;
/// bias-corrected moments): the same update, operation for operation, as `candle_nn::AdamW`,
/// written out so that the moments can be saved in a checkpoint and restored (candle_nn keeps
/// them private).
pub struct AdamW {
    slots: Vec<Slot>,
    t: usize,
}

impl AdamW {
    /// Zero moments for each of `named` (visited in the order given).
    pub fn new(named: &[(String, Var)]) -> Result<Self> {
        let mut slots = Vec::new();
        for (name, v) in named {
            slots.push(Slot {
                name: name.clone(),
                theta: v.clone(),
                m: Var::zeros(v.shape(), DType::F32, v.device())?,
                v: Var::zeros(v.shape(), DType::F32, v.device())?,
                decay: decays(name, v),
            });
        }
        Ok(Self { slots, t: 0 })
    }

    /// One update with learning rate `lr` and weight decay `wd`. With `grad_scale`, every
    /// gradient is multiplied by it first (clipping); variables without a gradient are skipped.
    pub fn step(
        &mut self,
        grads: &GradStore,
        lr: f64,
        wd: f64,
        grad_scale: Option<f64>,
    ) -> Result<()> {
        self.t += 1;
        let (b1, b2, eps) = (0.9f64, 0.95f64, 1e-8f64);
        let sm = 1.0 / (1.0 - b1.powi(self.t as i32));
        let sv = 1.0 / (1.0 - b2.powi(self.t as i32));
        let keep_decayed = 1.0 - lr * wd;
        for s in &self.slots {
            let Some(g) = grads.get(&s.theta) else {
                continue;
            };
            let g = match grad_scale {
                Some(k) => (g * k)?,
                None => g.clone(),
            };
            let nm = ((s.m.as_tensor() * b1)? + (&g * (1.0 - b1))?)?;
            let nv = ((s.v.as_tensor() * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let upd = ((&nm * sm)? / ((&nv * sv)?.sqrt()? + eps)?)?;
            let keep = if s.decay { keep_decayed } else { 1.0 };
            let nt = ((s.theta.as_tensor() * keep)? - (upd * lr)?)?;
            s.m.set(&nm)?;
            s.v.set(&nv)?;
            s.theta.set(&nt)?;
        }
        Ok(())
    }

    /// Writes the moments (`m.<name>`, `v.<name>`) and the step count `t` as safetensors.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut map: HashMap<String, Tensor> = HashMap::new();
        for s in &self.slots {
            map.insert(format!("m.{}", s.name), s.m.as_tensor().clone());
            map.insert(format!("v.{}", s.name), s.v.as_tensor().clone());
        }
        map.insert("t".into(), Tensor::new(&[self.t as u32], &Device::Cpu)?);
        Ok(candle_core::safetensors::save(&map, path)?)
    }

    /// Restores what [`AdamW::save`] wrote; a missing tensor is an error naming it.
    pub fn load(&mut self, path: &Path, dev: &Device) -> Result<()> {
        let map = candle_core::safetensors::load(path, dev)?;
        let get = |k: &str| {
            map.get(k).ok_or_else(|| {
                Error::Model(format!("{}: missing optimizer tensor {k}", path.display()))
            })
        };
        for s in &self.slots {
            s.m.set(get(&format!("m.{}", s.name))?)?;
            s.v.set(get(&format!("v.{}", s.name))?)?;
        }
        let t = get("t")?.to_vec1::<u32>()?;
        self.t = t.first().copied().unwrap_or(0) as usize;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::{Optimizer, ParamsAdamW};

    #[test]
    fn schedule_warms_up_linearly_then_decays_to_the_floor() {
        let s = Schedule {
            steps: 110,
            lr: 1e-3,
            min_lr_frac: 0.1,
            warmup: 10,
        };
        assert_eq!(s.lr_at(0), 1e-4);
        assert_eq!(s.lr_at(9), 1e-3);
        assert_eq!(s.lr_at(10), 1e-3);
        assert!((s.lr_at(60) - 0.55e-3).abs() < 1e-15, "{}", s.lr_at(60));
        assert!((s.lr_at(110) - 1e-4).abs() < 1e-15);
        assert!((s.lr_at(1000) - 1e-4).abs() < 1e-15);
        let no_warmup = Schedule { warmup: 0, ..s };
        assert_eq!(no_warmup.lr_at(0), 1e-3);
    }

    #[test]
    fn clipping_scales_only_above_the_threshold() {
        assert_eq!(clip_factor(0.5, 1.0), None);
        assert_eq!(clip_factor(1.0, 1.0), None);
        assert_eq!(clip_factor(4.0, 1.0), Some(0.25));
        assert_eq!(clip_factor(1e9, 0.0), None);
    }

    fn varmap_with(vals: &[(&str, Vec<f32>, (usize, usize))]) -> VarMap {
        let vm = VarMap::new();
        {
            let mut data = vm.data().lock().unwrap();
            for (name, v, shape) in vals {
                let t = Tensor::from_vec(v.clone(), *shape, &Device::Cpu).unwrap();
                data.insert(name.to_string(), Var::from_tensor(&t).unwrap());
            }
        }
        vm
    }

    #[test]
    fn vars_come_sorted_and_the_norm_is_global() {
        let vm = varmap_with(&[
            ("b.weight", vec![1.0, 2.0], (1, 2)),
            ("a.weight", vec![3.0, 1.0], (2, 1)),
        ]);
        let vars = sorted_vars(&vm);
        let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a.weight", "b.weight"]);
        // loss = sum(2 a) + sum(b^2): grads 2, 2 and 2, 4 -> norm sqrt(4 + 4 + 4 + 16).
        let loss = ((vars[0].1.as_tensor() * 2.0).unwrap().sum_all().unwrap()
            + vars[1].1.as_tensor().sqr().unwrap().sum_all().unwrap())
        .unwrap();
        let grads = loss.backward().unwrap();
        let norm = grad_norm(&grads, &vars).unwrap();
        assert!((norm - 28f64.sqrt()).abs() < 1e-6, "{norm}");
    }

    #[test]
    fn adamw_matches_candle_nn_bit_for_bit_and_decays_only_matrices() {
        // Two identical sets of variables, one stepped by ours, one by candle_nn's AdamW in two
        // groups (decayed / not), as M2 did before it used this one.
        let init = || {
            varmap_with(&[
                ("fc.weight", vec![0.5, -1.5, 2.0, 0.25], (2, 2)),
                ("fc.bias", vec![0.1, -0.2], (1, 2)),
                ("tok_emb.weight", vec![1.0, -1.0, 0.5, 0.0], (2, 2)),
            ])
        };
        let (ours, theirs) = (sorted_vars(&init()), sorted_vars(&init()));
        let decay: Vec<bool> = ours.iter().map(|(n, v)| decays(n, v)).collect();
        assert_eq!(
            decay,
            [false, true, false],
            "fc.bias, fc.weight, tok_emb.weight"
        );
        let params = |wd| ParamsAdamW {
            lr: 0.01,
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weight_decay: wd,
        };
        let pick = |d: bool| -> Vec<Var> {
            theirs
                .iter()
                .filter(|(n, v)| decays(n, v) == d)
                .map(|(_, v)| v.clone())
                .collect()
        };
        let mut opt = AdamW::new(&ours).unwrap();
        let mut cd = candle_nn::AdamW::new(pick(true), params(0.1)).unwrap();
        let mut cp = candle_nn::AdamW::new(pick(false), params(0.0)).unwrap();
        let loss = |vars: &[(String, Var)]| {
            vars.iter()
                .map(|(_, v)| {
                    (v.as_tensor().sqr().unwrap() * 3.0)
                        .unwrap()
                        .sum_all()
                        .unwrap()
                })
                .reduce(|a, b| (a + b).unwrap())
                .unwrap()
        };
        for step in 0..5 {
            let lr = 0.01 * (step + 1) as f64;
            let g1 = loss(&ours).backward().unwrap();
            opt.step(&g1, lr, 0.1, None).unwrap();
            let g2 = loss(&theirs).backward().unwrap();
            cd.set_learning_rate(lr);
            cp.set_learning_rate(lr);
            cd.step(&g2).unwrap();
            cp.step(&g2).unwrap();
        }
        for ((n, a), (_, b)) in ours.iter().zip(&theirs) {
            let a = a.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let b = b.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            let bits = |x: &[f32]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "{n}");
        }
    }

    #[test]
    fn adamw_moments_round_trip_and_a_missing_tensor_is_named() {
        let vm = varmap_with(&[("fc.weight", vec![1.0, 2.0], (1, 2))]);
        let vars = sorted_vars(&vm);
        let mut opt = AdamW::new(&vars).unwrap();
        let g = vars[0].1.as_tensor().sqr().unwrap().sum_all().unwrap();
        opt.step(&g.backward().unwrap(), 0.1, 0.0, Some(0.5))
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("optim.safetensors");
        opt.save(&p).unwrap();
        let mut back = AdamW::new(&vars).unwrap();
        back.load(&p, &Device::Cpu).unwrap();
        assert_eq!(back.t, 1);
        let m = |o: &AdamW| {
            o.slots[0]
                .m
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        };
        assert_eq!(m(&back), m(&opt));
        // Grads were 2, 4, scaled by 0.5 -> first moment 0.1, 0.2.
        assert_eq!(m(&opt), [0.1f32 * 1.0, 0.1 * 2.0]);

        let other = varmap_with(&[("other.weight", vec![1.0, 2.0], (1, 2))]);
        let mut wrong = AdamW::new(&sorted_vars(&other)).unwrap();
        let e = wrong.load(&p, &Device::Cpu).unwrap_err().to_string();
        assert!(e.contains("missing optimizer tensor m.other.weight"), "{e}");
    }
}
