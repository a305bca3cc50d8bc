// worker-rate.mjs -- issue 12: the page's default experiment stepped under node, to split the page's
// steps/s into what the engine alone does and what the worker adds. It prints figures and checks
// nothing (bench/README.md, "Where a step's time goes").
//   engine: the module through engine.js, stepped as the worker steps it (calls of ~CHUNK_MS of
//           steps, the rows read after every call), no messages
//   worker: web/worker.js itself (web/test/harness.mjs: its messages cloned as a page receives
//           them), played at max speed, timed from its status messages
// Both are timed in wall time and in this process's CPU time (process.cpuUsage: user + system).
// usage: node bench/web/worker-rate.mjs [--steps N] [--reps N] [--config QUERY] [--only engine,worker]
//   IBP_WASM=path/ibp.wasm (default build/wasm/ibp.wasm)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../../web/js/wasm-loader.js';
import { Run } from '../../web/js/engine.js';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
const steps = Number(opt('steps', 6000));
const reps = Number(opt('reps', 3));
const parts = new Set(opt('only', 'engine,worker').split(','));
// the page's default experiment (web/js/link.js DEFAULT_CONFIG), as page-bench.mjs runs it
const DEFAULT = 'model=mlp&depth=3&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&measure_every=20';
const base = opt('config', DEFAULT);
const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

// engine alone: calls of about chunkMs of steps, rows read after each (the worker's advance())
async function engineRate(config, chunkMs = 20) {
  const ibp = await loadIbp(readFileSync(wasmPath));
  const best = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < reps; r++) {
    const run = Run.create(ibp, { config: `${config}&steps=${steps}` });
    let perStep = 1, n = 1, rows = 0;
    const w0 = performance.now(), c0 = cpuMs();
    while (run.running) {
      const k = Math.max(1, Math.min(4 * n, Math.floor(chunkMs / perStep)));
      const s0 = performance.now();
      const got = run.step(k);
      rows += run.takeRows().length;
      if (got > 0) perStep = 0.7 * perStep + (0.3 * (performance.now() - s0)) / got;
      n = k;
      if (got === 0) break;
    }
    const wall = performance.now() - w0, cpu = cpuMs() - c0;
    const t = run.t;
    run.destroy();
    if (t !== steps || rows === 0) throw new Error(`engine run stopped at ${t} of ${steps}`);
    best.wall = Math.min(best.wall, wall / steps);
    best.cpu = Math.min(best.cpu, cpu / steps);
  }
  return best;
}

// the worker: create, play at max speed, wait for the last status
async function workerRate(config) {
  const { workerUnderTest } = await import('../../web/test/harness.mjs');
  const w = await workerUnderTest(new URL('../../web/worker.js', import.meta.url).href);
  await w.next((m) => m.type === 'ready');
  const best = { wall: Infinity, cpu: Infinity, msgs: 0 };
  for (let r = 0; r < reps; r++) {
    await w.request('create', { config: `${config}&steps=${steps}` });
    w.inbox.length = 0;
    const w0 = performance.now(), c0 = cpuMs();
    await w.request('play');
    await w.next((m) => m.type === 'status' && !m.running && m.t >= steps, 600000);
    const wall = performance.now() - w0, cpu = cpuMs() - c0;
    const msgs = w.inbox.length;
    w.inbox.length = 0;
    if (wall / steps < best.wall) Object.assign(best, { wall: wall / steps, cpu: cpu / steps, msgs: (msgs * 1000) / wall });
  }
  return best;
}

const fmt = (x) => `${(1000 * x).toFixed(1).padStart(7)} us  ${(1000 / x).toFixed(0).padStart(6)} steps/s`;
console.log(`worker-rate: ${wasmPath}, ${steps} steps, best of ${reps}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`config: ${base}`);
const rows = [];
if (parts.has('engine')) {
  const e0 = await engineRate(`${base}&measure=0`);
  rows.push(['engine, measure=0', e0]);
  const e1 = await engineRate(base);
  rows.push(['engine, its schedule', e1]);
}
if (parts.has('worker')) rows.push(['worker.js, max speed', await workerRate(base)]);
console.log(`${'what'.padEnd(24)} ${'wall per step'.padStart(29)}   ${'CPU per step'.padStart(29)}`);
for (const [what, r] of rows) {
  console.log(`${what.padEnd(24)} ${fmt(r.wall)}   ${fmt(r.cpu)}${r.msgs ? `   ${r.msgs.toFixed(1)} messages/s` : ''}`);
}
