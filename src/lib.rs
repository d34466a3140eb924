//! mathsnap: photo of maths -> LaTeX, on the device. See ARCHITECTURE.md for the data flow.

#[cfg(all(target_arch = "wasm32", feature = "bench-api"))]
pub mod bench_api;
pub mod clock;
pub mod components;
pub mod deskew;
pub mod detector;
pub mod error;
pub mod geometry;
pub mod input;
pub mod latex;
pub mod models;
pub mod onnx;
pub mod orientation;
pub mod page_read;
pub mod parallel;
pub mod pipeline;
pub mod preprocess;
pub mod recognizer;
pub mod rectify;
pub mod stats;
pub mod stored_weights;
pub mod stray_marks;
#[cfg(test)]
mod test_protos;
pub mod transposed_graph;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_matmul;

pub use error::{Error, ErrorKind, Result};
pub use pipeline::{CropReading, Engine, Formula, ModelDir, ModelSource, ReadOptions, ReadResult};
pub use recognizer::calibration::Evidence;
