// An early run (worker.js 'prestart') that stopped before the page asked for it (it diverged) is
// taken over as it is by the page's create: the same run, not made again (it ran twice before the
// person's eyes, its charts filled, emptied and filled again), its status still saying why it
// stopped, which the page says again (transport.js). Its own worker: prestart works only before
// any run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';

const DIVERGING = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr=1&steps=300';
const { inbox, next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('a diverged early run is taken over by the page\'s create, stopped as it was', async () => {
  assert.equal(await request('prestart', { config: DIVERGING }), true);
  const early = await next((m) => m.type === 'early');
  const stopped = await next((m) => m.type === 'status' && m.t > 0 && !m.running);
  assert.equal(stopped.runId, early.runId);
  assert.match(stopped.message, /^diverged at step \d+/);
  const v = await request('validate', { config: DIVERGING });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, stopped.runId, 'the same run, not made again');
  const st = await request('play');
  assert.equal(st.runId, info.runId);
  assert.equal(st.running, false);
  assert.equal(st.state, stopped.state);
  assert.equal(st.t, stopped.t);
  assert.equal(st.message, stopped.message);
  assert.equal(inbox.filter((m) => m.type === 'metrics' && m.runId !== info.runId).length, 0, 'no rows of another run');
});
