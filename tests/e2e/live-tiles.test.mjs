// The live preview's tiling and merging (www/lib/live-tiles.js), without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { previewSlots, toFrame, slotQuads, mergeQuads, liveQuads, CycleFrame, SlotCycle, addsTo, TILE_SIDE, TILE_SHORT, CLOSE_PER_CYCLE, CLOSE_PER_CYCLE_IDLE, CLOSE_MIN_SCORE } from '../../www/lib/live-tiles.js';

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

test('a tile scale above 1 cuts smaller tiles: the frame seen closer than a capture sees it', () => {
  const tiles = previewSlots(1280, 720, 800, 2).slice(1);
  assert.deepEqual([tiles[0].w, tiles[0].dw], [256, TILE_SIDE]);
  assert.ok(tiles.length > previewSlots(1280, 720, 800).length - 1);
});

test('a cycle cuts its slots from one copy of the frame, closed once a newer cycle began and its cuts are done', async () => {
  const copies = [];
  const cuts = [];
  let finishCuts;
  const cutsMayFinish = new Promise((r) => { finishCuts = r; });
  globalThis.createImageBitmap = async (source, ...crop) => {
    if (!crop.length) { const copy = { source, closed: false, close() { this.closed = true; } }; copies.push(copy); return copy; }
    cuts.push(source);
    await cutsMayFinish; // the cuts are held until the test lets them finish
    return { cutFrom: source };
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  try {
    let shown = { image: 'frame 1', at: { x: 0, y: 0 } };
    const frame = new CycleFrame(() => shown);
    const [s0, s1] = previewSlots(1280, 720, 800);
    const a = frame.cut(s0, true), b = frame.cut(s1, false);
    await settle();
    shown = { image: 'frame 2', at: { x: 5, y: -3 } }; // the camera moved
    const c = frame.cut(s0, true); // the next cycle, while the first one's cuts are still running
    await settle();
    assert.equal(copies.length, 2);
    assert.deepEqual(cuts, [copies[0], copies[0], copies[1]]);
    assert.equal(copies[0].closed, false, 'closed under a cut in flight');
    assert.deepEqual(copies.map((x) => x.source), ['frame 1', 'frame 2']);
    finishCuts();
    // each cut carries where the camera was when its cycle's frame was shown
    assert.deepEqual((await Promise.all([a, b, c])).map((r) => r.at), [{ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 5, y: -3 }]);
    await settle();
    assert.equal(copies[0].closed, true);
    assert.equal(copies[1].closed, false, 'the current cycle\'s copy stays open');
    frame.retire();
    await settle();
    assert.equal(copies[1].closed, true);
  } finally {
    delete globalThis.createImageBitmap;
  }
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
  // tall regions in the whole look, but the tiles found formulas elsewhere: a page whose look at
  // 320 px saw only its tallest formulas, not a close-up
  const elsewhere = [rect(100, 500, 200, 520), rect(900, 600, 1000, 620)];
  const page = slots.map((s, k) => (s.whole ? [rect(200, 200, 1000, 400)] : k === 1 ? [tileQuad] : k === 2 ? elsewhere : []));
  assert.equal(liveQuads(slots, page, 1280, 720, 800).length, 3);
});

test('close tiles: twice as close, a few a cycle, fewer once a whole round of them found nothing new', () => {
  const slots = previewSlots(1280, 720, 800, 1, 2);
  const base = slots.filter((s) => !s.close), close = slots.filter((s) => s.close);
  assert.equal(base.length, previewSlots(1280, 720, 800).length);
  assert.deepEqual([close[0].w, close[0].dw], [256, TILE_SIDE]);
  const cycle = new SlotCycle(slots);
  const takeCycle = () => {
    assert.ok(cycle.atCycleStart);
    const ks = [cycle.next()];
    while (!cycle.atCycleStart) ks.push(cycle.next());
    return ks;
  };
  // every cycle reads the whole frame and the tiles, then the next close tiles in turn
  const first = takeCycle();
  assert.deepEqual(first.slice(0, base.length), base.map((_, k) => k));
  assert.equal(first.length, base.length + CLOSE_PER_CYCLE);
  const second = takeCycle();
  assert.deepEqual(second.slice(base.length), first.slice(base.length).map((k) => k + CLOSE_PER_CYCLE));
  // close tiles that found something new keep the pace; a whole round that found nothing slows it
  cycle.closeFound(true);
  const rounds = Math.ceil(close.length / CLOSE_PER_CYCLE);
  for (let c = 2; c < rounds + 1; c++) assert.equal(takeCycle().length, base.length + CLOSE_PER_CYCLE, `cycle ${c}`);
  let cycles = 0;
  while (takeCycle().length === base.length + CLOSE_PER_CYCLE) cycles++;
  assert.ok(cycles <= rounds, 'a round without anything new slows the close tiles');
  assert.equal(takeCycle().length, base.length + CLOSE_PER_CYCLE_IDLE);
  cycle.closeFound(false);
  assert.equal(takeCycle().length, base.length + CLOSE_PER_CYCLE_IDLE);
  cycle.closeFound(true); // small print came into view: the pace again at once
  assert.equal(takeCycle().length, base.length + CLOSE_PER_CYCLE);
});

test('a close tile adds a formula where no other tile\'s box holds most of it', () => {
  const others = [rect(100, 100, 300, 130)];
  assert.equal(addsTo([rect(120, 102, 200, 128)], others), false); // a piece of a formula already boxed
  assert.equal(addsTo([rect(120, 102, 200, 128), rect(400, 300, 460, 312)], others), true);
  assert.equal(addsTo([], others), false);
});

test('a close tile shows only the regions the detector is sure of; other tiles show every region', () => {
  const [, tile] = previewSlots(1280, 720, 800);
  const close = previewSlots(1280, 720, 800, 1, 2).find((s) => s.close);
  const regions = [{ quad: rect(0, 0, 40, 16), score: CLOSE_MIN_SCORE + 0.1 }, { quad: rect(50, 0, 90, 16), score: CLOSE_MIN_SCORE - 0.1 }];
  assert.equal(slotQuads(tile, regions).length, 2);
  assert.deepEqual(slotQuads(close, regions), toFrame(close, [regions[0].quad]));
});
