//! The CLI's progress bars: bytes done of bytes in all, bytes per second and ETA, on stderr and
//! only when stderr is a terminal (never in a pipe, a log or `--json` output, which goes to
//! stdout anyway).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar of bytes (hidden when `quiet` or when stderr is not a terminal). Set its length when
/// the total is known; `{msg}` says what runs.
pub fn byte_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(0);
    b.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} \
             {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    b
}

/// A `(done, total)` progress callback that moves `bar`.
pub fn on_bytes(bar: &ProgressBar) -> impl Fn(usize, usize) + Sync + '_ {
    move |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    }
}
