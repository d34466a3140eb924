// Camera access shared by the app and <math-snap mode="camera|both">: open the back camera into a
// <video>, stop it, and turn getUserMedia's DOMException names into messages a person can act on.
import { t } from './i18n.js';

/** Start the camera into video; resolves with the MediaStream once a frame is available.
 *  Rejects with the browser's DOMException, or a NotSupportedError where there is no camera API. */
export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) {
    const key = window.isSecureContext ? 'camera.noSupport' : 'camera.insecure';
    const err = new Error(t('en', key));
    err.name = 'NotSupportedError';
    err.i18n = key;
    throw err;
  }
  // ideal, never exact: a laptop has no back camera, and `exact` would refuse its only one
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } },
  });
  video.srcObject = stream;
  try { await video.play(); } catch { /* muted inline video normally plays; the frame wait below still applies */ }
  if (video.readyState < 2) await new Promise((r) => video.addEventListener('loadeddata', r, { once: true }));
  return stream;
}

export function stopCamera(video, stream) {
  for (const t of stream?.getTracks() || []) t.stop();
  video.srcObject = null;
}

/**
 * A message for a failed openCamera, in lang ('en' | 'ko', lib/i18n.js); `otherWay` tells what the page
 * offers instead of the camera.
 */
export function cameraErrorMessage(err, otherWay, lang = 'en') {
  const other = otherWay ?? t(lang, 'camera.otherWayShort');
  switch (err && err.name) {
    case 'NotSupportedError':
      return `${err.i18n ? t(lang, err.i18n) : err.message} ${other}`;
    case 'NotAllowedError':
    case 'SecurityError':
      return `${t(lang, 'camera.denied')} ${other}`;
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return `${t(lang, 'camera.notFound')} ${other}`;
    case 'NotReadableError':
    case 'AbortError':
      return `${t(lang, 'camera.busy')} ${other}`;
    default:
      return `${t(lang, 'camera.failed', { message: (err && err.message) || err })} ${other}`;
  }
}
