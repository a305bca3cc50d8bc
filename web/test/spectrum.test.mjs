// Unit tests of spectrum-data.js: the numbers behind the full-spectrum view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  niceStep, niceTicks, xRange, binsFor, histogram, logCountHeight, countTicks, trapezoid, logDensity,
  summarize, readoutText, readoutData, notFinite,
} from '../js/spectrum-data.js';

const close = (a, b, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('nice steps and ticks: 1, 2, 5 x 10^k, 0 exactly, within the range', () => {
  assert.equal(niceStep(10, 5), 2);
  assert.equal(niceStep(7, 5), 1);
  assert.equal(niceStep(0.03, 3), 0.01);
  assert.equal(niceStep(800, 2), 500);
  assert.deepEqual(niceTicks(-0.3, 3.4, 4), [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(-1.04, 1.04, 4), [-1, -0.5, 0, 0.5, 1]);
  const t = niceTicks(0.1, 0.7, 6);
  assert.deepEqual(t, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]); // no 0.30000000000000004
  assert.ok(!Object.is(niceTicks(-2, 2, 4)[2], -0));
  assert.deepEqual(niceTicks(1, 1), [1]);
});

test('the x range holds the values, 0 and 2/eta unless 2/eta is far out', () => {
  const a = xRange(0.5, 3, 4);
  assert.ok(a.edgeInside && a.lo < 0 && a.hi > 4 && a.hi < 4.3);
  const b = xRange(-0.1, 1, 100); // lazy: 2/eta far beyond: the spectrum keeps the width
  assert.equal(b.edgeInside, false);
  assert.ok(b.hi < 1.2 && b.lo < -0.1);
  const c = xRange(-2, -1, NaN); // all negative: 0 still on the axis
  assert.ok(c.hi > 0 && c.lo < -2 && !c.edgeInside);
  const d = xRange(0, 0, 0.5); // a zero spectrum
  assert.ok(d.hi > 0.5 && d.lo < 0);
  const e = xRange(NaN, NaN, 1);
  assert.ok(Number.isFinite(e.lo) && Number.isFinite(e.hi));
});

test('histogram: every value counted once, hi in the last bin, outside values clamped', () => {
  const h = histogram([0, 0.1, 0.5, 0.99, 1, 2, -3, NaN], 0, 1, 4);
  assert.deepEqual(h.counts, [3, 0, 1, 3]);
  assert.equal(h.width, 0.25);
  const many = Array.from({ length: 1000 }, (_, i) => i / 999);
  const hm = histogram(many, 0, 1, 10);
  assert.equal(hm.counts.reduce((a, b) => a + b), 1000);
  assert.ok(hm.counts.every((c) => c >= 99 && c <= 101));
  assert.equal(binsFor(600), 150);
  assert.equal(binsFor(2000), 200);
  assert.equal(binsFor(40), 20);
});

test('log counts: one eigenvalue is still a bar next to a thousand; ticks at powers of ten', () => {
  assert.equal(logCountHeight(0, 1000), 0);
  assert.equal(logCountHeight(1000, 1000), 1);
  close(logCountHeight(1, 1000), Math.log(2) / Math.log(1001));
  assert.ok(logCountHeight(1, 1000) > 0.09);
  assert.ok(logCountHeight(10, 1000) > logCountHeight(9, 1000));
  assert.deepEqual(countTicks(1340), [1, 10, 100, 1000, 1340]);
  assert.deepEqual(countTicks(100), [1, 10, 100]);
  assert.deepEqual(countTicks(0), []);
});

test('the trapezoid rule and the log density', () => {
  // a unit Gaussian on a fine grid integrates to 1
  const x = Array.from({ length: 801 }, (_, i) => -8 + i * 0.02);
  const g = x.map((v) => Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI));
  close(trapezoid(x, g), 1, 1e-9);
  close(trapezoid([0, 1, 3], [1, 1, 1]), 3);
  const ld = logDensity([0, 1e-300, 1e-3, 10, NaN], 7);
  assert.equal(ld.hi, 1);
  assert.equal(ld.lo, -6);
  assert.deepEqual(ld.values, [-6, -6, -3, 1, -6]);
  assert.deepEqual(logDensity([0, 0]).values, [0, 0]);
});

test('summaries: exact and density, with the text and the data attributes', () => {
  const exact = { mode: 'exact', step: 40, P: 4, matvecs: 4, eigenvalues: [-0.01, 0, 1e-9, 3.25], trace: 3.24, lr: 0.3, ms: 2.4 };
  const s = summarize(exact);
  assert.equal(s.count, 4);
  assert.equal(s.largest, 3.25);
  assert.equal(s.smallest, -0.01);
  assert.equal(s.negative, 1);
  close(s.twoOverEta, 2 / 0.3);
  const text = readoutText(s);
  assert.match(text, /^Exact spectrum at step 40: 4 eigenvalues \(P = 4\) · largest 3\.25 · smallest -0\.01 · 1 negative · trace 3\.24 · 2\/η 6\.6667 · 4 Hessian-vector products, 2 ms$/);
  const d = readoutData(s);
  assert.equal(d.method, 'exact');
  assert.equal(Number(d.largest), 3.25);
  assert.equal(d.count, '4');
  assert.equal(Number(d.twoOverEta), 2 / 0.3);

  const grid = Array.from({ length: 401 }, (_, i) => -1 + i * 0.01);
  const sigma = 0.1;
  const nodes = [0, 2], weights = [0.9, 0.1];
  const dens = grid.map((x) => nodes.reduce((a, n, k) => a + weights[k] * Math.exp(-((x - n) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI)), 0));
  const density = { mode: 'density', step: 7, P: 3000, matvecs: 800, probes: 10, steps: 80, sigma, grid, density: dens, nodes, weights, trace: 600, lr: 0.1, ms: 510 };
  const ds = summarize(density);
  close(ds.mass, 1, 1e-6);
  assert.equal(ds.largest, 2);
  assert.equal(ds.smallest, 0);
  assert.deepEqual(ds.support, [-0.30000000000000004, 2.3]);
  assert.match(readoutText(ds), /^SLQ density at step 7 \(P = 3000\): 10 probes × 80 Lanczos steps, Gaussian σ = 0\.1 · largest Ritz value 2 · smallest 0 · support -0\.3 to 2\.3 · mass 1 · trace ≈ 600 · 2\/η 20 · 800 Hessian-vector products, 510 ms$/);
  const dd = readoutData(ds);
  assert.equal(dd.probes, '10');
  assert.equal(dd.steps, '80');
  assert.equal(Number(dd.sigma), 0.1);
  assert.equal(Number(dd.supportHi), 2.3);
});

test('a spectrum with eigenvalues that are not finite is not shown (a diverged run gave 0s and nulls)', () => {
  assert.equal(notFinite({ mode: 'exact', step: 31, eigenvalues: [0, 0, null, null] }), '2 of the 4 eigenvalues at step 31 are not finite');
  assert.equal(notFinite({ mode: 'density', step: 3, nodes: [1, null] }), '1 of the 2 Ritz values at step 3 are not finite');
  assert.equal(notFinite({ mode: 'exact', step: 1, eigenvalues: [-1, 0, 2] }), '');
  assert.equal(notFinite({ mode: 'top', step: 1, values: [2, 1] }), '');
});
