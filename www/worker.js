// mathsnap engine worker (module worker, same origin).
// Loads the wasm engine and the ONNX models with streamed progress, then answers jobs:
//   main -> worker  {type:'init', base?, manifestUrl?, wasmUrl?, module?: WebAssembly.Module}
//   worker -> main  {type:'progress', file, loaded, total, overall:{loaded,total,files,done}}
//                   {type:'ready', info:{ms, bytes}, module}   |   {type:'init-error', error:{code,message,url?}}
//                   (module: the compiled wasm, handed to the pool's other workers so they need not compile it)
//   main -> worker  {id, type:'recognize', bytes:ArrayBuffer, opts}
//                   {id, type:'recognizeRgba', rgba:ArrayBuffer, width, height, opts}   (rgba.byteLength = width×height×4)
//                   {id, type:'recognizeBitmap', bitmap:ImageBitmap, opts}
//                   {id, type:'detectBitmap', bitmap:ImageBitmap, longSide?}
//   worker -> main  {id, ok:true, result} | {id, ok:false, error:{code,message}}
// The worker pool (engine-client.js) reads a page's crops on several workers (src/page_read.rs):
//   main -> worker  {id, type:'recognize'|'recognizeRgba'|'recognizeBitmap', ..., stepwise:true}
//   worker -> main  {id, ok:true, result:{page, crops:[{width,height,rgb:Uint8Array}]}}   (or {result} when done)
//   main -> worker  {id, type:'readCrop', rgb:ArrayBuffer, width, height, opts}  -> {latex, confidence, upsideDown}   (any worker)
//                   {id, type:'pageSupply', page, readings:[{latex,confidence,upsideDown}]}   -> the next {page, crops} or {result}
//                   {id, type:'pageDrop', page}   (a page abandoned: its job is freed)
// A picture read as one formula (opts.single) is read by two workers where the pool has them: one
// reads its first view alone while another encodes its other views from the same bytes, which the
// first takes only if its first view was unsure (src/recognizer/views.rs):
//   main -> worker  {id, type:'recognize', bytes, opts:{single:true}, stepwise:true}
//   worker -> main  {id, ok:true, result:{result}}   (read already)   |   {id, ok:true, result:{single}}   (waiting)
//   main -> worker  {id, type:'otherViews', bytes}   -> {views:[{memory:Float32Array, keys:Float32Array}]}   (any worker)
//                   {id, type:'singleSupply', single, views|null}   -> the result (null: the worker encodes them itself)
//                   {id, type:'singleDrop', single}   (a single-formula job abandoned: freed)
// A page whose small-print look is cut in detector bands (opts.detectorBands, one per worker) first hands out bands:
//   worker -> main  {id, ok:true, result:{page, bands:[{width,height,rgb:Uint8Array}]}}
//   main -> worker  {id, type:'detectBand', rgb:ArrayBuffer, width, height}  -> {width, height, data:Float32Array}   (any worker)
//                   {id, type:'pageSupplyMaps', page, maps:[{width,height,data}]}   -> the next {page, bands|crops} or {result}
// Every message is validated first (worker-messages.js): a malformed one is answered with
// {id, ok:false, error:{code:'bad_input', message}}; one without an id with {type:'error', id:null, ok:false, error}.
// A wasm trap (WebAssembly.RuntimeError) is reported with code 'crash': the main thread then
// terminates this worker and starts a fresh one, because the wasm instance may be left broken.

import { validateInit, validateJob, BadInput } from './worker-messages.js';

let engine = null;
let initPromise = null;
let compiled = null; // the WebAssembly.Module, handed to the pool's other workers
const pages = new Map(); // page id -> PageJob (wasm), while the pool reads its crops
let nextPage = 1;
const singles = new Map(); // single-formula job id -> SingleJob (wasm), while another worker encodes its other views
let nextSingle = 1;
let canvas = null;
let ctx = null;

// Test hook: set from a debugger/test (worker.evaluate) to simulate a wasm trap on the next job.
globalThis.__mathsnapSimulateTrap = false;

class LoadError extends Error {
  constructor(code, message, url) {
    super(message);
    this.code = code;
    this.url = url;
  }
}

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

function errorPayload(e) {
  if (e instanceof WebAssembly.RuntimeError) {
    return { code: 'crash', message: `The engine crashed (${e.message}).` };
  }
  const code = (e && typeof e === 'object' && typeof e.code === 'string') ? e.code : 'internal';
  const message = e && e.message ? String(e.message) : String(e);
  return { code, message, url: e && e.url };
}

/** Fetch url as bytes, reporting progress through onProgress(loaded, total). */
async function fetchBytes(url, onProgress) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new LoadError('load', `Could not fetch ${url}: ${e.message}`, url);
  }
  if (!res.ok) throw new LoadError('load', `Could not load ${url}: HTTP ${res.status} ${res.statusText}`.trim(), url);
  const total = Number(res.headers.get('content-length')) || 0;
  onProgress(0, total);
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress(buf.length, buf.length);
    return { bytes: buf, res };
  }
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, Math.max(total, loaded));
  }
  const bytes = new Uint8Array(loaded);
  let off = 0;
  for (const c of chunks) { bytes.set(c, off); off += c.length; }
  onProgress(loaded, loaded);
  return { bytes, res };
}

function checkWasm(url, bytes, res) {
  const type = (res.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  const magicOk = bytes.length >= 8 && bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (!magicOk) {
    const head = new TextDecoder().decode(bytes.subarray(0, 16)).replace(/[^\x20-\x7e]/g, '.');
    throw new LoadError('wasm',
      `${url} is not a WebAssembly file (it starts with "${head}" instead of "\\0asm"; content-type "${type || 'none'}"). ` +
      'Rebuild it with scripts/build_web.sh.', url);
  }
  if (type !== 'application/wasm') {
    throw new LoadError('wasm',
      `${url} is served with content-type "${type || 'none'}" instead of "application/wasm". ` +
      'Serve the app with scripts/serve.mjs or configure the server’s MIME types.', url);
  }
}

/**
 * The model files named by models/manifest.json (see src/models.rs):
 * {recognizer: {encoder, decoder, decoder_r2l?, ...}, detector?: {file, ...}, sha256: {file: hex}}.
 * The detector is optional: without it the engine reads the whole picture as one formula. So is the
 * right-to-left decoder: without it the beam is not rescored.
 */
export function modelFiles(manifest) {
  const sha = (f) => (f && manifest.sha256 && typeof manifest.sha256[f] === 'string' ? manifest.sha256[f] : null);
  const entry = (f) => (typeof f === 'string' && f ? { file: f, sha256: sha(f) } : null);
  const rec = manifest.recognizer || {};
  return {
    detector: manifest.detector ? entry(manifest.detector.file) : null,
    encoder: entry(rec.encoder) || entry('recognizer_encoder.onnx'),
    decoder: entry(rec.decoder) || entry('recognizer_decoder.onnx'),
    decoderR2l: entry(rec.decoder_r2l),
  };
}

async function sha256Hex(bytes) {
  const d = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function init(msg) {
  const t0 = performance.now();
  const base = new URL(msg.base || './', self.location.href);
  const manifestUrl = new URL(msg.manifestUrl || 'models/manifest.json', base);
  const wasmUrl = new URL(msg.wasmUrl || 'pkg/mathsnap_bg.wasm', base);
  const glueUrl = new URL(msg.glueUrl || 'pkg/mathsnap.js', base);

  const progress = new Map(); // file -> {loaded,total}
  let lastPost = 0;
  const report = (file, loaded, total, force) => {
    progress.set(file, { loaded, total });
    const now = performance.now();
    if (!force && now - lastPost < 50) return;
    lastPost = now;
    let L = 0, T = 0, done = 0;
    for (const p of progress.values()) { L += p.loaded; T += p.total; if (p.total && p.loaded >= p.total) done++; }
    post({ type: 'progress', file, loaded, total, overall: { loaded: L, total: T, files: progress.size, done } });
  };

  const manifestName = manifestUrl.pathname.split('/').pop();
  const { bytes: mBytes } = await fetchBytes(manifestUrl.href, (l, t) => report(manifestName, l, t));
  const manifestText = new TextDecoder().decode(mBytes);
  let manifest;
  try {
    manifest = JSON.parse(manifestText);
  } catch (e) {
    throw new LoadError('load', `${manifestUrl.href} is not valid JSON (${e.message}).`, manifestUrl.href);
  }
  const files = modelFiles(manifest);
  const modelDir = new URL('./', manifestUrl);

  const wasmJob = msg.module ? Promise.resolve(null) : fetchBytes(wasmUrl.href, (l, t) => report('mathsnap_bg.wasm', l, t)).then(({ bytes, res }) => {
    checkWasm(wasmUrl.href, bytes, res);
    return bytes;
  });
  const modelJobs = ['detector', 'encoder', 'decoder', 'decoderR2l'].map(async (role) => {
    if (!files[role]) return null; // no detector or right-to-left decoder shipped
    const { file, sha256 } = files[role];
    const url = new URL(file, modelDir).href;
    const { bytes } = await fetchBytes(url, (l, t) => report(file, l, t));
    if (sha256 && crypto.subtle) {
      const got = await sha256Hex(bytes);
      if (got !== sha256.toLowerCase()) {
        throw new LoadError('model', `${url} is corrupt or out of date (sha256 ${got.slice(0, 12)}…, manifest says ${sha256.slice(0, 12)}…).`, url);
      }
    }
    return bytes;
  });
  const [wasmBytes, det, enc, dec, decR2l] = await Promise.all([wasmJob, ...modelJobs]);
  if (wasmBytes) report('mathsnap_bg.wasm', wasmBytes.length, wasmBytes.length, true);

  let mod;
  try {
    mod = await import(glueUrl.href);
  } catch (e) {
    throw new LoadError('load', `Could not load ${glueUrl.href}: ${e.message}`, glueUrl.href);
  }
  try {
    compiled = msg.module || await WebAssembly.compile(wasmBytes);
    await mod.default({ module_or_path: compiled });
  } catch (e) {
    throw new LoadError('wasm', `Could not start ${wasmUrl.href}: ${e.message}`, wasmUrl.href);
  }
  try {
    engine = new mod.Engine(manifestText, det, enc, dec, decR2l);
  } catch (e) {
    const p = errorPayload(e);
    throw new LoadError(p.code === 'internal' ? 'model' : p.code, `The models could not be loaded: ${p.message}`, manifestUrl.href);
  }
  let hasDetector = !!det;
  try { if (typeof engine.hasDetector === 'function') hasDetector = !!engine.hasDetector(); } catch { /* older engines */ }
  return {
    ms: Math.round(performance.now() - t0),
    bytes: (wasmBytes ? wasmBytes.length : 0) + (det ? det.length : 0) + enc.length + dec.length + (decR2l ? decR2l.length : 0),
    hasDetector,
    // the detector's working size: what a capture's long side is scaled to (the live preview matches it)
    detectorLongSide: detectorLongSide(manifestText),
  };
}

function detectorLongSide(manifestText) {
  try { return JSON.parse(manifestText).detector?.long_side || null; } catch { return null; }
}

function bitmapToRgba(bitmap) {
  const w = bitmap.width, h = bitmap.height;
  if (!canvas || canvas.width !== w || canvas.height !== h) {
    canvas = new OffscreenCanvas(w, h);
    ctx = canvas.getContext('2d', { willReadFrequently: true });
  }
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const img = ctx.getImageData(0, 0, w, h);
  return { rgba: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength), w, h };
}

/** wasm-bindgen/serde may hand back Maps; make plain, cloneable objects. */
function plain(v) {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (ArrayBuffer.isView(v)) return Array.from(v);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = plain(v[k]);
    return o;
  }
  return v;
}

function maybeTrap() {
  if (globalThis.__mathsnapSimulateTrap) {
    globalThis.__mathsnapSimulateTrap = false;
    throw new WebAssembly.RuntimeError('unreachable (simulated trap)');
  }
}

async function runJob(msg) {
  const job = validateJob(msg); // bad_input before anything else, even before the engine is loaded
  if (!engine) throw Object.assign(new Error('The engine is not loaded.'), { code: 'not_ready' });
  const opts = { single: false, beam: 3, ...job.opts };
  const paged = job.stepwise && !opts.single;
  switch (job.type) {
    case 'recognize':
      maybeTrap();
      if (job.stepwise && opts.single) {
        // an engine without the two-worker read (older builds) reads it whole
        return typeof engine.startSingle === 'function' ? singleStep(engine.startSingle(job.bytes, opts))
          : new PageStep({ result: plain(engine.recognizeEncoded(job.bytes, opts)) });
      }
      return paged ? pageStep(engine.startPage(job.bytes, opts)) : engine.recognizeEncoded(job.bytes, opts);
    case 'recognizeRgba':
      maybeTrap();
      return paged ? pageStep(engine.startPageRgba(job.rgba, job.width, job.height, opts))
        : engine.recognizeRgba(job.rgba, job.width, job.height, opts);
    case 'recognizeBitmap': {
      maybeTrap();
      const { rgba, w, h } = bitmapToRgba(job.bitmap);
      return paged ? pageStep(engine.startPageRgba(rgba, w, h, opts)) : engine.recognizeRgba(rgba, w, h, opts);
    }
    case 'readCrop':
      maybeTrap();
      return engine.readCrop(job.rgb, job.width, job.height, opts);
    case 'pageSupply': {
      const page = pageJob(job.page);
      engine.supplyPage(page, job.readings);
      return pageStep(page, job.page);
    }
    case 'detectBand':
      maybeTrap();
      return new BandMap(engine.detectorMap(job.rgb, job.width, job.height));
    case 'pageSupplyMaps': {
      const page = pageJob(job.page);
      engine.supplyPageMaps(page, job.maps);
      return pageStep(page, job.page);
    }
    case 'pageDrop':
      pages.get(job.page)?.free();
      pages.delete(job.page);
      return { dropped: true };
    case 'otherViews':
      maybeTrap();
      return new Views({ views: engine.otherViews(job.bytes) });
    case 'singleSupply': {
      const single = singles.get(job.single);
      if (!single) throw new BadInput(`no single-formula job ${job.single} in this worker (finished, dropped, or the worker was restarted).`);
      try {
        return engine.finishSingle(single, job.views);
      } finally {
        // views that did not fit leave the job waiting, to be finished with others or none
        if (!single.waiting()) {
          singles.delete(job.single);
          single.free();
        }
      }
    }
    case 'singleDrop':
      singles.get(job.single)?.free();
      singles.delete(job.single);
      return { dropped: true };
    case 'detectBitmap': {
      const { rgba, w, h } = bitmapToRgba(job.bitmap);
      return engine.detectRgba(rgba, w, h, job.longSide);
    }
    default:
      throw new BadInput(`unknown job ${job.type}`);
  }
}

function pageJob(id) {
  const page = pages.get(id);
  if (!page) throw new BadInput(`no page job ${id} in this worker (finished, dropped, or the worker was restarted).`);
  return page;
}

/** A page job's next detector bands ({page, bands}) or crops to read ({page, crops}), or its result once it has none ({result}). */
class PageStep {
  constructor(fields) { Object.assign(this, fields); }
}

/** A single formula's other views: their Float32Arrays are transferred, not made plain. */
class Views {
  constructor(fields) { Object.assign(this, fields); }
}

/** A single-formula job's result ({result}) where its first view settled it, else its id ({single}) until its other views come. */
function singleStep(job) {
  if (!job.waiting()) {
    try {
      return new PageStep({ result: plain(engine.finishSingle(job, null)) });
    } finally {
      job.free();
    }
  }
  const id = nextSingle++;
  singles.set(id, job);
  return new PageStep({ single: id });
}

/** A detector band's map: its Float32Array is transferred, not made plain. */
class BandMap {
  constructor(fields) { Object.assign(this, fields); }
}

function pageStep(page, id) {
  const bands = typeof page.bands === 'function' ? page.bands() : []; // engines before detector bands have none
  if (bands.length) {
    if (id === undefined) {
      id = nextPage++;
      pages.set(id, page);
    }
    return new PageStep({ page: id, bands });
  }
  const crops = page.crops();
  if (crops.length === 0) {
    if (id !== undefined) pages.delete(id);
    try {
      return new PageStep({ result: plain(engine.finishPage(page)) });
    } finally {
      page.free();
    }
  }
  if (id === undefined) {
    id = nextPage++;
    pages.set(id, page);
  }
  return new PageStep({ page: id, crops });
}

/** The crops', bands' and maps' pixel buffers, transferred to the main thread rather than copied. */
function transferables(result) {
  if (!result) return [];
  if (result.data instanceof Float32Array) return [result.data.buffer];
  if (Array.isArray(result.views)) return result.views.flatMap((v) => [v.memory.buffer, v.keys.buffer]);
  const images = result.crops || result.bands;
  return Array.isArray(images) ? images.map((c) => c.rgb.buffer) : [];
}

const validId = (id) => (typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== '');

self.onmessage = async (ev) => {
  const msg = ev.data;
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
    post({ type: 'error', id: null, ok: false, error: { code: 'bad_input', message: `A message must be an object, got ${msg === null ? 'null' : typeof msg}.` } });
    return;
  }
  if (msg.type === 'init') {
    try {
      validateInit(msg);
    } catch (e) {
      post({ type: 'init-error', error: errorPayload(e) });
      return;
    }
    if (!initPromise) initPromise = init(msg);
    try {
      const info = await initPromise;
      post({ type: 'ready', info, module: compiled });
    } catch (e) {
      initPromise = null;
      post({ type: 'init-error', error: errorPayload(e) });
    }
    return;
  }
  if (!validId(msg.id)) {
    if (msg.bitmap && typeof msg.bitmap.close === 'function') msg.bitmap.close();
    post({ type: 'error', id: null, ok: false, error: { code: 'bad_input', message: `Message of type ${JSON.stringify(String(msg.type))} has no id (a number or a non-empty string).` } });
    return;
  }
  try {
    const raw = await runJob(msg);
    // a page step's crops are pixels: posted as typed arrays and transferred, not made plain
    const result = raw instanceof PageStep || raw instanceof BandMap || raw instanceof Views ? { ...raw } : plain(raw);
    post({ id: msg.id, ok: true, result }, transferables(result));
  } catch (e) {
    if (msg.bitmap && typeof msg.bitmap.close === 'function') msg.bitmap.close();
    const error = errorPayload(e);
    post({ id: msg.id, ok: false, error });
    if (error.code === 'crash') engine = null; // the instance may be corrupt; the main thread restarts us
  }
};
