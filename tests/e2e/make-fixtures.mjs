#!/usr/bin/env node
// Regenerate the browser-test image fixtures in tests/fixtures/e2e-*:
// clean printed formulas rendered with KaTeX in headless Chromium, screenshotted black on white.
//   node tests/e2e/make-fixtures.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(REPO, 'tests', 'fixtures');

// name, latex, page width, page height, font size (px), formula position
const FIXTURES = [
  { name: 'e2e-quadratic.png', latex: 'x^2+3x-4=0', w: 900, h: 300, size: 72, type: 'png' },
  // The fake camera frame: a landscape 1280x720 "photo" of the same formula, JPEG (an .mjpeg of one frame).
  { name: 'e2e-camera-quadratic.mjpeg', latex: 'x^2+3x-4=0', w: 1280, h: 720, size: 96, type: 'jpeg' },
  { name: 'e2e-blank.png', latex: '', w: 640, h: 480, size: 72, type: 'png' },
  // The live-box camera frame: a photo of a printed worksheet (tests/fixtures/page-worksheet.jpg: 6 formulas
  // among Korean and English text, on a dark table) whose sheet fills two thirds of a landscape 1280x720
  // frame's height, turned 2 degrees.
  { name: 'e2e-camera-worksheet.mjpeg', image: 'page-worksheet.jpg', imageHeight: 660, turn: 2, w: 1280, h: 720, type: 'jpeg' },
];
// ONLY=name regenerates one fixture and leaves the others as they are.
const only = process.env.ONLY;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mathsnap-fixtures-'));
fs.symlinkSync(path.join(REPO, 'node_modules', 'katex', 'dist'), path.join(dir, 'katex'));
fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="katex/katex.min.css"><link rel="stylesheet" href="page.css">
<script type="module" src="render.js"></script></head><body><div id="f"></div></body></html>`);
fs.writeFileSync(path.join(dir, 'page.css'), `html,body{margin:0;background:#fff;color:#000}
body{display:flex;align-items:center;justify-content:center;height:100vh}`);
fs.copyFileSync(path.join(OUT, 'page-worksheet.jpg'), path.join(dir, 'page-worksheet.jpg'));
fs.writeFileSync(path.join(dir, 'render.js'), `import katex from './katex/katex.mjs';
const p = new URLSearchParams(location.search);
const el = document.getElementById('f');
if (p.get('image')) {
  document.body.style.background = 'linear-gradient(120deg, #7d6a55, #a08a70)';
  const img = new Image();
  img.src = p.get('image');
  img.style.height = p.get('imageHeight') + 'px';
  img.style.transform = 'rotate(' + p.get('turn') + 'deg)';
  img.style.boxShadow = '6px 8px 18px rgba(0,0,0,0.45)';
  el.append(img);
  await img.decode();
}
el.style.fontSize = p.get('size') + 'px';
if (p.get('latex')) katex.render(p.get('latex'), el, { displayMode: false, output: 'html' });
document.fonts.ready.then(() => { document.body.dataset.done = '1'; });`);

const srv = await startServer({ root: dir });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const f of FIXTURES.filter((x) => !only || x.name === only)) {
    const page = await browser.newPage({ viewport: { width: f.w, height: f.h }, deviceScaleFactor: 1 });
    const query = f.image
      ? `image=${encodeURIComponent(f.image)}&imageHeight=${f.imageHeight}&turn=${f.turn}`
      : `latex=${encodeURIComponent(f.latex)}&size=${f.size}`;
    await page.goto(`${srv.url}index.html?${query}`);
    await page.waitForSelector('body[data-done="1"]');
    const buf = await page.screenshot({ type: f.type, quality: f.type === 'jpeg' ? 95 : undefined });
    fs.writeFileSync(path.join(OUT, f.name), buf);
    console.log(`wrote tests/fixtures/${f.name} (${buf.length} bytes)`);
    await page.close();
  }
  if (!only) {
    // Not an image at all, with an image extension: must give the engine's bad_image error.
    fs.writeFileSync(path.join(OUT, 'e2e-not-an-image.png'), 'This is a text file pretending to be a PNG.\n');
    console.log('wrote tests/fixtures/e2e-not-an-image.png');
  }
} finally {
  await browser.close();
  await srv.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
