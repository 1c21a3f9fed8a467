//! Token stability.
//!
//! * **Under a prefix edit** (paper Fig. 8): each of N common words is prepended (followed by a
//!   space) to one fixed sentence; every variant is encoded alone with the configuration; the
//!   Levenshtein distance (insert, delete, substitute: cost 1 each) between the token sequences of
//!   every unordered pair of variants is histogrammed. A tokenizer whose tokens for the shared
//!   sentence do not depend on the prefix gives small distances (about the prefix's tokens).
//!   Cost: N (N - 1) / 2 pairs, each O(n ⌈n/64⌉) word operations for n tokens per variant
//!   (bit-parallel, [`levenshtein`]), checked for cancellation between rows of pairs.
//! * **Window position** (paper Tables 8 / 14): within each window, the tokens whose bits lie
//!   wholly inside it are numbered 1, 2, ...; for position 1 and 2 and each token id, the texts the
//!   token covered are collected (the window's bytes whose emitted bit range meets the token's
//!   bits; a byte that emitted no bit counts where its bit position falls). A group's consistency
//!   is the share of its occurrences whose text starts with the group's most common 2-byte prefix
//!   (a shorter text is its own prefix); a position's score is the occurrence-weighted mean over
//!   groups seen at least twice.

use super::Histogram;
use crate::error::{Error, Result};
use crate::method::{encode_texts_tokens, Config, Encoded, RunOptions};
use crate::model::ByteModel;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// The fixed sentence the common words are prepended to, by default.
pub const DEFAULT_SENTENCE: &str =
    "of the people who came to the house that evening, none stayed long.";

/// The shipped word list (see its header for how it was derived).
pub const COMMON_WORDS_TXT: &str = include_str!("../../assets/common_words.txt");

/// Words of a list in the format of `assets/common_words.txt`: one per line, optionally followed
/// by a tab and a count; `#` lines and blank lines skipped.
pub fn parse_word_list(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The first `n` shipped common words.
pub fn common_words(n: usize) -> Vec<String> {
    let mut w = parse_word_list(COMMON_WORDS_TXT);
    w.truncate(n);
    w
}

/// Levenshtein distance of two sequences (insert, delete, substitute: cost 1 each). A shared
/// prefix and suffix are stripped first (they never change the distance); what remains is
/// computed with Myers' bit-parallel algorithm in Hyyrö's block form: O(n ⌈m/64⌉) word
/// operations for lengths n >= m, O(m) memory.
pub fn levenshtein<T: Ord>(a: &[T], b: &[T]) -> usize {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suf], &b[..b.len() - suf]);
    // The pattern (bit vectors over its positions) is the shorter one.
    let (text, pat) = if a.len() < b.len() { (b, a) } else { (a, b) };
    if pat.is_empty() {
        return text.len();
    }
    myers(pat, text)
}

/// Myers/Hyyrö bit-parallel global edit distance of `pat` (m > 0) against `text`.
fn myers<T: Ord>(pat: &[T], text: &[T]) -> usize {
    let m = pat.len();
    let blocks = m.div_ceil(64);
    // The pattern's distinct symbols, sorted; peq[s * blocks + k]: bit i of block k set where
    // pat[64 k + i] is symbol s. A text symbol is found by binary search (token alphabets of
    // a variant are small).
    let mut syms: Vec<&T> = pat.iter().collect();
    syms.sort_unstable();
    syms.dedup();
    let mut peq = vec![0u64; syms.len() * blocks];
    for (i, x) in pat.iter().enumerate() {
        if let Ok(s) = syms.binary_search(&x) {
            peq[s * blocks + i / 64] |= 1u64 << (i % 64);
        }
    }
    let mut pv = vec![u64::MAX; blocks];
    let mut mv = vec![0u64; blocks];
    let last = 1u64 << ((m - 1) % 64);
    let mut score = m;
    for y in text {
        let eqs = syms
            .binary_search(&y)
            .ok()
            .map(|s| &peq[s * blocks..(s + 1) * blocks]);
        // The top row of the DP grows by 1 per text symbol: a +1 enters the first block.
        let mut hin: i8 = 1;
        for k in 0..blocks {
            let eq = eqs.map_or(0, |e| e[k]);
            let (p, n) = (pv[k], mv[k]);
            let xv = eq | n;
            let eq = eq | u64::from(hin < 0);
            let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
            let mut ph = n | !(xh | p);
            let mut mh = p & xh;
            let high = if k + 1 == blocks { last } else { 1u64 << 63 };
            let hout: i8 = if ph & high != 0 {
                1
            } else if mh & high != 0 {
                -1
            } else {
                0
            };
            ph <<= 1;
            mh <<= 1;
            if hin < 0 {
                mh |= 1;
            } else if hin > 0 {
                ph |= 1;
            }
            pv[k] = mh | !(xv | ph);
            mv[k] = ph & xv;
            hin = hout;
        }
        // The last block's bottom row is row m: its horizontal delta moves the score.
        score = (score as isize + hin as isize) as usize;
    }
    score
}

/// Histogram of the distances of all unordered pairs of sequences.
pub fn pairwise_histogram(seqs: &[Vec<u32>], cancel: Option<&AtomicBool>) -> Result<Histogram> {
    let mut counts: Vec<u64> = Vec::new();
    for i in 0..seqs.len() {
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        for j in i + 1..seqs.len() {
            let d = levenshtein(&seqs[i], &seqs[j]);
            if d >= counts.len() {
                counts.resize(d + 1, 0);
            }
            counts[d] += 1;
        }
    }
    Ok(Histogram::from_dense(&counts))
}

/// Token stability under a prefix edit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PrefixStability {
    /// The configuration's label.
    pub label: String,
    /// The sentence.
    pub sentence: String,
    /// Number of words (variants).
    pub words: u64,
    /// Pairs compared.
    pub pairs: u64,
    /// Histogram of pairwise Levenshtein distances (tokens).
    pub distances: Histogram,
    /// Mean distance.
    pub mean_distance: f64,
    /// Mean tokens per variant.
    pub mean_tokens: f64,
    /// Seconds taken (encoding and distances).
    pub seconds: f64,
}

/// The variants of the prefix-edit experiment: each word, a space, the sentence.
pub fn prefix_variants(words: &[String], sentence: &str) -> Vec<String> {
    words.iter().map(|w| format!("{w} {sentence}")).collect()
}

/// Runs the prefix-edit experiment for one configuration.
pub fn prefix_stability(
    config: &Config,
    model: &mut dyn ByteModel,
    words: &[String],
    sentence: &str,
    cancel: Option<&AtomicBool>,
) -> Result<PrefixStability> {
    let t0 = std::time::Instant::now();
    let run = RunOptions {
        cancel,
        ..Default::default()
    };
    let texts = prefix_variants(words, sentence);
    let refs: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
    // Each variant alone, the model's lanes stepping many variants together.
    let seqs = encode_texts_tokens(&refs, config, model, &run)?;
    let distances = pairwise_histogram(&seqs, cancel)?;
    let mean_tokens = if seqs.is_empty() {
        0.0
    } else {
        seqs.iter().map(Vec::len).sum::<usize>() as f64 / seqs.len() as f64
    };
    Ok(PrefixStability {
        label: config.label(),
        sentence: sentence.to_string(),
        words: words.len() as u64,
        pairs: distances.count(),
        mean_distance: distances.mean(),
        distances,
        mean_tokens,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// Texts one token id covered at one window position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenTexts {
    /// The token id.
    pub token: u32,
    /// Occurrences.
    pub count: u64,
    /// Share of occurrences with the most common 2-byte prefix.
    pub prefix_share: f64,
    /// The most common 2-byte prefix (lossy UTF-8).
    pub prefix: String,
    /// The most common texts (lossy UTF-8) with their counts, most common first.
    pub texts: Vec<(String, u64)>,
}

/// Window-position stability at one position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PositionStability {
    /// Position in the window, from 1.
    pub position: u32,
    /// Token occurrences at this position.
    pub occurrences: u64,
    /// Token ids seen at least twice here.
    pub groups: u64,
    /// Occurrence-weighted mean prefix share over those groups.
    pub consistency: f64,
    /// The most frequent token ids with their texts.
    pub top: Vec<TokenTexts>,
}

/// Collects token texts by (position, token id); poolable over files (and over shards:
/// serializable, as a sorted list since JSON map keys are strings).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WindowPositionAccumulator {
    #[serde(with = "groups_as_list")]
    groups: HashMap<(u32, u32), HashMap<Vec<u8>, u64>>,
}

mod groups_as_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;

    type Groups = HashMap<(u32, u32), HashMap<Vec<u8>, u64>>;
    type List = Vec<((u32, u32), Vec<(Vec<u8>, u64)>)>;

    pub fn serialize<S: Serializer>(g: &Groups, s: S) -> Result<S::Ok, S::Error> {
        let mut list: List = g
            .iter()
            .map(|(k, texts)| {
                let mut t: Vec<(Vec<u8>, u64)> =
                    texts.iter().map(|(a, b)| (a.clone(), *b)).collect();
                t.sort();
                (*k, t)
            })
            .collect();
        list.sort();
        list.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Groups, D::Error> {
        let list: List = Vec::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|(k, t)| (k, t.into_iter().collect()))
            .collect())
    }
}

/// Positions collected.
pub const POSITIONS: [u32; 2] = [1, 2];

impl WindowPositionAccumulator {
    /// Adds an encoding given its input and each byte's emitted bit range.
    pub fn add(&mut self, data: &[u8], enc: &Encoded, byte_bits: &[Range<u64>]) {
        let tb = enc.config.token_bits as u64;
        for w in &enc.windows {
            let end_bit = w.bit_start + w.bit_len;
            let first = w.bit_start.div_ceil(tb);
            let bytes = w.bytes.start.min(data.len())..w.bytes.end.min(data.len());
            for &p in &POSITIONS {
                let t = first + p as u64 - 1;
                let (t_lo, t_hi) = (t * tb, (t + 1) * tb);
                if t_hi > end_bit {
                    break;
                }
                let Some(&id) = enc.tokens.get(t as usize) else {
                    break;
                };
                let mut text = Vec::new();
                for i in bytes.clone() {
                    let Some(r) = byte_bits.get(i) else { continue };
                    let hit = if r.is_empty() {
                        r.start >= t_lo && r.start < t_hi
                    } else {
                        r.start < t_hi && r.end > t_lo
                    };
                    if hit {
                        text.push(data[i]);
                    }
                }
                *self
                    .groups
                    .entry((p, id))
                    .or_default()
                    .entry(text)
                    .or_insert(0) += 1;
            }
        }
    }

    /// Pools another accumulator.
    pub fn merge(&mut self, other: &WindowPositionAccumulator) {
        for (k, texts) in &other.groups {
            let g = self.groups.entry(*k).or_default();
            for (t, c) in texts {
                *g.entry(t.clone()).or_insert(0) += c;
            }
        }
    }

    /// The per-position report with the `top` most frequent token ids and `texts` texts each;
    /// positions that no token occupies (position 2 of one-token windows) are left out.
    pub fn report(&self, top: usize, texts: usize) -> Vec<PositionStability> {
        POSITIONS
            .iter()
            .filter(|&&p| self.groups.keys().any(|&(pos, _)| pos == p))
            .map(|&p| {
                let mut groups: Vec<TokenTexts> = self
                    .groups
                    .iter()
                    .filter(|((pos, _), _)| *pos == p)
                    .map(|(&(_, id), m)| group_texts(id, m, texts))
                    .collect();
                groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.token.cmp(&b.token)));
                let occurrences = groups.iter().map(|g| g.count).sum();
                let multi: Vec<&TokenTexts> = groups.iter().filter(|g| g.count >= 2).collect();
                let weight: u64 = multi.iter().map(|g| g.count).sum();
                let consistency = if weight == 0 {
                    0.0
                } else {
                    multi
                        .iter()
                        .map(|g| g.prefix_share * g.count as f64)
                        .sum::<f64>()
                        / weight as f64
                };
                PositionStability {
                    position: p,
                    occurrences,
                    groups: multi.len() as u64,
                    consistency,
                    top: groups.into_iter().take(top).collect(),
                }
            })
            .collect()
    }
}

fn group_texts(token: u32, m: &HashMap<Vec<u8>, u64>, keep: usize) -> TokenTexts {
    let count: u64 = m.values().sum();
    let mut prefixes: HashMap<&[u8], u64> = HashMap::new();
    for (t, c) in m {
        *prefixes.entry(&t[..t.len().min(2)]).or_insert(0) += c;
    }
    let (prefix, best) = prefixes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(p, c)| (String::from_utf8_lossy(p).into_owned(), *c))
        .unwrap_or_default();
    let mut texts: Vec<(&Vec<u8>, u64)> = m.iter().map(|(t, c)| (t, *c)).collect();
    texts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    TokenTexts {
        token,
        count,
        prefix_share: if count == 0 {
            0.0
        } else {
            best as f64 / count as f64
        },
        prefix,
        texts: texts
            .into_iter()
            .take(keep)
            .map(|(t, c)| (String::from_utf8_lossy(t).into_owned(), c))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::levenshtein;
    use proptest::prelude::*;

    /// The textbook dynamic programme (Wagner-Fischer), the independent oracle.
    fn dp(a: &[u32], b: &[u32]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, x) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, y) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(x != y))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Lengths up to 300 cross 1 to 5 blocks of 64; small alphabets make long matches.
        #[test]
        fn bit_parallel_equals_the_dynamic_programme(
            alphabet in 1u32..6,
            a in proptest::collection::vec(0u32..1000, 0..300),
            b in proptest::collection::vec(0u32..1000, 0..300),
        ) {
            let a: Vec<u32> = a.into_iter().map(|x| x % alphabet).collect();
            let b: Vec<u32> = b.into_iter().map(|x| x % alphabet).collect();
            prop_assert_eq!(levenshtein(&a, &b), dp(&a, &b));
        }

        /// A common core with different prefixes, the shape of the prefix-edit experiment.
        #[test]
        fn prefix_edits_match_the_dynamic_programme(
            core in proptest::collection::vec(0u32..2, 60..200),
            p in proptest::collection::vec(0u32..2, 0..70),
            q in proptest::collection::vec(0u32..2, 0..70),
        ) {
            let a: Vec<u32> = p.iter().chain(&core).copied().collect();
            let b: Vec<u32> = q.iter().chain(&core).rev().copied().collect();
            prop_assert_eq!(levenshtein(&a, &b), dp(&a, &b));
        }
    }

    #[test]
    fn block_boundaries() {
        for m in [63usize, 64, 65, 127, 128, 129] {
            let a: Vec<u32> = (0..m as u32).collect();
            let mut b = a.clone();
            b[m / 2] = 9999;
            b.push(7);
            assert_eq!(levenshtein(&a, &b), dp(&a, &b), "m = {m}");
            let c: Vec<u32> = (0..m as u32).map(|x| x % 2).collect();
            let d: Vec<u32> = (0..m as u32 + 3).map(|x| (x / 3) % 2).collect();
            assert_eq!(levenshtein(&c, &d), dp(&c, &d), "m = {m}");
        }
    }
}
