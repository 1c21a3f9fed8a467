//! The container: every single-byte change and every truncation of a small file is an error,
//! never a panic; model mismatches are refused unless forced.

use eqinfo::container::{self, Container};
use eqinfo::method::{Config, MethodKind};
use eqinfo::model::{Uniform, Unigram};
use eqinfo::Error;

fn small_files() -> Vec<(Vec<u8>, Config)> {
    let data = b"Equal-Info windows: caf\xc3\xa9 \xff!".to_vec();
    let mut out = Vec::new();
    for m in MethodKind::ALL {
        let mut c = Config::new(m);
        // The subword ids need 15 bits.
        c.token_bits = if m == MethodKind::Subword { 15 } else { 8 };
        c.example_bytes = 16;
        if m == MethodKind::EqualInfo {
            c.window_bits = 24;
        }
        out.push((data.clone(), c));
    }
    out
}

#[test]
fn every_flip_and_truncation_is_an_error() {
    let text = b"Equal-Info windows: the quick brown fox".to_vec();
    for (data, cfg) in small_files() {
        let mut model = Unigram::fit(&text);
        let bytes = container::compress(&data, &cfg, &mut model).unwrap();
        assert_eq!(
            container::decompress(&bytes, &mut model, false).unwrap(),
            data
        );
        for i in 0..bytes.len() {
            for mask in [0x01u8, 0x80, 0xFF] {
                let mut bad = bytes.clone();
                bad[i] ^= mask;
                assert!(
                    container::decompress(&bad, &mut model, false).is_err(),
                    "{}: flipping byte {i} with {mask:#x} went unnoticed",
                    cfg.label()
                );
            }
        }
        for n in 0..bytes.len() {
            assert!(container::decompress(&bytes[..n], &mut model, false).is_err());
        }
    }
}

#[test]
fn model_mismatch_is_refused_unless_forced() {
    let data = b"some text to compress, some text to compress".to_vec();
    let cfg = Config::equal_info(32, 16);
    let mut a = Unigram::fit(b"aaaa bbbb");
    let bytes = container::compress(&data, &cfg, &mut a).unwrap();
    let err = container::decompress(&bytes, &mut Uniform::default(), false).unwrap_err();
    assert!(matches!(err, Error::ModelMismatch(_)), "{err}");
    // Forced, the wrong model decodes to something else, which the checksum catches.
    let forced = container::decompress(&bytes, &mut Uniform::default(), true);
    assert!(matches!(forced, Err(Error::ChecksumMismatch)) || forced.is_err());
    assert_eq!(container::decompress(&bytes, &mut a, false).unwrap(), data);
}

#[test]
fn unknown_version_is_named() {
    let mut model = Uniform::default();
    let mut bytes = container::compress(b"abc", &Config::new(MethodKind::Ac), &mut model).unwrap();
    bytes[4] = 9;
    let err = Container::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedVersion { found: 9, .. }),
        "{err}"
    );
}

#[test]
fn overhead_separates_side_information() {
    let data = b"abcdefghij".repeat(50);
    let mut model = Uniform::default();
    let cfg = Config::equal_info(16, 16);
    let bytes = container::compress(&data, &cfg, &mut model).unwrap();
    let c = Container::from_bytes(&bytes).unwrap();
    let o = c.overhead().unwrap();
    // Uniform, b = 16: two bytes per window, one 16-bit token per window, 250 windows.
    assert_eq!(c.tokens.len(), 250);
    assert_eq!(o.token_bits, 250 * 16);
    assert!(o.side_info_bits > 0);
    assert_eq!(
        o.token_bits + o.side_info_bits + o.framing_bits,
        bytes.len() as u64 * 8
    );
}
