//! The layer rules of the crate, checked from the sources (see the README's module map):
//!
//! - candle appears only under `src/model/`;
//! - egui, eframe, egui_plot and rfd appear only under `src/app/`;
//! - `src/coding` uses only std (and its own modules);
//! - `src/stats` imports nothing from `batch`, `probe`, `report` or `app`;
//! - nothing outside `src/app` names `crate::app`, except the binary's entry (`src/cli/mod.rs`);
//! - the files of `src/app` import each other without circles.
//!
//! Comments and string literals are stripped before matching, so prose may name anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The source with comments and the contents of string and char literals removed (their
/// quotes kept), so that only code is matched.
fn code_of(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if c == b'r' && matches!(b.get(i + 1), Some(b'"') | Some(b'#')) {
            // Raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(c as char);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && (b.get(i + 2) == Some(&b'\'') || (b.get(i + 1) == Some(&b'\\'))) {
            // A char literal ('x' or '\n', '\''); lifetimes ('a) pass through.
            let mut j = i + 1;
            if b.get(j) == Some(&b'\\') {
                j += 2;
            } else {
                j += 1;
            }
            while j < b.len() && b[j] != b'\'' {
                j += 1;
            }
            i = j + 1;
            out.push_str("''");
        } else {
            out.push(c as char);
            i += 1;
        }
    }
    out
}

/// The code of a file (comments and literals stripped).
fn code(path: &Path) -> String {
    let src = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    code_of(&src)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether `code` names the crate `name` as a path root (`name::`, `use name`, `extern crate`).
fn names_crate(code: &str, name: &str) -> bool {
    let bytes = code.as_bytes();
    let mut start = 0;
    while let Some(off) = code[start..].find(name) {
        let i = start + off;
        let j = i + name.len();
        let before_ok = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let after = &code[j..];
        let after_ok = after.starts_with("::")
            || after.starts_with(';')
            || after.starts_with(" as ")
            || (after.starts_with(' ') && code[..i].trim_end().ends_with("use"));
        // `x.name::` cannot occur; `::name` is a path inside another crate (not a root).
        let not_inner = !code[..i].ends_with("::");
        if before_ok && after_ok && not_inner {
            return true;
        }
        start = j;
    }
    false
}

/// Files under `src/` (relative paths) that name any of `crates`, outside `allowed` prefixes.
fn offenders(crates: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in rust_files(&root().join("src")) {
        let r = rel(&f);
        if allowed.iter().any(|a| r.starts_with(a)) {
            continue;
        }
        let c = code(&f);
        for k in crates {
            if names_crate(&c, k) {
                out.push(format!("{r} names {k}"));
            }
        }
    }
    out
}

#[test]
fn candle_appears_only_under_model() {
    let bad = offenders(&["candle_core", "candle_nn", "candle"], &["src/model/"]);
    assert!(bad.is_empty(), "candle outside src/model/: {bad:#?}");
}

#[test]
fn gui_crates_appear_only_under_app() {
    let bad = offenders(&["egui", "eframe", "egui_plot", "rfd"], &["src/app/"]);
    assert!(bad.is_empty(), "GUI crates outside src/app/: {bad:#?}");
}

#[test]
fn coding_uses_only_std() {
    let dir = root().join("src/coding");
    let own: BTreeSet<String> = rust_files(&dir)
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let mut bad = Vec::new();
    const PRIMITIVES: [&str; 16] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char",
    ];
    for f in rust_files(&dir) {
        let c = code(&f);
        // Names a `use std::...` brings into scope (e.g. `fmt` of `use std::fmt`).
        let from_std: BTreeSet<String> = referenced_paths(&c)
            .into_iter()
            .filter(|p| p.first().is_some_and(|r| r == "std" || r == "core"))
            .filter_map(|p| p.last().cloned())
            .collect();
        for root_name in path_roots(&c) {
            let ok = matches!(root_name.as_str(), "std" | "core" | "super" | "self")
                || own.contains(&root_name)
                || from_std.contains(&root_name)
                || PRIMITIVES.contains(&root_name.as_str());
            if !ok {
                bad.push(format!("{}: {root_name}::", rel(&f)));
            }
        }
        // `crate::` may only name the coding module itself.
        for (i, _) in c.match_indices("crate::") {
            if !c[i..].starts_with("crate::coding") {
                bad.push(format!("{}: {}", rel(&f), &c[i..(i + 30).min(c.len())]));
            }
        }
    }
    assert!(bad.is_empty(), "src/coding must use only std: {bad:#?}");
}

/// The lowercase roots of `a::b` paths in code (module or crate names; `crate` excluded and
/// checked apart).
fn path_roots(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = code.as_bytes();
    for (i, _) in code.match_indices("::") {
        // Walk back over an identifier.
        let mut s = i;
        while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_') {
            s -= 1;
        }
        if s == i {
            continue;
        }
        // Only a root: not preceded by `::` (then it is an inner segment).
        if s >= 2 && &code[s - 2..s] == "::" {
            continue;
        }
        let ident = &code[s..i];
        if ident == "crate" || !ident.starts_with(|c: char| c.is_ascii_lowercase()) {
            continue;
        }
        out.insert(ident.to_string());
    }
    out
}

#[test]
fn stats_imports_nothing_from_above() {
    let mut bad = Vec::new();
    for f in rust_files(&root().join("src/stats")) {
        let c = code(&f);
        for up in ["batch", "probe", "report", "app"] {
            if c.contains(&format!("crate::{up}")) {
                bad.push(format!("{} names crate::{up}", rel(&f)));
            }
        }
    }
    assert!(bad.is_empty(), "src/stats imports from above: {bad:#?}");
}

#[test]
fn nothing_outside_app_names_the_app() {
    let mut bad = Vec::new();
    for f in rust_files(&root().join("src")) {
        let r = rel(&f);
        if r.starts_with("src/app/") || r == "src/cli/mod.rs" || r == "src/main.rs" {
            continue;
        }
        let c = code(&f);
        if c.contains("crate::app") || c.contains("eqinfo::app") {
            bad.push(r);
        }
    }
    assert!(
        bad.is_empty(),
        "only the binary's entry may name the app: {bad:#?}"
    );
}

/// The module path of a file under `src/app` (`["app", "live", "byte_view"]`; a `mod.rs` is its
/// directory's module).
fn module_of(file: &Path) -> Vec<String> {
    let r = rel(file);
    let r = r.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = r.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// Every path `code` refers to through `use` trees and inline `crate::`/`super::`/`self::`
/// paths, as segment lists (braces of `use` expanded).
fn referenced_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // `use` statements, braces expanded.
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        let tail = &rest[i + 4..];
        let Some(end) = tail.find(';') else {
            break;
        };
        if before_ok {
            // `X as Y` becomes `X@Y` before the whitespace goes.
            let tree: String = tail[..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .replace(" as ", "@")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            expand_use(&tree, &mut Vec::new(), &mut out);
        }
        rest = &tail[end..];
    }
    // Inline paths.
    let b = code.as_bytes();
    for start_kw in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start_kw) {
            if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b':') {
                continue;
            }
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b':') {
                j += 1;
            }
            let segs: Vec<String> = code[i..j]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            out.push(segs);
        }
    }
    out
}

fn expand_use(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let n = prefix.len();
        prefix.extend(head);
        // Split on top-level commas.
        let mut depth = 0;
        let mut last = 0;
        let ib = inner.as_bytes();
        for k in 0..=ib.len() {
            let at_end = k == ib.len();
            if !at_end {
                match ib[k] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
            }
            if at_end || (ib[k] == b',' && depth == 0) {
                let part = &inner[last..k];
                if !part.is_empty() {
                    expand_use(part, prefix, out);
                }
                last = k + 1;
            }
        }
        prefix.truncate(n);
    } else {
        let mut p = prefix.clone();
        let path = tree.split('@').next().unwrap_or(tree);
        p.extend(
            path.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        out.push(p);
    }
}

/// `code` without inline module blocks (`mod tests { .. }`): their `super` is the file's own
/// module, and what they import is not the file's dependency on other files.
fn without_inline_modules(code: &str) -> String {
    let b = code.as_bytes();
    let mut out = String::with_capacity(code.len());
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if at_word && code[i..].starts_with("mod ") {
            let mut j = i + 4;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b' ') {
                j += 1;
            }
            if b.get(j) == Some(&b'{') {
                let mut depth = 0usize;
                while j < b.len() {
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j + 1;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// Resolves a referenced path (relative to module `here`) to an absolute module path.
/// `here` is the file's module path (a `mod.rs` is its directory's module), so `super` is
/// always one segment up.
fn absolute(path: &[String], here: &[String]) -> Vec<String> {
    let mut cur: Vec<String> = here.to_vec();
    let mut segs = path.iter().peekable();
    let mut out = Vec::new();
    match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            segs.next();
        }
        Some("self") => {
            segs.next();
            out = cur.clone();
        }
        Some("super") => {
            while segs.peek().map(|s| s.as_str()) == Some("super") {
                segs.next();
                cur.pop();
            }
            out = cur.clone();
        }
        // A path relative to the current module (a child module, or an external crate).
        _ => out = here.to_vec(),
    }
    out.extend(segs.cloned());
    out
}

#[test]
fn app_files_import_each_other_without_circles() {
    let files = rust_files(&root().join("src/app"));
    let modules: BTreeMap<Vec<String>, String> =
        files.iter().map(|f| (module_of(f), rel(f))).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let here = module_of(f);
        let me = rel(f);
        for p in referenced_paths(&without_inline_modules(&code(f))) {
            let abs = absolute(&p, &here);
            // The longest prefix that is a file of the app.
            let target = (1..=abs.len())
                .rev()
                .find_map(|k| modules.get(&abs[..k]).cloned());
            if let Some(t) = target {
                if t != me {
                    edges.entry(me.clone()).or_default().insert(t);
                }
            }
        }
    }
    // Depth-first search for a cycle.
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|s| s == m).unwrap_or(0);
                    let mut cyc = stack[i..].to_vec();
                    cyc.push(m.clone());
                    return Some(cyc);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in modules.values() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, &edges, &mut state, &mut Vec::new()) {
                panic!("import circle between files of src/app: {}", c.join(" -> "));
            }
        }
    }
}

/// The checker itself: a circle and a forbidden crate are found, prose is not matched.
#[test]
fn the_checks_see_what_they_must() {
    let c = code_of("// use candle_core::Tensor;\nlet s = \"egui::Ui\";\nuse std::fmt;\n");
    assert!(!names_crate(&c, "candle_core"));
    assert!(!names_crate(&c, "egui"));
    assert!(names_crate(
        &code_of("use candle_core::Tensor;"),
        "candle_core"
    ));
    assert!(names_crate(&code_of("fn f(ui: &mut egui::Ui) {}"), "egui"));
    assert!(!names_crate(&code_of("use crate::app::theme;"), "egui"));
    let mut out = Vec::new();
    expand_use("super::{a::{B,C},d@E}", &mut Vec::new(), &mut out);
    assert_eq!(
        out,
        vec![
            vec!["super".to_string(), "a".into(), "B".into()],
            vec!["super".to_string(), "a".into(), "C".into()],
            vec!["super".to_string(), "d".into()],
        ]
    );
    assert_eq!(
        without_inline_modules("use a::b;\nmod tests {\n use super::*; fn f() { }\n}\nfn g() {}"),
        "use a::b;\n\nfn g() {}"
    );
    let here = vec!["app".to_string(), "live".into(), "byte_view".into()];
    assert_eq!(
        absolute(&["super".to_string(), "interval".into()], &here),
        vec!["app".to_string(), "live".into(), "interval".into()]
    );
    assert_eq!(
        path_roots(&code_of(
            "use serde::Serialize; let x = std::mem::take(&mut y);"
        )),
        ["serde".to_string(), "std".to_string()]
            .into_iter()
            .collect()
    );
}
