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
  const { loaded, total, file } = ev.detail;
  const text = `progress: ${total ? Math.round((100 * loaded) / total) : 0}% (${file})`;
  if (lastProgress) lastProgress.textContent = text; else lastProgress = add(text, 'progress');
});
snap.addEventListener('ready', (ev) => add(`ready: engine loaded in ${ev.detail.ms ?? '?'} ms`, 'ready'));
snap.addEventListener('result', (ev) => {
  const f = ev.detail.formulas || [];
  add(`result: ${f.length} formula(s): ${f.map((x) => x.latex).join(' | ')}`, 'result');
});
snap.addEventListener('error', (ev) => add(`error: ${ev.detail.code}: ${ev.detail.message}`, 'error'));
