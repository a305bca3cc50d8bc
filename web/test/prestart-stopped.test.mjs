// An early run (worker.js 'prestart') that stopped before the page asked for it (it diverged) is
// not taken over: the page's 'create' makes it again, so the page sees it stop and says why (the
// page clears its messages before it asks). Its own worker: prestart works only before any run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';

const DIVERGING = 'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr=1&steps=300';
const { next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('a diverged early run is made again by the page\'s create', async () => {
  assert.equal(await request('prestart', { config: DIVERGING }), true);
  const stopped = await next((m) => m.type === 'status' && m.t > 0 && !m.running);
  const v = await request('validate', { config: DIVERGING });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, stopped.runId + 1);
  const st = await request('play');
  const end = st.running ? await next((m) => m.type === 'status' && m.runId === info.runId && !m.running) : st;
  assert.equal(end.state, stopped.state); // the same divergence, seen by the page this time
  assert.equal(end.t, stopped.t);
});
