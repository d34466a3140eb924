// Logs the <math-snap> element's events on the example page.
const snap = document.getElementById('snap');
const log = document.getElementById('events');
let lastProgress = null;

function add(text, kind) {
  const li = document.createElement('li');
  li.dataset.event = kind;
  li.textContent = text;
  log.append(li);
  return li;
}

snap.addEventListener('progress', (ev) => {
  const { stage, loaded, total, file } = ev.detail;
  const text = `progress (${stage}): ${total ? Math.round((100 * loaded) / total) : 0}%${file ? ` (${file})` : ''}`;
  // One line per stage, updated in place, so the log stays readable.
  if (lastProgress?.dataset.stage === stage) { lastProgress.textContent = text; return; }
  lastProgress = add(text, 'progress');
  lastProgress.dataset.stage = stage;
});
snap.addEventListener('ready', (ev) => add(`ready: engine loaded in ${ev.detail.ms ?? '?'} ms`, 'ready'));
snap.addEventListener('result', (ev) => {
  const f = ev.detail.formulas || [];
  add(`result: ${f.length} formula(s): ${f.map((x) => x.latex).join(' | ')}`, 'result');
});
snap.addEventListener('error', (ev) => add(`error: ${ev.detail.code}: ${ev.detail.message}`, 'error'));
snap.addEventListener('correction', (ev) => add(`correction: ${ev.detail.latexBefore} → ${ev.detail.latexAfter}`, 'correction'));
