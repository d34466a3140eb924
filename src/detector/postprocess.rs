//! Probability map -> formula quads: threshold, connected components, minimum-area rotated
//! rectangle of each component, grown back by the training inset, fragments of one formula merged;
//! then reading order.

use super::Region;
use crate::components::components;
use crate::geometry::{min_area_rect, quad_centre, quad_size, rect_corners, Point, Quad};

#[derive(Clone)]
pub struct ProbMap {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

/// Components smaller than this (in map pixels) are noise, not formulas.
const MIN_COMPONENT: usize = 6;
/// A region's mean probability must clear this to be reported.
const MIN_SCORE: f32 = 0.55;
/// Two fragments of one formula run in the same direction, within this many degrees.
const MERGE_MAX_ANGLE_DEG: f32 = 10.0;
/// ... and share at least this part of the smaller one's height across the line.
const MERGE_MIN_LINE_OVERLAP: f32 = 0.5;

/// Regions in map coordinates, each grown from the predicted core back to the full formula.
pub fn regions(map: &ProbMap, threshold: f32, inset: f32) -> Vec<Region> {
    let mut out = Vec::new();
    for pixels in components(map.width, map.height, &map.data, threshold) {
        if pixels.len() < MIN_COMPONENT {
            continue;
        }
        let score = pixels.iter().map(|&i| map.data[i]).sum::<f32>() / pixels.len() as f32;
        if score < MIN_SCORE {
            continue;
        }
        // each pixel is a unit square: use its four corners so thin components keep their extent
        let pts: Vec<Point> = pixels
            .iter()
            .flat_map(|&i| {
                let (x, y) = ((i % map.width) as f32, (i / map.width) as f32);
                [[x, y], [x + 1.0, y], [x, y + 1.0], [x + 1.0, y + 1.0]]
            })
            .collect();
        let (centre, w, h, angle) = min_area_rect(&pts);
        // the core is the formula inset by `inset * H` on each side: core height = H (1 - 2 inset).
        // H is the shorter side: on a page turned by 90 degrees the rectangle's "height" is the formula's length.
        let full_h = w.min(h) / (1.0 - 2.0 * inset).max(0.2);
        let grow = inset * full_h;
        out.push(Region { quad: rect_corners(centre, w + 2.0 * grow, h + 2.0 * grow, angle), score });
    }
    merge_line_fragments(out)
}

/// Unit vector along a quad's longer side: the direction its text line runs.
fn line_direction(q: &Quad) -> Point {
    let (w, h) = quad_size(q);
    let (a, b) = if w >= h { (q[0], q[1]) } else { (q[0], q[3]) };
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len = (dx * dx + dy * dy).sqrt().max(f32::EPSILON);
    [dx / len, dy / len]
}

/// Extent of a quad along `dir` (u) and across it (v), relative to `origin`.
fn extent(q: &Quad, origin: Point, dir: Point) -> ([f32; 2], [f32; 2]) {
    let (mut u, mut v) = ([f32::MAX, f32::MIN], [f32::MAX, f32::MIN]);
    for p in q {
        let (x, y) = (p[0] - origin[0], p[1] - origin[1]);
        let (pu, pv) = (x * dir[0] + y * dir[1], -x * dir[1] + y * dir[0]);
        u = [u[0].min(pu), u[1].max(pu)];
        v = [v[0].min(pv), v[1].max(pv)];
    }
    (u, v)
}

/// Whether two regions are pieces of one formula: the core map sometimes breaks a formula at a wide
/// operator gap, and the grown pieces then overlap along the line. Separate formulas on one line do
/// not overlap once grown (the growth only restores the inset the training target removed), and
/// formulas on neighbouring lines share less than half a height across the line.
fn same_formula(a: &Region, b: &Region) -> bool {
    let longer = |r: &Region| {
        let (w, h) = quad_size(&r.quad);
        w.max(h)
    };
    let (base, other) = if longer(a) >= longer(b) { (a, b) } else { (b, a) };
    let dir = line_direction(&base.quad);
    // the other's sides must be parallel or perpendicular to the line (a short piece may stand upright)
    let edge = [other.quad[1][0] - other.quad[0][0], other.quad[1][1] - other.quad[0][1]];
    let edge_len = (edge[0] * edge[0] + edge[1] * edge[1]).sqrt().max(f32::EPSILON);
    let (cos, sin) = (
        (edge[0] * dir[0] + edge[1] * dir[1]).abs() / edge_len,
        (edge[0] * dir[1] - edge[1] * dir[0]).abs() / edge_len,
    );
    if cos.min(sin) > MERGE_MAX_ANGLE_DEG.to_radians().sin() {
        return false;
    }
    let origin = quad_centre(&base.quad);
    let ((au, av), (bu, bv)) = (extent(&base.quad, origin, dir), extent(&other.quad, origin, dir));
    let along = au[1].min(bu[1]) - au[0].max(bu[0]);
    let across = av[1].min(bv[1]) - av[0].max(bv[0]);
    along > 0.0 && across >= MERGE_MIN_LINE_OVERLAP * (av[1] - av[0]).min(bv[1] - bv[0])
}

/// The smallest rotated rectangle around both regions; the score is their area-weighted mean.
fn merged(a: &Region, b: &Region) -> Region {
    let corners: Vec<Point> = a.quad.iter().chain(b.quad.iter()).copied().collect();
    let (centre, w, h, angle) = min_area_rect(&corners);
    let area = |r: &Region| {
        let (w, h) = quad_size(&r.quad);
        w * h
    };
    let (wa, wb) = (area(a), area(b));
    let score = (a.score * wa + b.score * wb) / (wa + wb).max(f32::EPSILON);
    Region { quad: rect_corners(centre, w, h, angle), score }
}

/// Merges fragments of one formula until no two regions are pieces of the same one. Settled regions
/// never match each other, so each new region is checked against them alone (O(n^2) in all, not a
/// rescan of every pair after each merge); a region that absorbs one has grown and is checked again.
pub fn merge_line_fragments(regions: Vec<Region>) -> Vec<Region> {
    let mut settled: Vec<Region> = Vec::with_capacity(regions.len());
    for mut region in regions {
        while let Some(k) = settled.iter().position(|s| same_formula(&region, s)) {
            let piece = settled.swap_remove(k);
            region = merged(&region, &piece);
        }
        settled.push(region);
    }
    settled
}

/// A close-up's regions joined into one per line. Close-ups are formulas hundreds of pixels tall,
/// several times what the detector was trained on; even at the close-up probe's size it breaks them
/// at wide gaps and around scripts (CROHME-train hold-out: 55 of 300 single-formula images came out
/// in two or more regions), and each piece read alone is wrong. In a close-up, regions whose extents
/// across the line overlap are pieces of one formula, however far apart along it. Regions merely
/// near each other across the line stay apart: a page of large formulas can pass for a close-up
/// (`scale::looks_close_up`), and its lines must not be run together (joining lines within 0.3 of a
/// height did that to one of the 200 synthetic test pages).
pub fn join_close_up_lines(regions: Vec<Region>) -> Vec<Region> {
    let Some(longest) = regions.iter().max_by(|a, b| quad_size(&a.quad).0.total_cmp(&quad_size(&b.quad).0)) else {
        return regions;
    };
    let (origin, dir) = (quad_centre(&longest.quad), line_direction(&longest.quad));
    // each region's extent across the line, top first
    let mut across: Vec<([f32; 2], Region)> =
        regions.into_iter().map(|r| (extent(&r.quad, origin, dir).1, r)).collect();
    across.sort_by(|a, b| a.0[0].total_cmp(&b.0[0]));
    // bands top to bottom across the line: (extent across, the band's region so far)
    let mut bands: Vec<([f32; 2], Region)> = Vec::new();
    for (v, region) in across {
        match bands.last_mut() {
            Some((band, joined)) if v[0] < band[1] => {
                *band = [band[0].min(v[0]), band[1].max(v[1])];
                *joined = merged(joined, &region);
            }
            _ => bands.push((v, region)),
        }
    }
    reading_order(bands.into_iter().map(|(_, r)| r).collect())
}

/// Lines top to bottom (regions whose vertical extents overlap by half the smaller height share a
/// line), left to right within a line.
pub fn reading_order(mut regions: Vec<Region>) -> Vec<Region> {
    regions.sort_by(|a, b| quad_centre(&a.quad)[1].total_cmp(&quad_centre(&b.quad)[1]));
    let mut lines: Vec<Vec<Region>> = Vec::new();
    for r in regions {
        let (c, h) = (quad_centre(&r.quad)[1], quad_size(&r.quad).1);
        let joins = lines.last().is_some_and(|line| {
            let last = &line[0];
            let (lc, lh) = (quad_centre(&last.quad)[1], quad_size(&last.quad).1);
            (c - lc).abs() < 0.5 * h.min(lh)
        });
        if joins {
            lines.last_mut().unwrap().push(r);
        } else {
            lines.push(vec![r]);
        }
    }
    lines
        .into_iter()
        .flat_map(|mut line| {
            line.sort_by(|a, b| quad_centre(&a.quad)[0].total_cmp(&quad_centre(&b.quad)[0]));
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_with(rects: &[(usize, usize, usize, usize)], w: usize, h: usize) -> ProbMap {
        let mut data = vec![0.0; w * h];
        for &(x0, y0, x1, y1) in rects {
            for y in y0..y1 {
                for x in x0..x1 {
                    data[y * w + x] = 0.9;
                }
            }
        }
        ProbMap { width: w, height: h, data }
    }

    #[test]
    fn finds_separate_regions_in_reading_order() {
        // two formulas on one line (right one first in memory order), one below
        let m = map_with(&[(40, 10, 60, 14), (5, 11, 30, 15), (10, 30, 50, 36)], 80, 50);
        let r = reading_order(regions(&m, 0.5, 0.1));
        assert_eq!(r.len(), 3);
        let xs: Vec<f32> = r.iter().map(|r| quad_centre(&r.quad)[0]).collect();
        let ys: Vec<f32> = r.iter().map(|r| quad_centre(&r.quad)[1]).collect();
        assert!(xs[0] < xs[1] && ys[2] > ys[0] + 10.0, "{xs:?} {ys:?}");
        // grown back: core height 4 -> full height 4 / 0.8 = 5
        let (w, h) = quad_size(&r[0].quad);
        assert!((h - 5.0).abs() < 0.2 && (w - 26.0).abs() < 0.2, "{w} {h}");
    }

    fn region(centre: [f32; 2], w: f32, h: f32, degrees: f32) -> Region {
        Region { quad: rect_corners(centre, w, h, degrees.to_radians()), score: 0.9 }
    }

    #[test]
    fn merges_overlapping_pieces_of_one_line() {
        // "x^2+" and "+3x-4=0": the pieces overlap along a slightly rotated line
        let pieces = vec![region([30.0, 20.0], 40.0, 12.0, 5.0), region([62.0, 23.0], 36.0, 11.0, 4.0)];
        let out = merge_line_fragments(pieces);
        assert_eq!(out.len(), 1);
        let (w, h) = quad_size(&out[0].quad);
        assert!(w > 70.0 && h < 16.0, "{w} {h}");
        // an upright short piece (a "1") inside the line joins too
        let out =
            merge_line_fragments(vec![region([40.0, 20.0], 60.0, 12.0, 0.0), region([72.0, 20.0], 6.0, 11.0, 0.0)]);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn a_close_up_line_broken_at_gaps_and_scripts_is_read_whole() {
        // "v" ... "=" ... "1" far apart along one line, a superscript above-right of the last, and a
        // second line of the solution below
        let pieces = vec![
            region([30.0, 60.0], 50.0, 60.0, 0.0),
            region([200.0, 62.0], 30.0, 20.0, 0.0),
            region([320.0, 60.0], 40.0, 60.0, 0.0),
            region([350.0, 25.0], 30.0, 30.0, 0.0),
            region([150.0, 160.0], 250.0, 50.0, 0.0),
        ];
        let out = join_close_up_lines(pieces);
        assert_eq!(out.len(), 2);
        let (w, h) = quad_size(&out[0].quad);
        assert!((w - 360.0).abs() < 6.0 && (h - 80.0).abs() < 2.0, "{w} {h}"); // the first line's four pieces
        assert!(quad_centre(&out[1].quad)[1] > 150.0);
        assert!(join_close_up_lines(Vec::new()).is_empty());
    }

    #[test]
    fn close_up_lines_that_only_come_near_stay_apart() {
        // two display formulas a fifth of a height apart: a page of large formulas, not one formula
        let lines = vec![region([100.0, 50.0], 180.0, 50.0, 0.0), region([100.0, 110.0], 180.0, 50.0, 0.0)];
        assert_eq!(join_close_up_lines(lines).len(), 2);
    }

    #[test]
    fn a_piece_that_bridges_two_settled_ones_joins_all_three() {
        // the outer pieces do not touch; the middle one, coming last, overlaps both
        let (left, right, middle) = (
            region([20.0, 20.0], 30.0, 10.0, 0.0),
            region([70.0, 20.0], 30.0, 10.0, 0.0),
            region([45.0, 20.0], 30.0, 10.0, 0.0),
        );
        let out = merge_line_fragments(vec![left, right, middle]);
        assert_eq!(out.len(), 1);
        let (w, _) = quad_size(&out[0].quad);
        assert!((w - 80.0).abs() < 0.5, "{w}");
    }

    #[test]
    fn keeps_separate_formulas_apart() {
        // side by side with a gap; on neighbouring lines overlapping a little; crossing at a steep angle
        for pair in [
            [region([20.0, 20.0], 30.0, 10.0, 0.0), region([60.0, 20.0], 30.0, 10.0, 0.0)],
            [region([40.0, 20.0], 60.0, 10.0, 0.0), region([45.0, 28.0], 60.0, 10.0, 0.0)],
            [region([40.0, 20.0], 60.0, 10.0, 0.0), region([40.0, 20.0], 60.0, 10.0, 30.0)],
        ] {
            assert_eq!(merge_line_fragments(pair.to_vec()).len(), 2);
        }
    }

    #[test]
    fn ignores_specks_and_weak_blobs() {
        let mut m = map_with(&[(5, 5, 7, 7)], 30, 30);
        for y in 15..20 {
            for x in 5..25 {
                m.data[y * 30 + x] = 0.51;
            }
        }
        assert!(regions(&m, 0.5, 0.1).is_empty());
    }
}
