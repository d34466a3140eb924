// Download sizes: the wasm engine and each model raw, gzip (-9) and brotli (q11), and the whole
// first load: everything www/precache.json lists (the service worker fetches all of it on the
// first visit: wasm, models, app JS/CSS/HTML, KaTeX and its fonts; sw.js and precache.json too).
// Writes bench/out/sizes.json.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WWW = path.join(ROOT, 'www');

// woff2 and png are compressed already: servers send them as they are
const precompressed = (f) => /\.(woff2|png)$/.test(f);

export function measure(file) {
  const b = fs.readFileSync(path.join(WWW, file));
  if (precompressed(file)) return { file, raw: b.length, gzip: b.length, brotli: b.length };
  return {
    file,
    raw: b.length,
    gzip: zlib.gzipSync(b, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length,
  };
}

const group = (f) => (f.startsWith('pkg/') && f.endsWith('.wasm') ? 'wasm' : f.startsWith('models/') ? 'models'
  : f.startsWith('vendor/katex/') ? 'KaTeX' : 'app (JS, CSS, HTML, icons)');

const listed = JSON.parse(fs.readFileSync(path.join(WWW, 'precache.json'), 'utf8')).files
  .map((f) => (f === './' ? 'index.html' : f));
const files = [...new Set([...listed, 'sw.js', 'precache.json'])].map(measure);
const groups = {};
for (const f of files) {
  const g = (groups[group(f.file)] ||= { raw: 0, gzip: 0, brotli: 0, files: 0 });
  g.raw += f.raw; g.gzip += f.gzip; g.brotli += f.brotli; g.files++;
}
const total = Object.values(groups).reduce((t, g) => ({ raw: t.raw + g.raw, gzip: t.gzip + g.gzip, brotli: t.brotli + g.brotli }), { raw: 0, gzip: 0, brotli: 0 });
const items = files.filter((f) => f.file.endsWith('.wasm') || f.file.endsWith('.onnx'));
const out = { items, groups, total };
fs.writeFileSync(path.join(ROOT, 'bench/out/sizes.json'), JSON.stringify(out, null, 1));
console.error(`[sizes] first load ${(total.raw / 1e6).toFixed(2)} MB raw, ${(total.gzip / 1e6).toFixed(2)} MB gzip, ${(total.brotli / 1e6).toFixed(2)} MB brotli`);
