// The JS API of the embeddable recogniser, without the <math-snap> element:
//   const snap = await create({ base, models, onProgress });
//   const { formulas } = await snap.recognize(fileOrImageLike, { signal });
//   snap.dispose();
// Types: api.d.ts. Asset URLs (worker, wasm, models) resolve relative to this module unless base/models say otherwise.
import { EngineError } from '../engine-client.js';
import { Recognizer } from './recognizer.js';

export { EngineError };

/**
 * Load the engine and resolve with a recognizer. Rejects with an EngineError (code 'wasm', 'load',
 * 'model', …; .url names the file that failed) when the engine cannot be loaded, or with
 * options.signal's reason when aborted.
 */
export async function create(options = {}) {
  const { onProgress, signal, ...rest } = options;
  signal?.throwIfAborted();
  const snap = new Recognizer(rest);
  if (typeof onProgress === 'function') snap.addEventListener('progress', (ev) => onProgress(ev.detail));
  const onAbort = () => snap.dispose();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([
      snap.start(),
      new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
    ]);
  } catch (err) {
    snap.dispose();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return snap;
}
