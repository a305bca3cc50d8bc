// tasks.js -- canvas work in tasks of its own. A requestAnimationFrame callback runs in the same
// main-thread task as every other rAF callback of the page and the frame's style, layout, paint
// and commit, so charts, pictures and text drawn there add up to one long task (> 50 ms on a
// loaded machine). Work queued here runs one job per macrotask (a MessageChannel message, which
// is not throttled like setTimeout), in order, after the frame: each chart or picture redraw is a
// short task of its own, and its canvas shows at the next frame.
const queue = [];
let channel = null;

function runOne() {
  const job = queue.shift();
  if (queue.length) channel.port2.postMessage(0);
  if (job) job();
}

// Run job() in a task of its own, after the jobs queued before it.
export function inOwnTask(job) {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runOne;
  }
  queue.push(job);
  if (queue.length === 1) channel.port2.postMessage(0);
}
