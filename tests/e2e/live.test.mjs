// The camera's live boxes against what a capture of the same frame reads (issue 28): the fake camera
// shows a photo of a printed worksheet whose sheet fills two thirds of a 1280x720 frame's height
// (tests/fixtures/e2e-camera-worksheet.mjpeg, made by make-fixtures.mjs). Live boxes must cover at
// least 90% of the formulas the capture finds. How fast they refresh is logged here and measured by
// `make bench` (bench/RESULTS.md, "Live preview"), not asserted: timings belong in the benchmark.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, waitReady, waitResult, liveRate, startCamera } from './helpers.mjs';
import { foundByLive } from './live-recall.mjs';

const MIN_RECALL = 0.9;

describe('live preview boxes', () => {
  let env, ctx, page;
  before(async () => {
    env = await setup({ cameraFile: 'e2e-camera-worksheet.mjpeg' });
    ctx = await env.newContext();
    page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
  });
  after(async () => { await env?.close(); });

  test('find what a capture of the same frame finds', async (t) => {
    if (await page.evaluate(() => document.documentElement.dataset.detector) !== 'yes') {
      t.skip('models/manifest.json ships no detector');
      return;
    }
    await startCamera(page);
    const { fps, slots, draws_per_s, close_slots, close_per_cycle } = await liveRate(page, 3000);
    const live = JSON.parse(await page.evaluate(() => document.getElementById('live-overlay').dataset.quads));

    assert.equal(await waitResult(page, () => page.click('#capture')), 'done', await page.textContent('#results-summary'));
    const captured = await page.$$eval('#photo-overlay polygon[data-index]', (ps) => ps.map((p) => p.getAttribute('points').trim().split(/\s+/)
      .map((xy) => xy.split(',').map(Number))));
    const found = foundByLive(captured, live);
    const recall = found.length / Math.max(1, captured.length);
    console.log(`# live preview: ${draws_per_s.toFixed(1)} draws/s, ${fps.toFixed(1)} detections/s over a cycle of ${slots} (the whole frame, the tiles and ${close_per_cycle} of ${close_slots} close tiles: each tile refreshed every ${(slots / fps).toFixed(2)} s); ${live.length} live boxes; capture found ${captured.length}, live boxes cover ${found.length} (${(100 * recall).toFixed(0)}%)`);
    assert.ok(captured.length >= 4, `the capture found ${captured.length} formulas`);
    assert.ok(recall >= MIN_RECALL, `live boxes covered ${found.length} of the ${captured.length} formulas the capture found`);
    await page.click('#camera-stop');
  });
});
