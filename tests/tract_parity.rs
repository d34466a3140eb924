//! tract must compute what onnxruntime computes for the exported recognizer: the encoder's
//! memory and every decoder step's log-probabilities, at several decoded lengths and at beam
//! batch sizes 1 and 3, for each decoder the manifest names (left to right, and right to left
//! where one is shipped), and for recognizer v2's cached transformer step whether or not it is
//! shipped (random weights). (tract is known to mis-fold some in-graph masks silently; this catches
//! any such drift.) Needs python3 with numpy, onnxruntime and torch.

use mathsnap::models::Manifest;
use mathsnap::recognizer::{Direction, Recognizer};
use std::path::{Path, PathBuf};
use std::process::Command;

const STEPS: usize = 30;

fn load_recognizer(manifest: &Manifest, dir: &Path) -> Recognizer {
    Recognizer::from_entry(&manifest.recognizer, &|f| Ok(std::fs::read(dir.join(f)).unwrap())).unwrap()
}

/// Models of random weights exported by a tests/support script into a fresh temporary folder:
/// (the folder, its manifest).
fn random_models(script: &str, tag: &str) -> (PathBuf, Manifest) {
    random_models_with(script, tag, &[])
}

/// `random_models` with more arguments for the script.
fn random_models_with(script: &str, tag: &str, args: &[&str]) -> (PathBuf, Manifest) {
    let dir = std::env::temp_dir().join(format!("mathsnap-{tag}-{}", std::process::id()));
    let made = Command::new("python3").args([script, dir.to_str().unwrap()]).args(args).output().expect("python3 runs");
    assert!(made.status.success(), "making the models failed: {}", String::from_utf8_lossy(&made.stderr));
    let manifest = Manifest::parse(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    (dir, manifest)
}

fn check_decoder(rec: &Recognizer, manifest_key: &str, direction: Direction) {
    check_decoder_in(rec, Path::new("models"), STEPS, manifest_key, direction)
}

fn check_decoder_in(rec: &Recognizer, dir: &Path, steps: usize, manifest_key: &str, direction: Direction) {
    check_decoder_at(rec, dir, steps, manifest_key, direction, rec.config.input_width)
}

/// `check_decoder_in` with the crop on a canvas `width` columns wide (a wide canvas's recognizer).
fn check_decoder_at(
    rec: &Recognizer,
    dir: &Path,
    steps: usize,
    manifest_key: &str,
    direction: Direction,
    width: usize,
) {
    let out = Command::new("python3")
        .args(["tests/support/ort_reference.py", dir.to_str().unwrap(), &steps.to_string(), manifest_key])
        .arg(width.to_string())
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "reference run failed: {}", String::from_utf8_lossy(&out.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let floats =
        |k: &str| -> Vec<f32> { reference[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect() };

    let enc = rec.encode(&floats("image")).unwrap();
    let want_memory = floats("memory");
    let max_diff = enc.memory.iter().zip(&want_memory).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(max_diff < 1e-3, "encoder memory differs by {max_diff}");

    let tokens: Vec<i64> = reference["tokens"].as_array().unwrap().iter().map(|t| t.as_i64().unwrap()).collect();
    let rows = reference["rows"].as_array().unwrap();
    let c = &rec.config;
    let (h, s, v) = (c.hidden, c.slots, c.vocab.len());
    for batch in [1usize, 3] {
        let mut hidden = vec![0.0f32; batch * h];
        let mut coverage = vec![0.0f32; batch * s];
        let mut states = vec![rec.initial_state(); batch];
        let mut token = vec![c.bos as i64; batch];
        for (step, row) in rows.iter().enumerate() {
            // the right-to-left GRU runs through step_in, the left-to-right decoder of either design
            // through advance, as the beam runs it
            let logprobs = if direction == Direction::RightToLeft {
                let o = rec.step_in(direction, &enc, &token, &hidden, &coverage).unwrap();
                (hidden, coverage) = (o.hidden, o.coverage);
                o.logprobs
            } else {
                let (logprobs, next) = rec.advance(&enc, &token, &states.iter().collect::<Vec<_>>()).unwrap();
                states = next;
                logprobs
            };
            let want: Vec<f32> = row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            for b in 0..batch {
                let got = &logprobs[b * v..(b + 1) * v];
                let d = got.iter().zip(&want).map(|(a, c)| (a - c).abs()).fold(0.0, f32::max);
                assert!(d < 2e-3, "{manifest_key}: batch {batch}, hypothesis {b}, step {step}: logprobs differ by {d}");
            }
            token = vec![tokens[step]; batch];
        }
    }
}

/// Recognizer v2's cached transformer step (random weights, tests/support/random_v2_models.py) read
/// token by token by tract through one symbolic plan, its cache passed at the length read (1, 1,
/// 2, 3, ... rows) with the mask as an input, against onnxruntime stepping one 40-row cache: every
/// step's log-probabilities, at beam widths 1 and 3. This is the path tract's in-graph mask folding would break.
#[test]
fn cached_transformer_decoder_matches_onnxruntime_at_several_lengths() {
    let (dir, manifest) = random_models("tests/support/random_v2_models.py", "v2");
    assert!(manifest.recognizer.config.transformer.is_some());
    let rec = load_recognizer(&manifest, &dir);
    check_decoder_in(&rec, &dir, 40, "decoder", Direction::LeftToRight);
    // and the beam runs over it end to end (random weights: any tokens, but no error)
    let enc = rec.encode(&vec![0.0; rec.config.input_height * rec.config.input_width]).unwrap();
    let opts = mathsnap::recognizer::beam::DecodeOptions { beam: 3, max_tokens: 40 };
    let decoded = mathsnap::recognizer::beam::decode(&rec, &[enc], &opts).unwrap();
    assert!(decoded.tokens.len() <= 40);
    std::fs::remove_dir_all(&dir).ok();
}

/// Recognizer v2 on a wide canvas (random weights): one encoder file read at every width the canvas
/// makes, the decoder over as many memory slots as the crop's canvas gives, against onnxruntime;
/// widths the canvas does not make are refused.
#[test]
fn a_wide_canvas_matches_onnxruntime_at_each_width() {
    let (dir, manifest) = random_models_with("tests/support/random_v2_models.py", "v2-wide", &["512"]);
    let rec = load_recognizer(&manifest, &dir);
    assert_eq!(rec.config.canvas().max_width, 512);
    for width in [256, 384, 512] {
        check_decoder_at(&rec, &dir, 12, "decoder", Direction::LeftToRight, width);
        assert_eq!(rec.encode(&vec![0.0; 64 * width]).unwrap().slots(), width);
    }
    for width in [200, 300, 576] {
        assert!(rec.encode(&vec![0.0; 64 * width]).is_err(), "width {width} is not one the canvas makes");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn tract_matches_onnxruntime_step_by_step() {
    let manifest = Manifest::parse(&std::fs::read_to_string("models/manifest.json").unwrap()).unwrap();
    let rec = load_recognizer(&manifest, Path::new("models"));
    check_decoder(&rec, "decoder", Direction::LeftToRight);
    if manifest.recognizer.decoder_r2l.is_some() {
        check_decoder(&rec, "decoder_r2l", Direction::RightToLeft);
    }
}

/// wasm steps a GRU decoder's hypotheses one at a time (`STEP_ONE_HYPOTHESIS_AT_A_TIME`): that must
/// give the batch's numbers, step after step, with hypotheses that differ (tokens, states). Runs on a
/// GRU recognizer of random weights, so it is tested whichever decoder models/ ships.
#[test]
fn stepping_one_hypothesis_at_a_time_gives_the_batch_numbers() {
    let (dir, manifest) = random_models("tests/support/random_r2l_models.py", "one-by-one");
    let rec = load_recognizer(&manifest, &dir);
    std::fs::remove_dir_all(&dir).ok();
    let c = &rec.config;
    let image: Vec<f32> =
        (0..c.input_height * c.input_width).map(|i| ((i * 7919 % 97) as f32 / 97.0).powi(3)).collect();
    let enc = rec.encode(&image).unwrap();
    let (h, s) = (c.hidden, c.slots);
    let mut tokens: Vec<i64> = vec![c.bos as i64, 20, 70];
    let (mut hidden, mut coverage) = (vec![0.0f32; 3 * h], vec![0.0f32; 3 * s]);
    for step in 0..12 {
        let batch = rec.step_in(Direction::LeftToRight, &enc, &tokens, &hidden, &coverage).unwrap();
        let alone = rec.step_one_by_one(Direction::LeftToRight, &enc, &tokens, &hidden, &coverage).unwrap();
        for (name, a, b) in [
            ("logprobs", &batch.logprobs, &alone.logprobs),
            ("hidden", &batch.hidden, &alone.hidden),
            ("coverage", &batch.coverage, &alone.coverage),
        ] {
            assert_eq!(a.len(), b.len());
            let d = a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
            assert!(d < 1e-4, "step {step}: {name} differ by {d}");
        }
        let v = c.vocab.len();
        tokens = (0..3).map(|b| (4 + (step * 7 + b * 31) % (v - 4)) as i64).collect();
        (hidden, coverage) = (batch.hidden, batch.coverage);
    }
}

/// The beam's rescoring (recognizer::rescore) runs hypotheses of different lengths as one batch,
/// feeding an ended one filler tokens: each score must equal onnxruntime's for that sequence alone.
/// Runs on a right-to-left decoder of random weights (tests/support/random_r2l_models.py), so the
/// rescoring is tested whether or not models/ ships one.
#[test]
fn right_to_left_rescoring_matches_onnxruntime_per_sequence() {
    let (dir, manifest) = random_models("tests/support/random_r2l_models.py", "r2l");
    let rec = load_recognizer(&manifest, &dir);
    assert!(rec.has_right_to_left());
    let id = |t: &str| rec.config.vocab.iter().position(|v| v == t).unwrap();
    let sequences: Vec<Vec<usize>> = [
        vec!["x"],
        vec!["x", "^", "2", "+", "1"],
        vec!["\\frac", "{", "a", "}", "{", "b", "}", "=", "\\sqrt", "{", "2", "}"],
    ]
    .iter()
    .map(|s| s.iter().map(|t| id(t)).collect())
    .collect();
    let out = Command::new("python3")
        .args(["tests/support/ort_r2l_score.py", dir.to_str().unwrap(), &serde_json::to_string(&sequences).unwrap()])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "reference run failed: {}", String::from_utf8_lossy(&out.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let floats =
        |k: &str| -> Vec<f32> { reference[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect() };
    let want = floats("scores");
    let enc = rec.encode(&floats("image")).unwrap();
    let got = mathsnap::recognizer::rescore::right_to_left_logprobs(&rec, &[enc], &sequences).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() < 5e-3 * (1.0 + w.abs()), "sequence {i}: tract {g}, onnxruntime {w}");
    }
}
