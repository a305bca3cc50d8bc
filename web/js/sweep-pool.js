// sweep-pool.js -- a pool of sweep workers (sweep-worker.js; protocol in sweep-protocol.js), one
// per core, each slot one rpc.js WorkerRpc: jobs wait in one FIFO queue and go to the first idle
// worker. Jobs carry a group (a sweep, a panel); cancel(group) drops its queued jobs and stops the
// workers running its jobs, so cancelling is immediate even inside a long cell. A worker that dies
// (an uncaught error) fails only its own job; the slot starts a fresh one for the next. Workers
// start lazily, when there is a job for them.
import { WorkerRpc, RpcError, errorOf } from './rpc.js';
import { PAGE_MAX_CELLS } from './sweep-protocol.js';
import { engineNames } from './names.js';
import { formatDuration } from './format.js';

export { PAGE_MAX_CELLS };
export const PAGE_MAX_SECONDS = 600; // the page refuses sweeps estimated to take longer than this

export function defaultPoolSize(nav = globalThis.navigator) {
  const n = nav && Number.isInteger(nav.hardwareConcurrency) ? nav.hardwareConcurrency : 2;
  return Math.max(1, Math.min(n, 16));
}

export class SweepPool {
  constructor({ url = new URL('./sweep-worker.js', import.meta.url), size = defaultPoolSize(), createWorker } = {}) {
    this.size = size;
    this.slots = Array.from({ length: size }, () => {
      const rpc = new WorkerRpc({ url, createWorker, name: 'the sweep worker', lazy: true });
      const slot = { rpc, job: null };
      rpc.on('ready', (msg) => this.onReady(msg));
      rpc.on('fatal', (msg) => this.onFatal(msg, slot));
      return slot;
    });
    this.queue = [];
    this.info = null; // { version, enums, names, fields, keys } once a worker is ready
    this.readyWaiters = [];
    this.fatal = null;
  }

  // { version, enums, names (names.js), fields (the summary fields), keys (the config keys) } of
  // the module (starts one worker if none runs yet).
  ready() {
    if (this.info) return Promise.resolve(this.info);
    if (this.fatal) return Promise.reject(new RpcError(errorOf(this.fatal, 'fatal')));
    if (!this.slots.some((s) => s.rpc.running)) this.slots[0].rpc.ensure();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  onReady(msg) {
    if (this.info) return;
    const names = engineNames(msg.enums);
    this.info = { version: msg.version, enums: msg.enums, names, fields: names.fieldIds.slice(), keys: msg.keys || [] };
    for (const w of this.readyWaiters.splice(0)) w.resolve(this.info);
  }

  // The module could not be loaded: nothing will ever run.
  onFatal(msg, slot) {
    this.fatal = msg.message;
    for (const w of this.readyWaiters.splice(0)) w.reject(new RpcError(errorOf(msg.message, 'fatal')));
    slot.rpc.stop(errorOf(msg.message, 'fatal'));
    for (const j of this.queue.splice(0)) j.reject(new RpcError(errorOf(msg.message, 'fatal')));
  }

  // submit('cell', { config }, { group, onRows }) -> Promise of the result. A job whose worker
  // dies fails alone (kind 'crash'); the slot gets a fresh worker for the next job.
  submit(type, args, { group = null, onRows = null, front = false } = {}) {
    if (this.fatal) return Promise.reject(new RpcError(errorOf(this.fatal, 'fatal')));
    return new Promise((resolve, reject) => {
      const job = { type, args, group, onRows, resolve, reject };
      if (front) this.queue.unshift(job); else this.queue.push(job);
      this.dispatch();
    });
  }

  dispatch() {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.job) continue;
      const job = this.queue.shift();
      slot.job = job;
      slot.rpc.request(job.type, job.args, { onProgress: job.onRows }).then(job.resolve, job.reject).finally(() => {
        if (slot.job === job) slot.job = null;
        this.dispatch();
      });
    }
  }

  // Drop the group's queued jobs and stop its running ones (their workers are terminated, so a
  // cancel is immediate even inside a long cell). Their promises reject with kind 'aborted'.
  // Returns how many jobs were cancelled.
  cancel(group) {
    let n = 0;
    const aborted = errorOf('cancelled', 'aborted');
    this.queue = this.queue.filter((j) => {
      if (j.group !== group) return true;
      j.reject(new RpcError(aborted));
      n++;
      return false;
    });
    for (const slot of this.slots) {
      if (slot.job && slot.job.group === group) {
        slot.job = null;
        slot.rpc.stop(aborted);
        n++;
      }
    }
    this.dispatch();
    return n;
  }

  busy() { return this.slots.filter((s) => s.job).length; }
  pending() { return this.queue.length; }

  terminate() {
    for (const g of new Set([...this.queue, ...this.slots.map((s) => s.job)].filter(Boolean).map((j) => j.group))) this.cancel(g);
    for (const slot of this.slots) slot.rpc.stop();
  }
}

// ---- sweeps on a pool ------------------------------------------------------------------------

// A rough wall time for a sweep from a timed probe of its first cell: create + every step, per
// cell, spread over the workers. An upper bound when runs stop early (divergence).
export function estimateSeconds(probe, cells, workers = 1) {
  const perCellMs = (probe.msCreate || 0) + (probe.msPerStep || 0) * (probe.stepsTotal || 0);
  return (cells * perCellMs) / 1000 / Math.max(1, workers);
}

// The command line's limits (include/ibp.h: IBP_SWEEP_MAX_CELLS per sweep, IBP_SWEEP_MAX_JOB_CELLS
// per process): the page's advice to run a sweep there must be one the CLI accepts.
export const CLI_MAX_CELLS = 1000000;
export const CLI_MAX_JOB_CELLS = 10000;

// How to run on the command line a sweep the page refuses: `--jobs N` within the CLI's per-job
// limit, shards and a merge above it, and no command at all above its per-sweep limit.
export function cliAdvice(cells, base, specs) {
  const cmd = `ibp sweep '${base}' ${specs.map((s) => `--vary ${s}`).join(' ')}`;
  if (cells > CLI_MAX_CELLS) {
    return `It is over the command line's limit too (at most ${CLI_MAX_CELLS} cells per sweep): use a coarser grid, or split the grid into sweeps of at most ${CLI_MAX_CELLS} cells each (e.g. one per range of the first key's values).`;
  }
  if (cells > CLI_MAX_JOB_CELLS) {
    const n = Math.ceil(cells / CLI_MAX_JOB_CELLS);
    return `Use a coarser grid, or run it with the command line in ${n} or more shards (at most ${CLI_MAX_JOB_CELLS} cells per process): ${cmd} --shard I/${n} --out part-I.csv for I = 1 to ${n}, then ibp merge part-*.csv --out sweep.csv (scripts/slurm-sweep does this on a Slurm cluster).`;
  }
  return `Use a coarser grid, or run it with the command line: ${cmd} --jobs N`;
}

// Whether the page runs a sweep: null when it does, else the sentence that says why not (with the
// count and the estimated time) and how to run it anyway (a coarser grid, or the CLI if it can).
export function refusal({ cells, seconds, workers, base, specs }) {
  const est = `estimated ${formatDuration(seconds)} with ${workers} worker${workers > 1 ? 's' : ''}`;
  if (cells > PAGE_MAX_CELLS) {
    return `This sweep has ${cells} cells (${est}): the page runs at most ${PAGE_MAX_CELLS}. ${cliAdvice(cells, base, specs)}`;
  }
  if (seconds > PAGE_MAX_SECONDS) {
    const cmd = `ibp sweep '${base}' ${specs.map((s) => `--vary ${s}`).join(' ')} --jobs N`;
    return `This sweep of ${cells} cells would take too long in the browser (${est}; the page runs sweeps of up to ${formatDuration(PAGE_MAX_SECONDS)}). Use fewer cells or steps, or run it with the command line: ${cmd}`;
  }
  return null;
}

// The value of each key in a cell of a plan (the engine's index of each).
export function cellValues(plan, cell) {
  return plan.index[cell].map((i, k) => plan.values[k][i]);
}

export class SweepRefused extends Error {
  constructor(message, plan, estimate) { super(message); this.plan = plan; this.estimate = estimate; this.kind = 'refused'; }
}

// Run a sweep: plan the grid (every cell checked by the engine), time a probe of the first cell,
// refuse a sweep too big for the page (the count and the estimated time in the message), then run
// every cell on the pool. Callbacks: onPlan(plan, estimate), onCell(cellResult). Resolves with
// { plan, estimate, results, wallMs }; rejects with an RpcError (kind 'config' for a bad grid or
// cell, 'aborted' when cancelled) or a SweepRefused.
export async function runSweep(pool, { base, vary }, { group, onPlan = () => {}, onCell = () => {} } = {}) {
  const t0 = performance.now();
  const plan = await pool.submit('plan', { base, vary }, { group, front: true });
  const est = await pool.submit('estimate', { config: plan.first }, { group, front: true });
  const seconds = estimateSeconds(est, plan.cells, pool.size);
  const why = refusal({ cells: plan.cells, seconds, workers: pool.size, base, specs: plan.specs });
  if (why) throw new SweepRefused(why, plan, { ...est, seconds });
  onPlan(plan, { ...est, seconds });
  const results = new Array(plan.cells).fill(null);
  // a cell whose worker trapped or crashed is an error cell; a cancel or a lost module ends the sweep
  const lost = (e) => {
    if (e.kind === 'aborted' || e.kind === 'fatal') throw e;
    return { regime: 'error', summary: {}, message: e.message, canonical: null, full: null, ms: NaN };
  };
  const jobs = plan.configs.map((config, cell) => pool.submit('cell', { config }, { group }).catch(lost).then((r) => {
    const res = { cell, values: cellValues(plan, cell), config, ...r };
    results[cell] = res;
    onCell(res);
    return res;
  }));
  // all cells, or the first failure (a cancel rejects every job)
  await Promise.all(jobs);
  return { plan, estimate: { ...est, seconds }, results, wallMs: performance.now() - t0 };
}
