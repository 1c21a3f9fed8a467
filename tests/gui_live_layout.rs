//! The Live tab's layout at 1400 × 900 (issue 15): the byte view gets most of the height (more
//! than half the window) with the default panels; the interval view and the entropy track open
//! and close, the byte view growing and shrinking with them, and the app remembers which are
//! open (in its settings, saved across restarts).
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use eqinfo::app::state::{LivePanels, Settings};
use eqinfo::app::App;
#[path = "common/gui.rs"]
mod gui_common;
use gui_common::{harness, settle};

fn view_height(h: &Harness<'static, App>) -> f32 {
    h.state()
        .live_state()
        .drawn
        .view_rect
        .map_or(0.0, |r| r.height())
}

#[test]
fn the_byte_view_gets_most_of_the_height_and_panels_fold() {
    let mut h = harness(Settings::default());
    settle(&mut h);
    let open = view_height(&h);
    assert!(open > 0.5 * 900.0, "the byte view is {open} px of 900");
    // The interval view still shows (its controls are there).
    h.get_by_label("Next ▶");
    // Closing the interval view gives the byte view its height, and is remembered.
    h.get_by_label("⏷ Interval view").click();
    h.run_steps(3);
    let closed = view_height(&h);
    assert!(closed > open + 80.0, "closed: {closed} px, open: {open} px");
    assert!(h.query_by_label("Next ▶").is_none());
    assert!(!h.state().settings.live_panels.interval);
    // The entropy track opens from its checkbox, taking height from the byte view.
    h.get_by_label("entropy track").click();
    h.run_steps(3);
    assert!(h.state().settings.live_panels.entropy);
    h.get_by_label_contains("entropy patches (mean");
    let with_track = view_height(&h);
    assert!(with_track < closed - 50.0, "{with_track} vs {closed}");
    // Reopened, the interval view comes back at the height it had.
    h.get_by_label("⏵ Interval view").click();
    h.run_steps(3);
    h.get_by_label("Next ▶");
    assert!((view_height(&h) - (with_track - (closed - open))).abs() < 2.0);
}

/// Panels saved closed start closed.
#[test]
fn saved_panels_are_restored() {
    let mut h = harness(Settings {
        live_panels: LivePanels {
            entropy: true,
            interval: false,
        },
        ..Settings::default()
    });
    settle(&mut h);
    h.get_by_label("⏵ Interval view");
    h.get_by_label_contains("entropy patches (mean");
    assert!(h.query_by_label("Next ▶").is_none());
}
