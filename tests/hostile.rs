//! Hostile containers: files built on purpose, with a valid trailing hash, that once crashed,
//! exhausted memory or ran for minutes (issue 10), and a property test over arbitrary bytes and
//! re-hashed mutations of real containers. Memory is measured with a counting allocator (per
//! thread, so the parallel tests do not see each other's allocations).

use eqinfo::container::{self, max_coded_bytes, Container};
use eqinfo::method::{Config, MethodKind};
use eqinfo::model::{ByteModel, ModelIdentity, Uniform, Unigram};
use eqinfo::Error;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::OnceLock;

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::peak_of;

// ---------------------------------------------------------------------------------------------
// Building files by hand.

fn varints(values: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    for &v in values {
        let mut v = v;
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }
    out
}

fn unvarints(raw: &[u8]) -> Vec<u64> {
    let mut out = Vec::new();
    let (mut v, mut shift) = (0u64, 0);
    for &b in raw {
        v |= ((b & 0x7f) as u64) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            out.push(v);
            v = 0;
            shift = 0;
        }
    }
    out
}

fn zlib(raw: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(raw).unwrap();
    z.finish().unwrap()
}

fn side_values(c: &Container) -> Vec<u64> {
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&c.side_info[..])
        .read_to_end(&mut raw)
        .unwrap();
    unvarints(&raw)
}

fn set_side(c: &mut Container, values: &[u64]) {
    c.side_info = zlib(&varints(values));
    c.header.side_info_bytes = c.side_info.len() as u64;
}

/// A container file from a header's JSON text and a payload, with a valid trailing hash: the
/// layout of `src/container.rs`, written out independently of `Container::to_bytes`.
fn raw_file(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = b"EQIN".to_vec();
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let d = Sha256::digest(&out);
    out.extend_from_slice(&d);
    out
}

/// Recomputes the trailing hash of a file whose body was changed.
fn rehash(bytes: &mut [u8]) {
    if bytes.len() < 32 {
        return;
    }
    let n = bytes.len() - 32;
    let d = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&d);
}

fn config(method: MethodKind, token_bits: u32, example_bytes: usize) -> Config {
    let mut c = Config::new(method);
    c.token_bits = token_bits;
    c.example_bytes = example_bytes;
    c
}

const TEXT: &[u8] = b"It is a truth universally acknowledged, that a single man in possession \
of a good fortune must be in want of a wife. caf\xc3\xa9 \xff";

/// A model that counts the bytes it is fed (to prove nothing was decoded).
struct Counted {
    inner: Uniform,
    fed: usize,
}

impl ByteModel for Counted {
    fn identity(&self) -> ModelIdentity {
        self.inner.identity()
    }
    fn start(&mut self, lanes: usize) -> eqinfo::Result<()> {
        self.inner.start(lanes)
    }
    fn reset_lane(&mut self, lane: usize) {
        self.inner.reset_lane(lane)
    }
    fn dist(&self, lane: usize) -> &[f32] {
        self.inner.dist(lane)
    }
    fn feed(&mut self, bytes: &[Option<u8>]) -> eqinfo::Result<()> {
        self.fed += bytes.iter().flatten().count();
        self.inner.feed(bytes)
    }
    fn context_free(&self) -> bool {
        true
    }
}

fn corrupt(r: eqinfo::Result<Vec<u8>>, needle: &str) {
    match r {
        Err(Error::Corrupt(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
        other => panic!("expected a Corrupt error with {needle:?}, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Item 1: lengths that wrap around u64.

/// A GZip file whose example bit lengths are `[a, 2^64 - a, total]`.
fn forged_wrap() -> Vec<u8> {
    let cfg = config(MethodKind::Gzip, 8, 16);
    let data = &TEXT[..48];
    let mut u = Uniform::default();
    let mut c = Container::from_bytes(&container::compress(data, &cfg, &mut u).unwrap()).unwrap();
    let total = c.tokens.len() as u64 * 8;
    let v = side_values(&c);
    assert_eq!(v.len(), 3, "three examples of 16 bytes");
    // [a, 2^64 - a, total]: the running bit position wraps back to 0, then ends at `total`.
    let a = v[0];
    set_side(&mut c, &[a, 0u64.wrapping_sub(a), total]);
    c.to_bytes().unwrap()
}

#[test]
fn example_lengths_that_wrap_around_u64_are_refused() {
    let mut u = Uniform::default();
    let bytes = forged_wrap();
    corrupt(
        container::decompress(&bytes, &mut u, false),
        "more bits than the tokens hold",
    );
}

// ---------------------------------------------------------------------------------------------
// Item 2: a model hash that is not 64 lowercase hex digits.

#[test]
fn a_model_hash_that_is_not_hex_is_refused_at_parse_time() {
    let cfg = config(MethodKind::Ac, 8, 0);
    let mut u = Uniform::default();
    let good = container::compress(TEXT, &cfg, &mut u).unwrap();
    for bad in [
        // Byte 12 falls inside a two-byte character: slicing there panicked.
        format!("x{}", "é".repeat(40)),
        "ABCDEF".repeat(10) + "ABCD",
        "abc".into(),
        "0".repeat(65),
    ] {
        let mut c = Container::from_bytes(&good).unwrap();
        c.header.model.as_mut().unwrap().hash = bad.clone();
        let bytes = c.to_bytes().unwrap();
        match Container::from_bytes(&bytes) {
            Err(Error::Corrupt(m)) => assert!(m.contains("64 lowercase hex"), "{m}"),
            other => panic!("hash {bad:?}: expected Corrupt, got {other:?}"),
        }
        // And the decoder, given another model, reports no panic either.
        let mut other = Unigram::fit(b"abc");
        assert!(container::decompress(&bytes, &mut other, false).is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Item 3: memory in proportion to a claimed length.

/// Two million one-byte examples claimed, 64 tokens to hold them (within the old sanity bound
/// of 2048 bytes a payload bit, which let the parser build 80 bytes of ranges a claimed byte).
fn forged_claim() -> Vec<u8> {
    let cfg = config(MethodKind::Ac, 16, 1);
    let mut u = Uniform::default();
    let data: Vec<u8> = TEXT[..64].to_vec();
    let mut c = Container::from_bytes(&container::compress(&data, &cfg, &mut u).unwrap()).unwrap();
    c.header.input_len = 2_000_000;
    c.to_bytes().unwrap()
}

#[test]
fn a_claimed_length_allocates_nothing_before_the_bytes_that_justify_it() {
    let mut u = Uniform::default();
    let bytes = forged_claim();
    let (r, peak) = peak_of(|| container::decompress(&bytes, &mut u, false));
    assert!(
        peak < 64 * 1024,
        "{peak} bytes allocated for a {}-byte file",
        bytes.len()
    );
    corrupt(r, "examples");
}

// ---------------------------------------------------------------------------------------------
// Item 4: a zlib bomb in the side information.

/// The true side information, then 64 MiB of zeros behind it (about 65 KB compressed).
fn forged_bomb() -> Vec<u8> {
    let cfg = config(MethodKind::Bytes, 8, 0);
    let mut u = Uniform::default();
    let mut c = Container::from_bytes(&container::compress(TEXT, &cfg, &mut u).unwrap()).unwrap();
    let mut raw = varints(&side_values(&c));
    raw.resize(raw.len() + (64 << 20), 0);
    c.side_info = zlib(&raw);
    c.header.side_info_bytes = c.side_info.len() as u64;
    drop(raw);
    c.to_bytes().unwrap()
}

#[test]
fn a_side_information_zlib_bomb_is_not_inflated() {
    let mut u = Uniform::default();
    let bytes = forged_bomb();
    assert!(bytes.len() < 200_000, "the bomb is small: {}", bytes.len());
    let (r, peak) = peak_of(|| container::decompress(&bytes, &mut u, false));
    corrupt(r, "trailing data");
    assert!(
        peak < 3 * bytes.len() + (1 << 20),
        "{peak} bytes allocated for a {}-byte file",
        bytes.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Item 5: decoding time in proportion to a claimed length.

#[test]
fn a_length_the_payload_cannot_code_is_refused_before_decoding() {
    // 8 tokens of 8 bits; the old bound allowed (64 + 64) * 2048 = 262,144 bytes.
    let cfg = config(MethodKind::Ac, 8, 0);
    let mut m = Counted {
        inner: Uniform::default(),
        fed: 0,
    };
    let mut c =
        Container::from_bytes(&container::compress(b"abcdefg", &cfg, &mut m).unwrap()).unwrap();
    let bits = c.tokens.len() as u64 * 8;
    // At β = 14 a byte costs at least -log2(1 - 255/16384) = 0.02263 bits, computed here apart
    // from the library: about 44 bytes a bit (the figure).
    let c_min = -(1.0f64 - 255.0 / 16384.0).log2();
    assert!((44.1..44.3).contains(&(1.0 / c_min)), "{}", 1.0 / c_min);
    let most = ((bits as f64 + 2.0) / c_min).ceil() as u64;
    assert!(most < 3000, "{bits} bits: {most}");
    c.header.input_len = 200_000;
    let bytes = c.to_bytes().unwrap();
    m.fed = 0;
    corrupt(container::decompress(&bytes, &mut m, false), "impossible");
    assert_eq!(m.fed, 0, "nothing may be decoded");
    // Just above the bound is refused too; the library's bound agrees with this one.
    let lib = max_coded_bytes(&cfg, bits, 1, 0);
    assert!(lib >= most && lib <= most + 2, "library {lib}, here {most}");
}

#[test]
fn a_window_claiming_more_bytes_than_b_bits_hold_is_refused_before_decoding() {
    // EqualInfo b = 16 with the uniform model: 2 bytes a window, 1600 bytes in 800 windows.
    let mut cfg = Config::equal_info(16, 16);
    cfg.example_bytes = 0;
    let data: Vec<u8> = TEXT.iter().cycle().take(1600).copied().collect();
    let mut m = Counted {
        inner: Uniform::default(),
        fed: 0,
    };
    let mut c = Container::from_bytes(&container::compress(&data, &cfg, &mut m).unwrap()).unwrap();
    let v = side_values(&c);
    let windows = v.len() - 1;
    assert_eq!(windows, 800);
    // Window 0 claims 801 bytes, the others 1: the same total, but 16 bits hold at most
    // (16 + 2) / 0.02263 + 1 = 797 bytes at β = 14.
    let mut forged = vec![v[0], 801];
    forged.extend(std::iter::repeat_n(1, windows - 1));
    set_side(&mut c, &forged);
    let bytes = c.to_bytes().unwrap();
    m.fed = 0;
    corrupt(container::decompress(&bytes, &mut m, false), "cannot hold");
    assert_eq!(m.fed, 0, "nothing may be decoded");
}

/// The bound must never refuse a real file: the likeliest byte repeated, under a unigram that
/// gives it all the mass it can get (2^β - 255), coded by every AC method at the extreme
/// precisions and window sizes, decodes.
#[test]
fn the_bounds_admit_the_likeliest_byte_repeated() {
    for (sym, other) in [(b'a', b'b'), (0u8, 1u8), (255u8, 0u8)] {
        let mut counts = vec![0u64; 256];
        counts[sym as usize] = 1 << 40;
        counts[other as usize] = 1;
        let mut data = vec![sym; 30_000];
        data[7] = other;
        for p in [10, 14, 16] {
            // The rare byte alone needs about β + 2 bits: the smallest window that holds it.
            for (method, b) in [
                (MethodKind::Ac, 16),
                (MethodKind::EqualInfo, p + 2),
                (MethodKind::EqualInfo, 64),
                (MethodKind::EqualInfo, 256),
                (MethodKind::StaticAc, 16),
            ] {
                let mut cfg = config(method, 8, 0);
                cfg.precision = p;
                cfg.window_bits = b;
                let mut u = Unigram::from_counts(counts.clone()).unwrap();
                if method == MethodKind::EqualInfo {
                    // Grow b to what the model needs (the check is exact); it must be small.
                    while cfg.validate_for_model(&mut u).is_err() {
                        cfg.window_bits += 1;
                    }
                    assert!(cfg.window_bits <= b.max(p + 4), "{}", cfg.label());
                }
                let bytes = container::compress(&data, &cfg, &mut u).unwrap();
                let out = container::decompress(&bytes, &mut u, false)
                    .unwrap_or_else(|e| panic!("{} β={p}: {e}", cfg.label()));
                assert_eq!(out, data);
            }
        }
    }
    // DEFLATE near its best ratio (a megabyte of zeros, one example) is within 129 bytes a bit.
    let zeros = vec![0u8; 1 << 20];
    let cfg = config(MethodKind::Gzip, 8, 0);
    let mut u = Uniform::default();
    let bytes = container::compress(&zeros, &cfg, &mut u).unwrap();
    assert_eq!(container::decompress(&bytes, &mut u, false).unwrap(), zeros);
}

// ---------------------------------------------------------------------------------------------
// Item 6: a strict header.

fn header_json(c: &Container) -> serde_json::Value {
    serde_json::to_value(&c.header).unwrap()
}

fn payload_of(file: &[u8]) -> Vec<u8> {
    let h = u32::from_le_bytes(file[6..10].try_into().unwrap()) as usize;
    file[10 + h + 8..file.len() - 32].to_vec()
}

#[test]
fn the_header_is_strict() {
    let mut u = Uniform::default();
    for method in [MethodKind::Ac, MethodKind::EqualInfo, MethodKind::Subword] {
        let tb = if method == MethodKind::Subword { 15 } else { 8 };
        let file = container::compress(TEXT, &config(method, tb, 0), &mut u).unwrap();
        let c = Container::from_bytes(&file).unwrap();
        let payload = payload_of(&file);
        // The untouched JSON parses (the raw writer agrees with the container's).
        let j = header_json(&c);
        Container::from_bytes(&raw_file(&serde_json::to_vec(&j).unwrap(), &payload)).unwrap();
        let cases: Vec<(&str, serde_json::Value)> = vec![
            ("model null", {
                let mut j = j.clone();
                j["model"] = serde_json::Value::Null;
                j
            }),
            ("model absent", {
                let mut j = j.clone();
                j.as_object_mut().unwrap().remove("model");
                j
            }),
            ("unknown header key", {
                let mut j = j.clone();
                j["comment"] = "hi".into();
                j
            }),
            ("unknown config key", {
                let mut j = j.clone();
                j["config"]["beta"] = 3.into();
                j
            }),
            ("missing config key", {
                let mut j = j.clone();
                j["config"].as_object_mut().unwrap().remove("precision");
                j
            }),
            ("unknown model key", {
                let mut j = j.clone();
                j["model"]["extra"] = 1.into();
                j
            }),
            ("original hash not hex", {
                let mut j = j.clone();
                j["sha256"] = "zz".into();
                j
            }),
        ];
        for (what, j) in cases {
            let bytes = raw_file(&serde_json::to_vec(&j).unwrap(), &payload);
            match container::decompress(&bytes, &mut u, false) {
                Err(Error::Corrupt(_)) => {}
                other => panic!("{method:?}, {what}: expected Corrupt, got {other:?}"),
            }
        }
    }
    // A method without a model must not name one.
    let file = container::compress(TEXT, &config(MethodKind::Gzip, 8, 0), &mut u).unwrap();
    let c = Container::from_bytes(&file).unwrap();
    let mut j = header_json(&c);
    j["model"] = serde_json::to_value(u.identity()).unwrap();
    let bytes = raw_file(&serde_json::to_vec(&j).unwrap(), &payload_of(&file));
    assert!(matches!(
        container::decompress(&bytes, &mut u, false),
        Err(Error::Corrupt(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// Item 10: the first bytes and the declared sizes are checked before the rest is read.

struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[test]
fn reading_stops_at_bad_magic_or_sizes_that_disagree_with_the_file() {
    const GB: u64 = 1 << 30;
    // Not a container: refused after the first bytes of a "1 GB" stream.
    let mut r = CountingReader {
        inner: std::io::repeat(b'x').take(GB),
        read: 0,
    };
    assert!(Container::read_from(&mut r, Some(GB)).is_err());
    assert!(r.read <= 16, "read {} bytes", r.read);
    // A container's start whose declared sizes do not add up to the file's size.
    let mut u = Uniform::default();
    let file = container::compress(TEXT, &config(MethodKind::Ac, 8, 0), &mut u).unwrap();
    let h = u32::from_le_bytes(file[6..10].try_into().unwrap()) as u64;
    let head = file[..(10 + h + 8) as usize].to_vec();
    let mut r = CountingReader {
        inner: std::io::Cursor::new(head.clone()).chain(std::io::repeat(0).take(GB)),
        read: 0,
    };
    match Container::read_from(&mut r, Some(GB)) {
        Err(Error::Corrupt(m)) => assert!(m.contains("do not add up"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(r.read <= head.len() as u64 + 8192, "read {} bytes", r.read);
    // A header length beyond the format's limit, from a stream of unknown length.
    let mut bad = file.clone();
    bad[6..10].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut r = CountingReader {
        inner: std::io::Cursor::new(bad).chain(std::io::repeat(0).take(GB)),
        read: 0,
    };
    assert!(Container::read_from(&mut r, None).is_err());
    assert!(r.read <= 8192, "read {} bytes", r.read);
    // Data after the trailing hash.
    let mut longer = file.clone();
    longer.push(0);
    assert!(Container::read_from(&longer[..], None).is_err());
    assert!(Container::read_from(&file[..], None).is_ok());
}

// ---------------------------------------------------------------------------------------------
// The property test: arbitrary bytes and re-hashed mutations of real containers.

/// Real containers of every method (uniform model), small, several examples and windows.
fn seeds() -> &'static [Vec<u8>] {
    static S: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    S.get_or_init(|| {
        let mut u = Uniform::default();
        let mut out = Vec::new();
        for method in MethodKind::ALL {
            for (tb, ex) in [(8, 24), (16, 0)] {
                let tb = if method == MethodKind::Subword {
                    15
                } else {
                    tb
                };
                let mut cfg = config(method, tb, ex);
                if method == MethodKind::EqualInfo {
                    cfg.window_bits = 24;
                    cfg.delay = ex == 0;
                }
                out.push(container::compress(TEXT, &cfg, &mut u).unwrap());
            }
        }
        out
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Sets a numeric header field (index into FIELDS) to a value.
    Field(usize, u64),
    /// Sets one side-information number.
    Side(usize, u64),
    /// Inserts a side-information number.
    SideInsert(usize, u64),
    /// Removes a side-information number.
    SideRemove(usize),
    /// Replaces a token.
    Token(usize, u32),
    /// XORs a byte of the serialized body (header JSON, sizes or payload).
    Byte(usize, u8),
}

const FIELDS: [&str; 8] = [
    "input_len",
    "token_count",
    "side_info_bytes",
    "example_bytes",
    "window_bits",
    "token_bits",
    "precision",
    "reset_every",
];

fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..64,
        0u64..100_000,
        any::<u64>(),
        (0u64..64).prop_map(|k| u64::MAX - k),
        (0u32..64).prop_map(|s| 1u64 << s),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..FIELDS.len(), value()).prop_map(|(f, v)| Mutation::Field(f, v)),
        (any::<usize>(), value()).prop_map(|(i, v)| Mutation::Side(i, v)),
        (any::<usize>(), value()).prop_map(|(i, v)| Mutation::SideInsert(i, v)),
        any::<usize>().prop_map(Mutation::SideRemove),
        (any::<usize>(), any::<u32>()).prop_map(|(i, v)| Mutation::Token(i, v)),
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::Byte(i, m)),
    ]
}

fn mutate(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    let mut c = Container::from_bytes(seed).unwrap();
    let mut side = side_values(&c);
    let mut flips = Vec::new();
    for m in muts {
        match *m {
            Mutation::Field(f, v) => {
                let h = &mut c.header;
                let small = v.min(u32::MAX as u64) as u32;
                match FIELDS[f] {
                    "input_len" => h.input_len = v,
                    "token_count" => h.token_count = v,
                    "side_info_bytes" => h.side_info_bytes = v,
                    "example_bytes" => h.config.example_bytes = v as usize,
                    "window_bits" => h.config.window_bits = small,
                    // Kept within what `to_bytes` can pack; the parser sees the rest by Byte.
                    "token_bits" => h.config.token_bits = 1 + small % 16,
                    "precision" => h.config.precision = small,
                    _ => h.config.reset_every = small,
                }
            }
            Mutation::Side(i, v) if !side.is_empty() => {
                let n = side.len();
                side[i % n] = v;
            }
            Mutation::SideInsert(i, v) => side.insert(i % (side.len() + 1), v),
            Mutation::SideRemove(i) if !side.is_empty() => {
                let n = side.len();
                side.remove(i % n);
            }
            Mutation::Token(i, v) if !c.tokens.is_empty() => {
                let n = c.tokens.len();
                c.tokens[i % n] = v & ((1u32 << c.header.config.token_bits.min(16)) - 1);
            }
            Mutation::Byte(i, mask) => flips.push((i, mask)),
            _ => {}
        }
    }
    let keep_side_len = c.header.side_info_bytes;
    let sizes_were_true = keep_side_len == c.side_info.len() as u64;
    c.side_info = zlib(&varints(&side));
    if sizes_were_true {
        c.header.side_info_bytes = c.side_info.len() as u64;
    }
    let mut bytes = match c.to_bytes() {
        Ok(b) => b,
        Err(_) => seed.to_vec(),
    };
    let body = bytes.len() - 32;
    for (i, mask) in flips {
        bytes[i % body] ^= mask;
    }
    rehash(&mut bytes);
    bytes
}

/// Decodes with the uniform model (forced or not) and checks the cost: no panic, and at most
/// 128 bytes a file byte plus 4 a claimed output byte (counted only when the claim passes the
/// format's bounds, i.e. when it could be the true output) plus 1 MiB.
fn check_cheap(bytes: &[u8], force: bool) -> Result<(), TestCaseError> {
    let claim = match Container::from_bytes(bytes) {
        Ok(c) if c.to_encoded().is_ok() => c.header.input_len as usize,
        _ => 0,
    };
    let mut u = Uniform::default();
    let t = std::time::Instant::now();
    let (r, peak) = peak_of(|| container::decompress(bytes, &mut u, force));
    let allowed = 128 * bytes.len() + 4 * claim + (1 << 20);
    prop_assert!(
        peak <= allowed,
        "peak {peak} > allowed {allowed} (file {}, claim {claim}): {r:?}",
        bytes.len()
    );
    // Not a timing assertion: a guard against a hang, far above any real run.
    prop_assert!(t.elapsed().as_secs() < 60, "took {:?}", t.elapsed());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_are_an_error_never_a_panic(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        framed in any::<bool>(),
    ) {
        let bytes = if framed {
            // The magic, the version and a valid trailing hash around arbitrary bytes.
            let mut b = b"EQIN\x01\x00".to_vec();
            b.extend_from_slice(&body);
            b.extend_from_slice(&[0u8; 32]);
            rehash(&mut b);
            b
        } else {
            body
        };
        check_cheap(&bytes, false)?;
        check_cheap(&bytes, true)?;
    }

    #[test]
    fn rehashed_mutations_of_real_containers_are_cheap(
        seed in 0usize..12,
        muts in proptest::collection::vec(mutation(), 1..5),
        force in any::<bool>(),
    ) {
        let seeds = seeds();
        let bytes = mutate(&seeds[seed % seeds.len()], &muts);
        check_cheap(&bytes, force)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The format promise: committed files decode bit-exactly, and encoding their original again
// gives the same file (so a change to the coder, the quantizer or M1's kernel that would break
// old files fails here; bump the format or backend version instead).

fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn committed_fixtures_decode_bit_exactly_and_encode_identically() {
    let dir = fixtures_dir();
    let manifest = std::fs::read_to_string(dir.join("MANIFEST")).unwrap();
    let mut m1: Option<Box<dyn ByteModel>> = None;
    let mut methods = std::collections::HashSet::new();
    let mut kinds = std::collections::HashSet::new();
    let mut n = 0;
    for line in manifest
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split_whitespace();
        let (file, original, model) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let text = std::fs::read(dir.join(original)).unwrap();
        let c = Container::from_bytes(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut unigram;
        let mut uniform = Uniform::default();
        let model: &mut dyn ByteModel = match model {
            "uniform" => &mut uniform,
            "unigram" => {
                let json = std::fs::read_to_string(dir.join("unigram.json")).unwrap();
                unigram = Unigram::from_json(&json).unwrap();
                &mut unigram
            }
            "m1" => {
                let m = m1.get_or_insert_with(|| {
                    eqinfo::model::open::open_model(None, "cpu").expect("the sample M1")
                });
                if let (Some(rec), id) = (&c.header.model, m.identity()) {
                    assert_eq!(
                        rec.hash, id.hash,
                        "{file}: the sample M1 in sample_models/ is not the one this fixture was \
                         written with; a new sample model needs new M1 fixtures \
                         (scripts/make_fixtures.sh)"
                    );
                }
                m.as_mut()
            }
            other => panic!("unknown model {other}"),
        };
        let out = c
            .decode(model, false)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(out == text, "{file}: decodes to other bytes");
        let again = container::compress(&text, &c.header.config, model).unwrap();
        assert!(
            again == bytes,
            "{file}: encoding its original gives another file"
        );
        methods.insert(c.header.config.method);
        kinds.insert(model_kind(&c));
        n += 1;
    }
    assert!(n >= 10, "{n} fixtures");
    assert_eq!(
        methods.len(),
        MethodKind::ALL.len(),
        "every method: {methods:?}"
    );
    for k in ["uniform", "unigram", "m1"] {
        assert!(kinds.contains(k), "a fixture with the {k} model");
    }
}

fn model_kind(c: &Container) -> String {
    c.header
        .model
        .as_ref()
        .map(|m| m.kind.clone())
        .unwrap_or_default()
}

/// Writes the hostile files of these tests (and the fixtures' neighbours) into `$HOSTILE_DUMP`
/// (default `fuzz/seeds/`): seeds for the fuzzer, and a way to run them through another build's
/// CLI. Ignored in the normal suite: `HOSTILE_DUMP=dir cargo test --test hostile -- --ignored`.
#[test]
#[ignore]
fn dump_hostile_files() {
    let dir = std::env::var_os("HOSTILE_DUMP").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds"),
        std::path::PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    let hash = {
        let mut u = Uniform::default();
        let good = container::compress(TEXT, &config(MethodKind::Ac, 8, 0), &mut u).unwrap();
        let mut c = Container::from_bytes(&good).unwrap();
        c.header.model.as_mut().unwrap().hash = format!("x{}", "é".repeat(40));
        c.to_bytes().unwrap()
    };
    for (name, bytes) in [
        ("wrap.eqi", forged_wrap()),
        ("hash.eqi", hash),
        ("claim.eqi", forged_claim()),
        ("bomb.eqi", forged_bomb()),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    for (i, seed) in seeds().iter().enumerate() {
        std::fs::write(dir.join(format!("seed{i:02}.eqi")), seed).unwrap();
    }
}
