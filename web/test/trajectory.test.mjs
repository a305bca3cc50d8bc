// Unit tests of the two-parameter view's pure helpers: marching squares, levels, view range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { marchingSquares, logLevels, viewRadius, GridFetcher } from '../js/trajectory.js';

function grid(nx, ny, f) {
  const g = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) g[j * nx + i] = f(i, j);
  return g;
}

test('marching squares traces a circle: every vertex on it, all around it', () => {
  const n = 61, c = 30;
  const f = grid(n, n, (i, j) => (i - c) ** 2 + (j - c) ** 2);
  const r = 17.3;
  const seg = marchingSquares(f, n, n, r * r);
  assert.ok(seg.length / 4 > 80, `${seg.length / 4} segments`);
  // Linear interpolation of r^2 = x^2 + y^2 along a unit cell edge errs by at most
  // (1/4) / (2 r) in radius (the quadratic's second difference is 2 over an edge of length 1), so
  // every vertex lies within 0.25 / r of the circle; 0.02 is that bound for r = 17.3 with slack.
  const angles = [];
  for (let k = 0; k < seg.length; k += 2) {
    const x = seg[k] - c, y = seg[k + 1] - c;
    assert.ok(Math.abs(Math.hypot(x, y) - r) < 0.02, `vertex at radius ${Math.hypot(x, y)}`);
    angles.push(Math.atan2(y, x));
  }
  // it goes all the way round: no gap wider than a few cells' angle
  angles.sort((a, b) => a - b);
  let gap = angles[0] + 2 * Math.PI - angles[angles.length - 1];
  for (let k = 1; k < angles.length; k++) gap = Math.max(gap, angles[k] - angles[k - 1]);
  assert.ok(gap < 2 / r, `largest angular gap ${gap}`);
});

test('marching squares: saddles and non-finite cells', () => {
  // f = x*y has a saddle at the centre; the zero level is the two axes through it
  const n = 21, c = 10.5; // centre between grid points: every cell is clean except near the axes
  const f = grid(n, n, (i, j) => (i - c) * (j - c));
  const seg = marchingSquares(f, n, n, 0);
  for (let k = 0; k < seg.length; k += 2) {
    const x = seg[k] - c, y = seg[k + 1] - c;
    assert.ok(Math.abs(x) < 1e-9 || Math.abs(y) < 1e-9, `vertex (${x}, ${y}) on an axis`);
  }
  const g = grid(3, 3, () => NaN);
  assert.deepEqual(marchingSquares(g, 3, 3, 0), []);
});

test('logLevels: increasing, inside the positive range, at most 4 decades deep', () => {
  const lv = logLevels([0, 1e-30, 1e-3, 1, 1e4, NaN, Infinity], 10);
  assert.equal(lv.length, 10);
  for (let k = 1; k < lv.length; k++) assert.ok(lv[k] > lv[k - 1]);
  assert.ok(lv[0] > 4 - 4 && lv[lv.length - 1] < 4);
  assert.deepEqual(logLevels([0, NaN, 5, 5]), []);
});

test('viewRadius holds the start, the path, the hyperbola vertex and the stable disk', () => {
  const info = { product: true, pstar: 1, kappa: 1, x0: 4, y0: 0.1 };
  const r = viewRadius(info, 0.15, []);
  assert.ok(r > 4 && r > Math.sqrt(2 / 0.15));
  const r2 = viewRadius(info, 0.15, [1, 50, -3], r);
  assert.ok(r2 > 50);
  // it only grows, in 1.5x steps
  assert.equal(viewRadius(info, 0.15, [], r2), r2);
  assert.ok(Math.abs(Math.log(r2 / r) / Math.log(1.5) - Math.round(Math.log(r2 / r) / Math.log(1.5))) < 1e-9);
});

// A fetch whose answers the test releases by hand, in any order.
function manualFetch() {
  const calls = [];
  const fetch = (r) => new Promise((resolve, reject) => calls.push({ r, resolve, reject }));
  return { calls, fetch };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

test('grid fetcher: one request at a time, a radius that grew meanwhile is fetched next', async () => {
  const { calls, fetch } = manualFetch();
  const got = [];
  const g = new GridFetcher(fetch, (r, grid) => got.push([r, grid]));
  g.want(1); g.want(1.5); g.want(2.25);
  assert.deepEqual(calls.map((c) => c.r), [1]);
  calls[0].resolve('grid1'); await tick();
  assert.deepEqual(got, [[1, 'grid1']]);
  assert.deepEqual(calls.map((c) => c.r), [1, 2.25]); // the newest wanted, not every one
  calls[1].resolve('grid2'); await tick();
  assert.deepEqual(got.at(-1), [2.25, 'grid2']);
  g.want(2.25);
  assert.equal(calls.length, 2); // in hand: not asked again
});

test('grid fetcher: an answer after a reset is dropped; a failure is not retried in a loop', async () => {
  const { calls, fetch } = manualFetch();
  const got = [];
  const g = new GridFetcher(fetch, (r, grid) => got.push([r, grid]));
  g.want(1);
  g.reset();
  g.want(1); // the new run's grid: asked again even though the old answer is on its way
  assert.equal(calls.length, 2);
  calls[0].resolve('stale'); await tick();
  assert.deepEqual(got, []);
  calls[1].reject(new Error('run changed')); await tick();
  g.want(1);
  assert.equal(calls.length, 2);
  g.want(1.5);
  assert.equal(calls.length, 3);
  calls[2].resolve('fresh'); await tick();
  assert.deepEqual(got, [[1.5, 'fresh']]);
});
