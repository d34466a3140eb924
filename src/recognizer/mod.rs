//! The recognizer: a formula crop -> canonical LaTeX tokens, with a confidence.
//! The encoder runs once per crop; the decoder runs one step per output token for the whole
//! beam at once (batch = beam width), carrying a GRU state and an attention coverage map.

pub mod beam;

use crate::error::{Error, Result};
use crate::onnx::{self, Plan};
use crate::preprocess::{HEIGHT, WIDTH};
use tract_onnx::prelude::*;

/// What the manifest says about the recognizer.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct RecognizerConfig {
    pub input_height: usize,
    pub input_width: usize,
    pub hidden: usize,
    pub slots: usize,
    pub vocab: Vec<String>,
    pub bos: usize,
    pub eos: usize,
}

pub struct Recognizer {
    encoder: Plan,
    decoder: Plan,
    pub config: RecognizerConfig,
}

/// Encoder output for one crop: attention memory and precomputed keys.
pub struct Encoded {
    pub memory: Vec<f32>,
    pub keys: Vec<f32>,
    pub memory_dim: usize,
    pub key_dim: usize,
}

/// One decoder step's results for a batch of hypotheses.
pub struct StepOutput {
    pub logprobs: Vec<f32>,
    pub hidden: Vec<f32>,
    pub coverage: Vec<f32>,
}

impl Recognizer {
    pub fn new(config: RecognizerConfig, encoder: &[u8], decoder: &[u8]) -> Result<Self> {
        if config.input_height != HEIGHT || config.input_width != WIDTH {
            return Err(Error::model(format!(
                "recognizer expects {}x{} input but this engine prepares {HEIGHT}x{WIDTH}",
                config.input_height, config.input_width
            )));
        }
        if config.vocab.len() <= config.bos.max(config.eos) {
            return Err(Error::model("recognizer vocabulary is smaller than its special tokens"));
        }
        let encoder = onnx::load("recognizer_encoder.onnx", encoder, Some(&[1, 1, HEIGHT, WIDTH]))?;
        let decoder = onnx::load("recognizer_decoder.onnx", decoder, None)?;
        Ok(Recognizer { encoder, decoder, config })
    }

    pub fn encode(&self, input: &[f32]) -> Result<Encoded> {
        let x = onnx::tensor_f32(&[1, 1, HEIGHT, WIDTH], input)?;
        let out = self.encoder.run(tvec!(x.into())).map_err(|e| Error::model(format!("encoder: {e}")))?;
        let memory = onnx::output_f32(&out, 0, "encoder")?;
        let keys = onnx::output_f32(&out, 1, "encoder")?;
        let slots = self.config.slots;
        if slots == 0 || memory.len() % slots != 0 || keys.len() % slots != 0 {
            return Err(Error::model("encoder output does not match the manifest's slot count"));
        }
        Ok(Encoded { memory_dim: memory.len() / slots, key_dim: keys.len() / slots, memory, keys })
    }

    /// One decoding step for `tokens.len()` hypotheses sharing the same encoded crop.
    pub fn step(&self, enc: &Encoded, tokens: &[i64], hidden: &[f32], coverage: &[f32]) -> Result<StepOutput> {
        let b = tokens.len();
        let (h, s) = (self.config.hidden, self.config.slots);
        let tile = |v: &[f32]| -> Vec<f32> { (0..b).flat_map(|_| v.iter().copied()).collect() };
        let inputs = tvec!(
            Tensor::from_shape(&[b], tokens).map_err(|e| Error::model(e.to_string()))?.into(),
            onnx::tensor_f32(&[b, h], hidden)?.into(),
            onnx::tensor_f32(&[b, s], coverage)?.into(),
            onnx::tensor_f32(&[b, s, enc.memory_dim], &tile(&enc.memory))?.into(),
            onnx::tensor_f32(&[b, s, enc.key_dim], &tile(&enc.keys))?.into()
        );
        let out = self.decoder.run(inputs).map_err(|e| Error::model(format!("decoder: {e}")))?;
        Ok(StepOutput {
            logprobs: onnx::output_f32(&out, 0, "decoder")?,
            hidden: onnx::output_f32(&out, 1, "decoder")?,
            coverage: onnx::output_f32(&out, 2, "decoder")?,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.config.vocab.len()
    }
}
