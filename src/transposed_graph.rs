//! A convolutional graph turned over its diagonal: the same network for images with height and
//! width swapped.
//!
//! Why: tract walks a depthwise convolution's output along its longest side, and only a walk
//! along a row (the contiguous axis) reaches its vectorised kernel; on a canvas taller than wide
//! every depthwise layer of the detector runs scalar. A page photo is taller than wide: natively,
//! the detector took 116 ms on an 800x608 canvas against 82 ms on 608x800 (and 583 against 459 ms
//! at 1600x1216). A network of convolutions, pointwise arithmetic and resizes by equal factors
//! commutes with the transpose once every kernel is transposed too: run on the transposed image,
//! the transposed graph gives the transposed output, the same sums in the same order. So the
//! detector hands a tall canvas over transposed (`detector::Detector::model_input`).
//!
//! Only graphs whose every node is known to commute are turned (`transpose`); anything else gives
//! None and the caller runs the graph as it is.

use crate::stored_weights::float_values;
use tract_onnx::pb::{ModelProto, NodeProto, TensorProto};

/// Ops that act on each pixel alone (or on channels only), so commute with a transpose of the
/// spatial axes as they are, provided their constant operands do not vary along them.
const POINTWISE: &[&str] =
    &["Relu", "Sigmoid", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Add", "Sub", "Mul", "Div"];

/// The graph of `model` for inputs with the last two axes (height, width) swapped, or None where a
/// node is not known to commute with that swap. The model's weights must already be plain float32
/// initializers (`stored_weights::unpack`).
pub fn transpose(model: &ModelProto) -> Option<ModelProto> {
    let mut model = model.clone();
    let graph = model.graph.as_mut()?;
    // the constants the graph computes with: initializers, and Constant nodes' values
    let mut constants: Vec<TensorProto> = graph.initializer.clone();
    for node in graph.node.iter().filter(|n| n.op_type == "Constant") {
        let value = node.attribute.iter().find(|a| a.name == "value")?.t.clone()?;
        constants.push(TensorProto { name: node.output.first()?.clone(), ..value });
    }
    let constant = |name: &str| constants.iter().find(|t| t.name == name);
    let mut kernels = Vec::new();
    for node in &graph.node {
        match node.op_type.as_str() {
            "Conv" => {
                let weight = node.input.get(1)?;
                graph.initializer.iter().find(|t| &t.name == weight)?;
                kernels.push(weight.clone());
            }
            // inputs: X, roi (none), scales: equal factors along height and width
            "Resize" => match node.input.as_slice() {
                [_, roi, scales] if roi.is_empty() => match float_values(constant(scales)?)?.as_slice() {
                    [_, _, h, w] if h == w => {}
                    _ => return None,
                },
                _ => return None,
            },
            "Constant" => {}
            op if POINTWISE.contains(&op) => {
                let varies = |input: &String| constant(input).is_some_and(|t| !spatially_constant(&t.dims));
                if node.input.iter().any(varies) {
                    return None;
                }
            }
            _ => return None,
        }
    }
    for t in graph.initializer.iter_mut().filter(|t| kernels.contains(&t.name)) {
        transpose_kernel(t)?;
    }
    for node in graph.node.iter_mut().filter(|n| n.op_type == "Conv") {
        swap_spatial_attributes(node)?;
    }
    // shapes recorded inside the graph would now be wrong: tract infers them again
    graph.value_info.clear();
    for value in graph.input.iter_mut().chain(graph.output.iter_mut()) {
        swap_declared_sides(value);
    }
    Some(model)
}

/// Whether a constant of these dimensions, broadcast onto an NCHW tensor (aligned on its last
/// axes), is the same at every pixel.
fn spatially_constant(dims: &[i64]) -> bool {
    dims.iter().rev().take(2).all(|&d| d == 1)
}

/// A convolution kernel [out, in, kh, kw] becomes [out, in, kw, kh].
fn transpose_kernel(t: &mut TensorProto) -> Option<()> {
    let [o, i, kh, kw] = <[i64; 4]>::try_from(t.dims.as_slice()).ok()?;
    // the values' count is the dimensions' product (checked there), so these stay in bounds
    let values = float_values(t)?;
    let (kh, kw) = (usize::try_from(kh).ok()?, usize::try_from(kw).ok()?);
    let planes = usize::try_from(o.checked_mul(i)?).ok()?;
    let mut turned = vec![0f32; values.len()];
    for p in 0..planes {
        let (from, to) = (&values[p * kh * kw..(p + 1) * kh * kw], &mut turned[p * kh * kw..(p + 1) * kh * kw]);
        for y in 0..kh {
            for x in 0..kw {
                to[x * kh + y] = from[y * kw + x];
            }
        }
    }
    *t = TensorProto {
        dims: vec![o, i, kw as i64, kh as i64],
        raw_data: turned.iter().flat_map(|v| v.to_le_bytes()).collect(),
        float_data: Vec::new(),
        ..std::mem::take(t)
    };
    Some(())
}

/// A Conv's attributes for the swapped axes: kernel shape, strides and dilations swapped, pads
/// [top, left, bottom, right] become [left, top, right, bottom]. Padding computed from the input
/// (`auto_pad` SAME_*) is worked out per axis, so holds as it is.
fn swap_spatial_attributes(node: &mut NodeProto) -> Option<()> {
    for a in &mut node.attribute {
        match a.name.as_str() {
            "kernel_shape" | "strides" | "dilations" => match a.ints.as_mut_slice() {
                [h, w] => std::mem::swap(h, w),
                _ => return None,
            },
            "pads" => match a.ints.as_mut_slice() {
                [top, left, bottom, right] => {
                    std::mem::swap(top, left);
                    std::mem::swap(bottom, right);
                }
                _ => return None,
            },
            "group" | "auto_pad" => {}
            _ => return None,
        }
    }
    Some(())
}

/// A graph input's or output's declared [N, C, H, W] becomes [N, C, W, H].
fn swap_declared_sides(value: &mut tract_onnx::pb::ValueInfoProto) {
    use tract_onnx::pb::type_proto::Value;
    let Some(Some(Value::TensorType(tensor))) = value.r#type.as_mut().map(|t| t.value.as_mut()) else { return };
    if let Some(shape) = tensor.shape.as_mut() {
        if let [.., h, w] = shape.dim.as_mut_slice() {
            std::mem::swap(h, w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_protos::{floats, ints, model, node, value};
    use tract_onnx::pb::{AttributeProto, GraphProto};
    use tract_onnx::prelude::*;

    /// Convolutions that tell height from width (a 3x2 kernel, unequal strides and pads, a
    /// dilation along one axis only), a depthwise one, a 2x nearest upsampling and pointwise
    /// arithmetic with per-channel constants.
    fn lopsided_model() -> ModelProto {
        let kernel: Vec<f32> = (0..2 * 3 * 2).map(|i| (i as f32 * 0.37).sin()).collect();
        let depthwise: Vec<f32> = (0..2 * 5 * 3).map(|i| (i as f32 * 0.61).cos()).collect();
        let graph = GraphProto {
            node: vec![
                node(
                    "Conv",
                    &["x", "k", "kb"],
                    "a",
                    vec![ints("kernel_shape", &[3, 2]), ints("strides", &[2, 1]), ints("pads", &[1, 0, 2, 1])],
                ),
                node("Relu", &["a"], "b", vec![]),
                node(
                    "Conv",
                    &["b", "d"],
                    "c",
                    vec![
                        ints("kernel_shape", &[5, 3]),
                        ints("pads", &[4, 1, 4, 1]),
                        ints("dilations", &[2, 1]),
                        AttributeProto { name: "group".into(), i: 2, r#type: 2, ..Default::default() },
                    ],
                ),
                node("Mul", &["c", "gain"], "e", vec![]),
                node("Resize", &["e", "", "scales"], "f", vec![]),
                node("Sigmoid", &["f"], "y", vec![]),
            ],
            initializer: vec![
                floats("k", &[2, 1, 3, 2], &kernel),
                floats("kb", &[2], &[0.1, -0.2]),
                floats("d", &[2, 1, 5, 3], &depthwise),
                floats("gain", &[1, 2, 1, 1], &[0.5, 2.0]),
                floats("scales", &[4], &[1.0, 1.0, 2.0, 2.0]),
            ],
            input: vec![value("x", &["n", "c", "h", "w"])],
            output: vec![value("y", &["n", "c", "mh", "mw"])],
            ..Default::default()
        };
        model(graph)
    }

    fn run(model: &ModelProto, input: Tensor) -> Tensor {
        let model = tract_onnx::onnx().model_for_proto_model(model).unwrap();
        let model = model.with_input_fact(0, f32::fact(input.shape()).into()).unwrap();
        let plan = model.into_optimized().unwrap().into_runnable().unwrap();
        plan.run(tvec!(input.into())).unwrap().remove(0).into_tensor()
    }

    #[test]
    fn the_transposed_graph_gives_the_transposed_output() {
        let model = lopsided_model();
        let turned = transpose(&model).expect("every node commutes with the transpose");
        let (h, w) = (23, 14);
        let x: Tensor =
            tract_ndarray::Array4::from_shape_fn((1, 1, h, w), |(_, _, y, x)| ((x * 5 + y * 11) % 17) as f32 / 17.0)
                .into();
        let expected = run(&model, x.clone());
        let got = run(&turned, x.permute_axes(&[0, 1, 3, 2]).unwrap()).permute_axes(&[0, 1, 3, 2]).unwrap();
        assert_eq!(expected.shape(), got.shape());
        let (a, b) = (expected.to_plain_array_view::<f32>().unwrap(), got.to_plain_array_view::<f32>().unwrap());
        let worst = a.iter().zip(b.iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f32::max);
        assert!(worst < 1e-5, "outputs differ by {worst}");
        // the kernels and attributes were turned, not left as they were
        assert_ne!(run(&model, x_square()), run(&turned, x_square()));
    }

    /// A square input the original and the turned graph both accept, which tells them apart.
    fn x_square() -> Tensor {
        tract_ndarray::Array4::from_shape_fn((1, 1, 16, 16), |(_, _, y, x)| ((x * 3 + y * 7) % 13) as f32 / 13.0).into()
    }

    #[test]
    fn a_graph_with_a_node_not_known_to_commute_is_not_turned() {
        let mut model = lopsided_model();
        let graph = model.graph.as_mut().unwrap();
        // a per-row constant varies along the height
        graph.initializer.push(floats("rows", &[1, 1, 2, 1], &[1.0, 2.0]));
        graph.node[3].input[1] = "rows".into();
        assert!(transpose(&model).is_none());
        // an op outside the list
        let mut model = lopsided_model();
        model.graph.as_mut().unwrap().node[1].op_type = "Transpose".into();
        assert!(transpose(&model).is_none());
        // a resize by unequal factors
        let mut model = lopsided_model();
        let scales = model.graph.as_mut().unwrap().initializer.iter_mut().find(|t| t.name == "scales").unwrap();
        *scales = floats("scales", &[4], &[1.0, 1.0, 2.0, 1.0]);
        assert!(transpose(&model).is_none());
    }
}
