#!/usr/bin/env node
// Render the app icons (www/icon.svg, www/icon-maskable.svg) into the PNG sizes the web app manifest
// lists (192 and 512, maskable 512), with the same headless Chromium the browser tests use.
// Run after editing an SVG: `npm run icons`; the PNGs are committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'www');
const ICONS = [
  { svg: 'icon.svg', png: 'icon-192.png', size: 192 },
  { svg: 'icon.svg', png: 'icon-512.png', size: 512 },
  { svg: 'icon-maskable.svg', png: 'icon-maskable-512.png', size: 512 },
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const { svg, png, size } of ICONS) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const data = fs.readFileSync(path.join(WWW, svg)).toString('base64');
    await page.setContent(`<style>html,body{margin:0;background:transparent}img{display:block}</style><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${data}">`);
    await page.waitForFunction(() => document.querySelector('img').complete);
    await page.locator('img').screenshot({ path: path.join(WWW, png), omitBackground: true });
    console.log(`wrote www/${png}`);
    await page.close();
  }
} finally {
  await browser.close();
}
