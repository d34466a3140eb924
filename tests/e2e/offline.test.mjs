// Installable and offline: manifest, service worker precache, then recognition with the network off.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setup, waitReady, waitResult, cardLatex, fixture, normLatex, nativeRead, REPO } from './helpers.mjs';

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
    assert.equal(m.display, 'standalone');
    assert.ok(m.icons.length >= 1);
  });

  test('after one visit the app loads and recognises offline', async () => {
    const ctx = await env.newContext({ permissions: [] });
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
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
    await ctx.close();
  });
});
