//! The model-loading steps that rewrite the protobuf before tract sees it: any bytes that parse as
//! an ONNX protobuf, then the folding of int8/float16 weights into float32 initializers
//! (src/stored_weights.rs) and the detector's transposed twin (src/transposed_graph.rs), as
//! `onnx::read_proto` and `Detector::new` run them. The parse alone is tract's; what is fuzzed is that these never panic
//! or over-allocate, whatever the dimensions, data types and lengths the file claims.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tract_onnx::prelude::*;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut proto) = tract_onnx::onnx().proto_model_for_read(&mut std::io::Cursor::new(data)) {
        mathsnap::stored_weights::unpack(&mut proto);
        let _ = mathsnap::transposed_graph::transpose(&proto);
    }
});
