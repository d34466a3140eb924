//! Probability map -> formula quads: threshold, connected components, minimum-area rotated
//! rectangle of each component, grown back by the training inset; then reading order.

use super::Region;
use crate::geometry::{min_area_rect, quad_centre, quad_size, rect_corners, Point};

pub struct ProbMap {
    pub width: usize,
    pub height: usize,
    pub data: Vec<f32>,
}

/// Components smaller than this (in map pixels) are noise, not formulas.
const MIN_COMPONENT: usize = 6;
/// A region's mean probability must clear this to be reported.
const MIN_SCORE: f32 = 0.55;

/// 8-connected components of pixels above `threshold`.
fn components(map: &ProbMap, threshold: f32) -> Vec<Vec<usize>> {
    let (w, h) = (map.width, map.height);
    let mut label = vec![u32::MAX; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if label[start] != u32::MAX || map.data[start] < threshold {
            continue;
        }
        let id = out.len() as u32;
        let mut pixels = Vec::new();
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            pixels.push(i);
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if label[j] == u32::MAX && map.data[j] >= threshold {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(pixels);
    }
    out
}

/// Regions in map coordinates, each grown from the predicted core back to the full formula.
pub fn regions(map: &ProbMap, threshold: f32, inset: f32) -> Vec<Region> {
    let mut out = Vec::new();
    for pixels in components(map, threshold) {
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
    out
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
