//! Greedy, Delay and the exact window rule side by side: bytes/token at v = 256 and 65,536 and
//! side-information-free decoding (windows, examples, failure modes), per file and window size.
//!
//! ```sh
//! cargo run --release --example window_rules -- [--bytes N] [--b 16,32,64] FILE...
//! ```
//! Each file's first N bytes (default 16,384) are coded in 10,240-byte examples with the sample
//! M1. Output: one tab-separated row per file × b × rule, then the failure medians.

use eqinfo::method::{self, Config, FreeDecodeFailureKind, RunOptions};
use eqinfo::model::open::open_model;

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn main() -> eqinfo::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut bytes = 16_384usize;
    let mut bs = vec![16u32, 32, 64];
    let mut files = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bytes" => bytes = args.next().and_then(|v| v.parse().ok()).unwrap_or(bytes),
            "--b" => {
                bs = args
                    .next()
                    .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or(bs)
            }
            f => files.push(f.to_string()),
        }
    }
    let mut model = open_model(None, "cpu")?;
    println!(
        "file\tb\trule\tbytes\twindows\tbytes/tok v=256\tbytes/tok v=65536\twindows ok\texamples ok\textra-byte failures\tshorter-prefix failures\tmedian p(true next)\tmedian p(competing)"
    );
    for f in &files {
        let data = std::fs::read(f)?;
        let data = &data[..bytes.min(data.len())];
        let name = std::path::Path::new(f)
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        for &b in &bs {
            for rule in ["greedy", "delay", "exact"] {
                let mut c = Config::equal_info(b, 8);
                c.delay = rule == "delay";
                c.exact = rule == "exact";
                let enc = method::encode(data, &c, &mut *model, &RunOptions::default())?;
                let rep = method::free_decode_report(&enc, data, &mut *model)?;
                // v = 65,536: the same bits cut into 16-bit tokens (each example padded to whole
                // tokens).
                let t16: u64 = enc.examples.iter().map(|e| e.bit_len.div_ceil(16)).sum();
                let extra: Vec<_> = rep
                    .failures
                    .iter()
                    .filter(|x| x.kind == FreeDecodeFailureKind::ExtraBytes)
                    .collect();
                for kind in [
                    FreeDecodeFailureKind::ExtraBytes,
                    FreeDecodeFailureKind::ShorterPrefix,
                ] {
                    if let Some(x) = rep.failures.iter().find(|x| x.kind == kind) {
                        let w = &enc.windows[x.window];
                        eprintln!(
                            "{name} b={b} {rule}: {kind:?}: window {:?} decoded as {} bytes \
                             (matching lengths {:?}); competing byte {:?} p={:?}, true next {:?} \
                             p={:?}",
                            String::from_utf8_lossy(&data[w.bytes.clone()]),
                            x.decoded_len,
                            x.matching_lens,
                            x.competing_byte.map(char::from),
                            x.competing_prob,
                            x.true_next_byte.map(char::from),
                            x.true_next_prob
                        );
                    }
                }
                let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.4}"));
                println!(
                    "{name}\t{b}\t{rule}\t{}\t{}\t{:.3}\t{:.3}\t{}/{} ({:.2}%)\t{}/{}\t{}\t{}\t{}\t{}",
                    data.len(),
                    enc.windows.len(),
                    data.len() as f64 / enc.tokens.len() as f64,
                    data.len() as f64 / t16 as f64,
                    rep.windows_ok,
                    rep.windows_total,
                    100.0 * rep.window_rate(),
                    rep.examples_ok,
                    rep.examples_total,
                    extra.len(),
                    rep.count(FreeDecodeFailureKind::ShorterPrefix),
                    fmt(median(extra.iter().filter_map(|x| x.true_next_prob).collect())),
                    fmt(median(extra.iter().filter_map(|x| x.competing_prob).collect())),
                );
            }
        }
    }
    Ok(())
}
