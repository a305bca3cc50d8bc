// Unit tests of series.js: the column store, min-max decimation, the chart table, events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunData, minMaxDecimate, seriesPoints, chartSpecs, findEvents, MAX_ROWS, RECENT_ROWS } from '../js/series.js';
import { loadIbp } from '../js/wasm-loader.js';
import { engineNames } from '../js/names.js';

// the engine's event names and bits (the module's enums)
const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
const names = engineNames((await loadIbp(readFileSync(wasmPath))).enums);
const bit = (id) => names.events.find((e) => e.id === id).bit;

function rowsOf(columns, rows) { return Float64Array.from(rows.flat()); }

test('RunData appends batches by column name, grows, and finds last finite values', () => {
  const s = new RunData(['step', 'loss', 'sharpness']);
  s.append(['step', 'loss', 'sharpness'], rowsOf(0, [[0, 1, 3], [1, 0.5, NaN]]), 2);
  // a batch with the columns in another order and one missing
  s.append(['loss', 'step'], rowsOf(0, [[0.25, 2]]), 1);
  assert.equal(s.n, 3);
  assert.deepEqual([...s.col('step')], [0, 1, 2]);
  assert.deepEqual([...s.col('loss')], [1, 0.5, 0.25]);
  assert.ok(Number.isNaN(s.col('sharpness')[2]));
  assert.deepEqual(s.last('sharpness'), { value: 3, step: 0 });
  assert.deepEqual(s.last('loss'), { value: 0.25, step: 2 });
  assert.equal(s.last('nope'), null);
  const big = new Float64Array(3 * 5000);
  for (let i = 0; i < 5000; i++) big.set([3 + i, 1 / (i + 1), NaN], 3 * i);
  s.append(['step', 'loss', 'sharpness'], big, 5000);
  assert.equal(s.n, 5003);
  assert.equal(s.col('step')[5002], 5002);
  const c = s.clone();
  s.append(['step', 'loss'], Float64Array.of(9999, 7), 1);
  assert.equal(c.n, 5003);
  assert.equal(c.col('loss')[0], 1);
});

test('RunData compacts past MAX_ROWS and keeps the loss spikes and measured rows', () => {
  const s = new RunData(['step', 'loss', 'sharpness']);
  const n = MAX_ROWS + 10;
  const rows = new Float64Array(3 * n);
  const spikes = new Set([1001, 77777, 200001]);
  for (let i = 0; i < n; i++) rows.set([i, spikes.has(i) ? 1e6 : 1, i % 2 === 0 && i % 1000 === 0 ? 5 : NaN], 3 * i);
  s.append(['step', 'loss', 'sharpness'], rows, n);
  assert.ok(s.n <= MAX_ROWS && s.n >= MAX_ROWS / 2 - 10, `n = ${s.n}`);
  const steps = new Set(s.col('step'));
  for (const k of spikes) assert.ok(steps.has(k), `spike at ${k} kept`);
  for (let i = 2000; i < n - 2; i += 1000) assert.ok(steps.has(i), `measured row ${i} kept`);
  assert.ok(steps.has(0) && steps.has(n - 1));
  const st = s.col('step');
  for (let i = 1; i < s.n; i++) assert.ok(st[i] > st[i - 1]);
});

test('a streamed long run keeps every recent row, thins the older ones by stride doubling, and stays bounded', () => {
  const s = new RunData(['step', 'loss']);
  const batch = 1000, total = batch * Math.ceil((3 * MAX_ROWS) / batch);
  let maxN = 0, maxCap = 0;
  for (let t = 0; t < total; t += batch) {
    const rows = new Float64Array(2 * batch);
    for (let i = 0; i < batch; i++) rows.set([t + i, 1 + ((t + i) % 7)], 2 * i);
    s.append(['step', 'loss'], rows, batch);
    maxN = Math.max(maxN, s.n); maxCap = Math.max(maxCap, s.cap);
  }
  assert.ok(maxN <= MAX_ROWS && maxCap <= MAX_ROWS, `n up to ${maxN}, capacity up to ${maxCap}`);
  const st = s.col('step');
  assert.equal(st[0], 0);
  assert.equal(st[s.n - 1], total - 1);
  for (let i = 1; i < s.n; i++) assert.ok(st[i] > st[i - 1]);
  // the last RECENT_ROWS steps are all there
  for (let k = 1; k <= RECENT_ROWS; k++) assert.equal(st[s.n - k], total - k);
  // older rows get sparser towards the start: the gap between kept steps never shrinks going back
  // by more than a factor 2 per stretch, and the first stretch is the sparsest
  const gap = (a, b) => { const idx = (x) => st.findIndex((v) => v >= x); return (b - a) / Math.max(1, idx(b) - idx(a)); };
  assert.ok(gap(0, MAX_ROWS / 4) > gap(total - 2 * RECENT_ROWS, total - RECENT_ROWS), 'older stretches are sparser than recent ones');
  assert.ok(gap(0, MAX_ROWS / 4) >= 4, `the start is thinned at least 4x (${gap(0, MAX_ROWS / 4)})`);
});

test('minMaxDecimate keeps every bucket extreme, the ends, and x order', () => {
  const n = 100000;
  const x = new Float64Array(n), y = new Float64Array(n);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) { x[i] = i; y[i] = Math.sin(i / 500) + 0.1 * rnd(); }
  y[31337] = 50; y[77001] = -50; y[5] = NaN;
  const buckets = 300;
  const idx = minMaxDecimate(x, y, n, buckets);
  assert.ok(idx.length <= 4 * buckets, `${idx.length} points`);
  for (let k = 1; k < idx.length; k++) assert.ok(idx[k] > idx[k - 1]);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], n - 1);
  assert.ok(idx.includes(31337) && idx.includes(77001));
  assert.ok(!idx.includes(5));
  // independent check: the max and min of y over each bucket's x range are among the kept points
  const kept = new Set(idx);
  const span = x[n - 1] - x[0];
  for (let b = 0; b < buckets; b++) {
    let mn = -1, mx = -1;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i])) continue;
      if (Math.min(buckets - 1, Math.floor(((x[i] - x[0]) / span) * buckets)) !== b) continue;
      if (mn < 0 || y[i] < y[mn]) mn = i;
      if (mx < 0 || y[i] > y[mx]) mx = i;
    }
    assert.ok(kept.has(mn) && kept.has(mx), `bucket ${b}`);
  }
});

test('minMaxDecimate: few points are kept as they are; a log axis drops y <= 0', () => {
  const x = Float64Array.of(0, 1, 2, 3), y = Float64Array.of(1, 0, -1, 2);
  assert.deepEqual(minMaxDecimate(x, y, 4, 10), [0, 1, 2, 3]);
  assert.deepEqual(minMaxDecimate(x, y, 4, 10, true), [0, 3]);
  assert.deepEqual(minMaxDecimate(x, Float64Array.of(NaN, NaN, NaN, NaN), 4, 10), []);
});

test('seriesPoints derives 2/eta and carries error bars', () => {
  const s = new RunData(['step', 'lr', 'sharpness', 'sharpness_resid']);
  s.append(s.columns, Float64Array.of(0, 0.2, 3, 1e-3, 1, 0.2, NaN, NaN, 2, 0.1, 4, 2e-3), 3);
  assert.deepEqual(seriesPoints(s, { col: 'lr', map: (v) => 2 / v }, 100), [{ x: 0, y: 10 }, { x: 1, y: 10 }, { x: 2, y: 20 }]);
  assert.deepEqual(seriesPoints(s, { col: 'sharpness', errCol: 'sharpness_resid' }, 100), [{ x: 0, y: 3, e: 1e-3 }, { x: 2, y: 4, e: 2e-3 }]);
  assert.deepEqual(seriesPoints(s, { col: 'absent' }, 100), []);
});

test('chartSpecs shows a chart only when its columns exist', () => {
  const ids = (cols) => chartSpecs(cols).map((c) => c.id);
  assert.deepEqual(ids(['step', 'loss', 'grad_norm', 'param_norm', 'lr']), ['loss', 'norms', 'grad', 'lr']);
  const full = ['step', 'loss', 'test_loss', 'grad_norm', 'param_norm', 'lr', 'sharpness', 'sharpness_resid', 'eig2', 'eig10',
    'lambda_min', 'edge_ratio', 'layer1_sq', 'layer2_sq', 'gap1', 'invariant1', 'margin', 'train_acc', 'sv1_1', 'sv1_2',
    'sv_ratio1', 'align1', 'wprod_dist', 's_min', 's_ratio', 'grad_proj', 'cai_threshold', 'events'];
  const specs = chartSpecs(full);
  assert.deepEqual(specs.map((c) => c.id), ['loss', 'sharpness', 'edge', 'bound', 'sratio', 'norms', 'balance', 'margin',
    'accuracy', 'sv', 'align', 'wstar', 'grad', 'gradproj', 'lr']);
  assert.deepEqual(specs.find((c) => c.id === 'loss').series.map((s) => s.col), ['loss', 'test_loss', 'cai_threshold']);
  const sh = specs.find((c) => c.id === 'sharpness');
  assert.deepEqual(sh.series.map((s) => s.col), ['sharpness', 'eig2', 'eig10', 'lambda_min', 'lr']);
  assert.equal(specs.find((c) => c.id === 'loss').log, true);
  // the 2/eta reference line alone does not make a chart
  assert.ok(!ids(['step', 'loss', 'lr']).includes('sharpness'));
  assert.ok(!ids(['step', 'loss', 'lr', 'sharpness']).includes('bound'));
});

test('findEvents reads the engine bitmask when it exists', () => {
  const s = new RunData(['step', 'loss', 'events']);
  s.append(s.columns, Float64Array.of(0, 1, 0, 10, 5, bit('catapult'), 20, 0.5, bit('eos') | bit('converged'), 30, NaN, bit('diverged')), 4);
  const ev = findEvents(s, names);
  assert.deepEqual(ev.map((e) => [e.step, e.kind]), [[10, 'catapult'], [20, 'eos'], [20, 'converged'], [30, 'diverged']]);
  assert.equal(ev[1].label, 'EoS onset'); // the engine's label (ibp.h IBP_EVENT_LIST)
});

test('findEvents: without the engine\'s events column there are no events (the page never guesses them)', () => {
  // a loss curve that looks like a catapult and an edge ratio past 1: still no event, because the
  // engine alone defines them (src/run/events.c), for the CLI, the charts and the embed API alike
  const s = new RunData(['step', 'loss', 'edge_ratio']);
  const loss = [1, 0.9, 3, 30, 12, 0.5, 0.4];
  const er = [0.5, NaN, NaN, 0.98, NaN, 1.01, 1.2];
  const rows = [];
  loss.forEach((l, i) => rows.push(i, l, er[i]));
  s.append(s.columns, Float64Array.from(rows), loss.length);
  assert.deepEqual(findEvents(s, names), []);
});

test('log axes keep about six ticks and never fewer than three labels; tick labels are short', async () => {
  const { thinLogTicks, tickLabel, logTicks } = await import('../js/axes.js');
  const decades = [];
  for (let e = -33; e <= 1; e++) for (const m of [1, 2, 5]) decades.push({ value: m * 10 ** e });
  const t = thinLogTicks(decades);
  assert.ok(t.length >= 3 && t.length <= 7, `${t.length} ticks`);
  for (const k of t) assert.equal(Math.round(k.value / 10 ** Math.floor(Math.log10(k.value) + 1e-9)), 1);
  const narrow = [0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.5, 1].map((value) => ({ value }));
  assert.deepEqual(thinLogTicks(narrow).map((x) => x.value), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]);
  // logTicks: every span gets 3 to 7 labelled ticks inside it, in increasing order
  for (const [lo, hi] of [[1e-33, 10], [1e-8, 1e-6], [0.003, 0.2], [0.5, 0.9], [6.1, 6.9], [1e-3, 1.1e-3], [2, 40], [1, 1e4]]) {
    const k = logTicks(lo, hi);
    assert.ok(k.length >= 3 && k.length <= 7, `[${lo}, ${hi}]: ${k}`);
    for (let i = 0; i < k.length; i++) {
      assert.ok(k[i] >= lo * (1 - 1e-9) && k[i] <= hi * (1 + 1e-9), `[${lo}, ${hi}]: ${k[i]} inside`);
      if (i) assert.ok(k[i] > k[i - 1]);
    }
    assert.equal(new Set(k.map(tickLabel)).size, k.length, `[${lo}, ${hi}]: distinct labels ${k.map(tickLabel)}`);
  }
  assert.equal(tickLabel(1e-30), '1e-30');
  assert.equal(tickLabel(0.000010000000000000001), '1e-5');
  assert.equal(tickLabel(2.5e-7), '2.5e-7');
  assert.equal(tickLabel(2500), '2500');
  assert.equal(tickLabel(0), '0');
});

test('rowRange and a windowed seriesPoints', async () => {
  const { rowRange } = await import('../js/series.js');
  const s = new RunData(['step', 'loss']);
  const rows = [];
  for (let i = 0; i < 100; i++) rows.push(i * 10, 100 - i);
  s.append(s.columns, Float64Array.from(rows), 100);
  assert.deepEqual(rowRange(s, 0, 50), [0, 6]);
  assert.deepEqual(rowRange(s, 55, 990), [6, 100]);
  assert.deepEqual(rowRange(s), [0, 100]);
  assert.deepEqual(seriesPoints(s, { col: 'loss' }, 100, false, 2, 5), [{ x: 20, y: 98 }, { x: 30, y: 97 }, { x: 40, y: 96 }]);
});

test('summarizeEvents names each kind once, with its count and first step', async () => {
  const { summarizeEvents } = await import('../js/status.js');
  assert.equal(summarizeEvents([
    { step: 10, kind: 'eos', label: 'EoS onset' }, { step: 40, kind: 'catapult', label: 'catapult' },
    { step: 90, kind: 'catapult', label: 'catapult' },
  ]), 'EoS onset at step 10, catapult ×2 (first at step 40)');
  assert.equal(summarizeEvents([]), '');
});
