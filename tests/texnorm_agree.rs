//! The Rust port of the scorer's normalisation must agree with ../shared/eval/texnorm.py token
//! for token: run both on a corpus of real labels and tricky spellings and compare.

mod support;

use mathsnap::latex::texnorm;
use std::process::Command;

fn corpus() -> Vec<String> {
    let mut out: Vec<String> = [
        "x^{2}+y^2",
        "\\frac12",
        "\\left( a \\right)",
        "\\mathrm{d}x",
        "f^{\\prime}(x)",
        "\\sqrt[3]{x}",
        "\\sqrt[3 x",
        "x_{k}",
        "\\int f(x) \\, dx",
        "x^{21}",
        "$ a $",
        "\\operatorname{sin} x",
        "{{a}}",
        "}{",
        "\\frac{a}",
        "\\frac",
        "a^",
        "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}",
        "\\lbrace x \\rbrace",
        "\\le \\ge \\ne \\to \\dots \\mid",
        "x^{\\prime}_{1}",
        "\\text{if } x",
        "가 + 1",
        "\\\\ \\,",
        "\\",
        "\\sqrt[n]{\\frac{1}{2}}",
        "\\overrightarrow{AB}",
        "a_{b_{c}}",
        "\\Bigg( x \\Bigg)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for file in ["../shared/data/crohme/train/labels.tsv"] {
        if let Ok(text) = std::fs::read_to_string(file) {
            out.extend(text.lines().filter_map(|l| l.split_once('\t')).map(|(_, t)| t.to_string()).take(3000));
        }
    }
    if let Ok(text) = std::fs::read_to_string("../shared/data/formulas/school_train.txt") {
        out.extend(text.lines().take(3000).map(str::to_string));
    }
    out
}

#[test]
fn rust_texnorm_matches_python_texnorm() {
    let corpus = corpus();
    let script = r#"
import json, sys
sys.path.insert(0, "../shared/eval")
from texnorm import norm
for line in open(sys.argv[1], encoding="utf-8"):
    print(json.dumps(norm(json.loads(line))))
"#;
    let input = support::json_lines_file("texnorm", &corpus);
    let out = Command::new("python3").args(["-c", script]).arg(&input).output().expect("python3 runs");
    assert!(out.status.success(), "texnorm.py failed: is ../shared/eval/texnorm.py there?");
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), corpus.len());
    let mut mismatches = Vec::new();
    for (s, line) in corpus.iter().zip(lines) {
        let py: Vec<String> = serde_json::from_str(line).unwrap();
        if py != texnorm::norm(s) {
            mismatches.push(format!("{s:?}: python {py:?} rust {:?}", texnorm::norm(s)));
        }
    }
    assert!(corpus.len() > 100);
    assert!(
        mismatches.is_empty(),
        "{} of {} differ, e.g. {:?}",
        mismatches.len(),
        corpus.len(),
        &mismatches[..mismatches.len().min(5)]
    );
}
