//! A tracing inflater: decodes a zlib stream (RFC 1950 around RFC 1951 DEFLATE) and records, for
//! every piece of the stream, which bits it occupies and which output bytes it produces. This is
//! what gives the GZip method a byte <-> bit alignment ([`super::trace::Alignment`]).
//!
//! ## Why a hand-written inflater
//! The crates that inflate (`flate2`, `miniz_oxide`, `zlib-rs`, `libdeflater`) expose bytes in
//! and bytes out, never the bit position of a code or which codes produced which bytes, so the
//! alignment cannot come from them. This decoder exists only for that map: it is a plain
//! bit-by-bit canonical-Huffman decoder (std only), and its output is checked against `flate2`'s
//! decompression in the tests, so a decoding error cannot go unnoticed.
//!
//! ## Spans
//! Bit positions are DEFLATE's: bit `k` is bit `k % 8` (least significant first) of byte
//! `k / 8` of the zlib stream. (The GZip method's token stream reads the same bytes most
//! significant bit first, so DEFLATE bit `k` is token-stream bit `k ^ 7`; see
//! [`stream_ranges`].) The spans are contiguous and cover every bit of the stream exactly once,
//! in order:
//!
//! - [`SpanKind::ZlibHeader`]: CMF and FLG (16 bits);
//! - per block, [`SpanKind::BlockHeader`]: BFINAL and BTYPE, and for a dynamic block the
//!   HLIT/HDIST/HCLEN counts and both Huffman tables, for a stored block the padding to a byte
//!   and LEN/NLEN;
//! - [`SpanKind::Literal`]: one literal's code (or one stored byte), producing one byte;
//! - [`SpanKind::Match`]: a length code, its extra bits, a distance code and its extra bits,
//!   producing the `length` bytes it copies (the match's bits belong to all of them);
//! - [`SpanKind::EndOfBlock`]: code 256;
//! - [`SpanKind::Trailer`]: the padding to a byte after the last block, the Adler-32 checksum,
//!   and anything after it.

use crate::error::{Error, Result};
use std::ops::Range;

/// What a span of the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// The two-byte zlib header.
    ZlibHeader,
    /// A block's header (and its Huffman tables, or a stored block's LEN/NLEN).
    BlockHeader {
        /// Block number.
        block: usize,
        /// BTYPE: 0 stored, 1 fixed, 2 dynamic Huffman codes.
        btype: u8,
    },
    /// A literal byte.
    Literal,
    /// A back-reference.
    Match {
        /// Bytes copied.
        length: u16,
        /// Distance back.
        distance: u16,
    },
    /// A block's end-of-block code.
    EndOfBlock {
        /// Block number.
        block: usize,
    },
    /// Padding to a byte, the Adler-32 checksum and any trailing bytes.
    Trailer,
}

impl SpanKind {
    /// True for the spans that produce no output byte.
    pub fn is_overhead(self) -> bool {
        !matches!(self, SpanKind::Literal | SpanKind::Match { .. })
    }

    /// A short description for tooltips.
    pub fn describe(self) -> String {
        match self {
            SpanKind::ZlibHeader => "zlib header".into(),
            SpanKind::BlockHeader { block, btype } => format!(
                "block {block} header ({})",
                match btype {
                    0 => "stored: LEN/NLEN",
                    1 => "fixed Huffman codes",
                    _ => "dynamic Huffman codes and their tables",
                }
            ),
            SpanKind::Literal => "literal".into(),
            SpanKind::Match { length, distance } => {
                format!("match: copy {length} bytes from {distance} back")
            }
            SpanKind::EndOfBlock { block } => format!("block {block} end-of-block code"),
            SpanKind::Trailer => "padding and Adler-32 trailer".into(),
        }
    }
}

/// One piece of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateSpan {
    /// Its bits (DEFLATE numbering, see the module docs).
    pub bits: Range<u64>,
    /// The output bytes it produces (empty for overhead).
    pub out: Range<usize>,
    /// What it is.
    pub kind: SpanKind,
}

/// The decoded output of a zlib stream and its spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeflateTrace {
    /// The decompressed bytes.
    pub output: Vec<u8>,
    /// The spans, in stream order, covering every bit once.
    pub spans: Vec<DeflateSpan>,
}

/// The token-stream bit ranges (most significant bit of each byte first) of the DEFLATE bits
/// `bits`: `k ↦ k ^ 7` maps whole bytes onto themselves and reverses the bits inside a byte, so
/// a range becomes at most three: the partial first byte, the whole bytes, the partial last byte.
/// The map is its own inverse, so this also turns token-stream ranges into DEFLATE ranges.
pub fn stream_ranges(bits: Range<u64>) -> Vec<Range<u64>> {
    let mut out = Vec::with_capacity(3);
    let mut lo = bits.start;
    let hi = bits.end;
    while lo < hi {
        let byte_end = (lo / 8 + 1) * 8;
        if lo.is_multiple_of(8) && hi >= byte_end {
            // Whole bytes map onto themselves.
            let whole_end = hi / 8 * 8;
            push_merged(&mut out, lo..whole_end);
            lo = whole_end;
        } else {
            let end = hi.min(byte_end);
            // Bits lo..end of one byte: their images are (end-1)^7 ..= lo^7.
            push_merged(&mut out, ((end - 1) ^ 7)..((lo ^ 7) + 1));
            lo = end;
        }
    }
    out
}

fn push_merged(out: &mut Vec<Range<u64>>, r: Range<u64>) {
    if let Some(last) = out.last_mut() {
        if last.end == r.start {
            last.end = r.end;
            return;
        }
    }
    out.push(r);
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!("zlib stream: {what}"))
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: u64,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Result<u32> {
        let byte = self
            .data
            .get((self.pos / 8) as usize)
            .ok_or_else(|| corrupt("ends in the middle of a block"))?;
        let b = (byte >> (self.pos % 8)) & 1;
        self.pos += 1;
        Ok(b as u32)
    }

    /// `n` bits as an integer, first bit least significant (DEFLATE's non-Huffman fields).
    fn bits(&mut self, n: u32) -> Result<u32> {
        let mut v = 0;
        for i in 0..n {
            v |= self.bit()? << i;
        }
        Ok(v)
    }
}

/// A canonical Huffman code (RFC 1951 §3.2.2), decoded one bit at a time.
struct Huffman {
    /// Codes of each length 0..=15.
    counts: [u16; 16],
    /// Symbols ordered by (length, symbol).
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Huffman> {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        // Refuse over-subscribed codes (incomplete ones are allowed, e.g. a single distance code).
        let mut left: i32 = 1;
        for &c in &counts[1..] {
            left = left * 2 - c as i32;
            if left < 0 {
                return Err(corrupt("over-subscribed Huffman code"));
            }
        }
        let mut symbols = Vec::with_capacity(lengths.len());
        for len in 1..16u8 {
            for (s, &l) in lengths.iter().enumerate() {
                if l == len {
                    symbols.push(s as u16);
                }
            }
        }
        Ok(Huffman { counts, symbols })
    }

    fn decode(&self, r: &mut BitReader) -> Result<u16> {
        let mut code: i32 = 0;
        let mut first: i32 = 0;
        let mut index: i32 = 0;
        for len in 1..16 {
            code |= r.bit()? as i32;
            let count = self.counts[len] as i32;
            if code - first < count {
                return self
                    .symbols
                    .get((index + code - first) as usize)
                    .copied()
                    .ok_or_else(|| corrupt("bad Huffman code"));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(corrupt("invalid Huffman code"))
    }
}

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which code-length code lengths are sent.
const CLEN_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

fn fixed_codes() -> Result<(Huffman, Huffman)> {
    let mut lit = [0u8; 288];
    lit[..144].fill(8);
    lit[144..256].fill(9);
    lit[256..280].fill(7);
    lit[280..].fill(8);
    Ok((Huffman::new(&lit)?, Huffman::new(&[5u8; 30])?))
}

fn dynamic_codes(r: &mut BitReader) -> Result<(Huffman, Huffman)> {
    let hlit = r.bits(5)? as usize + 257;
    let hdist = r.bits(5)? as usize + 1;
    let hclen = r.bits(4)? as usize + 4;
    if hlit > 286 || hdist > 30 {
        return Err(corrupt("too many length or distance codes"));
    }
    let mut clen = [0u8; 19];
    for &i in &CLEN_ORDER[..hclen] {
        clen[i] = r.bits(3)? as u8;
    }
    let clcode = Huffman::new(&clen)?;
    let mut lengths = Vec::with_capacity(hlit + hdist);
    while lengths.len() < hlit + hdist {
        let sym = clcode.decode(r)?;
        match sym {
            0..=15 => lengths.push(sym as u8),
            16 => {
                let &prev = lengths
                    .last()
                    .ok_or_else(|| corrupt("repeat with no previous length"))?;
                let n = 3 + r.bits(2)? as usize;
                lengths.extend(std::iter::repeat_n(prev, n));
            }
            17 => {
                let n = 3 + r.bits(3)? as usize;
                lengths.extend(std::iter::repeat_n(0, n));
            }
            _ => {
                let n = 11 + r.bits(7)? as usize;
                lengths.extend(std::iter::repeat_n(0, n));
            }
        }
    }
    if lengths.len() != hlit + hdist {
        return Err(corrupt("code lengths overrun their tables"));
    }
    if lengths[256] == 0 {
        return Err(corrupt("no end-of-block code"));
    }
    Ok((
        Huffman::new(&lengths[..hlit])?,
        Huffman::new(&lengths[hlit..])?,
    ))
}

/// Decodes a zlib stream and records its spans (see the module docs). Preset dictionaries are
/// refused; the Adler-32 checksum is verified.
pub fn trace_zlib(data: &[u8]) -> Result<DeflateTrace> {
    let &[cmf, flg] = data
        .first_chunk::<2>()
        .ok_or_else(|| corrupt("shorter than its header"))?;
    if cmf & 0x0F != 8 || cmf >> 4 > 7 {
        return Err(corrupt("not DEFLATE with a window of at most 32 KiB"));
    }
    if !(cmf as u16 * 256 + flg as u16).is_multiple_of(31) {
        return Err(corrupt("header check bits are wrong"));
    }
    if flg & 0x20 != 0 {
        return Err(corrupt("uses a preset dictionary"));
    }
    let mut t = DeflateTrace::default();
    t.spans.push(DeflateSpan {
        bits: 0..16,
        out: 0..0,
        kind: SpanKind::ZlibHeader,
    });
    let mut r = BitReader { data, pos: 16 };
    let mut block = 0usize;
    loop {
        let start = r.pos;
        let last = r.bit()? == 1;
        let btype = r.bits(2)? as u8;
        match btype {
            0 => {
                r.pos = r.pos.div_ceil(8) * 8;
                let len = r.bits(16)?;
                let nlen = r.bits(16)?;
                if len != !nlen & 0xFFFF {
                    return Err(corrupt("stored block length check fails"));
                }
                t.spans.push(DeflateSpan {
                    bits: start..r.pos,
                    out: 0..0,
                    kind: SpanKind::BlockHeader { block, btype },
                });
                for _ in 0..len {
                    let s = r.pos;
                    let b = r.bits(8)? as u8;
                    let o = t.output.len();
                    t.output.push(b);
                    t.spans.push(DeflateSpan {
                        bits: s..r.pos,
                        out: o..o + 1,
                        kind: SpanKind::Literal,
                    });
                }
            }
            1 | 2 => {
                let (lit, dist) = if btype == 1 {
                    fixed_codes()?
                } else {
                    dynamic_codes(&mut r)?
                };
                t.spans.push(DeflateSpan {
                    bits: start..r.pos,
                    out: 0..0,
                    kind: SpanKind::BlockHeader { block, btype },
                });
                loop {
                    let s = r.pos;
                    let sym = lit.decode(&mut r)?;
                    let o = t.output.len();
                    match sym {
                        0..=255 => {
                            t.output.push(sym as u8);
                            t.spans.push(DeflateSpan {
                                bits: s..r.pos,
                                out: o..o + 1,
                                kind: SpanKind::Literal,
                            });
                        }
                        256 => {
                            t.spans.push(DeflateSpan {
                                bits: s..r.pos,
                                out: o..o,
                                kind: SpanKind::EndOfBlock { block },
                            });
                            break;
                        }
                        _ => {
                            let i = (sym - 257) as usize;
                            if i >= LEN_BASE.len() {
                                return Err(corrupt("invalid length code"));
                            }
                            let length = LEN_BASE[i] + r.bits(LEN_EXTRA[i] as u32)? as u16;
                            let d = dist.decode(&mut r)? as usize;
                            if d >= DIST_BASE.len() {
                                return Err(corrupt("invalid distance code"));
                            }
                            let distance = DIST_BASE[d] + r.bits(DIST_EXTRA[d] as u32)? as u16;
                            if distance as usize > o {
                                return Err(corrupt("distance reaches before the start"));
                            }
                            for k in 0..length as usize {
                                let b = t.output[o + k - distance as usize];
                                t.output.push(b);
                            }
                            t.spans.push(DeflateSpan {
                                bits: s..r.pos,
                                out: o..o + length as usize,
                                kind: SpanKind::Match { length, distance },
                            });
                        }
                    }
                }
            }
            _ => return Err(corrupt("reserved block type 3")),
        }
        block += 1;
        if last {
            break;
        }
    }
    let trailer_start = r.pos;
    let at = r.pos.div_ceil(8) as usize;
    let adler = data
        .get(at..at + 4)
        .ok_or_else(|| corrupt("no Adler-32 trailer"))?;
    let want = u32::from_be_bytes([adler[0], adler[1], adler[2], adler[3]]);
    if adler32(&t.output) != want {
        return Err(corrupt("Adler-32 checksum mismatch"));
    }
    t.spans.push(DeflateSpan {
        bits: trailer_start..data.len() as u64 * 8,
        out: t.output.len()..t.output.len(),
        kind: SpanKind::Trailer,
    });
    Ok(t)
}

/// Adler-32 (RFC 1950 §8.2).
pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn zlib(data: &[u8], level: u32) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn flate2_inflate(z: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// The invariants of a trace of `z`: spans tile the stream's bits in order, byte spans tile
    /// the output in order, and replaying each span's kind (literal byte from the stream, match
    /// copy from earlier output) reproduces the output.
    fn check_spans(z: &[u8], t: &DeflateTrace) {
        let mut bit = 0u64;
        let mut out = 0usize;
        let mut replay: Vec<u8> = Vec::new();
        for s in &t.spans {
            assert_eq!(s.bits.start, bit, "spans must be contiguous: {s:?}");
            assert!(s.bits.end > s.bits.start || s.kind == SpanKind::Trailer);
            bit = s.bits.end;
            assert_eq!(s.out.start, out);
            out = s.out.end;
            match s.kind {
                SpanKind::Literal => {
                    assert_eq!(s.out.len(), 1);
                    replay.push(t.output[s.out.start]);
                }
                SpanKind::Match { length, distance } => {
                    assert_eq!(s.out.len(), length as usize);
                    for _ in 0..length {
                        let b = replay[replay.len() - distance as usize];
                        replay.push(b);
                    }
                }
                _ => assert!(s.out.is_empty()),
            }
        }
        assert_eq!(bit, z.len() as u64 * 8, "spans cover every bit");
        assert_eq!(out, t.output.len());
        assert_eq!(replay, t.output);
    }

    #[test]
    fn stream_ranges_reverse_bits_inside_bytes() {
        // DEFLATE bits 6..9: bits 6, 7 of byte 0 (stream bits 1, 0) and bit 0 of byte 1 (15).
        assert_eq!(stream_ranges(6..9), vec![0..2, 15..16]);
        assert_eq!(stream_ranges(8..24), vec![8..24]);
        assert_eq!(stream_ranges(3..20), vec![0..5, 8..16, 20..24]);
        assert_eq!(stream_ranges(0..3), vec![5..8]);
        // Its own inverse, bit by bit.
        for lo in 0..40u64 {
            for hi in lo..40 {
                let mut img: Vec<u64> = stream_ranges(lo..hi).into_iter().flatten().collect();
                img.sort_unstable();
                let mut want: Vec<u64> = (lo..hi).map(|k| k ^ 7).collect();
                want.sort_unstable();
                assert_eq!(img, want);
            }
        }
    }

    /// A fixed-Huffman stream worked by hand: "aa" as literal 'a' then a match (length 1 is not
    /// allowed, so: "aaaa" = literal 'a' + match length 3 distance 1).
    ///
    /// Header 0x78 0x01. Block: BFINAL=1, BTYPE=01 (bits 1, 1, 0 in stream order). Literal 'a'
    /// (0x61) has the 8-bit code 0x30 + 0x61 = 0x91 = 10010001; length 3 is symbol 257, 7-bit
    /// code 0000001; distance 1 is distance code 0, 5 bits 00000; end of block is 0000000.
    /// Total 3 + 8 + 7 + 5 + 7 = 30 bits, padded to 32, then Adler-32 of "aaaa".
    #[test]
    fn a_hand_made_fixed_stream() {
        let mut bits: Vec<u32> = vec![1, 1, 0];
        bits.extend([1, 0, 0, 1, 0, 0, 0, 1]); // 'a', Huffman codes go most significant first
        bits.extend([0, 0, 0, 0, 0, 0, 1]); // 257
        bits.extend([0, 0, 0, 0, 0]); // distance code 0
        bits.extend([0, 0, 0, 0, 0, 0, 0]); // 256
        let mut body = vec![0u8; 4];
        for (k, &b) in bits.iter().enumerate() {
            body[k / 8] |= (b as u8) << (k % 8);
        }
        // Adler-32 of "aaaa": a = 1 + 4*97 = 389, b = 98 + 195 + 292 + 389 = 974.
        let adler: u32 = (974 << 16) | 389;
        assert_eq!(adler32(b"aaaa"), adler);
        let mut z = vec![0x78, 0x01];
        z.extend(&body);
        z.extend(adler.to_be_bytes());
        assert_eq!(
            flate2_inflate(&z),
            b"aaaa",
            "the hand-made stream is valid zlib"
        );
        let t = trace_zlib(&z).unwrap();
        assert_eq!(t.output, b"aaaa");
        let got: Vec<(Range<u64>, Range<usize>, SpanKind)> = t
            .spans
            .iter()
            .map(|s| (s.bits.clone(), s.out.clone(), s.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                (0..16, 0..0, SpanKind::ZlibHeader),
                (16..19, 0..0, SpanKind::BlockHeader { block: 0, btype: 1 }),
                (19..27, 0..1, SpanKind::Literal),
                (
                    27..39,
                    1..4,
                    SpanKind::Match {
                        length: 3,
                        distance: 1
                    }
                ),
                (39..46, 4..4, SpanKind::EndOfBlock { block: 0 }),
                (46..80, 4..4, SpanKind::Trailer),
            ]
        );
        check_spans(&z, &t);
    }

    #[test]
    fn stored_fixed_and_dynamic_blocks_decode_like_flate2() {
        let text: Vec<u8> = b"the cat sat on the mat; the dog sat on the log. "
            .iter()
            .copied()
            .cycle()
            .take(3000)
            .collect();
        let mut seen = [false; 3];
        for level in 0..=9 {
            for data in [&text[..], &text[..40], b"", b"x"] {
                let z = zlib(data, level);
                let t = trace_zlib(&z).unwrap();
                assert_eq!(t.output, flate2_inflate(&z), "level {level}");
                assert_eq!(t.output, data);
                check_spans(&z, &t);
                for s in &t.spans {
                    if let SpanKind::BlockHeader { btype, .. } = s.kind {
                        seen[btype as usize] = true;
                    }
                }
            }
        }
        assert_eq!(
            seen,
            [true, true, true],
            "stored, fixed and dynamic blocks all seen"
        );
    }

    #[test]
    fn corrupt_streams_are_errors_not_panics() {
        let z = zlib(b"hello hello hello hello", 6);
        for cut in 0..z.len() {
            assert!(trace_zlib(&z[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(trace_zlib(&bad).is_err(), "checksum");
        for i in 2..z.len() - 4 {
            for bit in 0..8 {
                let mut f = z.clone();
                f[i] ^= 1 << bit;
                let _ = trace_zlib(&f);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn traces_match_flate2_for_any_input(
            data in prop::collection::vec(prop_oneof![3 => 97u8..101, 1 => any::<u8>()], 0..2000),
            level in 0u32..=9,
        ) {
            let z = zlib(&data, level);
            let t = trace_zlib(&z).unwrap();
            prop_assert_eq!(&t.output, &flate2_inflate(&z));
            prop_assert_eq!(&t.output, &data);
            check_spans(&z, &t);
        }
    }
}
