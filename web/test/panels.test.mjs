// The pure parts of the preset panels (web/js/panels.js): config overrides, product columns, the
// checks on synthetic series with known answers, and then the real thing: every preset of
// presets/presets.json, run by the engine, shows its phenomenon by its own `check`, and every
// sweep panel's summary fields exist for its first cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../js/wasm-loader.js';
import { Run } from '../js/engine.js';
import { withSet, RunStore, runEndText } from '../js/panels.js';
import { evaluateCheck, checkColumns } from '../js/preset-check.js';
import { planSweep } from '../js/sweep-plan.js';
import { engineNames } from '../js/names.js';
import { PRESETS } from '../js/presets.js';

const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
const names = engineNames(ibp.enums);
const bit = (id) => names.events.find((e) => e.id === id).bit;
const presets = JSON.parse(readFileSync(new URL('../../presets/presets.json', import.meta.url), 'utf8')).presets;

function store(columns, rows) {
  const s = new RunStore();
  s.append(columns, Float64Array.from(rows.flat()), rows.length);
  return s;
}

test('withSet replaces the items of the keys it names and appends the rest', () => {
  assert.equal(withSet('a=1&b=2&c=3', 'b=9&d=4'), 'a=1&c=3&b=9&d=4');
  assert.equal(withSet('a=1', ''), 'a=1');
  assert.equal(withSet('lr=1&lr_rel=2', 'lr_rel=3'), 'lr=1&lr_rel=3');
});

test('the check panel says how its run ended in a sentence, in the engine\'s state words', () => {
  // QA: it read "steps done after 300 steps in 0.29 s"
  const state = (k) => ibp.readCStr(ibp.ex.ibp_run_state_string(ibp.enums.state[k]));
  assert.equal(runEndText({ t: 300, stateName: state('IBP_DONE_STEPS') }, 0.29), '300 steps done in 0.29 s');
  assert.equal(runEndText({ t: 1, stateName: state('IBP_DONE_STEPS') }, 12), '1 step done in 12 s');
  assert.equal(runEndText({ t: 12, stateName: state('IBP_DIVERGED') }, 0.05), 'diverged at step 12, in 0.05 s');
  assert.equal(runEndText({ t: 80, stateName: state('IBP_DONE_TARGET') }, 1.5), 'target loss reached at step 80, in 1.5 s');
  // the values table: without the time
  assert.equal(runEndText({ t: 300, stateName: state('IBP_DONE_STEPS') }), '300 steps done');
  assert.equal(runEndText({ t: 7, stateName: state('IBP_DONE_GRAD') }), 'gradient norm below tolerance at step 7');
});

test('product columns a*b are computed as rows arrive, NaN when a factor is missing', () => {
  const s = new RunStore(['lr*ntk', 'lr*nope']);
  s.append(['step', 'lr', 'ntk'], Float64Array.from([0, 0.5, 4, 1, 0.5, NaN]), 2);
  assert.deepEqual([...s.col('lr*ntk')], [2, NaN]);
  assert.ok(Number.isNaN(s.col('lr*nope')[0]));
  assert.equal(s.n, 2);
  assert.deepEqual(checkColumns({ kind: 'series_flat', series: 'gap1' }), ['gap1']);
});

test('checks on synthetic series with known answers', () => {
  // EoS: the onset is the engine's event (here at step 20); the median after it by hand: sorted
  // [0.95,0.98,1,1.02,1.04,1.3] -> (1 + 1.02)/2
  const er = [0.3, 0.6, 0.95, 1.02, 0.98, 1.3, 1.0, 1.04];
  const eos = evaluateCheck({ kind: 'eos', tolerance: 0.1 }, store(['step', 'edge_ratio', 'events'], er.map((v, i) => [10 * i, v, i === 2 ? bit('eos') : 0])), names);
  const val = (r, label) => r.rows.find((x) => x.label === label).value;
  assert.equal(val(eos, 'EoS onset at step'), 20);
  assert.ok(Math.abs(val(eos, 'median η S / 2 after onset') - 1.01) < 1e-15);
  assert.equal(eos.verdict, true);
  const early = evaluateCheck({ kind: 'eos' }, store(['step', 'edge_ratio', 'events'], [[0, 0.5, 0], [1, 0.7, 0]]), names);
  assert.equal(early.verdict, null);
  // the page never guesses an onset: at the edge but no engine event is no onset
  assert.equal(evaluateCheck({ kind: 'eos' }, store(['step', 'edge_ratio'], er.map((v, i) => [10 * i, v])), names).verdict, null);
  // a catapult: the engine's catapult bit at the peak row
  const cat = evaluateCheck({ kind: 'event', event: 'catapult' }, store(['step', 'loss', 'events'], [[0, 1, 0], [1, 50, bit('catapult')], [2, 0.1, 0]]), names);
  assert.equal(cat.verdict, true);
  assert.equal(val(cat, 'max_t L_t / L_0'), 50);
  assert.equal(val(cat, 'catapult event at step'), 1);
  // falls / flat / ge / edge
  const falls = evaluateCheck({ kind: 'series_falls', series: 'gap1', factor: 100, abs: true }, store(['step', 'gap1'], [[0, -4], [1, 0.02]]));
  assert.equal(val(falls, 'fell by a factor'), 200);
  assert.equal(falls.verdict, true);
  assert.equal(evaluateCheck({ kind: 'series_falls', series: 'l', factor: 1000 }, store(['step', 'l'], [[0, 1], [1, 0.01]])).verdict, false);
  const flat = evaluateCheck({ kind: 'series_flat', series: 'g', rel: 0.05 }, store(['step', 'g'], [[0, -200], [1, -205], [2, -199]]));
  assert.equal(val(flat, 'relative drift'), 0.025);
  assert.equal(flat.verdict, true);
  assert.equal(evaluateCheck({ kind: 'series_ge', series: 's', min: 1 }, store(['step', 's'], [[0, 0.1], [1, NaN], [2, 0.999]])).verdict, false);
  const edge = evaluateCheck({ kind: 'edge_final', min: 0.9, max: 1 }, store(['step', 'edge_ratio'], [[0, 2], [5, 0.95], [6, NaN]]));
  assert.equal(val(edge, 'final η S / 2'), 0.95);
  assert.equal(edge.verdict, true);
  // trajectory: (2, 0.5) is on xy = 1; eta (x^2 + y^2) / 2 = 0.1 * 4.25 / 2
  const tr = evaluateCheck({ kind: 'trajectory' }, store(['step', 'lr', 'theta1', 'theta2'], [[0, 0.1, 4, 0.1], [1, 0.1, 2, 0.5]]));
  assert.ok(Math.abs(val(tr, 'η (x² + y²) / 2') - 0.2125) < 1e-15);
  assert.equal(tr.verdict, true);
  // Wang et al.'s claim itself: |x - y| <= sqrt(2/eta - 2 mu) (here sqrt(20 - 2) = 4.24), and more
  // balanced than at the start; (2, 0.5) qualifies, (8, 0.125) is on xy = 1 but outside the bound
  const bal = evaluateCheck({ kind: 'trajectory', balance: true }, store(['step', 'lr', 'theta1', 'theta2'], [[0, 0.1, 4, 0.1], [1, 0.1, 2, 0.5]]));
  assert.ok(Math.abs(val(bal, 'bound √(2/η − 2μ)') - Math.sqrt(18)) < 1e-12);
  assert.equal(val(bal, '|x − y|'), 1.5);
  assert.equal(bal.verdict, true);
  const far = evaluateCheck({ kind: 'trajectory', balance: true }, store(['step', 'lr', 'theta1', 'theta2'], [[0, 0.01, 4, 0.1], [1, 0.01, 8, 0.125]]));
  assert.equal(far.verdict, false);
});

// Run a config to its end collecting every row, as the sweep worker's run job does.
function runAll(config) {
  const r = Run.create(ibp, { config });
  const s = new RunStore();
  const take = () => { const d = r.takeRows(); if (d.length) s.append(r.columns, d, d.length / r.columns.length); };
  take();
  while (r.running) { r.step(100000); take(); }
  take();
  r.destroy();
  return s;
}

for (const p of [...presets, ...PRESETS]) {
  test(`${p.id}: the preset shows its phenomenon (${p.check.kind})`, () => {
    const r = evaluateCheck(p.check, runAll(p.config), names);
    assert.equal(r.verdict, true, `${r.sentence} ${JSON.stringify(r.rows)}`);
  });
}

test('every sweep panel yields its summary fields in its first cell', () => {
  for (const p of presets) {
    p.panels.forEach((panel, k) => {
      if (panel.kind !== 'sweep') return;
      const plan = planSweep(ibp, panel.base, panel.vary, { maxCells: 2000 });
      assert.equal(plan.configs.length, plan.cells, `${p.id} panel ${k}: every cell listed`);
      const r = Run.create(ibp, { config: plan.first });
      while (r.running) { r.step(100000); ibp.ex.ibp_run_clear_rows(r.ptr); }
      const s = JSON.parse(ibp.textOf((b, cap) => ibp.ex.ibp_run_summary_json(r.ptr, b, cap)));
      r.destroy();
      for (const y of Array.isArray(panel.y) ? panel.y : [panel.y]) {
        assert.ok(Number.isFinite(s[y]), `${p.id} panel ${k}: ${y} = ${s[y]} in the first cell (${s.regime})`);
      }
    });
  }
});
