// The early start as the page's first script asks for it (web/js/worker-start.js): 'prestart' with
// the page's address, sent before the worker's module is ready; the worker reads the link
// (early-run.js) and plays its run at full speed; the page's create of the same config takes it over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';

const CONFIG = 'depth=2&d=4&width=8&n=32&act=tanh&lr=0.3&steps=1000000000&measure_every=20';
const { next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('prestart { link } starts the link\'s run before the page asks; the page\'s create takes it over', async () => {
  const early = request('prestart', { link: { hash: `#v=1&${CONFIG}`, search: '', pathname: '/' } });
  await next((m) => m.type === 'ready');
  assert.equal(await early, true);
  const moving = await next((m) => m.type === 'status' && m.t > 0);
  assert.equal(moving.playing, true);
  const v = await request('validate', { config: CONFIG });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, moving.runId, 'the same run');
  assert.ok((await request('pause')).t >= moving.t, 'it went on');
});
