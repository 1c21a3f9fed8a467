//! The paper's reference figures (Lester et al. 2024, "Training LLMs over Neurally Compressed
//! Text", arXiv 2404.03626; SPEC sections 7 and 8.8), drawn as marks beside measured values: the
//! C4 compression ratios per configuration and the held-out bits/byte of the paper's 25m M2.

use crate::method::{Config, MethodKind};

/// The paper's token compression ratios on C4 (SPEC section 7, bytes/token) for a configuration,
/// where it gives one: v = 256 or 65536, default precision and example size, no Delay, reset every
/// window. Subword: T5's 32k SentencePiece, 4.28 (for v = 2^15 only).
pub fn paper_c4_ratio(c: &Config) -> Option<f64> {
    if c.method == MethodKind::Subword {
        return (c.token_bits == 15).then_some(4.28);
    }
    let wide = match c.token_bits {
        8 => false,
        16 => true,
        _ => return None,
    };
    let pick = |a: f64, b: Option<f64>| if wide { b } else { Some(a) };
    match c.method {
        MethodKind::Bytes => pick(1.00, None),
        MethodKind::Ac => pick(5.49, Some(10.98)),
        MethodKind::StaticAc => pick(1.73, Some(3.46)),
        MethodKind::Gzip => pick(2.23, Some(4.47)),
        MethodKind::Subword => None,
        MethodKind::EqualInfo => {
            if c.delay || c.reset_every != 1 {
                return None;
            }
            match c.window_bits {
                16 => pick(2.66, Some(5.31)),
                32 => pick(3.49, Some(6.97)),
                64 => pick(4.16, Some(8.33)),
                128 => pick(4.61, Some(9.22)),
                _ => None,
            }
        }
    }
}

/// The paper's held-out bits/byte of its 25m-parameter M2 on C4 (SPEC section 8.8), for the
/// configurations it reports: Bytes, AC[v=256], StaticAC[v=256], GZip[v=256],
/// EqualInfoAC[b=16, v=256] and [b=16, v=65536] (default precision and examples, no Delay).
pub fn paper_m2_bits_per_byte(c: &Config) -> Option<f64> {
    if c.delay || c.example_bytes != Config::default().example_bytes {
        return None;
    }
    match (c.method, c.token_bits) {
        (MethodKind::Bytes, 8) => Some(1.29),
        (MethodKind::Ac, 8) => Some(1.46),
        (MethodKind::StaticAc, 8) => Some(4.61),
        (MethodKind::Gzip, 8) => Some(2.34),
        (MethodKind::EqualInfo, 8) if c.window_bits == 16 && c.reset_every == 1 => Some(1.47),
        (MethodKind::EqualInfo, 16) if c.window_bits == 16 && c.reset_every == 1 => Some(1.25),
        _ => None,
    }
}
