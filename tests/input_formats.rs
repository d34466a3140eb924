//! Every pixel layout a phone, scanner or browser may hand us decodes to the same upright RGB
//! picture: a 64x32 white page with a black 16x16 square in its top-left corner. Fixtures the
//! `image` crate cannot encode itself come from tests/fixtures/formats/make_formats.py; the rest
//! are encoded here. Truncated copies of every format must give `bad_image` or a clean decode,
//! never a panic.

use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};
use mathsnap::input;
use std::io::Cursor;
use std::path::PathBuf;

const W: u32 = 64;
const H: u32 = 32;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/formats").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn is_ink(x: u32, y: u32) -> bool {
    x < 16 && y < 16
}

/// The picture as 8-bit RGB, the source for every encoding made here.
fn upright_rgb() -> image::RgbImage {
    ImageBuffer::from_fn(W, H, |x, y| if is_ink(x, y) { Rgb([0, 0, 0]) } else { Rgb([255, 255, 255]) })
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode fixture");
    out.into_inner()
}

/// Decoded with the right size and orientation: dark inside the square, light outside it
/// (tolerant of JPEG ringing at the square's edge).
fn assert_upright(bytes: &[u8], what: &str) {
    let img = input::decode(bytes).unwrap_or_else(|e| panic!("{what}: {} ({})", e.message, e.code()));
    assert_eq!((img.width(), img.height()), (W, H), "{what}: size");
    for (x, y) in [(4, 4), (11, 11), (2, 13)] {
        let p = img.get_pixel(x, y).0;
        assert!(p.iter().all(|&c| c < 80), "{what}: ({x},{y}) should be ink, is {p:?}");
    }
    for (x, y) in [(40, 8), (60, 28), (8, 28), (30, 4)] {
        let p = img.get_pixel(x, y).0;
        assert!(p.iter().all(|&c| c > 175), "{what}: ({x},{y}) should be paper, is {p:?}");
    }
}

#[test]
fn common_encodings_decode_upright() {
    let rgb = DynamicImage::ImageRgb8(upright_rgb());
    for (format, name) in [
        (ImageFormat::Png, "png"),
        (ImageFormat::Jpeg, "jpeg"),
        (ImageFormat::WebP, "webp (lossless)"),
        (ImageFormat::Gif, "gif"),
        (ImageFormat::Bmp, "bmp"),
        (ImageFormat::Tiff, "tiff"),
    ] {
        assert_upright(&encode(&rgb, format), name);
    }
}

#[test]
fn sixteen_bit_and_greyscale_layouts_decode_upright() {
    let rgb = upright_rgb();
    let rgb16: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(W, H, |x, y| Rgb([rgb.get_pixel(x, y).0[0] as u16 * 257; 3]));
    assert_upright(&encode(&DynamicImage::ImageRgb16(rgb16), ImageFormat::Png), "16-bit RGB PNG");
    let l16: ImageBuffer<Luma<u16>, Vec<u16>> =
        ImageBuffer::from_fn(W, H, |x, y| Luma([rgb.get_pixel(x, y).0[0] as u16 * 257]));
    assert_upright(&encode(&DynamicImage::ImageLuma16(l16), ImageFormat::Png), "16-bit grey PNG");
    let l8: ImageBuffer<Luma<u8>, Vec<u8>> = ImageBuffer::from_fn(W, H, |x, y| Luma([rgb.get_pixel(x, y).0[0]]));
    assert_upright(&encode(&DynamicImage::ImageLuma8(l8), ImageFormat::Png), "8-bit grey PNG");
    assert_upright(&fixture("gray_alpha.png"), "grey+alpha PNG");
    assert_upright(&fixture("palette.png"), "palette PNG");
    assert_upright(&fixture("cmyk.jpg"), "CMYK JPEG");
}

#[test]
fn transparent_pixels_are_paper_not_ink() {
    // A screenshot with a transparent background: the ink is opaque, everything else alpha 0
    // with black RGB underneath, which must not turn into a black page.
    let rgba: ImageBuffer<Rgba<u8>, Vec<u8>> =
        ImageBuffer::from_fn(W, H, |x, y| if is_ink(x, y) { Rgba([0, 0, 0, 255]) } else { Rgba([0, 0, 0, 0]) });
    assert_upright(&encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png), "RGBA PNG");
    let la: ImageBuffer<LumaA<u8>, Vec<u8>> =
        ImageBuffer::from_fn(W, H, |x, y| if is_ink(x, y) { LumaA([0, 255]) } else { LumaA([0, 0]) });
    assert_upright(&encode(&DynamicImage::ImageLumaA8(la), ImageFormat::Png), "transparent grey+alpha PNG");
}

#[test]
fn exif_orientation_is_honoured() {
    assert_upright(&fixture("exif_orientation6.jpg"), "JPEG stored turned, EXIF orientation 6");
}

#[test]
fn animated_gif_gives_its_first_frame() {
    assert_upright(&fixture("animated.gif"), "2-frame GIF whose second frame is black");
}

#[test]
fn rgba_buffer_of_the_wrong_length_is_bad_input() {
    let good = vec![255u8; (W * H * 4) as usize];
    assert!(input::from_rgba(&good, W, H).is_ok());
    for len in [0, good.len() - 1, good.len() + 4, good.len() / 2] {
        let e = input::from_rgba(&vec![255u8; len], W, H).expect_err("wrong length must be refused");
        assert_eq!(e.code(), "bad_input", "len {len}: {}", e.message);
        assert!(e.message.contains(&len.to_string()), "message names the length: {}", e.message);
    }
    assert_eq!(input::from_rgba(&[], 0, 10).unwrap_err().code(), "bad_image");
    assert_eq!(input::from_rgba(&[], 100_000, 100_000).unwrap_err().code(), "too_large");
}

#[test]
fn truncated_files_of_every_format_fail_cleanly() {
    let rgb = DynamicImage::ImageRgb8(upright_rgb());
    let mut files: Vec<(String, Vec<u8>)> =
        [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP, ImageFormat::Gif, ImageFormat::Bmp, ImageFormat::Tiff]
            .into_iter()
            .map(|f| (format!("{f:?}"), encode(&rgb, f)))
            .collect();
    for name in ["cmyk.jpg", "palette.png", "gray_alpha.png", "exif_orientation6.jpg", "animated.gif"] {
        files.push((name.to_string(), fixture(name)));
    }
    for (name, bytes) in files {
        for cut in [1, 8, 16, 32, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            match input::decode(&bytes[..cut.min(bytes.len())]) {
                // Some decoders fill a missing tail with grey; that is a picture of the right size.
                Ok(img) => assert_eq!((img.width(), img.height()), (W, H), "{name} cut at {cut}"),
                Err(e) => assert!(
                    e.code() == "bad_image" && !e.message.is_empty(),
                    "{name} cut at {cut}: {} ({})",
                    e.message,
                    e.code()
                ),
            }
        }
    }
}

#[test]
fn sixteen_bit_image_beyond_the_decoder_budget_is_too_large() {
    // 16-bit RGBA, 6000x6000: 288 MB of pixels, over input::MAX_DECODER_ALLOC, though its
    // pixel count is accepted. Encoded fast (uniform), refused before the pixels are allocated.
    let img: ImageBuffer<Rgba<u16>, Vec<u16>> = ImageBuffer::from_pixel(6000, 6000, Rgba([65535, 65535, 65535, 65535]));
    let bytes = encode(&DynamicImage::ImageRgba16(img), ImageFormat::Png);
    let e = input::decode(&bytes).map(|_| ()).expect_err("over the decoder budget");
    assert_eq!(e.code(), "too_large", "{}", e.message);
}
