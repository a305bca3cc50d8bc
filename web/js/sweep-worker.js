// sweep-worker.js -- one worker of the sweep pool: it loads ibp.wasm and runs one job at a time to
// its end (plan a grid, time a probe, run a cell to its summary, or run a config streaming its
// metric rows). The protocol is documented at the top of sweep-protocol.js; engine-worker.js takes
// the requests and keeps the module healthy. The pool cancels by terminating the worker, so the
// loops below never look for a cancel message.
import { Run, canonical, schema, EngineError } from './engine.js';
import { isSweepRequest, ROWS_EVERY_MS, PAGE_MAX_CELLS } from './sweep-protocol.js';
import { engineWorker, ConfigError } from './engine-worker.js';
import { planSweep, SweepError } from './sweep-plan.js';

const MODULE_URL = new URL('../ibp.wasm', import.meta.url);

// ---- jobs ------------------------------------------------------------------------------------

// The engine plans the sweep (sweep-plan.js); refusals are the page's config errors.
function plan({ base = '', vary = [] }) {
  try {
    return planSweep(ibp(), base, vary, { maxCells: PAGE_MAX_CELLS });
  } catch (e) {
    if (e instanceof SweepError) throw new ConfigError(e.message);
    throw e;
  }
}

// A timed probe of a sweep's first cell. The first probe in a worker runs the module's code for
// these paths cold (a baseline tier until it is optimized: its measurements cost 4-5x, its steps
// 3x): it is thrown away and the second is timed. One cold probe estimated a sweep of 8 s at
// 10 min on a loaded machine, and the page refused it.
function estimate({ config }) {
  probe(config);
  return probe(config);
}

function probe(config) {
  const t0 = performance.now();
  const r = Run.create(ibp(), { config });
  const t1 = performance.now();
  let done = 0, n = 1;
  try {
    const stepsTotal = r.stepsTotal;
    const probe = Math.min(50, stepsTotal);
    while (done < probe && r.running && performance.now() - t1 < 200) {
      const got = r.step(Math.min(n, probe - done));
      ibp().ex.ibp_run_clear_rows(r.ptr);
      done += got;
      n *= 2;
      if (got === 0 && r.running) break;
    }
    const t2 = performance.now();
    return { msCreate: t1 - t0, msPerStep: done > 0 ? (t2 - t1) / done : t2 - t1, stepsTotal, nparams: r.nparams, probed: done };
  } finally {
    r.destroy();
  }
}

function summaryOf(r) {
  const json = JSON.parse(ibp().textOf((b, cap) => ibp().ex.ibp_run_summary_json(r.ptr, b, cap)));
  const { regime, ...summary } = json;
  return { regime, summary };
}

function cell({ config }) {
  const t0 = performance.now();
  let r;
  try {
    r = Run.create(ibp(), { config });
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { regime: 'error', summary: {}, message: e.message, canonical: null, full: null, ms: performance.now() - t0 };
  }
  try {
    for (let idle = 0; r.running && idle < 3;) {
      idle = r.step(100000) === 0 ? idle + 1 : 0; // 0 steps while running: a full row buffer, cleared here
      ibp().ex.ibp_run_clear_rows(r.ptr);
    }
    const { regime, summary } = summaryOf(r);
    return { regime, summary, message: r.message, canonical: canonical(ibp(), config), full: canonical(ibp(), config, true), ms: performance.now() - t0 };
  } finally {
    r.destroy();
  }
}

function run({ config, columns = null, everyMs = ROWS_EVERY_MS }, { id }) {
  const t0 = performance.now();
  const r = Run.create(ibp(), { config });
  try {
    const all = r.columns;
    const want = columns ? ['step', 'lr', ...columns] : all;
    const sel = [...new Set(want)].map((c) => all.indexOf(c)).filter((j) => j >= 0);
    const cols = sel.map((j) => all[j]);
    let pending = [], npending = 0, postedAt = performance.now();
    const collect = () => {
      const rows = r.takeRows();
      const nr = rows.length / all.length;
      if (!nr) return;
      const out = new Float64Array(nr * sel.length);
      for (let i = 0; i < nr; i++) for (let k = 0; k < sel.length; k++) out[i * sel.length + k] = rows[i * all.length + sel[k]];
      pending.push(out);
      npending += nr;
    };
    const flush = () => {
      if (!npending) return;
      const data = new Float64Array(npending * sel.length);
      let o = 0;
      for (const p of pending) { data.set(p, o); o += p.length; }
      post({ type: 'rows', id, columns: cols, nrows: npending, data }, [data.buffer]);
      pending = []; npending = 0; postedAt = performance.now();
    };
    collect(); // the row of step 0
    // calls sized to take ~30 ms each, so rows are posted steadily and memory stays bounded
    let n = 8, idle = 0;
    while (r.running && idle < 3) {
      const s0 = performance.now();
      const got = r.step(n);
      collect();
      const dt = performance.now() - s0;
      if (got > 0) n = Math.max(1, Math.min(100000, Math.round((got * 30) / Math.max(dt, 0.5))));
      if (performance.now() - postedAt >= everyMs) flush();
      idle = got === 0 ? idle + 1 : 0;
    }
    collect();
    flush();
    const { regime, summary } = summaryOf(r);
    return {
      columns: cols, state: r.state, stateName: ibp().readCStr(ibp().ex.ibp_run_state_string(r.state)), message: r.message,
      t: r.t, lr0: r.lr0, s0: r.s0, nparams: r.nparams, summary, regime, full: canonical(ibp(), config, true),
      ms: performance.now() - t0,
    };
  } finally {
    r.destroy();
  }
}

// A trap (or any exception out of the module) fails its job with kind 'trap': the job's run is
// destroyed by its own finally, the module has freed the rest (a fresh instance only when it
// could not: engine-worker.js).
const worker = engineWorker({
  scope: self, moduleUrl: MODULE_URL, isRequest: isSweepRequest,
  handlers: { plan, estimate, cell, run },
  ready: (instance) => ({ version: instance.readCStr(instance.ex.ibp_version()), enums: instance.enums, keys: schema(instance).map((k) => k.key) }),
});
function ibp() { return worker.ibp(); }
function post(msg, transfer) { worker.post(msg, transfer); }
