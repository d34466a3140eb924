// The app's live boxes with the fake camera swaying at several speeds (tests/e2e/moving-camera.mjs):
// camera frames followed and detections a second, and on --frames frames taken as the overlay showed
// them, how many of the formulas a capture of the frame reads the boxes drawn found, and the same
// boxes where they were detected (not moved with the page). Not part of `make bench`, which measures
// speed 1 (bench/browser.mjs).
//   node bench/live_moving.mjs [--speeds 1,2,3] [--frames 12] [--seconds 3]
import { sway } from '../tests/e2e/moving-camera.mjs';
import { swayingCamera } from '../tests/e2e/live-frames.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const SPEEDS = arg('--speeds', '1,2,3').split(',').map(Number);
const FRAMES = Number(arg('--frames', 12)), SECONDS = Number(arg('--seconds', 3));

/** The sway's top speed in frame pixels a second (sampled finely over its 2 s period). */
function topSpeed(speed) {
  let top = 0;
  for (let k = 0; k < 2000; k++) {
    const [x0, y0] = sway(k / 1000, speed), [x1, y1] = sway((k + 1) / 1000, speed);
    top = Math.max(top, Math.hypot(x1 - x0, y1 - y0) * 1000);
  }
  return top;
}

const pct = (n, of) => `${(100 * n / Math.max(1, of)).toFixed(0)}%`;
console.log('| sway speed | top speed, px/s | frames followed/s | detections/s | formulas the captures read | boxes drawn found | boxes as found, not moved |');
console.log('|---|---|---|---|---|---|---|');
for (const speed of SPEEDS) {
  const r = await swayingCamera({ speed, seconds: SECONDS, frames: FRAMES });
  if (!r) throw new Error('www/models ships no detector: no live boxes to measure');
  console.log(`| ${speed} | ${topSpeed(speed).toFixed(0)} | ${r.followed_per_s.toFixed(1)} | ${r.fps.toFixed(1)} | ${r.captured} on ${FRAMES} frames | ${r.drawn} (${pct(r.drawn, r.captured)}) | ${r.asFound} (${pct(r.asFound, r.captured)}) |`);
}
