//! tract must compute what onnxruntime computes for the exported recognizer: the encoder's
//! memory and every decoder step's log-probabilities, at several decoded lengths and at beam
//! batch sizes 1 and 3. (tract is known to mis-fold some in-graph masks silently; this catches
//! any such drift.) Needs python3 with numpy and onnxruntime.

use mathsnap::models::Manifest;
use mathsnap::recognizer::Recognizer;
use std::process::Command;

const STEPS: usize = 30;

#[test]
fn tract_matches_onnxruntime_step_by_step() {
    let out = Command::new("python3")
        .args(["tests/support/ort_reference.py", "models", &STEPS.to_string()])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "reference run failed: {}", String::from_utf8_lossy(&out.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let floats =
        |k: &str| -> Vec<f32> { reference[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect() };

    let manifest_text = std::fs::read_to_string("models/manifest.json").unwrap();
    let manifest = Manifest::parse(&manifest_text).unwrap();
    let r = &manifest.recognizer;
    let rec = Recognizer::new(
        r.config.clone(),
        &std::fs::read(format!("models/{}", r.encoder)).unwrap(),
        &std::fs::read(format!("models/{}", r.decoder)).unwrap(),
    )
    .unwrap();
    let enc = rec.encode(&floats("image")).unwrap();
    let want_memory = floats("memory");
    let max_diff = enc.memory.iter().zip(&want_memory).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(max_diff < 1e-3, "encoder memory differs by {max_diff}");

    let tokens: Vec<i64> = reference["tokens"].as_array().unwrap().iter().map(|t| t.as_i64().unwrap()).collect();
    let rows = reference["rows"].as_array().unwrap();
    let (h, s, v) = (r.config.hidden, r.config.slots, r.config.vocab.len());
    for batch in [1usize, 3] {
        let mut hidden = vec![0.0f32; batch * h];
        let mut coverage = vec![0.0f32; batch * s];
        let mut token = vec![r.config.bos as i64; batch];
        for (step, row) in rows.iter().enumerate() {
            let o = rec.step(&enc, &token, &hidden, &coverage).unwrap();
            let want: Vec<f32> = row.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            for b in 0..batch {
                let got = &o.logprobs[b * v..(b + 1) * v];
                let d = got.iter().zip(&want).map(|(a, c)| (a - c).abs()).fold(0.0, f32::max);
                assert!(d < 2e-3, "batch {batch}, hypothesis {b}, step {step}: logprobs differ by {d}");
            }
            hidden = o.hidden;
            coverage = o.coverage;
            token = vec![tokens[step]; batch];
        }
    }
}
