//! The models' weight storage undone once, at load, in the ONNX protobuf.
//!
//! The shipped files keep each large weight as int8 with float32 scales per channel
//! (`scripts/models_int8.py`: `Cast(X__int8) -> X__f32`, `Mul(X__f32, X__scale) -> X`), or as
//! float16 (`scripts/models_fp16.py`: `Cast(X__fp16) -> X`), so that they download small. tract
//! would fold those constant expressions itself, but it does so while typing the graph, and the
//! variable-size models are typed once per input shape they meet (`onnx::ShapedPlans`): about
//! 25 ms more for every new detector shape natively, several times that in wasm. Folded here, the
//! work happens once per load and tract sees the float32 graph as it was exported.
//!
//! Only `Cast` of a stored weight to float32, and `Mul` of such a result by a float32 initializer
//! that broadcasts onto it, are folded; anything else (external data, other types, shapes that do
//! not fit) is left in the graph for tract to handle or reject with its own error.

use std::collections::{HashMap, HashSet};
use tract_onnx::pb::{tensor_proto::DataType, ModelProto, TensorProto};
use tract_onnx::prelude::f16;

/// A constant computed at load: its dimensions and float32 values.
struct Folded {
    dims: Vec<i64>,
    values: Vec<f32>,
}

/// Fold the stored weights of `model` into float32 initializers; returns how many were folded.
pub fn unpack(model: &mut ModelProto) -> usize {
    let Some(graph) = model.graph.as_mut() else { return 0 };
    let initializers: HashMap<&str, &TensorProto> = graph.initializer.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut folded: HashMap<String, Folded> = HashMap::new();
    let mut removed_nodes = HashSet::new();
    for (ix, node) in graph.node.iter().enumerate() {
        let to_float = node.attribute.iter().any(|a| a.name == "to" && a.i == DataType::Float as i64);
        let result = match (node.op_type.as_str(), node.input.as_slice(), node.output.as_slice()) {
            ("Cast", [input], [_]) if to_float => initializers.get(input.as_str()).and_then(|t| stored_values(t)),
            ("Mul", [value, scale], [_]) => match (folded.get(value.as_str()), initializers.get(scale.as_str())) {
                (Some(value), Some(scale)) => float_values(scale).and_then(|s| broadcast_mul(value, &scale.dims, &s)),
                _ => None,
            },
            _ => None,
        };
        if let Some(result) = result {
            folded.insert(node.output[0].clone(), result);
            removed_nodes.insert(ix);
        }
    }
    if removed_nodes.is_empty() {
        return 0;
    }
    let nodes = std::mem::take(&mut graph.node);
    graph.node = nodes.into_iter().enumerate().filter(|(ix, _)| !removed_nodes.contains(ix)).map(|(_, n)| n).collect();
    // what the remaining graph still reads: folded results become initializers, stored weights that
    // nothing reads any more go
    let used: HashSet<&str> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter())
        .chain(graph.output.iter().map(|o| &o.name))
        .map(String::as_str)
        .collect();
    let mut kept: Vec<TensorProto> =
        graph.initializer.iter().filter(|t| used.contains(t.name.as_str())).cloned().collect();
    let mut count = 0;
    for (name, f) in folded {
        if used.contains(name.as_str()) {
            count += 1;
            kept.push(TensorProto {
                name,
                dims: f.dims,
                data_type: DataType::Float as i32,
                raw_data: f.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                ..Default::default()
            });
        }
    }
    graph.initializer = kept;
    count
}

fn element_count(dims: &[i64]) -> Option<usize> {
    dims.iter().try_fold(1usize, |n, &d| usize::try_from(d).ok().and_then(|d| n.checked_mul(d)))
}

fn inline(t: &TensorProto) -> bool {
    t.data_location.unwrap_or(0) == 0
}

/// The float32 values of an int8 or float16 initializer (raw or in `int32_data`, as ONNX allows).
fn stored_values(t: &TensorProto) -> Option<Folded> {
    let n = element_count(&t.dims)?;
    if !inline(t) {
        return None;
    }
    let values: Vec<f32> = match DataType::try_from(t.data_type).ok()? {
        DataType::Int8 if !t.raw_data.is_empty() => t.raw_data.iter().map(|&b| b as i8 as f32).collect(),
        DataType::Int8 => t.int32_data.iter().map(|&v| v as i8 as f32).collect(),
        DataType::Float16 if !t.raw_data.is_empty() => {
            t.raw_data.chunks_exact(2).map(|b| f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()).collect()
        }
        DataType::Float16 => t.int32_data.iter().map(|&v| f16::from_bits(v as u16).to_f32()).collect(),
        _ => return None,
    };
    (values.len() == n).then(|| Folded { dims: t.dims.clone(), values })
}

/// The values of a float32 initializer (any claimed dimensions: their product is checked).
pub(crate) fn float_values(t: &TensorProto) -> Option<Vec<f32>> {
    let n = element_count(&t.dims)?;
    if !inline(t) || t.data_type != DataType::Float as i32 {
        return None;
    }
    let values: Vec<f32> = if t.raw_data.is_empty() {
        t.float_data.clone()
    } else {
        t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    };
    (values.len() == n).then_some(values)
}

/// `value * scale` where `scale` has the same rank and each of its dimensions is 1 or `value`'s.
fn broadcast_mul(value: &Folded, scale_dims: &[i64], scale: &[f32]) -> Option<Folded> {
    if scale_dims.len() != value.dims.len() || scale_dims.iter().zip(&value.dims).any(|(&s, &v)| s != 1 && s != v) {
        return None;
    }
    // the scale's flat index for each element of `value`: row-major strides, 0 along broadcast axes
    let mut strides = vec![0usize; scale_dims.len()];
    let mut step = 1usize;
    for axis in (0..scale_dims.len()).rev() {
        if scale_dims[axis] != 1 {
            strides[axis] = step;
        }
        step *= scale_dims[axis] as usize;
    }
    let dims: Vec<usize> = value.dims.iter().map(|&d| d as usize).collect();
    let mut index = vec![0usize; dims.len()];
    let mut values = Vec::with_capacity(value.values.len());
    for &v in &value.values {
        let at: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
        values.push(v * scale[at]);
        for axis in (0..dims.len()).rev() {
            index[axis] += 1;
            if index[axis] < dims[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    Some(Folded { dims: value.dims.clone(), values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::pb::{AttributeProto, GraphProto, NodeProto, ValueInfoProto};

    fn tensor(name: &str, dims: &[i64], dt: DataType, raw: Vec<u8>) -> TensorProto {
        TensorProto {
            name: name.into(),
            dims: dims.to_vec(),
            data_type: dt as i32,
            raw_data: raw,
            ..Default::default()
        }
    }

    fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
        let mut n = NodeProto {
            op_type: op.into(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            ..Default::default()
        };
        if op == "Cast" {
            n.attribute.push(AttributeProto { name: "to".into(), i: DataType::Float as i64, ..Default::default() });
        }
        n
    }

    fn model(initializer: Vec<TensorProto>, node: Vec<NodeProto>) -> ModelProto {
        let output = vec![ValueInfoProto { name: "y".into(), ..Default::default() }];
        ModelProto { graph: Some(GraphProto { initializer, node, output, ..Default::default() }), ..Default::default() }
    }

    fn floats(t: &TensorProto) -> Vec<f32> {
        float_values(t).unwrap()
    }

    #[test]
    fn int8_weights_with_per_row_scales_become_float32() {
        let q: Vec<u8> = [1i8, -2, 3, 127, -127, 0].iter().map(|&v| v as u8).collect();
        let scale: Vec<u8> = [0.5f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut m = model(
            vec![tensor("w__int8", &[2, 3], DataType::Int8, q), tensor("w__scale", &[2, 1], DataType::Float, scale)],
            vec![
                node("Cast", &["w__int8"], "w__f32"),
                node("Mul", &["w__f32", "w__scale"], "w"),
                node("MatMul", &["x", "w"], "y"),
            ],
        );
        assert_eq!(unpack(&mut m), 1);
        let g = m.graph.unwrap();
        assert_eq!(g.node.len(), 1, "only the MatMul is left");
        assert_eq!(g.initializer.len(), 1);
        assert_eq!(g.initializer[0].name, "w");
        assert_eq!(g.initializer[0].dims, vec![2, 3]);
        assert_eq!(floats(&g.initializer[0]), vec![0.5, -1.0, 1.5, 254.0, -254.0, 0.0]);
    }

    #[test]
    fn float16_weights_become_float32() {
        let raw: Vec<u8> = [1.5f32, -0.25].iter().flat_map(|&v| f16::from_f32(v).to_bits().to_le_bytes()).collect();
        let mut m = model(
            vec![tensor("w__fp16", &[2], DataType::Float16, raw)],
            vec![node("Cast", &["w__fp16"], "w"), node("Add", &["x", "w"], "y")],
        );
        assert_eq!(unpack(&mut m), 1);
        let g = m.graph.unwrap();
        assert_eq!(floats(&g.initializer[0]), vec![1.5, -0.25]);
    }

    #[test]
    fn what_does_not_fit_is_left_to_tract() {
        // a scale that does not broadcast, and a Cast of a graph input: nothing folded, nothing lost
        let q: Vec<u8> = vec![1, 2, 3, 4, 5, 6];
        let scale: Vec<u8> = [1.0f32, 2.0, 3.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut m = model(
            vec![tensor("w__int8", &[2, 3], DataType::Int8, q), tensor("w__scale", &[3, 1], DataType::Float, scale)],
            vec![
                node("Cast", &["w__int8"], "w__f32"),
                node("Mul", &["w__f32", "w__scale"], "w"),
                node("Cast", &["x"], "y"),
            ],
        );
        let before = m.clone();
        unpack(&mut m);
        let g = m.graph.unwrap();
        assert_eq!(g.node.len(), 2, "the Mul and the Cast of the input stay");
        assert!(g.initializer.iter().any(|t| t.name == "w__f32") && g.initializer.iter().any(|t| t.name == "w__scale"));
        assert_eq!(before.graph.unwrap().node.len(), 3);
    }
}
