// Validation of the messages the engine worker (worker.js) accepts. Every message is checked here
// before the engine sees it, so malformed input gets a typed {code: 'bad_input', message} answer
// instead of a wasm trap, a hang or a silently dropped message. No DOM or engine needed: pure checks.

// Same bounds as the engine's input checks (src/input.rs MAX_SIDE): larger sides are refused up front,
// before a buffer of that size is copied into wasm memory.
export const MAX_SIDE = 16384;
export const MAX_BEAM = 8;

export class BadInput extends Error {
  constructor(message) {
    super(message);
    this.code = 'bad_input';
  }
}

const JOB_TYPES = ['recognize', 'recognizeRgba', 'recognizeBitmap', 'detectBitmap', 'pageSupply', 'pageSupplyMaps', 'pageDrop', 'readCrop', 'detectBand',
  'otherViews', 'singleSupply', 'singleDrop'];
// the most detector bands a page job is cut into (src/wasm.rs MAX_DETECTOR_BANDS)
export const MAX_DETECTOR_BANDS = 4;

function side(name, v) {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadInput(`${name} must be an integer, got ${describe(v)}.`);
  if (v <= 0) throw new BadInput(`${name} must be positive, got ${v}.`);
  if (v > MAX_SIDE) throw new BadInput(`${name} ${v} is larger than the limit of ${MAX_SIDE} pixels.`);
  return v;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (v instanceof ArrayBuffer) return 'an ArrayBuffer';
  if (typeof v === 'object') return v.constructor && v.constructor.name !== 'Object' ? v.constructor.name : 'an object';
  return typeof v === 'string' ? `"${v.slice(0, 40)}"` : String(v);
}

/** Bytes as a Uint8Array view, or a bad_input error naming the field. */
function bytesOf(name, v) {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new BadInput(`${name} must be an ArrayBuffer or a typed array, got ${describe(v)}.`);
}

function options(v) {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new BadInput(`opts must be an object, got ${describe(v)}.`);
  const out = {};
  if (v.single !== undefined) {
    if (typeof v.single !== 'boolean') throw new BadInput(`opts.single must be true or false, got ${describe(v.single)}.`);
    out.single = v.single;
  }
  if (v.beam !== undefined) {
    if (!Number.isInteger(v.beam) || v.beam < 1 || v.beam > MAX_BEAM) {
      throw new BadInput(`opts.beam must be an integer from 1 to ${MAX_BEAM}, got ${describe(v.beam)}.`);
    }
    out.beam = v.beam;
  }
  if (v.detectorBands !== undefined) {
    if (!Number.isInteger(v.detectorBands) || v.detectorBands < 1 || v.detectorBands > MAX_DETECTOR_BANDS) {
      throw new BadInput(`opts.detectorBands must be an integer from 1 to ${MAX_DETECTOR_BANDS}, got ${describe(v.detectorBands)}.`);
    }
    out.detectorBands = v.detectorBands;
  }
  return out;
}

function bitmap(v) {
  if (typeof ImageBitmap === 'undefined' || !(v instanceof ImageBitmap)) {
    throw new BadInput(`bitmap must be an ImageBitmap, got ${describe(v)}.`);
  }
  // A closed (detached) bitmap reports 0×0.
  if (v.width === 0 || v.height === 0) throw new BadInput('bitmap is empty or was already closed.');
  side('bitmap width', v.width);
  side('bitmap height', v.height);
  return v;
}

/** The pool's page-job id (worker.js hands them out): a positive integer. */
function pageId(v) {
  if (!Number.isInteger(v) || v < 1) throw new BadInput(`page must be a positive integer (a page job's id), got ${describe(v)}.`);
  return v;
}

/** The pool's single-formula job id (worker.js hands them out): a positive integer. */
function singleId(v) {
  if (!Number.isInteger(v) || v < 1) throw new BadInput(`single must be a positive integer (a single-formula job's id), got ${describe(v)}.`);
  return v;
}

/** A single formula's other views as another worker encoded them: [{memory: Float32Array, keys: Float32Array}],
 * or null for the reading worker to encode them itself (their sizes are checked by the engine). */
function views(v) {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw new BadInput(`views must be an array or null, got ${describe(v)}.`);
  return v.map((view, i) => {
    if (!view || !(view.memory instanceof Float32Array) || !(view.keys instanceof Float32Array)) {
      throw new BadInput(`views[${i}] must be {memory: Float32Array, keys: Float32Array}.`);
    }
    return { memory: view.memory, keys: view.keys };
  });
}

/** Readings of a page job's crops: [{latex: string, confidence: number in [0, 1], upsideDown?: finite number}]
 * (upsideDown: the upside-down probe's log-odds, which the page's half-turn check sums; absent without the probe). */
function readings(v) {
  if (!Array.isArray(v)) throw new BadInput(`readings must be an array, got ${describe(v)}.`);
  return v.map((r, i) => {
    if (!r || typeof r !== 'object' || typeof r.latex !== 'string') throw new BadInput(`readings[${i}].latex must be a string.`);
    if (typeof r.confidence !== 'number' || !(r.confidence >= 0 && r.confidence <= 1)) {
      throw new BadInput(`readings[${i}].confidence must be a number from 0 to 1, got ${describe(r.confidence)}.`);
    }
    if (r.upsideDown !== undefined && !Number.isFinite(r.upsideDown)) {
      throw new BadInput(`readings[${i}].upsideDown must be a finite number when given, got ${describe(r.upsideDown)}.`);
    }
    return r.upsideDown === undefined
      ? { latex: r.latex, confidence: r.confidence }
      : { latex: r.latex, confidence: r.confidence, upsideDown: r.upsideDown };
  });
}

/** Maps of a page job's detector bands: [{width, height, data: Float32Array of width × height}]. */
function maps(v) {
  if (!Array.isArray(v)) throw new BadInput(`maps must be an array, got ${describe(v)}.`);
  return v.map((m, i) => {
    if (!m || typeof m !== 'object') throw new BadInput(`maps[${i}] must be an object, got ${describe(m)}.`);
    const width = side(`maps[${i}].width`, m.width);
    const height = side(`maps[${i}].height`, m.height);
    if (!(m.data instanceof Float32Array) || m.data.length !== width * height) {
      throw new BadInput(`maps[${i}].data must be a Float32Array of ${width}×${height} values, got ${describe(m.data)}${m.data && m.data.length !== undefined ? ` of ${m.data.length}` : ''}.`);
    }
    return { width, height, data: m.data };
  });
}

/** RGB pixels handed from worker to worker (a crop, a detector band): width × height × 3 bytes. */
function rgbPixels(msg, what) {
  const width = side('width', msg.width);
  const height = side('height', msg.height);
  const rgb = bytesOf('rgb', msg.rgb);
  const want = width * height * 3;
  if (rgb.length !== want) {
    throw new BadInput(`rgb has ${rgb.length} bytes but a ${width}×${height} RGB ${what} needs ${want} (width × height × 3).`);
  }
  return { rgb, width, height };
}

/** `stepwise: true` asks for a page job (the worker pool reads its crops) instead of the whole read. */
function stepwise(v) {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new BadInput(`stepwise must be true or false, got ${describe(v)}.`);
  return v;
}

/**
 * Check an init message: {type: 'init', base?, manifestUrl?, wasmUrl?, glueUrl?} (strings).
 * Returns the message; throws BadInput.
 */
export function validateInit(msg) {
  for (const k of ['base', 'manifestUrl', 'wasmUrl', 'glueUrl']) {
    if (msg[k] !== undefined && typeof msg[k] !== 'string') throw new BadInput(`init: ${k} must be a URL string, got ${describe(msg[k])}.`);
  }
  // the pool's other workers are handed the first worker's compiled module instead of compiling again
  if (msg.module !== undefined && !(msg.module instanceof WebAssembly.Module)) {
    throw new BadInput(`init: module must be a WebAssembly.Module, got ${describe(msg.module)}.`);
  }
  return msg;
}

/**
 * Check a job message and return a normalised job, e.g. {type: 'recognizeRgba', rgba, width, height, opts}.
 * Throws BadInput with a message naming the offending field.
 */
export function validateJob(msg) {
  if (!JOB_TYPES.includes(msg.type)) {
    throw new BadInput(`unknown message type ${describe(msg.type)}; expected init, ${JOB_TYPES.join(', ')}.`);
  }
  switch (msg.type) {
    case 'recognize': {
      const bytes = bytesOf('bytes', msg.bytes);
      if (!bytes.length) throw new BadInput('bytes is empty: there is no image to read.');
      return { type: msg.type, bytes, opts: options(msg.opts), stepwise: stepwise(msg.stepwise) };
    }
    case 'recognizeRgba': {
      const width = side('width', msg.width);
      const height = side('height', msg.height);
      const rgba = bytesOf('rgba', msg.rgba);
      const want = width * height * 4;
      if (rgba.length !== want) {
        throw new BadInput(`rgba has ${rgba.length} bytes but ${width}×${height} RGBA needs ${want} (width × height × 4).`);
      }
      return { type: msg.type, rgba, width, height, opts: options(msg.opts), stepwise: stepwise(msg.stepwise) };
    }
    case 'recognizeBitmap':
      return { type: msg.type, bitmap: bitmap(msg.bitmap), opts: options(msg.opts), stepwise: stepwise(msg.stepwise) };
    case 'pageSupply':
      return { type: msg.type, page: pageId(msg.page), readings: readings(msg.readings) };
    case 'pageDrop':
      return { type: msg.type, page: pageId(msg.page) };
    case 'readCrop':
      return { type: msg.type, ...rgbPixels(msg, 'crop'), opts: options(msg.opts) };
    case 'detectBand':
      return { type: msg.type, ...rgbPixels(msg, 'band') };
    case 'pageSupplyMaps':
      return { type: msg.type, page: pageId(msg.page), maps: maps(msg.maps) };
    case 'otherViews': {
      const bytes = bytesOf('bytes', msg.bytes);
      if (!bytes.length) throw new BadInput('bytes is empty: there is no image to read.');
      return { type: msg.type, bytes };
    }
    case 'singleSupply':
      return { type: msg.type, single: singleId(msg.single), views: views(msg.views) };
    case 'singleDrop':
      return { type: msg.type, single: singleId(msg.single) };
    case 'detectBitmap': {
      let longSide;
      if (msg.longSide !== undefined && msg.longSide !== null) {
        if (!Number.isInteger(msg.longSide) || msg.longSide < 32 || msg.longSide > 4096) {
          throw new BadInput(`longSide must be an integer from 32 to 4096, got ${describe(msg.longSide)}.`);
        }
        longSide = msg.longSide;
      }
      return { type: msg.type, bitmap: bitmap(msg.bitmap), longSide };
    }
    default:
      throw new BadInput(`unknown message type ${describe(msg.type)}.`); // unreachable: JOB_TYPES checked above
  }
}
