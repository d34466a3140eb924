// Real handwritten glyphs (cut from CROHME *train* by training/datagen/glyph_bank.py) placed into
// MathJax's layout in place of its outlines, so that synthetic handwriting carries real pen strokes
// for every symbol the bank holds; symbols it lacks keep the font/outline path.
//
// Bank: DIR/index.json = {glyphs: [{k: key, w: writer, f: file, pw, ph}]}, DIR/<file> a PNG whose
// alpha is the ink, cropped to it. `key` is the plain character that plainChar() gives a MathJax
// code point, so the bank and the layout agree on what a glyph is.
import fs from 'node:fs';
import path from 'node:path';

const banks = new Map();

export function loadBank(dir) {
  if (!banks.has(dir)) {
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    const byKey = new Map(), byWriterKey = new Map(), writers = new Set();
    for (const g of index.glyphs) {
      if (!byKey.has(g.k)) byKey.set(g.k, []);
      byKey.get(g.k).push(g);
      const wk = g.w + '\u0000' + g.k;
      if (!byWriterKey.has(wk)) byWriterKey.set(wk, []);
      byWriterKey.get(wk).push(g);
      writers.add(g.w);
    }
    banks.set(dir, { dir, byKey, byWriterKey, writers: [...writers], data: new Map() });
  }
  return banks.get(dir);
}

function dataUri(bank, g) {
  if (!bank.data.has(g.f)) {
    bank.data.set(g.f, 'data:image/png;base64,' + fs.readFileSync(path.join(bank.dir, g.f)).toString('base64'));
  }
  return bank.data.get(g.f);
}

/** A writer for one formula: real handwriting keeps one hand across a formula where it can. */
export function pickWriter(bank, rnd) {
  return bank.writers[Math.floor(rnd() * bank.writers.length)];
}

/** One glyph of `key` (the formula's writer's when they wrote it, else anyone's), or null. */
export function pickGlyph(bank, key, writer, rnd) {
  const own = bank.byWriterKey.get(writer + '\u0000' + key);
  const pool = own && rnd() < 0.8 ? own : bank.byKey.get(key);
  return pool ? pool[Math.floor(rnd() * pool.length)] : null;
}

/**
 * An SVG fragment drawing glyph `g` over the box `b` (MathJax units, y up inside MathJax's flipped
 * group) with the writer's per-glyph variation: size drift `k`, rotation `rot` (radians), shift (tx, ty).
 * The scale keeps the glyph's own aspect (a handwritten 1 is a bare stroke, MathJax's has serifs) and
 * stays within 1.3x of the box on either side so that neighbours do not collide.
 */
export function glyphImage(bank, g, b, { k = 1, rot = 0, tx = 0, ty = 0 } = {}) {
  // a flat box (minus, bar) is matched by its width alone: its height is only the font's stroke
  const flat = b.w > 3 * b.h;
  const fit = flat ? b.w / g.pw : Math.sqrt((Math.max(b.w, 1) / g.pw) * (Math.max(b.h, 1) / g.ph));
  const s = k * Math.min(fit, (1.3 * Math.max(b.w, 20)) / g.pw, flat ? Infinity : (1.3 * Math.max(b.h, 20)) / g.ph);
  const w = g.pw * s, h = g.ph * s;
  const deg = (rot * 180) / Math.PI;
  return `<g transform="translate(${(b.cx + tx).toFixed(1)},${(b.cy + ty).toFixed(1)}) rotate(${deg.toFixed(2)}) scale(1,-1)">` +
    `<image x="${(-w / 2).toFixed(1)}" y="${(-h / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" ` +
    `preserveAspectRatio="none" href="${dataUri(bank, g)}"></image></g>`;
}
