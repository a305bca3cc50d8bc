// flows-rate.mjs -- issue 15: GD's pace on the page with the flows on. web/worker.js itself (under
// node, web/test/harness.mjs, its messages as a page receives them) plays the EoS preset with every
// flow (flow=gf,central,rod,edge, as the "Theory beside GD" switch sets it) at max speed for a
// fixed wall time; printed: GD's steps/s (until it is done, if it is done before the time is up),
// the flows' steps/s over the whole time, and the rows they owe at the end.
// Given several modules (--wasm a.wasm,b.wasm: e.g. before and after a change), their runs are
// interleaved in one invocation, each in a fresh node process, and the ratios are printed: on a
// shared machine only a same-run ratio means something. It prints figures and checks nothing.
//   node bench/web/flows-rate.mjs [--wasm A,B] [--secs 20] [--reps 2] [--config QUERY]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 && i + 1 < args.length ? args[i + 1] : def; };
// the EoS preset (presets/presets.json, cohen2021-eos) with every flow on
const EOS = 'model=mlp&depth=3&d=8&width=32&act=tanh&data=teacher&teacher=tanh_mlp&teacher_width=64&teacher_scale=4'
  + '&standardize=1&lr=0.2&steps=6000&measure_every=20';
const config = opt('config', `${EOS}&flow=gf,central,rod,edge`);
const secs = Number(opt('secs', 20));

if (args.includes('--child')) {
  // one measurement in this process: IBP_WASM names the module
  const { workerUnderTest } = await import('../../web/test/harness.mjs');
  const w = await workerUnderTest(new URL('../../web/worker.js', import.meta.url).href);
  const created = await w.request('create', { config });
  const first = { t: created && Number.isFinite(created.t) ? created.t : 0 };
  w.inbox.length = 0;
  const t0 = performance.now();
  await w.request('play');
  // GD's pace: until it is done or the time is up; the flows': over the whole time (once GD is
  // done they have the worker to themselves, and say where they are in status messages)
  let last = first, gdWall = 0;
  while (performance.now() - t0 < secs * 1000) {
    const m = await w.next((x) => x.type === 'status', 60000);
    last = m;
    if (!m.running && !gdWall) gdWall = (performance.now() - t0) / 1000;
  }
  const wall = (performance.now() - t0) / 1000;
  await w.request('pause');
  const f = last.flows || {};
  process.stdout.write(JSON.stringify({ wall, gdWall: gdWall || wall, t: last.t, at: f.at, lag: f.lag, t0: first.t || 0 }));
  process.exit(0);
}

const wasms = opt('wasm', fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url))).split(',');
const reps = Number(opt('reps', 2));
console.log(`flows-rate: ${secs} s of play, ${reps} rep(s) per module, interleaved; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`config: ${config}`);
const res = wasms.map(() => []);
for (let r = 0; r < reps; r++) {
  wasms.forEach((wasm, k) => {
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--secs', String(secs), '--config', config],
      { env: { ...process.env, IBP_WASM: wasm }, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(`${wasm}: ${p.stderr}`);
    const m = JSON.parse(p.stdout);
    res[k].push(m);
    console.log(`  ${wasm}: GD ${((m.t - m.t0) / m.gdWall).toFixed(1)} steps/s (step ${m.t} after ${m.gdWall.toFixed(1)} s), `
      + `the flows at step ${m.at} after ${m.wall.toFixed(1)} s (${(Math.max(0, m.at) / m.wall).toFixed(1)} steps/s), owing ${m.lag} rows`);
  });
}
const rate = (ms, f) => ms.reduce((a, m) => a + f(m), 0) / ms.reduce((a, m) => a + m.wall, 0);
const gd = res.map((ms) => ms.reduce((a, m) => a + m.t - m.t0, 0) / ms.reduce((a, m) => a + m.gdWall, 0));
const fl = res.map((ms) => rate(ms, (m) => Math.max(0, m.at)));
wasms.forEach((w, k) => console.log(`${w}: GD ${gd[k].toFixed(1)} steps/s, the flows ${fl[k].toFixed(1)} steps/s`
  + (k ? `  (ratio to the first: GD ${(gd[k] / gd[0]).toFixed(2)}x, flows ${(fl[k] / fl[0]).toFixed(2)}x)` : '')));
