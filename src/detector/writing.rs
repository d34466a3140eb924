//! A page's writing, from its ink alone: how tall it is (the median height of the pieces of ink,
//! letters, digits, symbols, on the detector's working copy) and which way its lines run.
//!
//! The small-print look (`Engine::finer_copy`) asks this when the detector's own regions cannot
//! say how small the page's formulas are. On a whole A4 page photographed from above, the detector
//! at the working size finds a display formula or two and misses the small inline ones, or finds
//! nothing; the median of what it found then says nothing about what it missed. On 100 such pages
//! (the data engine's val split at 1754 px) 94 have formulas a median under 14 px tall at 800, yet
//! 51 never took the look when only the regions decided.
//!
//! The quarter-turn check (`orientation::letters_say_sideways`) asks which way the lines run when
//! the regions cannot say: a page lying on its side whose few formulas are inline and small shows
//! the detector no formula at all, yet its prose still runs down the photo.
//!
//! A small-print page skips the working size's pass (`scale::writing_settles_a_larger_look`) and is
//! levelled for the larger look by its letters' slant (`Writing::slant`): there the working size's
//! regions, the few the detector finds on small print, are mostly upright boxes whatever the page's
//! slant, while the letters are many and line up along the page's lines.

use crate::components::{pieces, Piece};
use crate::preprocess::to_gray;
use crate::stats::upper_median;
use image::RgbImage;

/// Side of the square blocks the paper's brightness is estimated in: with their neighbours, a
/// 24-px window, wider than any letter at the working size, narrower than a shadow's gradient.
const BLOCK: usize = 8;
/// A pixel is ink where it is darker than this share of the paper around it (ordinary sensor
/// noise, a few percent of the paper's level, stays well above it).
const INK_CONTRAST: f32 = 0.75;
/// Pieces taller or wider than this (pixels) are not letters: rules, grid lines, a drawing.
const MAX_PIECE: usize = 40;
/// Pieces shorter than this or with fewer pixels than `MIN_PIECE_AREA` are specks, not letters.
const MIN_PIECE: usize = 2;
const MIN_PIECE_AREA: usize = 3;
/// Pieces whose surroundings are brighter on one side by this share of their brightness changes
/// (`one_sidedness`) are the dark side of an edge, not ink.
const MAX_ONE_SIDEDNESS: f32 = 0.5;
/// Fewer letter-like pieces than this: too little writing to say how tall it is.
const MIN_PIECES: usize = 20;
/// Pieces up to this size (pixels, either way) count towards where the page's writing is
/// (`Writing::extent`): a formula's large symbols and a short fraction bar beside its letters, but
/// not a ruled or grid line running across the page, nor a drawing's frame.
const MAX_MARK: usize = 160;

/// What the letters of a working copy say about its writing (`Writing::of`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Writing {
    /// the letters' median height in the copy's pixels (`height_of`)
    pub height: Option<f32>,
    /// the share of letters whose nearest neighbour is beside them (`letters_across_share`)
    pub across: Option<f32>,
    /// the angle (degrees) that lines the letters up best (`lines_slant`): a slanted page is
    /// detected turned level by it straight away (`pipeline::Engine::detect_page`)
    pub slant: Option<f32>,
    /// the box round every mark of writing (letters, symbols, bars: `MAX_MARK`) in the copy's
    /// pixels: the small-print look detects this part of the page only (`scale::writing_window`).
    /// None where there is no writing.
    pub extent: Option<Extent>,
}

/// A box in a copy's pixels: `left..right` across, `top..bottom` down.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Extent {
    pub left: usize,
    pub top: usize,
    pub right: usize,
    pub bottom: usize,
}

impl Writing {
    pub fn of(img: &RgbImage) -> Writing {
        let Some(ink) = Ink::of(img) else {
            return Writing::default();
        };
        let letters = ink.letters();
        let height = height_of(&letters);
        Writing {
            height,
            across: height.and_then(|size| letters_across_share(&letters, size)),
            slant: lines_slant(&letters),
            extent: ink.extent(),
        }
    }
}

/// The letter-like pieces of ink on `img` (its letters, digits and symbols), as boxes in its pixels.
pub fn letters(img: &RgbImage) -> Vec<Piece> {
    Ink::of(img).map(|ink| ink.letters()).unwrap_or_default()
}

/// The pieces of ink on a copy (darker than `INK_CONTRAST` times the paper round them), with the
/// copy's brightness to tell ink from the dark side of an edge (`one_sidedness`).
struct Ink {
    luma: Vec<f32>,
    width: usize,
    height: usize,
    pieces: Vec<Piece>,
}

impl Ink {
    /// None for an empty image.
    fn of(img: &RgbImage) -> Option<Ink> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        if w == 0 || h == 0 {
            return None;
        }
        let luma = to_gray(img).data;
        let pieces = ink_pieces(&luma, w, h);
        Some(Ink { luma, width: w, height: h, pieces })
    }

    fn is_ink(&self, p: &Piece) -> bool {
        p.pixels >= MIN_PIECE_AREA && one_sidedness(&self.luma, self.width, self.height, p) < MAX_ONE_SIDEDNESS
    }

    fn letters(&self) -> Vec<Piece> {
        let letter_sized = |p: &Piece| (MIN_PIECE..=MAX_PIECE).contains(&p.height()) && p.width() <= MAX_PIECE;
        self.pieces.iter().filter(|p| letter_sized(p) && self.is_ink(p)).copied().collect()
    }

    /// The box round every mark (`MAX_MARK`); None where there is none.
    fn extent(&self) -> Option<Extent> {
        let mark_sized = |p: &Piece| p.height() >= MIN_PIECE && p.height() <= MAX_MARK && p.width() <= MAX_MARK;
        self.pieces.iter().filter(|p| mark_sized(p) && self.is_ink(p)).fold(None, |extent, p| {
            let e = extent.unwrap_or(Extent { left: p.left, top: p.top, right: p.right, bottom: p.bottom });
            Some(Extent {
                left: e.left.min(p.left),
                top: e.top.min(p.top),
                right: e.right.max(p.right),
                bottom: e.bottom.max(p.bottom),
            })
        })
    }
}

/// Every piece of ink on the `w` x `h` brightness image `luma`.
fn ink_pieces(luma: &[f32], w: usize, h: usize) -> Vec<Piece> {
    let paper = paper_levels(luma, w, h);
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let ink: Vec<f32> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let level = paper[(y / BLOCK).min(bh - 1) * bw + (x / BLOCK).min(bw - 1)];
            if luma[i] < INK_CONTRAST * level {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    pieces(w, h, &ink, 0.5)
}

/// How much of the brightness change around `piece` runs one way (0 to 1): the length of the sum
/// of its brightness gradients over its box and a pixel round it, over the sum of their lengths. A
/// stroke of ink is darker than the paper on every side, so its gradients cancel (near 0); the
/// dark side of a shadow's edge, cut into pieces by the paper blocks' steps, is darker on one side
/// only (near 1).
fn one_sidedness(luma: &[f32], w: usize, h: usize, piece: &Piece) -> f32 {
    let (x0, x1) = (piece.left.max(2) - 1, (piece.right + 1).min(w - 1));
    let (y0, y1) = (piece.top.max(2) - 1, (piece.bottom + 1).min(h - 1));
    let (mut sum_x, mut sum_y, mut length) = (0.0f32, 0.0f32, 0.0f32);
    for y in y0..y1 {
        for x in x0..x1 {
            let gx = luma[y * w + x + 1] - luma[y * w + x - 1];
            let gy = luma[(y + 1) * w + x] - luma[(y - 1) * w + x];
            sum_x += gx;
            sum_y += gy;
            length += gx.hypot(gy);
        }
    }
    if length > 0.0 {
        sum_x.hypot(sum_y) / length
    } else {
        0.0
    }
}

/// The median height of `letters`; None when there are too few to tell.
pub fn height_of(letters: &[Piece]) -> Option<f32> {
    if letters.len() < MIN_PIECES {
        return None;
    }
    upper_median(&letters.iter().map(|p| p.height() as f32).collect::<Vec<_>>())
}

/// The share of `letters`, whose median height (`height_of`) is `size`, whose nearest neighbour (by
/// the gap between their boxes) lies beside them rather than above or below: letters of a line sit
/// closer to each other than to the lines above and below, so this is high on an upright page and
/// low on one lying on its side. None when there are too few letters to tell.
fn letters_across_share(letters: &[Piece], size: f32) -> Option<f32> {
    // a grid of cells a few letters wide: a letter's nearest neighbour is in its cell or the next ones
    let cell = (3.0 * size).max(4.0) as usize;
    let cols = letters.iter().map(|p| p.right).max().unwrap_or(0) / cell + 1;
    let rows = letters.iter().map(|p| p.bottom).max().unwrap_or(0) / cell + 1;
    let mut grid: Vec<Vec<usize>> = vec![Vec::new(); cols * rows];
    let centre = |p: &Piece| ((p.left + p.right) / 2, (p.top + p.bottom) / 2);
    for (i, p) in letters.iter().enumerate() {
        let (x, y) = centre(p);
        grid[(y / cell) * cols + x / cell].push(i);
    }
    let (mut across, mut counted) = (0usize, 0usize);
    for (i, p) in letters.iter().enumerate() {
        let (x, y) = centre(p);
        let (cx, cy) = (x / cell, y / cell);
        let mut best: Option<(usize, bool)> = None;
        for gy in cy.saturating_sub(1)..(cy + 2).min(rows) {
            for gx in cx.saturating_sub(1)..(cx + 2).min(cols) {
                for &j in &grid[gy * cols + gx] {
                    if j == i {
                        continue;
                    }
                    let q = &letters[j];
                    let gap_x = q.left.saturating_sub(p.right).max(p.left.saturating_sub(q.right));
                    let gap_y = q.top.saturating_sub(p.bottom).max(p.top.saturating_sub(q.bottom));
                    if gap_x == gap_y {
                        continue; // boxes that overlap (or touch corners) say no direction
                    }
                    let gap = gap_x.max(gap_y);
                    // beside: the neighbour is further off sideways than up or down
                    let beside = gap_x > gap_y;
                    if best.is_none_or(|(g, _)| gap < g) {
                        best = Some((gap, beside));
                    }
                }
            }
        }
        if let Some((_, beside)) = best {
            counted += 1;
            across += beside as usize;
        }
    }
    (counted >= MIN_PIECES).then(|| across as f32 / counted as f32)
}

/// The slants tried by `lines_slant`, in degrees either way: every one up to the diagonal, so that a
/// steeply slanted page is never taken for a level one because its slant was not tried.
const MAX_SLANT_DEG: f32 = 45.0;
const SLANT_STEP_DEG: f32 = 0.5;
/// How much sharper than the level page's the best slant's profile must be for the lines to count
/// as slanted: a level page's profile is sharpest at 0 within noise.
const SLANT_GAIN: f32 = 1.05;

/// The angle (degrees, either way up) at which the letters' centres line up best: the letters of a
/// line share a height across the page, so projected at the lines' slant onto the page's side their
/// centres pile up in a few rows and the profile's sum of squares peaks (Postl's projection profile).
/// 0 unless a slant piles them up `SLANT_GAIN` times as sharply as the level page does: a page with
/// no clear lines reads level. None when there are too few letters.
fn lines_slant(letters: &[Piece]) -> Option<f32> {
    if letters.len() < MIN_PIECES {
        return None;
    }
    let centres: Vec<(f32, f32)> =
        letters.iter().map(|p| ((p.left + p.right) as f32 / 2.0, (p.top + p.bottom) as f32 / 2.0)).collect();
    let reach = centres.iter().map(|&(x, y)| x.hypot(y)).fold(0.0f32, f32::max).ceil() as usize + 1;
    let mut rows = vec![0u32; 2 * reach + 1];
    let mut sharpness = |deg: f32| {
        let (sin, cos) = deg.to_radians().sin_cos();
        rows.iter_mut().for_each(|r| *r = 0);
        for &(x, y) in &centres {
            rows[(y * cos - x * sin + reach as f32) as usize] += 1;
        }
        rows.iter().map(|&n| (n as f64) * (n as f64)).sum::<f64>()
    };
    let level = sharpness(0.0);
    let steps = (MAX_SLANT_DEG / SLANT_STEP_DEG) as i32;
    let (best, sharpest) = (-steps..=steps)
        .filter(|&k| k != 0) // the level profile is the fold's start
        .map(|k| k as f32 * SLANT_STEP_DEG)
        .map(|deg| (deg, sharpness(deg)))
        .fold((0.0f32, level), |best, next| if next.1 > best.1 { next } else { best });
    Some(if sharpest > level * SLANT_GAIN as f64 { best } else { 0.0 })
}

/// The paper's brightness around each `BLOCK` x `BLOCK` block: the brightest pixel of the block
/// and its eight neighbours (paper is the brightest thing near writing; a shadow or the table
/// around the page is dark in its own neighbourhood too, so it is not taken for ink).
fn paper_levels(luma: &[f32], w: usize, h: usize) -> Vec<f32> {
    let (bw, bh) = (w.div_ceil(BLOCK), h.div_ceil(BLOCK));
    let mut block_max = vec![0.0f32; bw * bh];
    for (i, &v) in luma.iter().enumerate() {
        let b = (i / w / BLOCK) * bw + (i % w) / BLOCK;
        block_max[b] = block_max[b].max(v);
    }
    let mut levels = vec![0.0f32; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            let mut m = 0.0f32;
            for ny in by.saturating_sub(1)..(by + 2).min(bh) {
                for nx in bx.saturating_sub(1)..(bx + 2).min(bw) {
                    m = m.max(block_max[ny * bw + nx]);
                }
            }
            levels[by * bw + bx] = m;
        }
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A page of `rows` x `cols` dark letters `size` px tall on paper that darkens from left to
    /// right (a shadow), on a dark table.
    fn page(size: u32, rows: u32, cols: u32) -> RgbImage {
        let (w, h) = (cols * size * 2 + 40, rows * size * 3 + 40);
        RgbImage::from_fn(w + 40, h + 40, |x, y| {
            if x < 20 || y < 20 || x >= w + 20 || y >= h + 20 {
                return Rgb([60, 50, 40]); // the table
            }
            let paper = 230 - (120 * x / (w + 40)) as u8;
            let (col, row) = ((x.max(40) - 40) / (size * 2), (y.max(40) - 40) / (size * 3));
            let letter = x >= 40
                && y >= 40
                && col < cols
                && row < rows
                && (x - 40) % (size * 2) < size
                && (y - 40) % (size * 3) < size;
            if letter {
                Rgb([paper / 4; 3])
            } else {
                Rgb([paper; 3])
            }
        })
    }

    #[test]
    fn measures_letters_under_a_shadow_and_ignores_the_table() {
        assert_eq!(Writing::of(&page(4, 10, 20)).height, Some(4.0));
        assert_eq!(Writing::of(&page(11, 6, 10)).height, Some(11.0));
    }

    #[test]
    fn too_little_writing_or_none_says_nothing() {
        // ten letters: too few to say how tall or which way, but where they are
        let few = Writing::of(&page(4, 2, 5));
        assert_eq!(Writing { extent: None, ..few }, Writing::default());
        assert!(few.extent.is_some());
        assert_eq!(Writing::of(&RgbImage::from_pixel(300, 200, Rgb([220; 3]))), Writing::default());
        assert_eq!(Writing::of(&RgbImage::new(0, 0)), Writing::default());
    }

    #[test]
    fn the_writing_s_extent_holds_every_mark_but_not_rules_or_the_table() {
        let letters = page(4, 10, 20);
        // the letters: 40 + 19 x 8 + 4 across, 40 + 9 x 12 + 4 down
        let extent = Extent { left: 40, top: 40, right: 196, bottom: 152 };
        assert_eq!(Writing::of(&letters).extent, Some(extent));
        let mut marked = letters.clone();
        let (w, h) = marked.dimensions();
        for x in 25..w - 25 {
            marked.put_pixel(x, 30, Rgb([20; 3])); // a rule across the paper: not writing
        }
        for x in 60..150 {
            for y in 158..160 {
                marked.put_pixel(x, y, Rgb([20; 3])); // a fraction bar under the letters: writing
            }
        }
        assert!(h > 165);
        assert_eq!(Writing::of(&marked).extent, Some(Extent { bottom: 160, ..extent }));
    }

    #[test]
    fn rules_and_specks_are_not_letters() {
        // ruled paper: long lines only; single-pixel noise: specks only
        let ruled = RgbImage::from_fn(400, 300, |_, y| if y % 20 == 0 { Rgb([40; 3]) } else { Rgb([220; 3]) });
        assert_eq!(Writing::of(&ruled), Writing::default());
        let specks =
            RgbImage::from_fn(400, 300, |x, y| if (x * 7 + y * 13) % 97 == 0 { Rgb([30; 3]) } else { Rgb([220; 3]) });
        assert_eq!(Writing::of(&specks), Writing::default());
    }

    #[test]
    fn the_lines_slant_is_the_angle_that_lines_the_letters_up() {
        let page = page(5, 8, 12);
        assert_eq!(Writing::of(&page).slant, Some(0.0));
        for deg in [3.0f32, -4.0, 7.0, 30.0] {
            let turned = turned_on_paper(&page, deg);
            let slant = Writing::of(&turned).slant.unwrap();
            // signed as `deskew::page_slant` signs a reading side (y down): the same turn, the same sign
            assert!((slant - deg).abs() <= 1.0, "a page turned {deg} degrees read as {slant}");
        }
    }

    #[test]
    fn a_shadows_edge_is_not_taken_for_a_line_of_letters() {
        // a page of the data engine's val split (`make_pages --split val --seed 12`, its 93rd) at the
        // working size: a hard shadow crosses it at 23 degrees, the paper blocks' steps cut the
        // edge's dark side into pieces of letter size lined up along it, and its few small letters
        // lie level (its formulas' own slant: -0.2 degrees); read as 23 degrees before
        let page = image::open("tests/fixtures/page-shadow-edge.jpg").unwrap().to_rgb8();
        let writing = Writing::of(&page);
        assert!(writing.slant.is_some_and(|deg| deg.abs() <= 1.0), "{writing:?}");
    }

    /// `img` turned `deg` degrees about its centre on paper of its corner's colour (nearest pixel).
    fn turned_on_paper(img: &RgbImage, deg: f32) -> RgbImage {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let (sin, cos) = deg.to_radians().sin_cos();
        let paper = *img.get_pixel(25, 25);
        RgbImage::from_fn(img.width(), img.height(), |x, y| {
            let (dx, dy) = (x as f32 - w / 2.0, y as f32 - h / 2.0);
            let (sx, sy) = (dx * cos + dy * sin + w / 2.0, -dx * sin + dy * cos + h / 2.0);
            if sx >= 0.0 && sy >= 0.0 && sx < w && sy < h {
                *img.get_pixel(sx as u32, sy as u32)
            } else {
                paper
            }
        })
    }

    #[test]
    fn letters_of_a_line_sit_beside_each_other_upright_and_above_each_other_on_the_side() {
        // letters a letter apart along their lines, lines two letters apart
        let upright = page(5, 8, 12);
        assert_eq!(Writing::of(&upright).across, Some(1.0));
        let sideways = Writing::of(&image::imageops::rotate90(&upright));
        assert_eq!(sideways.across, Some(0.0));
        assert_eq!(sideways.height, Some(5.0));
    }
}
