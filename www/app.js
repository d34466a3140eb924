// mathsnap app: camera / upload / paste / drop -> engine worker -> KaTeX cards.
import { EngineClient } from './engine-client.js';
import { renderLatex, toMathML, confidence, copyText } from './lib/formula.js';
import { openCamera, stopCamera, cameraErrorMessage } from './lib/camera.js';
import { previewSlots, CycleFrame, SlotCycle, addsTo, slotQuads, liveQuads, CLOSE_SCALE } from './lib/live-tiles.js';
import { frameThumb, MotionTrack, moved } from './lib/live-motion.js';
import { OfflineSupport } from './offline.js';
import { takeSharedPhoto } from './share-inbox.js';
import { t, pickLang, normLang, applyI18n, setI18n, errorText, fmtBytes } from './lib/i18n.js';
import { CorrectionsPanel } from './lib/corrections-panel.js';
import { saveCorrection, modelVersionOf, onCorrectionsChange, correctionsEnabled } from './lib/corrections.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const SVG_NS = 'http://www.w3.org/2000/svg';

const ui = {
  loader: $('loader'), loaderLabel: $('loader-label'), progress: $('load-progress'), loaderDetail: $('loader-detail'),
  error: $('error'), errorText: $('error-text'), retry: $('retry'), errorDismiss: $('error-dismiss'),
  notice: $('notice'), noticeText: $('notice-text'),
  cameraView: $('camera-view'), video: $('video'), liveOverlay: $('live-overlay'), cameraHint: $('camera-hint'),
  cameraStart: $('camera-start'), capture: $('capture'), cameraStop: $('camera-stop'),
  dropzone: $('dropzone'), fileInput: $('file-input'), filePick: $('file-pick'), sample: $('sample'),
  summary: $('results-summary'), photo: $('photo'), photoImg: $('photo-img'), overlay: $('photo-overlay'),
  photoCaption: $('photo-caption'), busy: $('busy'), cards: $('cards'), live: $('live'),
  cardTemplate: $('card-template'),
  offlineStatus: $('offline-status'), offlineRemove: $('offline-remove'), offlineEnable: $('offline-enable'),
};

// ---------- language: the saved choice, else the browser's (navigator.languages), else English ----------
const LANG_KEY = 'mathsnap-lang';
function savedLang() {
  try { return normLang(localStorage.getItem(LANG_KEY)); } catch { return null; }
}
let lang = savedLang() || pickLang();
const T = (key, params) => t(lang, key, params);
const langSelect = $('lang-select');

function applyLang() {
  root.lang = lang;
  langSelect.value = lang;
  applyI18n(document.documentElement, lang);
  corrections?.setLang(lang);
}
langSelect.addEventListener('change', () => {
  lang = normLang(langSelect.value) || 'en';
  try { localStorage.setItem(LANG_KEY, lang); } catch { /* private mode: for this visit only */ }
  applyLang();
});

const engine = new EngineClient();
const MANIFEST_URL = new URL('models/manifest.json', document.baseURI).href;
const modelVersion = () => modelVersionOf(MANIFEST_URL);
let retryAction = null;
let lastSource = null; // {blob, name} of the last photo, for Retry
let jobToken = 0;
let photoUrl = null;
let recognizing = false;
let shownSource = null; // the photo whose formulas the cards show (for saving corrections)
let corrections = null;

// ---------- messages ----------
let announceTimer = 0;
function announce(text) {
  clearTimeout(announceTimer);
  ui.live.textContent = '';
  // A fresh text node after a tick makes screen readers announce repeated messages too.
  announceTimer = setTimeout(() => { ui.live.textContent = text; }, 30);
}

function showError(text, { retry = null } = {}) {
  ui.errorText.textContent = text;
  retryAction = retry;
  ui.retry.hidden = !retry;
  ui.error.hidden = false;
  root.dataset.error = 'shown';
}
function clearError() {
  ui.error.hidden = true;
  retryAction = null;
  delete root.dataset.error;
}
function showNotice(text) {
  ui.noticeText.textContent = text;
  ui.notice.hidden = !text;
}

ui.retry.addEventListener('click', () => {
  const action = retryAction;
  clearError();
  action?.();
});
ui.errorDismiss.addEventListener('click', clearError);

// ---------- engine loading ----------

engine.addEventListener('progress', (ev) => {
  const { overall, file } = ev.detail;
  if (overall.total > 0 && engine.state === 'loading') {
    ui.progress.value = Math.min(1, overall.loaded / overall.total);
    setI18n(ui.loaderDetail, lang, 'loader.progress',
      { pct: Math.round((100 * overall.loaded) / overall.total), loaded: fmtBytes(overall.loaded), total: fmtBytes(overall.total), file });
  }
});

// Shown for the first load and again whenever the worker is restarted (after a crash or Retry).
engine.addEventListener('loading', () => {
  const again = root.dataset.engine === 'crashed' || root.dataset.engine === 'error';
  root.dataset.engine = 'loading';
  ui.loader.hidden = false;
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  setI18n(ui.loaderLabel, lang, again ? 'loader.restarting' : 'loader.loading');
  setI18n(ui.loaderDetail, lang, null);
  ui.loaderDetail.textContent = '';
  announce(T(again ? 'say.restarting' : 'say.loading'));
});

engine.addEventListener('ready', (ev) => {
  const info = ev.detail;
  root.dataset.engine = 'ready';
  root.dataset.detector = info && info.hasDetector === false ? 'no' : 'yes';
  ui.progress.value = 1;
  ui.progress.hidden = true;
  setI18n(ui.loaderLabel, lang, 'loader.ready');
  if (info) setI18n(ui.loaderDetail, lang, 'loader.readyDetail', { bytes: fmtBytes(info.bytes), secs: (info.ms / 1000).toFixed(1) });
  else { setI18n(ui.loaderDetail, lang, null); ui.loaderDetail.textContent = ''; }
  if (!recognizing) announce(T('say.ready'));
  updateCameraButtons();
});

engine.addEventListener('init-error', (ev) => {
  const err = ev.detail;
  root.dataset.engine = 'error';
  ui.progress.hidden = true;
  setI18n(ui.loaderLabel, lang, 'loader.failed');
  if (err.url) setI18n(ui.loaderDetail, lang, 'loader.failedUrl', { url: err.url });
  else { setI18n(ui.loaderDetail, lang, null); ui.loaderDetail.textContent = ''; }
  if (recognizing) return; // the photo's own error message covers it
  showError(`${errorText(lang, err.code) || T('loader.failed')} ${err.message}`,
    { retry: () => engine.restart().catch(() => {}) });
});

engine.addEventListener('crash', (ev) => {
  // The next request (or Retry) restarts the worker automatically.
  root.dataset.engine = 'crashed';
  ui.progress.hidden = true;
  setI18n(ui.loaderLabel, lang, 'loader.crashed');
  setI18n(ui.loaderDetail, lang, null);
  ui.loaderDetail.textContent = '';
  // A crash during a recognition is reported by that recognition; the live preview restarts it quietly.
  if (!recognizing && !liveBusyWorkers.size) {
    showError(T('error.crashed', { message: ev.detail.message }), { retry: () => engine.restart().catch(() => {}) });
  }
});

// ---------- recognition ----------
function setBusy(on) {
  recognizing = on;
  ui.busy.hidden = !on;
  root.dataset.state = on ? 'busy' : root.dataset.state === 'busy' ? 'idle' : root.dataset.state || 'idle';
  ui.photo.setAttribute('aria-busy', String(on));
  updateCameraButtons();
}

function showPhoto(blob, name) {
  if (photoUrl) URL.revokeObjectURL(photoUrl);
  photoUrl = URL.createObjectURL(blob);
  ui.photoImg.src = photoUrl;
  setI18n(ui.photoImg, lang, null, { name }, 'alt=photo.alt');
  ui.photo.hidden = false;
  ui.overlay.replaceChildren();
  ui.cards.replaceChildren();
}

/** Without a detector model the engine can only read the whole picture as one formula. */
function readOptions() {
  return { single: !!(engine.info && engine.info.hasDetector === false), beam: 3 };
}

async function recognize(blob, name) {
  const token = ++jobToken;
  lastSource = { blob, name };
  clearError();
  showNotice('');
  showPhoto(blob, name);
  setI18n(ui.summary, lang, 'results.reading', { name });
  announce(T('say.reading'));
  setBusy(true);
  const t0 = performance.now();
  try {
    const bytes = await blob.arrayBuffer();
    let result;
    try {
      result = await engine.recognizeBytes(bytes, readOptions());
    } catch (err) {
      if (err.code !== 'too_large') throw err;
      result = await recognizeDownscaled(blob, err); // e.g. a 50-megapixel photo
    }
    if (token !== jobToken) return;
    shownSource = { blob };
    showResults(result, name, performance.now() - t0);
  } catch (err) {
    if (token !== jobToken) return;
    root.dataset.state = 'error';
    setI18n(ui.summary, lang, 'results.unreadable');
    setI18n(ui.photoImg, lang, null, { name }, 'alt=photo.altBad');
    const code = err && err.code;
    if (code === 'bad_image') ui.photo.hidden = true; // nothing to show
    const base = errorText(lang, code) || T('error.generic');
    const canRetry = !['bad_image', 'too_large', 'bad_input'].includes(code);
    const detail = canRetry && err.message ? ` (${err.message})` : '';
    showError(`${base}${detail}${canRetry ? ` ${T('error.retryHint')}` : ''}`,
      { retry: canRetry ? () => recognize(lastSource.blob, lastSource.name) : null });
    root.dataset.errorCode = code || 'unknown';
  } finally {
    if (token === jobToken) {
      setBusy(false);
      root.dataset.seq = String(Number(root.dataset.seq || 0) + 1); // completed recognitions (for tests)
    }
  }
}

/** Decode (EXIF-rotated) and shrink a too-large photo in the browser, then recognise the pixels. */
async function recognizeDownscaled(blob, originalError) {
  const MAX_SIDE = 2560;
  let full;
  try {
    full = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    throw originalError;
  }
  const W = full.width, H = full.height;
  full.close();
  const s = Math.min(1, MAX_SIDE / Math.max(W, H));
  if (s >= 1) throw originalError;
  const small = await createImageBitmap(blob, {
    imageOrientation: 'from-image', resizeWidth: Math.round(W * s), resizeHeight: Math.round(H * s), resizeQuality: 'high',
  });
  const r = await engine.recognizeBitmap(small, readOptions());
  for (const f of r.formulas || []) f.quad = f.quad.map(([x, y]) => [x / s, y / s]);
  return { ...r, width: W, height: H };
}

function showResults(result, name, ms) {
  const formulas = Array.isArray(result.formulas) ? result.formulas : [];
  const W = result.width || ui.photoImg.naturalWidth || 1;
  const H = result.height || ui.photoImg.naturalHeight || 1;
  delete root.dataset.errorCode;
  ui.overlay.setAttribute('viewBox', `0 0 ${W} ${H}`);
  ui.overlay.replaceChildren();
  ui.cards.replaceChildren();
  const secs = (ms / 1000).toFixed(1);
  if (!formulas.length) {
    root.dataset.state = 'empty';
    setI18n(ui.summary, lang, 'results.empty', { name });
    const msg = T('results.emptyHint');
    showNotice(msg);
    announce(msg);
    return;
  }
  const n = formulas.length;
  const label = Math.max(14, Math.round(Math.max(W, H) / 30));
  formulas.forEach((f, i) => {
    const conf = confidence(f.score);
    const poly = addQuad(f.quad, i, label);
    const card = makeCard(f, i, n, conf);
    link(card, poly, i);
    ui.cards.append(card);
  });
  root.dataset.state = 'done';
  const low = formulas.filter((f) => confidence(f.score).level === 'low').length;
  setI18n(ui.summary, lang, 'results.found', { n, name, secs, low });
  setI18n(ui.photoCaption, lang, 'results.found', { n, name, secs, low });
  announce(ui.summary.textContent);
}

function addQuad(quad, i, labelSize) {
  if (!Array.isArray(quad) || quad.length < 3) return null;
  const pts = quad.map((p) => `${p[0]},${p[1]}`).join(' ');
  const shadow = document.createElementNS(SVG_NS, 'polygon');
  shadow.setAttribute('points', pts);
  shadow.setAttribute('class', 'shadow');
  const poly = document.createElementNS(SVG_NS, 'polygon');
  poly.setAttribute('points', pts);
  poly.dataset.index = String(i);
  const text = document.createElementNS(SVG_NS, 'text');
  const x = Math.min(...quad.map((p) => p[0]));
  const y = Math.min(...quad.map((p) => p[1]));
  text.setAttribute('x', String(x));
  text.setAttribute('y', String(Math.max(labelSize, y - 4)));
  text.setAttribute('font-size', String(labelSize));
  text.setAttribute('stroke-width', String(labelSize / 4));
  text.textContent = String(i + 1);
  ui.overlay.append(shadow, poly, text);
  return poly;
}

function makeCard(formula, i, n, conf) {
  const latex = formula.latex || '';
  const card = ui.cardTemplate.content.firstElementChild.cloneNode(true);
  const id = `formula-${i + 1}`;
  card.id = id;
  card.classList.add(`conf-${conf.level}`);
  card.dataset.index = String(i);
  const name = card.querySelector('.card-name');
  setI18n(name, lang, 'card.name', { i: i + 1, n });
  name.id = `${id}-title`;
  const confEl = card.querySelector('.confidence');
  setI18n(confEl, lang, 'card.conf', { level: conf.level, pct: conf.value == null ? null : Math.round(conf.value * 100) });
  card.setAttribute('aria-labelledby', `${id}-title`);
  setI18n(card, lang, null, { i: i + 1, n, level: conf.level }, 'aria-label=card.label');
  const render = card.querySelector('.card-render');
  const errEl = card.querySelector('.card-latex-error');
  const ta = card.querySelector('.card-latex');
  const lab = card.querySelector('.card-latex-label');
  ta.id = `${id}-latex`;
  lab.htmlFor = ta.id;
  setI18n(lab, lang, 'card.latex', { i: i + 1 });
  ta.value = latex;
  errEl.id = `${id}-error`;
  const rerender = () => {
    const err = renderLatex(render, ta.value);
    errEl.hidden = !err;
    errEl.textContent = err ? T('card.latexError', { error: err }) : '';
    if (err) ta.setAttribute('aria-describedby', errEl.id); else ta.removeAttribute('aria-describedby');
    ta.rows = Math.min(8, Math.max(2, Math.ceil(ta.value.length / 60)));
  };
  rerender();
  let pending = 0;
  ta.addEventListener('input', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(rerender);
  });
  const copyL = card.querySelector('.copy-latex');
  const copyM = card.querySelector('.copy-mathml');
  setI18n(copyL, lang, 'card.copyLatex', { i: i + 1 }, 'aria-label=card.copyLatexOf');
  setI18n(copyM, lang, 'card.copyMathml', { i: i + 1 }, 'aria-label=card.copyMathmlOf');
  copyL.addEventListener('click', () => doCopy(copyL, ta.value, 'LaTeX', i));
  copyM.addEventListener('click', () => {
    let mathml;
    try { mathml = toMathML(ta.value); } catch (e) { announce(T('say.mathmlFailed', { message: e.message })); return; }
    doCopy(copyM, mathml, 'MathML', i);
  });
  // "Save correction" (shown while corrections are on): the crop, the model's reading and the text.
  const save = card.querySelector('.save-correction');
  setI18n(save, lang, 'corr.save', { i: i + 1 }, 'aria-label=corr.saveOf');
  save.hidden = !correctionsEnabled();
  const source = shownSource;
  let savedId = null;
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const r = await saveCorrection({ source: source.blob, formula, text: ta.value, modelVersion: modelVersion(), id: savedId });
      if (r.error) {
        // Refused: the text stays in the box, the reason is shown next to it.
        const msg = r.error === 'empty' ? T('corr.emptyLatex') : T('corr.refused', { error: r.error });
        errEl.hidden = false;
        errEl.textContent = msg;
        ta.setAttribute('aria-describedby', errEl.id);
        card.dataset.correction = 'refused';
        announce(msg);
        return;
      }
      savedId = r.entry.id;
      card.dataset.correction = 'saved';
      announce(T('corr.saved', { i: i + 1 }));
    } catch (e) {
      card.dataset.correction = 'error';
      announce(T('corr.failed', { message: e.message || String(e) }));
      showError(T('corr.failed', { message: e.message || String(e) }));
    } finally {
      save.disabled = false;
    }
  });
  return card;
}

async function doCopy(btn, text, what, i) {
  const ok = await copyText(text);
  const original = btn.dataset.label || btn.textContent;
  btn.dataset.label = original;
  btn.textContent = T(ok ? 'card.copied' : 'card.copyFailed');
  announce(ok ? T('say.copied', { what, i: i + 1 }) : T('say.copyFailed', { what }));
  setTimeout(() => { btn.textContent = original; }, 1500);
}

function link(card, poly, i) {
  const on = () => {
    card.classList.add('active');
    poly?.classList.add('active');
    if (poly) poly.parentNode.append(poly); // draw on top
  };
  const off = () => {
    if (card.contains(document.activeElement) || card.matches(':hover')) return;
    card.classList.remove('active');
    poly?.classList.remove('active');
  };
  card.addEventListener('mouseenter', on);
  card.addEventListener('mouseleave', off);
  card.addEventListener('focusin', on);
  card.addEventListener('focusout', () => setTimeout(off, 0));
  if (poly) {
    poly.addEventListener('mouseenter', on);
    poly.addEventListener('mouseleave', () => { card.classList.remove('active'); if (!card.contains(document.activeElement)) poly.classList.remove('active'); });
    poly.addEventListener('click', () => card.querySelector('.card-latex').focus());
  }
}

// ---------- files: input, paste, drop ----------
function takeFile(file, how) {
  if (!file) return;
  recognize(file, file.name && file.name !== 'image.png' ? file.name : T(how));
}
for (const input of [ui.fileInput, ui.filePick]) {
  input.addEventListener('change', () => {
    takeFile(input.files[0], 'drop.chosen');
    input.value = '';
  });
}

// A worksheet to try the app on before a student has a photo at hand (www/samples/, precached with
// the app, so it works offline too).
const SAMPLE_PHOTO = 'samples/worksheet.jpg';
ui.sample.addEventListener('click', async () => {
  let blob;
  try {
    const res = await fetch(SAMPLE_PHOTO);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    blob = await res.blob();
  } catch {
    showError(T('drop.sampleFailed'));
    return;
  }
  recognize(blob, T('drop.sampleName'));
});

document.addEventListener('paste', (ev) => {
  const files = [...(ev.clipboardData?.files || [])];
  if (!files.length) return; // plain text paste (e.g. into a LaTeX box) stays untouched
  ev.preventDefault();
  const f = files.find((x) => x.type.startsWith('image/')) || files[0];
  recognize(f, T('drop.pasted'));
});

let dragDepth = 0;
const hasFiles = (ev) => [...(ev.dataTransfer?.types || [])].includes('Files');
document.addEventListener('dragenter', (ev) => {
  if (!hasFiles(ev)) return;
  dragDepth++;
  ui.dropzone.classList.add('dragover');
});
document.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) ui.dropzone.classList.remove('dragover');
});
document.addEventListener('dragover', (ev) => {
  if (!hasFiles(ev)) return;
  ev.preventDefault();
  ev.dataTransfer.dropEffect = 'copy';
});
document.addEventListener('drop', (ev) => {
  dragDepth = 0;
  ui.dropzone.classList.remove('dragover');
  const f = ev.dataTransfer?.files?.[0];
  if (!f) return;
  ev.preventDefault();
  takeFile(f, 'drop.dropped');
});

// ---------- camera ----------
let stream = null;
const liveBusyWorkers = new Set(); // which of the pool's workers have a preview detection in flight
let liveCycleStart = 0;
let liveRegions = [];
let liveLoopId = 0;
// The preview's cycle (www/lib/live-tiles.js): the whole frame, then tiles at the capture's scale, one
// detection each; `liveFound[k]` holds slot k's latest quads, in the video's pixels of the frame it
// read, and that frame's camera displacement: { quads, at }.
let liveSlots = [];
let liveFound = [];
let liveCycle = null; // which slot comes next (SlotCycle: close tiles a few a cycle)
let liveSize = '';
let liveFrame = null; // the cycle's copy of the video frame (CycleFrame), slots cut from it
// The camera's motion (www/lib/live-motion.js): each camera frame is matched against the one before,
// and every box is drawn moved by how far the page moved since the frame it was found in, so that
// boxes 0.1-0.3 s old stay on their formulas while the phone moves. `liveShown` is the latest
// frame matched: { image: a VideoFrame (or the video where WebCodecs is missing), at, time }.
const liveTrack = new MotionTrack();
let liveShown = null;
let liveFollowing = false;
// A worker that finishes a slot takes the next one at once, from the video's current frame: waiting for
// the next frame's callback left the pool idle most of the time (a cycle of 10 slots refreshed 4 times
// a second at 40 detections/s, against 11 at 110 back to back: bench/levers.md). A new cycle starts at
// most once per camera frame (30 frames/s), so that a frame every slot has read is not read again.
const LIVE_MIN_CYCLE_MS = 33;
// A close tile's boxes are shown this long after its detection; a round of close tiles takes about 2 s
// where they find formulas (www/lib/live-tiles.js, SlotCycle), longer where they find nothing new.
const LIVE_CLOSE_MAX_AGE_MS = 5000;
function updateCameraButtons() {
  const on = !!stream;
  ui.cameraStart.hidden = on;
  ui.capture.hidden = !on;
  ui.cameraStop.hidden = !on;
  ui.capture.disabled = !on || recognizing || ui.video.readyState < 2;
}


async function startCamera() {
  clearError();
  ui.cameraStart.disabled = true;
  try {
    stream = await openCamera(ui.video);
  } catch (err) {
    stream = null;
    const name = err && err.name;
    root.dataset.camera = name === 'NotSupportedError' ? 'unavailable' : name === 'NotAllowedError' ? 'denied' : 'error';
    // what the page offers when the camera cannot be used
    showError(cameraErrorMessage(err, T('camera.otherWay'), lang), name === 'NotReadableError' ? { retry: startCamera } : {});
    announce(T('camera.unavailable'));
    ui.cameraStart.disabled = false;
    updateCameraButtons();
    return;
  }
  ui.cameraStart.disabled = false;
  for (const t of stream.getVideoTracks()) {
    t.addEventListener('ended', () => {
      closeCamera();
      showNotice(T('camera.disconnected'));
    });
  }
  ui.cameraView.hidden = false;
  const vw = ui.video.videoWidth, vh = ui.video.videoHeight;
  ui.cameraView.style.aspectRatio = `${vw} / ${vh}`; // CSSOM, allowed by the CSP
  ui.liveOverlay.width = vw;
  ui.liveOverlay.height = vh;
  root.dataset.camera = 'on';
  updateCameraButtons();
  ui.capture.focus();
  announce(T('camera.on'));
  scheduleLive();
}

function closeCamera() {
  stopCamera(ui.video, stream);
  stream = null;
  ui.cameraView.hidden = true;
  liveRegions = [];
  liveFound = [];
  liveSize = '';
  liveFrame?.retire();
  forgetMotion();
  cancelLive();
  root.dataset.camera = 'off';
  updateCameraButtons();
  ui.cameraStart.focus();
}

function cancelLive() {
  if (liveLoopId && ui.video.cancelVideoFrameCallback) ui.video.cancelVideoFrameCallback(liveLoopId);
  else cancelAnimationFrame(liveLoopId);
  liveLoopId = 0;
}

function scheduleLive() {
  if (!stream) return;
  liveLoopId = ui.video.requestVideoFrameCallback
    ? ui.video.requestVideoFrameCallback(liveTick)
    : requestAnimationFrame(liveTick);
}

// One detection per worker of the pool in flight at most; frames that arrive meanwhile are dropped, never
// queued. Every frame is matched against the one before, and the boxes are drawn where it shows them.
function liveTick(now, metadata) {
  scheduleLive();
  if (engine.state === 'crashed' && !recognizing) { engine.start().catch(() => {}); return; }
  if (engine.ready && engine.info && engine.info.hasDetector === false) {
    // No detector model shipped: nothing to outline; Capture reads the whole frame as one formula.
    ui.cameraHint.textContent = T('camera.centre');
    return;
  }
  const before = liveShown && liveShown.at;
  followCamera(metadata ? metadata.mediaTime : '').then(() => {
    // the boxes move when the page did (by at least half a pixel); a detection draws its own
    const at = liveShown && liveShown.at;
    if (at && (!before || Math.hypot(at.x - before.x, at.y - before.y) >= 0.5)) drawLive();
    else ui.liveOverlay.dataset.time = String(liveShown ? liveShown.time : '');
    pumpLive();
  });
}

/**
 * Matches the video's current frame (shown at `time`, the camera's clock) against the last one
 * matched (www/lib/live-motion.js) and makes it the frame the next cycle copies. Without WebCodecs'
 * VideoFrame (older browsers) nothing is matched: the boxes stay where they were found and cycles
 * copy the video as it plays.
 */
async function followCamera(time) {
  if (liveFollowing || !stream) return;
  let frame = null;
  try {
    frame = typeof VideoFrame === 'function' ? new VideoFrame(ui.video) : null;
  } catch {
    frame = null; // no frame decoded yet
  }
  if (!frame) {
    liveShown = { image: ui.video, at: liveTrack.at, time };
    return;
  }
  liveFollowing = true;
  try {
    const thumb = await frameThumb(frame);
    if (!stream) return; // the camera was closed meanwhile: the frame is closed below
    const at = liveTrack.follow(thumb);
    liveShown?.image.close?.();
    liveShown = { image: frame, at, time };
    frame = null;
    liveFollowed++;
  } catch {
    liveShown?.image.close?.(); // a frame format this cannot read: boxes stay where they were found
    liveShown = { image: ui.video, at: liveTrack.at, time };
  } finally {
    frame?.close();
    liveFollowing = false;
  }
}

/** A new camera, size or stream: displacements start again from here. */
function forgetMotion() {
  liveShown?.image.close?.();
  liveShown = null;
  liveTrack.reset();
}

/** The size a capture detects the frame at (the manifest's `long_side`): the preview's tiles see it at that scale. */
const detectorLongSide = () => (engine.info && engine.info.detectorLongSide) || 800;

/**
 * Every free worker of the pool takes the cycle's next slot of the video's current frame. Called by
 * liveTick once it knows a detector is shipped, and when a slot's detection ends.
 */
function pumpLive() {
  if (!stream || recognizing || !engine.ready || document.hidden) return;
  const vw = ui.video.videoWidth, vh = ui.video.videoHeight;
  if (!vw || !vh) return;
  const longSide = detectorLongSide();
  if (liveSize !== `${vw}x${vh}`) {
    // a new camera or orientation: a new cycle, nothing kept from the old frames
    liveSize = `${vw}x${vh}`;
    liveSlots = previewSlots(vw, vh, longSide, undefined, CLOSE_SCALE);
    liveCycle = new SlotCycle(liveSlots);
    liveFound = [];
    forgetMotion();
  }
  if (!liveShown) return; // the next frame's callback matches a frame first
  while (liveBusyWorkers.size < Math.max(1, engine.readyWorkers || 1)) {
    if (liveCycle.atCycleStart) {
      const now = performance.now();
      if (now - liveCycleStart < LIVE_MIN_CYCLE_MS) return; // the next frame's callback goes on
      liveCycleStart = now;
    }
    detectSlot();
  }
}

function detectSlot() {
  const fresh = liveCycle.atCycleStart;
  const k = liveCycle.next();
  const slot = liveSlots[k];
  let worker = 0;
  while (liveBusyWorkers.has(worker)) worker++;
  liveBusyWorkers.add(worker);
  const size = liveSize;
  liveFrame ||= new CycleFrame(() => liveShown);
  let at = null;
  liveFrame.cut(slot, fresh)
    .then((cut) => { at = cut.at; return engine.detectBitmap(cut.bitmap, Math.max(slot.dw, slot.dh), worker); })
    .then((r) => {
      if (size !== liveSize) return;
      const quads = slotQuads(slot, r.regions || []);
      liveFound[k] = { quads, at, when: performance.now() };
      if (slot.close) {
        const now = liveShown ? liveShown.at : at;
        const others = liveSlots.flatMap((s, j) => (s.whole || s.close || !liveFound[j] ? [] : moved(liveFound[j].quads, liveFound[j].at || now, now)));
        liveCycle.closeFound(addsTo(moved(quads, at, now), others));
      }
      liveDetections++;
      drawLive();
    })
    .catch(() => {
      if (size !== liveSize) return; // a slot of an older cycle's camera or size
      liveFound[k] = { quads: [], at, when: performance.now() };
      drawLive();
    })
    .finally(() => { liveBusyWorkers.delete(worker); pumpLive(); });
}

let liveDetections = 0;
let liveDraws = 0;
let liveFollowed = 0;

/** The boxes of every slot, moved to where the latest frame shows them, drawn over the video. */
function drawLive() {
  const c = ui.liveOverlay;
  const vw = ui.video.videoWidth, vh = ui.video.videoHeight;
  const longSide = detectorLongSide();
  const now = liveShown ? liveShown.at : liveTrack.at;
  // a close tile is read again every few seconds at most: its boxes go once they are older than that
  const oldest = performance.now() - LIVE_CLOSE_MAX_AGE_MS;
  const current = liveFound.map((f, k) => (f && (!liveSlots[k].close || f.when >= oldest) ? f : undefined));
  liveRegions = liveQuads(liveSlots, current.map((f) => f && moved(f.quads, f.at || now, now)), vw, vh, longSide);
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const n = liveRegions.length;
  const hint = stream ? (n ? T('camera.inView', { n }) : T('camera.looking')) : '';
  if (ui.cameraHint.textContent !== hint) ui.cameraHint.textContent = hint;
  root.dataset.liveRegions = String(n);
  // What the overlay shows, in the video's pixels; the same boxes where they were found, not moved;
  // the camera's displacement and the time of the frame it was matched on; how many detections
  // ended, camera frames were matched, and times the boxes were drawn; the slots a cycle reads now,
  // the close tiles and how many of them a cycle reads. Tests and the bench read these.
  const rounded = (quads) => JSON.stringify(quads.map((q) => q.map(([x, y]) => [Math.round(x), Math.round(y)])));
  c.dataset.quads = rounded(liveRegions);
  c.dataset.quadsAsFound = rounded(liveQuads(liveSlots, current.map((f) => f && f.quads), vw, vh, longSide));
  c.dataset.at = JSON.stringify([Math.round(now.x * 10) / 10, Math.round(now.y * 10) / 10]);
  c.dataset.time = String(liveShown ? liveShown.time : '');
  c.dataset.detections = String(liveDetections);
  c.dataset.followed = String(liveFollowed);
  c.dataset.draws = String(++liveDraws);
  c.dataset.slots = String(liveCycle ? liveCycle.cycleLength : 0);
  c.dataset.closeSlots = String(liveCycle ? liveCycle.close.length : 0);
  c.dataset.closePerCycle = String(liveCycle ? Math.min(liveCycle.perCycle, liveCycle.close.length) : 0);
  const lw = Math.max(2, c.width / 300);
  for (const quad of liveRegions) {
    ctx.beginPath();
    quad.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#1b1f24';
    ctx.lineWidth = lw * 2.2;
    ctx.stroke();
    ctx.strokeStyle = '#ffd400';
    ctx.lineWidth = lw;
    ctx.stroke();
  }
}

async function capture() {
  if (!stream || ui.video.readyState < 2) return;
  const vw = ui.video.videoWidth, vh = ui.video.videoHeight;
  const c = document.createElement('canvas');
  c.width = vw;
  c.height = vh;
  c.getContext('2d').drawImage(ui.video, 0, 0, vw, vh);
  const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
  if (!blob) { showError(T('camera.captureFailed')); return; }
  const stamp = new Date().toLocaleTimeString(lang);
  await recognize(blob, T('camera.photoName', { stamp }));
}

ui.cameraStart.addEventListener('click', startCamera);
ui.cameraStop.addEventListener('click', closeCamera);
ui.capture.addEventListener('click', capture);
ui.video.addEventListener('loadeddata', updateCameraButtons);
document.addEventListener('visibilitychange', () => { if (!document.hidden && stream) scheduleLive(); });

// ---------- offline use (service worker, persistent storage) ----------
const offline = new OfflineSupport();
offline.addEventListener('change', (ev) => {
  const { state, detail, persisted } = ev.detail;
  root.dataset.offline = state;
  root.dataset.persisted = persisted ? 'yes' : 'no';
  setI18n(ui.offlineStatus, lang, 'offline.status', { state, detail, persisted });
  ui.offlineRemove.hidden = !['preparing', 'ready', 'error'].includes(state);
  ui.offlineEnable.hidden = state !== 'off';
});
ui.offlineRemove.addEventListener('click', async () => {
  ui.offlineRemove.disabled = true;
  try {
    await offline.removeOfflineData();
    announce(T('say.offlineRemoved'));
    ui.offlineEnable.focus();
  } finally {
    ui.offlineRemove.disabled = false;
  }
});
ui.offlineEnable.addEventListener('click', () => {
  // Keep keyboard focus on the control that replaces this (now hidden) button.
  offline.addEventListener('change', () => { if (!ui.offlineRemove.hidden) ui.offlineRemove.focus(); }, { once: true });
  offline.enable().then(() => { if (offline.state === 'ready') announce(T('say.offlineReady')); });
});

/** Opened through the share sheet of the installed app (manifest share_target): read the shared photo. */
async function readSharedPhoto() {
  let shared;
  try {
    shared = await takeSharedPhoto();
  } catch (e) {
    shared = { error: T('share.failed', { message: e.message }) };
  }
  if (!shared) return;
  if (shared.error) showNotice(shared.code ? T(`share.${shared.code}`) : shared.error);
  else recognize(shared.blob, shared.name === 'shared photo' ? T('share.name') : shared.name);
}

// ---------- corrections (opt-in, kept on this device: lib/corrections.js) ----------
corrections = new CorrectionsPanel({ lang, idPrefix: 'corrections', announce, modelVersion, buttonClass: 'button' });
$('corrections-root').replaceWith(corrections.element);
corrections.element.id = 'corrections';
onCorrectionsChange((ev) => {
  if (ev.type !== 'enabled') return;
  for (const b of ui.cards.querySelectorAll('.save-correction')) b.hidden = !ev.enabled;
});

// ---------- start ----------
applyLang();
root.dataset.state = 'idle';
root.dataset.camera = 'off';
updateCameraButtons();
engine.start().catch(() => {}); // progress, ready and errors arrive as events
offline.start();
readSharedPhoto();
