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
//             single (the whole picture is one formula).
// Properties/methods: el.ready (Promise), el.state, el.recognize(imageLike, {signal}) -> Promise<result>.
// Events (bubbling CustomEvents): 'progress' {stage, loaded, total, file?}, 'ready' {ms, bytes, hasDetector},
//   'result' {formulas: [{latex, mathml, score, quad}], width, height, ms}, 'error' {code, message}.
// Types: math-snap.d.ts. Works under the app's strict CSP (no inline styles/scripts; module worker, same origin).
import { renderLatex, confidence, copyText, ERROR_TEXT } from '../lib/formula.js';
import { Recognizer, DEFAULT_BASE } from './recognizer.js';
import { openCamera, stopCamera, cameraErrorMessage } from '../lib/camera.js';

export { create, EngineError } from './api.js';

const MODES = ['upload', 'camera', 'both'];

/**
 * A "Copy <what>" button for formula i. The outcome goes to report(text) (the live status line)
 * rather than into the button, whose visible text must stay part of its accessible name.
 */
function copyButton(what, i, text, report) {
  const b = button(`Copy ${what}`);
  b.setAttribute('aria-label', `Copy ${what} of formula ${i + 1}`);
  b.addEventListener('click', async () => {
    report((await copyText(text())) ? `${what} of formula ${i + 1} copied.` : `Could not copy the ${what} of formula ${i + 1}.`);
  });
  return b;
}

function button(text) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'ms-button';
  b.textContent = text;
  return b;
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
  static get observedAttributes() { return ['base', 'models', 'mode']; }

  constructor() {
    super();
    this._uid = `math-snap-${++counter}`;
    this.state = 'idle';
    this._readyResolve = null;
    this.ready = new Promise((r) => { this._readyResolve = r; });
    this._snap = null;
    this._stream = null;
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
    this._applyMode();
    if (!this._snap) this._attach();
  }

  disconnectedCallback() {
    this._stopCamera();
    // Moving the element in the DOM disconnects and reconnects it at once: keep the engine then.
    setTimeout(() => { if (!this.isConnected) this._detach(); }, 0);
  }

  attributeChangedCallback(name, oldV, newV) {
    if (!this._built || oldV === newV) return;
    if (name === 'mode') this._applyMode();
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
    if (!snap.engine.ready) this._setState('loading', 'Loading the recogniser…');
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
    const p = document.createElement('p');
    p.textContent = 'Drop a photo of a formula here, or ';
    const label = document.createElement('label');
    label.className = 'ms-button';
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = 'image/*';
    input.className = 'ms-offscreen';
    input.id = `${id}-file`;
    label.append(input, document.createTextNode('choose an image'));
    p.append(label);
    drop.append(p);

    const camera = document.createElement('div');
    camera.className = 'ms-camera';
    const video = document.createElement('video');
    video.className = 'ms-video';
    video.muted = true;
    video.playsInline = true;
    video.hidden = true;
    video.setAttribute('aria-label', 'Camera preview');
    const camStart = button('Start camera');
    const camCapture = button('Capture');
    const camStop = button('Stop camera');
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
    progress.setAttribute('aria-label', 'Loading the recogniser');
    const list = document.createElement('ol');
    list.className = 'ms-results';
    list.setAttribute('aria-label', 'Recognised formulas');
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
      this._fail({ code: 'camera', message: cameraErrorMessage(err) });
      return;
    }
    this._camStart.disabled = false;
    this._video.hidden = false;
    this._camStart.hidden = true;
    this._camCapture.hidden = this._camStop.hidden = false;
    this._camCapture.focus();
    this._setState(this.state, 'Camera on. Point it at a formula and press Capture.');
  }

  _stopCamera() {
    if (!this._stream) return;
    stopCamera(this._video, this._stream);
    this._stream = null;
    this._video.hidden = true;
    this._camStart.hidden = false;
    this._camCapture.hidden = this._camStop.hidden = true;
  }

  _setState(state, text) {
    this.state = state;
    this.setAttribute('state', state);
    if (text !== undefined) this._status.textContent = text;
  }

  _progress(d) {
    if (d.stage === 'download' && d.total) this._progressEl.value = d.loaded / d.total;
    this.dispatchEvent(new CustomEvent('progress', { bubbles: true, detail: d }));
  }

  _setReady(info) {
    this._progressEl.hidden = true;
    if (['loading', 'idle', 'error'].includes(this.state)) this._setState('ready', 'Ready.');
    this._readyResolve(info);
    this.dispatchEvent(new CustomEvent('ready', { bubbles: true, detail: info || {} }));
  }

  _fail(err) {
    const detail = { code: err.code || 'internal', message: err.message || String(err) };
    this._progressEl.hidden = true;
    const plain = ERROR_TEXT[detail.code];
    const text = detail.code === 'camera' ? detail.message
      : `${plain || 'Something went wrong.'}${['bad_image', 'too_large'].includes(detail.code) ? '' : ` (${detail.message})`}`;
    this._setState('error', text);
    this.dispatchEvent(new CustomEvent('error', { bubbles: true, detail }));
  }

  /**
   * Recognise every formula in imageLike (File/Blob, ArrayBuffer, ImageBitmap, ImageData, <img>,
   * <canvas>, <video>); shows the results and fires 'result' (or 'error'). Resolves with the result.
   */
  async recognize(image, { signal } = {}) {
    if (!this._snap) throw Object.assign(new Error('<math-snap> is not in the document.'), { code: 'not_ready' });
    const snap = this._snap;
    const beam = Math.min(8, Math.max(1, Math.round(Number(this.getAttribute('beam'))) || 3));
    snap.beam = beam;
    snap.single = this.hasAttribute('single');
    this._setState('busy', 'Reading formulas…');
    this._list.replaceChildren();
    let result;
    try {
      result = await snap.recognize(image, { signal });
    } catch (err) {
      if (err?.name === 'AbortError' || err?.code === 'disposed') {
        this._setState('ready', 'Stopped.');
      } else {
        this._fail(err);
      }
      throw err;
    }
    const n = result.formulas.length;
    result.formulas.forEach((f, i) => this._list.append(this._card(f, i, n)));
    const low = result.formulas.filter((f) => confidence(f.score).level === 'low').length;
    this._setState('done', n
      ? `Found ${n} formula${n === 1 ? '' : 's'}.${low ? ` ${low} with low confidence.` : ''}`
      : 'No formula found in this image.');
    this.dispatchEvent(new CustomEvent('result', { bubbles: true, detail: result }));
    return result;
  }

  _card(f, i, n) {
    const conf = confidence(f.score);
    const li = document.createElement('li');
    li.className = `ms-card ms-conf-${conf.level}`;
    li.setAttribute('aria-label', `Formula ${i + 1} of ${n}, ${conf.label}`);
    const title = document.createElement('p');
    title.className = 'ms-title';
    title.textContent = `Formula ${i + 1} of ${n}, ${conf.label}`;
    const render = document.createElement('div');
    render.className = 'ms-render';
    renderLatex(render, f.latex); // KaTeX with trust: false and bounded maxExpand/maxSize (lib/formula.js)
    const code = document.createElement('code');
    code.className = 'ms-latex';
    code.textContent = f.latex;
    const actions = document.createElement('p');
    actions.className = 'ms-actions';
    const report = (text) => { this._status.textContent = text; };
    actions.append(copyButton('LaTeX', i, () => f.latex, report), copyButton('MathML', i, () => f.mathml, report));
    li.append(title, render, code, actions);
    return li;
  }
}

if (!customElements.get('math-snap')) customElements.define('math-snap', MathSnapElement);
