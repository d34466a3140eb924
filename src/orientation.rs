//! Whole-page turns (90°, 180°, 270°): a photo taken with the phone sideways or the worksheet
//! upside down. The detector is trained on upright pages (±45° at most), so a quarter-turned page
//! shows up as tall regions; a half-turned page looks like an upright one to it and is told apart
//! by its text lines, aligned on the left when upright (the engine falls back on the recognizer,
//! which reads upside-down formulas with lower confidence, when the lines do not tell).

use crate::detector::writing::Writing;
use crate::detector::Region;
use crate::geometry::{quad_size, Point, Quad};
use crate::preprocess::to_gray;
use crate::stats::upper_median;
use image::{imageops, RgbImage};

/// How far the photo must be turned clockwise to make the page upright.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageTurn {
    None,
    Cw90,
    Cw180,
    Cw270,
}

impl PageTurn {
    pub fn degrees(self) -> u32 {
        match self {
            PageTurn::None => 0,
            PageTurn::Cw90 => 90,
            PageTurn::Cw180 => 180,
            PageTurn::Cw270 => 270,
        }
    }

    /// This turn followed by another half turn.
    pub fn then_half(self) -> PageTurn {
        match self {
            PageTurn::None => PageTurn::Cw180,
            PageTurn::Cw90 => PageTurn::Cw270,
            PageTurn::Cw180 => PageTurn::None,
            PageTurn::Cw270 => PageTurn::Cw90,
        }
    }

    /// The photo turned upright.
    pub fn straighten(self, img: &RgbImage) -> RgbImage {
        match self {
            PageTurn::None => img.clone(),
            PageTurn::Cw90 => imageops::rotate90(img),
            PageTurn::Cw180 => imageops::rotate180(img),
            PageTurn::Cw270 => imageops::rotate270(img),
        }
    }

    /// A point of the upright page back in the photo's own pixels (photo size `w` x `h`).
    pub fn to_photo(self, p: Point, w: f32, h: f32) -> Point {
        let [u, v] = p;
        match self {
            PageTurn::None => [u, v],
            PageTurn::Cw90 => [v, h - u],
            PageTurn::Cw180 => [w - u, h - v],
            PageTurn::Cw270 => [w - v, u],
        }
    }

    /// A point of the photo (size `w` x `h`) on the upright page: `to_photo` undone.
    pub fn from_photo(self, p: Point, w: f32, h: f32) -> Point {
        let [x, y] = p;
        match self {
            PageTurn::None => [x, y],
            PageTurn::Cw90 => [h - y, x],
            PageTurn::Cw180 => [w - x, h - y],
            PageTurn::Cw270 => [y, w - x],
        }
    }

    /// A quad of the upright page in the photo's pixels; corners keep the formula's own order
    /// (its top-left first), so the quad still says which way the formula reads.
    pub fn quad_to_photo(self, q: &Quad, w: f32, h: f32) -> Quad {
        q.map(|p| self.to_photo(p, w, h))
    }
}

/// The share of the detected formula area (weighted by score) in regions clearly wider than
/// tall, among those clearly wider or taller; 0.5 when there are none. Formulas run across an
/// upright page, so this is near 1 upright and near 0 for a page lying on its side.
pub fn across_share(regions: &[Region]) -> f32 {
    let (mut tall, mut wide) = (0.0f32, 0.0f32);
    for r in regions {
        let (w, h) = quad_size(&r.quad);
        let area = w * h * r.score;
        if h > w * 1.2 {
            tall += area;
        } else if w > h * 1.2 {
            wide += area;
        }
    }
    if tall + wide > 0.0 {
        wide / (tall + wide)
    } else {
        0.5
    }
}

/// Regions found on the page as photographed suggest it lies on its side.
pub fn looks_sideways(regions: &[Region]) -> bool {
    across_share(regions) < 0.15
}

/// Regions found on the page as photographed say it is upright: they run across it.
pub fn looks_upright(regions: &[Region]) -> bool {
    across_share(regions) > 0.85
}

/// Below this share of letters whose nearest neighbour sits beside them (`Writing::across`), the
/// page's lines run down the photo. On the data engine's pages generated upright (the 100 val pages
/// at 1754 px and the 200 test pages at 640, all but the cell generated already turned) the share
/// is 0.41 at the lowest (blur, shadow); of the same pages turned a quarter, 86% and 83% fall below.
const LETTERS_SIDEWAYS_BELOW: f32 = 0.3;

/// The page's letters say its lines run down the photo: it lies on its side.
pub fn letters_say_sideways(writing: &Writing) -> bool {
    writing.across.is_some_and(|share| share < LETTERS_SIDEWAYS_BELOW)
}

/// The page's letters say its lines run across the photo (too few letters with a neighbour say
/// neither this nor `letters_say_sideways`).
pub fn letters_say_across(writing: &Writing) -> bool {
    writing.across.is_some_and(|share| share >= LETTERS_SIDEWAYS_BELOW)
}

/// Regions found after a quarter turn confirm it: they now run across the page.
pub fn confirms_quarter_turn(before: &[Region], after: &[Region]) -> bool {
    let (b, a) = (across_share(before), across_share(after));
    a > 0.85 && a > b
}

/// Lines of a page are left-aligned (problem numbers, prose, and most formulas start at the left
/// margin) and end raggedly on the right; upside down, the aligned edge is on the right. Some(true)
/// when the page's lines say it is upside down, Some(false) when they say upright, None when
/// there are too few lines or neither edge is clearly the aligned one.
/// The photo is read as turned by `turn`; only a thumbnail of it is turned, never the photo.
pub fn lines_say_half_turned(photo: &RgbImage, turn: PageTurn) -> Option<bool> {
    const WORK_WIDTH: u32 = 480;
    const MIN_LINES: usize = 4;
    // the thumbnail is WORK_WIDTH wide once turned: a quarter turn makes the photo's height the width
    let quarter = matches!(turn, PageTurn::Cw90 | PageTurn::Cw270);
    let upright_width = if quarter { photo.height() } else { photo.width() };
    let scale = (WORK_WIDTH as f32 / upright_width.max(1) as f32).min(1.0);
    let (w, h) = (((photo.width() as f32 * scale) as u32).max(1), ((photo.height() as f32 * scale) as u32).max(1));
    let small = turn.straighten(&crate::detector::scale::thumbnail(photo, w, h));
    let (w, h) = (small.width() as usize, small.height() as usize);
    let lum = to_gray(&small).data;
    // paper is the bright majority: ink is well below the page's 90th-percentile brightness
    let mut sorted = lum.clone();
    sorted.sort_by(f32::total_cmp);
    let paper = sorted[sorted.len() * 9 / 10];
    let mut ink: Vec<bool> = lum.iter().map(|&v| v < 0.6 * paper).collect();
    // columns dark down most of the photo are the table or the paper's edge, not writing
    for x in 0..w {
        if (0..h).filter(|&y| ink[y * w + x]).count() * 2 > h {
            (0..h).for_each(|y| ink[y * w + x] = false);
        }
    }
    // rows dark across most of the width (rules, shadows) are not text lines either
    let row_ink: Vec<usize> = (0..h)
        .map(|y| ink[y * w..(y + 1) * w].iter().filter(|&&i| i).count())
        .map(|n| if n * 10 > w * 6 { 0 } else { n })
        .collect();
    // text lines: runs of rows with ink, at least 3 rows tall
    let mut lines = Vec::new();
    let mut y = 0;
    while y < h {
        if row_ink[y] < 2 {
            y += 1;
            continue;
        }
        let start = y;
        while y < h && row_ink[y] >= 2 {
            y += 1;
        }
        if y - start >= 3 {
            lines.push((start, y));
        }
    }
    // each line's left and right ends, ignoring stray specks at either end
    let mut lefts = Vec::new();
    let mut rights = Vec::new();
    for (y0, y1) in lines {
        let cols: Vec<usize> = (0..w).filter(|&x| (y0..y1).filter(|&y| ink[y * w + x]).count() >= 2).collect();
        if cols.len() < 6 {
            continue;
        }
        lefts.push(cols[cols.len() / 50] as f32);
        rights.push(cols[cols.len() - 1 - cols.len() / 50] as f32);
    }
    if lefts.len() < MIN_LINES {
        return None;
    }
    let (l, r) = (median_abs_deviation(&lefts), median_abs_deviation(&rights));
    let tolerance = 0.01 * w as f32; // edges within 1% of the width count as aligned either way
    if l + tolerance < 0.5 * r {
        Some(false)
    } else if r + tolerance < 0.5 * l {
        Some(true)
    } else {
        None
    }
}

fn median_abs_deviation(v: &[f32]) -> f32 {
    let Some(m) = upper_median(v) else { return 0.0 };
    upper_median(&v.iter().map(|x| (x - m).abs()).collect::<Vec<_>>()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_map_back_to_the_photo_for_every_turn() {
        // a 4x2 photo with a marked pixel at (3, 0), the top-right corner area
        let mut photo = RgbImage::new(4, 2);
        photo.put_pixel(3, 0, image::Rgb([255, 0, 0]));
        for turn in [PageTurn::None, PageTurn::Cw90, PageTurn::Cw180, PageTurn::Cw270] {
            let upright = turn.straighten(&photo);
            let (x, y) = upright.enumerate_pixels().find(|p| p.2 .0[0] == 255).map(|p| (p.0, p.1)).unwrap();
            // the marked pixel's centre, mapped back, is the photo's pixel centre (3.5, 0.5)
            let back = turn.to_photo([x as f32 + 0.5, y as f32 + 0.5], 4.0, 2.0);
            assert_eq!(back, [3.5, 0.5], "{turn:?}");
        }
    }

    #[test]
    fn left_aligned_lines_tell_upright_from_upside_down() {
        // eight black "lines" starting at x = 20, ending raggedly
        let mut page = RgbImage::from_pixel(400, 300, image::Rgb([255, 255, 255]));
        for (i, len) in [300u32, 180, 340, 120, 260, 200, 330, 150].iter().enumerate() {
            for y in 20 + i as u32 * 34..30 + i as u32 * 34 {
                for x in 20..20 + len {
                    page.put_pixel(x, y, image::Rgb([0, 0, 0]));
                }
            }
        }
        assert_eq!(lines_say_half_turned(&page, PageTurn::None), Some(false));
        let upside_down = imageops::rotate180(&page);
        assert_eq!(lines_say_half_turned(&upside_down, PageTurn::None), Some(true));
        // read as turned: the same photo turned back round, or a sideways photo turned a quarter
        assert_eq!(lines_say_half_turned(&upside_down, PageTurn::Cw180), Some(false));
        assert_eq!(lines_say_half_turned(&imageops::rotate270(&page), PageTurn::Cw90), Some(false));
        assert_eq!(
            lines_say_half_turned(&RgbImage::from_pixel(400, 300, image::Rgb([255, 255, 255])), PageTurn::None),
            None
        );
    }

    #[test]
    fn half_turns_compose() {
        assert_eq!(PageTurn::Cw90.then_half(), PageTurn::Cw270);
        assert_eq!(PageTurn::Cw180.then_half(), PageTurn::None);
        assert_eq!(PageTurn::Cw270.degrees(), 270);
    }

    #[test]
    fn tall_regions_mean_a_sideways_page() {
        let rect = |w: f32, h: f32| Region { quad: [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]], score: 0.9 };
        assert!(looks_sideways(&[rect(20.0, 120.0), rect(15.0, 60.0)]));
        assert!(!looks_sideways(&[rect(120.0, 20.0), rect(15.0, 60.0)]));
        assert!(!looks_sideways(&[]));
        let sideways = [rect(20.0, 120.0)];
        assert!(confirms_quarter_turn(&sideways, &[rect(120.0, 20.0)]));
        assert!(!confirms_quarter_turn(&sideways, &[rect(30.0, 30.0)]));
    }
}
