// An early run (worker.js 'prestart') rests EARLY_REST_MS (early-start.js) after each chunk of
// steps until the page takes it over, so that the page's own start (its modules, the run's first
// point, its build) has the cores; once the page's 'create' has made the run its own, it plays at
// full speed again (no rest between chunks). Its own worker: prestart works only before any run. The worker shares this
// process's globals, so its timers are seen by wrapping setTimeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EARLY_REST_MS } from '../js/early-start.js';
import { workerUnderTest } from './harness.mjs';

const REST = EARLY_REST_MS;
const LONG = 'model=mf&rows=8&cols=8&rank=2&lr=0.05&steps=1000000';
const delays = [];
const setTimeoutBefore = globalThis.setTimeout;
globalThis.setTimeout = (f, ms, ...rest) => { delays.push(ms); return setTimeoutBefore(f, ms, ...rest); };
const { next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('an early run rests between its chunks until the page takes it over, then plays at full speed', async () => {
  assert.notEqual(REST, 50, 'the harness polls every 50 ms: the rest must be told apart from it');
  assert.equal(await request('prestart', { config: LONG }), true);
  const first = await next((m) => m.type === 'status' && m.t > 0);
  for (let k = 0; k < 3; k++) await next((m) => m.type === 'status' && m.t > first.t);
  assert.ok(first.playing, 'the early run plays');
  assert.ok(delays.filter((ms) => ms === REST).length >= 2, `rests of ${REST} ms between chunks: ${delays.join(',')}`);

  const v = await request('validate', { config: LONG });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, first.runId, 'the same run, taken over');
  delays.length = 0;
  const from = (await next((m) => m.type === 'status' && m.runId === info.runId)).t;
  let last = from;
  for (let k = 0; k < 4; k++) last = (await next((m) => m.type === 'status' && m.t > last)).t;
  assert.ok(last > from, 'it goes on');
  assert.deepEqual(delays.filter((ms) => ms === REST), [], 'no rest once the page has made it its own');
  await request('pause');
});
