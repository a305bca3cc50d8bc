// sweep-pool.js -- a pool of sweep workers (sweep-worker.js; protocol in sweep-protocol.js), one
// per core: jobs wait in one FIFO queue and go to the first idle worker. Jobs carry a group
// (a sweep, a panel); cancel(group) drops its queued jobs and terminates the workers running its
// jobs (a fresh worker takes the slot), so cancelling is immediate even inside a long cell. A
// worker that dies (an uncaught error, a failed load) fails only its own job; the slot restarts.
// Workers start lazily, when there is a job for them.
import { refusal, estimateSeconds, cellValues } from './sweep-grid.js';

export class PoolError extends Error {
  constructor(error) {
    super(error && error.message ? error.message : 'the sweep worker failed');
    this.kind = error?.kind ?? 'engine';
  }
}

export function defaultPoolSize(nav = globalThis.navigator) {
  const n = nav && Number.isInteger(nav.hardwareConcurrency) ? nav.hardwareConcurrency : 2;
  return Math.max(1, Math.min(n, 16));
}

export class SweepPool {
  constructor({ url = new URL('./sweep-worker.js', import.meta.url), size = defaultPoolSize(), createWorker } = {}) {
    this.url = url;
    this.size = size;
    this.createWorker = createWorker ?? ((u) => new Worker(u, { type: 'module' }));
    this.slots = Array.from({ length: size }, () => ({ worker: null, job: null }));
    this.queue = [];
    this.nextId = 1;
    this.info = null; // { version, fields } once a worker is ready
    this.readyWaiters = [];
    this.fatal = null;
  }

  // { version, fields, keys } of the module (starts one worker if none runs yet).
  ready() {
    if (this.info) return Promise.resolve(this.info);
    if (this.fatal) return Promise.reject(new PoolError({ message: this.fatal, kind: 'fatal' }));
    if (!this.slots.some((s) => s.worker)) this.spawn(this.slots[0]);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  spawn(slot) {
    const w = this.createWorker(this.url);
    slot.worker = w;
    w.onmessage = (ev) => this.receive(slot, ev.data);
    w.onerror = (ev) => {
      if (ev && ev.preventDefault) ev.preventDefault(); // handled: no uncaught error in the console
      this.crash(slot, ev && ev.message ? String(ev.message).replace(/^Uncaught\s+/, '') : 'the worker stopped');
    };
    w.onmessageerror = () => this.crash(slot, 'a message from the worker could not be read');
  }

  receive(slot, msg) {
    if (!msg || typeof msg !== 'object' || slot.worker === null) return;
    if (msg.type === 'ready') {
      if (!this.info) {
        this.info = { version: msg.version, fields: msg.fields, keys: msg.keys || [] };
        for (const w of this.readyWaiters.splice(0)) w.resolve(this.info);
      }
      return;
    }
    if (msg.type === 'fatal') {
      this.fatal = msg.message;
      for (const w of this.readyWaiters.splice(0)) w.reject(new PoolError({ message: msg.message, kind: 'fatal' }));
      if (slot.job) this.finish(slot, null, { message: msg.message, kind: 'fatal' });
      return;
    }
    const job = slot.job;
    if (!job || msg.id !== job.id) return;
    if (msg.type === 'rows') { if (job.onRows) job.onRows(msg); return; }
    if (msg.type === 'result') this.finish(slot, msg.result, null);
    else if (msg.type === 'error') this.finish(slot, null, msg.error);
  }

  finish(slot, result, error) {
    const job = slot.job;
    slot.job = null;
    if (job) {
      if (error) job.reject(new PoolError(error)); else job.resolve(result);
    }
    this.dispatch();
  }

  crash(slot, reason) {
    this.kill(slot);
    const job = slot.job;
    slot.job = null;
    if (job) job.reject(new PoolError({ message: `the sweep worker stopped unexpectedly (${reason})`, kind: 'crash' }));
    this.dispatch();
  }

  kill(slot) {
    if (slot.worker) { try { slot.worker.terminate(); } catch { /* gone */ } }
    slot.worker = null;
  }

  // submit('cell', { config }, { group, onRows }) -> Promise of the result.
  submit(type, args, { group = null, onRows = null, front = false } = {}) {
    if (this.fatal) return Promise.reject(new PoolError({ message: this.fatal, kind: 'fatal' }));
    return new Promise((resolve, reject) => {
      const job = { id: this.nextId++, type, args, group, onRows, resolve, reject };
      if (front) this.queue.unshift(job); else this.queue.push(job);
      this.dispatch();
    });
  }

  dispatch() {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.job) continue;
      const job = this.queue.shift();
      if (!slot.worker) this.spawn(slot);
      slot.job = job;
      slot.worker.postMessage({ id: job.id, type: job.type, args: job.args });
    }
  }

  // Drop the group's queued jobs and stop its running ones. Their promises reject with kind
  // 'aborted'. Returns how many jobs were cancelled.
  cancel(group) {
    let n = 0;
    const aborted = () => new PoolError({ message: 'cancelled', kind: 'aborted' });
    this.queue = this.queue.filter((j) => {
      if (j.group !== group) return true;
      j.reject(aborted());
      n++;
      return false;
    });
    for (const slot of this.slots) {
      if (slot.job && slot.job.group === group) {
        const job = slot.job;
        slot.job = null;
        this.kill(slot);
        job.reject(aborted());
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
    for (const slot of this.slots) this.kill(slot);
  }
}

// ---- sweeps on a pool ------------------------------------------------------------------------

export class SweepRefused extends Error {
  constructor(message, plan, estimate) { super(message); this.plan = plan; this.estimate = estimate; this.kind = 'refused'; }
}

// Run a sweep: plan the grid (every cell checked by the engine), time a probe of the first cell,
// refuse a sweep too big for the page (the count and the estimated time in the message), then run
// every cell on the pool. Callbacks: onPlan(plan, estimate), onCell(cellResult). Resolves with
// { plan, estimate, results, wallMs }; rejects with a PoolError (kind 'config' for a bad grid or
// cell, 'aborted' when cancelled) or a SweepRefused.
export async function runSweep(pool, { base, vary }, { group, onPlan = () => {}, onCell = () => {} } = {}) {
  const t0 = performance.now();
  const plan = await pool.submit('plan', { base, vary }, { group, front: true });
  const firstConfig = plan.configs[0] ?? null;
  const varies = plan.keys.map((key, k) => ({ key, values: plan.values[k], spec: plan.specs[k] }));
  const probeConfig = firstConfig ?? plan.canonical;
  const est = await pool.submit('estimate', { config: probeConfig }, { group, front: true });
  const seconds = estimateSeconds(est, plan.cells, pool.size);
  const why = refusal({ cells: plan.cells, seconds, workers: pool.size, base, varies });
  if (why) throw new SweepRefused(why, plan, { ...est, seconds });
  onPlan(plan, { ...est, seconds });
  const results = new Array(plan.cells).fill(null);
  // a cell whose worker trapped or crashed is an error cell; a cancel or a lost module ends the sweep
  const lost = (e) => {
    if (e.kind === 'aborted' || e.kind === 'fatal') throw e;
    return { regime: 'error', summary: {}, message: e.message, canonical: null, full: null, ms: NaN };
  };
  const jobs = plan.configs.map((config, cell) => pool.submit('cell', { config }, { group }).catch(lost).then((r) => {
    const res = { cell, values: cellValues(cell, varies), config, ...r };
    results[cell] = res;
    onCell(res);
    return res;
  }));
  // all cells, or the first failure (a cancel rejects every job)
  await Promise.all(jobs);
  return { plan, estimate: { ...est, seconds }, results, wallMs: performance.now() - t0 };
}
