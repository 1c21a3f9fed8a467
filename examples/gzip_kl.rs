//! Where GZip's distance from uniform comes from: KL (Miller–Madow, and Chao–Shen where
//! undersampled) of the zlib streams of 10,240-byte examples, whole (as `eqinfo stats` measures
//! them: 2-byte header, DEFLATE, 4-byte Adler-32), without the zlib framing (raw DEFLATE), only
//! the first 64 bytes of each example's stream (header, block header, Huffman code lengths) and
//! the rest; and zlib level 9. Beside each, the random baseline of the same length.
//!
//! ```sh
//! cargo run --release --example gzip_kl -- FILE...
//! ```

use eqinfo::stats::kl::kl_report;
use std::io::Write;

fn zlib(data: &[u8], level: u32) -> std::io::Result<Vec<u8>> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    z.write_all(data)?;
    z.finish()
}

fn show(name: &str, what: &str, bytes: &[u8]) {
    let r = kl_report(bytes, bytes.len() as u64 * 8, 20, 0x5EED);
    let at = |pts: &[eqinfo::stats::KlPoint], n: u32| {
        pts.iter().find(|p| p.n == n).map_or("-".to_string(), |p| {
            format!(
                "{:.5}{} (cs {:.4})",
                p.kl_mm,
                if p.undersampled { "*" } else { "" },
                p.kl_cs
            )
        })
    };
    println!(
        "{name}\t{what}\t{}\t{}\t{}\t{}\t{}",
        bytes.len(),
        at(&r.tokens, 8),
        at(&r.random_tokens, 8),
        at(&r.tokens, 16),
        at(&r.overlapping, 16),
    );
}

fn main() -> std::io::Result<()> {
    println!("file\tstream\tbytes\tKL 8-bit tokens\trandom 8-bit\tKL 16-bit tokens\tKL overlapping 16-grams");
    for f in std::env::args().skip(1) {
        let data = std::fs::read(&f)?;
        let name = std::path::Path::new(&f)
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let (mut whole, mut raw, mut head, mut rest, mut l9) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for ex in data.chunks(10_240) {
            let z = zlib(ex, 6)?;
            whole.extend_from_slice(&z);
            let body = &z[2..z.len() - 4];
            raw.extend_from_slice(body);
            let k = 64.min(z.len());
            head.extend_from_slice(&z[..k]);
            rest.extend_from_slice(&z[k..]);
            l9.extend_from_slice(&zlib(ex, 9)?);
        }
        show(&name, "zlib level 6 (as measured)", &whole);
        show(&name, "raw DEFLATE (no zlib header/trailer)", &raw);
        show(&name, "first 64 bytes of each example", &head);
        show(&name, "the rest of each example", &rest);
        show(&name, "zlib level 9", &l9);
    }
    Ok(())
}
