// Worker side of bench/profile.mjs: tract's time per kind of operation for the detector and the encoder,
// and per node for one decoder step, in wasm, with the bench-api build (bench/out/pkg) and the app's models (www/models). Knobs (tract's
// TRACT_* settings) are set before the models are planned.
import init, { ModelBench } from '/bench/out/pkg/mathsnap.js';

const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
// a deterministic input with some structure: the time of these kernels does not depend on the values
const pattern = (n) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 101) / 101);

self.onmessage = async (e) => {
  try {
    const { knobs, runs, detectorShapes } = e.data;
    await init({ module_or_path: '/bench/out/pkg/mathsnap_bg.wasm' });
    const set = knobs.map(([k, v]) => [k, v, ModelBench.setKnob(k, v)]);
    const names = ['detector.onnx', 'recognizer_encoder.onnx', 'recognizer_decoder.onnx'];
    const [det, enc, dec] = await Promise.all(names.map((n) => bytes('/www/models/' + n)));
    const models = new ModelBench(det, enc, dec);
    const out = { knobs: set, encoder: JSON.parse(models.profileEncoder(pattern(64 * 256), runs)) };
    // one decoder step for a beam of 3 at the start of a reading, per node (the crop's memory and
    // transposed keys once for the beam, as the engine gives them)
    const [S, D, A, H, b] = [256, 160, 128, 256, 3];
    out['decoder step, beam 3'] = JSON.parse(models.profileDecoder(new Int32Array(b).fill(1), new Float32Array(b * H),
      pattern(b * S).map((v) => v * 0.01), pattern(S * D), pattern(A * S), S, runs * 10));
    for (const [h, w] of detectorShapes) {
      out[`detector ${h}x${w}`] = JSON.parse(models.profileDetector(pattern(3 * h * w), h, w, Math.max(2, runs >> 2)));
    }
    self.postMessage({ ok: true, out });
  } catch (err) {
    self.postMessage({ ok: false, error: String((err && err.stack) || err) });
  }
};
