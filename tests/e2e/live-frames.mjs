// Camera frames as the app's live overlay showed them: each frame (a PNG) and the boxes drawn on it,
// taken together; then each frame read as a capture, and how many of its formulas the boxes found.
// tests/e2e/live-moving.test.mjs asserts it; bench/browser.mjs and bench/live_moving.mjs report it.
// The app matches each camera frame in its video-frame callback and then draws (www/app.js,
// followCamera); a callback registered after it sees the same frame, and the overlay says which
// frame it last drew by the camera's clock (`data-time`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, waitReady, waitResult, liveRate, startCamera } from './helpers.mjs';
import { foundByLive } from './live-recall.mjs';
import { writeMovingCamera } from './moving-camera.mjs';

const TRIES = 30;

/** `{ png (base64), time, quads, quadsAsFound }` of a frame the overlay was drawn for. */
export async function shownFrame(page) {
  const s = await page.evaluate(async (tries) => {
    const v = document.getElementById('video');
    const o = document.getElementById('live-overlay');
    for (let k = 0; k < tries; k++) {
      const c = document.createElement('canvas');
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      const time = await new Promise((resolve) => v.requestVideoFrameCallback((now, meta) => {
        c.getContext('2d').drawImage(v, 0, 0); // the frame this callback is for
        resolve(meta.mediaTime);
      }));
      const until = performance.now() + 300;
      while (Number(o.dataset.time) < time && performance.now() < until) await new Promise((r) => setTimeout(r, 1));
      if (Number(o.dataset.time) !== time) continue; // the app skipped it or moved on: the next one
      const quads = o.dataset.quads, quadsAsFound = o.dataset.quadsAsFound;
      const png = c.toDataURL('image/png').split(',')[1];
      return { png, time, quads, quadsAsFound };
    }
    return null;
  }, TRIES);
  if (!s) throw new Error(`the overlay drew none of ${TRIES} frames`);
  return { ...s, quads: JSON.parse(s.quads), quadsAsFound: JSON.parse(s.quadsAsFound) };
}

/**
 * `count` frames as the overlay showed them, `gapMs` apart, taken with the camera on; then each read
 * as the app reads a photo (the camera stopped: a capture pauses the preview). Returns
 * `{ frames, captured, drawn, asFound }`: formulas the captures read, how many of them the boxes drawn
 * on the frame found (the rule of tests/e2e/live-recall.mjs), and how many the same boxes found
 * where they were detected, not moved with the page.
 */
export async function recallOnShownFrames(page, count, gapMs) {
  const shown = [];
  for (let k = 0; k < count; k++) {
    shown.push(await shownFrame(page));
    await page.waitForTimeout(gapMs);
  }
  await page.click('#camera-stop');
  const r = { frames: count, captured: 0, drawn: 0, asFound: 0 };
  for (const [k, s] of shown.entries()) {
    const buffer = Buffer.from(s.png, 'base64');
    const state = await waitResult(page, () => page.setInputFiles('#file-pick', { name: `frame-${k}.png`, mimeType: 'image/png', buffer }));
    if (state !== 'done') throw new Error(`frame ${k} read as ${state}`);
    const formulas = await page.$$eval('#photo-overlay polygon[data-index]', (ps) => ps.map((p) => p.getAttribute('points').trim().split(/\s+/)
      .map((xy) => xy.split(',').map(Number))));
    r.captured += formulas.length;
    r.drawn += foundByLive(formulas, s.quads).length;
    r.asFound += foundByLive(formulas, s.quadsAsFound).length;
  }
  return r;
}

/**
 * The app with the fake camera swaying at `speed` (tests/e2e/moving-camera.mjs, written to a
 * temporary folder): its camera started, the preview's rates over `seconds` (helpers.liveRate), then
 * `frames` frames as the overlay showed them, each read as a capture (recallOnShownFrames).
 * `{ ...rate, frames, captured, drawn, asFound }`, or null where the models ship no detector.
 */
export async function swayingCamera({ speed = 1, seconds, frames }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mathsnap-sway-'));
  let env;
  try {
    env = await setup({ cameraFile: await writeMovingCamera(path.join(dir, 'sway.mjpeg'), { speed }) });
    const page = await (await env.newContext()).newPage();
    await page.goto(env.url);
    await waitReady(page);
    if (await page.evaluate(() => document.documentElement.dataset.detector) !== 'yes') return null;
    await startCamera(page);
    const rate = await liveRate(page, seconds * 1000);
    return { ...rate, ...(await recallOnShownFrames(page, frames, 170)) };
  } finally {
    await env?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
