// Shared fixture of the browser tests: every test fails on a page error or a console error
// (CSP violations, uncaught exceptions, failed loads all land there), plus helpers that read
// the page the way a person does: by roles, labels and visible text.
const base = require('@playwright/test');

const test = base.test.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}${m.location() && m.location().url ? ` (${m.location().url})` : ''}`); });
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') problems.push(`worker console error: ${m.text()}`); }));
    await use(page);
    base.expect(problems, 'no page or console errors').toEqual([]);
  },
});

// A value of the status line (an <output>, role status, named by aria-label), as a number.
function stat(page, name) {
  return page.getByRole('status', { name, exact: true });
}
async function statNumber(page, name) {
  const t = (await stat(page, name).textContent()).trim();
  const v = parseFloat(t.split('/')[0]);
  return v;
}
async function waitForStep(page, atLeast, timeout = 30000) {
  await base.expect.poll(() => statNumber(page, 'step'), { timeout, intervals: [100] }).toBeGreaterThanOrEqual(atLeast);
}
// The All settings drawer (every engine key, the form of the schema), opened if it is closed.
async function allSettings(page) {
  if (await page.locator('#settings-drawer').isHidden()) await page.locator('#open-settings').click();
  await base.expect(page.locator('#settings-drawer')).toBeVisible();
}
// Click something that downloads a file: -> { name, body (Buffer), text }.
async function downloadOf(page, locator) {
  const [dl] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  const file = await dl.path();
  const body = require('fs').readFileSync(file);
  return { name: dl.suggestedFilename(), body, text: body.toString('utf8') };
}

// Another static server (scripts/serve.mjs) on a free port, e.g. for a host page on another
// origin (otherSite: without our headers, as another site would serve it) or a copy of the site
// the test rebuilds: -> { url, origin, close() }.
async function startServer(root, { otherSite = false } = {}) {
  const { spawn } = require('child_process');
  const proc = spawn(process.execPath, [require('path').join(__dirname, '..', 'scripts', 'serve.mjs'), '--root', root, '--port', '0', ...(otherSite ? ['--other-site'] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = /(http:\/\/\S+\/)/.exec(out); if (m) resolve(m[1]); });
    proc.on('exit', (code) => reject(new Error(`serve.mjs exited (${code})`)));
  });
  return {
    url, origin: new URL(url).origin,
    close: () => new Promise((resolve) => { if (proc.exitCode !== null) resolve(); else { proc.on('exit', resolve); proc.kill('SIGTERM'); } }),
  };
}

// The canonical config of the chart/URL: the part of a link after #v=1&
const EOS = 'model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4&standardize=1&lr=0.3&steps=6000&measure_every=20';
const CATAPULT = 'model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=2000&ntk=1';
const UV = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000';
const CHAIN = 'model=linear&depth=2&d=1&width=1&data=inline&xs=1&ys=1&init=3,0.1&lr_rel=2.5&steps=3000';

// axe-core in the page (evaluated through the debugger protocol, so the page's strict CSP stays
// as it is), every WCAG 2.x A/AA rule and the best practices: -> the violations, readable.
const AXE = require('fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
async function axeViolations(page) {
  await page.evaluate(AXE);
  const v = await page.evaluate(async () => (await globalThis.axe.run(document, { resultTypes: ['violations'] })).violations);
  return v.map((x) => `${x.id} (${x.impact}): ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// Responsiveness probes, installed before the page loads: every main-thread task over 50 ms (the
// Long Tasks API) and every redraw of the main chart (Chart.js's update, wrapped as the library
// loads). -> read them with responsiveness(page, since): { longTasks, draws, secs } after `since`
// (performance.now() of the page).
async function watchResponsiveness(page) {
  await page.addInitScript(() => {
    globalThis.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    globalThis.__mainDraws = [];
    let C;
    Object.defineProperty(globalThis, 'Chart', {
      configurable: true,
      get: () => C,
      set: (v) => {
        C = v;
        const update = v.prototype.update;
        v.prototype.update = function (...a) {
          if (this.canvas && this.canvas.closest('#chart-main')) globalThis.__mainDraws.push(performance.now());
          return update.apply(this, a);
        };
      },
    });
  });
}
function responsiveness(page, since) {
  return page.evaluate((t) => ({
    longTasks: globalThis.__longTasks.filter((e) => e.start >= t),
    draws: globalThis.__mainDraws.filter((d) => d >= t).length,
    secs: (performance.now() - t) / 1000,
  }), since);
}
// "2 (longest 85 ms)" for the log line of a test
const describeLongTasks = (tasks) => `${tasks.length}${tasks.length ? ` (longest ${Math.max(...tasks.map((e) => e.duration)).toFixed(0)} ms)` : ''}`;

module.exports = { test, expect: base.expect, stat, statNumber, waitForStep, allSettings, downloadOf, startServer, axeViolations,
  watchResponsiveness, responsiveness, describeLongTasks, EOS, CATAPULT, UV, CHAIN };
