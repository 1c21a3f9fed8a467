//! Coder throughput with a static model (encode and decode, MB/s), and Equal-Info windowing with
//! the Unigram model. Each benchmark checks its round trip once before timing.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eqinfo::coding::{quantize, BitReader, Decoder, Encoder};
use eqinfo::method::{self, Config, RunOptions};
use eqinfo::model::{ByteModel, Unigram};
use std::hint::black_box;

fn text(n: usize) -> Vec<u8> {
    let base = b"It is a truth universally acknowledged, that a single man in possession of a good \
fortune, must be in want of a wife. However little known the feelings or views of such a man may be. ";
    base.iter().cycle().take(n).copied().collect()
}

fn bench(c: &mut Criterion) {
    let data = text(1 << 20);
    let mut uni = Unigram::fit(&data);
    uni.start(1).unwrap();
    let table = quantize(uni.dist(0), 14).unwrap();

    let encode = |d: &[u8]| {
        let mut enc = Encoder::new();
        for &b in d {
            enc.encode(&table, b);
        }
        enc.finish()
    };
    let code = encode(&data);
    let mut dec = Decoder::new(BitReader::new(&code, 0, code.len()));
    assert!(data.iter().all(|&b| dec.decode(&table) == b));

    let mut g = c.benchmark_group("coder_static");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    g.bench_function("encode", |b| b.iter(|| black_box(encode(&data))));
    g.bench_function("decode", |b| {
        b.iter(|| {
            let mut dec = Decoder::new(BitReader::new(&code, 0, code.len()));
            let mut x = 0u8;
            for _ in 0..data.len() {
                x ^= dec.decode(&table);
            }
            black_box(x)
        })
    });
    g.finish();

    let small = text(1 << 18);
    let cfg = Config::equal_info(16, 16);
    let enc = method::encode(&small, &cfg, &mut uni.clone(), &RunOptions::default()).unwrap();
    assert_eq!(method::decode(&enc, &mut uni.clone()).unwrap(), small);
    let mut g = c.benchmark_group("equal_info_unigram");
    g.throughput(Throughput::Bytes(small.len() as u64));
    g.sample_size(10);
    for b in [16u32, 64] {
        let cfg = Config::equal_info(b, 16);
        g.bench_function(format!("encode_b{b}"), |bn| {
            bn.iter(|| {
                black_box(
                    method::encode(&small, &cfg, &mut uni.clone(), &RunOptions::default()).unwrap(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
