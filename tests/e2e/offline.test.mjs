// Installable and offline: manifest, service worker precache, then recognition with the network off.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setup, waitReady, waitResult, cardLatex, fixture, normLatex, nativeRead, REPO, SLOW } from './helpers.mjs';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

// Records every navigator.storage.persist() call with the mathsnap caches' sizes at that moment.
const PERSIST_SPY = () => {
  const orig = StorageManager.prototype.persist;
  StorageManager.prototype.persist = async function persist() {
    const cached = {};
    for (const k of await caches.keys()) cached[k] = (await (await caches.open(k)).keys()).length;
    (window.__persistCalls ||= []).push(cached);
    return orig.call(this);
  };
};

const waitOffline = (page, state) =>
  page.waitForFunction((s) => document.documentElement.dataset.offline === s, state, { timeout: SLOW });

describe('offline (service worker)', () => {
  let env;
  before(async () => {
    if (!fs.existsSync(path.join(REPO, 'www', 'precache.json'))) {
      throw new Error('www/precache.json missing: run `bash scripts/build_web.sh` first');
    }
    env = await setup({ camera: false, serviceWorkers: 'allow' });
  });
  after(async () => { await env?.close(); });

  test('web app manifest is valid', async () => {
    const res = await fetch(new URL('manifest.webmanifest', env.url));
    assert.match(res.headers.get('content-type'), /application\/manifest\+json/);
    const m = await res.json();
    assert.equal(m.start_url, './');
    assert.equal(m.scope, './');
    assert.equal(m.id, './');
    assert.equal(m.display, 'standalone');
    // PNG icons at 192 and 512, and a maskable one, each really that size.
    const want = [['192x192', 'any'], ['512x512', 'any'], ['512x512', 'maskable']];
    for (const [sizes, purpose] of want) {
      const icon = m.icons.find((i) => i.sizes === sizes && i.purpose === purpose && i.type === 'image/png');
      assert.ok(icon, `${purpose} icon ${sizes}`);
      const r = await fetch(new URL(icon.src, env.url));
      assert.equal(r.headers.get('content-type'), 'image/png');
      assert.deepEqual(pngSize(Buffer.from(await r.arrayBuffer())), sizes.split('x').map(Number), icon.src);
    }
    // Share a photo into the installed app: POST multipart with a file field.
    const st = m.share_target;
    assert.equal(st.method, 'POST');
    assert.equal(st.enctype, 'multipart/form-data');
    assert.equal(st.action, './share-target');
    assert.equal(st.params.files[0].name, 'photo');
    assert.ok(st.params.files[0].accept.includes('image/*'));
  });

  test('after one visit the app loads and recognises offline', async () => {
    const ctx = await env.newContext({ permissions: [] });
    await ctx.addInitScript(PERSIST_SPY);
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    // "Ready offline" once everything is cached, and persistent storage was asked for only then.
    await waitOffline(page, 'ready');
    assert.match(await page.textContent('#offline-status'), /^Ready offline/);
    assert.ok(await page.isVisible('#offline-status'));
    assert.ok(await page.isVisible('#offline-remove'));
    const precache = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'precache.json'), 'utf8'));
    const calls = await page.evaluate(() => window.__persistCalls || []);
    assert.equal(calls.length, 1, 'navigator.storage.persist() called once');
    assert.ok(calls[0][`mathsnap-${precache.version}`] >= precache.files.length, `full cache when persist() was called: ${JSON.stringify(calls[0])}`);
    assert.match(await page.getAttribute('html', 'data-persisted'), /^(yes|no)$/);
    // Installed and active (precache complete), controlling the page.
    const version = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return new URL(reg.active.scriptURL).searchParams.get('v');
    });
    const expected = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'precache.json'), 'utf8')).version;
    assert.equal(version, expected);
    const keys = await page.evaluate(() => caches.keys());
    assert.deepEqual(keys, [`mathsnap-${expected}`]);

    await ctx.setOffline(true);
    await page.reload();
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller), 'page controlled by the service worker');
    await waitReady(page);
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    assert.deepEqual((await cardLatex(page)).map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex));
    // KaTeX fonts came from the cache too.
    assert.ok(await page.evaluate(() => document.fonts.check('20px KaTeX_Main')));
    await waitOffline(page, 'ready'); // still "ready offline" when actually offline
    await ctx.close();
  });

  test('a new version installs into a new cache and deletes the old ones (not the share inbox)', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    await waitOffline(page, 'ready');
    const version = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'precache.json'), 'utf8')).version;
    const keys = await page.evaluate(async () => {
      await caches.open('mathsnap-share-inbox');
      await caches.open('mathsnap-stale-build');
      await caches.open('someone-else'); // another app on the origin: not ours to delete
      const reg = await navigator.serviceWorker.register('sw.js?v=next-build', { scope: './' });
      const w = reg.installing || reg.waiting || reg.active;
      if (w.state !== 'activated') await new Promise((r) => w.addEventListener('statechange', () => w.state === 'activated' && r()));
      return (await caches.keys()).sort();
    });
    assert.ok(!keys.includes(`mathsnap-${version}`), `old version deleted: ${keys}`);
    assert.deepEqual(keys, ['mathsnap-next-build', 'mathsnap-share-inbox', 'someone-else']);
    // Cache-first for the wasm and the models: served from the new cache, with the network off.
    await ctx.setOffline(true);
    const wasm = await page.evaluate(async () => {
      const r = await fetch('pkg/mathsnap_bg.wasm');
      return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength];
    });
    assert.equal(wasm[0], 200);
    assert.equal(wasm[1], 'application/wasm');
    assert.equal(wasm[2], fs.statSync(path.join(REPO, 'www', 'pkg', 'mathsnap_bg.wasm')).size);
    await ctx.close();
  });

  test('share_target: a photo POSTed to ./share-target is stashed by the service worker and read by the app', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    await waitOffline(page, 'ready');
    assert.ok(await page.evaluate(() => !!navigator.serviceWorker.controller));
    // What the OS share sheet does: a multipart POST with the file in the "photo" field.
    const share = async (withFile) => {
      await page.evaluate(() => {
        const form = document.createElement('form');
        form.id = 'share-form';
        form.method = 'post';
        form.action = 'share-target';
        form.enctype = 'multipart/form-data';
        const input = Object.assign(document.createElement('input'), { type: 'file', name: 'photo', id: 'share-photo' });
        const title = Object.assign(document.createElement('input'), { type: 'hidden', name: 'title', value: 'homework' });
        form.append(input, title);
        document.body.append(form);
      });
      if (withFile) await page.setInputFiles('#share-photo', fixture('e2e-quadratic.png'));
      await Promise.all([page.waitForNavigation(), page.evaluate(() => document.getElementById('share-form').submit())]);
    };
    await share(true);
    // The server itself redirects a share POST to ?share=error: a result means the service worker handled it.
    await page.waitForFunction(() => Number(document.documentElement.dataset.seq || 0) >= 1, null, { timeout: SLOW });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.state), 'done', await page.textContent('#results-summary'));
    assert.deepEqual((await cardLatex(page)).map(normLatex), nativeRead('e2e-quadratic.png').map(normLatex));
    assert.match(await page.textContent('#results-summary'), /in e2e-quadratic\.png/);
    assert.equal(new URL(page.url()).search, '', 'the ?share parameter is removed');
    assert.equal(await page.evaluate(async () => (await (await caches.open('mathsnap-share-inbox')).keys()).length), 0, 'stash emptied');
    // A reload does not read it again; a share without a file says what went wrong.
    await share(false);
    await page.waitForSelector('#notice:not([hidden])');
    assert.match(await page.textContent('#notice-text'), /Nothing readable was shared/);
    assert.equal(await page.locator('#cards .card').count(), 0);
    await ctx.close();
  });

  test('"Remove offline data" deletes the caches and the service worker, and stays removed', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    await waitOffline(page, 'ready');
    // Keyboard only: focus the control and press Enter.
    await page.focus('#offline-remove');
    await page.keyboard.press('Enter');
    await waitOffline(page, 'off');
    assert.match(await page.textContent('#offline-status'), /Not saved for offline use/);
    const left = await page.evaluate(async () => ({
      caches: (await caches.keys()).filter((k) => k.startsWith('mathsnap-')),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
      focused: document.activeElement.id,
    }));
    assert.deepEqual(left, { caches: [], workers: 0, focused: 'offline-enable' });
    assert.ok(await page.isHidden('#offline-remove'));
    // The choice is remembered: a reload does not download everything again.
    await page.reload();
    await waitReady(page);
    await waitOffline(page, 'off');
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
    // And it can be undone.
    await page.click('#offline-enable');
    await waitOffline(page, 'ready');
    const version = JSON.parse(fs.readFileSync(path.join(REPO, 'www', 'precache.json'), 'utf8')).version;
    assert.deepEqual(await page.evaluate(() => caches.keys()), [`mathsnap-${version}`]);
    await ctx.close();
  });
});
