//! Colours and glyphs: the colour scale of the byte cells (with its legend values), the window
//! tints, and how characters, whitespace and invalid bytes are written.

use crate::app::state::ColourScale;
use egui::Color32;

/// Surprisal (bits) at the hot end of the scale.
pub const MAX_SURPRISAL_BITS: f32 = 12.0;

/// Entropy (bits) at the hot end of the entropy scale (the uniform distribution over 256 bytes).
pub const MAX_ENTROPY_BITS: f32 = 8.0;

/// Stops of the colour map (cool, likely -> hot, surprising): a viridis-like ramp.
const STOPS: [(f32, [u8; 3]); 6] = [
    (0.0, [68, 1, 84]),
    (0.2, [59, 82, 139]),
    (0.4, [33, 145, 140]),
    (0.6, [94, 201, 98]),
    (0.8, [253, 231, 37]),
    (1.0, [255, 120, 40]),
];

/// The colour of a position `t` in 0..=1 along the map.
pub fn ramp(t: f32) -> Color32 {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        1.0
    };
    for pair in STOPS.windows(2) {
        let (t0, c0) = pair[0];
        let (t1, c1) = pair[1];
        if t <= t1 {
            let f = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
            let mix = |a: u8, b: u8| (a as f32 + (b as f32 - a as f32) * f).round() as u8;
            return Color32::from_rgb(mix(c0[0], c1[0]), mix(c0[1], c1[1]), mix(c0[2], c1[2]));
        }
    }
    let c = STOPS[STOPS.len() - 1].1;
    Color32::from_rgb(c[0], c[1], c[2])
}

/// Position along the map of a byte with probability `prob`: surprising bytes are hot on both
/// scales (probability runs linearly from 1 = cool to 0 = hot).
pub fn scale_position(scale: ColourScale, prob: f32) -> f32 {
    match scale {
        ColourScale::Probability => 1.0 - prob.clamp(0.0, 1.0),
        ColourScale::Surprisal => surprisal_bits(prob) / MAX_SURPRISAL_BITS,
        // Needs the distribution: see [`byte_colour`]; alone, the byte's probability reads as
        // surprisal.
        ColourScale::Entropy => surprisal_bits(prob) / MAX_SURPRISAL_BITS,
    }
}

/// The cell colour of a byte given its probability and the distribution it was predicted from
/// (the entropy scale reads the distribution, the others the probability).
pub fn byte_colour(scale: ColourScale, prob: f32, entropy_nats: f64) -> Color32 {
    match scale {
        ColourScale::Entropy => {
            ramp((entropy_nats / std::f64::consts::LN_2) as f32 / MAX_ENTROPY_BITS)
        }
        _ => cell_colour(scale, prob),
    }
}

/// −log2 p (infinite for p = 0).
pub fn surprisal_bits(prob: f32) -> f32 {
    if prob > 0.0 {
        -prob.log2()
    } else {
        f32::INFINITY
    }
}

/// The cell colour of a byte.
pub fn cell_colour(scale: ColourScale, prob: f32) -> Color32 {
    ramp(scale_position(scale, prob))
}

/// Legend ticks: (position 0..=1, label).
pub fn legend_ticks(scale: ColourScale) -> Vec<(f32, String)> {
    match scale {
        ColourScale::Probability => [1.0f32, 0.75, 0.5, 0.25, 0.0]
            .into_iter()
            .map(|p| (1.0 - p, format!("p={p}")))
            .collect(),
        ColourScale::Surprisal => [0.0f32, 3.0, 6.0, 9.0, 12.0]
            .into_iter()
            .map(|b| (b / MAX_SURPRISAL_BITS, format!("{b} bits")))
            .collect(),
        ColourScale::Entropy => [0.0f32, 2.0, 4.0, 6.0, 8.0]
            .into_iter()
            .map(|b| (b / MAX_ENTROPY_BITS, format!("H {b} bits")))
            .collect(),
    }
}

/// Black or white, whichever reads better on `bg`.
pub fn text_on(bg: Color32) -> Color32 {
    let l = 0.299 * bg.r() as f32 + 0.587 * bg.g() as f32 + 0.114 * bg.b() as f32;
    if l > 140.0 {
        Color32::BLACK
    } else {
        Color32::WHITE
    }
}

/// Alternating window tints.
pub fn window_tint(window: usize, dark: bool) -> Color32 {
    match (window.is_multiple_of(2), dark) {
        (true, true) => Color32::from_rgb(52, 70, 110),
        (false, true) => Color32::from_rgb(95, 70, 40),
        (true, false) => Color32::from_rgb(170, 195, 240),
        (false, false) => Color32::from_rgb(245, 205, 150),
    }
}

/// Colour of flags (windows the side-information-free decoder gets wrong, straddling marks).
pub const FLAG: Color32 = Color32::from_rgb(230, 60, 60);

/// Highlight colour of linked hover.
pub const HIGHLIGHT: Color32 = Color32::from_rgb(255, 255, 255);

/// Cell colour where there is no trace (Bytes, GZip).
pub const NO_TRACE: Color32 = Color32::from_gray(90);

/// Markers of bits owned by no byte (GZip's headers, Huffman tables and trailer).
pub const OVERHEAD: Color32 = Color32::from_rgb(240, 160, 40);

/// One character of the byte view: its bytes and how to draw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyph {
    /// Its bytes in the text.
    pub bytes: std::ops::Range<usize>,
    /// What to draw.
    pub text: String,
    /// True for bytes that are not valid UTF-8 (drawn as hex).
    pub invalid: bool,
    /// True for a line break (the view starts a new line after it).
    pub newline: bool,
}

/// How a character is written in the byte view.
pub fn visible_char(c: char, show_whitespace: bool) -> String {
    match c {
        ' ' if show_whitespace => "·".into(),
        '\n' if show_whitespace => "↵".into(),
        '\n' => " ".into(),
        '\t' if show_whitespace => "→".into(),
        '\t' => " ".into(),
        '\r' if show_whitespace => "←".into(),
        c if c.is_control() => {
            if show_whitespace {
                format!("{:02X}", c as u32)
            } else {
                " ".into()
            }
        }
        c => c.to_string(),
    }
}

/// Splits bytes into glyphs: valid UTF-8 characters (one glyph over all their bytes), and every
/// invalid byte on its own, written as two hex digits.
pub fn glyphs(bytes: &[u8], show_whitespace: bool) -> Vec<Glyph> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0usize;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let n = c.len_utf8();
            out.push(Glyph {
                bytes: pos..pos + n,
                text: visible_char(c, show_whitespace),
                invalid: false,
                newline: c == '\n',
            });
            pos += n;
        }
        for &b in chunk.invalid() {
            out.push(Glyph {
                bytes: pos..pos + 1,
                text: format!("{b:02X}"),
                invalid: true,
                newline: false,
            });
            pos += 1;
        }
    }
    out
}

/// Describes a byte for the tooltip: the character it belongs to, or its hex value.
pub fn describe_char(bytes: &[u8], i: usize) -> String {
    let g = glyphs(&bytes[i.saturating_sub(3)..(i + 4).min(bytes.len())], false);
    let base = i.saturating_sub(3);
    for glyph in g {
        if glyph.bytes.start + base <= i && i < glyph.bytes.end + base {
            if glyph.invalid {
                return "invalid UTF-8".into();
            }
            let s = &bytes[glyph.bytes.start + base..glyph.bytes.end + base];
            return match std::str::from_utf8(s).ok().and_then(|s| s.chars().next()) {
                Some(c) if c.is_control() || c == ' ' => format!("{:?} (U+{:04X})", c, c as u32),
                Some(c) => format!("'{c}' (U+{:04X})", c as u32),
                None => "invalid UTF-8".into(),
            };
        }
    }
    "?".into()
}

/// A byte written for people: `'a'`, `' '`, `'\n'`, or `0xC3`.
pub fn byte_label(b: u8) -> String {
    match b {
        b' ' => "' '".into(),
        b'\n' => "'\\n'".into(),
        b'\t' => "'\\t'".into(),
        0x21..=0x7e => format!("'{}'", b as char),
        _ => format!("0x{b:02X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_group_utf8_and_split_invalid() {
        let g = glyphs("aé€".as_bytes(), true);
        assert_eq!(g.len(), 3);
        assert_eq!(g[1].bytes, 1..3);
        assert_eq!(g[2].bytes, 3..6);
        let g = glyphs(&[b'a', 0xFF, 0xC3], true);
        assert_eq!(g.len(), 3);
        assert!(g[1].invalid && g[2].invalid);
        assert_eq!(g[1].text, "FF");
    }

    #[test]
    fn ramp_is_total() {
        for t in [-1.0, 0.0, 0.5, 1.0, 2.0, f32::NAN, f32::INFINITY] {
            let _ = ramp(t);
        }
        assert_ne!(ramp(0.0), ramp(1.0));
    }
}
