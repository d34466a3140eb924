// Peak wasm linear memory while the engine reads each image: what the browser's worker holds.
// Linear memory only grows, so its size after a read is the high-water mark of that read plus
// everything before it; each image therefore runs in a fresh instance.
// Usage: node scripts/wasm_memory.mjs IMAGE...   (needs www/pkg and www/models: scripts/build_web.sh)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const www = (p) => path.join(root, 'www', p);
const { initSync, Engine } = await import(www('pkg/mathsnap.js'));
const wasmBytes = readFileSync(www('pkg/mathsnap_bg.wasm'));
const manifestText = readFileSync(www('models/manifest.json'), 'utf8');
const manifest = JSON.parse(manifestText);
const model = (file) => new Uint8Array(readFileSync(www(`models/${file}`)));
const MiB = 1024 * 1024;

for (const image of process.argv.slice(2)) {
  const wasm = initSync({ module: wasmBytes });
  const engine = new Engine(manifestText, manifest.detector ? model(manifest.detector.file) : null,
    model(manifest.recognizer.encoder), model(manifest.recognizer.decoder),
    manifest.recognizer.decoder_r2l ? model(manifest.recognizer.decoder_r2l) : null);
  const afterLoad = wasm.memory.buffer.byteLength;
  let outcome;
  try {
    const r = engine.recognizeEncoded(new Uint8Array(readFileSync(image)), { single: false, beam: 3 });
    outcome = `${r.width}x${r.height}, ${r.formulas.length} formulas`;
  } catch (e) {
    outcome = `error ${e.code}: ${e.message}`;
  }
  const peak = wasm.memory.buffer.byteLength;
  console.log(JSON.stringify({ image: path.basename(image), outcome, modelsLoadedMiB: +(afterLoad / MiB).toFixed(1),
    peakMiB: +(peak / MiB).toFixed(1) }));
  engine.free();
}
