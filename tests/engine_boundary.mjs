// The engine's boundary as the page sees it: the browser module (ibp.wasm) through
// web/js/wasm-loader.js and web/js/engine.js.
//   - the sweep grammar table (tests/sweep_cases.json), the same table the CLI runs through
//     tests/sweep_grammar.mjs;
//   - every problem of a config (ibp_config_problems_json), each one the parser's own sentence;
//   - the enums JSON: events, regimes and summary fields, checked against what runs report;
//   - 64-bit step and parameter counts (BigInt in wasm) and the messages of step/extend/setParams.
// Usage: node tests/engine_boundary.mjs [build/wasm/ibp.wasm]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../web/js/wasm-loader.js';
import { Run, Sweep, problems, canonical, EngineError } from '../web/js/engine.js';
import { Checker } from './cli_run.mjs';
import { cases, checkCase } from './sweep_cases.mjs';

const wasmPath = process.argv[2] || fileURLToPath(new URL('../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
const t = new Checker();
const err = (fn) => { try { fn(); return null; } catch (e) { return e; } };

// ---- the sweep grammar table ------------------------------------------------------------------
function plan(base, vary, shard) {
  let s;
  try { s = Sweep.plan(ibp, base, vary); } catch (e) {
    t.check(e instanceof EngineError && e.code === ibp.enums.status.IBP_E_CONFIG, `a refused plan is IBP_E_CONFIG (${e.code})`);
    return { error: e.message };
  }
  try {
    const cells = new Map();
    for (let c = 0; c < s.ncells; c++) {
      const why = s.cellProblem(c);
      cells.set(c, why === null ? s.cellConfig(c) : `!${why}`);
    }
    const [i, n] = shard ? shard.split('/').map(Number) : [1, 1];
    return { plan: { keys: s.keys, ncells: s.ncells, base: s.base }, cells, shard: s.shardCells(i, n) };
  } finally {
    s.destroy();
  }
}
for (const c of cases) checkCase(t, c, plan);

{ // cell numbering: the first key outermost, through the engine's own index
  const s = Sweep.plan(ibp, 'steps=1', ['depth=2,3,4', 'lr=0.1,0.2']);
  t.check(JSON.stringify([0, 1, 2, 5].map((c) => s.cellIndex(c))) === '[[0,0],[0,1],[1,0],[2,1]]', 'cell = i0 * n1 + i1');
  t.check(JSON.stringify(s.cellValues(3)) === '["3","0.2"]', `cell 3's values (${s.cellValues(3)})`);
  t.check(s.cellConfig(99) === '' && /cells 0 to 5/.test(s.cellProblem(99)), 'a cell outside the sweep');
  t.check(err(() => s.shardCells(4, 3)) instanceof EngineError, 'a bad shard is refused');
  s.destroy();
}

// ---- every problem of a config -------------------------------------------------------------------
{
  const items = ['lr=-1', 'depth=1.5', 'lrr=3', 'act=tanh', 'model=linear', 'x%zz=1', 'seed', 'steps=1', 'steps=2'];
  const ps = problems(ibp, items.join('&'));
  const keys = ps.map((p) => p.key);
  t.check(JSON.stringify(keys) === JSON.stringify(['lr', 'depth', 'lrr', 'x%zz', 'seed', 'steps', 'act']),
    `every problem, in order: items as written, then keys that do not apply (${keys})`);
  t.check(ps.every((p) => typeof p.value === 'string' && p.allowed && p.message), 'each has key, value, allowed and message');
  t.check(ps[0].value === '-1' && ps[0].allowed === 'a number in (0, 1000000]', `lr: value and range (${JSON.stringify(ps[0])})`);
  t.check(ps[2].allowed.includes('ibp help config') && /did you mean "lr"/.test(ps[2].message), 'an unknown key, with a suggestion');
  t.check(ps[6].allowed === 'model=mlp,cnn' && ps[6].value === 'tanh', `act: where it applies (${JSON.stringify(ps[6])})`);
  // one parser: each item's message is the one ibp_config_canonical gives when it is the first problem
  for (const p of ps.slice(0, 3)) {
    const e = err(() => canonical(ibp, items[keys.indexOf(p.key)]));
    t.check(e && e.message === p.message, `"${p.key}": the parser's own sentence (${e?.message} vs ${p.message})`);
  }
  const e = err(() => canonical(ibp, 'model=linear&act=tanh'));
  t.check(e && e.message === problems(ibp, 'model=linear&act=tanh')[0].message, 'the applies sentence is the parser\'s');
  t.check(JSON.stringify(problems(ibp, 'model=mf&loss=logistic&opt=sgd').map((p) => [p.key, p.value])) ===
    '[["loss","logistic"],["opt","sgd"]]', 'every rule between keys, with the value in use');
  t.check(problems(ibp, 'lr=0.1&model=linear&depth=3').length === 0 && problems(ibp, '').length === 0, 'a valid config has none');
  t.check(problems(ibp, 'steps=1e300&lr=nan')[1]?.key === 'lr', 'huge and non-numbers are both reported');
}

// ---- the enums: events, regimes, summary fields -----------------------------------------------------
{
  const en = ibp.enums;
  t.check(JSON.stringify(en.events.map((e) => [e.id, e.bit])) === '[["catapult",1],["eos",2],["diverged",4],["converged",8]]',
    `the event bits (${JSON.stringify(en.events)})`);
  t.check(en.events.every((e) => en.event[`IBP_EVENT_${e.id.toUpperCase()}`] === e.bit && e.label && e.help), 'event names, labels and help');
  t.check(JSON.stringify(en.regimes.map((r) => r.id)) === '["lazy","catapult","eos","divergent","not_converged","error"]', 'regimes in legend order');
  t.check(en.regimes.every((g) => ibp.readCStr(ibp.ex.ibp_regime_string(g.value)) === g.id && en.regime[`IBP_REGIME_${g.id.toUpperCase()}`] === g.value),
    'ibp_regime_string and the codes agree with the list');
  const fields = ibp.readCStr(ibp.ex.ibp_summary_fields()).split(',');
  t.check(JSON.stringify(en.summaryFields.map((f) => f.id)) === JSON.stringify(fields), 'summary fields = ibp_summary_fields()');
  t.check(en.summaryFields.every((f) => f.label && f.help), 'every field has a label and a meaning');
  t.check(en.sweep.IBP_SWEEP_MAX_KEYS === 2 && en.sweep.IBP_SWEEP_MAX_VALUES === 10000, 'the sweep limits');
  // a catapult (Lewkowycz et al.: c = 2.5 on the scalar model) reports the catapult bit, regime and event
  const r = Run.create(ibp, { config: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&ntk=1&steps=300&measure=0' });
  const rows = [];
  while (r.running) { r.step(1000); rows.push(...r.takeRows()); }
  const je = r.columns.indexOf('events'), nc = r.ncols;
  let mask = 0;
  for (let i = je; i < rows.length; i += nc) mask |= rows[i];
  const summary = JSON.parse(r.summaryJson());
  t.check((mask & en.event.IBP_EVENT_CATAPULT) !== 0 && summary.events === mask, `the events column and summary carry the catapult bit (${mask})`);
  t.check(r.regime.id === 'catapult' && summary.regime === r.regime.id, `the regime by id and by name (${r.regime.id}, ${summary.regime})`);
  const evs = r.events();
  t.check(evs.length >= 1 && evs[0].kind === en.event.IBP_EVENT_CATAPULT && Number.isInteger(evs[0].step) && evs[0].value > 2,
    `the catapult event: step ${evs[0]?.step}, peak ratio ${evs[0]?.value}`);
  t.check(Object.keys(summary).join() === fields.join(), 'the summary JSON has the fields in order');
  r.destroy();
}

// ---- 64-bit counts and messages ------------------------------------------------------------------
{
  const r = Run.create(ibp, { config: 'model=mlp&width=8&d=1&steps=5&log_every=1' });
  t.check(typeof ibp.ex.ibp_run_t(r.ptr) === 'bigint' && typeof ibp.ex.ibp_run_nparams(r.ptr) === 'bigint',
    'the module returns step and parameter counts as int64 (BigInt)');
  t.check(r.step(3) === 3 && r.t === 3 && r.stepsTotal === 5 && r.nparams === 8 * 1 + 8 + 8 + 1, `Numbers in JS (t ${r.t}, P ${r.nparams})`);
  t.check(r.columnIndex('loss') === r.columns.indexOf('loss') && r.columnIndex('nope') === -1, 'column index by name');
  let e = err(() => r.step(-1));
  t.check(e instanceof EngineError && e.code === ibp.enums.status.IBP_E_ARG && /steps >= 0/.test(e.message), `step(-1): ${e?.message}`);
  t.check(r.step(100) === 2 && !r.running && r.message === 'finished: 5 steps done', `stops at the limit: ${r.message}`);
  t.check(r.extend(4) === 0 && r.running && r.message === 'running' && r.stepsTotal === 9, 'extend continues a finished run');
  e = err(() => r.extend(2e9));
  t.check(e instanceof EngineError && /at most 1e9/.test(e.message), `extend beyond 1e9: ${e?.message}`);
  e = err(() => r.setParams(new Float64Array(r.nparams).fill(1).map((x, i) => (i === 3 ? Infinity : x))));
  t.check(e instanceof EngineError && /parameter 3 of 25 is infinite/.test(e.message), `setParams names the bad value: ${e?.message}`);
  r.destroy();
  const d = Run.create(ibp, { config: 'model=linear&width=100&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=100' });
  while (d.running) d.step(1000);
  t.check(/^diverged at step \d+: loss \S+ > div_loss \S+ \(eta = \S+\)/.test(d.message), `the divergence message form: ${d.message}`);
  e = err(() => d.extend(5));
  t.check(e instanceof EngineError && e.code === ibp.enums.status.IBP_E_STATE && /diverged/.test(e.message), `a diverged run cannot go on: ${e?.message}`);
  d.destroy();
}
t.done();
