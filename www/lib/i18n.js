// Every string the app and <math-snap> show or announce, in English and Korean.
//   pickLang(navigator.languages) -> 'en' | 'ko'     t(lang, key, params) -> text
// Elements marked data-i18n="key" (textContent) and data-i18n-attr="attr=key;attr2=key2" (attributes),
// with optional data-i18n-params='{"i":1}', are (re)translated by applyI18n(root, lang), so a language
// switch updates the page in place. Entries are strings or functions of the params.
export const LANGS = ['en', 'ko'];

/** The footer's offline line: state text, then whether the storage is kept, or the error's detail. */
function offlineStatus(table, { state, detail, persisted }) {
  let text = table[`offline.${state}`] || '';
  if (state === 'ready') text += ` ${table[persisted ? 'offline.persisted' : 'offline.mayClear']}`;
  if (state === 'error') text += detail ? ` (${detail}).` : '.';
  return text;
}
/** <math-snap>'s status line for an error {code, message}: the plain message, and the detail where it helps. */
function msError(table, { code, message }) {
  if (code === 'camera') return message;
  const plain = table[`err.${code}`] || table['error.something'];
  return ['bad_image', 'too_large'].includes(code) ? plain : `${plain} (${message})`;
}
const plural = (n, one, many) => (n === 1 ? one : many);
const enErrors = {
  bad_image: 'This file could not be read as an image. Try a JPEG, PNG, WebP, GIF or BMP photo.',
  too_large: 'This image is too large to process. Try a smaller photo, or crop it around the formulas.',
  bad_input: 'The image data was not valid. Try another photo.',
  model: 'The recognition models failed on this photo.',
  crash: 'The recogniser crashed while reading this photo.',
  timeout: 'The recogniser took too long and was stopped.',
  wasm: 'The recognition engine could not be loaded.',
  load: 'The recognition engine could not be loaded.',
};
const koErrors = {
  bad_image: '이 파일은 이미지로 읽을 수 없습니다. JPEG, PNG, WebP, GIF, BMP 사진을 넣어 보세요.',
  too_large: '이미지가 너무 커서 처리할 수 없습니다. 더 작은 사진을 쓰거나 수식 부분만 잘라서 넣어 보세요.',
  bad_input: '이미지 데이터가 올바르지 않습니다. 다른 사진을 넣어 보세요.',
  model: '이 사진에서 인식 모델이 제대로 동작하지 않았습니다.',
  crash: '사진을 읽는 도중 인식기가 멈췄습니다.',
  timeout: '인식기가 너무 오래 걸려서 중단했습니다.',
  wasm: '인식 엔진을 불러오지 못했습니다.',
  load: '인식 엔진을 불러오지 못했습니다.',
};

const en = {
  'lang.name': 'English',
  'lang.label': 'Language',
  'app.title': 'mathsnap: photo to LaTeX, on your device',
  'app.description': 'Point your camera at maths or drop a photo: mathsnap finds every formula and turns it into LaTeX, entirely on your device.',
  'app.skip': 'Skip to results',
  'app.tagline': 'Photo of maths in, LaTeX out. Everything runs on this device; nothing is uploaded.',
  'loader.loading': 'Loading the recogniser…',
  'loader.restarting': 'Restarting the recogniser…',
  'loader.ready': 'Recogniser ready.',
  'loader.readyDetail': (p) => `${p.bytes} loaded in ${p.secs} s, running on this device.`,
  'loader.progress': (p) => `${p.pct}% · ${p.loaded} of ${p.total} · ${p.file}`,
  'loader.failed': 'The recogniser could not be loaded.',
  'loader.failedUrl': (p) => `Failed: ${p.url}`,
  'loader.crashed': 'The recogniser stopped; it restarts with the next photo.',
  'say.loading': 'Loading the recogniser.',
  'say.restarting': 'Restarting the recogniser.',
  'say.ready': 'Recogniser ready. Take or choose a photo.',
  'say.reading': 'Reading formulas…',
  'error.retry': 'Retry',
  'error.dismiss': 'Dismiss',
  'error.crashed': (p) => `The recogniser stopped unexpectedly (${p.message}).`,
  'error.generic': 'Something went wrong while reading this photo.',
  'error.retryHint': 'You can retry, or try another photo.',
  'error.something': 'Something went wrong.',
  'input.heading': 'Take or choose a photo',
  'camera.start': 'Start camera',
  'camera.capture': 'Capture',
  'camera.stop': 'Stop camera',
  'camera.preview': 'Camera preview',
  'camera.on': 'Camera on. Detected formulas are outlined in the preview. Press Capture to read them.',
  'camera.onShort': 'Camera on. Point it at a formula and press Capture.',
  'camera.centre': 'Centre one formula in the frame, then press Capture.',
  'camera.inView': (p) => `${p.n} ${plural(p.n, 'formula', 'formulas')} in view`,
  'camera.looking': 'Looking for formulas…',
  'camera.unavailable': 'The camera is not available.',
  'camera.disconnected': 'The camera was disconnected. Start it again, or choose a photo.',
  'camera.captureFailed': 'The camera frame could not be captured. Try again.',
  'camera.photoName': (p) => `camera photo (${p.stamp})`,
  'camera.otherWay': 'You can still choose, paste or drop a photo.',
  'camera.otherWayShort': 'Choose an image instead.',
  'camera.noSupport': 'This browser has no camera support.',
  'camera.insecure': 'The camera only works on a secure (https or localhost) page.',
  'camera.denied': 'Camera access was denied. To use the camera, allow it for this site in the browser’s settings.',
  'camera.notFound': 'No camera was found on this device.',
  'camera.busy': 'The camera is in use by another app or could not be started. Close other apps using it and try again.',
  'camera.failed': (p) => `The camera could not be started (${p.message}).`,
  'drop.hint': 'Drop a photo here or paste one',
  'drop.take': 'Take a photo',
  'drop.choose': 'Choose an image',
  'drop.chosen': 'the chosen photo',
  'drop.pasted': 'the pasted image',
  'drop.dropped': 'the dropped photo',
  'drop.sample': 'Try a sample photo',
  'drop.sampleName': 'a sample worksheet',
  'drop.sampleFailed': 'The sample photo could not be loaded. Check the connection, or use a photo of your own.',
  'results.heading': 'Formulas',
  'results.none': 'No photo yet.',
  'results.list': 'Recognised formulas',
  'results.busy': 'Reading formulas…',
  'results.reading': (p) => `Reading formulas in ${p.name}…`,
  'results.unreadable': 'No formulas: the photo could not be read.',
  'results.empty': (p) => `No formula found in ${p.name}.`,
  'results.emptyHint': 'No formula found in this photo. Hold the camera closer, keep the formula in focus and well lit, then try again.',
  'results.found': (p) => `Found ${p.n} ${plural(p.n, 'formula', 'formulas')} in ${p.name} (${p.secs} s).` +
    (p.low ? ` ${p.low} with low confidence: check ${p.low === 1 ? 'it' : 'them'}.` : ''),
  'photo.alt': (p) => `Photo: ${p.name}`,
  'photo.altBad': (p) => `Photo: ${p.name} (could not be read)`,
  'card.name': (p) => `Formula ${p.i} of ${p.n}`,
  'card.label': (p) => `Formula ${p.i} of ${p.n}, ${en[`conf.${p.level}`]}`,
  'card.conf': (p) => (p.pct == null ? en[`conf.${p.level}`] : `${en[`conf.${p.level}`]} (${p.pct}%)`),
  'card.latex': (p) => `LaTeX of formula ${p.i} (editable)`,
  'card.latexError': (p) => `LaTeX error: ${p.error}`,
  'card.copyLatex': 'Copy LaTeX',
  'card.copyMathml': 'Copy MathML',
  'card.copyLatexOf': (p) => `Copy LaTeX of formula ${p.i}`,
  'card.copyMathmlOf': (p) => `Copy MathML of formula ${p.i}`,
  'card.copied': 'Copied',
  'card.copyFailed': 'Copy failed',
  'say.copied': (p) => `${p.what} of formula ${p.i} copied.`,
  'say.copyFailed': (p) => `Could not copy the ${p.what}.`,
  'say.copyFailedOf': (p) => `Could not copy the ${p.what} of formula ${p.i}.`,
  'say.mathmlFailed': (p) => `Could not make MathML: ${p.message}`,
  'conf.high': 'high confidence',
  'conf.medium': 'medium confidence',
  'conf.low': 'low confidence',
  'conf.unknown': 'confidence unknown',
  'offline.heading': 'Offline use',
  'offline.checking': 'Checking offline use…',
  'offline.remove': 'Remove offline data',
  'offline.enable': 'Make available offline',
  'offline.unsupported': 'Offline use is not available in this browser or on this address.',
  'offline.preparing': 'Saving the app for offline use…',
  'offline.ready': 'Ready offline: works without a network connection.',
  'offline.off': 'Not saved for offline use.',
  'offline.error': 'Could not save the app for offline use',
  'offline.persisted': 'Storage is kept by the browser.',
  'offline.mayClear': 'The browser may clear it if space runs low.',
  'offline.status': (p) => offlineStatus(en, p),
  'say.offlineRemoved': 'Offline data and saved corrections removed.',
  'say.offlineReady': 'Ready offline.',
  'footer.engine': 'mathsnap runs its models in your browser with WebAssembly.',
  'footer.render': 'Rendering by',
  'share.none': 'Nothing readable was shared: share a photo (an image file) with mathsnap.',
  'share.too-large': 'The shared file is larger than 64 MB; crop or shrink the photo and share it again.',
  'share.error': 'The shared photo could not be received. Try sharing it again, or choose it here.',
  'share.missing': 'The shared photo was not found (it may have been read already). Choose it here instead.',
  'share.failed': (p) => `The shared photo could not be read (${p.message}).`,
  'share.name': 'shared photo',
  'ms.drop': 'Drop a photo of a formula here, or ',
  'ms.choose': 'choose an image',
  'ms.loading': 'Loading the recogniser',
  'ms.loadingText': 'Loading the recogniser…',
  'ms.ready': 'Ready.',
  'ms.stopped': 'Stopped.',
  'ms.found': (p) => `Found ${p.n} ${plural(p.n, 'formula', 'formulas')}.${p.low ? ` ${p.low} with low confidence.` : ''}`,
  'ms.none': 'No formula found in this image.',
  'ms.title': (p) => `Formula ${p.i} of ${p.n}, ${en[`conf.${p.level}`]}`,
  'ms.notConnected': '<math-snap> is not in the document.',
  'ms.error': (p) => msError(en, p),
  'corr.heading': 'Corrections',
  'corr.about': 'When this is on, each formula you correct or confirm is kept with its picture on this device only, to export later; nothing is sent anywhere.',
  'corr.toggle': 'Keep my corrections on this device',
  'corr.usage': (p) => `${p.n} ${plural(p.n, 'correction', 'corrections')} saved, ${p.bytes} used on this device.`,
  'corr.empty': 'No corrections saved yet.',
  'corr.list': 'Saved corrections',
  'corr.export': 'Export .zip',
  'corr.clear': 'Delete all',
  'corr.delete': 'Delete',
  'corr.deleteOf': (p) => `Delete correction ${p.i}`,
  'corr.thumb': (p) => `Picture of the formula in correction ${p.i}`,
  'corr.before': 'Read as',
  'corr.after': 'Corrected to',
  'corr.confirmed': 'Confirmed as right',
  'corr.save': 'Save correction',
  'corr.saveOf': (p) => `Save correction of formula ${p.i}`,
  'corr.edit': (p) => `Correct the LaTeX of formula ${p.i}`,
  'corr.saved': (p) => `Correction of formula ${p.i} saved on this device.`,
  'corr.refused': (p) => `Not saved: KaTeX cannot render this LaTeX (${p.error}). Your text is kept: fix it and save again.`,
  'corr.emptyLatex': 'Not saved: the LaTeX is empty.',
  'corr.failed': (p) => `The correction could not be saved (${p.message}).`,
  'corr.noPicture': 'Not saved: this picture was read before corrections were turned on. Read it again, then save.',
  'corr.noStorage': 'This browser cannot keep corrections (no IndexedDB).',
  'corr.deleted': 'Correction deleted.',
  'corr.cleared': 'All corrections deleted.',
  'corr.exported': (p) => `Exported ${p.n} ${plural(p.n, 'correction', 'corrections')}.`,
  'corr.on': 'Corrections are now kept on this device.',
  'corr.off': 'Corrections are no longer kept. Those already saved stay until you delete them.',
  ...Object.fromEntries(Object.entries(enErrors).map(([k, v]) => [`err.${k}`, v])),
};

const ko = {
  'lang.name': '한국어',
  'lang.label': '언어',
  'app.title': 'mathsnap: 사진 속 수식을 LaTeX로, 이 기기에서',
  'app.description': '카메라로 수식을 비추거나 사진을 넣으면 mathsnap이 모든 수식을 찾아 LaTeX로 바꿉니다. 모든 처리는 이 기기에서 이루어집니다.',
  'app.skip': '결과로 건너뛰기',
  'app.tagline': '수식 사진을 넣으면 LaTeX가 나옵니다. 모든 처리는 이 기기에서 이루어지고, 아무것도 업로드되지 않습니다.',
  'loader.loading': '인식기를 불러오는 중…',
  'loader.restarting': '인식기를 다시 시작하는 중…',
  'loader.ready': '인식기가 준비되었습니다.',
  'loader.readyDetail': (p) => `${p.bytes}를 ${p.secs}초 만에 불러왔습니다. 이 기기에서 실행됩니다.`,
  'loader.progress': (p) => `${p.pct}% · ${p.total} 중 ${p.loaded} · ${p.file}`,
  'loader.failed': '인식기를 불러오지 못했습니다.',
  'loader.failedUrl': (p) => `실패한 파일: ${p.url}`,
  'loader.crashed': '인식기가 멈췄습니다. 다음 사진을 넣으면 다시 시작합니다.',
  'say.loading': '인식기를 불러오는 중입니다.',
  'say.restarting': '인식기를 다시 시작하는 중입니다.',
  'say.ready': '인식기가 준비되었습니다. 사진을 찍거나 골라 주세요.',
  'say.reading': '수식을 읽는 중입니다…',
  'error.retry': '다시 시도',
  'error.dismiss': '닫기',
  'error.crashed': (p) => `인식기가 예기치 않게 멈췄습니다 (${p.message}).`,
  'error.generic': '이 사진을 읽는 중에 문제가 생겼습니다.',
  'error.retryHint': '다시 시도하거나 다른 사진을 넣어 보세요.',
  'error.something': '문제가 생겼습니다.',
  'input.heading': '사진 찍기 또는 올리기',
  'camera.start': '카메라 켜기',
  'camera.capture': '촬영',
  'camera.stop': '카메라 끄기',
  'camera.preview': '카메라 미리보기',
  'camera.on': '카메라가 켜졌습니다. 찾은 수식은 미리보기에 테두리로 표시됩니다. 촬영을 누르면 수식을 읽습니다.',
  'camera.onShort': '카메라가 켜졌습니다. 수식을 비추고 촬영을 누르세요.',
  'camera.centre': '수식 하나를 화면 가운데에 두고 촬영을 누르세요.',
  'camera.inView': (p) => `수식 ${p.n}개가 보입니다`,
  'camera.looking': '수식을 찾는 중…',
  'camera.unavailable': '카메라를 사용할 수 없습니다.',
  'camera.disconnected': '카메라 연결이 끊어졌습니다. 카메라를 다시 켜거나 사진을 골라 주세요.',
  'camera.captureFailed': '카메라 화면을 찍지 못했습니다. 다시 시도해 주세요.',
  'camera.photoName': (p) => `카메라 사진 (${p.stamp})`,
  'camera.otherWay': '사진을 고르거나 붙여 넣거나 끌어다 놓는 방법은 계속 쓸 수 있습니다.',
  'camera.otherWayShort': '대신 사진을 올려 주세요.',
  'camera.noSupport': '이 브라우저는 카메라를 지원하지 않습니다.',
  'camera.insecure': '카메라는 보안 연결(https 또는 localhost) 페이지에서만 작동합니다.',
  'camera.denied': '카메라 권한이 거부되었습니다. 카메라를 쓰려면 브라우저 설정에서 이 사이트의 카메라 권한을 허용해 주세요.',
  'camera.notFound': '이 기기에서 카메라를 찾지 못했습니다.',
  'camera.busy': '다른 앱이 카메라를 쓰고 있거나 카메라를 켤 수 없습니다. 카메라를 쓰는 다른 앱을 닫고 다시 시도해 주세요.',
  'camera.failed': (p) => `카메라를 켤 수 없습니다 (${p.message}).`,
  'drop.hint': '사진을 여기에 끌어다 놓거나 붙여 넣으세요',
  'drop.take': '사진 찍기',
  'drop.choose': '사진 올리기',
  'drop.chosen': '선택한 사진',
  'drop.pasted': '붙여 넣은 이미지',
  'drop.dropped': '끌어다 놓은 사진',
  'drop.sample': '예시 사진으로 해 보기',
  'drop.sampleName': '예시 학습지',
  'drop.sampleFailed': '예시 사진을 불러오지 못했습니다. 연결을 확인하거나 직접 찍은 사진을 넣어 보세요.',
  'results.heading': '수식',
  'results.none': '아직 사진이 없습니다.',
  'results.list': '인식된 수식',
  'results.busy': '수식을 읽는 중…',
  'results.reading': (p) => `${p.name}에서 수식을 읽는 중…`,
  'results.unreadable': '수식 없음: 사진을 읽을 수 없습니다.',
  'results.empty': (p) => `${p.name}에서 수식을 찾지 못했습니다.`,
  'results.emptyHint': '이 사진에서 수식을 찾지 못했습니다. 카메라를 더 가까이 대고, 수식에 초점을 맞춰 밝은 곳에서 다시 찍어 보세요.',
  'results.found': (p) => `${p.name}에서 수식 ${p.n}개를 찾았습니다 (${p.secs}초).` +
    (p.low ? ` 그중 ${p.low}개는 신뢰도가 낮으니 확인해 주세요.` : ''),
  'photo.alt': (p) => `사진: ${p.name}`,
  'photo.altBad': (p) => `사진: ${p.name} (읽을 수 없음)`,
  'card.name': (p) => `수식 ${p.i} / ${p.n}`,
  'card.label': (p) => `수식 ${p.i} / ${p.n}, ${ko[`conf.${p.level}`]}`,
  'card.conf': (p) => (p.pct == null ? ko[`conf.${p.level}`] : `${ko[`conf.${p.level}`]} (${p.pct}%)`),
  'card.latex': (p) => `수식 ${p.i}의 LaTeX (수정 가능)`,
  'card.latexError': (p) => `LaTeX 오류: ${p.error}`,
  'card.copyLatex': 'LaTeX 복사',
  'card.copyMathml': 'MathML 복사',
  'card.copyLatexOf': (p) => `수식 ${p.i}의 LaTeX 복사`,
  'card.copyMathmlOf': (p) => `수식 ${p.i}의 MathML 복사`,
  'card.copied': '복사됨',
  'card.copyFailed': '복사 실패',
  'say.copied': (p) => `수식 ${p.i}의 ${p.what}을 복사했습니다.`,
  'say.copyFailed': (p) => `${p.what}을 복사하지 못했습니다.`,
  'say.copyFailedOf': (p) => `수식 ${p.i}의 ${p.what}을 복사하지 못했습니다.`,
  'say.mathmlFailed': (p) => `MathML을 만들지 못했습니다: ${p.message}`,
  'conf.high': '신뢰도 높음',
  'conf.medium': '신뢰도 보통',
  'conf.low': '신뢰도 낮음',
  'conf.unknown': '신뢰도 알 수 없음',
  'offline.heading': '오프라인 사용',
  'offline.checking': '오프라인 사용 여부를 확인하는 중…',
  'offline.remove': '오프라인 데이터 삭제',
  'offline.enable': '오프라인에서도 쓸 수 있게 저장',
  'offline.unsupported': '이 브라우저나 이 주소에서는 오프라인으로 쓸 수 없습니다.',
  'offline.preparing': '오프라인에서 쓸 수 있도록 앱을 저장하는 중…',
  'offline.ready': '오프라인 사용 준비 완료: 인터넷 연결 없이도 작동합니다.',
  'offline.off': '오프라인 사용을 위해 저장되어 있지 않습니다.',
  'offline.error': '오프라인 사용을 위해 앱을 저장하지 못했습니다',
  'offline.persisted': '브라우저가 저장 공간을 유지합니다.',
  'offline.mayClear': '저장 공간이 부족하면 브라우저가 지울 수 있습니다.',
  'offline.status': (p) => offlineStatus(ko, p),
  'say.offlineRemoved': '오프라인 데이터와 저장된 교정 기록을 삭제했습니다.',
  'say.offlineReady': '오프라인 사용 준비가 끝났습니다.',
  'footer.engine': 'mathsnap은 WebAssembly로 브라우저 안에서 모델을 실행합니다.',
  'footer.render': '수식 표시:',
  'share.none': '읽을 수 있는 것이 공유되지 않았습니다. 사진(이미지 파일)을 mathsnap으로 공유해 주세요.',
  'share.too-large': '공유한 파일이 64MB보다 큽니다. 사진을 자르거나 줄여서 다시 공유해 주세요.',
  'share.error': '공유한 사진을 받지 못했습니다. 다시 공유하거나 여기에서 사진을 골라 주세요.',
  'share.missing': '공유한 사진을 찾지 못했습니다 (이미 읽었을 수 있습니다). 여기에서 사진을 골라 주세요.',
  'share.failed': (p) => `공유한 사진을 읽지 못했습니다 (${p.message}).`,
  'share.name': '공유한 사진',
  'ms.drop': '수식 사진을 여기에 끌어다 놓거나 ',
  'ms.choose': '사진 올리기',
  'ms.loading': '인식기를 불러오는 중',
  'ms.loadingText': '인식기를 불러오는 중…',
  'ms.ready': '준비되었습니다.',
  'ms.stopped': '중지했습니다.',
  'ms.found': (p) => `수식 ${p.n}개를 찾았습니다.${p.low ? ` 그중 ${p.low}개는 신뢰도가 낮습니다.` : ''}`,
  'ms.none': '이 이미지에서 수식을 찾지 못했습니다.',
  'ms.title': (p) => `수식 ${p.i} / ${p.n}, ${ko[`conf.${p.level}`]}`,
  'ms.notConnected': '<math-snap>이 문서에 없습니다.',
  'ms.error': (p) => msError(ko, p),
  'corr.heading': '교정 기록',
  'corr.about': '켜 두면 고치거나 맞다고 확인한 수식을 사진과 함께 이 기기에만 저장해 두었다가 나중에 내보낼 수 있습니다. 어디로도 전송되지 않습니다.',
  'corr.toggle': '교정 기록을 이 기기에 저장',
  'corr.usage': (p) => `교정 기록 ${p.n}개 저장됨, 이 기기에서 ${p.bytes} 사용 중.`,
  'corr.empty': '아직 저장된 교정 기록이 없습니다.',
  'corr.list': '저장된 교정 기록',
  'corr.export': '.zip으로 내보내기',
  'corr.clear': '모두 삭제',
  'corr.delete': '삭제',
  'corr.deleteOf': (p) => `교정 기록 ${p.i} 삭제`,
  'corr.thumb': (p) => `교정 기록 ${p.i}의 수식 사진`,
  'corr.before': '인식 결과',
  'corr.after': '수정한 수식',
  'corr.confirmed': '맞다고 확인함',
  'corr.save': '교정 저장',
  'corr.saveOf': (p) => `수식 ${p.i}의 교정 저장`,
  'corr.edit': (p) => `수식 ${p.i}의 LaTeX 수정`,
  'corr.saved': (p) => `수식 ${p.i}의 교정 기록을 이 기기에 저장했습니다.`,
  'corr.refused': (p) => `저장하지 않았습니다: KaTeX가 이 LaTeX를 표시할 수 없습니다 (${p.error}). 입력한 내용은 그대로 있으니 고친 뒤 다시 저장하세요.`,
  'corr.emptyLatex': '저장하지 않았습니다: LaTeX가 비어 있습니다.',
  'corr.failed': (p) => `교정 기록을 저장하지 못했습니다 (${p.message}).`,
  'corr.noPicture': '저장하지 않았습니다: 교정 기록을 켜기 전에 읽은 사진입니다. 사진을 다시 읽힌 뒤 저장해 주세요.',
  'corr.noStorage': '이 브라우저에서는 교정 기록을 저장할 수 없습니다 (IndexedDB 없음).',
  'corr.deleted': '교정 기록을 삭제했습니다.',
  'corr.cleared': '교정 기록을 모두 삭제했습니다.',
  'corr.exported': (p) => `교정 기록 ${p.n}개를 내보냈습니다.`,
  'corr.on': '이제 교정 기록을 이 기기에 저장합니다.',
  'corr.off': '이제 교정 기록을 저장하지 않습니다. 이미 저장한 기록은 삭제할 때까지 남아 있습니다.',
  ...Object.fromEntries(Object.entries(koErrors).map(([k, v]) => [`err.${k}`, v])),
};

export const STRINGS = { en, ko };

/** 'en' or 'ko' for a language tag ('ko-KR' -> 'ko'), or null for any other language. */
export function normLang(tag) {
  const base = String(tag || '').trim().toLowerCase().split(/[-_]/)[0];
  return LANGS.includes(base) ? base : null;
}

/** The first of the browser's languages we speak (navigator.languages order), else English. */
export function pickLang(list = (typeof navigator !== 'undefined' && (navigator.languages?.length ? navigator.languages : [navigator.language])) || []) {
  for (const l of list) {
    const n = normLang(l);
    if (n) return n;
  }
  return 'en';
}

export function t(lang, key, params = {}) {
  const table = STRINGS[lang] || en;
  const v = Object.hasOwn(table, key) ? table[key] : en[key];
  if (v === undefined) return key;
  return typeof v === 'function' ? v(params) : v;
}

/** The message for an engine error code in lang, or undefined for an unknown code. */
export function errorText(lang, code) {
  const key = `err.${code}`;
  return Object.hasOwn(en, key) ? t(lang, key) : undefined;
}

/** Mark el to show key (its textContent, or attributes 'aria-label=key2;title=key3') and translate it now. */
export function setI18n(el, lang, key, params, attrs) {
  if (key) el.dataset.i18n = key; else delete el.dataset.i18n;
  if (attrs) el.dataset.i18nAttr = attrs;
  if (params) el.dataset.i18nParams = JSON.stringify(params); else delete el.dataset.i18nParams;
  translateEl(el, lang);
}

function translateEl(el, lang) {
  const params = el.dataset.i18nParams ? JSON.parse(el.dataset.i18nParams) : {};
  if (el.dataset.i18n) el.textContent = t(lang, el.dataset.i18n, params);
  if (el.dataset.i18nAttr) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split('=');
      if (attr && key) el.setAttribute(attr.trim(), t(lang, key.trim(), params));
    }
  }
}

/** (Re)translate every marked element under root (root included). */
export function applyI18n(root, lang) {
  if (root.dataset && (root.dataset.i18n || root.dataset.i18nAttr)) translateEl(root, lang);
  for (const el of root.querySelectorAll('[data-i18n], [data-i18n-attr]')) translateEl(el, lang);
}

/** Byte sizes the same way in both languages (B, kB, MB). */
export function fmtBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}
