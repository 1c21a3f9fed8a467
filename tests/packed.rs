//! The one lane scheduler: statistics of many inputs × configurations packed into one stream of
//! lanes equal, per (input, configuration), what each gives alone through the unpacked path
//! (`stats::analyze`, one input and one configuration at a time); the exact and the
//! side-information-free decoders give the same for any lane count (1 lane = one job at a time);
//! a batch's report is the same whatever the packing. The "alone" side is an independent
//! computation: a different driver (one input per drive) and a model with one lane.

use eqinfo::batch::{run_batch, BatchInput, BatchOptions, BatchProgress};
use eqinfo::method::{decode, encode, free_decode_report, Config, MethodKind, RunOptions};
use eqinfo::model::{ByteModel, ModelIdentity};
use eqinfo::stats::packed::analyze_packed;
use eqinfo::stats::{analyze, ConfigStats, StatsOptions};
use proptest::prelude::*;
use std::sync::atomic::AtomicBool;

/// An order-2 Markov model over bytes with a fixed pseudo-random table, and a chosen lane
/// count: cheap, context-dependent (so every lane's state matters) and exact.
struct Markov2 {
    lanes: Vec<(u8, u8)>,
    preferred: usize,
    dist: Vec<Vec<f32>>,
}

impl Markov2 {
    fn new(preferred: usize) -> Self {
        // 64 context classes, each a distribution favouring some letters.
        let mut x = 0x1234_5678_9ABC_DEF1u64;
        let dist = (0..64)
            .map(|_| {
                let mut p: Vec<f32> = (0..256)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        ((x >> 40) as f32 / (1u64 << 24) as f32).powi(4) + 1e-4
                    })
                    .collect();
                for c in b"etaoin shrdlu" {
                    p[*c as usize] += 0.05;
                }
                let s: f32 = p.iter().sum();
                p.iter_mut().for_each(|v| *v /= s);
                p
            })
            .collect();
        Markov2 {
            lanes: Vec::new(),
            preferred,
            dist,
        }
    }
    fn class(c: (u8, u8)) -> usize {
        ((c.0 as usize).wrapping_mul(31) ^ (c.1 as usize).wrapping_mul(7)) % 64
    }
}

impl ByteModel for Markov2 {
    fn identity(&self) -> ModelIdentity {
        ModelIdentity {
            kind: "markov2-test".into(),
            hash: eqinfo::model::sha256_hex(&[b"markov2-test"]),
            backend: "exact".into(),
        }
    }
    fn start(&mut self, lanes: usize) -> eqinfo::Result<()> {
        self.lanes = vec![(0, 0); lanes];
        Ok(())
    }
    fn reset_lane(&mut self, lane: usize) {
        self.lanes[lane] = (0, 0);
    }
    fn dist(&self, lane: usize) -> &[f32] {
        &self.dist[Self::class(self.lanes[lane])]
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> eqinfo::Result<()> {
        assert_eq!(bytes.len(), self.lanes.len());
        for (l, b) in self.lanes.iter_mut().zip(bytes) {
            if let Some(b) = b {
                *l = (l.1, *b);
            }
        }
        Ok(())
    }
    fn preferred_lanes(&self) -> usize {
        self.preferred
    }
}

fn text(seed: u64, len: usize) -> Vec<u8> {
    let words: [&[u8]; 8] = [
        b"the ",
        b"lane ",
        b"packs ",
        b"examples ",
        b"of ",
        b"many ",
        b"files\n",
        b"and ",
    ];
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(words[(x % 8) as usize]);
    }
    out.truncate(len);
    out
}

fn configs() -> Vec<Config> {
    let mut small = Config::equal_info(16, 8);
    small.example_bytes = 150;
    let mut delay = Config::equal_info(24, 12);
    delay.delay = true;
    delay.example_bytes = 120;
    delay.precision = 12;
    let mut whole = Config::equal_info(20, 10);
    whole.example_bytes = 0; // one example per input: the trace sample is coded alone
    let mut ac = Config::new(MethodKind::Ac);
    ac.example_bytes = 200;
    ac.token_bits = 8;
    let mut reset2 = Config::equal_info(16, 16);
    reset2.reset_every = 2;
    reset2.example_bytes = 250;
    vec![small, delay, whole, ac, reset2]
}

fn opts() -> StatsOptions {
    StatsOptions {
        trace_sample_bytes: 300,
        // KL is a function of the encoding alone (no lanes) and slow in a debug build.
        kl: false,
        ..StatsOptions::default()
    }
}

/// Timings are the only figures allowed to differ.
fn untimed(mut s: ConfigStats) -> ConfigStats {
    s.encode_seconds = 0.0;
    s.stats_seconds = 0.0;
    s.free_decode_seconds = 0.0;
    s
}

fn alone(data: &[u8], cfg: &Config) -> ConfigStats {
    let mut m = Markov2::new(1);
    untimed(
        analyze(data, cfg, &mut m, &opts(), &RunOptions::default())
            .unwrap()
            .finish(),
    )
}

fn packed(texts: &[Vec<u8>], cfgs: &[Config], lanes: usize) -> Vec<(usize, usize, ConfigStats)> {
    let mut m = Markov2::new(lanes);
    let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    let mut out = Vec::new();
    analyze_packed(
        &refs,
        cfgs,
        &mut m,
        &opts(),
        &RunOptions::default(),
        &mut |i, c, r| out.push((i, c, untimed(r.unwrap().finish()))),
    )
    .unwrap();
    out
}

#[test]
fn stats_of_many_files_packed_equal_each_file_alone() {
    // Files shorter than an example, longer than several, and empty.
    let sizes = [60usize, 450, 0, 650, 20, 350];
    let texts: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| text(i as u64 + 1, n))
        .collect();
    let cfgs = configs();
    let got = packed(&texts, &cfgs, 16);
    assert_eq!(got.len(), texts.len() * cfgs.len(), "one result per pair");
    for (i, c, s) in &got {
        let want = alone(&texts[*i], &cfgs[*c]);
        assert_eq!(s, &want, "file {i} × {}", cfgs[*c].label());
    }
    // The free decoding and the traced sample really were measured on some pair.
    assert!(got
        .iter()
        .any(|(_, _, s)| s.free_decode.as_ref().is_some_and(|f| f.windows_total > 0)));
    assert!(got.iter().any(|(_, _, s)| s.alignment.is_some()));
}

#[test]
fn decoders_give_the_same_for_any_lane_count() {
    let data = text(7, 600);
    for cfg in configs() {
        let mut one = Markov2::new(1);
        let enc = encode(&data, &cfg, &mut one, &RunOptions::default()).unwrap();
        let alone = decode(&enc, &mut one).unwrap();
        assert_eq!(alone, data, "{}", cfg.label());
        let free_alone = (cfg.method == MethodKind::EqualInfo && cfg.reset_every == 1)
            .then(|| free_decode_report(&enc, &data, &mut one).unwrap());
        for lanes in [3, 64] {
            let mut m = Markov2::new(lanes);
            // The encoder too: packed on more lanes it gives the same encoding.
            let enc_packed = encode(&data, &cfg, &mut m, &RunOptions::default()).unwrap();
            assert_eq!(enc_packed, enc, "{} on {lanes} lanes", cfg.label());
            assert_eq!(decode(&enc, &mut m).unwrap(), alone, "{}", cfg.label());
            if let Some(f) = &free_alone {
                let got = free_decode_report(&enc, &data, &mut m).unwrap();
                assert_eq!(&got, f, "{} on {lanes} lanes", cfg.label());
            }
        }
    }
}

#[test]
fn a_batch_report_is_the_same_for_any_packing() {
    let inputs: Vec<BatchInput> = [150usize, 25, 400, 5]
        .iter()
        .enumerate()
        .map(|(i, &n)| BatchInput {
            name: format!("f{i}"),
            data: text(i as u64 + 40, n),
        })
        .collect();
    let mut cfgs = configs();
    cfgs.push(Config::new(MethodKind::Gzip));
    let opts = BatchOptions {
        stats: opts(),
        prefix: None,
    };
    let run = |lanes: usize| {
        let mut m = Markov2::new(lanes);
        let mut r = run_batch(
            &inputs,
            &cfgs,
            &mut m,
            &opts,
            &|_: &BatchProgress| {},
            &AtomicBool::new(false),
        );
        r.total_seconds = 0.0;
        for j in &mut r.results {
            j.stats = untimed(j.stats.clone());
        }
        for s in r.summaries.iter_mut().flatten() {
            *s = untimed(s.clone());
        }
        r
    };
    let one = run(1);
    assert_eq!(one.results.len(), inputs.len() * cfgs.len());
    assert!(one.errors.is_empty(), "{:?}", one.errors);
    // Input-major order, as before packing.
    for (k, r) in one.results.iter().enumerate() {
        assert_eq!(r.file, format!("f{}", k / cfgs.len()));
        assert_eq!(r.config_index, k % cfgs.len());
    }
    assert_eq!(run(5), one, "5 lanes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Any split of the inputs and any lane count: every pair equals the pair alone.
    #[test]
    fn any_packing_gives_each_pair_its_alone_result(
        sizes in proptest::collection::vec(0usize..300, 1..4),
        lanes in 1usize..9,
        which in 0usize..5,
    ) {
        let texts: Vec<Vec<u8>> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| text(i as u64 * 3 + 11, n))
            .collect();
        let cfgs = vec![configs()[which].clone(), configs()[(which + 1) % 5].clone()];
        let got = packed(&texts, &cfgs, lanes);
        prop_assert_eq!(got.len(), texts.len() * cfgs.len());
        for (i, c, s) in &got {
            prop_assert_eq!(s, &alone(&texts[*i], &cfgs[*c]));
        }
    }
}
