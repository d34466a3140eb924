//! A slanted page is levelled before detection (src/deskew.rs). A later pass on the same page, a
//! larger copy for small print or the page turned round, knows the slant already and goes straight
//! to the level canvas: one detector pass instead of two, and the same formulas found.

use mathsnap::deskew::{detect_level, MIN_SLANT_DEG};
use mathsnap::detector::Detector;
use mathsnap::models::Manifest;
use mathsnap::pipeline::Work;
use std::path::Path;

mod support;

fn detector() -> Detector {
    let manifest = Manifest::parse(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let entry = manifest.detector.expect("the committed models include the detector");
    Detector::new(entry.config, &std::fs::read(Path::new("models").join(&entry.file)).unwrap()).unwrap()
}

/// The test worksheet photographed turned by `deg`, at a detector working size.
fn slanted_worksheet(deg: f32) -> image::RgbImage {
    let photo =
        support::photographed_at_slant(&image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8(), deg);
    let scale = 800.0 / photo.width().max(photo.height()) as f32;
    let (w, h) = ((photo.width() as f32 * scale) as u32, (photo.height() as f32 * scale) as u32);
    image::imageops::resize(&photo, w, h, image::imageops::FilterType::Triangle)
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

/// A page photographed at a slant whose letters run across is detected turned level by their slant
/// straight away (`Engine::detect_page`): one pass at the working size, on the level canvas, where
/// the page as it is was detected first to measure the slant from its regions. It reads as many
/// formulas as the upright page. (The close-up probe before it measures and levels on its own: one
/// pass more than the upright page's probe.)
#[test]
fn a_slanted_page_of_ordinary_print_is_levelled_by_its_letters_in_one_pass() {
    use mathsnap::pipeline::{Engine, ReadOptions};
    let engine = Engine::load_dir(Path::new("models")).unwrap();
    let read = |img: &image::RgbImage| engine.read(img, &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap();
    let upright = read(&image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8());
    let slanted = read(&support::photographed_at_slant(
        &image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8(),
        14.0,
    ));
    assert_eq!(slanted.rotation, 0);
    assert_eq!(
        slanted.work.detector_passes,
        upright.work.detector_passes + 1,
        "{:?} against {:?}",
        slanted.work,
        upright.work
    );
    let latex = |r: &mathsnap::pipeline::ReadResult| r.formulas.iter().map(|f| f.latex.clone()).collect::<Vec<_>>();
    assert_eq!(latex(&slanted).len(), latex(&upright).len(), "{:?} against {:?}", latex(&slanted), latex(&upright));
}
