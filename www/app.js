// mathsnap app: camera / upload / paste / drop -> engine worker -> KaTeX cards.
import { EngineClient } from './engine-client.js';
import { renderLatex, toMathML, confidence, copyText, ERROR_TEXT } from './lib/formula.js';
import { openCamera, stopCamera, cameraErrorMessage } from './lib/camera.js';
import { OfflineSupport } from './offline.js';
import { takeSharedPhoto } from './share-inbox.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const SVG_NS = 'http://www.w3.org/2000/svg';

const ui = {
  loader: $('loader'), loaderLabel: $('loader-label'), progress: $('load-progress'), loaderDetail: $('loader-detail'),
  error: $('error'), errorText: $('error-text'), retry: $('retry'), errorDismiss: $('error-dismiss'),
  notice: $('notice'), noticeText: $('notice-text'),
  cameraView: $('camera-view'), video: $('video'), liveOverlay: $('live-overlay'), cameraHint: $('camera-hint'),
  cameraStart: $('camera-start'), capture: $('capture'), cameraStop: $('camera-stop'),
  dropzone: $('dropzone'), fileInput: $('file-input'), filePick: $('file-pick'),
  summary: $('results-summary'), photo: $('photo'), photoImg: $('photo-img'), overlay: $('photo-overlay'),
  photoCaption: $('photo-caption'), busy: $('busy'), cards: $('cards'), live: $('live'),
  cardTemplate: $('card-template'),
  offlineStatus: $('offline-status'), offlineRemove: $('offline-remove'), offlineEnable: $('offline-enable'),
};

const engine = new EngineClient();
let retryAction = null;
let lastSource = null; // {blob, name} of the last photo, for Retry
let jobToken = 0;
let photoUrl = null;
let recognizing = false;

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
function fmtBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

engine.addEventListener('progress', (ev) => {
  const { overall, file } = ev.detail;
  if (overall.total > 0 && engine.state === 'loading') {
    ui.progress.value = Math.min(1, overall.loaded / overall.total);
    ui.loaderDetail.textContent = `${Math.round((100 * overall.loaded) / overall.total)}% · ${fmtBytes(overall.loaded)} of ${fmtBytes(overall.total)} · ${file}`;
  }
});

// Shown for the first load and again whenever the worker is restarted (after a crash or Retry).
engine.addEventListener('loading', () => {
  const again = root.dataset.engine === 'crashed' || root.dataset.engine === 'error';
  root.dataset.engine = 'loading';
  ui.loader.hidden = false;
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  ui.loaderLabel.textContent = again ? 'Restarting the recogniser…' : 'Loading the recogniser…';
  ui.loaderDetail.textContent = '';
  announce(again ? 'Restarting the recogniser.' : 'Loading the recogniser.');
});

engine.addEventListener('ready', (ev) => {
  const info = ev.detail;
  root.dataset.engine = 'ready';
  root.dataset.detector = info && info.hasDetector === false ? 'no' : 'yes';
  ui.progress.value = 1;
  ui.progress.hidden = true;
  ui.loaderLabel.textContent = 'Recogniser ready.';
  ui.loaderDetail.textContent = info ? `${fmtBytes(info.bytes)} loaded in ${(info.ms / 1000).toFixed(1)} s, running on this device.` : '';
  if (!recognizing) announce('Recogniser ready. Take or choose a photo.');
  updateCameraButtons();
});

engine.addEventListener('init-error', (ev) => {
  const err = ev.detail;
  root.dataset.engine = 'error';
  ui.progress.hidden = true;
  ui.loaderLabel.textContent = 'The recogniser could not be loaded.';
  ui.loaderDetail.textContent = err.url ? `Failed: ${err.url}` : '';
  if (recognizing) return; // the photo's own error message covers it
  showError(`${ERROR_TEXT[err.code] || 'The recogniser could not be loaded.'} ${err.message}`,
    { retry: () => engine.restart().catch(() => {}) });
});

engine.addEventListener('crash', (ev) => {
  // The next request (or Retry) restarts the worker automatically.
  root.dataset.engine = 'crashed';
  ui.progress.hidden = true;
  ui.loaderLabel.textContent = 'The recogniser stopped; it restarts with the next photo.';
  ui.loaderDetail.textContent = '';
  // A crash during a recognition is reported by that recognition; the live preview restarts it quietly.
  if (!recognizing && !liveBusy) {
    showError(`The recogniser stopped unexpectedly (${ev.detail.message}).`, { retry: () => engine.restart().catch(() => {}) });
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
  ui.photoImg.alt = `Photo: ${name}`;
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
  ui.summary.textContent = `Reading formulas in ${name}…`;
  announce('Reading formulas…');
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
    showResults(result, name, performance.now() - t0);
  } catch (err) {
    if (token !== jobToken) return;
    root.dataset.state = 'error';
    ui.summary.textContent = 'No formulas: the photo could not be read.';
    ui.photoImg.alt = `Photo: ${name} (could not be read)`;
    const code = err && err.code;
    if (code === 'bad_image') ui.photo.hidden = true; // nothing to show
    const base = ERROR_TEXT[code] || 'Something went wrong while reading this photo.';
    const canRetry = !['bad_image', 'too_large', 'bad_input'].includes(code);
    const detail = canRetry && err.message ? ` (${err.message})` : '';
    showError(`${base}${detail}${canRetry ? ' You can retry, or try another photo.' : ''}`,
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
    ui.summary.textContent = `No formula found in ${name}.`;
    const msg = 'No formula found in this photo. Hold the camera closer, keep the formula in focus and well lit, then try again.';
    showNotice(msg);
    announce(msg);
    return;
  }
  const n = formulas.length;
  const label = Math.max(14, Math.round(Math.max(W, H) / 30));
  formulas.forEach((f, i) => {
    const conf = confidence(f.score);
    const poly = addQuad(f.quad, i, label);
    const card = makeCard(f.latex || '', i, n, conf);
    link(card, poly, i);
    ui.cards.append(card);
  });
  root.dataset.state = 'done';
  const low = formulas.filter((f) => confidence(f.score).level === 'low').length;
  ui.summary.textContent = `Found ${n} formula${n === 1 ? '' : 's'} in ${name} (${secs} s).` +
    (low ? ` ${low} with low confidence: check ${low === 1 ? 'it' : 'them'}.` : '');
  ui.photoCaption.textContent = ui.summary.textContent;
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

function makeCard(latex, i, n, conf) {
  const card = ui.cardTemplate.content.firstElementChild.cloneNode(true);
  const id = `formula-${i + 1}`;
  card.id = id;
  card.classList.add(`conf-${conf.level}`);
  card.dataset.index = String(i);
  const name = card.querySelector('.card-name');
  name.textContent = `Formula ${i + 1} of ${n}`;
  name.id = `${id}-title`;
  const confEl = card.querySelector('.confidence');
  confEl.textContent = conf.value == null ? conf.label : `${conf.label} (${Math.round(conf.value * 100)}%)`;
  card.setAttribute('aria-labelledby', `${id}-title`);
  card.setAttribute('aria-label', `Formula ${i + 1} of ${n}, ${conf.label}`);
  const render = card.querySelector('.card-render');
  const errEl = card.querySelector('.card-latex-error');
  const ta = card.querySelector('.card-latex');
  const lab = card.querySelector('.card-latex-label');
  ta.id = `${id}-latex`;
  lab.htmlFor = ta.id;
  lab.textContent = `LaTeX of formula ${i + 1} (editable)`;
  ta.value = latex;
  errEl.id = `${id}-error`;
  const rerender = () => {
    const err = renderLatex(render, ta.value);
    errEl.hidden = !err;
    errEl.textContent = err ? `LaTeX error: ${err}` : '';
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
  copyL.setAttribute('aria-label', `Copy LaTeX of formula ${i + 1}`);
  copyM.setAttribute('aria-label', `Copy MathML of formula ${i + 1}`);
  copyL.addEventListener('click', () => doCopy(copyL, ta.value, 'LaTeX', i));
  copyM.addEventListener('click', () => {
    let mathml;
    try { mathml = toMathML(ta.value); } catch (e) { announce(`Could not make MathML: ${e.message}`); return; }
    doCopy(copyM, mathml, 'MathML', i);
  });
  return card;
}

async function doCopy(btn, text, what, i) {
  const ok = await copyText(text);
  const original = btn.dataset.label || btn.textContent;
  btn.dataset.label = original;
  btn.textContent = ok ? 'Copied' : 'Copy failed';
  announce(ok ? `${what} of formula ${i + 1} copied.` : `Could not copy the ${what}.`);
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
  recognize(file, file.name && file.name !== 'image.png' ? file.name : how);
}
for (const input of [ui.fileInput, ui.filePick]) {
  input.addEventListener('change', () => {
    takeFile(input.files[0], 'the chosen photo');
    input.value = '';
  });
}

document.addEventListener('paste', (ev) => {
  const files = [...(ev.clipboardData?.files || [])];
  if (!files.length) return; // plain text paste (e.g. into a LaTeX box) stays untouched
  ev.preventDefault();
  const f = files.find((x) => x.type.startsWith('image/')) || files[0];
  recognize(f, 'the pasted image');
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
  takeFile(f, 'the dropped photo');
});

// ---------- camera ----------
let stream = null;
let liveBusy = false;
let liveLast = 0;
let liveScale = 1;
let liveRegions = [];
let liveLoopId = 0;
const LIVE_MAX_SIDE = 640; // frame size sent to the worker
const LIVE_DETECT_SIDE = 320; // detector input for the preview (captures use the manifest's long_side)
// At most ~30 preview detections a second (one in flight at a time): smooth boxes without
// spending a phone's battery on frames nobody can see (the detector takes ~12 ms a frame in wasm).
const LIVE_MIN_INTERVAL_MS = 33;

function updateCameraButtons() {
  const on = !!stream;
  ui.cameraStart.hidden = on;
  ui.capture.hidden = !on;
  ui.cameraStop.hidden = !on;
  ui.capture.disabled = !on || recognizing || ui.video.readyState < 2;
}

// what the page offers when the camera cannot be used
const OTHER_WAY = 'You can still choose, paste or drop a photo.';

async function startCamera() {
  clearError();
  ui.cameraStart.disabled = true;
  try {
    stream = await openCamera(ui.video);
  } catch (err) {
    stream = null;
    const name = err && err.name;
    root.dataset.camera = name === 'NotSupportedError' ? 'unavailable' : name === 'NotAllowedError' ? 'denied' : 'error';
    showError(cameraErrorMessage(err, OTHER_WAY), name === 'NotReadableError' ? { retry: startCamera } : {});
    announce('The camera is not available.');
    ui.cameraStart.disabled = false;
    updateCameraButtons();
    return;
  }
  ui.cameraStart.disabled = false;
  for (const t of stream.getVideoTracks()) {
    t.addEventListener('ended', () => {
      closeCamera();
      showNotice('The camera was disconnected. Start it again, or choose a photo.');
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
  announce('Camera on. Detected formulas are outlined in the preview. Press Capture to read them.');
  scheduleLive();
}

function closeCamera() {
  stopCamera(ui.video, stream);
  stream = null;
  ui.cameraView.hidden = true;
  liveRegions = [];
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

// One frame in flight at most; frames that arrive meanwhile are dropped, never queued.
function liveTick() {
  scheduleLive();
  if (engine.state === 'crashed' && !recognizing) { engine.start().catch(() => {}); return; }
  const now = performance.now();
  if (liveBusy || recognizing || !engine.ready || document.hidden || now - liveLast < LIVE_MIN_INTERVAL_MS) return;
  if (engine.info && engine.info.hasDetector === false) {
    // No detector model shipped: nothing to outline; Capture reads the whole frame as one formula.
    ui.cameraHint.textContent = 'Centre one formula in the frame, then press Capture.';
    return;
  }
  const vw = ui.video.videoWidth, vh = ui.video.videoHeight;
  if (!vw || !vh) return;
  liveBusy = true;
  liveLast = now;
  liveScale = Math.min(1, LIVE_MAX_SIDE / Math.max(vw, vh));
  const scale = liveScale;
  createImageBitmap(ui.video, { resizeWidth: Math.round(vw * scale), resizeHeight: Math.round(vh * scale), resizeQuality: 'low' })
    .then((bm) => engine.detectBitmap(bm, LIVE_DETECT_SIDE))
    .then((r) => {
      liveRegions = (r.regions || []).map((g) => g.quad.map(([x, y]) => [x / scale, y / scale]));
      drawLive();
    })
    .catch(() => { liveRegions = []; drawLive(); })
    .finally(() => { liveBusy = false; });
}

function drawLive() {
  const c = ui.liveOverlay;
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  const n = liveRegions.length;
  ui.cameraHint.textContent = stream ? (n ? `${n} formula${n === 1 ? '' : 's'} in view` : 'Looking for formulas…') : '';
  root.dataset.liveRegions = String(n);
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
  if (!blob) { showError('The camera frame could not be captured. Try again.'); return; }
  const stamp = new Date().toLocaleTimeString();
  await recognize(blob, `camera photo (${stamp})`);
}

ui.cameraStart.addEventListener('click', startCamera);
ui.cameraStop.addEventListener('click', closeCamera);
ui.capture.addEventListener('click', capture);
ui.video.addEventListener('loadeddata', updateCameraButtons);
document.addEventListener('visibilitychange', () => { if (!document.hidden && stream) scheduleLive(); });

// ---------- offline use (service worker, persistent storage) ----------
const offline = new OfflineSupport();
const OFFLINE_TEXT = {
  unsupported: 'Offline use is not available in this browser or on this address.',
  preparing: 'Saving the app for offline use…',
  ready: 'Ready offline: works without a network connection.',
  off: 'Not saved for offline use.',
  error: 'Could not save the app for offline use',
};
offline.addEventListener('change', (ev) => {
  const { state, detail, persisted } = ev.detail;
  root.dataset.offline = state;
  root.dataset.persisted = persisted ? 'yes' : 'no';
  let text = OFFLINE_TEXT[state] || '';
  if (state === 'ready') text += persisted ? ' Storage is kept by the browser.' : ' The browser may clear it if space runs low.';
  if (state === 'error') text += detail ? ` (${detail}).` : '.';
  ui.offlineStatus.textContent = text;
  ui.offlineRemove.hidden = !['preparing', 'ready', 'error'].includes(state);
  ui.offlineEnable.hidden = state !== 'off';
});
ui.offlineRemove.addEventListener('click', async () => {
  ui.offlineRemove.disabled = true;
  try {
    await offline.removeOfflineData();
    announce('Offline data removed.');
    ui.offlineEnable.focus();
  } finally {
    ui.offlineRemove.disabled = false;
  }
});
ui.offlineEnable.addEventListener('click', () => {
  // Keep keyboard focus on the control that replaces this (now hidden) button.
  offline.addEventListener('change', () => { if (!ui.offlineRemove.hidden) ui.offlineRemove.focus(); }, { once: true });
  offline.enable().then(() => { if (offline.state === 'ready') announce('Ready offline.'); });
});

/** Opened through the share sheet of the installed app (manifest share_target): read the shared photo. */
async function readSharedPhoto() {
  let shared;
  try {
    shared = await takeSharedPhoto();
  } catch (e) {
    shared = { error: `The shared photo could not be read (${e.message}).` };
  }
  if (!shared) return;
  if (shared.error) showNotice(shared.error);
  else recognize(shared.blob, shared.name);
}

// ---------- start ----------
root.dataset.state = 'idle';
root.dataset.camera = 'off';
updateCameraButtons();
engine.start().catch(() => {}); // progress, ready and errors arrive as events
offline.start();
readSharedPhoto();
