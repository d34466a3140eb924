// Camera access for <math-snap mode="camera|both">: open the back camera into a <video>, stop it,
// and turn getUserMedia's DOMException names into messages a person can act on.

/** Start the camera into video; resolves with the MediaStream once a frame is available. */
export async function openCamera(video) {
  if (!navigator.mediaDevices?.getUserMedia) {
    const err = new Error(window.isSecureContext ? 'This browser has no camera support.' : 'The camera only works on a secure (https or localhost) page.');
    err.name = 'NotSupportedError';
    throw err;
  }
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

export function cameraErrorMessage(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow it for this site in the browser settings, or choose an image instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device. Choose an image instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is in use by another app or could not be started.';
    default:
      return `The camera could not be started (${(err && err.message) || err}).`;
  }
}
