// Two engine builds side by side in one headless Chromium, on the realistic page set: each build's
// engine (its worker pool, as the app sizes it) warm in its own page, every worksheet read by one
// build then the other, which goes first swapping page by page and round by round. Timing noise on
// this 2-core machine moves with time (other work, V8's state), so builds measured in turn, minutes
// apart, differ by as much as the levers do; alternating page by page spreads it over both.
//   node bench/ab.mjs --a /bench/out/old/ --b /bench/out/new/ [--rounds 2] [--pages REGEX] [--kinds worksheet,page]
// A build is a folder holding pkg/ and models/, as www/ does (served from the repository root).
// Prints each page's fastest read per build (its detection, passes, turn and formulas beside it)
// and the sums and medians of those minima; writes bench/out/ab.json. Inputs: bench/out/fixtures
// (bench/make_fixtures.py, as `make bench` makes them).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const option = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const builds = { A: option('--a'), B: option('--b') };
if (!builds.A || !builds.B) {
  console.error('usage: node bench/ab.mjs --a /bench/out/old/ --b /bench/out/new/ [--rounds 2] [--pages REGEX] [--kinds worksheet,page]');
  process.exit(2);
}
const ROUNDS = Number(option('--rounds', 2));
const only = new RegExp(option('--pages', '.'));
const kinds = option('--kinds', 'worksheet').split(',');
const fixtures = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/out/fixtures/fixtures.json'), 'utf8'))
  .filter((f) => kinds.includes(f.kind) && only.test(f.name));

const server = await serve(ROOT);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
const reads = { A: {}, B: {} };
try {
  const pages = {};
  for (const [k, base] of Object.entries(builds)) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/bench/page.html`);
    await page.waitForFunction(() => window.benchReady === true);
    await page.evaluate((b) => window.bench.coldStart(b, 0), base);
    await page.evaluate(() => window.bench.poolReady());
    pages[k] = page;
  }
  // a crop is read as one formula, as `make bench` reads it (bench/browser.mjs)
  const read = (k, f) => pages[k].evaluate(([file, o]) => window.bench.recognize(file, o), [f.file, f.kind === 'crop' ? { single: true } : {}]);
  for (const f of fixtures) for (const k of ['A', 'B']) await read(k, f); // each build plans the page's shapes
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, f] of fixtures.entries()) {
      for (const k of (i + round) % 2 ? ['B', 'A'] : ['A', 'B']) {
        const r = await read(k, f);
        (reads[k][f.name] ||= []).push({ ms: r.ms, detect: r.inner.detect, work: r.work, rotation: r.rotation, formulas: r.formulas });
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const fastest = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const describe = (r) => `${r.ms.toFixed(0)} ms (detect ${r.detect.toFixed(0)}, ${r.work.detector_passes} passes, ${r.work.banded_passes} in bands, turn ${r.rotation}, ${r.formulas} formulas)`;
for (const f of fixtures) console.log(`${f.name}  A ${describe(fastest(reads.A[f.name]))}  |  B ${describe(fastest(reads.B[f.name]))}`);
for (const k of ['A', 'B']) {
  const minima = fixtures.map((f) => fastest(reads[k][f.name]).ms);
  console.log(`${k} (${builds[k]}): ${fixtures.length} pages, fastest reads summed ${(minima.reduce((a, b) => a + b, 0) / 1000).toFixed(2)} s, median ${median(minima).toFixed(0)} ms`);
}
fs.writeFileSync(path.join(ROOT, 'bench/out/ab.json'), JSON.stringify({ builds, rounds: ROUNDS, reads }, null, 1));
