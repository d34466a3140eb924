//! Make any token sequence the recognizer emits well-formed for KaTeX: braces balanced,
//! environments opened and closed in order, scripts and command arguments present and braced where
//! KaTeX needs it, one superscript and one subscript per base, `&` only directly inside environments.
//! The model usually gets this right; this makes "usually" "always" (tests/repair_katex.rs renders
//! random token sequences with the app's KaTeX).

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
            // (an \end with nothing open is dropped)
            if let Some(pos) = stack.iter().rposition(|s| s.is_some()) {
                while stack.len() > pos + 1 {
                    stack.pop();
                    out.push("}".into());
                }
                let env = stack.pop().flatten().unwrap_or_default();
                out.push(format!("\\end{{{env}}}"));
            }
        } else if t == "{" {
            out.push(t);
            stack.push(None);
        } else if t == "}" {
            if matches!(stack.last(), Some(None)) {
                stack.pop();
                out.push(t);
            } // else: unmatched brace, drop it
        } else if t == "\\\\" && !stack.iter().any(|s| s.is_some()) {
            // a row separator means nothing outside an environment
        } else if t == "&" && !matches!(stack.last(), Some(Some(_))) {
            // a column separator only separates directly inside an environment (not inside a group in it)
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
    // Pass 2: what KaTeX still refuses once every group is closed (see `complete`).
    let mut done = Vec::with_capacity(out.len() + 8);
    complete(&out, 0, out.len(), &mut done);
    done.into_iter().map(katex_name).collect()
}

/// A vocabulary command KaTeX does not define, as the KaTeX command that draws the same thing.
fn katex_name(t: String) -> String {
    match t.as_str() {
        "\\overparen" => "\\overgroup".to_string(), // an arc over a segment (Korean curriculum: arc AB)
        _ => t,
    }
}

/// `\frac`, `\sqrt`, `\vec`, ...: commands that take braced arguments.
fn takes_arguments(t: &str) -> bool {
    let spec = spec();
    spec.one_argument.contains(t) || spec.two_arguments.contains(t)
}

/// Single tokens KaTeX refuses as a script standing alone (`x_\max`, `x^\sum`, `x^'`): they are braced
/// there. (Commands with arguments and environments are braced as any argument: `copy_argument`.)
fn refused_as_bare_script(t: &str) -> bool {
    t == "'" || spec().functions.contains(t) || spec().big_operators.contains(t)
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
    if t == "$" {
        "\\$".to_string()
    } else {
        t.to_string()
    }
}

/// What is attached to the current base, as KaTeX counts it: primes are a superscript that more primes
/// or a `^` directly after them extend (`x''^2`), and that anything else closes (`x'_a^b`, `x^a'` are
/// double superscripts).
#[derive(Default)]
struct Scripts {
    superscript: Option<Superscript>,
    subscript: bool,
}

#[derive(PartialEq)]
enum Superscript {
    Primes,
    Closed,
}

impl Scripts {
    /// Before `^`, `_` or `'` goes out: when the base already has that script, give it an empty base of
    /// its own (`x^{a}{}^{b}`: nothing read is lost).
    fn attach(&mut self, script: &str, out: &mut Vec<String>) {
        let extends_primes = self.superscript == Some(Superscript::Primes) && out.last().is_some_and(|t| t == "'");
        let repeated = match script {
            "_" => self.subscript,
            _ => self.superscript.is_some() && !extends_primes,
        };
        if repeated {
            out.extend(["{".to_string(), "}".to_string()]);
            *self = Scripts::default();
        }
        match script {
            "_" => self.subscript = true,
            "'" => self.superscript = Some(Superscript::Primes),
            _ => self.superscript = Some(Superscript::Closed),
        }
    }
}

/// Copy `tokens[start..end]` (balanced) into `out`, making each piece something KaTeX accepts:
/// - a command gets all its arguments, braced, and `{}` for each one missing (`\frac{a}` at the end of
///   a group);
/// - a script with nothing to raise or lower is dropped; a script KaTeX refuses unbraced (`x_\max`,
///   `x^\sqrt{2}`, an environment) is braced;
/// - a second superscript or subscript on one base (`x^{a}^{b}`, or `x^2'`: a prime is a superscript)
///   gets an empty base of its own (`x^{a}{}^{b}`: nothing read is lost);
/// - `$` (text-mode math shift) is escaped.
fn complete(tokens: &[String], start: usize, end: usize, out: &mut Vec<String>) {
    let mut scripts = Scripts::default();
    let mut i = start;
    while i < end {
        let t = tokens[i].as_str();
        if t == "^" || t == "_" {
            if !(i + 1 < end && is_argument_start(&tokens[i + 1])) {
                i += 1; // a script with nothing to raise or lower
                continue;
            }
            scripts.attach(t, out);
            out.push(t.to_string());
            i = copy_argument(tokens, i + 1, end, out, refused_as_bare_script(&tokens[i + 1]));
            continue;
        }
        if t == "'" {
            scripts.attach(t, out);
            out.push(t.to_string());
            i += 1;
            continue;
        }
        scripts = Scripts::default(); // a new base
        if t == "{" || t.starts_with("\\begin{") {
            i = copy_group(tokens, i, end, out);
        } else if takes_arguments(t) {
            i = copy_command(tokens, i, end, out);
        } else {
            out.push(math_mode(t));
            i += 1;
            if t == "\\\\" && i < end && tokens[i] == "[" {
                out.extend(["{".to_string(), "}".to_string()]); // `\\[` would open a row-spacing argument
            }
        }
    }
}

/// Copy the group (`{...}`) or environment that starts at `i`, its inside completed; returns the index
/// after it.
fn copy_group(tokens: &[String], i: usize, end: usize, out: &mut Vec<String>) -> usize {
    let e = argument_end(tokens, i).min(end);
    let open = tokens[i].as_str();
    out.push(open.to_string());
    complete(tokens, i + 1, e.saturating_sub(1).max(i + 1), out);
    out.push(match env_of(open, "\\begin{") {
        Some(env) => format!("\\end{{{env}}}"),
        None => "}".to_string(),
    });
    e
}

/// Copy the command at `i` with its arguments (and a `\sqrt`'s `[index]`), each braced (the canonical
/// form braces command arguments), an empty `{}` for each one missing; returns the index after it.
fn copy_command(tokens: &[String], i: usize, end: usize, out: &mut Vec<String>) -> usize {
    let command = tokens[i].as_str();
    out.push(command.to_string());
    let mut j = i + 1;
    if command == "\\sqrt" && j < end && tokens[j] == "[" {
        // the index, when it closes before anything that cannot stand inside it (otherwise the `[` is
        // an ordinary token: the radicand)
        let stop = tokens[j + 1..end].iter().position(|t| {
            matches!(t.as_str(), "]" | "{" | "}" | "&" | "\\\\") || t.starts_with("\\begin{") || t.starts_with("\\end{")
        });
        if let Some(k) = stop.filter(|&k| tokens[j + 1 + k] == "]") {
            out.push("[".to_string());
            complete(tokens, j + 1, j + 1 + k, out);
            out.push("]".to_string());
            j += k + 2;
        }
    }
    let arguments = if spec().two_arguments.contains(command) { 2 } else { 1 };
    for _ in 0..arguments {
        if j < end && is_argument_start(&tokens[j]) {
            j = copy_argument(tokens, j, end, out, true);
        } else {
            out.extend(["{".to_string(), "}".to_string()]);
        }
    }
    j
}

/// Copy the argument that starts at `i` (`i < end`): a group or environment with its inside completed, a
/// command with its own arguments, or one token; braced when `brace` asks for it, and always for a
/// command with arguments or an environment (`\frac{a}\frac{1}{n}` is `\frac{a}{\frac{1}{n}}`, as TeX
/// reads it; KaTeX refuses it unbraced). Returns the index after it.
fn copy_argument(tokens: &[String], i: usize, end: usize, out: &mut Vec<String>, brace: bool) -> usize {
    let t = tokens[i].as_str();
    if t == "{" {
        return copy_group(tokens, i, end, out);
    }
    let environment = t.starts_with("\\begin{");
    let braced = brace || environment || takes_arguments(t);
    if braced {
        out.push("{".to_string());
    }
    let e = if environment {
        copy_group(tokens, i, end, out)
    } else if takes_arguments(t) {
        copy_command(tokens, i, end, out)
    } else {
        out.push(math_mode(t));
        i + 1
    };
    if braced {
        out.push("}".to_string());
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
        assert_eq!(
            r("\\frac { \\sqrt { 8 1 } \\times \\frac { \\pi } { 1 0 } }"),
            "\\frac{\\sqrt{81}\\times\\frac{\\pi}{10}}{}"
        );
        assert_eq!(r("\\frac { 1 - n ^ { n + 1 } { a _ n } }"), "\\frac{1-n^{n+1}{a_n}}{}");
        // a second superscript (or subscript) on one base gets an empty base of its own
        assert_eq!(r("3 ^ { n - 2 } ^ n"), "3^{n-2}{}^n");
        assert_eq!(r("x ^ a _ b ^ c"), "x^a_b{}^c");
        assert_eq!(r("x _ i ^ 2 + y _ j _ k"), "x_i^2+y_j{}_k");
        // a command with arguments as a bare argument is braced with its own arguments
        assert_eq!(r("\\frac { a } \\frac { 1 } { n }"), "\\frac{a}{\\frac{1}{n}}");
        assert_eq!(r("x ^ \\sqrt { 2 } + \\vec \\sqrt { x }"), "x^{\\sqrt{2}}+\\vec{\\sqrt{x}}");
        assert_eq!(r("\\overline \\frac { a } { b } _ \\vec a"), "\\overline{\\frac{a}{b}}_{\\vec{a}}");
        assert_eq!(r("\\frac \\sqrt [ 3 ] { 2 } { 3 }"), "\\frac{\\sqrt[3]{2}}{3}");
        assert_eq!(r("\\sqrt [ 3 ] \\frac 1 2"), "\\sqrt[3]{\\frac{1}{2}}");
        // an index that never closes is an ordinary bracket; a dangling script inside an index goes
        assert_eq!(r("\\sqrt [ x"), "\\sqrt{[}x");
        assert_eq!(r("\\sqrt [ x ^ ] { 2 }"), "\\sqrt[x]{2}");
        // a prime after a superscript is a second superscript; big operators are braced as scripts
        assert_eq!(r("x ^ 2 ' + y _ 1 '"), "x^2{}'+y_1'");
        assert_eq!(r("x ' ' ^ 2 + y ' _ a ^ b + z ' _ a '"), "x''^2+y'_a{}^b+z'_a{}'");
        assert_eq!(r("e ^ \\sum _ \\lim"), "e^{\\sum}_{\\lim}");
        assert_eq!(r("n ^ '"), "n^{'}");
        // a row separator before a bracket would read it as a row-spacing argument
        assert_eq!(r("\\begin{matrix} a \\\\ [ b \\end{matrix}"), "\\begin{matrix}a\\\\{}[b\\end{matrix}");
        // a column separator inside a group of a matrix cell separates nothing
        assert_eq!(r("\\begin{matrix} { a & b } & c \\end{matrix}"), "\\begin{matrix}{ab}&c\\end{matrix}");
        // a command KaTeX lacks is drawn by its KaTeX equivalent
        assert_eq!(r("\\overparen A B"), "\\overgroup{A}B");
        // a dollar sign is text-mode math shift: escaped
        assert_eq!(r("| $ x"), "|\\$x");
        // well-formed input is left alone
        for ok in [
            "\\frac { a } { b } ^ 2",
            "x ^ { a ^ b }",
            "\\begin{pmatrix} a ^ 2 & b \\end{pmatrix} ^ T",
            "\\sqrt [ 3 ] { x }",
        ] {
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
