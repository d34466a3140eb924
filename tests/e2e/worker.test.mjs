// The engine worker's message validation (issue 7, web side): every malformed message gets a typed
// {code: 'bad_input', message} answer, never a hang, a trap or silence; valid jobs still work after.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setup, fixture, assertMatchesNative, SLOW } from './helpers.mjs';

describe('engine worker message validation', () => {
  let env, ctx, page;

  before(async () => {
    env = await setup({ camera: false });
    ctx = await env.newContext({ permissions: [] });
    page = await ctx.newPage();
    await page.goto(new URL('precache.json', env.url).href); // any same-origin page will do
    await page.evaluate(() => {
      const w = new Worker('/worker.js', { type: 'module' });
      window.__worker = w;
      // Post one message and resolve with the next answer that is not a progress report.
      window.__ask = (msg, transfer = []) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(msg)?.slice(0, 80)}`)), 60000);
        const onMessage = (ev) => {
          if (ev.data && ev.data.type === 'progress') return;
          clearTimeout(timer);
          w.removeEventListener('message', onMessage);
          resolve(ev.data);
        };
        w.addEventListener('message', onMessage);
        w.postMessage(msg, transfer);
      });
    });
  });
  after(async () => { await env?.close(); });

  const ask = (fn, arg) => page.evaluate(fn, arg);

  test('unknown type, missing id, non-object message', async () => {
    let r = await ask(() => __ask({ id: 1, type: 'explode' }));
    assert.equal(r.id, 1);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'bad_input');
    assert.match(r.error.message, /unknown message type "explode"/);

    r = await ask(() => __ask({ type: 'recognize', bytes: new ArrayBuffer(8) }));
    assert.deepEqual([r.type, r.id, r.ok, r.error.code], ['error', null, false, 'bad_input']);
    assert.match(r.error.message, /has no id/);

    r = await ask(() => __ask('recognize this'));
    assert.deepEqual([r.type, r.error.code], ['error', 'bad_input']);
    assert.match(r.error.message, /must be an object/);

    r = await ask(() => __ask({ type: 'init', base: 42 }));
    assert.deepEqual([r.type, r.error.code], ['init-error', 'bad_input']);
    assert.match(r.error.message, /base must be a URL string/);
  });

  test('missing or wrong fields', async () => {
    const cases = await ask(async () => {
      const out = [];
      const bitmap = await createImageBitmap(new ImageData(8, 8));
      const msgs = [
        [{ id: 10, type: 'recognize' }, []],
        [{ id: 11, type: 'recognize', bytes: 'abc' }, []],
        [{ id: 12, type: 'recognize', bytes: new ArrayBuffer(0) }, []],
        [{ id: 13, type: 'recognizeBitmap', bitmap: { width: 8, height: 8 } }, []],
        [{ id: 14, type: 'recognize', bytes: new ArrayBuffer(8), opts: { beam: 99 } }, []],
        [{ id: 15, type: 'recognize', bytes: new ArrayBuffer(8), opts: 'fast' }, []],
        [{ id: 16, type: 'detectBitmap', bitmap, longSide: 5 }, [bitmap]],
        [{ id: 17, type: 'recognizeRgba', width: 2, height: 2 }, []],
      ];
      for (const [m, t] of msgs) out.push(await __ask(m, t));
      return out;
    });
    const want = [
      /bytes must be an ArrayBuffer or a typed array, got undefined/,
      /bytes must be an ArrayBuffer or a typed array, got "abc"/,
      /bytes is empty/,
      /bitmap must be an ImageBitmap, got an object/,
      /opts\.beam must be an integer from 1 to 8, got 99/,
      /opts must be an object/,
      /longSide must be an integer from 32 to 4096, got 5/,
      /rgba must be an ArrayBuffer or a typed array/,
    ];
    cases.forEach((r, i) => {
      assert.equal(r.id, 10 + i);
      assert.equal(r.ok, false, `case ${10 + i}`);
      assert.equal(r.error.code, 'bad_input', `case ${10 + i}: ${r.error.message}`);
      assert.match(r.error.message, want[i]);
    });
  });

  test('RGBA buffer length and zero/negative/huge/non-integer sizes', async () => {
    const cases = [
      [{ width: 2, height: 2, bytes: 10 }, /rgba has 10 bytes but 2×2 RGBA needs 16/],
      [{ width: 4, height: 4, bytes: 4 * 4 * 3 }, /needs 64 \(width × height × 4\)/],
      [{ width: 0, height: 4, bytes: 0 }, /width must be positive, got 0/],
      [{ width: 4, height: -3, bytes: 16 }, /height must be positive, got -3/],
      [{ width: 20000, height: 1, bytes: 80000 }, /width 20000 is larger than the limit of 16384/],
      [{ width: 1, height: 1e9, bytes: 4 }, /height 1000000000 is larger than the limit/],
      [{ width: 2.5, height: 2, bytes: 20 }, /width must be an integer, got 2.5/],
      [{ width: '4', height: 4, bytes: 64 }, /width must be an integer, got "4"/],
      [{ width: NaN, height: 4, bytes: 64 }, /width must be an integer, got NaN/],
    ];
    for (const [c, want] of cases) {
      const r = await ask((c) => __ask({ id: 'rgba', type: 'recognizeRgba', rgba: new ArrayBuffer(c.bytes), width: c.width, height: c.height }), c);
      assert.equal(r.ok, false, JSON.stringify(c));
      assert.equal(r.error.code, 'bad_input', JSON.stringify(c));
      assert.match(r.error.message, want);
    }
    // A well-formed job before the engine is loaded passes validation and gets 'not_ready'.
    const r = await ask(() => __ask({ id: 20, type: 'recognizeRgba', rgba: new ArrayBuffer(64), width: 4, height: 4 }));
    assert.equal(r.error.code, 'not_ready');
  });

  test('after loading: a valid RGBA job reads the formula; bad ones are still refused', async () => {
    const ready = await ask(() => __ask({ type: 'init', base: '/' }));
    assert.equal(ready.type, 'ready', JSON.stringify(ready));
    const b64 = fs.readFileSync(fixture('e2e-quadratic.png')).toString('base64');
    const results = await ask(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bm = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const c = new OffscreenCanvas(bm.width, bm.height);
      c.getContext('2d').drawImage(bm, 0, 0);
      const img = c.getContext('2d').getImageData(0, 0, bm.width, bm.height);
      const short = img.data.slice(0, img.data.length - 4).buffer;
      const bad = await __ask({ id: 30, type: 'recognizeRgba', rgba: short, width: img.width, height: img.height }, [short]);
      const good = await __ask({ id: 31, type: 'recognizeRgba', rgba: img.data.buffer, width: img.width, height: img.height }, [img.data.buffer]);
      const unknown = await __ask({ id: 32, type: 'recognise' });
      return { bad, good, unknown };
    }, b64);
    assert.equal(results.bad.error.code, 'bad_input');
    assert.match(results.bad.error.message, /rgba has \d+ bytes but \d+×\d+ RGBA needs \d+/);
    assert.equal(results.good.ok, true, JSON.stringify(results.good.error));
    assert.ok(results.good.result.formulas.length >= 1);
    // Pixels of the decoded PNG are what the native build reads from the file.
    assertMatchesNative(results.good.result.formulas, 'e2e-quadratic.png');
    assert.equal(results.unknown.error.code, 'bad_input');
  }, { timeout: SLOW });
});
