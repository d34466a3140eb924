// Main-thread side of the engine: a pool of engine workers. Keeps the UI thread free, survives
// crashes: a worker error, a wasm trap or a stuck job terminates the worker; the next request
// (or restart()) starts a fresh one, so the next photo works without a page reload.
//
// EngineClient is the pool the app, <math-snap> and create() use. Its first worker loads the engine
// and answers everything; once it is ready, up to poolSize() - 1 more start with its compiled
// WebAssembly.Module, and a page's formula crops are then read side by side on all of them
// (worker.js page jobs, src/page_read.rs), as are the bands of a small-print page's larger detector
// pass (src/detector/bands.rs). A single formula's first view is read on the first worker while a
// helper encodes its other views (src/recognizer/views.rs); a pool of one reads as before.
//
// Events (EventTarget): 'progress' {detail:{file,loaded,total,overall}}, 'ready' {detail:info},
// 'crash' {detail:{code,message}}, 'init-error' {detail:{code,message,url}}.

export class EngineError extends Error {
  constructor(code, message, url) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    if (url) this.url = url;
  }
}

/** One engine worker: loading, jobs with watchdogs, crash handling. */
export class EngineWorker extends EventTarget {
  /**
   * @param {object} o
   * @param {string|URL} [o.workerUrl] module worker URL (default: worker.js beside this file)
   * @param {string|URL} [o.base] where pkg/ and models/ live (default: directory of the worker)
   * @param {string|URL} [o.models] folder holding manifest.json and the .onnx files (default: base + 'models/')
   * @param {number} [o.jobTimeoutMs] watchdog for one recognition
   */
  constructor({ workerUrl, base, models, jobTimeoutMs = 180000, detectTimeoutMs = 30000, name = 'mathsnap-engine', module } = {}) {
    super();
    this.name = name;
    this.module = module || null; // a compiled WebAssembly.Module to start from (the pool's other workers)
    this.workerUrl = new URL(workerUrl || './worker.js', import.meta.url);
    this.base = base ? new URL(base, document.baseURI).href : new URL('./', this.workerUrl).href;
    this.manifestUrl = models ? new URL('manifest.json', new URL(models, document.baseURI).href.replace(/\/?$/, '/')).href : null;
    this.jobTimeoutMs = jobTimeoutMs;
    this.detectTimeoutMs = detectTimeoutMs;
    this.worker = null;
    this.state = 'idle'; // idle | loading | ready | error | crashed
    this.readyPromise = null;
    this.pending = new Map();
    this.nextId = 1;
    this.info = null;
    this.lastError = null;
  }

  get ready() {
    return this.state === 'ready';
  }

  /** Start (or restart after a crash/error) the worker; resolves when the engine is ready. */
  start() {
    if (this.readyPromise && (this.state === 'loading' || this.state === 'ready')) return this.readyPromise;
    this._kill();
    this.state = 'loading';
    let worker;
    try {
      worker = new Worker(this.workerUrl, { type: 'module', name: this.name });
    } catch (e) {
      this.state = 'error';
      this.lastError = new EngineError('load', `Could not start the engine worker ${this.workerUrl}: ${e.message}`);
      return (this.readyPromise = Promise.reject(this.lastError));
    }
    this.worker = worker;
    this.dispatchEvent(new CustomEvent('loading'));
    this.readyPromise = new Promise((resolve, reject) => {
      this._initResolve = resolve;
      this._initReject = reject;
    });
    this.readyPromise.catch(() => {}); // callers observe it; avoid unhandled rejections
    worker.onmessage = (ev) => this._onMessage(worker, ev.data);
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      const where = ev.filename ? ` (${ev.filename}:${ev.lineno})` : '';
      this._crash(worker, new EngineError('crash', `The engine worker failed${where}: ${ev.message || 'script error'}`));
    };
    worker.onmessageerror = () => this._crash(worker, new EngineError('crash', 'The engine worker sent an unreadable message.'));
    const init = { type: 'init', base: this.base };
    if (this.manifestUrl) init.manifestUrl = this.manifestUrl;
    if (this.module) init.module = this.module;
    worker.postMessage(init);
    return this.readyPromise;
  }

  /** Throw away the worker (crashed or not) and start again. */
  restart() {
    this._kill();
    this.state = 'idle';
    return this.start();
  }

  /** Stop the worker for good (pending jobs reject with code 'disposed'); start() may be called again later. */
  close() {
    this._kill(new EngineError('disposed', 'The engine was closed.'));
    this.state = 'idle';
    this.readyPromise = null;
  }

  _kill(reason = new EngineError('crash', 'The engine was restarted.')) {
    if (this.worker) {
      this.worker.onmessage = this.worker.onerror = this.worker.onmessageerror = null;
      this.worker.terminate();
      this.worker = null;
    }
    for (const [, job] of this.pending) {
      clearTimeout(job.timer);
      job.reject(reason);
    }
    this.pending.clear();
  }

  _onMessage(worker, msg) {
    if (worker !== this.worker || !msg) return;
    if (msg.type === 'progress') {
      this.dispatchEvent(new CustomEvent('progress', { detail: msg }));
      return;
    }
    if (msg.type === 'ready') {
      this.state = 'ready';
      this.info = msg.info;
      if (msg.module) this.compiled = msg.module;
      this._initResolve?.(msg.info);
      this.dispatchEvent(new CustomEvent('ready', { detail: msg.info }));
      return;
    }
    if (msg.type === 'init-error') {
      const err = new EngineError(msg.error.code, msg.error.message, msg.error.url);
      this.state = 'error';
      this.lastError = err;
      this._kill();
      this._initReject?.(err);
      this.dispatchEvent(new CustomEvent('init-error', { detail: err }));
      return;
    }
    const job = this.pending.get(msg.id);
    if (!job) return;
    this.pending.delete(msg.id);
    clearTimeout(job.timer);
    if (msg.ok) {
      job.resolve(msg.result);
    } else {
      const err = new EngineError(msg.error.code, msg.error.message);
      job.reject(err);
      if (err.code === 'crash') this._crash(worker, err);
    }
  }

  _crash(worker, err) {
    if (worker !== this.worker) return;
    const wasLoading = this.state === 'loading';
    this.lastError = err;
    this.state = 'crashed';
    this._kill();
    if (wasLoading) this._initReject?.(err);
    this.dispatchEvent(new CustomEvent('crash', { detail: err }));
  }

  /**
   * Post one job. With an AbortSignal, aborting rejects at once with signal.reason; the wasm call
   * cannot be interrupted, so the worker finishes it and its late answer is dropped.
   */
  async _job(msg, transfer, timeoutMs, signal) {
    signal?.throwIfAborted();
    if (this.state !== 'ready') await this.start();
    signal?.throwIfAborted();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        clearTimeout(this.pending.get(id).timer);
        this.pending.delete(id);
        reject(signal.reason);
      };
      const settle = (fn) => (v) => { signal?.removeEventListener('abort', onAbort); fn(v); };
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        const err = new EngineError('timeout', `The engine took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`);
        settle(reject)(err);
        this._crash(worker, err);
      }, timeoutMs);
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject), timer });
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Recognise every formula in encoded image bytes (JPEG/PNG/WebP/GIF/BMP). */
  recognizeBytes(bytes, opts = {}, { signal } = {}) {
    const buf = bytes instanceof ArrayBuffer ? bytes : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return this._job({ type: 'recognize', bytes: buf, opts }, [buf], this.jobTimeoutMs, signal);
  }

  /** Recognise raw RGBA pixels (rgba.byteLength must be width×height×4; the buffer is transferred). */
  recognizeRgba(rgba, width, height, opts = {}, { signal } = {}) {
    const buf = rgba instanceof ArrayBuffer ? rgba : rgba.buffer.slice(rgba.byteOffset, rgba.byteOffset + rgba.byteLength);
    return this._job({ type: 'recognizeRgba', rgba: buf, width, height, opts }, [buf], this.jobTimeoutMs, signal);
  }

  /** Recognise from an ImageBitmap (transferred: do not use it afterwards). */
  recognizeBitmap(bitmap, opts = {}, { signal } = {}) {
    return this._job({ type: 'recognizeBitmap', bitmap, opts }, [bitmap], this.jobTimeoutMs, signal);
  }

  /** Fast detection for the live preview (the bitmap is transferred); longSide: detector input size. */
  detectBitmap(bitmap, longSide) {
    return this._job({ type: 'detectBitmap', bitmap, longSide }, [bitmap], this.detectTimeoutMs);
  }
}

/** Most workers a pool starts: each holds its own copy of the models and tract's plans. */
export const MAX_POOL = 3;

/**
 * Workers for a pool: `requested` when given (1 to MAX_POOL), else one per core the device reports,
 * one core left to the page itself on larger devices, at most MAX_POOL.
 */
export function poolSize(requested, cores = globalThis.navigator?.hardwareConcurrency || 1) {
  if (Number.isInteger(requested) && requested >= 1) return Math.min(requested, MAX_POOL);
  return Math.max(1, Math.min(MAX_POOL, cores >= 4 ? cores - 1 : cores));
}

const FORWARDED = ['loading', 'progress', 'ready', 'crash', 'init-error'];

export class EngineClient extends EventTarget {
  /**
   * The options of EngineWorker, and:
   * @param {number} [o.workers] workers in the pool (default: poolSize() for this device; 1 = no pool)
   */
  constructor(o = {}) {
    super();
    this.options = o;
    this.size = poolSize(o.workers);
    this.primary = new EngineWorker(o);
    this.helpers = [];
    for (const type of FORWARDED) {
      this.primary.addEventListener(type, (ev) => this.dispatchEvent(new CustomEvent(type, { detail: ev.detail })));
    }
    // the others start once the first is ready, from its compiled module: the first result is not
    // kept waiting for them, and the wasm is compiled once
    this.primary.addEventListener('ready', () => this._startHelpers());
  }

  get state() { return this.primary.state; }
  get ready() { return this.primary.ready; }
  get info() { return this.primary.info; }
  get lastError() { return this.primary.lastError; }
  get workerUrl() { return this.primary.workerUrl; }
  get base() { return this.primary.base; }
  /** Crops each worker has read in this pool's pages, first worker first. */
  get cropsRead() { return [this.primary, ...this.helpers].map((w) => w.cropsRead || 0); }
  /** Detector bands each worker has computed in this pool's pages, first worker first. */
  get bandsDetected() { return [this.primary, ...this.helpers].map((w) => w.bandsDetected || 0); }
  /** Single formulas whose other views each worker encoded for the first worker, first worker first. */
  get viewsSupplied() { return [this.primary, ...this.helpers].map((w) => w.viewsSupplied || 0); }
  /** Workers ready to read crops now (the first worker included). */
  get readyWorkers() { return 1 + this.helpers.filter((h) => h.ready).length; }

  start() { return this.primary.start(); }

  restart() {
    this._stopHelpers();
    return this.primary.restart();
  }

  close() {
    this._stopHelpers();
    this.primary.close();
  }

  /** Resolves once every worker of the pool is ready (or has failed to start: it is then left out). */
  async whenPoolReady() {
    await this.start();
    this._startHelpers();
    await Promise.all(this.helpers.map((h) => h.start().catch(() => {})));
    return this.readyWorkers;
  }

  _startHelpers() {
    const module = this.primary.compiled;
    if (!module || this.helpers.length >= this.size - 1) return;
    while (this.helpers.length < this.size - 1) {
      const helper = new EngineWorker({ ...this.options, name: `mathsnap-engine-${this.helpers.length + 2}`, module });
      helper.start().catch(() => {}); // a helper that cannot start is left out; the pool reads on without it
      this.helpers.push(helper);
    }
  }

  _stopHelpers() {
    for (const h of this.helpers) h.close();
    this.helpers = [];
  }

  /** A page through the pool, or through the first worker alone (a pool of one); a single formula given as bytes on two workers. */
  async _read(msg, transfer, opts, signal) {
    const p = this.primary;
    const workers = this.readyWorkers;
    if (opts.single && workers >= 2 && msg.type === 'recognize') return this._readSingle(msg, signal);
    if (opts.single || workers < 2) return p._job(msg, transfer, p.jobTimeoutMs, signal);
    // the small-print look's detector pass is cut in one band per worker (src/detector/bands.rs)
    const start = { ...msg, opts: { ...msg.opts, detectorBands: workers }, stepwise: true };
    let step = await p._job(start, transfer, p.jobTimeoutMs, signal);
    try {
      while (step.result === undefined) {
        if (step.bands) {
          const maps = await this._share(step.bands, (w, band) => this._detectBand(w, band, signal));
          step = await p._job({ type: 'pageSupplyMaps', page: step.page, maps }, maps.map((m) => m.data.buffer), p.jobTimeoutMs, signal);
        } else {
          const readings = await this._share(step.crops, (w, crop) => this._readCrop(w, crop, opts, signal));
          step = await p._job({ type: 'pageSupply', page: step.page, readings }, [], p.jobTimeoutMs, signal);
        }
      }
    } catch (e) {
      // free the page job the first worker still holds (gone anyway if that worker crashed)
      if (step.page && p.ready) p._job({ type: 'pageDrop', page: step.page }, [], p.jobTimeoutMs).catch(() => {});
      throw e;
    }
    return step.result;
  }

  /**
   * One formula (the whole picture) on two workers: the first reads its first view alone while a
   * helper encodes its other views from a copy of the bytes. Those are handed over only where the
   * first view was unsure (src/recognizer/views.rs); a helper that fails leaves the first worker to
   * encode them itself.
   */
  async _readSingle(msg, signal) {
    const p = this.primary;
    const helper = this.helpers.find((h) => h.ready);
    const copy = msg.bytes.slice(0);
    const views = helper._job({ type: 'otherViews', bytes: copy }, [copy], helper.jobTimeoutMs, signal).catch(() => null);
    const step = await p._job({ ...msg, stepwise: true }, [msg.bytes], p.jobTimeoutMs, signal);
    if (step.result !== undefined) return step.result;
    let got;
    try {
      got = await views;
      signal?.throwIfAborted();
    } catch (e) {
      if (p.ready) p._job({ type: 'singleDrop', single: step.single }, [], p.jobTimeoutMs).catch(() => {});
      throw e;
    }
    const supplied = got ? got.views : null;
    if (supplied) helper.viewsSupplied = (helper.viewsSupplied || 0) + 1; // how the pool shared the work (tests, benchmark)
    const buffers = supplied ? supplied.flatMap((v) => [v.memory.buffer, v.keys.buffer]) : [];
    try {
      return await p._job({ type: 'singleSupply', single: step.single, views: supplied }, buffers, p.jobTimeoutMs, signal);
    } catch (e) {
      // views the first worker refused (it keeps the job): it encodes them itself
      if (!supplied || e.code !== 'bad_input' || signal?.aborted) throw e;
      return p._job({ type: 'singleSupply', single: step.single, views: null }, [], p.jobTimeoutMs, signal);
    }
  }

  /** `work(worker, item)` for every item, each done by whichever ready worker is free next; results in the items' order. */
  async _share(items, work) {
    const workers = [this.primary, ...this.helpers.filter((h) => h.ready)];
    const results = new Array(items.length);
    let next = 0;
    await Promise.all(workers.map(async (w) => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(w, items[i]);
      }
    }));
    return results;
  }

  /** One detector band's map, computed by `worker`. */
  _detectBand(worker, band, signal) {
    worker.bandsDetected = (worker.bandsDetected || 0) + 1; // how the pool shared the work (tests, benchmark)
    return this._onWorker(worker, { type: 'detectBand', rgb: band.rgb, width: band.width, height: band.height }, signal);
  }

  /** One formula crop read by `worker`. */
  _readCrop(worker, crop, opts, signal) {
    worker.cropsRead = (worker.cropsRead || 0) + 1; // how the pool shared the work (tests, benchmark)
    return this._onWorker(worker, { type: 'readCrop', rgb: crop.rgb, width: crop.width, height: crop.height, opts: { beam: opts.beam } }, signal);
  }

  /** A job on `worker`; a helper that fails hands it back to the first worker (its pixels are copied, not transferred, for that). */
  async _onWorker(worker, msg, signal) {
    if (worker === this.primary) return this.primary._job(msg, [], this.primary.jobTimeoutMs, signal);
    try {
      return await worker._job(msg, [], worker.jobTimeoutMs, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      return this.primary._job(msg, [], this.primary.jobTimeoutMs, signal);
    }
  }

  /** Recognise every formula in encoded image bytes (JPEG/PNG/WebP/GIF/BMP). */
  recognizeBytes(bytes, opts = {}, { signal } = {}) {
    const buf = bytes instanceof ArrayBuffer ? bytes : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return this._read({ type: 'recognize', bytes: buf, opts }, [buf], opts, signal);
  }

  /** Recognise raw RGBA pixels (rgba.byteLength must be width×height×4; the buffer is transferred). */
  recognizeRgba(rgba, width, height, opts = {}, { signal } = {}) {
    const buf = rgba instanceof ArrayBuffer ? rgba : rgba.buffer.slice(rgba.byteOffset, rgba.byteOffset + rgba.byteLength);
    return this._read({ type: 'recognizeRgba', rgba: buf, width, height, opts }, [buf], opts, signal);
  }

  /** Recognise from an ImageBitmap (transferred: do not use it afterwards). */
  recognizeBitmap(bitmap, opts = {}, { signal } = {}) {
    return this._read({ type: 'recognizeBitmap', bitmap, opts }, [bitmap], opts, signal);
  }

  /**
   * Fast detection for the live preview (the bitmap is transferred); longSide: detector input size;
   * worker: which of the ready workers runs it (its index modulo their number; the first by default),
   * so the preview can keep every worker of the pool busy with a tile each.
   */
  detectBitmap(bitmap, longSide, worker = 0) {
    const ready = [this.primary, ...this.helpers.filter((h) => h.ready)];
    return ready[worker % ready.length].detectBitmap(bitmap, longSide);
  }
}
