//! The first-view gate (the manifest's `recognizer.first_view_sure`, `Engine::read_crop`): a crop
//! whose first view alone is read at least that confidently keeps that reading; every other crop is
//! read with every view, exactly as without the gate. The beam gives the first view up early when no
//! path can reach the level, which must not change what either reading is.

use mathsnap::models::Manifest;
use mathsnap::pipeline::{Engine, ModelDir};
use mathsnap::preprocess;
use mathsnap::recognizer::beam::{self, DecodeOptions, FirstViewSteps};
use mathsnap::recognizer::Recognizer;
use std::path::Path;

/// The committed models with their manifest changed by `edit`.
fn engine_with(edit: impl Fn(&mut serde_json::Value)) -> Engine {
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    edit(&mut manifest["recognizer"]);
    Engine::load(&manifest.to_string(), &ModelDir("models".into())).expect("committed models load")
}

/// Crops of several kinds: a clean printed formula and CROHME *train* handwriting (not an
/// evaluation set), every third turned upside down, which the recognizer is rarely sure of: some read
/// surely by one view, some not.
fn crops() -> Vec<image::RgbImage> {
    let mut paths = vec!["tests/fixtures/e2e-quadratic.png".to_string()];
    let labels = std::fs::read_to_string("../shared/data/crohme/train/labels.tsv").expect("CROHME train in ../shared");
    paths.extend(
        labels
            .lines()
            .step_by(300)
            .take(24)
            .map(|l| format!("../shared/data/crohme/train/{}", l.split('\t').next().unwrap())),
    );
    let turned =
        |(i, crop): (usize, image::RgbImage)| if i % 3 == 2 { image::imageops::rotate180(&crop) } else { crop };
    paths.iter().map(|p| image::open(Path::new(p)).unwrap().to_rgb8()).enumerate().map(turned).collect()
}

#[test]
fn a_sure_first_view_is_kept_and_every_other_crop_is_read_with_every_view() {
    let gated = engine_with(|_| {});
    let sure = {
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
        manifest["recognizer"]["first_view_sure"].as_f64().expect("the committed models have the gate") as f32
    };
    let every_view = engine_with(|r| {
        r.as_object_mut().unwrap().remove("first_view_sure");
    });
    let first_view = engine_with(|r| {
        r.as_object_mut().unwrap().remove("first_view_sure");
        r["view_scales"] = serde_json::json!([1.0]);
    });
    let opts = DecodeOptions::default();
    let (mut kept, mut read_again) = (0, 0);
    for (i, crop) in crops().iter().enumerate() {
        let got = gated.read_crop(crop, &opts).unwrap();
        let alone = first_view.read_crop(crop, &opts).unwrap();
        let want = if alone.confidence >= sure {
            kept += 1;
            alone
        } else {
            read_again += 1;
            every_view.read_crop(crop, &opts).unwrap()
        };
        // the same reading; its confidence to float noise: the gated read reuses the first view's
        // steps, computed with the beam batched differently, and a matrix product's sums can round
        // differently with the rows it is given (the transformer decoder's one symbolic plan)
        assert_eq!(got.latex, want.latex, "crop {i}");
        assert!(
            (got.confidence - want.confidence).abs() <= 1e-5,
            "crop {i}: {} against {}",
            got.confidence,
            want.confidence
        );
        assert_eq!(got.upside_down, want.upside_down, "crop {i}: the probe weighs the first view either way");
    }
    // both ways were taken, or the test shows nothing
    assert!(kept >= 3 && read_again >= 3, "kept {kept}, read again {read_again}");
}

#[test]
fn an_impossible_level_is_a_clear_error() {
    for bad in [0.0, 1.5, -0.2] {
        let mut manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
        manifest["recognizer"]["first_view_sure"] = serde_json::json!(bad);
        let err = Engine::load(&manifest.to_string(), &ModelDir("models".into())).err().expect("refused");
        assert!(err.to_string().contains("first_view_sure"), "{bad}: {err}");
    }
}

/// A crop the first view is unsure of is read again with both views, and that search takes the
/// first view's steps the unsure search already made: the reading is the same as a search that
/// runs every step itself, and fewer steps run.
#[test]
fn the_reading_with_every_view_reuses_the_first_views_steps_and_reads_the_same() {
    let manifest = Manifest::parse(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let rec =
        &Recognizer::from_entry(&manifest.recognizer, &|f| Ok(std::fs::read(Path::new("models").join(f)).unwrap()))
            .expect("committed models load");
    let sure = rec.config.first_view_sure.expect("the committed models have the gate");
    let opts = DecodeOptions::default();
    let (mut unsure, mut reused) = (0, 0);
    for (i, crop) in crops().iter().enumerate() {
        let gray = preprocess::to_gray(crop);
        let framed = preprocess::framed(&gray, rec.config.frame_margin);
        let views: Vec<_> = rec
            .config
            .view_scales
            .iter()
            .map(|&s| rec.encode(&preprocess::view_at(&framed, s, rec.config.canvas())).unwrap())
            .collect();
        let mut steps = FirstViewSteps::default();
        if beam::decode_if_sure(rec, &views[..1], &opts, sure, &mut steps).unwrap().is_some() {
            continue;
        }
        unsure += 1;
        let made_alone = steps.made();
        let got = beam::decode_reusing(rec, &views, &opts, &mut steps).unwrap();
        let fresh = beam::decode(rec, &views, &opts).unwrap();
        assert_eq!(got.tokens, fresh.tokens, "crop {i}");
        assert!(
            (got.confidence - fresh.confidence).abs() < 1e-5,
            "crop {i}: {} vs {}",
            got.confidence,
            fresh.confidence
        );
        assert!(steps.made() >= made_alone, "crop {i}: kept steps are never dropped");
        reused += steps.reused();
    }
    assert!(unsure >= 3, "only {unsure} crops were read again: the test shows nothing");
    assert!(reused > 0, "no step was taken from the first view's search");
}
