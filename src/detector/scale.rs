//! Scaling a photo to the detector's working size. A 12-megapixel photo scaled to 640 px with the
//! image crate's generic Triangle filter took ~80 ms natively (the largest stage after the
//! models); fast_image_resize computes the same bilinear (triangle) convolution with SIMD
//! kernels (AVX2 natively, simd128 in wasm) in a fraction of that.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{imageops, RgbImage};

/// The size of a `width` x `height` image scaled so that its longer side is `long_side`.
pub fn fit(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let s = long_side as f32 / width.max(height).max(1) as f32;
    (((width as f32 * s).round() as u32).max(1), ((height as f32 * s).round() as u32).max(1))
}

/// `img` scaled to `width` x `height` with a triangle (bilinear convolution) filter.
pub fn scale(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    fast(img, width, height).unwrap_or_else(|| imageops::resize(img, width, height, imageops::FilterType::Triangle))
}

fn fast(img: &RgbImage, width: u32, height: u32) -> Option<RgbImage> {
    let src = ImageRef::new(img.width(), img.height(), img.as_raw(), PixelType::U8x3).ok()?;
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new().resize(&src, &mut dst, &options).ok()?;
    RgbImage::from_raw(width, height, dst.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
