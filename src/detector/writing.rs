//! How tall a page's writing is, from its ink alone: the median height of the pieces of ink
//! (letters, digits, symbols) on the detector's working copy.
//!
//! The small-print look (`Engine::finer_copy`) asks this when the detector's own regions cannot
//! say how small the page's formulas are. On a whole A4 page photographed from above, the detector
//! at the working size finds a display formula or two and misses the small inline ones, or finds
//! nothing; the median of what it found then says nothing about what it missed. On 100 such pages
//! (the data engine's val split at 1754 px) 94 have formulas a median under 14 px tall at 800, yet
//! 51 never took the look when only the regions decided.

use crate::components::pieces;
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
/// Fewer letter-like pieces than this: too little writing to say how tall it is.
const MIN_PIECES: usize = 20;

/// The median height in pixels of the letter-like pieces of ink on `img`; None when there are too
/// few to tell.
pub fn writing_height(img: &RgbImage) -> Option<f32> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return None;
    }
    let luma = to_gray(img).data;
    let paper = paper_levels(&luma, w, h);
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
    let heights: Vec<f32> = pieces(w, h, &ink, 0.5)
        .iter()
        .filter(|p| p.pixels >= MIN_PIECE_AREA)
        .filter(|p| (MIN_PIECE..=MAX_PIECE).contains(&p.height()) && p.width() <= MAX_PIECE)
        .map(|p| p.height() as f32)
        .collect();
    if heights.len() < MIN_PIECES {
        return None;
    }
    upper_median(&heights)
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
        assert_eq!(writing_height(&page(4, 10, 20)), Some(4.0));
        assert_eq!(writing_height(&page(11, 6, 10)), Some(11.0));
    }

    #[test]
    fn too_little_writing_or_none_says_nothing() {
        assert_eq!(writing_height(&page(4, 2, 5)), None);
        assert_eq!(writing_height(&RgbImage::from_pixel(300, 200, Rgb([220; 3]))), None);
        assert_eq!(writing_height(&RgbImage::new(0, 0)), None);
    }

    #[test]
    fn rules_and_specks_are_not_letters() {
        // ruled paper: long lines only; single-pixel noise: specks only
        let ruled = RgbImage::from_fn(400, 300, |_, y| if y % 20 == 0 { Rgb([40; 3]) } else { Rgb([220; 3]) });
        assert_eq!(writing_height(&ruled), None);
        let specks =
            RgbImage::from_fn(400, 300, |x, y| if (x * 7 + y * 13) % 97 == 0 { Rgb([30; 3]) } else { Rgb([220; 3]) });
        assert_eq!(writing_height(&specks), None);
    }
}
