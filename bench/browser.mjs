// Browser benchmark driver: headless Debian Chromium (playwright-core) on bench/page.html.
//   node bench/browser.mjs [--runs N] [--cold N] [--preview-seconds S] [--base /bench/out/other/]
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

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const strArg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
const BASE = strArg('--base');
const OUT = path.join(HERE, 'out', BASE ? 'browser-base.json' : 'browser.json');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
const PREVIEW_LONG_SIDE = 320; // www/app.js LIVE_DETECT_SIDE

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = arg('--runs', 5), COLD = arg('--cold', 3), PREVIEW_SECONDS = arg('--preview-seconds', 4);
const PEER_RUNS = { 'detector-640': 10, 'detector-320': 20, encoder: 20, 'decoder-b1': 50, 'decoder-b3': 50 };

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
const result = { chromium: browser.version(), base: BASE, runs: RUNS, cold: [], warm: {}, preview: null, peer: null };

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
    const cold = await page.evaluate((b) => window.bench.coldStart(b), BASE);
    const firstResult = await page.evaluate((f) => window.bench.recognize(f), first.file);
    log(`cold start ${cold.ms.toFixed(0)} ms, first result (${first.name}) ${firstResult.ms.toFixed(0)} ms`);
    result.cold.push({ start_ms: cold.ms, first_result_ms: firstResult.ms, first_input: first.name, inner: firstResult.inner });
    if (i === COLD - 1) warmPage = { context, page }; else await context.close();
  }
  const { page } = warmPage;
  for (const f of fixtures.filter((x) => x.kind !== 'preview')) {
    const opts = f.kind === 'crop' ? { single: true } : {};
    const runs = [];
    await page.evaluate(([file, o]) => window.bench.recognize(file, o), [f.file, opts]); // warm-up
    for (let i = 0; i < RUNS; i++) runs.push(await page.evaluate(([file, o]) => window.bench.recognize(file, o), [f.file, opts]));
    result.warm[f.name] = runs;
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    log(`${f.name}: median ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms, ${runs[0].formulas} formulas`);
  }
  const preview = fixtures.find((f) => f.kind === 'preview');
  result.preview = await page.evaluate(([file, side, s]) => window.bench.previewFps(file, side, s), [preview.file, PREVIEW_LONG_SIDE, PREVIEW_SECONDS]);
  result.preview.input = preview.name;
  log(`preview: ${result.preview.fps.toFixed(1)} frames/s`);
  await warmPage.context.close();

  if (!BASE) await peerComparison();
} finally {
  await browser.close();
  await server.close();
}
fs.writeFileSync(OUT, JSON.stringify(result, null, 1));
log(`wrote ${path.relative(ROOT, OUT)}`);

/** tract-wasm vs onnxruntime-web, model by model, in a fresh page. */
async function peerComparison() {
  const { context, page: peerPage } = await freshPage();
  result.peer = { load: await peerPage.evaluate(() => window.bench.peerStart()), models: {} };
  const med = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  for (const [m, n] of Object.entries(PEER_RUNS)) {
    const r = await peerPage.evaluate(([model, runs]) => window.bench.peerRun(model, runs), [m, n]);
    result.peer.models[m] = r;
    log(`${m}: tract ${med(r.tract).toFixed(1)} ms, onnxruntime-web ${med(r.ort).toFixed(1)} ms, max |diff| ${r.max_abs_diff.toExponential(1)}`);
  }
  await context.close();
}
