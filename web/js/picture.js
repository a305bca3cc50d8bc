// picture.js -- what the data and model view draws, computed in the worker from the engine's own
// exports (src/run/probe.c: the data arrays, the model's outputs on any inputs, the layer table),
// never by re-implementing the model. One function per kind of picture; the kind follows from the
// run's shape, and the page has one renderer per kind (data-view.js), so a new kind (an image
// grid for image data, say) is a new entry in both tables:
//   plane    2-D inputs, one output: the points and the model's output over a grid of the plane
//            (the decision boundary of a classifier, the fitted surface of a regression)
//   curve    1-D inputs, one output: the points and the fitted curve
//   scatter  any other inputs: the model's outputs against the targets, sample by sample
//   matrix   matrix factorization: the target A beside the product X Y^T
//   trace    exactly two parameters: the trajectory view (its own stream: worker 'trace')
//   images   image data (data=fashion_mnist): samples of each class (image-grid.js, prepared once
//            per run) and, for a CNN, the first-layer filters K1 at the current step
// Plus, for every run, the network: its layers, a sketch of their weights (at most SKETCH units a
// layer), and each trained layer's squared norm (what the layer-norm bars show).
// Pure of the worker API: worker.js calls it with a Run (engine.js).

export const SKETCH = 10;        // units drawn per layer; wider layers are summarized
export const GRID = 48;          // plane: grid points per side
export const CURVE_POINTS = 200; // curve: points along the axis

// The kind of picture for a run: { kind, classification }.
export function pictureKind({ nparams, dimIn, dimOut, mf, loss, images = false }) {
  const classification = loss === 'logistic';
  if (images) return { kind: 'images', classification: true };
  if (nparams === 2) return { kind: 'trace', classification };
  if (mf) return { kind: 'matrix', classification: false };
  if (dimIn === 2 && dimOut === 1) return { kind: 'plane', classification };
  if (dimIn === 1 && dimOut === 1) return { kind: 'curve', classification };
  return { kind: 'scatter', classification };
}

// Range of column j of x (n, d), padded by 10% (a constant column gets +-1).
function range(x, n, d, j) {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { const v = x[i * d + j]; if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi >= lo)) return [-1, 1];
  const pad = hi > lo ? 0.1 * (hi - lo) : 1;
  return [lo - pad, hi + pad];
}

// The points (training and test sets) a picture shows, once per run.
export function pictureData(run) {
  const train = run.data(false), test = run.data(true);
  return { train, test };
}

// The model part of a picture at the current parameters. data: pictureData(run) (the ranges come
// from it); kind: pictureKind(...).kind.
export function pictureModel(run, kind, data, { grid = GRID, points = CURVE_POINTS, filters = false } = {}) {
  const { train } = data;
  switch (kind) {
    case 'plane': {
      const [x0, x1] = range(train.x, train.n, 2, 0), [y0, y1] = range(train.x, train.n, 2, 1);
      const nx = grid, ny = grid;
      const xs = new Float64Array(nx * ny * 2);
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          xs[2 * (j * nx + i)] = x0 + ((x1 - x0) * (i + 0.5)) / nx;
          xs[2 * (j * nx + i) + 1] = y0 + ((y1 - y0) * (j + 0.5)) / ny;
        }
      }
      return { x0, x1, y0, y1, nx, ny, f: run.predict(xs, nx * ny), fit: run.predict(train.x, train.n) };
    }
    case 'curve': {
      const [x0, x1] = range(train.x, train.n, 1, 0);
      const xs = new Float64Array(points);
      for (let i = 0; i < points; i++) xs[i] = x0 + ((x1 - x0) * i) / (points - 1);
      return { x0, x1, xs, f: run.predict(xs, points) };
    }
    case 'scatter':
      return { fit: run.predict(train.x, train.n), test: data.test.n ? run.predict(data.test.x, data.test.n) : null };
    case 'matrix': {
      const [X, Y] = run.layers();
      const rows = X.rows, cols = Y.rows, r = X.cols;
      const prod = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let q = 0; q < r; q++) s += X.w[i * r + q] * Y.w[j * r + q];
          prod[i * cols + j] = s;
        }
      }
      return { rows, cols, prod };
    }
    case 'images': {
      if (!filters) return {};
      const K = run.firstLayer();
      return { filters: { shape: K.shape, data: K.data } };
    }
    default:
      return {};
  }
}

// The units of a layer of width w drawn in a sketch: all of them, or the first SKETCH - 1 and the
// last (the drawing marks the gap).
export function sketchUnits(w, max = SKETCH) {
  if (w <= max) return Array.from({ length: w }, (_, i) => i);
  return [...Array.from({ length: max - 1 }, (_, i) => i), w - 1];
}

// The network: for each layer (input side first) its shape, whether it is trained, its squared
// norm ||W||^2 + ||b||^2 (the metrics' layer{h}_sq) and the weights between the drawn units.
// mf: the factors X and Y. -> { widths: [d, w1, ..., k], layers: [{ rows, cols, trained, sq,
// maxAbs, from: [units], to: [units], w: Float64Array(to.length * from.length), b }] }
export function networkSketch(run, { mf = false } = {}) {
  let layers = run.layers();
  if (mf) {
    // A ~ X Y^T read as a two-layer linear map v -> X (Y^T v): Y^T (r, cols), then X (rows, r)
    const [X, Y] = layers, r = X.cols;
    const yt = new Float64Array(r * Y.rows);
    for (let i = 0; i < Y.rows; i++) for (let q = 0; q < r; q++) yt[q * Y.rows + i] = Y.w[i * r + q];
    layers = [{ ...Y, rows: r, cols: Y.rows, w: yt }, X];
  }
  const out = [];
  let h = 0;
  for (const L of layers) {
    const name = mf ? (out.length === 0 ? 'Yᵀ' : 'X') : L.trained ? `W${++h}` : 'head';
    let sq = 0, maxAbs = 0;
    for (const v of L.w) { sq += v * v; if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v); }
    if (L.b) for (const v of L.b) sq += v * v;
    const from = sketchUnits(L.cols), to = sketchUnits(L.rows);
    const w = new Float64Array(to.length * from.length);
    to.forEach((o, a) => from.forEach((q, b) => { w[a * from.length + b] = L.alpha * L.w[o * L.cols + q]; }));
    out.push({ name, rows: L.rows, cols: L.cols, trained: L.trained, sq, maxAbs: maxAbs * L.alpha, from, to, w, b: L.b ? Float64Array.from(to, (o) => L.b[o]) : null });
  }
  const widths = layers.length ? [layers[0].cols, ...layers.map((L) => L.rows)] : [];
  return { widths, layers: out };
}
