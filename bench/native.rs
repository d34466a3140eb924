//! Native benchmark: every stage of the engine on the fixed inputs of bench/out/fixtures
//! (made by bench/make_fixtures.py), median and p95 over repeated runs. Not a test: it only
//! measures. Writes bench/out/native.json for bench/report.mjs.
//!
//!     cargo bench --bench native -- [--runs N]
//!
//! Also writes the model inputs the browser peer comparison uses (bench/out/tensors/).
//!
//! Stages of a page: decode (JPEG -> RGB), detect.prepare (scale to the working size, planar
//! tensor), detect.model, detect.locate (probability map -> quads), rectify, preprocess, encode,
//! decode tokens (beam search); the last four summed over the page's formulas. end-to-end is
//! the Engine's read_encoded, as the CLI and the browser call it.

use mathsnap::clock::timed;
use mathsnap::detector::Detector;
use mathsnap::models::Manifest;
use mathsnap::pipeline::{Engine, ReadOptions};
use mathsnap::recognizer::beam::DecodeOptions;
use mathsnap::recognizer::views::{self, StageTimes};
use mathsnap::recognizer::Recognizer;
use mathsnap::{input, preprocess, rectify};
use serde::Serialize;
use std::path::Path;

const FIXTURES: &str = "bench/out/fixtures";
const OUT: &str = "bench/out/native.json";
/// Model inputs made by the engine's own preprocessing, for the browser's model-by-model peer
/// comparison (tract-wasm and onnxruntime-web then run on identical tensors).
const TENSORS: &str = "bench/out/tensors";
/// The live preview's working size (www/app.js asks the detector for a 320px pass).
const PREVIEW_LONG_SIDE: u32 = 320;

#[derive(Serialize)]
struct Row {
    input: String,
    stage: String,
    median_ms: f64,
    p95_ms: f64,
    runs: usize,
    /// the first run, paid once per new input shape (tract plans a shape on first use)
    first_ms: f64,
}

/// Timings of one (input, stage) pair; the first run is kept apart from the steady state.
#[derive(Default)]
struct Samples {
    first: Option<f64>,
    warm: Vec<f64>,
}

impl Samples {
    fn add(&mut self, ms: f64) {
        if self.first.is_none() {
            self.first = Some(ms);
        } else {
            self.warm.push(ms);
        }
    }

    fn row(&self, input: &str, stage: &str) -> Row {
        let mut v = self.warm.clone();
        v.sort_by(f64::total_cmp);
        let pick = |q: f64| if v.is_empty() { f64::NAN } else { v[((v.len() - 1) as f64 * q).round() as usize] };
        Row {
            input: input.into(),
            stage: stage.into(),
            median_ms: pick(0.5),
            p95_ms: pick(0.95),
            runs: v.len(),
            first_ms: self.first.unwrap_or(f64::NAN),
        }
    }
}

/// Named stages of one input, in first-seen order.
#[derive(Default)]
struct Stages(Vec<(String, Samples)>);

impl Stages {
    fn add(&mut self, stage: &str, ms: f64) {
        match self.0.iter_mut().find(|(s, _)| s == stage) {
            Some((_, s)) => s.add(ms),
            None => {
                let mut s = Samples::default();
                s.add(ms);
                self.0.push((stage.to_string(), s));
            }
        }
    }
}

struct Models {
    engine: Engine,
    detector: Detector,
    recognizer: Recognizer,
}

fn load_models(dir: &Path) -> Models {
    let manifest_text = std::fs::read_to_string(dir.join("manifest.json")).expect("models/manifest.json");
    let m = Manifest::parse(&manifest_text).unwrap();
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let det = m.detector.as_ref().expect("the benchmark needs a detector model");
    Models {
        engine: Engine::load_dir(dir).unwrap(),
        detector: Detector::new(det.config.clone(), &read(&det.file)).unwrap(),
        recognizer: Recognizer::from_entry(&m.recognizer, &|f| Ok(read(f))).unwrap(),
    }
}

/// One crop read as the engine reads it (`views::read_views`), its stages' times added to `times`.
fn recognise(m: &Models, crop: &image::RgbImage, times: &mut StageTimes) {
    let (framed, t) =
        timed(|| preprocess::framed(&preprocess::to_gray(crop), m.recognizer.config.frame_margin).into_owned());
    times.preprocess += t;
    views::read_views(&m.recognizer, &framed, &DecodeOptions::default(), times).unwrap();
}

fn page_run(m: &Models, bytes: &[u8], long_side: u32, stages: &mut Stages, recognise_regions: bool) {
    let (img, t) = timed(|| input::decode(bytes).unwrap());
    stages.add("decode", t);
    let (x, t) = timed(|| m.detector.prepare(&img, long_side).unwrap());
    stages.add("detect.prepare", t);
    let (map, t) = timed(|| m.detector.infer(&x).unwrap());
    stages.add("detect.model", t);
    let (regions, t) = timed(|| m.detector.locate(x.scale, x.image_size, &map));
    stages.add("detect.locate", t);
    if !recognise_regions {
        return;
    }
    let mut rectify_ms = 0.0;
    let mut times = StageTimes::default();
    for r in &regions {
        let (crop, t) = timed(|| rectify::crop_quad(&img, &r.quad));
        rectify_ms += t;
        recognise(m, &crop, &mut times);
    }
    stages.add("rectify", rectify_ms);
    stages.add("preprocess", times.preprocess);
    stages.add("encode", times.encode);
    stages.add("decode tokens", times.decode);
}

fn write_f32(name: &str, data: &[f32]) {
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(Path::new(TENSORS).join(name), bytes).unwrap();
}

/// The detector's input for the 12 MP page and for the preview frame, and the recognizer's
/// input and encoder output for the printed crop, as raw little-endian f32 plus shapes.
fn dump_tensors(m: &Models) {
    std::fs::create_dir_all(TENSORS).unwrap();
    let load = |f: &str| input::decode(&std::fs::read(Path::new(FIXTURES).join(f)).unwrap()).unwrap();
    let mut shapes = serde_json::Map::new();
    for (name, file, side) in [
        ("detector-640", "page-12mp-5f.jpg", m.detector.config.long_side),
        ("detector-320", "preview-640.png", PREVIEW_LONG_SIDE),
    ] {
        let x = m.detector.prepare(&load(file), side).unwrap();
        write_f32(
            &format!("{name}.f32"),
            &x.tensor.to_plain_array_view::<f32>().unwrap().iter().copied().collect::<Vec<f32>>(),
        );
        shapes.insert(name.into(), serde_json::json!(x.tensor.shape()));
    }
    let image = preprocess::prepare(&load("crop-printed.png"), m.recognizer.config.frame_margin);
    write_f32("encoder.f32", &image);
    shapes.insert("encoder".into(), serde_json::json!([1, 1, preprocess::HEIGHT, preprocess::WIDTH]));
    let enc = m.recognizer.encode(&image).unwrap();
    write_f32("memory.f32", &enc.memory);
    write_f32("keys.f32", &enc.keys);
    let c = &m.recognizer.config;
    shapes.insert("memory".into(), serde_json::json!([c.slots, enc.memory_dim]));
    shapes.insert("keys".into(), serde_json::json!([c.slots, enc.key_dim]));
    shapes.insert("decoder".into(), serde_json::json!({"hidden": c.hidden, "slots": c.slots, "bos": c.bos}));
    std::fs::write(Path::new(TENSORS).join("shapes.json"), serde_json::to_string_pretty(&shapes).unwrap()).unwrap();
}

/// Warm runs per page of the realistic page set (30 pages: the spread is across pages, not runs).
const WORKSHEET_RUNS: usize = 3;

/// One page of the realistic set: the median of `runs` warm end-to-end reads (after one that
/// plans its shapes), with the engine's own detect / recognize split of that read.
fn worksheet_run(m: &Models, item: &serde_json::Value, runs: usize) -> serde_json::Value {
    let bytes = std::fs::read(Path::new(FIXTURES).join(item["file"].as_str().unwrap())).unwrap();
    let mut reads: Vec<(f64, mathsnap::pipeline::ReadResult)> = (0..=runs.max(1))
        .map(|_| timed(|| m.engine.read_encoded(&bytes, &ReadOptions::default()).unwrap()))
        .map(|(r, t)| (t, r))
        .skip(1)
        .collect();
    reads.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ms, r) = &reads[reads.len() / 2];
    eprintln!(
        "{:18} end-to-end {:8.1} ms  {} of {} formulas, turned {}",
        item["name"].as_str().unwrap(),
        ms,
        r.formulas.len(),
        item["formulas"],
        r.rotation
    );
    serde_json::json!({
        "name": item["name"], "formulas": item["formulas"], "turned": item["turned"],
        "read": r.formulas.len(), "rotation": r.rotation,
        "ms": ms, "decode": r.ms.decode, "detect": r.ms.detect, "recognize": r.ms.recognize,
    })
}

/// Median and 90th percentile over the pages of the realistic set.
fn worksheet_summary(pages: Vec<serde_json::Value>) -> serde_json::Value {
    let pick = |key: &str, q: f64| {
        let mut v: Vec<f64> = pages.iter().filter_map(|p| p[key].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            f64::NAN
        } else {
            v[((v.len() - 1) as f64 * q).round() as usize]
        }
    };
    serde_json::json!({
        "median_ms": pick("ms", 0.5), "p90_ms": pick("ms", 0.9),
        "detect_median_ms": pick("detect", 0.5), "recognize_median_ms": pick("recognize", 0.5),
        "pages": pages,
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let listing: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(FIXTURES).join("fixtures.json"))
            .expect("run `python3 bench/make_fixtures.py` first"),
    )
    .unwrap();
    let (m, load_ms) = timed(|| load_models(Path::new("models")));
    dump_tensors(&m);
    let mut rows = vec![Samples { first: Some(load_ms), warm: vec![load_ms] }.row("models", "load (parse + optimise)")];
    let mut worksheets = Vec::new();
    for item in &listing {
        let name = item["name"].as_str().unwrap();
        if item["kind"] == "worksheet" {
            worksheets.push(worksheet_run(&m, item, runs.min(WORKSHEET_RUNS)));
            continue;
        }
        let bytes = std::fs::read(Path::new(FIXTURES).join(item["file"].as_str().unwrap())).unwrap();
        let mut stages = Stages::default();
        for _ in 0..=runs {
            match item["kind"].as_str().unwrap() {
                "page" => {
                    page_run(&m, &bytes, m.detector.config.long_side, &mut stages, true);
                    let (r, t) = timed(|| m.engine.read_encoded(&bytes, &ReadOptions::default()).unwrap());
                    stages.add("end-to-end", t);
                    stages.add("formulas read", r.formulas.len() as f64);
                }
                "preview" => {
                    // the worker gets the frame's pixels, not a file: no decode in this path
                    page_run(&m, &bytes, PREVIEW_LONG_SIDE, &mut stages, false);
                    let img = input::decode(&bytes).unwrap();
                    let (_, t) = timed(|| m.engine.detect(&img, Some(PREVIEW_LONG_SIDE)).unwrap());
                    stages.add("detect at 320 (preview frame)", t);
                }
                _ => {
                    let (img, t) = timed(|| input::decode(&bytes).unwrap());
                    stages.add("decode", t);
                    let mut times = StageTimes::default();
                    recognise(&m, &img, &mut times);
                    stages.add("preprocess", times.preprocess);
                    stages.add("encode", times.encode);
                    stages.add("decode tokens", times.decode);
                    let single = ReadOptions { single: true, ..ReadOptions::default() };
                    let (_, t) = timed(|| m.engine.read_encoded(&bytes, &single).unwrap());
                    stages.add("end-to-end", t);
                }
            }
        }
        for (stage, s) in &stages.0 {
            let row = s.row(name, stage);
            eprintln!(
                "{:18} {:32} median {:8.1} ms  p95 {:8.1} ms  first {:8.1} ms",
                row.input, row.stage, row.median_ms, row.p95_ms, row.first_ms
            );
            rows.push(row);
        }
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let out = serde_json::json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "load_average": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "runs": runs,
        "rows": rows,
        "worksheets": worksheet_summary(worksheets),
    });
    std::fs::write(OUT, serde_json::to_string_pretty(&out).unwrap()).unwrap();
    eprintln!("wrote {OUT}");
}
