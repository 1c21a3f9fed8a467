//! The worker threads a model steps its lanes on: one rayon pool per model, built once by
//! `set_threads` and kept between steps (a step hands its lane groups to threads that are
//! already running, instead of spawning threads every step).
//!
//! ## Priority
//! [`set_worker_nice`] gives the pools built after it a lower scheduling priority (a Unix nice
//! value for each worker thread). The desktop app sets it so that a batch that keeps every core
//! busy leaves the UI thread, at normal priority, first claim on a core whenever it has a
//! frame to draw; the CLI leaves it at 0 (normal). Priority changes only when a thread runs,
//! never what it computes.

use std::sync::atomic::{AtomicI32, Ordering};

/// The nice value the desktop app gives worker threads (10: a nice-0 thread that wants the CPU
/// gets about nine tenths of it against such a thread).
pub const GUI_WORKER_NICE: i32 = 10;

static WORKER_NICE: AtomicI32 = AtomicI32::new(0);

/// Sets the nice value (0 to 19; higher is lower priority) of the worker threads of pools built
/// from now on. Linux only (elsewhere it is recorded and ignored).
pub fn set_worker_nice(nice: i32) {
    WORKER_NICE.store(nice.clamp(0, 19), Ordering::Relaxed);
}

/// The nice value new worker threads get.
pub fn worker_nice() -> i32 {
    WORKER_NICE.load(Ordering::Relaxed)
}

/// A pool of `threads` worker threads named `eqinfo-lanes-N`, at [`worker_nice`].
pub(crate) fn build(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    let nice = worker_nice();
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("eqinfo-lanes-{i}"))
        .start_handler(move |_| lower_this_thread(nice))
        .build()
}

/// Gives the calling thread the nice value `nice` (Linux: per thread; a failure, e.g. no
/// permission, leaves it as it was).
fn lower_this_thread(nice: i32) {
    if nice <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take plain integers and touch no memory of ours.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }
}
