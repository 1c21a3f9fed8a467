//! Batch statistics of segmenters ([`crate::segment`]): for each segmenter over one or more
//! texts, pooled by counts (a summary over files is the statistic of the pooled segments):
//!
//! * bytes per segment: histogram, mean, standard deviation;
//! * information per segment under M1, bits (`Σ −log2 q`, quantized distribution): in M1's
//!   normal context ([`crate::segment::SegmentInfo::bits`]) and coded alone
//!   ([`crate::segment::SegmentInfo::bits_alone`]): mean, standard deviation (population),
//!   min, max, and a histogram of ⌊bits⌋;
//! * boundaries inside a UTF-8 character (a segment starting at a byte that is not the first
//!   byte of a valid UTF-8 character; invalid bytes are characters of their own) and inside a
//!   word (the characters on both sides of the boundary, or the character it cuts, are
//!   alphanumeric by Unicode's `Alphabetic`/`Numeric`, Rust's `char::is_alphanumeric`; so in a
//!   script written without spaces a word is the whole run of letters), over the boundaries
//!   inside each text (a text's byte 0 is not counted, example starts are);
//! * prefix-edit stability (paper Fig. 8, applied to segments): each common word is prepended
//!   (with a space) to one sentence, exactly the variants of [`super::stability`]; every variant
//!   is segmented alone and its segments written as a sequence of ids (equal bytes, equal id);
//!   the Levenshtein distance of every unordered pair of sequences is histogrammed. A segmenter
//!   whose cuts in the shared sentence do not depend on the prefix scores about the prefix's
//!   own segments.

use super::stability::{pairwise_histogram, prefix_variants};
use super::Histogram;
use crate::error::Result;
use crate::method::RunOptions;
use crate::model::ByteModel;
use crate::segment::{analyse, segment_texts, Analysed, SegmentOptions, SegmenterSpec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// Mean, spread and range of a sample (population standard deviation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Values.
    pub count: u64,
    /// Mean (0 when empty).
    pub mean: f64,
    /// Population standard deviation.
    pub sd: f64,
    /// Smallest value (0 when empty).
    pub min: f64,
    /// Largest value (0 when empty).
    pub max: f64,
}

/// Poolable sums behind [`Moments`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MomentsAcc {
    n: u64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
}

impl MomentsAcc {
    /// Adds a value.
    pub fn add(&mut self, x: f64) {
        if self.n == 0 || x < self.min {
            self.min = x;
        }
        if self.n == 0 || x > self.max {
            self.max = x;
        }
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }
    /// Pools another.
    pub fn merge(&mut self, o: &MomentsAcc) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *o;
            return;
        }
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
    /// The figures.
    pub fn finish(&self) -> Moments {
        if self.n == 0 {
            return Moments::default();
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        Moments {
            count: self.n,
            mean,
            sd: (self.sum_sq / n - mean * mean).max(0.0).sqrt(),
            min: self.min,
            max: self.max,
        }
    }
}

/// Prefix-edit stability of a segmenter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentStability {
    /// Words (variants).
    pub words: u64,
    /// Pairs compared.
    pub pairs: u64,
    /// Histogram of pairwise Levenshtein distances (segments).
    pub distances: Histogram,
    /// Mean distance.
    pub mean_distance: f64,
    /// Mean segments per variant.
    pub mean_segments: f64,
}

/// Everything measured for one segmenter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentStats {
    /// The canonical spec (parses back).
    pub spec: String,
    /// A readable name.
    pub label: String,
    /// Texts pooled.
    pub files: u64,
    /// Input bytes.
    pub input_bytes: u64,
    /// Segments.
    pub segments: u64,
    /// Bytes per segment.
    pub bytes_per_segment: Histogram,
    /// Bytes per segment: mean, spread.
    pub bytes: Moments,
    /// Bits per segment in M1's normal context.
    pub bits: Moments,
    /// Histogram of ⌊bits⌋ per segment, normal context.
    pub bits_histogram: Histogram,
    /// Bits per segment coded alone (model reset at its start).
    pub bits_alone: Moments,
    /// Histogram of ⌊bits alone⌋.
    pub bits_alone_histogram: Histogram,
    /// Boundaries inside the texts (segment starts other than a text's byte 0).
    pub boundaries: u64,
    /// Of them, inside a UTF-8 character.
    pub inside_char: u64,
    /// Of them, inside a word.
    pub inside_word: u64,
    /// inside_char / boundaries.
    pub inside_char_fraction: f64,
    /// inside_word / boundaries.
    pub inside_word_fraction: f64,
    /// Prefix-edit stability, when measured.
    pub stability: Option<SegmentStability>,
    /// Seconds spent (segmenting and measuring).
    pub seconds: f64,
}

/// Per byte of `data`: whether it starts a character, and whether its character is a word
/// character (see the module docs).
pub fn char_classes(data: &[u8]) -> (Vec<bool>, Vec<bool>) {
    let mut starts = Vec::with_capacity(data.len());
    let mut word = Vec::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            let w = c.is_alphanumeric();
            for k in 0..c.len_utf8() {
                starts.push(k == 0);
                word.push(w);
            }
        }
        for _ in chunk.invalid() {
            starts.push(true);
            word.push(false);
        }
    }
    (starts, word)
}

/// Boundaries of `ranges` inside `data` (starts > 0): (count, inside a character, inside a word).
pub fn boundary_counts(data: &[u8], ranges: &[Range<usize>]) -> (u64, u64, u64) {
    let (starts, word) = char_classes(data);
    let (mut n, mut in_char, mut in_word) = (0u64, 0u64, 0u64);
    for r in ranges {
        let i = r.start;
        if i == 0 || i >= data.len() {
            continue;
        }
        n += 1;
        if !starts[i] {
            in_char += 1;
        }
        if word[i - 1] && word[i] {
            in_word += 1;
        }
    }
    (n, in_char, in_word)
}

/// Statistics of one segmenter, poolable over texts.
#[derive(Debug, Clone)]
pub struct SegmentAccumulator {
    spec: SegmenterSpec,
    files: u64,
    input_bytes: u64,
    bytes_per_segment: BTreeMap<u64, u64>,
    bytes: MomentsAcc,
    bits: MomentsAcc,
    bits_hist: BTreeMap<u64, u64>,
    alone: MomentsAcc,
    alone_hist: BTreeMap<u64, u64>,
    boundaries: u64,
    inside_char: u64,
    inside_word: u64,
    stability: Option<SegmentStability>,
    seconds: f64,
}

impl SegmentAccumulator {
    /// Empty statistics of `spec`.
    pub fn new(spec: &SegmenterSpec) -> Self {
        SegmentAccumulator {
            spec: spec.clone(),
            files: 0,
            input_bytes: 0,
            bytes_per_segment: BTreeMap::new(),
            bytes: MomentsAcc::default(),
            bits: MomentsAcc::default(),
            bits_hist: BTreeMap::new(),
            alone: MomentsAcc::default(),
            alone_hist: BTreeMap::new(),
            boundaries: 0,
            inside_char: 0,
            inside_word: 0,
            stability: None,
            seconds: 0.0,
        }
    }

    /// Adds one text and its analysed segmentation.
    pub fn add(&mut self, data: &[u8], a: &Analysed) {
        self.files += 1;
        self.input_bytes += data.len() as u64;
        let floor = |x: f64| x.max(0.0).floor() as u64;
        for s in &a.segments {
            let len = s.range.len() as u64;
            *self.bytes_per_segment.entry(len).or_insert(0) += 1;
            self.bytes.add(len as f64);
            self.bits.add(s.bits);
            *self.bits_hist.entry(floor(s.bits)).or_insert(0) += 1;
            self.alone.add(s.bits_alone);
            *self.alone_hist.entry(floor(s.bits_alone)).or_insert(0) += 1;
        }
        let (n, c, w) = boundary_counts(data, &a.segmentation.ranges);
        self.boundaries += n;
        self.inside_char += c;
        self.inside_word += w;
    }

    /// Sets the prefix-edit stability (measured once per segmenter, not per file).
    pub fn set_stability(&mut self, s: SegmentStability) {
        self.stability = Some(s);
    }

    /// Adds seconds spent.
    pub fn add_time(&mut self, seconds: f64) {
        self.seconds += seconds;
    }

    /// Pools another accumulator of the same segmenter (the stability is kept where set).
    pub fn merge(&mut self, o: &SegmentAccumulator) {
        self.files += o.files;
        self.input_bytes += o.input_bytes;
        for (k, v) in &o.bytes_per_segment {
            *self.bytes_per_segment.entry(*k).or_insert(0) += v;
        }
        self.bytes.merge(&o.bytes);
        self.bits.merge(&o.bits);
        for (k, v) in &o.bits_hist {
            *self.bits_hist.entry(*k).or_insert(0) += v;
        }
        self.alone.merge(&o.alone);
        for (k, v) in &o.alone_hist {
            *self.alone_hist.entry(*k).or_insert(0) += v;
        }
        self.boundaries += o.boundaries;
        self.inside_char += o.inside_char;
        self.inside_word += o.inside_word;
        if self.stability.is_none() {
            self.stability = o.stability.clone();
        }
        self.seconds += o.seconds;
    }

    /// The statistics.
    pub fn finish(&self) -> SegmentStats {
        let frac = |a: u64| {
            if self.boundaries == 0 {
                0.0
            } else {
                a as f64 / self.boundaries as f64
            }
        };
        let bytes = self.bytes.finish();
        SegmentStats {
            spec: self.spec.to_string(),
            label: self.spec.label(),
            files: self.files,
            input_bytes: self.input_bytes,
            segments: bytes.count,
            bytes_per_segment: Histogram::from_map(&self.bytes_per_segment),
            bytes,
            bits: self.bits.finish(),
            bits_histogram: Histogram::from_map(&self.bits_hist),
            bits_alone: self.alone.finish(),
            bits_alone_histogram: Histogram::from_map(&self.alone_hist),
            boundaries: self.boundaries,
            inside_char: self.inside_char,
            inside_word: self.inside_word,
            inside_char_fraction: frac(self.inside_char),
            inside_word_fraction: frac(self.inside_word),
            stability: self.stability.clone(),
            seconds: self.seconds,
        }
    }
}

/// The prefix-edit experiment for one segmenter (see the module docs).
pub fn prefix_stability(
    spec: &SegmenterSpec,
    model: &mut dyn ByteModel,
    opts: &SegmentOptions,
    words: &[String],
    sentence: &str,
    cancel: Option<&AtomicBool>,
) -> Result<SegmentStability> {
    let texts = prefix_variants(words, sentence);
    let refs: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
    let run = RunOptions {
        cancel,
        ..Default::default()
    };
    let ranges = segment_texts(&refs, spec, model, opts, &run)?;
    let mut ids: HashMap<&[u8], u32> = HashMap::new();
    let seqs: Vec<Vec<u32>> = refs
        .iter()
        .zip(&ranges)
        .map(|(t, rs)| {
            rs.iter()
                .map(|r| {
                    let next = ids.len() as u32;
                    *ids.entry(&t[r.clone()]).or_insert(next)
                })
                .collect()
        })
        .collect();
    let distances = pairwise_histogram(&seqs, cancel)?;
    let mean_segments = if seqs.is_empty() {
        0.0
    } else {
        seqs.iter().map(Vec::len).sum::<usize>() as f64 / seqs.len() as f64
    };
    Ok(SegmentStability {
        words: words.len() as u64,
        pairs: distances.count(),
        mean_distance: distances.mean(),
        distances,
        mean_segments,
    })
}

/// What to measure over a batch of texts.
#[derive(Debug, Clone, Default)]
pub struct SegmentBatchOptions {
    /// Example size and precision.
    pub seg: SegmentOptions,
    /// Words and sentence of the prefix-edit experiment (None: skip it).
    pub prefix: Option<(Vec<String>, String)>,
}

/// One text's figures for one segmenter (`file` is `ALL` for the pooled row).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// The text's name, or `ALL`.
    pub file: String,
    /// The segmenter's canonical spec.
    pub segmenter: String,
    /// Input bytes.
    pub input_bytes: u64,
    /// Segments.
    pub segments: u64,
    /// Mean bytes per segment.
    pub mean_bytes: f64,
    /// Standard deviation of bytes per segment.
    pub sd_bytes: f64,
    /// Mean bits per segment (normal context).
    pub mean_bits: f64,
    /// Standard deviation of bits per segment (normal context).
    pub sd_bits: f64,
    /// Mean bits per segment coded alone.
    pub mean_bits_alone: f64,
    /// Standard deviation of bits per segment coded alone.
    pub sd_bits_alone: f64,
    /// Share of boundaries inside a UTF-8 character.
    pub inside_char_fraction: f64,
    /// Share of boundaries inside a word.
    pub inside_word_fraction: f64,
    /// Prefix-edit stability: mean Levenshtein distance (ALL rows only).
    pub stability_mean_distance: Option<f64>,
}

impl SegmentRow {
    /// The row of `s` for `file`.
    pub fn new(file: &str, s: &SegmentStats) -> Self {
        SegmentRow {
            file: file.to_string(),
            segmenter: s.spec.clone(),
            input_bytes: s.input_bytes,
            segments: s.segments,
            mean_bytes: s.bytes.mean,
            sd_bytes: s.bytes.sd,
            mean_bits: s.bits.mean,
            sd_bits: s.bits.sd,
            mean_bits_alone: s.bits_alone.mean,
            sd_bits_alone: s.bits_alone.sd,
            inside_char_fraction: s.inside_char_fraction,
            inside_word_fraction: s.inside_word_fraction,
            stability_mean_distance: s.stability.as_ref().map(|x| x.mean_distance),
        }
    }
}

/// The statistics of many segmenters over many texts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    /// The segmenters' canonical specs, in order.
    pub segmenters: Vec<String>,
    /// The texts' names, in order.
    pub files: Vec<String>,
    /// Per text (outer, in file order) and segmenter (inner).
    pub per_file: Vec<Vec<SegmentStats>>,
    /// Pooled per segmenter (with the stability).
    pub summaries: Vec<SegmentStats>,
    /// Example size and precision used.
    pub options: SegmentOptions,
}

impl SegmentReport {
    /// One row per text × segmenter, then one `ALL` row per segmenter.
    pub fn rows(&self) -> Vec<SegmentRow> {
        let mut rows = Vec::new();
        for (f, per) in self.files.iter().zip(&self.per_file) {
            rows.extend(per.iter().map(|s| SegmentRow::new(f, s)));
        }
        rows.extend(self.summaries.iter().map(|s| SegmentRow::new("ALL", s)));
        rows
    }
}

/// Segments every text with every segmenter and measures everything (see the module docs).
pub fn analyse_texts(
    texts: &[(&str, &[u8])],
    specs: &[SegmenterSpec],
    model: &mut dyn ByteModel,
    opts: &SegmentBatchOptions,
    run: &RunOptions,
) -> Result<SegmentReport> {
    let mut pooled: Vec<SegmentAccumulator> = specs.iter().map(SegmentAccumulator::new).collect();
    let mut per_file = Vec::with_capacity(texts.len());
    for (_, data) in texts {
        let t0 = std::time::Instant::now();
        let (_, analysed) = analyse(data, specs, model, &opts.seg, run)?;
        let secs = t0.elapsed().as_secs_f64() / specs.len().max(1) as f64;
        let mut row = Vec::with_capacity(specs.len());
        for ((spec, a), acc) in specs.iter().zip(&analysed).zip(pooled.iter_mut()) {
            let mut one = SegmentAccumulator::new(spec);
            one.add(data, a);
            one.add_time(secs);
            acc.merge(&one);
            row.push(one.finish());
        }
        per_file.push(row);
    }
    if let Some((words, sentence)) = &opts.prefix {
        for (spec, acc) in specs.iter().zip(pooled.iter_mut()) {
            let t0 = std::time::Instant::now();
            let s = prefix_stability(spec, model, &opts.seg, words, sentence, run.cancel)?;
            acc.set_stability(s);
            acc.add_time(t0.elapsed().as_secs_f64());
        }
    }
    Ok(SegmentReport {
        segmenters: specs.iter().map(ToString::to_string).collect(),
        files: texts.iter().map(|(n, _)| n.to_string()).collect(),
        per_file,
        summaries: pooled.iter().map(SegmentAccumulator::finish).collect(),
        options: opts.seg,
    })
}

/// Writes rows as CSV (header first).
pub fn write_csv<W: std::io::Write>(rows: &[SegmentRow], out: W) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for r in rows {
        w.serialize(r).map_err(super::csv_err)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Uniform;

    #[test]
    fn moments_by_hand_and_pooled() {
        let mut a = MomentsAcc::default();
        for x in [1.0, 2.0, 3.0] {
            a.add(x);
        }
        let mut b = MomentsAcc::default();
        b.add(6.0);
        a.merge(&b);
        let m = a.finish();
        // 1, 2, 3, 6: mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5.
        assert_eq!(m.count, 4);
        assert!((m.mean - 3.0).abs() < 1e-12);
        assert!((m.sd - 3.5f64.sqrt()).abs() < 1e-12);
        assert_eq!((m.min, m.max), (1.0, 6.0));
        assert_eq!(MomentsAcc::default().finish(), Moments::default());
    }

    #[test]
    fn boundaries_inside_characters_and_words() {
        // "ab cé" = a b ␣ c C3 A9: starts at 1 (a|b: inside a word), 3 (␣|c: not), 5 (inside
        // é, and inside the word "cé").
        let data = "ab cé".as_bytes();
        let ranges = [0..1, 1..3, 3..5, 5..6];
        assert_eq!(boundary_counts(data, &ranges), (3, 1, 2));
        // Invalid bytes are characters of their own and not word characters.
        let data = [b'a', 0xff, b'b'];
        assert_eq!(boundary_counts(&data, &[0..1, 1..2, 2..3]), (2, 0, 0));
        // CJK letters are alphanumeric: a cut between two is inside a word.
        let data = "日本".as_bytes();
        assert_eq!(boundary_counts(data, &[0..3, 3..6]), (1, 0, 1));
    }

    #[test]
    fn batch_under_the_uniform_model() {
        // Uniform model: 8 bits a byte in or out of context, so bits = 8 × bytes exactly.
        let mut m = Uniform::default();
        let texts: [(&str, &[u8]); 2] = [("a", b"one two three"), ("b", b"four five")];
        let specs: Vec<SegmenterSpec> = ["fixed:n=4", "space"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let opts = SegmentBatchOptions {
            seg: SegmentOptions {
                example_bytes: 0,
                ..Default::default()
            },
            prefix: Some((
                vec!["the".into(), "a".into(), "of".into()],
                "cat sat.".into(),
            )),
        };
        let r = analyse_texts(&texts, &specs, &mut m, &opts, &RunOptions::default()).unwrap();
        let fixed = &r.summaries[0];
        // fixed:n=4 on 13 + 9 bytes: 4,4,4,1 and 4,4,1: 7 segments, mean 22/7.
        assert_eq!(fixed.segments, 7);
        assert!((fixed.bytes.mean - 22.0 / 7.0).abs() < 1e-12);
        assert!((fixed.bits.mean - 8.0 * 22.0 / 7.0).abs() < 1e-9);
        assert_eq!(fixed.bits_alone, fixed.bits);
        assert_eq!(fixed.bytes_per_segment.bins, vec![(1, 2), (4, 5)]);
        // Boundaries at 4, 8, 12 ("one |two |thre|e") and 4, 8 ("four| fiv|e"); inside a word:
        // text a: 4 ('t' after ' ': no), 8 ('t' after ' ': no), 12 ('e' after 'e': yes); text
        // b: 4 (' ' after 'r': no), 8 ('e' after 'v': yes).
        assert_eq!((fixed.boundaries, fixed.inside_word), (5, 2));
        let st = fixed.stability.as_ref().unwrap();
        assert_eq!(st.pairs, 3);
        let space = &r.summaries[1];
        // SpaceByte: the variants differ only in the first segment: distance 1 for every pair.
        assert_eq!(space.stability.as_ref().unwrap().mean_distance, 1.0);
        assert_eq!(r.rows().len(), 2 * 2 + 2);
    }
}
