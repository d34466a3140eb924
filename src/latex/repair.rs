//! Make any token sequence the recognizer emits well-formed for KaTeX: braces balanced,
//! environments opened and closed in order, scripts and command arguments present, `&` only
//! inside environments. The model usually gets this right; this makes "usually" "always".

use super::spec;

fn env_of(token: &str, prefix: &str) -> Option<String> {
    token.strip_prefix(prefix).and_then(|r| r.strip_suffix('}')).map(str::to_string)
}

/// Is `t` something that can stand as a script or command argument on its own?
fn is_argument_start(t: &str) -> bool {
    !matches!(t, "}" | "&" | "\\\\" | "^" | "_") && !t.starts_with("\\end{")
}

pub fn repair(tokens: Vec<String>) -> Vec<String> {
    let spec = spec();
    // Pass 1: environments and braces.
    let mut out: Vec<String> = Vec::with_capacity(tokens.len() + 4);
    // stack of open groups: None = brace, Some(env) = environment
    let mut stack: Vec<Option<String>> = Vec::new();
    for t in tokens {
        if let Some(env) = env_of(&t, "\\begin{") {
            let env = if spec.environments.contains(&env) { env } else { "matrix".to_string() };
            out.push(format!("\\begin{{{env}}}"));
            stack.push(Some(env));
        } else if t.starts_with("\\end{") {
            // close braces left open inside the environment, then the innermost environment
            match stack.iter().rposition(|s| s.is_some()) {
                Some(pos) => {
                    while stack.len() > pos + 1 {
                        stack.pop();
                        out.push("}".into());
                    }
                    let env = stack.pop().flatten().unwrap_or_default();
                    out.push(format!("\\end{{{env}}}"));
                }
                None => {} // an \end with nothing open: drop it
            }
        } else if t == "{" {
            out.push(t);
            stack.push(None);
        } else if t == "}" {
            if matches!(stack.last(), Some(None)) {
                stack.pop();
                out.push(t);
            } // else: unmatched brace, drop it
        } else if (t == "&" || t == "\\\\") && !stack.iter().any(|s| s.is_some()) {
            // row and column separators mean nothing outside an environment
        } else {
            out.push(t);
        }
    }
    while let Some(open) = stack.pop() {
        match open {
            None => out.push("}".into()),
            Some(env) => out.push(format!("\\end{{{env}}}")),
        }
    }
    // Pass 2: arguments that are missing.
    let mut fixed: Vec<String> = Vec::with_capacity(out.len() + 4);
    let mut skip_next = false;
    for (i, t) in out.iter().enumerate() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let next = out.get(i + 1).map(String::as_str);
        let has_arg = next.is_some_and(is_argument_start);
        if (t == "^" || t == "_") && !has_arg {
            continue; // a script with nothing to raise or lower
        }
        fixed.push(t.clone());
        if (t == "^" || t == "_") && next.is_some_and(|n| spec.functions.contains(n)) {
            // `x_\max` is an error in KaTeX, `x_{\max}` is not
            fixed.push("{".into());
            fixed.push(out[i + 1].clone());
            fixed.push("}".into());
            skip_next = true;
            continue;
        }
        if (spec.one_argument.contains(t) || spec.two_arguments.contains(t)) && !has_arg {
            let n = if spec.two_arguments.contains(t) { 2 } else { 1 };
            for _ in 0..n {
                fixed.extend(["{".to_string(), "}".to_string()]);
            }
        }
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        super::super::detokenize(&repair(s.split(' ').map(str::to_string).collect()))
    }

    #[test]
    fn balances_braces() {
        assert_eq!(r("\\frac { 1 } { 2"), "\\frac{1}{2}");
        assert_eq!(r("x } + 1"), "x+1");
    }

    #[test]
    fn closes_environments_in_order() {
        assert_eq!(r("\\begin{pmatrix} a & b \\\\ c & d"), "\\begin{pmatrix}a&b\\\\c&d\\end{pmatrix}");
        assert_eq!(r("\\begin{cases} { x \\end{matrix}"), "\\begin{cases}{x}\\end{cases}");
        assert_eq!(r("x \\end{cases}"), "x");
    }

    #[test]
    fn drops_dangling_scripts_and_separators() {
        assert_eq!(r("x ^"), "x");
        assert_eq!(r("x _ } ^ 2"), "x^2");
        assert_eq!(r("a & b"), "ab");
        assert_eq!(r("\\sqrt"), "\\sqrt{}");
        assert_eq!(r("f _ \\max"), "f_{\\max}");
    }
}
