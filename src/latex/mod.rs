//! LaTeX on the way out of the recognizer: token ids -> canonical, KaTeX-renderable LaTeX.
//! The canonical form's rules come from spec/latex_spec.json, the same file training reads.

pub mod repair;
pub mod texnorm;

use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

#[derive(Deserialize)]
struct SpecFile {
    synonyms: HashMap<String, String>,
    one_argument: Vec<String>,
    two_arguments: Vec<String>,
    environments: Vec<String>,
    function_names: Vec<String>,
    big_operators: Vec<String>,
}

/// The parts of the canonical-form spec the engine needs to keep output well-formed.
pub struct Spec {
    /// Spellings of one symbol and their canonical token (`\\Box` -> `\\square`).
    pub synonyms: HashMap<String, String>,
    pub one_argument: HashSet<String>,
    pub two_arguments: HashSet<String>,
    pub environments: HashSet<String>,
    /// `\sin`, `\max`, ...: KaTeX refuses them as bare script arguments.
    pub functions: HashSet<String>,
    /// `\sum`, `\bigcup`, ...: KaTeX refuses them as bare script arguments too.
    pub big_operators: HashSet<String>,
}

pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let f: SpecFile = serde_json::from_str(include_str!("../../spec/latex_spec.json"))
            .expect("spec/latex_spec.json is valid (checked by tests)");
        Spec {
            synonyms: f.synonyms,
            one_argument: f.one_argument.into_iter().collect(),
            two_arguments: f.two_arguments.into_iter().collect(),
            environments: f.environments.into_iter().collect(),
            functions: f.function_names.into_iter().map(|n| format!("\\{n}")).collect(),
            big_operators: f.big_operators.into_iter().collect(),
        }
    })
}

/// Join canonical tokens into a LaTeX string, with a space only where a command name would run
/// on into a following letter (`\sin x`, not `\sinx`). Mirrors latex.py's detokenize().
pub fn detokenize<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for t in tokens {
        let t = t.as_ref();
        let starts_alpha = t.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if starts_alpha && ends_with_command(&out) {
            out.push(' ');
        }
        out.push_str(t);
    }
    out
}

fn ends_with_command(s: &str) -> bool {
    let letters = s.chars().rev().take_while(|c| c.is_ascii_alphabetic()).count();
    letters > 0 && s[..s.len() - letters].ends_with('\\')
}

/// Tokens -> canonical LaTeX that KaTeX renders: synonyms spelled the canonical way (a model trained
/// on labels from before a synonym was added still answers canonically), structure repaired, then joined.
pub fn to_latex<S: AsRef<str>>(tokens: &[S]) -> String {
    let synonyms = &spec().synonyms;
    let owned: Vec<String> = tokens
        .iter()
        .flat_map(|t| match synonyms.get(t.as_ref()) {
            // a synonym may be spelled with several tokens (`\\degree` -> `^ \\circ`)
            Some(canonical) => canonical.split_whitespace().map(str::to_string).collect(),
            None => vec![t.as_ref().to_string()],
        })
        .collect();
    detokenize(&repair::repair(owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detokenize_spaces_only_after_commands() {
        assert_eq!(detokenize(&["\\sin", "x", "+", "a", "b"]), "\\sin x+ab");
        assert_eq!(detokenize(&["\\frac", "{", "1", "}", "{", "2", "}"]), "\\frac{1}{2}");
        assert_eq!(detokenize(&["\\alpha", "\\beta"]), "\\alpha\\beta");
    }

    #[test]
    fn output_uses_canonical_spellings() {
        assert_eq!(to_latex(&["\\Box", "\\times", "5", "\\le", "x"]), "\\square\\times5\\leq x");
        assert_eq!(to_latex(&["3", "0", "\\degree", "+", "x", "^", "2", "\\degree"]), "30^\\circ+x^2{}^\\circ");
    }

    #[test]
    fn spec_loads() {
        assert!(spec().two_arguments.contains("\\frac"));
        assert!(spec().environments.contains("pmatrix"));
    }
}
