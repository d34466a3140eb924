// Model-by-model peer comparison, in a worker like the engine: tract-wasm (the engine's build
// with the bench-api feature, bench/out/pkg) against onnxruntime-web (wasm backend, one
// thread, SIMD) on identical input tensors that the engine's own preprocessing made
// (bench/out/tensors, written by the native benchmark). Runs alternate between the two so
// background load hits both alike. Each timed call includes copying inputs in and outputs out,
// for both runtimes.
import init, { ModelBench } from '/bench/out/pkg/mathsnap.js';
import * as ort from '/bench/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';

const MODELS = '/www/models/'; // as the app ships them (float16 storage, scripts/build_web.sh)
const TENSORS = '/bench/out/tensors/';
let tract = null;
const sessions = {};
let shapes = null;
const tensors = {};

const f32 = async (name) => new Float32Array(await (await fetch(TENSORS + name)).arrayBuffer());
const bytes = async (name) => new Uint8Array(await (await fetch(MODELS + name)).arrayBuffer());
/** [rows, cols] row-major -> [cols, rows] (the decoder takes the crop's keys as [A, S]). */
const transpose = (v, rows, cols) => {
  const o = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) o[c * rows + r] = v[r * cols + c];
  return o;
};

async function setUp() {
  shapes = await (await fetch(TENSORS + 'shapes.json')).json();
  for (const n of ['detector-640', 'detector-320', 'encoder', 'memory', 'keys']) tensors[n] = await f32(n + '.f32');
  const [det, enc, dec] = await Promise.all(['detector.onnx', 'recognizer_encoder.onnx', 'recognizer_decoder.onnx'].map(bytes));
  await init({ module_or_path: '/bench/out/pkg/mathsnap_bg.wasm' });
  let t = performance.now();
  tract = new ModelBench(det, enc, dec);
  const tractLoad = performance.now() - t;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = '/bench/node_modules/onnxruntime-web/dist/';
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  t = performance.now();
  sessions.detector = await ort.InferenceSession.create(det, opts);
  sessions.encoder = await ort.InferenceSession.create(enc, opts);
  sessions.decoder = await ort.InferenceSession.create(dec, opts);
  const ortLoad = performance.now() - t;
  // recognizer v2's cached transformer step (cached_decoder.py: token, position, mask, the cache, the crop's
  // cross-attention values and keys) takes other inputs than the GRU step `runners` feeds; the manifest's
  // `transformer` entry says which decoder ships, as it tells the engine (src/recognizer/cached.rs)
  const manifest = await (await fetch(MODELS + 'manifest.json')).json();
  const cachedDecoder = Boolean(manifest.recognizer?.transformer);
  return { tract_ms: tractLoad, ort_ms: ortLoad, ort_version: ort.env.versions?.web || null, cached_decoder: cachedDecoder };
}

/** [tract call, ort call], each returning the outputs flattened in graph order. */
function runners(model) {
  const flatOrt = async (s, feeds) => {
    const r = await s.run(feeds);
    const parts = s.outputNames.map((n) => r[n].data);
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  if (model.startsWith('detector')) {
    const x = tensors[model], [, , h, w] = shapes[model];
    return [() => tract.detector(x, h, w), () => flatOrt(sessions.detector, { image: new ort.Tensor('float32', x, shapes[model]) })];
  }
  if (model === 'encoder') {
    const x = tensors.encoder;
    return [() => tract.encoder(x), () => flatOrt(sessions.encoder, { image: new ort.Tensor('float32', x, shapes.encoder) })];
  }
  const b = Number(model.split('-b')[1]); // decoder-b3: one step for a beam of 3
  const { hidden: H, slots: S, bos } = shapes.decoder;
  const [, D] = shapes.memory, [, A] = shapes.keys;
  // the crop's memory and transposed keys once for the beam, as the engine gives them
  const hidden = new Float32Array(b * H), coverage = new Float32Array(b * S);
  const memory = tensors.memory, keysT = transpose(tensors.keys, S, A);
  const tokens = new Int32Array(b).fill(bos);
  const feeds = () => ({
    token: new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [b]),
    hidden: new ort.Tensor('float32', hidden, [b, H]),
    coverage: new ort.Tensor('float32', coverage, [b, S]),
    memory: new ort.Tensor('float32', memory, [S, D]),
    keys_t: new ort.Tensor('float32', keysT, [A, S]),
  });
  return [() => tract.decoder(tokens, hidden, coverage, memory, keysT, S), () => flatOrt(sessions.decoder, feeds())];
}

async function run(model, runs) {
  const [tractRun, ortRun] = runners(model);
  const a = await tractRun(), b = await ortRun(); // warm-up, and the outputs compared
  let maxDiff = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length && i < b.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  await tractRun(); await ortRun();
  const tractMs = [], ortMs = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await tractRun();
    tractMs.push(performance.now() - t);
    t = performance.now();
    await ortRun();
    ortMs.push(performance.now() - t);
  }
  return { tract: tractMs, ort: ortMs, max_abs_diff: maxDiff, outputs: a.length };
}

self.onmessage = async (e) => {
  try {
    const m = e.data;
    const result = m.type === 'init' ? await setUp() : await run(m.model, m.runs);
    self.postMessage({ ok: true, result });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err && err.stack || err) });
  }
};
