// Main-thread side of the engine worker. Keeps the UI thread free, survives crashes:
// a worker error, a wasm trap or a stuck job terminates the worker; the next request
// (or restart()) starts a fresh one, so the next photo works without a page reload.
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

export class EngineClient extends EventTarget {
  /**
   * @param {object} o
   * @param {string|URL} [o.workerUrl] module worker URL (default: worker.js beside this file)
   * @param {string|URL} [o.base] where pkg/ and models/ live (default: directory of the worker)
   * @param {string|URL} [o.models] folder holding manifest.json and the .onnx files (default: base + 'models/')
   * @param {number} [o.jobTimeoutMs] watchdog for one recognition
   */
  constructor({ workerUrl, base, models, jobTimeoutMs = 180000, detectTimeoutMs = 30000 } = {}) {
    super();
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
      worker = new Worker(this.workerUrl, { type: 'module', name: 'mathsnap-engine' });
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
    worker.postMessage(this.manifestUrl ? { type: 'init', base: this.base, manifestUrl: this.manifestUrl } : { type: 'init', base: this.base });
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
