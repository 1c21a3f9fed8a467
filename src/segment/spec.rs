//! The `-c` syntax of the segmenters: [`SegmenterSpec`] parsed by `FromStr` in the style of
//! [`crate::method::Config`] (a name, then `:key=value` parts; a key given twice, an unknown key
//! or a key the chosen mode does not read is refused with a message naming it) and written back
//! by `Display` in a canonical form that parses to the same value.
//!
//! | spec | keys |
//! |---|---|
//! | `entropy` | `mode` = global\|monotone\|both\|topk, `t` = θ (nats), `tr` = θ_r (nats), `size` = target patch size, `reset` = never\|patch\|newline |
//! | `space` | none |
//! | `fixed:n=N` | `n` (bytes per segment, required) |
//! | `subword` | none (the shipped 32k byte-level BPE) |
//! | `equal-info:...` | the keys of [`crate::method::Config`]'s `equal-info` spec except `ex` |
//!
//! Which keys each entropy mode reads (others are refused): `global` reads `t`; `monotone` reads
//! `tr`; `both` reads `t` and `tr`; `topk` reads `size`; every mode reads `reset`. Defaults are
//! those of BLT's `PatcherArgs` (`facebookresearch/blt`, `bytelatent/data/patcher.py`):
//! `threshold` 1.335442 nats and `patch_size` 4.5. BLT's monotone mode compares the entropy
//! rise with its one `threshold`, so `tr` defaults to 1.335442 under `monotone`; under `both` it
//! plays BLT's `threshold_add`, which has no default there, and the default here is 0 (the
//! default of `t_add` in BLT's `patch_start_mask_global_and_monotonicity`).

use crate::error::{Error, Result};
use crate::method::{Config, MethodKind};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// BLT's default global entropy threshold θ in nats (`PatcherArgs.threshold`, 1.335442066…).
pub const DEFAULT_THRESHOLD_NATS: f64 = 1.335442;

/// BLT's default target patch size in bytes (`PatcherArgs.patch_size`).
pub const DEFAULT_PATCH_SIZE: f64 = 4.5;

/// How an entropy segmenter decides where a patch starts (see [`super::rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntropyMode {
    /// A patch starts at byte t when H_t > θ.
    Global,
    /// A patch starts at byte t when H_t − H_{t−1} > θ_r.
    Monotone,
    /// Both conditions at once.
    Both,
    /// The k = ⌊len / size⌋ bytes of highest entropy start the patches.
    TopK,
}

impl EntropyMode {
    /// Every mode, in display order.
    pub const ALL: [EntropyMode; 4] = [
        EntropyMode::Global,
        EntropyMode::Monotone,
        EntropyMode::Both,
        EntropyMode::TopK,
    ];

    /// The name in the spec.
    pub fn name(self) -> &'static str {
        match self {
            EntropyMode::Global => "global",
            EntropyMode::Monotone => "monotone",
            EntropyMode::Both => "both",
            EntropyMode::TopK => "topk",
        }
    }
}

/// Where M1's context restarts while the entropies are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContextReset {
    /// Never within an example: M1's normal context (as AC codes it; BLT's entropy model does
    /// not reset either).
    Never,
    /// At every patch start, as an EqualInfo window restarts its model: H_t then depends on
    /// where the earlier patches started, so the patches are found one after the other.
    Patch,
    /// After every `\n` (the byte after a newline is predicted from the empty context).
    Newline,
}

impl ContextReset {
    /// The name in the spec.
    pub fn name(self) -> &'static str {
        match self {
            ContextReset::Never => "never",
            ContextReset::Patch => "patch",
            ContextReset::Newline => "newline",
        }
    }
}

/// An entropy segmenter (BLT's rules over M1's next-byte entropy).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EntropySpec {
    /// The rule.
    pub mode: EntropyMode,
    /// θ in nats (global and both).
    pub threshold_nats: f64,
    /// θ_r in nats (monotone and both).
    pub rise_threshold_nats: f64,
    /// Target patch size in bytes (topk).
    pub patch_size: f64,
    /// Where the context restarts.
    pub reset: ContextReset,
}

impl EntropySpec {
    /// The spec of `mode` with every other key at its default (see the module docs).
    pub fn new(mode: EntropyMode) -> Self {
        EntropySpec {
            mode,
            threshold_nats: DEFAULT_THRESHOLD_NATS,
            rise_threshold_nats: match mode {
                EntropyMode::Both => 0.0,
                _ => DEFAULT_THRESHOLD_NATS,
            },
            patch_size: DEFAULT_PATCH_SIZE,
            reset: ContextReset::Never,
        }
    }

    /// The keys `mode` reads besides `mode` and `reset`.
    fn reads(mode: EntropyMode) -> &'static [&'static str] {
        match mode {
            EntropyMode::Global => &["t"],
            EntropyMode::Monotone => &["tr"],
            EntropyMode::Both => &["t", "tr"],
            EntropyMode::TopK => &["size"],
        }
    }

    /// Checks the values (finite thresholds, a patch size of at least 1, no top-k with a
    /// context that restarts at patch starts).
    pub fn validate(&self) -> Result<()> {
        if !self.threshold_nats.is_finite() || !self.rise_threshold_nats.is_finite() {
            return Err(Error::BadParams(
                "entropy thresholds must be finite numbers (nats)".into(),
            ));
        }
        if self.mode == EntropyMode::TopK
            && !(self.patch_size.is_finite() && self.patch_size >= 1.0)
        {
            return Err(Error::BadParams(format!(
                "the target patch size must be a number >= 1 (bytes), got {}",
                self.patch_size
            )));
        }
        if self.mode == EntropyMode::TopK && self.reset == ContextReset::Patch {
            return Err(Error::BadParams(
                "mode=topk chooses its patches from all entropies at once, so it cannot restart \
                 the context at patch starts (use reset=never or reset=newline)"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A segmenter: what cuts a text into byte ranges (see the module docs for the syntax).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SegmenterSpec {
    /// BLT's entropy patches.
    Entropy(EntropySpec),
    /// SpaceByte's rule.
    Space,
    /// Fixed-size patches of `n` bytes.
    Fixed {
        /// Bytes per patch.
        n: usize,
    },
    /// The shipped subword tokenizer's token boundaries.
    Subword,
    /// The windows of an EqualInfoAC configuration (its example size is the segmentation's).
    EqualInfo(Config),
}

impl SegmenterSpec {
    /// A short name for tables and plots, e.g. `entropy[global, θ=1.335442, never]`.
    pub fn label(&self) -> String {
        match self {
            SegmenterSpec::Entropy(e) => {
                let keys = match e.mode {
                    EntropyMode::Global => format!("θ={}", e.threshold_nats),
                    EntropyMode::Monotone => format!("θr={}", e.rise_threshold_nats),
                    EntropyMode::Both => {
                        format!("θ={}, θr={}", e.threshold_nats, e.rise_threshold_nats)
                    }
                    EntropyMode::TopK => format!("size={}", e.patch_size),
                };
                format!(
                    "Entropy[{}, {keys}, reset={}]",
                    e.mode.name(),
                    e.reset.name()
                )
            }
            SegmenterSpec::Space => "SpaceByte".into(),
            SegmenterSpec::Fixed { n } => format!("Fixed[n={n}]"),
            SegmenterSpec::Subword => "Subword[BPE 32k]".into(),
            SegmenterSpec::EqualInfo(c) => format!("Windows of {}", c.label()),
        }
    }

    /// True when the segmentation needs the byte model (entropy, EqualInfo).
    pub fn uses_model(&self) -> bool {
        matches!(
            self,
            SegmenterSpec::Entropy(_) | SegmenterSpec::EqualInfo(_)
        )
    }
}

fn bad(msg: String) -> Error {
    Error::BadParams(msg)
}

/// The names a spec may start with.
const NAMES: &str = "entropy, space, fixed:n=N, subword, equal-info:b=B";

impl FromStr for SegmenterSpec {
    type Err = Error;

    fn from_str(spec: &str) -> Result<SegmenterSpec> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(bad(format!("an empty segmenter (use one of {NAMES})")));
        }
        let mut parts = spec.split(':');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        // Every key=value part, with duplicates refused here once for all segmenters.
        let mut kvs: Vec<(String, String)> = Vec::new();
        for kv in parts {
            let kv = kv.trim();
            if kv.is_empty() {
                continue;
            }
            let (k, v) = match kv.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                // The flags of equal-info.
                None => (kv.to_ascii_lowercase(), String::new()),
            };
            if kvs.iter().any(|(seen, _)| *seen == k) {
                return Err(bad(format!("'{k}' is given twice in '{spec}'")));
            }
            kvs.push((k, v));
        }
        match name.as_str() {
            "entropy" => parse_entropy(spec, &kvs).map(SegmenterSpec::Entropy),
            "space" | "spacebyte" => {
                no_keys(spec, &kvs)?;
                Ok(SegmenterSpec::Space)
            }
            "subword" => {
                no_keys(spec, &kvs)?;
                Ok(SegmenterSpec::Subword)
            }
            "fixed" => {
                let mut n = None;
                for (k, v) in &kvs {
                    match k.as_str() {
                        "n" => {
                            let x: usize = v.parse().map_err(|_| {
                                bad(format!("n = '{v}' in '{spec}' is not a whole number"))
                            })?;
                            if x == 0 {
                                return Err(bad(format!("n must be at least 1 in '{spec}'")));
                            }
                            n = Some(x);
                        }
                        other => {
                            return Err(bad(format!(
                                "unknown key '{other}' in '{spec}' (fixed takes n)"
                            )))
                        }
                    }
                }
                let n = n.ok_or_else(|| {
                    bad(format!(
                        "'{spec}' needs the patch size: fixed:n=N (bytes per patch)"
                    ))
                })?;
                Ok(SegmenterSpec::Fixed { n })
            }
            "equal-info" | "equalinfo" | "eq" | "equal-info-ac" => {
                if kvs.iter().any(|(k, _)| k == "ex") {
                    return Err(bad(format!(
                        "'ex' in '{spec}': a segmentation has one example size for every \
                         segmenter (give it with --example-bytes)"
                    )));
                }
                let config: Config = spec.parse()?;
                if config.method != MethodKind::EqualInfo {
                    return Err(bad(format!("'{spec}' is not an equal-info configuration")));
                }
                Ok(SegmenterSpec::EqualInfo(Config {
                    example_bytes: Config::default().example_bytes,
                    ..config
                }))
            }
            other => Err(bad(format!(
                "unknown segmenter '{other}' in '{spec}' (use one of {NAMES})"
            ))),
        }
    }
}

fn no_keys(spec: &str, kvs: &[(String, String)]) -> Result<()> {
    match kvs.first() {
        Some((k, _)) => Err(bad(format!(
            "unknown key '{k}' in '{spec}' (this segmenter takes no keys)"
        ))),
        None => Ok(()),
    }
}

fn number(spec: &str, k: &str, v: &str) -> Result<f64> {
    let x: f64 = v
        .parse()
        .map_err(|_| bad(format!("{k} = '{v}' in '{spec}' is not a number")))?;
    if !x.is_finite() {
        return Err(bad(format!(
            "{k} = '{v}' in '{spec}' is not a finite number"
        )));
    }
    Ok(x)
}

fn parse_entropy(spec: &str, kvs: &[(String, String)]) -> Result<EntropySpec> {
    let mode = match kvs.iter().find(|(k, _)| k == "mode") {
        None => EntropyMode::Global,
        Some((_, v)) => EntropyMode::ALL
            .into_iter()
            .find(|m| m.name() == v.to_ascii_lowercase())
            .ok_or_else(|| {
                bad(format!(
                    "mode = '{v}' in '{spec}' (use global, monotone, both or topk)"
                ))
            })?,
    };
    let mut e = EntropySpec::new(mode);
    let reads = EntropySpec::reads(mode);
    for (k, v) in kvs {
        let k = k.as_str();
        match k {
            "mode" => {}
            "reset" => {
                e.reset = match v.to_ascii_lowercase().as_str() {
                    "never" => ContextReset::Never,
                    "patch" => ContextReset::Patch,
                    "newline" => ContextReset::Newline,
                    _ => {
                        return Err(bad(format!(
                            "reset = '{v}' in '{spec}' (use never, patch or newline)"
                        )))
                    }
                }
            }
            "t" | "tr" | "size" if !reads.contains(&k) => {
                return Err(bad(format!(
                    "'{k}' in '{spec}' is not read by mode={} (it reads {})",
                    mode.name(),
                    reads.join(", ")
                )))
            }
            "t" => e.threshold_nats = number(spec, k, v)?,
            "tr" => e.rise_threshold_nats = number(spec, k, v)?,
            "size" => e.patch_size = number(spec, k, v)?,
            other => {
                return Err(bad(format!(
                    "unknown key '{other}' in '{spec}' (entropy takes mode, t, tr, size, reset)"
                )))
            }
        }
    }
    e.validate()?;
    Ok(e)
}

impl fmt::Display for SegmenterSpec {
    /// The canonical spec: parses back to the same value (floats are written in Rust's
    /// shortest round-trip form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SegmenterSpec::Entropy(e) => {
                write!(f, "entropy:mode={}", e.mode.name())?;
                match e.mode {
                    EntropyMode::Global => write!(f, ":t={}", e.threshold_nats)?,
                    EntropyMode::Monotone => write!(f, ":tr={}", e.rise_threshold_nats)?,
                    EntropyMode::Both => {
                        write!(f, ":t={}:tr={}", e.threshold_nats, e.rise_threshold_nats)?
                    }
                    EntropyMode::TopK => write!(f, ":size={}", e.patch_size)?,
                }
                write!(f, ":reset={}", e.reset.name())
            }
            SegmenterSpec::Space => f.write_str("space"),
            SegmenterSpec::Fixed { n } => write!(f, "fixed:n={n}"),
            SegmenterSpec::Subword => f.write_str("subword"),
            SegmenterSpec::EqualInfo(c) => {
                write!(
                    f,
                    "equal-info:b={}:v={}:p={}:reset={}",
                    c.window_bits,
                    c.vocab(),
                    c.precision,
                    c.reset_every
                )?;
                if c.delay {
                    f.write_str(":delay")?;
                }
                if c.exact {
                    f.write_str(":exact")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(s: &str) -> String {
        s.parse::<SegmenterSpec>().unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_blts() {
        let SegmenterSpec::Entropy(e) = "entropy".parse().unwrap() else {
            panic!("not entropy")
        };
        assert_eq!(e.mode, EntropyMode::Global);
        assert_eq!(e.threshold_nats, 1.335442);
        assert_eq!(e.patch_size, 4.5);
        assert_eq!(e.reset, ContextReset::Never);
        let SegmenterSpec::Entropy(m) = "entropy:mode=monotone".parse().unwrap() else {
            panic!("not entropy")
        };
        assert_eq!(m.rise_threshold_nats, 1.335442);
        let SegmenterSpec::Entropy(b) = "entropy:mode=both:t=2".parse().unwrap() else {
            panic!("not entropy")
        };
        assert_eq!((b.threshold_nats, b.rise_threshold_nats), (2.0, 0.0));
    }

    #[test]
    fn bad_specs_are_refused_with_the_key_named() {
        assert!(err("entropy:t=1:t=2").contains("'t' is given twice"));
        assert!(err("entropy:foo=1").contains("unknown key 'foo'"));
        assert!(err("entropy:mode=global:tr=1").contains("not read by mode=global"));
        assert!(err("entropy:mode=topk:t=1").contains("not read by mode=topk"));
        assert!(err("entropy:mode=sideways").contains("mode = 'sideways'"));
        assert!(err("entropy:t=abc").contains("not a number"));
        assert!(err("entropy:t=inf").contains("finite"));
        assert!(err("entropy:reset=sometimes").contains("reset = 'sometimes'"));
        assert!(err("entropy:mode=topk:reset=patch").contains("cannot restart"));
        assert!(err("entropy:mode=topk:size=0.5").contains(">= 1"));
        assert!(err("fixed").contains("fixed:n=N"));
        assert!(err("fixed:n=0").contains("at least 1"));
        assert!(err("fixed:n=4:m=2").contains("unknown key 'm'"));
        assert!(err("space:n=2").contains("takes no keys"));
        assert!(err("equal-info:b=16:ex=100").contains("--example-bytes"));
        assert!(err("equal-info:b=16:b=32").contains("given twice"));
        assert!(err("equal-info:b=4").contains("8..=256"));
        assert!(err("zigzag").contains("unknown segmenter 'zigzag'"));
        assert!(err("  ").contains("empty"));
    }

    #[test]
    fn every_kind_round_trips_through_display() {
        for s in [
            "entropy",
            "entropy:mode=monotone:tr=0.25:reset=patch",
            "entropy:mode=both:t=2.5:tr=0.125:reset=newline",
            "entropy:mode=topk:size=6",
            "space",
            "fixed:n=8",
            "subword",
            "equal-info:b=16",
            "equal-info:b=24:v=256:delay",
            "eq:b=32:exact",
        ] {
            let a: SegmenterSpec = s.parse().unwrap();
            let b: SegmenterSpec = a.to_string().parse().unwrap();
            assert_eq!(a, b, "{s} -> {a}");
        }
    }

    fn arb_spec() -> impl Strategy<Value = SegmenterSpec> {
        let entropy = (
            0usize..4,
            -5.0f64..5.0,
            -5.0f64..5.0,
            1.0f64..50.0,
            0usize..3,
        )
            .prop_map(|(m, t, tr, size, r)| {
                let mode = EntropyMode::ALL[m];
                let mut e = EntropySpec::new(mode);
                let reset = [
                    ContextReset::Never,
                    ContextReset::Patch,
                    ContextReset::Newline,
                ][r];
                e.reset = if mode == EntropyMode::TopK && reset == ContextReset::Patch {
                    ContextReset::Never
                } else {
                    reset
                };
                match mode {
                    EntropyMode::Global => e.threshold_nats = t,
                    EntropyMode::Monotone => e.rise_threshold_nats = tr,
                    EntropyMode::Both => {
                        e.threshold_nats = t;
                        e.rise_threshold_nats = tr;
                    }
                    EntropyMode::TopK => e.patch_size = size,
                }
                SegmenterSpec::Entropy(e)
            });
        prop_oneof![
            entropy,
            Just(SegmenterSpec::Space),
            Just(SegmenterSpec::Subword),
            (1usize..100_000).prop_map(|n| SegmenterSpec::Fixed { n }),
            (16u32..=256, 1u32..=16, any::<bool>()).prop_map(|(b, v, delay)| {
                SegmenterSpec::EqualInfo(Config {
                    delay,
                    ..Config::equal_info(b, v)
                })
            }),
        ]
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_spec(spec in arb_spec()) {
            let text = spec.to_string();
            let back: SegmenterSpec = text.parse().map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(back, spec);
        }
    }
}
