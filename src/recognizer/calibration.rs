//! The confidence the engine reports: what the beam saw while reading a crop (its evidence) mapped
//! to the probability that the reading is exactly right, by a logistic regression fitted on held-out
//! training-side crops (training/mathsnap_train/calibrate.py) and written into the manifest.
//! Without a calibration in the manifest the raw score (geometric-mean token probability) is reported.
//!
//! Why: the raw score is not a probability. Of the readings the app called "high confidence" (raw
//! score >= 0.85) on held-out printed photos and phone photos of handwriting, only 56% were right.
//! And the mean alone hides the one token the decoder hesitated over, which is how a long formula
//! that is nearly all certain goes wrong, and a long formula has more places to go wrong than a
//! short one at the same mean: the weakest token, the closest call and the length say so.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the beam saw on the path it chose: the calibrator's features, by their manifest names.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// ln of the raw score: the mean token log-probability (end token included), ln 0.5 lower when
    /// the reading was cut by the loop guard or the length limit
    pub ln_score: f32,
    /// the lowest token log-probability on the path
    pub weakest: f32,
    /// min over the path of its token's log-probability minus the best other token's, within
    /// ±CLEAR_CALL (negative where the beam kept a token that was not the step's first choice)
    pub closest: f32,
    /// ln(tokens + 1)
    pub ln_tokens: f32,
}

impl Evidence {
    /// A margin beyond which a step is no call at all (e^10: the other token is 22,000 times less likely).
    pub const CLEAR_CALL: f32 = 10.0;
    /// Nothing was read: the floor of every feature (finite, so that a zero weight stays zero).
    pub const NONE: Evidence =
        Evidence { ln_score: Self::FLOOR, weakest: Self::FLOOR, closest: -Self::CLEAR_CALL, ln_tokens: 0.0 };
    /// The lowest log-probability a feature reports (ln 1e-6).
    pub const FLOOR: f32 = -13.815_51;
    /// The feature names a calibration may weigh, as the manifest and `eval --predictions` spell them.
    pub const FEATURES: [&'static str; 4] = ["ln_score", "weakest", "closest", "ln_tokens"];

    /// Within the ranges a calibration is fitted in: log-probabilities from FLOOR to 0, the closest
    /// call within ±CLEAR_CALL. The beam reports its evidence clamped, so what `eval --predictions`
    /// writes is what the calibration weighs (calibrate.py fits on it as written).
    pub fn clamped(self) -> Evidence {
        let log_p = |x: f32| if x.is_nan() { Self::FLOOR } else { x.clamp(Self::FLOOR, 0.0) };
        Evidence {
            ln_score: log_p(self.ln_score),
            weakest: log_p(self.weakest),
            closest: if self.closest.is_nan() { 0.0 } else { self.closest.clamp(-Self::CLEAR_CALL, Self::CLEAR_CALL) },
            ln_tokens: self.ln_tokens.max(0.0),
        }
    }

    pub fn feature(&self, name: &str) -> Option<f32> {
        Some(match name {
            "ln_score" => self.ln_score,
            "weakest" => self.weakest,
            "closest" => self.closest,
            "ln_tokens" => self.ln_tokens,
            _ => return None,
        })
    }

    /// The raw score, 0..1.
    pub fn raw(&self) -> f32 {
        self.ln_score.exp().clamp(0.0, 1.0)
    }
}

/// p = sigmoid(bias + Σ weight × feature), the manifest's `recognizer.calibration`:
/// `{"bias": b, "weights": {"ln_score": w, "weakest": w, ...}}`. The first calibrations wrote
/// `{"slope": s, "bias": b}`: a weight on `ln_score` alone, still read. A misspelt field is an
/// error, not a calibration that silently weighs nothing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub bias: f32,
    #[serde(default)]
    pub slope: Option<f32>,
    #[serde(default)]
    pub weights: BTreeMap<String, f32>,
}

impl Calibration {
    /// Why the calibration cannot be used, if it cannot: an unknown feature, a weight that is not a
    /// number, or a score weighed against itself (a higher raw score must not lower the confidence).
    pub fn problem(&self) -> Option<String> {
        if let Some(name) = self.weights.keys().find(|k| !Evidence::FEATURES.contains(&k.as_str())) {
            return Some(format!("unknown feature {name:?} (known: {})", Evidence::FEATURES.join(", ")));
        }
        let numbers = self.weights.values().chain(self.slope.iter()).chain([&self.bias]);
        if numbers.into_iter().any(|w| !w.is_finite()) {
            return Some("a weight or the bias is not a finite number".into());
        }
        if self.slope.is_some() && !self.weights.is_empty() {
            return Some("either a slope (the first calibrations) or weights, not both".into());
        }
        if self.score_weight() < 0.0 {
            return Some("the raw score's weight (slope) must be from 0 up".into());
        }
        None
    }

    fn score_weight(&self) -> f32 {
        self.slope.unwrap_or(0.0) + self.weights.get("ln_score").copied().unwrap_or(0.0)
    }

    /// The calibrated confidence of a reading, in [0, 1].
    pub fn apply(&self, evidence: &Evidence) -> f32 {
        let e = evidence.clamped();
        let others = self.weights.iter().filter(|(k, _)| k.as_str() != "ln_score");
        let z = self.bias
            + self.score_weight() * e.ln_score
            + others.map(|(k, w)| w * e.feature(k).unwrap_or(0.0)).sum::<f32>();
        (1.0 / (1.0 + (-z).exp())).clamp(0.0, 1.0)
    }
}

/// A path the beam has not finished yet: what its evidence will be built from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unfinished {
    /// the sum of its tokens' log-probabilities so far
    pub logp: f32,
    /// its tokens so far
    pub tokens: usize,
    /// the lowest token log-probability so far
    pub weakest: f32,
    /// the closest call so far
    pub closest: f32,
}

impl Calibration {
    /// The highest confidence any reading that continues `path` can still be given: it adds one or
    /// more tokens (the end token among them), each with a log-probability of at most 0, and ends with
    /// at most `max_tokens` tokens. The weakest token and the closest call can only fall along a path,
    /// the sum of log-probabilities too, and the length only grows, so this bounds the confidence from
    /// above whatever the decoder says next: a beam whose every path is bounded below a level can stop.
    pub fn best_reachable(&self, path: &Unfinished, max_tokens: usize) -> f32 {
        let weight = |name: &str| self.weights.get(name).copied().unwrap_or(0.0);
        // at best unchanged, unless weighed against (then at worst, which they may still fall to)
        let at_best = |name: &str, now: f32, floor: f32| if weight(name) >= 0.0 { now } else { floor };
        let e = Evidence {
            ln_score: 0.0,
            weakest: at_best("weakest", path.weakest, Evidence::FLOOR),
            closest: at_best("closest", path.closest, -Evidence::CLEAR_CALL),
            ln_tokens: 0.0,
        }
        .clamped();
        let fixed = self.bias + weight("weakest") * e.weakest + weight("closest") * e.closest;
        // the mean log-probability and the length move together. As a function of m (the final length
        // plus the end token), s·clamp(logp/m, FLOOR, 0) + c·ln m is monotonic while the mean is at the
        // floor and, past it, rises to one peak where its slope (c·m - s·logp)/m² is 0 and falls after
        // (or only rises, with c >= 0): its best integer m is an end of the range or next to the floor's
        // edge or the peak (the end token's log-probability at best 0; s is never negative, `problem`)
        let (s, c, logp) = (self.score_weight(), weight("ln_tokens"), path.logp.min(0.0));
        let length_term = |m: f32| s * (logp / m).clamp(Evidence::FLOOR, 0.0) + c * m.ln();
        let (shortest, longest) = ((path.tokens + 1) as f32, (max_tokens.max(path.tokens) + 1) as f32);
        let (edge, peak) = (logp / Evidence::FLOOR, s * logp / c);
        let best_length_term = [shortest, longest, edge.floor(), edge.ceil(), peak.floor(), peak.ceil()]
            .into_iter()
            .filter(|m| m.is_finite())
            .map(|m| length_term(m.clamp(shortest, longest)))
            .fold(f32::MIN, f32::max);
        let z = fixed + best_length_term;
        (1.0 / (1.0 + (-z).exp())).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{Calibration, Evidence, Unfinished};

    fn evidence(raw: f32) -> Evidence {
        Evidence { ln_score: raw.max(1e-9).ln(), weakest: -1.0, closest: 1.0, ln_tokens: 2.0 }
    }

    #[test]
    fn a_slope_alone_is_monotonic_and_bounded() {
        let c: Calibration = serde_json::from_str(r#"{"slope": 8.0, "bias": 2.0}"#).unwrap();
        assert_eq!(c.problem(), None);
        let ps: Vec<f32> = [0.0, 0.2, 0.5, 0.8, 0.9, 0.99, 1.0].iter().map(|&s| c.apply(&evidence(s))).collect();
        assert!(ps.windows(2).all(|w| w[0] <= w[1]), "{ps:?}");
        assert!(ps.iter().all(|p| (0.0..=1.0).contains(p)));
        // a perfect raw score maps to sigmoid(bias), whatever the other features say
        assert!((c.apply(&evidence(1.0)) - 1.0 / (1.0 + (-2.0f32).exp())).abs() < 1e-6);
    }

    #[test]
    fn weights_read_their_features() {
        let c: Calibration =
            serde_json::from_str(r#"{"bias": 0.5, "weights": {"ln_score": 4.0, "weakest": 1.0, "ln_tokens": -0.5}}"#)
                .unwrap();
        assert_eq!(c.problem(), None);
        let e = evidence(0.9);
        let z = 0.5 + 4.0 * 0.9f32.ln() + 1.0 * e.weakest - 0.5 * e.ln_tokens;
        assert!((c.apply(&e) - 1.0 / (1.0 + (-z).exp())).abs() < 1e-6);
        // a weaker weakest token lowers the confidence
        assert!(c.apply(&Evidence { weakest: -4.0, ..e }) < c.apply(&e));
        // nothing read: no confidence to speak of
        assert!(c.apply(&Evidence::NONE) < 0.01);
        for name in Evidence::FEATURES {
            assert!(e.feature(name).is_some(), "{name}");
        }
    }

    #[test]
    fn evidence_is_reported_in_the_ranges_it_is_weighed_in() {
        let wild = Evidence { ln_score: -40.0, weakest: f32::NAN, closest: -25.0, ln_tokens: 3.0 };
        let e = wild.clamped();
        assert_eq!(
            e,
            Evidence {
                ln_score: Evidence::FLOOR,
                weakest: Evidence::FLOOR,
                closest: -Evidence::CLEAR_CALL,
                ln_tokens: 3.0
            }
        );
        assert_eq!(e.clamped(), e);
        let c: Calibration =
            serde_json::from_str(r#"{"bias": 1.0, "weights": {"ln_score": 2.0, "closest": 0.5}}"#).unwrap();
        assert_eq!(c.apply(&wild), c.apply(&e));
        assert!(c.apply(&wild).is_finite());
    }

    /// The fit's own apply (training/mathsnap_train/calibrate.py wrote these cases; its test reads
    /// them too) and the engine's give the same confidence.
    #[test]
    fn the_engine_applies_the_curve_as_the_fit_does() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/calibration_cases.json"))
                .unwrap();
        let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = cases["cases"].as_array().unwrap();
        assert!(cases.len() >= 10);
        for case in cases {
            let c: Calibration = serde_json::from_value(case["calibration"].clone()).unwrap();
            let e: Evidence = serde_json::from_value(case["evidence"].clone()).unwrap();
            let want = case["p"].as_f64().unwrap() as f32;
            assert!((c.apply(&e) - want).abs() < 2e-5, "{case}: {}", c.apply(&e));
        }
    }

    #[test]
    fn no_continuation_of_a_path_beats_its_best_reachable_confidence() {
        let c: Calibration = serde_json::from_str(
            r#"{"bias": 2.26, "weights": {"ln_score": 8.17, "closest": 0.70, "ln_tokens": -0.62, "weakest": 0.3}}"#,
        )
        .unwrap();
        let path = Unfinished { logp: -1.2, tokens: 6, weakest: -0.6, closest: 0.8 };
        let bound = c.best_reachable(&path, 40);
        // every way the path may end: more tokens of any certainty, an end token
        let mut best_seen = 0.0f32;
        for extra in 1..=34usize {
            for each in [0.0f32, -0.01, -0.2, -1.0] {
                for margin in [10.0f32, 0.8, 0.1, -2.0] {
                    let tokens = path.tokens + extra - 1; // the end token is not counted
                    let logp = path.logp + each * extra as f32;
                    let e = Evidence {
                        ln_score: logp / (tokens as f32 + 1.0),
                        weakest: path.weakest.min(each),
                        closest: path.closest.min(margin),
                        ln_tokens: (tokens as f32 + 1.0).ln(),
                    };
                    assert!(c.apply(&e) <= bound + 1e-6, "{e:?}: {} > {bound}", c.apply(&e));
                    best_seen = best_seen.max(c.apply(&e));
                }
            }
        }
        // and the bound is tight: certain tokens to the best length reach it
        assert!(best_seen > bound - 1e-5, "{best_seen} < {bound}");
        // a close call early on caps every continuation
        let shaky = Unfinished { closest: -3.0, ..path };
        assert!(c.best_reachable(&shaky, 40) < 0.3, "{}", c.best_reachable(&shaky, 40));
    }

    /// The best length found from the curve's shape is the best of every length's.
    #[test]
    fn the_best_length_is_found_without_trying_every_length() {
        let every_length = |c: &Calibration, path: &Unfinished, max_tokens: usize| {
            let w = |k: &str| c.weights.get(k).copied().unwrap_or(0.0);
            let e = Evidence { ln_score: 0.0, weakest: path.weakest, closest: path.closest, ln_tokens: 0.0 }.clamped();
            let fixed = c.bias + w("weakest") * e.weakest + w("closest") * e.closest;
            let best = (path.tokens..=max_tokens.max(path.tokens))
                .map(|n| {
                    let m = n as f32 + 1.0;
                    c.score_weight() * (path.logp.min(0.0) / m).clamp(Evidence::FLOOR, 0.0) + w("ln_tokens") * m.ln()
                })
                .fold(f32::MIN, f32::max);
            1.0 / (1.0 + (-(fixed + best)).exp())
        };
        for tokens_weight in [-0.62f32, -3.0, -0.05, 0.0, 0.4] {
            for score_weight in [0.0f32, 0.5, 8.17] {
                let json = format!(
                    r#"{{"bias": 2.26, "weights": {{"ln_score": {score_weight}, "closest": 0.7, "ln_tokens": {tokens_weight}, "weakest": 0.3}}}}"#
                );
                let c: Calibration = serde_json::from_str(&json).unwrap();
                for (logp, tokens) in [(0.0f32, 0), (-0.3, 2), (-1.2, 6), (-40.0, 3), (-400.0, 30), (-5.0, 60)] {
                    let path = Unfinished { logp, tokens, weakest: -0.6, closest: 0.8 };
                    for max_tokens in [1usize, 40, 256] {
                        let (fast, slow) = (c.best_reachable(&path, max_tokens), every_length(&c, &path, max_tokens));
                        assert!((fast - slow).abs() < 1e-6, "{json} {path:?} {max_tokens}: {fast} against {slow}");
                    }
                }
            }
        }
    }

    #[test]
    fn unusable_calibrations_say_why() {
        let bad = |json: &str| serde_json::from_str::<Calibration>(json).unwrap().problem();
        assert!(bad(r#"{"slope": -1.0, "bias": 0.0}"#).unwrap().contains("slope"));
        assert!(bad(r#"{"bias": 0.0, "weights": {"ln_score": -2.0}}"#).is_some());
        assert!(bad(r#"{"bias": 0.0, "weights": {"vibes": 1.0}}"#).unwrap().contains("vibes"));
        assert!(bad(r#"{"slope": 2.0, "bias": 0.0, "weights": {"ln_score": 2.0}}"#).unwrap().contains("not both"));
        assert!(serde_json::from_str::<Calibration>(r#"{"bias": 2.0, "weigths": {"ln_score": 2.0}}"#).is_err());
        let not_a_number = Calibration { bias: f32::NAN, slope: None, weights: Default::default() };
        assert!(not_a_number.problem().unwrap().contains("finite"));
    }
}
