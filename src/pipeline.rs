//! The engine: photo -> formulas. Detection on a downscaled copy, rectification from the full
//! resolution, recognition of each crop, LaTeX repair. Used by the CLI and the wasm bindings.

use crate::clock::now_ms;
use crate::detector::{Detector, Region};
use crate::error::{Error, Result};
use crate::geometry::Quad;
use crate::models::Manifest;
use crate::recognizer::beam::{self, DecodeOptions};
use crate::recognizer::Recognizer;
use crate::{latex, preprocess, rectify};
use image::RgbImage;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Formula {
    pub latex: String,
    pub score: f32,
    pub quad: Quad,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    pub decode: f64,
    pub detect: f64,
    pub recognize: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReadResult {
    pub formulas: Vec<Formula>,
    pub width: u32,
    pub height: u32,
    pub ms: Timings,
}

#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// The whole image is one formula: skip detection.
    pub single: bool,
    pub decode: DecodeOptions,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { single: false, decode: DecodeOptions::default() }
    }
}

/// Fewer strong-ink pixels than this in the 64x256 input: blank paper, not a formula.
const MIN_INK_PIXELS: usize = 12;

pub struct Engine {
    recognizer: Recognizer,
    detector: Option<Detector>,
}

/// A model file's bytes, looked up by the name the manifest gives it.
pub trait ModelSource {
    fn bytes(&self, file: &str) -> Result<Vec<u8>>;
}

/// Model files read from a folder on disk.
pub struct ModelDir(pub std::path::PathBuf);

impl ModelSource for ModelDir {
    fn bytes(&self, file: &str) -> Result<Vec<u8>> {
        let p = self.0.join(file);
        std::fs::read(&p).map_err(|e| Error::model(format!("cannot read model file {}: {e}", p.display())))
    }
}

impl Engine {
    pub fn load(manifest_json: &str, source: &dyn ModelSource) -> Result<Self> {
        let manifest = Manifest::parse(manifest_json)?;
        let fetch = |file: &str| -> Result<Vec<u8>> {
            let b = source.bytes(file)?;
            manifest.verify(file, &b)?;
            Ok(b)
        };
        let r = &manifest.recognizer;
        let recognizer = Recognizer::new(r.config.clone(), &fetch(&r.encoder)?, &fetch(&r.decoder)?)?;
        let detector = match &manifest.detector {
            Some(d) => Some(Detector::new(d.config.clone(), &fetch(&d.file)?)?),
            None => None,
        };
        Ok(Engine { recognizer, detector })
    }

    /// Load from a folder holding manifest.json and the model files it names (native use).
    pub fn load_dir(dir: &std::path::Path) -> Result<Self> {
        let manifest_path = dir.join("manifest.json");
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| Error::model(format!("cannot read {}: {e}", manifest_path.display())))?;
        Engine::load(&manifest, &ModelDir(dir.to_path_buf()))
    }

    pub fn has_detector(&self) -> bool {
        self.detector.is_some()
    }

    /// Recognise one upright formula crop.
    /// An empty string when the crop holds no ink at all (a blank photo is "no formula", not a guess).
    pub fn recognize_crop(&self, crop: &RgbImage, opts: &DecodeOptions) -> Result<(String, f32)> {
        let input = preprocess::prepare(crop);
        if input.iter().filter(|&&v| v > 0.5).count() < MIN_INK_PIXELS {
            return Ok((String::new(), 0.0));
        }
        let enc = self.recognizer.encode(&input)?;
        let decoded = beam::decode(&self.recognizer, &enc, opts)?;
        let vocab = &self.recognizer.config.vocab;
        let tokens: Vec<&str> = decoded.tokens.iter().filter_map(|&i| vocab.get(i).map(String::as_str)).collect();
        Ok((latex::to_latex(&tokens), decoded.confidence))
    }

    pub fn detect(&self, img: &RgbImage, long_side: Option<u32>) -> Result<Vec<Region>> {
        let det = self
            .detector
            .as_ref()
            .ok_or_else(|| Error::model("no detector model in models/manifest.json: only single-formula crops can be read"))?;
        match long_side {
            Some(s) => det.detect_at(img, s),
            None => det.detect(img),
        }
    }

    /// Decode encoded image bytes (EXIF orientation honoured), then `read`, timing the decode too.
    pub fn read_encoded(&self, bytes: &[u8], opts: &ReadOptions) -> Result<ReadResult> {
        let t = now_ms();
        let img = crate::input::decode(bytes)?;
        let decode_ms = now_ms() - t;
        let mut r = self.read(&img, opts)?;
        r.ms.decode = decode_ms;
        Ok(r)
    }

    pub fn read(&self, img: &RgbImage, opts: &ReadOptions) -> Result<ReadResult> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let mut ms = Timings::default();
        let regions = if opts.single {
            vec![Region { quad: [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]], score: 1.0 }]
        } else {
            let t = now_ms();
            let r = self.detect(img, None)?;
            ms.detect = now_ms() - t;
            r
        };
        let t = now_ms();
        let mut formulas = Vec::with_capacity(regions.len());
        for region in regions {
            let crop = if opts.single { img.clone() } else { rectify::crop_quad(img, &region.quad) };
            let (latex, confidence) = self.recognize_crop(&crop, &opts.decode)?;
            if latex.is_empty() {
                continue; // nothing the recognizer could read
            }
            formulas.push(Formula { latex, score: confidence * region.score, quad: region.quad });
        }
        ms.recognize = now_ms() - t;
        Ok(ReadResult { formulas, width: img.width(), height: img.height(), ms })
    }
}
