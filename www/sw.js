// mathsnap service worker: precaches the app shell, the wasm engine, the models and KaTeX in a
// cache named after the build's content hash (precache.json, written by scripts/build_web.sh),
// so the app works offline after the first load. Registered as sw.js?v=<version>: a new build
// means a new script URL, a fresh install into a new cache, and old caches are deleted on activate.
const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const PREFIX = 'mathsnap-';
const CACHE = `${PREFIX}${VERSION}`;
const SCOPE = new URL(self.registration.scope);
// A photo shared into the installed app (manifest share_target, POST multipart) waits here until the
// page picks it up (www/share-inbox.js reads and deletes it). Not versioned: a share must survive an update.
const SHARE_CACHE = 'mathsnap-share-inbox';
const SHARE_ACTION = new URL('share-target', SCOPE).pathname;
const SHARE_FIELD = 'photo';
const SHARE_MAX_BYTES = 64 * 1024 * 1024;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const res = await fetch(new URL('precache.json', SCOPE), { cache: 'no-store' });
    if (!res.ok) throw new Error(`precache.json: HTTP ${res.status}`);
    const { files } = await res.json();
    const cache = await caches.open(CACHE);
    // cache: 'reload' bypasses the HTTP cache so the precache matches this build.
    await cache.addAll(files.map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE && key !== SHARE_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// Set when the page is about to remove its offline data ("Remove offline data", www/offline.js): no fetch
// opens this build's cache from then on.
let forgotten = false;

self.addEventListener('message', (event) => {
  if (event.data?.type !== 'forget') return;
  forgotten = true;
  event.ports[0]?.postMessage('forgotten');
});

/**
 * This build's cache if it exists. A fetch never creates it: after "Remove offline data" deleted it, the
 * page stays controlled by this worker until it navigates, and a request still on its way (a pool
 * worker loading its models, a font) would otherwise bring the cache back. `caches.open` creates a
 * cache that is missing, so checking `caches.has` first is not enough alone: a deletion between the two
 * would be undone. Hence `forgotten`, set before the page deletes anything: there is no await between
 * its last check and `open`, so an open that passed it was asked for before the page's deletion.
 */
async function ownCache() {
  if (forgotten || !(await caches.has(CACHE))) return null;
  return forgotten ? null : caches.open(CACHE);
}

async function networkFirst(request, fallbackUrl) {
  const cache = await ownCache();
  try {
    const res = await fetch(request);
    if (cache && res.ok && request.method === 'GET') cache.put(fallbackUrl || request, res.clone()).catch(() => {});
    return res;
  } catch (e) {
    const hit = cache && await cache.match(fallbackUrl || request, { ignoreSearch: true });
    if (hit) return hit;
    throw e;
  }
}

async function cacheFirst(request) {
  const cache = await ownCache();
  const hit = cache && await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(request);
  // Runtime additions (e.g. a KaTeX font not in the precache) are kept for offline use.
  if (cache && res.ok && res.type === 'basic') cache.put(request, res.clone()).catch(() => {});
  return res;
}

/** Stash the shared photo and send the browser to the app (303: the redirect becomes a GET). */
async function receiveShare(request) {
  const to = (outcome) => Response.redirect(new URL(`./?share=${outcome}`, SCOPE).href, 303);
  let form;
  try {
    form = await request.formData();
  } catch {
    return to('error');
  }
  const file = form.getAll(SHARE_FIELD).find((f) => f instanceof File && f.size > 0);
  if (!file) return to('none');
  if (file.size > SHARE_MAX_BYTES) return to('too-large');
  const cache = await caches.open(SHARE_CACHE);
  await cache.put(new URL('share-inbox/photo', SCOPE).href, new Response(file, {
    headers: {
      'Content-Type': file.type || 'application/octet-stream',
      'X-Mathsnap-Filename': encodeURIComponent(file.name || 'shared photo'),
    },
  }));
  return to('1');
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method === 'POST' && url.origin === self.location.origin && url.pathname === SHARE_ACTION) {
    event.respondWith(receiveShare(req).catch(() => Response.redirect(new URL('./?share=error', SCOPE).href, 303)));
    return;
  }
  if (req.method !== 'GET') return;
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE.pathname)) return;
  if (req.mode === 'navigate') {
    // Pages: fresh when online, the cached shell when offline.
    const isRoot = url.pathname === SCOPE.pathname || url.pathname === `${SCOPE.pathname}index.html`;
    event.respondWith(networkFirst(req, isRoot ? new URL('./', SCOPE).href : undefined));
    return;
  }
  if (url.pathname === `${SCOPE.pathname}precache.json`) {
    event.respondWith(networkFirst(req));
    return;
  }
  event.respondWith(cacheFirst(req));
});
