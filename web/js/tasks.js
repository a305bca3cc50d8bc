// tasks.js -- work in main-thread tasks of its own. A requestAnimationFrame callback runs in the same
// main-thread task as every other rAF callback of the page and the frame's style, layout, paint
// and commit, so charts, pictures and text drawn there add up to one long task (> 50 ms on a
// loaded machine). Work queued here runs one job per macrotask (a MessageChannel message, which
// is not throttled like setTimeout), in order, after the frame: each chart or picture redraw is a
// short task of its own, and its canvas shows at the next frame. Work that can wait (the page's
// build while a run already plays) goes in a second queue, whose jobs run only when no job of the
// first waits: the charts' first points never queue behind the settings form.
const queue = [];
const later = [];
let channel = null;

function runOne() {
  const job = queue.length ? queue.shift() : later.shift();
  if (queue.length || later.length) channel.port2.postMessage(0);
  if (job) job();
}

function push(list, job) {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runOne;
    if (channel.port1.unref) channel.port1.unref(); // node (the unit tests): an idle port must not keep it alive
  }
  list.push(job);
  if (queue.length + later.length === 1) channel.port2.postMessage(0);
}

// Run job() in a task of its own, after the jobs queued before it.
export function inOwnTask(job) { push(queue, job); }

// Run job() in a task of its own once no inOwnTask job waits (after the jobs of this queue
// queued before it).
export function whenOthersDone(job) { push(later, job); }
