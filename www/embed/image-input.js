// Turns whatever image a page has into something the engine worker takes:
//   File / Blob / ArrayBuffer / typed array -> {kind: 'bytes'}   (encoded JPEG/PNG/…, EXIF honoured by the engine)
//   ImageData                               -> {kind: 'rgba'}    (pixels copied, the caller's ImageData is untouched)
//   ImageBitmap, <img>, <canvas>, OffscreenCanvas, <video>  -> {kind: 'bitmap'} (a fresh bitmap the worker may take)
// Anything else, an <img> that failed to load or a <video> without a frame yet is a 'bad_input' error.
import { EngineError } from '../engine-client.js';

const bad = (message) => new EngineError('bad_input', message);

function kindName(v) {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return v.constructor?.name || 'object';
}

async function bitmapOf(source, what) {
  try {
    return await createImageBitmap(source);
  } catch (e) {
    // e.g. a cross-origin <img> without CORS, or a zero-sized canvas.
    throw bad(`The ${what} could not be read as pixels (${e.message}).`);
  }
}

/**
 * @param {Blob|ArrayBuffer|ArrayBufferView|ImageData|ImageBitmap|HTMLImageElement|HTMLCanvasElement|OffscreenCanvas|HTMLVideoElement} image
 * @returns {Promise<{kind:'bytes', bytes:ArrayBuffer}|{kind:'rgba', rgba:ArrayBuffer, width:number, height:number}|{kind:'bitmap', bitmap:ImageBitmap}>}
 */
export async function toEngineInput(image) {
  if (image instanceof Blob) {
    if (!image.size) throw bad('The file is empty.');
    return { kind: 'bytes', bytes: await image.arrayBuffer() };
  }
  if (image instanceof ArrayBuffer) return { kind: 'bytes', bytes: image.slice(0) };
  if (ArrayBuffer.isView(image)) {
    return { kind: 'bytes', bytes: image.buffer.slice(image.byteOffset, image.byteOffset + image.byteLength) };
  }
  if (typeof ImageData !== 'undefined' && image instanceof ImageData) {
    // Copied, because the buffer is transferred to the worker.
    return { kind: 'rgba', rgba: image.data.slice().buffer, width: image.width, height: image.height };
  }
  if (typeof ImageBitmap !== 'undefined' && image instanceof ImageBitmap) {
    if (!image.width || !image.height) throw bad('The ImageBitmap is empty or was already closed.');
    return { kind: 'bitmap', bitmap: await bitmapOf(image, 'ImageBitmap') }; // a copy: the caller keeps theirs
  }
  if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) {
    try {
      await image.decode();
    } catch {
      throw bad(`The <img> ${image.currentSrc || image.src || '(no src)'} could not be loaded as an image.`);
    }
    return { kind: 'bitmap', bitmap: await bitmapOf(image, '<img>') };
  }
  if ((typeof HTMLCanvasElement !== 'undefined' && image instanceof HTMLCanvasElement) ||
      (typeof OffscreenCanvas !== 'undefined' && image instanceof OffscreenCanvas)) {
    if (!image.width || !image.height) throw bad('The canvas has no pixels (width or height is 0).');
    return { kind: 'bitmap', bitmap: await bitmapOf(image, 'canvas') };
  }
  if (typeof HTMLVideoElement !== 'undefined' && image instanceof HTMLVideoElement) {
    if (image.readyState < 2 || !image.videoWidth) throw bad('The <video> has no frame to read yet (wait for its loadeddata event).');
    return { kind: 'bitmap', bitmap: await bitmapOf(image, '<video> frame') };
  }
  throw bad(`Cannot read an image from ${kindName(image)}: pass a File, Blob, ImageBitmap, ImageData, <img>, <canvas> or <video>.`);
}
