//! The background worker: one thread that owns the model and runs analyses, compare rows and
//! model loads. The UI sends [`Job`]s and polls [`Reply`]s; it never waits on the model. A newer
//! job of a kind supersedes an older one still queued, and the UI raises the cancel flag of the
//! one running, so stale work stops early.

use super::model_source::{LoadedModel, ModelLoader};
use crate::live::{analyse_quick, check_some, compare_row, Analysis, CompareRow};
use crate::method::Config;
use crate::model::ByteModel;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

/// Work for the worker.
pub enum Job {
    /// Load a model (replacing the current one when it loads).
    LoadModel {
        /// Where (None: the shipped sample model).
        path: Option<PathBuf>,
        /// The device (`cpu`, `cuda:0`, `metal:0`).
        device: String,
    },
    /// Use this model.
    SetModel(LoadedModel),
    /// Analyse a text for the live view.
    Analyse {
        /// Identifies the request (replies carry it back).
        generation: u64,
        /// The text.
        text: Arc<Vec<u8>>,
        /// The configuration.
        config: Config,
        /// Raised when the request goes stale.
        cancel: Arc<AtomicBool>,
    },
    /// Compute the Compare tab's rows.
    Compare {
        /// Identifies the request.
        generation: u64,
        /// The text.
        text: Arc<Vec<u8>>,
        /// One row per configuration.
        configs: Vec<Config>,
        /// Raised when the request goes stale.
        cancel: Arc<AtomicBool>,
    },
}

/// What the worker sends back.
pub enum Reply {
    /// A model was loaded (its name and generation) or failed to load (the error in words).
    Model(Result<(String, u64), String>),
    /// A note for the user (e.g. why the default model was not the sample M1).
    Notice(String),
    /// A live analysis finished (or failed, with the error in words).
    Analysis {
        /// The request's generation.
        generation: u64,
        /// The result.
        result: Result<Arc<Analysis>, String>,
    },
    /// The Compare rows.
    Compare {
        /// The request's generation.
        generation: u64,
        /// One result per configuration.
        rows: Vec<Result<CompareRow, String>>,
    },
}

/// The UI's handle on the worker thread.
pub struct Worker {
    jobs: Sender<Job>,
    replies: Receiver<Reply>,
}

impl Worker {
    /// Starts the worker with a model; `wake` is called after every reply (request_repaint).
    /// `init` runs on the worker thread and chooses the first model (loading it can be slow).
    pub fn spawn(
        init: Box<dyn FnOnce() -> (LoadedModel, Option<String>) + Send>,
        loader: ModelLoader,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Worker {
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let (reply_tx, reply_rx) = channel::<Reply>();
        let spawned = std::thread::Builder::new()
            .name("eqinfo-worker".into())
            .spawn(move || worker_loop(init, loader, jobs_rx, reply_tx, wake));
        if let Err(e) = spawned {
            // No thread: every reply says so (the UI shows it).
            let (tx, rx) = channel();
            let _ = tx.send(Reply::Model(Err(format!(
                "cannot start the worker thread: {e}"
            ))));
            return Worker {
                jobs: channel().0,
                replies: rx,
            };
        }
        Worker {
            jobs: jobs_tx,
            replies: reply_rx,
        }
    }

    /// Queues a job (ignored when the worker is gone).
    pub fn send(&self, job: Job) {
        let _ = self.jobs.send(job);
    }

    /// The next reply, if any.
    pub fn try_recv(&self) -> Option<Reply> {
        self.replies.try_recv().ok()
    }

    /// Waits up to `timeout` for a reply (tests and benches only; the UI never waits).
    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<Reply> {
        self.replies.recv_timeout(timeout).ok()
    }
}

struct State {
    model: Box<dyn ByteModel>,
    generation: u64,
    cache: Option<Arc<Analysis>>,
    /// The request whose analysis (the cache) still has decode checks pending.
    checking: Option<u64>,
}

/// Windows checked per batch while no job waits (a new job waits at most one batch).
const CHECK_BATCH: usize = 24;

fn worker_loop(
    init: Box<dyn FnOnce() -> (LoadedModel, Option<String>) + Send>,
    loader: ModelLoader,
    jobs: Receiver<Job>,
    replies: Sender<Reply>,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let (model, note) = init();
    let mut st = State {
        model: model.model,
        generation: 1,
        cache: None,
        checking: None,
    };
    let send = |r: Reply| {
        let ok = replies.send(r).is_ok();
        wake();
        ok
    };
    if !send(Reply::Model(Ok((model.name, st.generation)))) {
        return;
    }
    if let Some(n) = note {
        if !send(Reply::Notice(n)) {
            return;
        }
    }
    loop {
        let first = if let Some(generation) = st.checking {
            // Decode checks of the shown analysis run while no job waits, a batch at a time.
            match jobs.try_recv() {
                Ok(j) => j,
                Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => {
                    let Some(a) = st.cache.clone() else {
                        st.checking = None;
                        continue;
                    };
                    let result = match check_some(&a, st.model.as_mut(), CHECK_BATCH) {
                        Ok(Some(checked)) => {
                            let checked = Arc::new(checked);
                            st.cache = Some(checked.clone());
                            if checked.unchecked() == 0 {
                                st.checking = None;
                            }
                            Ok(checked)
                        }
                        Ok(None) => {
                            st.checking = None;
                            continue;
                        }
                        Err(e) => {
                            st.checking = None;
                            Err(format!("decode check failed: {e}"))
                        }
                    };
                    if !send(Reply::Analysis { generation, result }) {
                        return;
                    }
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
        let mut pending = vec![first];
        loop {
            match jobs.try_recv() {
                Ok(j) => pending.push(j),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if pending.is_empty() {
                        return;
                    }
                    break;
                }
            }
        }
        for j in pending {
            match j {
                j @ (Job::LoadModel { .. } | Job::SetModel(_)) => model_job = Some(j),
                j @ Job::Analyse { .. } => analyse_job = Some(j),
                j @ Job::Compare { .. } => compare_job = Some(j),
            }
        }
        if let Some(j) = model_job {
            let reply = match j {
                Job::LoadModel { path, device } => match loader(path.as_deref(), &device) {
                    Ok(m) => {
                        st.model = m;
                        st.generation += 1;
                        st.cache = None;
                        st.checking = None;
                        let name = match &path {
                            Some(p) => format!("{} ({device})", p.display()),
                            None => format!("sample M1 ({device})"),
                        };
                        Ok((name, st.generation))
                    }
                    Err(e) => Err(e),
                },
                Job::SetModel(m) => {
                    st.model = m.model;
                    st.generation += 1;
                    st.cache = None;
                    st.checking = None;
                    Ok((m.name, st.generation))
                }
                _ => Err("internal: not a model job".into()),
            };
            if !send(Reply::Model(reply)) {
                return;
            }
        }
        if let Some(Job::Analyse {
            generation,
            text,
            config,
            cancel,
        }) = analyse_job
        {
            if !cancel.load(Ordering::Relaxed) {
                let prev = st.cache.clone();
                st.checking = None;
                let result = analyse_quick(
                    text,
                    &config,
                    st.model.as_mut(),
                    st.generation,
                    prev.as_deref(),
                    &cancel,
                );
                let result = match result {
                    Ok(a) => {
                        let a = Arc::new(a);
                        if a.unchecked() > 0 {
                            st.checking = Some(generation);
                        }
                        st.cache = Some(a.clone());
                        Some(Ok(a))
                    }
                    Err(crate::Error::Cancelled) => None,
                    Err(e) => Some(Err(e.to_string())),
                };
                if let Some(result) = result {
                    if !send(Reply::Analysis { generation, result }) {
                        return;
                    }
                }
            }
        }
        if let Some(Job::Compare {
            generation,
            text,
            configs,
            cancel,
        }) = compare_job
        {
            let mut rows = Vec::with_capacity(configs.len());
            for c in &configs {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                rows.push(
                    compare_row(&text, c, st.model.as_mut(), &cancel).map_err(|e| e.to_string()),
                );
            }
            if !cancel.load(Ordering::Relaxed) && !send(Reply::Compare { generation, rows }) {
                return;
            }
        }
    }
}
