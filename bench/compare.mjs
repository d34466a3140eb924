// bench/RESULTS.md against the previous one: every figure that got more than 15 % worse.
//
//   node bench/compare.mjs [--previous OLD.md [--label TEXT]] [--current NEW.md] [--append] [--threshold 0.15]
//   node bench/compare.mjs OLD.md [NEW.md]
//
// Without a previous file it reads `git show HEAD:bench/RESULTS.md`; the current one defaults to
// bench/RESULTS.md. The comparison works on the markdown itself (the JSON under bench/out/ is not
// committed, so the previous run's JSON is gone): every table cell and every prose figure with a
// unit gets a stable key (section › table › row › column [› part], or section › sentence › part),
// and a direction from its unit and labels: ms, MB, the tract / ort ratio: lower is better;
// frames/s, samples/s: higher is better; counts (formulas read, runs, files), the max abs output
// difference, the header (date, commit, machine, load) and the copied levers section are skipped.
// A figure is worse when it moved more than the threshold in its bad direction AND by more than
// the precision it is printed with (0.1 -> 0.2 ms is rounding, not a regression).
// It reports and never fails: the exit status is 0 whatever it finds, errors included.
// --append writes the report into the current file as "## Compared with the previous run"
// (replacing that section if it is there already); the comparison skips that section.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
export const THRESHOLD = 0.15;
export const SECTION_TITLE = 'Compared with the previous run';

// sections that are not this run's measurements: levers.md is copied in as it is, and our own report
const SKIP_SECTION = /^(levers tried|compared with the previous run)/i;
// numbers that are not part of an identifier (detector-640, 640×360, [1,3,480,640], page-12mp, 1.30.0)
const NUM = /(?<![\w.\-×/[,^])(\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?![\w.×\]\-])/gi;
const UNIT = /^\s*([a-z]+\/s|fps|ms|s|MB|KB|GB|MiB|KiB|GiB|bytes)\b/i;
// what a figure is, judged on its own words first, then its column, row, table header, section prose
const SKIP = /formulas read|crops read|formulas \(found\)|detector passes|\bruns\b|\bfiles\b|max abs|frames in|\bsessions\b|\bevery\b|load average|\bcommit\b|\bcores\b/i;
const HIGHER = /\b[a-z]+\/s\b|\bfps\b|per second|throughput/i;
const LOWER = /\bms\b|milliseconds|\bMB\b|\bKB\b|\bGB\b|\bMiB\b|\bKiB\b|\bbytes\b|\bratio\b|tract(?:-wasm)?\s*\/\s*(?:ort|onnxruntime)|\{\}\s*s\b|\bseconds\b/i;
const UNIT_IN = /\b([a-z]+\/s|fps|ms|MB|KB|GB|MiB|KiB|bytes)\b|(milliseconds)/i;

const clean = (s) => s.replace(/\*\*|__|`/g, '').replace(/\s+/g, ' ').trim();
// "Browser: the app's engine in its Web Worker" -> "Browser"; "first load (www/precache.json: ...)" -> "first load"
const short = (s) => clean(s).split(/\s*[(:]/)[0].trim() || clean(s);
const stepOf = (raw) => (/e/i.test(raw) ? 0 : 10 ** -((raw.split('.')[1] || '').length));

// -> { dir: 'lower' | 'higher', unit } from the first level that says which, or null (not a figure
// we compare); the unit is read from that same level ('' for the tract / ort ratio)
function classify(levels, skipLevels = 2) {
  for (let i = 0; i < levels.length; i++) {
    const t = levels[i] || '';
    if (i < skipLevels && SKIP.test(t)) return null;
    const dir = HIGHER.test(t) ? 'higher' : LOWER.test(t) ? 'lower' : null;
    if (!dir) continue;
    const m = t.match(UNIT_IN);
    return { dir, unit: /ratio|tract(?:-wasm)?\s*\/\s*(?:ort|onnxruntime)/i.test(t) && !(m && m[1]) ? '' : m ? (m[2] ? 'ms' : m[1]) : '' };
  }
  return null;
}

// Splits text into the figures it holds. Each: the number, its raw text and offset in `text`,
// the unit right after it, and its label: the words of its clause (between , ; : = ( )) with the
// number itself removed and the other numbers written as #.
function numbersIn(text) {
  const out = [];
  for (const m of text.matchAll(NUM)) {
    const at = m.index, raw = m[1];
    const unit = (text.slice(at + raw.length).match(UNIT) || [])[1] || '';
    let a = at, b = at + raw.length;
    while (a > 0 && !/[;,:=()]/.test(text[a - 1])) a--;
    while (b < text.length && !/[;,:=()]/.test(text[b])) b++;
    const seg = text.slice(a, at) + '{}' + text.slice(at + raw.length, b);
    const segNum = seg.replace(NUM, '#');
    const words = clean(segNum.replace('{}', ' ')).replace(/^[.\s]+|[.\s]+$/g, '');
    out.push({ raw, value: Number(raw), at, unit, seg: segNum, label: words });
  }
  return out;
}

/**
 * Every figure in a RESULTS.md text: Map key -> { key, value, raw, step, dir ('lower' | 'higher'),
 * unit, offset (into the text) }.
 */
export function extractFigures(md) {
  const figures = new Map();
  const add = (f) => {
    let key = f.key;
    for (let n = 2; figures.has(key); n++) key = `${f.key} (${n})`;
    figures.set(key, { ...f, key });
  };
  const lines = md.split('\n');
  const starts = [];
  for (let i = 0, o = 0; i < lines.length; o += lines[i].length + 1, i++) starts.push(o);
  let section = null, h2 = null, h2skip = true, skip = true, prose = [], tables = 0, fence = false;

  const onProse = (text, offsetOf) => {
    // one sentence at a time: its lead (words up to the first ( : ,) names it
    const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z(*`])/);
    let from = 0;
    for (const sentence of sentences) {
      const sAt = text.indexOf(sentence, from); from = sAt + sentence.length;
      const lead = short(sentence.split(/[,;=]/)[0]).replace(/[.\s]+$/, '');
      for (const f of numbersIn(sentence)) {
        if (!f.unit) continue; // prose figures need a unit: "124 frames", "detector at 320" are not figures
        const c = classify([f.seg]);
        if (!c) continue;
        const label = f.label.replace(/^[-*\s]+/, '');
        add({ key: `${section} › ${lead} › ${label || f.unit}`, value: f.value, raw: f.raw, step: stepOf(f.raw), dir: c.dir, unit: f.unit, offset: offsetOf(sAt + f.at) });
      }
    }
  };

  const onTable = (block) => {
    const rowCells = (l) => {
      // cells and where each starts in the line
      const cells = []; let o = l.indexOf('|') + 1;
      const inner = l.slice(o, l.lastIndexOf('|'));
      for (const c of inner.split('|')) { cells.push({ text: c, at: o }); o += c.length + 1; }
      return cells;
    };
    if (block.length < 2 || !/^\s*\|[\s:|-]+\|\s*$/.test(block[1].text)) return;
    tables++;
    const head = rowCells(block[0].text).map((c) => clean(c.text));
    const table = short(head[0] || '') || `table ${tables}`;
    const headJoined = head.join(' | ');
    const sectionProse = prose.join(' ');
    for (const row of block.slice(2)) {
      const cells = rowCells(row.text);
      const rowLabel = clean(cells[0]?.text || '');
      for (let c = 1; c < cells.length; c++) {
        const col = head[c] || `column ${c + 1}`;
        const text = cells[c].text;
        const found = numbersIn(text);
        if (!found.length) continue;
        // "257 / 380": median / p95 when the table or its section says so
        const pair = found.length === 2 && /^\s*(\*\*)?[\d.]+(\*\*)?\s*\/\s*(\*\*)?[\d.]+(\*\*)?\s*$/.test(text);
        const pairNames = /median\s*\/\s*p95/i.test(`${col} ${sectionProse}`) ? ['median', 'p95'] : ['first', 'second'];
        found.forEach((f, k) => {
          const cls = classify([f.seg, col, rowLabel, headJoined, sectionProse]);
          if (!cls) return;
          const part = pair ? pairNames[k] : found.length > 1 ? (f.label || `#${k + 1}`) : '';
          add({
            key: [section, table, rowLabel, col, part].filter(Boolean).join(' › '),
            value: f.value, raw: f.raw, step: stepOf(f.raw), dir: cls.dir, unit: f.unit || cls.unit,
            offset: row.offset + cells[c].at + f.at,
          });
        });
      }
    }
  };

  for (let i = 0; i < lines.length;) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) { fence = !fence; i++; continue; }
    if (fence) { i++; continue; }
    const h = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (h) {
      const level = h[1].length, title = clean(h[2]);
      if (level === 1) { section = null; h2 = null; skip = true; }
      else if (level === 2) { h2 = short(title); h2skip = SKIP_SECTION.test(title); skip = h2skip; section = h2; }
      else { skip = h2skip || SKIP_SECTION.test(title) || h2 === null; section = `${h2} › ${short(title)}`; }
      prose = []; tables = 0; i++; continue;
    }
    if (line.trim().startsWith('|')) {
      const block = [];
      while (i < lines.length && lines[i].trim().startsWith('|')) { block.push({ text: lines[i], offset: starts[i] }); i++; }
      if (!skip) onTable(block);
      continue;
    }
    if (!line.trim()) { i++; continue; }
    // a paragraph (or one list item): consecutive text lines
    const para = [];
    do { para.push(i); i++; } while (i < lines.length && lines[i].trim() && !/^\s*[|#]|^\s*[-*] |^\s*(```|~~~)/.test(lines[i]));
    // offsets: paragraph text is the lines joined with '\n', so positions map back one to one
    const text = para.map((k) => lines[k]).join('\n');
    prose.push(clean(text));
    if (!skip) onProse(text.replace(/\*\*|__|`/g, (s) => ' '.repeat(s.length)), (p) => starts[para[0]] + p);
  }
  return figures;
}

/** The "Generated by ... on DATE UTC, commit X" line of a RESULTS.md, shortened; '' if none. */
export function generatedOf(md) {
  const m = (md || '').match(/ on (\d{4}-\d\d-\d\d \d\d:\d\d) UTC, commit ([0-9a-f?]+)( \(with uncommitted changes\))?/);
  return m ? `generated ${m[1]} UTC at commit ${m[2]}${m[3] || ''}` : '';
}

/**
 * Compares two RESULTS.md texts. previous null/empty: { previousMissing: true }.
 * Returns { compared, worse, better, added, removed, threshold } where worse/better entries are
 * { key, old, new, oldRaw, newRaw, unit, dir, change } (change: signed relative change of the value).
 */
export function compare(previousMd, currentMd, { threshold = THRESHOLD } = {}) {
  const res = { threshold, compared: 0, worse: [], better: [], added: [], removed: [], previousMissing: false };
  const b = extractFigures(currentMd || '');
  if (!previousMd || !previousMd.trim()) return { ...res, previousMissing: true, added: [...b.keys()] };
  const a = extractFigures(previousMd);
  for (const [key, n] of b) {
    const o = a.get(key);
    if (!o) { res.added.push(key); continue; }
    res.compared++;
    const diff = n.value - o.value;
    if (Math.abs(diff) <= Math.max(o.step, n.step) * (1 + 1e-9)) continue; // within the printed precision
    const rel = o.value !== 0 ? Math.abs(diff) / Math.abs(o.value) : Infinity;
    if (!(rel > threshold)) continue;
    const bad = n.dir === 'lower' ? diff > 0 : diff < 0;
    const entry = { key, old: o.value, new: n.value, oldRaw: o.raw, newRaw: n.raw, unit: n.unit || o.unit, dir: n.dir, change: o.value !== 0 ? diff / o.value : Infinity };
    (bad ? res.worse : res.better).push(entry);
  }
  for (const key of a.keys()) if (!b.has(key)) res.removed.push(key);
  const order = (x, y) => Math.abs(y.change) - Math.abs(x.change);
  res.worse.sort(order); res.better.sort(order);
  return res;
}

const pct = (c) => (Number.isFinite(c) ? `${c > 0 ? '+' : ''}${(c * 100).toFixed(0)} %` : 'from 0');
const cell = (s) => String(s).replace(/\|/g, '\\|');
const brief = (keys, n = 12) => keys.slice(0, n).map((k) => `\`${k}\``).join('; ') + (keys.length > n ? `; and ${keys.length - n} more` : '');

export function summaryLine(res) {
  return `bench compare: ${res.compared} figures compared, ${res.worse.length} worse by more than ${Math.round(res.threshold * 100)}%`;
}

/** The report as markdown (what is printed, and what --append writes under SECTION_TITLE). */
export function formatReport(res, { previousLabel = 'the previous bench/RESULTS.md', note = '' } = {}) {
  const t = Math.round(res.threshold * 100);
  const out = [];
  if (res.previousMissing) {
    out.push(`No previous RESULTS.md to compare with (${note || previousLabel + ' not found'}); nothing compared.`, '');
    return out.join('\n');
  }
  out.push(`Against ${previousLabel}. A figure counts as worse when it moved more than ${t} % in its bad direction ` +
    '(times, sizes and the tract / ort ratio up; frames/s and samples/s down) and by more than the precision it is printed with; ' +
    'counts, the header and the levers section are not compared. Single runs on a busy machine move by 10-20 %: ' +
    'when it matters, run the previous build beside this one (bench/README.md).', '');
  out.push(`\`${summaryLine(res)}\``, '');
  const rows = (list) => {
    out.push('| figure | previous | now | change |', '|---|---|---|---|');
    for (const e of list) {
      const u = e.unit ? ` ${e.unit}` : '';
      out.push(`| ${cell(e.key)} | ${e.oldRaw}${u} | ${e.newRaw}${u} | ${pct(e.change)} (${e.dir} is better) |`);
    }
    out.push('');
  };
  if (res.worse.length) { out.push(`Worse by more than ${t} %:`, ''); rows(res.worse); }
  if (res.better.length) { out.push(`Better by more than ${t} %:`, ''); rows(res.better); }
  if (res.added.length) out.push(`Only in this run (${res.added.length}, not compared): ${brief(res.added)}.`, '');
  if (res.removed.length) out.push(`Only in the previous run (${res.removed.length}, not compared): ${brief(res.removed)}.`, '');
  return out.join('\n');
}

/** The current RESULTS.md text with the report as its last section (replacing an earlier one). */
export function withSection(md, report) {
  const re = new RegExp(`\\n## ${SECTION_TITLE}\\n[\\s\\S]*?(?=\\n## |$)`);
  const base = md.replace(re, '').replace(/\s*$/, '\n');
  return `${base}\n## ${SECTION_TITLE}\n\n${report.trim()}\n`;
}

function parseArgs(argv) {
  const o = { previous: null, label: null, current: path.join(HERE, 'RESULTS.md'), append: false, threshold: THRESHOLD };
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--previous') o.previous = argv[++i];
    else if (a === '--label') o.label = argv[++i];
    else if (a === '--current') o.current = argv[++i];
    else if (a === '--append') o.append = true;
    else if (a === '--threshold') o.threshold = Number(argv[++i]);
    else pos.push(a);
  }
  if (pos[0] && o.previous === null) o.previous = pos[0];
  if (pos[1]) o.current = pos[1];
  if (!(o.threshold > 0)) o.threshold = THRESHOLD;
  return o;
}

function readPrevious(file) {
  if (file) {
    if (!fs.existsSync(file)) return { text: null, label: file, note: `${file} does not exist` };
    return { text: fs.readFileSync(file, 'utf8'), label: `\`${file}\`` };
  }
  try {
    const text = execFileSync('git', ['show', 'HEAD:bench/RESULTS.md'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { text, label: 'bench/RESULTS.md as committed at HEAD' };
  } catch {
    return { text: null, label: 'HEAD:bench/RESULTS.md', note: 'no bench/RESULTS.md committed at HEAD (or not a git checkout)' };
  }
}

export function main(argv) {
  const o = parseArgs(argv);
  if (!fs.existsSync(o.current)) {
    console.log(`bench compare: ${o.current} does not exist; nothing to compare (this does not fail the build)`);
    return;
  }
  const current = fs.readFileSync(o.current, 'utf8');
  const prev = readPrevious(o.previous);
  const res = compare(prev.text, current, { threshold: o.threshold });
  const gen = generatedOf(prev.text);
  const report = formatReport(res, { previousLabel: (o.label || prev.label) + (gen ? ` (${gen})` : ''), note: prev.note });
  console.log(`## ${SECTION_TITLE}\n\n${report.trim()}\n`);
  if (res.previousMissing) console.log(`bench compare: no previous RESULTS.md (${prev.note || 'empty'}); nothing compared`);
  else console.log(summaryLine(res));
  if (o.append) {
    fs.writeFileSync(o.current, withSection(current, report));
    console.error(`[compare] appended "## ${SECTION_TITLE}" to ${path.relative(process.cwd(), o.current) || o.current}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try { main(process.argv.slice(2)); } catch (e) {
    console.log(`bench compare: failed (${e && e.message}); not comparing, and not failing the build`);
  }
  process.exitCode = 0;
}
