// The embeddable <math-snap> element on the example page, and the wasm sanity check.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, fixture, normLatex, offHostRequests, nativeRead, SLOW } from './helpers.mjs';

describe('<math-snap> element and engine loading', () => {
  let env;
  before(async () => { env = await setup({ camera: false }); });
  after(async () => { await env?.close(); });

  test('example page: ready, progress and result events; the formula is rendered', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    await page.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
    assert.equal(await page.locator('#events [data-event="progress"]').count(), 1);
    assert.equal(await page.getAttribute('math-snap', 'state'), 'ready');
    await page.setInputFiles('math-snap input[type=file]', fixture('e2e-quadratic.png'));
    await page.waitForSelector('#events [data-event="result"], #events [data-event="error"]', { timeout: SLOW });
    assert.equal(await page.locator('#events [data-event="error"]').count(), 0, await page.textContent('#events'));
    const latex = await page.locator('math-snap .ms-latex').first().textContent();
    assert.equal(normLatex(latex), normLatex(nativeRead('e2e-quadratic.png')[0]), `engine read ${JSON.stringify(latex)}`);
    assert.equal(await page.locator('math-snap .ms-card .katex-html').count() >= 1, true);
    // Programmatic API and the error event.
    const r = await page.evaluate(async () => {
      const el = document.querySelector('math-snap');
      try { await el.recognize(new Blob(['not an image'])); return 'no error'; } catch (e) { return e.code; }
    });
    assert.equal(r, 'bad_image');
    await page.waitForSelector('#events [data-event="error"]');
    assert.match(await page.textContent('#events [data-event="error"]'), /bad_image/);
    await ctx.close();
  });

  test('a .wasm that is not WebAssembly gives an error naming its URL', async () => {
    const ctx = await env.newContext({ permissions: [] });
    await ctx.route('**/pkg/mathsnap_bg.wasm', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Not found</title>' }));
    const page = await ctx.newPage();
    await page.goto(env.url);
    await page.waitForFunction(() => document.documentElement.dataset.engine === 'error', null, { timeout: SLOW });
    const text = await page.textContent('#error-text');
    assert.match(text, /pkg\/mathsnap_bg\.wasm/);
    assert.match(text, /not a WebAssembly file/);
    assert.ok(await page.isVisible('#retry'));
    // Retry after the server is fixed loads the engine.
    await ctx.unroute('**/pkg/mathsnap_bg.wasm');
    await page.click('#retry');
    await page.waitForFunction(() => document.documentElement.dataset.engine === 'ready', null, { timeout: SLOW });
    await ctx.close();
  });

  test('no request left localhost', () => {
    assert.deepEqual(offHostRequests(env.requests), []);
  });
});
