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
// usage: node bench/web/page-bench.mjs [--site DIR | --sites LABEL=DIR,LABEL=DIR] [--quick] [--steps N]
//          [--reps N] [--mem-steps N] [--loads N] [--only load,run,memory] [--json FILE]
//   --sites: several builds of the site measured interleaved (before/after ratios from one run)
//   --smoke: --quick, then exit 1 unless every figure is a number in a plausible range (scripts/test)
//   IBP_BENCH_VERBOSE=1: progress on stderr
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
const { chromiumArgs } = require('../../e2e/chromium-args.cjs'); // the tests' browser switches
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const smoke = args.includes('--smoke');
const quick = smoke || args.includes('--quick');
const site = opt('site', join(here, '..', '..', 'build', 'site'));
const runSteps = Number(opt('steps', quick ? 2000 : 12000));
const memSteps = Number(opt('mem-steps', quick ? 5000 : 100000));
const warmLoads = Number(opt('loads', quick ? 2 : 7));
const runReps = Number(opt('reps', quick ? 1 : 2));
const jsonOut = opt('json', '');
const parts = new Set(opt('only', 'load,run,memory').split(','));

// The page's default experiment (web/js/link.js DEFAULT_CONFIG) with its measurement schedule.
const DEFAULT = 'model=mlp&depth=3&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&measure_every=20';
const link = (steps) => `#v=1&${DEFAULT}&steps=${steps}&speed=max`;

// In the page, before any script: long tasks, the worker's status messages, chart draws.
function instrument() {
  const B = (globalThis.__bench = { lt: [], status: [], draws: [], firstPoint: NaN, memory: [], engineReady: NaN, firstRows: NaN });
  // The page's run has stopped. A status that came before the page made the run its own does not
  // count: an early run (worker.js prestart) that stopped while the page built itself was made
  // again by the page's create, and timing that first run's end gave 0 s and NaN steps/s (a CI
  // failure of the smoke). A run that reaches its step limit now waits for the page one step short
  // of it, and one that diverged is taken over as it is (the benchmark's runs do not diverge).
  B.ownRunDone = () => {
    const last = B.status[B.status.length - 1];
    const created = performance.getEntriesByName('ibp-created')[0];
    return !!(created && last && last.at > created.startTime && last.t > 0 && !last.running);
  };
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
        if (m && m.type === 'ready' && !(B.engineReady >= 0)) B.engineReady = performance.now();
        if (m && m.type === 'metrics' && !(B.firstRows >= 0)) B.firstRows = performance.now();
        if (m && m.type === 'status') B.status.push({ at: performance.now(), t: m.t, playing: m.playing, running: m.running, runId: m.runId, wasmBytes: m.wasmBytes, state: m.stateName, message: m.message });
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
        // the page's charts only: the warm-up (charts.js warmUp) draws data on a detached canvas
        if (!this.canvas || !this.canvas.isConnected) return r;
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

// The sites to measure: one (build/site), or several (label=dir,...) measured interleaved, each
// figure taken in turn on every site, so that their ratios come from the same minutes of a noisy
// machine.
const sites = opt('sites', `site=${site}`).split(',').map((x) => {
  const i = x.indexOf('=');
  return i > 0 ? { label: x.slice(0, i), dir: x.slice(i + 1) } : { label: x, dir: x };
});
for (const st of sites) {
  st.server = spawn(process.execPath, [join(here, '..', '..', 'scripts', 'serve.mjs'), '--port', '0', '--root', st.dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  st.base = await new Promise((resolve, reject) => {
    st.server.stdout.on('data', (d) => { const m = /http:\/\/[^\s]+/.exec(String(d)); if (m) resolve(m[0].replace(/\/?$/, '/')); });
    st.server.on('exit', () => reject(new Error(`serve.mjs exited (${st.dir})`)));
  });
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [...chromiumArgs, '--disable-background-timer-throttling', '--disable-renderer-backgrounding'],
});

// CPU seconds used so far by the browser's renderer processes (the page's main thread and its
// workers live there): steps per CPU-second stay meaningful on a loaded machine, where wall time
// mostly measures the other processes.
const browserCdp = await browser.newBrowserCDPSession();
// -> Map(pid -> CPU seconds) of the renderers
async function rendererCpu() {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  return new Map(processInfo.filter((p) => p.type === 'renderer').map((p) => [p.id, p.cpuTime]));
}
// CPU seconds the renderers alive at `after` used since `before` (a new one: all of its time)
const cpuSince = (before, after) => [...after].reduce((a, [id, t]) => a + t - (before.get(id) || 0), 0);
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
  // -> { pageHeap, pageBuffers, workerHeap, workerBuffers } in bytes: the V8 heap's objects, and
  // the array buffers' backing stores outside it (typed arrays; the wasm memory counts there too);
  // the largest worker when there are several
  async function memory() {
    const page = await cdp.send('Runtime.getHeapUsage');
    let workerHeap = 0, workerBuffers = 0;
    for (const s of await workerSession()) {
      try {
        const h = await toWorker(s, 'Runtime.getHeapUsage');
        workerHeap = Math.max(workerHeap, h.usedSize);
        workerBuffers = Math.max(workerBuffers, h.backingStorageSize || 0);
      } catch (e) { note(`worker memory: ${e.message}`); }
    }
    return { pageHeap: page.usedSize, pageBuffers: page.backingStorageSize || 0, workerHeap, workerBuffers };
  }
  async function gc() {
    await cdp.send('HeapProfiler.collectGarbage').catch(() => {});
    for (const s of await workerSession()) await toWorker(s, 'HeapProfiler.collectGarbage').catch(() => {});
  }
  return { memory, gc, detach: () => cdp.detach() };
}

async function waitDone(page, timeoutMs) {
  await page.waitForFunction(() => globalThis.__bench.ownRunDone(), null, { timeout: timeoutMs, polling: 200 });
}

const each = sites.length > 1;
const tag = (st) => (each ? `[${st.label}] ` : '');
const ratio = (key, f, better = '') => {
  if (sites.length !== 2) return;
  const [a, b] = sites.map((st) => f(st));
  if (Number.isFinite(a) && Number.isFinite(b) && a !== 0) say(`  ratio ${sites[1].label}/${sites[0].label}, ${key}: ${fmt(b / a, 2)}${better}`);
};
try {
  for (const st of sites) {
    st.context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await st.context.addInitScript(instrument);
    st.context.on('page', (p) => p.on('pageerror', (e) => console.error(`page error (${st.label}): ${e.message}`)));
    st.out = {};
  }

  // ---- 3. load: cold, then warm (the visits of the sites interleaved) --------------------------------
  if (parts.has('load')) {
    for (const st of sites) st.loads = [];
    for (let k = 0; k <= warmLoads; k++) {
      for (const st of sites) {
        const page = await st.context.newPage();
        note(`load ${k} ${st.label}`);
        await page.goto(`${st.base}${link(200)}`);
        await page.waitForFunction(() => globalThis.__bench.firstPoint >= 0, null, { timeout: 60000, polling: 50 });
        st.loads.push(await page.evaluate(() => {
          const mark = (n) => performance.getEntriesByName(n)[0]?.startTime;
          const B = globalThis.__bench;
          return {
            first: B.firstPoint, main: mark('ibp-main'), ready: mark('ibp-ready'), created: mark('ibp-created'),
            step: B.status.find((x) => x.t > 0)?.at, controlled: !!navigator.serviceWorker?.controller,
            worker: mark('ibp-worker'), engine: B.engineReady, rows: B.firstRows,
          };
        }));
        // what the worker's fetch of the module gets (through the service worker once it controls
        // the page): application/wasm is what lets it compile while the bytes stream in
        st.loads[st.loads.length - 1].wasmType = await page.evaluate(() => fetch('ibp.wasm').then((r) => r.headers.get('content-type')));
        // the service worker (registered once the page has built itself) installs and precaches:
        // the warm visits come from its cache
        if (k === 0) await page.evaluate(() => navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true));
        await page.close();
      }
    }
    for (const st of sites) {
      const cold = st.loads[0], warm = st.loads.slice(1);
      const m = (k) => median(warm.map((r) => r[k]));
      st.out.load = { cold, warm, firstWarm: m('first') };
      say(`${tag(st)}load, cold: first chart point ${fmt(cold.first)} ms after navigation (engine ready ${fmt(cold.engine)} ms, page built ${fmt(cold.ready)} ms)`);
      say(`${tag(st)}load, warm cache (${warm.length} visits): first chart point ${fmt(m('first'))} ms median ` +
        `[${warm.map((r) => fmt(r.first)).join(' ')}]; service worker in control ${warm.filter((r) => r.controlled).length}/${warm.length}; target <= 400`);
      say(`${tag(st)}  ibp.wasm served as: ${[...new Set(st.loads.map((r) => r.wasmType))].join(', ')} (application/wasm: streaming compilation)`);
      say(`${tag(st)}  medians, ms after navigation: worker started ${fmt(m('worker'))}, main.js runs ${fmt(m('main'))}, ` +
        `engine ready (its message handled) ${fmt(m('engine'))}, first rows handled ${fmt(m('rows'))}, first status with t > 0 ${fmt(m('step'))}, ` +
        `first chart point ${fmt(m('first'))}, page built ${fmt(m('ready'))}, page's run created ${fmt(m('created'))}`);
    }
    ratio('first chart point, warm', (st) => st.out.load.firstWarm, ' (lower is better)');
  }

  // ---- 1 + 2: throughput, chart refresh, long tasks ----------------------------------------------
  if (parts.has('run')) {
    for (const st of sites) st.runs = [];
    for (let k = 0; k < runReps; k++) {
      for (const st of sites) {
        const page = await st.context.newPage();
        note(`run ${k} ${st.label}`);
        // the main thread's own accounting (DevTools Performance metrics, seconds since the page
        // opened): all its tasks, and the script, style and layout parts of them
        const pcdp = await page.context().newCDPSession(page);
        await pcdp.send('Performance.enable');
        const cpu0 = await rendererCpu();
        await page.goto(`${st.base}${link(runSteps)}`);
        await waitDone(page, 600000);
        const cpu = cpuSince(cpu0, await rendererCpu());
        const pm = Object.fromEntries((await pcdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
        await pcdp.detach();
        const r = await page.evaluate(() => globalThis.__bench);
        const sts = r.status.filter((x) => x.runId === r.status[r.status.length - 1].runId);
        const a = sts.find((x) => x.t > 0), z = sts[sts.length - 1];
        const secs = (z.at - a.at) / 1000;
        const during = r.draws.filter((d) => d.at >= a.at && d.at <= z.at);
        const byChart = new Map();
        for (const d of during) byChart.set(d.id, (byChart.get(d.id) || 0) + 1);
        st.runs.push({
          steps: z.t, secs, rate: (z.t - a.t) / secs, cpu, perCpu: z.t / cpu,
          chartHz: [...byChart].map(([id, n]) => [id, n / secs]).sort((x, y) => y[1] - x[1]),
          longTasks: r.lt.filter((t) => t.start >= a.at && t.start <= z.at),
          statusPerSec: sts.filter((x) => x.at >= a.at && x.at <= z.at).length / secs,
          message: z.message, // "finished: N steps done", unless the run stopped otherwise
          main: { task: pm.TaskDuration, script: pm.ScriptDuration, style: pm.RecalcStyleDuration, layout: pm.LayoutDuration },
        });
        await page.close();
      }
    }
    for (const st of sites) {
      const best = st.runs.reduce((x, y) => (y.rate > x.rate ? y : x));
      st.out.run = { runs: st.runs, bestRate: best.rate };
      say(`${tag(st)}default EoS run, max speed: ${st.runs.map((r) => fmt(r.rate)).join(', ')} steps/s (${best.steps} steps each, ` +
        `timed from the first status with t > 0; best ${fmt(best.rate)}; target >= 4000)`);
      say(`${tag(st)}  steps per CPU-second of the page's renderer process (main thread + worker + the rest, load included): ` +
        `${st.runs.map((r) => fmt(r.perCpu)).join(', ')}`);
      st.out.run.bestPerCpu = Math.max(...st.runs.map((r) => r.perCpu));
      for (const r of st.runs) {
        say(`${tag(st)}  chart redraws: ${r.chartHz.map(([id, f]) => `${id} ${fmt(f, 1)} Hz`).join(', ') || 'none'} (target >= 20 Hz); ` +
          `long tasks > 50 ms: ${r.longTasks.length}${r.longTasks.length ? ` (longest ${fmt(Math.max(...r.longTasks.map((t) => t.duration)))} ms)` : ''} (target 0); ` +
          `status messages ${fmt(r.statusPerSec, 1)}/s`);
        const us = (x) => fmt((1e6 * x) / r.steps);
        say(`${tag(st)}  main thread per step (us, whole visit): tasks ${us(r.main.task)} (script ${us(r.main.script)}, ` +
          `style ${us(r.main.style)}, layout ${us(r.main.layout)}); renderer CPU per step ${us(r.cpu)}`);
      }
    }
    ratio('steps/s (best run)', (st) => st.out.run.bestRate, ' (higher is better)');
    ratio('steps per renderer CPU-second (best run)', (st) => st.out.run.bestPerCpu, ' (higher is better)');
  }

  // ---- 4. memory of a long run -------------------------------------------------------------------
  if (parts.has('memory')) {
    for (const st of sites) {
      const page = await st.context.newPage();
      const dt = await devtools(page);
      note(`memory ${st.label}`);
      await page.goto(`${st.base}${link(memSteps)}`);
      const samples = [];
      const t0 = Date.now();
      for (;;) {
        const m = await dt.memory();
        const t = await page.evaluate(() => { const B = globalThis.__bench; return B.status.length ? { ...B.status[B.status.length - 1], done: B.ownRunDone() } : null; });
        // the module's linear memory, as the worker's status says (Status.wasmBytes)
        samples.push({ ...m, wasm: t && t.wasmBytes > 0 ? t.wasmBytes : NaN, t: t ? t.t : 0, at: Date.now() - t0 });
        note(`memory sample: step ${t ? t.t : 0}, ${JSON.stringify(m)}`);
        if (t && t.done) break;
        if (Date.now() - t0 > 1800000) throw new Error('the memory run did not finish in 30 min');
        await page.waitForTimeout(1000);
      }
      await dt.gc();
      const after = { ...(await dt.memory()), wasm: samples[samples.length - 1].wasm };
      const mib = (b) => fmt(b / 1048576, 1);
      const peak = (k) => Math.max(...samples.map((x) => x[k]).filter(Number.isFinite));
      const half = samples.filter((x) => x.t >= memSteps / 2);
      const q = (k) => (half.length > 1 ? `${mib(half[0][k])} -> ${mib(half[half.length - 1][k])}` : '-');
      st.out.memory = { steps: memSteps, samples, afterGc: after, peakWorkerHeap: peak('workerHeap') + peak('workerBuffers'), peakPageHeap: peak('pageHeap') + peak('pageBuffers') };
      say(`${tag(st)}${memSteps}-step run, peak: wasm memory ${mib(peak('wasm'))} MiB; worker JS heap ${mib(peak('workerHeap'))} MiB + array buffers ${mib(peak('workerBuffers'))} MiB; ` +
        `page JS heap ${mib(peak('pageHeap'))} MiB + array buffers ${mib(peak('pageBuffers'))} MiB (${samples.length} samples over ${fmt((Date.now() - t0) / 1000)} s)`);
      say(`${tag(st)}  second half of the run: wasm ${q('wasm')} MiB, worker heap ${q('workerHeap')} + buffers ${q('workerBuffers')} MiB, page heap ${q('pageHeap')} + buffers ${q('pageBuffers')} MiB`);
      say(`${tag(st)}  after the run and a GC: wasm ${mib(after.wasm)} MiB, worker heap ${mib(after.workerHeap)} + buffers ${mib(after.workerBuffers)} MiB, page heap ${mib(after.pageHeap)} + buffers ${mib(after.pageBuffers)} MiB`);
      await dt.detach();
      await page.close();
    }
    ratio('peak worker JS heap + buffers', (st) => st.out.memory.peakWorkerHeap);
    ratio('peak page JS heap + buffers', (st) => st.out.memory.peakPageHeap);
  }
  for (const st of sites) await st.context.close();
} finally {
  await browser.close();
  for (const st of sites) st.server.kill();
}
out.loadAfter = loadavg().slice(0, 3);
out.sites = Object.fromEntries(sites.map((st) => [st.label, { dir: st.dir, ...st.out }]));
say(`machine: ${out.machine}; load average ${out.loadBefore.map((x) => x.toFixed(1)).join(' ')} before, ${out.loadAfter.map((x) => x.toFixed(1)).join(' ')} after`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));

// --smoke (scripts/test): the benchmark ran and its figures are numbers in a plausible range; it
// checks no target (speed is for the benchmark to report, not for a timed test to assert).
if (smoke) {
  const bad = [];
  for (const st of sites) {
    const o = st.out;
    const ok = (what, v, lo, hi) => { if (!(Number.isFinite(v) && v >= lo && v <= hi)) bad.push(`${st.label}: ${what} = ${v}`); };
    if (o.load) { ok('first chart point, cold (ms)', o.load.cold.first, 1, 120000); ok('first chart point, warm (ms)', o.load.firstWarm, 1, 120000); }
    if (o.run) for (const r of o.run.runs) { ok('steps/s', r.rate, 1, 1e7); ok(`steps ("${r.message}")`, r.steps, runSteps, runSteps); ok('chart redraws', r.chartHz.length, 1, 100); }
    if (o.memory) { ok('peak worker heap (bytes)', o.memory.peakWorkerHeap, 1e4, 4e9); ok('peak page heap (bytes)', o.memory.peakPageHeap, 1e5, 4e9); ok('wasm memory (bytes)', o.memory.afterGc.wasm, 65536, 4e9); }
  }
  if (bad.length) { console.error(`page-bench smoke: implausible figures: ${bad.join('; ')}`); process.exit(1); }
  console.error('page-bench smoke: every figure is a number in a plausible range');
}
