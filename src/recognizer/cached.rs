//! Recognizer v2's decoder: a transformer run one token per step with a key/value cache
//! (training/mathsnap_train/cached_decoder.py exports it).
//!
//! Each step feeds the graph the hypotheses' last tokens, their position, the cache of every
//! earlier token's self-attention keys and values (one row of layers × width per token), a mask
//! over the cache's rows, and the crop's cross-attention keys and values once, shared by the
//! hypotheses (not tiled across the beam as the GRU decoder's memory is). The cache is passed at
//! the length read so far (one masked row before the first token): one symbolic plan serves every
//! length, beam width and canvas (`ShapedPlans::planned_once`), so no capacity is padded out. The
//! mask is an input, not built in the graph: tract 0.23.9 folds a causal mask built from a
//! symbolic length into all-true (tests/tract_parity.rs checks this path against onnxruntime at
//! several lengths).

use super::{DecoderState, Encoded, Recognizer};
use crate::error::{Error, Result};
use crate::onnx;
use tract_onnx::prelude::*;

/// What the manifest's `transformer` entry says about the decoder.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct TransformerConfig {
    pub layers: usize,
    pub width: usize,
    /// The longest reading: the cache's largest capacity and the positional table's end.
    pub max_tokens: usize,
}

impl TransformerConfig {
    pub fn validate(&self) -> Result<()> {
        if self.layers == 0 || self.width == 0 || self.max_tokens == 0 || self.max_tokens > 4096 {
            return Err(Error::model("recognizer transformer entry needs layers, width and max_tokens (1..4096)"));
        }
        Ok(())
    }

    /// Floats in one cache row: every layer's key (or value) for one token.
    pub fn row(&self) -> usize {
        self.layers * self.width
    }
}

/// The keys and values of the tokens a hypothesis has read, one row per token.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    pub keys: Vec<f32>,
    pub values: Vec<f32>,
}

/// Mask value of a cache row not written yet (cached_decoder.MASKED).
const MASKED: f32 = -30000.0;

/// The cache rows a step is given after `rows` earlier tokens: those rows, or one masked row before
/// the first token (a tensor with a zero-length axis is not one every runtime takes).
pub fn capacity_for(rows: usize) -> usize {
    rows.max(1)
}

/// One step for a batch of hypotheses that have all read the same number of tokens.
pub(crate) fn advance(
    rec: &Recognizer,
    config: &TransformerConfig,
    enc: &Encoded,
    tokens: &[i64],
    states: &[&DecoderState],
) -> Result<(Vec<f32>, Vec<DecoderState>)> {
    let row = config.row();
    let caches: Vec<&Cache> = states
        .iter()
        .map(|s| match s {
            DecoderState::Cached(c) => Ok(c),
            _ => Err(Error::model("decoder step: a state of another decoder")),
        })
        .collect::<Result<_>>()?;
    let b = tokens.len();
    let read = caches.first().map_or(0, |c| c.keys.len() / row);
    if caches.iter().any(|c| c.keys.len() != read * row || c.values.len() != read * row) {
        return Err(Error::model("decoder step: hypotheses of different lengths in one batch"));
    }
    if read >= config.max_tokens {
        return Err(Error::model(format!(
            "decoder step: a reading longer than the model's {} tokens",
            config.max_tokens
        )));
    }
    let capacity = capacity_for(read);
    // the hypotheses' caches one after another; before the first token, one masked row of zeros each
    let rows_of = |part: fn(&Cache) -> &[f32]| {
        let mut rows = caches.iter().map(|c| part(c)).collect::<Vec<_>>().concat();
        rows.resize(b * capacity * row, 0.0);
        rows
    };
    let past_keys = rows_of(|c| &c.keys);
    let past_values = rows_of(|c| &c.values);
    let mask: Vec<f32> = (0..capacity).map(|r| if r < read { 0.0 } else { MASKED }).collect();
    // the crop's own slot count: on a wide canvas more than the manifest's 64 x 256 count
    let s = enc.slots();
    // the crop's memory once, shared by the b hypotheses (cached_decoder.py: tiled, tract packed and
    // sliced it b times at every step)
    let (memory, keys) = enc.as_batch_of_one(s)?;
    let plan = rec.decoder.plan(&[
        &[b],
        &[1],
        &[1, capacity],
        &[b, capacity, row],
        &[b, capacity, row],
        &[1, s, enc.memory_dim],
        &[1, s, enc.key_dim],
    ])?;
    let inputs = tvec!(
        Tensor::from_shape(&[b], tokens).map_err(|e| Error::model(e.to_string()))?.into(),
        Tensor::from_shape(&[1], &[read as i64]).map_err(|e| Error::model(e.to_string()))?.into(),
        onnx::tensor_f32(&[1, capacity], &mask)?.into(),
        onnx::tensor_f32(&[b, capacity, row], &past_keys)?.into(),
        onnx::tensor_f32(&[b, capacity, row], &past_values)?.into(),
        memory,
        keys
    );
    let out = plan.run(inputs).map_err(|e| Error::model(format!("decoder: {e}")))?;
    let logprobs = onnx::output_f32(&out, 0, "decoder")?;
    let new_keys = onnx::output_f32(&out, 1, "decoder")?;
    let new_values = onnx::output_f32(&out, 2, "decoder")?;
    if new_keys.len() != b * row || new_values.len() != b * row {
        return Err(Error::model("decoder: its cache rows do not match the manifest's layers and width"));
    }
    let next = caches
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut grown = Cache {
                keys: Vec::with_capacity(c.keys.len() + row),
                values: Vec::with_capacity(c.values.len() + row),
            };
            grown.keys.extend_from_slice(&c.keys);
            grown.keys.extend_from_slice(&new_keys[i * row..(i + 1) * row]);
            grown.values.extend_from_slice(&c.values);
            grown.values.extend_from_slice(&new_values[i * row..(i + 1) * row]);
            DecoderState::Cached(grown)
        })
        .collect();
    Ok((logprobs, next))
}

#[cfg(test)]
mod tests {
    use super::capacity_for;

    #[test]
    fn the_cache_is_passed_at_the_length_read() {
        assert_eq!(capacity_for(0), 1);
        assert_eq!(capacity_for(1), 1);
        assert_eq!(capacity_for(17), 17);
        assert_eq!(capacity_for(255), 255);
    }
}
