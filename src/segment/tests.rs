//! The segmenters on a synthetic model whose entropies are chosen by hand, and coverage
//! properties.

use super::*;
use crate::coding::quantize;
use crate::model::{ModelIdentity, Uniform};
use proptest::prelude::*;

/// A model whose next-byte distribution depends only on how many bytes its lane was fed since
/// its last reset (k): uniform over the byte values `0..m[k]` (the last entry repeats). So
/// H = ln m[k] nats, chosen by hand: ln 1 = 0, ln 2 = 0.693, ln 4 = 1.386 (just above BLT's θ =
/// 1.335442), ln 8 = 2.079, ln 16 = 2.773.
struct Staircase {
    dists: Vec<Vec<f32>>,
    lanes: Vec<usize>,
    preferred: usize,
}

fn uniform_over(m: usize) -> Vec<f32> {
    let mut d = vec![0.0f32; 256];
    for p in d.iter_mut().take(m) {
        *p = 1.0 / m as f32;
    }
    d
}

impl Staircase {
    fn new(m: &[usize]) -> Self {
        Staircase {
            dists: m.iter().map(|&m| uniform_over(m)).collect(),
            lanes: Vec::new(),
            preferred: 64,
        }
    }
}

impl ByteModel for Staircase {
    fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            kind: "staircase".into(),
            hash: "0".into(),
            backend: "exact".into(),
        }
    }
    fn start(&mut self, lanes: usize) -> Result<()> {
        self.lanes = vec![0; lanes];
        Ok(())
    }
    fn reset_lane(&mut self, lane: usize) {
        self.lanes[lane] = 0;
    }
    fn dist(&self, lane: usize) -> &[f32] {
        &self.dists[self.lanes[lane].min(self.dists.len() - 1)]
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> Result<()> {
        for (k, b) in self.lanes.iter_mut().zip(bytes) {
            if b.is_some() {
                *k += 1;
            }
        }
        Ok(())
    }
    fn preferred_lanes(&self) -> usize {
        self.preferred
    }
}

fn whole() -> SegmentOptions {
    SegmentOptions {
        example_bytes: 0,
        ..Default::default()
    }
}

fn starts_of(
    data: &[u8],
    spec: &str,
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
) -> Vec<usize> {
    let spec: SegmenterSpec = spec.parse().unwrap();
    segment(data, &spec, model, opts, &RunOptions::default(), None)
        .unwrap()
        .starts()
}

/// m = 16, 1, 1, 8, then 1 for ever: H_k = 2.77, 0, 0, 2.08, 0, 0, ...
const STAIRS: [usize; 5] = [16, 1, 1, 8, 1];

#[test]
fn global_threshold_with_each_context_reset() {
    let text = b"a\nbcdefghi"; // 10 bytes
    let mut m = Staircase::new(&STAIRS);
    // never: k = t, so only t = 3 (ln 8 > θ) beside byte 0.
    assert_eq!(starts_of(text, "entropy", &mut m, &whole()), vec![0, 3]);
    // patch: the lane restarts at every start, so k counts from the patch start and t = 3 starts
    // a patch again every third byte: 0, 3, 6, 9.
    assert_eq!(
        starts_of(text, "entropy:reset=patch", &mut m, &whole()),
        vec![0, 3, 6, 9]
    );
    // newline: the context restarts after the '\n' at byte 1, so byte 2 is k = 0 (ln 16 > θ)
    // and byte 5 is k = 3.
    assert_eq!(
        starts_of(text, "entropy:reset=newline", &mut m, &whole()),
        vec![0, 2, 5]
    );
    // θ above ln 8 but below ln 16: with reset=newline only byte 2 (k = 0) passes.
    assert_eq!(
        starts_of(text, "entropy:t=2.5:reset=newline", &mut m, &whole()),
        vec![0, 2]
    );
}

#[test]
fn recorded_entropies_are_the_ones_the_rule_read() {
    let text = b"abcdefg";
    let mut m = Staircase::new(&STAIRS);
    let spec: SegmenterSpec = "entropy:reset=patch".parse().unwrap();
    let seg = segment(text, &spec, &mut m, &whole(), &RunOptions::default(), None).unwrap();
    let h = seg.entropy_nats.clone().unwrap();
    // k per byte under reset=patch: 0,1,2,3 (start: read before the reset), then 1,2,3.
    let k = [0usize, 1, 2, 3, 1, 2, 3];
    for (t, &k) in k.iter().enumerate() {
        let want = (STAIRS[k.min(4)] as f64).ln();
        assert!((h[t] - want).abs() < 1e-6, "t = {t}: {} vs {want}", h[t]);
    }
    assert_eq!(seg.starts(), vec![0, 3, 6]);
}

#[test]
fn monotone_and_both_on_the_model() {
    // m = 2, 4, 1, 16, 8, 16, 1: H = .69, 1.39, 0, 2.77, 2.08, 2.77, 0 (reset=never).
    let mut m = Staircase::new(&[2, 4, 1, 16, 8, 16, 1]);
    let text = b"0123456";
    // monotone θr = 1: rises t=2: -1.39, t=3: +2.77, t=4: -.69, t=5: +.69, t=6: -2.77; byte 1
    // always (BLT's first mask column).
    assert_eq!(
        starts_of(text, "entropy:mode=monotone:tr=1", &mut m, &whole()),
        vec![0, 1, 3]
    );
    // θr = 0.5 also takes t = 5 (+0.69).
    assert_eq!(
        starts_of(text, "entropy:mode=monotone:tr=0.5", &mut m, &whole()),
        vec![0, 1, 3, 5]
    );
    // both θ = 2.5, θr = 0.5: t ≥ 3 with a rise > 0.5 and H > 2.5: t = 3 and t = 5; byte 1
    // always, byte 2 never.
    assert_eq!(
        starts_of(text, "entropy:mode=both:t=2.5:tr=0.5", &mut m, &whole()),
        vec![0, 1, 3, 5]
    );
    // θ = 2.9: nothing passes beside the always-on bytes.
    assert_eq!(
        starts_of(text, "entropy:mode=both:t=2.9:tr=0.5", &mut m, &whole()),
        vec![0, 1]
    );
}

#[test]
fn topk_per_example() {
    // H = .69, 1.39, 0, 2.77, 2.08, 2.77, 0, 0: 8 bytes, size 4 -> k = 2: byte 0 and the
    // highest of 1..8, t = 3 (2.77, tied with 5: the earlier wins).
    let mut m = Staircase::new(&[2, 4, 1, 16, 8, 16, 1]);
    let text = b"01234567";
    assert_eq!(
        starts_of(text, "entropy:mode=topk:size=4", &mut m, &whole()),
        vec![0, 3]
    );
    // size 2 -> k = 4: byte 0 and the three highest: 3, 5 (2.77) and 4 (2.08).
    assert_eq!(
        starts_of(text, "entropy:mode=topk:size=2", &mut m, &whole()),
        vec![0, 3, 4, 5]
    );
    // Examples of 4 bytes: each restarts the model; per example of 4 bytes, size 2 -> k = 2:
    // byte 0 and the highest of H(1..4) = 1.39, 0, 2.77 -> offset 3.
    let ex4 = SegmentOptions {
        example_bytes: 4,
        ..Default::default()
    };
    assert_eq!(
        starts_of(text, "entropy:mode=topk:size=2", &mut m, &ex4),
        vec![0, 3, 4, 7]
    );
}

#[test]
fn space_fixed_and_examples() {
    let mut m = Uniform::default();
    let text = "Hi, you.\nÇa va?";
    let opts = whole();
    let starts = starts_of(text.as_bytes(), "space", &mut m, &opts);
    // Hand: bytes H i , ␣ y o u . \n C3 87 a ␣ v a ?  (16 bytes)
    //  idx   0 1 2 3 4 5 6 7 8  9  10 11 12 13 14 15
    // spacelike: 2 3 7 8 9 12 15 (C3 is a lead byte, 87 a continuation byte); counted (the
    // previous byte not spacelike): 2 (','), 7 ('.'), 12 (' '), 15 ('?')
    // starts = counted + 1 (< 16): 3, 8, 13.
    assert_eq!(text.len(), 16);
    assert_eq!(starts, vec![0, 3, 8, 13]);
    assert_eq!(
        starts_of(text.as_bytes(), "fixed:n=5", &mut m, &opts),
        vec![0, 5, 10, 15]
    );
    // Examples of 6 bytes: every example starts a segment, fixed restarts its count.
    let ex6 = SegmentOptions {
        example_bytes: 6,
        ..Default::default()
    };
    assert_eq!(
        starts_of(text.as_bytes(), "fixed:n=5", &mut m, &ex6),
        vec![0, 5, 6, 11, 12]
    );
}

#[test]
fn equal_info_windows_under_the_uniform_model() {
    // Under the uniform model a byte costs 8 bits: a 16-bit window holds two bytes.
    let mut m = Uniform::default();
    let text = b"abcdefg";
    let (_, out) = analyse(
        text,
        &["equal-info:b=16:v=256".parse().unwrap()],
        &mut m,
        &whole(),
        &RunOptions::default(),
    )
    .unwrap();
    let a = &out[0];
    assert_eq!(a.segmentation.starts(), vec![0, 2, 4, 6]);
    let scores = byte_scores(
        text,
        &mut m,
        &whole(),
        ContextReset::Never,
        &RunOptions::default(),
    )
    .unwrap();
    assert!(scores
        .entropy_bits()
        .iter()
        .all(|&h| (h - 8.0).abs() < 1e-9));
    // Uniform at β = 14: every byte gets 64 of 16384, exactly 8 bits, in or out of context.
    for s in &a.segments {
        assert_eq!(s.bits, 8.0 * s.range.len() as f64);
        assert_eq!(s.bits_alone, s.bits);
        assert!((s.mean_entropy_nats - 256f64.ln()).abs() < 1e-9);
    }
}

#[test]
fn information_in_context_and_alone_by_hand() {
    // fixed:n=3 over 7 zero bytes with the staircase model: in context byte t reads m[t], alone
    // it reads m[t - segment start]. The oracle quantizes the hand-chosen distribution directly.
    let stairs = [16usize, 2, 4, 8, 1];
    let mut m = Staircase::new(&stairs);
    let text = [0u8; 7];
    let (_, out) = analyse(
        &text,
        &["fixed:n=3".parse().unwrap()],
        &mut m,
        &whole(),
        &RunOptions::default(),
    )
    .unwrap();
    let q = |k: usize| {
        let t = quantize(&uniform_over(stairs[k.min(4)]), 14).unwrap();
        -(t.freq(0) as f64 / t.total() as f64).log2()
    };
    let segs = &out[0].segments;
    assert_eq!(segs.len(), 3);
    let ctx: Vec<f64> = (0..7).map(q).collect();
    let alone: Vec<f64> = (0..7).map(|t| q(t % 3)).collect();
    for (i, s) in segs.iter().enumerate() {
        let want_ctx: f64 = ctx[s.range.clone()].iter().sum();
        let want_alone: f64 = alone[s.range.clone()].iter().sum();
        assert!((s.bits - want_ctx).abs() < 1e-9, "segment {i}");
        assert!((s.bits_alone - want_alone).abs() < 1e-9, "segment {i}");
    }
    // The first segment is the same either way; the later ones cost more alone (they restart
    // at m = 16).
    assert_eq!(segs[0].bits, segs[0].bits_alone);
    assert!(segs[1].bits_alone > segs[1].bits);
}

#[test]
fn subword_segments_are_the_subword_methods_tokens() {
    let text = "The quick brown fox, naïvely: 12345!".as_bytes();
    let mut m = Uniform::default();
    let seg = segment(
        text,
        &SegmenterSpec::Subword,
        &mut m,
        &whole(),
        &RunOptions::default(),
        None,
    )
    .unwrap();
    let enc = crate::method::subword::encode_subword(
        text,
        &Config::new(crate::method::MethodKind::Subword),
    )
    .unwrap();
    assert_eq!(seg.ranges.len(), enc.tokens.len());
    let tk = SubwordTokenizer::shipped().unwrap();
    for (r, &id) in seg.ranges.iter().zip(&enc.tokens) {
        assert_eq!(Some(&text[r.clone()]), tk.piece(id));
    }
}

#[test]
fn lane_packing_does_not_change_anything() {
    let text: Vec<u8> = (0..200u32)
        .map(|i| b"ab\ncd ef"[(i % 8) as usize])
        .collect();
    let opts = SegmentOptions {
        example_bytes: 17,
        ..Default::default()
    };
    let specs: Vec<SegmenterSpec> = [
        "entropy:reset=patch",
        "entropy:mode=monotone:tr=0.5",
        "fixed:n=4",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let mut one = Staircase::new(&[16, 1, 4, 8, 2, 1]);
    one.preferred = 1;
    let mut many = Staircase::new(&[16, 1, 4, 8, 2, 1]);
    many.preferred = 5;
    let run = RunOptions::default();
    let a = analyse(&text, &specs, &mut one, &opts, &run).unwrap();
    let b = analyse(&text, &specs, &mut many, &opts, &run).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_options_are_refused() {
    let mut m = Uniform::default();
    let opts = SegmentOptions {
        example_bytes: 0,
        precision: 40,
    };
    let e = segment(
        b"abc",
        &SegmenterSpec::Space,
        &mut m,
        &opts,
        &RunOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("precision"), "{e}");
    assert!(segment(
        b"",
        &SegmenterSpec::Space,
        &mut m,
        &whole(),
        &RunOptions::default(),
        None
    )
    .unwrap()
    .ranges
    .is_empty());
}

fn arb_spec() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("space".to_string()),
        (1usize..9).prop_map(|n| format!("fixed:n={n}")),
        (0.0f64..3.0).prop_map(|t| format!("entropy:t={t}")),
        (0.0f64..3.0).prop_map(|t| format!("entropy:t={t}:reset=patch")),
        (0.0f64..3.0).prop_map(|t| format!("entropy:t={t}:reset=newline")),
        (-1.0f64..2.0).prop_map(|t| format!("entropy:mode=monotone:tr={t}:reset=patch")),
        (0.0f64..3.0, -1.0f64..2.0).prop_map(|(t, r)| format!("entropy:mode=both:t={t}:tr={r}")),
        (1.0f64..9.0).prop_map(|s| format!("entropy:mode=topk:size={s}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Every segmenter covers any input with non-empty ranges in order, every example start is a
    /// segment start, and the per-segment bits add up to the per-byte bits.
    #[test]
    fn segments_cover_the_input(
        data in proptest::collection::vec(prop_oneof![Just(b' '), Just(b'\n'), Just(b'a'), Just(0xC3u8), Just(0xA9u8), any::<u8>()], 0..120),
        ex in 0usize..40,
        spec in arb_spec(),
        stairs in proptest::collection::vec(1usize..40, 1..6),
    ) {
        let mut m = Staircase::new(&stairs);
        let opts = SegmentOptions { example_bytes: ex, ..Default::default() };
        let spec: SegmenterSpec = spec.parse().unwrap();
        let (scores, out) = analyse(&data, std::slice::from_ref(&spec), &mut m, &opts, &RunOptions::default()).unwrap();
        let ranges = &out[0].segmentation.ranges;
        prop_assert!(is_cover(ranges, data.len()), "{spec}: {ranges:?}");
        let starts = out[0].segmentation.starts();
        for e in example_ranges(data.len(), ex) {
            prop_assert!(starts.binary_search(&e.start).is_ok());
        }
        let total: f64 = out[0].segments.iter().map(|s| s.bits).sum();
        let bytes: f64 = scores.bits.iter().sum();
        prop_assert!((total - bytes).abs() < 1e-6 * (1.0 + bytes));
    }
}

#[test]
fn escaping_shows_text_and_broken_characters() {
    assert_eq!(escape_bytes(b"a b\n\"c\""), "a b\\n\\\"c\\\"");
    assert_eq!(escape_bytes("é".as_bytes()), "é");
    // é cut in two: each piece alone is invalid UTF-8.
    assert_eq!(escape_bytes(&"é".as_bytes()[..1]), "\\xc3");
    assert_eq!(escape_bytes(&[0xff, b'x']), "\\xffx");
}

#[test]
fn texts_segmented_together_equal_each_alone() {
    let texts: [&[u8]; 3] = [b"one two\nthree", b"", b"four, five six"];
    let opts = SegmentOptions {
        example_bytes: 5,
        ..Default::default()
    };
    for spec in [
        "entropy:reset=patch",
        "entropy:mode=topk:size=3",
        "space",
        "equal-info:b=16:v=256",
    ] {
        let spec: SegmenterSpec = spec.parse().unwrap();
        let mut m = Staircase::new(&[16, 1, 4, 8, 2, 1]);
        let together = segment_texts(&texts, &spec, &mut m, &opts, &RunOptions::default()).unwrap();
        for (t, got) in texts.iter().zip(&together) {
            let alone = segment(t, &spec, &mut m, &opts, &RunOptions::default(), None).unwrap();
            assert_eq!(&alone.ranges, got, "{spec}");
        }
    }
}
