// Browser side of the benchmark (driven by bench/browser.mjs through window.bench).
// The engine is the app's own: www/engine-client.js starting www/worker.js, the same calls the
// app makes. The model-by-model peer comparison runs in bench/models-worker.mjs.
import { EngineClient } from '/www/engine-client.js';
import { previewSlots, slotBitmap, slotQuads, liveQuads } from '/www/lib/live-tiles.js';

const FIXTURES = '/bench/out/fixtures/';
const files = new Map(); // name -> ArrayBuffer, fetched before any timing
let engine = null;
let peer = null;

async function bytesOf(name) {
  if (!files.has(name)) {
    const res = await fetch(FIXTURES + name);
    if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
    files.set(name, await res.arrayBuffer());
  }
  return files.get(name);
}

function call(worker, msg) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.ok ? resolve(e.data.result) : reject(new Error(e.data.error)));
    worker.postMessage(msg);
  });
}

/** One slot of `frame` detected on worker `w`, as app.js's detectSlot asks it. */
async function detectSlot(frame, slot, w) {
  return engine.detectBitmap(await slotBitmap(frame, slot), Math.max(slot.dw, slot.dh), w);
}

/**
 * The preview's slots at `tileScale`: a number (the tiles' share of the capture's scale), 'B+C'
 * (tiles at B and close tiles at C), or undefined (the tiles at the capture's scale, no close tiles).
 */
function slotsAt(vw, vh, longSide, tileScale) {
  if (tileScale === undefined) return previewSlots(vw, vh, longSide);
  const [base, close] = String(tileScale).split('+').map(Number);
  return previewSlots(vw, vh, longSide, base, close || 0);
}

window.bench = {
  /** Worker start, wasm and models fetched, compiled and loaded: until the engine says ready. */
  async coldStart(base, workers) {
    const t0 = performance.now();
    engine = new EngineClient({ workerUrl: '/www/worker.js', ...(base ? { base } : {}), ...(workers ? { workers } : {}) });
    await engine.start();
    return { ms: performance.now() - t0, info: engine.info, pool: engine.size };
  },

  /** Until every worker of the pool is ready (the others start from the first one's compiled module). */
  async poolReady() {
    const t0 = performance.now();
    const workers = await engine.whenPoolReady();
    return { ms: performance.now() - t0, workers };
  },

  /** One recognition of a fixture as the app sends a dropped file (bytes transferred to the worker). */
  async recognize(name, opts = {}) {
    const buf = (await bytesOf(name)).slice(0);
    const t0 = performance.now();
    const r = await engine.recognizeBytes(buf, { beam: 3, ...opts });
    return { ms: performance.now() - t0, inner: r.ms, work: r.work, formulas: (r.formulas || []).length, rotation: r.rotation, workers: engine.readyWorkers };
  },

  /**
   * The live preview as app.js runs it (www/lib/live-tiles.js): the camera frame `url` cut into the
   * cycle's slots (the whole frame, then tiles at the capture's scale `longSide`), one detection per
   * slot, every worker of the pool busy, back to back for `seconds`: detections per second, and how
   * often the whole cycle (every box) is refreshed.
   */
  async previewFps(url, longSide, seconds, tileScale) {
    const frame = await createImageBitmap(new Blob([await (await fetch(url)).arrayBuffer()]));
    const slots = slotsAt(frame.width, frame.height, longSide, tileScale);
    const workers = engine.readyWorkers;
    for (let w = 0; w < workers; w++) { // every worker plans the slots' shapes once
      for (const s of slots.slice(0, 2)) await detectSlot(frame, s, w);
    }
    const inner = [];
    let frames = 0, next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      while (performance.now() - t0 < seconds * 1000) {
        const r = await detectSlot(frame, slots[next++ % slots.length], w);
        inner.push(r.ms);
        frames++;
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    return { frames, seconds: elapsed, fps: frames / elapsed, inner, slots: slots.length, workers,
      frame: [frame.width, frame.height], cycles_per_s: frames / elapsed / slots.length };
  },

  /**
   * What the live boxes find against what a capture reads, on a camera frame made from the fixture
   * `name` (bench/live_recall.mjs): the page drawn on a desk into a `vw` x `vh` frame, its height
   * `zoom` times the frame's (above 1 the camera is close and the page's middle fills the frame),
   * turned `turn` degrees. The capture reads the frame as app.js's capture does (a PNG of it, the
   * whole pipeline); the preview runs one cycle of its slots for each tile scale in `tileScales`.
   * Quads in the frame's pixels.
   */
  async previewRecall(name, { vw, vh, zoom, turn, longSide, tileScales }) {
    const page = await createImageBitmap(new Blob([await bytesOf(name)]));
    const canvas = new OffscreenCanvas(vw, vh);
    const g = canvas.getContext('2d');
    const desk = g.createLinearGradient(0, 0, vw, vh);
    desk.addColorStop(0, '#6f5d4a');
    desk.addColorStop(1, '#a3906f');
    g.fillStyle = desk;
    g.fillRect(0, 0, vw, vh);
    const h = zoom * vh, w = h * page.width / page.height;
    g.translate(vw / 2, vh / 2);
    g.rotate(turn * Math.PI / 180);
    g.drawImage(page, -w / 2, -h / 2, w, h);
    const frame = await createImageBitmap(canvas);
    const png = await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer();
    const read = await engine.recognizeBytes(png, { beam: 3 });
    const captured = (read.formulas || []).map((f) => f.quad);
    const live = {};
    for (const ts of tileScales) {
      const slots = slotsAt(vw, vh, longSide, ts);
      const found = [];
      let next = 0;
      await Promise.all(Array.from({ length: engine.readyWorkers }, async (_, w) => {
        for (let k = next++; k < slots.length; k = next++) {
          const r = await detectSlot(frame, slots[k], w);
          found[k] = slotQuads(slots[k], r.regions || []);
        }
      }));
      live[ts] = { quads: liveQuads(slots, found, vw, vh, longSide), slots: slots.length };
    }
    return { captured, live };
  },

  /** tract-wasm and onnxruntime-web on identical model inputs (bench/models-worker.mjs): load both. */
  async peerStart() {
    peer = new Worker('/bench/models-worker.mjs', { type: 'module' });
    return call(peer, { type: 'init' });
  },

  /** One model, `runs` timed calls of each runtime. */
  peerRun(model, runs) {
    return call(peer, { type: 'run', model, runs });
  },
};
window.benchReady = true;
