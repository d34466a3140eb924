// The peer comparison of bench/browser.mjs (tract-wasm against onnxruntime-web, model by model) for
// several engine builds, alternating build by build and round by round, so that a change to a kernel
// or a model is measured beside the build before it in the same minutes:
//   node bench/peer_ab.mjs ROUNDS DIR...
// Each DIR holds a bench build's wasm-bindgen output (a copy of bench/out/pkg after
// bash bench/build_wasm.sh); it is copied into bench/out/pkg in turn, which is left holding the last.
// Prints each round's medians, then per build the median over rounds and the tract / ort ratio.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';
import { CHROMIUM, CHROMIUM_FLAGS, median as med, peerModels } from './peer.mjs';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT);
const [rounds, ...dirs] = process.argv.slice(2);
if (!(Number(rounds) > 0) || !dirs.length || dirs.some((d) => !fs.existsSync(path.join(d, 'mathsnap_bg.wasm')))) {
  console.error('usage: node bench/peer_ab.mjs ROUNDS DIR... (each DIR a bench build: mathsnap.js + mathsnap_bg.wasm)');
  process.exit(1);
}
const server = await serve(ROOT);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
const res = {};
try {
  for (let r = 0; r < Number(rounds); r++) {
    const order = r % 2 ? [...dirs].reverse() : dirs;
    for (const d of order) {
      fs.rmSync('bench/out/pkg', { recursive: true, force: true });
      fs.cpSync(d, 'bench/out/pkg', { recursive: true });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/bench/page.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const line = [];
      await peerModels(page, (m, x) => {
        ((res[d] ??= {})[m] ??= { tract: [], ort: [] });
        res[d][m].tract.push(med(x.tract)); res[d][m].ort.push(med(x.ort));
        line.push(`${m} ${med(x.tract).toFixed(2)}/${med(x.ort).toFixed(2)} diff ${x.max_abs_diff.toExponential(1)}`);
      });
      console.log(`round ${r} ${path.basename(d)}: ${line.join(', ')}`);
      await context.close();
    }
  }
  for (const d of dirs) {
    console.log(path.basename(d), Object.entries(res[d]).map(([m, v]) => `${m} tract ${med(v.tract).toFixed(2)} ort ${med(v.ort).toFixed(2)} ratio ${(med(v.tract) / med(v.ort)).toFixed(2)}`).join(' | '));
  }
} finally { await browser.close(); await server.close(); }
