// <math-snap>: an embeddable mathsnap element, and the JS API (create) for pages that draw their own UI.
// One script tag, no bundler, no CDN: every asset URL (worker, wasm, models, KaTeX, CSS) resolves
// relative to this module unless the base/models attributes say otherwise.
//
//   <script type="module" src="/mathsnap/embed/math-snap.js"></script>
//   <math-snap mode="both"></math-snap>
//
// Attributes: base="URL of the mathsnap app folder" (worker.js, pkg/, vendor/; default: the folder above embed/),
//             models="URL of the models folder" (manifest.json + .onnx; default: base + models/),
//             mode="upload" | "camera" | "both" (default "upload"), beam="1..8" (default 3),
//             single (the whole picture is one formula),
//             lang="en" | "ko" (default: the browser's languages, navigator.languages),
//             corrections="off" (no corrections panel, nothing kept, ever: the page's choice overrides the user's).
// Properties/methods: el.ready (Promise), el.state, el.recognize(imageLike, {signal}) -> Promise<result>,
//   el.corrections {list(), export(), clear()} (the on-device corrections, lib/corrections.js).
// Events (bubbling CustomEvents): 'progress' {stage, loaded, total, file?}, 'ready' {ms, bytes, hasDetector},
//   'result' {formulas: [{latex, mathml, score, quad}], width, height, ms}, 'error' {code, message},
//   'correction' {latexBefore, latexAfter, score} (a correction was saved on the device).
// Types: math-snap.d.ts. Works under the app's strict CSP (no inline styles/scripts; module worker, same origin).
import { renderLatex, confidence, copyText } from '../lib/formula.js';
import { Recognizer, DEFAULT_BASE } from './recognizer.js';
import { openCamera, stopCamera, cameraErrorMessage } from '../lib/camera.js';
import { t, pickLang, normLang, setI18n, applyI18n, errorText } from '../lib/i18n.js';
import { CorrectionsPanel } from '../lib/corrections-panel.js';
import {
  saveCorrection, modelVersionOf, correctionsApi, correctionsEnabled, onCorrectionsChange, storageAvailable,
} from '../lib/corrections.js';

export { create, EngineError } from './api.js';

const MODES = ['upload', 'camera', 'both'];

/**
 * A "Copy <what>" button for formula i. The outcome goes to report(text) (the live status line)
 * rather than into the button, whose visible text must stay part of its accessible name.
 */
function copyButton(what, i, text, report, lang) {
  const b = button();
  setI18n(b, lang, `card.copy${what === 'LaTeX' ? 'Latex' : 'Mathml'}`, { i: i + 1 }, `aria-label=card.copy${what === 'LaTeX' ? 'Latex' : 'Mathml'}Of`);
  b.addEventListener('click', async () => {
    report((await copyText(text())) ? ['say.copied', { what, i: i + 1 }] : ['say.copyFailedOf', { what, i: i + 1 }]);
  });
  return b;
}

function button(lang, key) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'ms-button';
  if (key) setI18n(b, lang, key);
  return b;
}

/**
 * A copy of the picture recognize() was given, for cutting out a formula's crop when a correction is
 * saved: Blobs stay Blobs (decoded later with their EXIF orientation, as the engine does), bytes become
 * Blobs, pixels are copied into an ImageBitmap (a <canvas> or <video> may change afterwards).
 */
async function sourceSnapshot(image) {
  if (image instanceof Blob) return image;
  if (image instanceof ArrayBuffer) return new Blob([image.slice(0)]);
  if (ArrayBuffer.isView(image)) return new Blob([image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength)]);
  return createImageBitmap(image);
}

function addStylesheet(href) {
  if ([...document.styleSheets].some((s) => s.href === href) ||
      document.querySelector(`link[rel="stylesheet"][href="${CSS.escape(href)}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

let counter = 0;

export class MathSnapElement extends HTMLElement {
  static get observedAttributes() { return ['base', 'models', 'mode', 'lang', 'corrections']; }

  constructor() {
    super();
    this._uid = `math-snap-${++counter}`;
    this.state = 'idle';
    this._readyResolve = null;
    this.ready = new Promise((r) => { this._readyResolve = r; });
    this._snap = null;
    this._stream = null;
    this._source = null;
    this._panel = null;
  }

  /** 'en' | 'ko': the lang attribute, else the browser's languages. */
  get uiLang() {
    return normLang(this.getAttribute('lang')) || pickLang();
  }

  /** False when the page set corrections="off": nothing is shown or kept. */
  get correctionsAllowed() {
    return (this.getAttribute('corrections') || '').trim().toLowerCase() !== 'off' && storageAvailable();
  }

  /** The on-device corrections: list(), export() (a .zip Blob), clear(). */
  get corrections() {
    return correctionsApi(this._manifestUrl());
  }

  _manifestUrl() {
    const models = this.getAttribute('models');
    return models ? new URL('manifest.json', new URL(models, document.baseURI).href.replace(/\/?$/, '/')).href
      : new URL('models/manifest.json', this.base).href;
  }

  get base() {
    return new URL(this.getAttribute('base') || DEFAULT_BASE, document.baseURI).href.replace(/\/?$/, '/');
  }

  get mode() {
    const m = (this.getAttribute('mode') || 'upload').trim().toLowerCase();
    return MODES.includes(m) ? m : 'upload';
  }

  connectedCallback() {
    if (!this._built) this._build();
    addStylesheet(new URL('vendor/katex/katex.min.css', this.base).href);
    addStylesheet(new URL('./math-snap.css', import.meta.url).href);
    addStylesheet(new URL('../lib/corrections.css', import.meta.url).href);
    this._applyMode();
    this._applyCorrections();
    this._markLang();
    if (!this._snap) this._attach();
  }

  disconnectedCallback() {
    this._stopCamera();
    this._unlisten?.();
    this._unlisten = null;
    this._panel?.dispose();
    this._panel?.element.remove();
    this._panel = null;
    // Moving the element in the DOM disconnects and reconnects it at once: keep the engine then.
    setTimeout(() => { if (!this.isConnected) this._detach(); }, 0);
  }

  attributeChangedCallback(name, oldV, newV) {
    if (!this._built || oldV === newV) return;
    if (name === 'mode') this._applyMode();
    else if (name === 'lang') this._applyLang();
    else if (name === 'corrections') this._applyCorrections();
    else if (this.isConnected) {
      this._detach();
      this._attach();
    }
  }

  _attach() {
    const snap = new Recognizer({ base: this.base, models: this.getAttribute('models') || undefined });
    this._snap = snap;
    snap.addEventListener('progress', (ev) => this._progress(ev.detail));
    snap.addEventListener('ready', (ev) => this._setReady(ev.detail));
    snap.addEventListener('error', (ev) => this._fail(ev.detail));
    if (!snap.engine.ready) this._setState('loading', ['ms.loadingText']);
    snap.start().catch(() => {}); // reported through the 'error' listener above
  }

  _detach() {
    this._snap?.dispose();
    this._snap = null;
  }

  _build() {
    this._built = true;
    this.classList.add('math-snap');
    const id = this._uid;

    const drop = document.createElement('div');
    drop.className = 'ms-drop';
    const lang = this.uiLang;
    const p = document.createElement('p');
    const dropText = document.createElement('span');
    setI18n(dropText, lang, 'ms.drop');
    p.append(dropText);
    const label = document.createElement('label');
    label.className = 'ms-button';
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/*';
    input.className = 'ms-offscreen';
    input.id = `${id}-file`;
    const chooseText = document.createElement('span');
    setI18n(chooseText, lang, 'ms.choose');
    label.append(input, chooseText);
    p.append(label);
    drop.append(p);

    const camera = document.createElement('div');
    camera.className = 'ms-camera';
    const video = document.createElement('video');
    video.className = 'ms-video';
    video.muted = true;
    video.playsInline = true;
    video.hidden = true;
    setI18n(video, lang, null, null, 'aria-label=camera.preview');
    const camStart = button(lang, 'camera.start');
    const camCapture = button(lang, 'camera.capture');
    const camStop = button(lang, 'camera.stop');
    camCapture.classList.add('ms-primary');
    camCapture.hidden = camStop.hidden = true;
    const camActions = document.createElement('p');
    camActions.className = 'ms-actions';
    camActions.append(camStart, camCapture, camStop);
    camera.append(video, camActions);

    const status = document.createElement('p');
    status.className = 'ms-status';
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    const progress = document.createElement('progress');
    progress.className = 'ms-progress';
    progress.max = 1;
    setI18n(progress, lang, null, null, 'aria-label=ms.loading');
    const list = document.createElement('ol');
    list.className = 'ms-results';
    setI18n(list, lang, null, null, 'aria-label=results.list');
    this.append(drop, camera, progress, status, list);
    Object.assign(this, {
      _input: input, _status: status, _progressEl: progress, _list: list, _drop: drop,
      _camera: camera, _video: video, _camStart: camStart, _camCapture: camCapture, _camStop: camStop,
    });

    input.addEventListener('change', () => {
      const f = input.files[0];
      input.value = '';
      if (f) this.recognize(f).catch(() => {});
    });
    drop.addEventListener('dragover', (ev) => {
      if ([...(ev.dataTransfer?.types || [])].includes('Files')) { ev.preventDefault(); drop.classList.add('ms-over'); }
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('ms-over'));
    drop.addEventListener('drop', (ev) => {
      drop.classList.remove('ms-over');
      const f = ev.dataTransfer?.files?.[0];
      if (!f) return;
      ev.preventDefault();
      this.recognize(f).catch(() => {});
    });
    camStart.addEventListener('click', () => this._startCamera());
    camStop.addEventListener('click', () => { this._stopCamera(); camStart.focus(); });
    camCapture.addEventListener('click', () => this.recognize(video).catch(() => {}));
  }

  _applyMode() {
    const mode = this.mode;
    this._drop.hidden = mode === 'camera';
    this._camera.hidden = mode === 'upload';
    if (mode === 'upload') this._stopCamera();
  }

  async _startCamera() {
    this._camStart.disabled = true;
    try {
      this._stream = await openCamera(this._video);
    } catch (err) {
      this._camStart.disabled = false;
      this._fail({ code: 'camera', message: cameraErrorMessage(err, undefined, this.uiLang) });
      return;
    }
    this._camStart.disabled = false;
    this._video.hidden = false;
    this._camStart.hidden = true;
    this._camCapture.hidden = this._camStop.hidden = false;
    this._camCapture.focus();
    this._setState(this.state, ['camera.onShort']);
  }

  _stopCamera() {
    if (!this._stream) return;
    stopCamera(this._video, this._stream);
    this._stream = null;
    this._video.hidden = true;
    this._camStart.hidden = false;
    this._camCapture.hidden = this._camStop.hidden = true;
  }

  /** text: [i18n key, params] (re-translated when lang changes). */
  _setState(state, text) {
    this.state = state;
    this.setAttribute('state', state);
    if (text !== undefined) this._say(text);
  }

  _say([key, params]) {
    setI18n(this._status, this.uiLang, key, params);
  }

  _applyLang() {
    if (!this._built) return;
    applyI18n(this, this.uiLang);
    this._panel?.setLang(this.uiLang);
    this._markLang();
  }

  /** Without a lang attribute the text follows the browser's language: say so to assistive technology. */
  _markLang() {
    const own = this.hasAttribute('lang');
    for (const child of this.children) {
      if (own) child.removeAttribute('lang'); else child.lang = this.uiLang;
    }
  }

  /** Show the corrections panel and the cards' editors unless corrections="off". */
  _applyCorrections() {
    if (!this._built) return;
    const allowed = this.correctionsAllowed;
    if (allowed && !this._panel && this.isConnected) {
      this._panel = new CorrectionsPanel({
        lang: this.uiLang, idPrefix: `${this._uid}-corr`, modelVersion: () => modelVersionOf(this._manifestUrl()),
        announce: (text) => { this._status.textContent = text; delete this._status.dataset.i18n; },
      });
      this.append(this._panel.element);
      this._unlisten = onCorrectionsChange((ev) => { if (ev.type === 'enabled') this._showEditors(); });
    } else if (!allowed && this._panel) {
      this._unlisten?.();
      this._unlisten = null;
      this._panel.dispose();
      this._panel.element.remove();
      this._panel = null;
      this._source?.close?.();
      this._source = null;
    }
    this._showEditors();
    this._markLang();
  }

  _showEditors() {
    const on = this.correctionsAllowed && correctionsEnabled();
    for (const ed of this.querySelectorAll('.ms-editor')) ed.hidden = !on;
  }

  _progress(d) {
    if (d.stage === 'download' && d.total) this._progressEl.value = d.loaded / d.total;
    this.dispatchEvent(new CustomEvent('progress', { bubbles: true, detail: d }));
  }

  _setReady(info) {
    this._progressEl.hidden = true;
    if (['loading', 'idle', 'error'].includes(this.state)) this._setState('ready', ['ms.ready']);
    this._readyResolve(info);
    this.dispatchEvent(new CustomEvent('ready', { bubbles: true, detail: info || {} }));
  }

  _fail(err) {
    const detail = { code: err.code || 'internal', message: err.message || String(err) };
    this._progressEl.hidden = true;
    this._setState('error', ['ms.error', detail]);
    this.dispatchEvent(new CustomEvent('error', { bubbles: true, detail }));
  }

  /**
   * Recognise every formula in imageLike (File/Blob, ArrayBuffer, ImageBitmap, ImageData, <img>,
   * <canvas>, <video>); shows the results and fires 'result' (or 'error'). Resolves with the result.
   */
  async recognize(image, { signal } = {}) {
    if (!this._snap) throw Object.assign(new Error(t(this.uiLang, 'ms.notConnected')), { code: 'not_ready' });
    const snap = this._snap;
    const beam = Math.min(8, Math.max(1, Math.round(Number(this.getAttribute('beam'))) || 3));
    snap.beam = beam;
    snap.single = this.hasAttribute('single');
    this._setState('busy', ['results.busy']);
    this._list.replaceChildren();
    this._source?.close?.();
    this._source = null;
    let result;
    try {
      // Kept only where corrections may be saved: a File/Blob always (a reference), a copy of pixels
      // (canvas, video, bitmap: memory) only once the user has turned corrections on.
      const keep = this.correctionsAllowed && (image instanceof Blob || correctionsEnabled());
      const source = keep ? sourceSnapshot(image).catch(() => null) : null;
      result = await snap.recognize(image, { signal });
      this._source = await source;
    } catch (err) {
      if (err?.name === 'AbortError' || err?.code === 'disposed') {
        this._setState('ready', ['ms.stopped']);
      } else {
        this._fail(err);
      }
      throw err;
    }
    const n = result.formulas.length;
    result.formulas.forEach((f, i) => this._list.append(this._card(f, i, n)));
    const low = result.formulas.filter((f) => confidence(f.score).level === 'low').length;
    this._setState('done', n ? ['ms.found', { n, low }] : ['ms.none']);
    this.dispatchEvent(new CustomEvent('result', { bubbles: true, detail: result }));
    return result;
  }

  _card(f, i, n) {
    const conf = confidence(f.score);
    const li = document.createElement('li');
    li.className = `ms-card ms-conf-${conf.level}`;
    const lang = this.uiLang;
    setI18n(li, lang, null, { i: i + 1, n, level: conf.level }, 'aria-label=ms.title');
    const title = document.createElement('p');
    title.className = 'ms-title';
    setI18n(title, lang, 'ms.title', { i: i + 1, n, level: conf.level });
    const render = document.createElement('div');
    render.className = 'ms-render';
    renderLatex(render, f.latex); // KaTeX with trust: false and bounded maxExpand/maxSize (lib/formula.js)
    const code = document.createElement('code');
    code.className = 'ms-latex';
    code.textContent = f.latex;
    const actions = document.createElement('p');
    actions.className = 'ms-actions';
    const report = (text) => this._say(text);
    actions.append(copyButton('LaTeX', i, () => f.latex, report, lang), copyButton('MathML', i, () => f.mathml, report, lang));
    li.append(title, render, code, actions);
    if (this.correctionsAllowed) li.append(this._editor(f, i, render));
    return li;
  }

  /** The card's correction editor: the LaTeX to fix (or keep), Save, and the reason when KaTeX refuses it. */
  _editor(f, i, render) {
    const lang = this.uiLang;
    const id = `${this._uid}-edit-${i + 1}`;
    const box = document.createElement('div');
    box.className = 'ms-editor';
    box.hidden = !correctionsEnabled();
    const label = document.createElement('label');
    label.className = 'ms-edit-label';
    label.htmlFor = id;
    setI18n(label, lang, 'corr.edit', { i: i + 1 });
    const ta = document.createElement('textarea');
    ta.className = 'ms-edit';
    ta.id = id;
    ta.rows = 2;
    ta.spellcheck = false;
    ta.setAttribute('autocapitalize', 'off');
    ta.setAttribute('autocomplete', 'off');
    ta.value = f.latex;
    const err = document.createElement('p');
    err.className = 'ms-edit-error';
    err.id = `${id}-error`;
    err.hidden = true;
    const save = button(lang, 'corr.save');
    save.classList.add('ms-primary', 'ms-save');
    setI18n(save, lang, 'corr.save', { i: i + 1 }, 'aria-label=corr.saveOf');
    let pending = 0;
    ta.addEventListener('input', () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => renderLatex(render, ta.value));
    });
    let savedId = null;
    const source = this._source;
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        if (!source) { this._say(['corr.noPicture']); return; }
        const r = await saveCorrection({
          source, formula: f, text: ta.value, modelVersion: modelVersionOf(this._manifestUrl()), id: savedId,
        });
        if (r.error) { // refused: the text stays in the box, the reason next to it
          err.hidden = false;
          setI18n(err, this.uiLang, r.error === 'empty' ? 'corr.emptyLatex' : 'corr.refused', { error: r.error });
          ta.setAttribute('aria-describedby', err.id);
          this._say([r.error === 'empty' ? 'corr.emptyLatex' : 'corr.refused', { error: r.error }]);
          return;
        }
        err.hidden = true;
        ta.removeAttribute('aria-describedby');
        savedId = r.entry.id;
        this._say(['corr.saved', { i: i + 1 }]);
        this.dispatchEvent(new CustomEvent('correction', {
          bubbles: true,
          detail: { latexBefore: r.entry.latexBefore, latexAfter: r.entry.latexAfter, score: r.entry.score },
        }));
      } catch (e) {
        this._say(['corr.failed', { message: e.message || String(e) }]);
      } finally {
        save.disabled = false;
      }
    });
    const actions = document.createElement('p');
    actions.className = 'ms-actions';
    actions.append(save);
    box.append(label, ta, err, actions);
    return box;
  }
}

if (!customElements.get('math-snap')) customElements.define('math-snap', MathSnapElement);
