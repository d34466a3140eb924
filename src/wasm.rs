//! The browser API (wasm-bindgen). Every error crosses to JS as an `Error` whose `code` property
//! is one of bad_image, too_large, bad_input, model; a panic hook turns bugs into console errors.

use crate::detector::postprocess::ProbMap;
use crate::error::Error;
use crate::page_read::PageRead;
use crate::pipeline::{CropReading, Engine as Core, ModelSource, ReadOptions, SingleRead};
use crate::recognizer::beam::DecodeOptions;
use crate::{clock, input};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let _ = js_sys::Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

fn to_value<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| to_js(Error::bad_input(format!("cannot convert the result: {e}"))))
}

struct Files(HashMap<String, Vec<u8>>);

impl ModelSource for Files {
    fn bytes(&self, file: &str) -> crate::Result<Vec<u8>> {
        self.0.get(file).cloned().ok_or_else(|| Error::model(format!("model file {file} was not provided")))
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct JsOptions {
    single: bool,
    beam: Option<usize>,
    #[serde(rename = "autoRotate")]
    auto_rotate: Option<bool>,
    /// the worker pool's workers: the small-print look (and a page turned round) is cut in that many
    /// detector bands
    #[serde(rename = "detectorBands")]
    detector_bands: Option<usize>,
}

/// More bands than the pool has workers buy nothing (engine-client.js MAX_POOL is 3).
const MAX_DETECTOR_BANDS: usize = 4;

fn read_options(opts: JsValue) -> Result<ReadOptions, JsValue> {
    let o: JsOptions = if opts.is_undefined() || opts.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(opts).map_err(|e| to_js(Error::bad_input(format!("bad options: {e}"))))?
    };
    let mut decode = DecodeOptions::default();
    if let Some(b) = o.beam {
        decode.beam = b.clamp(1, 8);
    }
    Ok(ReadOptions {
        single: o.single,
        auto_rotate: o.auto_rotate.unwrap_or(true),
        decode,
        keep_crops: false,
        threads: 1,
        detector_bands: o.detector_bands.unwrap_or(1).clamp(1, MAX_DETECTOR_BANDS),
    })
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

#[wasm_bindgen]
pub struct Engine {
    core: Core,
}

#[wasm_bindgen]
impl Engine {
    /// `new Engine(manifestJson, detectorBytes | null, encoderBytes, decoderBytes, decoderR2lBytes?)`
    /// (the last only where the manifest names a `decoder_r2l`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        manifest: &str,
        detector: Option<Vec<u8>>,
        encoder: Vec<u8>,
        decoder: Vec<u8>,
        decoder_r2l: Option<Vec<u8>>,
    ) -> Result<Engine, JsValue> {
        let m = crate::models::Manifest::parse(manifest).map_err(to_js)?;
        let mut files = HashMap::new();
        files.insert(m.recognizer.encoder.clone(), encoder);
        files.insert(m.recognizer.decoder.clone(), decoder);
        if let (Some(file), Some(bytes)) = (&m.recognizer.decoder_r2l, decoder_r2l) {
            files.insert(file.clone(), bytes);
        }
        if let (Some(d), Some(bytes)) = (&m.detector, detector) {
            files.insert(d.file.clone(), bytes);
        }
        let core = Core::load(manifest, &Files(files)).map_err(to_js)?;
        Ok(Engine { core })
    }

    #[wasm_bindgen(js_name = hasDetector)]
    pub fn has_detector(&self) -> bool {
        self.core.has_detector()
    }

    /// Encoded image bytes (JPEG, PNG, WebP, GIF, BMP, TIFF); EXIF orientation honoured.
    #[wasm_bindgen(js_name = recognizeEncoded)]
    pub fn recognize_encoded(&self, bytes: &[u8], opts: JsValue) -> Result<JsValue, JsValue> {
        let opts = read_options(opts)?;
        to_value(&self.core.read_encoded(bytes, &opts).map_err(to_js)?)
    }

    /// Step 1 of a picture read as one formula (`single`) by two workers of the pool: decode, and
    /// the first view read alone. Where that is unsure (`job.waiting()`), the pool's other worker
    /// has meanwhile encoded the picture's other views from the same bytes (`otherViews`), and
    /// `finishSingle` reads every view with them.
    #[wasm_bindgen(js_name = startSingle)]
    pub fn start_single(&self, bytes: &[u8], opts: JsValue) -> Result<SingleJob, JsValue> {
        let mut opts = read_options(opts)?;
        opts.single = true;
        let t = clock::now_ms();
        let img = input::decode(bytes).map_err(to_js)?;
        let decode_ms = clock::now_ms() - t;
        let mut read = self.core.start_single(&img, &opts).map_err(to_js)?;
        read.ms.decode = decode_ms;
        Ok(SingleJob { read: Some(read), opts })
    }

    /// The views beside the first of a picture read as one formula (`startSingle`'s bytes), encoded
    /// as that reading frames it: `[{memory: Float32Array, keys: Float32Array}]`, none for a
    /// picture with no ink.
    #[wasm_bindgen(js_name = otherViews)]
    pub fn other_views(&self, bytes: &[u8]) -> Result<js_sys::Array, JsValue> {
        let img = input::decode(bytes).map_err(to_js)?;
        let out = js_sys::Array::new();
        for view in self.core.encode_other_views(&img).map_err(to_js)? {
            let o = js_sys::Object::new();
            let _ =
                js_sys::Reflect::set(&o, &"memory".into(), &js_sys::Float32Array::from(view.memory.as_slice()).into());
            let _ = js_sys::Reflect::set(&o, &"keys".into(), &js_sys::Float32Array::from(view.keys.as_slice()).into());
            out.push(&o);
        }
        Ok(out)
    }

    /// A `startSingle` job's result (`recognizeEncoded`'s object). `views`: `otherViews`'s array for
    /// a job still waiting, or null to encode them here; a job already read ignores them.
    #[wasm_bindgen(js_name = finishSingle)]
    pub fn finish_single(&self, job: &mut SingleJob, views: JsValue) -> Result<JsValue, JsValue> {
        // the views are checked before the job is taken: a job handed views that do not fit is
        // still there to be finished with others, or with none
        let others = if views.is_null() || views.is_undefined() || !job.waiting() {
            None
        } else {
            let others = self.view_encodings(views)?;
            if let Some(read) = &job.read {
                read.check_others(&self.core, &others).map_err(to_js)?;
            }
            Some(others)
        };
        let read =
            job.read.take().ok_or_else(|| to_js(Error::bad_input("the single-formula job is already finished")))?;
        to_value(&self.core.finish_single(read, others, &job.opts).map_err(to_js)?)
    }

    /// RGBA pixels as from `getImageData`.
    #[wasm_bindgen(js_name = recognizeRgba)]
    pub fn recognize_rgba(&self, rgba: &[u8], width: u32, height: u32, opts: JsValue) -> Result<JsValue, JsValue> {
        let opts = read_options(opts)?;
        let img = input::from_rgba(rgba, width, height).map_err(to_js)?;
        to_value(&self.core.read(&img, &opts).map_err(to_js)?)
    }

    /// Detection only, for the live preview: `{regions: [{quad, score}], ms}`.
    #[wasm_bindgen(js_name = detectRgba)]
    pub fn detect_rgba(
        &self,
        rgba: &[u8],
        width: u32,
        height: u32,
        long_side: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let img = input::from_rgba(rgba, width, height).map_err(to_js)?;
        let t = clock::now_ms();
        let regions = self.core.detect(&img, long_side).map_err(to_js)?;
        #[derive(Serialize)]
        struct R {
            quad: crate::geometry::Quad,
            score: f32,
        }
        #[derive(Serialize)]
        struct Out {
            regions: Vec<R>,
            ms: f64,
        }
        let out = Out {
            regions: regions.into_iter().map(|r| R { quad: r.quad, score: r.score }).collect(),
            ms: clock::now_ms() - t,
        };
        to_value(&out)
    }

    /// Step 1 of a page read by the worker pool (src/page_read.rs): decode and locate; the job's
    /// `crops()` are then read by any worker (`readCrop`) and handed back with `supplyPage`.
    #[wasm_bindgen(js_name = startPage)]
    pub fn start_page(&self, bytes: &[u8], opts: JsValue) -> Result<PageJob, JsValue> {
        let opts = read_options(opts)?;
        let t = clock::now_ms();
        let img = input::decode(bytes).map_err(to_js)?;
        let decode_ms = clock::now_ms() - t;
        let read = self.core.start_page(Cow::Owned(img), &opts).map_err(to_js)?;
        Ok(PageJob { read: Some(read), decode_ms })
    }

    /// `startPage` for RGBA pixels as from `getImageData`.
    #[wasm_bindgen(js_name = startPageRgba)]
    pub fn start_page_rgba(&self, rgba: &[u8], width: u32, height: u32, opts: JsValue) -> Result<PageJob, JsValue> {
        let opts = read_options(opts)?;
        let img = input::from_rgba(rgba, width, height).map_err(to_js)?;
        let read = self.core.start_page(Cow::Owned(img), &opts).map_err(to_js)?;
        Ok(PageJob { read: Some(read), decode_ms: 0.0 })
    }

    /// The readings of the job's `crops()`, in their order, as `readCrop` gives them:
    /// `[{latex, confidence, upsideDown}]`. The job moves on to its next step: more crops, or none
    /// when finished (`finishPage`).
    #[wasm_bindgen(js_name = supplyPage)]
    pub fn supply_page(&self, job: &mut PageJob, readings: JsValue) -> Result<(), JsValue> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Reading {
            latex: String,
            confidence: f32,
            #[serde(default)]
            upside_down: Option<f32>,
        }
        let readings: Vec<Reading> = serde_wasm_bindgen::from_value(readings)
            .map_err(|e| to_js(Error::bad_input(format!("bad readings: {e}"))))?;
        let read = job.read.as_mut().ok_or_else(|| to_js(Error::bad_input("the page job is already finished")))?;
        let readings =
            readings.into_iter().map(|r| CropReading::supplied(r.latex, r.confidence, r.upside_down)).collect();
        read.supply(&self.core, readings).map_err(to_js)
    }

    /// The maps of the job's `bands()`, in their order (each `detectorMap`'s result, computed by any
    /// worker): the job moves on to its crops (or, on a page found slanted, to its level canvas's bands).
    #[wasm_bindgen(js_name = supplyPageMaps)]
    pub fn supply_page_maps(&self, job: &mut PageJob, maps: js_sys::Array) -> Result<(), JsValue> {
        let maps = maps
            .iter()
            .map(|m| {
                let size = |name: &str| {
                    js_sys::Reflect::get(&m, &name.into()).ok().and_then(|v| v.as_f64()).filter(|v| *v >= 0.0)
                };
                match (size("width"), size("height"), float32_field(&m, "data")) {
                    (Some(width), Some(height), Some(data)) => {
                        Ok(ProbMap { width: width as usize, height: height as usize, data })
                    }
                    _ => Err(to_js(Error::bad_input("a band's map is {width, height, data: Float32Array}"))),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let read = job.read.as_mut().ok_or_else(|| to_js(Error::bad_input("the page job is already finished")))?;
        read.supply_maps(&self.core, maps).map_err(to_js)
    }

    /// The detector's probability map of one band a page job handed out (RGB, 3 bytes a pixel, at
    /// the working size): `{width, height, data: Float32Array}`.
    #[wasm_bindgen(js_name = detectorMap)]
    pub fn detector_map(&self, rgb: Vec<u8>, width: u32, height: u32) -> Result<JsValue, JsValue> {
        let band = rgb_image(rgb, width, height, "band")?;
        let detector = self.core.detector().map_err(to_js)?;
        let map = detector.band_map(&band).map_err(to_js)?;
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"width".into(), &(map.width as u32).into());
        let _ = js_sys::Reflect::set(&o, &"height".into(), &(map.height as u32).into());
        let _ = js_sys::Reflect::set(&o, &"data".into(), &js_sys::Float32Array::from(map.data.as_slice()).into());
        Ok(o.into())
    }

    /// The page's result, once its job has no crops left to read (the same object as `recognizeEncoded`'s).
    #[wasm_bindgen(js_name = finishPage)]
    pub fn finish_page(&self, job: &mut PageJob) -> Result<JsValue, JsValue> {
        let read = job.read.take().ok_or_else(|| to_js(Error::bad_input("the page job is already finished")))?;
        let mut result = read.finish().map_err(to_js)?;
        result.ms.decode = job.decode_ms;
        to_value(&result)
    }

    /// One upright formula crop as the page job hands it out (RGB, 3 bytes a pixel):
    /// `{latex, confidence, upsideDown}`, latex empty when the crop holds no ink; upsideDown (the
    /// log-odds that the crop is turned round) absent without the probe.
    #[wasm_bindgen(js_name = readCrop)]
    pub fn read_crop(&self, rgb: Vec<u8>, width: u32, height: u32, opts: JsValue) -> Result<JsValue, JsValue> {
        let opts = read_options(opts)?;
        let crop = rgb_image(rgb, width, height, "crop")?;
        let reading = self.core.read_crop(&crop, &opts.decode).map_err(to_js)?;
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out {
            latex: String,
            confidence: f32,
            #[serde(skip_serializing_if = "Option::is_none")]
            upside_down: Option<f32>,
        }
        to_value(&Out { latex: reading.latex, confidence: reading.confidence, upside_down: reading.upside_down })
    }
}

/// RGB pixels handed over by another worker (3 bytes a pixel), checked against their size.
fn rgb_image(rgb: Vec<u8>, width: u32, height: u32, what: &str) -> Result<image::RgbImage, JsValue> {
    if width == 0 || height == 0 || rgb.len() as u64 != width as u64 * height as u64 * 3 {
        return Err(to_js(Error::bad_input(format!(
            "a {width}x{height} RGB {what} needs {} bytes, got {}",
            width as u64 * height as u64 * 3,
            rgb.len()
        ))));
    }
    image::RgbImage::from_raw(width, height, rgb)
        .ok_or_else(|| to_js(Error::bad_input(format!("the {what}'s pixels do not fit its size"))))
}

impl Engine {
    /// `otherViews`'s array, as encodings of this recognizer.
    fn view_encodings(&self, views: JsValue) -> Result<Vec<crate::recognizer::Encoded>, JsValue> {
        let bad = || to_js(Error::bad_input("the other views are [{memory: Float32Array, keys: Float32Array}]"));
        let views: js_sys::Array = views.dyn_into().map_err(|_| bad())?;
        views
            .iter()
            .map(|v| {
                let field = |name: &str| float32_field(&v, name).ok_or_else(bad);
                self.core.view_encoding(field("memory")?, field("keys")?).map_err(to_js)
            })
            .collect()
    }
}

/// The `Float32Array` an object from another worker holds under `name`, copied into wasm memory;
/// None when it holds none there.
fn float32_field(object: &JsValue, name: &str) -> Option<Vec<f32>> {
    js_sys::Reflect::get(object, &name.into())
        .ok()
        .filter(|d| d.is_instance_of::<js_sys::Float32Array>())
        .map(|d| js_sys::Float32Array::from(d).to_vec())
}

/// A picture being read as one formula by two workers (`startSingle`), in the worker reading it.
#[wasm_bindgen]
pub struct SingleJob {
    read: Option<SingleRead>,
    opts: ReadOptions,
}

#[wasm_bindgen]
impl SingleJob {
    /// The first view alone was unsure: `finishSingle` wants the other views.
    pub fn waiting(&self) -> bool {
        self.read.as_ref().is_some_and(SingleRead::waiting)
    }
}

/// A page being read by the worker pool: lives in the worker that located it until finished.
#[wasm_bindgen]
pub struct PageJob {
    read: Option<PageRead<'static>>,
    decode_ms: f64,
}

#[wasm_bindgen]
impl PageJob {
    /// The crops to read next, `[{width, height, rgb: Uint8Array}]` (RGB, 3 bytes a pixel), copied
    /// out of wasm memory so they can be transferred to other workers; empty when finished.
    pub fn crops(&self) -> js_sys::Array {
        images_out(self.read.as_ref().map(|r| r.pending()).unwrap_or(&[]).iter())
    }

    /// The detector bands to compute next (`detectorMap` on any worker), `[{width, height, rgb}]`
    /// as `crops()`; while there are any, `crops()` is empty.
    pub fn bands(&self) -> js_sys::Array {
        images_out(self.read.as_ref().map(|r| r.pending_bands()).unwrap_or(&[]).iter().map(|b| &b.image))
    }
}

/// Images as `[{width, height, rgb: Uint8Array}]`, copied out of wasm memory so they can be
/// transferred to other workers.
fn images_out<'a>(images: impl Iterator<Item = &'a image::RgbImage>) -> js_sys::Array {
    let out = js_sys::Array::new();
    for img in images {
        let o = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&o, &"width".into(), &img.width().into());
        let _ = js_sys::Reflect::set(&o, &"height".into(), &img.height().into());
        let _ = js_sys::Reflect::set(&o, &"rgb".into(), &js_sys::Uint8Array::from(img.as_raw().as_slice()).into());
        out.push(&o);
    }
    out
}
