//! Cut a formula's quadrilateral out of the full-resolution photo and straighten it: the
//! recognizer gets an upright crop whatever the formula's rotation. The crop is sampled straight
//! from the original pixels (no intermediate rotated copy of the page), at most a few times the
//! recognizer's own resolution, so memory stays bounded on 12-megapixel photos.

use crate::geometry::{quad_size, unit, Quad};
use image::{Rgb, RgbImage};

/// Crops never need more than ~4x the recognizer's 64-pixel input height.
const MAX_CROP_HEIGHT: f32 = 256.0;
const MAX_CROP_WIDTH: f32 = 2048.0;

/// Bilinear sample of `img` at (x, y); pixels beyond its edge count as `fill`.
fn sample(img: &RgbImage, x: f32, y: f32, fill: [f32; 3]) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let px = |xi: i64, yi: i64| -> [f32; 3] {
        if xi < 0 || yi < 0 || xi >= w || yi >= h {
            fill
        } else {
            let p = img.get_pixel(xi as u32, yi as u32).0;
            [p[0] as f32, p[1] as f32, p[2] as f32]
        }
    };
    let (a, b, c, d) = (px(x0, y0), px(x0 + 1, y0), px(x0, y0 + 1), px(x0 + 1, y0 + 1));
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = (a[i] * (1.0 - fx) + b[i] * fx) * (1.0 - fy) + (c[i] * (1.0 - fx) + d[i] * fx) * fy;
    }
    out
}

/// Paper kept around a detected region when it is cut for the recognizer, as a share of the
/// region's height on every side. A region's edge is a prediction: a quad a pixel too tight cuts
/// off a subscript or a fraction bar, while the recognizer was trained on crops with margins of
/// 0-25% of the height. Chosen on training pages (`training/detector/page_score.py` measures it).
pub const RECOGNITION_MARGIN: f32 = 0.1;

/// A quad's reading direction and its downward direction (corners clockwise from its top-left),
/// each averaged over the two opposite sides that run that way.
pub fn reading_axes(quad: &Quad) -> ([f32; 2], [f32; 2]) {
    let [tl, tr, br, bl] = *quad;
    let (u1, u2) = (unit(tl, tr), unit(bl, br));
    let (v1, v2) = (unit(tl, bl), unit(tr, br));
    ([(u1[0] + u2[0]) / 2.0, (u1[1] + u2[1]) / 2.0], [(v1[0] + v2[0]) / 2.0, (v1[1] + v2[1]) / 2.0])
}

/// `quad` grown by `margin` x its height on every side, along its own axes.
pub fn with_margin(quad: &Quad, margin: f32) -> Quad {
    let [tl, tr, br, bl] = *quad;
    let (_, h) = quad_size(quad);
    let (u, v) = reading_axes(quad);
    let d = margin * h;
    let shift =
        |p: [f32; 2], su: f32, sv: f32| [p[0] + d * (su * u[0] + sv * v[0]), p[1] + d * (su * u[1] + sv * v[1])];
    [shift(tl, -1.0, -1.0), shift(tr, 1.0, -1.0), shift(br, 1.0, 1.0), shift(bl, -1.0, 1.0)]
}

/// The crop the recognizer reads for a detected region: the region with `RECOGNITION_MARGIN` of
/// paper around it, straightened.
pub fn crop_for_recognition(img: &RgbImage, quad: &Quad) -> RgbImage {
    crop_quad(img, &with_margin(quad, RECOGNITION_MARGIN))
}

/// The upright crop of `quad` (corners clockwise from the formula's top-left), at most
/// `MAX_CROP_HEIGHT` x `MAX_CROP_WIDTH`; beyond the photo's edge is blank paper.
pub fn crop_quad(img: &RgbImage, quad: &Quad) -> RgbImage {
    let (qw, qh) = quad_size(quad);
    let scale = (MAX_CROP_HEIGHT / qh.max(1.0)).min(MAX_CROP_WIDTH / qw.max(1.0)).min(1.0);
    let (ow, oh) = (((qw * scale).round() as u32).max(1), ((qh * scale).round() as u32).max(1));
    warp_quad(img, quad, ow, oh, Rgb([255, 255, 255]))
}

/// `quad` of `img` mapped onto an upright `ow` x `oh` image (corners clockwise from its top-left);
/// what lies beyond the image's edge takes the colour `fill`.
pub fn warp_quad(img: &RgbImage, quad: &Quad, ow: u32, oh: u32, fill: Rgb<u8>) -> RgbImage {
    let fill = fill.0.map(|c| c as f32);
    let [tl, tr, br, bl] = *quad;
    let mut out = RgbImage::new(ow, oh);
    for y in 0..oh {
        let v = (y as f32 + 0.5) / oh as f32;
        for x in 0..ow {
            let u = (x as f32 + 0.5) / ow as f32;
            // bilinear blend of the four corners: exact for rectangles, a fair straightening for mild perspective
            let top = [tl[0] + (tr[0] - tl[0]) * u, tl[1] + (tr[1] - tl[1]) * u];
            let bottom = [bl[0] + (br[0] - bl[0]) * u, bl[1] + (br[1] - bl[1]) * u];
            let (sx, sy) = (top[0] + (bottom[0] - top[0]) * v - 0.5, top[1] + (bottom[1] - top[1]) * v - 0.5);
            let p = sample(img, sx, sy, fill);
            out.put_pixel(x, y, Rgb([p[0].round() as u8, p[1].round() as u8, p[2].round() as u8]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::rect_corners;

    #[test]
    fn margin_grows_a_rotated_quad_along_its_own_axes() {
        let quad = rect_corners([100.0, 80.0], 120.0, 20.0, 30f32.to_radians());
        let grown = with_margin(&quad, 0.1);
        let (w, h) = quad_size(&grown);
        assert!((w - 124.0).abs() < 1e-3 && (h - 24.0).abs() < 1e-3, "{w} x {h}");
        let expected = rect_corners([100.0, 80.0], 124.0, 24.0, 30f32.to_radians());
        for (a, b) in grown.iter().zip(expected.iter()) {
            assert!((a[0] - b[0]).abs() < 1e-3 && (a[1] - b[1]).abs() < 1e-3, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn straightens_a_rotated_bar() {
        // a dark bar rotated by 20 degrees; its straightened crop is dark everywhere
        let quad = rect_corners([100.0, 80.0], 120.0, 20.0, 20f32.to_radians());
        let mut img = RgbImage::from_pixel(200, 160, Rgb([255, 255, 255]));
        for y in 0..160 {
            for x in 0..200 {
                let (dx, dy) = (x as f32 - 100.0, y as f32 - 80.0);
                let (c, s) = (20f32.to_radians().cos(), 20f32.to_radians().sin());
                let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
                if u.abs() < 62.0 && v.abs() < 12.0 {
                    img.put_pixel(x, y, Rgb([0, 0, 0]));
                }
            }
        }
        let crop = crop_quad(&img, &quad);
        assert_eq!((crop.width(), crop.height()), (120, 20));
        let mean: f32 = crop.pixels().map(|p| p.0[0] as f32).sum::<f32>() / (120.0 * 20.0);
        assert!(mean < 20.0, "mean {mean}");
    }
}
