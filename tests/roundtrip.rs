//! Round trips of every method through the exact decoder and the container, with the Uniform and
//! Unigram models, on adversarial inputs.

use eqinfo::container;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::{ByteModel, Uniform, Unigram};
use proptest::prelude::*;

fn configs() -> Vec<Config> {
    let mut out = Vec::new();
    for &tb in &[1u32, 8, 12, 16] {
        for m in [
            MethodKind::Bytes,
            MethodKind::Gzip,
            MethodKind::StaticAc,
            MethodKind::Ac,
        ] {
            let mut c = Config::new(m);
            c.token_bits = tb;
            c.example_bytes = 37;
            out.push(c);
        }
        for &b in &[8u32, 16, 24, 32, 64, 128] {
            let mut c = Config::equal_info(b, tb);
            c.example_bytes = 53;
            c.precision = 10;
            out.push(c.clone());
            let mut d = c.clone();
            d.delay = true;
            out.push(d);
            if b >= 16 {
                let mut r = c.clone();
                r.reset_every = 3;
                out.push(r.clone());
                r.reset_every = 0;
                out.push(r);
            }
        }
    }
    out
}

/// Compress then decompress through the container; parameters the model cannot support must be
/// refused up front (and only those).
fn check(data: &[u8], cfg: &Config, model: &mut dyn ByteModel) {
    match cfg.validate_for_model(model) {
        Err(e) => {
            // Only b < β can be refused, and only for EqualInfo.
            assert_eq!(
                cfg.method,
                MethodKind::EqualInfo,
                "{} refused: {e}",
                cfg.label()
            );
            assert!(
                cfg.window_bits < cfg.precision + 1,
                "{} refused: {e}",
                cfg.label()
            );
        }
        Ok(()) => {
            let bytes = container::compress(data, cfg, model).expect("compress");
            let back = container::decompress(&bytes, model, false).expect("decompress");
            assert_eq!(back, data, "{}", cfg.label());
            // The in-memory decoder agrees too, and every window is exactly b bits.
            let enc = method::encode(data, cfg, model, &RunOptions::default()).unwrap();
            if cfg.method == MethodKind::EqualInfo {
                for w in &enc.windows {
                    assert_eq!(w.bit_len, cfg.window_bits as u64);
                    assert!(w.code_bits <= cfg.window_bits as u64);
                    assert!(!w.bytes.is_empty());
                }
            }
            let total: usize = enc.windows.iter().map(|w| w.bytes.len()).sum();
            assert_eq!(total, data.len());
        }
    }
}

fn special_inputs() -> Vec<Vec<u8>> {
    vec![
        vec![],
        vec![0x41],
        (0..=255u8).collect(),
        vec![0u8; 500],
        vec![0xFFu8; 300],
        b"caf\xc3\xa9 \xff\xfe invalid \xc3 utf8 \xe4\xb8\xad\xe6\x96\x87".to_vec(),
        b"The quick brown fox jumps over the lazy dog. ".repeat(6),
    ]
}

#[test]
fn special_inputs_round_trip_every_config() {
    let text = b"The quick brown fox jumps over the lazy dog. ".repeat(20);
    for data in special_inputs() {
        for cfg in configs() {
            check(&data, &cfg, &mut Uniform::default());
            check(&data, &cfg, &mut Unigram::fit(&text));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_bytes_round_trip(data in proptest::collection::vec(any::<u8>(), 0..300),
                               skew in proptest::collection::vec(any::<u8>(), 0..200),
                               idx in 0usize..1000) {
        let cfgs = configs();
        let cfg = &cfgs[idx % cfgs.len()];
        check(&data, cfg, &mut Unigram::fit(&skew));
        check(&data, cfg, &mut Uniform::default());
    }
}
