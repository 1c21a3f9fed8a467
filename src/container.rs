//! The `.eqi` container: everything needed to decode a compressed input exactly, and to refuse to
//! decode it under the wrong model.
//!
//! ## Layout (all integers little-endian)
//! | bytes | content |
//! |---|---|
//! | 4 | magic `EQIN` |
//! | 2 | format version (1) |
//! | 4 | header length H |
//! | H | header, compact JSON ([`Header`]): method and all parameters, model identity (hash of the weights and config, backend), original length and its SHA-256, token count, side-information length |
//! | 8 | payload length P |
//! | P | payload: the tokens packed MSB-first (`ceil(tokens × token_bits / 8)` bytes), then the side information |
//! | 32 | SHA-256 of all the bytes before it |
//!
//! The trailing hash makes every flipped or missing byte an error before any decoding starts; the
//! original's SHA-256 is checked again after decoding.
//!
//! ## Side information
//! zlib of a list of LEB128 varints: for each example its code length in bits; for EqualInfo then,
//! for each window, its byte count (the window count follows from the code length, `b` bits each);
//! for StaticAC then the 256 byte counts of its unigram. Its size is reported apart from the tokens:
//! it is the price of exact decoding that the paper's side-information-free decoder avoids.
//! Subword needs nothing beyond the code lengths (its tokens spell the bytes); the header's
//! `model` then records the tokenizer (kind `subword-bpe`, SHA-256 of its JSON), checked before
//! decoding.

use crate::coding::BitWriter;
use crate::error::{Error, Result};
use crate::method::{
    self, example_ranges, tokens, Config, Encoded, ExampleSpan, MethodKind, WindowSpan,
};
use crate::model::{ByteModel, ModelIdentity, Unigram};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// The magic bytes.
pub const MAGIC: &[u8; 4] = b"EQIN";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The container's header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Method and parameters.
    pub config: Config,
    /// The model that produced the tokens (AC and EqualInfo only).
    pub model: Option<ModelIdentity>,
    /// Length of the original in bytes.
    pub input_len: u64,
    /// Hex SHA-256 of the original.
    pub sha256: String,
    /// Number of tokens.
    pub token_count: u64,
    /// Bytes of side information (compressed).
    pub side_info_bytes: u64,
}

/// A parsed container.
#[derive(Debug, Clone)]
pub struct Container {
    /// The header.
    pub header: Header,
    /// The tokens.
    pub tokens: Vec<u32>,
    /// The side information (compressed bytes as stored).
    pub side_info: Vec<u8>,
}

/// Sizes of a container's parts, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overhead {
    /// Bits of the tokens alone (tokens × token_bits).
    pub token_bits: u64,
    /// Bits of side information.
    pub side_info_bits: u64,
    /// Bits of header, framing and hashes.
    pub framing_bits: u64,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

struct VarintReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl VarintReader<'_> {
    fn next(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.bytes.get(self.pos) else {
                return Err(Error::Corrupt("side information ends early".into()));
            };
            self.pos += 1;
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Corrupt(
            "side information holds an overlong number".into(),
        ))
    }
}

/// The side information of an encoding (uncompressed varints).
fn side_info_raw(enc: &Encoded, data: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    for ex in &enc.examples {
        put_varint(&mut raw, ex.bit_len);
    }
    if enc.config.method == MethodKind::EqualInfo {
        for w in &enc.windows {
            put_varint(&mut raw, w.bytes.len() as u64);
        }
    }
    if enc.config.method == MethodKind::StaticAc {
        for &c in Unigram::fit(data).counts() {
            put_varint(&mut raw, c);
        }
    }
    raw
}

/// Builds a container from an encoding of `data` (the model identity is recorded for AC and
/// EqualInfo).
pub fn build(enc: &Encoded, data: &[u8], model: Option<ModelIdentity>) -> Result<Container> {
    let raw = side_info_raw(enc, data);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw)?;
    let side_info = z.finish()?;
    let model = if enc.config.method.uses_model() {
        model
    } else if enc.config.method == MethodKind::Subword {
        Some(method::subword::SubwordTokenizer::shipped()?.identity())
    } else {
        None
    };
    Ok(Container {
        header: Header {
            config: enc.config.clone(),
            model,
            input_len: data.len() as u64,
            sha256: sha256_hex(data),
            token_count: enc.tokens.len() as u64,
            side_info_bytes: side_info.len() as u64,
        },
        tokens: enc.tokens.clone(),
        side_info,
    })
}

impl Container {
    /// Serializes to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let header = serde_json::to_vec(&self.header)?;
        let mut out = Vec::with_capacity(header.len() + self.tokens.len() * 2 + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        let bits = tokens::tokens_to_bits(&self.tokens, self.header.config.token_bits);
        let payload_len = bits.as_bytes().len() + self.side_info.len();
        out.extend_from_slice(&(payload_len as u64).to_le_bytes());
        out.extend_from_slice(bits.as_bytes());
        out.extend_from_slice(&self.side_info);
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        Ok(out)
    }

    /// Parses bytes; every malformed input is an [`Error`], never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 4 || &bytes[..4] != MAGIC {
            return Err(Error::Corrupt(
                "not an eqinfo container (bad magic bytes)".into(),
            ));
        }
        if bytes.len() < 4 + 2 + 4 + 8 + 32 {
            return Err(Error::Corrupt("file too short".into()));
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            // Report a newer version as such even if the hash layout changed.
            let version = u16::from_le_bytes([bytes[4], bytes[5]]);
            if version != FORMAT_VERSION {
                return Err(Error::UnsupportedVersion {
                    found: version,
                    supported: FORMAT_VERSION,
                });
            }
            return Err(Error::Corrupt(
                "file hash mismatch: the file was truncated or altered".into(),
            ));
        }
        let version = u16::from_le_bytes([body[4], body[5]]);
        if version != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let header_len = u32::from_le_bytes([body[6], body[7], body[8], body[9]]) as usize;
        let rest = &body[10..];
        if header_len > rest.len().saturating_sub(8) {
            return Err(Error::Corrupt("header length exceeds the file".into()));
        }
        let header: Header = serde_json::from_slice(&rest[..header_len])
            .map_err(|e| Error::Corrupt(format!("header: {e}")))?;
        header.config.validate()?;
        let rest = &rest[header_len..];
        let mut len8 = [0u8; 8];
        len8.copy_from_slice(&rest[..8]);
        let payload_len = u64::from_le_bytes(len8);
        let payload = &rest[8..];
        if payload_len != payload.len() as u64 {
            return Err(Error::Corrupt(format!(
                "payload is {} bytes, header says {payload_len}",
                payload.len()
            )));
        }
        let tb = header.config.token_bits as u64;
        let token_bytes = header
            .token_count
            .checked_mul(tb)
            .map(|b| b.div_ceil(8))
            .ok_or_else(|| Error::Corrupt("token count overflows".into()))?;
        if token_bytes.checked_add(header.side_info_bytes) != Some(payload_len) {
            return Err(Error::Corrupt(
                "token and side-information sizes do not add up to the payload".into(),
            ));
        }
        let token_bytes = token_bytes as usize;
        let bits = BitWriter::from_bytes(&payload[..token_bytes], header.token_count * tb);
        let mut tokens = tokens::bits_to_tokens(&bits, header.config.token_bits);
        tokens.truncate(header.token_count as usize);
        Ok(Container {
            side_info: payload[token_bytes..].to_vec(),
            header,
            tokens,
        })
    }

    /// Sizes of the parts.
    pub fn overhead(&self) -> Result<Overhead> {
        let total_bits = self.to_bytes()?.len() as u64 * 8;
        let token_bits = self.tokens.len() as u64 * self.header.config.token_bits as u64;
        let side_info_bits = self.side_info.len() as u64 * 8;
        Ok(Overhead {
            token_bits,
            side_info_bits,
            framing_bits: total_bits - side_info_bits - token_bits.div_ceil(8) * 8,
        })
    }

    /// Checks the model against the recorded identity (kind, hash and backend).
    pub fn check_model(&self, model: &ModelIdentity) -> Result<()> {
        let Some(rec) = &self.header.model else {
            return Ok(());
        };
        if rec.kind != model.kind || rec.hash != model.hash {
            return Err(Error::ModelMismatch(format!(
                "the file was written with {} model {}…, the model given is {} {}…",
                rec.kind,
                &rec.hash[..rec.hash.len().min(12)],
                model.kind,
                &model.hash[..model.hash.len().min(12)]
            )));
        }
        if rec.backend != model.backend {
            return Err(Error::ModelMismatch(format!(
                "the file was written on backend {}, decoding runs on {}; floating-point results \
                 may differ",
                rec.backend, model.backend
            )));
        }
        Ok(())
    }

    /// Rebuilds the [`Encoded`] skeleton (bits, examples, windows with byte counts) from the
    /// tokens and side information, validating every count. Returns it with the StaticAC
    /// unigram when the method has one.
    pub fn to_encoded(&self) -> Result<(Encoded, Option<Unigram>)> {
        let h = &self.header;
        let cfg = &h.config;
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&self.side_info[..])
            .take(1 << 34)
            .read_to_end(&mut raw)
            .map_err(|e| Error::Corrupt(format!("side information: {e}")))?;
        let mut rd = VarintReader {
            bytes: &raw,
            pos: 0,
        };
        let input_len = usize::try_from(h.input_len)
            .map_err(|_| Error::Corrupt("input length too large".into()))?;
        let token_bits = self.tokens.len() as u64 * cfg.token_bits as u64;
        // Sanity bound: no method codes more than 2048 bytes per payload bit (AC at β = 16 needs
        // at least 0.0056 bits a byte; DEFLATE expands at most ~1032:1).
        if h.input_len > (token_bits + 64).saturating_mul(2048) {
            return Err(Error::Corrupt(format!(
                "original length {} is impossible for {} payload bits",
                h.input_len, token_bits
            )));
        }
        let ranges = example_ranges(input_len, cfg.example_bytes);
        let bits = tokens::tokens_to_bits(&self.tokens, cfg.token_bits);
        let tb = cfg.token_bits as u64;
        let mut examples = Vec::with_capacity(ranges.len());
        let mut bit_pos = 0u64;
        for r in &ranges {
            let bit_len = rd.next()?;
            let padded = bit_len
                .checked_add(tb - 1)
                .map(|x| x / tb * tb)
                .ok_or_else(|| Error::Corrupt("example length overflows".into()))?;
            if bit_pos + padded > bits.len() {
                return Err(Error::Corrupt(
                    "examples need more bits than the tokens hold".into(),
                ));
            }
            let t0 = (bit_pos / tb) as usize;
            examples.push(ExampleSpan {
                bytes: r.clone(),
                bit_start: bit_pos,
                bit_len,
                tokens: t0..t0 + (padded / tb) as usize,
                windows: 0..0,
            });
            bit_pos += padded;
        }
        if bit_pos != bits.len() {
            return Err(Error::Corrupt(
                "tokens hold more bits than the examples use".into(),
            ));
        }
        let mut windows = Vec::new();
        for (e, ex) in examples.iter_mut().enumerate() {
            let w0 = windows.len();
            match cfg.method {
                MethodKind::EqualInfo => {
                    let b = cfg.window_bits as u64;
                    if ex.bit_len % b != 0 {
                        return Err(Error::Corrupt(
                            "an example's code is not a whole number of windows".into(),
                        ));
                    }
                    let mut pos = ex.bytes.start;
                    for k in 0..ex.bit_len / b {
                        let count = rd.next()?;
                        if count == 0 || count > (ex.bytes.end - pos) as u64 {
                            return Err(Error::Corrupt(format!(
                                "window byte count {count} does not fit its example"
                            )));
                        }
                        windows.push(WindowSpan {
                            example: e,
                            bytes: pos..pos + count as usize,
                            bit_start: ex.bit_start + k * b,
                            bit_len: b,
                            code_bits: b,
                            model_reset: method::ac::resets_at(cfg.reset_every, k as usize),
                        });
                        pos += count as usize;
                    }
                    if pos != ex.bytes.end {
                        return Err(Error::Corrupt(
                            "windows hold fewer bytes than their example".into(),
                        ));
                    }
                }
                _ => {
                    match cfg.method {
                        MethodKind::Bytes if ex.bit_len != ex.bytes.len() as u64 * 8 => {
                            return Err(Error::Corrupt("byte example of the wrong length".into()))
                        }
                        MethodKind::Gzip if ex.bit_len % 8 != 0 => {
                            return Err(Error::Corrupt("zlib example not byte-aligned".into()))
                        }
                        MethodKind::Subword if ex.bit_len % tb != 0 => {
                            return Err(Error::Corrupt(
                                "subword example not a whole number of tokens".into(),
                            ))
                        }
                        _ => {}
                    }
                    windows.push(WindowSpan {
                        example: e,
                        bytes: ex.bytes.clone(),
                        bit_start: ex.bit_start,
                        bit_len: ex.bit_len,
                        code_bits: ex.bit_len,
                        model_reset: true,
                    });
                }
            }
            ex.windows = w0..windows.len();
        }
        let unigram = if cfg.method == MethodKind::StaticAc {
            let counts = (0..256).map(|_| rd.next()).collect::<Result<Vec<u64>>>()?;
            Some(Unigram::from_counts(counts)?)
        } else {
            None
        };
        if rd.pos != raw.len() {
            return Err(Error::Corrupt("side information has trailing data".into()));
        }
        let enc = Encoded {
            config: cfg.clone(),
            input_len,
            bits,
            tokens: self.tokens.clone(),
            examples,
            windows,
            trace: None,
        };
        Ok((enc, unigram))
    }

    /// Decodes exactly and verifies the original's checksum. The model is checked against the
    /// recorded identity unless `force`.
    pub fn decode(&self, model: &mut dyn ByteModel, force: bool) -> Result<Vec<u8>> {
        if self.header.config.method.uses_model() && !force {
            self.check_model(&model.identity())?;
        }
        if self.header.config.method == MethodKind::Subword && !force {
            self.check_model(&method::subword::SubwordTokenizer::shipped()?.identity())?;
        }
        let (enc, unigram) = self.to_encoded()?;
        let out = match unigram {
            Some(mut u) => method::decode(&enc, &mut u)?,
            None => method::decode(&enc, model)?,
        };
        if sha256_hex(&out) != self.header.sha256 {
            return Err(Error::ChecksumMismatch);
        }
        Ok(out)
    }
}

/// Compresses `data` into container bytes.
pub fn compress(data: &[u8], config: &Config, model: &mut dyn ByteModel) -> Result<Vec<u8>> {
    let enc = method::encode(data, config, model, &method::RunOptions::default())?;
    build(&enc, data, Some(model.identity()))?.to_bytes()
}

/// Decompresses container bytes.
pub fn decompress(bytes: &[u8], model: &mut dyn ByteModel, force: bool) -> Result<Vec<u8>> {
    Container::from_bytes(bytes)?.decode(model, force)
}
