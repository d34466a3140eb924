//! Benchmark-only wasm exports (cargo feature `bench-api`, never in the app's build): each model
//! run alone on a given input tensor, loaded exactly as the engine loads it, so bench/ can time
//! tract-wasm against onnxruntime-web model by model on identical inputs.

use crate::onnx::{self, Plan, ShapedPlans};
use crate::preprocess::{HEIGHT, WIDTH};
use tract_onnx::prelude::*;
use wasm_bindgen::prelude::*;

fn js_err(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

fn flat(outputs: &TVec<TValue>) -> Result<Vec<f32>, JsValue> {
    let mut v = Vec::new();
    for i in 0..outputs.len() {
        v.extend(onnx::output_f32(outputs, i, "bench").map_err(|e| js_err(e.message))?);
    }
    Ok(v)
}

#[wasm_bindgen]
pub struct ModelBench {
    detector: ShapedPlans,
    encoder: Plan,
    decoder: ShapedPlans,
}

#[wasm_bindgen]
impl ModelBench {
    #[wasm_bindgen(constructor)]
    pub fn new(detector: &[u8], encoder: &[u8], decoder: &[u8]) -> Result<ModelBench, JsValue> {
        Ok(ModelBench {
            detector: ShapedPlans::load("detector.onnx", detector).map_err(|e| js_err(e.message))?,
            encoder: onnx::load("recognizer_encoder.onnx", encoder, Some(&[1, 1, HEIGHT, WIDTH]))
                .map_err(|e| js_err(e.message))?,
            decoder: ShapedPlans::load("recognizer_decoder.onnx", decoder).map_err(|e| js_err(e.message))?,
        })
    }

    /// image [1,3,h,w] -> prob, flattened.
    pub fn detector(&self, image: &[f32], h: usize, w: usize) -> Result<Vec<f32>, JsValue> {
        let shape = [1, 3, h, w];
        let plan = self.detector.plan(&[&shape]).map_err(|e| js_err(e.message))?;
        let x = Tensor::from_shape(&shape, image).map_err(js_err)?;
        flat(&plan.run(tvec!(x.into())).map_err(js_err)?)
    }

    /// image [1,1,64,256] -> memory then keys, flattened.
    pub fn encoder(&self, image: &[f32]) -> Result<Vec<f32>, JsValue> {
        let x = Tensor::from_shape(&[1, 1, HEIGHT, WIDTH], image).map_err(js_err)?;
        flat(&self.encoder.run(tvec!(x.into())).map_err(js_err)?)
    }

    /// One step for b hypotheses -> logprobs, hidden, coverage, flattened. The crop's memory [S, D]
    /// and keys transposed [A, S] are given once for the batch, as the engine gives them.
    pub fn decoder(
        &self,
        tokens: &[i32],
        hidden: &[f32],
        coverage: &[f32],
        memory: &[f32],
        keys_t: &[f32],
        slots: usize,
    ) -> Result<Vec<f32>, JsValue> {
        let (plan, inputs) = self.decoder_step(tokens, hidden, coverage, memory, keys_t, slots)?;
        flat(&plan.run(inputs).map_err(js_err)?)
    }

    /// Per-node profile of one decoder step (inputs as `decoder`), keyed "op (node)".
    #[wasm_bindgen(js_name = profileDecoder)]
    pub fn profile_decoder(
        &self,
        tokens: &[i32],
        hidden: &[f32],
        coverage: &[f32],
        memory: &[f32],
        keys_t: &[f32],
        slots: usize,
        runs: usize,
    ) -> Result<String, JsValue> {
        let (plan, inputs) = self.decoder_step(tokens, hidden, coverage, memory, keys_t, slots)?;
        profile_plan(&plan, inputs, runs, |node| format!("{} ({})", node.op().name(), node.name))
    }
}

impl ModelBench {
    fn decoder_step(
        &self,
        tokens: &[i32],
        hidden: &[f32],
        coverage: &[f32],
        memory: &[f32],
        keys_t: &[f32],
        slots: usize,
    ) -> Result<(Plan, TVec<TValue>), JsValue> {
        let b = tokens.len();
        if b == 0 || slots == 0 {
            return Err(js_err("a decoder step needs hypotheses and slots"));
        }
        let (h, d, a) = (hidden.len() / b, memory.len() / slots, keys_t.len() / slots);
        let shapes: [&[usize]; 5] = [&[b], &[b, h], &[b, slots], &[slots, d], &[a, slots]];
        let plan = self.decoder.plan(&shapes).map_err(|e| js_err(e.message))?;
        let t: Vec<i64> = tokens.iter().map(|&t| t as i64).collect();
        let inputs = tvec!(
            Tensor::from_shape(shapes[0], &t).map_err(js_err)?.into(),
            Tensor::from_shape(shapes[1], hidden).map_err(js_err)?.into(),
            Tensor::from_shape(shapes[2], coverage).map_err(js_err)?.into(),
            Tensor::from_shape(shapes[3], memory).map_err(js_err)?.into(),
            Tensor::from_shape(shapes[4], keys_t).map_err(js_err)?.into()
        );
        Ok((plan, inputs))
    }
}

/// `performance.now()` of the worker or window running the benchmark (sub-millisecond, unlike `Date`).
fn perf_now() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|p| {
            let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
            js_sys::Function::from(now).call0(&p).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// Milliseconds per run spent in each kind of operation of `plan` on `inputs` (or whatever `key`
/// groups nodes by), over `runs` runs after one warm-up, as JSON `{"total": ms, "ops": [[name, ms],
/// ...]}`, slowest first.
fn profile_plan(
    plan: &Plan,
    inputs: TVec<TValue>,
    runs: usize,
    key: impl Fn(&TypedNode) -> String,
) -> Result<String, JsValue> {
    use std::collections::HashMap;
    let mut state = tract_onnx::tract_core::plan::SimpleState::new(plan).map_err(js_err)?;
    let mut by_node: HashMap<usize, f64> = HashMap::new();
    for run in 0..=runs {
        state
            .run_plan_with_eval(inputs.clone(), |ctx, op_state, node, node_inputs| {
                let t = perf_now();
                let out = tract_onnx::tract_core::plan::eval(ctx, op_state, node, node_inputs);
                if run > 0 {
                    *by_node.entry(node.id).or_default() += perf_now() - t;
                }
                out
            })
            .map_err(js_err)?;
    }
    let mut by_op: HashMap<String, f64> = HashMap::new();
    for (id, ms) in by_node {
        *by_op.entry(key(plan.model().node(id))).or_default() += ms / runs.max(1) as f64;
    }
    let mut ops: Vec<(String, f64)> = by_op.into_iter().collect();
    ops.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = ops.iter().map(|o| o.1).sum();
    Ok(serde_json::json!({ "total": total, "ops": ops }).to_string())
}

#[wasm_bindgen]
impl ModelBench {
    /// Sets one of tract's knobs (e.g. `TRACT_DISABLE_DIRECT_SPATIAL`) for plans made from now on.
    #[wasm_bindgen(js_name = setKnob)]
    pub fn set_knob(name: &str, value: &str) -> bool {
        tract_onnx::tract_core::knobs::set_str(name, value)
    }

    /// Per-operation profile of the detector on [1,3,h,w] (see `profile_plan`).
    #[wasm_bindgen(js_name = profileDetector)]
    pub fn profile_detector(&self, image: &[f32], h: usize, w: usize, runs: usize) -> Result<String, JsValue> {
        let shape = [1, 3, h, w];
        let plan = self.detector.plan(&[&shape]).map_err(|e| js_err(e.message))?;
        let x = Tensor::from_shape(&shape, image).map_err(js_err)?;
        profile_plan(&plan, tvec!(x.into()), runs, |node| node.op().name().to_string())
    }

    /// Per-operation profile of the encoder on [1,1,64,256].
    #[wasm_bindgen(js_name = profileEncoder)]
    pub fn profile_encoder(&self, image: &[f32], runs: usize) -> Result<String, JsValue> {
        let x = Tensor::from_shape(&[1, 1, HEIGHT, WIDTH], image).map_err(js_err)?;
        profile_plan(&self.encoder, tvec!(x.into()), runs, |node| node.op().name().to_string())
    }
}
