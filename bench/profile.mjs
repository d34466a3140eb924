// Where tract-wasm spends its time, per kind of operation (OptMatMul, DepthWiseConv, ...), for the
// detector at the page and preview sizes and for the encoder, and per node for one decoder step, in
// headless Chromium. Needs the bench build (bash bench/build_wasm.sh) and the app's models
// (scripts/build_web.sh).
//   node bench/profile.mjs [--runs N] [--knob NAME=VALUE ...]
// Each --knob sets one of tract's TRACT_* knobs for a second profile, printed after the plain one.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1]) || 20;
const knobs = argv.flatMap((a, i) => (argv[i - 1] === '--knob' ? [a.split('=')] : []));
const DETECTOR_SHAPES = [[192, 320], [608, 800]]; // a preview tile; an A4 page at long side 800

const server = await serve(ROOT);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/bench/page.html`);
  for (const set of [[], ...(knobs.length ? [knobs] : [])]) {
    const r = await page.evaluate((msg) => new Promise((resolve) => {
      const w = new Worker('/bench/profile-worker.mjs', { type: 'module' });
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.postMessage(msg);
    }), { knobs: set, runs, detectorShapes: DETECTOR_SHAPES });
    if (!r.ok) throw new Error(r.error);
    console.log(set.length ? `knobs: ${r.out.knobs.map(([k, v, ok]) => `${k}=${v}${ok ? '' : ' (unknown)'}`).join(', ')}` : 'tract defaults');
    for (const [model, p] of Object.entries(r.out)) {
      if (!p.total) continue;
      const ms = (v) => v.toFixed(v < 1 ? 3 : 1);
      console.log(`  ${model}: ${ms(p.total)} ms  ` + p.ops.slice(0, process.env.PROFILE_OPS ? Number(process.env.PROFILE_OPS) : 8).map(([op, t]) => `${op} ${ms(t)}`).join(', '));
    }
  }
} finally {
  await browser.close();
  await server.close();
}
