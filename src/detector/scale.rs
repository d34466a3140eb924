//! Scaling a photo to the detector's working size. A 12-megapixel photo scaled to 640 px with the
//! image crate's generic Triangle filter took ~80 ms natively (the largest stage after the
//! models); fast_image_resize computes the same bilinear (triangle) convolution with SIMD
//! kernels (AVX2 natively, simd128 in wasm) in a fraction of that.

use super::writing::Writing;
use crate::orientation::{self, PageTurn};
use crate::stats::upper_median;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{imageops, RgbImage};
use std::borrow::Cow;

/// The size of a `width` x `height` image scaled so that its longer side is `long_side`.
pub fn fit(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let s = long_side as f32 / width.max(height).max(1) as f32;
    (((width as f32 * s).round() as u32).max(1), ((height as f32 * s).round() as u32).max(1))
}

/// A close-up (one formula filling the photo: a photo of one line of handwriting, a tight scan)
/// is looked at first at this long side. The detector was trained on pages whose formulas are
/// 10-60 px tall at its working size (on the synthetic test pages at long side 800 the median region
/// is 22 px tall, the 99th percentile of pages' medians 66 px); a close-up scaled to 800 has symbols
/// 100-300 px tall, which the detector finds one by one, as separate formulas, or not at all
/// (CROHME-train hold-out, 300 single-formula images: 51 gave no region at 800, 174 several).
/// At this size its formula is of a page formula's size, and a page's formulas are too small to
/// look tall.
pub const CLOSE_UP_PROBE_SIDE: u32 = 256;
/// Median region height, in pixels of the full working size, above which the probe's regions
/// mean a close-up; below it the page is detected at the working size as usual.
pub const CLOSE_UP_REGION_HEIGHT: f32 = 64.0;

/// Small print: when the regions found at the working size have a median height under this many
/// pixels, the page is detected again larger. A whole A4 page photographed from above puts its
/// formulas at 1-2% of the photo's long side, 8-16 px at the working size 800, where the detector
/// (trained on formulas mostly 10-60 px tall) misses half of them: on 30 such pages (`bench/out/
/// worksheets`, 1754 px, formulas a median 9.4 px tall at 800) engine detection F1 was 0.54 at 800
/// and 0.68 at 1600.
pub const SMALL_PRINT_HEIGHT: f32 = 14.0;
/// The height small print is brought to in the second look: the middle of what the detector was
/// trained on (the synthetic test pages' formulas are a median 25 px tall at 800).
pub const SMALL_PRINT_TARGET: f32 = 22.0;
/// A printed formula is about this many times as tall as the median piece of writing around it
/// (`writing::writing_height`: letters, digits, symbols): on the data engine's pages at 800 px,
/// formulas a median 25 px tall among pieces of 9-11 px; on whole A4 pages, 4-11 px among 2-6 px.
/// How the writing's height stands in for formulas the detector did not find.
pub const FORMULA_PER_WRITING: f32 = 2.0;
/// The second look is never larger than this long side (4x the pixels of 800, and as many
/// times the detector's work).
pub const MAX_SMALL_PRINT_SIDE: u32 = 1600;

/// The long side to detect a page at again when the regions found at `long_side` (their `heights`
/// in its pixels) are small print; None when they are not, or when the photo (`photo_long_side`)
/// has too few pixels to show them larger. A multiple of 32, as the detector's input.
pub fn small_print_side(heights: &[f32], long_side: u32, photo_long_side: u32) -> Option<u32> {
    let median = upper_median(heights)?;
    if !(median > 0.0 && median < SMALL_PRINT_HEIGHT) {
        return None;
    }
    let wanted = (long_side as f32 * SMALL_PRINT_TARGET / median) as u32;
    let side = wanted.min(MAX_SMALL_PRINT_SIDE).min(photo_long_side) / 32 * 32;
    (side as f32 >= long_side as f32 * 1.2).then_some(side)
}

/// Whether writing pieces a median `writing` px tall (`writing::writing_height` at the working
/// size) mean small print: the formulas among them would be under `SMALL_PRINT_HEIGHT`.
pub fn writing_is_small_print(writing: Option<f32>) -> bool {
    writing.is_some_and(|h| h * FORMULA_PER_WRITING < SMALL_PRINT_HEIGHT)
}

/// Whether the page's `writing` alone settles how it is detected, and at which turn: small print
/// (`writing_is_small_print`, so it is looked at larger whatever regions the working size finds)
/// whose letters say which way its lines run (letters too few to say that could not say which
/// slant either). The working size's regions then decide nothing, and that pass is skipped:
/// - lines across: upright (`PageTurn::None`), no quarter turn to try. The letters' slant
///   (`Writing::slant`) stands in for the one the regions would have measured, and was the better
///   measure of it: on the 93 small-print pages of the hi-res val split the letters are within 2
///   degrees of the formulas' own slant on all but 7 and off by under 5 on every one, while of the
///   41 slanted 2 degrees or more the working size's regions read 27 as level, found none on 7 and
///   were more than 2 degrees off on 4 (`deskew::page_slant`).
/// - lines down the photo: turned a quarter (`PageTurn::Cw90`, the turn the working size would
///   have tried and, its regions not contradicting the letters, kept: `Engine::settle_quarter_turn`);
///   the larger look, turned, has the last word (`Engine::look_closer`). Of the 100 hi-res val
///   pages each turned a quarter, a half or three quarters, the letters said sideways on 49 of the
///   64 small-print pages turned a quarter and on no page whose lines run across (the 5 others they
///   said sideways lie on their side by the turn they were generated with).
pub fn writing_settles_a_larger_look(writing: &Writing) -> Option<PageTurn> {
    if !writing_is_small_print(writing.height) {
        return None;
    }
    if orientation::letters_say_across(writing) {
        Some(PageTurn::None)
    } else if orientation::letters_say_sideways(writing) {
        Some(PageTurn::Cw90)
    } else {
        None
    }
}

/// Whether regions of these heights (converted to the full working size's pixels) are a
/// close-up's: their median is taller than any page's formulas.
pub fn looks_close_up(region_heights: &[f32]) -> bool {
    upper_median(region_heights).is_some_and(|median| median > CLOSE_UP_REGION_HEIGHT)
}

/// `img` at the detector's working size: scaled so that its longer side is `long_side` rounded down to
/// a multiple of 32 (the model downsamples by 32), and that scale (working size / `img`'s size).
/// In a page read every pass is on a copy already at its working size (`pipeline::Working`, a level
/// canvas): that one is taken as it is, not copied; only a photo given to the detector directly (the
/// live preview's frame, `Detector::detect`) is scaled here.
pub fn to_working_size(img: &RgbImage, long_side: u32) -> (Cow<'_, RgbImage>, f32) {
    let side = (long_side / 32).max(1) * 32;
    let (w, h) = (img.width(), img.height());
    if w.max(h) == side {
        return (Cow::Borrowed(img), 1.0);
    }
    let (sw, sh) = fit(w, h, side);
    (Cow::Owned(scale(img, sw, sh)), side as f32 / w.max(h).max(1) as f32)
}

/// `img` scaled to `width` x `height` with a triangle (bilinear convolution) filter.
pub fn scale(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    fast(img, width, height).unwrap_or_else(|| imageops::resize(img, width, height, imageops::FilterType::Triangle))
}

/// `img` shrunk to `width` x `height` by averaging the pixels each output pixel covers (a box
/// filter), as `imageops::thumbnail` does, with fast_image_resize's SIMD kernels: the image crate's
/// took about 30 ms natively to bring a 12 MP photo to a 480 px thumbnail for the page's layout
/// check (`orientation::lines_say_half_turned`).
pub fn thumbnail(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    fast_with(img, width, height, FilterType::Box).unwrap_or_else(|| imageops::thumbnail(img, width, height))
}

fn fast(img: &RgbImage, width: u32, height: u32) -> Option<RgbImage> {
    fast_with(img, width, height, FilterType::Bilinear)
}

fn fast_with(img: &RgbImage, width: u32, height: u32, filter: FilterType) -> Option<RgbImage> {
    let src = ImageRef::new(img.width(), img.height(), img.as_raw(), PixelType::U8x3).ok()?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(filter));
    Resizer::new().resize(&src, &mut dst, &options).ok()?;
    RgbImage::from_raw(width, height, dst.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_ups_are_told_from_pages_by_the_median_region() {
        assert!(!looks_close_up(&[18.0, 22.0, 25.0, 120.0, 30.0])); // a page with one tall formula
        assert!(!looks_close_up(&[]));
        assert!(!looks_close_up(&[f32::NAN]));
        assert!(looks_close_up(&[300.0]));
        assert!(looks_close_up(&[40.0, 120.0, 140.0]));
    }

    #[test]
    fn small_print_is_looked_at_again_larger_within_the_photos_pixels() {
        // formulas ~9 px tall at 800 on a 1754-px photo: brought towards 22 px, capped at 1600
        assert_eq!(small_print_side(&[8.0, 9.0, 10.0], 800, 1754), Some(1600));
        // 800 x 22 / 12, to 32s
        assert_eq!(small_print_side(&[11.0, 12.0, 13.0], 800, 4000), Some(1440));
        // no more pixels to show: a 900-px photo is not enlarged past itself (and 896 < 1.2 x 800)
        assert_eq!(small_print_side(&[8.0, 9.0], 800, 900), None);
        // ordinary pages, no regions, nonsense heights
        assert_eq!(small_print_side(&[20.0, 25.0, 30.0], 800, 4000), None);
        assert_eq!(small_print_side(&[], 800, 4000), None);
        assert_eq!(small_print_side(&[f32::NAN], 800, 4000), None);
        assert_eq!(small_print_side(&[0.0], 800, 4000), None);
    }

    #[test]
    fn only_small_writing_that_says_which_way_it_runs_skips_the_working_size() {
        let page = Writing { height: Some(4.0), across: Some(0.8), slant: Some(0.5), extent: None };
        let settles = writing_settles_a_larger_look;
        assert_eq!(settles(&page), Some(PageTurn::None));
        assert_eq!(settles(&Writing { slant: Some(-12.0), ..page }), Some(PageTurn::None)); // slanted: its letters level it
        assert_eq!(settles(&Writing { across: Some(0.1), ..page }), Some(PageTurn::Cw90)); // on its side
        assert_eq!(settles(&Writing { height: Some(9.0), ..page }), None); // ordinary print
        assert_eq!(settles(&Writing { height: Some(9.0), across: Some(0.1), ..page }), None);
        assert_eq!(settles(&Writing { across: None, ..page }), None); // too few to say
        assert_eq!(settles(&Writing::default()), None);
    }

    #[test]
    fn matches_the_image_crates_triangle_filter() {
        // a gradient with a sharp edge, scaled down 5x: the two filters agree to rounding
        let img = RgbImage::from_fn(500, 300, |x, y| {
            image::Rgb([(x % 256) as u8, if x > 250 { 255 } else { 0 }, (y % 200) as u8])
        });
        let a = scale(&img, 100, 60);
        let b = imageops::resize(&img, 100, 60, imageops::FilterType::Triangle);
        let worst = a.as_raw().iter().zip(b.as_raw()).map(|(p, q)| (*p as i32 - *q as i32).abs()).max().unwrap();
        assert!(worst <= 2, "filters differ by {worst}");
    }

    /// Each output pixel the exact mean of the source area it covers (fractional pixels at its
    /// edges weighed by the share covered): what a thumbnail is meant to be.
    fn area_average(img: &RgbImage, ow: u32, oh: u32) -> Vec<f64> {
        let weights = |n: u32, o: u32| -> Vec<Vec<(usize, f64)>> {
            let r = n as f64 / o as f64;
            (0..o)
                .map(|i| {
                    let (a, b) = (i as f64 * r, (i + 1) as f64 * r);
                    (a.floor() as u32..(b.ceil() as u32).min(n))
                        .map(|j| (j as usize, (b.min(j as f64 + 1.0) - a.max(j as f64)) / r))
                        .collect()
                })
                .collect()
        };
        let (wx, wy) = (weights(img.width(), ow), weights(img.height(), oh));
        let mut out = Vec::with_capacity((ow * oh * 3) as usize);
        for ys in &wy {
            for xs in &wx {
                for c in 0..3 {
                    let sum: f64 = ys
                        .iter()
                        .flat_map(|&(y, wy)| xs.iter().map(move |&(x, wx)| (x, y, wx * wy)))
                        .map(|(x, y, w)| w * img.get_pixel(x as u32, y as u32).0[c] as f64)
                        .sum();
                    out.push(sum);
                }
            }
        }
        out
    }

    #[test]
    fn a_thumbnail_is_the_area_average() {
        // lines of text-like strokes on paper, shrunk 6.25x: the layout check (`lines_say_half_turned`)
        // counts as ink what is darker than 0.6 of the paper, so strokes must keep their grey. The
        // image crate's thumbnail (what this replaced) leaves a third of them out: 6,916 inked pixels
        // of 480 x 160 against 10,040 in the exact area average
        let img = RgbImage::from_fn(3000, 1000, |x, y| {
            let in_line = (y % 100) < 30 && x > 150 && x < 2400 + (y / 100) * 50;
            let ink = in_line && (x % 23 < 3 || (y % 100) % 14 < 3);
            image::Rgb(if ink { [20, 30, 40] } else { [235, 230, 220] })
        });
        let got: Vec<f64> = thumbnail(&img, 480, 160).as_raw().iter().map(|&v| v as f64).collect();
        let want = area_average(&img, 480, 160);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&got) - mean(&want)).abs() < 1.0, "brightness {} vs {}", mean(&got), mean(&want));
        let inked = |v: &[f64]| v.chunks(3).filter(|p| p.iter().sum::<f64>() < 3.0 * 135.0).count() as f64;
        let (a, b) = (inked(&got), inked(&want));
        assert!((a - b).abs() < 0.03 * b, "inked pixels {a} vs {b}");
    }
}
