// engine-flows.js -- the flows beside GD (issue 15; ibp.h "Flows beside GD") on a Run of
// engine.js: follow mode, where GD runs ahead and the flows catch up in budgets of right-hand
// sides, so a worker can interleave run.step(n) with flows.step(budget) and never block for long.
// Pure like engine.js (no DOM, no worker API). Int64 values cross as BigInt and come back as
// Numbers here.
import { EngineError } from './engine.js';

export class Flows {
  // run: an engine.js Run whose config has flow=...; follow: GD runs ahead (default) or lockstep
  constructor(run, { follow = true } = {}) {
    this.run = run;
    const ex = run.ibp.ex;
    this.ncols = ex.ibp_run_flow_ncols(run.ptr);
    if (!this.ncols) throw new EngineError('this run has no flows (add flow=gf,central,rod,edge or a subset to the config)', -7);
    this.columns = [];
    for (let j = 0; j < this.ncols; j++) this.columns.push(run.ibp.readCStr(ex.ibp_run_flow_column(run.ptr, j)));
    // the flows, in column order: { prefix, label } (ibp_run_flow_prefix, ibp_run_flow_label)
    this.flows = [];
    for (let i = 0, n = ex.ibp_run_flow_count(run.ptr); i < n; i++) {
      this.flows.push({ prefix: run.ibp.readCStr(ex.ibp_run_flow_prefix(run.ptr, i)), label: run.ibp.readCStr(ex.ibp_run_flow_label(run.ptr, i)) });
    }
    this.P = run.nparams;
    this.follow(follow);
  }
  follow(on) {
    const r = this.run;
    const [rc, msg] = r.ibp.withErr((e, len) => r.ibp.ex.ibp_run_flow_follow(r.ptr, on ? 1 : 0, e, len));
    if (rc !== 0) throw new EngineError(msg, rc);
  }
  // Spend at most about `budget` right-hand sides (0: no limit); returns the flow rows produced.
  step(budget) {
    const r = this.run;
    const got = r.ibp.ex.ibp_run_flow_step(r.ptr, BigInt(budget), 0, 0);
    if (got < 0n) {
      const [, msg] = r.ibp.withErr((e, len) => r.ibp.ex.ibp_run_flow_step(r.ptr, BigInt(budget), e, len));
      throw new EngineError(msg, Number(got));
    }
    return Number(got);
  }
  get lag() { return Number(this.run.ibp.ex.ibp_run_flow_lag(this.run.ptr)); } // GD rows the flows owe
  // the most GD rows the flows can owe: GD waits there, and only there (its ring: ibp.h follow mode)
  get lagMax() { return Number(this.run.ibp.ex.ibp_run_flow_lag_max(this.run.ptr)); }
  get at() { return Number(this.run.ibp.ex.ibp_run_flow_at(this.run.ptr)); }   // step the flows are at
  get message() { return this.run.ibp.readCStr(this.run.ibp.ex.ibp_run_flow_message(this.run.ptr)); }
  // The pending flow rows (step + the flow columns) as one Float64Array; clears them.
  takeRows() {
    const ex = this.run.ibp.ex;
    const n = ex.ibp_run_flow_nrows(this.run.ptr);
    const out = new Float64Array(n * this.ncols);
    out.set(new Float64Array(ex.memory.buffer, ex.ibp_run_flow_rows(this.run.ptr), n * this.ncols));
    ex.ibp_run_flow_clear_rows(this.run.ptr);
    return out;
  }
  // The pending flow rows and, for small models (P <= IBP_FLOW_ROW_PARAMS_MAX), each flow's
  // parameters at each row: { rows: Float64Array (n, ncols), thetas: Float64Array (n, flows, P)
  // or null }; clears them.
  takeRowsWithParams() {
    const ex = this.run.ibp.ex;
    const n = ex.ibp_run_flow_nrows(this.run.ptr);
    const p = ex.ibp_run_flow_row_params(this.run.ptr);
    const m = n * this.flows.length * this.P;
    const thetas = p ? new Float64Array(ex.memory.buffer, p, m).slice() : null;
    return { rows: this.takeRows(), thetas };
  }
  // The pending flow rows as the engine's CSV text; clears them.
  takeRowsCsv(header) {
    const ex = this.run.ibp.ex;
    const s = this.run.ibp.textOf((b, cap) => ex.ibp_run_flow_rows_csv(this.run.ptr, header ? 1 : 0, b, cap));
    ex.ibp_run_flow_clear_rows(this.run.ptr);
    return s;
  }
}
