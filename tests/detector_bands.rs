//! A detector pass cut in bands (src/detector/bands.rs), as the browser's worker pool computes a
//! small-print page's larger pass, finds what the whole pass finds; a page read with its small-print
//! look cut in bands gives the page the whole pass gives.

use image::RgbImage;
use mathsnap::detector::{Detector, Region};
use mathsnap::models::Manifest;
use mathsnap::pipeline::{Engine, ReadOptions, ReadResult};
use mathsnap::ErrorKind;
use std::borrow::Cow;
use std::path::Path;

fn detector() -> Detector {
    let manifest = Manifest::parse(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let entry = manifest.detector.expect("the committed models include the detector");
    Detector::new(entry.config, &std::fs::read(Path::new("models").join(&entry.file)).unwrap()).unwrap()
}

fn worksheet() -> RgbImage {
    image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8()
}

fn resized(img: &RgbImage, long_side: u32) -> RgbImage {
    let s = long_side as f32 / img.width().max(img.height()) as f32;
    let (w, h) = ((img.width() as f32 * s).round() as u32, (img.height() as f32 * s).round() as u32);
    image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle)
}

/// The worksheet's left column stacked four times: a tall page of small formulas, under 14 px tall
/// at the working size, so the read takes the small-print look.
fn small_print_page() -> RgbImage {
    let column = image::imageops::crop_imm(&worksheet(), 0, 0, 320, 515).to_image();
    let mut page = RgbImage::new(320, 4 * 515);
    for k in 0..4 {
        image::imageops::replace(&mut page, &column, 0, k * 515);
    }
    page
}

fn corners_apart(a: &Region, b: &Region) -> f32 {
    a.quad.iter().zip(&b.quad).map(|(p, q)| (p[0] - q[0]).hypot(p[1] - q[1])).fold(0.0, f32::max)
}

#[test]
fn a_pass_cut_in_bands_finds_what_the_whole_pass_finds() {
    let detector = detector();
    for (canvas, bands) in
        [(resized(&worksheet(), 1600), 2), (resized(&worksheet(), 1600), 3), (resized(&worksheet(), 1024), 2)]
    {
        let long = canvas.width().max(canvas.height());
        let whole = detector.detect_at(&canvas, long).unwrap();
        assert!(whole.len() >= 3, "the worksheet's formulas are found: {}", whole.len());
        let banded = detector.cut_bands(&canvas, bands);
        assert_eq!(banded.bands.len(), bands);
        // computed last band first, as a pool's workers may finish them; supplied in the bands' order
        let mut maps: Vec<_> = banded.bands.iter().rev().map(|b| detector.band_map(&b.image).unwrap()).collect();
        maps.reverse();
        let stitched = detector.locate_bands(&banded, &maps).unwrap();
        assert_eq!(stitched.len(), whole.len(), "{long} px in {bands} bands");
        for (a, b) in stitched.iter().zip(&whole) {
            // a pixel of the 1/4-resolution map is 4 canvas pixels
            assert!(corners_apart(a, b) <= 8.0, "{long} px in {bands} bands: {:?} against {:?}", a.quad, b.quad);
        }
        // maps that do not fit the bands are refused, not stitched
        let err = detector.locate_bands(&banded, &maps[1..]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadInput);
    }
}

fn latex(r: &ReadResult) -> Vec<String> {
    r.formulas.iter().map(|f| f.latex.clone()).collect()
}

#[test]
fn a_page_read_with_its_small_print_look_in_bands_reads_the_same_formulas() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let page = small_print_page();
    let whole = engine.read(&page, &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap();
    assert_eq!(whole.work.banded_passes, 0);
    assert_eq!(
        whole.work.detector_passes, 2,
        "the close-up probe, the small-print look (level small print skips the working size): {:?}",
        whole.work
    );
    assert!(whole.formulas.len() >= 3, "{:?}", latex(&whole));

    let opts = ReadOptions { threads: 1, detector_bands: 2, ..ReadOptions::default() };
    let banded = engine.read(&page, &opts).unwrap();
    assert_eq!(banded.work.banded_passes, 1, "{:?}", banded.work);
    assert_eq!(banded.work.detector_passes, whole.work.detector_passes);
    assert_eq!(latex(&banded), latex(&whole));

    // step by step, as the pool drives it: bands first, no crops meanwhile; crops refused until then
    let detector = detector();
    let mut steps = engine.start_page(Cow::Borrowed(&page), &opts).unwrap();
    assert_eq!(steps.pending_bands().len(), 2);
    assert!(steps.pending().is_empty());
    let early = steps.supply(&engine, Vec::new()).unwrap_err();
    assert_eq!(early.kind, ErrorKind::BadInput);
    let maps: Vec<_> = steps.pending_bands().iter().map(|b| detector.band_map(&b.image).unwrap()).collect();
    // a map short (a worker's answer lost): refused, and the bands stay pending to be supplied again
    let short = steps.supply_maps(&engine, maps[1..].to_vec()).unwrap_err();
    assert_eq!(short.kind, ErrorKind::BadInput);
    assert_eq!(steps.pending_bands().len(), 2);
    steps.supply_maps(&engine, maps).unwrap();
    assert!(steps.pending_bands().is_empty());
    // the crops are pending now: the four largest first (a first look: the page's text lines do not
    // say it is upright, page_read::FIRST_LOOK)
    assert!(banded.formulas.len() > 4);
    assert_eq!(steps.pending().len(), 4);
    let again = steps.supply_maps(&engine, Vec::new()).unwrap_err();
    assert_eq!(again.kind, ErrorKind::BadInput, "no bands are pending any more");
}

#[test]
fn a_page_found_upside_down_is_located_again_in_bands_and_reads_the_same_formulas() {
    let engine = Engine::load_dir(Path::new("models")).expect("committed models load");
    let page = image::imageops::rotate180(&small_print_page());
    let whole = engine.read(&page, &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap();
    assert_eq!(whole.rotation, 180, "{:?}", latex(&whole));
    assert_eq!(whole.work.banded_passes, 0);

    let opts = ReadOptions { threads: 1, detector_bands: 2, ..ReadOptions::default() };
    let banded = engine.read(&page, &opts).unwrap();
    assert_eq!(banded.rotation, 180);
    // the close-up probe whole; the small-print look and the page located again turned round in bands
    assert_eq!(banded.work.detector_passes, whole.work.detector_passes, "{:?} {:?}", banded.work, whole.work);
    assert_eq!(banded.work.banded_passes, 2, "{:?}", banded.work);
    assert_eq!(latex(&banded), latex(&whole));

    // step by step: once the page's crops are read upside down, its bands are pending again
    let detector = detector();
    let mut steps = engine.start_page(Cow::Borrowed(&page), &opts).unwrap();
    let mut rounds = Vec::new();
    loop {
        if !steps.pending_bands().is_empty() {
            rounds.push("bands");
            let maps = steps.pending_bands().iter().map(|b| detector.band_map(&b.image).unwrap()).collect();
            steps.supply_maps(&engine, maps).unwrap();
        } else if !steps.pending().is_empty() {
            rounds.push("crops");
            let readings = steps.pending().iter().map(|c| engine.read_crop(c, &opts.decode).unwrap()).collect();
            steps.supply(&engine, readings).unwrap();
        } else {
            break;
        }
    }
    assert_eq!(
        rounds,
        ["bands", "crops", "bands", "crops"],
        "located, read upside down, located again turned round, read"
    );
    assert_eq!(latex(&steps.finish().unwrap()), latex(&banded));
}
