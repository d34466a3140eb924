// Browser end-to-end tests of the mathsnap app (www/) with the real wasm engine and models.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setup, waitReady, waitResult, cardLatex, fixture, offHostRequests, normLatex,
  nativeRead, REPO, SLOW, startCamera,
} from './helpers.mjs';

describe('mathsnap app', () => {
  let env, ctx, page;

  before(async () => {
    env = await setup();
    ctx = await env.newContext();
    page = await ctx.newPage();
  });
  after(async () => {
    await env?.close();
  });

  test('loads the wasm engine and the models, with progress', async () => {
    const seen = [];
    page.on('response', (r) => seen.push([new URL(r.url()).pathname, r.status(), r.headers()['content-type']]));
    await page.goto(env.url);
    await waitReady(page);
    const paths = seen.map(([p]) => p);
    for (const p of ['/pkg/mathsnap_bg.wasm', '/models/manifest.json']) assert.ok(paths.includes(p), `fetched ${p}`);
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'models', 'manifest.json'), 'utf8'));
    const models = [manifest.recognizer.encoder, manifest.recognizer.decoder, manifest.recognizer.decoder_r2l,
      manifest.detector?.file].filter(Boolean);
    for (const m of models) assert.ok(paths.includes(`/models/${m}`), `fetched ${m}`);
    const wasm = seen.find(([p]) => p === '/pkg/mathsnap_bg.wasm');
    assert.equal(wasm[2], 'application/wasm');
    assert.match(await page.textContent('#loader-label'), /ready/i);
    assert.equal(await page.$eval('#load-progress', (p) => p.value), 1);
  });

  test('upload: a printed formula becomes a KaTeX card with the expected LaTeX', async () => {
    const state = await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png')));
    assert.equal(state, 'done', await page.textContent('#results-summary'));
    const latex = await cardLatex(page);
    assert.ok(latex.length >= 1, 'at least one card');
    console.log(`# upload read: ${JSON.stringify(latex)}`);
    assert.deepEqual(latex.map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex), `engine read ${JSON.stringify(latex)}`);
    // Rendered by KaTeX (HTML + MathML), with a confidence label.
    assert.equal(await page.locator('#cards .card').first().locator('.katex-html').count(), 1);
    assert.equal(await page.locator('#cards .card').first().locator('math').count(), 1);
    assert.match(await page.getAttribute('#cards .card >> nth=0', 'aria-label'), /^Formula 1 of \d+, (high|medium|low) confidence$/);
    // A region is drawn on the photo.
    assert.ok(await page.locator('#photo-overlay polygon:not(.shadow)').count() >= 1);
    // The live region announced the result.
    await page.waitForFunction(() => /Found \d+ formula/.test(document.getElementById('live').textContent));
  });

  test('cards: editing re-renders, copy LaTeX / MathML, focus highlights the region', async () => {
    const card = page.locator('#cards .card').first();
    const ta = card.locator('.card-latex');
    await ta.focus();
    assert.equal(await page.locator('#photo-overlay polygon.active').count(), 1, 'region highlighted on focus');
    assert.ok(await card.evaluate((c) => c.classList.contains('active')));
    await ta.fill('\\frac{a}{b}+\\sqrt{2}');
    await page.waitForFunction(() => document.querySelector('#cards .card .card-render .mfrac, #cards .card .card-render .sqrt'));
    await card.locator('.copy-latex').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '\\frac{a}{b}+\\sqrt{2}');
    await card.locator('.copy-mathml').click();
    const mathml = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(mathml, /^<math xmlns="http:\/\/www.w3.org\/1998\/Math\/MathML"/);
    assert.match(mathml, /<mfrac>/);
    // Stretchy SVG constructs render without CSP violations (checked at the end).
    await ta.fill('\\overrightarrow{AB}+\\widehat{xyz}');
    await page.waitForFunction(() => document.querySelector('#cards .card .card-render svg'));
    // Invalid LaTeX shows an error instead of throwing.
    await ta.fill('\\frac{a}{');
    await page.waitForSelector('#cards .card .card-latex-error:not([hidden])');
    // Keyboard: Tab from the text box reaches the copy buttons, focus is visible.
    await ta.focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'button copy-latex');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'visible focus');
  });

  test('drag-and-drop and paste go through the same path', async () => {
    const b64 = fs.readFileSync(fixture('e2e-quadratic.png')).toString('base64');
    for (const kind of ['drop', 'paste']) {
      const state = await waitResult(page, () => page.evaluate(([data, kind]) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'formula.png', { type: 'image/png' }));
        if (kind === 'drop') {
          document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        } else {
          document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        }
      }, [b64, kind]));
      assert.equal(state, 'done', kind);
      assert.deepEqual((await cardLatex(page)).map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex), kind);
    }
  });

  test('sample: the sample worksheet is read as the engine reads it', async () => {
    assert.equal(await page.textContent('#sample'), 'Try a sample photo');
    const state = await waitResult(page, () => page.click('#sample'));
    assert.equal(state, 'done', await page.textContent('#results-summary'));
    const latex = await cardLatex(page);
    assert.deepEqual(latex.map(normLatex), nativeRead('../../www/samples/worksheet.jpg').map(normLatex));
    assert.ok(latex.length >= 4, `the sample gave ${latex.length} formulas`);
    assert.match(await page.textContent('#results-summary'), /sample worksheet/);
  });

  test('share_target without a service worker: the server sends the app to a clear notice', async () => {
    // First visit or offline data removed: the OS share POST reaches scripts/serve.mjs, which never
    // takes images, so it must redirect to the app's "could not be received" notice (not a 405 page).
    const ctx = await env.newContext();
    const page = await ctx.newPage();
    await page.goto(env.url);
    await page.evaluate(() => {
      const form = Object.assign(document.createElement('form'), { id: 'share-form', method: 'post', action: 'share-target', enctype: 'multipart/form-data' });
      document.body.append(form);
    });
    await Promise.all([page.waitForNavigation(), page.evaluate(() => document.getElementById('share-form').submit())]);
    await page.waitForSelector('#notice:not([hidden])');
    assert.match(await page.textContent('#notice-text'), /could not be received/);
    assert.equal(new URL(page.url()).search, '', 'the ?share parameter is removed');
    await ctx.close();
  });

  test('bad image: a clear message naming the problem', async () => {
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-not-an-image.png'))), 'error');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.errorCode), 'bad_image');
    assert.ok(await page.isVisible('#error'));
    assert.match(await page.textContent('#error-text'), /could not be read as an image/);
    assert.equal(await page.locator('#cards .card').count(), 0);
  });

  test('no formula: a blank page says so', async () => {
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-blank.png'))), 'empty');
    assert.match(await page.textContent('#notice-text'), /No formula found/);
    assert.ok(await page.isHidden('#error'));
  });

  test('engine crash (wasm trap): error with Retry, then it works without a reload', async () => {
    const workers = page.workers();
    assert.ok(workers.length >= 1, 'engine worker running');
    for (const w of workers) await w.evaluate(() => { globalThis.__mathsnapSimulateTrap = true; });
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'error');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.errorCode), 'crash');
    assert.match(await page.textContent('#error-text'), /crashed/);
    assert.ok(await page.isVisible('#retry'));
    assert.equal(await waitResult(page, () => page.click('#retry')), 'done');
    assert.deepEqual((await cardLatex(page)).map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex));
    // And the next photo works as well.
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-blank.png'))), 'empty');
  });

  test('camera: live boxes over the preview, capture produces the formula', async () => {
    await startCamera(page);
    // The detector outlines the formula in the live preview.
    if (await page.evaluate(() => document.documentElement.dataset.detector) === 'yes') {
      await page.waitForFunction(() => Number(document.documentElement.dataset.liveRegions || 0) >= 1, null, { timeout: SLOW });
    } else {
      console.log('# models/manifest.json ships no detector: live outlines not checked');
    }
    const facing = await page.evaluate(() => document.getElementById('video').srcObject.getVideoTracks()[0].getSettings());
    assert.ok(facing.width > 0);
    assert.equal(await waitResult(page, () => page.click('#capture')), 'done', await page.textContent('#results-summary'));
    const latex = await cardLatex(page);
    console.log(`# camera read: ${JSON.stringify(latex)}`);
    await page.setViewportSize({ width: 1280, height: 1000 });
    // docs/screenshot.png is refreshed only on request, so a test run leaves the tree clean
    const shot = process.env.UPDATE_SCREENSHOT ? path.join(REPO, 'docs', 'screenshot.png') : path.join(REPO, 'test-results', 'camera.png');
    await page.screenshot({ path: shot });
    // A camera frame is not byte-identical to the fixture file, so no native reference here:
    // the capture must give rendered, non-empty cards (accuracy is measured by `mathsnap eval`).
    assert.ok(latex.length >= 1 && latex.every((l) => l.trim().length > 0), `engine read ${JSON.stringify(latex)}`);
    assert.equal(await page.locator('#cards .card').first().locator('.katex-html').count(), 1);
    await page.click('#camera-stop');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.camera), 'off');
  });

  test('accessibility: axe-core finds no violations', async () => {
    const axe = fs.readFileSync(path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await page.evaluate(axe); // evaluated through the debugger protocol, not subject to the page CSP
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const v = result.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    assert.deepEqual(v, []);
  });

  test('prefers-reduced-motion: no spinning, no transitions', async () => {
    const motion = () => page.evaluate(() => {
      const spinner = document.querySelector('.spinner');
      const button = document.querySelector('.button');
      return { spin: getComputedStyle(spinner).animationName, transition: parseFloat(getComputedStyle(button).transitionDuration) };
    });
    const normal = await motion();
    assert.equal(normal.spin, 'spin', 'the spinner spins normally (so the check below can fail)');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const reduced = await motion();
    assert.equal(reduced.spin, 'none');
    assert.ok(reduced.transition < 0.01, `transition ${reduced.transition}s`);
    await page.emulateMedia({ reducedMotion: null });
  });

  test('offline status: a blocked service worker reads "not available", not an error', async () => {
    // This context blocks service workers (as some browsers and policies do).
    await page.waitForFunction(() => document.documentElement.dataset.offline !== 'preparing');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.offline), 'unsupported');
    assert.match(await page.textContent('#offline-status'), /Offline use is not available/);
    assert.ok(await page.isHidden('#offline-remove'));
  });

  test('camera denied: a clear message, upload still available', async () => {
    const c2 = await env.newContext({ permissions: [] });
    const p2 = await c2.newPage();
    await p2.goto(env.url);
    await p2.click('#camera-start');
    await p2.waitForSelector('#error:not([hidden])');
    assert.match(await p2.textContent('#error-text'), /Camera access was denied|No camera was found/);
    assert.ok(await p2.isEnabled('#file-pick'));
    await c2.close();
  });

  test('no request left localhost; no CSP violation or page error', async () => {
    assert.ok(env.requests.length > 5);
    assert.deepEqual(offHostRequests(env.requests), []);
    assert.deepEqual(env.problems.filter((p) => !/Failed to load resource.*404/.test(p)), []);
  });
});
