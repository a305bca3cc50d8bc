// The worker's export table (web/js/row-table.js): rows kept in order across blocks, the byte cap,
// the last row's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowTable } from '../js/row-table.js';

const rows = (from, n, nc) => Float64Array.from({ length: n * nc }, (_, k) => (from + Math.floor(k / nc)) * 10 + (k % nc));

test('rows come back in order, across block boundaries, whatever the batch sizes', () => {
  const nc = 3, t = new RowTable(nc, 1 << 30);
  let n = 0;
  for (const b of [1, 1023, 4096, 5000, 7, 3000]) { assert.equal(t.append(rows(n, b, nc)), true); n += b; }
  assert.equal(t.n, n);
  const back = [];
  t.forEachBlock((r, nrows) => { assert.equal(r.length, nrows * nc); back.push(...r); });
  assert.deepEqual(back, [...rows(0, n, nc)]);
  assert.equal(t.last(0), (n - 1) * 10);
  assert.equal(t.last(2), (n - 1) * 10 + 2);
  assert.equal(t.full, false);
});

test('the byte cap stops the table at a whole row, and says so', () => {
  const nc = 4, t = new RowTable(nc, 100 * nc * 8 + 5); // room for 100 rows
  assert.equal(t.append(rows(0, 60, nc)), true);
  assert.equal(t.append(rows(60, 60, nc)), false);
  assert.equal(t.full, true);
  assert.equal(t.n, 100);
  assert.equal(t.last(0), 990);
  assert.equal(t.append(rows(120, 5, nc)), false);
  assert.equal(t.n, 100);
});

test('an empty table has no last row and no blocks', () => {
  const t = new RowTable(2, 1024);
  assert.ok(Number.isNaN(t.last(0)));
  let calls = 0;
  t.forEachBlock(() => calls++);
  assert.equal(calls, 0);
});
