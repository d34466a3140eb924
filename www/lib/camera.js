// Camera access shared by the app and <math-snap mode="camera|both">: open the back camera into a
// <video>, stop it, and turn getUserMedia's DOMException names into messages a person can act on.

/** Start the camera into video; resolves with the MediaStream once a frame is available.
 *  Rejects with the browser's DOMException, or a NotSupportedError where there is no camera API. */
export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) {
    const err = new Error(window.isSecureContext ? 'This browser has no camera support.' : 'The camera only works on a secure (https or localhost) page.');
    err.name = 'NotSupportedError';
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

/** A message for a failed openCamera; `otherWay` tells what the page offers instead of the camera. */
export function cameraErrorMessage(err, otherWay = 'Choose an image instead.') {
  switch (err && err.name) {
    case 'NotSupportedError':
      return `${err.message} ${otherWay}`;
    case 'NotAllowedError':
    case 'SecurityError':
      return `Camera access was denied. To use the camera, allow it for this site in the browser’s settings. ${otherWay}`;
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError':
      return `No camera was found on this device. ${otherWay}`;
    case 'NotReadableError':
    case 'AbortError':
      return `The camera is in use by another app or could not be started. Close other apps using it and try again. ${otherWay}`;
    default:
      return `The camera could not be started (${(err && err.message) || err}). ${otherWay}`;
  }
}
