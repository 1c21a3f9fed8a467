//! Round trips of every method through the exact decoder and the container, with the Uniform and
//! Unigram models, on adversarial inputs.

use eqinfo::container;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::{ByteModel, Uniform, Unigram};
use proptest::prelude::*;

fn configs() -> Vec<Config> {
    let mut out = Vec::new();
    for &tb in &[1u32, 8, 12, 15, 16] {
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
        if tb >= 15 {
            // Subword ids need 15 bits; 37-byte examples cut multi-byte characters (byte fallback).
            for ex in [37, 0] {
                let mut c = Config::new(MethodKind::Subword);
                c.token_bits = tb;
                c.example_bytes = ex;
                out.push(c);
            }
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

/// The subword method: ids are the shipped tokenizer's, each token spells its bytes, invalid
/// UTF-8 falls back to single-byte tokens, and a token size too small for 32,768 ids is refused.
#[test]
fn subword_tokens_spell_the_input_with_byte_fallback() {
    use eqinfo::method::subword::{SubwordTokenizer, SUBWORD_TOKEN_BITS};
    let tk = SubwordTokenizer::shipped().expect("shipped tokenizer");
    assert_eq!(tk.vocab_size(), 1 << SUBWORD_TOKEN_BITS);
    assert_eq!(tk.token_bits(), SUBWORD_TOKEN_BITS);
    // Every single byte has its own token (the byte fallback).
    for b in 0..=255u8 {
        let ids = tk.tokenize(&[b]).unwrap();
        assert_eq!(ids.len(), 1, "byte {b:#x}");
        assert_eq!(tk.piece(ids[0]), Some(&[b][..]));
    }
    let text = "It is a truth universally acknowledged, that a single man in possession of a good \
                fortune, must be in want of a wife.\n\n";
    let ids = tk.tokenize(text.as_bytes()).unwrap();
    // Trained on Austen: common words are single tokens, far fewer tokens than bytes.
    assert!(ids.len() * 3 < text.len(), "{} tokens", ids.len());
    let the = tk.tokenize(b" the").unwrap();
    assert_eq!(the.len(), 1);
    let spelled: Vec<u8> = ids
        .iter()
        .flat_map(|&i| tk.piece(i).unwrap().to_vec())
        .collect();
    assert_eq!(spelled, text.as_bytes());

    // Invalid UTF-8 in the middle: the invalid bytes are single-byte tokens, the rest is text.
    let mixed = b"caf\xc3\xa9 \xff\xfe the end \xc3";
    let ids = tk.tokenize(mixed).unwrap();
    assert_eq!(tk.detokenize(&ids).unwrap(), mixed);
    for bad in [0xffu8, 0xfe] {
        let single = tk.tokenize(&[bad]).unwrap()[0];
        assert!(
            ids.contains(&single),
            "byte {bad:#x} not a token of its own"
        );
    }

    // Through the method: the bit stream is the ids, 15 bits each, MSB first.
    let cfg = Config::new(MethodKind::Subword);
    assert_eq!(cfg.token_bits, SUBWORD_TOKEN_BITS);
    assert_eq!(cfg.label(), "Subword[BPE, v=32768]");
    let enc = method::encode(
        text.as_bytes(),
        &cfg,
        &mut Uniform::default(),
        &RunOptions::default(),
    )
    .unwrap();
    assert_eq!(enc.tokens, tk.tokenize(text.as_bytes()).unwrap());
    assert_eq!(enc.bits.len(), enc.tokens.len() as u64 * 15);
    let first: u32 = (0..15).fold(0, |v, i| (v << 1) | enc.bits.get(i) as u32);
    assert_eq!(first, enc.tokens[0]);
    assert_eq!(enc.windows.len(), 1);

    // Unknown ids do not decode; too few token bits are refused up front.
    assert!(tk.detokenize(&[1 << SUBWORD_TOKEN_BITS]).is_err());
    let mut small = cfg.clone();
    small.token_bits = 14;
    let err = method::encode(
        b"abc",
        &small,
        &mut Uniform::default(),
        &RunOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, eqinfo::Error::BadParams(_)), "{err}");
}

/// A subword container refuses another tokenizer's identity unless forced.
#[test]
fn subword_container_records_the_tokenizer() {
    let data = b"The subword baseline, as in the paper.".to_vec();
    let cfg = Config::new(MethodKind::Subword);
    let mut model = Uniform::default();
    let bytes = container::compress(&data, &cfg, &mut model).unwrap();
    let mut c = container::Container::from_bytes(&bytes).unwrap();
    let id = c.header.model.clone().expect("tokenizer identity");
    assert_eq!(id.kind, "subword-bpe");
    assert_eq!(id.hash.len(), 64);
    assert_eq!(c.decode(&mut model, false).unwrap(), data);
    c.header.model = Some(eqinfo::model::ModelIdentity {
        hash: "0".repeat(64),
        ..id
    });
    assert!(matches!(
        c.decode(&mut model, false),
        Err(eqinfo::Error::ModelMismatch(_))
    ));
    assert_eq!(c.decode(&mut model, true).unwrap(), data);
}
