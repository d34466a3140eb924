//! An `Add` that repeats one row over a middle axis, rewritten in the ONNX protobuf at load as a
//! product tract computes with its vectorised kernels.
//!
//! Why: the GRU decoder's attention adds each hypothesis's query, `[beam, 1, d]`, to the crop's keys,
//! `[beam, slots, d]`. tract's fast binary kernels take an operand that repeats over leading axes
//! (unicast) or that is one number per row (by scalar); a repeat over the middle axis falls to its
//! generic element-by-element loop, which was the largest single cost of a decoder step at beam 3
//! (at beam 1 the beam axis is 1 and the add is unicast). Repeating the row by a product,
//! `ones[slots, 1] x query[beam, 1, d]`, gives the same numbers exactly (one product by 1.0, no
//! sum), and the add then meets two operands of one shape, which tract fuses with the next add.
//! Natively 100 CROHME 2014 crops read in 4.76-5.15 s before, 4.06-4.09 s after, the same readings.
//! In wasm it buys nothing (the handwritten crop 86 -> 90 ms in a Chromium A/B): there the
//! engine leaves the graph as it is (`onnx::read_proto`).
//!
//! Matched only where it is sure: `Add(X, Unsqueeze(Gemm(..), axes = [1]))` (either order) with `X`
//! a graph input declared `[_, slots, _]`, `slots` a number. Anything else is left as it is.

use tract_onnx::pb::{
    tensor_proto::DataType, tensor_shape_proto::dimension::Value as Dim, type_proto::Value, ModelProto, NodeProto,
    TensorProto,
};

/// The largest middle axis a row is repeated over by a product (the decoder's 256 slots; a file
/// declaring more is left as it is rather than trusted with an allocation of its size).
const MAX_SLOTS: i64 = 1 << 16;

/// Rewrite every such `Add` of `model`; returns how many were rewritten.
pub fn rewrite(model: &mut ModelProto) -> usize {
    let Some(graph) = model.graph.as_mut() else { return 0 };
    let mut rewritten = 0;
    let mut nodes = Vec::with_capacity(graph.node.len());
    let mut ones_made: Vec<i64> = Vec::new();
    for node in std::mem::take(&mut graph.node) {
        let repeat = match (node.op_type.as_str(), node.input.as_slice()) {
            ("Add", [a, b]) => {
                let found = |x: &String, row: &String| Some((middle_axis(graph, x)?, row_of(graph, &nodes, row)?));
                found(a, b).map(|(n, _)| (n, 1)).or_else(|| found(b, a).map(|(n, _)| (n, 0)))
            }
            _ => None,
        };
        let Some((slots, row_input)) = repeat else {
            nodes.push(node);
            continue;
        };
        let ones = format!("middle_broadcast.ones_{slots}");
        if !ones_made.contains(&slots) {
            graph.initializer.push(TensorProto {
                name: ones.clone(),
                dims: vec![slots, 1],
                data_type: DataType::Float as i32,
                raw_data: (0..slots).flat_map(|_| 1.0f32.to_le_bytes()).collect(),
                ..Default::default()
            });
            ones_made.push(slots);
        }
        let repeated = format!("{}.middle_broadcast", node.output[0]);
        nodes.push(NodeProto {
            name: repeated.clone(),
            op_type: "MatMul".into(),
            input: vec![ones, node.input[row_input].clone()],
            output: vec![repeated.clone()],
            ..Default::default()
        });
        let mut add = node;
        add.input[row_input] = repeated;
        nodes.push(add);
        rewritten += 1;
    }
    graph.node = nodes;
    rewritten
}

/// The middle dimension of graph input `name`, where it is declared `[_, n, _]` with `n` a number.
fn middle_axis(graph: &tract_onnx::pb::GraphProto, name: &str) -> Option<i64> {
    let input = graph.input.iter().find(|i| i.name == name)?;
    let Some(Value::TensorType(tensor)) = input.r#type.as_ref()?.value.as_ref() else { return None };
    match tensor.shape.as_ref()?.dim.as_slice() {
        [_, middle, _] => match middle.value {
            // a file may declare any size: the ones are made for sizes a model can have
            Some(Dim::DimValue(n)) if (2..=MAX_SLOTS).contains(&n) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `name` is the output of an earlier `Unsqueeze` at axis 1 (opset 13: the axes an
/// initializer or a Constant node) of a `Gemm`'s output (a matrix: the row is then `[_, 1, d]`).
fn row_of(graph: &tract_onnx::pb::GraphProto, earlier: &[NodeProto], name: &str) -> Option<()> {
    let made_by = |op: &str, output: &str| {
        earlier.iter().find(|n| n.op_type == op && n.output.first().is_some_and(|o| o == output))
    };
    let unsqueeze = made_by("Unsqueeze", name)?;
    made_by("Gemm", unsqueeze.input.first()?)?;
    let axes: Vec<i64> = match unsqueeze.input.get(1) {
        Some(axes) => {
            let constant = graph.initializer.iter().find(|t| &t.name == axes).cloned().or_else(|| {
                let node = earlier.iter().find(|n| n.op_type == "Constant" && n.output.first() == Some(axes))?;
                node.attribute.iter().find(|a| a.name == "value")?.t.clone()
            })?;
            int64_values(&constant)?
        }
        None => unsqueeze.attribute.iter().find(|a| a.name == "axes")?.ints.clone(),
    };
    (axes == [1]).then_some(())
}

fn int64_values(t: &TensorProto) -> Option<Vec<i64>> {
    if t.data_type != DataType::Int64 as i32 {
        return None;
    }
    Some(match t.raw_data.is_empty() {
        true => t.int64_data.clone(),
        false => t.raw_data.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::prelude::*;

    /// The shipped decoder's protobuf with its stored weights unpacked, not yet rewritten.
    fn shipped_decoder() -> ModelProto {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/models/recognizer_decoder.onnx")).unwrap();
        let mut proto = tract_onnx::onnx().proto_model_for_read(&mut std::io::Cursor::new(bytes)).unwrap();
        crate::stored_weights::unpack(&mut proto);
        proto
    }

    fn step(model: &ModelProto, beam: usize) -> Vec<Vec<f32>> {
        let model = tract_onnx::onnx().model_for_proto_model(model).unwrap();
        let inputs = model.input_outlets().unwrap().len();
        let shapes: Vec<Vec<usize>> =
            vec![vec![beam], vec![beam, 256], vec![beam, 256], vec![beam, 256, 160], vec![beam, 256, 128]];
        assert_eq!(inputs, shapes.len(), "the decoder's inputs: token, hidden, coverage, memory, keys");
        let mut values: TVec<TValue> = tvec!(Tensor::from_shape(&[beam], &vec![5i64; beam]).unwrap().into());
        for shape in &shapes[1..] {
            let n: usize = shape.iter().product();
            let data: Vec<f32> = (0..n).map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.5).collect();
            values.push(Tensor::from_shape(shape, &data).unwrap().into());
        }
        let mut model = model;
        for (ix, shape) in shapes.iter().enumerate() {
            let dt = if ix == 0 { i64::datum_type() } else { f32::datum_type() };
            model = model.with_input_fact(ix, InferenceFact::dt_shape(dt, shape.as_slice())).unwrap();
        }
        let plan = model.into_optimized().unwrap().into_runnable().unwrap();
        let out = plan.run(values).unwrap();
        out.iter().map(|t| t.to_plain_array_view::<f32>().unwrap().iter().copied().collect()).collect()
    }

    #[test]
    fn the_decoders_query_add_becomes_a_product_with_the_same_outputs() {
        let original = shipped_decoder();
        let mut rewritten = original.clone();
        assert_eq!(rewrite(&mut rewritten), 1, "the attention's query add, once");
        for beam in [1, 3] {
            assert_eq!(step(&original, beam), step(&rewritten, beam), "beam {beam}: the same numbers, bit for bit");
        }
        // a second pass finds nothing more to do
        assert_eq!(rewrite(&mut rewritten), 0);
    }

    #[test]
    fn a_repeat_along_another_axis_is_left_alone() {
        let mut model = shipped_decoder();
        let graph = model.graph.as_mut().unwrap();
        let add = graph.node.iter().position(|n| n.op_type == "Add" && n.input.iter().any(|i| i == "keys")).unwrap();
        let row = graph.node[add].input.iter().find(|i| *i != "keys").unwrap().clone();
        let unsqueeze = graph.node.iter().position(|n| n.output.first() == Some(&row)).unwrap();
        // the axes as an attribute-less input naming an axis other than 1
        graph.initializer.push(TensorProto {
            name: "axes_two".into(),
            dims: vec![1],
            data_type: DataType::Int64 as i32,
            raw_data: 2i64.to_le_bytes().to_vec(),
            ..Default::default()
        });
        graph.node[unsqueeze].input[1] = "axes_two".into();
        assert_eq!(rewrite(&mut model), 0);
    }
}
