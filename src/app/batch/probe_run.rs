//! The M2 probe's background work: read the two texts, open the byte model, and run
//! [`crate::probe::run_probe`] once per group of configurations that share an encoding (AC methods
//! that differ only in token size), so a cancel keeps every group finished before it; live loss
//! curves go through the task's progress. Also the GUI's presets. No egui here.

use crate::app::batch::eta::EtaSmoother;
use crate::app::batch::run::open_model;
use crate::app::state::BatchSettings;
use crate::app::tasks::TaskHandle;
use crate::method::Config;
use crate::model::open::FitText;
use crate::probe::{
    self, preset, ConfigResult, Hooks, Phase, ProbeOptions, ProbeProgress, ProbeReport,
};
use std::path::PathBuf;
use std::time::Instant;

/// Presets offered: the library's ([`crate::probe::PRESETS`]: `tiny` for a smoke run,
/// `quick`, `gpu`).
pub const GUI_PRESETS: &[&str] = probe::PRESETS;

/// The options of a preset name (see [`crate::probe::preset`]).
pub fn probe_options(name: &str) -> Result<ProbeOptions, String> {
    preset(name).map_err(|e| e.to_string())
}

/// Fraction of a probe done: configurations finished, plus the share of training steps of the
/// one in progress (its encoding counts as no progress).
pub fn probe_fraction(live: &ProbeLive) -> f64 {
    let n = live.labels.len();
    if n == 0 {
        return 0.0;
    }
    let current = match live.current {
        Some((i, ph, step, steps))
            if ph != Phase::Done && !live.finished.contains(&i) && steps > 0 =>
        {
            step.min(steps) as f64 / steps as f64
        }
        _ => 0.0,
    };
    ((live.finished.len() as f64 + current) / n as f64).clamp(0.0, 1.0)
}

/// What a running probe shares with the UI.
#[derive(Debug, Clone, Default)]
pub struct ProbeLive {
    /// Configuration labels, in order.
    pub labels: Vec<String>,
    /// Training loss (bits per token) per step, per configuration.
    pub curves: Vec<Vec<f32>>,
    /// (configuration, phase, step, steps) now.
    pub current: Option<(usize, Phase, usize, usize)>,
    /// Finished configurations (index, result).
    pub results: Vec<(usize, ConfigResult)>,
    /// Errors of configurations that failed.
    pub errors: Vec<String>,
    /// What runs before the first configuration.
    pub phase: String,
    /// Configurations whose training and scoring are done (by index), as soon as each is
    /// (a group's results arrive together, later).
    pub finished: std::collections::BTreeSet<usize>,
    /// Remaining seconds (smoothed; None before any step) and when they were estimated (shown
    /// counted down, [`crate::app::batch::eta::counted_down`]).
    pub eta_seconds: Option<(f64, Instant)>,
    /// The smoother behind `eta_seconds`.
    pub eta: EtaSmoother,
}

/// How a probe ended.
pub enum ProbeOutcome {
    /// With a report (complete, or cut short by cancel).
    Done {
        /// The report.
        report: Box<ProbeReport>,
        /// The run was cancelled.
        cancelled: bool,
    },
    /// Without one.
    Failed(String),
}

/// Everything a probe run needs, taken from the settings when it starts.
pub struct ProbeJob {
    /// The training text.
    pub train: PathBuf,
    /// The held-out text.
    pub heldout: PathBuf,
    /// The configurations, in order.
    pub configs: Vec<Config>,
    /// The Batch tab's settings (the model choice).
    pub settings: BatchSettings,
    /// The app's model path.
    pub app_model: Option<String>,
    /// The device of M1 and (for a GPU) M2.
    pub device: String,
    /// CPU threads for M1 (0 = every core).
    pub threads: usize,
    /// The preset's options.
    pub opts: ProbeOptions,
}

/// Groups of configuration indices that share an encoding (AC methods differing only in token
/// size), in order of first appearance.
fn groups(configs: &[Config]) -> Vec<Vec<usize>> {
    let mut out: Vec<(Option<Config>, Vec<usize>)> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let key = c.encoding_key();
        match out.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, v)) => v.push(i),
            None => out.push((key, vec![i])),
        }
    }
    out.into_iter().map(|(_, v)| v).collect()
}

/// The probe thread's body.
pub fn run(job: &ProbeJob, h: &TaskHandle<ProbeLive, ProbeOutcome>) -> ProbeOutcome {
    let set_phase = |s: &str| h.update(|g| g.phase = s.to_string());
    set_phase("reading the texts");
    let train = match std::fs::read(&job.train) {
        Ok(t) => t,
        Err(e) => return ProbeOutcome::Failed(format!("{}: {e}", job.train.display())),
    };
    let heldout = match std::fs::read(&job.heldout) {
        Ok(t) => t,
        Err(e) => return ProbeOutcome::Failed(format!("{}: {e}", job.heldout.display())),
    };
    set_phase("opening the model");
    let fit = FitText {
        name: "the training text",
        parts: &[&train],
    };
    let (mut model, _name) = match open_model(
        &job.settings,
        job.app_model.as_deref(),
        &job.device,
        job.threads,
        fit,
    ) {
        Ok(m) => m,
        Err(e) => return ProbeOutcome::Failed(format!("cannot open the model: {e}")),
    };
    let start = Instant::now();
    let m2_device = if job.device.starts_with("cuda") || job.device.starts_with("metal") {
        job.device.clone()
    } else {
        "cpu".to_string()
    };
    let mut cancelled = false;
    for group in groups(&job.configs) {
        if h.is_cancelled() {
            cancelled = true;
            break;
        }
        let cfgs: Vec<Config> = group
            .iter()
            .filter_map(|&i| job.configs.get(i).cloned())
            .collect();
        let on_progress = |p: &ProbeProgress| {
            let Some(&global) = group.get(p.config_index) else {
                return;
            };
            h.update(|g| {
                g.current = Some((global, p.phase, p.step, p.steps));
                if p.phase == Phase::Done {
                    g.finished.insert(global);
                }
                g.eta_seconds = g
                    .eta
                    .update(start.elapsed().as_secs_f64(), probe_fraction(g))
                    .map(|s| (s, Instant::now()));
                if let (Phase::Training, Some(l)) = (p.phase, p.loss_bits_per_token) {
                    if let Some(c) = g.curves.get_mut(global) {
                        if p.step > c.len() {
                            c.push(l as f32);
                        }
                    }
                }
            });
        };
        let hooks = Hooks {
            progress: Some(&on_progress),
            cancel: Some(h.cancel_flag()),
        };
        match probe::run_probe(
            &train,
            &heldout,
            &cfgs,
            model.as_mut(),
            &job.opts,
            &m2_device,
            &hooks,
        ) {
            Ok(rep) => {
                h.update(|g| {
                    for (k, r) in rep.results.into_iter().enumerate() {
                        if let Some(&global) = group.get(k) {
                            g.results.push((global, r));
                        }
                    }
                });
            }
            Err(crate::Error::Cancelled) => {
                cancelled = true;
                break;
            }
            Err(e) => {
                let names: Vec<String> = cfgs.iter().map(Config::label).collect();
                h.update(|g| g.errors.push(format!("{}: {e}", names.join(", "))));
            }
        }
    }
    let mut results = h.read(|g| g.results.clone());
    results.sort_by_key(|r| r.0);
    ProbeOutcome::Done {
        report: Box::new(ProbeReport {
            options: job.opts.clone(),
            model: model.identity(),
            device: m2_device,
            results: results.into_iter().map(|r| r.1).collect(),
            seconds: start.elapsed().as_secs_f64(),
        }),
        cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two configurations probed as one group (the same encoding re-cut): when the first is
    /// done and the second starts, the fraction is 1/2, not back to 0 (the group's results
    /// arrive only at its end, which made the old count, and the ETA, jump back).
    #[test]
    fn a_finished_configuration_counts_before_its_group_reports() {
        let mut live = ProbeLive {
            labels: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        live.current = Some((0, Phase::Training, 20, 40));
        assert_eq!(probe_fraction(&live), 0.25);
        live.current = Some((0, Phase::Done, 40, 40));
        live.finished.insert(0);
        assert_eq!(probe_fraction(&live), 0.5);
        live.current = Some((1, Phase::Encoding, 0, 40));
        assert!(live.results.is_empty());
        assert_eq!(probe_fraction(&live), 0.5);
        live.current = Some((1, Phase::Training, 10, 40));
        assert_eq!(probe_fraction(&live), 0.625);
        assert_eq!(GUI_PRESETS, &["tiny", "quick", "gpu"]);
        assert!(probe_options("tiny").is_ok_and(|o| o.budget.steps == 40));
    }
}
