//! Whatever token sequence the recognizer emits, the engine's LaTeX renders in KaTeX (the app's own
//! copy, node_modules/katex): random sequences over the whole vocabulary, weighted towards the
//! structural tokens that break rendering (braces, scripts, commands with arguments, environments,
//! separators), go through `to_latex` and then KaTeX with `throwOnError`.

mod support;

use mathsnap::latex::to_latex;
use std::process::Command;

/// xorshift64*: a fixed, dependency-free sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

fn vocabulary() -> Vec<String> {
    let text = std::fs::read_to_string("spec/vocab.txt").expect("spec/vocab.txt");
    // <pad>, <s>, </s>, <unk> are never decoded into text
    text.lines().filter(|t| !t.is_empty() && !t.starts_with('<')).map(str::to_string).collect()
}

fn random_sequences(count: usize) -> Vec<String> {
    let vocab = vocabulary();
    let structural: Vec<String> = vocab
        .iter()
        .filter(|t| {
            matches!(
                t.as_str(),
                "{" | "}"
                    | "^"
                    | "_"
                    | "&"
                    | "\\\\"
                    | "["
                    | "]"
                    | "\\frac"
                    | "\\sqrt"
                    | "\\vec"
                    | "\\overline"
                    | "\\binom"
            ) || t.starts_with("\\begin{")
                || t.starts_with("\\end{")
        })
        .cloned()
        .collect();
    assert!(structural.len() >= 12, "the vocabulary lost its structural tokens: {structural:?}");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|_| {
            let len = 1 + rng.below(30);
            let tokens: Vec<&String> = (0..len)
                .map(|_| {
                    if rng.below(2) == 0 {
                        &structural[rng.below(structural.len())]
                    } else {
                        &vocab[rng.below(vocab.len())]
                    }
                })
                .collect();
            to_latex(&tokens)
        })
        .collect()
}

#[test]
fn every_repaired_token_sequence_renders_in_katex() {
    let formulas = random_sequences(20_000);
    let input = support::json_lines_file("repair-katex", &formulas);
    let script = r#"
import fs from 'node:fs';
import katex from 'katex';
let failed = 0;
for (const line of fs.readFileSync(process.argv[1], 'utf8').split('\n')) {
  if (!line) continue;
  const tex = JSON.parse(line);
  if (!tex) continue;
  try { katex.renderToString(tex, { throwOnError: true, displayMode: true, strict: 'ignore' }); }
  catch (e) { failed += 1; if (failed <= 10) console.log(JSON.stringify(tex) + '  ' + String(e.message).split('\n')[0]); }
}
console.log('failed ' + failed);
"#;
    let out = Command::new("node")
        .args(["--input-type=module", "-e", script])
        .arg(&input)
        .output()
        .expect("node runs (npm ci installs KaTeX)");
    let _ = std::fs::remove_file(&input);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "node failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.trim_end().ends_with("failed 0"), "repaired outputs KaTeX refuses:\n{stdout}");
}
