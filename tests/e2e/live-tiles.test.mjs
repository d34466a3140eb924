// The live preview's tiling and merging (www/lib/live-tiles.js), without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewSlots, toFrame, mergeQuads, liveQuads, TILE_SIDE, TILE_SHORT } from '../../www/lib/live-tiles.js';

const rect = (x0, y0, x1, y1) => [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];

test('the slots: the whole frame at 320, then overlapping tiles at the capture scale covering the frame', () => {
  const slots = previewSlots(1280, 720, 800);
  assert.deepEqual([slots[0].dw, slots[0].dh, slots[0].whole], [320, 180, true]);
  const tiles = slots.slice(1);
  assert.ok(tiles.length >= 4);
  for (const t of tiles) {
    assert.deepEqual([t.dw, t.dh], [TILE_SIDE, TILE_SHORT]); // 512 x 307 frame pixels seen at 0.625
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.w <= 1280 + 1e-6 && t.y + t.h <= 720 + 1e-6);
  }
  // every frame pixel lies in some tile, and each tile shares a quarter of its width with its neighbour
  for (const [x, y] of [[0, 0], [1279, 719], [640, 360], [511, 300], [900, 500]]) {
    assert.ok(tiles.some((t) => x >= t.x && x <= t.x + t.w && y >= t.y && y <= t.y + t.h), `${x},${y}`);
  }
  const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
  assert.ok(xs[1] - xs[0] <= 0.75 * tiles[0].w + 1e-6);
  // portrait frames get portrait tiles
  assert.deepEqual([previewSlots(720, 1280, 800)[1].dw, previewSlots(720, 1280, 800)[1].dh], [TILE_SHORT, TILE_SIDE]);
});

test('quads come back in the frame pixels', () => {
  const slot = { x: 100, y: 50, w: 512, h: 307.2, dw: 320, dh: 192 };
  assert.deepEqual(toFrame(slot, [rect(0, 0, 32, 16)])[0], rect(100, 50, 151.2, 75.6));
});

test('pieces of one formula join; formulas on other lines or further along stay apart', () => {
  const merged = mergeQuads([
    rect(100, 100, 300, 130), rect(280, 102, 420, 131), // one formula cut by a tile edge
    rect(100, 140, 300, 170), // the next line, touching the first only by a few pixels in height
    rect(500, 100, 560, 130), // further along the same line
  ]);
  assert.equal(merged.length, 3);
  assert.ok(merged.some((q) => q[0][0] === 100 && q[1][0] === 420));
});

test('a close-up shows the whole frame\'s regions; a page shows its tiles\' regions', () => {
  const slots = previewSlots(1280, 720, 800);
  const tileQuad = rect(600, 300, 700, 320);
  const found = slots.map((s) => (s.whole ? [rect(200, 200, 1000, 400)] : [tileQuad]));
  assert.deepEqual(liveQuads(slots, found, 1280, 720, 800), [rect(200, 200, 1000, 400)]);
  found[0] = [rect(600, 300, 700, 320)];
  assert.deepEqual(liveQuads(slots, found, 1280, 720, 800), [tileQuad]);
});
