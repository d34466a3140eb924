// The recognizer behind create() and <math-snap>: image conversion, the shared engine, abort and
// dispose, and results enriched with MathML. Events (EventTarget, CustomEvent.detail):
//   'progress' {stage: 'download'|'recognize', loaded, total, file?}
//   'ready'    {ms, bytes, hasDetector}
//   'error'    {code, message, url?}   (the engine could not be loaded)
import { EngineError } from '../engine-client.js';
import { toMathML } from '../lib/formula.js';
import { acquireEngine } from './engine-pool.js';
import { toEngineInput } from './image-input.js';
import { correctionsApi } from '../lib/corrections.js';

/** The mathsnap app folder (worker.js, pkg/, models/, vendor/): the folder above embed/, wherever it is served. */
export const DEFAULT_BASE = new URL('../', import.meta.url).href;

/** A signal that aborts when any of the given ones does (AbortSignal.any where available). */
function anySignal(signals) {
  const list = signals.filter(Boolean);
  if (AbortSignal.any) return AbortSignal.any(list);
  const c = new AbortController();
  for (const s of list) {
    if (s.aborted) { c.abort(s.reason); break; }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

function mathmlOf(latex) {
  try { return toMathML(latex); } catch { return ''; }
}

export class Recognizer extends EventTarget {
  /**
   * @param {object} [o]
   * @param {string} [o.base] folder with worker.js, pkg/ and vendor/ (default: the folder above this module)
   * @param {string} [o.models] folder with manifest.json and the .onnx models (default: base + 'models/')
   * @param {number} [o.beam] beam width 1..8 (default 3)
   * @param {boolean} [o.single] the whole image is one formula (no detection)
   */
  constructor({ base = DEFAULT_BASE, models, beam = 3, single = false } = {}) {
    super();
    if (!Number.isInteger(beam) || beam < 1 || beam > 8) throw new EngineError('bad_input', `beam must be an integer from 1 to 8, got ${beam}.`);
    this.beam = beam;
    this.single = !!single;
    const { engine, release } = acquireEngine({ base, models });
    this.engine = engine;
    this._release = release;
    /** The on-device corrections (shared by every recognizer and element of this origin): list(), export(), clear(). */
    this.manifestUrl = engine.manifestUrl || new URL('models/manifest.json', new URL(base, document.baseURI).href.replace(/\/?$/, '/')).href;
    this.corrections = correctionsApi(this.manifestUrl);
    this._disposer = new AbortController();
    this._onProgress = (ev) => {
      const { overall = {}, file } = ev.detail;
      this._emit('progress', { stage: 'download', loaded: overall.loaded || 0, total: overall.total || 0, file });
    };
    engine.addEventListener('progress', this._onProgress);
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  get disposed() {
    return this._disposer.signal.aborted;
  }

  /** Load the engine (or reuse the loaded one); resolves with {ms, bytes, hasDetector}. */
  async start() {
    this._disposer.signal.throwIfAborted();
    try {
      const info = await this.engine.start();
      this._emit('ready', info || {});
      return info;
    } catch (err) {
      this._emit('error', { code: err.code || 'load', message: err.message, url: err.url });
      throw err;
    }
  }

  /**
   * Find and read every formula in image.
   * @returns {Promise<{formulas: {latex: string, mathml: string, score: number, quad: number[][]}[], width: number, height: number, ms: object}>}
   */
  async recognize(image, { signal } = {}) {
    const abort = anySignal([signal, this._disposer.signal]);
    abort.throwIfAborted();
    const input = await toEngineInput(image);
    if (abort.aborted) {
      input.bitmap?.close();
      throw abort.reason;
    }
    this._emit('progress', { stage: 'recognize', loaded: 0, total: 1 });
    if (!this.engine.ready) await this.start();
    const opts = { single: this.single || this.engine.info?.hasDetector === false, beam: this.beam };
    let result;
    try {
      if (input.kind === 'bytes') result = await this.engine.recognizeBytes(input.bytes, opts, { signal: abort });
      else if (input.kind === 'rgba') result = await this.engine.recognizeRgba(input.rgba, input.width, input.height, opts, { signal: abort });
      else result = await this.engine.recognizeBitmap(input.bitmap, opts, { signal: abort });
    } catch (err) {
      if (abort.aborted) input.bitmap?.close(); // never posted: still ours to free
      throw err;
    }
    const formulas = (result.formulas || []).map((f) => ({
      latex: f.latex || '', mathml: mathmlOf(f.latex || ''), score: f.score, quad: f.quad,
    }));
    this._emit('progress', { stage: 'recognize', loaded: 1, total: 1 });
    return { formulas, width: result.width, height: result.height, ms: result.ms };
  }

  /** Stop using the engine: pending recognitions reject with code 'disposed'; the worker stops when no one else uses it. */
  dispose() {
    if (this.disposed) return;
    this._disposer.abort(new EngineError('disposed', 'This recognizer was disposed.'));
    this.engine.removeEventListener('progress', this._onProgress);
    this._release();
  }
}
