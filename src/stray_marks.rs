//! Stray marks: specks of dust, dots of the page's noise, a fleck of a neighbouring line, far from the
//! formula. Training implements the same rule (training/mathsnap_train/stray_marks.py) and
//! tests/preprocess_parity.rs checks the two frame alike.
//!
//! Why: framing cuts a crop to where its ink is, and a few specks far below a formula on a phone
//! photo stretched the frame to three times the formula's height, so the model read it a third of its
//! size. Trimming a share of the ink at each edge cannot tell specks from symbols once they add up to
//! more than that share; their distance from everything else can.
//!
//! The rule, on a framing probe's ink map (ink 1, paper 0): the ink's connected pieces (8-connected, at
//! a quarter strength, so that a speck a downscaled probe blurs still counts) that lie within one
//! symbol height of each other across the line and three along it form groups (handwriting leaves wide
//! spaces along a line: a leading minus sign, an ellipsis). A group of nothing but specks (pieces with
//! fewer pixels than a square half a symbol high) and with less than `STRAY_SHARE` of the largest
//! group's pixels is stray; a small denominator written far below a long fraction bar has a
//! symbol-sized piece, and stays. A symbol height is the median height of the pieces at least a fifth
//! the size of the largest, leaving out bars (fraction bars and minus signs) and so specks and the dots
//! of i.

use crate::components::{self, Piece};
use crate::preprocess::Gray;
use crate::stats::median;

/// Ink strength that makes a piece.
const STRAY_INK: f32 = 0.25;
/// Pieces closer than this x a symbol height across the line, and than `STRAY_LINK_ALONG` along it,
/// belong to one group.
const STRAY_LINK_ACROSS: f64 = 1.0;
const STRAY_LINK_ALONG: f64 = 3.0;
/// A group with less than this share of the largest group's pixels is stray.
const STRAY_SHARE: f64 = 0.1;
/// Pieces at least this share of the largest piece's pixels measure a symbol.
const STRAY_SYMBOL: f64 = 0.2;
/// A piece this many times wider than high is a bar (a fraction bar, a minus sign), not a symbol.
const STRAY_BAR: usize = 4;
/// A speck has fewer pixels than a square this x a symbol height wide.
const STRAY_SPECK: f64 = 0.5;
/// Past this many pieces the probe is noise, not marks: it is left as it is.
const STRAY_MAX_PIECES: usize = 2000;

impl Piece {
    /// Whether two pieces belong to one group: the empty columns between their boxes (0 when they
    /// touch or overlap) and the empty rows, each within its share of a symbol height.
    fn near(&self, other: &Piece, symbol: f64) -> bool {
        let gap_x = other.left.saturating_sub(self.right).max(self.left.saturating_sub(other.right));
        let gap_y = other.top.saturating_sub(self.bottom).max(self.top.saturating_sub(other.bottom));
        gap_x as f64 <= STRAY_LINK_ALONG * symbol && gap_y as f64 <= STRAY_LINK_ACROSS * symbol
    }
}

/// Union-find over piece indices, for pieces into groups.
struct Sets(Vec<usize>);

impl Sets {
    fn new(n: usize) -> Self {
        Sets((0..n).collect())
    }
    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// The 8-connected pieces of the ink at `STRAY_INK` or more, in order of their first pixel.
fn pieces(ink: &Gray) -> Vec<Piece> {
    components::pieces(ink.width, ink.height, &ink.data, STRAY_INK)
}

/// The stray pieces of an ink map.
fn stray_pieces(ink: &Gray) -> Vec<Piece> {
    let found = pieces(ink);
    if found.len() < 2 || found.len() > STRAY_MAX_PIECES {
        return Vec::new();
    }
    // fraction bars and minus signs say nothing of a symbol's height (a long bar would pass for the
    // one symbol-sized piece and make the symbol as thin as itself)
    let is_shape = |p: &Piece| p.right - p.left <= STRAY_BAR * (p.bottom - p.top);
    let shapes: Vec<&Piece> = if found.iter().any(is_shape) {
        found.iter().filter(|p| is_shape(p)).collect()
    } else {
        found.iter().collect()
    };
    let largest = shapes.iter().map(|p| p.pixels).max().unwrap_or(0) as f64;
    let symbol_heights: Vec<f64> = shapes
        .iter()
        .filter(|p| p.pixels as f64 >= STRAY_SYMBOL * largest)
        .map(|p| (p.bottom - p.top) as f64)
        .collect();
    let Some(symbol) = median(&symbol_heights) else { return Vec::new() };
    let mut groups = Sets::new(found.len());
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            if found[i].near(&found[j], symbol) {
                groups.join(i, j);
            }
        }
    }
    let mut group_pixels = vec![0usize; found.len()];
    let mut group_has_symbol = vec![false; found.len()];
    for (i, p) in found.iter().enumerate() {
        let root = groups.root(i);
        group_pixels[root] += p.pixels;
        group_has_symbol[root] |= p.pixels as f64 >= (STRAY_SPECK * symbol).powi(2);
    }
    let most = *group_pixels.iter().max().unwrap_or(&0) as f64;
    (0..found.len())
        .filter(|&i| {
            let root = groups.root(i);
            !group_has_symbol[root] && (group_pixels[root] as f64) < STRAY_SHARE * most
        })
        .map(|i| found[i])
        .collect()
}

/// The ink map with its stray pieces (and the pixel of faint edge around each) set to paper.
pub fn without_stray_marks(mut ink: Gray) -> Gray {
    for p in stray_pieces(&ink) {
        for y in p.top.saturating_sub(1)..(p.bottom + 1).min(ink.height) {
            for x in p.left.saturating_sub(1)..(p.right + 1).min(ink.width) {
                ink.data[y * ink.width + x] = 0.0;
            }
        }
    }
    ink
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paint(ink: &mut Gray, (top, bottom, left, right): (usize, usize, usize, usize)) {
        for y in top..bottom {
            for x in left..right {
                ink.data[y * ink.width + x] = 1.0;
            }
        }
    }

    /// Five symbols 12 px high in a row, as a probe sees a formula.
    fn formula() -> Gray {
        let mut ink = Gray::new(200, 64);
        for k in 0..5 {
            paint(&mut ink, (10, 22, 20 + 20 * k, 30 + 20 * k));
        }
        ink
    }

    #[test]
    fn far_specks_are_stray_and_a_near_dot_is_not() {
        let mut ink = formula();
        paint(&mut ink, (55, 57, 40, 42)); // a speck far below
        paint(&mut ink, (50, 52, 150, 151)); // another
        paint(&mut ink, (15, 16, 1, 5)); // a minus sign written a symbol and more before the formula
        paint(&mut ink, (6, 8, 42, 44)); // the dot of an i, just above a symbol
        let cleaned = without_stray_marks(ink.clone());
        assert_eq!(cleaned.at(40, 55), 0.0);
        assert_eq!(cleaned.at(150, 50), 0.0);
        assert_eq!(cleaned.at(42, 6), 1.0);
        assert_eq!(cleaned.at(1, 15), 1.0);
        assert_eq!(cleaned.at(20, 10), 1.0);
    }

    #[test]
    fn a_far_part_with_real_symbols_is_kept() {
        let mut ink = formula();
        paint(&mut ink, (10, 22, 170, 180)); // a symbol set apart, as "+ C" after a wide space
        paint(&mut ink, (40, 52, 140, 150)); // a second line
        assert_eq!(without_stray_marks(ink.clone()).data, ink.data);
    }

    #[test]
    fn a_small_denominator_far_below_a_long_bar_is_not_stray() {
        let mut ink = formula();
        paint(&mut ink, (27, 31, 15, 195)); // a long fraction bar under the five symbols: the largest piece
        paint(&mut ink, (44, 52, 100, 108)); // a small one-letter denominator, written well below it
        assert_eq!(without_stray_marks(ink.clone()).data, ink.data);
    }

    #[test]
    fn pieces_join_across_diagonals() {
        let mut ink = Gray::new(6, 6);
        for i in 0..6 {
            ink.data[i * 6 + i] = 1.0;
        }
        let found = pieces(&ink);
        assert_eq!(found, vec![Piece { top: 0, bottom: 6, left: 0, right: 6, pixels: 6 }]);
    }

    #[test]
    fn blank_and_single_piece_maps_are_left_alone() {
        let blank = Gray::new(30, 10);
        assert_eq!(without_stray_marks(blank.clone()).data, blank.data);
        let mut one = Gray::new(30, 10);
        paint(&mut one, (2, 4, 2, 4));
        assert_eq!(without_stray_marks(one.clone()).data, one.data);
    }
}
