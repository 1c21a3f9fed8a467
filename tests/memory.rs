//! Memory of `compress` (issue 10 item 12): the bytes allocated at once while compressing, per
//! input byte, counted by a global allocator of this test binary (a count, not a timing: the
//! same on every machine and load). The README's RSS figures are measured on the binary; this
//! bounds what the data structures may hold. And the compact form `compress` uses gives the same
//! container as the full [`eqinfo::method::Encoded`].

use eqinfo::container;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::{ByteModel, Uniform};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(n: usize) {
    let _ = LIVE.try_with(|c| {
        let v = c.get() + n;
        c.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

fn shrink(n: usize) {
    let _ = LIVE.try_with(|c| c.set(c.get().saturating_sub(n)));
}

// SAFETY: every call goes to the system allocator unchanged; only per-thread counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grow(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        shrink(l.size());
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            grow(new);
            shrink(l.size());
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The peak of the bytes `f` had allocated at once (on this thread), with its result.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    (r, PEAK.with(Cell::get) - base)
}

/// Deterministic English-like text: words from the shipped list chosen by a fixed LCG.
fn text(len: usize) -> Vec<u8> {
    let words: Vec<&str> = include_str!("../assets/common_words.txt")
        .split_whitespace()
        .collect();
    let mut out = Vec::with_capacity(len + 16);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while out.len() < len {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.extend_from_slice(words[(x >> 33) as usize % words.len()].as_bytes());
        out.push(if (x >> 20).is_multiple_of(13) {
            b'\n'
        } else {
            b' '
        });
    }
    out.truncate(len);
    out
}

fn configs() -> Vec<Config> {
    let mut out = Vec::new();
    for m in [
        MethodKind::Bytes,
        MethodKind::Gzip,
        MethodKind::StaticAc,
        MethodKind::Ac,
    ] {
        let mut c = Config::new(m);
        c.token_bits = 16;
        out.push(c);
    }
    for b in [16, 8] {
        out.push(Config::equal_info(b, 16));
    }
    let mut s = Config::new(MethodKind::Subword);
    s.token_bits = 15;
    out.push(s);
    out
}

/// Peak bytes allocated at once by `compress` of `data`.
fn compress_peak(data: &[u8], cfg: &Config) -> usize {
    let mut model = Uniform::default();
    let (bytes, peak) = peak_of(|| container::compress(data, cfg, &mut model));
    let bytes = bytes.unwrap_or_else(|e| panic!("{}: {e}", cfg.label()));
    // And it is the real thing: it decodes.
    let back = container::decompress(&bytes, &mut model, false).unwrap();
    assert!(back == data, "{}: round trip", cfg.label());
    peak
}

/// What `compress` keeps per input byte, beside the input itself, at most 12 bytes allocated at
/// once for every method (the README's target is 16 bytes of RSS a byte, input and allocator
/// slack included): the growth of the peak from 48 KB to 144 KB of input (fixed costs such as
/// the subword tokenizer's tables cancel out). EqualInfoAC with the uniform model is the worst
/// case: 8 bits a byte make a window every 1 (b = 8) or 2 (b = 16) bytes, and a `WindowSpan`
/// a window (56 bytes) alone would need 28 to 56 bytes a byte.
#[test]
fn compress_allocates_at_most_12_bytes_per_input_byte() {
    let (small, large) = (text(48 * 1024), text(144 * 1024));
    for cfg in configs() {
        let grew = compress_peak(&large, &cfg).saturating_sub(compress_peak(&small, &cfg));
        let per_byte = grew as f64 / (large.len() - small.len()) as f64;
        eprintln!("{}: {per_byte:.2} bytes a byte", cfg.label());
        assert!(
            per_byte <= 12.0,
            "{}: {per_byte:.1} bytes allocated per input byte",
            cfg.label()
        );
    }
}

/// The compact form and the full encoding agree: the same tokens, example lengths and window
/// byte counts, hence the same container bytes.
#[test]
fn packed_and_full_encodings_give_the_same_container() {
    let data = text(20_000);
    for mut cfg in configs() {
        cfg.example_bytes = 3_000;
        let mut model = Uniform::default();
        let enc = method::encode(&data, &cfg, &mut model, &RunOptions::default()).unwrap();
        let packed =
            method::encode_packed(&data, &cfg, &mut model, &RunOptions::default()).unwrap();
        assert_eq!(packed.tokens, enc.tokens, "{}", cfg.label());
        let ex_bits: Vec<u64> = enc.examples.iter().map(|e| e.bit_len).collect();
        assert_eq!(packed.example_bits, ex_bits, "{}", cfg.label());
        if cfg.method == MethodKind::EqualInfo {
            let lens: Vec<u16> = enc.windows.iter().map(|w| w.bytes.len() as u16).collect();
            assert_eq!(packed.window_bytes, lens, "{}", cfg.label());
            // The windows tile the input and each is exactly b bits.
            assert_eq!(
                lens.iter().map(|&n| n as usize).sum::<usize>(),
                data.len(),
                "{}",
                cfg.label()
            );
            assert!(enc
                .windows
                .iter()
                .all(|w| w.bit_len == cfg.window_bits as u64));
        }
        let id = Some(model.identity());
        let full = container::build(&enc, &data, id.clone())
            .unwrap()
            .to_bytes()
            .unwrap();
        let lean = container::build_packed(packed, &data, id)
            .unwrap()
            .to_bytes()
            .unwrap();
        assert!(full == lean, "{}: container bytes differ", cfg.label());
    }
}
