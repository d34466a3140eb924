// Offline use of the app: registers the service worker (sw.js), confirms that its versioned cache
// holds every file in precache.json (app shell, wasm, models, KaTeX), then asks the browser to keep
// that storage (navigator.storage.persist) and reports "ready offline". removeOfflineData() undoes
// all of it (the saved corrections too) and remembers the choice, so the next visit does not silently download it again.
//
// States (OfflineSupport.state, also the 'change' event's detail.state):
//   'unsupported' (no service worker / insecure page / no precache.json), 'preparing', 'ready', 'off', 'error'.
import { removeAllCorrectionData } from './lib/corrections.js';

const CACHE_PREFIX = 'mathsnap-';
const OPT_OUT_KEY = 'mathsnap-offline';

/** Resolves when reg's active worker is the one for version (a new build may still be installing). */
function activeVersion(reg, version) {
  const isOurs = (w) => w && new URL(w.scriptURL).searchParams.get('v') === version;
  if (isOurs(reg.active)) return Promise.resolve(reg.active);
  return new Promise((resolve, reject) => {
    const watch = (w) => {
      if (!w || !isOurs(w)) return;
      w.addEventListener('statechange', () => {
        if (w.state === 'activated') resolve(w);
        else if (w.state === 'redundant') reject(new Error('the offline cache could not be installed'));
      });
    };
    watch(reg.installing);
    watch(reg.waiting);
    reg.addEventListener('updatefound', () => watch(reg.installing));
  });
}

export class OfflineSupport extends EventTarget {
  constructor({ scope = new URL('./', document.baseURI).href } = {}) {
    super();
    this.scope = scope;
    this.state = 'unsupported';
    this.persisted = false;
    this.detail = '';
  }

  get supported() {
    return 'serviceWorker' in navigator && window.isSecureContext && 'caches' in window;
  }

  get optedOut() {
    try { return localStorage.getItem(OPT_OUT_KEY) === 'off'; } catch { return false; }
  }

  _set(state, detail = '') {
    this.state = state;
    this.detail = detail;
    this.dispatchEvent(new CustomEvent('change', { detail: { state, detail, persisted: this.persisted } }));
  }

  /** Register (unless the user removed offline data before) and report when everything is cached. */
  async start() {
    if (!this.supported) return this._set('unsupported');
    if (this.optedOut) return this._set('off');
    let precache;
    try {
      const res = await fetch(new URL('precache.json', this.scope), { cache: 'no-cache' });
      if (!res.ok) return this._set('unsupported'); // not built with scripts/build_web.sh
      precache = await res.json();
    } catch {
      // Offline with no precache.json reachable: a controlling worker means we are running from the cache.
      return navigator.serviceWorker.controller ? this._checkCached() : this._set('unsupported');
    }
    this._set('preparing');
    try {
      const reg = await navigator.serviceWorker.register(
        new URL(`sw.js?v=${encodeURIComponent(precache.version)}`, this.scope), { scope: this.scope });
      // Some environments (policies, automation) stub register() out and resolve with nothing.
      if (!reg) return this._set('unsupported');
      await activeVersion(reg, precache.version);
      await this._verify(precache);
      await this._persist();
      this._set('ready');
    } catch (e) {
      this._set('error', e.message || String(e));
    }
  }

  /** Every precached file must be in this version's cache, or "ready offline" would be a lie. */
  async _verify({ version, files }) {
    const cache = await caches.open(`${CACHE_PREFIX}${version}`);
    const missing = [];
    for (const f of files) {
      if (!(await cache.match(new URL(f, this.scope).href, { ignoreSearch: true }))) missing.push(f);
    }
    if (missing.length) throw new Error(`${missing.length} file(s) missing from the offline cache, e.g. ${missing[0]}`);
  }

  async _checkCached() {
    const keys = (await caches.keys()).filter((k) => k.startsWith(CACHE_PREFIX) && k !== `${CACHE_PREFIX}share-inbox`);
    this.persisted = !!(await navigator.storage?.persisted?.());
    this._set(keys.length ? 'ready' : 'unsupported');
  }

  /** After the first full download: ask the browser not to evict the ~10 MB of engine and models. */
  async _persist() {
    if (!navigator.storage?.persist) return;
    try {
      this.persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
    } catch {
      this.persisted = false;
    }
  }

  /**
   * Unregister the service worker and delete every mathsnap cache, and the saved corrections with
   * their opt-in (lib/corrections.js: IndexedDB): nothing the app stored survives. Remembered for later visits.
   */
  async removeOfflineData() {
    try { localStorage.setItem(OPT_OUT_KEY, 'off'); } catch { /* private mode: removal still happens */ }
    await removeAllCorrectionData().catch(() => {});
    const regs = (await navigator.serviceWorker.getRegistrations()).filter((r) => r.scope === this.scope);
    // The worker first, answered before anything is deleted: a request of this page still on its way
    // (a pool worker loading its models) must not open the cache again once it is gone (sw.js).
    await Promise.all(regs.map((r) => forgetInWorker(r.active)));
    await Promise.all(regs.map((r) => r.unregister()));
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX)).map((k) => caches.delete(k)));
    this.persisted = false;
    this._set('off');
  }

  /** Undo removeOfflineData(): download everything again for offline use. */
  async enable() {
    try { localStorage.removeItem(OPT_OUT_KEY); } catch { /* ignore */ }
    return this.start();
  }
}

/**
 * Ask a service worker to stop writing to its cache (sw.js, 'forget'); resolves once it has answered,
 * or after a second without an answer (a worker of an older build that does not know the message).
 */
function forgetInWorker(worker) {
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(resolve, 1000);
    channel.port1.onmessage = () => {
      clearTimeout(timer);
      resolve();
    };
    worker.postMessage({ type: 'forget' }, [channel.port2]);
  });
}
