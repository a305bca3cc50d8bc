// The data view's y-range (axes.js valueRange): a fit equal to its targets up to round-off is
// drawn on the targets' scale, not on an axis as wide as the round-off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueRange } from '../js/axes.js';

test('a fit at round-off from all-zero targets gets a unit-wide axis', () => {
  const [lo, hi] = valueRange([0], [-1e-17, 2e-17]); // the catapult preset at its end
  assert.ok(hi - lo >= 1 - 1e-12, `${lo}..${hi}`);
  assert.ok(lo <= -1e-17 && hi >= 2e-17);
});

test('the axis is at least a fifth of the targets\' scale, around the values', () => {
  const [lo, hi] = valueRange([3, 3], [3 + 1e-15]);
  assert.ok(Math.abs(hi - lo - 0.6) < 1e-12 && lo < 3 && hi > 3 + 1e-15);
});

test('a wide spread is kept as it is; non-finite values are ignored; nothing finite gives [-1, 1]', () => {
  assert.deepEqual(valueRange([-2, 5], [NaN, 7, Infinity]), [-2, 7]);
  assert.deepEqual(valueRange([NaN], [NaN]), [-1, 1]);
});
