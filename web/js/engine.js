// engine.js -- a JS view of the engine inside the module (wasm-loader.js): runs, the config's
// problems, sweep plans. Pure: no DOM, no worker API, so the worker and node scripts share it. All
// errors come back as Error objects whose message is the engine's sentence (it names the key, the
// value and what is allowed). Step and parameter counts cross as int64 (BigInt in JS): they are
// converted here, so callers see Numbers. Codes, event bits, regimes and summary fields are in
// ibp.enums (ibp_enums_json): read them there, never repeat them.

export class EngineError extends Error {
  constructor(message, code) { super(message); this.code = code; }
}

// An image file (data=fashion_mnist: data/fashion-mnist.ibpi) opened in the module once and
// handed to any number of runs (Run.create's `images`). Its bytes are validated (checksum too) and
// copied by the engine; close() it when no run will be created from it any more.
export class Images {
  static open(ibp, bytes) {
    const ex = ibp.ex;
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const p = ex.ibp_w_malloc(u8.length || 1);
    if (!p) throw new EngineError('out of memory in the WebAssembly heap for the image file', -5);
    try {
      ibp.heapU8.set(u8, p);
      const [ptr, msg] = ibp.withErr((e, len) => ex.ibp_w_images_open(p, u8.length, e, len));
      if (!ptr) throw new EngineError(msg || 'the image file could not be read', -2);
      return new Images(ibp, ptr);
    } finally {
      ex.ibp_w_free(p);
    }
  }
  constructor(ibp, ptr) { this.ibp = ibp; this.ptr = ptr; }
  // { format, train, test, rows, cols, classes: [names], train_per_class, test_per_class, text }
  info() { return JSON.parse(this.ibp.textOf((b, cap) => this.ibp.ex.ibp_images_info_json(this.ptr, b, cap))); }
  // Image `index` of the training (test = false) or test set: { label, pixels: Uint8Array(rows*cols) }
  image(test, index) {
    const ex = this.ibp.ex, info = this._dims || (this._dims = this.info());
    const n = info.rows * info.cols, p = ex.ibp_w_malloc(n);
    try {
      const label = ex.ibp_images_get(this.ptr, test ? 1 : 0, index, p, n);
      if (label < 0) throw new RangeError(`image ${index} of the ${test ? 'test' : 'training'} set does not exist`);
      return { label, pixels: this.ibp.heapU8.slice(p, p + n) };
    } finally {
      ex.ibp_w_free(p);
    }
  }
  close() { if (this.ptr) { this.ibp.ex.ibp_images_close(this.ptr); this.ptr = 0; } }
}

export class Run {
  static create(ibp, { config = '', dataCsv = null, initJson = null, images = null } = {}) {
    const ex = ibp.ex;
    const c = ibp.cstr(config), d = ibp.cstr(dataCsv), i = ibp.cstr(initJson);
    const outp = ex.ibp_w_malloc(4);
    try {
      const [rc, msg] = ibp.withErr((e, len) => (images
        ? ex.ibp_w_create_ex(c, d, i, images.ptr, e, len, outp)
        : ex.ibp_w_create_status(c, d, i, e, len, outp)));
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
  // Rows kept by the page (Float64Array of nrows rows in this run's columns) as the engine's CSV
  // text (the column names first when header), the CLI's exact bytes.
  csvOfRows(rows, nrows, header) {
    const ex = this.ibp.ex;
    const p = ex.ibp_w_malloc(rows.byteLength);
    if (!p) throw new EngineError('out of memory in the WebAssembly heap while writing the CSV', 0);
    try {
      this.ibp.heapF64.set(rows, p / 8);
      return this.ibp.textOf((b, cap) => ex.ibp_run_csv_of_rows(this.ptr, p, nrows, header ? 1 : 0, b, cap));
    } finally {
      ex.ibp_w_free(p);
    }
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
  // The run's config in canonical form, changes of eta made with setLr included (lr_at).
  config(full = false) { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_config(this.ptr, full ? 1 : 0, b, cap)); }
  // ---- pictures of the data and the model (src/run/probe.c): nothing here changes the run ----
  get dimIn() { return this.ibp.ex.ibp_run_dim_in(this.ptr); }
  get dimOut() { return this.ibp.ex.ibp_run_dim_out(this.ptr); }
  // The training (or test) set: { n, d, k, x: Float64Array (n, d), y: Float64Array (n, k) }, copied.
  data(test = false) {
    const ex = this.ibp.ex, t = test ? 1 : 0;
    const n = ex.ibp_run_data_n(this.ptr, t), d = this.dimIn, k = this.dimOut;
    if (!n) return { n: 0, d, k, x: new Float64Array(0), y: new Float64Array(0) };
    const buf = ex.memory.buffer;
    return { n, d, k, x: new Float64Array(buf, ex.ibp_run_data_x(this.ptr, t), n * d).slice(), y: new Float64Array(buf, ex.ibp_run_data_y(this.ptr, t), n * k).slice() };
  }
  // The model's outputs (n, k) on inputs x (n, d) at the current parameters.
  predict(x, n) {
    const ex = this.ibp.ex, d = this.dimIn, k = this.dimOut;
    const px = ex.ibp_w_malloc(8 * Math.max(1, n * d)), pf = ex.ibp_w_malloc(8 * Math.max(1, n * k));
    try {
      new Float64Array(ex.memory.buffer, px, n * d).set(x.subarray ? x.subarray(0, n * d) : x);
      const [rc, msg] = this.ibp.withErr((e, len) => ex.ibp_run_predict(this.ptr, px, BigInt(n), pf, e, len));
      if (rc !== 0) throw new EngineError(msg, rc);
      return new Float64Array(ex.memory.buffer, pf, n * k).slice();
    } finally {
      ex.ibp_w_free(px); ex.ibp_w_free(pf);
    }
  }
  // The layers, input side first: [{ rows, cols, trained, alpha, w: Float64Array (rows, cols), b: Float64Array | null }] (copies).
  layers() {
    const ex = this.ibp.ex;
    const nl = ex.ibp_run_nlayers(this.ptr);
    const p = ex.ibp_w_malloc(40); // rows, cols, trained (int), alpha (double at 16), w, b (pointers at 24, 28)
    try {
      const out = [];
      for (let i = 0; i < nl; i++) {
        ex.ibp_run_layer(this.ptr, i, p, p + 4, p + 8, p + 16, p + 24, p + 28);
        const buf = ex.memory.buffer;
        const [rows, cols, trained] = new Int32Array(buf, p, 3);
        const alpha = new Float64Array(buf, p + 16, 1)[0];
        const [pw, pb] = new Uint32Array(buf, p + 24, 2);
        out.push({ rows, cols, trained: trained !== 0, alpha, w: new Float64Array(buf, pw, rows * cols).slice(), b: pb ? new Float64Array(buf, pb, rows).slice() : null });
      }
      return out;
    } finally {
      ex.ibp_w_free(p);
    }
  }
  paramsJson() { return this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_params_json(this.ptr, b, cap)); }
  // Where things are (ibp_run_layout_json; fixed for the run's life): { P, n, n_test, k,
  // input: { d, shape, order } | null, classes?: [Fashion-MNIST class of each target],
  // params: [{ name, offset, shape, trained }] } (a kernel K_h is (C_out, C_in, kh, kw)).
  layout() {
    if (!this._layout) this._layout = JSON.parse(this.ibp.textOf((b, cap) => this.ibp.ex.ibp_run_layout_json(this.ptr, b, cap)));
    return this._layout;
  }
  // One named array of the current parameters: { name, shape, data: Float64Array } (row-major
  // in shape; a copy). A fixed array (a head) is not in theta: RangeError, as for an unknown name.
  param(name) {
    const a = this.layout().params.find((q) => q.name === name);
    if (!a || a.offset < 0) throw new RangeError(`no trained array "${name}" in this run (${this.layout().params.filter((q) => q.offset >= 0).map((q) => q.name).join(', ')})`);
    const count = a.shape.reduce((x, y) => x * y, 1), ex = this.ibp.ex;
    return { name, shape: a.shape, data: new Float64Array(ex.memory.buffer, ex.ibp_run_params(this.ptr) + 8 * a.offset, count).slice() };
  }
  // The first layer's weights: a CNN's filters K1 (C_out, C_in, kh, kw), or an MLP's / linear
  // net's W1 (units, d), each row one input-shaped image (layout().input).
  firstLayer() { return this.param(this.layout().params[0].name); }
  // Sample `index` of the training (test = false) or test set as the model sees it:
  // { x: Float64Array(d) in layout().input.order, y: Float64Array(k) }.
  sample(test, index) {
    const L = this.layout(), ex = this.ibp.ex;
    const n = test ? L.n_test : L.n;
    if (!L.input || !Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`sample ${index} of the ${test ? 'test' : 'training'} set does not exist (it has ${L.input ? n : 0})`);
    const d = L.input.d, p = ex.ibp_w_malloc(8 * (d + L.k));
    if (!p) throw new EngineError('out of memory in the WebAssembly heap', -5);
    try {
      const rc = ex.ibp_run_sample(this.ptr, test ? 1 : 0, index, p, p + 8 * d);
      if (rc !== 0) throw new RangeError(`sample ${index}: the engine refused it (${rc})`);
      return { x: new Float64Array(ex.memory.buffer, p, d).slice(), y: new Float64Array(ex.memory.buffer, p + 8 * d, L.k).slice() };
    } finally {
      ex.ibp_w_free(p);
    }
  }
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

// The keys that mean something for a config (ibp_config_applies_json): the form shows these.
export function appliesKeys(ibp, config) {
  const c = ibp.cstr(config ?? '');
  try {
    return JSON.parse(ibp.textOf((b, cap) => ibp.ex.ibp_config_applies_json(c, b, cap)));
  } finally {
    ibp.free(c);
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
