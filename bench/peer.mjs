// The peer comparison (tract-wasm against onnxruntime-web, model by model, both in a Web Worker of
// bench/page.html) and the headless Chromium it runs in, shared by bench/browser.mjs (`make bench`)
// and bench/peer_ab.mjs (several builds side by side), so both time the same calls.

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
/** Timed calls of each runtime per model. */
export const PEER_RUNS = { 'detector-640': 10, 'detector-320': 20, encoder: 20, 'decoder-b1': 50, 'decoder-b3': 50 };

export const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];

/**
 * Every model of PEER_RUNS timed by both runtimes in `page` (bench/page.html, ready): the peer
 * worker's load figures and, per model, its {tract, ort, max_abs_diff}; `onModel(model, r)` after each.
 */
export async function peerModels(page, onModel = () => {}) {
  const load = await page.evaluate(() => window.bench.peerStart());
  const models = {};
  for (const [m, n] of Object.entries(PEER_RUNS)) {
    // the GRU step's inputs only: recognizer v2's cached step has no peer run yet (its crop timings are
    // the browser table's)
    if (load.cached_decoder && m.startsWith('decoder')) continue;
    models[m] = await page.evaluate(([model, runs]) => window.bench.peerRun(model, runs), [m, n]);
    onModel(m, models[m]);
  }
  return { load, models };
}
