//! `eqinfo probe` on an export: the tokens read back from `export-tokens` folders (tokens.bin,
//! index.jsonl, manifest.json) give the same probe as encoding the texts again: the same
//! per-example sequences as `encode` cuts them, and the same M2 result (timings aside).

use eqinfo::dataset::{export, read_dataset, DatasetInput, ExportOptions};
use eqinfo::method::{encode, Config, RunOptions};
use eqinfo::model::{ByteModel, Unigram};
use eqinfo::probe::{
    example_tokens, run_probe, run_probe_tokens, Budget, ConfigResult, Hooks, M2Shape,
    ProbeOptions, ProbeTokens,
};

fn options() -> ProbeOptions {
    ProbeOptions {
        preset: "test".into(),
        shape: M2Shape {
            d_model: 32,
            n_layers: 1,
            n_heads: 2,
            head_dim: 16,
            d_mlp: 64,
            large_vocab_embed_dim: 8,
        },
        budget: Budget {
            steps: 10,
            batch: 4,
            seq_len: 32,
            lr: 3e-3,
            min_lr_frac: 0.1,
            warmup: 2,
            weight_decay: 0.0,
            clip: 1.0,
            seed: 3,
        },
        unigram_smoothing: 0.5,
    }
}

fn untimed(mut r: ConfigResult) -> ConfigResult {
    r.encode_seconds = 0.0;
    r.m2.train_seconds = 0.0;
    r.m2.score_seconds = 0.0;
    r
}

#[test]
fn probing_an_export_equals_probing_the_reencoded_text() {
    let text: Vec<u8> =
        b"Call me Ishmael. Some years ago, never mind how long precisely, I went to sea. "
            .iter()
            .cycle()
            .take(2600)
            .copied()
            .collect();
    let (train, heldout) = text.split_at(2000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (tp, hp) = (dir.path().join("train.txt"), dir.path().join("heldout.txt"));
    std::fs::write(&tp, train).unwrap();
    std::fs::write(&hp, heldout).unwrap();
    let mut cfg = Config::equal_info(16, 8);
    cfg.example_bytes = 500; // several examples, each its own sequence
    let mut model = Unigram::fit(train);
    for (file, out) in [(&tp, "train_export"), (&hp, "heldout_export")] {
        let input = DatasetInput::under_root(file, dir.path());
        export(
            &[input],
            &cfg,
            &mut model,
            &dir.path().join(out),
            &ExportOptions::default(),
        )
        .unwrap();
    }
    let t = read_dataset(&dir.path().join("train_export")).unwrap();
    let h = read_dataset(&dir.path().join("heldout_export")).unwrap();
    let tokens = ProbeTokens::from_datasets(&t, &h).unwrap();
    // The export's sequences are the examples' tokens of a fresh encoding.
    let enc = encode(train, &cfg, &mut model, &RunOptions::default()).unwrap();
    let want = example_tokens(&enc, cfg.token_bits);
    assert_eq!(want.len(), 4);
    assert_eq!(tokens.train, want);
    assert_eq!((tokens.train_bytes, tokens.heldout_bytes), (2000, 600));
    assert_eq!(tokens.config, cfg);

    let opts = options();
    let from_export = run_probe_tokens(
        std::slice::from_ref(&tokens),
        model.identity(),
        &opts,
        "cpu",
        &Hooks::default(),
    )
    .unwrap();
    let reencoded = run_probe(
        train,
        heldout,
        std::slice::from_ref(&cfg),
        &mut model,
        &opts,
        "cpu",
        &Hooks::default(),
    )
    .unwrap();
    assert_eq!(from_export.results.len(), 1);
    let (a, b) = (
        untimed(from_export.results[0].clone()),
        untimed(reencoded.results[0].clone()),
    );
    assert_eq!(a, b);
    assert!(a.m2_bits_per_byte.is_finite() && a.heldout_tokens > 0);
    assert_eq!(from_export.model, reencoded.model);
}

#[test]
fn exports_of_different_configurations_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("t.txt");
    std::fs::write(&p, b"some text to export twice, under two configurations").unwrap();
    let mut model = Unigram::fit(b"some text");
    for (b, out) in [(16, "a"), (24, "b")] {
        export(
            &[DatasetInput::under_root(&p, dir.path())],
            &Config::equal_info(b, 8),
            &mut model,
            &dir.path().join(out),
            &ExportOptions::default(),
        )
        .unwrap();
    }
    let a = read_dataset(&dir.path().join("a")).unwrap();
    let b = read_dataset(&dir.path().join("b")).unwrap();
    let e = ProbeTokens::from_datasets(&a, &b).unwrap_err().to_string();
    assert!(e.contains("one configuration"), "{e}");
}
