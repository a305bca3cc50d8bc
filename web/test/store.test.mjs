// Unit tests of store.js: the store (named transitions, subscribers, no-op transitions) and every
// transition of the playground's state, on plain data (no DOM, no worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, initialState, transitions, isDone, isDiverged, hasRun } from '../js/store.js';

const enums = { state: { IBP_RUNNING: 0, IBP_DONE_STEPS: 1, IBP_DIVERGED: 4 } };
const info = (runId, extra = {}) => ({ runId, canonical: `model=mf&seed=${runId}`, full: 'model=mf', columns: ['step', 'loss'], nparams: 2, lr: 0.1, lr0: 0.1, s0: 2, stepsTotal: 10, twoParam: null, ...extra });
const status = (runId, t, extra = {}) => ({ runId, t, stepsTotal: 10, state: 0, stateName: 'running', running: true, playing: false, message: '', lr: 0.1, ...extra });
const batch = (runId, rows) => ({ runId, columns: ['step', 'loss'], nrows: rows.length, data: Float64Array.from(rows.flat()) });
const ready = (s) => transitions.engineReady(s, { schema: [{ key: 'lr' }], enums, version: '1.0.0' });

test('createStore: dispatch applies the named transition, subscribers see (state, prev, name), a no-op notifies no one', () => {
  const store = createStore({ n: 0 }, { inc: (s, by = 1) => ({ n: s.n + by }), same: (s) => s });
  const seen = [];
  const off = store.subscribe((s, prev, name) => seen.push([name, prev.n, s.n]));
  assert.equal(store.dispatch('inc', 2).n, 2);
  store.dispatch('same');
  assert.deepEqual(seen, [['inc', 0, 2]]);
  off();
  store.dispatch('inc');
  assert.equal(seen.length, 1);
  assert.equal(store.get().n, 3);
  assert.throws(() => store.dispatch('nope'), /no transition "nope"/);
  assert.throws(() => store.dispatch('toString'), /no transition "toString"/);
});

test('createStore: a subscriber that dispatches sees the newer state; the old state object is untouched', () => {
  const store = createStore({ a: 0, b: 0 }, { a: (s) => ({ ...s, a: s.a + 1 }), b: (s) => ({ ...s, b: s.b + 1 }) });
  const first = store.get();
  store.subscribe((s, prev, name) => { if (name === 'a') store.dispatch('b'); });
  store.dispatch('a');
  assert.deepEqual(store.get(), { a: 1, b: 1 });
  assert.deepEqual(first, { a: 0, b: 0 });
});

test('engineReady once; buildKnown; predicates read the engine\'s state names', () => {
  let s = initialState({ embed: true });
  assert.equal(s.embed, true);
  assert.equal(isDone(s), false);
  s = ready(s);
  assert.equal(s.engine.version, '1.0.0');
  assert.equal(transitions.engineReady(s, { schema: [], enums, version: '2' }), s); // a restarted worker changes nothing
  assert.equal(transitions.buildKnown(s, ''), s);
  assert.equal(transitions.buildKnown(s, 'abc').build, 'abc');
  assert.equal(isDone(s, status(1, 10, { state: 1 })), true);
  assert.equal(isDiverged(s, status(1, 3, { state: 4 })), true);
  assert.equal(isDiverged(s, status(1, 3)), false);
});

test('intents count up; creating toggles; page keys merge; the written address is kept', () => {
  let s = initialState();
  s = transitions.newIntent(transitions.newIntent(s));
  assert.equal(s.intent, 2);
  assert.equal(transitions.creating(s, false), s);
  assert.equal(transitions.creating(s, true).creating, true);
  s = transitions.linkRead(s, { page: { speed: 100, autoplay: 1 }, fromQuery: new Set(['embed']), hash: '#v=1&lr=1' });
  assert.deepEqual(s.address, { written: '', applying: '#v=1&lr=1' });
  assert.ok(s.fromQuery.has('embed'));
  s = transitions.pageKeys(s, { limit: 50 });
  assert.deepEqual(s.link, { speed: 100, autoplay: 1, limit: 50 });
  s = transitions.addressWritten(s, '#v=1&lr=2');
  assert.equal(s.address.written, '#v=1&lr=2');
  assert.equal(s.address.applying, '#v=1&lr=1');
  assert.equal(transitions.addressWritten(s, '#v=1&lr=2'), s);
});

test('runStarted makes the run current with a fresh store, unless its first rows came first', () => {
  let s = ready(initialState());
  s = transitions.handEdited(s, 'eta set by hand');
  s = transitions.runStarted(s, info(1));
  assert.equal(s.run.runId, 1);
  assert.equal(s.lastConfig, 'model=mf&seed=1');
  assert.deepEqual(s.handEdits, []);
  assert.equal(s.metrics.n, 0);
  assert.ok(hasRun(s));
  // run 2's rows arrive before its RunInfo: they start its store, which runStarted keeps
  s = transitions.metricsArrived(s, batch(2, [[0, 1], [1, 0.5]]));
  const early = s.metrics;
  assert.equal(s.metricsRunId, 2);
  s = transitions.runStarted(s, info(2));
  assert.equal(s.metrics, early);
  assert.equal(s.metrics.n, 2);
  // a reset of the same config is a new run: a new store
  s = transitions.runStarted(s, info(3, { canonical: 'model=mf&seed=2' }));
  assert.notEqual(s.metrics, early);
  assert.equal(s.metrics.n, 0);
});

test('metricsArrived appends in place with a new state; batches of a replaced run are dropped', () => {
  let s = transitions.runStarted(ready(initialState()), info(5));
  const store = s.metrics;
  const s1 = transitions.metricsArrived(s, batch(5, [[0, 1], [1, 0.9]]));
  assert.notEqual(s1, s);
  assert.equal(s1.metrics, store);
  assert.equal(store.n, 2);
  const v = store.version;
  assert.equal(transitions.metricsArrived(s1, batch(4, [[9, 9]])), s1); // an older run
  assert.equal(store.version, v);
  assert.deepEqual([...s1.metrics.col('loss')], [1, 0.9]);
});

test('statusArrived keeps the newest run\'s status; a new run\'s status may come before its RunInfo', () => {
  let s = transitions.runStarted(ready(initialState()), info(2));
  s = transitions.statusArrived(s, status(2, 5));
  assert.equal(s.status.t, 5);
  assert.equal(transitions.statusArrived(s, status(1, 9)), s); // a replaced run
  s = transitions.statusArrived(s, status(3, 0)); // the next run, before its RunInfo
  assert.equal(s.status.runId, 3);
  assert.equal(transitions.statusArrived(s, status(2, 6)), s); // the previous run's late status
});

test('runLost stops the run where it was and remembers whether it was playing (once)', () => {
  let s = transitions.runStarted(ready(initialState()), info(1));
  s = transitions.statusArrived(s, status(1, 4, { playing: true }));
  s = transitions.runLost(s);
  assert.deepEqual(s.lost, { playing: true });
  assert.equal(s.status.playing, false);
  assert.equal(s.status.running, false);
  assert.equal(s.status.t, 4);
  assert.equal(hasRun(s), false);
  s = transitions.runLost(s); // a second loss (a crash after a trap) keeps the first answer
  assert.deepEqual(s.lost, { playing: true });
  s = transitions.runStarted(s, info(2));
  assert.equal(s.lost, null);
  assert.equal(transitions.runLost(initialState()).status, null);
});

test('handEdited appends without touching the previous list', () => {
  const s0 = initialState();
  const s1 = transitions.handEdited(s0, 'a');
  const s2 = transitions.handEdited(s1, 'b');
  assert.deepEqual(s0.handEdits, []);
  assert.deepEqual(s1.handEdits, ['a']);
  assert.deepEqual(s2.handEdits, ['a', 'b']);
});

test('configRecorded: eta changed by hand becomes the run\'s config (link, Reset); a stale run\'s is dropped', () => {
  let s = transitions.runStarted(ready(initialState()), info(4));
  assert.deepEqual(s.config, { canonical: 'model=mf&seed=4', full: 'model=mf' });
  const rec = { runId: 4, canonical: 'model=mf&seed=4&lr_at=11,0.05', full: 'model=mf&lr_at=11,0.05' };
  s = transitions.configRecorded(s, rec);
  assert.equal(s.config.canonical, rec.canonical);
  assert.equal(s.lastConfig, rec.canonical); // Reset makes the run the link describes
  assert.equal(s.run.canonical, 'model=mf&seed=4'); // the run itself (its views) is the same one
  assert.equal(transitions.configRecorded(s, rec), s);
  assert.equal(transitions.configRecorded(s, { ...rec, runId: 3, canonical: 'x' }), s);
});

test('presetMatched and s0Known: the preset shown and the slider\'s unit, per run', () => {
  let s = transitions.runStarted(ready(initialState()), info(6, { s0: NaN }));
  assert.equal(s.s0, null);
  const p = { id: 'eos' };
  s = transitions.presetMatched(s, p);
  assert.equal(s.preset, p);
  assert.equal(transitions.presetMatched(s, p), s);
  s = transitions.s0Known(s, { runId: 6, s0: 3.5 });
  assert.deepEqual(s.s0, { runId: 6, s0: 3.5 });
  assert.equal(transitions.s0Known(s, { runId: 5, s0: 9 }), s); // another run's
  s = transitions.runStarted(s, info(7)); // a run that knows its S0
  assert.deepEqual(s.s0, { runId: 7, s0: 2 });
});

test('earlyStarted names the run the worker started before the page asked; a run taken over keeps its rows', () => {
  let s = ready(initialState());
  s = transitions.earlyStarted(s, { type: 'early', runId: 3, canonical: 'model=mf' });
  assert.equal(s.earlyRunId, 3);
  s = transitions.metricsArrived(s, batch(3, [[0, 1], [1, 2]]));
  s = transitions.statusArrived(s, status(3, 1, { running: false, state: 4, message: 'diverged at step 1' }));
  s = transitions.runStarted(s, info(3));
  assert.equal(s.earlyRunId, 3);
  assert.equal(s.metrics.n, 2);
  assert.ok(isDiverged(s));
});

