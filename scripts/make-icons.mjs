#!/usr/bin/env node
// make-icons.mjs -- render web/icon.svg into the PNG icons of the web app manifest
// (web/icons/icon-192.png, icon-512.png, and maskable-512.png: the icon inside the 80% safe zone
// of a full-bleed background), with Debian's Chromium. The PNGs are checked in; run this again
// only when icon.svg changes:  node scripts/make-icons.mjs
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('@playwright/test');
const web = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
const svg = readFileSync(join(web, 'icon.svg'), 'utf8');
const uri = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ deviceScaleFactor: 1 });
for (const [name, size, maskable] of [['icon-192.png', 192, false], ['icon-512.png', 512, false], ['maskable-512.png', 512, true]]) {
  await page.setViewportSize({ width: size, height: size });
  const inner = maskable ? Math.round(size * 0.8) : size;
  await page.setContent(`<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${maskable ? '#1f5fbf' : 'transparent'}">` +
    `<img src="${uri}" width="${inner}" height="${inner}"></body></html>`);
  await page.screenshot({ path: join(web, 'icons', name), omitBackground: !maskable });
}
await browser.close();
console.error('make-icons: web/icons/icon-192.png, icon-512.png, maskable-512.png');
