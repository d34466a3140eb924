//! A close-up's region stretched along its line to the ink beside it. Close-up formulas are several
//! times taller than what the detector was trained on, and it leaves out a symbol at either end of
//! some (CROHME-train hold-out: "f" of "f(x) = ...", "b" of "b = a^2 + c^2", "\cos" of
//! "\cos(\pi + t) = ..."), which the recognizer cannot read back. Ink on the region's own line,
//! within a gap of about a symbol's width, belongs to the formula.

use crate::geometry::{quad_size, unit, Point, Quad};
use crate::preprocess::{normalise_ink, to_gray, Gray};
use crate::rectify::{reading_axes, warp_quad};
use image::{Rgb, RgbImage};

/// The line is looked at this many pixels high: enough to see a symbol, cheap along a whole photo.
const PROBE_HEIGHT: u32 = 32;
/// The probe is never wider than this (a long strip is seen at a lower resolution instead).
const MAX_PROBE_WIDTH: f32 = 4096.0;
/// Ink further from the formula than this many of its heights is something else.
const MAX_GAP: f32 = 1.0;
/// A probe column with this much ink (in pixels' worth) holds ink, not noise.
const INKED_COLUMN: f32 = 1.0;
/// A pixel darker than this share of the paper's grey level is dark; a column dark over SOLID_SHARE
/// of its height is solid: a stroke crossing it, or beyond the paper (the table under a
/// photographed sheet, a dark margin). The ink map cannot tell: it takes wide dark areas for
/// shadowed paper and marks only their edge.
const DARK: f32 = 0.6;
const SOLID_SHARE: f32 = 0.25;
/// Solid columns side by side over this many of the probe's heights are beyond the paper: the
/// region stops there. A stroke is never that wide.
const SOLID_RUN: f32 = 0.5;

/// `quad` (corners clockwise from its top-left) lengthened by `before` pixels at its start and
/// `after` at its end, along its line.
fn lengthened(quad: &Quad, before: f32, after: f32) -> Quad {
    let [tl, tr, br, bl] = *quad;
    let (u, _) = reading_axes(quad);
    let moved = |p: Point, d: f32| [p[0] + d * u[0], p[1] + d * u[1]];
    [moved(tl, -before), moved(tr, after), moved(br, after), moved(bl, -before)]
}

/// How far `p` can move along `dir` before leaving the `w` x `h` image (0 when already outside).
fn room(p: Point, dir: Point, w: f32, h: f32) -> f32 {
    let axis = |pos: f32, d: f32, size: f32| {
        if d > 1e-6 {
            (size - pos) / d
        } else if d < -1e-6 {
            -pos / d
        } else {
            f32::MAX
        }
    };
    axis(p[0], dir[0], w).min(axis(p[1], dir[1], h)).max(0.0)
}

/// `quad` lengthened along its line over the ink next to it, within the photo; never shortened.
pub fn stretch_to_ink(img: &RgbImage, quad: &Quad) -> Quad {
    let (qw, qh) = quad_size(quad);
    if qw < 1.0 || qh < 1.0 {
        return *quad;
    }
    let [tl, tr, br, bl] = *quad;
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (forward, back) = (unit(tl, tr), unit(tr, tl));
    // room along the line from the middle of each end: a slightly slanted quad has a corner on the
    // photo's top or bottom edge (the detector's quads are clamped to the photo) and no room from it,
    // though its line runs on well inside the photo; past the photo's edge the probe is white paper
    let mid = |a: Point, b: Point| [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    let before = room(mid(tl, bl), back, w, h);
    let after = room(mid(tr, br), forward, w, h);
    if before + after < 1.0 {
        return *quad;
    }
    let reach = lengthened(quad, before, after);
    let length = before + qw + after;
    let scale = (PROBE_HEIGHT as f32 / qh).min(MAX_PROBE_WIDTH / length);
    let (pw, ph) = (((length * scale).round() as u32).max(1), ((qh * scale).round() as u32).max(1));
    let gray = to_gray(&warp_quad(img, &reach, pw, ph, Rgb([255, 255, 255])));
    let beyond = beyond_the_paper(&gray);
    let ink = normalise_ink(&gray);
    let inked: Vec<bool> = (0..ink.width)
        .map(|x| (0..ink.height).map(|y| ink.data[y * ink.width + x]).sum::<f32>() >= INKED_COLUMN)
        .collect();
    let (start, end) = ((before * scale) as usize, (((before + qw) * scale) as usize).min(inked.len()));
    let max_gap = (MAX_GAP * qh * scale).ceil() as usize;
    // walk outwards from the region's ends, as long as ink keeps coming within max_gap columns and
    // the paper does not end
    let mut first = start;
    let mut x = start;
    while x > 0 && first - x <= max_gap && !beyond[x - 1] {
        x -= 1;
        if inked[x] {
            first = x;
        }
    }
    let mut last = end;
    let mut x = end;
    while x < inked.len() && x - last <= max_gap && !beyond[x] {
        if inked[x] {
            last = x + 1;
        }
        x += 1;
    }
    lengthened(quad, (start - first) as f32 / scale, (last - end) as f32 / scale)
}

/// Columns of a grey probe within a run of solid columns (see DARK) wider than SOLID_RUN x its height.
fn beyond_the_paper(g: &Gray) -> Vec<bool> {
    let mut values = g.data.clone();
    values.sort_by(f32::total_cmp);
    let paper = values[(values.len() * 9 / 10).min(values.len() - 1)];
    let solid: Vec<bool> = (0..g.width)
        .map(|x| {
            let dark = (0..g.height).filter(|&y| g.data[y * g.width + x] < DARK * paper).count();
            dark as f32 >= SOLID_SHARE * g.height as f32
        })
        .collect();
    let wide = (SOLID_RUN * g.height as f32).ceil().max(2.0) as usize;
    let mut out = vec![false; solid.len()];
    let mut x = 0;
    while x < solid.len() {
        let run = solid[x..].iter().take_while(|&&s| s).count();
        if run >= wide {
            out[x..x + run].fill(true);
        }
        x += run.max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paper with dark blocks (x0, y0, x1, y1): symbols of a formula.
    fn page(w: u32, h: u32, blocks: &[(u32, u32, u32, u32)]) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let ink = blocks.iter().any(|&(x0, y0, x1, y1)| x >= x0 && x < x1 && y >= y0 && y < y1);
            if ink {
                Rgb([30, 30, 30])
            } else {
                Rgb([235, 235, 230])
            }
        })
    }

    fn quad(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    }

    #[test]
    fn a_symbol_left_out_at_either_end_is_taken_in() {
        // symbols at 20-50 (left out), 80-300 (the region), 330-360 (left out); a word far off at 700
        let img = page(800, 200, &[(20, 70, 50, 130), (80, 70, 300, 130), (330, 70, 360, 130), (700, 70, 760, 130)]);
        let out = stretch_to_ink(&img, &quad(75.0, 60.0, 305.0, 140.0));
        let xs = [out[0][0], out[1][0]];
        assert!((xs[0] - 20.0).abs() < 4.0 && (xs[1] - 360.0).abs() < 4.0, "{out:?}");
        assert!(out.iter().all(|p| p[1] == 60.0 || p[1] == 140.0), "stretched along the line only: {out:?}");
    }

    #[test]
    fn a_slanted_region_touching_the_photos_edge_is_still_stretched() {
        // a long strip filled by its formula: the region leaves out the first symbol (20-50), and its
        // top-left corner lies on the photo's top edge while its line runs slightly downhill
        let img = page(800, 100, &[(20, 20, 50, 80), (80, 20, 780, 80)]);
        let q = [[75.0, 0.0], [795.0, 8.0], [795.0, 100.0], [75.0, 92.0]];
        let out = stretch_to_ink(&img, &q);
        assert!((out[0][0] - 20.0).abs() < 4.0 && (out[3][0] - 20.0).abs() < 4.0, "{out:?}");
    }

    #[test]
    fn the_region_stops_where_the_paper_ends() {
        // a symbol left out at 90-120; the sheet ends at 70 (the table under it, dark, beyond)
        let img = page(600, 200, &[(0, 0, 70, 200), (90, 70, 120, 130), (150, 70, 350, 130)]);
        let out = stretch_to_ink(&img, &quad(145.0, 60.0, 355.0, 140.0));
        assert!((out[0][0] - 90.0).abs() < 4.0, "{out:?}");
    }

    #[test]
    fn a_region_alone_on_its_line_is_kept() {
        let img = page(800, 200, &[(300, 70, 500, 130)]);
        let q = quad(290.0, 60.0, 510.0, 140.0);
        let out = stretch_to_ink(&img, &q);
        for (a, b) in out.iter().zip(q.iter()) {
            assert!((a[0] - b[0]).abs() < 3.0 && (a[1] - b[1]).abs() < 1e-3, "{out:?}");
        }
        // degenerate and out-of-photo regions come back as they were
        let flat = quad(10.0, 10.0, 10.5, 10.2);
        assert_eq!(stretch_to_ink(&img, &flat), flat);
        let outside = quad(900.0, 10.0, 950.0, 50.0);
        assert_eq!(stretch_to_ink(&img, &outside), outside);
    }
}
