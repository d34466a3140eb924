// One engine (a pool of workers each holding the wasm instance and the models, ~10 MB) per (base, models) pair,
// shared by every <math-snap> element and create() recognizer on the page, and stopped when the
// last user releases it, so two elements on a page do not download and hold the models twice.
import { EngineClient } from '../engine-client.js';

const pool = new Map(); // key -> {engine, users}

/** Absolute folder URL with a trailing slash, resolved against the page. */
export function folderUrl(url) {
  return new URL(url, document.baseURI).href.replace(/\/?$/, '/');
}

/**
 * @param {{base: string, models?: string}} o base: the folder with worker.js and pkg/; models: the folder with manifest.json
 * @returns {{engine: EngineClient, release: () => void}}
 */
export function acquireEngine({ base, models }) {
  const baseUrl = folderUrl(base);
  const modelsUrl = models ? folderUrl(models) : new URL('models/', baseUrl).href;
  const key = `${baseUrl} ${modelsUrl}`;
  let entry = pool.get(key);
  if (!entry) {
    entry = { engine: new EngineClient({ workerUrl: new URL('worker.js', baseUrl), base: baseUrl, models: modelsUrl }), users: 0 };
    pool.set(key, entry);
  }
  entry.users++;
  let released = false;
  return {
    engine: entry.engine,
    release() {
      if (released) return;
      released = true;
      if (--entry.users === 0) {
        pool.delete(key);
        entry.engine.close();
      }
    },
  };
}

/** Engines in use on this page ('base models' keys), and the live workers they hold (diagnostics and tests). */
export function engineStats() {
  let workers = 0;
  for (const { engine } of pool.values()) workers += (engine.primary.worker ? 1 : 0) + engine.helpers.length;
  return { engines: pool.size, keys: [...pool.keys()], workers };
}
