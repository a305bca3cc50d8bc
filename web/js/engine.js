// engine.js -- a JS view of the engine inside the module (wasm-loader.js): runs, the config's
// problems, sweep plans. Pure: no DOM, no worker API, so the worker and node scripts share it. All
// errors come back as Error objects whose message is the engine's sentence (it names the key, the
// value and what is allowed). Step and parameter counts cross as int64 (BigInt in JS): they are
// converted here, so callers see Numbers. Codes, event bits, regimes and summary fields are in
// ibp.enums (ibp_enums_json): read them there, never repeat them.

export class EngineError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

export class Run {
  static create(ibp, { config = '', dataCsv = null, initJson = null } = {}) {
    const ex = ibp.ex;
    const c = ibp.cstr(config), d = ibp.cstr(dataCsv), i = ibp.cstr(initJson);
    const outp = ex.ibp_w_malloc(4);
    try {
      const [rc, msg] = ibp.withErr((e, len) => ex.ibp_w_create_status(c, d, i, e, len, outp));
      if (rc !== 0) throw new EngineError(msg || 'the run could not be created', rc);
      const ptr = new Uint32Array(ex.memory.buffer, outp, 1)[0];
      return new Run(ibp, ptr);
    } finally {
      ibp.free(c); ibp.free(d); ibp.free(i); ibp.free(outp);
    }
  }
  constructor(ibp, ptr) {
    this.ibp = ibp;
    this.ptr = ptr;
    const ex = ibp.ex;
    this.ncols = ex.ibp_run_ncols(ptr);
    this.columns = [];
    for (let j = 0; j < this.ncols; j++) this.columns.push(ibp.readCStr(ex.ibp_run_column(ptr, j)));
  }
  destroy() { if (this.ptr) { this.ibp.ex.ibp_run_destroy(this.ptr); this.ptr = 0; } }
  step(n) {
    // the hot path passes no message buffer; a refusal changes nothing, so asking again for its
    // sentence is safe
    const got = this.ibp.ex.ibp_run_step(this.ptr, BigInt(n), 0, 0);
    if (got < 0n) {
      const [, msg] = this.ibp.withErr((e, len) => this.ibp.ex.ibp_run_step(this.ptr, BigInt(n), e, len));
      throw new EngineError(msg, Number(got));
    }
    return Number(got);
  }
  get state() { return this.ibp.ex.ibp_run_state(this.ptr); }
  get running() { return this.state === this.ibp.enums.state.IBP_RUNNING; }
  get message() { return this.ibp.readCStr(this.ibp.ex.ibp_run_message(this.ptr)); }
  get t() { return Number(this.ibp.ex.ibp_run_t(this.ptr)); }
  get stepsTotal() { return Number(this.ibp.ex.ibp_run_steps_total(this.ptr)); }
  get lr() { return this.ibp.ex.ibp_run_lr(this.ptr); }
  get lr0() { return this.ibp.ex.ibp_run_lr0(this.ptr); }
  get s0() { return this.ibp.ex.ibp_run_s0(this.ptr); }
  get nparams() { return Number(this.ibp.ex.ibp_run_nparams(this.ptr)); }
  setLr(eta) {
    const [rc, msg] = this.ibp.withErr((e, len) => this.ibp.ex.ibp_run_set_lr(this.ptr, eta, e, len));
    if (rc !== 0) throw new EngineError(msg, rc);
  }
  // Raise the step limit; returns 0, or throws EngineError with the engine's sentence.
  extend(more) {
    const [rc, msg] = this.ibp.withErr((e, len) => this.ibp.ex.ibp_run_extend(this.ptr, BigInt(more), e, len));
    if (rc !== 0) throw new EngineError(msg, rc);
    return 0;
  }
  // Index of a metrics column by name, or -1.
  columnIndex(name) {
    const c = this.ibp.cstr(name);
    try { return this.ibp.ex.ibp_run_column_index(this.ptr, c); } finally { this.ibp.free(c); }
  }
  // The run's regime: an entry of ibp.enums.regimes ({ value, id, label, help }).
  get regime() {
    const v = this.ibp.ex.ibp_run_regime_id(this.ptr);
    return this.ibp.enums.regimes.find((g) => g.value === v);
  }
  // The events so far: [{ kind, step, value, value2 }] (kind: a bit of ibp.enums.event).
  events() {
    const ex = this.ibp.ex;
    const n = ex.ibp_run_nevents(this.ptr);
    const p = ex.ibp_w_malloc(32); // kind (int), step (int64), value, value2 (doubles)
    try {
      const out = [];
      for (let i = 0; i < n; i++) {
        ex.ibp_run_event(this.ptr, i, p, p + 8, p + 16, p + 24);
        const buf = ex.memory.buffer;
        out.push({ kind: new Int32Array(buf, p, 1)[0], step: Number(new BigInt64Array(buf, p + 8, 1)[0]),
          value: new Float64Array(buf, p + 16, 1)[0], value2: new Float64Array(buf, p + 24, 1)[0] });
      }
      return out;
    } finally {
      ex.ibp_w_free(p);
    }
  }
  // The pending metric rows as one Float64Array (nrows * ncols), copied out of the heap.
  takeRows() {
    const ex = this.ibp.ex;
    const n = ex.ibp_run_nrows(this.ptr);
    const p = ex.ibp_run_rows(this.ptr);
    const out = new Float64Array(n * this.ncols);
    out.set(new Float64Array(ex.memory.buffer, p, n * this.ncols));
    ex.ibp_run_clear_rows(this.ptr);
    return out;
  }
  // The pending rows as the engine's CSV text (the CLI's exact bytes), without clearing them.
  rowsCsv(header) {
    return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_rows_csv(this.ptr, header ? 1 : 0, b, cap));
  }
  // The pending rows as the engine's CSV text (the CLI's exact bytes); clears them.
  takeRowsCsv(header) {
    const ex = this.ibp.ex;
    const s = this.ibp.textOf((b, cap) => ex.ibp_run_rows_csv(this.ptr, header ? 1 : 0, b, cap));
    ex.ibp_run_clear_rows(this.ptr);
    return s;
  }
  params() {
    const ex = this.ibp.ex;
    const n = this.nparams;
    return new Float64Array(ex.memory.buffer, ex.ibp_run_params(this.ptr), n).slice();
  }
  // Replace the parameters (P,) (they must be finite); the loss and gradient are recomputed.
  setParams(theta) {
    const ex = this.ibp.ex;
    const n = this.nparams;
    if (theta.length !== n) throw new EngineError(`expected ${n} parameters, got ${theta.length}`, -6);
    const p = ex.ibp_w_malloc(8 * n);
    try {
      new Float64Array(ex.memory.buffer, p, n).set(theta);
      const [rc, msg] = this.ibp.withErr((e, len) => ex.ibp_run_set_params(this.ptr, p, e, len));
      if (rc !== 0) throw new EngineError(msg, rc);
    } finally {
      ex.ibp_w_free(p);
    }
  }
  // Full-batch training loss at the current parameters.
  loss() {
    const ex = this.ibp.ex;
    const p = ex.ibp_w_malloc(8);
    try {
      ex.ibp_run_loss_grad(this.ptr, p, 0);
      return new Float64Array(ex.memory.buffer, p, 1)[0];
    } finally {
      ex.ibp_w_free(p);
    }
  }
  // The training loss at theta (moves this run's parameters there: use a probe run).
  lossAt(theta) {
    this.setParams(theta);
    return this.loss();
  }
  // A one-shot Hessian spectrum at the current parameters (ibp_spectrum_create; the run is not
  // changed): mode 'top' | 'exact' | 'density', kOrProbes and steps 0 = the engine's defaults,
  // sigma <= 0 = automatic. -> the engine's JSON object (src/spectrum.c). Refusals (P too large
  // for exact, the memory cap, non-finite Hessian) throw EngineError with the engine's sentence.
  spectrum(mode, { kOrProbes = 0, steps = 0, sigma = 0 } = {}) {
    const ex = this.ibp.ex;
    const m = this.ibp.enums.spectrum[`IBP_SPECTRUM_${String(mode).toUpperCase()}`];
    if (!['top', 'exact', 'density'].includes(mode) || m === undefined) throw new RangeError(`spectrum mode "${mode}": use top, exact or density`);
    const outp = ex.ibp_w_malloc(4);
    let s = 0;
    try {
      const [rc, msg] = this.ibp.withErr((e, len) => ex.ibp_spectrum_create(outp, this.ptr, m, kOrProbes, steps, sigma, e, len));
      if (rc !== 0) throw new EngineError(msg || 'the spectrum could not be computed', rc);
      s = new Uint32Array(ex.memory.buffer, outp, 1)[0];
      return JSON.parse(this.ibp.textOf((b, cap) => ex.ibp_spectrum_json(s, b, cap)));
    } finally {
      if (s) ex.ibp_spectrum_destroy(s);
      this.ibp.free(outp);
    }
  }
  paramsJson() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_params_json(this.ptr, b, cap)); }
  dataCsv(test = false) { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_data_csv(this.ptr, test ? 1 : 0, b, cap)); }
  info() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_info_text(this.ptr, b, cap)); }
  summaryJson() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_summary_json(this.ptr, b, cap)); }
  eventsText() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_events_text(this.ptr, b, cap)); }
  conventions() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_conventions(this.ptr, b, cap)); }
  // The CSV's comment header, the same bytes as `ibp run` writes (src/info.c).
  csvHeader() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_csv_header(this.ptr, b, cap)); }
}

// Canonical form of a config (throws EngineError with the parser's message).
export function canonical(ibp, config, full = false) {
  const ex = ibp.ex;
  const c = ibp.cstr(config);
  const cap = 65536;
  const out = ex.ibp_w_malloc(cap);
  try {
    const [rc, msg] = ibp.withErr((e, len) => ex.ibp_config_canonical(c, full ? 1 : 0, out, cap, e, len));
    if (rc !== 0) throw new EngineError(msg, rc);
    return ibp.readCStr(out);
  } finally {
    ibp.free(c); ibp.free(out);
  }
}

export function schema(ibp) {
  return JSON.parse(ibp.textOf((b, cap) => ibp.ex.ibp_config_schema_json(b, cap)));
}

// Every problem of a config at once: [] when it is valid, else [{ key, value, allowed, message }]
// (ibp_config_problems_json): mark the controls by key; never read keys out of a message.
export function problems(ibp, config) {
  const c = ibp.cstr(config ?? '');
  try {
    return JSON.parse(ibp.textOf((b, cap) => ibp.ex.ibp_config_problems_json(c, b, cap)));
  } finally {
    ibp.free(c);
  }
}

// A sweep plan (ibp_sweep_plan): the ONE grid grammar, cell numbering, cell configs and shards.
// `vary` is a list of KEY=GRID specs (or one string, a spec per line). Throws EngineError with the
// engine's sentence. Call destroy() when done.
export class Sweep {
  static plan(ibp, base, vary) {
    const ex = ibp.ex;
    const specs = Array.isArray(vary) ? vary.map((v) => String(v ?? '')).join('\n') : String(vary ?? '');
    const b = ibp.cstr(base ?? ''), v = ibp.cstr(specs);
    const outp = ex.ibp_w_malloc(4);
    try {
      const [rc, msg] = ibp.withErr((e, len) => ex.ibp_sweep_plan(outp, b, v, e, len));
      if (rc !== 0) throw new EngineError(msg || 'the sweep could not be planned', rc);
      return new Sweep(ibp, new Uint32Array(ex.memory.buffer, outp, 1)[0]);
    } finally {
      ibp.free(b); ibp.free(v); ibp.free(outp);
    }
  }
  constructor(ibp, ptr) {
    this.ibp = ibp;
    this.ptr = ptr;
    // { keys: [{ key, spec, values: [canonical texts] }], ncells, base: canonical base config }
    const j = JSON.parse(ibp.textOf((b, cap) => ibp.ex.ibp_sweep_json(ptr, b, cap)));
    this.keys = j.keys;
    this.ncells = j.ncells;
    this.base = j.base;
  }
  destroy() { if (this.ptr) { this.ibp.ex.ibp_sweep_destroy(this.ptr); this.ptr = 0; } }
  // The value index of each key in a cell (first key outermost) and the values themselves.
  cellIndex(cell) { return this.keys.map((_, k) => Number(this.ibp.ex.ibp_sweep_value_index(this.ptr, BigInt(cell), k))); }
  cellValues(cell) { return this.cellIndex(cell).map((i, k) => this.keys[k].values[i]); }
  // The canonical config of a cell (for an invalid cell its text, so creating a run says why).
  cellConfig(cell) { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_sweep_cell_config(this.ptr, BigInt(cell), b, cap)); }
  // null when the cell is a valid config, else the parser's sentence.
  cellProblem(cell) {
    const [rc, msg] = this.ibp.withErr((e, len) => this.ibp.ex.ibp_sweep_cell_check(this.ptr, BigInt(cell), e, len));
    return rc === 0 ? null : msg;
  }
  // The cells of shard `shard` of `nshards` (1-based), in order.
  shardCells(shard, nshards) {
    const ex = this.ibp.ex;
    const n = Number(ex.ibp_sweep_shard_ncells(this.ptr, shard, nshards));
    if (n < 0) throw new EngineError(`shard ${shard}/${nshards}: write I/N with 1 <= I <= N`, n);
    const out = [];
    for (let j = 0; j < n; j++) out.push(Number(ex.ibp_sweep_shard_cell(this.ptr, shard, nshards, BigInt(j))));
    return out;
  }
}
