//! Small ONNX protobufs built in code, for unit tests of what the engine does with a model file
//! before (or instead of) running it: graph rewrites, and checks of what a file declares.

use tract_onnx::pb::{
    tensor_proto::DataType,
    tensor_shape_proto::{dimension::Value as Dim, Dimension},
    type_proto::{Tensor as TensorType, Value},
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto,
};

/// A float32 initializer.
pub fn floats(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: DataType::Float as i32,
        raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    }
}

/// An attribute holding a list of integers.
pub fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), ints: values.to_vec(), r#type: 7, ..Default::default() }
}

/// A float32 graph input or output whose dimensions are all named (symbolic).
pub fn value(name: &str, dims: &[&str]) -> ValueInfoProto {
    let dim = dims.iter().map(|d| Dimension { value: Some(Dim::DimParam(d.to_string())), ..Default::default() });
    let shape = TensorShapeProto { dim: dim.collect() };
    let tensor = TensorType { elem_type: DataType::Float as i32, shape: Some(shape) };
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto { value: Some(Value::TensorType(tensor)), ..Default::default() }),
        ..Default::default()
    }
}

pub fn node(op: &str, inputs: &[&str], output: &str, attribute: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    }
}

/// The graph as a model of opset 13.
pub fn model(graph: GraphProto) -> ModelProto {
    let opset = OperatorSetIdProto { domain: String::new(), version: 13 };
    ModelProto { ir_version: 7, opset_import: vec![opset], graph: Some(graph), ..Default::default() }
}
