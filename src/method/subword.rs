//! The subword baseline: a byte-level BPE tokenizer (GPT-2 style, trained with the `tokenizers`
//! crate on the project's training text), standing in for the paper's 32k SentencePiece.
//!
//! ## Ids and bits
//! The shipped tokenizer (`assets/subword_bpe32k.json`, trained by `eqinfo train-tokenizer`)
//! has 32,768 ids, `0..32768`: ids `0..256` are the 256 single bytes (in the order of GPT-2's
//! byte-to-character alphabet, not byte order), the rest are merges in the order learned. There
//! are no special tokens. An id is written as an unsigned `token_bits`-bit integer, MSB first
//! (`token_bits` = 15 for the shipped file, so v = 2^15 = 32,768, every id used); the method's
//! bit stream is the ids' bits one after the other, so the statistics over bits (Fig. 11) see
//! the ids.
//!
//! ## Exactness
//! Every token stands for a fixed byte string (its characters mapped back through the byte-level
//! alphabet), and the tokens of an input concatenate to exactly the input: decoding is the
//! concatenation, with no normalizer and no added prefix space. The tokenizer reads `&str`, so
//! input that is not UTF-8 is handled by a **byte fallback**: valid UTF-8 runs are tokenized as
//! text, each invalid byte becomes its single-byte token. The encoder checks that the tokens
//! spell the input before returning (an internal error otherwise, never a silent loss).
//!
//! Inputs are cut into examples of `example_bytes` bytes like every other method (a cut inside a
//! multi-byte character makes its pieces invalid UTF-8 on both sides, which the byte fallback
//! codes exactly); each example is tokenized on its own and is one window.

use super::{example_ranges, Assembler, Config, Encoded};
use crate::coding::BitWriter;
use crate::error::{Error, Result};
use crate::model::ModelIdentity;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The shipped tokenizer file (see `eqinfo train-tokenizer`).
pub const SHIPPED_JSON: &[u8] = include_bytes!("../../assets/subword_bpe32k.json");

/// Bits per token of the shipped tokenizer (its 32,768 ids need 15 bits).
pub const SUBWORD_TOKEN_BITS: u32 = 15;

/// The vocabulary size the shipped tokenizer was trained to (as T5's SentencePiece).
pub const DEFAULT_VOCAB: usize = 32_768;

/// GPT-2's byte-to-character map (also the `tokenizers` ByteLevel alphabet): printable Latin-1
/// bytes map to themselves, the other 68 bytes to U+0100.. in byte order.
pub fn byte_to_char(b: u8) -> char {
    let printable = |x: u8| matches!(x, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    if printable(b) {
        return char::from(b);
    }
    let rank = (0..b).filter(|&x| !printable(x)).count() as u32;
    // 256 + rank < 256 + 68: always a valid scalar.
    char::from_u32(256 + rank).unwrap_or('\u{100}')
}

fn char_to_byte_table() -> std::collections::HashMap<char, u8> {
    (0..=255u8).map(|b| (byte_to_char(b), b)).collect()
}

/// A byte-level BPE tokenizer with its exact id-to-bytes table.
pub struct SubwordTokenizer {
    tok: tokenizers::Tokenizer,
    pieces: Vec<Vec<u8>>,
    byte_ids: [u32; 256],
    hash: String,
}

impl std::fmt::Debug for SubwordTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubwordTokenizer")
            .field("vocab", &self.pieces.len())
            .field("hash", &self.hash)
            .finish()
    }
}

fn tk_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Model(format!("subword tokenizer: {what}: {e}"))
}

impl SubwordTokenizer {
    /// Parses a `tokenizers` JSON file. It must be byte-level (every token made of byte-level
    /// alphabet characters), hold the 256 single bytes, and use the ids `0..vocab` without gaps.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        let tok = tokenizers::Tokenizer::from_bytes(json).map_err(|e| tk_err("parse", e))?;
        let vocab = tok.get_vocab(true);
        let n = vocab.len();
        if n == 0 {
            return Err(tk_err("vocabulary", "empty"));
        }
        let back = char_to_byte_table();
        let mut pieces: Vec<Option<Vec<u8>>> = vec![None; n];
        for (s, &id) in &vocab {
            let slot = pieces
                .get_mut(id as usize)
                .ok_or_else(|| tk_err("vocabulary", format!("id {id} outside 0..{n}")))?;
            let bytes = s
                .chars()
                .map(|c| back.get(&c).copied())
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| {
                    tk_err(
                        "vocabulary",
                        format!("token {s:?} is not byte-level (not a GPT-2 byte alphabet string)"),
                    )
                })?;
            if bytes.is_empty() {
                return Err(tk_err("vocabulary", format!("id {id} is empty")));
            }
            *slot = Some(bytes);
        }
        let pieces = pieces
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.ok_or_else(|| tk_err("vocabulary", format!("id {i} is missing"))))
            .collect::<Result<Vec<_>>>()?;
        let mut byte_ids = [u32::MAX; 256];
        for (id, p) in pieces.iter().enumerate() {
            if let [b] = p.as_slice() {
                byte_ids[*b as usize] = id as u32;
            }
        }
        if let Some(b) = byte_ids.iter().position(|&i| i == u32::MAX) {
            return Err(tk_err(
                "vocabulary",
                format!("byte 0x{b:02x} has no single-byte token (no byte fallback)"),
            ));
        }
        let hash = Sha256::digest(json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(SubwordTokenizer {
            tok,
            pieces,
            byte_ids,
            hash,
        })
    }

    /// The shipped tokenizer, parsed once.
    pub fn shipped() -> Result<&'static SubwordTokenizer> {
        static T: OnceLock<std::result::Result<SubwordTokenizer, String>> = OnceLock::new();
        T.get_or_init(|| SubwordTokenizer::from_json(SHIPPED_JSON).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Model(e.clone()))
    }

    /// Number of ids.
    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    /// Bits needed for an id: ceil(log2(vocab)).
    pub fn token_bits(&self) -> u32 {
        (self.pieces.len().max(2) - 1).ilog2() + 1
    }

    /// Identity recorded in containers: kind `subword-bpe`, SHA-256 of the JSON file.
    pub fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            kind: "subword-bpe".into(),
            hash: self.hash.clone(),
            backend: "exact".into(),
        }
    }

    /// The bytes id `id` stands for.
    pub fn piece(&self, id: u32) -> Option<&[u8]> {
        self.pieces.get(id as usize).map(Vec::as_slice)
    }

    /// Token ids of `data`: UTF-8 runs through the tokenizer, invalid bytes as single-byte
    /// tokens. The result always spells `data` exactly (checked).
    pub fn tokenize(&self, data: &[u8]) -> Result<Vec<u32>> {
        let mut ids = Vec::with_capacity(data.len() / 3 + 1);
        for chunk in data.utf8_chunks() {
            let text = chunk.valid();
            if !text.is_empty() {
                let enc = self
                    .tok
                    .encode_fast(text, false)
                    .map_err(|e| tk_err("encode", e))?;
                ids.extend_from_slice(enc.get_ids());
            }
            ids.extend(chunk.invalid().iter().map(|&b| self.byte_ids[b as usize]));
        }
        let mut pos = 0usize;
        for &id in &ids {
            let p = self
                .piece(id)
                .ok_or_else(|| tk_err("encode", format!("id {id} outside the vocabulary")))?;
            if data.get(pos..pos + p.len()) != Some(p) {
                return Err(tk_err(
                    "encode",
                    format!("tokens do not spell the input at byte {pos} (tokenizer not lossless)"),
                ));
            }
            pos += p.len();
        }
        if pos != data.len() {
            return Err(tk_err(
                "encode",
                "tokens spell a shorter text than the input",
            ));
        }
        Ok(ids)
    }

    /// The bytes of a token sequence. Unknown ids are [`Error::Decode`].
    pub fn detokenize(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for &id in ids {
            let p = self.piece(id).ok_or_else(|| {
                Error::Decode(format!(
                    "token id {id} is outside the subword vocabulary of {}",
                    self.vocab_size()
                ))
            })?;
            out.extend_from_slice(p);
        }
        Ok(out)
    }
}

/// Trains a byte-level BPE tokenizer of `vocab` ids (256 single bytes + merges, no special
/// tokens) on `texts` (each a piece of training text, e.g. a line with its newline) and returns
/// its JSON. Merges need `min_frequency` occurrences.
pub fn train_bpe<I>(texts: I, vocab: usize, min_frequency: u64) -> Result<String>
where
    I: Iterator<Item = String> + Send,
{
    use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::{NormalizerWrapper, PostProcessorWrapper, TokenizerBuilder};
    if !(257..=1 << 16).contains(&vocab) {
        return Err(Error::BadParams(format!(
            "subword vocabulary must be in 257..=65536 (256 bytes + merges; ids fit 16-bit \
             tokens), got {vocab}"
        )));
    }
    let mut trainer = BpeTrainerBuilder::new()
        .show_progress(false)
        .vocab_size(vocab)
        .min_frequency(min_frequency)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    // No prefix space (it would change the text), GPT-2 regex pre-split.
    let byte_level = ByteLevel::new(false, false, true);
    let mut tk = TokenizerBuilder::<
        BPE,
        NormalizerWrapper,
        ByteLevel,
        PostProcessorWrapper,
        ByteLevel,
    >::new()
    .with_model(BPE::default())
    .with_normalizer(None)
    .with_pre_tokenizer(Some(byte_level))
    .with_post_processor(None)
    .with_decoder(Some(byte_level))
    .build()
    .map_err(|e| tk_err("build", e))?;
    tk.train(&mut trainer, texts)
        .map_err(|e| tk_err("train", e))?;
    let tok: tokenizers::Tokenizer = tk.into();
    tok.to_string(false).map_err(|e| tk_err("serialize", e))
}

/// The subword method with the shipped tokenizer: each example's ids, `token_bits` bits each.
pub fn encode_subword(data: &[u8], config: &Config) -> Result<Encoded> {
    encode_with(SubwordTokenizer::shipped()?, data, config)
}

/// The subword method with a given tokenizer.
pub fn encode_with(tk: &SubwordTokenizer, data: &[u8], config: &Config) -> Result<Encoded> {
    if tk.token_bits() > config.token_bits {
        return Err(Error::BadParams(format!(
            "the subword tokenizer has {} ids, which need {} bits per token; token bits = {}",
            tk.vocab_size(),
            tk.token_bits(),
            config.token_bits
        )));
    }
    let mut asm = Assembler::new(config);
    for r in example_ranges(data.len(), config.example_bytes) {
        let ids = tk.tokenize(&data[r.clone()])?;
        let mut bits = BitWriter::new();
        for &id in &ids {
            bits.push_bits(id as u64, config.token_bits);
        }
        asm.push_whole(r, &bits);
    }
    Ok(asm.finish(data.len(), None))
}

/// Decodes the examples of a subword encoding into `out` (the input's length).
pub(crate) fn decode_subword(enc: &Encoded, out: &mut [u8]) -> Result<()> {
    let tk = SubwordTokenizer::shipped()?;
    for ex in &enc.examples {
        let ids = enc
            .tokens
            .get(ex.tokens.clone())
            .ok_or_else(|| Error::Corrupt("example tokens outside the token list".into()))?;
        let bytes = tk.detokenize(ids)?;
        let slot = out
            .get_mut(ex.bytes.clone())
            .ok_or_else(|| Error::Corrupt("example bytes outside the output".into()))?;
        if bytes.len() != slot.len() {
            return Err(Error::Corrupt(format!(
                "subword example decodes to {} bytes, expected {}",
                bytes.len(),
                slot.len()
            )));
        }
        slot.copy_from_slice(&bytes);
    }
    Ok(())
}

/// Per-byte bit ranges of a subword encoding: every byte of a token gets the token's bits.
/// None when an id is unknown or the tokens do not cover the examples.
pub fn byte_bit_ranges(enc: &Encoded) -> Option<Vec<std::ops::Range<u64>>> {
    let tk = SubwordTokenizer::shipped().ok()?;
    let tb = enc.config.token_bits as u64;
    let mut out = vec![0..0; enc.input_len];
    for ex in &enc.examples {
        let mut pos = ex.bytes.start;
        for t in ex.tokens.clone() {
            let len = tk.piece(*enc.tokens.get(t)?)?.len();
            let bits = t as u64 * tb..(t as u64 + 1) * tb;
            out.get_mut(pos..pos + len)?.fill(bits);
            pos += len;
        }
        if pos != ex.bytes.end {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The alignment's token spans are the `tokenizers` crate's own offsets (computed by its
    /// `encode`, not by our piece lengths) on ASCII text; on text with multi-byte characters
    /// each span lies within the characters the crate's offsets name.
    #[test]
    fn token_spans_are_the_tokenizer_offsets() {
        let tk = SubwordTokenizer::shipped().unwrap();
        for (text, exact) in [
            (
                "It is a truth universally acknowledged, that a single man in possession \
              of a good fortune, must be in want of a wife.\n  Indentation,\ttabs!",
                true,
            ),
            ("Café, naïve, 10 €, “quotes” — 東京.", false),
        ] {
            let cfg = super::super::Config::new(super::super::MethodKind::Subword);
            let enc = encode_with(tk, text.as_bytes(), &cfg).unwrap();
            let spans = enc.alignment().unwrap().token_spans(enc.tokens.len());
            let theirs = tk.tok.encode(text, false).unwrap();
            assert_eq!(theirs.get_ids(), &enc.tokens[..]);
            for (t, (&(a, b), s)) in theirs.get_offsets().iter().zip(&spans).enumerate() {
                if exact {
                    assert_eq!(a..b, s.clone(), "token {t}");
                } else {
                    assert!(a <= s.start && s.end <= b, "token {t}: {a}..{b} vs {s:?}");
                }
            }
        }
    }

    #[test]
    fn byte_alphabet_is_the_tokenizers_one() {
        let ours: std::collections::HashSet<char> = (0..=255u8).map(byte_to_char).collect();
        let theirs: std::collections::HashSet<char> =
            tokenizers::pre_tokenizers::byte_level::ByteLevel::alphabet()
                .into_iter()
                .collect();
        assert_eq!(ours.len(), 256);
        assert_eq!(ours, theirs);
        // Spot checks against GPT-2's table: space is U+0120 'Ġ', newline U+010A 'Ċ'.
        assert_eq!(byte_to_char(b' '), '\u{120}');
        assert_eq!(byte_to_char(b'\n'), '\u{10A}');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(byte_to_char(0xAD), '\u{143}');
    }
}
