// loss-surface.js -- the loss surface of a two-parameter run (the trajectory view's contours), from
// a probe run of the same config (same data) whose parameters are set to each point asked for.
// Worker side: `probe` is an engine.js Run.
import { valueOf } from './kv.js';
import { ProtocolError } from './engine-worker.js';

// The probe's loss at theta0 = [x0, y0] and, for the product models (uv factorization, the scalar
// chain w2 w1), where the minimizers lie: along x = 1 the loss is a quadratic a (p - p*)^2 + c in
// p = y, so three evaluations give the minimizer hyperbola xy = p* and the curvature kappa = 2a
// (the Hessian at a minimizer is kappa [[y^2, xy], [xy, x^2]], whose top eigenvalue is
// kappa (x^2 + y^2)). full: the run's full config.
export function twoParamInfo(probe, [x0, y0], full) {
  const model = valueOf(full, 'model');
  const product = (model === 'mf' || (model === 'linear' && valueOf(full, 'depth') === '2')) && valueOf(full, 'loss') !== 'logistic';
  let pstar = NaN, kappa = NaN;
  if (product) {
    const l = (p) => probe.lossAt([1, p]);
    const lm = l(-1), l0 = l(0), lp = l(1);
    const a = (lp + lm) / 2 - l0, b = (lp - lm) / 2;
    if (a > 0) { pstar = -b / (2 * a); kappa = 2 * a; }
  }
  return { product: product && Number.isFinite(pstar), pstar, kappa, x0, y0 };
}

// The loss on an nx x ny grid over [x0, x1] x [y0, y1], row-major from y0 (at most 40,000 points).
export function lossGrid(probe, { x0, x1, y0, y1, nx, ny }) {
  if (!probe) throw new ProtocolError('the loss surface exists for two-parameter runs only');
  if (![x0, x1, y0, y1].every(Number.isFinite) || !(x1 > x0) || !(y1 > y0)) throw new ProtocolError('bad grid range');
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 2 || ny < 2 || nx * ny > 40000) throw new ProtocolError('bad grid size');
  const data = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const y = y0 + ((y1 - y0) * j) / (ny - 1);
    for (let i = 0; i < nx; i++) data[j * nx + i] = probe.lossAt([x0 + ((x1 - x0) * i) / (nx - 1), y]);
  }
  return { data };
}
