// Unit tests of protocol.js and of the worker client (with a fake worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRequest, REQUESTS, SPEEDS } from '../js/protocol.js';
import { errorOf } from '../js/rpc.js';
import { WorkerClient } from '../js/worker-client.js';

test('isRequest accepts only known types with a positive integer id', () => {
  for (const t of REQUESTS) assert.ok(isRequest({ id: 1, type: t, args: {} }));
  assert.ok(!isRequest({ id: 0, type: 'play' }));
  assert.ok(!isRequest({ id: 1.5, type: 'play' }));
  assert.ok(!isRequest({ id: 1, type: 'eval' }));
  assert.ok(!isRequest(null));
  assert.ok(!isRequest('play'));
  assert.ok(SPEEDS.includes(Infinity));
  assert.deepEqual(errorOf('x', 'config', { problems: [] }), { message: 'x', kind: 'config', problems: [] });
});

// A fake Worker: records posted messages; the test answers them.
class FakeWorker {
  constructor() { this.sent = []; this.terminated = false; FakeWorker.all.push(this); }
  postMessage(m) { this.sent.push(m); }
  terminate() { this.terminated = true; }
  reply(m) { this.onmessage({ data: m }); }
}
FakeWorker.all = [];

test('requests resolve and reject by id, in any order; events reach listeners', async () => {
  FakeWorker.all = [];
  const c = new WorkerClient('w.js', { createWorker: () => new FakeWorker() });
  const w = FakeWorker.all[0];
  const seen = [];
  c.on('status', (m) => seen.push(m.t));
  const a = c.request('play');
  const b = c.request('validate', { config: 'lr=x' });
  assert.deepEqual(w.sent.map((m) => [m.id, m.type]), [[1, 'play'], [2, 'validate']]);
  w.reply({ id: 2, type: 'error', error: { message: 'lr=x: bad', kind: 'config', problems: [{ key: 'lr', message: 'lr=x: bad' }] } });
  w.reply({ type: 'status', t: 7 });
  w.reply({ id: 1, type: 'result', result: 'ok' });
  assert.equal(await a, 'ok');
  await assert.rejects(b, (e) => e.kind === 'config' && e.problems[0].key === 'lr' && e.message === 'lr=x: bad');
  assert.deepEqual(seen, [7]);
  w.reply({ id: 99, type: 'result', result: 1 }); // unknown ids are ignored
});

test('abort rejects at once, tells the worker, and ignores the late answer', async () => {
  FakeWorker.all = [];
  const c = new WorkerClient('w.js', { createWorker: () => new FakeWorker() });
  const w = FakeWorker.all[0];
  const ctl = new AbortController();
  const p = c.request('validate', { config: '' }, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(p, (e) => e.kind === 'aborted');
  assert.deepEqual(w.sent[1].type, 'abort');
  assert.deepEqual(w.sent[1].args, { id: 1 });
  w.reply({ id: 1, type: 'result', result: 'late' });
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(c.request('play', {}, { signal: pre.signal }), (e) => e.kind === 'aborted');
});

test('a crashed worker rejects pending requests, is replaced, and the page hears of it', async () => {
  FakeWorker.all = [];
  const c = new WorkerClient('w.js', { createWorker: () => new FakeWorker() });
  const w = FakeWorker.all[0];
  const crashes = [];
  c.on('crash', (m) => crashes.push(m.reason));
  const p = c.request('step', { n: 1 });
  let prevented = false;
  w.onerror({ message: 'Uncaught Error: boom', preventDefault() { prevented = true; } });
  await assert.rejects(p, (e) => e.kind === 'crash');
  assert.ok(prevented, 'the error event is handled (no console error)');
  assert.ok(w.terminated);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(crashes, ['Error: boom']);
  const q = c.request('play');
  FakeWorker.all[1].reply({ id: FakeWorker.all[1].sent[0].id, type: 'result', result: 'again' });
  assert.equal(await q, 'again');
});
