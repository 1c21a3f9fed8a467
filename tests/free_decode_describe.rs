//! The words the GUI shows for a window the side-information-free decoder gets wrong
//! (`FreeDecodeFailure::describe`, the ⚠ tooltip): the right rule, failure mode, byte and
//! probability, each checked against an independent computation with the encoder (not the
//! decoder that produced the failure) and the model's quantized table.

use eqinfo::coding::quantize;
use eqinfo::method::decode::byte_for_people;
use eqinfo::method::{
    encode, free_decode_report, Config, FreeDecodeFailureKind, FreeDecodeRule, RunOptions,
};
use eqinfo::model::{ByteModel, Unigram};

const TEXT: &str = "It is a truth universally acknowledged, that a single man in possession of \
a good fortune, must be in want of a wife. However little known the feelings or views of such a \
man may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the \
surrounding families, that he is considered as the rightful property of some one or other of \
their daughters. \"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that \
Netherfield Park is let at last?\" Mr. Bennet replied that he had not.";

/// The padded bits of `bytes` coded alone as one window under `cfg` (greedy, whole input one
/// example), or None when they do not fit in one window.
fn alone(bytes: &[u8], cfg: &Config, model: &mut dyn ByteModel) -> Option<Vec<bool>> {
    let mut c = cfg.clone();
    c.delay = false;
    c.example_bytes = 0;
    let enc = encode(bytes, &c, model, &RunOptions::default()).ok()?;
    let w = enc.windows.first()?;
    (w.bytes.len() == bytes.len()).then(|| {
        (w.bit_start..w.bit_start + w.bit_len)
            .map(|i| enc.bits.get(i))
            .collect()
    })
}

/// The quantized probability of `b` under the (context-free) unigram.
fn q(model: &Unigram, cfg: &Config, b: u8) -> f64 {
    let table =
        quantize(ByteModel::dist(model, 0), cfg.precision).unwrap_or_else(|e| panic!("{e:?}"));
    table.freq(b) as f64 / (1u64 << cfg.precision) as f64
}

#[test]
fn greedy_failures_name_the_added_byte_and_its_probability() {
    let data = TEXT.as_bytes();
    let mut model = Unigram::fit(data);
    let cfg = Config::equal_info(16, 8);
    let enc = encode(data, &cfg, &mut model, &RunOptions::default()).unwrap();
    let report = free_decode_report(&enc, data, &mut model).unwrap();
    let extra: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.kind == FreeDecodeFailureKind::ExtraBytes)
        .collect();
    assert!(!extra.is_empty(), "no greedy failure on this text");
    for f in extra.iter().take(5) {
        let w = &enc.windows[f.window];
        let bytes = &data[w.bytes.clone()];
        let window_bits: Vec<bool> = (w.bit_start..w.bit_start + w.bit_len)
            .map(|i| enc.bits.get(i))
            .collect();
        let c = f.competing_byte.unwrap();
        let t = data[w.bytes.end];
        // The window plus the competing byte fits and has the window's padded code; the window
        // plus the true next byte does not fit (that is why the window ended).
        let mut plus_c = bytes.to_vec();
        plus_c.push(c);
        assert_eq!(alone(&plus_c, &cfg, &mut model), Some(window_bits.clone()));
        let mut plus_t = bytes.to_vec();
        plus_t.push(t);
        assert_eq!(alone(&plus_t, &cfg, &mut model), None);
        assert_eq!(f.true_next_byte, Some(t));
        let (pc, pt) = (q(&model, &cfg, c), q(&model, &cfg, t));
        let text = f.describe();
        assert_eq!(f.rule, FreeDecodeRule::Longest);
        assert!(
            text.starts_with("the greedy decoder (longest matching prefix) added"),
            "{text}"
        );
        assert!(
            text.contains(&format!("{} (p = {pc:.4})", byte_for_people(c))),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "true next byte {} (p = {pt:.4}) did not fit",
                byte_for_people(t)
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("after the window's {} bytes", bytes.len())),
            "{text}"
        );
    }
}

#[test]
fn delay_failures_name_the_earlier_prefix_and_the_dropped_byte() {
    let data = TEXT.as_bytes();
    let mut model = Unigram::fit(data);
    let mut found = 0;
    // Delay failures are rare (0.4% of windows on prose with M1): search a few window sizes
    // and precisions of the unigram.
    for (b, precision) in (16..=40)
        .step_by(2)
        .flat_map(|b| [(b, 14), (b, 12), (b, 10)])
    {
        let mut cfg = Config::equal_info(b, 8);
        cfg.delay = true;
        cfg.precision = precision;
        let enc = encode(data, &cfg, &mut model, &RunOptions::default()).unwrap();
        let report = free_decode_report(&enc, data, &mut model).unwrap();
        for f in &report.failures {
            assert_eq!(f.kind, FreeDecodeFailureKind::ShorterPrefix, "b = {b}");
            found += 1;
            let w = &enc.windows[f.window];
            let bytes = &data[w.bytes.clone()];
            let window_bits: Vec<bool> = (w.bit_start..w.bit_start + w.bit_len)
                .map(|i| enc.bits.get(i))
                .collect();
            // The shorter prefix coded alone has the same padded code as the whole window.
            let k = f.decoded_len;
            assert!(k < bytes.len());
            assert_eq!(alone(&bytes[..k], &cfg, &mut model), Some(window_bits));
            let dropped = bytes[k];
            assert_eq!(f.competing_byte, Some(dropped));
            let text = f.describe();
            assert!(
                text.starts_with(&format!(
                    "the Delay decoder (shortest matching prefix) stopped after {k} of the \
                     window's {} bytes",
                    bytes.len()
                )),
                "{text}"
            );
            assert!(
                text.contains(&format!(
                    "dropped {} (p = {:.4})",
                    byte_for_people(dropped),
                    q(&model, &cfg, dropped)
                )),
                "{text}"
            );
            // Delay checks the prefix one byte shorter, so a failure is never the adjacent one.
            assert!(
                k + 1 < bytes.len() && text.contains("not the adjacent one"),
                "{text}"
            );
        }
    }
    assert!(found > 0, "no Delay failure on this text at any b");
}

#[test]
fn bytes_are_named_for_people() {
    assert_eq!(byte_for_people(b' '), "' '");
    assert_eq!(byte_for_people(b'\n'), "'\\n'");
    assert_eq!(byte_for_people(0xE2), "0xE2");
}

/// A failure known by hand (the README's " for t" → " fo" case, Delay): the words name the
/// rule, the lengths, the dropped byte with its probability; without a true next byte (the
/// live view, an example's last window) they do not invent one.
#[test]
fn hand_made_failures_read_as_expected() {
    use eqinfo::method::FreeDecodeFailure;
    let delay = FreeDecodeFailure {
        window: 3,
        rule: FreeDecodeRule::Shortest,
        kind: FreeDecodeFailureKind::ShorterPrefix,
        true_len: 6,
        decoded_len: 3,
        matching_lens: vec![3, 6],
        competing_byte: Some(b'r'),
        competing_prob: Some(0.5),
        true_next_byte: None,
        true_next_prob: None,
    };
    assert_eq!(
        delay.describe(),
        "the Delay decoder (shortest matching prefix) stopped after 3 of the window's 6 bytes: \
         that earlier prefix has the same padded code, and it is not the adjacent one (the Delay \
         encoder checks only the prefix one byte shorter) (prefixes matching the code: 3, 6 \
         bytes); it dropped 'r' (p = 0.5000) and what follows"
    );
    let greedy = FreeDecodeFailure {
        rule: FreeDecodeRule::Longest,
        kind: FreeDecodeFailureKind::ExtraBytes,
        true_len: 3,
        decoded_len: 4,
        matching_lens: vec![3, 4],
        competing_byte: Some(b' '),
        competing_prob: Some(0.25),
        ..delay
    };
    assert_eq!(
        greedy.describe(),
        "the greedy decoder (longest matching prefix) added 1 byte: ' ' (p = 0.2500) after the \
         window's 3 bytes fits and gives the same padded code; nothing in the bits marks where \
         the window ends (prefixes matching the code: 3, 4 bytes)"
    );
}
