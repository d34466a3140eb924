// The app and <math-snap> in Korean and English: chosen from the browser's languages, switchable in
// the app (remembered), set by <math-snap lang>. Also takes docs/screenshot-ko.png (with UPDATE_SCREENSHOT=1).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setup, waitReady, waitResult, fixture, REPO, SLOW } from './helpers.mjs';

const { STRINGS } = await import(path.join(REPO, 'www', 'lib', 'i18n.js'));

/** English strings of the tables (plain ones, not templates) that show in the page's visible text. */
async function englishLeft(page) {
  const text = await page.evaluate(() => document.body.innerText);
  return Object.entries(STRINGS.en)
    .filter(([k, v]) => typeof v === 'string' && v !== STRINGS.ko[k] && !['lang.name'].includes(k) && v.length > 3)
    .filter(([, v]) => text.includes(v))
    .map(([k, v]) => `${k}: ${v}`);
}

describe('languages: Korean and English', () => {
  let env;
  before(async () => { env = await setup({ camera: false }); });
  after(async () => { await env?.close(); });

  test('app in Korean (browser locale ko-KR): every string, the live region, a saved correction; screenshot', async () => {
    const ctx = await env.newContext({ permissions: [], locale: 'ko-KR', viewport: { width: 1280, height: 1000 } });
    const page = await ctx.newPage();
    await page.goto(env.url);
    await waitReady(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'ko');
    assert.equal(await page.inputValue('#lang-select'), 'ko');
    assert.equal(await page.title(), 'mathsnap: 사진 속 수식을 LaTeX로, 이 기기에서');
    assert.equal(await page.textContent('#input-heading'), '사진 찍기 또는 올리기');
    assert.equal(await page.textContent('#camera-start'), '카메라 켜기');
    assert.equal(await page.textContent('#results-heading'), '수식');
    assert.equal(await page.textContent('#loader-label'), '인식기가 준비되었습니다.');
    assert.equal(await page.textContent('#corrections .ms-corr-heading'), '교정 기록');
    assert.match(await page.textContent('#corrections .ms-corr-about'), /이 기기에만 저장/);
    assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
    assert.match(await page.textContent('#results-summary'), /에서 수식 \d+개를 찾았습니다 \(\d+\.\d초\)\./);
    await page.waitForFunction(() => /수식 \d+개를 찾았습니다/.test(document.getElementById('live').textContent));
    const card = page.locator('#cards .card').first();
    assert.match(await card.getAttribute('aria-label'), /^수식 1 \/ \d+, 신뢰도 (높음|보통|낮음)$/);
    assert.equal(await card.locator('.copy-latex').textContent(), 'LaTeX 복사');
    assert.equal(await card.locator('.copy-latex').getAttribute('aria-label'), '수식 1의 LaTeX 복사');
    assert.match(await card.locator('.card-latex-label').textContent(), /^수식 1의 LaTeX \(수정 가능\)$/);
    // A correction in Korean: refused message, then saved.
    await page.click('#corrections .ms-corr-toggle');
    await page.waitForFunction(() => /이제 교정 기록을 이 기기에 저장합니다/.test(document.getElementById('live').textContent));
    await card.locator('.card-latex').fill('x^2+\\frac{3x}{');
    await card.locator('.save-correction').click();
    await page.waitForFunction(() => document.querySelector('#cards .card').dataset.correction === 'refused');
    assert.match(await card.locator('.card-latex-error').textContent(), /^저장하지 않았습니다: KaTeX가 이 LaTeX를 표시할 수 없습니다/);
    await card.locator('.card-latex').fill('x^2+3x-4=0');
    assert.equal(await card.locator('.save-correction').textContent(), '교정 저장');
    await card.locator('.save-correction').click();
    await page.waitForFunction(() => document.getElementById('corrections').dataset.count === '1', null, { timeout: SLOW });
    await page.waitForFunction(() => /교정 기록을 이 기기에 저장했습니다/.test(document.getElementById('live').textContent));
    assert.match(await page.textContent('#corrections .ms-corr-usage'), /^교정 기록 1개 저장됨, 이 기기에서 \d+ (B|kB) 사용 중\.$/);
    assert.equal(await page.textContent('#corrections .ms-corr-export'), '.zip으로 내보내기');
    assert.equal(await page.getAttribute('#corrections .ms-corr-delete', 'aria-label'), '교정 기록 1 삭제');
    assert.deepEqual(await englishLeft(page), [], 'no English string left on the Korean page');
    await page.evaluate(() => document.activeElement.blur());
    const shot = process.env.UPDATE_SCREENSHOT ? path.join(REPO, 'docs', 'screenshot-ko.png') : path.join(REPO, 'test-results', 'ko.png');
    await page.screenshot({ path: shot, fullPage: true });

    // Switch to English in place; the choice is remembered over a reload.
    await page.selectOption('#lang-select', 'en');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#input-heading'), 'Take or choose a photo');
    assert.match(await page.textContent('#results-summary'), /^Found \d+ formulas? in /);
    assert.match(await card.getAttribute('aria-label'), /^Formula 1 of \d+, (high|medium|low) confidence$/);
    assert.equal(await page.textContent('#corrections .ms-corr-heading'), 'Corrections');
    // 'Confirmed as right' when the model read it as typed (the fixture's formula), else 'Read as' → 'Corrected to'.
    assert.match(await page.locator('#corrections .ms-corr-label').first().textContent(), /^(Read as|Confirmed as right)$/);
    await page.reload();
    await waitReady(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.textContent('#camera-start'), 'Start camera');
    assert.equal(await page.evaluate(() => localStorage.getItem('mathsnap-lang')), 'en');
    await page.evaluate(async () => { const m = await import('./lib/corrections.js'); await m.removeAllCorrectionData(); });
    await ctx.close();
  });

  test('app in English (browser locale en-US, or a language it does not speak)', async () => {
    for (const locale of ['en-US', 'fr-FR']) {
      const ctx = await env.newContext({ permissions: [], locale });
      const page = await ctx.newPage();
      await page.goto(env.url);
      await waitReady(page);
      assert.equal(await page.getAttribute('html', 'lang'), 'en', locale);
      assert.equal(await page.inputValue('#lang-select'), 'en');
      assert.equal(await page.textContent('#results-heading'), 'Formulas');
      assert.equal(await page.textContent('#corrections .ms-corr-heading'), 'Corrections');
      assert.equal(await waitResult(page, () => page.setInputFiles('#file-pick', fixture('e2e-quadratic.png'))), 'done');
      assert.match(await page.textContent('#results-summary'), /^Found \d+ formulas? in /);
      await ctx.close();
    }
  });

  test('<math-snap lang="ko"> speaks Korean in an English browser; lang="en" English in a Korean one', async () => {
    for (const [locale, want, other] of [['en-US', 'ko', 'en'], ['ko-KR', 'en', 'ko']]) {
      const ctx = await env.newContext({ permissions: [], locale });
      const page = await ctx.newPage();
      await page.goto(new URL('examples/', env.url).href);
      await page.waitForSelector('#events [data-event="ready"]', { timeout: SLOW });
      // The example's own element follows the browser.
      assert.equal(await page.textContent('#snap .ms-drop label span'), other === 'ko' ? '사진 올리기' : 'choose an image');
      const out = await page.evaluate(async (lang) => {
        const el = document.createElement('math-snap');
        el.setAttribute('lang', lang);
        el.setAttribute('mode', 'both');
        document.querySelector('main').append(el);
        await el.ready;
        await new Promise((r) => setTimeout(r, 0));
        const res = await (await fetch('../icon-192.png')).blob();
        const before = {
          drop: el.querySelector('.ms-drop').textContent, status: el.querySelector('[role=status]').textContent,
          camera: el.querySelector('.ms-camera button').textContent, heading: el.querySelector('.ms-corr-heading').textContent,
          list: el.querySelector('.ms-results').getAttribute('aria-label'),
        };
        await el.recognize(res).catch(() => {});
        return { ...before, after: el.querySelector('[role=status]').textContent, uiLang: el.uiLang };
      }, want);
      if (want === 'ko') {
        assert.deepEqual(out, {
          drop: '수식 사진을 여기에 끌어다 놓거나 사진 올리기', status: '준비되었습니다.', camera: '카메라 켜기',
          heading: '교정 기록', list: '인식된 수식', after: out.after, uiLang: 'ko',
        });
        assert.match(out.after, /^(수식 \d+개를 찾았습니다\.|이 이미지에서 수식을 찾지 못했습니다\.)/);
      } else {
        assert.deepEqual(out, {
          drop: 'Drop a photo of a formula here, or choose an image', status: 'Ready.', camera: 'Start camera',
          heading: 'Corrections', list: 'Recognised formulas', after: out.after, uiLang: 'en',
        });
        assert.match(out.after, /^(Found \d+ formulas?\.|No formula found in this image\.)/);
      }
      // Changing the attribute re-translates in place.
      const switched = await page.evaluate((lang) => {
        const el = document.querySelectorAll('math-snap')[1];
        el.setAttribute('lang', lang);
        return el.querySelector('.ms-camera button').textContent;
      }, other);
      assert.equal(switched, other === 'ko' ? '카메라 켜기' : 'Start camera');
      await ctx.close();
    }
  });
});
