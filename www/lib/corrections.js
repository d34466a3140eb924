// "Corrections become data": the on-device store of formulas a person corrected (or confirmed) in
// the app or in <math-snap>, shared by both (one IndexedDB database per origin). Nothing here touches
// the network except reading the models' own manifest.json (same origin) for its version.
//
//   entry = {id, image: Blob (PNG of the crop as the recognizer saw it), latexBefore, latexAfter,
//            score, modelVersion, time (ISO 8601)}
//
// Opt-in: correctionsEnabled() is false until setCorrectionsEnabled(true) (the panel's toggle).
// exportCorrections() builds one .zip: correction-0001.png…, labels.tsv (`name<TAB>latex`, no header:
// the layout `mathsnap eval DIR` reads) and manifest.json ({format: 'mathsnap-corrections', version: 1, …}).
import { zipStore } from './zip.js';
import { canonical } from './canonical.js';
import { latexError } from './formula.js';

export const DB_NAME = 'mathsnap-corrections';
const STORE = 'corrections';
const ENABLED_KEY = 'mathsnap-corrections';
/** package.json "version" (tests/e2e/corrections.test.mjs checks they agree). */
export const APP_VERSION = '0.1.0';
export const ARCHIVE_FORMAT = 'mathsnap-corrections';

export const storageAvailable = () => typeof indexedDB !== 'undefined';

// ---------- opt-in flag ----------
export function correctionsEnabled() {
  try { return localStorage.getItem(ENABLED_KEY) === 'on'; } catch { return false; }
}
export function setCorrectionsEnabled(on) {
  try {
    if (on) localStorage.setItem(ENABLED_KEY, 'on'); else localStorage.removeItem(ENABLED_KEY);
  } catch { /* private mode without storage: stays off */ }
  for (const fn of listeners) fn({ type: 'enabled', enabled: !!on });
}

// Everything on the page that shows corrections (the app's panel, each <math-snap>) listens here.
const listeners = new Set();
export function onCorrectionsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
const changed = () => { for (const fn of listeners) fn({ type: 'data' }); };

// ---------- IndexedDB ----------
const req = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

/** Is there a database at all? (So that listing never creates one: nothing is stored until a save.) */
async function dbExists() {
  if (!indexedDB.databases) return true;
  const dbs = await indexedDB.databases();
  return dbs.some((d) => d.name === DB_NAME);
}

function openDb() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = () => {
      if (!r.result.objectStoreNames.contains(STORE)) r.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    };
    r.onsuccess = () => {
      const db = r.result;
      db.onversionchange = () => db.close(); // let "Remove offline data" delete the database
      resolve(db);
    };
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error('the corrections database is in use'));
  });
}

/** Run fn(store) in one transaction; the connection is closed afterwards. */
async function withStore(mode, fn) {
  if (!storageAvailable()) throw new Error('no IndexedDB in this browser');
  const db = await openDb();
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
    });
    const result = await fn(tx.objectStore(STORE));
    await done;
    return result;
  } finally {
    db.close();
  }
}

/** Every saved correction, oldest first. */
export async function listCorrections() {
  if (!storageAvailable() || !(await dbExists())) return [];
  return withStore('readonly', (s) => req(s.getAll()));
}

/** Add entry (or replace it, when entry.id is set); resolves with its id. */
export async function putCorrection(entry) {
  const id = await withStore('readwrite', (s) => req(s.put(entry)));
  changed();
  return id;
}

/** Delete one correction; deleting the last one deletes the database too (nothing left behind). */
export async function deleteCorrection(id) {
  if (!(await dbExists())) return;
  const left = await withStore('readwrite', async (s) => {
    await req(s.delete(id));
    return req(s.count());
  });
  if (left === 0) await clearCorrections();
  else changed();
}

/** Delete every correction and the database itself (nothing left in IndexedDB). */
export async function clearCorrections() {
  if (storageAvailable()) {
    await new Promise((resolve, reject) => {
      const r = indexedDB.deleteDatabase(DB_NAME);
      r.onsuccess = resolve;
      r.onerror = () => reject(r.error);
      r.onblocked = resolve; // another tab holds it open: it is deleted once that tab closes its connection
    });
  }
  changed();
}

/** The app's "Remove offline data": the corrections and the opt-in go too. */
export async function removeAllCorrectionData() {
  await clearCorrections();
  setCorrectionsEnabled(false);
}

/** Bytes the corrections take: PNG sizes plus their text (what IndexedDB stores, give or take its overhead). */
export function correctionsBytes(entries) {
  let n = 0;
  for (const e of entries) n += (e.image?.size || 0) + 2 * ((e.latexBefore || '').length + (e.latexAfter || '').length) + 64;
  return n;
}

// ---------- the corrected LaTeX ----------
/**
 * The corrected LaTeX in the canonical form the recognizer is trained on (lib/canonical.js, a port of
 * training's canonical()), checked with KaTeX like model output. {latex} or {error} (KaTeX's reason,
 * or 'empty'); when there is an error nothing may be saved.
 */
export function prepareCorrection(text) {
  const raw = String(text ?? '');
  if (!raw.trim()) return { error: 'empty' };
  const rawError = latexError(raw); // what the person typed must render …
  if (rawError) return { error: rawError };
  const latex = canonical(raw);
  if (!latex) return { error: 'empty' };
  const error = latexError(latex); // … and so must its canonical form
  return error ? { error } : { latex };
}

// ---------- the model's version ----------
const versions = new Map();
/**
 * The version of the models in manifestUrl: the manifest's `model_version` string when it has one;
 * otherwise (today's manifests have only a format number `version` and per-file sha256) the first
 * 12 hex digits of the SHA-256 of the manifest file, as 'sha256:…' (it names every model file's hash, so
 * it changes whenever a model does): the same value as `mathsnap read --save-crops` writes for that models
 * folder (docs/CONTRACTS.md). The app runs www/models/, whose manifest build_web.sh rewrites for the float16
 * files, so compare with the CLI run with `--models www/models`.
 */
export function modelVersionOf(manifestUrl) {
  const key = String(manifestUrl);
  if (!versions.has(key)) {
    versions.set(key, (async () => {
      const res = await fetch(key, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`${key}: HTTP ${res.status}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      try {
        const m = JSON.parse(text);
        if (typeof m.model_version === 'string' && m.model_version) return m.model_version;
      } catch { /* hashed below */ }
      return `sha256:${await sha256Hex(bytes).then((h) => h.slice(0, 12))}`;
    })().catch((e) => { versions.delete(key); throw e; }));
  }
  return versions.get(key);
}

async function sha256Hex(bytes) {
  if (globalThis.crypto?.subtle) {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  // Insecure page without crypto.subtle: FNV-1a, 64 bits (a version tag, not security).
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

// ---------- the crop ----------
/** Same margin as the engine's rectify.rs RECOGNITION_MARGIN: 0.1 × the region's height on every side. */
export const CROP_MARGIN = 0.1;
const CROP_MAX_SIDE = 2048;

/**
 * The formula's crop, straightened, as a PNG Blob. The engine's upright crop is not returned through
 * the worker (it returns {latex, score, quad} per formula), so it is redone here the same way rectify.rs
 * does it: the quad (corners clockwise from the formula's own top-left, in the EXIF-upright photo's
 * pixels) is a rotated rectangle, so an affine map sends its top-left corner, top edge and left edge
 * onto an axis-aligned rectangle; the canvas draws the photo through the inverse of that map (an
 * axis-aligned quad makes this a plain bounding-box crop). A margin of CROP_MARGIN × height is kept on
 * every side, white beyond the photo's edge; the side is capped at CROP_MAX_SIDE pixels.
 * source: a Blob/File (decoded with its EXIF orientation, like the engine), ImageBitmap or canvas.
 */
export async function cropQuad(source, quad) {
  let bitmap = source;
  let own = false;
  if (source instanceof Blob) {
    bitmap = await createImageBitmap(source, { imageOrientation: 'from-image' });
    own = true;
  }
  try {
    const [p0, p1, , p3] = quad.map(([x, y]) => [Number(x), Number(y)]);
    const w = Math.hypot(p1[0] - p0[0], p1[1] - p0[1]);
    const h = Math.hypot(p3[0] - p0[0], p3[1] - p0[1]);
    if (!(w > 0.5 && h > 0.5)) throw new Error('the formula region is empty');
    const m = CROP_MARGIN * h;
    const s = Math.min(1, CROP_MAX_SIDE / Math.max(w + 2 * m, h + 2 * m));
    const W = Math.max(1, Math.round((w + 2 * m) * s));
    const H = Math.max(1, Math.round((h + 2 * m) * s));
    // Columns of M: unit steps along the top edge (ux) and the left edge (uy), in photo pixels.
    // out(X, Y) samples photo(p0 + (X/s - m)·ux + (Y/s - m)·uy); the canvas needs the inverse map.
    const a = (p1[0] - p0[0]) / w, b = (p1[1] - p0[1]) / w;
    const c = (p3[0] - p0[0]) / h, d = (p3[1] - p0[1]) / h;
    const det = a * d - b * c;
    if (Math.abs(det) < 1e-9) throw new Error('the formula region is degenerate');
    const ia = (s * d) / det, ib = (-s * b) / det, ic = (-s * c) / det, id = (s * a) / det;
    const canvas = typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(W, H)
      : Object.assign(document.createElement('canvas'), { width: W, height: H });
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.setTransform(ia, ib, ic, id, -(ia * p0[0] + ic * p0[1]) + s * m, -(ib * p0[0] + id * p0[1]) + s * m);
    ctx.drawImage(bitmap, 0, 0);
    if (canvas.convertToBlob) return await canvas.convertToBlob({ type: 'image/png' });
    return await new Promise((resolve, reject) => canvas.toBlob((bl) => (bl ? resolve(bl) : reject(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    if (own) bitmap.close();
  }
}

/**
 * Save one correction: source (the photo as given to the recognizer) + the formula {latex, score, quad}
 * + the person's text. Resolves with {entry} or {error} (nothing saved; the caller keeps the text).
 * id: replace that entry (the same card saved again).
 */
export async function saveCorrection({ source, formula, text, modelVersion, id }) {
  const prepared = prepareCorrection(text);
  if (prepared.error) return { error: prepared.error, refused: true };
  const image = await cropQuad(source, formula.quad);
  const entry = {
    image,
    latexBefore: formula.latex || '',
    latexAfter: prepared.latex,
    score: Number.isFinite(Number(formula.score)) ? Number(formula.score) : null,
    modelVersion: await Promise.resolve(modelVersion).then(String, () => 'unknown'),
    time: isoSeconds(new Date()),
  };
  if (id != null) entry.id = id;
  entry.id = await putCorrection(entry);
  return { entry };
}

// ---------- export ----------
/** UTC ISO 8601 to the second, as docs/CONTRACTS.md writes times: 2026-12-03T16:25:00Z. */
export const isoSeconds = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const imageName = (i) => `correction-${String(i + 1).padStart(4, '0')}.png`;

/** The archive's bytes for entries (see the header comment for its layout). */
export async function buildArchive(entries, { modelVersion = '', appVersion = APP_VERSION, created = new Date() } = {}) {
  const files = [];
  const labels = [];
  const meta = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const name = imageName(i);
    files.push({ name, data: new Uint8Array(await e.image.arrayBuffer()) });
    // A tab or newline would break the TSV row; canonical LaTeX has neither, but be sure.
    labels.push(`${name}\t${String(e.latexAfter).replace(/[\t\r\n]+/g, ' ')}\n`);
    meta.push({ image: name, latex_before: e.latexBefore, latex_after: e.latexAfter, score: e.score, model_version: e.modelVersion, time: e.time });
  }
  const manifest = {
    format: ARCHIVE_FORMAT, version: 1, app_version: appVersion, model_version: modelVersion,
    created: isoSeconds(created), count: entries.length, entries: meta,
  };
  files.push({ name: 'labels.tsv', data: labels.join('') });
  files.push({ name: 'manifest.json', data: `${JSON.stringify(manifest, null, 1)}\n` });
  return zipStore(files, created);
}

/** Every saved correction as one .zip Blob. */
export async function exportCorrections({ modelVersion = '' } = {}) {
  const entries = await listCorrections();
  let mv = '';
  try { mv = String(await modelVersion); } catch { mv = ''; }
  return new Blob([await buildArchive(entries, { modelVersion: mv })], { type: 'application/zip' });
}

export const archiveFileName = (d = new Date()) => `mathsnap-corrections-${d.toISOString().slice(0, 10)}.zip`;

/** The `corrections` object of the JS API (create()) and of <math-snap>. */
export function correctionsApi(manifestUrl) {
  return Object.freeze({
    list: () => listCorrections(),
    export: () => exportCorrections({ modelVersion: modelVersionOf(manifestUrl) }),
    clear: () => clearCorrections(),
    remove: (id) => deleteCorrection(id),
  });
}
