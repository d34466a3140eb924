// Types for mathsnap's embeddable recogniser API (api.js; also re-exported by math-snap.js).

/** Anything recognize() can read. Encoded files keep their EXIF orientation. */
export type ImageLike =
  | Blob
  | File
  | ArrayBuffer
  | ArrayBufferView
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement;

/** Corners [x, y] clockwise from the formula's own top-left, in pixels of the input image. */
export type Quad = [[number, number], [number, number], [number, number], [number, number]];

export interface Formula {
  /** Canonical LaTeX, always renderable by KaTeX. */
  latex: string;
  /** The same formula as a MathML <math> element (markup string). */
  mathml: string;
  /** Confidence 0..1: the probability that the reading is exactly right, calibrated on held-out data (0.9 and up: "high", below 0.6: "low"). */
  score: number;
  quad: Quad;
}

export interface RecognizeResult {
  /** In reading order (lines top to bottom, left to right). */
  formulas: Formula[];
  width: number;
  height: number;
  ms: { decode: number; detect: number; recognize: number };
}

export interface ProgressDetail {
  /** 'download': engine and model bytes; 'recognize': 0 of 1 when a recognition starts, 1 of 1 when it ends. */
  stage: 'download' | 'recognize';
  loaded: number;
  total: number;
  /** The file being downloaded (stage 'download'). */
  file?: string;
}

export interface ReadyDetail {
  /** Time to download and start the engine. */
  ms: number;
  /** Bytes of wasm and models loaded. */
  bytes: number;
  /** False when no detector model is shipped: every image is read as one formula. */
  hasDetector: boolean;
}

export type ErrorCode =
  | 'bad_image' | 'too_large' | 'bad_input' | 'model'
  | 'wasm' | 'load' | 'crash' | 'timeout' | 'not_ready' | 'disposed' | 'camera' | 'internal';

export interface ErrorDetail {
  code: ErrorCode | string;
  message: string;
  /** The file that failed to load (load errors), e.g. a .wasm URL that did not return WebAssembly. */
  url?: string;
}

export class EngineError extends Error {
  constructor(code: string, message: string, url?: string);
  readonly name: 'EngineError';
  code: ErrorCode | string;
  url?: string;
}

export interface CreateOptions {
  /** Folder with worker.js, pkg/ and vendor/ (default: the folder above embed/, resolved from the module URL). */
  base?: string | URL;
  /** Folder with manifest.json and the .onnx models (default: base + 'models/'). */
  models?: string | URL;
  /** Beam width, 1..8 (default 3). */
  beam?: number;
  /** Read the whole image as one formula (no detection). */
  single?: boolean;
  onProgress?: (detail: ProgressDetail) => void;
  /** Aborting rejects create() with the signal's reason. */
  signal?: AbortSignal;
}

export interface RecognizeOptions {
  /** Aborting rejects at once with the signal's reason (an 'AbortError' DOMException by default). */
  signal?: AbortSignal;
}

/** One correction kept on the device (IndexedDB, never sent anywhere). */
export interface Correction {
  id: number;
  /** The formula's crop as the recognizer saw it: straightened, with a margin of 0.1 × its height (PNG). */
  image: Blob;
  /** What the recognizer read. */
  latexBefore: string;
  /** What the person corrected it to (or confirmed), in canonical form, renderable by KaTeX. */
  latexAfter: string;
  /** The recognizer's confidence 0..1 (null when unknown). */
  score: number | null;
  /** The models' version: manifest.json's `model_version`, or 'sha256:' + the first 12 hex digits of its SHA-256. */
  modelVersion: string;
  /** When it was saved (ISO 8601). */
  time: string;
}

/** The on-device corrections of this origin (shared by the app, every <math-snap> and every recognizer). */
export interface Corrections {
  /** Every saved correction, oldest first. */
  list(): Promise<Correction[]>;
  /**
   * One .zip (store-only) Blob: correction-0001.png, …, labels.tsv (`<image>\t<latex>` per line, no header:
   * what `mathsnap eval DIR` reads) and manifest.json ({format: 'mathsnap-corrections', version: 1,
   * app_version, model_version, created, count, entries: [{image, latex_before, latex_after, score, model_version, time}]}).
   */
  export(): Promise<Blob>;
  /** Delete every correction (and the database). */
  clear(): Promise<void>;
  /** Delete one correction by its id. */
  remove(id: number): Promise<void>;
}

/** detail of <math-snap>'s 'correction' event. */
export interface CorrectionDetail {
  latexBefore: string;
  latexAfter: string;
  score: number | null;
}

export interface MathSnapRecognizer extends EventTarget {
  beam: number;
  single: boolean;
  readonly disposed: boolean;
  /** The corrections people saved on this device (nothing is saved through the API itself). */
  readonly corrections: Corrections;
  recognize(image: ImageLike, options?: RecognizeOptions): Promise<RecognizeResult>;
  /** Pending recognitions reject with code 'disposed'; the engine stops when no other user is left. */
  dispose(): void;
}

/** Load the engine (wasm + models, shared per base/models) and resolve with a recognizer. */
export function create(options?: CreateOptions): Promise<MathSnapRecognizer>;
