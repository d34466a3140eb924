// Shared setup for the browser tests: the static server on a free port, headless Debian Chromium
// (driven by playwright-core), network recording, and page-error collection.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(REPO, 'tests', 'fixtures');
export const fixture = (name) => path.join(FIXTURES, name);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SLOW = Number(process.env.E2E_TIMEOUT_MS || 120000);

/** The formula drawn in the fixtures (the recognizer's accuracy is measured by `mathsnap eval`, not here). */
export const DRAWN_QUADRATIC = 'x^2+3x-4=0';

/**
 * What the same engine and models read natively (target/release/mathsnap, built by `make test`)
 * for a fixture file: the browser must produce exactly this. It checks the whole wasm path
 * (decode, detect, rectify, recognise, repair) against the native build, whatever the model's accuracy.
 */
export function nativeRead(name) {
  return nativeFormulas(name).map((f) => f.latex);
}

/** The native CLI's formulas for a fixture, as it prints them: latex, quad (photo pixels), score. */
export function nativeFormulas(name) {
  const targetDir = path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target');
  const exe = path.join(targetDir, 'release', 'mathsnap');
  if (!fs.existsSync(exe)) throw new Error('target/release/mathsnap missing: run `cargo build --release --bin mathsnap`');
  const out = execFileSync(exe, ['--models', path.join(REPO, 'www', 'models'), 'read', fixture(name)], { encoding: 'utf8' });
  const line = JSON.parse(out.trim().split('\n')[0]);
  if (line.error) throw new Error(`native read of ${name} failed: ${line.error}`);
  return line.formulas;
}

/**
 * Asserts that formulas the wasm engine read ({latex, score, quad}) are the native engine's: the same
 * LaTeX up to formatting, and the same score and quad to float rounding (score within 1e-3, quad
 * corners within 0.5 px). The wasm build runs its own matrix kernels (src/wasm_matmul.rs) where
 * natively tract's x86 kernels run (fused multiply-adds there, separate ones in wasm), so a kernel
 * that went wrong without changing a formula's reading still moves its score or its quad.
 */
export function assertMatchesNative(formulas, name) {
  const native = nativeFormulas(name);
  assert.deepEqual(formulas.map((f) => normLatex(f.latex)), native.map((f) => normLatex(f.latex)));
  formulas.forEach((f, i) => {
    assert.ok(Math.abs(f.score - native[i].score) < 1e-3, `formula ${i}: score ${f.score} against native ${native[i].score}`);
    const quad = f.quad.flat(), want = native[i].quad.flat();
    quad.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 0.5, `formula ${i}: quad ${f.quad} against native ${native[i].quad}`));
  });
}

/** Formatting-only normalisation: drop whitespace and braces around a single-character script. */
export function normLatex(s) {
  return String(s).replace(/\s+/g, '').replace(/([_^])\{([^{}\\])\}/g, '$1$2');
}

export function assertBuilt() {
  const need = ['www/pkg/mathsnap.js', 'www/pkg/mathsnap_bg.wasm', 'www/models/manifest.json'];
  const missing = need.filter((p) => !fs.existsSync(path.join(REPO, p)));
  if (missing.length) {
    throw new Error(`Missing ${missing.join(', ')}: run \`bash scripts/build_web.sh\` before \`npm test\`.`);
  }
}

export async function launch({ camera = true, cameraFile = 'e2e-camera-quadratic.mjpeg' } = {}) {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-default-apps',
    '--no-first-run',
    '--disable-features=Translate,OptimizationHints,MediaRouter',
    '--enable-unsafe-swiftshader',
  ];
  if (camera) {
    const file = path.isAbsolute(cameraFile) ? cameraFile : fixture(cameraFile);
    args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${file}`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true });
}

/** Start the server, a browser and a context; records every request and page problem. */
export async function setup({ camera = true, cameraFile, permissions = ['camera', 'clipboard-read', 'clipboard-write'], serviceWorkers = 'block' } = {}) {
  assertBuilt();
  const server = await startServer({ port: 0 });
  const browser = await launch({ camera, cameraFile });
  const env = {
    server,
    browser,
    url: server.url,
    requests: [],
    problems: [],
    async newContext(opts = {}) {
      const ctx = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        serviceWorkers,
        ...opts,
      });
      if (opts.permissions ?? permissions) await ctx.grantPermissions(opts.permissions ?? permissions, { origin: server.url.replace(/\/$/, '') });
      ctx.on('request', (r) => env.requests.push(r.url()));
      ctx.on('page', (p) => watch(p));
      return ctx;
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
  const watch = (page) => {
    page.on('pageerror', (e) => env.problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      const t = m.text();
      if (m.type() === 'error' || /Content Security Policy/i.test(t)) env.problems.push(`console.${m.type()}: ${t}`);
    });
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') env.problems.push(`worker console.error: ${m.text()}`); }));
  };
  return env;
}

/**
 * The app's live preview rate, its camera on: after 20 detections (the first ones plan the detector's
 * input shapes), detections a second over `ms`, the cycle's slots, and how many times a second the
 * overlay was drawn (each camera frame the page moved in moves the boxes, and each detection adds its
 * own) and camera frames were matched to follow the page (www/lib/live-motion.js):
 * {detections, seconds, fps, slots (a cycle's, now), close_slots, close_per_cycle, cycles_per_s,
 * draws_per_s, followed_per_s}. tests/e2e/live.test.mjs logs
 * it, bench/browser.mjs reports it.
 */
export async function liveRate(page, ms) {
  await page.waitForFunction(() => Number(document.getElementById('live-overlay').dataset.detections || 0) >= 20, null, { timeout: SLOW });
  const overlay = () => page.evaluate(() => {
    const o = document.getElementById('live-overlay');
    const count = (k) => Number(o.dataset[k] || 0);
    return { n: count('detections'), draws: count('draws'), followed: count('followed'), slots: count('slots'), closeSlots: count('closeSlots'), closePerCycle: count('closePerCycle'), t: performance.now() };
  });
  const a = await overlay();
  await page.waitForTimeout(ms);
  const b = await overlay();
  const seconds = (b.t - a.t) / 1000;
  const fps = (b.n - a.n) / seconds;
  return {
    detections: b.n - a.n, seconds, fps, slots: b.slots, close_slots: b.closeSlots, close_per_cycle: b.closePerCycle, cycles_per_s: fps / b.slots,
    draws_per_s: (b.draws - a.draws) / seconds, followed_per_s: (b.followed - a.followed) / seconds,
  };
}

/** Wait until the app says the engine is ready (or fail with what the page shows). */
export async function waitReady(page, timeout = SLOW) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.documentElement.dataset.engine), null, { timeout });
  const state = await page.evaluate(() => document.documentElement.dataset.engine);
  if (state !== 'ready') {
    const msg = await page.textContent('#error-text');
    throw new Error(`engine failed to load: ${msg}`);
  }
}

/** Press "Start camera" and wait until the app says the camera is on. */
export async function startCamera(page) {
  await page.click('#camera-start');
  await page.waitForFunction(() => document.documentElement.dataset.camera === 'on', null, { timeout: 20000 });
}

/** Run action (which starts a recognition) and wait for its outcome: 'done' | 'empty' | 'error'. */
export async function waitResult(page, action, timeout = SLOW) {
  const before = await page.evaluate(() => Number(document.documentElement.dataset.seq || 0));
  await action();
  await page.waitForFunction((b) => Number(document.documentElement.dataset.seq || 0) > b, before, { timeout });
  return page.evaluate(() => document.documentElement.dataset.state);
}

export async function cardLatex(page) {
  return page.$$eval('#cards .card-latex', (els) => els.map((e) => e.value));
}

export function offHostRequests(requests) {
  return requests.filter((u) => {
    if (/^(blob|data|about|chrome|chrome-extension|devtools):/.test(u)) return false;
    try {
      const h = new URL(u).hostname;
      return !(h === '127.0.0.1' || h === 'localhost' || h === '[::1]');
    } catch {
      return true;
    }
  });
}
