//! The boundary rules, as pure functions of a sequence's bytes or of its per-byte entropies
//! (no model here: [`super::score`] computes the entropies). A "sequence" is one example; its
//! byte 0 always starts a segment.
//!
//! Checked against BLT's source, `facebookresearch/blt`, `bytelatent/data/patcher.py` (read at
//! commit `1ca0e04`). BLT's token 0 is BOS and its `entropies[:, i]` is the entropy of the
//! prediction made at position i, i.e. of token i + 1; its token j is our byte j − 1, and our
//! `H_t` is the entropy (nats, `entropy()` there uses the natural log) of M1's distribution of
//! byte t given the bytes before it.
//!
//! * **Global** (`find_entropy_patch_start_ids`, `entropies > threshold` after dropping the
//!   first prediction and shifting by the two always-on starts): byte 0 starts; byte t ≥ 1
//!   starts when `H_t > θ`.
//! * **Monotone** (`patch_start_mask_from_entropy_with_monotonicity`, called with `threshold`):
//!   byte t ≥ 2 starts when `H_t − H_{t−1} > θ_r`. The function sets its mask's first column
//!   before comparing differences, and that column is byte 1: **byte 1 always starts** (kept
//!   here, as BLT does it).
//! * **Both** (`patch_start_mask_global_and_monotonicity`, `threshold` and `threshold_add`):
//!   byte t ≥ 3 starts when `H_t − H_{t−1} > θ_r` and `H_t > θ`; byte 1 always starts (the same
//!   first column) and **byte 2 never** does (its `~mask[:, :-1]` term reads the mask before it
//!   is filled, so it only ever excludes the column after the first). Kept as BLT does it.
//! * **Top-k** (`threshold is None`: `entropies.topk(num_patches - 2)`): BLT counts BOS in
//!   `seq_len` and as a patch of its own (`num_patches = seq_len // patch_size`, two of them
//!   the always-on starts) and ranks the entropies of tokens 2.. including the prediction past
//!   the end. Here, per sequence of n bytes: k = max(1, ⌊n / size⌋) patches, byte 0 and the
//!   k − 1 bytes of `1..n` with the highest `H_t` (ties: the earlier byte; torch leaves ties
//!   unspecified). So the mean patch length is n / k ≈ size, as the issue asks.
//! * **Space** (`find_space_patch_start_ids`, and SpaceByte's own `patch_method='utf8'` in
//!   `kjslag/spacebyte`, `spacebyte.py`; Slagle 2024, arXiv 2404.14408): a byte is *spacelike*
//!   when it is not an ASCII letter or digit and not a UTF-8 continuation byte (`10xxxxxx`), so
//!   a UTF-8 lead byte is spacelike; a spacelike byte that follows a spacelike byte does not
//!   count (BOS, before byte 0, is spacelike); the byte after a counted one starts a patch. So
//!   `"Hello, world"` is `"Hello,"` + `" world"`, and a run of spaces ends the patch after its
//!   first byte.
//! * **Fixed**: patches of n bytes from the sequence start (the last one shorter).

use super::spec::{EntropyMode, EntropySpec};

/// SpaceByte's spacelike byte: not an ASCII letter or digit, not a UTF-8 continuation byte.
pub fn is_spacelike(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || (0x80..0xC0).contains(&b))
}

/// Segment starts of one sequence by SpaceByte's rule (see the module docs).
pub fn space_starts(bytes: &[u8]) -> Vec<usize> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut starts = vec![0];
    for t in 2..bytes.len() {
        let (e, before) = (bytes[t - 1], bytes[t - 2]);
        if is_spacelike(e) && !is_spacelike(before) {
            starts.push(t);
        }
    }
    starts
}

/// Segment starts of fixed patches of `n` bytes (n ≥ 1) over `len` bytes.
pub fn fixed_starts(len: usize, n: usize) -> Vec<usize> {
    (0..len).step_by(n.max(1)).collect()
}

/// Whether byte `t` of a sequence starts a patch under the thresholded modes, given its
/// entropy `h` and the entropy `h_prev` of byte t − 1 (nats; `h_prev` is ignored for t = 0).
/// Top-k is not a per-byte rule; this answers `t == 0` for it.
pub fn starts_patch(spec: &EntropySpec, t: usize, h: f64, h_prev: f64) -> bool {
    if t == 0 {
        return true;
    }
    let (theta, rise) = (spec.threshold_nats, spec.rise_threshold_nats);
    match spec.mode {
        EntropyMode::Global => h > theta,
        EntropyMode::Monotone => t == 1 || h - h_prev > rise,
        EntropyMode::Both => match t {
            1 => true,
            2 => false,
            _ => h - h_prev > rise && h > theta,
        },
        EntropyMode::TopK => false,
    }
}

/// Segment starts of one sequence from its per-byte entropies `h` (nats) under `spec`.
pub fn entropy_starts(spec: &EntropySpec, h: &[f64]) -> Vec<usize> {
    let n = h.len();
    if n == 0 {
        return Vec::new();
    }
    if spec.mode == EntropyMode::TopK {
        let k = ((n as f64 / spec.patch_size).floor() as usize).clamp(1, n);
        let mut order: Vec<usize> = (1..n).collect();
        order.sort_by(|&a, &b| h[b].total_cmp(&h[a]).then(a.cmp(&b)));
        let mut starts: Vec<usize> = std::iter::once(0)
            .chain(order.into_iter().take(k - 1))
            .collect();
        starts.sort_unstable();
        return starts;
    }
    (0..n)
        .filter(|&t| starts_patch(spec, t, h[t], if t > 0 { h[t - 1] } else { 0.0 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::spec::EntropySpec;

    fn cut<'a>(s: &'a str, starts: &[usize]) -> Vec<&'a str> {
        let mut out = Vec::new();
        for (i, &a) in starts.iter().enumerate() {
            let b = starts.get(i + 1).copied().unwrap_or(s.len());
            out.push(&s[a..b]);
        }
        out
    }

    #[test]
    fn spacelike_bytes_by_hand() {
        for b in [
            b' ', b',', b'.', b'\n', b'-', b'_', b'@', b'[', b'`', b'{', b'~', 0x7f, 0,
        ] {
            assert!(is_spacelike(b), "{b:#x}");
        }
        for b in [b'a', b'z', b'A', b'Z', b'0', b'9', 0x80, 0xbf] {
            assert!(!is_spacelike(b), "{b:#x}");
        }
        // UTF-8 lead bytes are spacelike (BLT's `0b1100_0000 <= token`).
        for b in [0xc0, 0xc3, 0xe4, 0xf0, 0xff] {
            assert!(is_spacelike(b), "{b:#x}");
        }
    }

    #[test]
    fn space_rule_on_punctuation_and_runs() {
        let s = "Hello, world";
        assert_eq!(cut(s, &space_starts(s.as_bytes())), ["Hello,", " world"]);
        // A run of spacelike bytes ends the patch after its first byte.
        let s = "a  b";
        assert_eq!(cut(s, &space_starts(s.as_bytes())), ["a ", " b"]);
        // Digits are word bytes; a leading space cannot count (BOS before it is spacelike).
        let s = " 42 is 6x7.";
        assert_eq!(cut(s, &space_starts(s.as_bytes())), [" 42 ", "is ", "6x7."]);
        // Newlines and tabs.
        let s = "one\ntwo\t3";
        assert_eq!(cut(s, &space_starts(s.as_bytes())), ["one\n", "two\t", "3"]);
    }

    #[test]
    fn space_rule_on_mixed_scripts() {
        // "é" is C3 A9: the lead byte is spacelike, the continuation byte is not. "café au"
        // = c a f C3 A9 ␣ a u: C3 counts (after 'f'), so a patch starts at A9, inside the
        // character; the space after A9 counts too.
        let s = "café au";
        let starts = space_starts(s.as_bytes());
        assert_eq!(starts, vec![0, 4, 6]);
        // Cyrillic "да нет" = D0 B4 D0 B0 ␣ D0 BD D0 B5 D1 82: every lead byte follows a
        // continuation byte (or a letter), so each starts a patch after itself.
        let b = "да нет".as_bytes();
        assert_eq!(b.len(), 11);
        // Counted bytes: D0@2 (after B4), space@4 (after B0), D0@7 (after BD), D1@9 (after B5).
        // Byte 0 (D0) follows BOS, so it does not count.
        assert_eq!(space_starts(b), vec![0, 3, 5, 8, 10]);
        // CJK: "日本" = E6 97 A5 E6 9C AC: the second lead byte counts.
        assert_eq!(space_starts("日本".as_bytes()), vec![0, 4]);
        assert!(space_starts(b"").is_empty());
        assert_eq!(space_starts(b"x"), vec![0]);
    }

    #[test]
    fn fixed_starts_by_hand() {
        assert_eq!(fixed_starts(10, 4), vec![0, 4, 8]);
        assert_eq!(fixed_starts(8, 4), vec![0, 4]);
        assert_eq!(fixed_starts(3, 8), vec![0]);
        assert!(fixed_starts(0, 8).is_empty());
    }

    fn spec(mode: EntropyMode, t: f64, tr: f64) -> EntropySpec {
        EntropySpec {
            threshold_nats: t,
            rise_threshold_nats: tr,
            ..EntropySpec::new(mode)
        }
    }

    #[test]
    fn entropy_rules_by_hand() {
        //            t: 0    1    2    3    4    5    6    7
        let h = [3.0, 0.5, 2.0, 1.0, 1.2, 2.9, 0.1, 1.4];
        // Global θ = 1.3: t ≥ 1 with H > 1.3: 2, 5, 7.
        assert_eq!(
            entropy_starts(&spec(EntropyMode::Global, 1.3, 0.0), &h),
            vec![0, 2, 5, 7]
        );
        // Monotone θr = 1: rises 1.5 (t=2), -1, 0.2, 1.7 (t=5), -2.8, 1.3 (t=7); byte 1 always.
        assert_eq!(
            entropy_starts(&spec(EntropyMode::Monotone, 9.0, 1.0), &h),
            vec![0, 1, 2, 5, 7]
        );
        // Both θ = 1.3, θr = 0.1: t ≥ 3 with rise > 0.1 and H > 1.3: t=5 (rise 1.7, 2.9),
        // t=7 (1.3, 1.4); t=4 rises 0.2 but 1.2 ≤ 1.3; byte 1 always, byte 2 never.
        assert_eq!(
            entropy_starts(&spec(EntropyMode::Both, 1.3, 0.1), &h),
            vec![0, 1, 5, 7]
        );
        // Equality does not start a patch (strict >).
        assert_eq!(
            entropy_starts(&spec(EntropyMode::Global, 2.0, 0.0), &h),
            vec![0, 5]
        );
    }

    #[test]
    fn topk_by_hand() {
        let h = [3.0, 0.5, 2.0, 1.0, 1.2, 2.9, 0.1, 1.4];
        let mut s = EntropySpec::new(EntropyMode::TopK);
        // n = 8, size 4.5: k = 1, only byte 0.
        assert_eq!(entropy_starts(&s, &h), vec![0]);
        // size 2.5: k = 3: byte 0 and the two highest of 1..8: 5 (2.9), 2 (2.0).
        s.patch_size = 2.5;
        assert_eq!(entropy_starts(&s, &h), vec![0, 2, 5]);
        // size 1: every byte.
        s.patch_size = 1.0;
        assert_eq!(entropy_starts(&s, &h), (0..8).collect::<Vec<_>>());
        // Ties go to the earlier byte.
        s.patch_size = 2.0;
        assert_eq!(entropy_starts(&s, &[1.0; 6]), vec![0, 1, 2]);
    }
}
