//! The model worker: one thread that owns the app's model and runs analyses, Compare rows and
//! model loads. Each [`Job`] carries the [`TaskHandle`] its answer goes to, so the UI holds one
//! [`Task`](crate::app::tasks::Task) per request and never waits on the model. A newer job of a kind
//! supersedes an older one still queued, and the UI cancels (drops) the task of the one running,
//! so stale work stops early. An analysis's task stays open while its decode checks run, a batch
//! of windows at a time while no job waits, and gets each checked version of the analysis.

use crate::app::model_source::{LoadedModel, ModelLoader};
use crate::app::tasks::TaskHandle;
use crate::live::{
    analyse_quick_progress, analyse_quick_with, check_some_cancellable, compare_rows,
    segmenter_row, view_prefix, Analysis, CompareJob, CompareMsg, SegmenterRow,
};
use crate::method::Config;
use crate::model::open::ModelSpec;
use crate::model::ByteModel;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a model load answers: the model's name, a note for the user, and the model path the
/// settings should remember (None: leave them as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLoaded {
    /// How the UI names the model.
    pub name: String,
    /// Why it is not the model asked for, or another note.
    pub note: Option<String>,
    /// The path to persist (`Some(None)`: the default model).
    pub remember: Option<Option<String>>,
}

/// How far a piece of the worker's work is: the UI shows it with an estimate of the time left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkProgress {
    /// What is under way ("encoding", "checking windows", "row 2 of 6: encoding").
    pub phase: String,
    /// Units done (bytes encoded, windows checked).
    pub done: usize,
    /// Units in the phase (0: unknown).
    pub total: usize,
    /// When the phase started (None: nothing reported yet).
    pub since: Option<Instant>,
}

impl WorkProgress {
    /// Starts a phase of `total` units.
    pub fn start(&mut self, phase: impl Into<String>, total: usize) {
        self.phase = phase.into();
        self.done = 0;
        self.total = total;
        self.since = Some(Instant::now());
    }

    /// The fraction done, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        (self.total > 0).then(|| (self.done.min(self.total) as f64 / self.total as f64) as f32)
    }

    /// The time left at the rate so far (None until some work is done, or with no total).
    pub fn eta(&self) -> Option<Duration> {
        let since = self.since?;
        if self.total == 0 || self.done == 0 {
            return None;
        }
        let rate = self.done as f64 / since.elapsed().as_secs_f64().max(1e-6);
        Some(Duration::from_secs_f64(
            self.total.saturating_sub(self.done) as f64 / rate,
        ))
    }

    /// One line for the UI: "encoding 42% · about 3 s left".
    pub fn line(&self) -> String {
        let mut s = self.phase.clone();
        if let Some(f) = self.fraction() {
            s.push_str(&format!(" {:.0}%", f * 100.0));
        }
        match self.eta() {
            Some(eta) if eta.as_secs_f64() >= 0.5 => {
                s.push_str(&format!(" · about {} left", human_duration(eta)))
            }
            Some(_) => s.push_str(" · almost done"),
            None => s.push_str(" · estimating time left"),
        }
        s
    }
}

/// "3 s", "2 min 5 s", "1 h 4 min".
fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// The answer to a model load.
pub type ModelReply = TaskHandle<(), Result<ModelLoaded, String>>;
/// The answers to an analysis: the quick one, then each checked version.
pub type AnalysisReply = TaskHandle<WorkProgress, Result<Arc<Analysis>, String>>;
/// The bytes the axis shows, written by the UI each frame and read by the worker before each
/// piece of a row, so the examples in view are coded next.
#[derive(Debug, Default)]
pub struct ViewBytes {
    start: AtomicUsize,
    end: AtomicUsize,
}

impl ViewBytes {
    /// Sets the bytes in view.
    pub fn set(&self, bytes: Range<usize>) {
        self.start.store(bytes.start, Ordering::Relaxed);
        self.end.store(bytes.end, Ordering::Relaxed);
    }

    /// The bytes in view (0..0 before the axis was drawn).
    pub fn get(&self) -> Range<usize> {
        let s = self.start.load(Ordering::Relaxed);
        s..self.end.load(Ordering::Relaxed).max(s)
    }
}

/// How far one Compare row is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowProgress {
    /// Bytes coded.
    pub done: usize,
    /// Bytes in all.
    pub total: usize,
    /// Time spent on the row before its current stretch.
    pub busy: Duration,
    /// When its current stretch started (None: the worker is on another row).
    pub since: Option<Instant>,
}

impl RowProgress {
    /// Time spent on the row.
    pub fn elapsed(&self) -> Duration {
        self.busy + self.since.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// The time the rest of the row takes at its rate so far (None before anything is coded).
    pub fn eta(&self) -> Option<Duration> {
        if self.done == 0 || self.total == 0 {
            return None;
        }
        let per_byte = self.elapsed().as_secs_f64() / self.done as f64;
        Some(Duration::from_secs_f64(
            per_byte * self.total.saturating_sub(self.done) as f64,
        ))
    }

    /// "37% · 370 of 1,000 kB · about 12 s left".
    pub fn line(&self) -> String {
        let pct = if self.total > 0 {
            100.0 * self.done.min(self.total) as f64 / self.total as f64
        } else {
            0.0
        };
        let eta = match self.eta() {
            Some(e) if e.as_secs_f64() >= 0.5 => format!(" · about {} left", human_duration(e)),
            Some(_) => " · almost done".into(),
            None => " · estimating time left".into(),
        };
        format!(
            "{pct:.0}% · {} of {} bytes{eta}",
            self.done.min(self.total),
            self.total
        )
    }
}

/// How far a Compare job is: the whole job, and each row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareProgress {
    /// The whole job (bytes of all its rows).
    pub work: WorkProgress,
    /// Per row (the tab's row numbers; rows the job does not code stay at their default).
    pub rows: Vec<RowProgress>,
    current: Option<usize>,
}

impl CompareProgress {
    /// Row `row` has `done` of its `total` bytes coded.
    fn report(&mut self, row: usize, done: usize, total: usize) {
        if self.rows.len() <= row {
            self.rows.resize(row + 1, RowProgress::default());
        }
        if self.current != Some(row) {
            if let Some(c) = self.current.and_then(|c| self.rows.get_mut(c)) {
                if let Some(t) = c.since.take() {
                    c.busy += t.elapsed();
                }
            }
            self.rows[row].since = Some(Instant::now());
            self.current = Some(row);
        }
        let before = self.rows[row].done;
        self.rows[row].done = done;
        self.rows[row].total = total;
        self.work.done = (self.work.done + done).saturating_sub(before);
    }
}

/// The answers to a Compare job: each row's pieces and results as they come.
pub type CompareReply = TaskHandle<CompareProgress, CompareMsg>;
/// The answer to a Compare segmenters job: one result per segmenter spec.
pub type SegmentsReply = TaskHandle<(), Vec<Result<SegmenterRow, String>>>;

/// Work for the worker.
pub enum Job {
    /// Load a model (replacing the current one when it loads).
    LoadModel {
        /// Which.
        spec: ModelSpec,
        /// The device (`cpu`, `cuda:0`, `metal:0`).
        device: String,
        /// Where the answer goes.
        reply: ModelReply,
    },
    /// Analyse a text for the live view.
    Analyse {
        /// The text.
        text: Arc<Vec<u8>>,
        /// The configuration.
        config: Config,
        /// Where the answers go (and whose cancel flag stops the work).
        reply: AnalysisReply,
    },
    /// Step the model's lanes on this many CPU threads (0 = every core), now and for every
    /// model loaded later.
    SetThreads(usize),
    /// Compute the Compare tab's rows.
    Compare {
        /// The text.
        text: Arc<Vec<u8>>,
        /// The rows to code: the tab's row number and its configuration.
        rows: Vec<(usize, Config)>,
        /// How many rows the tab has.
        of: usize,
        /// The bytes the tab shows (their examples are coded first).
        view: Arc<ViewBytes>,
        /// Where the answers go.
        reply: CompareReply,
    },
    /// Nothing but a wake-up: the shown analysis was asked for a window's distributions
    /// ([`crate::live::DistRequests`]), which the worker answers before anything else.
    Wake,
    /// Compute the Compare tab's segmenter rows.
    Segments {
        /// The text.
        text: Arc<Vec<u8>>,
        /// One row per segmenter spec (the `-c` syntax, as typed).
        specs: Vec<String>,
        /// Where the answer goes.
        reply: SegmentsReply,
    },
}

/// The UI's handle on the worker thread.
pub struct Worker {
    jobs: Sender<Job>,
}

/// Chooses the first model on the worker thread (loading it can be slow).
pub type Init = Box<dyn FnOnce() -> (LoadedModel, Option<String>) + Send>;

impl Worker {
    /// Starts the worker; `init` chooses the first model and its answer goes to `first`.
    pub fn spawn(init: Init, loader: ModelLoader, first: ModelReply) -> Worker {
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let started = std::thread::Builder::new()
            .name("eqinfo-worker".into())
            .spawn({
                let wake_tx = jobs_tx.clone();
                move || worker_loop(init, loader, jobs_rx, first, wake_tx)
            });
        if started.is_err() {
            // The closure and `first` with it are gone: the first model task ends without an
            // answer, which the app shows as a model error; later jobs are dropped.
            return Worker { jobs: channel().0 };
        }
        Worker { jobs: jobs_tx }
    }

    /// Queues a job (dropped, and its task finished without an answer, when the worker is gone).
    pub fn send(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

struct State {
    model: Box<dyn ByteModel>,
    /// The thread setting every model gets.
    threads: usize,
    generation: u64,
    cache: Option<Arc<Analysis>>,
    /// The request whose analysis (the cache) still has decode checks pending.
    checking: Option<AnalysisReply>,
    /// Wakes the worker (a [`Job::Wake`]) when the shown analysis gets a request.
    wake: crate::live::Waker,
    /// When the UI last got a checked version of the analysis.
    last_check_sent: Option<Instant>,
}

impl State {
    /// The analysis the UI is shown, whose distribution requests this worker answers.
    fn set_cache(&mut self, a: Arc<Analysis>) {
        a.dist_requests.set_server(self.wake.clone());
        self.cache = Some(a);
    }

    /// Answers the shown analysis's requests for window distributions.
    fn serve_dists(&mut self) {
        if let Some(a) = self.cache.clone() {
            a.dist_requests.serve(&a, self.model.as_mut());
        }
    }

    fn set_model(&mut self, model: Box<dyn ByteModel>) {
        self.model = model;
        self.model
            .set_threads(crate::model::thread_count(self.threads));
        self.generation += 1;
        self.cache = None;
        self.checking = None;
    }
}

/// Windows checked per batch while no job waits (a new job waits at most one batch).
const CHECK_BATCH: usize = 24;

/// The UI gets a checked version of the analysis at most this often (and the last one).
const CHECK_SEND_EVERY: Duration = Duration::from_millis(300);

fn worker_loop(
    init: Init,
    loader: ModelLoader,
    jobs: Receiver<Job>,
    first: ModelReply,
    wake_tx: Sender<Job>,
) {
    let (mut model, note) = init();
    model.model.set_threads(crate::model::thread_count(0));
    let wake_tx = std::sync::Mutex::new(wake_tx);
    let mut st = State {
        model: model.model,
        threads: 0,
        generation: 1,
        cache: None,
        checking: None,
        last_check_sent: None,
        wake: Arc::new(move || {
            if let Ok(tx) = wake_tx.lock() {
                let _ = tx.send(Job::Wake);
            }
        }),
    };
    first.send(Ok(ModelLoaded {
        name: model.name,
        note,
        remember: None,
    }));
    drop(first);
    loop {
        // A window's distributions for the view come before everything else (a few rows).
        st.serve_dists();
        let first_job = if st.checking.is_some() {
            match jobs.try_recv() {
                Ok(j) => j,
                Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => {
                    check_step(&mut st);
                    continue;
                }
            }
        } else {
            let Ok(j) = jobs.recv() else { return };
            j
        };
        // Coalesce: keep the newest job of each kind, in the order models, analysis, compare.
        let mut model_job = None;
        let mut analyse_job = None;
        let mut compare_job = None;
        let mut segments_job = None;
        let mut pending = vec![first_job];
        while let Ok(j) = jobs.try_recv() {
            pending.push(j);
        }
        for j in pending {
            match j {
                j @ Job::LoadModel { .. } => model_job = Some(j),
                j @ Job::Analyse { .. } => analyse_job = Some(j),
                j @ Job::Compare { .. } => compare_job = Some(j),
                j @ Job::Segments { .. } => segments_job = Some(j),
                Job::Wake => {}
                Job::SetThreads(n) => {
                    // Lane results do not depend on the thread count: nothing is recomputed.
                    st.threads = n;
                    st.model.set_threads(crate::model::thread_count(n));
                }
            }
        }
        if let Some(Job::LoadModel {
            spec,
            device,
            reply,
        }) = model_job
        {
            let answer = loader(&spec, &device).map(|m| {
                st.set_model(m.model);
                let remember = match &spec {
                    ModelSpec::Path(p) => Some(p.display().to_string()),
                    _ => None,
                };
                ModelLoaded {
                    name: m.name,
                    note: m.note,
                    remember: Some(remember),
                }
            });
            reply.send(answer);
        }
        if let Some(Job::Analyse {
            text,
            config,
            reply,
        }) = analyse_job
        {
            analyse(&mut st, text, &config, reply);
        }
        if let Some(Job::Compare {
            text,
            rows,
            of,
            view,
            reply,
        }) = compare_job
        {
            compare(&mut st, &text, (&rows, of), &view, &reply);
        }
        if let Some(Job::Segments { text, specs, reply }) = segments_job {
            segments(&mut st, &text, &specs, &reply);
        }
    }
}

/// The Compare rows, sent as they come ([`compare_rows`]: the examples in view first).
fn compare(
    st: &mut State,
    text: &[u8],
    (rows, of): (&[(usize, Config)], usize),
    view: &ViewBytes,
    reply: &CompareReply,
) {
    if reply.is_cancelled() {
        return;
    }
    reply.update(|p| {
        p.work.start("Compare rows", text.len() * rows.len());
    });
    let names: Vec<(usize, String)> = rows.iter().map(|(k, c)| (*k, c.label())).collect();
    let progress = |row: usize, done: usize, total: usize| {
        reply.update(|p| {
            p.report(row, done, total);
            if let Some((_, name)) = names.iter().find(|(k, _)| *k == row) {
                p.work.phase = format!("row {} of {of}: {name}", row + 1);
            }
        })
    };
    let get_view = || view.get();
    let job = CompareJob {
        text,
        rows,
        cancel: reply.cancel_flag(),
        view: &get_view,
        progress: &progress,
    };
    // Cancelled or finished: the task ends when the reply is dropped.
    let _ = compare_rows(&job, st.model.as_mut(), &mut |m| reply.send(m));
}

/// The segmenter rows of Compare, one result per spec (a bad spec is that row's error).
fn segments(st: &mut State, text: &[u8], specs: &[String], reply: &SegmentsReply) {
    let mut rows = Vec::with_capacity(specs.len());
    for spec in specs {
        if reply.is_cancelled() {
            return;
        }
        rows.push(
            segmenter_row(text, spec, st.model.as_mut(), reply.cancel_flag())
                .map_err(|e| e.to_string()),
        );
    }
    if !reply.is_cancelled() {
        reply.send(rows);
    }
}

fn analyse(st: &mut State, text: Arc<Vec<u8>>, config: &Config, reply: AnalysisReply) {
    st.checking = None;
    if reply.is_cancelled() {
        return;
    }
    let mut prev = st.cache.clone();
    let progress = |done: usize, total: usize| {
        if total > 0 {
            reply.update(|p| {
                if p.total != total {
                    p.start(p.phase.clone(), total);
                }
                p.done = done;
            });
        }
    };
    // A long text new to the cache: its first examples (where the view is) first.
    let fresh = prev.as_deref().is_none_or(|p| {
        p.config != *config
            || p.model_generation != st.generation
            || p.text.get(..VIEW_FIRST) != text.get(..VIEW_FIRST)
    });
    if let Some(n) = view_prefix(text.len(), config).filter(|_| fresh) {
        reply.update(|p| p.start(format!("encoding the first {n} bytes"), 0));
        let head = Arc::new(text[..n].to_vec());
        let result = analyse_quick_progress(
            head,
            config,
            st.model.as_mut(),
            st.generation,
            prev.as_deref(),
            reply.cancel_flag(),
            Some(&progress),
        );
        match result {
            Ok(mut a) => {
                a.full_len = text.len();
                let a = Arc::new(a);
                st.set_cache(a.clone());
                if !reply.send(Ok(a.clone())) {
                    return;
                }
                prev = Some(a);
            }
            Err(crate::Error::Cancelled) => return,
            Err(e) => {
                reply.send(Err(e.to_string()));
                return;
            }
        }
    }
    reply.update(|p| p.start("encoding", 0));
    // While a long text is encoded the view shows the analysis before it (its first examples,
    // or the text before the edit): its requests for distributions are answered in between.
    let shown = st.cache.clone();
    let mut serve = |m: &mut dyn ByteModel| {
        if let Some(a) = &shown {
            a.dist_requests.serve(a, m);
        }
    };
    let result = analyse_quick_with(
        text,
        config,
        st.model.as_mut(),
        st.generation,
        prev.as_deref(),
        reply.cancel_flag(),
        Some(&progress),
        Some(&mut serve),
    );
    match result {
        Ok(a) => {
            let a = Arc::new(a);
            st.set_cache(a.clone());
            let more = a.unchecked();
            if more > 0 {
                reply.update(|p| p.start("checking windows", more));
            }
            if reply.send(Ok(a)) && more > 0 {
                st.checking = Some(reply);
            }
        }
        Err(crate::Error::Cancelled) => {}
        Err(e) => {
            reply.send(Err(e.to_string()));
        }
    }
}

/// Bytes compared to tell an edit of the cached text from a new text.
const VIEW_FIRST: usize = 64;

/// One batch of decode checks of the shown analysis; the request's task ends with the last.
fn check_step(st: &mut State) {
    let (Some(a), Some(reply)) = (st.cache.clone(), st.checking.take()) else {
        return;
    };
    if reply.is_cancelled() {
        return;
    }
    match check_some_cancellable(
        &a,
        st.model.as_mut(),
        CHECK_BATCH,
        Some(reply.cancel_flag()),
    ) {
        Ok(Some(checked)) => {
            let checked = Arc::new(checked);
            st.set_cache(checked.clone());
            let more = checked.unchecked();
            reply.update(|p| p.done = p.total.saturating_sub(more));
            // Each checked version is a whole copy of the analysis (tens of MB for a megabyte
            // text): the UI gets one at most every CHECK_SEND_EVERY (and the last), so that
            // versions never pile up in its queue faster than it takes them.
            let due = st
                .last_check_sent
                .is_none_or(|t| t.elapsed() >= CHECK_SEND_EVERY);
            let alive = if more == 0 || due {
                st.last_check_sent = Some(Instant::now());
                reply.send(Ok(checked))
            } else {
                !reply.is_cancelled()
            };
            if alive && more > 0 {
                st.checking = Some(reply);
            }
        }
        Ok(None) | Err(crate::Error::Cancelled) => {}
        Err(e) => {
            reply.send(Err(format!("decode check failed: {e}")));
        }
    }
}
