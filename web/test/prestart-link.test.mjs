// The early start as the page's first script asks for it (web/js/worker-start.js): the page's
// address in the worker's name; the worker reads the link (early-run.js) and plays its run at full
// speed the moment its module is ready, without any message; the page's create of the same config
// takes it over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';

const CONFIG = 'depth=2&d=4&width=8&n=32&act=tanh&lr=0.3&steps=1000000000&measure_every=20';
globalThis.name = JSON.stringify({ early: { hash: `#v=1&${CONFIG}`, search: '', pathname: '/' } }); // the worker's self.name
const { next, request, inbox } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('a worker named with the page\'s address starts the link\'s run by itself; the page\'s create takes it over', async () => {
  await next((m) => m.type === 'ready');
  const moving = await next((m) => m.type === 'status' && m.t > 0);
  assert.equal(moving.playing, true);
  assert.ok(!inbox.some((m) => m.type === 'trap' || m.type === 'fatal'));
  assert.equal(await request('prestart', { link: { hash: `#v=1&${CONFIG}`, search: '', pathname: '/' } }), false, 'a run exists');
  const v = await request('validate', { config: CONFIG });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, moving.runId, 'the same run');
  assert.ok((await request('pause')).t >= moving.t, 'it went on');
});
