// A fake camera held in a hand: the worksheet frame of tests/fixtures/e2e-camera-worksheet.mjpeg
// (a printed worksheet filling two thirds of a 1280x720 frame's height) seen through a window that
// sways over it, written as an MJPEG file for Chromium's --use-file-for-fake-video-capture, which
// plays it at 30 frames a second and starts again at its end. Made at test time (60 frames of JPEG,
// 6 MB), not committed. Used by tests/e2e/live-moving.test.mjs and bench/browser.mjs.
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM, fixture } from './helpers.mjs';

const FPS = 30;
/**
 * The sway, in frame pixels (x, y) at `t` seconds: 40 px side to side every 2 s and 25 px up and
 * down every second, up to 200 px a second (7 a frame), as a hand holding a phone over a page
 * drifts; `speed` scales it. Whole periods in 2 s, so the file loops without a jump.
 */
export const sway = (t, speed = 1) => [
  speed * 40 * Math.sin(2 * Math.PI * t / 2),
  speed * 25 * Math.sin(2 * Math.PI * t + 0.7),
];
const SECONDS = 2;

/** Writes the swaying camera's MJPEG to `out` and returns `out`. */
export async function writeMovingCamera(out, { speed = 1 } = {}) {
  const still = fs.readFileSync(fixture('e2e-camera-worksheet.mjpeg')).toString('base64');
  const offsets = Array.from({ length: SECONDS * FPS }, (_, k) => sway(k / FPS, speed));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const frames = await page.evaluate(async ([jpeg, offsets]) => {
      const img = new Image();
      img.src = `data:image/jpeg;base64,${jpeg}`;
      await img.decode();
      const w = img.naturalWidth, h = img.naturalHeight;
      // the still is seen 1.15 times larger, so that the swaying window never leaves it
      const zoom = 1.15;
      const c = new OffscreenCanvas(w, h);
      const ctx = c.getContext('2d');
      const out = [];
      for (const [dx, dy] of offsets) {
        ctx.setTransform(zoom, 0, 0, zoom, dx - (zoom - 1) * w / 2, dy - (zoom - 1) * h / 2);
        ctx.drawImage(img, 0, 0);
        const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
        const bytes = new Uint8Array(await blob.arrayBuffer());
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        out.push(btoa(s));
      }
      return out;
    }, [still, offsets]);
    fs.writeFileSync(out, Buffer.concat(frames.map((f) => Buffer.from(f, 'base64'))));
  } finally {
    await browser.close();
  }
  return out;
}
