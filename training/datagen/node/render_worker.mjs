// Long-lived renderer: one JSON request per stdin line, one JSON reply per stdout line.
//
// request:  {id, tex, check, style: {mode: "tex"|"font"|"hand", fonts: {regular, italic, bold, bolditalic},
//            stroke, slant, jitter, rotate, drift, wobble, baseline, seed, glyphs, glyphShare}, em | height, keys}
// reply:    {id, ok, png (base64 RGBA; ink in alpha), error}, or {id, ok, keys} when `keys` is asked for
//
// Layout always comes from MathJax (TeX input, SVG output), so every style follows the LaTeX structure
// (fractions, scripts, roots, matrices). "tex" keeps MathJax's Computer-Modern-like glyphs; "font"
// swaps letters/digits/operators for a second typeface (Times-, Palatino-, Schoolbook-like, sans) fitted
// into MathJax's glyph boxes; "hand" does the same with handwriting fonts and then perturbs every glyph
// and rule per writer (slant, stroke width, size drift, jitter, wobble); with `glyphs` (a glyph bank
// folder, glyph_bank.mjs) a `glyphShare` of the glyphs are real handwritten ones instead. `check` (the
// label) must also render in KaTeX, because the recognizer's output has to. `keys` returns the layout's
// glyphs as plain characters, in document order, which is how the glyph bank is cut.
import readline from 'node:readline';
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import { AllPackages } from 'mathjax-full/js/input/tex/AllPackages.js';
import { Resvg } from '@resvg/resvg-js';
import katex from 'katex';
import opentype from 'opentype.js';
import { parsePath, fromOpentype, bbox, mapPath, serialise } from './svgpath.mjs';
import { loadBank, pickWriter, pickGlyph, glyphImage } from './glyph_bank.mjs';

const PACKAGES = ['base', 'ams', 'newcommand', 'boldsymbol', 'gensymb', 'mathtools', 'cancel', 'color', 'textcomp'];
const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const texDoc = mathjax.document('', {
  // The packages school maths needs (AllPackages costs twice the time per formula); anything else fails
  // to parse and the formula is resampled. No 'noundefined', so unknown macros are errors, not red text.
  InputJax: new TeX({ packages: PACKAGES.filter((p) => AllPackages.includes(p)) }),
  OutputJax: new SVG({ fontCache: 'none' }),
});

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (rnd) => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());

const fontCache = new Map();
function loadFont(path) {
  if (!path) return null;
  if (!fontCache.has(path)) fontCache.set(path, opentype.loadSync(path));
  return fontCache.get(path);
}

// MathJax's data-c code point -> [plain character, face]. Math-alphanumeric italics/bold map to the
// plain letter in the italic/bold face of the substitute font.
function plainChar(cp) {
  const rng = (lo, base, face) => (cp >= lo && cp < lo + 52 ? [String.fromCodePoint(base(cp - lo)), face] : null);
  const latin = (k) => (k < 26 ? 65 + k : 97 + k - 26);
  if (cp === 0x210e) return ['h', 'italic'];
  return rng(0x1d434, latin, 'italic') || rng(0x1d400, latin, 'bold') || rng(0x1d468, latin, 'bolditalic') ||
    (cp >= 0x1d6fc && cp <= 0x1d714 ? [String.fromCodePoint(0x3b1 + cp - 0x1d6fc), 'italic'] : null) ||
    (cp >= 0x1d6e2 && cp <= 0x1d6fa ? [String.fromCodePoint(0x391 + cp - 0x1d6e2), 'italic'] : null) ||
    [String.fromCodePoint(cp), 'regular'];
}
// Characters a substitute font may redraw; everything else (big operators, arrows, stretchy
// delimiters, radicals) keeps MathJax's outline, which hand mode still perturbs.
const SUBSTITUTABLE = /[0-9A-Za-z\u0391-\u03c9+=<>()[\]|,.!?'/:;\u00d7\u00f7\u00b1\u2264\u2265]/u;

function substituteGlyph(style, cp, target) {
  const [ch, face] = plainChar(cp);
  if (!SUBSTITUTABLE.test(ch)) return null;
  const font = loadFont(style.fonts[face]) || loadFont(style.fonts.regular);
  if (!font) return null;
  const glyph = font.charToGlyph(ch);
  if (!glyph || glyph.index === 0 || !glyph.path || glyph.path.commands.length === 0) return null;
  const cmds = fromOpentype(glyph.path.commands);
  const gb = bbox(cmds);
  if (!gb || gb.h <= 0) return null;
  const s = 1000 / font.unitsPerEm;
  // A stretched delimiter (much taller than a text glyph) keeps MathJax's shape.
  if (target.h > 2.0 * gb.h * s && '()[]|'.includes(ch)) return null;
  // Keep the substitute's natural size on MathJax's baseline, squeezing its width towards the slot.
  const sx = Math.min(1.3, Math.max(0.75, target.w / Math.max(1, gb.w * s)));
  const dx = target.cx - gb.cx * s * sx;
  let dy = 0;
  // Symbols that sit on the maths axis rather than the baseline are centred vertically instead.
  if ('+=<>\u00d7\u00f7\u00b1\u2264\u2265'.includes(ch)) dy = target.cy - gb.cy * s;
  return mapPath(cmds, (x, y) => [dx + x * s * sx, dy + y * s]);
}

function writerVariation(style, rnd) {
  // How one writer's glyph departs from the layout: size drift, a small rotation, a shift.
  return {
    k: 1 + style.drift * gauss(rnd),
    rot: (style.rotate * gauss(rnd) * Math.PI) / 180,
    tx: style.jitter * gauss(rnd),
    ty: style.jitter * gauss(rnd) + style.baselineOffset,
  };
}

function handWarp(style, rnd, b) {
  // One glyph as one writer wrote it: the writer's variation, and a smooth wobble of the outline.
  const { k, rot, tx, ty } = writerVariation(style, rnd);
  const amp = style.wobble, fx = 0.004 + 0.01 * rnd(), fy = 0.004 + 0.01 * rnd();
  const px = 6.28 * rnd(), py = 6.28 * rnd();
  const c = Math.cos(rot), sn = Math.sin(rot);
  return (x, y) => {
    const wx = x + amp * Math.sin(y * fx + px), wy = y + amp * Math.sin(x * fy + py);
    const ux = (wx - b.cx) * k, uy = (wy - b.cy) * k;
    return [b.cx + ux * c - uy * sn + tx, b.cy + ux * sn + uy * c + ty];
  };
}

function handRule(style, rnd, x, y, w, h) {
  // A fraction bar / overline drawn as a slightly curved, slightly tilted pen line.
  const thick = Math.max(h, style.stroke + 30);
  const y0 = y + h / 2 + style.jitter * gauss(rnd) * 0.5, tilt = w * 0.03 * gauss(rnd);
  const bow = w * 0.02 * gauss(rnd), ext = w * 0.05 * gauss(rnd);
  const xa = x - Math.abs(ext) * rnd(), xb = x + w + ext;
  return `<path fill="none" stroke-linecap="round" stroke-width="${thick.toFixed(0)}" ` +
    `d="M${xa.toFixed(1)} ${(y0 - tilt / 2).toFixed(1)}Q${((xa + xb) / 2).toFixed(1)} ${(y0 + bow).toFixed(1)} ` +
    `${xb.toFixed(1)} ${(y0 + tilt / 2).toFixed(1)}"></path>`;
}

function restyle(svg, style) {
  if (style.mode === 'tex' && !style.stroke) return svg;
  const rnd = mulberry32(style.seed || 1);
  let drift = 0;
  // real handwritten glyphs (hand mode with a bank): one writer per formula, a share of the glyphs
  const bank = style.mode === 'hand' && style.glyphs ? loadBank(style.glyphs) : null;
  const writer = bank ? pickWriter(bank, rnd) : null;
  svg = svg.replace(/<path data-c="([0-9A-F]+)" d="([^"]*)"([^>]*)><\/path>/g, (m, hex, d, rest) => {
    const cmds = parsePath(d);
    const b = bbox(cmds);
    if (!b) return m;
    if (style.mode === 'hand') drift = 0.8 * drift + style.baseline * gauss(rnd);
    if (bank && rnd() < (style.glyphShare ?? 1)) {
      const g = pickGlyph(bank, plainChar(parseInt(hex, 16))[0], writer, rnd);
      if (g) return `<g${rest}>${glyphImage(bank, g, b, writerVariation({ ...style, baselineOffset: drift }, rnd))}</g>`;
    }
    let out = style.mode === 'tex' ? null : substituteGlyph(style, parseInt(hex, 16), b);
    if (!out) out = cmds;
    if (style.mode === 'hand') {
      // the baseline wanders slowly along the line, as it does on unruled paper
      const ob = bbox(out) || b;
      out = mapPath(out, handWarp({ ...style, baselineOffset: drift }, rnd, ob));
    }
    return `<path data-c="${hex}" d="${serialise(out)}"${rest}></path>`;
  });
  if (style.mode === 'hand') {
    svg = svg.replace(/<rect width="([\d.]+)" height="([\d.]+)" x="(-?[\d.]+)" y="(-?[\d.]+)"><\/rect>/g,
      (m, w, h, x, y) => handRule(style, rnd, +x, +y, +w, +h));
  }
  // pen / print weight: outlines stroked in the ink colour
  svg = svg.replace('stroke-width="0"', `stroke-width="${(style.stroke || 0).toFixed(0)}" stroke-linejoin="round"`);
  if (style.slant) {
    svg = svg.replace(/(<g [^>]*transform="scale\(1,-1\)">)/, `$1<g transform="matrix(1 0 ${Math.tan(style.slant * Math.PI / 180).toFixed(4)} 1 0 0)">`);
    svg = svg.replace(/<\/g><\/svg>$/, '</g></g></svg>');
  }
  return svg;
}

function render(req) {
  if (req.check) katex.renderToString(req.check, { throwOnError: true, displayMode: true, strict: 'ignore' });
  const node = texDoc.convert(req.tex, { display: true });
  let svg = adaptor.innerHTML(node);
  if (svg.includes('data-mjx-error') || svg.includes('fill="red"') || svg.includes('merror')) {
    throw new Error('mathjax: ' + (svg.match(/title="([^"]*)"/) || [, 'error'])[1]);
  }
  // the layout's glyphs in document order, as the plain characters a glyph bank is keyed by
  // (an invisible operator such as U+2061 after \sin is a path with no outline: not a glyph)
  if (req.keys) {
    return { keys: [...svg.matchAll(/<path data-c="([0-9A-F]+)" d="([^"]*)"/g)]
      .filter((m) => m[2].trim()).map((m) => plainChar(parseInt(m[1], 16))[0]) };
  }
  const style = req.style || { mode: 'tex' };
  svg = restyle(svg, style);
  // Pad the viewBox so slant, strokes and jitter stay inside, and size it to the requested height.
  const vb = svg.match(/viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"/).slice(1).map(Number);
  const pad = 120 + (style.stroke || 0) + Math.abs(Math.tan(((style.slant || 0) * Math.PI) / 180)) * vb[3];
  const [x, y, w, h] = [vb[0] - pad, vb[1] - 120, vb[2] + 2 * pad, vb[3] + 240];
  // `em` (pixels per em) sets the size; `height` instead fits the whole formula to that many pixels
  const scale = Math.min(req.em ? req.em / 1000 : (req.height || 48) / vb[3], 4000 / w, 0.2);
  svg = svg.replace(/ width="[^"]*" height="[^"]*"/, ` width="${(w * scale).toFixed(1)}" height="${(h * scale).toFixed(1)}"`)
    .replace(/viewBox="[^"]*"/, `viewBox="${x} ${y} ${w} ${h}"`);
  // all glyphs are paths: skipping the system font scan makes rendering ~15x faster
  const png = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: false } }).render().asPng();
  return { png: Buffer.from(png).toString('base64'), ...(req.svg ? { svg } : {}) };
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let req = {};
  try {
    req = JSON.parse(line);
    process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...render(req) }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: String(e.message || e).slice(0, 300) }) + '\n');
  }
});
