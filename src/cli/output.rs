//! Writing the CLI's output safely: to stdout (a closed pipe is a quiet exit, a full disk a clear
//! error) or to a file given with `-o`.
//!
//! ## `-o PATH`
//! - A new file, or an existing regular file with one link, is written atomically: a temporary
//!   file named after the target (`.NAME.XXXXXX.eqinfo-tmp`, in the same directory) is written,
//!   fsynced and renamed over the target, and the directory is fsynced. A new file gets the mode
//!   the umask gives (`0666 & !umask`); a replaced file keeps its mode (and, where permitted, its
//!   owner). On SIGINT, SIGTERM or SIGHUP during the write the temporary file is removed before
//!   the process dies of the signal; on any error it is removed and the target is untouched.
//! - An existing regular file with several hard links is rewritten in place (truncated, written,
//!   fsynced), so that every name sees the new content.
//! - A character device or a FIFO (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written
//!   directly: it is never replaced.
//! - A symbolic link is followed: its target is written by the rules above (the link stays).
//! - A directory, a block device or a socket is refused with a message.
//!
//! [`refuse_same_file`] refuses an output that is the input file.

use anyhow::{bail, Context, Result};

/// `println!` that returns a write error (a closed pipe, a full disk) with `?` instead of
/// panicking. Use in functions returning `anyhow::Result`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        anyhow::Context::context(
            writeln!(std::io::stdout().lock(), $($arg)*),
            "cannot write stdout",
        )?
    }};
}
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// True when the error is a write to a closed pipe (the reader went away: `eqinfo ... | head`),
/// which the binary turns into a quiet, successful exit.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || matches!(
                c.downcast_ref::<eqinfo::Error>(),
                Some(eqinfo::Error::IoPlain(e)) if e.kind() == io::ErrorKind::BrokenPipe
            )
    })
}

/// Buffered, locked stdout whose errors are reported (never a panic, unlike `println!`).
pub struct Stdout {
    inner: io::BufWriter<io::StdoutLock<'static>>,
}

/// The program's stdout for one command's report; call [`Stdout::finish`] at the end.
pub fn stdout() -> Stdout {
    Stdout {
        inner: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
    }
}

impl Stdout {
    /// Writes a string.
    pub fn put(&mut self, s: &str) -> Result<()> {
        self.inner
            .write_all(s.as_bytes())
            .context("cannot write stdout")
    }

    /// Writes a string and a newline.
    pub fn line(&mut self, s: &str) -> Result<()> {
        self.put(s)?;
        self.put("\n")
    }

    /// Flushes: the last chance for an error (a full disk) to be seen.
    pub fn finish(mut self) -> Result<()> {
        self.inner.flush().context("cannot write stdout")
    }
}

/// Prints a whole text to stdout.
pub fn print(s: &str) -> Result<()> {
    let mut out = stdout();
    out.put(s)?;
    out.finish()
}

fn is_stdout(path: Option<&Path>) -> bool {
    match path {
        None => true,
        Some(p) => p == Path::new("-"),
    }
}

/// Refuses `-o` naming the input file (under any name: the same device and inode), before any
/// work is done.
pub fn refuse_same_file(input: Option<&Path>, output: Option<&Path>) -> Result<()> {
    let (Some(i), Some(o)) = (input, output) else {
        return Ok(());
    };
    if is_stdout(Some(i)) || is_stdout(Some(o)) {
        return Ok(());
    }
    if let (Ok(a), Ok(b)) = (fs::metadata(i), fs::metadata(o)) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if a.dev() == b.dev() && a.ino() == b.ino() && a.is_file() {
                bail!(
                    "the output {} is the input file: write somewhere else",
                    o.display()
                );
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (a, b);
            if fs::canonicalize(i).ok() == fs::canonicalize(o).ok() {
                bail!(
                    "the output {} is the input file: write somewhere else",
                    o.display()
                );
            }
        }
    }
    Ok(())
}

/// Checks, before any work, that an output path can be written: stdout, or a path whose
/// directory exists and which is not a directory, a block device or a socket.
pub fn check_writable(path: Option<&Path>) -> Result<()> {
    let Some(p) = path.filter(|p| !is_stdout(Some(p))) else {
        return Ok(());
    };
    match fs::metadata(p) {
        Ok(m) => kind_allowed(p, &m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let dir = parent_dir(p);
            if !dir.is_dir() {
                bail!(
                    "cannot write {}: the directory {} does not exist",
                    p.display(),
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("cannot write {}", p.display())),
    }
}

fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
fn kind_allowed(p: &Path, m: &fs::Metadata) -> Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        return Ok(());
    };
    bail!("refusing to write {}: it is {what}", p.display())
}

#[cfg(not(unix))]
fn kind_allowed(p: &Path, m: &fs::Metadata) -> Result<()> {
    if m.is_dir() {
        bail!("refusing to write {}: it is a directory", p.display());
    }
    Ok(())
}

/// Writes `bytes` to stdout (no path or `-`) or to a file by the rules of the module docs.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    let Some(p) = path.filter(|p| !is_stdout(Some(p))) else {
        let mut out = stdout();
        out.inner.write_all(bytes).context("cannot write stdout")?;
        return out.finish();
    };
    let what = || format!("cannot write {}", p.display());
    let meta = match fs::symlink_metadata(p) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(what),
    };
    let Some(meta) = meta else {
        return replace_atomically(p, None, bytes);
    };
    let meta = if meta.file_type().is_symlink() {
        let target = fs::metadata(p).with_context(|| {
            format!(
                "cannot write {}: it is a symbolic link to nothing that exists",
                p.display()
            )
        })?;
        if target.is_file() {
            // Replace the link's target, not the link.
            let real = fs::canonicalize(p).with_context(what)?;
            return write_output(Some(&real), bytes);
        }
        // A link to a device or a pipe (`/dev/stdout`): written through the link below.
        target
    } else {
        meta
    };
    kind_allowed(p, &meta)?;
    if meta.is_file() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if meta.nlink() > 1 {
                let mut f = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(p)
                    .with_context(what)?;
                f.write_all(bytes).with_context(what)?;
                return f.sync_all().with_context(what);
            }
        }
        return replace_atomically(p, Some(&meta), bytes);
    }
    // A character device or a FIFO: written directly, never replaced.
    let mut f = OpenOptions::new().write(true).open(p).with_context(what)?;
    f.write_all(bytes).with_context(what)?;
    f.flush().with_context(what)
}

/// Milliseconds to pause after the temporary file is written and before it is renamed: a hook
/// for the signal test only (`tests/hostile_cli.rs`), never set in normal use.
const PAUSE_ENV: &str = "EQINFO_TEST_PAUSE_BEFORE_RENAME_MS";

fn replace_atomically(p: &Path, existing: Option<&fs::Metadata>, bytes: &[u8]) -> Result<()> {
    let what = || format!("cannot write {}", p.display());
    let dir = parent_dir(p);
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{name}.");
    builder.prefix(&prefix).suffix(".eqinfo-tmp").rand_bytes(6);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0666: the kernel applies the umask, as for any new file.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let tmp = builder
        .tempfile_in(&dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let guard = signals::TempGuard::new(tmp.path());
    let mut file: &File = tmp.as_file();
    if let Some(m) = existing {
        keep_mode_and_owner(file, m).with_context(what)?;
    }
    file.write_all(bytes).with_context(what)?;
    file.sync_all().with_context(what)?;
    if let Some(ms) = std::env::var(PAUSE_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    tmp.persist(p).map_err(|e| e.error).with_context(what)?;
    drop(guard);
    // The rename is durable once the directory is synced (best effort: not every file system
    // lets a directory be opened or synced).
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn keep_mode_and_owner(file: &File, m: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // The owner first (chown may clear set-id bits), where permitted: root keeps another
    // user's file theirs; anyone else cannot give a file away, and keeps their own.
    let _ = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()));
    file.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))
}

#[cfg(not(unix))]
fn keep_mode_and_owner(file: &File, m: &fs::Metadata) -> io::Result<()> {
    file.set_permissions(m.permissions())
}

#[cfg(unix)]
mod signals {
    //! Removes the temporary file when SIGINT, SIGTERM or SIGHUP arrives during a write, then
    //! dies of the signal as if no handler had been installed. The handler only calls
    //! async-signal-safe functions (`unlink`, `signal`, `raise`).
    use std::ffi::CString;
    use std::path::Path;
    use std::sync::atomic::{AtomicPtr, Ordering};

    static TEMP: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    extern "C" fn on_signal(sig: libc::c_int) {
        let p = TEMP.swap(std::ptr::null_mut(), Ordering::SeqCst);
        // SAFETY: `p` is null or a CString leaked by `TempGuard::new` and not freed (whoever
        // swaps it out owns it); unlink, signal and raise are async-signal-safe.
        unsafe {
            if !p.is_null() {
                libc::unlink(p);
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    /// While alive, a signal removes the file at the path.
    pub struct TempGuard {
        old: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl TempGuard {
        pub fn new(path: &Path) -> TempGuard {
            use std::os::unix::ffi::OsStrExt;
            let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
                return TempGuard { old: Vec::new() };
            };
            let prev = TEMP.swap(c.into_raw(), Ordering::SeqCst);
            if !prev.is_null() {
                // SAFETY: a pointer from `into_raw` that no one else holds any more.
                drop(unsafe { CString::from_raw(prev) });
            }
            let mut old = Vec::new();
            for sig in SIGNALS {
                // SAFETY: plain sigaction calls with zero-initialised structs; the handler is
                // an `extern "C" fn(c_int)`.
                unsafe {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = on_signal as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut act.sa_mask);
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &act, &mut prev) == 0 {
                        old.push((sig, prev));
                    }
                }
            }
            TempGuard { old }
        }
    }

    impl Drop for TempGuard {
        fn drop(&mut self) {
            let p = TEMP.swap(std::ptr::null_mut(), Ordering::SeqCst);
            for (sig, prev) in &self.old {
                // SAFETY: restores the action saved in `new`.
                unsafe {
                    libc::sigaction(*sig, prev, std::ptr::null_mut());
                }
            }
            if !p.is_null() {
                // SAFETY: swapped out of TEMP, so the handler can no longer see it.
                drop(unsafe { CString::from_raw(p) });
            }
        }
    }
}

#[cfg(not(unix))]
mod signals {
    pub struct TempGuard;
    impl TempGuard {
        pub fn new(_: &std::path::Path) -> TempGuard {
            TempGuard
        }
    }
}
