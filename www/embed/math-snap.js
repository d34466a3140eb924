// <math-snap>: an embeddable mathsnap element (ES module, no dependencies beyond this app's files).
//
//   <link rel="stylesheet" href="/mathsnap/embed/math-snap.css">   (optional: added automatically)
//   <script type="module" src="/mathsnap/embed/math-snap.js"></script>
//   <math-snap></math-snap>
//
// Attributes: base="URL of the mathsnap app folder" (default: the folder above embed/),
//             beam="3", single (one formula per image: the whole picture is the formula).
// Property/method: el.ready (Promise), el.recognize(blobOrFile) -> Promise<result>, el.state.
// Events (bubbling CustomEvents): 'progress' {loaded,total,file}, 'ready' {ms,bytes},
//   'result' {formulas:[{latex,score,quad}],width,height,ms}, 'error' {code,message}.
// Works under the same strict CSP as the app (no inline styles/scripts; module worker, same origin).
import { EngineClient } from '../engine-client.js';
import { renderLatex, toMathML, confidence, copyText, ERROR_TEXT } from '../lib/formula.js';

/** A "Copy <what>" button for formula i; shows "Copied" or "Copy failed" for 1.5 s. */
function copyButton(what, i, text) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'ms-button';
  b.textContent = `Copy ${what}`;
  b.setAttribute('aria-label', `Copy ${what} of formula ${i + 1}`);
  b.addEventListener('click', async () => {
    b.textContent = (await copyText(text())) ? 'Copied' : 'Copy failed';
    setTimeout(() => { b.textContent = `Copy ${what}`; }, 1500);
  });
  return b;
}

const engines = new Map(); // one engine (worker + models) per base URL, shared by all elements
function sharedEngine(base) {
  if (!engines.has(base)) {
    engines.set(base, new EngineClient({ workerUrl: new URL('worker.js', base), base }));
  }
  return engines.get(base);
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
  static get observedAttributes() { return ['base']; }

  constructor() {
    super();
    this._uid = `math-snap-${++counter}`;
    this.state = 'idle';
    this._readyResolve = null;
    this.ready = new Promise((r) => { this._readyResolve = r; });
    this._onProgress = (ev) => this._progress(ev.detail);
    this._onReady = (ev) => this._setReady(ev.detail);
    this._onInitError = (ev) => this._fail(ev.detail);
  }

  get base() {
    return new URL(this.getAttribute('base') || new URL('../', import.meta.url).href, document.baseURI).href
      .replace(/\/?$/, '/');
  }

  connectedCallback() {
    if (!this._built) this._build();
    addStylesheet(new URL('vendor/katex/katex.min.css', this.base).href);
    addStylesheet(new URL('./math-snap.css', import.meta.url).href);
    this._attach();
  }

  disconnectedCallback() {
    this._detach();
  }

  attributeChangedCallback(name, oldV, newV) {
    if (name === 'base' && this.isConnected && oldV !== newV) {
      this._detach();
      this._attach();
    }
  }

  _attach() {
    this._engine = sharedEngine(this.base);
    this._engine.addEventListener('progress', this._onProgress);
    this._engine.addEventListener('ready', this._onReady);
    this._engine.addEventListener('init-error', this._onInitError);
    if (this._engine.ready) {
      queueMicrotask(() => this._setReady(this._engine.info));
    } else {
      this._setState('loading', 'Loading the recogniser…');
      this._engine.start().catch(() => {});
    }
  }

  _detach() {
    if (!this._engine) return;
    this._engine.removeEventListener('progress', this._onProgress);
    this._engine.removeEventListener('ready', this._onReady);
    this._engine.removeEventListener('init-error', this._onInitError);
    this._engine = null;
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
    this.append(drop, progress, status, list);
    Object.assign(this, { _input: input, _status: status, _progressEl: progress, _list: list, _drop: drop });

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
  }

  _setState(state, text) {
    this.state = state;
    this.setAttribute('state', state);
    if (text !== undefined) this._status.textContent = text;
  }

  _progress(d) {
    const o = d.overall || {};
    if (o.total) this._progressEl.value = o.loaded / o.total;
    this.dispatchEvent(new CustomEvent('progress', { bubbles: true, detail: { loaded: o.loaded, total: o.total, file: d.file } }));
  }

  _setReady(info) {
    this._progressEl.hidden = true;
    if (this.state === 'loading' || this.state === 'idle' || this.state === 'error') this._setState('ready', 'Ready.');
    this._readyResolve(info);
    this.dispatchEvent(new CustomEvent('ready', { bubbles: true, detail: info || {} }));
  }

  _fail(err) {
    const detail = { code: err.code || 'internal', message: err.message || String(err) };
    this._progressEl.hidden = true;
    this._setState('error', `${ERROR_TEXT[detail.code] || 'Something went wrong.'}${['bad_image', 'too_large'].includes(detail.code) ? '' : ` (${detail.message})`}`);
    this.dispatchEvent(new CustomEvent('error', { bubbles: true, detail }));
  }

  /** Recognise every formula in an image Blob/File (or bytes); resolves with the engine's result. */
  async recognize(image) {
    const bytes = image instanceof Blob ? await image.arrayBuffer()
      : image instanceof ArrayBuffer ? image.slice(0) : new Uint8Array(image).slice().buffer;
    this._setState('busy', 'Reading formulas…');
    this._list.replaceChildren();
    const beam = Number(this.getAttribute('beam')) || 3;
    let result;
    try {
      if (!this._engine.ready) await this._engine.start();
      const single = this.hasAttribute('single') || this._engine.info?.hasDetector === false;
      result = await this._engine.recognizeBytes(bytes, { single, beam });
    } catch (err) {
      this._fail(err);
      throw err;
    }
    const formulas = result.formulas || [];
    formulas.forEach((f, i) => this._list.append(this._card(f, i, formulas.length)));
    this._setState('done', formulas.length
      ? `Found ${formulas.length} formula${formulas.length === 1 ? '' : 's'}.`
      : 'No formula found in this image.');
    this.dispatchEvent(new CustomEvent('result', { bubbles: true, detail: result }));
    return result;
  }

  _card(f, i, n) {
    const conf = confidence(f.score);
    const li = document.createElement('li');
    li.className = `ms-card ms-conf-${conf.level}`;
    const title = document.createElement('p');
    title.className = 'ms-title';
    title.textContent = `Formula ${i + 1} of ${n}, ${conf.label}`;
    const render = document.createElement('div');
    render.className = 'ms-render';
    renderLatex(render, f.latex || '');
    const code = document.createElement('code');
    code.className = 'ms-latex';
    code.textContent = f.latex || '';
    const copy = copyButton('LaTeX', i, () => f.latex || '');
    const copyM = copyButton('MathML', i, () => toMathML(f.latex || ''));
    const actions = document.createElement('p');
    actions.className = 'ms-actions';
    actions.append(copy, copyM);
    li.append(title, render, code, actions);
    return li;
  }
}

if (!customElements.get('math-snap')) customElements.define('math-snap', MathSnapElement);
