// series.js -- the page's copy of a run's metrics and everything computed from it for drawing:
// a column store fed by the worker's batches, min-max decimation that keeps spikes, the table of
// charts (which columns each draws; a chart appears only when its columns exist) and the events.
// Pure: no DOM, no Chart.js; node tests import it.

// ---- the column store ------------------------------------------------------------------------

// A long run's history is thinned so the store stays under MAX_ROWS rows (35.7 MB for 17
// columns): when it is full, the last RECENT_ROWS rows stay as they are and the rows before them
// are halved (compact). Rows that have been old through k compactions are thus one in 2^k: every
// point of the recent steps, ever sparser (stride doubling) towards the start, each pair's more
// telling row kept. The worker keeps the whole table for the CSV export (row-table.js).
export const MAX_ROWS = 1 << 18;
export const RECENT_ROWS = 1 << 16;

export class RunData {
  constructor(columns) {
    this.columns = columns.slice();
    this.index = new Map(columns.map((c, j) => [c, j]));
    this.cap = 1024;
    this.n = 0;
    this.data = columns.map(() => new Float64Array(this.cap));
    this.version = 0; // bumps on every change, so views know when to redraw
  }
  has(name) { return this.index.has(name); }
  // A frozen copy (a kept run for the overlay).
  clone() {
    const c = new RunData(this.columns);
    c.cap = Math.max(1, this.n);
    c.n = this.n;
    c.data = this.data.map((a) => a.slice(0, c.cap));
    return c;
  }
  // Append a row-major batch (nrows, ncols) whose columns are `columns` (by name: a batch may
  // carry its columns in another order than the store).
  append(columns, rows, nrows) {
    const nc = columns.length;
    if (nrows <= 0) return;
    if (this.n + nrows > MAX_ROWS && this.n > RECENT_ROWS) this.compact(); // before growing past it
    while (this.n + nrows > this.cap) this.grow();
    const map = columns.map((c) => this.index.get(c));
    const missing = [];
    for (let d = 0; d < this.columns.length; d++) if (!columns.includes(this.columns[d])) missing.push(d);
    for (let i = 0; i < nrows; i++) {
      const r = this.n + i;
      for (let j = 0; j < nc; j++) {
        const dst = map[j];
        if (dst !== undefined) this.data[dst][r] = rows[i * nc + j];
      }
      for (const d of missing) this.data[d][r] = NaN;
    }
    this.n += nrows;
    while (this.n > MAX_ROWS) this.compact();
    this.version++;
  }
  grow() {
    this.cap *= 2;
    this.data = this.data.map((a) => { const b = new Float64Array(this.cap); b.set(a.subarray(0, this.n)); return b; });
  }
  col(name) {
    const j = this.index.get(name);
    return j === undefined ? null : this.data[j].subarray(0, this.n);
  }
  // The last finite value of a column and its step: { value, step } or null.
  last(name) {
    const c = this.col(name), s = this.col('step');
    if (!c) return null;
    for (let i = this.n - 1; i >= 0; i--) if (Number.isFinite(c[i])) return { value: c[i], step: s ? s[i] : i };
    return null;
  }
  // Halve the rows before the last RECENT_ROWS (all of them when there are fewer): of each pair
  // keep the one that matters more for the charts (a measured row, an event row, else the larger
  // loss, so spikes survive); the first row and the recent ones always stay.
  compact() {
    const loss = this.col('loss'), sh = this.col('sharpness'), ev = this.col('events');
    const old = this.n > RECENT_ROWS + 2 ? this.n - RECENT_ROWS : this.n - 1; // rows [0, old) are thinned
    const keep = [0];
    const pairs = Math.floor((old - 1) / 2); // (1, 2), (3, 4), ...: one row of each
    for (let i = 1; i < 2 * pairs; i += 2) {
      const score = (r) => (ev && ev[r] ? 4 : 0) + (sh && Number.isFinite(sh[r]) ? 2 : 0);
      const a = score(i), b = score(i + 1);
      if (a !== b) keep.push(a > b ? i : i + 1);
      else keep.push(loss && !(loss[i] >= loss[i + 1]) ? i + 1 : i);
    }
    for (let i = 2 * pairs + 1; i < this.n; i++) keep.push(i);
    for (const a of this.data) for (let k = 0; k < keep.length; k++) a[k] = a[keep[k]];
    this.n = keep.length;
  }
}

// ---- decimation ------------------------------------------------------------------------------

// Min-max decimation over `buckets` equal ranges of x: in each bucket keep the first, the
// smallest, the largest and the last valid point, in x order, so every spike survives and the
// drawn line looks the same as the full one at that width. Points are valid when y is finite
// (and > 0 on a log axis). Returns the kept indices in increasing order.
export function minMaxDecimate(x, y, n, buckets, log = false, from = 0) {
  const lo = log ? 0 : -Infinity; // valid: finite x and y, y > 0 on a log axis
  let first = -1, last = -1, count = 0;
  for (let i = from; i < n; i++) {
    const v = y[i];
    if (v > lo && v < Infinity && Number.isFinite(x[i])) { if (first < 0) first = i; last = i; count++; }
  }
  const out = [];
  if (count === 0) return out;
  if (count <= 4 * buckets) {
    for (let i = first; i <= last; i++) { const v = y[i]; if (v > lo && v < Infinity && Number.isFinite(x[i])) out.push(i); }
    return out;
  }
  const x0 = x[first], scale = buckets / (x[last] - x0 || 1);
  let b = -1, fi = -1, mn = -1, mx = -1, la = -1;
  const flush = () => {
    // first, min, max, last in x order, each once
    let p = mn < mx ? mn : mx, q = mn < mx ? mx : mn;
    out.push(fi);
    if (p !== fi) out.push(p);
    if (q !== p) out.push(q);
    if (la !== q) out.push(la);
  };
  for (let i = first; i <= last; i++) {
    const v = y[i];
    if (!(v > lo && v < Infinity && Number.isFinite(x[i]))) continue;
    let bi = Math.floor((x[i] - x0) * scale);
    if (bi >= buckets) bi = buckets - 1;
    if (bi !== b) {
      if (fi >= 0) flush();
      b = bi; fi = mn = mx = la = i;
    } else {
      if (v < y[mn]) mn = i;
      if (v > y[mx]) mx = i;
      la = i;
    }
  }
  flush();
  return out;
}

// The rows [from, to) of a store whose step is in [x0, x1] (steps increase down the rows).
export function rowRange(store, x0 = -Infinity, x1 = Infinity) {
  const x = store.col('step');
  if (!x) return [0, 0];
  const lower = (v) => { let lo = 0, hi = store.n; while (lo < hi) { const m = (lo + hi) >> 1; if (x[m] < v) lo = m + 1; else hi = m; } return lo; };
  const upper = (v) => { let lo = 0, hi = store.n; while (lo < hi) { const m = (lo + hi) >> 1; if (x[m] <= v) lo = m + 1; else hi = m; } return lo; };
  return [lower(x0), upper(x1)];
}

// Points {x, y[, e]} of one series of a store, decimated for a chart `buckets` pixels wide, over
// the rows [from, to) (default: all). A series is a column, or derived:
// { col: 'lr', map: (v) => 2 / v } draws 2/eta.
export function seriesPoints(store, series, buckets, log = false, from = 0, to = store.n) {
  const x = store.col('step');
  const src = store.col(series.col);
  if (!x || !src) return [];
  let y = src;
  if (series.map) {
    y = new Float64Array(to);
    for (let i = from; i < to; i++) y[i] = series.map(src[i]);
  }
  const e = series.errCol ? store.col(series.errCol) : null;
  const idx = minMaxDecimate(x, y, to, buckets, log, from);
  const pts = new Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    pts[k] = e && Number.isFinite(e[i]) ? { x: x[i], y: y[i], e: e[i] } : { x: x[i], y: y[i] };
  }
  return pts;
}

// ---- the charts ------------------------------------------------------------------------------

const layerCols = (columns, re) =>
  columns.map((c) => [c, re.exec(c)]).filter(([, m]) => m).sort((a, b) => Number(a[1][1]) - Number(b[1][1]) || a[0].localeCompare(b[0]));

// The charts a run with these columns gets, in page order. Each: { id, title, yTitle, log,
// series: [{ col, label, map?, errCol?, dash?, role? }], refY? (a horizontal line), help }.
export function chartSpecs(columns) {
  const has = (c) => columns.includes(c);
  const specs = [];
  // A chart appears when one of its own series exists (reference lines like 2/eta do not count)
  // and, if it names one, its `need` column exists.
  const add = (spec) => {
    if (spec.need && !has(spec.need)) return;
    spec.series = spec.series.filter((s) => has(s.col));
    if (spec.series.some((s) => !s.ref)) specs.push(spec);
  };

  add({ id: 'loss', title: 'Loss', yTitle: 'loss L (log scale)', log: true, events: true,
    help: 'Training loss and, when the data has a test split, the test loss.',
    series: [
      { col: 'loss', label: 'train loss' }, { col: 'test_loss', label: 'test loss' },
      { col: 'cai_threshold', label: 'Cai et al. threshold 1/(η(ρ² + β))', dash: [6, 4], ref: true },
    ] });

  const eigs = columns.filter((c) => /^eig\d+$/.test(c)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  add({ id: 'sharpness', title: 'Sharpness and 2/η', yTitle: 'Hessian eigenvalue', log: false, events: true,
    help: 'Top Hessian eigenvalues (Lanczos, with residual error bars), the smallest eigenvalue and the stability line 2/η.',
    series: [
      { col: 'sharpness', label: 'S = λ₁', errCol: 'sharpness_resid' },
      ...eigs.map((c) => ({ col: c, label: `λ${c.slice(3)}`, thin: true })),
      { col: 'lambda_min', label: 'λ_min' },
      { col: 'ntk', label: 'NTK λ' },
      { col: 'lr', label: '2/η', map: (v) => 2 / v, dash: [6, 4], ref: true },
    ] });

  add({ id: 'edge', title: 'Edge ratio ηS/2', yTitle: 'η S / 2 (1 = the edge)', log: false, refY: 1, events: true,
    help: 'The edge ratio η S / 2: gradient descent on a quadratic is stable below 1.',
    series: [{ col: 'edge_ratio', label: 'η S / 2' }] });

  add({ id: 'bound', title: 'Sharpness and the Marion–Chizat bound', yTitle: 'sharpness S', log: false, need: 's_min',
    help: 'S next to s_min, the smallest sharpness of any minimizer (deep linear regression), and 2/η.',
    series: [
      { col: 's_min', label: 's_min' },
      { col: 'sharpness', label: 'S' },
      { col: 'lr', label: '2/η', map: (v) => 2 / v, dash: [6, 4], ref: true },
    ] });

  add({ id: 'sratio', title: 'S / s_min', yTitle: 'S / s_min (1 = bound)', log: false, refY: 1,
    help: 'How far the sharpness is above the Marion–Chizat bound.',
    series: [{ col: 's_ratio', label: 'S / s_min' }] });

  add({ id: 'norms', title: 'Layer norms', yTitle: '‖W_h‖² + ‖b_h‖²', log: false,
    help: 'Squared norm of each trained layer, the distance from the initialization and the parameter norm.',
    series: [
      ...layerCols(columns, /^layer(\d+)_sq$/).map(([c, m]) => ({ col: c, label: `layer ${m[1]}` })),
      { col: 'dist_init', label: '‖θ − θ₀‖' },
      { col: 'param_norm', label: '‖θ‖', thin: true },
    ] });

  add({ id: 'balance', title: 'Balance and symmetry gaps', yTitle: 'squared-norm gap', log: false,
    help: 'Conserved quantities of gradient flow: layer gaps ‖W_{h+1}‖² − ‖W_h‖², the matrix invariants and ‖XᵀX − YᵀY‖.',
    series: [
      ...layerCols(columns, /^gap(\d+)$/).map(([c, m]) => ({ col: c, label: `gap ${m[1]}` })),
      ...layerCols(columns, /^invariant(\d+)$/).map(([c, m]) => ({ col: c, label: `invariant ${m[1]}` })),
      { col: 'mf_balance', label: '‖XᵀX − YᵀY‖_F' },
    ] });

  add({ id: 'margin', title: 'Normalized margin', yTitle: 'min yᵢ f(xᵢ) / ‖θ‖^k', log: false,
    help: 'Normalized margin of the classifier.',
    series: [{ col: 'margin', label: 'margin' }] });

  add({ id: 'accuracy', title: 'Accuracy', yTitle: 'fraction correct', log: false,
    help: 'Fraction of correctly classified samples.',
    series: [{ col: 'train_acc', label: 'train' }, { col: 'test_acc', label: 'test' }] });

  add({ id: 'sv', title: 'Singular values', yTitle: 'singular value σ', log: false,
    help: 'Top two singular values of each layer and their ratio.',
    series: [
      ...layerCols(columns, /^sv(\d+)_([12])$/).map(([c, m]) => ({ col: c, label: `σ${c.endsWith('_1') ? '₁' : '₂'}(W${m[1]})` })),
      ...layerCols(columns, /^sv_ratio(\d+)$/).map(([c, m]) => ({ col: c, label: `σ₁/σ₂ (W${m[1]})`, dash: [3, 3] })),
    ] });

  add({ id: 'align', title: 'Alignment', yTitle: 'alignment |⟨u₁, v₁⟩|', log: false,
    help: 'Alignment between the singular vectors of adjacent layers (1 = aligned).',
    series: layerCols(columns, /^align(\d+)$/).map(([c, m]) => ({ col: c, label: `align ${m[1]}` })) });

  add({ id: 'wstar', title: 'Distance to w*', yTitle: '‖w_prod − w*‖ (log)', log: true,
    help: 'Distance of the end-to-end linear map to the least-squares solution.',
    series: [{ col: 'wprod_dist', label: '‖w_prod − w*‖' }] });

  add({ id: 'grad', title: 'Gradient norm', yTitle: '‖∇L‖ (log scale)', log: true,
    help: 'Norm of the full-batch gradient.',
    series: [{ col: 'grad_norm', label: '‖∇L‖' }] });

  add({ id: 'gradproj', title: 'Gradient along the top eigenvector', yTitle: '|⟨g, v₁⟩| / ‖g‖', log: false,
    help: 'The fraction of the gradient along the sharpest direction: near 1 when the iterate oscillates across the valley.',
    series: [{ col: 'grad_proj', label: '|⟨g, v₁⟩| / ‖g‖' }] });

  add({ id: 'lr', title: 'Learning rate', yTitle: 'learning rate η', log: false,
    help: 'The learning rate of each step: schedules, warm-up and changes made during the run.',
    series: [{ col: 'lr', label: 'η' }] });
  return specs;
}

// ---- events ----------------------------------------------------------------------------------

// Events of a run: [{ step, kind, label, source }], named by the engine (names.js: kind is the
// event's id, label its label), from the engine's `events` bitmask column: the engine holds the
// one definition of each event (src/run/events.c), shared by the CLI, the charts, the status line
// and the embed API. A store without that column has no events (the page never guesses them).
export function findEvents(store, names) {
  const out = [];
  const step = store.col('step');
  const ev = store.col('events');
  if (!step || !ev || store.n === 0) return out;
  for (let i = 0; i < store.n; i++) {
    const v = ev[i];
    if (!Number.isFinite(v) || v <= 0) continue;
    for (const e of names.eventsOf(v)) out.push({ step: step[i], kind: e.id, label: e.label, source: 'engine' });
  }
  return out;
}
