//! The model worker: one thread that owns the app's model and runs analyses, Compare rows and
//! model loads. Each [`Job`] carries the [`TaskHandle`] its answer goes to, so the UI holds one
//! [`Task`](crate::app::tasks::Task) per request and never waits on the model. A newer job of a kind
//! supersedes an older one still queued, and the UI cancels (drops) the task of the one running,
//! so stale work stops early. An analysis's task stays open while its decode checks run, a batch
//! of windows at a time while no job waits, and gets each checked version of the analysis.

use crate::app::model_source::{LoadedModel, ModelLoader};
use crate::app::tasks::TaskHandle;
use crate::live::{
    analyse_quick, check_some, compare_row, segmenter_row, Analysis, CompareRow, SegmenterRow,
};
use crate::method::Config;
use crate::model::open::ModelSpec;
use crate::model::ByteModel;
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

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

/// The answer to a model load.
pub type ModelReply = TaskHandle<(), Result<ModelLoaded, String>>;
/// The answers to an analysis: the quick one, then each checked version.
pub type AnalysisReply = TaskHandle<(), Result<Arc<Analysis>, String>>;
/// The answer to a Compare job: one result per configuration.
pub type CompareReply = TaskHandle<(), Vec<Result<CompareRow, String>>>;
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
    /// Compute the Compare tab's rows.
    Compare {
        /// The text.
        text: Arc<Vec<u8>>,
        /// One row per configuration.
        configs: Vec<Config>,
        /// Where the answer goes.
        reply: CompareReply,
    },
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
            .spawn(move || worker_loop(init, loader, jobs_rx, first));
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
    generation: u64,
    cache: Option<Arc<Analysis>>,
    /// The request whose analysis (the cache) still has decode checks pending.
    checking: Option<AnalysisReply>,
}

impl State {
    fn set_model(&mut self, model: Box<dyn ByteModel>) {
        self.model = model;
        self.generation += 1;
        self.cache = None;
        self.checking = None;
    }
}

/// Windows checked per batch while no job waits (a new job waits at most one batch).
const CHECK_BATCH: usize = 24;

fn worker_loop(init: Init, loader: ModelLoader, jobs: Receiver<Job>, first: ModelReply) {
    let (model, note) = init();
    let mut st = State {
        model: model.model,
        generation: 1,
        cache: None,
        checking: None,
    };
    first.send(Ok(ModelLoaded {
        name: model.name,
        note,
        remember: None,
    }));
    drop(first);
    loop {
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
            configs,
            reply,
        }) = compare_job
        {
            let mut rows = Vec::with_capacity(configs.len());
            for c in &configs {
                if reply.is_cancelled() {
                    break;
                }
                rows.push(
                    compare_row(&text, c, st.model.as_mut(), reply.cancel_flag())
                        .map_err(|e| e.to_string()),
                );
            }
            if !reply.is_cancelled() {
                reply.send(rows);
            }
        }
        if let Some(Job::Segments { text, specs, reply }) = segments_job {
            segments(&mut st, &text, &specs, &reply);
        }
    }
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
    let prev = st.cache.clone();
    let result = analyse_quick(
        text,
        config,
        st.model.as_mut(),
        st.generation,
        prev.as_deref(),
        reply.cancel_flag(),
    );
    match result {
        Ok(a) => {
            let a = Arc::new(a);
            st.cache = Some(a.clone());
            let more = a.unchecked() > 0;
            if reply.send(Ok(a)) && more {
                st.checking = Some(reply);
            }
        }
        Err(crate::Error::Cancelled) => {}
        Err(e) => {
            reply.send(Err(e.to_string()));
        }
    }
}

/// One batch of decode checks of the shown analysis; the request's task ends with the last.
fn check_step(st: &mut State) {
    let (Some(a), Some(reply)) = (st.cache.clone(), st.checking.take()) else {
        return;
    };
    if reply.is_cancelled() {
        return;
    }
    match check_some(&a, st.model.as_mut(), CHECK_BATCH) {
        Ok(Some(checked)) => {
            let checked = Arc::new(checked);
            st.cache = Some(checked.clone());
            let more = checked.unchecked() > 0;
            if reply.send(Ok(checked)) && more {
                st.checking = Some(reply);
            }
        }
        Ok(None) => {}
        Err(e) => {
            reply.send(Err(format!("decode check failed: {e}")));
        }
    }
}
