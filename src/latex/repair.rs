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
    // Pass 3: what KaTeX still refuses once every group is closed: a two-argument command with only its
    // first argument (`\frac{a}` at the end of a group), a second superscript or subscript on one base
    // (`x^{a}^{b}`), and a bare `$` (text-mode math shift).
    let mut done = Vec::with_capacity(fixed.len() + 4);
    complete(&fixed, 0, fixed.len(), &mut done);
    done
}

/// The index just past the argument that starts at `i`: a braced group, an environment, or one token.
fn argument_end(tokens: &[String], i: usize) -> usize {
    let environment = tokens[i].starts_with("\\begin{");
    if tokens[i] != "{" && !environment {
        return i + 1;
    }
    // how a token changes the nesting of the group or environment that starts at `i`
    let nesting = |t: &str| -> i32 {
        match (environment, t) {
            (false, "{") => 1,
            (false, "}") => -1,
            (true, t) if t.starts_with("\\begin{") => 1,
            (true, t) if t.starts_with("\\end{") => -1,
            _ => 0,
        }
    };
    let mut depth = 0;
    for (j, t) in tokens.iter().enumerate().skip(i) {
        depth += nesting(t);
        if depth == 0 {
            return j + 1;
        }
    }
    tokens.len() // unreachable once pass 1 has balanced everything
}

/// A token as KaTeX accepts it in math mode: `$` (text-mode math shift) escaped.
fn math_mode(t: &str) -> String {
    if t == "$" { "\\$".to_string() } else { t.to_string() }
}

/// Copy `tokens[start..end]` (balanced) into `out`, completing two-argument commands, separating
/// double scripts with an empty base (`x^{a}{}^{b}` renders; nothing read is lost) and escaping `$`.
fn complete(tokens: &[String], start: usize, end: usize, out: &mut Vec<String>) {
    let spec = spec();
    // scripts already attached to the current base: (superscript, subscript)
    let mut scripts = (false, false);
    let mut i = start;
    while i < end {
        let t = tokens[i].as_str();
        if t == "^" || t == "_" {
            let repeated = if t == "^" { scripts.0 } else { scripts.1 };
            if repeated {
                out.extend(["{".to_string(), "}".to_string()]);
                scripts = (false, false);
            }
            if t == "^" {
                scripts.0 = true;
            } else {
                scripts.1 = true;
            }
            out.push(t.to_string());
            i = copy_argument(tokens, i + 1, end, out);
            continue;
        }
        scripts = (false, false);
        if t == "{" {
            i = copy_argument(tokens, i, end, out);
        } else if spec.two_arguments.contains(t) {
            out.push(t.to_string());
            i += 1;
            for _ in 0..2 {
                if i < end && is_argument_start(&tokens[i]) {
                    i = copy_argument(tokens, i, end, out);
                } else {
                    out.extend(["{".to_string(), "}".to_string()]);
                }
            }
        } else {
            out.push(math_mode(t));
            i += 1;
        }
    }
}

/// Copy the argument starting at `i` (a group's or an environment's inside completed too; a lone token
/// as it is, so that a command standing as an argument gets no arguments of its own); returns the index
/// after it.
fn copy_argument(tokens: &[String], i: usize, end: usize, out: &mut Vec<String>) -> usize {
    if i >= end {
        return i;
    }
    let e = argument_end(tokens, i).min(end);
    if tokens[i] == "{" {
        out.push("{".to_string());
        complete(tokens, i + 1, e.saturating_sub(1).max(i + 1), out);
        out.push("}".to_string());
    } else if e == i + 1 {
        out.push(math_mode(&tokens[i]));
    } else {
        complete(tokens, i, e, out);
    }
    e
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
    fn completes_what_katex_would_refuse() {
        // a fraction left with one argument at the end of its group gets an empty second one
        assert_eq!(r("\\frac { \\sqrt { 8 1 } \\times \\frac { \\pi } { 1 0 } }"), "\\frac{\\sqrt{81}\\times\\frac{\\pi}{10}}{}");
        assert_eq!(r("\\frac { 1 - n ^ { n + 1 } { a _ n } }"), "\\frac{1-n^{n+1}{a_n}}{}");
        // a second superscript (or subscript) on one base gets an empty base of its own
        assert_eq!(r("3 ^ { n - 2 } ^ n"), "3^{n-2}{}^n");
        assert_eq!(r("x ^ a _ b ^ c"), "x^a_b{}^c");
        assert_eq!(r("x _ i ^ 2 + y _ j _ k"), "x_i^2+y_j{}_k");
        // a dollar sign is text-mode math shift: escaped
        assert_eq!(r("| $ x"), "|\\$x");
        // well-formed input is left alone
        for ok in ["\\frac { a } { b } ^ 2", "x ^ { a ^ b }", "\\begin{pmatrix} a ^ 2 & b \\end{pmatrix} ^ T", "\\sqrt [ 3 ] { x }"] {
            let toks: Vec<String> = ok.split(' ').map(str::to_string).collect();
            assert_eq!(r(ok), super::super::detokenize(&toks), "{ok}");
        }
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
