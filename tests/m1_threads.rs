//! M1 stepped on several CPU threads gives every lane the same bits as one thread (the lane
//! contract: row-independent kernel, lane groups on their own threads), whatever the number of
//! lanes, threads and which lanes are fed; and a whole EqualInfoAC encoding is bit-identical.

use candle_core::Device;
use eqinfo::method::{encode, Config as MethodConfig, RunOptions};
use eqinfo::model::m1::config::Config;
use eqinfo::model::m1::load;
use eqinfo::model::m1::train::random_model_files;
use eqinfo::model::ByteModel;

fn model(dir: &std::path::Path) -> eqinfo::model::m1::M1 {
    let mut c = Config::preset("tiny").unwrap();
    c.max_context = 12;
    random_model_files(&c, 11, 0.4, dir).unwrap();
    load::load(dir, &Device::Cpu).unwrap()
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Steps `lanes` lanes for `steps` rounds, feeding a pseudo-random subset each round, and
/// returns every lane's distribution bits after every round.
fn run(m: &mut dyn ByteModel, lanes: usize, steps: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut s = seed;
    m.start(lanes).unwrap();
    let mut out = Vec::new();
    for _ in 0..steps {
        let feeds: Vec<Option<u8>> = (0..lanes)
            .map(|_| {
                let r = xorshift(&mut s);
                (!r.is_multiple_of(5)).then_some((r >> 8) as u8)
            })
            .collect();
        m.feed(&feeds).unwrap();
        for l in 0..lanes {
            out.push(m.dist(l).iter().map(|x| x.to_bits()).collect());
        }
        if xorshift(&mut s).is_multiple_of(7) {
            m.reset_lane((xorshift(&mut s) as usize) % lanes);
        }
    }
    out
}

#[test]
fn every_thread_count_gives_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    for lanes in [1usize, 7, 16, 33, 64] {
        m.set_threads(1);
        let one = run(&mut m, lanes, 20, lanes as u64 + 3);
        for threads in [2usize, 3, 8] {
            m.set_threads(threads);
            let many = run(&mut m, lanes, 20, lanes as u64 + 3);
            assert!(
                one == many,
                "{lanes} lanes, {threads} threads differ from one thread"
            );
        }
    }
}

#[test]
fn an_encoding_is_bit_identical_on_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    let text: Vec<u8> = b"Equal-Info windows, each b bits. "
        .iter()
        .cycle()
        .take(3000)
        .copied()
        .collect();
    let cfg = MethodConfig {
        example_bytes: 64,
        ..MethodConfig::equal_info(32, 16)
    };
    m.set_threads(1);
    let one = encode(&text, &cfg, &mut m, &RunOptions::default()).unwrap();
    m.set_threads(2);
    let two = encode(&text, &cfg, &mut m, &RunOptions::default()).unwrap();
    assert_eq!(one.tokens, two.tokens);
    assert_eq!(one.windows, two.windows);
    assert!(
        one.examples.len() >= 40,
        "enough examples to fill several lane groups"
    );
}

/// The tables the model quantizes on its stepping threads (`prepare_tables`/`table`) are always
/// those of the lane's current distribution, `quantize(dist)` computed here, through feeds,
/// resets (a reset lane reads the empty context's), restarts and a change of precision; and
/// with the workers at a lower priority (every group on a worker) the bits do not change.
#[test]
fn the_models_tables_are_those_of_its_distributions() {
    use eqinfo::coding::quantize;
    let dir = tempfile::tempdir().unwrap();
    let mut m = model(dir.path());
    let check = |m: &eqinfo::model::m1::M1, lanes: usize, precision: u32, when: &str| {
        for l in 0..lanes {
            let want = quantize(m.dist(l), precision).unwrap();
            assert!(
                m.table(l, precision) == Some(&want),
                "lane {l} of {lanes}, precision {precision}, {when}"
            );
            assert!(m.table(l, precision + 1).is_none(), "another precision");
        }
    };
    m.set_threads(1);
    let plain = run(&mut m, 20, 12, 99);
    for (threads, nice) in [(1, 0), (3, 0), (2, 10)] {
        eqinfo::model::pool::set_worker_nice(nice);
        m.set_threads(threads);
        for precision in [14u32, 12] {
            m.prepare_tables(precision);
            m.start(20).unwrap();
            check(&m, 20, precision, "after start");
            let mut s = 5u64;
            for step in 0..12 {
                let feeds: Vec<Option<u8>> = (0..20)
                    .map(|_| {
                        let r = xorshift(&mut s);
                        (!r.is_multiple_of(4)).then_some((r >> 8) as u8)
                    })
                    .collect();
                m.feed(&feeds).unwrap();
                check(
                    &m,
                    20,
                    precision,
                    &format!("step {step}, {threads} threads"),
                );
                m.reset_lane(step % 20);
                check(&m, 20, precision, &format!("reset at step {step}"));
            }
        }
        assert!(
            run(&mut m, 20, 12, 99) == plain,
            "{threads} threads at nice {nice} differ"
        );
    }
    eqinfo::model::pool::set_worker_nice(0);
}
