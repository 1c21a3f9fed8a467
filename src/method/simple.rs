//! The methods without a model: Bytes (the bytes themselves) and GZip (zlib per example, default
//! level, as in the paper).

use super::{example_ranges, Assembler, Config, Encoded};
use crate::coding::BitWriter;
use crate::error::{Error, Result};
use std::io::{Read, Write};

fn bytes_to_bits(bytes: &[u8]) -> BitWriter {
    BitWriter::from_bytes(bytes, bytes.len() as u64 * 8)
}

/// Bytes as tokens (8 bits per byte, cut into `token_bits`-bit tokens).
pub fn encode_bytes(data: &[u8], config: &Config) -> Result<Encoded> {
    let mut asm = Assembler::new(config);
    for r in example_ranges(data.len(), config.example_bytes) {
        let bits = bytes_to_bits(&data[r.clone()]);
        asm.push_whole(r, &bits);
    }
    Ok(asm.finish(data.len(), None))
}

/// zlib (DEFLATE, default level) of each example.
pub fn encode_gzip(data: &[u8], config: &Config) -> Result<Encoded> {
    let mut asm = Assembler::new(config);
    for r in example_ranges(data.len(), config.example_bytes) {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&data[r.clone()])?;
        let bytes = z.finish()?;
        let bits = bytes_to_bits(&bytes);
        asm.push_whole(r, &bits);
    }
    Ok(asm.finish(data.len(), None))
}

/// Reads bits `start..start+len` (a whole number of bytes) as bytes.
pub(crate) fn bits_to_bytes(bits: &BitWriter, start: u64, len: u64) -> Result<Vec<u8>> {
    if !len.is_multiple_of(8) || start.checked_add(len).is_none_or(|end| end > bits.len()) {
        return Err(Error::Corrupt(format!(
            "byte-aligned payload of {len} bits at bit {start} does not fit the stream"
        )));
    }
    Ok((0..len / 8)
        .map(|i| (0..8).fold(0u8, |acc, j| (acc << 1) | bits.get(start + i * 8 + j) as u8))
        .collect())
}

/// Inflates one zlib example, which must give exactly `expected` bytes.
pub(crate) fn inflate(compressed: &[u8], expected: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(expected);
    flate2::read::ZlibDecoder::new(compressed)
        .take(expected as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Corrupt(format!("zlib stream: {e}")))?;
    if out.len() != expected {
        return Err(Error::Corrupt(format!(
            "zlib example gave {} bytes, expected {expected}",
            out.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A start and length from a file whose sum wraps around u64 are refused, not read.
    #[test]
    fn a_range_that_wraps_around_is_refused() {
        let bits = BitWriter::from_bytes(&[0xAB; 4], 32);
        assert!(bits_to_bytes(&bits, u64::MAX - 7, 16).is_err());
        assert!(bits_to_bytes(&bits, 8, u64::MAX - 7).is_err());
        assert_eq!(bits_to_bytes(&bits, 8, 16).unwrap(), vec![0xAB, 0xAB]);
    }
}
