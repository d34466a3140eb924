// The camera's live boxes while the camera moves (issue 28): a fake camera swaying over a printed
// worksheet as a hand-held phone does (tests/e2e/moving-camera.mjs, up to 200 px a second in a
// 1280x720 frame). A box is drawn a tenth to a third of a second after the frame it was found in;
// the app moves it by the page's motion since then (www/lib/live-motion.js). On frames taken as the
// overlay showed them, the boxes drawn must find at least 90% of the formulas a capture of that
// frame reads. How often the overlay follows the camera is logged here and reported by `make bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swayingCamera } from './live-frames.mjs';

const MIN_RECALL = 0.9;
const SAMPLES = 6;

test('live boxes on a moving camera follow the page: the boxes drawn on a frame find what a capture of that frame finds', async (t) => {
  const run = await swayingCamera({ seconds: 2, frames: SAMPLES });
  if (!run) {
    t.skip('models/manifest.json ships no detector');
    return;
  }
  const { captured, drawn, asFound } = run;
  const pct = (n) => `${(100 * n / Math.max(1, captured)).toFixed(0)}%`;
  console.log(`# moving camera: camera frames followed ${run.followed_per_s.toFixed(1)}/s, overlay drawn ${run.draws_per_s.toFixed(1)}/s, ${run.fps.toFixed(1)} detections/s (a ${run.slots}-slot cycle); on ${SAMPLES} frames the captures found ${captured} formulas, the boxes drawn cover ${drawn} (${pct(drawn)}), the same boxes where they were found ${asFound} (${pct(asFound)})`);
  assert.ok(captured >= 4 * SAMPLES, `the captures found ${captured} formulas on ${SAMPLES} frames`);
  assert.ok(drawn / captured >= MIN_RECALL, `the boxes drawn covered ${drawn} of the ${captured} formulas the captures found`);
});
