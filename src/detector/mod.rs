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
use crate::transposed_graph;
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
    /// the same network turned over its diagonal (`transposed_graph`): a canvas taller than wide
    /// runs through it transposed, where tract's depthwise layers take their vectorised path; None
    /// where the graph has a node that does not commute with the transpose
    tall: Option<ShapedPlans>,
    pub config: DetectorConfig,
}

impl Detector {
    pub fn new(config: DetectorConfig, bytes: &[u8]) -> Result<Self> {
        if !config.long_side.is_multiple_of(32) || config.stride == 0 {
            return Err(Error::model("detector: long_side must be a multiple of 32 and stride positive"));
        }
        let proto = onnx::read_proto("detector.onnx", bytes)?;
        let plans = ShapedPlans::from_proto("detector.onnx", &proto)?.spread_over_cores();
        let tall = match transposed_graph::transpose(&proto) {
            Some(turned) => Some(ShapedPlans::from_proto("detector.onnx (transposed)", &turned)?.spread_over_cores()),
            None => None,
        };
        Ok(Detector { plans, tall, config })
    }

    /// Regions in the coordinates of `img`, sorted in reading order.
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<Region>> {
        self.detect_at(img, self.config.long_side)
    }

    /// Detection at a chosen working size (the live preview uses a smaller one).
    pub fn detect_at(&self, img: &RgbImage, long_side: u32) -> Result<Vec<Region>> {
        let input = self.prepare(img, long_side)?;
        let map = self.infer_tensor(input.tensor, input.transposed)?;
        Ok(self.locate(input.scale, input.image_size, &map))
    }

    /// Stage 1: the page scaled so its long side is `long_side`, padded with white paper to
    /// multiples of 32, as the model's planar RGB input.
    pub fn prepare(&self, img: &RgbImage, long_side: u32) -> Result<DetectorInput> {
        let (small, scale) = scale::to_working_size(img, long_side);
        let (tensor, transposed) = self.model_input(&small)?;
        Ok(DetectorInput { tensor, transposed, scale, image_size: img.dimensions() })
    }

    /// Stage 2: the model: probability of "formula core" at 1/stride resolution.
    pub fn infer(&self, input: &DetectorInput) -> Result<ProbMap> {
        self.infer_tensor(input.tensor.clone(), input.transposed)
    }

    /// The probability map of one band of a canvas (`bands::Band::image`, already at the working
    /// size): what a worker of the browser's pool computes for the worker reading the page.
    pub fn band_map(&self, band: &RgbImage) -> Result<ProbMap> {
        let (tensor, transposed) = self.model_input(band)?;
        self.infer_tensor(tensor, transposed)
    }

    /// The model's input for an image already at the working size (`model_input`): transposed where
    /// the canvas is taller than wide and the network has a transposed twin (`tall`), which it then
    /// runs through; and whether it is.
    fn model_input(&self, img: &RgbImage) -> Result<(Tensor, bool)> {
        let transposed = self.tall.is_some() && padded(img.height()) > padded(img.width());
        Ok((model_input(img, transposed)?, transposed))
    }

    /// The probability map of the canvas `tensor` is the model input of (transposed, in which case the
    /// map is turned back).
    fn infer_tensor(&self, tensor: Tensor, transposed: bool) -> Result<ProbMap> {
        let s = self.config.stride as usize;
        let (rows, columns) = (tensor.shape()[2] / s, tensor.shape()[3] / s);
        let (plans, kind) = match (&self.tall, transposed) {
            (Some(tall), true) => (tall, "detector (transposed)"),
            (None, true) => return Err(Error::model("detector: a transposed input, and no transposed network")),
            (_, false) => (&self.plans, "detector"),
        };
        let plan = plans.plan(&[tensor.shape()])?;
        let out = plan.run(tvec!(tensor.into())).map_err(|e| Error::model(format!("{kind}: {e}")))?;
        let prob = onnx::output_f32(&out, 0, kind)?;
        if prob.len() != rows * columns {
            return Err(Error::model(format!("{kind} output has {} values, expected {columns}x{rows}", prob.len())));
        }
        Ok(match transposed {
            true => ProbMap { width: rows, height: columns, data: transpose_plane(&prob, columns, rows) },
            false => ProbMap { width: columns, height: rows, data: prob },
        })
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

/// A `width` x `height` plane (row-major) turned over its diagonal: `height` x `width`.
fn transpose_plane(plane: &[f32], width: usize, height: usize) -> Vec<f32> {
    let mut turned = vec![0f32; plane.len()];
    for y in 0..height {
        for x in 0..width {
            turned[x * height + y] = plane[y * width + x];
        }
    }
    turned
}

/// A side padded to the model's grid: the model downsamples by 32.
fn padded(side: u32) -> u32 {
    side.div_ceil(32) * 32
}

/// The model's input for an image already at the working size: planar RGB in [0, 1], padded with
/// white paper to multiples of 32; with `transposed`, height and width swapped (the pixel at
/// (x, y) at (y, x)), for the transposed network.
fn model_input(img: &RgbImage, transposed: bool) -> Result<Tensor> {
    let (pw, ph) = (padded(img.width()) as usize, padded(img.height()) as usize);
    let plane = pw * ph;
    let mut data = vec![1.0f32; 3 * plane];
    // the flat index of pixel (x, y) in a plane
    let at = |x: usize, y: usize| match transposed {
        true => x * ph + y,
        false => y * pw + x,
    };
    for (x, y, p) in img.enumerate_pixels() {
        let i = at(x as usize, y as usize);
        for c in 0..3 {
            data[c * plane + i] = p.0[c] as f32 / 255.0;
        }
    }
    let shape = match transposed {
        true => [1, 3, pw, ph],
        false => [1, 3, ph, pw],
    };
    onnx::tensor_f32(&shape, &data)
}

/// The detector's model input for one photo, and what maps its output back to the photo.
pub struct DetectorInput {
    pub tensor: Tensor,
    /// `tensor` is the canvas transposed, for the detector's transposed network
    pub transposed: bool,
    /// working size / photo size
    pub scale: f32,
    /// the photo's width and height
    pub image_size: (u32, u32),
}
