// The camera's motion between frames, so that the live boxes follow the page between detections.
//
// A preview cycle reads the frame in 10 slots at ~8 cycles a second on 2 cores (www/lib/live-tiles.js),
// so a box is 0.1-0.3 s old when it is drawn. A hand-held phone moves the page by 100-150 px a second
// in a 1280 px frame, which puts an old box off a 20-40 px tall formula. The page's motion from one
// camera frame to the next is cheap to measure on a small grey copy of the frame (about 1 ms in
// headless Chromium): each frame is matched against the one before, the shifts add up to the frame's
// displacement since the camera started, and a box found in an older frame is moved by the
// difference. Translation only: over the fraction of a second a box waits, tilt and zoom move a
// formula by far less than the shift does.

/**
 * The grey copy's long side, in pixels: a 1280 x 720 frame is matched as 160 x 90 (8 x 8 blocks, 16
 * samples each). Sub-pixel refinement places a shift to under a pixel of the frame even so, and the
 * copy and the match together cost ~1 ms a frame in headless Chromium (a 320 px copy: 5 ms, which
 * cost the preview's detections a quarter of their rate on 2 cores).
 */
const THUMB_SIDE = 160;
/**
 * The coarsest level of the search looks this far each way, in its own pixels (a quarter of the
 * copy's): 80 px of a 1280 px frame from one camera frame to the next, 2,400 px a second.
 */
const SEARCH_RADIUS = 3;
/** The copy and two halvings: the search starts on 40 x 22 for a 16:9 frame (22 x 40 upright). */
const LEVELS = 3;
/** The grey copy's variance (grey levels squared) below which a frame is too plain to match. */
const MIN_DETAIL = 4;
/** Gauss-Newton steps that take a whole-pixel shift to a fraction of a pixel. */
const REFINE_STEPS = 3;
/** Rows and columns at a level's edges left out of a match (what the shift brings in is unknown). */
const EDGE = 2;

/**
 * A grey copy of a camera frame for matching: its luma averaged over `step` x `step` blocks, mean
 * removed (the camera's exposure drifts between frames). `{ w, h, step, data: Float32Array }`.
 * `frame` is a WebCodecs VideoFrame (the luma plane copied as it is, no colour conversion:
 * ~1 ms where drawing the video into a canvas takes 5 ms); the caller closes it.
 */
export async function frameThumb(frame) {
  const width = frame.visibleRect?.width ?? frame.displayWidth;
  const height = frame.visibleRect?.height ?? frame.displayHeight;
  const size = frame.allocationSize();
  if (!copyBuffer || copyBuffer.length < size) copyBuffer = new Uint8Array(size);
  const buffer = copyBuffer; // one frame at a time (the caller awaits each), so one buffer serves all
  const layout = await frame.copyTo(buffer);
  const { offset, stride } = layout[0];
  if (LUMA_PLANE.has(frame.format)) return thumbOf(width, height, buffer, offset, stride);
  const luma = rgbLuma(buffer, offset, stride, width, height, frame.format);
  if (!luma) throw new Error(`frame format ${frame.format} not matched`);
  return thumbOf(width, height, luma, 0, width);
}

let copyBuffer = null;

/** Formats whose first plane is the luma (8 bits a sample). */
const LUMA_PLANE = new Set(['I420', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'NV12']);

/** The luma of a 4-bytes-a-pixel frame, or null for a format not known here. */
function rgbLuma(buffer, offset, stride, width, height, format) {
  const order = { RGBA: [0, 1, 2], RGBX: [0, 1, 2], BGRA: [2, 1, 0], BGRX: [2, 1, 0] }[format];
  if (!order) return null;
  const [r, g, b] = order;
  const luma = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = offset + y * stride + 4 * x;
      luma[y * width + x] = 0.299 * buffer[o + r] + 0.587 * buffer[o + g] + 0.114 * buffer[o + b];
    }
  }
  return luma;
}

/**
 * The grey copy of a `width` x `height` luma plane (`plane[offset + y * stride + x]` at (x, y)): the
 * mean of up to 4 x 4 samples spread over each `step` x `step` block.
 */
export function thumbOf(width, height, plane, offset = 0, stride = width) {
  const step = Math.max(1, Math.round(Math.max(width, height) / THUMB_SIDE));
  const spacing = Math.max(1, step >> 2);
  const samples = Math.ceil(step / spacing) ** 2;
  const w = Math.max(1, Math.floor(width / step)), h = Math.max(1, Math.floor(height / step));
  const data = new Float32Array(w * h);
  let sum = 0;
  for (let ty = 0; ty < h; ty++) {
    for (let tx = 0; tx < w; tx++) {
      let s = 0;
      for (let j = 0; j < step; j += spacing) {
        const row = offset + (ty * step + j) * stride + tx * step;
        for (let i = 0; i < step; i += spacing) s += plane[row + i];
      }
      data[ty * w + tx] = s / samples;
      sum += s / samples;
    }
  }
  const mean = sum / data.length;
  for (let k = 0; k < data.length; k++) data[k] -= mean;
  return { w, h, step, data };
}

/** Half the size: 2 x 2 averages. */
function halved(img) {
  const w = Math.max(1, img.w >> 1), h = Math.max(1, img.h >> 1);
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 2 * y * img.w + 2 * x;
      data[y * w + x] = (img.data[o] + img.data[o + 1] + img.data[o + img.w] + img.data[o + img.w + 1]) / 4;
    }
  }
  return { w, h, data };
}

/** Mean squared difference between `b` shifted by (dx, dy) and `a`, over their common inside. */
function mismatch(a, b, dx, dy) {
  const x0 = Math.max(EDGE, EDGE - dx), x1 = Math.min(a.w - EDGE, a.w - EDGE - dx);
  const y0 = Math.max(EDGE, EDGE - dy), y1 = Math.min(a.h - EDGE, a.h - EDGE - dy);
  if (x1 - x0 < 4 || y1 - y0 < 4) return Infinity;
  let s = 0, n = 0;
  for (let y = y0; y < y1; y++) {
    const ra = y * a.w, rb = (y + dy) * b.w + dx;
    for (let x = x0; x < x1; x++) {
      const d = b.data[rb + x] - a.data[ra + x];
      s += d * d;
    }
    n += x1 - x0;
  }
  return s / n;
}

/** Where the least mismatch lies within `radius` of (cx, cy). */
function bestShift(a, b, cx, cy, radius) {
  let best = { dx: cx, dy: cy, cost: Infinity };
  for (let dy = cy - radius; dy <= cy + radius; dy++) {
    for (let dx = cx - radius; dx <= cx + radius; dx++) {
      const cost = mismatch(a, b, dx, dy);
      if (cost < best.cost) best = { dx, dy, cost };
    }
  }
  return best;
}

/**
 * From (dx, dy), steps to the neighbour (left, right, up, down) that matches better until none
 * does, at most `steps` times.
 */
function descend(a, b, dx, dy, steps) {
  const cost = (x, y) => mismatch(a, b, x, y);
  let at = cost(dx, dy);
  for (let k = 0; ; k++) {
    const around = [cost(dx - 1, dy), cost(dx + 1, dy), cost(dx, dy - 1), cost(dx, dy + 1)];
    const low = Math.min(...around);
    if (low >= at || k === steps) return { dx, dy };
    const i = around.indexOf(low);
    dx += [-1, 1, 0, 0][i];
    dy += [0, 0, -1, 1][i];
    at = low;
  }
}

/**
 * The shift (dx, dy), whole pixels, refined to a fraction of a pixel by Gauss-Newton steps on the
 * squared difference (a's gradient held fixed, b sampled between pixels): a parabola through the
 * costs of whole shifts missed by up to a pixel of the copy, 8 of a 1280 px frame.
 */
function refine(a, b, dx, dy) {
  const x0 = EDGE + 1, x1 = a.w - EDGE - 1, y0 = EDGE + 1, y1 = a.h - EDGE - 1;
  let fx = dx, fy = dy;
  for (let iteration = 0; iteration < REFINE_STEPS; iteration++) {
    let hxx = 0, hxy = 0, hyy = 0, bx = 0, by = 0;
    for (let y = y0; y < y1; y++) {
      const sy = y + fy, iy = Math.floor(sy), ty = sy - iy;
      if (iy < 0 || iy + 1 >= b.h) continue;
      for (let x = x0; x < x1; x++) {
        const sx = x + fx, ix = Math.floor(sx), tx = sx - ix;
        if (ix < 0 || ix + 1 >= b.w) continue;
        const o = iy * b.w + ix;
        const seen = (1 - ty) * ((1 - tx) * b.data[o] + tx * b.data[o + 1]) + ty * ((1 - tx) * b.data[o + b.w] + tx * b.data[o + b.w + 1]);
        const k = y * a.w + x;
        const gx = (a.data[k + 1] - a.data[k - 1]) / 2, gy = (a.data[k + a.w] - a.data[k - a.w]) / 2;
        const r = a.data[k] - seen;
        hxx += gx * gx; hxy += gx * gy; hyy += gy * gy;
        bx += gx * r; by += gy * r;
      }
    }
    const det = hxx * hyy - hxy * hxy;
    if (!(det > 1e-9)) break;
    const stepX = (hyy * bx - hxy * by) / det, stepY = (hxx * by - hxy * bx) / det;
    // a step of more than a pixel means the whole-pixel search was wrong, or the picture too plain
    if (Math.abs(stepX) > 1 || Math.abs(stepY) > 1) break;
    fx += stepX;
    fy += stepY;
  }
  return { dx: Math.abs(fx - dx) <= 1 ? fx : dx, dy: Math.abs(fy - dy) <= 1 ? fy : dy };
}

/**
 * How far the picture moved from grey copy `a` to grey copy `b` (same size), in frame pixels: a point
 * at (x, y) in a's frame is at (x + dx, y + dy) in b's. Coarse to fine: every shift within
 * SEARCH_RADIUS on a quarter-size level, then downhill from twice that on the half and the full
 * size, then refined between pixels. `textured` is false where the picture has too little detail to
 * match (a blank wall): the shift is then 0.
 */
export function frameShift(a, b) {
  // a picture with next to no detail (a blank wall, a lens cap) says nothing about the motion
  if (a.w !== b.w || a.h !== b.h || !(variance(a) > MIN_DETAIL)) return { dx: 0, dy: 0, textured: false };
  const levels = [[a, b]];
  while (levels.length < LEVELS && Math.min(levels[levels.length - 1][0].w, levels[levels.length - 1][0].h) >= 32) {
    const [pa, pb] = levels[levels.length - 1];
    levels.push([halved(pa), halved(pb)]);
  }
  const [ta, tb] = levels[levels.length - 1];
  let { dx, dy } = bestShift(ta, tb, 0, 0, SEARCH_RADIUS);
  for (let l = levels.length - 2; l >= 0; l--) {
    const [la, lb] = levels[l];
    ({ dx, dy } = descend(la, lb, 2 * dx, 2 * dy, 2));
  }
  const fine = refine(a, b, dx, dy);
  return { dx: fine.dx * a.step, dy: fine.dy * a.step, textured: true };
}

function variance(img) {
  let s = 0;
  for (const v of img.data) s += v * v;
  return s / img.data.length;
}

/**
 * The camera's displacement since it started, frame by frame: `follow(thumb)` matches each frame's
 * grey copy against the previous one and adds the shift. A box found in a frame whose displacement
 * was `then` is drawn in the latest frame moved by `now - then` (`moved`).
 */
export class MotionTrack {
  constructor() {
    this.reset();
  }

  reset() {
    this.previous = null;
    this.at = { x: 0, y: 0 };
  }

  /** Adds the shift from the previous frame to `thumb`'s; returns the new displacement. */
  follow(thumb) {
    if (this.previous) {
      const s = frameShift(this.previous, thumb);
      this.at = { x: this.at.x + s.dx, y: this.at.y + s.dy };
    }
    this.previous = thumb;
    return this.at;
  }
}

/** `quads` found in a frame displaced by `then`, drawn in a frame displaced by `now`. */
export function moved(quads, then, now) {
  const dx = now.x - then.x, dy = now.y - then.y;
  if (!dx && !dy) return quads;
  return quads.map((q) => q.map(([x, y]) => [x + dx, y + dy]));
}
