// The corrections panel shared by the app and <math-snap>: the opt-in toggle (one sentence on what it
// keeps and that it stays on the device), the storage used, export as .zip, delete one or all, and the
// list (thumbnail, before → after rendered with KaTeX). Classes are ms-corr-*; styles in corrections.css.
import { renderLatex } from './formula.js';
import { t, fmtBytes, setI18n, applyI18n } from './i18n.js';
import {
  listCorrections, deleteCorrection, clearCorrections, exportCorrections, correctionsEnabled,
  setCorrectionsEnabled, onCorrectionsChange, correctionsBytes, archiveFileName, storageAvailable,
} from './corrections.js';

function el(tag, className, attrs = {}) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export class CorrectionsPanel extends EventTarget {
  /**
   * @param {object} o
   * @param {string} o.lang 'en' | 'ko'
   * @param {string} o.idPrefix unique prefix for element ids
   * @param {(text: string) => void} o.announce live-region messages
   * @param {() => Promise<string>} o.modelVersion the current models' version (for the archive's manifest)
   * @param {string} [o.buttonClass] class of the panel's buttons ('button' in the app, 'ms-button' in the element)
   */
  constructor({ lang, idPrefix, announce, modelVersion, buttonClass = 'ms-button' }) {
    super();
    this.lang = lang;
    this._announce = announce || (() => {});
    this._modelVersion = modelVersion;
    this._urls = [];
    const id = (s) => `${idPrefix}-${s}`;
    const section = el('section', 'ms-corrections', { 'aria-labelledby': id('heading') });
    const h = el('h2', 'ms-corr-heading', { id: id('heading') });
    const about = el('p', 'ms-corr-about', { id: id('about') });
    const label = el('label', 'ms-corr-switch');
    const toggle = el('input', 'ms-corr-toggle', { type: 'checkbox', role: 'switch', id: id('toggle'), 'aria-describedby': id('about') });
    const labelText = el('span');
    label.append(toggle, labelText);
    const usage = el('p', 'ms-corr-usage', { id: id('usage') });
    const actions = el('p', 'ms-corr-actions');
    const exportBtn = el('button', `${buttonClass} ms-corr-export`, { type: 'button' });
    const clearBtn = el('button', `${buttonClass} ms-corr-clear`, { type: 'button' });
    actions.append(exportBtn, clearBtn);
    const list = el('ol', 'ms-corr-list', { id: id('list') });
    const empty = el('p', 'ms-corr-emptytext');
    section.append(h, about, el('p', 'ms-corr-toggle-row'), usage, actions, empty, list);
    section.querySelector('.ms-corr-toggle-row').append(label);
    setI18n(h, lang, 'corr.heading');
    setI18n(about, lang, 'corr.about');
    setI18n(labelText, lang, 'corr.toggle');
    setI18n(exportBtn, lang, 'corr.export');
    setI18n(clearBtn, lang, 'corr.clear');
    setI18n(empty, lang, 'corr.empty');
    setI18n(list, lang, null, null, 'aria-label=corr.list');
    Object.assign(this, { element: section, toggle, usage, exportBtn, clearBtn, list, empty });

    if (!storageAvailable()) {
      toggle.disabled = true;
      setI18n(usage, lang, 'corr.noStorage');
    }
    toggle.checked = correctionsEnabled();
    toggle.addEventListener('change', () => {
      setCorrectionsEnabled(toggle.checked);
      this._announce(t(this.lang, toggle.checked ? 'corr.on' : 'corr.off'));
    });
    exportBtn.addEventListener('click', () => this._export());
    clearBtn.addEventListener('click', async () => {
      await clearCorrections();
      this._announce(t(this.lang, 'corr.cleared'));
      toggle.focus();
    });
    this._unlisten = onCorrectionsChange((ev) => {
      if (ev.type === 'enabled') {
        toggle.checked = ev.enabled;
        this.dispatchEvent(new CustomEvent('toggle', { detail: { enabled: ev.enabled } }));
      } else {
        this.refresh();
      }
    });
    this.refresh();
  }

  get enabled() { return this.toggle.checked && !this.toggle.disabled; }

  setLang(lang) {
    this.lang = lang;
    applyI18n(this.element, lang);
    this.refresh();
  }

  dispose() {
    this._unlisten?.();
    for (const u of this._urls) URL.revokeObjectURL(u);
    this._urls = [];
  }

  /** Redraw the list and the storage line from the database. */
  async refresh() {
    const seq = (this._seq = (this._seq || 0) + 1);
    let entries = [];
    try { entries = await listCorrections(); } catch { entries = []; }
    if (seq !== this._seq) return; // a later refresh is drawing
    for (const u of this._urls) URL.revokeObjectURL(u);
    this._urls = [];
    const lang = this.lang;
    if (storageAvailable()) setI18n(this.usage, lang, 'corr.usage', { n: entries.length, bytes: fmtBytes(entries.length ? correctionsBytes(entries) : 0) });
    this.empty.hidden = entries.length > 0;
    this.list.hidden = entries.length === 0;
    this.exportBtn.disabled = this.clearBtn.disabled = entries.length === 0;
    const focusedIndex = [...this.list.querySelectorAll('.ms-corr-delete')].indexOf(document.activeElement);
    this.list.replaceChildren(...entries.map((e, k) => this._item(e, k)));
    this.element.dataset.count = String(entries.length);
    if (focusedIndex >= 0) { // keep the keyboard where it was after a delete
      const dels = this.list.querySelectorAll('.ms-corr-delete');
      (dels[Math.min(focusedIndex, dels.length - 1)] || this.toggle).focus();
    }
  }

  _item(e, k) {
    const lang = this.lang;
    const li = el('li', 'ms-corr-item');
    li.dataset.id = String(e.id);
    const img = el('img', 'ms-corr-thumb');
    const url = URL.createObjectURL(e.image);
    this._urls.push(url);
    img.src = url;
    setI18n(img, lang, null, { i: k + 1 }, 'alt=corr.thumb');
    const body = el('div', 'ms-corr-body');
    const confirmed = e.latexBefore === e.latexAfter;
    const row = (key, latex, cls) => {
      const r = el('div', `ms-corr-row ${cls}`);
      const name = el('span', 'ms-corr-label');
      setI18n(name, lang, key);
      const math = el('div', 'ms-corr-math');
      renderLatex(math, latex);
      const code = el('code', 'ms-corr-code');
      code.textContent = latex;
      r.append(name, math, code);
      return r;
    };
    if (confirmed) body.append(row('corr.confirmed', e.latexAfter, 'ms-corr-after'));
    else body.append(row('corr.before', e.latexBefore, 'ms-corr-before'), row('corr.after', e.latexAfter, 'ms-corr-after'));
    const del = el('button', `${this.exportBtn.className.split(' ')[0]} ms-corr-delete`, { type: 'button' });
    setI18n(del, lang, 'corr.delete', { i: k + 1 }, 'aria-label=corr.deleteOf');
    del.addEventListener('click', async () => {
      await deleteCorrection(e.id);
      this._announce(t(this.lang, 'corr.deleted'));
    });
    li.append(img, body, del);
    return li;
  }

  async _export() {
    const n = this.list.children.length;
    const blob = await exportCorrections({ modelVersion: this._modelVersion?.() });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = archiveFileName();
    a.hidden = true;
    this.element.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 30000);
    this._announce(t(this.lang, 'corr.exported', { n }));
  }
}
