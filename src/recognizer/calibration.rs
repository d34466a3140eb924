//! The confidence the engine reports: the beam's geometric-mean token probability mapped to the
//! probability that the reading is exactly right (Platt scaling, fitted on held-out training-side
//! crops by training/mathsnap_train/calibrate.py and written into the manifest). Without a
//! calibration in the manifest the raw score is reported, as before.
//!
//! Why: the raw score is not a probability. Of the readings the app called "high confidence" (raw
//! score >= 0.85) on held-out printed photos and phone photos of handwriting, only 56% were right.

/// p = sigmoid(slope * ln(raw) + bias), the manifest's `recognizer.calibration`.
#[derive(Clone, Copy, Debug, serde::Deserialize)]
pub struct Calibration {
    pub slope: f32,
    pub bias: f32,
}

impl Calibration {
    pub fn is_valid(&self) -> bool {
        self.slope.is_finite() && self.bias.is_finite() && self.slope >= 0.0
    }

    /// The calibrated confidence of a raw score in [0, 1]; monotonic, so rankings do not change.
    pub fn apply(&self, raw: f32) -> f32 {
        let z = self.slope * raw.max(1e-6).ln() + self.bias;
        (1.0 / (1.0 + (-z).exp())).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Calibration;

    #[test]
    fn calibration_is_monotonic_and_bounded() {
        let c = Calibration { slope: 8.0, bias: 2.0 };
        let ps: Vec<f32> = [0.0, 0.2, 0.5, 0.8, 0.9, 0.99, 1.0].iter().map(|&s| c.apply(s)).collect();
        assert!(ps.windows(2).all(|w| w[0] <= w[1]), "{ps:?}");
        assert!(ps.iter().all(|p| (0.0..=1.0).contains(p)));
        // a perfect raw score maps to sigmoid(bias)
        assert!((c.apply(1.0) - 1.0 / (1.0 + (-2.0f32).exp())).abs() < 1e-6);
        assert!(!Calibration { slope: f32::NAN, bias: 0.0 }.is_valid());
        assert!(!Calibration { slope: -1.0, bias: 0.0 }.is_valid());
    }
}
