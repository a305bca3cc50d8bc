// Unit tests of rpc.js, the one request/response layer: ids and answers, abort, timeouts, progress
// messages, crash recovery (a dead or silent worker is replaced and its callers are told), the
// answering side (serve), and the two layers built on it that the other tests do not reach: the
// sweep pool (cancel, a crash fails one job) and the embed bridge (replies and errors to the host).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Calls, WorkerRpc, RpcError, serve, errorOf, answerMessage } from '../js/rpc.js';
import { SweepPool } from '../js/sweep-pool.js';
import { EmbedBridge } from '../js/embed.js';

// A fake Worker: records posted messages; the test answers them.
class FakeWorker {
  constructor() { this.sent = []; this.terminated = false; FakeWorker.all.push(this); }
  postMessage(m) { this.sent.push(m); }
  terminate() { this.terminated = true; }
  reply(m) { this.onmessage({ data: m }); }
  last() { return this.sent[this.sent.length - 1]; }
}
FakeWorker.all = [];
const fake = () => new FakeWorker();
const tick = () => new Promise((r) => setTimeout(r, 0));

test('Calls: ids count up, answers settle by id in any order, unknown ids and events are told apart', async () => {
  const sent = [];
  const calls = new Calls((m, t) => sent.push([m, t]));
  const buf = new Float64Array(2);
  const a = calls.call('a', { x: 1 }, { transfer: [buf.buffer] });
  const b = calls.call('b');
  assert.deepEqual(sent.map(([m]) => [m.id, m.type]), [[1, 'a'], [2, 'b']]);
  assert.deepEqual(sent[0][0].args, { x: 1 });
  assert.equal(sent[0][1][0], buf.buffer);
  assert.equal(calls.size, 2);
  assert.equal(calls.receive({ id: 2, type: 'error', error: { message: 'no', kind: 'config', problems: [{ key: 'lr' }] } }), true);
  assert.equal(calls.receive({ id: 1, type: 'result', result: 7 }), true);
  assert.equal(await a, 7);
  await assert.rejects(b, (e) => e instanceof RpcError && e.kind === 'config' && e.message === 'no' && e.problems[0].key === 'lr');
  assert.equal(calls.size, 0);
  assert.equal(calls.receive({ id: 99, type: 'result', result: 1 }), true); // late or unknown: ignored
  assert.equal(calls.receive({ type: 'status' }), false); // an event
  assert.equal(calls.receive(null), false);
});

test('Calls: progress messages reach their call before its answer', async () => {
  const calls = new Calls(() => {});
  const seen = [];
  const p = calls.call('run', {}, { onProgress: (m) => seen.push(m.n) });
  calls.receive({ id: 1, type: 'rows', n: 1 });
  calls.receive({ id: 1, type: 'rows', n: 2 });
  calls.receive({ id: 1, type: 'result', result: 'done' });
  calls.receive({ id: 1, type: 'rows', n: 3 }); // after the answer: dropped
  assert.equal(await p, 'done');
  assert.deepEqual(seen, [1, 2]);
});

test('Calls: abort rejects at once, tells the other side when it can, and ignores the late answer', async () => {
  const sent = [];
  const calls = new Calls((m) => sent.push(m), { abortType: 'abort' });
  const ctl = new AbortController();
  const p = calls.call('validate', {}, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(p, (e) => e.kind === 'aborted');
  assert.deepEqual([sent[1].type, sent[1].args], ['abort', { id: 1 }]);
  calls.receive({ id: 1, type: 'result', result: 'late' });
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(calls.call('x', {}, { signal: pre.signal }), (e) => e.kind === 'aborted');
  assert.equal(sent.length, 2); // an aborted signal sends nothing
  // without an abort request type, an abort only stops waiting
  const quiet = [];
  const c2 = new Calls((m) => quiet.push(m));
  const ctl2 = new AbortController();
  const q = c2.call('cell', {}, { signal: ctl2.signal });
  ctl2.abort();
  await assert.rejects(q, (e) => e.kind === 'aborted');
  assert.equal(quiet.length, 1);
  // an answered call is not aborted afterwards
  const ctl3 = new AbortController();
  const r = c2.call('y', {}, { signal: ctl3.signal });
  c2.receive({ id: 2, type: 'result', result: 'ok' });
  ctl3.abort();
  assert.equal(await r, 'ok');
});

test('Calls: a call without an answer in time fails with kind timeout and the owner hears of it', async () => {
  const timeouts = [];
  const calls = new Calls(() => {}, { onTimeout: (type, ms) => timeouts.push([type, ms]) });
  const p = calls.call('plan', {}, { timeoutMs: 20 });
  const fast = calls.call('plan', {}, { timeoutMs: 1000 });
  calls.receive({ id: 2, type: 'result', result: 'quick' });
  assert.equal(await fast, 'quick');
  await assert.rejects(p, (e) => e.kind === 'timeout' && /^plan: no answer within 0.02 s/.test(e.message));
  assert.deepEqual(timeouts, [['plan', 20]]);
  assert.equal(calls.size, 0);
  calls.receive({ id: 1, type: 'result', result: 'late' }); // ignored
});

test('Calls: failAll rejects everything in flight with the given error', async () => {
  const calls = new Calls(() => {});
  const ps = [calls.call('a'), calls.call('b')];
  assert.equal(calls.failAll(errorOf('gone', 'crash')), 2);
  for (const p of ps) await assert.rejects(p, (e) => e.kind === 'crash' && e.message === 'gone');
  assert.equal(calls.failAll(errorOf('gone', 'crash')), 0);
});

test('WorkerRpc: a crashed worker fails the calls in flight, is replaced at once, and listeners are told', async () => {
  FakeWorker.all = [];
  const rpc = new WorkerRpc({ url: 'w.js', createWorker: fake, name: 'the computation worker', abortType: 'abort' });
  const w = FakeWorker.all[0];
  const crashes = [];
  rpc.on('crash', (m) => crashes.push(m));
  const events = [];
  const off = rpc.on('status', (m) => events.push(m.t));
  w.reply({ type: 'status', t: 3 });
  off();
  w.reply({ type: 'status', t: 4 });
  assert.deepEqual(events, [3]);
  const p = rpc.request('step', { n: 1 });
  let prevented = false;
  w.onerror({ message: 'Uncaught Error: boom', preventDefault() { prevented = true; } });
  await assert.rejects(p, (e) => e.kind === 'crash' && e.message === 'the computation worker stopped unexpectedly (Error: boom)');
  assert.ok(prevented, 'the error event is handled (no console error)');
  assert.ok(w.terminated);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(crashes, [{ reason: 'Error: boom', kind: 'crash' }]);
  // the dead worker's late messages change nothing
  w.reply({ id: 1, type: 'result', result: 'ghost' });
  const q = rpc.request('play');
  const w2 = FakeWorker.all[1];
  w2.reply({ id: w2.last().id, type: 'result', result: 'again' });
  assert.equal(await q, 'again');
  w2.onmessageerror();
  assert.equal(FakeWorker.all.length, 3);
  assert.equal(crashes[1].reason, 'a message from it could not be read');
  assert.equal(rpc.restarts, 2);
});

test('WorkerRpc: a worker started before the client (worker-start.js) is taken over with what it said; held events wait for release()', async () => {
  FakeWorker.all = [];
  const w = new FakeWorker();
  const said = [{ type: 'message', data: { type: 'ready', v: 1 } }, { type: 'message', data: { type: 'metrics', n: 1 } }];
  const rpc = new WorkerRpc({ url: 'w.js', createWorker: fake, hold: true, started: { worker: w, events: () => said.splice(0) } });
  assert.equal(FakeWorker.all.length, 1, 'no second worker');
  assert.equal(rpc.worker, w);
  const seen = [];
  rpc.on('ready', (m) => seen.push(m.type));
  rpc.on('metrics', (m) => seen.push(m.type));
  w.reply({ type: 'status', t: 1 });
  rpc.on('status', (m) => seen.push(`${m.type} ${m.t}`));
  assert.deepEqual(seen, [], 'held until release');
  const p = rpc.request('validate');
  assert.equal(w.last().id, 1);
  rpc.release();
  assert.deepEqual(seen, ['ready', 'metrics', 'status 1'], 'in the order they came');
  w.reply({ type: 'status', t: 2 });
  assert.deepEqual(seen.slice(-1), ['status 2'], 'then straight to the listeners');
  w.reply({ id: 1, type: 'result', result: 'ok' });
  assert.equal(await p, 'ok');
  // an error it reported before the take-over is a crash the page hears (after release)
  FakeWorker.all = [];
  const dead = new FakeWorker();
  let prevented = false;
  const rpc2 = new WorkerRpc({ url: 'w.js', createWorker: fake, hold: true,
    started: { worker: dead, events: () => [{ type: 'error', message: 'Uncaught SyntaxError: x', preventDefault() { prevented = true; } }] } });
  const crashes = [];
  rpc2.on('crash', (m) => crashes.push(m.reason));
  assert.ok(dead.terminated && prevented);
  assert.equal(FakeWorker.all.length, 2, 'replaced by a fresh one');
  rpc2.release();
  assert.deepEqual(crashes, ['SyntaxError: x']);
});

test('WorkerRpc: a worker that does not answer in time is replaced; the page hears kind timeout', async () => {
  FakeWorker.all = [];
  const rpc = new WorkerRpc({ url: 'w.js', createWorker: fake, name: 'the sweep worker' });
  const crashes = [];
  rpc.on('crash', (m) => crashes.push(m));
  const other = rpc.request('validate');
  const p = rpc.request('plan', {}, { timeoutMs: 15 });
  await assert.rejects(p, (e) => e.kind === 'timeout');
  await assert.rejects(other, (e) => e.kind === 'crash'); // the silent worker took it with it
  assert.ok(FakeWorker.all[0].terminated);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(crashes, [{ reason: 'it did not answer plan within 0.015 s', kind: 'timeout' }]);
});

test('WorkerRpc: lazy workers start at the first request; stop() fails the calls and the next request starts anew', async () => {
  FakeWorker.all = [];
  const rpc = new WorkerRpc({ url: 'w.js', createWorker: fake, lazy: true });
  assert.equal(FakeWorker.all.length, 0);
  assert.equal(rpc.running, false);
  const p = rpc.request('cell', { config: 'a=1' });
  assert.equal(FakeWorker.all.length, 1);
  assert.equal(rpc.pending, 1);
  rpc.stop(errorOf('cancelled', 'aborted'));
  await assert.rejects(p, (e) => e.kind === 'aborted' && e.message === 'cancelled');
  assert.ok(FakeWorker.all[0].terminated);
  assert.equal(rpc.running, false);
  const crashes = [];
  rpc.on('crash', (m) => crashes.push(m));
  const q = rpc.request('cell');
  FakeWorker.all[1].onerror({ message: 'x' });
  await assert.rejects(q, (e) => e.kind === 'crash');
  assert.equal(FakeWorker.all.length, 2); // lazy: no new worker until there is work
  assert.equal(crashes.length, 1);
});

test('serve: synchronous handlers answer in order and at once; async ones when done; errors are classified', async () => {
  const out = [];
  const failures = [];
  const handle = serve({
    add: ({ a, b }) => a + b,
    later: async ({ x }) => { await tick(); return x * 2; },
    bad: () => { const e = new Error('lr=x: not a number'); e.kind = 'config'; e.problems = [{ key: 'lr' }]; throw e; },
    trap: () => { throw new TypeError('boom'); },
    asyncBad: async () => { throw new RpcError(errorOf('refused', 'engine')); },
    withMsg: (args, msg) => msg.id,
  }, {
    respond: (id, o) => out.push([id, o]),
    onError: (e, msg, error) => failures.push([msg.type, error.kind]),
  });
  const pending = handle({ id: 1, type: 'later', args: { x: 4 } });
  handle({ id: 2, type: 'add', args: { a: 1, b: 2 } });
  assert.deepEqual(out, [[2, { ok: true, result: 3 }]]); // answered synchronously
  await pending;
  assert.deepEqual(out[1], [1, { ok: true, result: 8 }]);
  handle({ id: 3, type: 'bad' });
  handle({ id: 4, type: 'trap' });
  await handle({ id: 5, type: 'asyncBad' });
  handle({ id: 6, type: 'nope' });
  handle({ id: 7, type: 'withMsg' });
  handle({ id: 8, type: 'constructor' }); // not a handler, whatever Object.prototype holds
  assert.deepEqual(out.slice(2).map(([id, o]) => [id, o.ok, o.ok ? o.result : o.error.kind]),
    [[3, false, 'config'], [4, false, 'engine'], [5, false, 'engine'], [6, false, 'protocol'], [7, true, 7], [8, false, 'protocol']]);
  assert.deepEqual(out[2][1].error.problems, [{ key: 'lr' }]);
  assert.deepEqual(failures, [['bad', 'config'], ['trap', 'engine'], ['asyncBad', 'engine']]);
});

test('serve + Calls end to end over a fake channel; typed arrays in answers are transferred', async () => {
  const transfers = [];
  let calls = null;
  const handle = serve({ grid: ({ n }) => ({ data: new Float64Array(n) }) }, {
    respond: (id, o) => { const [m, t] = answerMessage(id, o); transfers.push(t); calls.receive(structuredClone(m)); },
  });
  calls = new Calls((m) => handle(m));
  const r = await calls.call('grid', { n: 3 });
  assert.equal(r.data.length, 3);
  assert.equal(transfers[0].length, 1);
  assert.ok(transfers[0][0] instanceof ArrayBuffer);
  await assert.rejects(calls.call('nothing'), (e) => e.kind === 'protocol' && /unknown request "nothing"/.test(e.message));
});

// ---- the sweep pool on WorkerRpc -----------------------------------------------------------------

test('the sweep pool: FIFO jobs on idle workers, progress to the job, cancel stops only the group, a crash fails only its job', async () => {
  FakeWorker.all = [];
  const pool = new SweepPool({ url: 'sw.js', size: 2, createWorker: fake });
  assert.equal(FakeWorker.all.length, 0); // lazy
  const ready = pool.ready();
  const w0 = FakeWorker.all[0];
  const enums = { summaryFields: [{ id: 'regime', label: 'regime' }, { id: 'eta', label: 'η' }], regimes: [], events: [] };
  w0.reply({ type: 'ready', version: '1.2.3', enums, keys: ['lr'] });
  const info = await ready;
  assert.equal(info.version, '1.2.3');
  assert.deepEqual(info.fields, ['regime', 'eta']);
  assert.deepEqual(info.keys, ['lr']);
  assert.equal(info.names.fieldLabel('eta'), 'η');
  const rows = [];
  const a = pool.submit('run', { config: 'a' }, { group: 'g1', onRows: (m) => rows.push(m.nrows) });
  const b = pool.submit('cell', { config: 'b' }, { group: 'g2' });
  const c = pool.submit('cell', { config: 'c' }, { group: 'g1' });
  assert.equal(pool.busy(), 2);
  assert.equal(pool.pending(), 1);
  const w1 = FakeWorker.all[1];
  assert.equal(w0.last().type, 'run');
  assert.equal(w1.last().args.config, 'b');
  w0.reply({ id: w0.last().id, type: 'rows', nrows: 5 });
  assert.deepEqual(rows, [5]);
  // cancel g1: a (running on w0) and c (queued) fail with aborted; b goes on
  assert.equal(pool.cancel('g1'), 2);
  await assert.rejects(a, (e) => e.kind === 'aborted');
  await assert.rejects(c, (e) => e.kind === 'aborted');
  assert.ok(w0.terminated);
  assert.ok(!w1.terminated);
  w1.reply({ id: w1.last().id, type: 'result', result: { regime: 'lazy' } });
  assert.deepEqual(await b, { regime: 'lazy' });
  // a crash fails its own job only; the next job gets a fresh worker
  const d = pool.submit('cell', { config: 'd' }, { group: 'g3' });
  const e = pool.submit('cell', { config: 'e' }, { group: 'g3' });
  await tick();
  const [wd, we] = FakeWorker.all.filter((w) => !w.terminated && w.sent.length && ['d', 'e'].includes(w.last().args.config));
  (wd.last().args.config === 'd' ? wd : we).onerror({ message: 'Uncaught RuntimeError: unreachable' });
  await assert.rejects(d, (err) => err.kind === 'crash' && /stopped unexpectedly \(RuntimeError: unreachable\)/.test(err.message));
  const alive = wd.last().args.config === 'e' ? wd : we;
  alive.reply({ id: alive.last().id, type: 'result', result: 'e done' });
  assert.equal(await e, 'e done');
  const f = pool.submit('cell', { config: 'f' }, { group: 'g3' });
  await tick();
  const wf = FakeWorker.all.find((w) => !w.terminated && w.last()?.args?.config === 'f');
  wf.reply({ id: wf.last().id, type: 'result', result: 'f done' });
  assert.equal(await f, 'f done');
  pool.terminate();
});

test('the sweep pool: a module that cannot load fails what waits and everything after', async () => {
  FakeWorker.all = [];
  const pool = new SweepPool({ url: 'sw.js', size: 1, createWorker: fake });
  const job = pool.submit('cell', { config: 'x' });
  const ready = pool.ready();
  FakeWorker.all[0].reply({ type: 'fatal', message: 'the engine (ibp.wasm) could not be loaded: 404' });
  await assert.rejects(job, (e) => e.kind === 'fatal');
  await assert.rejects(ready, (e) => e.kind === 'fatal');
  await assert.rejects(pool.submit('cell', {}), (e) => e.kind === 'fatal' && /404/.test(e.message));
});

// ---- the embed bridge on serve() -----------------------------------------------------------------

function fakeWindow(origin = 'https://widget.example') {
  const listeners = [];
  const parent = { sent: [], postMessage(m, o) { this.sent.push([m, o]); } };
  return {
    parent,
    location: { origin, ancestorOrigins: ['https://host.example'] },
    document: { referrer: '' },
    addEventListener: (type, fn) => listeners.push(fn),
    dispatch: (e) => { for (const fn of listeners) fn(e); },
  };
}

test('the embed bridge answers host commands through serve(): results, refusals with problems, errors without an id', async () => {
  const win = fakeWindow();
  const bridge = new EmbedBridge({
    win, linkOrigins: ['https://host.example'],
    handlers: {
      play: async () => ({ playing: true }),
      load: async () => { const e = new Error('load: lr=x is not a number'); e.problems = [{ key: 'lr' }]; throw e; },
      pause: () => undefined,
    },
  });
  const from = (data, origin = 'https://host.example') => win.dispatch({ source: win.parent, origin, data });
  from({ type: 'play', id: 1 });
  from({ type: 'load', id: 'two', config: 'lr=x' });
  from({ type: 'load', config: 'lr=x' });
  from({ type: 'pause', id: 3 });
  from({ type: 'eval', id: 4 });
  from({ type: 'play', id: 5 }, 'https://evil.example'); // not allowed: ignored
  await tick();
  const sent = win.parent.sent.map(([m, o]) => { assert.equal(o, 'https://host.example'); return m; });
  const replies = sent.filter((m) => m.type === 'reply');
  assert.deepEqual(replies.map((m) => [m.id, m.ok]), [[3, true], [4, false], [1, true], ['two', false]]);
  assert.deepEqual(replies.find((m) => m.id === 1).result, { playing: true });
  assert.equal(replies.find((m) => m.id === 3).result, null);
  assert.deepEqual(replies.find((m) => m.id === 'two').problems, [{ key: 'lr' }]);
  assert.match(replies.find((m) => m.id === 4).error, /^unknown command "eval"/);
  const errors = sent.filter((m) => m.type === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].message, 'load: lr=x is not a number');
  assert.ok(sent.every((m) => m.source === 'ibp-playground' && m.api === 1));
});
