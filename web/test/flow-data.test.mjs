// The flows beside GD on the page (web/js/flow-data.js): rows stream into their own store, the
// paths of two-parameter models come from the row parameters, the charts draw the columns each
// flow has (from the engine's prefixes: no list of flows), the progress sentence; and the export
// table's flow columns filled in by step (web/js/row-table.js fillRow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowData, flowColor } from '../js/flow-data.js';
import { RowTable } from '../js/row-table.js';

const info = {
  columns: ['step', 'gf_loss', 'gf_dist', 'cf_loss', 'cf_pred_loss', 'cf_sharpness', 'xy_loss', 'xy_sharpness'],
  flows: [{ prefix: 'gf', label: 'gradient flow' }, { prefix: 'cf', label: 'central flow' }, { prefix: 'xy', label: 'xy' }],
  start: 'init',
};

test('the charts draw each flow from its own columns, in flow order, whatever flows the engine names', () => {
  const fd = new FlowData(3, info, 100);
  assert.deepEqual(fd.seriesFor('loss').map((s) => [s.flow, s.col]), [[0, 'gf_loss'], [1, 'cf_loss'], [1, 'cf_pred_loss'], [2, 'xy_loss']]);
  assert.deepEqual(fd.seriesFor('sharpness').map((s) => s.col), ['cf_sharpness', 'xy_sharpness']);
  assert.equal(fd.seriesFor('loss')[2].label, 'central flow: predicted average loss');
  assert.deepEqual(fd.seriesFor('loss')[2].dash, [5, 3]);
  assert.deepEqual(fd.seriesFor('norms'), []);
  assert.deepEqual(fd.seriesFor('flows').map((s) => s.col), []); // no rel_dist column in this info
  const withDist = new FlowData(3, { ...info, columns: [...info.columns, 'gf_rel_dist', 'cf_rel_dist'] }, 100);
  assert.deepEqual(withDist.seriesFor('flows').map((s) => [s.col, s.label]), [['gf_rel_dist', 'gradient flow: distance from GD'], ['cf_rel_dist', 'central flow: distance from GD']]);
});

test('rows stream in batches (in any column order) and the progress says where the flows are', () => {
  const fd = new FlowData(1, info, 100);
  assert.match(fd.progressText(0), /^gradient flow, central flow and xy: starting/);
  const cols = ['step', 'cf_loss', 'gf_loss'];
  fd.update({ columns: cols, nrows: 2, data: Float64Array.from([0, 1, 2, 1, 3, 4]), thetas: null, at: 1, lag: 5, t: 6, message: '' });
  assert.equal(fd.store.n, 2);
  assert.deepEqual([...fd.store.col('gf_loss')], [2, 4]);
  assert.deepEqual([...fd.store.col('cf_loss')], [1, 3]);
  assert.ok(Number.isNaN(fd.store.col('cf_sharpness')[1]));
  assert.equal(fd.progressText(), 'gradient flow, central flow and xy at step 1 of 6 (GD runs ahead; they follow)');
  fd.update({ at: 6, lag: 0, t: 6 }); // a status: no rows
  assert.equal(fd.store.n, 2);
  assert.equal(fd.progressText(), 'gradient flow, central flow and xy at step 6, with GD');
  fd.update({ at: 6, lag: 0, t: 6, message: 'the central flow stopped at step 4: the right-hand side is not finite' });
  assert.equal(fd.message, 'the central flow stopped at step 4: the right-hand side is not finite');
  fd.update({ at: 7, lag: 0, t: 7, message: '' }); // the sentence stays
  assert.match(fd.message, /stopped at step 4/);
});

test('flow_start=onset: before the onset the progress says the flows wait for it', () => {
  const fd = new FlowData(1, { ...info, start: 'onset' }, 100);
  assert.match(fd.progressText(30), /waiting for GD's edge-of-stability onset/);
  // GD stopped (its steps done, converged or diverged) before any onset: the flows never start
  fd.update({ at: -1, lag: 0, t: 50, gdDone: true });
  assert.equal(fd.progressText(50), 'gradient flow, central flow and xy: not started: GD stopped at step 50 before an edge-of-stability onset, where they would start');
});

test('two-parameter models: each flow gets its path from the row parameters (rows, flows, P); NaN points are left out', () => {
  const two = { columns: ['step', 'gf_loss', 'cf_loss'], flows: info.flows.slice(0, 2), start: 'init' };
  const fd = new FlowData(1, two, 2);
  // rows at steps 1, 2; flow 0 at (1,2),(3,4); flow 1 at (5,6), then not started (NaN)
  const thetas = Float64Array.from([1, 2, 5, 6, 3, 4, NaN, NaN]);
  fd.update({ columns: two.columns, nrows: 2, data: Float64Array.from([1, 0, 0, 2, 0, 0]), thetas, at: 2, lag: 0, t: 2 });
  assert.deepEqual(fd.paths[0], [1, 1, 2, 2, 3, 4]);
  assert.deepEqual(fd.paths[1], [1, 5, 6]);
  // P > 2: no paths even if parameters came
  const big = new FlowData(1, two, 3);
  big.update({ columns: two.columns, nrows: 1, data: Float64Array.from([1, 0, 0]), thetas: Float64Array.from([1, 2, 3, 4, 5, 6]), at: 1, lag: 0, t: 1 });
  assert.deepEqual(big.paths, [[], []]);
});

test('flow colours: the theme\'s flow palette, cycling; the run colours when it has none', () => {
  assert.equal(flowColor({ flows: ['a', 'b'], series: ['s'] }, 3), 'b');
  assert.equal(flowColor({ flows: [], series: ['s', 't'] }, 1), 't');
});

test('the export table takes the flow values into GD\'s row of the same step, searching forward', () => {
  const nc = 4; // step, loss, gf_loss, cf_loss
  const t = new RowTable(nc, 1 << 20);
  const rows = new Float64Array(6000 * nc);
  for (let i = 0; i < 6000; i++) { rows[i * nc] = 2 * i; rows[i * nc + 1] = i; rows[i * nc + 2] = NaN; rows[i * nc + 3] = NaN; }
  t.append(rows);
  const cols = [-1, 2, 3]; // flow table: step, gf_loss, cf_loss
  let cur = 0;
  cur = t.fillRow(cur, 0, 10, cols, [10, 0.5, 0.25], 0);
  assert.equal(cur, 5);
  cur = t.fillRow(cur, 0, 8200, cols, [8200, 1.5, 1.25], 0); // in the second block
  assert.equal(cur, 4100);
  assert.equal(t.fillRow(cur, 0, 8201, cols, [8201, 9, 9], 0), cur, 'no row with that step: nothing changes');
  const seen = [];
  t.forEachBlock((r, n) => { for (let i = 0; i < n; i++) if (!Number.isNaN(r[i * nc + 2])) seen.push([r[i * nc], r[i * nc + 1], r[i * nc + 2], r[i * nc + 3]]); });
  assert.deepEqual(seen, [[10, 5, 0.5, 0.25], [8200, 4100, 1.5, 1.25]]);
});
