//! A slanted page is levelled before detection (src/deskew.rs). A later pass on the same page, a
//! larger copy for small print or the page turned round, knows the slant already and goes straight
//! to the level canvas: one detector pass instead of two, and the same formulas found.

use mathsnap::deskew::{detect_level, MIN_SLANT_DEG};
use mathsnap::detector::Detector;
use mathsnap::models::Manifest;
use mathsnap::pipeline::Work;
use std::path::Path;

fn detector() -> Detector {
    let manifest = Manifest::parse(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let entry = manifest.detector.expect("the committed models include the detector");
    Detector::new(entry.config, &std::fs::read(Path::new("models").join(&entry.file)).unwrap()).unwrap()
}

/// The test worksheet photographed turned by `deg`, on a desk that shows in the corners, at a
/// detector working size.
fn slanted_worksheet(deg: f32) -> image::RgbImage {
    let page = image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8();
    let (w, h) = (page.width() as f32, page.height() as f32);
    let (c, s) = (deg.to_radians().cos(), deg.to_radians().sin());
    let (cw, ch) = ((w * c.abs() + h * s.abs()).ceil(), (w * s.abs() + h * c.abs()).ceil());
    let on_page = |x: f32, y: f32| {
        let (dx, dy) = (x - cw / 2.0, y - ch / 2.0);
        [w / 2.0 + dx * c - dy * s, h / 2.0 + dx * s + dy * c]
    };
    let frame = [on_page(0.0, 0.0), on_page(cw, 0.0), on_page(cw, ch), on_page(0.0, ch)];
    let photo = mathsnap::rectify::warp_quad(&page, &frame, cw as u32, ch as u32, image::Rgb([90, 80, 70]));
    let scale = 800.0 / cw.max(ch);
    image::imageops::resize(&photo, (cw * scale) as u32, (ch * scale) as u32, image::imageops::FilterType::Triangle)
}

#[test]
fn a_known_slant_skips_the_measuring_pass_and_finds_the_same_formulas() {
    let detector = detector();
    let page = slanted_worksheet(14.0);
    let mut measured = Work::default();
    let (first, slant) = detect_level(&detector, &page, None, &mut measured).unwrap();
    let slant = slant.expect("a page slanted by 14 degrees is levelled");
    assert!((slant.to_degrees().abs() - 14.0).abs() < 3.0, "slant {}", slant.to_degrees());
    assert_eq!(measured.detector_passes, 2, "measured, then levelled");

    let mut known = Work::default();
    let (again, kept) = detect_level(&detector, &page, Some(slant), &mut known).unwrap();
    assert_eq!(known.detector_passes, 1, "only the level canvas is detected");
    assert_eq!(kept, Some(slant));
    assert_eq!(again.len(), first.len());
    for (a, b) in again.iter().zip(&first) {
        assert_eq!(a.quad, b.quad);
    }

    // a slant too small to level is measured afresh, as if unknown
    let mut small = Work::default();
    let (_, s) = detect_level(&detector, &page, Some(0.5 * MIN_SLANT_DEG.to_radians()), &mut small).unwrap();
    assert_eq!(s, Some(slant));
    assert_eq!(small.detector_passes, 2);
}
