//! The shipped sample M1 drives the coder exactly: compress then decompress through the container
//! for AC and EqualInfo on English, German, Chinese and invalid UTF-8, with enough examples that
//! several lane chunks run side by side, and the same bits every time.

use eqinfo::container;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::open::open_model;

fn texts() -> Vec<Vec<u8>> {
    vec![
        b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife. However little known the feelings or views of such a man \
may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the \
surrounding families."
            .to_vec(),
        "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich. Öl, Äpfel, Übermut."
            .as_bytes()
            .to_vec(),
        "天下皆知美之为美，斯恶已。皆知善之为善，斯不善已。"
            .as_bytes()
            .to_vec(),
        b"bytes \xff\xfe\x00\x01 that are not UTF-8 \xc3\x28 \xe2\x82 end".to_vec(),
        b"x".to_vec(),
    ]
}

#[test]
fn sample_model_round_trips_ac_and_equal_info() {
    let mut model = open_model(None, "cpu").expect("the sample model in sample_models/ loads");
    let mut configs = Vec::new();
    for (method, b, delay) in [
        (MethodKind::Ac, 16, false),
        (MethodKind::EqualInfo, 16, false),
        (MethodKind::EqualInfo, 24, true),
    ] {
        let mut c = Config::new(method);
        c.window_bits = b;
        c.delay = delay;
        c.example_bytes = 12; // many examples: more lanes than one chunk of rows
        configs.push(c);
    }
    for (i, data) in texts().into_iter().enumerate() {
        for cfg in &configs {
            let bytes = container::compress(&data, cfg, model.as_mut()).expect("compress");
            if i == 1 {
                let again = container::compress(&data, cfg, model.as_mut()).expect("compress");
                assert_eq!(bytes, again, "{}: not deterministic", cfg.label());
            }
            let back = container::decompress(&bytes, model.as_mut(), false).expect("decompress");
            assert_eq!(back, data, "{}", cfg.label());
        }
    }
}

#[test]
fn sample_model_beats_the_unigram_on_english() {
    // A trained model must code English prose well below a byte unigram (about 4.3 bits/byte
    // here) with AC; a random or broken model cannot.
    let mut model = open_model(None, "cpu").expect("sample model");
    let text = texts()[0].repeat(2);
    let mut cfg = Config::new(MethodKind::Ac);
    cfg.example_bytes = 0;
    let enc = method::encode(&text, &cfg, model.as_mut(), &RunOptions::default()).unwrap();
    let mut uni = eqinfo::model::Unigram::fit(&text);
    let enc_u = method::encode(&text, &cfg, &mut uni, &RunOptions::default()).unwrap();
    let bpb = enc.bits_per_byte();
    assert!(
        bpb < 0.8 * enc_u.bits_per_byte(),
        "M1 {bpb:.3} vs unigram {:.3}",
        enc_u.bits_per_byte()
    );
}
