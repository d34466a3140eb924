//! Every bad input gets a clear error line; the other images in the same call still run.

mod support;
use support::*;

fn encode_png(img: &image::GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn bad_inputs_give_clear_errors_and_do_not_stop_the_batch() {
    let dir = scratch("bad");
    let good = image::GrayImage::from_fn(120, 40, |x, y| {
        image::Luma([if (18..22).contains(&y) && x > 10 && x < 110 { 0 } else { 255 }])
    });
    let good_png = encode_png(&good);
    let mut cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("empty.png", vec![], "bad_image", "empty"),
        ("notes.txt", b"this is not an image\n".to_vec(), "bad_image", "not an image"),
        ("truncated.png", good_png[..good_png.len() / 2].to_vec(), "bad_image", "decode"),
        ("tiny.png", encode_png(&image::GrayImage::new(1, 1)), "bad_image", "too small"),
        ("huge.png", png_header_only(100_000, 100_000), "too_large", "limit"),
        ("zero.png", png_header_only(0, 10), "bad_image", ""),
    ];
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(good.clone()).write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    cases.push(("truncated.jpg", jpeg[..jpeg.len() / 3].to_vec(), "bad_image", ""));
    let mut args: Vec<String> = vec!["read".into(), "--single".into()];
    for (name, bytes, _, _) in &cases {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        args.push(p.display().to_string());
    }
    let ok = dir.join("good.png");
    std::fs::write(&ok, &good_png).unwrap();
    args.push(ok.display().to_string());
    args.push(dir.join("missing.png").display().to_string());

    let out = mathsnap(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit code 1 when any image fails; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), cases.len() + 2, "one line per image, in order");
    for ((name, _, code, words), line) in cases.iter().zip(&lines) {
        assert!(line["image"].as_str().unwrap().ends_with(name));
        assert_eq!(line["code"], *code, "{name}: {line}");
        let msg = line["error"].as_str().unwrap_or_else(|| panic!("{name} has an error message"));
        assert!(msg.to_lowercase().contains(words), "{name}: {msg}");
        assert_eq!(line["formulas"].as_array().unwrap().len(), 0);
    }
    let good_line = &lines[cases.len()];
    assert!(good_line["error"].is_null(), "{good_line}");
    assert!(good_line["formulas"].as_array().unwrap().len() <= 1);
    let missing = &lines[cases.len() + 1];
    assert!(missing["error"].as_str().unwrap().contains("cannot read file"));
}

#[test]
fn missing_models_folder_is_a_clear_error() {
    let dir = scratch("nomodels");
    let out = mathsnap(&["--models", dir.to_str().unwrap(), "read", "--single", "whatever.png"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json"));
}

#[test]
fn corrupt_model_file_is_named() {
    let dir = scratch_models("corrupt");
    let enc = dir.join("recognizer_encoder.onnx");
    let mut bytes = std::fs::read(&enc).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&enc, bytes).unwrap();
    let out = mathsnap(&["--models", dir.to_str().unwrap(), "read", "--single", "whatever.png"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("recognizer_encoder.onnx") && err.contains("corrupt"), "{err}");
}

#[test]
fn impossible_view_scales_are_a_clear_error() {
    let dir = scratch_models("views");
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for bad in [serde_json::json!([]), serde_json::json!([1.0, 0.0]), serde_json::json!([1.5])] {
        manifest["recognizer"]["view_scales"] = bad.clone();
        std::fs::write(&path, manifest.to_string()).unwrap();
        let out = mathsnap(&["--models", dir.to_str().unwrap(), "read", "--single", "whatever.png"]);
        assert_eq!(out.status.code(), Some(2), "view_scales {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("view_scales"), "view_scales {bad}");
    }
}

#[test]
fn impossible_calibration_is_a_clear_error() {
    let dir = scratch_models("calibration");
    let path = dir.join("manifest.json");
    let mut manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    manifest["recognizer"]["calibration"] = serde_json::json!({"slope": -3.0, "bias": 1.0});
    std::fs::write(&path, manifest.to_string()).unwrap();
    let out = mathsnap(&["--models", dir.to_str().unwrap(), "read", "--single", "whatever.png"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("calibration"));
}

/// A scratch folder holding a copy of the shipped models, to break one way or another.
fn scratch_models(name: &str) -> Scratch {
    let dir = scratch(name);
    for f in std::fs::read_dir("models").unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn unwritable_predictions_file_is_a_clear_error() {
    let dir = scratch("preds");
    std::fs::write(dir.join("labels.tsv"), "none.png\tx\n").unwrap();
    let target = dir.join("no-such-folder").join("predictions.jsonl");
    let out = mathsnap(&["eval", "--single", dir.to_str().unwrap(), "--predictions", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write predictions"), "{err}");
}
