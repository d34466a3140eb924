//! Image input: encoded bytes (PNG, JPEG, WebP, GIF, BMP, TIFF) or raw RGBA, into an upright
//! 8-bit RGB image. Limits are checked from the header, before any pixel buffer is allocated,
//! so a decompression bomb is refused cheaply. EXIF orientation is applied.

use crate::error::{Error, Result};
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits, RgbImage};
use std::io::Cursor;

/// Largest accepted side and pixel count: a 48-megapixel phone photo passes, a bomb does not.
pub const MAX_SIDE: u32 = 16_384;
pub const MAX_PIXELS: u64 = 50_000_000;
/// Smallest accepted side: below this there is no formula to read.
pub const MIN_SIDE: u32 = 4;
/// Bytes the decoder may allocate (pixels plus its own buffers): a 50-megapixel 8-bit RGBA image
/// (200 MB) fits; a 16-bit one that large does not and is refused as too large, which keeps the
/// whole read under the bound measured by scripts/measure_memory.sh (docs/ROBUSTNESS.md).
pub const MAX_DECODER_ALLOC: u64 = 256 * 1024 * 1024;

fn check_dimensions(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::bad_image(format!("image has no pixels ({width}x{height})")));
    }
    if width > MAX_SIDE || height > MAX_SIDE || (width as u64) * (height as u64) > MAX_PIXELS {
        return Err(Error::too_large(format!(
            "image is {width}x{height}; the limit is {MAX_SIDE} pixels a side and {} megapixels",
            MAX_PIXELS / 1_000_000
        )));
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(Error::bad_image(format!("image is only {width}x{height} pixels: too small to hold a formula")));
    }
    Ok(())
}

/// Decode an encoded image, honour its EXIF orientation, and return it as RGB.
/// Animated formats give their first frame; 16-bit, palette, CMYK-free greyscale+alpha are converted.
pub fn decode(bytes: &[u8]) -> Result<RgbImage> {
    if bytes.is_empty() {
        return Err(Error::bad_image("the file is empty"));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::bad_image(format!("cannot read image: {e}")))?;
    if reader.format().is_none() {
        return Err(Error::bad_image(
            "not an image: the bytes match no supported format (PNG, JPEG, WebP, GIF, BMP, TIFF)",
        ));
    }
    let mut decoder = reader.into_decoder().map_err(|e| Error::bad_image(format!("cannot decode image: {e}")))?;
    let (w, h) = decoder.dimensions();
    check_dimensions(w, h)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    // Checked here because set_limits bounds a decoder's own buffers, not the pixels it returns.
    if decoder.total_bytes() > MAX_DECODER_ALLOC {
        return Err(Error::too_large(format!(
            "image is {w}x{h} with {} bytes a pixel; decoding it would take {} MB, over the {} MB limit",
            decoder.color_type().bytes_per_pixel(),
            decoder.total_bytes() / 1_000_000,
            MAX_DECODER_ALLOC / 1_000_000
        )));
    }
    decoder.set_limits(limits).map_err(|e| Error::too_large(format!("image exceeds decoding limits: {e}")))?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => Error::too_large(format!("image exceeds decoding limits: {e}")),
        _ => Error::bad_image(format!("cannot decode image: {e}")),
    })?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    if img.color().has_alpha() {
        // transparent pixels are paper, not black ink
        let rgba = img.into_rgba8(); // no copy when already 8-bit RGBA
        return from_rgba(rgba.as_raw(), rgba.width(), rgba.height());
    }
    Ok(img.into_rgb8())
}

/// Raw RGBA pixels (as from a canvas's ImageData) into RGB; alpha is composited over white paper.
pub fn from_rgba(rgba: &[u8], width: u32, height: u32) -> Result<RgbImage> {
    check_dimensions(width, height)?;
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(Error::bad_input(format!(
            "RGBA data has {} bytes; a {width}x{height} image needs {expected}",
            rgba.len()
        )));
    }
    let mut out = RgbImage::new(width, height);
    for (dst, src) in out.pixels_mut().zip(rgba.chunks_exact(4)) {
        let a = src[3] as u32;
        for (d, &s) in dst.0.iter_mut().zip(&src[..3]) {
            *d = ((s as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    Ok(out)
}
