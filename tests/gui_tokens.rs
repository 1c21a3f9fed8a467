//! The tokens of every method in the Live tab's byte view (and the Compare tab's rows): drawn
//! under the bytes the library's alignment gives them, computed here by a separate
//! `method::encode` of the same text, and linked on hover.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::model_source::DEMO_TEXT;
use eqinfo::app::state::{Settings, Tab};
use eqinfo::app::App;
use eqinfo::method::{self, Config, MethodKind, RunOptions};
use eqinfo::model::Unigram;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{hold, settle, unigram};

fn harness(settings: Settings) -> Harness<'static, App> {
    // Tall enough that the byte view's middle tokens lie above the interval panel (which keeps
    // a minimum height) and the progress line, so hovering one reaches the byte view.
    Harness::builder()
        .with_size(egui::Vec2::new(1400.0, 1200.0))
        .build_eframe(move |cc| App::new_for_test(&cc.egui_ctx, settings, unigram()))
}

fn live_with(method: MethodKind) -> (Harness<'static, App>, Config) {
    let config = Config {
        token_bits: 16,
        ..Config::new(method)
    };
    let config = if method == MethodKind::Subword {
        Config::new(method)
    } else {
        config
    };
    let mut h = harness(Settings {
        config: config.clone(),
        ..Settings::default()
    });
    settle(&mut h);
    (h, config)
}

/// For every method: the byte view draws token boxes, each over exactly the bytes that the
/// library's alignment of a separate encoding gives the token; hovering a box shows its bytes.
#[test]
fn every_method_draws_its_tokens_under_their_bytes() {
    for m in MethodKind::ALL {
        let (mut h, config) = live_with(m);
        let a = h.state().analysis.clone().expect("an analysis");
        let mut model = Unigram::fit(DEMO_TEXT.as_bytes());
        let traced = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let enc = method::encode(DEMO_TEXT.as_bytes(), &config, &mut model, &traced).unwrap();
        assert_eq!(a.tokens, enc.tokens, "{m:?}: same tokens as the library");
        let align = enc.alignment().expect("every method has an alignment");
        let drawn = h.state().live_state().drawn.drawn_tokens.clone();
        assert!(drawn.len() >= 20, "{m:?}: only {} token boxes", drawn.len());
        for &(t, _) in &drawn {
            assert_eq!(
                a.bytes_of_token(t),
                align.bytes_of_token(t),
                "{m:?} token {t}"
            );
            assert!(!align.bytes_of_token(t).is_empty(), "{m:?} token {t}");
        }
        // The middle one of the token boxes wholly in view (a line at the bottom of the view
        // may be cut by the interval panel): hovering it names its bytes.
        let view = h.state().live_state().drawn.view_rect;
        let visible: Vec<_> = drawn
            .iter()
            .filter(|(_, r)| view.is_some_and(|v| v.contains_rect(*r)))
            .collect();
        assert!(!visible.is_empty(), "{m:?}: no token box wholly in view");
        let (t, rect) = *visible[visible.len() / 2];
        h.hover_at(rect.center());
        hold(&mut h);
        let span = align.bytes_of_token(t);
        h.get_by_label_contains(&format!("token {t}: id {}", enc.tokens[t]));
        h.get_by_label_contains(&format!("covers bytes {}..{}", span.start, span.end));
        // The view knows which token is hovered.
        assert!(h.state().live_state().hover.token == Some(t), "{m:?}");
    }
}

/// GZip: the zlib header, block header and Huffman tables own no byte; a marker before byte 0
/// stands for them, and its tooltip says what they are.
#[test]
fn gzip_headers_and_tables_are_their_own_marker() {
    let (mut h, _) = live_with(MethodKind::Gzip);
    let marks = h.state().live_state().drawn.drawn_overhead.clone();
    assert_eq!(marks.first().map(|m| m.0), Some(0), "{marks:?}");
    h.hover_at(marks[0].1.center());
    hold(&mut h);
    h.get_by_label_contains("zlib header (16 bits)");
    h.get_by_label_contains("block 0 header");
}

/// The Compare tab: every default row draws token boundaries (more than one token segment),
/// all on the same byte axis as the text.
#[test]
fn compare_rows_show_token_boundaries() {
    let mut h = harness(Settings {
        tab: Tab::Compare,
        ..Settings::default()
    });
    settle(&mut h);
    let n = h.state().settings.compare_rows.len();
    let drawn = h.state().compare_view().drawn.clone();
    for row in 0..n {
        let segs = drawn.iter().filter(|d| d.row == row).count();
        assert!(segs > 5, "row {row}: {segs} token segments drawn");
    }
    // Hover the middle segment of the GZip row: its tooltip names its bytes, and every row
    // highlights them.
    let gz = h
        .state()
        .settings
        .compare_rows
        .iter()
        .position(|c| c.method == MethodKind::Gzip)
        .expect("a GZip row");
    let segs: Vec<_> = drawn.iter().filter(|d| d.row == gz).cloned().collect();
    let seg = &segs[segs.len() / 2];
    h.hover_at(seg.rect.center());
    hold(&mut h);
    h.get_by_label_contains(&format!("bytes {}..{}", seg.bytes.start, seg.bytes.end));
    assert_eq!(
        h.state().compare_view().hover_bytes,
        Some(seg.bytes.clone())
    );
    // Just above row 1's tokens is its window strip: hovering it names the window.
    let first = drawn
        .iter()
        .find(|d| d.row == 0 && d.index % 2 == 0)
        .expect("a token of row 1");
    h.hover_at(egui::pos2(first.rect.center().x, first.rect.top() - 2.0));
    hold(&mut h);
    h.get_by_label_contains("#1 window");
}

/// Subword has one token size (its vocabulary's): the token-bits control is disabled for it.
#[test]
fn subword_token_bits_are_fixed() {
    let (h, _) = live_with(MethodKind::Subword);
    let a = h.state().analysis.clone().expect("an analysis");
    assert_eq!(a.config.token_bits, method::subword::SUBWORD_TOKEN_BITS);
    use egui_kittest::kittest::NodeT;
    let nodes: Vec<_> = h.get_all_by_label("token bits").collect();
    assert!(!nodes.is_empty());
    assert!(nodes.iter().all(|n| n.accesskit_node().is_disabled()));
    assert!(h
        .get_by_label("16-bit tokens")
        .accesskit_node()
        .is_disabled());
}

/// The Live export: JSON and three CSV tables with the bytes, windows and tokens and their
/// spans, agreeing with the alignment of a separate library encoding (GZip, whose tokens the
/// old TSV could not carry, and EqualInfo).
#[test]
fn export_writes_bytes_windows_and_tokens_with_spans() {
    let dir = tempfile::tempdir().expect("tempdir");
    for m in [MethodKind::Gzip, MethodKind::EqualInfo] {
        let (mut h, config) = live_with(m);
        let path = dir.path().join(format!("{m:?}.json"));
        h.state_mut().export_to(&path);
        settle(&mut h);
        h.get_by_label_contains("exported");
        let mut model = Unigram::fit(DEMO_TEXT.as_bytes());
        let traced = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        let enc = method::encode(DEMO_TEXT.as_bytes(), &config, &mut model, &traced).unwrap();
        let align = enc.alignment().unwrap();
        let read = |suffix: &str| {
            std::fs::read_to_string(dir.path().join(format!("{m:?}{suffix}"))).expect("written")
        };
        let header = |s: &str| s.lines().next().unwrap_or("").to_string();
        let bytes = read("_bytes.csv");
        assert_eq!(
            header(&bytes),
            "byte,value,window,prob,surprisal_bits,rank,bit_start,bit_end,bit_order,token_first,token_end"
        );
        assert_eq!(bytes.lines().count(), DEMO_TEXT.len() + 1);
        let windows = read("_windows.csv");
        assert_eq!(
            header(&windows),
            "window,example,byte_start,byte_end,bit_start,bit_len,code_bits,token_first,token_end,free_decode_ok"
        );
        assert_eq!(windows.lines().count(), enc.windows.len() + 1);
        let tokens = read("_tokens.csv");
        assert_eq!(
            header(&tokens),
            "token,id,bits,byte_start,byte_end,text,overhead"
        );
        let mut rdr = csv::Reader::from_reader(tokens.as_bytes());
        let mut n = 0;
        for (t, rec) in rdr.records().enumerate() {
            let rec = rec.expect("a CSV record");
            let id: u32 = rec[1].parse().unwrap();
            let span: (usize, usize) = (rec[3].parse().unwrap(), rec[4].parse().unwrap());
            assert_eq!(id, enc.tokens[t]);
            let want = align.bytes_of_token(t);
            assert_eq!(span, (want.start, want.end), "{m:?} token {t}");
            // The bits column spells the id.
            assert_eq!(u32::from_str_radix(&rec[2], 2).unwrap(), id);
            n += 1;
        }
        assert_eq!(n, enc.tokens.len());
        let json: serde_json::Value = serde_json::from_str(&read(".json")).expect("JSON");
        assert_eq!(
            json["tokens"].as_array().map(Vec::len),
            Some(enc.tokens.len())
        );
        assert_eq!(
            json["bytes"].as_array().map(Vec::len),
            Some(DEMO_TEXT.len())
        );
        if m == MethodKind::Gzip {
            assert_eq!(json["bytes"][0]["bit_order"], "deflate");
            assert!(json["tokens"][0]["overhead"]
                .as_str()
                .is_some_and(|s| s.contains("zlib header")));
        }
    }
}
