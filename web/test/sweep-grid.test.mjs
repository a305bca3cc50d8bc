// The sweep grids (web/js/sweep-grid.js): list / lin / log grids against closed forms and against
// the CLI (`ibp sweep`, an independent C implementation: same value strings, same cell configs),
// cell numbering with the first key outermost, refusals with the count and the estimated time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../js/wasm-loader.js';
import {
  parseVary, parseVaries, cellCount, cellIndex, cellConfig, cellValues, estimateSeconds, formatDuration,
  refusal, regimeCounts, GridError, PAGE_MAX_CELLS, PAGE_MAX_SECONDS,
} from '../js/sweep-grid.js';

const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
const num = { pow: (x, y) => ibp.ex.ibp_pow(x, y), fmt: (x) => ibp.formatDouble(x) };
const cli = fileURLToPath(new URL('../../build/native/ibp', import.meta.url));

test('a list grid keeps its strings; empty values and separators are refused', () => {
  assert.deepEqual(parseVary('act=relu,tanh, gelu', num).values, ['relu', 'tanh', 'gelu']);
  assert.deepEqual(parseVary('depth=5,10,20,40', num).values, ['5', '10', '20', '40']);
  assert.throws(() => parseVary('depth=1,,2', num), /value 2 is empty/);
  assert.throws(() => parseVary('depth=', num), /give values/);
  assert.throws(() => parseVary('lr=1&x', num), /may not contain/);
  assert.throws(() => parseVary('=1,2', num), /write KEY=GRID/);
  assert.throws(() => parseVary('Bad Key=1', num), /not a setting name/);
});

test('lin grids: the endpoints as written, the inside a + (b - a) i / (n - 1)', () => {
  const v = parseVary('lr_rel=lin:0.5:4.5:33', num).values.map(Number);
  assert.equal(v.length, 33);
  assert.equal(v[0], 0.5);
  assert.equal(v[32], 4.5);
  // the step is 1/8: every value is exactly representable, so the closed form is exact
  v.forEach((x, i) => assert.equal(x, 0.5 + i / 8));
  assert.deepEqual(parseVary('n=lin:10:50:5', num).values, ['10', '20', '30', '40', '50']);
  assert.deepEqual(parseVary('lr=lin:0.3:0.3:1', num).values, ['0.3']);
  for (const bad of ['lin:1:2', 'lin:1:2:0', 'lin:1:2:10001', 'lin:a:2:3', 'lin:1:2:3:4', 'lin:1:2:2.5']) {
    assert.throws(() => parseVary(`lr=${bad}`, num), GridError, bad);
  }
});

test('log grids: endpoints exact, ratios constant (to 4 ulp), positive bounds required', () => {
  const v = parseVary('init_scale=log:0.03:1:8', num).values.map(Number);
  assert.equal(v[0], 0.03);
  assert.equal(v[7], 1);
  const r = Math.pow(1 / 0.03, 1 / 7);
  for (let i = 1; i < 8; i++) {
    // engine pow vs libm pow: both within an ulp or so of the true value
    assert.ok(Math.abs(v[i] / v[i - 1] - r) <= 4 * Number.EPSILON * r, `ratio ${i}`);
  }
  assert.throws(() => parseVary('lr=log:0:1:3', num), /START > 0/);
  assert.throws(() => parseVary('lr=log:1:-1:3', num), /STOP > 0/);
});

test('cells: first key outermost; the varied keys replace the base items, as the CLI does', () => {
  const vs = parseVaries(['depth=2,3', 'lr=0.1,0.2,0.3'], num);
  assert.equal(cellCount(vs), 6);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((c) => cellIndex(c, vs)), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  assert.deepEqual(cellValues(4, vs), ['3', '0.2']);
  assert.equal(cellConfig('#model=mlp&lr=9&depth=7&&lr_rel=0', vs, 4), 'model=mlp&lr_rel=0&depth=3&lr=0.2');
  // a key that merely starts like a varied one stays
  assert.equal(cellConfig('lr_power=0.5&lr=1', parseVaries(['lr=2'], num), 0), 'lr_power=0.5&lr=2');
  assert.throws(() => parseVaries(['lr=1', 'lr=2'], num), /varied twice/);
  assert.throws(() => parseVaries(['a=1', 'b=2', 'c=3'], num), /at most 2/);
  assert.throws(() => parseVaries([' ', ''], num), /at least one key/);
});

// A parity test that cannot run is a failure, not a skip: build the CLI (scripts/build native).
test('the page numbers the cells and writes their values exactly as `ibp sweep` does', () => {
  assert.ok(existsSync(cli), `${cli} is missing: the parity with the CLI cannot be checked (scripts/build native)`);
  const base = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&steps=3&measure=0';
  const vary = ['lr_rel=log:0.2:4.6:7', 'init_scale=lin:0.1:0.7:4'];
  const out = execFileSync(cli, ['sweep', base, '--vary', vary[0], '--vary', vary[1]], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.split('\n').filter((l) => l && !l.startsWith('#'));
  const header = lines[0].split(',');
  assert.deepEqual(header.slice(0, 3), ['cell', 'lr_rel', 'init_scale']);
  const vs = parseVaries(vary, num);
  const rows = lines.slice(1).map((l) => l.split(','));
  assert.equal(rows.length, cellCount(vs));
  for (const row of rows) {
    const c = Number(row[0]);
    assert.deepEqual(row.slice(1, 3), cellValues(c, vs), `cell ${c}`);
  }
});

test('estimates and refusals carry the count, the time and the CLI command', () => {
  const probe = { msCreate: 2, msPerStep: 0.5, stepsTotal: 1000 };
  assert.equal(estimateSeconds(probe, 10, 1), 10 * 0.502);
  assert.equal(estimateSeconds(probe, 10, 2), 10 * 0.502 / 2);
  assert.equal(formatDuration(0.25), '0.25 s');
  assert.equal(formatDuration(42), '42 s');
  assert.equal(formatDuration(600), '10 min');
  assert.equal(formatDuration(7200), '2 h');
  const vs = parseVaries(['lr_rel=lin:0.5:4.5:1000', 'seed=lin:0:99:100'], num);
  const big = refusal({ cells: 100000, seconds: 5000, workers: 4, base: 'steps=10', varies: vs });
  assert.match(big, /100000 cells/);
  assert.match(big, new RegExp(`at most ${PAGE_MAX_CELLS}`));
  assert.match(big, /estimated 83 min with 4 workers/);
  assert.match(big, /ibp sweep 'steps=10' --vary lr_rel=lin:0.5:4.5:1000 --vary seed=lin:0:99:100/);
  const slow = refusal({ cells: 100, seconds: PAGE_MAX_SECONDS * 2, workers: 2, base: '', varies: vs });
  assert.match(slow, /too long/);
  assert.equal(refusal({ cells: 100, seconds: 3, workers: 2, base: '', varies: vs }), null);
});

test('regime counts in legend order', () => {
  const rs = ['divergent', 'lazy', 'catapult', 'lazy', null, 'weird'].map((g) => (g ? { regime: g } : null));
  assert.deepEqual(regimeCounts(rs).map((g) => [g.id, g.count]), [['lazy', 2], ['catapult', 1], ['divergent', 1]]);
});
