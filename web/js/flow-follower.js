// flow-follower.js -- the worker's side of the flows beside GD (engine-flows.js in follow mode):
// GD runs ahead and the flows catch up between GD's chunks in budgets of right-hand sides sized
// from the time one took so far, so a slow flow never blocks the worker for long. Their rows (and,
// for two-parameter models, each flow's parameters at each row) wait here until the worker posts
// them; their values also go into the export table's flow columns (GD's row of the same step), so
// the exported CSV is the CLI's (lockstep) bytes once the flows have caught up. No worker API here.
import { Flows } from './engine-flows.js';

export class FlowFollower {
  // A follower for a run with flows, before its first step; null for a run without flows.
  static start(ibp, run) {
    return ibp.ex.ibp_run_flow_ncols(run.ptr) ? new FlowFollower(run) : null;
  }

  constructor(run) {
    this.obj = new Flows(run, { follow: true });
    // where each flow column sits in GD's table (the export fills them in as the rows arrive)
    this.cols = this.obj.columns.map((c) => run.columns.indexOf(c));
    this.rhsMs = 0.05;
    this.budget = 8;
    this.cursor = 0;
    this.pendingRows = [];
    this.pendingThetas = [];
    this.message = '';
  }

  // The flows owe rows GD has written.
  get owed() { return this.obj.lag > 0; }
  // They owe as many as GD's ring holds: a running GD waits for them (ibp.h, follow mode).
  get full() { return this.obj.lag >= this.obj.lagMax; }

  // Advance the flows for about ms milliseconds (each call's budget at most 4x the last, as GD's
  // calls); log: the export's { table, stepCol } or null. -> the flow rows produced.
  step(ms, log) {
    const t0 = performance.now();
    let rows = 0;
    while (this.obj.lag > 0) {
      const left = ms - (performance.now() - t0);
      if (left <= 0) break;
      const budget = Math.max(1, Math.min(Math.floor(left / this.rhsMs), 4 * this.budget, 100000));
      this.budget = budget;
      const c0 = performance.now();
      const got = this.obj.step(budget);
      const spent = performance.now() - c0;
      // a call that stopped for its budget spent about that many right-hand sides
      if (this.obj.lag > 0) this.rhsMs = 0.7 * this.rhsMs + (0.3 * Math.max(1e-4, spent)) / budget;
      rows += got;
      if (got > 0) this.collect(log);
    }
    return rows;
  }

  collect(log) {
    const { rows, thetas } = this.obj.takeRowsWithParams();
    const nc = this.obj.ncols;
    const n = rows.length / nc;
    if (!n) return;
    this.pendingRows.push(rows);
    if (thetas) this.pendingThetas.push(thetas);
    if (log) for (let i = 0; i < n; i++) this.cursor = log.table.fillRow(this.cursor, log.stepCol, rows[i * nc], this.cols, rows, i * nc);
    const msg = this.obj.message;
    if (msg && !this.message) this.message = msg;
  }

  // The rows read since the last take, as one message body and its transfer list; null if none.
  take() {
    if (!this.pendingRows.length) return null;
    const data = join(this.pendingRows);
    const thetas = this.pendingThetas.length ? join(this.pendingThetas) : null;
    this.pendingRows = [];
    this.pendingThetas = [];
    const body = { columns: this.obj.columns, nrows: data.length / this.obj.ncols, data, thetas };
    return { body, transfer: thetas ? [data.buffer, thetas.buffer] : [data.buffer] };
  }

  // Where the flows are: { at (their step; -1 before they start), lag (GD rows they owe), t (GD's
  // step), message (why a flow stopped, in words; '' while they run) }.
  // t: GD's step; gdRunning: whether GD can still take steps (a flow waiting for GD's onset waits
  // for nothing once GD has stopped)
  status(t, gdRunning = true) {
    return { at: this.obj.at, lag: this.obj.lag, t, gdDone: !gdRunning, message: this.message || this.obj.message };
  }
}

function join(parts) {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Float64Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
