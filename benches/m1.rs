//! M1 inference throughput: bytes/second of `feed` with the preferred number of lanes (the path
//! the coder uses), and of one batched `score` forward. Uses the shipped sample model when it is
//! found, otherwise a random model of the `cpu-1m` shape. Checks once, before timing, that a lane
//! stepped among others reproduces the lane stepped alone.

use candle_core::Device;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eqinfo::model::m1::{self, config::Config, train::random_model_files, M1};
use eqinfo::model::ByteModel;
use std::hint::black_box;

fn model(_dir: &tempfile::TempDir) -> M1 {
    if let Ok(m) = m1::load_default_model() {
        return m;
    }
    let cfg = Config::preset("cpu-1m").expect("preset");
    random_model_files(&cfg, 1, 0.05, _dir.path()).expect("write model");
    m1::load(_dir.path(), &Device::Cpu).expect("load model")
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut m = model(&dir);
    let lanes = m.preferred_lanes();
    let text: Vec<u8> =
        b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife. "
            .iter()
            .cycle()
            .take(4096)
            .copied()
            .collect();

    // Lane 0 alone vs lane 0 among `lanes` busy lanes: identical bits.
    m.start(1).expect("start");
    for &b in &text[..32] {
        m.feed(&[Some(b)]).expect("feed");
    }
    let alone: Vec<u32> = m.dist(0).iter().map(|p| p.to_bits()).collect();
    m.start(lanes).expect("start");
    for (i, &b) in text[..32].iter().enumerate() {
        let feed: Vec<Option<u8>> = (0..lanes)
            .map(|l| Some(if l == 0 { b } else { text[i + l] }))
            .collect();
        m.feed(&feed).expect("feed");
    }
    let among: Vec<u32> = m.dist(0).iter().map(|p| p.to_bits()).collect();
    assert_eq!(alone, among, "lane contract violated");

    let steps = 32;
    let mut g = c.benchmark_group("m1");
    g.sample_size(10);
    g.throughput(Throughput::Elements((lanes * steps) as u64));
    g.bench_function(format!("feed_{lanes}_lanes_x{steps}_bytes"), |b| {
        b.iter(|| {
            m.start(lanes).expect("start");
            for s in 0..steps {
                let feed: Vec<Option<u8>> = (0..lanes)
                    .map(|l| Some(text[(s + 7 * l) % text.len()]))
                    .collect();
                m.feed(&feed).expect("feed");
            }
            black_box(m.dist(0)[0])
        })
    });
    let n = 1024;
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(format!("score_{n}_bytes"), |b| {
        b.iter(|| black_box(m.score(&text[..n]).expect("score").len()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
