//! The formula-region detector: a page photo -> formula regions as rotated quadrilaterals, in
//! reading order. The model predicts, at 1/4 resolution, the probability that a pixel lies in
//! the core of a formula (each formula's quad inset by `inset` of its height on every side, so
//! neighbours stay apart); post-processing (postprocess.rs) turns that map into quads.

pub mod bands;
pub mod close_up;
pub mod postprocess;
pub mod scale;
pub mod window;
pub mod writing;

use crate::error::{Error, Result};
use crate::geometry::Quad;
use crate::onnx::{self, ShapedPlans};
use image::RgbImage;
use postprocess::ProbMap;
use tract_onnx::prelude::*;

#[derive(Clone, Debug, serde::Deserialize)]
pub struct DetectorConfig {
    /// The page is scaled so its longer side is this many pixels (a multiple of 32).
    pub long_side: u32,
    /// Output stride of the probability map.
    pub stride: u32,
    pub threshold: f32,
    /// The training mask was each quad inset by this fraction of its height.
    pub inset: f32,
}

#[derive(Clone, Debug)]
pub struct Region {
    pub quad: Quad,
    pub score: f32,
}

pub struct Detector {
    /// one optimised plan per working size met (page aspect ratios, the live preview's size)
    plans: ShapedPlans,
    pub config: DetectorConfig,
}

impl Detector {
    pub fn new(config: DetectorConfig, bytes: &[u8]) -> Result<Self> {
        if !config.long_side.is_multiple_of(32) || config.stride == 0 {
            return Err(Error::model("detector: long_side must be a multiple of 32 and stride positive"));
        }
        Ok(Detector { plans: ShapedPlans::load("detector.onnx", bytes)?.spread_over_cores(), config })
    }

    /// Regions in the coordinates of `img`, sorted in reading order.
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<Region>> {
        self.detect_at(img, self.config.long_side)
    }

    /// Detection at a chosen working size (the live preview uses a smaller one).
    pub fn detect_at(&self, img: &RgbImage, long_side: u32) -> Result<Vec<Region>> {
        let input = self.prepare(img, long_side)?;
        let map = self.infer(&input)?;
        Ok(self.locate(input.scale, input.image_size, &map))
    }

    /// Stage 1: the page scaled so its long side is `long_side`, padded with white paper to
    /// multiples of 32, as the model's planar RGB input.
    pub fn prepare(&self, img: &RgbImage, long_side: u32) -> Result<DetectorInput> {
        let (small, scale) = scale::to_working_size(img, long_side);
        let tensor = model_input(&small)?;
        Ok(DetectorInput { tensor, scale, image_size: img.dimensions() })
    }

    /// Stage 2: the model: probability of "formula core" at 1/stride resolution.
    pub fn infer(&self, input: &DetectorInput) -> Result<ProbMap> {
        self.infer_tensor(&input.tensor)
    }

    /// The probability map of one band of a canvas (`bands::Band::image`, already at the working
    /// size): what a worker of the browser's pool computes for the worker reading the page.
    pub fn band_map(&self, band: &RgbImage) -> Result<ProbMap> {
        self.infer_tensor(&model_input(band)?)
    }

    fn infer_tensor(&self, tensor: &Tensor) -> Result<ProbMap> {
        let shape = tensor.shape().to_vec();
        let plan = self.plans.plan(&[&shape])?;
        let out = plan.run(tvec!(tensor.clone().into())).map_err(|e| Error::model(format!("detector: {e}")))?;
        let prob = onnx::output_f32(&out, 0, "detector")?;
        let s = self.config.stride as usize;
        let (mw, mh) = (shape[3] / s, shape[2] / s);
        if prob.len() != mw * mh {
            return Err(Error::model(format!("detector output has {} values, expected {mw}x{mh}", prob.len())));
        }
        Ok(ProbMap { width: mw, height: mh, data: prob })
    }

    /// Stage 3: the map's formula cores as quads in the photo's pixels, in reading order (`scale`:
    /// working size / photo size; `image_size`: the photo's width and height).
    pub fn locate(&self, scale: f32, image_size: (u32, u32), map: &ProbMap) -> Vec<Region> {
        let (w, h) = image_size;
        let to_image = self.config.stride as f32 / scale;
        let mut regions = postprocess::regions(map, self.config.threshold, self.config.inset);
        for r in &mut regions {
            for p in &mut r.quad {
                p[0] = (p[0] * to_image).clamp(0.0, w as f32);
                p[1] = (p[1] * to_image).clamp(0.0, h as f32);
            }
        }
        postprocess::reading_order(regions)
    }
}

/// The model's input for an image already at the working size: planar RGB in [0, 1], padded with
/// white paper to multiples of 32 (the model downsamples by 32).
fn model_input(img: &RgbImage) -> Result<Tensor> {
    let (pw, ph) = (img.width().div_ceil(32) * 32, img.height().div_ceil(32) * 32);
    let mut data = vec![1.0f32; 3 * (pw * ph) as usize];
    let plane = (pw * ph) as usize;
    for (x, y, p) in img.enumerate_pixels() {
        let i = (y * pw + x) as usize;
        for c in 0..3 {
            data[c * plane + i] = p.0[c] as f32 / 255.0;
        }
    }
    onnx::tensor_f32(&[1, 3, ph as usize, pw as usize], &data)
}

/// The detector's model input for one photo, and what maps its output back to the photo.
pub struct DetectorInput {
    pub tensor: Tensor,
    /// working size / photo size
    pub scale: f32,
    /// the photo's width and height
    pub image_size: (u32, u32),
}
