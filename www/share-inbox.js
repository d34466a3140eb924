// The page side of the manifest's share_target: sw.js stores a photo shared into the installed app
// in Cache Storage and redirects to ./?share=<outcome>; takeSharedPhoto() reads that photo once
// (and deletes it, so a reload does not read it again). Names must match sw.js.
const SHARE_CACHE = 'mathsnap-share-inbox';

const MESSAGES = {
  none: 'Nothing readable was shared: share a photo (an image file) with mathsnap.',
  'too-large': 'The shared file is larger than 64 MB; crop or shrink the photo and share it again.',
  error: 'The shared photo could not be received. Try sharing it again, or choose it here.',
  missing: 'The shared photo was not found (it may have been read already). Choose it here instead.',
};

/**
 * If this page was opened by a share: {blob, name} of the shared photo, or {error: text, code}.
 * null when the page was not opened by a share. The ?share parameter is removed from the address.
 */
export async function takeSharedPhoto(location = window.location) {
  const params = new URLSearchParams(location.search);
  const outcome = params.get('share');
  if (outcome === null) return null;
  params.delete('share');
  const rest = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  const fail = (code) => ({ error: MESSAGES[code], code }); // code: the key of the message (lib/i18n.js share.<code>)
  if (outcome !== '1') return fail(MESSAGES[outcome] ? outcome : 'error');
  if (!('caches' in self)) return fail('missing');
  const key = new URL('share-inbox/photo', document.baseURI).href;
  const cache = await caches.open(SHARE_CACHE);
  const res = await cache.match(key);
  if (!res) return fail('missing');
  const blob = await res.blob();
  await cache.delete(key);
  const name = decodeURIComponent(res.headers.get('X-Mathsnap-Filename') || 'shared photo');
  return { blob, name };
}
