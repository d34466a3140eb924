//! Loading ONNX files into tract plans, with errors that name the model.

use crate::error::{Error, Result};
use crate::stored_weights;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::runtime::RunOptions;
use tract_onnx::tract_hir::infer::Factoid;

pub type Plan = Arc<TypedRunnableModel>;

fn failure(name: &str, stage: &str, e: TractError) -> Error {
    Error::model(format!("model {name}: {stage} failed: {e}"))
}

/// Read a model file's protobuf, its stored weights folded into float32 constants (`stored_weights`).
pub fn read_proto(name: &str, bytes: &[u8]) -> Result<ModelProto> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    crate::wasm_matmul::keep_linked();
    let mut proto =
        tract_onnx::onnx().proto_model_for_read(&mut Cursor::new(bytes)).map_err(|e| failure(name, "parsing", e))?;
    stored_weights::unpack(&mut proto);
    Ok(proto)
}

fn from_proto(name: &str, proto: &ModelProto) -> Result<InferenceModel> {
    tract_onnx::onnx().model_for_proto_model(proto).map_err(|e| failure(name, "parsing", e))
}

/// Parse a model file, its stored weights folded into float32 constants (`stored_weights`).
fn parse(name: &str, bytes: &[u8]) -> Result<InferenceModel> {
    from_proto(name, &read_proto(name, bytes)?)
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
/// GRU decoder one per live beam width, the encoder one per canvas width); the one
/// unused longest is dropped beyond this.
const MAX_PLANS: usize = 16;

/// At most `capacity` values by key; a value used moves to the back, so that the one unused longest
/// is dropped first. Why not first-in first-out: the live preview's detector shape is made first and
/// used 30 times a second, while pages of other sizes, turns and slants each add shapes; dropped, it
/// would be optimised again (tens of milliseconds, several times that in wasm) mid-preview.
struct RecentlyUsed<K, V> {
    capacity: usize,
    entries: Vec<(K, V)>,
}

impl<K: PartialEq, V: Clone> RecentlyUsed<K, V> {
    fn new(capacity: usize) -> Self {
        RecentlyUsed { capacity: capacity.max(1), entries: Vec::new() }
    }

    /// The value for `key`, made by `make` if there is none (an error is passed on, nothing stored).
    fn get_or_try_insert<E>(
        &mut self,
        key: K,
        make: impl FnOnce(&K) -> std::result::Result<V, E>,
    ) -> std::result::Result<V, E> {
        if let Some(i) = self.entries.iter().position(|(k, _)| *k == key) {
            let entry = self.entries.remove(i);
            let value = entry.1.clone();
            self.entries.push(entry);
            return Ok(value);
        }
        let value = make(&key)?;
        if self.entries.len() >= self.capacity {
            self.entries.remove(0);
        }
        self.entries.push((key, value.clone()));
        Ok(value)
    }
}

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
    plans: Mutex<RecentlyUsed<Vec<Vec<usize>>, Plan>>,
    /// the runtime options its plans are made with (natively, which threads run their matrix products)
    run_options: RunOptions,
    /// the one plan for every shape, its named dimensions left symbolic (`planned_once`)
    once: Option<Plan>,
}

impl ShapedPlans {
    pub fn load(name: &str, bytes: &[u8]) -> Result<Self> {
        Self::from_proto(name, &read_proto(name, bytes)?)
    }

    /// From a model's protobuf, as read (`read_proto`) or rewritten.
    pub fn from_proto(name: &str, proto: &ModelProto) -> Result<Self> {
        let model = from_proto(name, proto)?;
        Ok(ShapedPlans {
            name: name.to_string(),
            model,
            plans: Mutex::new(RecentlyUsed::new(MAX_PLANS)),
            run_options: RunOptions::default(),
            once: None,
        })
    }

    /// One plan, made from the shapes the file declares, serves every input shape: its named
    /// dimensions stay symbolic and are bound at each run. For a small graph run many times at
    /// many shapes: recognizer v2's decoder step meets one shape per beam width, cache length and
    /// canvas width. Each concrete plan holds its own packed copy of the weights (7 MB for that
    /// step), so one plan per shape took the engine from 112 to 252 MB over 100 printed crops,
    /// and evicting plans beyond `MAX_PLANS` re-optimised them mid-page; the symbolic plan reads
    /// as fast (bench/levers.md). The GRU step keeps concrete plans: it meets few shapes, and
    /// they run it ~7% faster. The plan is made here, so that a broken file is refused at load.
    pub fn planned_once(mut self) -> Result<Self> {
        self.once = Some(self.optimise(self.model.clone())?);
        Ok(self)
    }

    /// Plans made from now on run their matrix products on all the machine's cores (natively; wasm
    /// has one thread). For a model run alone while the cores would otherwise wait: the detector
    /// runs before a page's crops are read side by side, and its 1x1 convolutions are most of its
    /// time (bench/levers.md).
    pub fn spread_over_cores(mut self) -> Self {
        self.run_options.executor = cores::executor();
        self
    }

    /// The rank the file declares for input `ix`, where it declares one.
    pub fn input_rank(&self, ix: usize) -> Option<usize> {
        self.model.input_fact(ix).ok()?.shape.rank().concretize().map(|r| r as usize)
    }

    /// The plan for these input shapes (one per model input, in order), optimised on first use.
    /// (`planned_once`: the one plan, whatever the shapes; tract checks them against the file's
    /// declared shapes when it runs.)
    pub fn plan(&self, shapes: &[&[usize]]) -> Result<Plan> {
        if let Some(plan) = &self.once {
            return Ok(plan.clone());
        }
        let key: Vec<Vec<usize>> = shapes.iter().map(|s| s.to_vec()).collect();
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        plans.get_or_try_insert(key, |key| self.specialise(key))
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
        self.optimise(model)
    }

    fn optimise(&self, model: InferenceModel) -> Result<Plan> {
        model
            .into_optimized()
            .map_err(|e| failure(&self.name, "optimisation", e))?
            .into_runnable_with_options(&self.run_options)
            .map_err(|e| failure(&self.name, "planning", e))
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

#[cfg(test)]
mod tests {
    use super::RecentlyUsed;

    /// The value for `key`, noting in `made` each key whose value had to be made.
    fn get(cache: &mut RecentlyUsed<String, String>, made: &mut Vec<String>, key: &str) -> String {
        cache
            .get_or_try_insert(key.to_string(), |k| {
                made.push(k.clone());
                Ok::<_, ()>(k.to_uppercase())
            })
            .unwrap()
    }

    #[test]
    fn the_value_unused_longest_is_dropped_first() {
        let (mut cache, mut made) = (RecentlyUsed::new(2), Vec::new());
        assert_eq!(get(&mut cache, &mut made, "preview"), "PREVIEW");
        get(&mut cache, &mut made, "page");
        get(&mut cache, &mut made, "preview"); // used again: now the most recent
        get(&mut cache, &mut made, "level"); // drops "page", the one unused longest
        get(&mut cache, &mut made, "preview");
        get(&mut cache, &mut made, "page");
        assert_eq!(made, ["preview", "page", "level", "page"]);
        // a value that cannot be made is not stored
        assert!(cache.get_or_try_insert("broken".to_string(), |_| Err::<String, _>("no")).is_err());
        assert_eq!(cache.entries.len(), 2);
    }
}
