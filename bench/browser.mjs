// Browser benchmark driver: headless Debian Chromium (playwright-core) on bench/page.html.
//   node bench/browser.mjs [--runs N] [--cold N] [--preview-seconds S] [--workers N] [--base /bench/out/other/]
// --base: an engine build to compare (a folder holding pkg/ and models/, as www/ does); the app's
// worker loads it, the peer comparison is skipped, and the figures go to bench/out/browser-base.json.
// Measures, with the app's engine in its Web Worker: cold start (worker + wasm + models fetched,
// compiled, loaded), first result, warm end-to-end latency per fixture, live-preview detection
// frames per second; then tract-wasm vs onnxruntime-web model by model. Writes bench/out/browser.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import { CHROMIUM, CHROMIUM_FLAGS as FLAGS, median, peerModels } from './peer.mjs';
import { setup as appSetup, waitReady as appReady, liveRate } from '../tests/e2e/helpers.mjs';
import { swayingCamera } from '../tests/e2e/live-frames.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const strArg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
const BASE = strArg('--base');
const OUT = path.join(HERE, 'out', BASE ? 'browser-base.json' : 'browser.json');
// the live preview's camera frame (tests/e2e/live.test.mjs) and the capture's scale it tiles at (the detector's long side)
const PREVIEW_FRAME = '/tests/fixtures/e2e-camera-worksheet.mjpeg';
// frames of the swaying camera (tests/e2e/moving-camera.mjs) read as captures to score the live boxes
const MOVING_FRAMES = 12;
const PREVIEW_LONG_SIDE = JSON.parse(fs.readFileSync(path.join(ROOT, 'www', 'models', 'manifest.json'), 'utf8')).detector?.long_side || 800;

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = arg('--runs', 5), COLD = arg('--cold', 3), PREVIEW_SECONDS = arg('--preview-seconds', 4);
// --workers N: the engine pool's size (default: the app's, one per core up to 3); 1 for a --base
// build older than the page-job messages (worker.js 'stepwise')
const WORKERS = arg('--workers', 0);

const peerNeeds = ['bench/out/pkg/mathsnap_bg.wasm', 'bench/out/tensors/shapes.json', 'bench/node_modules/onnxruntime-web'];
for (const need of ['www/pkg/mathsnap_bg.wasm', 'www/models/manifest.json', 'bench/out/fixtures/fixtures.json', ...(BASE ? [] : peerNeeds)]) {
  if (!fs.existsSync(path.join(ROOT, need))) {
    console.error(`missing ${need}: run bench/run.sh (or make bench), which builds everything first`);
    process.exit(1);
  }
}
const fixtures = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/out/fixtures/fixtures.json'), 'utf8'));
const log = (...a) => console.error('[browser]', ...a);

const server = await serve(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
const result = { chromium: browser.version(), base: BASE, runs: RUNS, cold: [], warm: {}, worksheets: [], single: null, pool: null, preview: null, app_preview: null, app_preview_moving: null, first_visit: [], peer: null };
// the realistic page set: every page read WORKSHEET_RUNS times warm (the spread is across pages), the
// middle run reported: an odd count, so that it is a median (of two, the slower one was reported)
const WORKSHEET_RUNS = 3;

async function freshPage() {
  const context = await browser.newContext(); // its own HTTP cache: every fetch is a cold one
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') log('page:', m.text()); });
  page.on('pageerror', (e) => log('page error:', e.message));
  await page.goto(`${server.url}/bench/page.html`);
  await page.waitForFunction(() => window.benchReady === true);
  return { context, page };
}

try {
  const first = fixtures.find((f) => f.name === 'page-12mp-5f');
  let warmPage = null;
  for (let i = 0; i < COLD; i++) {
    const { context, page } = await freshPage();
    const cold = await page.evaluate(([b, n]) => window.bench.coldStart(b, n), [BASE, WORKERS]);
    const firstResult = await page.evaluate((f) => window.bench.recognize(f), first.file);
    log(`cold start ${cold.ms.toFixed(0)} ms, first result (${first.name}) ${firstResult.ms.toFixed(0)} ms`);
    result.cold.push({ start_ms: cold.ms, first_result_ms: firstResult.ms, first_input: first.name, inner: firstResult.inner });
    if (i === COLD - 1) warmPage = { context, page }; else await context.close();
  }
  const { page } = warmPage;
  result.pool = await page.evaluate(() => window.bench.poolReady());
  log(`pool: ${result.pool.workers} workers ready ${result.pool.ms.toFixed(0)} ms after the first result`);
  for (const f of fixtures.filter((x) => x.kind === 'page' || x.kind === 'crop')) {
    const opts = f.kind === 'crop' ? { single: true } : {};
    const runs = [];
    await page.evaluate(([file, o]) => window.bench.recognize(file, o), [f.file, opts]); // warm-up
    for (let i = 0; i < RUNS; i++) runs.push(await page.evaluate(([file, o]) => window.bench.recognize(file, o), [f.file, opts]));
    result.warm[f.name] = runs;
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    log(`${f.name}: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms, ${runs[0].formulas} formulas`);
  }
  for (const f of fixtures.filter((x) => x.kind === 'worksheet')) {
    await page.evaluate((file) => window.bench.recognize(file), f.file); // plans its shapes
    const runs = [];
    for (let i = 0; i < WORKSHEET_RUNS; i++) runs.push(await page.evaluate((file) => window.bench.recognize(file), f.file));
    const inOrder = runs.map((r) => r.ms);
    const sortedRuns = runs.sort((a, b) => a.ms - b.ms);
    result.worksheets.push({ name: f.name, expected: f.formulas, turned: f.turned, runs: WORKSHEET_RUNS, runs_ms: inOrder, ...sortedRuns[Math.floor(runs.length / 2)] });
  }
  if (result.worksheets.length) {
    const ms = result.worksheets.map((w) => w.ms).sort((a, b) => a - b);
    log(`worksheets: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms over ${ms.length} pages`);
  }
  result.preview = await page.evaluate(([url, side, s]) => window.bench.previewFps(url, side, s), [PREVIEW_FRAME, PREVIEW_LONG_SIDE, PREVIEW_SECONDS]);
  result.preview.input = path.basename(PREVIEW_FRAME);
  log(`preview: ${result.preview.fps.toFixed(1)} detections/s, ${result.preview.cycles_per_s.toFixed(1)} cycles/s`);
  await warmPage.context.close();

  // the same engine with one worker, beside the pool: what the pool buys on a many-formula page
  {
    const { context, page: one } = await freshPage();
    await one.evaluate((b) => window.bench.coldStart(b, 1), BASE);
    const single = {};
    for (const name of ['page-12mp-5f', 'page-12mp-8f']) {
      const f = fixtures.find((x) => x.name === name);
      await one.evaluate((file) => window.bench.recognize(file), f.file);
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await one.evaluate((file) => window.bench.recognize(file), f.file));
      single[name] = runs;
    }
    result.single = single;
    await context.close();
  }

  if (!BASE) {
    for (let i = 0; i < COLD; i++) result.first_visit.push(await firstVisit());
    log(`first visit, page shown -> first result on the sample photo: ${result.first_visit.map((v) => `${v.shown_to_result_ms.toFixed(0)} ms`).join(', ')}`);
    result.app_preview = await appPreview();
    log(`preview in the app: ${result.app_preview.fps.toFixed(1)} detections/s, ${result.app_preview.cycles_per_s.toFixed(1)} cycles/s`);
    result.app_preview_moving = await appPreviewMoving();
    const m = result.app_preview_moving;
    if (m) log(`preview on a moving camera: ${m.followed_per_s.toFixed(1)} frames followed/s, boxes drawn found ${m.drawn}/${m.captured}, as found ${m.asFound}/${m.captured}`);
    await peerComparison();
  }
} finally {
  await browser.close();
  await server.close();
}
fs.writeFileSync(OUT, JSON.stringify(result, null, 1));
log(`wrote ${path.relative(ROOT, OUT)}`);

/**
 * A first visit as a student makes it: the app in a fresh browser profile (nothing cached, the
 * service worker not yet in charge), the sample photo asked for as soon as the page is shown
 * (first contentful paint): navigation to page shown, and page shown to the first result drawn
 * (engine fetched, compiled and loaded, the photo read).
 */
async function firstVisit() {
  const env = await appSetup({ camera: false });
  try {
    const page = await (await env.newContext()).newPage();
    await page.goto(env.url, { waitUntil: 'commit' });
    // the first contentful paint (the observer also hears 'first-paint', which may come first)
    const shown = await page.evaluate(() => new Promise((resolve) => {
      new PerformanceObserver((list, obs) => {
        const fcp = list.getEntriesByName('first-contentful-paint')[0];
        if (fcp) { obs.disconnect(); resolve(fcp.startTime); }
      }).observe({ type: 'paint', buffered: true });
    }));
    // the app's script has run (its buttons work) once it marks its state; a student's tap waits for that too
    await page.waitForFunction(() => document.documentElement.dataset.state === 'idle');
    await page.click('#sample');
    await page.waitForFunction(() => ['done', 'empty', 'error'].includes(document.documentElement.dataset.state) && Number(document.documentElement.dataset.seq || 0) > 0, null, { timeout: 120000 });
    const done = await page.evaluate(() => ({ t: performance.now(), state: document.documentElement.dataset.state, formulas: document.querySelectorAll('#cards .card').length }));
    return { shown_ms: shown, shown_to_result_ms: done.t - shown, state: done.state, formulas: done.formulas };
  } finally {
    await env.close();
  }
}

/**
 * The live preview as a student gets it: the app itself (www/, its own browser with the fake camera
 * showing PREVIEW_FRAME's video, as tests/e2e/live.test.mjs runs it), where the camera, the page and
 * the overlay share the machine with the workers. Overlay updates (one a detection) a second.
 */
async function appPreview() {
  const env = await appSetup({ cameraFile: path.basename(PREVIEW_FRAME) });
  try {
    const page = await (await env.newContext()).newPage();
    await page.goto(env.url);
    await appReady(page);
    await page.click('#camera-start');
    return await liveRate(page, PREVIEW_SECONDS * 1000);
  } finally {
    await env.close();
  }
}

/**
 * The same with the camera swaying as a hand-held phone does (tests/e2e/moving-camera.mjs, as
 * tests/e2e/live-moving.test.mjs runs it): camera frames followed a second (the boxes moved with the
 * page), draws and detections a second, and on MOVING_FRAMES frames as the overlay showed them, how
 * many of the formulas a capture of the frame reads the boxes drawn found, and the same boxes where
 * they were detected.
 */
function appPreviewMoving() {
  return swayingCamera({ seconds: PREVIEW_SECONDS, frames: MOVING_FRAMES });
}

/** tract-wasm vs onnxruntime-web, model by model, in a fresh page. */
async function peerComparison() {
  const { context, page: peerPage } = await freshPage();
  result.peer = await peerModels(peerPage, (m, r) =>
    log(`${m}: tract ${median(r.tract).toFixed(1)} ms, onnxruntime-web ${median(r.ort).toFixed(1)} ms, max |diff| ${r.max_abs_diff.toExponential(1)}`));
  await context.close();
}
