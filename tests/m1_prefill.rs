//! M1's many-bytes feed (`ByteModel::feed_many`, the batched prefill of the live engine), its
//! lane snapshots and its `context_bytes` claim, each checked bit for bit against stepping the
//! lane one byte at a time (the independent computation: `feed`, the coder's own path).

use candle_core::Device;
use eqinfo::model::m1::config::Config;
use eqinfo::model::m1::load;
use eqinfo::model::m1::train::random_model_files;
use eqinfo::model::m1::M1;
use eqinfo::model::ByteModel;

fn tiny_model(dir: &std::path::Path, max_context: usize) -> M1 {
    let mut c = Config::preset("tiny").unwrap();
    c.max_context = max_context;
    random_model_files(&c, 5, 0.4, dir).unwrap();
    load::load(dir, &Device::Cpu).unwrap()
}

fn text(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// The distribution after each byte, stepping lane 0 alone.
fn stepped(m: &mut M1, bytes: &[u8]) -> Vec<u32> {
    m.start(1).unwrap();
    let mut out = Vec::new();
    for &b in bytes {
        m.feed(&[Some(b)]).unwrap();
        out.extend(m.dist(0).iter().map(|x| x.to_bits()));
    }
    out
}

#[test]
fn feed_many_is_bit_identical_to_stepping_across_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path(), 12);
    // Longer than the window many times over, and than one run of rows (512).
    let t = text(1100, 3);
    let want = stepped(&mut m, &t);
    for threads in [1, 2] {
        m.set_threads(threads);
        // Cut into runs of several lengths: 1, shorter than the window, longer, very long.
        for cuts in [vec![1100], vec![1, 5, 11, 12, 13, 700, 358], vec![600, 500]] {
            m.start(1).unwrap();
            let mut got = Vec::new();
            let mut at = 0;
            for n in cuts {
                let mut d = Vec::new();
                m.feed_many(&t[at..at + n], &mut d).unwrap();
                assert_eq!(d.len(), n * 256);
                assert_eq!(
                    m.dist(0),
                    &d[d.len() - 256..],
                    "the lane's dist is the last row's"
                );
                got.extend(d.iter().map(|x| x.to_bits()));
                at += n;
            }
            assert!(
                got == want,
                "threads {threads}: feed_many differs from stepping"
            );
        }
    }
    // Stepping on after a many-bytes feed continues exactly (the ring is as stepping leaves it).
    m.start(1).unwrap();
    let mut d = Vec::new();
    m.feed_many(&t[..777], &mut d).unwrap();
    for (i, &b) in t[777..].iter().enumerate() {
        m.feed(&[Some(b)]).unwrap();
        let got: Vec<u32> = m.dist(0).iter().map(|x| x.to_bits()).collect();
        assert_eq!(got[..], want[(777 + i) * 256..(778 + i) * 256]);
    }
}

#[test]
fn a_saved_lane_restores_exactly_and_refuses_another_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path(), 12);
    let t = text(80, 9);
    let want = stepped(&mut m, &t);
    m.start(1).unwrap();
    let mut d = Vec::new();
    m.feed_many(&t[..30], &mut d).unwrap();
    let snap = m.save_lane().expect("M1 saves lanes");
    assert!(snap.size_bytes() > 0);
    // Something else in between, then back.
    m.feed_many(&text(50, 1), &mut d).unwrap();
    m.restore_lane(&snap).unwrap();
    let mut rest = Vec::new();
    m.feed_many(&t[30..], &mut rest).unwrap();
    let got: Vec<u32> = rest.iter().map(|x| x.to_bits()).collect();
    assert!(got[..] == want[30 * 256..]);
    let dir2 = tempfile::tempdir().unwrap();
    let mut c = Config::preset("tiny").unwrap();
    c.max_context = 12;
    random_model_files(&c, 6, 0.4, dir2.path()).unwrap();
    let mut other = load::load(dir2.path(), &Device::Cpu).unwrap();
    other.start(1).unwrap();
    assert!(other.restore_lane(&snap).is_err());
}

#[test]
fn the_distribution_depends_only_on_context_bytes_and_the_length() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = tiny_model(dir.path(), 12);
    let r = m.context_bytes().unwrap();
    assert_eq!(r, 2 * 10 + 1, "tiny has 2 layers; window 12");
    let a = text(100, 4);
    // Same length, the same last r bytes, everything before differs.
    let mut b = text(100, 8);
    b[100 - r..].copy_from_slice(&a[100 - r..]);
    let (da, db) = (stepped(&mut m, &a), stepped(&mut m, &b));
    assert_eq!(da[99 * 256..], db[99 * 256..]);
    // The oldest byte inside the claimed context does matter: the bound is tight here.
    let mut c2 = a.clone();
    c2[100 - r] ^= 0x55;
    let dc2 = stepped(&mut m, &c2);
    assert_ne!(
        da[99 * 256..],
        dc2[99 * 256..],
        "byte 100 - r is inside the claimed context"
    );
}
