// scripts/build-gallery on a fixture of the conformance JSON: the figures come from the JSON (counts,
// ranges, deviations with their reasons, failed criteria), every text is escaped, a paper
// without JSON says how to produce it, and the pages keep the strict CSP (no inline script/style).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/build-gallery', import.meta.url));
const presets = JSON.parse(readFileSync(new URL('../../presets/presets.json', import.meta.url), 'utf8')).presets;
const dir = mkdtempSync(join(tmpdir(), 'ibp-gallery-'));
const site = join(dir, 'site'), conf = join(dir, 'conf');
mkdirSync(conf, { recursive: true });
writeFileSync(join(conf, 'G.json'), JSON.stringify({
  experiment: 'G', paper: 'Lewkowycz et al. 2020', version: '9.9.9',
  results: [
    { kind: 'check', where: 'G1 y=0 c=0.5 seed=0', what: 'lambda_T/lambda0', value: 0.9993, criterion: 'in [0.98, 1.0]', pass: true },
    { kind: 'check', where: 'G1 y=0 c=0.5 seed=1', what: 'lambda_T/lambda0', value: 0.9991, criterion: 'in [0.98, 1.0]', pass: true },
    { kind: 'check', where: 'G2 c=2.5 seed=0', what: '|S_T - lambda_T|', value: 3e-7, criterion: '<= 1e-5', pass: true },
    { kind: 'check', where: 'G2 c=2.5 seed=1', what: '|S_T - lambda_T|', value: 0.5, criterion: '<= 1e-5', pass: false },
    { kind: 'deviation', where: 'G1 y=1 c=0.5 seed=2', what: 'lambda_T/lambda0', value: 1.0004, criterion: 'in [0.98, 1.0]', pass: false, why: 'lambda grows <script>alert(1)</script> & so on' },
    { kind: 'figure', where: 'G1 y=0 c=2.5', what: 'lambda_T/lambda0 (mean over seeds)', value: 0.51164241 },
    { kind: 'figure', where: 'G1 y=0 c=6', what: 'divergence step', value: null },
  ],
}));
writeFileSync(join(conf, 'A.json'), '{ not json');
execFileSync(process.execPath, [script, '--site', site, '--conf', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
const page = (id) => readFileSync(join(site, 'gallery', `${id}.html`), 'utf8');

test('a page per preset, a landing page, the sweep page and the gallery assets', () => {
  const files = readdirSync(join(site, 'gallery'));
  for (const p of presets) assert.ok(files.includes(`${p.id}.html`), p.id);
  for (const f of ['index.html', 'gallery.js', 'gallery.css']) assert.ok(files.includes(f), f);
  assert.ok(existsSync(join(site, 'sweep.html')));
  assert.ok(existsSync(join(site, 'gallery', 'conformance', 'G.json')));
  const landing = readFileSync(join(site, 'gallery', 'index.html'), 'utf8');
  for (const p of presets) assert.ok(landing.includes(`href="${p.id}.html"`), p.id);
});

test('the conformance figures come from the JSON, escaped', () => {
  const g = page('lewkowycz2020-catapult');
  assert.match(g, /<code>ibp<\/code> 9\.9\.9/);
  // honest counts: the deviation is a failed run (3 of 5 passed), never left out of the count
  assert.match(g, /<strong>3 of 5 checks passed<\/strong>, <strong>1 failed<\/strong>/);
  assert.match(g, /1 failed with a deviation from the stated criterion/);
  assert.match(g, /lambda grows &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; so on/);
  assert.doesNotMatch(g, /<script>alert/);
  assert.match(g, /<td class="num">0\.5116<\/td>/); // a headline figure, 4 digits
  // grouped over seeds and both y: the deviation (y = 1) is one of the group's runs, failed
  assert.match(g, /<td class="fail">2 \/ 3 \(1 deviation\)<\/td><td class="num">0\.9991 … 1<\/td>/);
  assert.match(g, /<td class="fail">1 \/ 2<\/td>/);
  assert.match(g, /id="failed-h"/);
  assert.match(g, /<td class="num">—<\/td>/); // a null figure
  const landing = readFileSync(join(site, 'gallery', 'index.html'), 'utf8');
  assert.match(landing, /badge fail">conformance: 3 of 5 checks passed; 1 failed; 1 failed with a deviation explained/);
});

test('without JSON (or with a broken one) a page says how to produce it', () => {
  for (const id of ['huang2020-logistic', 'cohen2021-eos']) {
    const h = page(id);
    assert.match(h, /has not been run in this build/);
    assert.match(h, /ctest --test-dir build\/native -L conformance/);
  }
});

test('claim, formula, embedded playground, panels, citation; strict CSP, no inline script or style', () => {
  for (const p of presets) {
    const h = page(p.id);
    assert.match(h, /Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'/);
    assert.doesNotMatch(h, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(h, /<style|\sstyle=/, 'no inline style');
    assert.match(h, /<iframe class="embed" src="\.\.\/embed\.html#[^"]+" title="Live playground: /);
    assert.ok(h.includes(`https://arxiv.org/abs/${p.arxiv}`));
    p.panels.forEach((_, k) => assert.ok(h.includes(`data-panel="${k}"`), `${p.id} panel ${k}`));
    assert.match(h, /data-check/);
    assert.ok(h.includes(`data-preset="${p.id}"`));
  }
});

test('a paper page\'s breadcrumb names the paper, and its venue line says the year once', () => {
  // QA: the breadcrumb showed the conformance letter ("Paper gallery / H"), the venue line
  // "ICLR 2021, 2021"
  for (const p of presets) {
    const h = page(p.id);
    const crumb = /<p class="version"><a href="index\.html">Paper gallery<\/a> \/ ([^<]*)<\/p>/.exec(h);
    assert.ok(crumb, p.id);
    assert.equal(crumb[1], p.title.replace(/&/g, '&amp;').replace(/'/g, '&#39;'), p.id);
    const byline = /<p class="byline">[^<]* · ([^<]*) · <a href="https:\/\/arxiv/.exec(h);
    assert.ok(byline, p.id);
    assert.equal(byline[1].split(String(p.year)).length, 2, `${p.id}: the year once in "${byline[1]}"`);
    assert.ok(byline[1].startsWith(p.venue), p.id);
  }
  assert.match(page('cohen2021-eos'), /Paper gallery<\/a> \/ Gradient descent at the edge of stability<\/p>/);
  assert.match(page('cohen2021-eos'), / · ICLR 2021 · <a href/);
  assert.match(page('lewkowycz2020-catapult'), / · arXiv preprint, 2020 · <a href/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
