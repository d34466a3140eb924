//! The small-print look (`Engine::finer_copy`): a page whose writing is small is detected again
//! larger even when the regions found at the working size are large (the page's one display
//! formula) and say nothing about the small formulas the detector missed; a page of ordinary
//! writing is not. A page of small writing is not taken for a close-up, and one lying on its side
//! is turned (by its letters at the working size, where its small print shows no region to tell by).
//! Small print whose letters say which way its lines run skips the working size's passes (their
//! regions would decide nothing): a slanted page is levelled for the larger look by its letters'
//! slant, a page on its side is looked at larger turned.

use image::{imageops, Rgb, RgbImage};
use mathsnap::pipeline::{Engine, ReadOptions, ReadResult};
use std::path::Path;

mod support;

const PAPER: Rgb<u8> = Rgb([235, 235, 230]);

fn fixture(name: &str) -> RgbImage {
    image::open(Path::new("tests/fixtures").join(name)).unwrap().to_rgb8()
}

fn read(engine: &Engine, page: &RgbImage) -> ReadResult {
    engine.read(page, &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap()
}

/// An A4-like photo: one large display formula at the top, and the worksheet's six small
/// formulas among its text below, at a third of the size they have at the working size of a
/// photo of the worksheet alone.
fn display_formula_above_small_print() -> RgbImage {
    let mut page = RgbImage::from_pixel(1600, 2200, PAPER);
    let display = imageops::resize(&fixture("e2e-quadratic.png"), 600, 200, imageops::FilterType::Triangle);
    imageops::replace(&mut page, &display, 500, 150);
    imageops::replace(&mut page, &fixture("page-worksheet.jpg"), 100, 700);
    page
}

/// The worksheet alone on an A4-like photo, its formulas small print.
fn small_print_only() -> RgbImage {
    let mut page = RgbImage::from_pixel(1600, 2200, PAPER);
    imageops::replace(&mut page, &fixture("page-worksheet.jpg"), 100, 700);
    page
}

/// The same photo size with three formulas of an ordinary size and no small writing.
fn ordinary_formulas() -> RgbImage {
    let mut page = RgbImage::from_pixel(1600, 2200, PAPER);
    let formula = imageops::resize(&fixture("e2e-quadratic.png"), 450, 150, imageops::FilterType::Triangle);
    for k in 0..3 {
        imageops::replace(&mut page, &formula, 200 + 300 * (k % 2), 300 + 600 * k);
    }
    page
}

#[test]
fn small_writing_is_looked_at_larger_even_beside_a_large_formula() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let page = display_formula_above_small_print();
    // at the working size alone, the detector misses most of the small formulas
    let at_working_size = engine.detect(&page, Some(800)).unwrap();
    let result = read(&engine, &page);
    // the larger look: the writing's part of the 1,600-px copy (the display formula down to the
    // worksheet's foot, 0.64 MP), beyond the probe (0.04 MP); the working size would be 0.47 MP
    assert!(result.work.detector_megapixels > 0.55, "no larger look: {:?}", result.work);
    assert!(
        result.formulas.len() >= 6 && result.formulas.len() > at_working_size.len() + 2,
        "{} formulas read, {} regions at the working size",
        result.formulas.len(),
        at_working_size.len()
    );
    assert!(result.formulas.iter().any(|f| f.latex == "x^2+3x-4=0"), "the display formula is still read");
}

/// The worksheet on a smaller sheet: its letters large enough at the working size (4 px) to tell
/// which way its lines run and at what slant.
fn small_print_on_a_smaller_sheet() -> RgbImage {
    let mut page = RgbImage::from_pixel(1100, 1500, PAPER);
    imageops::replace(&mut page, &fixture("page-worksheet.jpg"), 100, 300);
    page
}

#[test]
fn small_print_skips_the_working_size_and_a_slanted_page_is_levelled_by_its_letters() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let level = read(&engine, &small_print_on_a_smaller_sheet());
    assert_eq!(level.work.detector_passes, 2, "the close-up probe, then the larger look: {:?}", level.work);
    assert!(level.formulas.len() >= 5, "{} formulas read", level.formulas.len());
    let slanted = read(&engine, &support::photographed_at_slant(&small_print_on_a_smaller_sheet(), 12.0));
    // the probe, then the larger look straight on its level canvas: the letters measured the slant
    // (before, the working size measured it and was levelled, four passes; skipped with no slant
    // known, the larger look would measure it itself, three passes, two at the larger size)
    assert_eq!(slanted.work.detector_passes, 2, "{:?}", slanted.work);
    assert!(slanted.formulas.len() >= 5, "{} formulas read", slanted.formulas.len());
}

#[test]
fn ordinary_writing_is_not_looked_at_again() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let result = read(&engine, &ordinary_formulas());
    assert!(result.work.detector_megapixels < 1.0, "an unneeded larger look: {:?}", result.work);
    assert_eq!(result.formulas.len(), 3);
}

#[test]
fn small_print_lying_on_its_side_is_turned_and_read_whole() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    // the probe saw the sideways lines as one tall formula (a close-up), and at the working size
    // the small print did not look sideways; the worksheet's six formulas were read as one
    for (turned, rotation) in
        [(imageops::rotate90(&small_print_only()), 270), (imageops::rotate270(&small_print_only()), 90)]
    {
        let result = read(&engine, &turned);
        assert_eq!(result.rotation, rotation, "{:?}", result.work);
        assert!(result.formulas.len() >= 5, "{} formulas read: {:?}", result.formulas.len(), result.work);
    }
}

#[test]
fn a_sideways_page_of_small_print_is_turned_by_its_letters_whole_or_in_bands() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    // a page of the data engine's val split (`make_pages --split val --seed 12`, its 75th page) lying
    // on its side, scaled to 1,600 px: at the working size its small print shows no region that
    // looks sideways, but its letters sit above one another; the larger look is taken once, turned
    let page = fixture("page-sideways-small-print.jpg");
    let whole = read(&engine, &page);
    assert_eq!(whole.rotation, 90, "{:?}", whole.work);
    assert!(whole.formulas.len() >= 6, "{} formulas read", whole.formulas.len());
    // the probe, then the larger look turned: its letters settled the turn, so the working size's
    // passes (upright, then turned), which decided it before, are skipped
    assert_eq!(whole.work.detector_passes, 2, "{:?}", whole.work);
    let banded = engine.read(&page, &ReadOptions { threads: 1, detector_bands: 2, ..ReadOptions::default() }).unwrap();
    // the larger pass cut in bands, as the browser's pool computes it, to the same reading
    assert_eq!(banded.work.banded_passes, 1, "{:?}", banded.work);
    assert_eq!(banded.work.detector_passes, whole.work.detector_passes);
    assert_eq!(banded.rotation, whole.rotation);
    let latex = |r: &ReadResult| r.formulas.iter().map(|f| f.latex.clone()).collect::<Vec<_>>();
    assert_eq!(latex(&banded), latex(&whole));
}

#[test]
fn the_larger_look_sees_the_writing_only_and_finds_its_formulas_where_they_are() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    // the worksheet (640 x 515 at 100, 700) on a 1600 x 2200 sheet: the larger look, at 1,600 px
    // on the long side, would be 1.16 x 1.6 = 1.86 MP whole
    let result = read(&engine, &small_print_only());
    assert_eq!(result.work.detector_passes, 2, "the close-up probe, then the larger look: {:?}", result.work);
    assert!(result.work.detector_megapixels < 0.6, "the larger look saw more than the writing: {:?}", result.work);
    assert!(result.formulas.len() >= 6, "{} formulas read", result.formulas.len());
    for f in &result.formulas {
        // in the photo's pixels, on the worksheet: the window's place on the sheet is added back
        let inside = f.quad.iter().all(|p| (100.0..740.0).contains(&p[0]) && (700.0..1215.0).contains(&p[1]));
        assert!(inside, "{:?} ({}) is not on the worksheet", f.quad, f.latex);
    }
}
