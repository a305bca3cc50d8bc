// The worker (web/worker.js) under node, driven through its message protocol: validation that
// reports every problem, runs, stepping, reset to the same initialization, eta changes, the loss
// grid of two-parameter runs, and recovery from a real wasm trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { workerUnderTest, cliPath as cli } from './harness.mjs';

// the test server's hooks (serve.mjs --test-hooks): on unless a test turns them off
let testHooks = true;
const { inbox, next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url), {
  fetch: (url) => {
    if (!String(url).endsWith('/test-hooks.json')) return null;
    return testHooks ? new Response('{"fault":true}', { headers: { 'content-type': 'application/json' } }) : new Response('not found', { status: 404 });
  },
});
const ready = await next((m) => m.type === 'ready');

test('ready carries the version, the schema and the enums', () => {
  assert.match(ready.version, /^\d+\.\d+\.\d+/);
  assert.ok(ready.schema.some((k) => k.key === 'lr'));
  assert.equal(ready.enums.state.IBP_RUNNING, 0);
});

test('validate reports every bad key, each with its own message', async () => {
  const v = await request('validate', { config: 'lr=abc&depth=0&bogus=1&act=relu' });
  assert.equal(v.canonical, 'act=relu'); // what is left once the bad keys are taken out
  assert.deepEqual(v.problems.map((p) => p.key), ['lr', 'depth', null]);
  assert.match(v.problems[0].message, /^lr=/);
  assert.match(v.problems[2].message, /unknown key "bogus"/);
  const ok = await request('validate', { config: 'act=relu&lr=0.05' });
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.canonical, 'act=relu&lr=0.05');
  assert.match(ok.full, /(^|&)model=mlp&/);
});

test('unknown requests and bad arguments are refused with a message', async () => {
  self.onmessage({ data: { id: 999, type: 'eval', args: {} } });
  const m = await next((x) => x.id === 999);
  assert.equal(m.type, 'error');
  assert.equal(m.error.kind, 'protocol');
  await assert.rejects(request('step', { n: -3 }), (e) => e.kind === 'protocol' || e.kind === 'engine');
  await assert.rejects(request('create', { config: 'lr=x' }), (e) => e.kind === 'config' && e.problems[0].key === 'lr');
});

test('create, step, reset: the same first steps again; metrics by column name', async () => {
  inbox.length = 0;
  const info = await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=50' });
  assert.equal(info.nparams, 2);
  assert.ok(info.twoParam && info.twoParam.product);
  // 1/2 (1 - xy)^2: along x = 1 the minimizer is y = 1 and the curvature is 1 (closed form)
  assert.ok(Math.abs(info.twoParam.pstar - 1) < 1e-12 && Math.abs(info.twoParam.kappa - 1) < 1e-12);
  const losses = async (runId) => {
    const st = await request('step', { n: 5 });
    assert.equal(st.t, 5);
    const rows = [];
    for (let m; (m = inbox.find((x) => x.type === 'metrics' && x.runId === runId)); inbox.splice(inbox.indexOf(m), 1)) {
      const j = m.columns.indexOf('loss'), s = m.columns.indexOf('step');
      for (let r = 0; r < m.nrows; r++) rows.push([m.data[r * m.columns.length + s], m.data[r * m.columns.length + j]]);
    }
    return rows;
  };
  const a = await losses(info.runId);
  assert.deepEqual(a.map((r) => r[0]), [0, 1, 2, 3, 4, 5]);
  // the loss of 1/2 (1 - xy)^2 at the initialization (4, 0.1), computed here
  assert.ok(Math.abs(a[0][1] - 0.5 * (1 - 0.4) ** 2) < 1e-15);
  const again = await request('reset');
  assert.equal(again.runId, info.runId + 1);
  const b = await losses(again.runId);
  assert.deepEqual(b, a);
  const trace = inbox.filter((m) => m.type === 'trace' && m.runId === again.runId);
  const pts = trace.flatMap((m) => [...m.data]);
  assert.deepEqual(pts.slice(0, 3), [0, 4, 0.1]);
  assert.equal(pts.length, 3 * 6);
});

test('setLr applies from the next step, play runs to the end, extend continues', async () => {
  await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&lr=0.1&steps=200' });
  // at step 0 the row of step 0 already announced eta = 0.1 for the step out of it: the change
  // holds from step 1 on, and the run's config records it
  const st = await request('setLr', { eta: 0.05 });
  assert.equal(st.lr, 0.05); // the status says the rate set, and from which step it holds
  assert.equal(st.lrFrom, 1);
  assert.equal(st.from, 1);
  assert.match(st.canonical, /&lr_at=1,0\.05&/);
  assert.equal((await request('step', { n: 1 })).lr, 0.05);
  await assert.rejects(request('setLr', { eta: -1 }), /learning rate/);
  await request('play');
  const done = await next((m) => m.type === 'status' && !m.running);
  assert.equal(done.t, 200);
  assert.equal(done.stateName, 'steps done');
  const ext = await request('extend', { more: 10 });
  assert.equal(ext.running, true);
  const after = await request('step', { n: 10 });
  assert.equal(after.t, 210);
});

test('the loss grid of a two-parameter run is the loss 1/2 (1 - xy)^2', async () => {
  await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=10' });
  const { data } = await request('lossGrid', { x0: -2, x1: 2, y0: -1, y1: 3, nx: 5, ny: 3 });
  for (let j = 0; j < 3; j++) for (let i = 0; i < 5; i++) {
    const x = -2 + i, y = -1 + 2 * j;
    assert.ok(Math.abs(data[j * 5 + i] - 0.5 * (1 - x * y) ** 2) < 1e-12, `(${x}, ${y})`);
  }
  await assert.rejects(request('lossGrid', { x0: 1, x1: 0, y0: 0, y1: 1, nx: 5, ny: 5 }), /bad grid range/);
});

test('a divergence stops the run with the engine explanation', async () => {
  await request('create', { config: 'model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=2000&ntk=1' });
  await request('play');
  const st = await next((m) => m.type === 'status' && !m.running);
  assert.equal(st.stateName, 'diverged');
  assert.match(st.message, /^diverged at step \d+: /);
  assert.equal(st.playing, false);
});

test('a wasm trap is reported, the module is reloaded, and runs work again', async () => {
  await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=10' });
  await assert.rejects(request('fault', { what: 'trap' }), (e) => e.kind === 'trap' && /WebAssembly trap/.test(e.message));
  const trap = await next((m) => m.type === 'trap');
  assert.match(trap.message, /press Reset/);
  const info = await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=10' });
  const st = await request('step', { n: 3 });
  assert.equal(st.t, 3);
  assert.equal(st.runId, info.runId);
});

test('fault injection is refused where the server has no test hooks (a shared link cannot trap or crash)', async () => {
  testHooks = false;
  try {
    for (const what of ['trap', 'crash', 'poison']) {
      await assert.rejects(request('fault', { what }), (e) => e.kind === 'protocol' && /test hook/.test(e.message));
    }
  } finally {
    testHooks = true;
  }
  assert.ok(!inbox.some((m) => m.type === 'trap'));
  await assert.rejects(request('fault', { what: 'nope' }), (e) => e.kind === 'protocol');
});

test('500 failing creates in a row (traps, stack overflows, a leaked stack pointer), then a good run as if nothing happened', async () => {
  const good = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=20';
  const rowsOf = (runId) => inbox.filter((m) => m.type === 'metrics' && m.runId === runId).flatMap((m) => [...m.data]);
  inbox.length = 0;
  const ref = await request('create', { config: good });
  await request('step', { n: 20 });
  const want = rowsOf(ref.runId);
  // params JSON nested 20,000 deep: without a depth limit in the engine the reader recurses until
  // the wasm stack overflows (a RangeError out of the module, leaving its stack pointer moved);
  // with one it is a plain refusal. Every 50th create is a real trap inside the engine, every 25th
  // a leaked stack pointer: all of them must leave the worker usable.
  const N = 20000;
  const deep = `{"zzz":${'['.repeat(N)}${']'.repeat(N)},"params":[]}`;
  const kinds = new Map();
  for (let i = 0; i < 500; i++) {
    let kind;
    if (i % 50 === 49) {
      kind = await request('fault', { what: 'trap' }).then(() => 'none', (e) => e.kind);
      assert.equal(kind, 'trap');
    } else if (i % 25 === 24) {
      await request('fault', { what: 'poison' });
      kind = await request('create', { config: 'model=mf&rows=0' }).then(() => 'none', (e) => e.kind);
    } else {
      kind = await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&init=file', initJson: deep }).then(() => 'none', (e) => e.kind);
    }
    assert.notEqual(kind, 'none', `create ${i} should have failed`);
    kinds.set(kind, (kinds.get(kind) || 0) + 1);
  }
  assert.ok([...kinds.keys()].every((k) => ['trap', 'engine', 'config'].includes(k)), JSON.stringify([...kinds]));
  inbox.length = 0;
  const info = await request('create', { config: good });
  assert.equal(info.canonical, ref.canonical);
  const st = await request('step', { n: 20 });
  assert.equal(st.t, 20);
  assert.deepEqual(rowsOf(info.runId), want); // the same bits as before the failures
  const done = await request('play');
  assert.equal(done.runId, info.runId);
});

// ---- export and limits (issue 6) ---------------------------------------------------------------

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function cliCsv(config, extra = []) {
  assert.ok(existsSync(cli), `the native CLI ${cli} is missing: run scripts/build native (or set IBP_CLI)`);
  const dir = mkdtempSync(join(tmpdir(), 'ibp-export-'));
  const out = join(dir, 'metrics.csv');
  try {
    execFileSync(cli, ['run', config, '--out', out, '--quiet', ...extra.map((a) => (typeof a === 'function' ? a(dir) : a))], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    if (e.status !== 1) throw e; // 1 = diverged: still a table
  }
  return readFileSync(out, 'utf8');
}
async function playToEnd() {
  const st = await request('play');
  if (!st.running) return st; // it had stopped already (a divergence within the first steps)
  return next((m) => m.type === 'status' && m.runId === st.runId && !m.running);
}

test('the exported CSV is the CLI output, byte for byte (measured MLP, two-parameter, diverging runs)', async () => {
  for (const config of [
    'depth=3&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.3&steps=400&measure_every=20&n=64',
    'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=300',
    'model=linear&depth=2&d=1&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=2000&ntk=1',
  ]) {
    const info = await request('create', { config });
    await request('step', { n: 7 }); // stepping in odd chunks must not change a byte
    await playToEnd();
    const ex = await request('exportCsv');
    assert.equal(ex.canonical, info.canonical);
    assert.deepEqual(ex.notes, []);
    assert.equal(ex.truncated, false);
    assert.equal(ex.csv, cliCsv(info.canonical), config);
    assert.match(ex.csv, /^# ibp \d+\.\d+\.\d+\n# config: .*\n# seed: \d+\n# loss=/);
  }
});

test('params JSON is the CLI --save output; data CSV is `ibp data`', async () => {
  const config = 'model=linear&depth=2&width=4&d=3&n=20&lr=0.05&steps=50';
  const info = await request('create', { config });
  await playToEnd();
  const p = await request('paramsJson');
  let saved = '';
  cliCsv(info.canonical, ['--save', (dir) => { saved = join(dir, 'p.json'); return saved; }]);
  assert.equal(p.text, readFileSync(saved, 'utf8'));
  const shapes = JSON.parse(p.text).params.map((a) => [a.name, a.shape]);
  assert.deepEqual(shapes.map((s) => s[0]), ['W1', 'W2']);
  const d = await request('dataCsv', {});
  const dir = mkdtempSync(join(tmpdir(), 'ibp-data-'));
  execFileSync(cli, ['data', info.canonical, '--out', join(dir, 'd.csv')]);
  assert.equal(d.text, readFileSync(join(dir, 'd.csv'), 'utf8'));
  // and the data CSV imports back: the same run from data=csv gives the same loss at step 0
  writeFileSync(join(dir, 'p.json'), p.text);
  const back = await request('create', { config: 'model=linear&depth=2&width=4&data=csv&lr=0.05&steps=5', dataCsv: d.text });
  assert.equal(back.nparams, info.nparams);
});

test('eta set by hand is part of the run\'s config: the CSV is the CLI\'s bytes for that config; a continued run is stated', async () => {
  const info = await request('create', { config: 'model=mlp&depth=2&d=3&width=6&n=20&lr=0.1&steps=40&measure_every=7' });
  await request('step', { n: 5 });
  await request('setLr', { eta: 0.05 });
  await request('step', { n: 9 });
  await request('setLr', { eta: 0.2 });
  await playToEnd();
  const ex = await request('exportCsv');
  assert.deepEqual(ex.notes, []);
  assert.equal(ex.canonical, `${info.canonical.replace('&steps=40', '&lr_at=6,0.05,15,0.2&steps=40')}`);
  const lines = ex.csv.split('\n');
  assert.equal(lines[1], `# config: ${ex.canonical}`);
  // `ibp run` of that config writes the page's CSV byte for byte
  assert.ok(existsSync(cli), `the native CLI ${cli} is missing: run scripts/build native (or set IBP_CLI)`);
  const dir = mkdtempSync(join(tmpdir(), 'ibp-lrat-'));
  execFileSync(cli, ['run', ex.canonical, '--out', join(dir, 'm.csv'), '--quiet']);
  assert.equal(ex.csv, readFileSync(join(dir, 'm.csv'), 'utf8'));
  // a run continued past its steps is not a config: the CSV says so
  await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&lr=0.1&steps=20' });
  await playToEnd();
  const ext = await request('extend', { more: 3 });
  // the run's config records the new limit (the link of a continued run reproduces it)
  assert.match(ext.canonical, /(^|&)steps=23(&|$)/);
  assert.match(ext.full, /(^|&)steps=23(&|$)/);
  await request('step', { n: 3 });
  const ex2 = await request('exportCsv');
  assert.match(ex2.canonical, /(^|&)steps=23(&|$)/);
  assert.deepEqual(ex2.notes, ['continued by hand past the configured 20 steps at step 20']);
  const l2 = ex2.csv.split('\n');
  assert.match(l2[2], /^# seed: 0$/);
  assert.equal(l2[4], '# page: continued by hand past the configured 20 steps at step 20');
  assert.match(l2[5], /^step,loss,/);
  assert.equal(ex2.lastStep, 23);
});

test('play pauses at the limit; play again continues past it', async () => {
  const info = await request('create', { config: 'model=mf&rows=1&cols=1&rank=1&target=1&init=1.5,0.5&lr=0.1&steps=500' });
  await request('limit', { step: 120 });
  await request('play');
  const st = await next((m) => m.type === 'status' && m.runId === info.runId && !m.playing && m.t > 0);
  assert.equal(st.t, 120);
  assert.equal(st.running, true);
  assert.equal(st.limit, 120);
  const done = await playToEnd();
  assert.equal(done.t, 500);
  await assert.rejects(request('limit', { step: -1 }), /limit/);
  await request('limit', { step: 0 });
});

// ---- spectra ---------------------------------------------------------------------------------

function cliSpectrum(config, args) {
  assert.ok(existsSync(cli), `the native CLI ${cli} is missing: run scripts/build native (or set IBP_CLI)`);
  return JSON.parse(execFileSync(cli, ['spectrum', config, ...args], { encoding: 'utf8' }));
}

test('spectrum: the exact spectrum is the CLI one, bit for bit, and the run goes on as if nothing happened', async () => {
  const config = 'model=mlp&depth=2&d=4&width=8&act=tanh&n=32&lr=0.3&steps=60&measure_every=1';
  const info = await request('create', { config });
  assert.equal(info.nparams, 49);
  await request('step', { n: 25 });
  const ex = await request('spectrum', { mode: 'auto' });
  assert.equal(ex.mode, 'exact');
  assert.equal(ex.requested, 'auto');
  assert.equal(ex.step, 25);
  assert.equal(ex.P, 49);
  assert.equal(ex.eigenvalues.length, 49);
  assert.equal(ex.runId, info.runId);
  assert.deepEqual(ex.eigenvalues, cliSpectrum(info.canonical, ['--at-step', '25', '--exact']).eigenvalues);
  // the largest eigenvalue is the sharpness the run measured at this step
  const csvAt = (await request('exportCsv')).csv.split('\n').filter((l) => l && !l.startsWith('#'));
  const head = csvAt[0].split(','), row = csvAt.find((l) => l.startsWith('25,')).split(',');
  const S = Number(row[head.indexOf('sharpness')]);
  assert.ok(Math.abs(Math.max(...ex.eigenvalues) - S) <= 1e-9 * S, `${Math.max(...ex.eigenvalues)} vs ${S}`);
  // density and top-k in between, then the rest of the run: the CSV is still the CLI's
  const den = await request('spectrum', { mode: 'density', probes: 3, steps: 20 });
  assert.equal(den.mode, 'density');
  assert.equal(den.probes, 3);
  assert.equal(den.steps, 20);
  const top = await request('spectrum', { mode: 'top', probes: 4 });
  assert.equal(top.values.length, 4);
  assert.ok(Math.abs(top.values[0] - S) <= 1e-8 * S);
  const st = await request('pause'); // the spectra did not advance it
  assert.equal(st.t, 25);
  await playToEnd();
  const done = await request('exportCsv');
  assert.deepEqual(done.notes, []);
  assert.equal(done.csv, cliCsv(info.canonical));
});

test('spectrum: auto gives the SLQ density above the exact limit; it integrates to 1 and reaches the sharpness', async () => {
  const info = await request('create', { config: 'width=128&d=20&n=64&steps=10' });
  assert.ok(info.nparams > ready.enums.spectrum.IBP_SPECTRUM_EXACT_MAX);
  await request('step', { n: 3 });
  const d = await request('spectrum', { mode: 'auto' });
  assert.equal(d.mode, 'density');
  assert.equal(d.step, 3);
  assert.equal(d.grid.length, d.density.length);
  let integral = 0;
  for (let i = 1; i < d.grid.length; i++) integral += 0.5 * (d.density[i] + d.density[i - 1]) * (d.grid[i] - d.grid[i - 1]);
  assert.ok(Math.abs(integral - 1) < 1e-3, `integral ${integral}`);
  const top = await request('spectrum', { mode: 'top', probes: 1 });
  assert.ok(Math.abs(Math.max(...d.nodes) - top.values[0]) <= 1e-6 * top.values[0]);
  assert.ok(d.grid[0] <= Math.min(...d.nodes) && d.grid.at(-1) >= top.values[0]);
});

test('spectrum: refusals are engine errors with the engine sentence; bad arguments are protocol errors', async () => {
  await request('create', { config: 'width=128&d=20&n=64&steps=10' });
  await assert.rejects(request('spectrum', { mode: 'exact' }), (e) => e.kind === 'engine' && /P <= 2000/.test(e.message) && /density/.test(e.message));
  await request('create', { config: 'depth=3&d=8&width=32&n=64&mem_cap=8&steps=10' });
  await assert.rejects(request('spectrum', { mode: 'auto' }), (e) => e.kind === 'engine' && /mem_cap=8/.test(e.message));
  await assert.rejects(request('spectrum', { mode: 'full' }), (e) => e.kind === 'protocol' && /mode/.test(e.message));
  await assert.rejects(request('spectrum', { mode: 'density', probes: 0 }), (e) => e.kind === 'protocol' && /probes/.test(e.message));
  await assert.rejects(request('spectrum', { mode: 'density', steps: 2.5 }), (e) => e.kind === 'protocol' && /steps/.test(e.message));
  const st = await request('step', { n: 2 }); // the refused run is untouched
  assert.equal(st.t, 2);
});

test('spectrum: asked while playing, it is answered between two chunks and the run keeps playing', async () => {
  const info = await request('create', { config: 'model=mlp&depth=2&d=4&width=8&act=tanh&n=32&lr=0.3&steps=200000' });
  await request('play');
  await next((m) => m.type === 'status' && m.runId === info.runId && m.t > 0);
  const s = await request('spectrum', { mode: 'exact' });
  assert.ok(s.step > 0);
  const later = await next((m) => m.type === 'status' && m.runId === info.runId && m.t > s.step);
  assert.equal(later.playing, true);
  await request('pause');
});
