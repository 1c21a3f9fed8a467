//! Why a window ends, in words: the byte that did not fit (and the bits it would have needed),
//! what Delay or the exact rule then moved to the next window, the end of an example, and the
//! window's code and padding bits.

use crate::method::window::WindowRecord;
use crate::method::{Config, MethodKind};

/// What closed a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// The byte after the window's bytes would need more than b bits to stop.
    Overflow {
        /// The byte.
        byte: u8,
        /// Bits it would need (> b).
        need: u64,
        /// b.
        b: u64,
        /// Bytes that fitted before it.
        fitted: usize,
        /// Bytes the window keeps (fewer than `fitted` when Delay or the exact rule moved some).
        kept: usize,
    },
    /// The example ended (the last window of an example; shorter than b bits of code).
    ExampleEnd,
    /// AC and StaticAC code a whole example as one window.
    WholeExample,
}

/// The byte written for a person: `'r'`, `' '`, `'\n'`, or `0xE2`.
pub fn byte_label(b: u8) -> String {
    match b {
        b' ' => "' '".into(),
        b'\n' => "'\\n'".into(),
        b'\t' => "'\\t'".into(),
        b'\r' => "'\\r'".into(),
        0x21..=0x7e => format!("'{}'", b as char),
        _ => format!("0x{b:02X}"),
    }
}

/// What closed the window `rec` under `config`.
pub fn close_reason(rec: &WindowRecord, config: &Config) -> CloseReason {
    if config.method != MethodKind::EqualInfo {
        return CloseReason::WholeExample;
    }
    match &rec.overflow {
        Some(o) => CloseReason::Overflow {
            byte: o.byte,
            need: o.bits_needed,
            b: config.window_bits as u64,
            fitted: o.at,
            kept: rec.len,
        },
        None => CloseReason::ExampleEnd,
    }
}

/// The sentence that says why the window ends; `next` is the index of the following window.
pub fn explain(reason: &CloseReason, config: &Config, next: Option<usize>) -> String {
    let opens = |what: &str| match next {
        Some(w) => format!("{what} opens window {w}"),
        None => format!("{what} starts the next window"),
    };
    match reason {
        CloseReason::Overflow {
            byte,
            need,
            b,
            fitted,
            kept,
        } => {
            let label = byte_label(*byte);
            if kept >= fitted {
                format!(
                    "The next byte {label} would need {need} bits > b = {b}, so {}.",
                    opens("it")
                )
            } else {
                let moved = fitted - kept;
                let rule = if config.exact {
                    "the exact rule keeps only the longest prefix whose padded code no shorter \
                     prefix shares"
                } else {
                    "Delay drops a last byte while the padded code stays the same without it"
                };
                format!(
                    "The byte {label} after {fitted} bytes would need {need} bits > b = {b}; \
                     then {rule}, so {moved} byte(s) move on and {}.",
                    opens("the first of them")
                )
            }
        }
        CloseReason::ExampleEnd => format!(
            "The example ends here: its last window is closed with its stop code and padded to \
             b = {} bits.",
            config.window_bits
        ),
        CloseReason::WholeExample => format!(
            "{} codes a whole example as one stream: it ends with the example.",
            config.label()
        ),
    }
}

/// The window's bit budget: code bits, of which emitted and stop code, and padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Bits emitted while coding the bytes.
    pub emitted: u64,
    /// The stop code's bits.
    pub stop: u64,
    /// Zero padding up to b.
    pub padding: u64,
}

/// The window's bits split into emitted, stop code and padding (from the record's trace; None
/// without one).
pub fn budget(rec: &WindowRecord) -> Option<Budget> {
    let last = rec.traces.last()?;
    let emitted = last.after.emitted.min(rec.code_bits);
    Some(Budget {
        emitted,
        stop: rec.code_bits - emitted,
        padding: rec.bits.len().saturating_sub(rec.code_bits),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::method::window::{EncodeWants, WindowEncoder};
    use crate::method::{lanes, RunOptions};
    use crate::model::Uniform;

    /// The windows of `text` under `cfg` and the uniform model, traced.
    pub(crate) fn windows(text: &[u8], cfg: &Config) -> Vec<(usize, WindowRecord)> {
        windows_with(text, cfg, &mut Uniform::default())
    }

    /// The same under any model.
    pub(crate) fn windows_with(
        text: &[u8],
        cfg: &Config,
        model: &mut dyn crate::model::ByteModel,
    ) -> Vec<(usize, WindowRecord)> {
        let tables = lanes::Tables::new(model, cfg.precision).expect("tables");
        let mut out = Vec::new();
        let jobs = [()];
        lanes::drive_all(
            model,
            &tables,
            &jobs,
            &RunOptions::default(),
            0,
            |_| {
                WindowEncoder::new(
                    text,
                    0..text.len(),
                    0,
                    0,
                    cfg,
                    EncodeWants {
                        byte_bits: true,
                        trace: true,
                        dists: true,
                    },
                    Vec::new(),
                    |_| false,
                )
            },
            |job| {
                out = job.into_sink();
                Ok(())
            },
        )
        .expect("encode");
        out
    }

    #[test]
    fn uniform_b16_windows_close_on_the_third_byte() {
        // Uniform model: every byte costs exactly 8 bits, so a 16-bit window holds two bytes and
        // the third would need 24 bits.
        let cfg: Config = "equal-info:b=16:v=256".parse().expect("config");
        let w = windows(b"around", &cfg);
        assert_eq!(w.len(), 3);
        let r = close_reason(&w[0].1, &cfg);
        assert_eq!(
            r,
            CloseReason::Overflow {
                byte: b'o',
                need: 24,
                b: 16,
                fitted: 2,
                kept: 2
            }
        );
        assert_eq!(
            explain(&r, &cfg, Some(1)),
            "The next byte 'o' would need 24 bits > b = 16, so it opens window 1."
        );
        assert_eq!(close_reason(&w[2].1, &cfg), CloseReason::ExampleEnd);
        let bud = budget(&w[0].1).expect("traced");
        assert_eq!((bud.emitted, bud.stop, bud.padding), (16, 0, 0));
    }
}
