// The sweep page's refusal of a grid too large for the browser (web/js/sweep-pool.js refusal):
// its advice to use the command line must be one the CLI accepts (at most 10000 cells per process,
// 1000000 per sweep: include/ibp.h), checked against the CLI's own limits (IBP_CLI or build/native/ibp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { refusal, CLI_MAX_CELLS, CLI_MAX_JOB_CELLS } from '../js/sweep-pool.js';
import { cliPath as cli } from './harness.mjs';

const base = 'model=linear&steps=10';
const ask = (cells, specs) => refusal({ cells, seconds: 5000, workers: 4, base, specs });

test('the CLI limits the page quotes are the engine\'s', () => {
  const h = readFileSync(new URL('../../include/ibp.h', import.meta.url), 'utf8');
  assert.equal(Number(/#define IBP_SWEEP_MAX_CELLS (\d+)/.exec(h)[1]), CLI_MAX_CELLS);
  assert.equal(Number(/#define IBP_SWEEP_MAX_JOB_CELLS (\d+)/.exec(h)[1]), CLI_MAX_JOB_CELLS);
});

test('over the CLI\'s per-sweep limit: says so and suggests splitting or a coarser grid, no command', () => {
  const m = ask(1010000, ['seed=lin:0:100:101', 'lr=lin:0.1:1:10000']);
  assert.match(m, /This sweep has 1010000 cells/);
  assert.match(m, /over the command line's limit too \(at most 1000000 cells per sweep\)/);
  assert.match(m, /coarser grid/);
  assert.match(m, /split/);
  assert.doesNotMatch(m, /ibp sweep '/);
});

test('over the CLI\'s per-process limit: shards and a merge, with a shard count that fits', () => {
  const m = ask(25000, ['seed=lin:0:24:25', 'lr=lin:0.1:1:1000']);
  assert.match(m, /in 3 or more shards/);
  assert.match(m, /ibp sweep 'model=linear&steps=10' --vary seed=lin:0:24:25 --vary lr=lin:0.1:1:1000 --shard I\/3 --out part-I\.csv/);
  assert.match(m, /ibp merge part-\*\.csv/);
  assert.doesNotMatch(m, /--jobs/);
});

test('within the CLI\'s limits: --jobs N, as before', () => {
  const m = ask(10000, ['seed=lin:0:99:100', 'lr=lin:0.1:1:100']);
  assert.match(m, /the page runs at most 2000/);
  assert.match(m, /--vary seed=lin:0:99:100 --vary lr=lin:0.1:1:100 --jobs N/);
  assert.equal(refusal({ cells: 10, seconds: 1, workers: 1, base, specs: ['seed=0'] }), null);
});

// The CLI itself refuses what the page says it refuses, and runs the per-shard command's plan.
test('the CLI agrees', () => {
  assert.ok(existsSync(cli), `${cli} is missing: build it (scripts/build native)`);
  const run = (...a) => spawnSync(cli, ['sweep', base, ...a], { encoding: 'utf8' });
  let r = run('--vary', 'seed=lin:0:100:101', '--vary', 'lr=lin:0.1:1:10000', '--check');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /1010000 cells is too many \(at most 1000000 per sweep\)/);
  r = run('--vary', 'seed=lin:0:24:25', '--vary', 'lr=lin:0.1:1:1000', '--plan', '--shard', '1/3');
  assert.equal(r.status, 0, r.stderr);
});
