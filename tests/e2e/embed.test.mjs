// The embeddable <math-snap> element on the example page, its JS API (create/recognize/dispose),
// the npm package layout and types, KaTeX safety options, and the wasm sanity check.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setup, fixture, normLatex, offHostRequests, nativeRead, REPO, SLOW } from './helpers.mjs';

/** Engines and their workers, as the page's shared-engine registry counts them. */
const engineStats = (page) => page.evaluate(async () => (await import(new URL('/embed/engine-pool.js', location.href).href)).engineStats());

const FIXTURE_B64 = () => fs.readFileSync(fixture('e2e-quadratic.png')).toString('base64');

// Collects the element's bubbling events on the example page (detail of each, in order).
const EVENT_SPY = () => {
  window.__events = [];
  for (const type of ['progress', 'ready', 'result', 'error']) {
    document.addEventListener(type, (ev) => {
      if (ev.target?.localName === 'math-snap') window.__events.push({ type, detail: ev.detail });
    }, true);
  }
};

describe('<math-snap> element, JS API and engine loading', () => {
  let env;
  before(async () => { env = await setup({ camera: true }); });
  after(async () => { await env?.close(); });

  const examplePage = async (permissions = []) => {
    const ctx = await env.newContext({ permissions });
    await ctx.addInitScript(EVENT_SPY);
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    await page.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
    return { ctx, page };
  };

  test('example page: progress {stage, loaded, total}, ready, result {formulas: [{latex, mathml, score, quad}]}, labels and live region', async () => {
    const { ctx, page } = await examplePage();
    assert.equal(await page.getAttribute('math-snap', 'state'), 'ready');
    assert.equal(await page.locator('#events [data-event="progress"]').count(), 1);
    await page.setInputFiles('math-snap input[type=file]', fixture('e2e-quadratic.png'));
    await page.waitForSelector('#events [data-event="result"], #events [data-event="error"]', { timeout: SLOW });
    assert.equal(await page.locator('#events [data-event="error"]').count(), 0, await page.textContent('#events'));
    const events = await page.evaluate(() => window.__events);

    const download = events.filter((e) => e.type === 'progress' && e.detail.stage === 'download');
    assert.ok(download.length >= 2, 'several download progress events');
    for (const { detail } of download) {
      assert.ok(Number.isFinite(detail.loaded) && Number.isFinite(detail.total) && detail.loaded <= detail.total, JSON.stringify(detail));
    }
    const last = download.at(-1).detail;
    assert.ok(last.total > 1e6 && last.loaded === last.total, `download complete: ${JSON.stringify(last)}`);
    const recog = events.filter((e) => e.type === 'progress' && e.detail.stage === 'recognize').map((e) => e.detail);
    assert.deepEqual(recog.map((d) => [d.loaded, d.total]), [[0, 1], [1, 1]]);
    assert.ok(events.findIndex((e) => e.type === 'ready') < events.findIndex((e) => e.type === 'result'));
    assert.ok(events.find((e) => e.type === 'ready').detail.bytes > 1e6);

    const { formulas } = events.find((e) => e.type === 'result').detail;
    assert.ok(formulas.length >= 1);
    for (const f of formulas) {
      assert.deepEqual(Object.keys(f).sort(), ['latex', 'mathml', 'quad', 'score']);
      assert.match(f.mathml, /^<math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"/);
      assert.ok(f.score >= 0 && f.score <= 1);
      assert.equal(f.quad.length, 4);
    }
    assert.deepEqual(formulas.map((f) => normLatex(f.latex)), nativeRead('e2e-quadratic.png').map(normLatex));
    const latex = await page.locator('math-snap .ms-latex').first().textContent();
    assert.equal(normLatex(latex), normLatex(nativeRead('e2e-quadratic.png')[0]), `engine read ${JSON.stringify(latex)}`);
    // Rendered with KaTeX's HTML and MathML, labelled "Formula i of n, … confidence".
    const n = formulas.length;
    const cards = page.locator('math-snap .ms-card');
    assert.equal(await cards.count(), n);
    for (let i = 0; i < n; i++) {
      assert.match(await cards.nth(i).getAttribute('aria-label'), new RegExp(`^Formula ${i + 1} of ${n}, (high|medium|low) confidence$`));
      assert.equal(await cards.nth(i).locator('.katex-html').count(), 1);
      assert.equal(await cards.nth(i).locator('.katex-mathml math').count(), 1);
    }
    // The live region (role=status) announces the outcome.
    const status = page.locator('math-snap [role="status"]');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    assert.match(await status.textContent(), new RegExp(`^Found ${n} formulas?\\.`));

    // Programmatic API and the error event.
    const r = await page.evaluate(async () => {
      const el = document.querySelector('math-snap');
      try { await el.recognize(new Blob(['not an image'])); return 'no error'; } catch (e) { return e.code; }
    });
    assert.equal(r, 'bad_image');
    await page.waitForSelector('#events [data-event="error"]');
    assert.match(await page.textContent('#events [data-event="error"]'), /bad_image/);
    const err = (await page.evaluate(() => window.__events)).find((e) => e.type === 'error').detail;
    assert.deepEqual(Object.keys(err).sort(), ['code', 'message']);
    assert.match(await status.textContent(), /could not be read as an image/);
    await ctx.close();
  });

  test('create() → recognize(imageLike) → dispose() with File, Blob, bytes, ImageBitmap, ImageData, <img>, <canvas>, <video>', async () => {
    const { ctx, page } = await examplePage(['camera']);
    const out = await page.evaluate(async (b64) => {
      const { create } = await import('../embed/math-snap.js');
      const stages = new Set();
      const snap = await create({ onProgress: (p) => stages.add(p.stage) });
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'formula.png', { type: 'image/png' });
      const bitmap = await createImageBitmap(file);
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      const imageData = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const img = new Image();
      img.src = URL.createObjectURL(file);
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
      await video.play();
      const inputs = {
        file, blob: new Blob([bytes]), bytes: bytes.buffer, uint8array: bytes,
        imageBitmap: bitmap, imageData, img, canvas, video,
      };
      const read = {};
      for (const [kind, input] of Object.entries(inputs)) {
        const r = await snap.recognize(input);
        read[kind] = r.formulas.map((f) => f.latex);
        if (!r.formulas.every((f) => f.mathml.startsWith('<math'))) read[kind] = 'no mathml';
      }
      video.srcObject.getTracks().forEach((t) => t.stop());
      const callerBitmapIntact = bitmap.width > 0; // recognize() copies it, never takes the caller's
      snap.dispose();
      let afterDispose;
      try { await snap.recognize(file); afterDispose = 'resolved'; } catch (e) { afterDispose = e.code; }
      return { read, stages: [...stages], callerBitmapIntact, afterDispose };
    }, FIXTURE_B64());
    const want = nativeRead('e2e-quadratic.png').map(normLatex);
    for (const kind of ['file', 'blob', 'bytes', 'uint8array', 'imageBitmap', 'imageData', 'img', 'canvas']) {
      assert.ok(Array.isArray(out.read[kind]), `${kind}: ${out.read[kind]}`);
      assert.deepEqual(out.read[kind].map(normLatex), want, kind);
    }
    // A camera frame is not the fixture file byte for byte: rendered, non-empty formulas are the check.
    assert.ok(out.read.video.length >= 1 && out.read.video.every((l) => l.trim()), `video: ${JSON.stringify(out.read.video)}`);
    assert.ok(out.stages.includes('recognize'));
    assert.ok(out.callerBitmapIntact);
    assert.equal(out.afterDispose, 'disposed');
    // The element on the page shares the engine and still works after the API user disposed.
    const stats = await engineStats(page);
    assert.equal(stats.engines, 1, 'one engine for the element and create()');
    assert.equal(page.workers().length, stats.workers, 'no worker outside the engine pool');
    await page.setInputFiles('math-snap input[type=file]', fixture('e2e-quadratic.png'));
    await page.waitForSelector('#events [data-event="result"]', { timeout: SLOW });
    await ctx.close();
  });

  test('recognize() honours AbortSignal and refuses what is not an image', async () => {
    const { ctx, page } = await examplePage();
    const out = await page.evaluate(async (b64) => {
      const { create } = await import('../embed/math-snap.js');
      const snap = await create();
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'formula.png', { type: 'image/png' });
      const outcome = (p) => p.then(() => 'resolved', (e) => e.name === 'AbortError' ? 'AbortError' : `${e.name}:${e.code}`);

      let t = performance.now();
      await snap.recognize(file);
      const fullMs = performance.now() - t;

      const already = await outcome(snap.recognize(file, { signal: AbortSignal.abort() }));
      const c = new AbortController();
      t = performance.now();
      const pending = outcome(snap.recognize(file, { signal: c.signal }));
      setTimeout(() => c.abort(), 10);
      const midway = await pending;
      const abortMs = performance.now() - t;
      const reason = await outcome(snap.recognize(file, { signal: AbortSignal.abort(Object.assign(new Error('stop'), { code: 'mine' })) }));
      // The engine is fine afterwards and the aborted job's late answer is not mixed up with this one.
      const next = (await snap.recognize(file)).formulas.map((f) => f.latex);

      const bad = {};
      const broken = new Image();
      broken.src = 'data:image/png;base64,AAAA';
      const noFrame = document.createElement('video');
      for (const [k, v] of Object.entries({ number: 42, object: {}, broken, noFrame, empty: new Blob([]), zeroCanvas: Object.assign(document.createElement('canvas'), { width: 0 }) })) {
        bad[k] = await snap.recognize(v).then(() => 'resolved', (e) => `${e.code}: ${e.message}`);
      }
      let aborted;
      try { await create({ signal: AbortSignal.abort() }); aborted = 'resolved'; } catch (e) { aborted = e.name; }
      snap.dispose();
      return { fullMs, already, midway, abortMs, reason, next, bad, aborted };
    }, FIXTURE_B64());
    assert.equal(out.already, 'AbortError');
    assert.equal(out.midway, 'AbortError');
    assert.ok(out.abortMs < Math.max(500, out.fullMs * 0.8), `abort answered in ${out.abortMs} ms (a full read takes ${out.fullMs} ms)`);
    assert.equal(out.reason, 'Error:mine', 'rejects with the signal’s own reason');
    assert.deepEqual(out.next.map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex));
    assert.match(out.bad.number, /^bad_input: Cannot read an image from number/);
    assert.match(out.bad.object, /^bad_input: Cannot read an image from Object/);
    assert.match(out.bad.broken, /^bad_input: The <img> data:image\/png.* could not be loaded/);
    assert.match(out.bad.noFrame, /^bad_input: The <video> has no frame/);
    assert.match(out.bad.empty, /^bad_input: The file is empty/);
    assert.match(out.bad.zeroCanvas, /^bad_input: The canvas has no pixels/);
    assert.equal(out.aborted, 'AbortError');
    await ctx.close();
  });

  test('models attribute: the models load from that folder; a wrong one gives an error naming the URL', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const models = path.join(REPO, 'www', 'models');
    const served = [];
    await ctx.route('**/alt-models/*', (route) => {
      const name = path.basename(new URL(route.request().url()).pathname);
      served.push(name);
      const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      return route.fulfill({ path: path.join(models, name), contentType: type });
    });
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    await page.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
    const result = await page.evaluate(() => new Promise((resolve) => {
      const el = document.createElement('math-snap');
      el.setAttribute('models', '/alt-models/');
      el.addEventListener('ready', () => resolve('ready'));
      el.addEventListener('error', (ev) => resolve(ev.detail.message));
      document.querySelector('main').append(el);
    }));
    assert.equal(result, 'ready');
    assert.ok(served.includes('manifest.json') && served.some((f) => f.endsWith('.onnx')), served.join(', '));
    assert.equal((await engineStats(page)).engines, 2, 'another models folder means another engine');
    const error = await page.evaluate(() => new Promise((resolve) => {
      const el = document.createElement('math-snap');
      el.setAttribute('models', '/nowhere/');
      el.addEventListener('ready', () => resolve({ code: 'ready' }));
      el.addEventListener('error', (ev) => resolve(ev.detail));
      document.querySelector('main').append(el);
    }));
    assert.equal(error.code, 'load');
    assert.match(error.message, /\/nowhere\/manifest\.json/);
    assert.match(error.message, /HTTP 404/);
    // Removing an element releases its engine: the last user of /alt-models/ stops its workers
    // (the /nowhere/ engine stopped itself after its load error), leaving the page's first element's.
    await page.evaluate(() => document.querySelector('math-snap[models="/alt-models/"]').remove());
    const t0 = Date.now();
    let stats = await engineStats(page);
    const altGone = (s) => !s.keys.some((k) => k.includes('/alt-models/'));
    while ((!altGone(stats) || page.workers().length !== stats.workers) && Date.now() - t0 < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      stats = await engineStats(page);
    }
    assert.ok(altGone(stats), `engine released after its last element left: ${stats.keys.join(', ')}`);
    assert.equal(page.workers().length, stats.workers, 'its workers stopped');
    await ctx.close();
  });

  test('a .wasm URL that does not return WebAssembly: create() and the element name the URL', async () => {
    const ctx = await env.newContext({ permissions: [] });
    let mode = 'html';
    await ctx.route('**/pkg/mathsnap_bg.wasm', async (route) => {
      if (mode === 'html') return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Not found</title>' });
      // Real wasm bytes, wrong content type (a misconfigured server).
      return route.fulfill({ status: 200, contentType: 'application/octet-stream', path: path.join(REPO, 'www', 'pkg', 'mathsnap_bg.wasm') });
    });
    await ctx.addInitScript(EVENT_SPY);
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    await page.waitForSelector('#events [data-event="error"]', { timeout: SLOW });
    const wasmUrl = new URL('pkg/mathsnap_bg.wasm', env.url).href;
    const elementError = (await page.evaluate(() => window.__events)).find((e) => e.type === 'error').detail;
    assert.equal(elementError.code, 'wasm');
    assert.ok(elementError.message.includes(wasmUrl), elementError.message);
    assert.match(elementError.message, /is not a WebAssembly file/);
    assert.match(await page.textContent('math-snap [role="status"]'), /mathsnap_bg\.wasm/);

    mode = 'wrong-type';
    const apiError = await page.evaluate(async () => {
      const { create } = await import('../embed/math-snap.js');
      try { await create({ base: '/' }); return null; } catch (e) { return { name: e.name, code: e.code, url: e.url, message: e.message }; }
    });
    assert.deepEqual([apiError.name, apiError.code, apiError.url], ['EngineError', 'wasm', wasmUrl]);
    assert.ok(apiError.message.includes(wasmUrl), apiError.message);
    assert.match(apiError.message, /content-type "application\/octet-stream" instead of "application\/wasm"/);
    await ctx.close();
  });

  test('keyboard only: upload, camera start/capture/stop and copy buttons; visible focus; axe finds no violations', async () => {
    const { ctx, page } = await examplePage(['camera', 'clipboard-read', 'clipboard-write']);
    const focused = () => page.evaluate(() => {
      const a = document.activeElement;
      const s = getComputedStyle(a.closest('label') || a);
      return { tag: a.localName, type: a.type, text: (a.closest('label') || a).textContent.trim(), outline: s.outlineStyle };
    });
    await page.keyboard.press('Tab'); // the first control of the page is the element's file input
    let f = await focused();
    assert.deepEqual([f.tag, f.type, f.text], ['input', 'file', 'choose an image']);
    assert.notEqual(f.outline, 'none', 'visible focus on the upload control');
    await page.keyboard.press('Tab');
    f = await focused();
    assert.deepEqual([f.tag, f.text], ['button', 'Start camera']);
    assert.notEqual(f.outline, 'none', 'visible focus');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement.textContent === 'Capture', null, { timeout: 20000 });
    assert.ok(await page.isVisible('math-snap video'));
    await page.keyboard.press('Enter');
    await page.waitForSelector('#events [data-event="result"], #events [data-event="error"]', { timeout: SLOW });
    assert.equal(await page.locator('#events [data-event="error"]').count(), 0, await page.textContent('#events'));
    assert.ok(await page.locator('math-snap .ms-card').count() >= 1);
    await page.keyboard.press('Tab');
    f = await focused();
    assert.equal(f.text, 'Stop camera');
    await page.keyboard.press('Tab');
    f = await focused();
    assert.equal(f.text, 'Copy LaTeX');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /LaTeX of formula 1 copied/.test(document.querySelector('math-snap [role="status"]').textContent));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.locator('math-snap .ms-latex').first().textContent());
    await page.keyboard.press('Tab');
    assert.equal((await focused()).text, 'Copy MathML');
    await page.keyboard.press('Enter');
    assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^<math xmlns=/);

    const axe = fs.readFileSync(path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await page.evaluate(axe);
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const v = result.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    assert.deepEqual(v, []);
    // Stop camera, by keyboard, returns focus to Start camera.
    await page.focus('math-snap .ms-camera button:has-text("Stop camera")');
    await page.keyboard.press('Enter');
    assert.equal((await focused()).text, 'Start camera');
    assert.ok(await page.isHidden('math-snap video'));
    await ctx.close();
  });

  test('KaTeX runs with trust: false and bounded maxExpand/maxSize everywhere', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    const out = await page.evaluate(async () => {
      const { KATEX_OPTIONS, renderLatex, toMathML } = await import('../lib/formula.js');
      const el = document.createElement('div');
      document.body.append(el);
      const links = [];
      for (const tex of ['\\href{javascript:alert(1)}{x}', '\\url{javascript:alert(1)}', '\\includegraphics{http://example.com/x.png}', '\\htmlId{x}{y}']) {
        renderLatex(el, tex);
        links.push(el.querySelectorAll('a, img, [id="x"]').length);
      }
      const bomb = renderLatex(el, '\\def\\a{\\a\\a}\\a');
      renderLatex(el, '\\rule{1000em}{1000em}');
      const rule = el.querySelector('.katex-rule, .rule'); // class name differs between KaTeX versions
      const ruleEm = rule ? parseFloat(getComputedStyle(rule).borderRightWidth) / parseFloat(getComputedStyle(rule).fontSize) : null;
      const mathml = toMathML('\\href{javascript:alert(1)}{x}');
      el.remove();
      return { options: { ...KATEX_OPTIONS }, links, bomb, ruleEm, mathml };
    });
    assert.equal(out.options.trust, false);
    assert.ok(out.options.maxExpand > 0 && out.options.maxExpand <= 1000, `maxExpand ${out.options.maxExpand}`);
    assert.ok(out.options.maxSize > 0 && out.options.maxSize <= 50, `maxSize ${out.options.maxSize}`);
    assert.equal(out.options.output, 'htmlAndMathml');
    assert.deepEqual(out.links, [0, 0, 0, 0], 'no link, image or id from untrusted LaTeX');
    assert.match(out.bomb, /Too many expansions/);
    assert.ok(out.ruleEm !== null && out.ruleEm <= out.options.maxSize + 0.5, `rule ${out.ruleEm} em`);
    assert.doesNotMatch(out.mathml, /<[^>]*\shref=/, "the source may appear as text in <annotation>, never as a link");
    // Every KaTeX call in the app and the embed goes through lib/formula.js (and so uses these options).
    const callers = [];
    (function walk(dir) {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { if (!['vendor', 'pkg', 'models'].includes(e.name)) walk(p); continue; }
        if (/\.(m?js|html)$/.test(e.name) && /\bkatex\s*\.\s*render|renderToString|from ['"][^'"]*katex/.test(fs.readFileSync(p, 'utf8'))) {
          callers.push(path.relative(REPO, p));
        }
      }
    })(path.join(REPO, 'www'));
    assert.deepEqual(callers, [path.join('www', 'lib', 'formula.js')]);
    await ctx.close();
  });

  test('npm package: exports resolve to packed files, the .d.ts names every export, no CDN URL', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' }))[0]
      .files.map((f) => f.path);
    // Everything the module loads at run time travels with it.
    for (const need of ['www/worker.js', 'www/worker-messages.js', 'www/engine-client.js', 'www/pkg/mathsnap.js', 'www/pkg/mathsnap_bg.wasm',
      'www/models/manifest.json', 'www/vendor/katex/katex.mjs', 'www/vendor/katex/katex.min.css', 'www/vendor/katex/fonts/KaTeX_Main-Regular.woff2']) {
      assert.ok(packed.includes(need), `${need} is packed`);
    }
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    const declared = (file, seen = new Set()) => {
      const src = fs.readFileSync(file, 'utf8');
      const names = new Set([...src.matchAll(/^export (?:declare )?(?:abstract )?(?:function|class|const|let|interface|type|enum) (\w+)/gm)].map((m) => m[1]));
      for (const m of src.matchAll(/^export \* from '(\.[^']+)\.js';/gm)) {
        const dep = path.resolve(path.dirname(file), `${m[1]}.d.ts`);
        if (!seen.has(dep)) { seen.add(dep); for (const n of declared(dep, seen)) names.add(n); }
      }
      return names;
    };
    let checked = 0;
    for (const [sub, target] of Object.entries(pkg.exports)) {
      const files = typeof target === 'string' ? { default: target } : target;
      for (const f of Object.values(files)) assert.ok(packed.includes(f.replace(/^\.\//, '')), `${sub} -> ${f} is packed`);
      if (!files.types) continue;
      const url = new URL(files.default.replace(/^\.\/www\//, ''), env.url).href;
      const runtime = await page.evaluate(async (u) => Object.keys(await import(u)), url);
      const types = declared(path.join(REPO, files.types));
      assert.ok(runtime.length >= 1);
      for (const name of runtime) assert.ok(types.has(name), `${files.types} declares ${name} (exported by ${files.default})`);
      checked++;
    }
    assert.equal(checked, 2, 'both typed entry points checked');
    assert.equal(pkg.types, pkg.exports['.'].types);
    // The element, its events and the tag name are typed too.
    const dts = fs.readFileSync(path.join(REPO, 'www', 'embed', 'math-snap.d.ts'), 'utf8');
    for (const ev of ['progress', 'ready', 'result', 'error']) assert.match(dts, new RegExp(`^\\s+${ev}: CustomEvent<`, 'm'));
    assert.match(dts, /'math-snap': MathSnapElement/);
    // Assets resolve relative to the module: no absolute URL to another host anywhere in the package's code.
    const offHost = [];
    for (const f of packed.filter((p) => /^www\/(?!vendor|pkg|models).*\.(js|css|html)$/.test(p))) {
      for (const m of fs.readFileSync(path.join(REPO, f), 'utf8').matchAll(/https?:\/\/[^\s'"`)<]+/g)) {
        if (!/^http:\/\/www\.w3\.org\//.test(m[0])) offHost.push(`${f}: ${m[0]}`);
      }
    }
    assert.deepEqual(offHost, []);
    await ctx.close();
  });

  test('a .wasm that is not WebAssembly gives an error naming its URL (app)', async () => {
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

  test('no request left localhost; no page error', () => {
    assert.deepEqual(offHostRequests(env.requests), []);
    // Expected failures: the deliberately broken .wasm, the /nowhere/ models, the broken <img> and 404s.
    const unexpected = env.problems.filter((p) => !/Failed to load resource|404|not a WebAssembly file|application\/wasm|nowhere/.test(p));
    assert.deepEqual(unexpected, []);
  });
});
