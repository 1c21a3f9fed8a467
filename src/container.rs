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
//! ## A hostile file
//! A file built on purpose, with a valid trailing hash, is still refused before it costs memory
//! or time out of proportion to its size: the magic bytes and the declared sizes are checked
//! against the file's size before the rest is read; the header is strict JSON (every field
//! required, unknown fields refused, hashes 64 lowercase hex digits, a model identity exactly when
//! the method has one); every length from the file is checked arithmetic; the original length is
//! bounded by what the payload can code ([`max_coded_bytes`], also per example and per window,
//! which bounds the decoding time); and the side information is inflated one number at a time.
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
use crate::method::{self, tokens, Config, Encoded, ExampleSpan, MethodKind, WindowSpan};
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

/// Reads the side information's varints straight from its zlib stream, one at a time.
struct SideReader<'a> {
    z: std::io::BufReader<flate2::read::ZlibDecoder<&'a [u8]>>,
}

impl<'a> SideReader<'a> {
    fn new(compressed: &'a [u8]) -> Self {
        SideReader {
            z: std::io::BufReader::with_capacity(4096, flate2::read::ZlibDecoder::new(compressed)),
        }
    }

    fn byte(&mut self) -> Result<Option<u8>> {
        let mut b = [0u8; 1];
        match read_up_to(&mut self.z, &mut b) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(b[0])),
            Err(Error::IoPlain(e)) => Err(Error::Corrupt(format!("side information: {e}"))),
            Err(e) => Err(e),
        }
    }

    fn next(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(byte) = self.byte()? else {
                return Err(Error::Corrupt("side information ends early".into()));
            };
            let bits = (byte & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                break;
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::Corrupt(
            "side information holds an overlong number".into(),
        ))
    }

    /// Checks that nothing follows the last varint.
    fn finish(mut self) -> Result<()> {
        match self.byte()? {
            None => Ok(()),
            Some(_) => Err(Error::Corrupt("side information has trailing data".into())),
        }
    }
}

/// The first 12 characters of a hash (all of it when shorter), for messages.
fn short_hash(h: &str) -> &str {
    h.char_indices().nth(12).map_or(h, |(i, _)| &h[..i])
}

/// The longest piece of the shipped subword tokenizer, in bytes.
fn max_subword_piece() -> Result<u64> {
    let tk = method::subword::SubwordTokenizer::shipped()?;
    Ok((0..tk.vocab_size() as u32)
        .filter_map(|id| tk.piece(id))
        .map(|p| p.len() as u64)
        .max()
        .unwrap_or(0))
}

/// The most bytes `cfg` can code in `bits` bits split into `pieces` independent codes (each
/// example, or each EqualInfo window, is coded from a fresh coder). A bound from the format,
/// so that a file cannot claim more output than its payload can hold:
///
/// - Bytes: 8 bits a byte. Subword: `subword_piece` bytes (the longest piece) a token.
/// - GZip: DEFLATE codes at most 258 bytes in 2 bits (a 1-bit length-258 code and a 1-bit
///   distance code), so at most 129 bytes a bit.
/// - The arithmetic coders: every byte has a frequency of at least 1 of `2^β` ([`quantize`]),
///   so the likeliest byte has at most `2^β - 255` and each byte costs at least
///   `c = -log2(1 - 255/2^β)` bits (0.0226 at β = 14: about 44 bytes a bit). A code that
///   stops after n bytes needs at least `n c - 2` bits (the coder's interval keeps more than a
///   quarter of its 32-bit range, and rounding widens it by less than 2^-29 a step), so
///   `n <= (bits + 2) / c` per piece, with a relative margin of 10^-6 for that rounding.
///
/// [`quantize`]: crate::coding::quantize
pub fn max_coded_bytes(cfg: &Config, bits: u64, pieces: u64, subword_piece: u64) -> u64 {
    match cfg.method {
        MethodKind::Bytes => bits / 8,
        MethodKind::Gzip => bits.saturating_mul(129),
        MethodKind::Subword => (bits / cfg.token_bits as u64).saturating_mul(subword_piece),
        MethodKind::StaticAc | MethodKind::Ac | MethodKind::EqualInfo => {
            let total = (1u64 << cfg.precision) as f64;
            let c = -(1.0 - 255.0 / total).log2();
            let n = (bits as f64 + 2.0 * pieces as f64) / c * (1.0 + 1e-6) + pieces as f64;
            if n >= u64::MAX as f64 {
                u64::MAX
            } else {
                n.ceil() as u64
            }
        }
    }
}

/// The largest header accepted (a real one is a few hundred bytes).
pub const MAX_HEADER_BYTES: u64 = 1 << 16;

/// Reads until `buf` is full or the stream ends; returns how many bytes were read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::IoPlain(e)),
        }
    }
    Ok(n)
}

fn short_read(e: std::io::Error, what: &str) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        Error::Corrupt(format!("file too short: it ends in the {what}"))
    } else {
        Error::IoPlain(e)
    }
}

/// Reads exactly `len` bytes, hashing them. Memory grows with the bytes actually read (in
/// chunks of at most 1 MiB), never with `len` alone.
fn read_exact_hashed(
    r: &mut impl Read,
    len: u64,
    hasher: &mut Sha256,
    what: &str,
) -> Result<Vec<u8>> {
    const CHUNK: u64 = 1 << 20;
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        let n = left.min(CHUNK) as usize;
        let at = out.len();
        out.try_reserve(n)
            .map_err(|_| Error::Corrupt(format!("the {what} does not fit in memory")))?;
        out.resize(at + n, 0);
        r.read_exact(&mut out[at..])
            .map_err(|e| short_read(e, what))?;
        hasher.update(&out[at..]);
        left -= n as u64;
    }
    Ok(out)
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The header as stored: every field required, unknown fields refused (the library's
/// [`Config`] takes defaults for missing fields, which a file must not rely on).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHeader {
    config: WireConfig,
    model: Option<WireModel>,
    input_len: u64,
    sha256: String,
    token_count: u64,
    side_info_bytes: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireConfig {
    method: MethodKind,
    window_bits: u32,
    token_bits: u32,
    precision: u32,
    example_bytes: u64,
    delay: bool,
    reset_every: u32,
    /// The exact window rule: the one optional key (absent in files written before it existed
    /// and in every file that does not use it, which therefore keep their bytes).
    #[serde(default)]
    exact: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireModel {
    kind: String,
    hash: String,
    backend: String,
}

/// Parses and checks a header: strict JSON, valid parameters, 64-hex-digit hashes, and a model
/// identity exactly when the method has one (AC, EqualInfo: the byte model; Subword: the
/// tokenizer).
fn parse_header(bytes: &[u8]) -> Result<Header> {
    let w: WireHeader =
        serde_json::from_slice(bytes).map_err(|e| Error::Corrupt(format!("header: {e}")))?;
    let c = w.config;
    let config = Config {
        method: c.method,
        window_bits: c.window_bits,
        token_bits: c.token_bits,
        precision: c.precision,
        example_bytes: usize::try_from(c.example_bytes)
            .map_err(|_| Error::Corrupt("example size too large".into()))?,
        delay: c.delay,
        reset_every: c.reset_every,
        exact: c.exact,
    };
    config
        .validate()
        .map_err(|e| Error::Corrupt(format!("header parameters: {e}")))?;
    if !is_hex64(&w.sha256) {
        return Err(Error::Corrupt(
            "the original's SHA-256 is not 64 lowercase hex digits".into(),
        ));
    }
    let needs_model = config.method.uses_model() || config.method == MethodKind::Subword;
    let model = match (w.model, needs_model) {
        (None, true) => {
            return Err(Error::Corrupt(format!(
                "{} needs the identity of its {} in the header, and it is missing",
                config.label(),
                if config.method == MethodKind::Subword {
                    "tokenizer"
                } else {
                    "model"
                }
            )))
        }
        (Some(_), false) => {
            return Err(Error::Corrupt(format!(
                "{} uses no model, yet the header names one",
                config.label()
            )))
        }
        (None, false) => None,
        (Some(m), true) => {
            let printable =
                |s: &str| !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_graphic());
            if !printable(&m.kind) || !printable(&m.backend) {
                return Err(Error::Corrupt(
                    "the model's kind or backend is not a short printable ASCII name".into(),
                ));
            }
            if !is_hex64(&m.hash) {
                return Err(Error::Corrupt(
                    "the model hash is not 64 lowercase hex digits".into(),
                ));
            }
            if config.method == MethodKind::Subword && m.kind != "subword-bpe" {
                return Err(Error::Corrupt(format!(
                    "a subword file names a {:?} model instead of its tokenizer",
                    m.kind
                )));
            }
            Some(ModelIdentity {
                kind: m.kind,
                hash: m.hash,
                backend: m.backend,
            })
        }
    };
    Ok(Header {
        config,
        model,
        input_len: w.input_len,
        sha256: w.sha256,
        token_count: w.token_count,
        side_info_bytes: w.side_info_bytes,
    })
}

/// The side information of an encoding (uncompressed varints): each example's code length, each
/// window's byte count (EqualInfoAC), the unigram's counts (StaticAC).
fn side_info_raw(
    cfg: &Config,
    example_bits: impl Iterator<Item = u64>,
    window_bytes: impl Iterator<Item = u64>,
    data: &[u8],
) -> Vec<u8> {
    let mut raw = Vec::new();
    for bits in example_bits {
        put_varint(&mut raw, bits);
    }
    if cfg.method == MethodKind::EqualInfo {
        for n in window_bytes {
            put_varint(&mut raw, n);
        }
    }
    if cfg.method == MethodKind::StaticAc {
        for &c in Unigram::fit(data).counts() {
            put_varint(&mut raw, c);
        }
    }
    raw
}

fn deflate_side_info(raw: &[u8]) -> Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(raw)?;
    Ok(z.finish()?)
}

/// The stored side information for these numbers, in the order [`Container::to_encoded`] reads
/// them: each example's bit length, then (EqualInfo) each window's byte count, then (StaticAC)
/// the 256 unigram counts. For rebuilding a container from a token dataset
/// ([`crate::dataset`]); the result is validated like any file's when decoded.
pub fn side_info_from_values(values: &[u64]) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    for &v in values {
        put_varint(&mut raw, v);
    }
    deflate_side_info(&raw)
}

/// Builds a container from an encoding of `data` (the model identity is recorded for AC and
/// EqualInfo).
pub fn build(enc: &Encoded, data: &[u8], model: Option<ModelIdentity>) -> Result<Container> {
    let raw = side_info_raw(
        &enc.config,
        enc.examples.iter().map(|e| e.bit_len),
        enc.windows.iter().map(|w| w.bytes.len() as u64),
        data,
    );
    build_parts(&enc.config, enc.tokens.clone(), &raw, data, model)
}

/// [`build`] from the compact [`method::Packed`] form (what [`compress`] uses: its tokens are
/// moved, not copied).
pub fn build_packed(
    packed: method::Packed,
    data: &[u8],
    model: Option<ModelIdentity>,
) -> Result<Container> {
    let raw = side_info_raw(
        &packed.config,
        packed.example_bits.iter().copied(),
        packed.window_bytes.iter().map(|&n| n as u64),
        data,
    );
    drop(packed.window_bytes);
    build_parts(&packed.config, packed.tokens, &raw, data, model)
}

fn build_parts(
    config: &Config,
    tokens: Vec<u32>,
    raw: &[u8],
    data: &[u8],
    model: Option<ModelIdentity>,
) -> Result<Container> {
    let side_info = deflate_side_info(raw)?;
    let model = if config.method.uses_model() {
        Some(model.ok_or_else(|| {
            Error::BadParams(format!(
                "{} needs the model's identity in the container",
                config.label()
            ))
        })?)
    } else if config.method == MethodKind::Subword {
        Some(method::subword::SubwordTokenizer::shipped()?.identity())
    } else {
        None
    };
    Ok(Container {
        header: Header {
            config: config.clone(),
            model,
            input_len: data.len() as u64,
            sha256: sha256_hex(data),
            token_count: tokens.len() as u64,
            side_info_bytes: side_info.len() as u64,
        },
        tokens,
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
        Self::read_from(bytes, Some(bytes.len() as u64))
    }

    /// Reads a container file: the magic bytes and the declared sizes are checked against the
    /// file's size before the rest is read (a 1 GB file of something else is refused after 4
    /// bytes).
    pub fn read_path(path: &std::path::Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Err(Error::io(
                path,
                std::io::Error::other("is a directory, not an .eqi file"),
            ));
        }
        // Only a regular file's size is known in advance (a FIFO or device streams).
        let known = meta.is_file().then_some(meta.len());
        Self::read_from(std::io::BufReader::new(file), known)
    }

    /// Reads a container from a stream, hashing as it reads. `known_len`, when given, is the
    /// stream's exact length (a regular file's size): the declared sizes are checked against it
    /// before the payload is read. Without it, the payload is read as it arrives (memory grows
    /// with the bytes actually read, never with a declared size), and anything after the
    /// trailing hash is an error. Every malformed input is an [`Error`], never a panic.
    pub fn read_from(mut r: impl Read, known_len: Option<u64>) -> Result<Self> {
        const FIXED: u64 = 4 + 2 + 4 + 8 + 32;
        let mut hasher = Sha256::new();
        let mut start = [0u8; 10];
        let got = read_up_to(&mut r, &mut start)?;
        if got == 0 {
            return Err(Error::EmptyInput("not an .eqi file".into()));
        }
        if got < 4 || &start[..4] != MAGIC {
            return Err(Error::Corrupt(
                "not an eqinfo container (bad magic bytes)".into(),
            ));
        }
        if got < 10 || known_len.is_some_and(|n| n < FIXED) {
            return Err(Error::Corrupt("file too short".into()));
        }
        let version = u16::from_le_bytes([start[4], start[5]]);
        if version != FORMAT_VERSION {
            // Another version's layout cannot be trusted beyond its version field.
            return Err(Error::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        hasher.update(start);
        let header_len = u32::from_le_bytes([start[6], start[7], start[8], start[9]]) as u64;
        if header_len > MAX_HEADER_BYTES
            || known_len.is_some_and(|n| header_len > n.saturating_sub(FIXED))
        {
            return Err(Error::Corrupt(format!(
                "header length {header_len} exceeds the file or the format's limit \
                 ({MAX_HEADER_BYTES} bytes)"
            )));
        }
        let header_bytes = read_exact_hashed(&mut r, header_len, &mut hasher, "header")?;
        let mut len8 = [0u8; 8];
        r.read_exact(&mut len8)
            .map_err(|e| short_read(e, "payload length"))?;
        hasher.update(len8);
        let payload_len = u64::from_le_bytes(len8);
        if let Some(n) = known_len {
            let total = (FIXED + header_len).checked_add(payload_len);
            if total != Some(n) {
                return Err(Error::Corrupt(format!(
                    "the declared sizes (header {header_len} bytes, payload {payload_len} \
                     bytes) do not add up to the file's {n} bytes"
                )));
            }
        }
        let payload = read_exact_hashed(&mut r, payload_len, &mut hasher, "payload")?;
        let mut digest = [0u8; 32];
        r.read_exact(&mut digest)
            .map_err(|e| short_read(e, "trailing hash"))?;
        if hasher.finalize().as_slice() != digest {
            return Err(Error::Corrupt(
                "file hash mismatch: the file was truncated or altered".into(),
            ));
        }
        let mut one = [0u8; 1];
        if read_up_to(&mut r, &mut one)? != 0 {
            return Err(Error::Corrupt(
                "data after the container's trailing hash".into(),
            ));
        }
        let header = parse_header(&header_bytes)?;
        let tb = header.config.token_bits as u64;
        let token_bits = header
            .token_count
            .checked_mul(tb)
            .ok_or_else(|| Error::Corrupt("token count overflows".into()))?;
        let token_bytes = token_bits.div_ceil(8);
        if token_bytes.checked_add(header.side_info_bytes) != Some(payload_len) {
            return Err(Error::Corrupt(
                "token and side-information sizes do not add up to the payload".into(),
            ));
        }
        // Both fit: together they are the payload, which is in memory.
        let token_bytes = token_bytes as usize;
        let bits = BitWriter::from_bytes(&payload[..token_bytes], token_bits);
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
            framing_bits: total_bits.saturating_sub(side_info_bits + token_bits.div_ceil(8) * 8),
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
                short_hash(&rec.hash),
                model.kind,
                short_hash(&model.hash)
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
    ///
    /// Every length is checked arithmetic, and nothing is allocated for a claimed count before
    /// the bytes that justify it are read: the number of examples is checked against the tokens
    /// (each example has at least one), the original length against what the payload can code
    /// (see [`max_coded_bytes`]), each example and window against its own bits, and the side
    /// information is inflated one varint at a time (a zlib bomb inflates no further than one
    /// byte past what the examples and windows need).
    pub fn to_encoded(&self) -> Result<(Encoded, Option<Unigram>)> {
        let h = &self.header;
        let cfg = &h.config;
        let tb = cfg.token_bits as u64;
        let n_tokens = self.tokens.len() as u64;
        let total_bits = n_tokens * tb;
        let subword_piece = if cfg.method == MethodKind::Subword {
            max_subword_piece()?
        } else {
            0
        };
        let n_examples = match (h.input_len, cfg.example_bytes as u64) {
            (0, _) => 0,
            (_, 0) => 1,
            (n, e) => n.div_ceil(e),
        };
        if n_examples > n_tokens {
            return Err(Error::Corrupt(format!(
                "original length {} makes {n_examples} examples, but only {n_tokens} tokens \
                 hold them (each example needs one)",
                h.input_len
            )));
        }
        // Independent code pieces: every window (EqualInfo, exactly b bits each) or example.
        let pieces = match cfg.method {
            MethodKind::EqualInfo => total_bits / cfg.window_bits as u64,
            _ => n_examples,
        };
        let bound = max_coded_bytes(cfg, total_bits, pieces, subword_piece);
        if h.input_len > bound {
            return Err(Error::Corrupt(format!(
                "original length {} is impossible for {total_bits} payload bits ({} can code \
                 at most {bound} bytes in them)",
                h.input_len,
                cfg.label()
            )));
        }
        // Fits: it is at most a fixed multiple of the payload, which is in memory.
        let input_len = usize::try_from(h.input_len)
            .map_err(|_| Error::Corrupt("input length too large".into()))?;
        let mut rd = SideReader::new(&self.side_info);
        let bits = tokens::tokens_to_bits(&self.tokens, cfg.token_bits);
        let ex_bytes = if cfg.example_bytes == 0 {
            input_len
        } else {
            cfg.example_bytes
        };
        let mut examples = Vec::new();
        let mut bit_pos = 0u64;
        for e in 0..n_examples as usize {
            // e < n_examples <= tokens, and e * ex_bytes < input_len: no overflow.
            let start = e * ex_bytes;
            let end = start + ex_bytes.min(input_len - start);
            let bit_len = rd.next()?;
            if bit_len == 0 {
                return Err(Error::Corrupt("an example with no bits".into()));
            }
            let padded = bit_len
                .checked_add(tb - 1)
                .map(|x| x / tb * tb)
                .ok_or_else(|| Error::Corrupt("example length overflows".into()))?;
            let bit_end = bit_pos
                .checked_add(padded)
                .filter(|&x| x <= total_bits)
                .ok_or_else(|| {
                    Error::Corrupt("examples need more bits than the tokens hold".into())
                })?;
            if cfg.method != MethodKind::EqualInfo
                && (end - start) as u64 > max_coded_bytes(cfg, bit_len, 1, subword_piece)
            {
                return Err(Error::Corrupt(format!(
                    "an example of {} bytes cannot be coded in {bit_len} bits",
                    end - start
                )));
            }
            let t0 = (bit_pos / tb) as usize;
            examples.push(ExampleSpan {
                bytes: start..end,
                bit_start: bit_pos,
                bit_len,
                tokens: t0..t0 + (padded / tb) as usize,
                windows: 0..0,
            });
            bit_pos = bit_end;
        }
        if bit_pos != total_bits {
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
                    let per_window = max_coded_bytes(cfg, b, 1, 0);
                    let mut pos = ex.bytes.start;
                    for k in 0..ex.bit_len / b {
                        let count = rd.next()?;
                        if count == 0 || count > (ex.bytes.end - pos) as u64 {
                            return Err(Error::Corrupt(format!(
                                "window byte count {count} does not fit its example"
                            )));
                        }
                        if count > per_window {
                            return Err(Error::Corrupt(format!(
                                "a window of {b} bits cannot hold {count} bytes at precision \
                                 β = {} (at most {per_window})",
                                cfg.precision
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
        rd.finish()?;
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
        self.decode_with(model, force, &method::RunOptions::default())
    }

    /// [`Container::decode`] under `opts` (progress over the decoded bytes, cancel).
    pub fn decode_with(
        &self,
        model: &mut dyn ByteModel,
        force: bool,
        opts: &method::RunOptions,
    ) -> Result<Vec<u8>> {
        if self.header.config.method.uses_model() && !force {
            self.check_model(&model.identity())?;
        }
        if self.header.config.method == MethodKind::Subword && !force {
            self.check_model(&method::subword::SubwordTokenizer::shipped()?.identity())?;
        }
        let (enc, unigram) = self.to_encoded()?;
        let out = match unigram {
            Some(mut u) => method::decode::decode_with(&enc, &mut u, opts)?,
            None => method::decode::decode_with(&enc, model, opts)?,
        };
        if sha256_hex(&out) != self.header.sha256 {
            return Err(Error::ChecksumMismatch);
        }
        Ok(out)
    }
}

/// Peak memory, in bytes per input byte, that compressing with `cfg` needs with the trace off:
/// the measured RSS of `eqinfo compress` with the uniform model (see the README's Memory
/// section), rounded up. EqualInfo keeps 4 bytes a window while encoding (a byte count and the
/// code bits, 16 bits each) besides its bits and tokens; with 8 bits a byte (the uniform model;
/// a skewed model on unlikely text can need more) that is `8 / b` windows a byte.
pub fn compress_bytes_per_input_byte(cfg: &Config) -> u64 {
    match cfg.method {
        MethodKind::Gzip => 8,
        MethodKind::StaticAc => 12,
        MethodKind::Bytes | MethodKind::Ac | MethodKind::Subword => 16,
        MethodKind::EqualInfo => 8 + 64 / cfg.window_bits.max(8) as u64,
    }
}

/// Memory this process may still allocate, where the system says (Linux: `MemAvailable` plus
/// free swap, capped by a cgroup v2 `memory.max`).
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = info.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    let mut avail = field("MemAvailable:")? + field("SwapFree:").unwrap_or(0);
    if let Some(max) = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        let used = std::fs::read_to_string("/sys/fs/cgroup/memory.current")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0);
        avail = avail.min(max.saturating_sub(used));
    }
    Some(avail)
}

/// Refuses, before any work, an input too large to compress in the memory available (see
/// [`compress_bytes_per_input_byte`]).
pub fn check_compress_memory(cfg: &Config, input_len: usize) -> Result<()> {
    let need = (input_len as u64).saturating_mul(compress_bytes_per_input_byte(cfg));
    match available_memory() {
        Some(avail) if need > avail => Err(Error::BadParams(format!(
            "compressing {input_len} bytes with {} needs about {} MB of memory, and {} MB are available: split the input",
            cfg.label(),
            need.div_ceil(1 << 20),
            avail >> 20
        ))),
        _ => Ok(()),
    }
}

/// Compresses `data` into container bytes.
pub fn compress(data: &[u8], config: &Config, model: &mut dyn ByteModel) -> Result<Vec<u8>> {
    let packed = method::encode_packed(data, config, model, &method::RunOptions::default())?;
    build_packed(packed, data, Some(model.identity()))?.to_bytes()
}

/// Decompresses container bytes.
pub fn decompress(bytes: &[u8], model: &mut dyn ByteModel, force: bool) -> Result<Vec<u8>> {
    Container::from_bytes(bytes)?.decode(model, force)
}
