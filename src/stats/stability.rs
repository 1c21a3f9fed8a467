//! Token stability.
//!
//! * **Under a prefix edit** (paper Fig. 8): each of N common words is prepended (followed by a
//!   space) to one fixed sentence; every variant is encoded alone with the configuration; the
//!   Levenshtein distance (insert, delete, substitute: cost 1 each) between the token sequences of
//!   every unordered pair of variants is histogrammed. A tokenizer whose tokens for the shared
//!   sentence do not depend on the prefix gives small distances (about the prefix's tokens).
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

/// Levenshtein distance of two sequences, O(|a| |b|) time, two rows of memory. A shared prefix
/// and suffix are stripped first (they never change the distance).
pub fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[pre..], &b[pre..]);
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[..a.len() - suf], &b[..b.len() - suf]);
    let (a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
    if b.is_empty() {
        return a.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
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
    let texts: Vec<String> = words.iter().map(|w| format!("{w} {sentence}")).collect();
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

/// Collects token texts by (position, token id); poolable over files.
#[derive(Debug, Clone, Default)]
pub struct WindowPositionAccumulator {
    groups: HashMap<(u32, u32), HashMap<Vec<u8>, u64>>,
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
