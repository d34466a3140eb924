//! Loading ONNX files into tract plans, with errors that name the model.

use crate::error::{Error, Result};
use crate::stored_weights;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::runtime::RunOptions;
use tract_onnx::tract_hir::infer::Factoid;

pub type Plan = Arc<TypedRunnableModel>;

fn failure(name: &str, stage: &str, e: TractError) -> Error {
    Error::model(format!("model {name}: {stage} failed: {e}"))
}

/// Parse a model file, its stored weights folded into float32 constants (`stored_weights`).
fn parse(name: &str, bytes: &[u8]) -> Result<InferenceModel> {
    let onnx = tract_onnx::onnx();
    let mut proto = onnx.proto_model_for_read(&mut Cursor::new(bytes)).map_err(|e| failure(name, "parsing", e))?;
    stored_weights::unpack(&mut proto);
    onnx.model_for_proto_model(&proto).map_err(|e| failure(name, "parsing", e))
}

/// Parse, type and optimise one model. `input_shape`, when given, pins input 0 to a concrete
/// shape so tract can plan the fastest kernels for it.
pub fn load(name: &str, bytes: &[u8], input_shape: Option<&[usize]>) -> Result<Plan> {
    let mut model = parse(name, bytes)?;
    if let Some(shape) = input_shape {
        model = model
            .with_input_fact(0, f32::fact(shape).into())
            .map_err(|e| failure(name, "setting the input shape", e))?;
    }
    let plan = model
        .into_optimized()
        .map_err(|e| failure(name, "optimisation", e))?
        .into_runnable()
        .map_err(|e| failure(name, "planning", e))?;
    Ok(plan)
}

/// How many concrete plans a [`ShapedPlans`] keeps (the detector sees a few page shapes, the
/// GRU decoder one per live beam width, the transformer one per width and cache capacity); the oldest
/// is dropped beyond this.
const MAX_PLANS: usize = 16;

/// A model whose input sizes are only known at run time (the detector's height and width, the
/// decoder's beam width and cache capacity). tract runs a graph with symbolic dimensions through
/// generic kernels; bound to concrete sizes it folds the shape arithmetic away and picks
/// fixed-size kernels. So the model is parsed once, and typed and optimised once per input shape
/// it actually meets, on first use.
///
/// Why not type and declutter the symbolic graph once at load: the detector's shape algebra
/// (height and width through strides, resizes and concatenations) made that 0.8 s of a 1.2 s
/// cold load natively, and longer in wasm, while typing and optimising it from concrete sizes
/// takes ~35 ms a shape (against ~13 ms from the decluttered graph), paid once per shape
/// (bench/levers.md). A model that parses but cannot be typed fails on that first use, with the
/// model's name in the error.
pub struct ShapedPlans {
    name: String,
    model: InferenceModel,
    plans: Mutex<Vec<(Vec<Vec<usize>>, Plan)>>,
    /// the runtime options its plans are made with (natively, which threads run their matrix products)
    run_options: RunOptions,
}

impl ShapedPlans {
    pub fn load(name: &str, bytes: &[u8]) -> Result<Self> {
        let model = parse(name, bytes)?;
        Ok(ShapedPlans {
            name: name.to_string(),
            model,
            plans: Mutex::new(Vec::new()),
            run_options: RunOptions::default(),
        })
    }

    /// Plans made from now on run their matrix products on all the machine's cores (natively; wasm
    /// has one thread). For a model run alone while the cores would otherwise wait: the detector
    /// runs before a page's crops are read side by side, and its 1x1 convolutions are most of its
    /// time (bench/levers.md).
    pub fn spread_over_cores(mut self) -> Self {
        self.run_options.executor = cores::executor();
        self
    }

    /// The plan for these input shapes (one per model input, in order), optimised on first use.
    pub fn plan(&self, shapes: &[&[usize]]) -> Result<Plan> {
        let key: Vec<Vec<usize>> = shapes.iter().map(|s| s.to_vec()).collect();
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, plan)) = plans.iter().find(|(k, _)| *k == key) {
            return Ok(plan.clone());
        }
        let plan = self.specialise(&key)?;
        if plans.len() >= MAX_PLANS {
            plans.remove(0);
        }
        plans.push((key, plan.clone()));
        Ok(plan)
    }

    /// Pin every input to its concrete shape (keeping the element type the file declares), then
    /// type and optimise.
    fn specialise(&self, shapes: &[Vec<usize>]) -> Result<Plan> {
        let inputs = self.model.input_outlets().map_err(|e| failure(&self.name, "reading the inputs", e))?.len();
        if inputs != shapes.len() {
            return Err(Error::model(format!("model {}: has {inputs} inputs, got {} shapes", self.name, shapes.len())));
        }
        let mut model = self.model.clone();
        for (ix, shape) in shapes.iter().enumerate() {
            let fact = self.model.input_fact(ix).map_err(|e| failure(&self.name, "reading the inputs", e))?;
            if let Some(rank) = fact.shape.rank().concretize() {
                if rank as usize != shape.len() {
                    return Err(Error::model(format!(
                        "model {}: input {ix} has rank {rank}, got {shape:?}",
                        self.name
                    )));
                }
            }
            let dt = fact
                .datum_type
                .concretize()
                .ok_or_else(|| Error::model(format!("model {}: input {ix} declares no element type", self.name)))?;
            model = model
                .with_input_fact(ix, InferenceFact::dt_shape(dt, shape.as_slice()))
                .map_err(|e| failure(&self.name, "binding the input sizes", e))?;
        }
        let plan = model
            .into_optimized()
            .map_err(|e| failure(&self.name, "optimisation", e))?
            .into_runnable_with_options(&self.run_options)
            .map_err(|e| failure(&self.name, "planning", e))?;
        Ok(plan)
    }
}

/// One pool of threads for tract's matrix products, shared by every model that spreads over cores.
#[cfg(not(target_arch = "wasm32"))]
mod cores {
    use std::sync::OnceLock;
    use tract_onnx::tract_core::tract_linalg::multithread::Executor;

    pub fn executor() -> Option<Executor> {
        static POOL: OnceLock<Option<Executor>> = OnceLock::new();
        POOL.get_or_init(|| {
            let threads = crate::parallel::thread_count(0);
            (threads > 1).then(|| Executor::multithread_with_name(threads, "mathsnap-tract"))
        })
        .clone()
    }
}

#[cfg(target_arch = "wasm32")]
mod cores {
    pub fn executor() -> Option<tract_onnx::tract_core::tract_linalg::multithread::Executor> {
        None
    }
}

pub fn tensor_f32(shape: &[usize], data: &[f32]) -> Result<Tensor> {
    Tensor::from_shape(shape, data).map_err(|e| Error::model(format!("building an input tensor: {e}")))
}

pub fn output_f32(outputs: &TVec<TValue>, index: usize, name: &str) -> Result<Vec<f32>> {
    let t = outputs.get(index).ok_or_else(|| Error::model(format!("{name}: missing output {index}")))?;
    let view = t.to_plain_array_view::<f32>().map_err(|e| Error::model(format!("{name}: output {index}: {e}")))?;
    Ok(view.iter().copied().collect())
}
