//! `mathsnap read --save-crops DIR` turns photos into a labelling batch: each formula's crop as the
//! recognizer saw it (DIR/<stem>-<k>.png), rows `<name>\t<latex>` appended to DIR/labels.tsv, and
//! DIR/manifest.json ("mathsnap-crops"). `mathsnap eval --single DIR` reads that batch back: the crops
//! are what was read, so with the saved LaTeX as the label every row scores.

mod support;
use support::*;

use mathsnap::recognizer::calibration::Calibration;
use mathsnap::Evidence;
use std::path::Path;

fn labels(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("labels.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let (name, latex) = l.split_once('\t').unwrap_or_else(|| panic!("not a row: {l:?}"));
            (name.to_string(), latex.to_string())
        })
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// (name, latex) of each crop a `read --save-crops` output line reports, in order.
fn saved_rows(lines: &[serde_json::Value]) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for line in lines {
        assert!(line["error"].is_null(), "{line}");
        let crops = line["crops"].as_array().unwrap_or_else(|| panic!("no crops listed: {line}"));
        let formulas = line["formulas"].as_array().unwrap();
        assert_eq!(crops.len(), formulas.len(), "one crop per formula: {line}");
        for (c, f) in crops.iter().zip(formulas) {
            rows.push((c.as_str().unwrap().to_string(), f["latex"].as_str().unwrap().to_string()));
        }
    }
    rows
}

#[test]
fn saved_crops_are_a_labelling_batch_that_eval_reads_back() {
    let dir = scratch("save-crops");
    // created, parents too
    let batch = dir.join("batch").join("new");
    // two inputs with the same stem get different names
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::copy("tests/fixtures/e2e-quadratic.png", dir.join(sub).join("e2e-quadratic.png")).unwrap();
    }
    let (a, b) = (dir.join("a/e2e-quadratic.png"), dir.join("b/e2e-quadratic.png"));
    let out = mathsnap(&[
        "read",
        "--save-crops",
        batch.to_str().unwrap(),
        "tests/fixtures/page-worksheet.jpg",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    let n_page = lines[0]["formulas"].as_array().unwrap().len();
    assert!(n_page >= 4, "the worksheet's formulas: {}", lines[0]);
    let expected_names: Vec<String> = (1..=n_page)
        .map(|k| format!("page-worksheet-{k}.png"))
        .chain(["e2e-quadratic-1.png".to_string(), "e2e-quadratic_2-1.png".to_string()])
        .collect();
    let rows = saved_rows(&lines);
    assert_eq!(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(), expected_names);
    assert_eq!(labels(&batch), rows, "labels.tsv holds a row per crop, in reading order");
    for (k, (name, _)) in rows.iter().enumerate() {
        let crop = image::open(batch.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        // a page's crops are cut along each quad: wider than tall, never the whole photo
        assert!(crop.width() > crop.height() && crop.height() >= 8, "{name}: {}x{}", crop.width(), crop.height());
        if k < n_page {
            assert!(crop.width() < lines[0]["width"].as_u64().unwrap() as u32);
        }
    }
    let m = manifest(&batch);
    assert_eq!(m["format"], "mathsnap-crops");
    assert_eq!(m["version"], 1);
    assert!(m["model_version"].as_str().unwrap().starts_with("sha256:"), "{m}");
    assert!(m["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["count"], rows.len());
    let entries = m["entries"].as_array().unwrap();
    assert_eq!(entries.len(), rows.len());
    for (e, (name, latex)) in entries.iter().zip(&rows) {
        assert_eq!((e["image"].as_str().unwrap(), e["latex"].as_str().unwrap()), (name.as_str(), latex.as_str()));
        assert_eq!(e["quad"].as_array().unwrap().len(), 4);
        assert!((0.0..=1.0).contains(&e["score"].as_f64().unwrap()));
    }
    assert_eq!(entries[0]["source"], "tests/fixtures/page-worksheet.jpg");
    assert_eq!(entries[n_page + 1]["source"], b.to_str().unwrap());

    // --single: the crop is the image itself; the batch grows, nothing is overwritten
    let handwritten = "../shared/data/crohme/test2014/18_em_13.png";
    let out =
        mathsnap(&["read", "--single", "--save-crops", batch.to_str().unwrap(), handwritten, a.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let more = saved_rows(&json_lines(&out));
    assert_eq!(
        more.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        vec!["18_em_13-1.png", "e2e-quadratic_3-1.png"],
        "a name already in the batch is never reused"
    );
    for ((name, _), source) in more.iter().zip([handwritten, a.to_str().unwrap()]) {
        let saved = image::open(batch.join(name)).unwrap().to_rgb8();
        assert_eq!(saved, image::open(source).unwrap().to_rgb8(), "{name}: the crop is the image as read");
    }
    let all = labels(&batch);
    assert_eq!(all[..rows.len()], rows[..], "earlier rows kept as they were");
    assert_eq!(all[rows.len()..], more[..]);
    let m = manifest(&batch);
    assert_eq!(m["count"], all.len());
    assert_eq!(m["entries"].as_array().unwrap().len(), all.len());

    // eval reads every row back, and with the saved LaTeX as the label scores 100%
    let predictions = dir.join("predictions.jsonl");
    let out = mathsnap(&["eval", "--single", "--predictions", predictions.to_str().unwrap(), batch.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains(&format!("n={} ExpRate=100.0%", all.len())), "{report}");
    assert!(!report.contains("could not be read"), "{report}");
    let predicted: Vec<(String, String)> = std::fs::read_to_string(&predictions)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["edit"], 0, "{l}");
            evidence_explains_the_score(&v);
            (v["image"].as_str().unwrap().to_string(), v["truth"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(predicted, all);
}

/// A prediction's evidence (what the calibrator weighs) is whole, in its ranges, and consistent,
/// and the shipped calibration applied to it gives the score reported.
fn evidence_explains_the_score(prediction: &serde_json::Value) {
    let evidence: Evidence = serde_json::from_value(prediction["evidence"].clone())
        .unwrap_or_else(|e| panic!("evidence of {prediction}: {e}"));
    assert_eq!(evidence.clamped(), evidence, "reported as weighed: {prediction}");
    for name in Evidence::FEATURES {
        assert!(evidence.feature(name).is_some_and(f32::is_finite), "{name} in {prediction}");
    }
    // these readings end on the model's end token, not on the loop guard: the lowest token
    // log-probability is at most their mean
    assert!(evidence.weakest <= evidence.ln_score + 1e-5, "{prediction}");
    assert!(evidence.ln_tokens > 0.0, "{prediction}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let calibration: Calibration = serde_json::from_value(manifest["recognizer"]["calibration"].clone()).unwrap();
    let score = prediction["score"].as_f64().unwrap() as f32;
    assert!((calibration.apply(&evidence) - score).abs() < 1e-4, "{prediction}");
}

#[test]
fn save_crops_errors_are_clear_and_never_lose_user_data() {
    let dir = scratch("save-crops-errors");
    let image = "tests/fixtures/e2e-quadratic.png";
    let no_panic = |out: &std::process::Output| {
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!err.contains("panicked"), "{err}");
        err
    };

    // DIR is a file
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let out = mathsnap(&["read", "--single", "--save-crops", file.to_str().unwrap(), image]);
    assert_eq!(out.status.code(), Some(2));
    let err = no_panic(&out);
    assert!(err.contains("--save-crops") && err.contains("cannot create the folder"), "{err}");
    assert!(out.stdout.is_empty(), "nothing read before the folder is known to be usable");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");

    // a folder holding someone else's manifest (here an app export) is left alone
    let export = dir.join("export");
    std::fs::create_dir_all(&export).unwrap();
    let app_manifest = r#"{"format": "mathsnap-corrections", "version": 1, "entries": []}"#;
    std::fs::write(export.join("manifest.json"), app_manifest).unwrap();
    std::fs::write(export.join("labels.tsv"), "correction-0001.png\tx^2\n").unwrap();
    let out = mathsnap(&["read", "--single", "--save-crops", export.to_str().unwrap(), image]);
    assert_eq!(out.status.code(), Some(2));
    let err = no_panic(&out);
    assert!(err.contains("not a \"mathsnap-crops\" manifest"), "{err}");
    assert_eq!(std::fs::read_to_string(export.join("manifest.json")).unwrap(), app_manifest);
    assert_eq!(std::fs::read_to_string(export.join("labels.tsv")).unwrap(), "correction-0001.png\tx^2\n");
    assert!(!export.join("e2e-quadratic-1.png").exists());

    // a hand-made labels.tsv without a final newline is appended to on a line of its own
    let own = dir.join("own");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("labels.tsv"), "mine.png\t\\frac{1}{2}").unwrap();
    let out = mathsnap(&["read", "--single", "--save-crops", own.to_str().unwrap(), image]);
    assert!(out.status.success(), "{}", no_panic(&out));
    let rows = labels(&own);
    assert_eq!(rows[0], ("mine.png".to_string(), "\\frac{1}{2}".to_string()));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].0, "e2e-quadratic-1.png");
    assert_eq!(manifest(&own)["count"], 1);
}
