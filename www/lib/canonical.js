// The canonical LaTeX form in the browser: a line-for-line port of canonical() in
// training/mathsnap_train/latex.py, over the same rules (spec/latex_spec.json, copied into
// lib/latex-spec.js). The engine does not expose its repair/canonical step through wasm (wasm.rs has
// only recognize*/detect*), so a user's corrected LaTeX is put in canonical form here, exactly as the
// training labels are; tests/e2e/corrections.test.mjs checks this port against the Python one.
import SPEC from './latex-spec.js';

const TOKEN = new RegExp(SPEC.token_regex, 'gu');
const SYN = SPEC.synonyms;
const DROP = new Set(SPEC.drop);
const DROP_ARG = new Set(SPEC.drop_with_argument);
const UNWRAP = new Set(SPEC.unwrap);
const FUNCS = new Set(SPEC.function_names);
const ONE = new Set(SPEC.one_argument);
const TWO = new Set(SPEC.two_arguments);
const BIG_OPS = new Set(SPEC.big_operators);
const ENVS = new Set(SPEC.environments);

export function rawTokens(latex) {
  return String(latex || '').match(TOKEN) || [];
}

/** [end, body] of the argument starting at ts[i]: a braced group or a single token. */
function group(ts, i) {
  if (i >= ts.length) return [i, []];
  if (ts[i] !== '{') return [i + 1, [ts[i]]];
  let depth = 0;
  for (let j = i; j < ts.length; j++) {
    if (ts[j] === '{') depth++;
    if (ts[j] === '}') depth--;
    if (depth === 0) return [j + 1, ts.slice(i + 1, j)];
  }
  return [ts.length, ts.slice(i + 1)];
}

/**
 * [end, body] of a script's argument at ts[i]: a braced group, a command with its arguments
 * (`x^\frac12`, `x_\mathrm{S}`: they belong to the command, so the script keeps them), or one token.
 */
function scriptArgument(ts, i) {
  const t = i < ts.length ? (Object.hasOwn(SYN, ts[i]) ? SYN[ts[i]] : ts[i]) : null;
  if (!ONE.has(t) && !TWO.has(t) && !UNWRAP.has(t)) return group(ts, i);
  let j = i + 1;
  if (t === '\\sqrt' && j < ts.length && ts[j] === '[') {
    const close = ts.indexOf(']', j);
    j = close >= 0 ? close + 1 : ts.length;
  }
  for (let k = 0; k < (TWO.has(t) ? 2 : 1); k++) [j] = group(ts, j);
  return [j, ts.slice(i, j)];
}

const braced = (body) => ['{', ...body, '}'];

function script(body) {
  const b = body[0];
  const bareOk = body.length === 1 && !(FUNCS.has(b.slice(1)) || BIG_OPS.has(b) || ONE.has(b) || TWO.has(b));
  return bareOk ? body : braced(body);
}

function canon(tsIn) {
  let ts = tsIn;
  const out = [];
  let i = 0;
  while (i < ts.length) {
    let t = Object.hasOwn(SYN, ts[i]) ? SYN[ts[i]] : ts[i];
    if (t.includes(' ')) { // a synonym spelled with several tokens (\degree -> ^ \circ)
      ts = [...ts.slice(0, i), ...t.split(/\s+/).filter(Boolean), ...ts.slice(i + 1)];
      continue;
    }
    if (DROP_ARG.has(t)) { [i] = group(ts, i + 1); continue; }
    if (DROP.has(t)) { i++; continue; }
    if (t.startsWith('\\begin{') || t.startsWith('\\end{')) {
      let env = t.slice(t.indexOf('{') + 1, -1);
      i++;
      if (t.startsWith('\\begin{') && i < ts.length && ts[i] === '{' && (env === 'array' || env === 'matrix')) {
        [i] = group(ts, i); // drop an array's column spec
      }
      if (!ENVS.has(env)) env = 'matrix';
      out.push(`${t.slice(0, t.indexOf('{'))}{${env}}`);
      continue;
    }
    if (UNWRAP.has(t)) {
      const [end, body] = group(ts, i + 1);
      const word = body.join('');
      if (FUNCS.has(word)) out.push(`\\${word}`);
      else out.push(...canon(body));
      i = end;
      continue;
    }
    if (t === '^' || t === '_') {
      const [end, raw] = scriptArgument(ts, i + 1);
      const body = canon(raw);
      i = end;
      if (t === '^' && body.length && body.every((b) => b === "'")) { out.push(...body.map(() => "'")); continue; }
      if (!body.length) continue;
      out.push(t, ...script(body));
      continue;
    }
    if (ONE.has(t) || TWO.has(t)) {
      out.push(t);
      i++;
      if (t === '\\sqrt' && i < ts.length && ts[i] === '[') {
        let depth = 0, j = i;
        while (j < ts.length) {
          if (ts[j] === '[') depth++;
          if (ts[j] === ']') depth--;
          if (depth === 0) break;
          j++;
        }
        out.push('[', ...canon(ts.slice(i + 1, j)), ']');
        i = j + 1;
      }
      for (let k = 0; k < (TWO.has(t) ? 2 : 1); k++) {
        const [end, body] = group(ts, i);
        out.push(...braced(canon(body)));
        i = end;
      }
      continue;
    }
    if (t === '{') {
      const [end, body] = group(ts, i);
      // a bare group changes nothing visible, except an empty one anchoring a script: {}_{n}C_{r}
      if (body.length) out.push(...canon(body)); else out.push('{', '}');
      i = end;
      continue;
    }
    if (t === '}') { i++; continue; } // unbalanced closing brace
    if (t === '\\prime') t = "'";
    out.push(t);
    i++;
  }
  return out;
}

/** x^a_b -> x_b^a: one order (subscript first). */
function orderScripts(ts) {
  const out = [];
  let i = 0;
  while (i < ts.length) {
    if (ts[i] === '^' && i + 1 < ts.length) {
      const [supEnd] = group(ts, i + 1);
      if (supEnd < ts.length && ts[supEnd] === '_') {
        const [subEnd] = group(ts, supEnd + 1);
        out.push(...ts.slice(supEnd, subEnd), ...ts.slice(i, supEnd));
        i = subEnd;
        continue;
      }
    }
    out.push(ts[i]);
    i++;
  }
  return out;
}

export function canonicalTokens(latex) {
  const s = String(latex || '').trim().replace(/^\$+|\$+$/g, '').trim();
  return orderScripts(canon(rawTokens(s)));
}

/** Join tokens, with a space only where a command name would run on into a letter. */
export function detokenize(tokens) {
  let out = '';
  for (const t of tokens) {
    if (/^\p{L}/u.test(t) && /\\[a-zA-Z]+$/.test(out)) out += ' ';
    out += t;
  }
  return out;
}

export function canonical(latex) {
  return detokenize(canonicalTokens(latex));
}
