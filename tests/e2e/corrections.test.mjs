// "Corrections become data" (issue 29, web part): opt-in, on-device corrections in the app and in
// <math-snap>: save (and refusal), survive a reload, export as a .zip `mathsnap eval DIR` reads,
// delete, nothing stored while off, no request off the page, keyboard and axe, the event and the JS API.
// Also: the JS port of the canonical form agrees with training's, and the archive's own details.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { setup, waitReady, waitResult, fixture, REPO, SLOW } from './helpers.mjs';

const MODEL_VERSION = () => `sha256:${crypto.createHash('sha256')
  .update(fs.readFileSync(path.join(REPO, 'www', 'models', 'manifest.json'))).digest('hex').slice(0, 12)}`;

// ---------- a store-only ZIP reader, independent of www/lib/zip.js ----------
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** {name: Buffer} in central-directory order; checks signatures, the stored method and every CRC. */
export function unzip(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory header');
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    assert.equal(buf.readUInt32LE(offset), 0x04034b50, `local header of ${name}`);
    assert.equal(method, 0, `${name} is stored`);
    const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
    const data = buf.subarray(start, start + size);
    assert.equal(crc32(data), crc, `CRC-32 of ${name}`);
    files.set(name, data);
  }
  return files;
}

function pngInfo(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  assert.equal(buf.toString('latin1', buf.length - 8, buf.length - 4), 'IEND', 'PNG ends with IEND');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Records in every IndexedDB database of the page's origin: {dbName: count}. */
const idbCounts = (page) => page.evaluate(async () => {
  const out = {};
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    let n = 0;
    for (const s of db.objectStoreNames) {
      n += await new Promise((resolve) => { const r = db.transaction(s).objectStore(s).count(); r.onsuccess = () => resolve(r.result); });
    }
    db.close();
    out[name] = n;
  }
  return out;
});

const waitCount = (page, n, sel = '#corrections') =>
  page.waitForFunction(([s, k]) => document.querySelector(s)?.dataset.count === String(k), [sel, n], { timeout: SLOW });

describe('corrections (on-device, opt-in)', () => {
  let env;
  let origin;
  before(async () => {
    env = await setup({ camera: false });
    origin = new URL(env.url).origin;
  });
  after(async () => { await env?.close(); });

  /** A context whose every request is recorded, to prove nothing leaves the page. */
  const context = async (opts = {}) => {
    const ctx = await env.newContext({ permissions: [], locale: 'en-US', ...opts });
    const seen = [];
    ctx.on('request', (r) => seen.push(r.url()));
    const offPage = () => seen.filter((u) => !/^(blob|data|about):/.test(u) && new URL(u).origin !== origin);
    return { ctx, seen, offPage };
  };

  const openApp = async (ctx) => {
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    return page;
  };

  test('app: edit, turn on, save (a refused one keeps the text), reload, export the .zip, delete', async () => {
    const { ctx, seen, offPage } = await context();
    const page = await openApp(ctx);
    assert.equal(await page.isChecked('#corrections .ms-corr-toggle'), false, 'off until the user turns it on');
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    const card = page.locator('#cards .card').first();
    const before = await card.locator('.card-latex').inputValue();
    assert.ok(await card.locator('.save-correction').isHidden(), 'no save button while corrections are off');

    // Edit first, then turn corrections on: the save button appears.
    await card.locator('.card-latex').fill('\\frac{a}{');
    await page.click('#corrections .ms-corr-toggle');
    assert.ok(await card.locator('.save-correction').isVisible());
    // KaTeX cannot render it: refused with the reason, the text kept, nothing stored.
    await card.locator('.save-correction').click();
    await page.waitForFunction(() => document.querySelector('#cards .card')?.dataset.correction === 'refused');
    assert.match(await card.locator('.card-latex-error').textContent(), /^Not saved: KaTeX cannot render this LaTeX/);
    assert.equal(await card.locator('.card-latex').inputValue(), '\\frac{a}{');
    assert.deepEqual(await idbCounts(page), {}, 'nothing stored for a refused correction');

    // A good one, spelled non-canonically: stored in canonical form.
    await card.locator('.card-latex').fill('x^{2} + \\dfrac12 \\le 4');
    const corrected = 'x^2+\\frac{1}{2}\\leq4';
    await card.locator('.save-correction').click();
    await waitCount(page, 1);
    assert.equal(await card.getAttribute('data-correction'), 'saved');
    await page.waitForFunction(() => /saved on this device/.test(document.getElementById('live').textContent));
    assert.match(await page.textContent('#corrections .ms-corr-usage'), /^1 correction saved, \d+ (B|kB) used on this device\.$/);

    // Still there after a reload (and still on).
    await page.reload();
    await waitCount(page, 1);
    assert.equal(await page.isChecked('#corrections .ms-corr-toggle'), true);
    const item = page.locator('#corrections .ms-corr-item');
    assert.equal(await item.count(), 1);
    assert.equal(await item.locator('.ms-corr-after .ms-corr-code').textContent(), corrected);
    assert.equal(await item.locator('.ms-corr-before .ms-corr-code').textContent(), before);
    assert.equal(await item.locator('.ms-corr-after .katex-html').count(), 1, 'rendered with KaTeX');
    assert.ok(await item.locator('.ms-corr-thumb').evaluate((img) => img.complete && img.naturalWidth > 0), 'thumbnail shown');

    // Export: one .zip with the PNG, labels.tsv and manifest.json.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#corrections .ms-corr-export')]);
    assert.match(download.suggestedFilename(), /^mathsnap-corrections-\d{4}-\d{2}-\d{2}\.zip$/);
    const zip = fs.readFileSync(await download.path());
    if (process.env.MATHSNAP_EXPORT_SAMPLE) {
      fs.mkdirSync(path.dirname(path.resolve(process.env.MATHSNAP_EXPORT_SAMPLE)), { recursive: true });
      fs.writeFileSync(process.env.MATHSNAP_EXPORT_SAMPLE, zip);
      console.log(`# example archive written to ${process.env.MATHSNAP_EXPORT_SAMPLE}`);
    }
    const files = unzip(zip);
    assert.deepEqual([...files.keys()], ['correction-0001.png', 'labels.tsv', 'manifest.json']);
    const png = pngInfo(files.get('correction-0001.png'));
    assert.ok(png.width > png.height && png.height >= 8, `a straightened formula crop, ${png.width}x${png.height}`);
    assert.equal(files.get('labels.tsv').toString('utf8'), `correction-0001.png\t${corrected}\n`);
    const manifest = JSON.parse(files.get('manifest.json').toString('utf8'));
    assert.equal(manifest.format, 'mathsnap-corrections');
    assert.equal(manifest.version, 1);
    assert.equal(manifest.count, 1);
    assert.equal(manifest.app_version, JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
    assert.equal(manifest.model_version, MODEL_VERSION());
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/; // UTC to the second (docs/CONTRACTS.md)
    assert.match(manifest.created, ISO);
    assert.equal(manifest.entries.length, 1);
    const e = manifest.entries[0];
    assert.deepEqual(Object.keys(e).sort(), ['image', 'latex_after', 'latex_before', 'model_version', 'score', 'time']);
    assert.equal(e.image, 'correction-0001.png');
    assert.equal(e.latex_before, before);
    assert.equal(e.latex_after, corrected);
    assert.ok(e.score > 0 && e.score <= 1, `score ${e.score}`);
    assert.equal(e.model_version, MODEL_VERSION());
    assert.match(e.time, ISO);
    // Python's zipfile agrees (the reader training and tools use).
    const py = execFileSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(" ".join(z.namelist()))', await download.path()], { encoding: 'utf8' });
    assert.equal(py.trim(), 'correction-0001.png labels.tsv manifest.json');
    // The training data loader reads the same archive and gets the same row back (train.py --real).
    const loaderScript = [
      'import json, sys, tempfile',
      'from training.mathsnap_train.data import Vocab',
      'from training.mathsnap_train.real_sets import real_set',
      'ls, _ = real_set([sys.argv[1]], Vocab(), extract_root=tempfile.mkdtemp())',
      'print(json.dumps([[p.rsplit("/", 1)[-1], raw] for p, _ids, raw, _cell in ls.items]))',
    ].join('\n');
    const rows = JSON.parse(execFileSync('python3', ['-c', loaderScript, await download.path()], { cwd: REPO, encoding: 'utf8' }));
    assert.deepEqual(rows, [['correction-0001.png', corrected]], 'the training loader reads the exported row');
    // And `mathsnap eval --single DIR` reads the unzipped folder (the loop the README shows).
    const exe = path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target', 'release', 'mathsnap');
    if (fs.existsSync(exe)) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mathsnap-corrections-'));
      for (const [name, data] of files) fs.writeFileSync(path.join(dir, name), data);
      const evalOut = execFileSync(exe, ['--models', path.join(REPO, 'www', 'models'), 'eval', '--single', dir], { encoding: 'utf8' });
      assert.match(evalOut, /\bn=1\b/, evalOut);
      fs.rmSync(dir, { recursive: true, force: true });
    } else {
      console.log('# target/release/mathsnap missing: `mathsnap eval` on the archive not checked');
    }

    // Delete it: nothing left in IndexedDB.
    await page.click('#corrections .ms-corr-delete');
    await waitCount(page, 0);
    const counts = await idbCounts(page);
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 0, JSON.stringify(counts));
    assert.ok(await page.isVisible('#corrections .ms-corr-emptytext'));
    assert.ok(seen.length > 5);
    assert.deepEqual(offPage(), [], 'no request left the page');
    await ctx.close();
  });

  test('nothing is stored while the toggle is off (app and <math-snap>), and no request leaves the page', async () => {
    const { ctx, seen, offPage } = await context();
    const page = await openApp(ctx);
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    await page.locator('#cards .card-latex').first().fill('y=mx+b');
    assert.equal(await page.locator('#cards .save-correction:visible').count(), 0);
    // Turned on and off again without saving: still nothing.
    await page.click('#corrections .ms-corr-toggle');
    await page.click('#corrections .ms-corr-toggle');
    assert.equal(await page.locator('#cards .save-correction:visible').count(), 0);
    assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
    assert.deepEqual(await page.evaluate(() => ({ ...localStorage })), {}, 'no flag, no data in localStorage');
    assert.equal(await page.textContent('#corrections .ms-corr-usage'), '0 corrections saved, 0 B used on this device.');

    // <math-snap>: editors only while on; corrections="off" shows no panel and keeps nothing.
    const ex = await ctx.newPage();
    await ex.goto(new URL('examples/', env.url).href);
    await ex.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
    await ex.setInputFiles('#snap input[type=file]', fixture('e2e-quadratic.png'));
    await ex.waitForSelector('#events [data-event="result"]', { timeout: SLOW });
    assert.equal(await ex.locator('#snap .ms-editor:visible').count(), 0, 'no editor while off');
    assert.equal(await ex.locator('#snap .ms-corrections').count(), 1);
    const off = await ex.evaluate(async () => {
      localStorage.setItem('mathsnap-corrections', 'on'); // even a user who opted in elsewhere
      const el = document.createElement('math-snap');
      el.setAttribute('corrections', 'off');
      document.querySelector('main').append(el);
      await el.ready;
      const r = await el.recognize(await (await fetch('/examples/../icon-192.png')).blob()).catch((e) => e.code);
      const out = { panel: el.querySelectorAll('.ms-corrections').length, editors: el.querySelectorAll('.ms-editor').length, allowed: el.correctionsAllowed, read: typeof r };
      localStorage.removeItem('mathsnap-corrections');
      el.remove();
      return out;
    });
    assert.deepEqual(off, { panel: 0, editors: 0, allowed: false, read: 'object' });
    assert.deepEqual(await ex.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
    assert.deepEqual(offPage(), [], `requests off the page: ${offPage().join(', ')}`);
    assert.ok(seen.some((u) => u.endsWith('/models/manifest.json')));
    await ctx.close();
  });

  test('keyboard alone: tab to the toggle, space, save, tab to delete, enter; axe finds no violations in the panel', async () => {
    const { ctx } = await context();
    const page = await openApp(ctx);
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    const active = () => page.evaluate(() => document.activeElement.className);
    await page.locator('#cards .card .copy-mathml').last().focus();
    await page.keyboard.press('Tab');
    assert.match(await active(), /ms-corr-toggle/, 'Tab reaches the toggle');
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none', 'visible focus');
    await page.keyboard.press('Space');
    assert.equal(await page.isChecked('#corrections .ms-corr-toggle'), true);
    await page.waitForFunction(() => /now kept on this device/.test(document.getElementById('live').textContent));
    // Back to the card's (now shown) save button: confirm the reading as right.
    await page.keyboard.press('Shift+Tab');
    assert.match(await active(), /save-correction/);
    await page.keyboard.press('Enter');
    await waitCount(page, 1);
    const item = page.locator('#corrections .ms-corr-item');
    assert.equal(await item.locator('.ms-corr-label').first().textContent(), 'Confirmed as right');

    const axe = fs.readFileSync(path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
    await page.evaluate(axe);
    const result = await page.evaluate(() => window.axe.run(document.getElementById('corrections'), { resultTypes: ['violations'] }));
    assert.deepEqual(result.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`), []);

    for (let k = 0; k < 6 && !/ms-corr-delete/.test(await active()); k++) await page.keyboard.press('Tab');
    assert.match(await active(), /ms-corr-delete/, 'Tab reaches the delete button');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Delete correction 1');
    await page.keyboard.press('Enter');
    await waitCount(page, 0);
    assert.match(await active(), /ms-corr-toggle/, 'focus stays in the panel after the last delete');
    const whole = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    assert.deepEqual(whole.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`), []);
    await ctx.close();
  });

  test('"Remove offline data" removes the corrections and the opt-in too', async () => {
    const { ctx } = await context();
    const page = await openApp(ctx);
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    await page.click('#corrections .ms-corr-toggle');
    await page.locator('#cards .save-correction').first().click();
    await waitCount(page, 1);
    // The button shows only where a service worker may run; its action is OfflineSupport.removeOfflineData().
    await page.evaluate(async () => { const { OfflineSupport } = await import('./offline.js'); await new OfflineSupport().removeOfflineData(); });
    await waitCount(page, 0);
    assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name)), []);
    assert.equal(await page.evaluate(() => localStorage.getItem('mathsnap-corrections')), null);
    assert.equal(await page.isChecked('#corrections .ms-corr-toggle'), false);
    await ctx.close();
  });

  test('<math-snap>: the correction event, and corrections.list() / export() / clear() of the element and create()', async () => {
    const { ctx, offPage } = await context();
    const page = await ctx.newPage();
    await page.goto(new URL('examples/', env.url).href);
    await page.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
    await page.setInputFiles('#snap input[type=file]', fixture('e2e-quadratic.png'));
    await page.waitForSelector('#events [data-event="result"]', { timeout: SLOW });
    await page.click('#snap .ms-corr-toggle');
    const editor = page.locator('#snap .ms-card').first().locator('.ms-editor');
    assert.ok(await editor.isVisible());
    const before = await editor.locator('textarea').inputValue();
    // A refused one first: no event, the text stays.
    await editor.locator('textarea').fill('\\sqrt{');
    await editor.locator('.ms-save').click();
    await page.waitForSelector('#snap .ms-edit-error:not([hidden])');
    assert.match(await page.textContent('#snap [role="status"]'), /^Not saved: KaTeX cannot render/);
    assert.equal(await editor.locator('textarea').inputValue(), '\\sqrt{');
    await page.evaluate(() => {
      window.__corrections = [];
      document.addEventListener('correction', (ev) => window.__corrections.push({ detail: ev.detail, target: ev.target.localName }));
    });
    await editor.locator('textarea').fill('\\alpha ^{2}');
    await editor.locator('.ms-save').click();
    await page.waitForFunction(() => window.__corrections.length === 1);
    const [ev] = await page.evaluate(() => window.__corrections);
    assert.equal(ev.target, 'math-snap', 'bubbles from the element');
    assert.deepEqual(Object.keys(ev.detail).sort(), ['latexAfter', 'latexBefore', 'score']);
    assert.equal(ev.detail.latexBefore, before);
    assert.equal(ev.detail.latexAfter, '\\alpha^2');
    assert.ok(ev.detail.score > 0 && ev.detail.score <= 1);
    await waitCount(page, 1, '#snap .ms-corrections');

    const out = await page.evaluate(async () => {
      const { create } = await import('../embed/math-snap.js');
      const snap = await create();
      const list = await snap.corrections.list();
      const fromElement = await document.getElementById('snap').corrections.list();
      const zip = await snap.corrections.export();
      const bytes = new Uint8Array(await zip.arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      await snap.corrections.clear();
      const after = await snap.corrections.list();
      snap.dispose();
      return {
        list: list.map((e) => ({ ...e, image: e.image instanceof Blob ? e.image.type : 'no blob' })),
        fromElement: fromElement.length, zipType: zip.type, zip: btoa(bin), after: after.length,
        dbs: (await indexedDB.databases()).map((d) => d.name),
      };
    });
    assert.equal(out.list.length, 1);
    const e = out.list[0];
    assert.deepEqual(Object.keys(e).sort(), ['id', 'image', 'latexAfter', 'latexBefore', 'modelVersion', 'score', 'time']);
    assert.equal(e.image, 'image/png');
    assert.equal(e.latexAfter, '\\alpha^2');
    assert.equal(e.modelVersion, MODEL_VERSION());
    assert.equal(out.fromElement, 1);
    assert.equal(out.zipType, 'application/zip');
    const files = unzip(Buffer.from(out.zip, 'base64'));
    assert.equal(files.get('labels.tsv').toString(), 'correction-0001.png\t\\alpha^2\n');
    assert.equal(JSON.parse(files.get('manifest.json')).count, 1);
    pngInfo(files.get('correction-0001.png'));
    assert.equal(out.after, 0);
    assert.deepEqual(out.dbs, []);
    await waitCount(page, 0, '#snap .ms-corrections'); // the element's panel follows the store
    assert.deepEqual(offPage(), []);
    await ctx.close();
  });

  test('the service worker precaches the new modules (scripts/precache.mjs lists www/ as built)', () => {
    const { files } = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'precache.json'), 'utf8'));
    for (const f of ['lib/i18n.js', 'lib/corrections.js', 'lib/corrections-panel.js', 'lib/corrections.css', 'lib/zip.js',
      'lib/canonical.js', 'lib/latex-spec.js']) assert.ok(files.includes(f), `${f} in precache.json`);
  });

  test('the browser port of the canonical form agrees with training’s; its spec copy is current', async () => {
    const spec = JSON.parse(fs.readFileSync(path.join(REPO, 'spec', 'latex_spec.json'), 'utf8'));
    delete spec._doc;
    const { default: copy } = await import(path.join(REPO, 'www', 'lib', 'latex-spec.js'));
    assert.deepEqual(copy, spec, 'www/lib/latex-spec.js is spec/latex_spec.json (regenerate it: see its header)');
    const cases = ['x^{2}+y^2', '\\dfrac12', '\\left( a \\right)', '\\mathrm{d}x', "f^{\\prime}(x)", '\\sqrt[3]{x}',
      '\\operatorname{sin} x', '\\begin{array}{cc} a & b \\\\ c & d \\end{array}', 'x^2_i', '\\leqslant', '$x$', '30\\degree',
      '{}_{n}C_{r}', 'x_{\\max}', "a^{'}", '\\hat{\\alpha}^{\\sum}', '\\{ x \\}', 'x^{2} + \\dfrac12 \\le 4', '\\frac{a}{',
      '\\lim_{x \\to 0} \\frac{\\sin x}{x}', '\\vec{v}\\cdot\\vec{w}', '\\int_0^1 f(x)\\,dx', '\\textbf{A}', '}{x',
      'x^\\frac12', 'x_\\mathrm{S}', 'e^\\sqrt[3]{x}', 'a^\\dfrac{1}{2}_3', 'x^\\sqrt[3'];
    const py = JSON.parse(execFileSync('python3', ['-c',
      'import json, sys; from training.mathsnap_train.latex import canonical; print(json.dumps([canonical(c) for c in json.loads(sys.stdin.read())]))'],
    { cwd: REPO, input: JSON.stringify(cases), encoding: 'utf8' }));
    const { canonical } = await import(path.join(REPO, 'www', 'lib', 'canonical.js'));
    assert.deepEqual(cases.map(canonical), py);
  });
});
