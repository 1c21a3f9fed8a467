//! The model's whole distributions of one window, on demand. The live analysis keeps per byte
//! only what the views draw every frame (probability, slot, rank, entropy, coder states: the
//! [`ByteTrace`](crate::method::ByteTrace)); the interval view and a byte's tooltip need all 256
//! probabilities of the bytes of one window, which [`window_dists`] recomputes by feeding the
//! window's context to the model again (from the last model reset, resumed from a saved lane
//! where there is one). The lane contract and [`ByteModel::feed_many`]'s bit-identity make
//! them exactly the distributions the coder used.
//!
//! [`DistRequests`] carries such requests from the UI to the thread that owns the model and
//! the answers back, without either waiting for the other.

use super::resume::Feeder;
use super::Analysis;
use crate::error::{Error, Result};
use crate::method::{MethodKind, RunOptions};
use crate::model::{ByteModel, Unigram, VOCAB};
use std::sync::{Arc, Mutex};

/// The distributions of one window's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowDists {
    /// The window (index in its analysis).
    pub window: usize,
    /// 256 values for each byte of the window, in order.
    pub dists: Vec<f32>,
    /// The distribution of the byte that did not fit and closed the window (EqualInfoAC).
    pub overflow: Option<Vec<f32>>,
}

impl WindowDists {
    /// The distribution of the window's byte `j`.
    pub fn of(&self, j: usize) -> Option<&[f32]> {
        self.dists.get(j * VOCAB..(j + 1) * VOCAB)
    }
}

/// Recomputes the distributions of window `w` of `a` with `model` (the analysis's model; for
/// StaticAC the unigram fitted on the text, as it was coded).
pub fn window_dists(a: &Analysis, w: usize, model: &mut dyn ByteModel) -> Result<WindowDists> {
    let win = a
        .windows
        .get(w)
        .ok_or_else(|| Error::BadParams(format!("no window {w}")))?;
    if !a.config.method.is_ac() {
        return Err(Error::BadParams(format!(
            "{} has no model distributions",
            a.config.label()
        )));
    }
    let len = win.rec.len;
    let overflow_at = match (&win.rec.overflow, a.config.method) {
        (Some(o), MethodKind::EqualInfo) => Some(o.at),
        _ => None,
    };
    // Rows needed from the window's start: its bytes and the one that did not fit.
    let need = len.max(overflow_at.map_or(0, |at| at + 1));
    let mut dists = Vec::with_capacity(need * VOCAB);
    if a.config.method == MethodKind::StaticAc {
        let mut unigram = Unigram::fit(&a.text);
        unigram.start(1)?;
        for _ in 0..need {
            dists.extend_from_slice(unigram.dist(0));
        }
    } else {
        // The context runs from the latest model reset at or before the window.
        let ex = a
            .examples
            .get(win.example)
            .ok_or_else(|| Error::BadParams(format!("window {w} has no example")))?;
        let first = (ex.windows.start..=w)
            .rev()
            .find(|&k| a.windows[k].rec.model_reset)
            .unwrap_or(ex.windows.start);
        let ctx_start = a.windows[first].bytes.start;
        let lane_bytes = a
            .text
            .get(ctx_start..ex.bytes.end)
            .ok_or_else(|| Error::BadParams("window outside its text".into()))?;
        let rel = win.bytes.start - ctx_start;
        if rel + need > lane_bytes.len() + 1 {
            return Err(Error::BadParams(format!(
                "window {w} needs bytes past its example"
            )));
        }
        let opts = RunOptions::default();
        let mut f = Feeder::resume(model, &a.lanes, lane_bytes, rel)?;
        f.feed_to(rel, None, &opts, &mut |_| {})?;
        dists.extend_from_slice(f.model.dist(0));
        if need > 1 {
            f.feed_to(rel + need - 1, Some(&mut dists), &opts, &mut |_| {})?;
        }
    }
    let overflow = overflow_at.map(|at| dists[at * VOCAB..(at + 1) * VOCAB].to_vec());
    dists.truncate(len * VOCAB);
    Ok(WindowDists {
        window: w,
        dists,
        overflow,
    })
}

/// A callback (a waker): the UI's repaint, or the model thread's "there is work".
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What [`DistRequests::get`] knows of a window.
#[derive(Debug, Clone)]
pub enum DistState {
    /// Computed.
    Ready(Arc<WindowDists>),
    /// Asked for; the UI's waker is called when it is there.
    Pending,
    /// It could not be computed.
    Failed(String),
}

/// Requests for [`window_dists`] of one analysis (shared by the analysis and its checked
/// copies, whose windows are the same): the UI asks ([`DistRequests::get`]), the model's thread
/// takes the newest request ([`DistRequests::next_wanted`]) and answers
/// ([`DistRequests::put`]). A few answers are kept.
#[derive(Default)]
pub struct DistRequests {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    ready: Vec<Arc<WindowDists>>,
    failed: Vec<(usize, String)>,
    wanted: Vec<usize>,
    server: Option<Waker>,
    ui: Option<Waker>,
}

/// Answers kept (an AC window is a whole example: up to 10 MB of floats).
const KEEP: usize = 3;

impl std::fmt::Debug for DistRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.inner.lock().map(|c| c.ready.len()).unwrap_or(0);
        write!(f, "DistRequests({n} ready)")
    }
}

impl DistRequests {
    /// Window `w`'s distributions, or a request for them (`wake` is called when they come).
    pub fn get(&self, w: usize, wake: Waker) -> DistState {
        let server = {
            let Ok(mut c) = self.inner.lock() else {
                return DistState::Failed("the request list is broken".into());
            };
            if let Some(d) = c.ready.iter().find(|d| d.window == w) {
                return DistState::Ready(d.clone());
            }
            if let Some((_, e)) = c.failed.iter().find(|(k, _)| *k == w) {
                return DistState::Failed(e.clone());
            }
            c.ui = Some(wake);
            if c.wanted.last() == Some(&w) {
                return DistState::Pending;
            }
            c.wanted.retain(|&k| k != w);
            c.wanted.push(w);
            if c.wanted.len() > KEEP {
                c.wanted.remove(0);
            }
            c.server.clone()
        };
        if let Some(s) = server {
            s();
        }
        DistState::Pending
    }

    /// The computed distributions of window `w`, when they are there (no request).
    pub fn ready(&self, w: usize) -> Option<Arc<WindowDists>> {
        let c = self.inner.lock().ok()?;
        c.ready.iter().find(|d| d.window == w).cloned()
    }

    /// Sets what to call when a request comes (the model's thread).
    pub fn set_server(&self, waker: Waker) {
        if let Ok(mut c) = self.inner.lock() {
            c.server = Some(waker);
        }
    }

    /// The newest request not answered yet.
    pub fn next_wanted(&self) -> Option<usize> {
        let mut c = self.inner.lock().ok()?;
        c.wanted.pop()
    }

    /// Answers the request for window `w` and wakes the UI.
    pub fn put(&self, w: usize, result: Result<WindowDists>) {
        let ui = {
            let Ok(mut c) = self.inner.lock() else {
                return;
            };
            c.wanted.retain(|&k| k != w);
            match result {
                Ok(d) => {
                    c.ready.retain(|r| r.window != w);
                    c.ready.push(Arc::new(d));
                    if c.ready.len() > KEEP {
                        c.ready.remove(0);
                    }
                }
                Err(e) => c.failed.push((w, e.to_string())),
            }
            c.ui.clone()
        };
        if let Some(u) = ui {
            u();
        }
    }

    /// Answers every pending request with `model` (the model's thread, or a test); returns how
    /// many it answered.
    pub fn serve(&self, a: &Analysis, model: &mut dyn ByteModel) -> usize {
        let mut n = 0;
        while let Some(w) = self.next_wanted() {
            self.put(w, window_dists(a, w, model));
            n += 1;
        }
        n
    }
}
