// page-bench.mjs -- issue 12's figures of the page, measured in Debian's Chromium (headless,
// /usr/bin/chromium) with Playwright. It prints figures and checks nothing (bench/README.md):
//   1. throughput: steps/s of the page's default experiment (link.js DEFAULT_CONFIG, the EoS run,
//      a measurement every 20 steps) at max speed, from the worker's own status messages
//   2. charts while that run plays: redraws per second of each chart in view (Chart.js draw
//      calls) and the main thread's long tasks over 50 ms (PerformanceObserver 'longtask')
//   3. load: time from navigation to the first point drawn in a chart, cold and on a warm cache
//      (second and later visits: HTTP cache and the service worker)
//   4. memory: peak wasm memory (the module's linear memory, from the worker's status) and JS
//      heap (page and worker, through the DevTools protocol) over a 100,000-step run, every second
// Everything is observed from outside the page: the Worker constructor and Chart.prototype.draw are
// wrapped by an init script; nothing in the site knows it is measured.
// usage: node bench/web/page-bench.mjs [--site DIR] [--quick] [--steps N] [--mem-steps N] [--loads N]
//          [--only load,run,memory] [--json FILE]     (IBP_BENCH_VERBOSE=1: progress on stderr)
//   --quick: a smoke run (2,000 steps, 2 warm loads, 5,000-step memory run): it runs and prints
//   sane numbers; the full run takes a few minutes (the 100,000-step run dominates).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright');
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const quick = args.includes('--quick');
const site = opt('site', join(here, '..', '..', 'build', 'site'));
const runSteps = Number(opt('steps', quick ? 2000 : 12000));
const memSteps = Number(opt('mem-steps', quick ? 5000 : 100000));
const warmLoads = Number(opt('loads', quick ? 2 : 7));
const jsonOut = opt('json', '');
const parts = new Set(opt('only', 'load,run,memory').split(','));

// The page's default experiment (web/js/link.js DEFAULT_CONFIG) with its measurement schedule.
const DEFAULT = 'model=mlp&depth=3&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&measure_every=20';
const link = (steps) => `#v=1&${DEFAULT}&steps=${steps}&speed=max`;

// In the page, before any script: long tasks, the worker's status messages, chart draws.
function instrument() {
  const B = (globalThis.__bench = { lt: [], status: [], draws: [], firstPoint: NaN, memory: [] });
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) B.lt.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  } catch { /* no Long Tasks API */ }
  const W = globalThis.Worker;
  globalThis.Worker = class extends W {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (ev) => {
        const m = ev.data;
        if (m && m.type === 'status') B.status.push({ at: performance.now(), t: m.t, playing: m.playing, running: m.running, runId: m.runId, wasmBytes: m.wasmBytes });
      });
    }
  };
  // Chart.js (UMD) assigns globalThis.Chart: wrap its draw once it does.
  let C;
  Object.defineProperty(globalThis, 'Chart', {
    configurable: true,
    get: () => C,
    set(v) {
      C = v;
      const draw = v.prototype.draw;
      v.prototype.draw = function (...a) {
        const r = draw.apply(this, a);
        const fig = this.canvas && this.canvas.closest ? this.canvas.closest('[data-chart]') : null;
        const id = fig ? fig.dataset.chart : 'chart';
        const n = this.data.datasets.reduce((s, d) => s + (d.data ? d.data.length : 0), 0);
        B.draws.push({ at: performance.now(), id, n });
        if (n > 0 && !(B.firstPoint >= 0)) B.firstPoint = performance.now();
        return r;
      };
    },
  });
}

const server = spawn(process.execPath, [join(here, '..', '..', 'scripts', 'serve.mjs'), '--port', '0', '--root', site], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => { const m = /http:\/\/[^\s]+/.exec(String(d)); if (m) resolve(m[0].replace(/\/?$/, '/')); });
  server.on('exit', () => reject(new Error('serve.mjs exited')));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run', '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const median = (a) => { const b = a.filter(Number.isFinite).sort((x, y) => x - y); return b.length ? b[Math.floor((b.length - 1) / 2)] : NaN; };
const out = { machine: `${cpus()[0]?.model || '?'}, ${cpus().length} cores`, loadBefore: loadavg().slice(0, 3) };
const lines = [];
const say = (s) => { lines.push(s); console.log(s); };
const note = (s) => { if (process.env.IBP_BENCH_VERBOSE) console.error(s); };

// The DevTools protocol of the page and of its workers (attached without flattening, so that
// commands to a worker go through Target.sendMessageToTarget on the page's own session).
async function devtools(page) {
  const cdp = await page.context().newCDPSession(page);
  const waiting = new Map();
  let next = 1;
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    const w = waiting.get(m.id);
    if (w) { waiting.delete(m.id); if (m.error) w.reject(new Error(m.error.message)); else w.resolve(m.result); }
  });
  const sessions = new Map(); // targetId -> sessionId
  async function workerSession() {
    const { targetInfos } = await cdp.send('Target.getTargets');
    for (const t of targetInfos.filter((x) => x.type === 'worker')) {
      if (!sessions.has(t.targetId)) {
        const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false });
        sessions.set(t.targetId, sessionId);
      }
    }
    return [...sessions.values()];
  }
  const toWorker = (sessionId, method, params = {}) => new Promise((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(() => { waiting.delete(id); reject(new Error(`${method}: no answer`)); }, 5000);
    waiting.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
  });
  // -> { pageHeap, workerHeap } in bytes (the largest worker when there are several)
  async function memory() {
    const page = await cdp.send('Runtime.getHeapUsage');
    let workerHeap = 0;
    for (const s of await workerSession()) {
      try {
        const h = await toWorker(s, 'Runtime.getHeapUsage');
        workerHeap = Math.max(workerHeap, h.usedSize);
      } catch (e) { note(`worker memory: ${e.message}`); }
    }
    return { pageHeap: page.usedSize, workerHeap };
  }
  async function gc() {
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    for (const s of await workerSession()) await toWorker(s, 'HeapProfiler.collectGarbage').catch(() => {});
  }
  return { memory, gc, detach: () => cdp.detach() };
}

async function waitDone(page, timeoutMs) {
  await page.waitForFunction(() => {
    const s = globalThis.__bench.status;
    const last = s[s.length - 1];
    return last && last.t > 0 && !last.running;
  }, null, { timeout: timeoutMs, polling: 200 });
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(instrument);
  context.on('page', (p) => p.on('pageerror', (e) => console.error(`page error: ${e.message}`)));

  // ---- 3. load: cold, then warm ----------------------------------------------------------------
  if (parts.has('load')) {
  const loads = [];
  for (let k = 0; k <= warmLoads; k++) {
    const page = await context.newPage();
    note(`load ${k}`);
    await page.goto(`${base}${link(200)}`);
    await page.waitForFunction(() => globalThis.__bench.firstPoint >= 0, null, { timeout: 60000, polling: 50 });
    const r = await page.evaluate(() => {
      const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
      const B = globalThis.__bench;
      return {
        first: B.firstPoint, main: mark('ibp-main'), ready: mark('ibp-ready'), created: mark('ibp-created'),
        step: B.status.find((s) => s.t > 0)?.at, controlled: !!navigator.serviceWorker?.controller,
      };
    });
    loads.push(r);
    if (k === 0) await page.waitForTimeout(1500); // let the service worker install and precache
    await page.close();
  }
  const warm = loads.slice(1);
  out.load = { cold: loads[0], warm };
  say(`load, cold:                      first chart point ${fmt(loads[0].first)} ms after navigation (engine ready ${fmt(loads[0].ready)} ms)`);
  const m = (k) => fmt(median(warm.map((r) => r[k])));
  say(`  warm, medians (ms):            main.js runs ${m('main')}, engine ready ${m('ready')}, run created ${m('created')}, ` +
    `first status with t > 0 ${m('step')}, first chart point ${m('first')}`);
  say(`load, warm cache (${warm.length} visits):     first chart point ${fmt(median(warm.map((r) => r.first)))} ms median ` +
    `[${warm.map((r) => fmt(r.first)).join(' ')}] (engine ready ${fmt(median(warm.map((r) => r.ready)))} ms; ` +
    `service worker in control: ${warm.filter((r) => r.controlled).length}/${warm.length}; target <= 400)`);
  }

  // ---- 1 + 2: throughput, chart refresh, long tasks ----------------------------------------------
  if (parts.has('run')) {
    const page = await context.newPage();
    await page.goto(`${base}${link(runSteps)}`);
    await waitDone(page, 600000);
    const r = await page.evaluate(() => globalThis.__bench);
    const st = r.status.filter((s) => s.runId === r.status[r.status.length - 1].runId);
    const a = st.find((s) => s.t > 0), z = st[st.length - 1];
    const secs = (z.at - a.at) / 1000;
    const rate = (z.t - a.t) / secs;
    const during = r.draws.filter((d) => d.at >= a.at && d.at <= z.at);
    const byChart = new Map();
    for (const d of during) byChart.set(d.id, (byChart.get(d.id) || 0) + 1);
    const hz = [...byChart].map(([id, n]) => [id, n / secs]).sort((x, y) => y[1] - x[1]);
    const lt = r.lt.filter((t) => t.start >= a.at && t.start <= z.at);
    const msgs = st.filter((s) => s.at >= a.at && s.at <= z.at).length / secs;
    out.run = { steps: z.t, secs, rate, chartHz: Object.fromEntries(hz), longTasks: lt, statusPerSec: msgs };
    say(`default EoS run, max speed:      ${fmt(rate)} steps/s (${z.t} steps in ${fmt(secs, 2)} s from the first status with t > 0; target >= 4000)`);
    say(`chart redraws while running:     ${hz.map(([id, f]) => `${id} ${fmt(f, 1)} Hz`).join(', ') || 'none'} (target >= 20 Hz)`);
    say(`long tasks > 50 ms while running: ${lt.length}${lt.length ? ` (longest ${fmt(Math.max(...lt.map((t) => t.duration)))} ms)` : ''} (target 0); status messages ${fmt(msgs, 1)}/s`);
    await page.close();
  }

  // ---- 4. memory of a long run -------------------------------------------------------------------
  if (parts.has('memory')) {
    const page = await context.newPage();
    const dt = await devtools(page);
    await page.goto(`${base}${link(memSteps)}`);
    const samples = [];
    const t0 = Date.now();
    for (;;) {
      const m = await dt.memory();
      const t = await page.evaluate(() => { const s = globalThis.__bench.status; return s.length ? s[s.length - 1] : null; });
      // the module's linear memory, as the worker's status says (Status.wasmBytes)
      samples.push({ ...m, wasm: t && t.wasmBytes > 0 ? t.wasmBytes : NaN, t: t ? t.t : 0, at: Date.now() - t0 });
      note(`memory sample: step ${t ? t.t : 0}, ${JSON.stringify(m)}`);
      if (t && t.t > 0 && !t.running) break;
      if (Date.now() - t0 > 1800000) throw new Error('the memory run did not finish in 30 min');
      await page.waitForTimeout(1000);
    }
    await dt.gc();
    const after = { ...(await dt.memory()), wasm: samples[samples.length - 1].wasm };
    const mib = (b) => fmt(b / 1048576, 1);
    const peak = (k) => Math.max(...samples.map((s) => s[k]).filter(Number.isFinite));
    // growth over the second half of the run: bounded history shows no trend
    const half = samples.filter((s) => s.t >= memSteps / 2);
    const q = (k) => (half.length > 1 ? `${mib(half[0][k])} -> ${mib(half[half.length - 1][k])}` : '-');
    out.memory = { steps: memSteps, samples, afterGc: after };
    say(`${memSteps}-step run, peak:        wasm memory ${mib(peak('wasm'))} MiB, worker JS heap ${mib(peak('workerHeap'))} MiB, page JS heap ${mib(peak('pageHeap'))} MiB`);
    say(`  second half of the run:        wasm ${q('wasm')} MiB, worker heap ${q('workerHeap')} MiB, page heap ${q('pageHeap')} MiB`);
    say(`  after the run and a GC:        wasm ${mib(after.wasm)} MiB, worker heap ${mib(after.workerHeap)} MiB, page heap ${mib(after.pageHeap)} MiB`);
    await dt.detach();
    await page.close();
  }
  await context.close();
} finally {
  await browser.close();
  server.kill();
}
out.loadAfter = loadavg().slice(0, 3);
say(`machine: ${out.machine}; load average ${out.loadBefore.map((x) => x.toFixed(1)).join(' ')} before, ${out.loadAfter.map((x) => x.toFixed(1)).join(' ')} after`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
