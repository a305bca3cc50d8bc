// tasks.js: one job per task, in order; a job that can wait (whenOthersDone) runs only when no
// inOwnTask job is queued, even one queued after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inOwnTask, whenOthersDone } from '../js/tasks.js';

test('inOwnTask jobs run first, each in a task of its own; whenOthersDone jobs after them, in order', async () => {
  const ran = [];
  let sync = true;
  const alive = setTimeout(() => {}, 10000); // the port does not keep node running (tasks.js)
  await new Promise((done) => {
    whenOthersDone(() => { ran.push('build 1'); inOwnTask(() => ran.push('chart 3')); });
    inOwnTask(() => { ran.push('chart 1'); assert.equal(sync, false, 'not in the caller\'s task'); inOwnTask(() => ran.push('chart 2')); });
    whenOthersDone(() => ran.push('build 2'));
    whenOthersDone(() => { ran.push('build 3'); done(); });
    sync = false;
  });
  clearTimeout(alive);
  assert.deepEqual(ran, ['chart 1', 'chart 2', 'build 1', 'chart 3', 'build 2', 'build 3']);
});
