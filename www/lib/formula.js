// Shared helpers: KaTeX rendering (CSP-safe: builds DOM nodes, never innerHTML with style attributes),
// MathML export, confidence labels, clipboard.
import katex from '../vendor/katex/katex.mjs';
import { errorText } from './i18n.js';

export const KATEX_OPTIONS = Object.freeze({
  displayMode: true,
  throwOnError: false,
  trust: false,
  strict: 'ignore',
  maxExpand: 200,
  maxSize: 20,
  output: 'htmlAndMathml',
});

/**
 * Render latex into el. Returns null when it parsed, or the parse error message
 * (the partial/red rendering is still shown, thanks to throwOnError: false).
 */
export function renderLatex(el, latex) {
  el.textContent = '';
  if (!latex.trim()) return null;
  try {
    cssomStyles(() => katex.render(latex, el, { ...KATEX_OPTIONS, throwOnError: true }));
    return null;
  } catch (e) {
    el.textContent = '';
    try {
      cssomStyles(() => katex.render(latex, el, KATEX_OPTIONS));
    } catch {
      el.textContent = latex;
    }
    return e && e.message ? e.message.replace(/^KaTeX parse error: /, '') : String(e);
  }
}

/**
 * KaTeX sets a few `style` attributes with setAttribute (error spans, stretchy SVGs), which a
 * CSP without 'unsafe-inline' blocks. While KaTeX builds its DOM, route them through the CSSOM
 * (element.style.cssText), which the CSP allows.
 */
function cssomStyles(fn) {
  const proto = Element.prototype;
  const orig = proto.setAttribute;
  proto.setAttribute = function setAttribute(name, value) {
    if (String(name).toLowerCase() === 'style') {
      this.style.cssText = String(value);
      return undefined;
    }
    return orig.call(this, name, value);
  };
  try {
    return fn();
  } finally {
    proto.setAttribute = orig;
  }
}

/**
 * null when KaTeX renders latex with the app's options (the same check as the cards), or KaTeX's
 * reason when it cannot. Used to refuse a correction that would not render.
 */
export function latexError(latex) {
  if (!String(latex).trim()) return 'empty';
  try {
    cssomStyles(() => katex.renderToString(latex, { ...KATEX_OPTIONS, throwOnError: true }));
    return null;
  } catch (e) {
    return e && e.message ? e.message.replace(/^KaTeX parse error: /, '') : String(e);
  }
}

/** MathML markup for latex (for "Copy MathML"). */
export function toMathML(latex) {
  const html = katex.renderToString(latex, { ...KATEX_OPTIONS, output: 'mathml' });
  // renderToString wraps the <math> in <span class="katex">; keep only the <math> element.
  const m = /<math[\s\S]*<\/math>/.exec(html);
  return m ? m[0] : html;
}

// The engine's score is a calibrated probability that the reading is exactly right (the manifest's
// recognizer.calibration, fitted by training/mathsnap_train/calibrate.py, whose HIGH and LOW these are):
// "high" should be right at least 9 times in 10; training/MODEL_CARD.md has the table per dev set.
export const HIGH_CONFIDENCE = 0.9;
export const LOW_CONFIDENCE = 0.6;

/** Map an engine score to 0..1 (scores may be probabilities or log-probabilities) and a level. */
export function confidence(score) {
  let s = Number(score);
  if (!Number.isFinite(s)) return { value: null, level: 'unknown', label: 'confidence unknown' };
  if (s < 0) s = Math.exp(s);
  if (s > 1) s = 1;
  const level = s >= HIGH_CONFIDENCE ? 'high' : s >= LOW_CONFIDENCE ? 'medium' : 'low';
  return { value: s, level, label: `${level} confidence` };
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Fallback for browsers/contexts without the async clipboard API.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'ms-offscreen';
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

/** Bounding box of a quad [[x,y]x4]. */
export function quadBox(quad) {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  return { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
}

/** English messages for the engine's error codes (both languages: errorText() in lib/i18n.js). */
export const ERROR_TEXT = Object.freeze(Object.fromEntries(
  ['bad_image', 'too_large', 'bad_input', 'model', 'crash', 'timeout', 'wasm', 'load'].map((c) => [c, errorText('en', c)])));
