//! The small-print look (`Engine::finer_copy`): a page whose writing is small is detected again
//! larger even when the regions found at the working size are large (the page's one display
//! formula) and say nothing about the small formulas the detector missed; a page of ordinary
//! writing is not.

use image::{imageops, Rgb, RgbImage};
use mathsnap::pipeline::{Engine, ReadOptions, ReadResult};
use std::path::Path;

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
    // the larger look: the 1,600-px copy (1.28 MP at this aspect), beyond the probe and the working size
    assert!(result.work.detector_megapixels > 1.5, "no larger look: {:?}", result.work);
    assert!(
        result.formulas.len() >= 6 && result.formulas.len() > at_working_size.len() + 2,
        "{} formulas read, {} regions at the working size",
        result.formulas.len(),
        at_working_size.len()
    );
    assert!(result.formulas.iter().any(|f| f.latex == "x^2+3x-4=0"), "the display formula is still read");
}

#[test]
fn ordinary_writing_is_not_looked_at_again() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let result = read(&engine, &ordinary_formulas());
    assert!(result.work.detector_megapixels < 1.0, "an unneeded larger look: {:?}", result.work);
    assert_eq!(result.formulas.len(), 3);
}
