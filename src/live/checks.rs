//! The decode checks of window records: the exact decoder (which knows each window's byte
//! count) must give the window's bytes back, and the side-information-free decoder (paper
//! App. D.5) is run and judged. Both run on the library's lane decoders
//! ([`crate::method::decode`]) straight from the records' bits.
//!
//! For EqualInfoAC with the model reset at every window and no Delay a window decodes alone
//! exactly as it does in its stream, so its checks can run one window at a time, after the
//! tokens are shown ([`check_some`]). The other AC configurations are checked by whole
//! examples, also after the tokens are shown, a few examples at a time; the methods without a
//! model (Bytes, GZip, Subword) are checked inline (their decoders are fast).

use super::engine::window_incremental;
use super::{Analysis, ExampleRecs, WindowRec};
use crate::error::{Error, Result};
use crate::method::decode::{
    decode_examples_exact_opts, free_decode_failure, free_decode_windows_opts, FreeDecodeRule,
    FreeDecoded, WindowBits,
};
use crate::method::window::resets_at;
use crate::method::{decode, Config, Encoded, MethodKind, RunOptions};
use crate::model::ByteModel;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The checked copy of a record; `free`: the side-information-free decoding of its bytes
/// `truth` under `config`'s rule.
fn checked(
    rec: &WindowRec,
    round_trip_ok: bool,
    free: Option<(&FreeDecoded, &[u8])>,
    config: &Config,
) -> WindowRec {
    let failure = free.and_then(|(f, truth)| {
        free_decode_failure(0, FreeDecodeRule::of(config), truth, f, None).map(Arc::new)
    });
    WindowRec {
        coded: rec.coded.clone(),
        checked: true,
        free_ok: free.map(|(f, truth)| f.bytes.get(..f.len) == Some(truth)),
        free_len: free.map(|(f, _)| f.len),
        free_failure: failure,
        round_trip_ok,
    }
}

/// Whether the configuration has a side-information-free decoder to judge.
fn has_free_decoder(config: &Config) -> bool {
    config.method == MethodKind::EqualInfo && config.reset_every == 1
}

/// Checks windows each alone (EqualInfoAC, model reset at every window): `windows` are the
/// windows' bytes in `text` and their records.
fn check_windows(
    text: &[u8],
    config: &Config,
    windows: &[(Range<usize>, Arc<WindowRec>)],
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<Vec<WindowRec>> {
    let bits: Vec<WindowBits> = windows
        .iter()
        .map(|(_, rec)| WindowBits {
            bits: &rec.bits,
            range: 0..rec.bits.len(),
            bytes: rec.len,
            reset: true,
        })
        .collect();
    let free = free_decode_windows_opts(&bits, config, model, opts)?;
    let exact = decode_examples_exact_opts(
        bits.iter().map(|w| (vec![w.clone()], w.bytes)).collect(),
        config.precision,
        model,
        opts,
    )?;
    Ok(windows
        .iter()
        .zip(free)
        .zip(exact)
        .map(|(((r, rec), f), d)| {
            let truth = text.get(r.clone()).unwrap_or_default();
            checked(rec, d == truth, Some((&f, truth)), config)
        })
        .collect())
}

/// Checked records of the windows `todo` (each alone, [`check_windows`]), by the address of the
/// unchecked record they replace.
fn check_pending(
    text: &[u8],
    config: &Config,
    todo: &[(Range<usize>, Arc<WindowRec>)],
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<HashMap<*const WindowRec, Arc<WindowRec>>> {
    let done = check_windows(text, config, todo, model, opts)?;
    Ok(todo
        .iter()
        .zip(done)
        .map(|((_, old), new)| (Arc::as_ptr(old), Arc::new(new)))
        .collect())
}

/// Runs the checks of every unchecked window of `examples`, each alone (EqualInfoAC, model
/// reset at every window, no Delay).
pub(crate) fn check_all_windows(
    text: &[u8],
    config: &Config,
    examples: &mut [ExampleRecs],
    model: &mut dyn ByteModel,
) -> Result<()> {
    let mut todo: Vec<(Range<usize>, Arc<WindowRec>)> = Vec::new();
    for (range, recs) in examples.iter() {
        let mut pos = range.start;
        for rec in recs {
            if !rec.checked {
                todo.push((pos..pos + rec.len, rec.clone()));
            }
            pos += rec.len;
        }
    }
    let by_ptr = check_pending(text, config, &todo, model, &RunOptions::default())?;
    for (_, recs) in examples.iter_mut() {
        for rec in recs.iter_mut() {
            if let Some(n) = by_ptr.get(&Arc::as_ptr(rec)) {
                *rec = n.clone();
            }
        }
    }
    Ok(())
}

/// Checks whole examples of an AC method (`model`: the encoder's model; StaticAC's fitted
/// unigram): exact decoding of each example from its windows, and the side-information-free
/// decoder on every window where it applies.
pub(crate) fn check_examples(
    text: &[u8],
    config: &Config,
    examples: &mut [ExampleRecs],
    model: &mut dyn ByteModel,
    opts: &RunOptions,
) -> Result<()> {
    let decoded: Vec<Option<Vec<u8>>>;
    let mut free = Vec::new();
    {
        let per_example: Vec<(Vec<WindowBits>, usize)> = examples
            .iter()
            .map(|(range, recs)| {
                let ws = recs
                    .iter()
                    .enumerate()
                    .map(|(k, rec)| WindowBits {
                        bits: &rec.bits,
                        range: 0..rec.bits.len(),
                        bytes: rec.len,
                        reset: resets_at(config.reset_every, k),
                    })
                    .collect();
                (ws, range.len())
            })
            .collect();
        if has_free_decoder(config) {
            let all: Vec<WindowBits> = per_example.iter().flat_map(|e| e.0.clone()).collect();
            free = free_decode_windows_opts(&all, config, model, opts)?;
        }
        // An example the exact decoder cannot finish counts as a failed round trip (a cancel
        // is passed on).
        decoded = match decode_examples_exact_opts(per_example, config.precision, model, opts) {
            Ok(d) => d.into_iter().map(Some).collect(),
            Err(Error::Cancelled) => return Err(Error::Cancelled),
            Err(_) => vec![None; examples.len()],
        };
    }
    let mut free = free.into_iter();
    for ((range, recs), dec) in examples.iter_mut().zip(decoded) {
        let mut pos = range.start;
        for rec in recs.iter_mut() {
            let bytes = pos..pos + rec.len;
            let truth = text.get(bytes.clone()).unwrap_or_default();
            let ok = dec
                .as_ref()
                .and_then(|d| d.get(bytes.start - range.start..bytes.end - range.start))
                == Some(truth);
            let f = free.next();
            *rec = Arc::new(checked(rec, ok, f.as_ref().map(|f| (f, truth)), config));
            pos = bytes.end;
        }
    }
    Ok(())
}

/// Checks the records of an encoding by [`crate::method::encode`] of a method without model
/// windows (Bytes, GZip, Subword) with the library's decoder.
pub(crate) fn check_encoded(
    enc: &Encoded,
    text: &[u8],
    examples: &mut [ExampleRecs],
    model: &mut dyn ByteModel,
) {
    let decoded = decode(enc, model).ok();
    for (range, recs) in examples.iter_mut() {
        let mut pos = range.start;
        for rec in recs.iter_mut() {
            let bytes = pos..pos + rec.len;
            let ok = decoded.as_ref().and_then(|d| d.get(bytes.clone())) == text.get(bytes.clone());
            *rec = Arc::new(checked(rec, ok, None, &enc.config));
            pos = bytes.end;
        }
    }
}

/// Runs the pending decode checks of up to `max_windows` windows of `a` (see
/// [`super::analyse_quick`]) and returns the analysis with those windows' records checked, or
/// None when nothing is pending. Each window is decoded alone, which gives exactly its checks in
/// the whole stream (see the module docs).
pub fn check_some(
    a: &Analysis,
    model: &mut dyn ByteModel,
    max_windows: usize,
) -> Result<Option<Analysis>> {
    check_some_cancellable(a, model, max_windows, None)
}

/// [`check_some`], stopping with [`Error::Cancelled`] as soon as `cancel` is set (the worker
/// passes the flag its request's task raises when a newer edit supersedes it, so a batch of
/// checks never holds an edit back).
pub fn check_some_cancellable(
    a: &Analysis,
    model: &mut dyn ByteModel,
    max_windows: usize,
    cancel: Option<&AtomicBool>,
) -> Result<Option<Analysis>> {
    let opts = RunOptions {
        trace: false,
        cancel,
        progress: None,
    };
    let mut todo: Vec<(Range<usize>, Arc<WindowRec>)> = Vec::new();
    let mut seen: HashMap<*const WindowRec, usize> = HashMap::new();
    for w in &a.windows {
        if todo.len() >= max_windows.max(1) {
            break;
        }
        if !w.rec.checked && !seen.contains_key(&Arc::as_ptr(&w.rec)) {
            seen.insert(Arc::as_ptr(&w.rec), todo.len());
            todo.push((w.bytes.clone(), w.rec.clone()));
        }
    }
    if todo.is_empty() {
        return Ok(None);
    }
    if !window_incremental(&a.config) {
        return check_some_examples(a, model, max_windows, &opts).map(Some);
    }
    let by_ptr = check_pending(&a.text, &a.config, &todo, model, &opts)?;
    let mut out = a.clone();
    for w in out.windows.iter_mut() {
        if let Some(n) = by_ptr.get(&Arc::as_ptr(&w.rec)) {
            w.rec = n.clone();
        }
    }
    Ok(Some(out))
}

/// Bytes of whole examples checked per [`check_some`] call at most (beyond the first example),
/// so that a new edit waits for one small batch.
const CHECK_EXAMPLE_BYTES: usize = 4096;

/// [`check_some`] for the configurations checked by whole examples (AC, StaticAC, EqualInfoAC
/// with Delay, the exact rule or another reset rule): the first examples with pending windows,
/// up to `max_windows` windows or [`CHECK_EXAMPLE_BYTES`] bytes (at least one example), each
/// checked as [`check_examples`] checks it inline. StaticAC decodes with the unigram fitted on
/// the whole text, as it was encoded.
fn check_some_examples(
    a: &Analysis,
    model: &mut dyn ByteModel,
    max_windows: usize,
    opts: &RunOptions,
) -> Result<Analysis> {
    let mut picked: Vec<usize> = Vec::new();
    let (mut windows, mut bytes) = (0usize, 0usize);
    for (k, ex) in a.examples.iter().enumerate() {
        if !a.windows[ex.windows.clone()].iter().any(|w| !w.rec.checked) {
            continue;
        }
        if !picked.is_empty()
            && (windows + ex.windows.len() > max_windows.max(1)
                || bytes + ex.bytes.len() > CHECK_EXAMPLE_BYTES)
        {
            break;
        }
        picked.push(k);
        windows += ex.windows.len();
        bytes += ex.bytes.len();
    }
    let mut examples: Vec<ExampleRecs> = picked
        .iter()
        .map(|&k| {
            let ex = &a.examples[k];
            let recs = a.windows[ex.windows.clone()]
                .iter()
                .map(|w| w.rec.clone())
                .collect();
            (ex.bytes.clone(), recs)
        })
        .collect();
    if a.config.method == MethodKind::StaticAc {
        let mut unigram = crate::model::Unigram::fit(&a.text);
        check_examples(&a.text, &a.config, &mut examples, &mut unigram, opts)?;
    } else {
        check_examples(&a.text, &a.config, &mut examples, model, opts)?;
    }
    let mut out = a.clone();
    for (&k, (_, recs)) in picked.iter().zip(examples) {
        let range = out.examples[k].windows.clone();
        for (w, rec) in out.windows[range].iter_mut().zip(recs) {
            w.rec = rec;
        }
    }
    Ok(out)
}
