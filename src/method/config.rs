//! A compression run's parameters: [`MethodKind`] and [`Config`], with the one parser of the
//! `-c` syntax (`FromStr`), the one display name ([`Config::label`], also `Display`), the one
//! canonical spec that parses back ([`Config::spec`]) and the one encoding key
//! ([`Config::encoding_key`]).

use crate::coding::{DEFAULT_PRECISION, MAX_PRECISION, MIN_PRECISION};
use crate::error::{Error, Result};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::{subword, DEFAULT_EXAMPLE_BYTES};

/// Which method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MethodKind {
    /// The bytes themselves.
    Bytes,
    /// zlib per example.
    Gzip,
    /// AC with a unigram fitted on the input.
    StaticAc,
    /// AC with the model, one coder per example.
    Ac,
    /// Equal-Info windows.
    EqualInfo,
    /// Byte-level BPE subword ids (the shipped 32k tokenizer).
    Subword,
}

impl MethodKind {
    /// All methods, in display order.
    pub const ALL: [MethodKind; 6] = [
        MethodKind::Bytes,
        MethodKind::Gzip,
        MethodKind::StaticAc,
        MethodKind::Ac,
        MethodKind::EqualInfo,
        MethodKind::Subword,
    ];

    /// The name used on the command line.
    pub fn cli_name(self) -> &'static str {
        match self {
            MethodKind::Bytes => "bytes",
            MethodKind::Gzip => "gzip",
            MethodKind::StaticAc => "static-ac",
            MethodKind::Ac => "ac",
            MethodKind::EqualInfo => "equal-info",
            MethodKind::Subword => "subword",
        }
    }

    /// Parses a command-line name.
    pub fn from_cli_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.cli_name() == s)
    }

    /// True for the methods driven by the byte model given by the user.
    pub fn uses_model(self) -> bool {
        matches!(self, MethodKind::Ac | MethodKind::EqualInfo)
    }

    /// The token size the method fixes (Subword: its tokenizer's 15 bits, v = 32,768); None
    /// where it is the user's choice. The GUI's token-bits controls are disabled where it is set.
    pub fn fixed_token_bits(self) -> Option<u32> {
        match self {
            MethodKind::Subword => Some(subword::SUBWORD_TOKEN_BITS),
            _ => None,
        }
    }

    /// True for the arithmetic-coding methods (precision matters).
    pub fn is_ac(self) -> bool {
        matches!(
            self,
            MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo
        )
    }
}

/// All parameters of a compression run.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The method.
    pub method: MethodKind,
    /// Window size b in bits (EqualInfo only), 8..=256.
    pub window_bits: u32,
    /// Bits per token, 1..=16 (v = 2^token_bits).
    pub token_bits: u32,
    /// Quantization precision β, 10..=16.
    pub precision: u32,
    /// Bytes per independent example; 0 = whole input.
    pub example_bytes: usize,
    /// EqualInfo: the Delay variant (paper App. A.2).
    pub delay: bool,
    /// EqualInfo: reset the model every n windows (1 = every window, the paper's rule;
    /// 0 = never within an example).
    pub reset_every: u32,
    /// EqualInfo: the exact window rule (see [`super::window`]): every window is the shortest
    /// prefix of the decoded bytes whose padded code equals its bits, so the
    /// side-information-free decoder recovers every window exactly. Not with Delay. Written to a
    /// container only when set, so files without it keep the format's earlier bytes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            method: MethodKind::EqualInfo,
            window_bits: 16,
            token_bits: 16,
            precision: DEFAULT_PRECISION,
            example_bytes: DEFAULT_EXAMPLE_BYTES,
            delay: false,
            reset_every: 1,
            exact: false,
        }
    }
}

impl Config {
    /// A configuration of `method` with the other fields at their defaults, except that Subword
    /// gets the shipped tokenizer's token size ([`subword::SUBWORD_TOKEN_BITS`], v = 32,768).
    pub fn new(method: MethodKind) -> Self {
        let token_bits = match method {
            MethodKind::Subword => subword::SUBWORD_TOKEN_BITS,
            _ => Config::default().token_bits,
        };
        Config {
            method,
            token_bits,
            ..Config::default()
        }
    }

    /// EqualInfoAC[b, v=2^token_bits].
    pub fn equal_info(window_bits: u32, token_bits: u32) -> Self {
        Config {
            method: MethodKind::EqualInfo,
            window_bits,
            token_bits,
            ..Config::default()
        }
    }

    /// Vocabulary size 2^token_bits.
    pub fn vocab(&self) -> u64 {
        1u64 << self.token_bits
    }

    /// The paper's style of name, e.g. `EqualInfoAC[b=16, v=65536]`.
    pub fn label(&self) -> String {
        let v = self.vocab();
        match self.method {
            MethodKind::Bytes => format!("Bytes[v={v}]"),
            MethodKind::Gzip => format!("GZip[v={v}]"),
            MethodKind::StaticAc => format!("StaticAC[v={v}]"),
            MethodKind::Ac => format!("AC[v={v}]"),
            MethodKind::Subword => format!("Subword[BPE, v={v}]"),
            MethodKind::EqualInfo => {
                let mut s = format!("EqualInfoAC[b={}, v={v}", self.window_bits);
                if self.delay {
                    s.push_str(", delay");
                }
                if self.exact {
                    s.push_str(", exact");
                }
                if self.reset_every != 1 {
                    if self.reset_every == 0 {
                        s.push_str(", reset=never");
                    } else {
                        s.push_str(&format!(", reset={}", self.reset_every));
                    }
                }
                s.push(']');
                s
            }
        }
    }

    /// Checks everything that does not depend on the model. See also
    /// [`Config::validate_for_model`].
    pub fn validate(&self) -> Result<()> {
        if !(1..=16).contains(&self.token_bits) {
            return Err(Error::BadParams(format!(
                "token bits must be in 1..=16, got {}",
                self.token_bits
            )));
        }
        if self.method.is_ac() && !(MIN_PRECISION..=MAX_PRECISION).contains(&self.precision) {
            return Err(Error::BadParams(format!(
                "precision β must be in {MIN_PRECISION}..={MAX_PRECISION}, got {}",
                self.precision
            )));
        }
        if self.method == MethodKind::Subword && self.token_bits < subword::SUBWORD_TOKEN_BITS {
            return Err(Error::BadParams(format!(
                "the subword tokenizer's ids need {} bits per token (v = {}), got token bits {}",
                subword::SUBWORD_TOKEN_BITS,
                1u64 << subword::SUBWORD_TOKEN_BITS,
                self.token_bits
            )));
        }
        if self.method == MethodKind::EqualInfo {
            if !(8..=256).contains(&self.window_bits) {
                return Err(Error::BadParams(format!(
                    "window bits b must be in 8..=256, got {}",
                    self.window_bits
                )));
            }
            if self.delay && self.reset_every != 1 {
                return Err(Error::BadParams(
                    "the Delay variant needs the model reset at every window (reset-every 1)"
                        .into(),
                ));
            }
            if self.exact && self.reset_every != 1 {
                return Err(Error::BadParams(
                    "the exact window rule needs the model reset at every window (reset-every 1)"
                        .into(),
                ));
            }
            if self.exact && self.delay {
                return Err(Error::BadParams(
                    "the exact window rule and Delay are two different window rules: choose one"
                        .into(),
                ));
            }
            if self.reset_every != 1 && self.window_bits < self.precision {
                return Err(Error::BadParams(format!(
                    "with reset-every {} a window may start in any context, where one byte can \
                     need up to β = {} bits: window bits b = {} is too small (use b >= β)",
                    self.reset_every, self.precision, self.window_bits
                )));
            }
        }
        Ok(())
    }

    /// Checks the parameters against the model: with the model reset at every window, every
    /// window's first byte is coded with the empty-context distribution, so the window size must
    /// hold each of the 256 bytes alone. Checked exactly, before any work.
    pub fn validate_for_model(&self, model: &mut dyn ByteModel) -> Result<()> {
        self.validate()?;
        if self.method == MethodKind::EqualInfo && self.reset_every == 1 {
            model.start(1)?;
            let table = crate::coding::quantize(model.dist(0), self.precision)
                .map_err(|e| Error::BadDistribution(e.to_string()))?;
            let fresh = crate::coding::CoderState::default();
            let worst = (0..=255u8)
                .map(|s| (fresh.after(&table, s).bits_needed(), s))
                .max()
                .unwrap_or((0, 0));
            if worst.0 > self.window_bits as u64 {
                return Err(Error::BadParams(format!(
                    "window bits b = {} cannot hold byte 0x{:02x} alone: it needs {} bits at \
                     precision β = {} with this model (use b >= {} or a lower β)",
                    self.window_bits, worst.1, worst.0, self.precision, worst.0
                )));
            }
        }
        Ok(())
    }
}

/// The `-c` syntax of `eqinfo stats` and the GUI: a configuration written like `equal-info:b=16:v=65536`, `ac:v=256`, `gzip`, `bytes`,
/// `static-ac:bits=8`, `subword`. Keys: `b` (window bits), `v` (vocabulary size, a power of two:
/// `v=256`, `v=65536`, also `v=65k`) or `bits` (token bits, 1..=16), `p` (precision β), `ex` (example bytes, 0 = whole input), `delay`, `exact`
/// (the exact window rule), `reset` (reset every n windows). Unset keys keep [`Config::default`] values, except the token size,
/// which defaults to 8 bits (v = 256) for Bytes and to 15 bits (v = 32768, the shipped
/// tokenizer's ids) for Subword.
impl FromStr for Config {
    type Err = Error;

    fn from_str(spec: &str) -> Result<Config> {
        if spec.trim().is_empty() {
            return Err(Error::BadParams(
                "an empty configuration (use e.g. equal-info:b=16:v=65536, ac:v=256, gzip)".into(),
            ));
        }
        let mut parts = spec.trim().split(':');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let method = match name.as_str() {
            "equal-info" | "equalinfo" | "eq" | "equal-info-ac" => MethodKind::EqualInfo,
            other => MethodKind::from_cli_name(other).ok_or_else(|| {
                Error::BadParams(format!(
                    "unknown method '{other}' in '{spec}' (use bytes, gzip, static-ac, ac, equal-info, subword)"
                ))
            })?,
        };
        let mut c = Config::new(method);
        if method == MethodKind::Bytes {
            c.token_bits = 8;
        }
        let mut seen: Vec<&str> = Vec::new();
        for kv in parts {
            let kv = kv.trim();
            if kv.is_empty() {
                continue;
            }
            let (k, v) = match kv.split_once('=') {
                Some(kv) => kv,
                None if kv == "delay" => ("delay", "1"),
                None if kv == "exact" => ("exact", "1"),
                None => {
                    return Err(Error::BadParams(format!(
                        "'{kv}' in '{spec}' is not key=value"
                    )))
                }
            };
            // `v` and `bits` both set the token size.
            let key = match k.trim() {
                "bits" => "v",
                other => other,
            };
            if seen.contains(&key) {
                return Err(Error::BadParams(format!(
                    "'{}' is given twice in '{spec}'",
                    k.trim()
                )));
            }
            seen.push(key);
            let v = match v.trim() {
                "65k" | "64k" => "65536",
                other => other,
            };
            let num: u64 = v.parse().map_err(|_| {
                Error::BadParams(format!("'{v}' in '{spec}' is not a whole number"))
            })?;
            let small = |n: u64| -> Result<u32> {
                u32::try_from(n)
                    .map_err(|_| Error::BadParams(format!("{n} is too large in '{spec}'")))
            };
            match k.trim() {
                "b" => c.window_bits = small(num)?,
                "v" => {
                    if !num.is_power_of_two() {
                        return Err(Error::BadParams(format!(
                            "v = {num} in '{spec}' is not a power of two"
                        )));
                    }
                    c.token_bits = num.trailing_zeros();
                }
                "bits" => c.token_bits = small(num)?,
                "p" => c.precision = small(num)?,
                "ex" => {
                    c.example_bytes = usize::try_from(num)
                        .map_err(|_| Error::BadParams(format!("{num} is too large in '{spec}'")))?
                }
                "reset" => c.reset_every = small(num)?,
                "delay" => c.delay = num != 0,
                "exact" => c.exact = num != 0,
                other => {
                    return Err(Error::BadParams(format!(
                        "unknown key '{other}' in '{spec}' (use b, v, bits, p, ex, delay, exact, reset)"
                    )))
                }
            }
        }
        c.validate()?;
        Ok(c)
    }
}

impl fmt::Display for Config {
    /// The paper's style of name ([`Config::label`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Config {
    /// The canonical `-c` spec of this configuration: every field written out, so that it
    /// parses back to the same configuration whatever the defaults.
    pub fn spec(&self) -> String {
        let mut s = format!(
            "{}:v={}:p={}:ex={}",
            self.method.cli_name(),
            self.vocab(),
            self.precision,
            self.example_bytes
        );
        if self.method == MethodKind::EqualInfo {
            s.push_str(&format!(
                ":b={}:reset={}",
                self.window_bits, self.reset_every
            ));
            if self.delay {
                s.push_str(":delay");
            }
            if self.exact {
                s.push_str(":exact");
            }
        }
        s
    }

    /// What determines the bits of an encoding before they are cut into tokens: configurations
    /// with the same key share one encoding (their examples' bits are the same up to padding to
    /// whole tokens). Only for the AC methods (None for the others, whose token size is part of
    /// how they code).
    pub fn encoding_key(&self) -> Option<Config> {
        self.method.is_ac().then(|| Config {
            token_bits: 0,
            ..self.clone()
        })
    }
}
