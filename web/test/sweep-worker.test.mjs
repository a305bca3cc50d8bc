// The sweep worker (web/js/sweep-worker.js) under node, through its message protocol: plans that
// check every cell with the engine (unknown keys, bad values, bad cells refused with the engine's
// sentence), a timed probe, cells whose summaries equal the CLI's (`ibp sweep`, same bytes of
// every number), and runs that stream their rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { workerUnderTest, cliPath as cli } from './harness.mjs';

const { inbox, next, request } = await workerUnderTest(new URL('../js/sweep-worker.js', import.meta.url));
const ready = await next((m) => m.type === 'ready');

const UV = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&steps=400&measure=0';
const G = 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&steps=300&ntk=1&measure=0';

test('ready carries the module\'s enums: the summary fields, the regimes, the events', () => {
  const fields = ready.enums.summaryFields.map((f) => f.id);
  assert.ok(fields.includes('regime') && fields.includes('lambda_ratio') && fields.includes('eta_s_final'));
  assert.ok(ready.enums.regimes.some((r) => r.id === 'catapult'));
  assert.ok(ready.enums.events.some((e) => e.id === 'eos'));
});

test('a plan (the engine\'s planner) lists every cell config; unknown keys, bad values and bad cells get the engine\'s message', async () => {
  const p = await request('plan', { base: UV, vary: ['lr_rel=lin:0.5:3.5:4', 'seed=0,1'] });
  assert.equal(p.cells, 8);
  assert.deepEqual(p.keys, ['lr_rel', 'seed']);
  assert.deepEqual(p.values, [['0.5', '1.5', '2.5', '3.5'], ['0', '1']]);
  assert.deepEqual(p.specs, ['lr_rel=lin:0.5:3.5:4', 'seed=0,1']);
  assert.equal(p.configs.length, 8);
  // the first key outermost; each cell's config in the engine's canonical form
  assert.deepEqual(p.index[3], [1, 1]);
  assert.equal(p.configs[3], 'model=mf&init=4,0.1&rows=1&cols=1&rank=1&target=1&lr_rel=1.5&steps=400&measure=0&seed=1');
  assert.equal(p.first, p.configs[0]);
  assert.equal(p.canonical, 'model=mf&init=4,0.1&rows=1&cols=1&rank=1&target=1&steps=400&measure=0');
  // the two grammars that used to disagree (issue 13) are one now
  assert.deepEqual((await request('plan', { base: UV, vary: ['seed=1 ,2'] })).values, [['1', '2']]);
  // lin: a + ((b - a) i) / (N - 1) inside, the endpoints as written; N = 3.0 is a whole number
  assert.deepEqual((await request('plan', { base: UV, vary: ['lr_rel=lin:0.1:0.2:3.0'] })).values, [['0.1', String(0.1 + ((0.2 - 0.1) * 1) / 2), '0.2']]);
  await assert.rejects(request('plan', { base: UV, vary: ['bogus=1,2'] }), (e) => e.kind === 'config' && /unknown key "bogus"/.test(e.message));
  await assert.rejects(request('plan', { base: UV, vary: ['rank=1,0'] }), (e) => e.kind === 'config' && /rank=0 is out of range/.test(e.message));
  // a cell wrong only as a whole: rows applies to model=mf, not to the mlp of cell 1
  await assert.rejects(request('plan', { base: UV, vary: ['model=mf,mlp'] }), (e) => e.kind === 'config' && /^cell 1 \(model=mlp\): /.test(e.message));
  await assert.rejects(request('plan', { base: 'steps=abc', vary: ['lr=1'] }), (e) => e.kind === 'config' && /^the base config: steps=/.test(e.message));
  await assert.rejects(request('plan', { base: UV, vary: ['lr_rel=lin:1:2'] }), (e) => e.kind === 'config' && /lin:START:STOP:N/.test(e.message));
  await assert.rejects(request('plan', { base: UV, vary: [] }), (e) => e.kind === 'config' && /at least one key/.test(e.message));
  // too big to run here: the cells are not listed, but each value is still checked alone
  const big = await request('plan', { base: UV, vary: ['lr_rel=lin:0.5:3.5:100', 'seed=lin:0:99:100'] });
  assert.equal(big.cells, 10000);
  assert.deepEqual(big.configs, []);
  await assert.rejects(request('plan', { base: UV, vary: ['lr_rel=lin:0.5:3.5:100', 'widht=lin:1:100:100'] }), /unknown key "widht"/);
});

test('an estimate times a few steps of the first cell', async () => {
  const e = await request('estimate', { config: `${G}&lr_rel=1` });
  assert.equal(e.stepsTotal, 300);
  assert.ok(e.probed >= 1 && e.probed <= 50);
  assert.ok(e.msPerStep > 0 && e.msCreate >= 0);
});

test('cells: the regimes of the catapult paper, and the very numbers of `ibp sweep`', async () => {
  const values = ['1', '2.5', '3.5', '5'];
  const got = [];
  for (const v of values) got.push(await request('cell', { config: `${G}&lr_rel=${v}` }));
  assert.deepEqual(got.map((r) => r.regime), ['lazy', 'catapult', 'catapult', 'divergent']);
  assert.match(got[3].message, /diverged at step \d+/);
  assert.ok(got[0].summary.lambda_ratio > 0.98 && got[1].summary.lambda_ratio < 0.6);
  assert.match(got[1].canonical, /lr_rel=2.5/);
  const refused = await request('cell', { config: `${G}&lr_rel=1&mem_cap=1` });
  assert.equal(refused.regime, 'error');
  assert.ok(refused.message.length > 10);
  // the same numbers as the CLI: a check that cannot run is a failure (scripts/build native)
  assert.ok(existsSync(cli), `${cli} is missing: build it (scripts/build native)`);
  // the CLI's CSV has the same numbers, printed by the same formatter
  const out = execFileSync(cli, ['sweep', G, '--vary', `lr_rel=${values.join(',')}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.split('\n').filter((l) => l && !l.startsWith('#'));
  const cols = lines[0].split(',');
  lines.slice(1).forEach((line, i) => {
    const row = line.split(',');
    assert.equal(row[cols.indexOf('regime')], got[i].regime);
    for (const f of ['final_loss', 'lambda_ratio', 'max_loss_ratio', 'steps']) {
      const v = got[i].summary[f], text = row[cols.indexOf(f)];
      if (v === null) assert.equal(text, '', `${f} of cell ${i}`);
      else assert.equal(Number(text), v, `${f} of cell ${i}`); // shortest round-trip forms: equal doubles
    }
  });
});

test('a run streams its rows (the requested columns, step and lr) and ends with its summary', async () => {
  const my = 100000; // an id of its own, beyond the harness's
  self.onmessage({ data: { id: my, type: 'run', args: { config: `${G}&lr_rel=2.5`, columns: ['loss', 'nope'], everyMs: 0 } } });
  const done = await next((x) => x.id === my && (x.type === 'result' || x.type === 'error'));
  assert.equal(done.type, 'result', done.error && done.error.message);
  const batches = inbox.filter((x) => x.id === my && x.type === 'rows');
  inbox.splice(0, inbox.length, ...inbox.filter((x) => x.id !== my));
  assert.deepEqual(done.result.columns, ['step', 'lr', 'loss']);
  const n = batches.reduce((s, b) => s + b.nrows, 0);
  assert.equal(n, 301); // steps 0..300
  const first = batches[0];
  assert.equal(first.data[0], 0);
  assert.equal(done.result.regime, 'catapult');
  assert.equal(done.result.t, 300);
});

test('unknown requests are refused', async () => {
  self.onmessage({ data: { id: 9999, type: 'eval', args: {} } });
  const m = await next((x) => x.id === 9999);
  assert.equal(m.error.kind, 'protocol');
});
