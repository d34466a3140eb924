// The camera's live boxes, found at the scale a capture reads the frame at.
//
// A capture detects the whole frame with its long side at the detector's working size (the manifest's
// `long_side`, 800): a worksheet filling two thirds of the frame has formulas 8-30 px tall there. The
// whole frame at that size takes ~270 ms in wasm, far too slow for a preview, and the same frame
// shrunk to 320 px (~36 ms) makes those formulas 3-12 px tall, below what the detector was trained
// on: it boxed 2 of the 6 formulas a capture found (tests/e2e/live.test.mjs). So the preview cuts
// the frame into overlapping tiles, each seen at the capture's scale through a 320 x 192 detector
// input (the cost of one small detection), reads one tile per detection round-robin on the engine
// pool's workers, and shows the latest boxes of every tile, merged where tiles overlap. A whole
// frame at 320 is one more slot of the cycle: when its regions are as tall as a close-up's, the
// frame is one big formula (a close-up, as the capture's probe decides) and those regions are shown.
// Small print, which a capture looks at again up to twice as close, the tiles at the capture's scale
// miss (a third of a worksheet's formulas found); close tiles at twice the scale find three quarters,
// but there are four times as many of them. So each cycle reads a few of them in turn (SlotCycle),
// and their boxes, which the camera's motion keeps on the page meanwhile (live-motion.js), are shown
// until their tile is read again.

/** The detector input of one tile or of the whole-frame look: the preview's cost per detection. */
export const TILE_SIDE = 320;
export const TILE_SHORT = 192;
/** Neighbouring tiles share this share of a tile, so that a formula cut by one tile's edge lies whole in the next. */
const OVERLAP = 0.25;
/** Median region height, at the capture's scale, above which the frame is a close-up (src/detector/scale.rs). */
const CLOSE_UP_REGION_HEIGHT = 64;
/** The share of the tiles' regions that may lie outside a close-up's regions (specks, the page's edge). */
const CLOSE_UP_STRAYS = 0.2;

/** The tiles see the frame at this share of the capture's scale. */
const TILE_SCALE = 1;
/**
 * The close tiles see it at this multiple: the capture's small-print look goes up to twice as close
 * (src/detector/scale.rs), and on worksheet frames tiles at the capture's scale find a third of what
 * a capture reads, at twice the scale three quarters (bench/live_recall.mjs).
 */
export const CLOSE_SCALE = 2;

/**
 * The slots of one preview cycle for a `vw` x `vh` frame read by captures at `longSide`: first the
 * whole frame at TILE_SIDE, then the tiles at `tileScale` times the capture's scale, then, where
 * `closeScale` is given, the close tiles at that multiple of it (flagged `close`: small print, which
 * a capture looks at again up to twice as close; SlotCycle reads a few of them a cycle). Each slot
 * is {x, y, w, h} in the frame's pixels and the size {dw, dh} it is scaled to for the detector.
 */
export function previewSlots(vw, vh, longSide, tileScale = TILE_SCALE, closeScale = 0) {
  const whole = fitted(vw, vh, TILE_SIDE);
  const slots = [{ x: 0, y: 0, w: vw, h: vh, dw: whole[0], dh: whole[1], whole: true, close: false }];
  slots.push(...tiles(vw, vh, longSide, tileScale, false));
  if (closeScale) slots.push(...tiles(vw, vh, longSide, closeScale, true));
  return slots;
}

/** Overlapping tiles covering the frame, seen at `share` of the capture's scale through TILE_SIDE x TILE_SHORT. */
function tiles(vw, vh, longSide, share, close) {
  // the capture's scale (above 1 for a small frame, as there), times the tiles' share of it
  const scale = share * longSide / Math.max(vw, vh);
  const landscape = vw >= vh;
  const [dw, dh] = landscape ? [TILE_SIDE, TILE_SHORT] : [TILE_SHORT, TILE_SIDE];
  const tw = Math.min(vw, dw / scale), th = Math.min(vh, dh / scale);
  const out = [];
  for (const y of spread(vh, th)) {
    for (const x of spread(vw, tw)) {
      out.push({ x, y, w: tw, h: th, dw: Math.round(tw * scale), dh: Math.round(th * scale), whole: false, close });
    }
  }
  return out;
}

/** Close tiles read a cycle while they find formulas the other tiles miss, and while they have not looked yet. */
export const CLOSE_PER_CYCLE = 4;
/** Close tiles read a cycle once a whole round of them found nothing the other tiles missed. */
export const CLOSE_PER_CYCLE_IDLE = 1;

/**
 * The order a preview reads its slots in: every cycle the whole frame and the tiles, then the next
 * few close tiles (round robin), CLOSE_PER_CYCLE of them, or CLOSE_PER_CYCLE_IDLE once a whole
 * round of close tiles found nothing the other tiles had not (`closeFound`): on a page whose
 * formulas the capture's scale already finds, the close look costs a slot a cycle, not four.
 */
export class SlotCycle {
  constructor(slots) {
    this.base = [];
    this.close = [];
    slots.forEach((s, k) => (s.close ? this.close : this.base).push(k));
    this.queue = [];
    this.nextClose = 0;
    this.perCycle = CLOSE_PER_CYCLE;
    this.roundAdded = false;
  }

  /** Slots a cycle reads now: the whole frame, the tiles and this cycle's share of the close tiles. */
  get cycleLength() {
    return this.base.length + Math.min(this.perCycle, this.close.length);
  }

  /** Whether the next slot begins a cycle (the frame is copied anew). */
  get atCycleStart() {
    return this.queue.length === 0;
  }

  /** The next slot's index. */
  next() {
    if (!this.queue.length) this.queue = [...this.base, ...this.takeClose()];
    return this.queue.shift();
  }

  takeClose() {
    const take = [];
    for (let i = 0; i < Math.min(this.perCycle, this.close.length); i++) {
      take.push(this.close[this.nextClose]);
      this.nextClose = (this.nextClose + 1) % this.close.length;
      if (this.nextClose === 0) { // a round of close tiles ends
        if (!this.roundAdded) this.perCycle = CLOSE_PER_CYCLE_IDLE;
        this.roundAdded = false;
      }
    }
    return take;
  }

  /** A close tile's detection ended: `added`, it found a formula no other tile's box holds. */
  closeFound(added) {
    if (!added) return;
    this.roundAdded = true;
    this.perCycle = CLOSE_PER_CYCLE;
  }
}

/** Whether some of `quads` (a close tile's) lie outside every box of `others` (the other tiles'). */
export function addsTo(quads, others) {
  const boxes = others.map(bounds);
  return quads.some((q) => !boxes.some((b) => coveredShare(bounds(q), b) >= 0.5));
}

/** Starts of tiles `t` long covering `total`, neighbours overlapping by at least OVERLAP of a tile. */
function spread(total, t) {
  if (t >= total) return [0];
  const n = Math.ceil((total - t * OVERLAP) / (t * (1 - OVERLAP)));
  return Array.from({ length: n }, (_, i) => (i * (total - t)) / (n - 1));
}

function fitted(w, h, side) {
  const s = Math.min(1, side / Math.max(w, h));
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}

/** The detector's input for `slot`, cut from `source` (a video, a bitmap) and scaled to the slot's size. */
export function slotBitmap(source, slot) {
  return createImageBitmap(source, Math.round(slot.x), Math.round(slot.y), Math.round(slot.w), Math.round(slot.h),
    { resizeWidth: slot.dw, resizeHeight: slot.dh, resizeQuality: 'low' });
}

/**
 * The camera frame a preview cycle cuts its slots from, copied once per cycle: a slot cut from the
 * video element converts its whole decoded frame again (6 ms a slot in headless Chromium on the bench
 * machine), from the copy 0.5 ms. A copy is closed once a newer cycle has begun and its last cut is done.
 * `grab()` names the frame to copy, `{ image, at }`: a video, a VideoFrame or a bitmap, and the
 * camera's displacement when it was shown (www/lib/live-motion.js), which every cut of it carries.
 */
export class CycleFrame {
  constructor(grab) {
    this.grab = grab;
    this.current = null;
  }

  /**
   * `slot` cut from the cycle's copy of the frame, `{ bitmap, at }`; `fresh` (a cycle's first slot)
   * copies the frame anew.
   */
  async cut(slot, fresh) {
    if (fresh || !this.current) {
      this.retire();
      const { image, at } = this.grab();
      this.current = { bitmap: createImageBitmap(image), at, cuts: 0, old: false };
    }
    const f = this.current;
    f.cuts++;
    try {
      return { bitmap: await slotBitmap(await f.bitmap, slot), at: f.at };
    } finally {
      f.cuts--;
      if (f.old && !f.cuts) closeCopy(f);
    }
  }

  /** The current copy is not cut again; it is closed when its cuts in flight are done. */
  retire() {
    const f = this.current;
    this.current = null;
    if (!f) return;
    f.old = true;
    if (!f.cuts) closeCopy(f);
  }
}

const closeCopy = (f) => f.bitmap.then((b) => b.close(), () => {});

/**
 * The detector's score a close tile's region needs to be shown. Twice as close as a capture looks,
 * lines of text are now and then taken for formulas: on camera frames of the bench's worksheets
 * (bench/live_recall.mjs' frames, 12 upright pages in 3 views), 68 of 445 close-tile regions touched
 * no formula a capture read, against 4 of 87 at the capture's scale; scored 0.7 and above, 31 of them
 * and 96% of the others; 0.8 and above, 6 and 88%.
 */
export const CLOSE_MIN_SCORE = 0.75;

/** What a slot shows of the detector's regions ({quad, score}, detector pixels): quads in the frame's pixels. */
export function slotQuads(slot, regions) {
  return toFrame(slot, regions.filter((r) => !slot.close || r.score >= CLOSE_MIN_SCORE).map((r) => r.quad));
}

/** A slot's detected quads (in the detector input's pixels) in the frame's pixels. */
export function toFrame(slot, quads) {
  const sx = slot.w / slot.dw, sy = slot.h / slot.dh;
  return quads.map((q) => q.map(([x, y]) => [slot.x + x * sx, slot.y + y * sy]));
}

/** Axis-aligned bounds of a quad: [x0, y0, x1, y1]. */
export const bounds = (q) => [Math.min(...q.map((p) => p[0])), Math.min(...q.map((p) => p[1])),
  Math.max(...q.map((p) => p[0])), Math.max(...q.map((p) => p[1]))];

/**
 * Quads found in overlapping tiles joined: two boxes that overlap and share most of their height
 * (pieces of one formula cut by tile edges, or one formula seen by two tiles) become their common
 * bounding box; boxes on different lines stay apart. Quads that join nothing are kept as found.
 */
export function mergeQuads(quads) {
  let items = quads.map((q) => ({ q, b: bounds(q) }));
  for (let joined = true; joined;) {
    joined = false;
    outer: for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i].b, b = items[j].b;
        const ix = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
        const iy = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
        if (ix > 0 && iy > 0.5 * Math.min(a[3] - a[1], b[3] - b[1])) {
          const u = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
          items[i] = { q: [[u[0], u[1]], [u[2], u[1]], [u[2], u[3]], [u[0], u[3]]], b: u };
          items.splice(j, 1);
          joined = true;
          break outer;
        }
      }
    }
  }
  return items.map((it) => it.q);
}

/**
 * What the overlay shows, from the latest quads of every slot (frame pixels; undefined: not read yet):
 * the whole-frame look's regions when they are a close-up's, else the tiles' regions merged. A
 * close-up's tiles see pieces of its formulas, so the whole look is taken for one only where the
 * tiles found (nearly) nothing outside its regions: on a worksheet the look at 320 px now and then
 * sees only its two tallest formulas, as tall as a close-up's, and would hide the other four.
 */
export function liveQuads(slots, found, vw, vh, longSide) {
  const whole = found[0] || [];
  const tiles = mergeQuads(slots.flatMap((s, k) => (s.whole ? [] : found[k] || [])));
  const scale = longSide / Math.max(vw, vh);
  const heights = whole.map((q) => { const b = bounds(q); return Math.min(b[2] - b[0], b[3] - b[1]) * scale; }).sort((a, b) => a - b);
  const tall = heights.length && heights[Math.floor(heights.length / 2)] > CLOSE_UP_REGION_HEIGHT;
  if (!tall) return tiles;
  const wholeBoxes = whole.map(bounds);
  const outside = tiles.filter((q) => !wholeBoxes.some((w) => coveredShare(bounds(q), w) >= 0.5)).length;
  return outside <= CLOSE_UP_STRAYS * tiles.length ? whole : tiles;
}

/** The share of box a (as [x0, y0, x1, y1]) that box b covers. */
export function coveredShare(a, b) {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const area = (a[2] - a[0]) * (a[3] - a[1]);
  return iw > 0 && ih > 0 && area > 0 ? (iw * ih) / area : 0;
}
