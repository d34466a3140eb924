//! The engine's recognizer input must match what training feeds the model for the same image
//! (training/mathsnap_train/preprocess.py, run here through python3 with numpy and OpenCV).

mod support;
use mathsnap::preprocess::{prepare_views, Canvas, HEIGHT, WIDTH};
use std::process::Command;

fn shaded_formula_png(path: &std::path::Path) {
    // dark strokes on paper whose brightness falls from left to right, as under a hand's shadow
    let img = image::RgbImage::from_fn(300, 90, |x, y| {
        let paper = 250.0 - 110.0 * x as f32 / 299.0;
        let stroke = (y > 40 && y < 46 && x > 20 && x < 280) || (x % 60 < 4 && y > 15 && y < 75);
        let v = if stroke { 30.0 } else { paper };
        image::Rgb([v as u8, (v * 0.97) as u8, (v * 0.9) as u8])
    });
    img.save(path).unwrap();
}

/// A formula written small in the middle of a wide sheet, as a phone photo frames it.
fn small_formula_on_a_wide_sheet_png(path: &std::path::Path) {
    let img = image::RgbImage::from_fn(900, 500, |x, y| {
        let stroke =
            (y > 240 && y < 244 && x > 380 && x < 520) || (x % 40 < 3 && x > 380 && x < 520 && y > 200 && y < 290);
        let v = if stroke { 40 } else { 235 };
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

/// A formula with specks of dust scattered over the paper far below it (stray marks: see
/// src/stray_marks.rs), more ink together than the framing's trim ignores.
fn formula_over_dust_png(path: &std::path::Path) {
    let specks = [(300, 40), (350, 120), (420, 200), (380, 260)];
    let img = image::RgbImage::from_fn(320, 460, |x, y| {
        let stroke = (y > 60 && y < 65 && x > 30 && x < 290) || (x % 50 < 5 && x > 30 && x < 290 && y > 30 && y < 100);
        let speck = specks.iter().any(|&(sy, sx)| y >= sy && y < sy + 7 && x >= sx && x < sx + 7);
        let v = if stroke || speck { 35 } else { 240 };
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

/// A formula on noisy paper, sensor noise sigma about 0.04 (deterministic: a fixed linear
/// congruential sequence), the condition that used to pull the frame out to the crop's edge.
fn noisy_formula_png(path: &std::path::Path) {
    let mut state: u32 = 12345;
    let mut next = move || {
        state = state.wrapping_mul(1664525).wrapping_add(1013904223);
        // sum of four uniforms: roughly normal, sigma 1 after centring and scaling
        let u: f32 = (0..4).map(|k| ((state.rotate_left(8 * k) >> 8) as f32) / (1u32 << 24) as f32).sum();
        (u - 2.0) * 1.732
    };
    let img = image::RgbImage::from_fn(260, 120, |x, y| {
        let stroke = (y > 58 && y < 63 && x > 40 && x < 220) || (x % 45 < 4 && x > 40 && x < 220 && y > 30 && y < 90);
        let v = if stroke { 35.0 } else { 225.0 } + 10.0 * next();
        let v = v.clamp(0.0, 255.0) as u8;
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

/// A tight crop whose paper darkens along its top and bottom edges (a shadow's gradient): the
/// margin added above and below must follow it.
fn tight_crop_under_a_gradient_png(path: &std::path::Path) {
    let img = image::RgbImage::from_fn(240, 50, |x, y| {
        let paper = 245.0 - 120.0 * x as f32 / 239.0;
        let stroke = (y < 5 && x > 10 && x < 230) || (x % 30 < 3 && y < 50) || (y >= 45 && x > 50 && x < 120);
        let v = if stroke { 20.0 } else { paper } as u8;
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

/// A formula smaller than the model's input (enlarged on the way in: linear, not area resampling).
fn small_formula_png(path: &std::path::Path) {
    let img = image::RgbImage::from_fn(70, 24, |x, y| {
        let stroke = (y == 12 && x > 5 && x < 65) || (x % 15 < 2 && x > 5 && x < 65 && y > 3 && y < 21);
        let v = if stroke { 30 } else { 240 };
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

/// The engine's input for each image against training's, framed with `margin` (None: not framed),
/// at a view scale.
fn assert_engine_matches_training(paths: &[std::path::PathBuf], margin: Option<f64>, scale: f64) {
    assert_engine_matches_training_on(paths, margin, scale, Canvas::NARROW)
}

/// As `assert_engine_matches_training`, on a canvas that may be wide (training's `max_width`, whose
/// step training fixes: preprocess.WIDTH_STEP).
fn assert_engine_matches_training_on(paths: &[std::path::PathBuf], margin: Option<f64>, scale: f64, canvas: Canvas) {
    let arg = margin.map_or("none".to_string(), |m| m.to_string());
    let out = Command::new("python3")
        .arg("tests/support/py_prepare.py")
        .arg(&arg)
        .arg(scale.to_string())
        .args(["--max-width", &canvas.max_width.to_string()])
        .args(paths)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Vec<f32>> =
        std::str::from_utf8(&out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), paths.len());
    for (path, want) in paths.iter().zip(rows) {
        let img = image::open(path).unwrap().into_rgb8();
        let got = prepare_views(&img, margin, &[scale], canvas).remove(0);
        assert_eq!(got.len(), want.len());
        let diffs: Vec<f32> = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).collect();
        let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
        let big = diffs.iter().filter(|&&d| d > 0.1).count();
        assert!(
            mean < 0.01 && big < diffs.len() / 100,
            "{} (margin {arg}, scale {scale}, {canvas:?}): mean diff {mean}, {big} pixels off by > 0.1",
            path.display()
        );
    }
}

fn parity_images(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let shaded = dir.join("shaded.png");
    shaded_formula_png(&shaded);
    let sheet = dir.join("sheet.png");
    small_formula_on_a_wide_sheet_png(&sheet);
    let dusty = dir.join("dusty.png");
    formula_over_dust_png(&dusty);
    let noisy = dir.join("noisy.png");
    noisy_formula_png(&noisy);
    let gradient = dir.join("gradient.png");
    tight_crop_under_a_gradient_png(&gradient);
    let small = dir.join("small.png");
    small_formula_png(&small);
    let mut paths = vec![shaded, sheet, dusty, noisy, gradient, small];
    for name in ["101_Nina.png", "101_carlos.png"] {
        let p = std::path::PathBuf::from("../shared/data/crohme/train").join(name);
        if p.exists() {
            paths.push(p);
        }
    }
    paths
}

#[test]
fn engine_input_matches_training_input_framed_and_not_at_every_view() {
    let dir = support::scratch("parity");
    let paths = parity_images(&dir);
    // the shipped manifest's margin, and a model from before framing
    let shipped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let margin = shipped["recognizer"]["frame_margin"].as_f64();
    assert_engine_matches_training(&paths, margin.or(Some(0.25)), 1.0);
    assert_engine_matches_training(&paths, None, 1.0);
    // the smaller views the decoder also reads (the manifest's view_scales)
    for scale in shipped["recognizer"]["view_scales"].as_array().into_iter().flatten().filter_map(|s| s.as_f64()) {
        assert_engine_matches_training(&paths, margin.or(Some(0.25)), scale);
    }
}

/// A formula five times longer than high (a sequence, a condition): on the 64x256 canvas it is
/// squeezed to half its height, on a wide canvas it keeps it.
fn long_formula_png(path: &std::path::Path) {
    let img = image::RgbImage::from_fn(600, 40, |x, y| {
        let stroke = (y == 20 && x % 40 > 8 && x % 40 < 30)
            || (x % 40 == 18 && y > 10 && y < 30)
            || (x % 40 == 34 && y > 6 && y < 34);
        let v = if stroke { 25 } else { 238 - (x / 30) as u8 };
        image::Rgb([v, v, v])
    });
    img.save(path).unwrap();
}

#[test]
fn engine_input_matches_training_input_on_a_wide_canvas() {
    let dir = support::scratch("parity-wide");
    let mut paths = parity_images(&dir);
    let long = dir.join("long.png");
    long_formula_png(&long);
    paths.push(long.clone());
    let wide = Canvas { max_width: 512, step: 64 };
    for scale in [1.0, 0.85] {
        assert_engine_matches_training_on(&paths, Some(0.25), scale, wide);
    }
    // the long formula gets a canvas of its own width, the rest the 64x256 one
    let img = image::open(&long).unwrap().into_rgb8();
    let widths: Vec<usize> =
        prepare_views(&img, Some(0.25), &[1.0, 0.85], wide).iter().map(|x| x.len() / HEIGHT).collect();
    assert!(widths[0] > WIDTH && widths[0].is_multiple_of(64) && widths[0] <= 512, "{widths:?}");
    assert!(widths[1] <= widths[0], "{widths:?}");
    let small = image::open(&paths[5]).unwrap().into_rgb8();
    assert_eq!(prepare_views(&small, Some(0.25), &[1.0], wide)[0].len(), HEIGHT * WIDTH);
}
