//! The Live view's export: the bytes, windows and tokens of an [`Analysis`] with their spans in
//! both directions (a byte's window and tokens, a token's bytes, a window's bytes, bits and
//! tokens), from the one alignment ([`crate::method::Alignment`]). Written as one JSON document
//! and three CSV tables.

use super::Analysis;
use crate::error::{Error, Result};
use crate::method::trace::BitOrder;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// One byte of the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ByteRow {
    /// Its index.
    pub byte: usize,
    /// Its value.
    pub value: u8,
    /// Its window.
    pub window: usize,
    /// The model's probability of it (AC methods).
    pub prob: Option<f32>,
    /// −log2 prob.
    pub surprisal_bits: Option<f64>,
    /// Its rank among the model's predictions (0 = most probable).
    pub rank: Option<u16>,
    /// The bits it owns: first (in `bit_order`; None when the method has no per-byte bits).
    pub bit_start: Option<u64>,
    /// The bits it owns: end.
    pub bit_end: Option<u64>,
    /// `stream` (token-stream positions) or `deflate` (GZip: DEFLATE bit positions from the
    /// window's start bit, i.e. stream bit `start + (k ^ 7)`).
    pub bit_order: &'static str,
    /// The tokens holding its bits: first.
    pub token_first: usize,
    /// The tokens holding its bits: end (exclusive; equal to `token_first` for none).
    pub token_end: usize,
}

/// One window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowRow {
    /// Its index.
    pub window: usize,
    /// Its example.
    pub example: usize,
    /// Its bytes: first.
    pub byte_start: usize,
    /// Its bytes: end.
    pub byte_end: usize,
    /// Its first bit in the token stream.
    pub bit_start: u64,
    /// Its bits (code and padding).
    pub bit_len: u64,
    /// Bits of real code.
    pub code_bits: u64,
    /// Tokens whose bits meet it: first.
    pub token_first: usize,
    /// Tokens whose bits meet it: end.
    pub token_end: usize,
    /// Whether the side-information-free decoder recovers it (None: not applicable or not
    /// checked yet).
    pub free_decode_ok: Option<bool>,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRow {
    /// Its index.
    pub token: usize,
    /// Its id.
    pub id: u32,
    /// Its bits, most significant first.
    pub bits: String,
    /// Its bytes: first (`byte_start == byte_end`: none).
    pub byte_start: usize,
    /// Its bytes: end.
    pub byte_end: usize,
    /// Its bytes as text (invalid UTF-8 replaced).
    pub text: String,
    /// What else its bits are (GZip: headers, Huffman tables, trailer), `; `-separated.
    pub overhead: String,
}

/// Everything exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveExport {
    /// The configuration's name.
    pub config: String,
    /// The configuration as `-c` syntax.
    pub spec: String,
    /// Token size in bits.
    pub token_bits: u32,
    /// The bytes.
    pub bytes: Vec<ByteRow>,
    /// The windows.
    pub windows: Vec<WindowRow>,
    /// The tokens.
    pub tokens: Vec<TokenRow>,
}

/// The export of an analysis.
pub fn export(a: &Analysis) -> LiveExport {
    let al = &a.alignment;
    let order = match al.order() {
        BitOrder::Stream => "stream",
        BitOrder::Deflate => "deflate",
    };
    let bytes = (0..a.len())
        .map(|i| {
            let info = a.byte(i);
            let bits = al.bits_of_byte(i);
            let toks = a.tokens_of_bytes(i..i + 1);
            ByteRow {
                byte: i,
                value: a.text[i],
                window: a.window_of(i).unwrap_or(0),
                prob: info.as_ref().map(|x| x.trace.prob),
                surprisal_bits: info.as_ref().map(|x| -(x.trace.prob as f64).log2()),
                rank: info.as_ref().map(|x| x.trace.rank),
                bit_start: bits.as_ref().map(|b| b.start),
                bit_end: bits.as_ref().map(|b| b.end),
                bit_order: order,
                token_first: toks.start,
                token_end: toks.end,
            }
        })
        .collect();
    let windows = a
        .windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let toks = a.tokens_of_window(w);
            WindowRow {
                window: w,
                example: win.example,
                byte_start: win.bytes.start,
                byte_end: win.bytes.end,
                bit_start: win.bit_start,
                bit_len: win.rec.bits.len(),
                code_bits: win.rec.code_bits,
                token_first: toks.start,
                token_end: toks.end,
                free_decode_ok: win.rec.free_ok,
            }
        })
        .collect();
    let tb = a.token_bits();
    let tokens = a
        .tokens
        .iter()
        .enumerate()
        .map(|(t, &id)| {
            let span = a.bytes_of_token(t);
            let overhead: Vec<&str> = al
                .overhead_of_token(t)
                .into_iter()
                .map(|o| o.label.as_str())
                .collect();
            TokenRow {
                token: t,
                id,
                bits: super::bit_range_string(
                    &a.bits,
                    crate::method::tokens::token_bit_range(t, tb),
                ),
                byte_start: span.start,
                byte_end: span.end,
                text: String::from_utf8_lossy(a.text.get(span).unwrap_or(&[])).into_owned(),
                overhead: overhead.join("; "),
            }
        })
        .collect();
    LiveExport {
        config: a.config.label(),
        spec: a.config.spec(),
        token_bits: tb,
        bytes,
        windows,
        tokens,
    }
}

/// The files [`write_files`] writes for `path`: `STEM.json`, `STEM_bytes.csv`,
/// `STEM_windows.csv`, `STEM_tokens.csv` beside it (any extension of `path` is dropped).
pub fn export_paths(path: &Path) -> [PathBuf; 4] {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "analysis".into());
    let dir = path.parent().unwrap_or(Path::new(""));
    [
        dir.join(format!("{stem}.json")),
        dir.join(format!("{stem}_bytes.csv")),
        dir.join(format!("{stem}_windows.csv")),
        dir.join(format!("{stem}_tokens.csv")),
    ]
}

/// How far a [`write_files_with`] is: (rows done, rows in all), rows counted over the tables
/// and the JSON document (each row twice).
pub type ExportProgress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Rows between two progress reports and cancel checks.
const ROWS_PER_TICK: usize = 4096;

/// Counts the rows written, reports them and stops the work once cancelled.
struct Ticker<'a> {
    done: std::sync::atomic::AtomicUsize,
    total: usize,
    cancel: &'a AtomicBool,
    progress: ExportProgress<'a>,
}

impl Ticker<'_> {
    /// `n` more rows; false once cancelled.
    fn tick(&self, n: usize) -> bool {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        (self.progress)(done.min(self.total), self.total);
        !self.cancel.load(Ordering::Relaxed)
    }
}

/// A table serialised as a JSON array, reporting its rows as it goes.
struct Rows<'a, T> {
    rows: &'a [T],
    ticker: &'a Ticker<'a>,
}

impl<T: Serialize> Serialize for Rows<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for chunk in self.rows.chunks(ROWS_PER_TICK) {
            for r in chunk {
                seq.serialize_element(r)?;
            }
            if !self.ticker.tick(chunk.len()) {
                return Err(S::Error::custom(CANCELLED));
            }
        }
        seq.end()
    }
}

const CANCELLED: &str = "export cancelled";

/// The JSON document: [`LiveExport`]'s fields, its tables streamed.
#[derive(Serialize)]
struct JsonOut<'a> {
    config: &'a str,
    spec: &'a str,
    token_bits: u32,
    bytes: Rows<'a, ByteRow>,
    windows: Rows<'a, WindowRow>,
    tokens: Rows<'a, TokenRow>,
}

/// A file being written beside its target, renamed onto it when complete; removed when dropped
/// before that.
struct TempFile {
    path: PathBuf,
    target: PathBuf,
    kept: bool,
}

impl TempFile {
    fn create(target: &Path) -> Result<(TempFile, std::io::BufWriter<std::fs::File>)> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let dir = target.parent().unwrap_or(Path::new(""));
        let path = dir.join(format!(".{name}.{}.part", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(target, e))?;
        Ok((
            TempFile {
                path,
                target: target.to_path_buf(),
                kept: false,
            },
            std::io::BufWriter::new(file),
        ))
    }

    fn finish(mut self) -> Result<()> {
        std::fs::rename(&self.path, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A target that exists must be a regular file (it is replaced); a directory, a device or a
/// pipe there is an error before anything is written.
fn check_target(p: &Path) -> Result<()> {
    match std::fs::metadata(p) {
        Ok(m) if !m.is_file() => Err(Error::BadParams(format!(
            "{} is {}, not a file: choose another name",
            p.display(),
            if m.is_dir() {
                "a directory"
            } else {
                "a device, pipe or socket"
            }
        ))),
        _ => Ok(()),
    }
}

/// Flushes and syncs a finished file (a full disk shows here at the latest).
fn close(w: std::io::BufWriter<std::fs::File>, path: &Path) -> Result<()> {
    let f = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

fn write_json(
    e: &LiveExport,
    ticker: &Ticker<'_>,
    mut w: impl std::io::Write,
) -> std::result::Result<(), serde_json::Error> {
    let out = JsonOut {
        config: &e.config,
        spec: &e.spec,
        token_bits: e.token_bits,
        bytes: Rows {
            rows: &e.bytes,
            ticker,
        },
        windows: Rows {
            rows: &e.windows,
            ticker,
        },
        tokens: Rows {
            rows: &e.tokens,
            ticker,
        },
    };
    serde_json::to_writer_pretty(&mut w, &out)?;
    w.flush().map_err(serde_json::Error::io)
}

/// Writes the export of `a` as JSON and three CSV tables ([`export_paths`]); returns the paths.
pub fn write_files(a: &Analysis, path: &Path) -> Result<Vec<PathBuf>> {
    write_files_with(a, path, &AtomicBool::new(false), &|_, _| {})
}

/// [`write_files`] with a cancel flag ([`Error::Cancelled`]) and progress. Each file is written
/// beside its target under a temporary name and renamed onto it when all four are complete, so
/// a failed or cancelled export (a full disk, no permission, a directory where a file should
/// be) leaves every earlier export as it was and no partial file behind.
pub fn write_files_with(
    a: &Analysis,
    path: &Path,
    cancel: &AtomicBool,
    progress: ExportProgress<'_>,
) -> Result<Vec<PathBuf>> {
    let paths = export_paths(path);
    for p in &paths {
        check_target(p)?;
    }
    let e = export(a);
    let rows = e.bytes.len() + e.windows.len() + e.tokens.len();
    let ticker = Ticker {
        done: Default::default(),
        total: 2 * rows,
        cancel,
        progress,
    };
    let mut temps = Vec::with_capacity(paths.len());
    // The JSON document.
    let (t, mut w) = TempFile::create(&paths[0])?;
    if let Err(err) = write_json(&e, &ticker, &mut w) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        return Err(match err.io_error_kind() {
            Some(kind) => Error::io(&t.target, std::io::Error::new(kind, err.to_string())),
            None => Error::BadParams(format!("JSON: {err}")),
        });
    }
    close(w, &t.target)?;
    temps.push(t);
    // The tables.
    fn table<T: Serialize>(rows: &[T], target: &Path, ticker: &Ticker<'_>) -> Result<TempFile> {
        let (t, w) = TempFile::create(target)?;
        let mut csv = csv::Writer::from_writer(w);
        for chunk in rows.chunks(ROWS_PER_TICK) {
            for r in chunk {
                csv.serialize(r).map_err(|err| match err.into_kind() {
                    csv::ErrorKind::Io(io) => Error::io(&t.target, io),
                    other => Error::BadParams(format!("CSV: {other:?}")),
                })?;
            }
            if !ticker.tick(chunk.len()) {
                return Err(Error::Cancelled);
            }
        }
        let w = csv
            .into_inner()
            .map_err(|err| Error::io(&t.target, std::io::Error::other(err.to_string())))?;
        close(w, &t.target)?;
        Ok(t)
    }
    temps.push(table(&e.bytes, &paths[1], &ticker)?);
    temps.push(table(&e.windows, &paths[2], &ticker)?);
    temps.push(table(&e.tokens, &paths[3], &ticker)?);
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    for t in temps {
        t.finish()?;
    }
    Ok(paths.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::Config;
    use crate::model::Uniform;
    use std::sync::Arc;

    fn analysis(text: &str) -> Analysis {
        crate::live::analyse(
            Arc::new(text.as_bytes().to_vec()),
            &Config::equal_info(16, 8),
            &mut Uniform::default(),
            1,
            None,
            &AtomicBool::new(false),
        )
        .unwrap()
    }

    fn csv_of<T: Serialize>(rows: &[T]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            w.serialize(r).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".part"))
            .collect()
    }

    /// The streamed files are byte for byte the export serialised in memory in one go (the
    /// document with serde_json's pretty printer, the tables with the csv crate), and the
    /// progress reaches every row twice.
    #[test]
    fn streamed_files_equal_the_export_serialised_at_once() {
        let a = analysis("Streams of text, streamed to files: every row once in each.");
        let dir = tempfile::tempdir().unwrap();
        let last = std::sync::Mutex::new((0, 0));
        let paths = write_files_with(
            &a,
            &dir.path().join("run.json"),
            &AtomicBool::new(false),
            &|d, t| *last.lock().unwrap() = (d, t),
        )
        .unwrap();
        let e = export(&a);
        let want = [
            serde_json::to_vec_pretty(&e).unwrap(),
            csv_of(&e.bytes),
            csv_of(&e.windows),
            csv_of(&e.tokens),
        ];
        for (p, w) in paths.iter().zip(want) {
            assert_eq!(std::fs::read(p).unwrap(), w, "{}", p.display());
        }
        let rows = e.bytes.len() + e.windows.len() + e.tokens.len();
        assert_eq!(*last.lock().unwrap(), (2 * rows, 2 * rows));
        assert!(leftovers(dir.path()).is_empty());
    }

    /// A directory where a table should go, a missing folder, or a cancel: an error, the
    /// previous export unchanged, no temporary file left behind.
    #[test]
    fn a_failed_export_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("keep.json");
        let old = analysis("the first export");
        let paths = write_files(&old, &target).unwrap();
        let before: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
        let new = analysis("a second, different export that must not land");
        let unchanged = || {
            for (p, b) in paths.iter().zip(&before) {
                assert_eq!(&std::fs::read(p).unwrap(), b, "{}", p.display());
            }
            assert!(
                leftovers(dir.path()).is_empty(),
                "{:?}",
                leftovers(dir.path())
            );
        };
        // Cancelled half-way (at the first progress report).
        let stop = AtomicBool::new(false);
        let r = write_files_with(&new, &target, &stop, &|_, _| {
            stop.store(true, Ordering::Relaxed)
        });
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        unchanged();
        // A directory where the tokens table goes: refused before anything is written.
        std::fs::remove_file(&paths[3]).unwrap();
        std::fs::create_dir(&paths[3]).unwrap();
        let err = write_files(&new, &target).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        for (p, b) in paths.iter().zip(&before).take(3) {
            assert_eq!(&std::fs::read(p).unwrap(), b);
        }
        assert!(leftovers(dir.path()).is_empty());
        // A folder that does not exist: an error naming the file.
        let err = write_files(&new, &dir.path().join("no/such/dir/x.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.json"), "{err}");
    }
}
