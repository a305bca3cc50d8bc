// e2e/chromium-args.cjs: the browser tests' switches. Chromium keeps only the last
// --disable-features, so ours must restate every feature Playwright itself disables; a Playwright
// upgrade that adds one would otherwise have it silently enabled again in every test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const { chromiumArgs, PLAYWRIGHT_DISABLED, BROWSER_CHROME } = require('../../e2e/chromium-args.cjs');

// The features playwright-core disables (its bundled chromiumSwitches.ts), read from its source.
function playwrightDisabled() {
  const src = readFileSync(join(dirname(require.resolve('playwright-core/package.json')), 'lib', 'coreBundle.js'), 'utf8');
  const at = src.indexOf('disabledFeatures = [');
  assert.ok(at >= 0, 'playwright-core no longer has a disabledFeatures list: look again at chromium-args.cjs');
  const list = src.slice(at, src.indexOf('].filter(Boolean)', at));
  return [...list.matchAll(/^\s*"([A-Za-z0-9_]+)",?\s*$/gm)].map((m) => m[1]);
}

test('chromium-args: one --disable-features, holding every feature Playwright disables and the omnibox popup WebUI', () => {
  const theirs = playwrightDisabled();
  assert.ok(theirs.length >= 10, `read ${theirs.length} features from playwright-core`);
  const switches = chromiumArgs.filter((a) => a.startsWith('--disable-features='));
  assert.equal(switches.length, 1);
  const ours = switches[0].slice('--disable-features='.length).split(',');
  for (const f of theirs) assert.ok(ours.includes(f), `Playwright disables ${f}; chromium-args.cjs does not restate it`);
  for (const f of BROWSER_CHROME) assert.ok(ours.includes(f), f);
  assert.deepEqual(ours, [...PLAYWRIGHT_DISABLED, ...BROWSER_CHROME]);
});
