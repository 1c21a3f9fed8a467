//! The one background-task type of the GUI: a named piece of work off the UI thread with a
//! cancel flag, a progress value the UI reads each frame, and a channel of results, polled
//! without waiting (after rerun's `background_tasks.rs`: named, polled promises).
//!
//! A [`Task`] is the UI's end; its [`TaskHandle`] is the worker's end. [`Task::spawn`] runs a
//! closure on a thread of its own and sends what it returns; [`Task::channel`] makes the pair for
//! work that runs elsewhere (the model worker's thread answers through the handle it is given).
//! A task may send several results (a quick analysis, then its checked versions); it is finished
//! when every handle is gone. Dropping a task raises its cancel flag, so work nobody waits for
//! stops early; a handle whose task is gone sends into the void and is told so.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Wakes the UI (egui's `request_repaint`) when a result or new progress arrives.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The UI's end of a background task.
pub struct Task<P, R> {
    name: String,
    cancel: Arc<AtomicBool>,
    progress: Arc<Mutex<P>>,
    rx: Receiver<R>,
    started: Instant,
    cancel_requested: Option<Instant>,
    finished: bool,
    received: usize,
}

/// The worker's end of a task: its cancel flag, its progress and its result channel.
pub struct TaskHandle<P, R> {
    cancel: Arc<AtomicBool>,
    progress: Arc<Mutex<P>>,
    tx: Sender<R>,
    wake: Wake,
    last_wake: Mutex<Option<Instant>>,
}

/// Shortest interval between two progress repaints a handle asks for.
const PROGRESS_REPAINT: Duration = Duration::from_millis(33);

impl<P, R> Task<P, R> {
    /// A task and its handle, for work that runs on a thread the caller owns.
    pub fn channel(name: &str, progress: P, wake: Wake) -> (Task<P, R>, TaskHandle<P, R>) {
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Arc::new(Mutex::new(progress));
        let (tx, rx) = channel();
        let task = Task {
            name: name.to_string(),
            cancel: cancel.clone(),
            progress: progress.clone(),
            rx,
            started: Instant::now(),
            cancel_requested: None,
            finished: false,
            received: 0,
        };
        let handle = TaskHandle {
            cancel,
            progress,
            tx,
            wake,
            last_wake: Mutex::new(None),
        };
        (task, handle)
    }

    /// Runs `work` on a new thread named `eqinfo-{name}`; what it returns is the task's result.
    /// Errors when the thread cannot start (in words, for the UI).
    pub fn spawn(
        name: &str,
        progress: P,
        wake: Wake,
        work: impl FnOnce(&TaskHandle<P, R>) -> R + Send + 'static,
    ) -> Result<Task<P, R>, String>
    where
        P: Send + 'static,
        R: Send + 'static,
    {
        let (task, handle) = Task::channel(name, progress, wake);
        std::thread::Builder::new()
            .name(format!("eqinfo-{name}"))
            .spawn(move || {
                let result = work(&handle);
                handle.send(result);
            })
            .map_err(|e| format!("cannot start the {name} thread: {e}"))?;
        Ok(task)
    }

    /// The results that arrived since the last poll (never waits). After the last handle is
    /// gone, [`Task::is_finished`] holds.
    pub fn poll(&mut self) -> Vec<R> {
        let mut out = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(r) => {
                    self.received += 1;
                    out.push(r);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.finished = true;
                    break;
                }
            }
        }
        out
    }

    /// How many results have been polled so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// True once the work is over and every result was polled.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Asks the work to stop (it checks the flag between steps).
    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
        self.cancel_requested.get_or_insert_with(Instant::now);
    }

    /// When [`Task::cancel`] was first called.
    pub fn cancel_requested(&self) -> Option<Instant> {
        self.cancel_requested
    }

    /// Time since the task started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the progress (a poisoned lock reads as the value it holds).
    pub fn with_progress<T>(&self, read: impl FnOnce(&P) -> T) -> T {
        match self.progress.lock() {
            Ok(g) => read(&g),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }
}

impl<P, R> Drop for Task<P, R> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl<P, R> Drop for TaskHandle<P, R> {
    fn drop(&mut self) {
        // The UI learns that the task is over on its next poll: make sure one comes.
        (self.wake)();
    }
}

impl<P, R> TaskHandle<P, R> {
    /// True once the task was cancelled or dropped.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The cancel flag, for library calls that take one.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Sends a result and wakes the UI; false when the task is gone (nobody will read it).
    pub fn send(&self, result: R) -> bool {
        let ok = self.tx.send(result).is_ok();
        (self.wake)();
        ok
    }

    /// Reads the progress.
    pub fn read<T>(&self, read: impl FnOnce(&P) -> T) -> T {
        match self.progress.lock() {
            Ok(g) => read(&g),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }

    /// Updates the progress and wakes the UI, at most every 33 ms.
    pub fn update(&self, change: impl FnOnce(&mut P)) {
        if let Ok(mut g) = self.progress.lock() {
            change(&mut g);
        }
        let due = match self.last_wake.lock() {
            Ok(mut last) => {
                let due = last.is_none_or(|t| t.elapsed() >= PROGRESS_REPAINT);
                if due {
                    *last = Some(Instant::now());
                }
                due
            }
            Err(_) => true,
        };
        if due {
            (self.wake)();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_wake() -> Wake {
        Arc::new(|| {})
    }

    fn wait<P, R>(t: &mut Task<P, R>) -> Vec<R> {
        let start = Instant::now();
        let mut out = Vec::new();
        while !t.is_finished() {
            out.extend(t.poll());
            assert!(start.elapsed() < Duration::from_secs(10), "task hung");
            std::thread::sleep(Duration::from_millis(1));
        }
        out
    }

    #[test]
    fn a_spawned_task_reports_progress_and_its_result() {
        let mut t = Task::spawn("test", 0usize, no_wake(), |h| {
            for i in 1..=3 {
                h.update(|p| *p = i);
            }
            "done"
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wait(&mut t), vec!["done"]);
        assert_eq!(t.with_progress(|p| *p), 3);
    }

    #[test]
    fn cancel_reaches_the_work_and_dropping_cancels() {
        let (mut t, h) = Task::<(), u32>::channel("c", (), no_wake());
        assert!(!h.is_cancelled());
        t.cancel();
        assert!(h.is_cancelled() && t.cancel_requested().is_some());
        let (t2, h2) = Task::<(), u32>::channel("d", (), no_wake());
        drop(t2);
        assert!(h2.is_cancelled());
        assert!(!h2.send(1), "a dropped task receives nothing");
    }

    #[test]
    fn a_channel_task_streams_results_until_its_handle_is_gone() {
        let (mut t, h) = Task::<(), u32>::channel("s", (), no_wake());
        assert!(h.send(1) && h.send(2));
        assert_eq!(t.poll(), vec![1, 2]);
        assert!(!t.is_finished());
        drop(h);
        assert!(t.poll().is_empty());
        assert!(t.is_finished());
    }
}
