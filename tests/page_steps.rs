//! A page read step by step (src/page_read.rs), as the browser's worker pool drives it, gives what
//! `Engine::read` gives, whichever threads read the crops; readings out of step are refused.

use image::RgbImage;
use mathsnap::page_read::CropReading;
use mathsnap::pipeline::{Engine, ModelDir, ReadOptions, ReadResult};
use mathsnap::ErrorKind;
use std::borrow::Cow;
use std::path::Path;

fn engine() -> Engine {
    Engine::load_dir(Path::new("models")).expect("committed models load")
}

/// The committed models without the upside-down probe: the half-turn check reads the largest
/// formulas turned round and compares the recognizer's confidence.
fn engine_without_probe() -> Engine {
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    manifest["recognizer"].as_object_mut().unwrap().remove("upside_down").expect("the committed models have the probe");
    Engine::load(&manifest.to_string(), &ModelDir("models".into())).expect("committed models load")
}

/// The test worksheet turned upside down: without the upside-down probe the read goes through every
/// step (locate, read, half-turn probes, located again turned round, read again).
fn upside_down_worksheet() -> RgbImage {
    image::imageops::rotate180(&image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8())
}

fn summary(r: &ReadResult) -> (u32, Vec<String>, Vec<[[i32; 2]; 4]>) {
    let quads = r.formulas.iter().map(|f| f.quad.map(|p| [p[0].round() as i32, p[1].round() as i32])).collect();
    (r.rotation, r.formulas.iter().map(|f| f.latex.clone()).collect(), quads)
}

/// The page read step by step, each round's crops read in order: the result, and how many crops
/// each round handed out.
fn read_in_steps(engine: &Engine, page: &RgbImage, opts: &ReadOptions) -> (ReadResult, Vec<usize>) {
    let mut steps = engine.start_page(Cow::Borrowed(page), opts).unwrap();
    let mut sizes = Vec::new();
    while !steps.pending().is_empty() {
        sizes.push(steps.pending().len());
        let readings = steps.pending().iter().map(|crop| engine.read_crop(crop, &opts.decode).unwrap()).collect();
        steps.supply(engine, readings).unwrap();
    }
    (steps.finish().unwrap(), sizes)
}

#[test]
fn stepwise_read_with_crops_read_out_of_order_equals_the_engines_read() {
    let engine = engine_without_probe();
    let page = upside_down_worksheet();
    let opts = ReadOptions { threads: 1, ..ReadOptions::default() };
    let whole = engine.read(&page, &opts).unwrap();
    assert_eq!(whole.rotation, 180, "the upside-down worksheet is turned back");
    assert!(whole.formulas.len() >= 3, "{:?}", summary(&whole));
    // what the read cost is counted: the close-up probe, the working size and the page located again
    // turned round; every formula read twice (upside down, then upright) plus the half-turn probes
    assert!(whole.work.detector_passes >= 3, "{:?}", whole.work);
    assert!(whole.work.crops_read as usize > 2 * whole.formulas.len(), "{:?}", whole.work);

    let mut steps = engine.start_page(Cow::Borrowed(&page), &opts).unwrap();
    let mut rounds = 0;
    while !steps.pending().is_empty() {
        rounds += 1;
        // read last crop first, as a pool's workers may finish them; supplied in the crops' order
        let mut readings: Vec<(usize, CropReading)> = steps
            .pending()
            .iter()
            .enumerate()
            .rev()
            .map(|(i, crop)| (i, engine.read_crop(crop, &opts.decode).unwrap()))
            .collect();
        readings.sort_by_key(|(i, _)| *i);
        steps.supply(&engine, readings.into_iter().map(|(_, r)| r).collect()).unwrap();
    }
    assert!(rounds >= 3, "locate, probes and the turned-round read: {rounds} rounds");
    assert_eq!(summary(&steps.finish().unwrap()), summary(&whole));
}

#[test]
fn the_upside_down_probe_turns_the_page_round_without_reading_crops_turned_round() {
    let (engine, page) = (engine(), upside_down_worksheet());
    let opts = ReadOptions { threads: 1, ..ReadOptions::default() };
    let with_probe = engine.read(&page, &opts).unwrap();
    let without = engine_without_probe().read(&page, &opts).unwrap();
    assert_eq!(with_probe.rotation, 180, "{:?}", summary(&with_probe));
    assert_eq!(summary(&with_probe), summary(&without));
    // the same page and passes, fewer crops read: the half-turn probes are not needed
    assert_eq!(with_probe.work.detector_passes, without.work.detector_passes);
    assert!(with_probe.work.crops_read < without.work.crops_read, "{:?} {:?}", with_probe.work, without.work);

    let (result, sizes) = read_in_steps(&engine, &page, &opts);
    assert_eq!(sizes.len(), 2, "read upside down, then located again turned round and read");
    assert_eq!(summary(&result), summary(&with_probe));
}

#[test]
fn an_upright_page_found_upside_down_by_a_first_look_is_turned_round_before_the_rest_are_read() {
    // the worksheet upside down, found at turn 0: its text lines do not say it is upright, so its
    // four largest formulas are read first, and their upside-down probe turns it round
    let (engine, page) = (engine(), upside_down_worksheet());
    let opts = ReadOptions { threads: 1, ..ReadOptions::default() };
    let (result, sizes) = read_in_steps(&engine, &page, &opts);
    assert_eq!(result.rotation, 180, "{:?}", summary(&result));
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert_eq!(sizes[0], 4, "{sizes:?}");
    assert!(result.formulas.len() > 4, "{:?}", summary(&result));
    // only the first look was read upside down
    assert_eq!(result.work.crops_read as usize, 4 + sizes[1], "{:?}", result.work);
    assert_eq!(summary(&result), summary(&engine.read(&page, &opts).unwrap()));
}

#[test]
fn crops_read_on_several_threads_give_the_same_page() {
    let engine = engine();
    let page = upside_down_worksheet();
    let one = engine.read(&page, &ReadOptions { threads: 1, ..ReadOptions::default() }).unwrap();
    let three = engine.read(&page, &ReadOptions { threads: 3, ..ReadOptions::default() }).unwrap();
    assert_eq!(summary(&three), summary(&one));
}

#[test]
fn readings_out_of_step_are_refused_with_a_clear_error() {
    let engine = engine();
    let page = image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8();
    let opts = ReadOptions::default();
    let mut steps = engine.start_page(Cow::Borrowed(&page), &opts).unwrap();
    let n = steps.pending().len();
    assert!(n >= 3);
    let err = steps.supply(&engine, vec![CropReading::supplied(String::from("x"), 0.9, None)]).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadInput);
    assert!(err.message.contains(&format!("1 readings supplied for {n} crops")), "{}", err.message);
    // a refused supply leaves the step as it was: the right readings are still taken
    assert_eq!(steps.pending().len(), n);
    let single = ReadOptions { single: true, ..ReadOptions::default() };
    assert_eq!(engine.start_page(Cow::Borrowed(&page), &single).err().map(|e| e.kind), Some(ErrorKind::BadInput));
}

#[test]
fn finishing_before_the_crops_are_read_is_an_error_and_a_blank_page_finishes_at_once() {
    let engine = engine();
    let page = image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8();
    let steps = engine.start_page(Cow::Borrowed(&page), &ReadOptions::default()).unwrap();
    assert_eq!(steps.finish().err().map(|e| e.kind), Some(ErrorKind::BadInput));

    let blank = image::open("tests/fixtures/e2e-blank.png").unwrap().to_rgb8();
    let steps = engine.start_page(Cow::Borrowed(&blank), &ReadOptions::default()).unwrap();
    assert!(steps.pending().is_empty());
    assert!(steps.finish().unwrap().formulas.is_empty());
}

#[test]
fn a_page_turned_the_wrong_quarter_is_turned_round_after_a_first_look_at_its_largest_formulas() {
    // the worksheet lying on its side, its tops to the right: turned a quarter clockwise first (the
    // usual guess), it is upside down, and turned round to 270
    let engine = engine();
    let page = image::imageops::rotate90(&image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8());
    let opts = ReadOptions { threads: 1, ..ReadOptions::default() };
    let whole = engine.read(&page, &opts).unwrap();
    assert_eq!(whole.rotation, 270, "{:?}", summary(&whole));
    assert!(whole.formulas.len() > 4, "{:?}", summary(&whole));

    let (result, sizes) = read_in_steps(&engine, &page, &opts);
    // four crops read upside down, then the page located again turned round and every crop read once
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert_eq!(sizes[0], 4, "{sizes:?}");
    assert_eq!(whole.work.crops_read as usize, 4 + sizes[1], "{:?}", whole.work);
    assert_eq!(summary(&result), summary(&whole));
}

#[test]
fn a_first_look_that_finds_the_page_right_way_up_reads_the_rest_and_keeps_each_reading_with_its_formula() {
    // the worksheet lying on its side, its tops to the left: the quarter turn clockwise is right
    let engine = engine();
    let page = image::imageops::rotate270(&image::open("tests/fixtures/page-worksheet.jpg").unwrap().to_rgb8());
    let opts = ReadOptions { threads: 1, keep_crops: true, ..ReadOptions::default() };
    let (result, sizes) = read_in_steps(&engine, &page, &opts);
    assert_eq!(result.rotation, 90, "{:?}", summary(&result));
    // the four largest first, then the others, each read once
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert_eq!(sizes[0], 4, "{sizes:?}");
    assert_eq!(result.work.crops_read as usize, sizes[0] + sizes[1], "{:?}", result.work);
    assert_eq!(summary(&result), summary(&engine.read(&page, &opts).unwrap()));
    // every reading is its own formula's: read again from the crop kept with it
    for f in &result.formulas {
        let again = engine.read_crop(f.crop.as_ref().expect("kept"), &opts.decode).unwrap();
        assert_eq!(again.latex, f.latex);
    }
}
