// The pure parts of the sweep plots (web/js/sweep-plot.js): line series per field and per value
// of the second key, theory curves from each cell's summary against their closed forms, the
// heatmap layout (first key outermost, whichever key is on x), colour ranges and axis positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lineSeries, heatLayout, axesOf, THEORY_FNS, fieldValue, colorRange, viridis, axisPosition,
} from '../js/sweep-plot.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../js/wasm-loader.js';
import { engineNames } from '../js/names.js';

// the engine's names of regimes and fields (the module's enums)
const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
const names = engineNames((await loadIbp(readFileSync(wasmPath))).enums);

// a 2 x 3 sweep: depth (outer) x lr_rel (inner), numbered as the engine numbers its cells
// (cell = i0 * 3 + i1); index: each cell's value index of each key
const plan = {
  keys: ['depth', 'lr_rel'], values: [['2', '4'], ['0.5', '1', '1.5']], cells: 6,
  index: [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]],
};
const cell = (c, regime, summary) => ({ cell: c, values: [plan.values[0][Math.floor(c / 3)], plan.values[1][c % 3]], regime, summary, full: 'depth=2&loss=mse&wstar_norm=3' });
const results = [
  cell(0, 'lazy', { lambda_ratio: 1, eta: 0.5, s_min: 2, data_lambda: 1.5 }),
  cell(1, 'catapult', { lambda_ratio: 0.5, eta: 1, s_min: 2, data_lambda: 1.5 }),
  cell(2, 'divergent', { lambda_ratio: 40, eta: 1.5, s_min: 2, data_lambda: 1.5 }),
  null,
  cell(4, 'lazy', { lambda_ratio: 0.9, eta: 1, s_min: null, data_lambda: 1.5 }),
  cell(5, 'eos', { lambda_ratio: 0.7, eta: 1.5, s_min: 2, data_lambda: 1.5 }),
];

test('axes: x is the named key (else the first), the other key makes the lines or the heatmap rows', () => {
  assert.deepEqual(axesOf({}, plan.keys), { xKey: 'depth', xIndex: 0, other: 'lr_rel', otherIndex: 1 });
  assert.deepEqual(axesOf({ xKey: 'lr_rel' }, plan.keys), { xKey: 'lr_rel', xIndex: 1, other: 'depth', otherIndex: 0 });
  assert.deepEqual(axesOf({ xKey: 'nope' }, ['lr']), { xKey: 'lr', xIndex: 0, other: null, otherIndex: -1 });
});

test('line series: one per value of the other key, sorted by scaled x, divergent values left out', () => {
  const { series, theory, strip } = lineSeries({ xKey: 'lr_rel', xScale: 2, y: ['lambda_ratio'], lines: [{ fn: 'two_over_eta' }, { at: 1 }] }, plan, results, names);
  assert.deepEqual(series.map((s) => s.label), ['depth = 2', 'depth = 4']);
  assert.deepEqual(series[0].points.map((p) => [p.x, p.y, p.cell]), [[1, 1, 0], [2, 0.5, 1], [3, NaN, 2]]);
  assert.deepEqual(series[1].points.map((p) => [p.x, p.y]), [[2, 0.9], [3, 0.7]]); // cell 3 not run yet
  assert.equal(theory.length, 2);
  assert.deepEqual(theory[0].points.map((p) => p.y), [2 / 0.5, 2 / 1, 2 / 1.5]);
  assert.equal(strip.length, 5);
  assert.ok(strip.some((p) => p.regime === 'divergent' && p.x === 3));
  const two = lineSeries({ y: ['lambda_ratio', 'eta'] }, { keys: ['lr_rel'], values: [['0.5', '1']], index: [[0], [1]] }, [
    { cell: 0, values: ['0.5'], regime: 'lazy', summary: { lambda_ratio: 1, eta: 2 } }, null], names);
  assert.deepEqual(two.series.map((s) => s.points.length), [1, 1]);
  assert.notEqual(two.series[0].label, two.series[1].label);
  assert.deepEqual(two.series.map((s) => s.label), [names.fieldLabel('lambda_ratio'), names.fieldLabel('eta')]);
});

test('theory curves against their closed forms', () => {
  const c = results[0];
  assert.equal(THEORY_FNS.two_over_eta.y(c), 4);
  assert.equal(THEORY_FNS.s_min.y(c), 2);
  assert.ok(Number.isNaN(THEORY_FNS.s_min.y(results[4])));
  // 8 L Lambda ||w*||^(2 - 2/L) with L = 4, Lambda = 1.5, ||w*|| = 3, loss R: 8 * 4 * 1.5 * 3^1.5
  assert.ok(Math.abs(THEORY_FNS.eight_l_lambda.y(c, { L: 4 }) - 48 * Math.sqrt(27)) <= 1e-12 * 48 * Math.sqrt(27));
  // half of it under half-MSE; L from the config's depth when the line does not say
  const half = { ...c, full: 'depth=2&loss=mse_half' };
  assert.equal(THEORY_FNS.eight_l_lambda.y(half, {}), 0.5 * 8 * 2 * 1.5 * 1);
  // sqrt(2/eta - 2 mu): eta = 0.5, mu = 1 -> sqrt(2); no bound when 2/eta < 2 mu
  assert.equal(THEORY_FNS.wang_gap_bound.y(c, { mu: 1 }), Math.SQRT2);
  assert.ok(Number.isNaN(THEORY_FNS.wang_gap_bound.y(results[2], { mu: 1 })));
});

test('field values: numbers, null as NaN, the regime as its legend position', () => {
  assert.equal(fieldValue(results[1], 'lambda_ratio', names), 0.5);
  assert.ok(Number.isNaN(fieldValue(results[4], 's_min', names)));
  assert.ok(Number.isNaN(fieldValue(null, 'eta', names)));
  assert.equal(fieldValue(results[5], 'regime', names), names.regimes.findIndex((r) => r.id === 'eos'));
  assert.ok(fieldValue(results[5], 'regime', names) >= 0);
});

test('heatmap layout: cell numbers for either key on x', () => {
  const a = heatLayout({}, plan); // x = depth (outer), y = lr_rel
  assert.equal(a.nx, 2); assert.equal(a.ny, 3);
  assert.equal(a.cellAt(1, 2), 5); assert.equal(a.cellAt(0, 1), 1);
  const b = heatLayout({ xKey: 'lr_rel' }, plan);
  assert.equal(b.nx, 3); assert.equal(b.ny, 2);
  assert.equal(b.cellAt(2, 1), 5); assert.equal(b.cellAt(1, 0), 1);
  const one = heatLayout({}, { keys: ['lr'], values: [['1', '2', '3']], index: [[0], [1], [2]] });
  assert.equal(one.ny, 1); assert.equal(one.cellAt(2, 0), 2);
  // a cell the plan does not list (a partial plan) is no cell
  assert.equal(heatLayout({}, { ...plan, index: plan.index.slice(0, 5) }).cellAt(1, 2), -1);
});

test('colour ranges, viridis ends, positions between columns', () => {
  const r = colorRange([1, 10, 100, NaN, -1, 0], true);
  assert.equal(r.lo, 1); assert.equal(r.hi, 100);
  assert.equal(r.t(10), 0.5);
  assert.ok(Number.isNaN(r.t(0)));
  assert.equal(colorRange([NaN], false), null);
  assert.equal(colorRange([3, 3]).t(3), 0.5);
  assert.equal(viridis(0), 'rgb(68, 1, 84)');
  assert.equal(viridis(1), 'rgb(253, 231, 37)');
  assert.equal(viridis(NaN), viridis(0));
  // columns at 1, 2, 4: x = 3 lies halfway between the 2nd and 3rd centres (1.5 and 2.5)
  assert.equal(axisPosition(['1', '2', '4'], 3), 2);
  assert.equal(axisPosition(['1', '2', '4'], 2 * Math.SQRT2, true), 2);
  assert.equal(axisPosition(['1', '2', '4'], 5), null);
  assert.equal(axisPosition(['relu', 'tanh'], 1), null);
});

test('fitText: a label that does not fit is cut with an ellipsis to the width, one that fits is kept', async () => {
  const { fitText } = await import('../js/sweep-plot.js');
  const ctx = { measureText: (t) => ({ width: 7 * [...t].length }) }; // 7 px a character
  assert.equal(fitText(ctx, 'λ_T / λ0', 100), 'λ_T / λ0');
  const cut = fitText(ctx, 'λ_T / λ0 (S_T / S_0 without NTK)', 84);
  assert.ok(ctx.measureText(cut).width <= 84 && cut.endsWith('…') && 'λ_T / λ0 (S_T / S_0 without NTK)'.startsWith(cut.slice(0, -1)), cut);
  assert.equal(cut.length, 12);
});
