// The engine worker pool (issue 28): a page's formula crops read side by side on several workers
// give exactly what one worker gives, upside-down pages included (their half-turn probes and second
// reading go through the pool too); page-job messages out of step get clear bad_input errors.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setup, fixture, assertMatchesNative, SLOW, REPO } from './helpers.mjs';

/** CROHME *train* handwriting (not an evaluation set), which the first view alone is often unsure of: 12 formulas' files and bytes. */
function crohmeTrain() {
  const dir = path.join(REPO, '..', 'shared', 'data', 'crohme', 'train');
  const labels = fs.readFileSync(path.join(dir, 'labels.tsv'), 'utf8');
  return labels.trim().split('\n').filter((_, i) => i % 400 === 0).slice(0, 12)
    .map((l) => l.split('\t')[0]).map((file) => ({ file, bytes: fs.readFileSync(path.join(dir, file)) }));
}

describe('engine worker pool', () => {
  let env, ctx, page;

  before(async () => {
    env = await setup({ camera: false });
    ctx = await env.newContext({ permissions: [] });
    page = await ctx.newPage();
    await page.goto(new URL('precache.json', env.url).href); // any same-origin page will do
    const pooled = await page.evaluate(async () => {
      const { EngineClient } = await import('/engine-client.js');
      window.__one = new EngineClient({ workers: 1 });
      window.__pool = new EngineClient({ workers: 2 });
      // each message posted to the pool's first worker in turn: 'code: message' where it is refused
      window.__answers = async (msgs) => {
        const out = [];
        for (const msg of msgs) {
          try { await window.__pool.primary._job(msg, [], 10000); out.push('no error'); } catch (e) { out.push(`${e.code}: ${e.message}`); }
        }
        return out;
      };
      await window.__one.start();
      return window.__pool.whenPoolReady();
    });
    assert.equal(pooled, 2, 'both workers of the pool are ready');
  });
  after(async () => { await env?.close(); });

  /** Read bytes (upright, or turned by `turn` degrees on a canvas) with the client `who`. */
  const read = (who, bytes, turn = 0) => page.evaluate(async ([who, bytes, turn]) => {
    const client = window[who];
    const data = new Uint8Array(bytes);
    if (!turn) {
      const r = await client.recognizeBytes(data, { beam: 3 });
      return { latex: r.formulas.map((f) => f.latex), formulas: r.formulas.map(({ latex, score, quad }) => ({ latex, score, quad })), rotation: r.rotation, crops: client.cropsRead ?? null };
    }
    const bitmap = await createImageBitmap(new Blob([data]));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const c = canvas.getContext('2d');
    c.translate(bitmap.width / 2, bitmap.height / 2);
    c.rotate((turn * Math.PI) / 180);
    c.drawImage(bitmap, -bitmap.width / 2, -bitmap.height / 2);
    const img = c.getImageData(0, 0, bitmap.width, bitmap.height);
    const r = await client.recognizeRgba(img.data, img.width, img.height, { beam: 3 });
    return { latex: r.formulas.map((f) => f.latex), rotation: r.rotation, crops: client.cropsRead ?? null };
  }, [who, [...bytes], turn]);

  test('a worksheet read by two workers equals one worker and the native engine', { timeout: SLOW }, async () => {
    const bytes = fs.readFileSync(fixture('page-worksheet.jpg'));
    const one = await read('__one', bytes);
    const pool = await read('__pool', bytes);
    assert.deepEqual(pool.latex, one.latex);
    // the wasm build's own matrix kernels run every detector pass and crop of this page
    assertMatchesNative(pool.formulas, 'page-worksheet.jpg');
    assert.ok(pool.latex.length >= 3, `${pool.latex.length} formulas`);
    assert.ok(pool.crops.every((n) => n >= 1), `every worker read crops: ${pool.crops}`);
  });

  test('an upside-down worksheet: a first look, then the page turned round and read again through the pool', { timeout: SLOW }, async () => {
    const bytes = fs.readFileSync(fixture('page-worksheet.jpg'));
    const before = (await page.evaluate(() => window.__pool.cropsRead)).reduce((a, b) => a + b, 0);
    const one = await read('__one', bytes, 180);
    const pool = await read('__pool', bytes, 180);
    assert.equal(one.rotation, 180);
    assert.deepEqual([pool.rotation, pool.latex], [one.rotation, one.latex]);
    // its 4 largest formulas read the wrong way up first (page_read::FIRST_LOOK: the page's lines do
    // not say it is upright), whose upside-down probe turns it round; then every formula once
    const read_ = pool.crops.reduce((a, b) => a + b, 0) - before;
    assert.ok(pool.latex.length > 4, `${pool.latex.length} formulas`);
    assert.ok(read_ >= 4 + pool.latex.length && read_ < 2 * pool.latex.length, `crops read: ${read_}`);
  });

  test('a small-print page: its larger detector pass computed in bands on both workers', { timeout: SLOW }, async () => {
    // the worksheet's left column stacked four times: formulas too small for the working size, so the
    // page takes the small-print look, which the pool cuts in one band per worker (src/detector/bands.rs)
    const bytes = fs.readFileSync(fixture('page-worksheet.jpg'));
    const r = await page.evaluate(async (bytes) => {
      const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]));
      const canvas = new OffscreenCanvas(320, 4 * 515);
      const c = canvas.getContext('2d');
      for (let k = 0; k < 4; k++) c.drawImage(bitmap, 0, 0, 320, 515, 0, k * 515, 320, 515);
      const img = c.getImageData(0, 0, canvas.width, canvas.height);
      const before = window.__pool.bandsDetected;
      const one = await window.__one.recognizeRgba(new Uint8ClampedArray(img.data), img.width, img.height, { beam: 3 });
      const pool = await window.__pool.recognizeRgba(new Uint8ClampedArray(img.data), img.width, img.height, { beam: 3 });
      const bands = window.__pool.bandsDetected.map((n, i) => n - before[i]);
      return { one: one.formulas.map((f) => f.latex), pool: pool.formulas.map((f) => f.latex), work: [one.work, pool.work], bands };
    }, [...bytes]);
    assert.equal(r.work[0].banded_passes, 0, 'one worker: the pass whole');
    assert.equal(r.work[1].banded_passes, 1, `the pool: the small-print look in bands: ${JSON.stringify(r.work[1])}`);
    assert.equal(r.work[1].detector_passes, r.work[0].detector_passes);
    assert.deepEqual(r.bands, [1, 1], 'each worker computed one band');
    assert.ok(r.one.length >= 8, `${r.one.length} formulas`);
    assert.deepEqual(r.pool, r.one);
  });

  test('one formula on two workers: its other views encoded by the helper where the first view is unsure, the same reading as one worker', { timeout: SLOW }, async () => {
    const files = crohmeTrain();
    const before = await page.evaluate(() => window.__pool.viewsSupplied.reduce((a, b) => a + b, 0));
    for (const { file, bytes } of files) {
      const [one, pool] = await page.evaluate(async (bytes) => Promise.all(['__one', '__pool'].map(async (who) => {
        const r = await window[who].recognizeBytes(new Uint8Array(bytes), { beam: 3, single: true });
        return r.formulas.map((f) => [f.latex, f.score]);
      })), [...bytes]);
      assert.deepEqual(pool, one, file);
    }
    const supplied = await page.evaluate(() => window.__pool.viewsSupplied);
    const handedOver = supplied.reduce((a, b) => a + b, 0) - before;
    assert.ok(handedOver >= 2 && handedOver < files.length, `the helper's views were taken for ${handedOver} of ${files.length} formulas`);
    assert.equal(supplied[0], 0, 'the first worker never encodes views for itself through the pool');
  });

  test('single-formula messages out of step are refused clearly; a waiting job refuses views that do not fit, and can be dropped', { timeout: SLOW }, async () => {
    const errors = await page.evaluate(() => window.__answers([
      { type: 'singleSupply', single: 999, views: null },
      { type: 'singleSupply', single: 1, views: [{ memory: new Float32Array(4) }] },
      { type: 'otherViews', bytes: new Uint8Array(0) },
      { type: 'singleDrop', single: 0 },
    ]));
    assert.match(errors[0], /^bad_input: no single-formula job 999/);
    assert.match(errors[1], /^bad_input: views\[0\] must be \{memory: Float32Array, keys: Float32Array\}/);
    assert.match(errors[2], /^bad_input: bytes is empty/);
    assert.match(errors[3], /^bad_input: single must be a positive integer/);

    // a waiting job handed views of the wrong size refuses them and stays, to be finished without them
    let r = null;
    for (const { bytes } of crohmeTrain()) {
      r = await page.evaluate(async (bytes) => {
        const w = window.__pool.primary;
        const start = () => w._job({ type: 'recognize', bytes: new Uint8Array(bytes).buffer, opts: { beam: 3, single: true }, stepwise: true }, [], 60000);
        const step = await start();
        if (step.single === undefined) return null; // its first view was sure: try the next
        const bad = [{ memory: new Float32Array(7), keys: new Float32Array(7) }];
        const [refused] = await window.__answers([{ type: 'singleSupply', single: step.single, views: bad }]);
        const finished = await w._job({ type: 'singleSupply', single: step.single, views: null }, [], 60000);
        const one = await window.__one.recognizeBytes(new Uint8Array(bytes), { beam: 3, single: true });
        // the same formula waiting again, dropped: its job is gone
        const again = await start();
        const dropped = await w._job({ type: 'singleDrop', single: again.single }, [], 10000);
        const [gone] = await window.__answers([{ type: 'singleSupply', single: again.single, views: null }]);
        return { refused, finished: finished.formulas.map((f) => [f.latex, f.score]), one: one.formulas.map((f) => [f.latex, f.score]), dropped, gone, id: again.single };
      }, [...bytes]);
      if (r) break;
    }
    assert.ok(r, 'one of the formulas leaves its first view unsure');
    assert.match(r.refused, /^bad_input: a view's encoding does not fit this recognizer/);
    assert.deepEqual(r.finished, r.one);
    assert.deepEqual(r.dropped, { dropped: true });
    assert.match(r.gone, new RegExp(`^bad_input: no single-formula job ${r.id} `));
  });

  test('page-job messages out of step are refused clearly', { timeout: SLOW }, async () => {
    const errors = await page.evaluate(() => window.__answers([
      { type: 'pageSupply', page: 999, readings: [] },
      { type: 'pageSupply', page: 0, readings: [] },
      { type: 'pageSupply', page: 1, readings: [{ latex: 'x', confidence: 2 }] },
      { type: 'readCrop', rgb: new Uint8Array(10), width: 2, height: 2 },
      { type: 'pageSupplyMaps', page: 1, maps: [{ width: 2, height: 2, data: new Float32Array(3) }] },
      { type: 'detectBand', rgb: new Uint8Array(10), width: 2, height: 2 },
      { type: 'pageSupply', page: 1, readings: [{ latex: 'x', confidence: 0.5, upsideDown: 'turned' }] },
    ]));
    assert.match(errors[0], /^bad_input: no page job 999/);
    assert.match(errors[1], /^bad_input: page must be a positive integer/);
    assert.match(errors[2], /^bad_input: readings\[0\]\.confidence must be a number from 0 to 1/);
    assert.match(errors[3], /^bad_input: rgb has 10 bytes but a 2×2 RGB crop needs 12/);
    assert.match(errors[4], /^bad_input: maps\[0\]\.data must be a Float32Array of 2×2 values, got Float32Array of 3/);
    assert.match(errors[5], /^bad_input: rgb has 10 bytes but a 2×2 RGB band needs 12/);
    assert.match(errors[6], /^bad_input: readings\[0\]\.upsideDown must be a finite number when given/);
  });

  test('a wrong count of readings is refused and the page job can be dropped', { timeout: SLOW }, async () => {
    const bytes = fs.readFileSync(fixture('page-worksheet.jpg'));
    const r = await page.evaluate(async (bytes) => {
      const w = window.__pool.primary;
      const step = await w._job({ type: 'recognize', bytes: new Uint8Array(bytes).buffer, opts: { beam: 1 }, stepwise: true }, [], 60000);
      let err = null;
      try { await w._job({ type: 'pageSupply', page: step.page, readings: [] }, [], 10000); } catch (e) { err = `${e.code}: ${e.message}`; }
      const dropped = await w._job({ type: 'pageDrop', page: step.page }, [], 10000);
      let gone = null;
      try { await w._job({ type: 'pageSupply', page: step.page, readings: [] }, [], 10000); } catch (e) { gone = e.code; }
      return { crops: step.crops.length, first: step.crops[0] && [step.crops[0].width, step.crops[0].height, step.crops[0].rgb.length], err, dropped, gone };
    }, [...bytes]);
    assert.ok(r.crops >= 3, `${r.crops} crops`);
    assert.equal(r.first[2], r.first[0] * r.first[1] * 3, 'crops are RGB pixels');
    assert.match(r.err, new RegExp(`^bad_input: 0 readings supplied for ${r.crops} crops`));
    assert.deepEqual(r.dropped, { dropped: true });
    assert.equal(r.gone, 'bad_input');
  });
});
