// The flows beside GD through the browser module (ibp.wasm, the page's loader, engine.js and
// engine-flows.js), as a worker would drive them: GD runs ahead in chunks, the flows follow in
// small budgets of right-hand sides. Checks: the flow rows are the lockstep columns of the same
// steps bit for bit (a lockstep run of the same config in the same module), one per GD row;
// GD's own rows are the same bits with and without flows; GD waits exactly when its ring of
// rows the flows owe is full (a row per step of the run, at most 64 MiB, at most what mem_cap
// leaves; counted by the estimate), and never before; the budget bounds the work of a call;
// errors are sentences.
// Usage: node tests/flows_wasm.mjs [build/wasm/ibp.wasm]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../web/js/wasm-loader.js';
import { Run, EngineError } from '../web/js/engine.js';
import { Flows } from '../web/js/engine-flows.js';

const wasmPath = process.argv[2] || fileURLToPath(new URL('../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
let passed = 0, failed = 0;
const check = (ok, what) => { if (ok) passed++; else { failed++; console.error('FAIL', what); } };

const base = 'model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48'
  + '&lr=0.6&measure_every=7&log_every=3&steps=200';
const cfg = `${base}&flow=gf,central,rod,edge&flow_k=2`; // rod, edge: rodedge

function allRows(run) {
  const rows = [];
  const take = () => { const a = run.takeRows(); for (let i = 0; i < a.length; i += run.ncols) rows.push(a.slice(i, i + run.ncols)); };
  take();
  while (run.running) { run.step(1000); take(); }
  return rows;
}
const bits = (x) => { const b = new BigUint64Array(new Float64Array([x]).buffer)[0]; return Number.isNaN(x) ? 'nan' : b.toString(16); };

// lockstep reference
const lock = Run.create(ibp, { config: cfg });
const lockRows = allRows(lock);
const byStep = new Map(lockRows.map((r) => [r[0], r]));
const flowIdx = lock.columns.map((c, j) => (/^(gf|cf|rf|ef)_/.test(c) ? j : -1)).filter((j) => j >= 0);
lock.destroy();

// GD alone: its columns are the lockstep bits
const plain = Run.create(ibp, { config: base });
const plainRows = allRows(plain);
const gdCols = plain.columns;
plain.destroy();
{
  const run = Run.create(ibp, { config: cfg });
  let same = plainRows.length === lockRows.length;
  for (let i = 0; same && i < plainRows.length; i++)
    for (let j = 0; j < gdCols.length; j++) if (bits(plainRows[i][j]) !== bits(lockRows[i][run.columnIndex(gdCols[j])])) same = false;
  check(same, 'GD rows identical with and without flows (wasm)');
  run.destroy();
}

// follow mode: GD ahead in chunks of 9 steps, the flows in budgets of 11 right-hand sides
const run = Run.create(ibp, { config: cfg });
const flows = new Flows(run);
check(flows.columns[0] === 'step' && flows.columns.slice(1).every((c) => /^(gf|cf|rf|ef)_/.test(c)), `flow columns ${flows.columns}`);
run.takeRows(); // step 0: written at creation, in lockstep
const lagMax = flows.lagMax;
check(lagMax === 200, `the ring holds a row for each of the 200 steps (${lagMax})`);
let nflow = 0, mism = 0, waited = 0, maxStepRhs = 0, rounds = 0, maxLag = 0, wrongWait = 0;
while ((run.running || flows.lag > 0) && rounds++ < 100000) {
  if (run.running) {
    const lag0 = flows.lag;
    const took = run.step(9);
    if (took === 0) waited++;
    // it stops short only with the ring full, and takes no step then
    if ((lag0 === lagMax && took > 0) || (run.running && took < 9 && flows.lag < lagMax)) wrongWait++;
    maxLag = Math.max(maxLag, flows.lag);
  }
  run.takeRows();
  const got = flows.step(11);
  const rows = flows.takeRows();
  for (let i = 0; i < rows.length; i += flows.ncols) {
    const step = rows[i];
    const ref = byStep.get(step);
    nflow++;
    if (!ref) { mism++; continue; }
    for (let c = 1; c < flows.ncols; c++) {
      const j = flowIdx[c - 1];
      if (bits(rows[i + c]) !== bits(ref[j])) mism++;
    }
  }
  maxStepRhs = Math.max(maxStepRhs, got);
}
check(nflow === lockRows.length - 1, `a flow row for every GD row after step 0 (${nflow} vs ${lockRows.length - 1})`);
check(mism === 0, `follow-mode flow rows equal the lockstep columns bit for bit (${mism} differences)`);
check(waited === 0 && wrongWait === 0 && maxLag <= lagMax, `GD never waited: the ring holds the whole run (waited ${waited}, `
  + `stopped with the ring not full or stepped with it full ${wrongWait}, most rows owed ${maxLag})`);
check(flows.message === '', `no flow stopped (${flows.message})`);
flows.follow(false);
run.destroy();

// a wide model (P = 67,329; rows of 8 P + 12 bytes): 64 MiB hold 124 rows of its 400 steps, the
// estimate counts them, and GD waits exactly when they are owed
{
  const wide = 'model=mlp&depth=3&d=4&width=256&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=16'
    + '&lr=0.02&measure=0&log_every=1&flow=gf';
  const estimate = (config) => {
    const c = ibp.cstr(config), d = ibp.cstr('');
    try { return ibp.ex.ibp_w_estimate(c, d, 0, 0); } finally { ibp.free(c); ibp.free(d); }
  };
  const r = Run.create(ibp, { config: `${wide}&steps=400` });
  const f = new Flows(r);
  const P = r.nparams, row = 8 * P + 12, n = f.lagMax;
  check(n < 400 && n * row <= 64 * 1048576 && (n + 1) * row > 64 * 1048576, `P = ${P}: the ring holds the ${n} rows that fit in 64 MiB`);
  const grown = estimate(`${wide}&steps=400`) - estimate(`${wide}&steps=2`);
  check(Math.abs(grown - (n - 2) * row) <= 48, `the estimate counts the ring's rows (${grown} bytes for ${n - 2} more rows of ${row})`);
  r.takeRows();
  let took = 0;
  for (let i = 0; i < n; i++) { took += r.step(1); r.takeRows(); }
  check(took === n && f.lag === n, `GD took a step for each of the ring's ${n} rows (${took}), not waiting before it was full`);
  check(r.step(1) === 0 && r.running && f.lag === n, 'the ring full: GD waits, still running');
  let got = 0;
  for (let i = 0; i < 1000 && !got; i++) got = f.step(1);
  check(got === 1 && f.lag === n - 1, `the flows produced one row (${got})`);
  check(r.step(5) === 1 && f.lag === n, 'one row free: GD takes one step, and waits again');
  r.destroy();
}

// errors are sentences
{
  const r = Run.create(ibp, { config: base });
  let e = null;
  try { new Flows(r); } catch (x) { e = x; }
  check(e instanceof EngineError && /no flows/.test(e.message), `a run without flows: ${e && e.message}`);
  r.destroy();
  const r2 = Run.create(ibp, { config: cfg });
  const f2 = new Flows(r2);
  r2.step(30);
  e = null;
  try { f2.follow(false); } catch (x) { e = x; }
  check(e instanceof EngineError && /behind GD/.test(e.message), `back to lockstep while behind: ${e && e.message}`);
  e = null;
  try { f2.step(-1); } catch (x) { e = x; }
  check(e instanceof EngineError && /budget/.test(e.message), `a negative budget: ${e && e.message}`);
  r2.destroy();
  e = null;
  try { Run.create(ibp, { config: 'flow=gf,gf' }); } catch (x) { e = x; }
  check(e instanceof EngineError && /twice/.test(e.message), `flow=gf,gf: ${e && e.message}`);
  e = null;
  try { Run.create(ibp, { config: 'flow=wave' }); } catch (x) { e = x; }
  check(e instanceof EngineError && /not one of/.test(e.message), `flow=wave: ${e && e.message}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
