//! The formula-region detector: a page photo -> formula regions as rotated quadrilaterals, in
//! reading order. The model predicts, at 1/4 resolution, the probability that a pixel lies in
//! the core of a formula (each formula's quad inset by `inset` of its height on every side, so
//! neighbours stay apart); post-processing (postprocess.rs) turns that map into quads.

pub mod postprocess;

use crate::error::{Error, Result};
use crate::geometry::Quad;
use crate::onnx::{self, Plan};
use image::{imageops, RgbImage};
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
    plan: Plan,
    pub config: DetectorConfig,
}

impl Detector {
    pub fn new(config: DetectorConfig, bytes: &[u8]) -> Result<Self> {
        if config.long_side % 32 != 0 || config.stride == 0 {
            return Err(Error::model("detector: long_side must be a multiple of 32 and stride positive"));
        }
        Ok(Detector { plan: onnx::load("detector.onnx", bytes, None)?, config })
    }

    /// Regions in the coordinates of `img`, sorted in reading order.
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<Region>> {
        self.detect_at(img, self.config.long_side)
    }

    /// Detection at a chosen working size (the live preview uses a smaller one).
    pub fn detect_at(&self, img: &RgbImage, long_side: u32) -> Result<Vec<Region>> {
        let long_side = (long_side / 32).max(1) * 32;
        let (w, h) = (img.width(), img.height());
        let scale = long_side as f32 / w.max(h) as f32;
        let (sw, sh) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
        // pad up to a multiple of 32 with white paper
        let (pw, ph) = (sw.div_ceil(32) * 32, sh.div_ceil(32) * 32);
        let small = imageops::resize(img, sw, sh, imageops::FilterType::Triangle);
        let mut data = vec![1.0f32; 3 * (pw * ph) as usize];
        let plane = (pw * ph) as usize;
        for (x, y, p) in small.enumerate_pixels() {
            let i = (y * pw + x) as usize;
            for c in 0..3 {
                data[c * plane + i] = p.0[c] as f32 / 255.0;
            }
        }
        let input = onnx::tensor_f32(&[1, 3, ph as usize, pw as usize], &data)?;
        let out = self.plan.run(tvec!(input.into())).map_err(|e| Error::model(format!("detector: {e}")))?;
        let prob = onnx::output_f32(&out, 0, "detector")?;
        let s = self.config.stride;
        let (mw, mh) = ((pw / s) as usize, (ph / s) as usize);
        if prob.len() != mw * mh {
            return Err(Error::model(format!("detector output has {} values, expected {mw}x{mh}", prob.len())));
        }
        let map = postprocess::ProbMap { width: mw, height: mh, data: prob };
        let to_image = s as f32 / scale;
        let mut regions = postprocess::regions(&map, self.config.threshold, self.config.inset);
        for r in &mut regions {
            for p in &mut r.quad {
                p[0] = (p[0] * to_image).clamp(0.0, w as f32);
                p[1] = (p[1] * to_image).clamp(0.0, h as f32);
            }
        }
        Ok(postprocess::reading_order(regions))
    }
}
