//! Is a crop upright or turned round? A logistic regression on the encoder's memory averaged along
//! each row of slots (training/mathsnap_train/turn_probe.py fits it and writes it into the manifest).
//!
//! Why: the page's half-turn check (page_read.rs) must tell an upside-down page from an upright one
//! when its text lines cannot, and the recognizer's confidence cannot either (upside-down formulas
//! are often read 0.8-0.9 confident). The encoder has looked at every crop already, so the probe
//! costs a few thousand multiply-adds a crop and no extra reading.

use crate::error::{Error, Result};
use crate::recognizer::Encoded;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct UpsideDownProbe {
    /// rows of the encoder's slot grid (slots are row-major: a row is `slots / rows` slots)
    rows: usize,
    /// one weight per row and memory channel, row by row
    weights: Vec<f32>,
    bias: f32,
}

impl UpsideDownProbe {
    /// Refuse a probe that cannot fit an encoder of `slots` slots (its channels are checked at use).
    pub fn check(&self, slots: usize) -> Result<()> {
        if self.rows == 0 || !slots.is_multiple_of(self.rows) || !self.weights.len().is_multiple_of(self.rows) {
            return Err(Error::model(format!(
                "recognizer upside_down probe: {} rows and {} weights do not fit {slots} slots",
                self.rows,
                self.weights.len()
            )));
        }
        if !self.bias.is_finite() || self.weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::model("recognizer upside_down probe: weights must be finite numbers"));
        }
        Ok(())
    }

    /// The log-odds that the crop encoded as `enc` is upside down (positive: turned round).
    pub fn logit(&self, enc: &Encoded) -> Result<f32> {
        let dim = enc.memory_dim;
        if self.weights.len() != self.rows * dim {
            return Err(Error::model(format!(
                "recognizer upside_down probe: {} weights for {} rows of {dim} channels",
                self.weights.len(),
                self.rows
            )));
        }
        let per_row = enc.memory.len() / dim / self.rows;
        let mut z = self.bias;
        for (r, row) in enc.memory.chunks_exact(per_row * dim).enumerate().take(self.rows) {
            let w = &self.weights[r * dim..(r + 1) * dim];
            let mut sums = vec![0.0f32; dim];
            for slot in row.chunks_exact(dim) {
                sums.iter_mut().zip(slot).for_each(|(s, v)| *s += v);
            }
            z += sums.iter().zip(w).map(|(s, w)| s * w).sum::<f32>() / per_row as f32;
        }
        Ok(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighs_each_rows_mean() {
        // 2 rows of 2 slots, 2 channels: row 0 means (1, 2), row 1 means (3, 5)
        let enc = Encoded::new(vec![1.0, 1.0, 1.0, 3.0, 2.0, 4.0, 4.0, 6.0], vec![0.0; 4], 4).unwrap();
        let probe = UpsideDownProbe { rows: 2, weights: vec![1.0, 0.0, 0.0, -1.0], bias: 0.5 };
        probe.check(4).unwrap();
        assert_eq!(probe.logit(&enc).unwrap(), 0.5 + 1.0 - 5.0);
    }

    #[test]
    fn a_probe_that_does_not_fit_the_encoder_is_refused() {
        let probe = UpsideDownProbe { rows: 3, weights: vec![0.0; 6], bias: 0.0 };
        assert!(probe.check(4).is_err());
        let probe = UpsideDownProbe { rows: 2, weights: vec![0.0; 3], bias: 0.0 };
        assert!(probe.check(4).is_err());
        let probe = UpsideDownProbe { rows: 2, weights: vec![f32::NAN; 4], bias: 0.0 };
        assert!(probe.check(4).is_err());
        // 2 rows of 3 channels against a memory of 2 channels: refused when used
        let probe = UpsideDownProbe { rows: 2, weights: vec![0.0; 6], bias: 0.0 };
        let enc = Encoded::new(vec![0.0; 8], vec![0.0; 4], 4).unwrap();
        assert!(probe.logit(&enc).is_err());
    }
}
