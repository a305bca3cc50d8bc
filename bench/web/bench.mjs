// bench.mjs -- the page's performance figures, measured in Debian's Chromium with Playwright:
//   1. time from load to the engine being ready and to the first step (localhost)
//   2. main-thread long tasks (> 50 ms, Long Tasks API) during a 10,000-step run, and its speed
//   3. the cost of one chart frame with 4 series x 1e5 points (bench/web/charts.html)
//   4. module and page sizes (raw and gzip)
// usage: scripts/build-site && node bench/web/bench.mjs   (serves build/site on a free port)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright');
const { chromiumArgs } = require('../../e2e/chromium-args.cjs'); // the tests' browser switches
const site = 'build/site';
const EOS10K = 'depth=3&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.2&steps=10000&measure_every=20';

const server = spawn(process.execPath, ['scripts/serve.mjs', '--port', '0', '--root', site], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => { const m = /http:\/\/[^\s]+/.exec(String(d)); if (m) resolve(m[0]); });
  server.on('exit', () => reject(new Error('server exited')));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: chromiumArgs,
});
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const lines = [];
try {
  // 1 + 2: load and a 10,000-step run, three times (medians printed)
  const runs = [];
  for (let k = 0; k < 3; k++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() => {
      globalThis.__lt = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) globalThis.__lt.push({ start: e.startTime, duration: e.duration }); })
        .observe({ type: 'longtask', buffered: true });
    });
    const t0 = Date.now();
    await page.goto(`${base}#v=1&${EOS10K}`);
    await page.getByRole('status', { name: 'run state', exact: true }).filter({ hasText: 'steps done' }).waitFor({ timeout: 120000 });
    const wall = Date.now() - t0;
    const r = await page.evaluate(() => ({
      ready: performance.getEntriesByName('ibp-ready')[0]?.startTime,
      first: performance.getEntriesByName('ibp-first-step')[0]?.startTime,
      lt: globalThis.__lt,
    }));
    const during = r.lt.filter((t) => t.start >= r.first);
    runs.push({ ready: r.ready, first: r.first, wall, n: during.length, longest: Math.max(0, ...during.map((t) => t.duration)),
      before: r.lt.filter((t) => t.start < r.first).map((t) => Math.round(t.duration)) });
    await page.close();
  }
  const med = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[1];
  lines.push(`load -> engine ready:           ${fmt(med('ready'), 0)} ms (median of 3)`);
  lines.push(`load -> first step:             ${fmt(med('first'), 0)} ms (median of 3; target < 1000)`);
  lines.push(`10,000-step run (default EoS):  ${fmt(med('wall') / 1000, 2)} s wall clock incl. load, ${fmt(10000 / ((med('wall') - med('first')) / 1000), 0)} steps/s`);
  lines.push(`long tasks during the run:      ${runs.map((r) => r.n).join(', ')} (longest ${fmt(Math.max(...runs.map((r) => r.longest)), 0)} ms; target 0)`);
  lines.push(`long tasks before the 1st step: ${runs.map((r) => `[${r.before.join(' ')}]`).join(' ')} ms (startup)`);

  // 3: chart frame cost
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}bench/charts.html`);
  await page.waitForFunction(() => globalThis.benchResult, null, { timeout: 60000 });
  const c = await page.evaluate(() => globalThis.benchResult);
  lines.push(`chart frame, 4 x 1e5 points:    ${fmt(c.frameMs)} ms median, ${fmt(c.frameMaxMs)} ms max ` +
    `(decimation ${fmt(c.decimateMs)} ms; ${fmt(c.drawnPoints, 0)} points drawn; with 2 kept runs ${fmt(c.overlayFrameMs)} ms)`);
  await page.close();
} finally {
  await browser.close();
  server.kill();
}

// 4: sizes
const size = (f) => { const b = readFileSync(f); return { raw: b.length, gz: gzipSync(b, { level: 9 }).length }; };
const wasm = size(join(site, 'ibp.wasm'));
let js = { raw: 0, gz: 0 };
for (const f of ['worker.js', ...readdirSync(join(site, 'js')).map((n) => join('js', n))]) {
  const s = size(join(site, f)); js = { raw: js.raw + s.raw, gz: js.gz + s.gz };
}
const chart = size(join(site, 'vendor', 'chart.umd.min.js'));
const css = size(join(site, 'css', 'style.css'));
const html = size(join(site, 'index.html'));
const kib = (s) => `${fmt(s.raw / 1024)} KiB (${fmt(s.gz / 1024)} KiB gzip)`;
lines.push(`ibp.wasm:                       ${kib(wasm)}`);
lines.push(`page JS (ours):                 ${kib(js)}`);
lines.push(`Chart.js (UMD, min):            ${kib(chart)}`);
lines.push(`HTML + CSS:                     ${kib({ raw: css.raw + html.raw, gz: css.gz + html.gz })}`);
const total = [wasm, js, chart, css, html].reduce((a, s) => ({ raw: a.raw + s.raw, gz: a.gz + s.gz }), { raw: 0, gz: 0 });
lines.push(`total transferred on first load: ${kib(total)}`);
void statSync;
console.log(lines.join('\n'));
