//! One encoder step as a picture for slides (PNG and SVG with plotters, the embedded font):
//! the interval before with its partition, the binary ruler, the interval after, and the bits.

use super::coder::Rescale;
use crate::error::Result;
use crate::report::render::{write_png_svg, DrawResult, Drawing};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// What the picture shows (fractions of the register frame [0, 1)).
#[derive(Debug, Clone, PartialEq)]
pub struct StepPicture {
    /// The title line.
    pub title: String,
    /// The interval before the symbol.
    pub before: (f64, f64),
    /// The slices: `(lo, hi, label, is the coded symbol)`, in [0, 1).
    pub slices: Vec<(f64, f64, String, bool)>,
    /// The rescalings.
    pub ops: Vec<Rescale>,
    /// The interval after (in the new frame).
    pub after: (f64, f64),
    /// Lines of text under the picture (bits, registers).
    pub notes: Vec<String>,
}

/// Pixel size of the picture.
pub const SIZE: (u32, u32) = (1400, 560);

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, p: &StepPicture) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let (w, _) = SIZE;
    let (l, r) = (40.0, w as f64 - 40.0);
    let x = |v: f64| (l + v.clamp(0.0, 1.0) * (r - l)) as i32;
    let font = ("sans-serif", 22).into_font();
    let small = ("sans-serif", 17).into_font();
    root.draw(&Text::new(p.title.clone(), (40, 16), font.clone()))?;
    // Top: [0, 1) with the interval and its slices.
    let y0 = 90;
    root.draw(&PathElement::new(
        vec![(x(0.0), y0 + 20), (x(1.0), y0 + 20)],
        BLACK,
    ))?;
    root.draw(&Rectangle::new(
        [(x(p.before.0), y0), (x(p.before.1), y0 + 40)],
        RGBColor(200, 220, 245).filled(),
    ))?;
    for (a, b, label, truth) in &p.slices {
        let c = if *truth {
            RGBColor(230, 60, 60)
        } else {
            RGBColor(120, 160, 200)
        };
        root.draw(&Rectangle::new(
            [(x(*a), y0 + 2), (x(*b).max(x(*a) + 1), y0 + 38)],
            c.filled(),
        ))?;
        root.draw(&PathElement::new(
            vec![(x(*a), y0 - 2), (x(*a), y0 + 42)],
            BLACK.mix(0.5),
        ))?;
        if x(*b) - x(*a) > 10 * label.chars().count() as i32 || *truth {
            root.draw(&Text::new(
                label.clone(),
                (x(*a) + 2, y0 - 22),
                small.clone(),
            ))?;
        }
    }
    root.draw(&Text::new(
        "before".to_string(),
        (x(0.0), y0 + 46),
        small.clone(),
    ))?;
    // The ruler.
    let (mut a, mut cw) = (0.0f64, 1.0f64);
    let mut y = y0 + 80;
    for op in p.ops.iter().take(10) {
        let (na, label, c) = match op {
            Rescale::E1 => (a, "E1: 0", RGBColor(40, 140, 60)),
            Rescale::E2 => (a + cw / 2.0, "E2: 1", RGBColor(40, 140, 60)),
            Rescale::E3 => (a + cw / 4.0, "E3: ?", RGBColor(170, 90, 220)),
        };
        a = na;
        cw /= 2.0;
        root.draw(&PathElement::new(
            vec![(x(a), y), (x(a + cw).max(x(a) + 1), y)],
            c.stroke_width(4),
        ))?;
        let tx = if x(a + cw) + 70 > w as i32 {
            x(a) - 62
        } else {
            x(a + cw) + 8
        };
        root.draw(&Text::new(label.to_string(), (tx, y - 9), small.clone()))?;
        y += 22;
    }
    // Connecting lines to the bottom line (the last cell, doubled to [0, 1)).
    let yb = y + 60;
    root.draw(&PathElement::new(
        vec![(x(a), y), (x(0.0), yb)],
        BLUE.mix(0.6),
    ))?;
    root.draw(&PathElement::new(
        vec![(x(a + cw), y), (x(1.0), yb)],
        BLUE.mix(0.6),
    ))?;
    root.draw(&PathElement::new(
        vec![(x(0.0), yb + 20), (x(1.0), yb + 20)],
        BLACK,
    ))?;
    root.draw(&Rectangle::new(
        [
            (x(p.after.0), yb),
            (x(p.after.1).max(x(p.after.0) + 1), yb + 40),
        ],
        RGBColor(90, 150, 220).filled(),
    ))?;
    root.draw(&Text::new(
        "after".to_string(),
        (x(0.0), yb + 46),
        small.clone(),
    ))?;
    let mut ty = yb + 80;
    for n in &p.notes {
        root.draw(&Text::new(
            n.clone(),
            (40, ty),
            ("sans-serif", 18).into_font(),
        ))?;
        ty += 24;
    }
    Ok(())
}

impl Drawing for StepPicture {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        draw(root, self)
    }
}

/// Writes the picture as `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub fn write(dir: &Path, stem: &str, p: &StepPicture) -> Result<Vec<PathBuf>> {
    write_png_svg(dir, stem, SIZE, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_png_and_svg() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = StepPicture {
            title: "b: [1/2, 3/4)".into(),
            before: (0.0, 1.0),
            slices: vec![
                (0.0, 0.5, "a".into(), false),
                (0.5, 0.75, "b".into(), true),
                (0.75, 1.0, "c".into(), false),
            ],
            ops: vec![Rescale::E2, Rescale::E1],
            after: (0.0, 1.0),
            notes: vec!["bits 10".into()],
        };
        let out = write(dir.path(), "step", &p).expect("write");
        let svg = std::fs::read_to_string(&out[1]).expect("svg");
        assert!(svg.contains("<svg") && svg.contains("E2: 1"));
        let png = std::fs::read(&out[0]).expect("png");
        assert_eq!(&png[1..4], b"PNG");
    }
}
