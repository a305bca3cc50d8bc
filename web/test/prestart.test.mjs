// The early start of the page's run (web/js/early-run.js, worker.js 'prestart'): the worker, driven
// under node through its message protocol, creates and plays the link's run as soon as its module is
// ready; the page's own 'create' of the same canonical config takes that run over (same run, it goes
// on, its export table whole from step 0); which links start early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerUnderTest } from './harness.mjs';
import { earlyConfig, earlyConfigOf, earlyLinkOf } from '../js/early-run.js';
import { parseLink, DEFAULT_CONFIG } from '../js/link.js';

const CONFIG = 'depth=2&d=4&width=8&n=32&act=tanh&lr=0.3&steps=1000000000&measure_every=20'; // still running when the page asks (1e6 steps could end first)
const { next, request } = await workerUnderTest(new URL('../worker.js', import.meta.url));

test('prestart (sent before the module is ready) plays the run; the page\'s create takes it over', async () => {
  // a run of hundreds of MiB (seconds of setup the page must show and let cancel) does not start early
  const big = request('prestart', { config: 'model=mlp&depth=4&width=256&n=4096&d=32&lr_rel=1&steps=100' });
  const early = request('prestart', { config: CONFIG }); // queued until the module is ready
  await next((m) => m.type === 'ready');
  assert.equal(await big, false);
  assert.equal(await early, true);
  const moving = await next((m) => m.type === 'status' && m.t > 0);
  assert.equal(moving.playing, true);
  assert.equal(await request('prestart', { config: CONFIG }), false); // a run exists: nothing new
  // the page, once built: validate, then create with the canonical config
  const v = await request('validate', { config: CONFIG });
  const info = await request('create', { config: v.canonical });
  assert.equal(info.runId, moving.runId);
  const later = await next((m) => m.type === 'status' && m.runId === info.runId && m.t >= moving.t);
  assert.ok(later.t >= moving.t, 'the run went on');
  const st = await request('play');
  assert.equal(st.runId, info.runId);
  assert.equal(st.playing, true);
  // the export table of the taken-over run starts at step 0, row by row
  await request('pause');
  const csv = (await request('exportCsv')).csv.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.match(csv[0], /^step,loss,/);
  const steps = csv.slice(1).map((l) => Number(l.split(',')[0]));
  assert.deepEqual(steps, Array.from({ length: steps.length }, (_, i) => i));
  assert.ok(steps.length > moving.t);
  // taken over once: the next create of the same config is a new run from step 0
  const again = await request('create', { config: v.canonical });
  assert.equal(again.runId, info.runId + 1);
  assert.equal((await request('pause')).t, 0);
});

test('prestart of a config the engine refuses starts nothing; the page\'s create then says why', async () => {
  await request('create', { config: CONFIG }); // (a run exists now, so first drop the early state)
  assert.equal(await request('prestart', { config: 'lr=abc' }), false);
  await assert.rejects(request('create', { config: 'lr=abc' }), (e) => e.kind === 'config');
});

test('only a link that creates and plays at full speed, with nothing to apply first, starts early', () => {
  const early = (hash, search = '') => earlyConfig(parseLink(hash, search));
  assert.equal(early(''), DEFAULT_CONFIG);
  assert.equal(early('#v=1&lr=0.2&depth=2'), 'lr=0.2&depth=2');
  for (const hash of ['#v=1&lr=0.2&autoplay=0', '#v=1&lr=0.2&speed=100', '#v=1&lr=0.2&limit=50', '#preset=eos', '#v=1&lr=0.2&fault=trap']) {
    assert.equal(early(hash), null, hash);
  }
  assert.equal(early('#v=1&lr=0.2', '?embed=1'), null);
  // the page's address, as worker-start.js sends it: the worker reads the link itself
  assert.equal(earlyConfigOf({ hash: '#v=1&lr=0.2&depth=2', search: '', pathname: '/' }), 'lr=0.2&depth=2');
  assert.equal(earlyConfigOf({ hash: '', search: '', pathname: '/index.html' }), DEFAULT_CONFIG);
  assert.equal(earlyConfigOf({ hash: '#v=1&lr=0.2', search: '', pathname: '/embed.html' }), null); // the widget
  assert.equal(earlyConfigOf({ hash: '#v=1&lr=0.2&speed=10', search: '', pathname: '/' }), null);
  // the worker's name as worker-start.js sets it, and any other name
  assert.deepEqual(earlyLinkOf(JSON.stringify({ early: { hash: '#v=1&lr=0.2', search: '', pathname: '/' } })), { hash: '#v=1&lr=0.2', search: '', pathname: '/' });
  for (const name of [undefined, '', 'the computation worker', '{"early":1}', '[', 'null']) assert.equal(earlyLinkOf(name), null, String(name));
});

test('prestart with the page\'s address: the worker reads the link and starts its run, or nothing', async () => {
  await request('create', { config: CONFIG }); // (an earlier test's run exists: a new one replaces it)
  assert.equal(await request('prestart', { link: { hash: `#v=1&${CONFIG}`, search: '', pathname: '/' } }), false, 'a run exists');
  assert.equal(await request('prestart', { link: { hash: `#v=1&${CONFIG}&autoplay=0`, search: '', pathname: '/' } }), false, 'not a link that starts early');
});
