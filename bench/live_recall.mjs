// The live preview's tile scale, measured: on camera frames made from the benchmark's worksheet pages,
// how many of the formulas a capture reads the live boxes find (the rule of tests/e2e/live.test.mjs,
// tests/e2e/live-recall.mjs), and how often the whole preview cycle refreshes, for each tile scale
// (www/lib/live-tiles.js: the share of the capture's scale the tiles see the frame at; 'B+C': tiles
// at B and close tiles at C times it, every slot read once), and how many live boxes touch no
// formula the capture read.
//   node bench/live_recall.mjs [--scales 1,2,1+2] [--pages N] [--seconds S]
// Frames: every worksheet fixture (bench/out/fixtures, bench/make_fixtures.py: A4 pages of small
// print) on a desk, turned by up to 3 degrees: in a portrait 1080x1920 frame (a phone held upright;
// www/lib/camera.js asks for 1920x1080) with the page 0.75, 0.95 and 1.3 times the frame's height,
// and in a landscape 1920x1080 frame close to the page (1.4 and 2.2 times its height: a band of it).
// Writes bench/out/live_recall.json and prints a table.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import { CHROMIUM, CHROMIUM_FLAGS } from './peer.mjs';
import { foundByLive } from '../tests/e2e/live-recall.mjs';
import { bounds } from '../www/lib/live-tiles.js';

const touches = (a, b) => Math.min(a[2], b[2]) > Math.max(a[0], b[0]) && Math.min(a[3], b[3]) > Math.max(a[1], b[1]);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const strArg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const SCALES = strArg('--scales', '1,2').split(',').map((x) => (x.includes('+') ? x : Number(x)));
const PAGES = Number(strArg('--pages', 1000));
const SECONDS = Number(strArg('--seconds', 3));
const VIEWS = [[1080, 1920, 0.75], [1080, 1920, 0.95], [1080, 1920, 1.3], [1920, 1080, 1.4], [1920, 1080, 2.2]]
  .map(([vw, vh, zoom]) => ({ vw, vh, zoom, label: `${vw < vh ? 'portrait' : 'landscape'} ${zoom}` }));
const PREVIEW_FRAME = '/tests/fixtures/e2e-camera-worksheet.mjpeg';
const LONG_SIDE = JSON.parse(fs.readFileSync(path.join(ROOT, 'www/models/manifest.json'), 'utf8')).detector?.long_side || 800;
const fixtures = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/out/fixtures/fixtures.json'), 'utf8'))
  .filter((f) => f.kind === 'worksheet').slice(0, PAGES);
const log = (...a) => console.error('[live_recall]', ...a);

const server = await serve(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
const frames = [];
const speed = {};
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  await page.goto(`${server.url}/bench/page.html`);
  await page.waitForFunction(() => window.benchReady === true);
  await page.evaluate(() => window.bench.coldStart());
  await page.evaluate(() => window.bench.poolReady());
  for (const [i, f] of fixtures.entries()) {
    for (const [z, v] of VIEWS.entries()) {
      const turn = ((i * VIEWS.length + z) % 7 - 3); // -3..3 degrees, a different turn for each frame
      const r = await page.evaluate(([n, o]) => window.bench.previewRecall(n, o), [f.file,
        { vw: v.vw, vh: v.vh, zoom: v.zoom, turn, longSide: LONG_SIDE, tileScales: SCALES }]);
      const row = { page: f.name, page_turned: f.turned || 0, view: v.label, turn, captured: r.captured.length, found: {}, slots: {}, stray: {} };
      const capturedBoxes = r.captured.map(bounds);
      for (const s of SCALES) {
        row.found[s] = foundByLive(r.captured, r.live[s].quads).length;
        // live boxes that touch no formula the capture read: text or drawings boxed as formulas
        row.stray[s] = r.live[s].quads.map(bounds).filter((l) => !capturedBoxes.some((c) => touches(l, c))).length;
        row.slots[s] = r.live[s].slots;
      }
      frames.push(row);
    }
    log(`${f.name}: ${frames.slice(-VIEWS.length).map((r) => `${r.view}: ${SCALES.map((s) => r.found[s]).join('/')} of ${r.captured}`).join(', ')}`);
  }
  for (const s of SCALES) {
    speed[s] = await page.evaluate(([u, l, sec, ts]) => window.bench.previewFps(u, l, sec, ts), [PREVIEW_FRAME, LONG_SIDE, SECONDS, s]);
  }
} finally {
  await browser.close();
  await server.close();
}

const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : '-');
const lines = [`| pages | tile scale | slots (portrait / landscape) | cycles/s (detections/s), e2e frame | found / captured, all frames | ${VIEWS.map((v) => v.label).join(' | ')} | frames under 90% | live boxes touching no captured formula |`,
  `|${'---|'.repeat(7 + VIEWS.length)}`];
// a fixture page turned a quarter or half turn (bench/make_fixtures.py) lies turned in the frame too:
// the capture turns it back, the preview does not
for (const [label, rows] of [['upright', frames.filter((r) => !r.page_turned)], ['turned', frames.filter((r) => r.page_turned)]]) {
  for (const s of SCALES) {
    const sum = (rs, k) => rs.reduce((a, r) => a + (k === 'c' ? r.captured : r.found[s]), 0);
    const byView = VIEWS.map((v) => { const rs = rows.filter((r) => r.view === v.label); return `${pct(sum(rs, 'f'), sum(rs, 'c'))}% of ${sum(rs, 'c')}`; });
    const under = rows.filter((r) => r.captured && r.found[s] / r.captured < 0.9).length;
    const slots = [...new Set(rows.map((r) => r.slots[s]))].join(' / ');
    const stray = rows.reduce((a, r) => a + r.stray[s], 0);
    lines.push(`| ${label} (${new Set(rows.map((r) => r.page)).size}) | ${s} | ${slots} | ${speed[s].cycles_per_s.toFixed(1)} (${speed[s].fps.toFixed(1)}) | ${sum(rows, 'f')} / ${sum(rows, 'c')} = ${pct(sum(rows, 'f'), sum(rows, 'c'))}% | ${byView.join(' | ')} | ${under} of ${rows.filter((r) => r.captured).length} | ${stray} |`);
  }
}
console.log(lines.join('\n'));
fs.writeFileSync(path.join(HERE, 'out', 'live_recall.json'), JSON.stringify({ scales: SCALES, views: VIEWS, frames, speed }, null, 1));
