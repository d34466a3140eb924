// The camera's motion between preview frames (www/lib/live-motion.js), without a browser: pictures of
// a page of writing moved by known amounts, sub-pixel included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thumbOf, frameThumb, frameShift, MotionTrack, moved } from '../../www/lib/live-motion.js';

const W = 1280, H = 720;

/** A small deterministic generator, so that every run draws the same pages. */
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Marks like writing: lines of dark blobs 2-6 px wide on light paper, `lineGap` apart, drawn with the
 * page moved by (tx, ty) (sub-pixel: each blob is a smooth function of the position).
 */
function page({ tx = 0, ty = 0, lineGap = 34, seed = 1, w = W, h = H } = {}) {
  const rnd = random(seed);
  const ink = new Float32Array(w * h);
  for (let line = -2; line * lineGap < h + 2 * lineGap; line++) {
    for (let x = -40; x < w + 40;) {
      const sx = 1 + 2 * rnd(), sy = 2 + 3 * rnd();
      const cx = x + tx, cy = line * lineGap + 10 * rnd() + ty;
      x += 6 + 14 * rnd() + (rnd() < 0.1 ? 40 : 0); // letters, now and then a space
      for (let y = Math.max(0, Math.floor(cy - 3 * sy)); y <= Math.min(h - 1, Math.ceil(cy + 3 * sy)); y++) {
        for (let u = Math.max(0, Math.floor(cx - 3 * sx)); u <= Math.min(w - 1, Math.ceil(cx + 3 * sx)); u++) {
          ink[y * w + u] += Math.exp(-((u - cx) ** 2) / (2 * sx * sx) - ((y - cy) ** 2) / (2 * sy * sy));
        }
      }
    }
  }
  const plane = new Uint8Array(w * h);
  for (let k = 0; k < plane.length; k++) plane[k] = Math.max(0, 235 - 180 * Math.min(1, ink[k]));
  return plane;
}

const thumb = (plane, w = W, h = H) => thumbOf(w, h, plane);

test('the shift between two frames, to a pixel of the frame, sub-pixel and large shifts alike', () => {
  const still = thumb(page());
  for (const [tx, ty] of [[0, 0], [3.5, -2.25], [17, 9], [-40.3, 25.7], [95, -60]]) {
    const s = frameShift(still, thumb(page({ tx, ty })));
    assert.ok(s.textured);
    assert.ok(Math.abs(s.dx - tx) <= 1 && Math.abs(s.dy - ty) <= 1, `moved by ${tx}, ${ty}: found ${s.dx.toFixed(2)}, ${s.dy.toFixed(2)}`);
  }
});

test('a phone held upright: a portrait frame searches as far as a landscape one', () => {
  const w = 720, h = 1280;
  const s = frameShift(thumb(page({ w, h }), w, h), thumb(page({ w, h, tx: -60, ty: 85 }), w, h));
  assert.ok(Math.abs(s.dx + 60) <= 1 && Math.abs(s.dy - 85) <= 1, `found ${s.dx}, ${s.dy}`);
});

test('lines of writing a line apart are not mistaken for each other', () => {
  // 12 px down on lines 34 px apart: a match one line off (12 - 34 = -22) would be as plausible to a
  // matcher that looked at rows alone
  const s = frameShift(thumb(page({ lineGap: 34 })), thumb(page({ lineGap: 34, ty: 12 })));
  assert.ok(Math.abs(s.dx) <= 1 && Math.abs(s.dy - 12) <= 1, `found ${s.dx}, ${s.dy}`);
});

test('a picture without detail gives no shift rather than a guess', () => {
  const flat = new Uint8Array(W * H).fill(128);
  assert.deepEqual(frameShift(thumb(flat), thumb(flat)), { dx: 0, dy: 0, textured: false });
  // exposure alone (the whole picture lighter) is not motion
  const lighter = page().map((v) => Math.min(255, v + 12));
  const s = frameShift(thumb(page()), thumb(lighter));
  assert.ok(Math.abs(s.dx) <= 0.5 && Math.abs(s.dy) <= 0.5, `found ${s.dx}, ${s.dy}`);
});

test('the track adds frame-to-frame shifts up, and boxes move by the displacement between their frames', () => {
  const track = new MotionTrack();
  const path = [[0, 0], [4, 2], [9, 3.5], [13, 4], [15.5, 7], [16, 11]];
  const seen = path.map(([tx, ty]) => ({ ...track.follow(thumb(page({ tx, ty }))) }));
  for (const [k, [tx, ty]] of path.entries()) {
    assert.ok(Math.abs(seen[k].x - tx) <= 1.5 && Math.abs(seen[k].y - ty) <= 1.5, `frame ${k}: ${seen[k].x}, ${seen[k].y}`);
  }
  const box = [[100, 50], [200, 50], [200, 80], [100, 80]];
  assert.deepEqual(moved([box], { x: 2, y: 3 }, { x: 12, y: 1 }), [[[110, 48], [210, 48], [210, 78], [110, 78]]]);
  assert.equal(moved([box], { x: 5, y: 5 }, { x: 5, y: 5 })[0], box);
  track.reset();
  assert.deepEqual(track.follow(thumb(page({ tx: 30 }))), { x: 0, y: 0 });
});

test('a camera frame is read from its luma plane, or from its colours where it has no such plane', async () => {
  const w = 640, h = 360, plane = page({ w, h });
  // a WebCodecs VideoFrame's surface as this module uses it
  const frame = (format, bytes, stride) => ({
    format, visibleRect: { width: w, height: h },
    allocationSize: () => bytes.length,
    copyTo: async (into) => { into.set(bytes); return [{ offset: 0, stride }]; },
  });
  const i420 = new Uint8Array(w * h * 1.5).fill(128);
  i420.set(plane);
  const rgba = new Uint8Array(w * h * 4);
  for (let k = 0; k < plane.length; k++) rgba.set([plane[k], plane[k], plane[k], 255], 4 * k);
  const a = await frameThumb(frame('I420', i420, w));
  const b = await frameThumb(frame('RGBA', rgba, 4 * w));
  assert.deepEqual([a.w, a.h, a.step], [160, 90, 4]);
  assert.ok(a.data.every((v, k) => Math.abs(v - b.data[k]) < 1));
  await assert.rejects(frameThumb(frame('P010', i420, w)), /P010/);
});
