//! Loading ONNX files into tract plans, with errors that name the model.

use crate::error::{Error, Result};
use std::io::Cursor;
use std::sync::Arc;
use tract_onnx::prelude::*;

pub type Plan = Arc<TypedRunnableModel>;

/// Parse, type and optimise one model. `input_shape`, when given, pins input 0 to a concrete
/// shape so tract can plan the fastest kernels for it.
pub fn load(name: &str, bytes: &[u8], input_shape: Option<&[usize]>) -> Result<Plan> {
    let fail = |stage: &str, e: TractError| Error::model(format!("model {name}: {stage} failed: {e}"));
    let mut model = tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))
        .map_err(|e| fail("parsing", e))?;
    if let Some(shape) = input_shape {
        model = model.with_input_fact(0, f32::fact(shape).into()).map_err(|e| fail("setting the input shape", e))?;
    }
    let plan = model
        .into_optimized()
        .map_err(|e| fail("optimisation", e))?
        .into_runnable()
        .map_err(|e| fail("planning", e))?;
    Ok(plan)
}

pub fn tensor_f32(shape: &[usize], data: &[f32]) -> Result<Tensor> {
    Tensor::from_shape(shape, data).map_err(|e| Error::model(format!("building an input tensor: {e}")))
}

pub fn output_f32(outputs: &TVec<TValue>, index: usize, name: &str) -> Result<Vec<f32>> {
    let t = outputs.get(index).ok_or_else(|| Error::model(format!("{name}: missing output {index}")))?;
    let view = t.to_plain_array_view::<f32>().map_err(|e| Error::model(format!("{name}: output {index}: {e}")))?;
    Ok(view.iter().copied().collect())
}
