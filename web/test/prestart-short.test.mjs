// A short link's early run (worker.js 'prestart') waits one step short of its end until the page
// makes it its own: the page's 'create' takes it over (same run, not made again: a short link
// does not run twice before the person's eyes), and the page's 'play' ends it, so the page sees
// it finish itself. Its own worker: prestart works only before any run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';

const SHORT = 'model=mf&rows=2&cols=2&rank=1&lr=0.05&steps=40';
const { next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('a short early run waits at its last step but one, and the page\'s create takes it over', async () => {
  assert.equal(await request('prestart', { config: SHORT }), true);
  const waiting = await next((m) => m.type === 'status' && !m.playing && m.t > 0);
  assert.equal(waiting.t, 39);
  assert.equal(waiting.running, true, 'not stopped: the page has not made it its own');
  const v = await request('validate', { config: SHORT });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, waiting.runId, 'the same run, not made again');
  const st = await request('play');
  const end = st.running ? await next((m) => m.type === 'status' && m.runId === info.runId && !m.running) : st;
  assert.equal(end.t, 40);
  assert.equal(end.stateName, 'steps done');
  assert.match(end.message, /finished: 40 steps done/);
});
