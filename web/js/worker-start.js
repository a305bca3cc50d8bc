// worker-start.js -- a classic script, not a module: the first script of the playground's head,
// run the moment the parser reaches it (a module, even async, waits until the parser yields, which
// on a busy machine is after the stylesheet, Chart.js and the first layout). It starts the
// computation worker, whose thread, modules and engine then load alongside the page, and asks it
// at once for the early start of the link's run (request id 1, 'prestart' with the page's address:
// the worker reads the link, early-run.js). Whatever the worker posts before boot.js takes it over
// (rpc.js WorkerRpc's `started`) is kept, in order. The one global it leaves, ibpStartedWorker(),
// hands them over once and removes itself.
(() => {
  const worker = new Worker(new URL('../worker.js', document.currentScript.src), { type: 'module' });
  let events = [];
  const keep = (ev) => { if (ev.type === 'error') ev.preventDefault(); events.push(ev); };
  worker.onmessage = keep;
  worker.onerror = keep;
  worker.onmessageerror = keep;
  const { hash, search, pathname } = location;
  worker.postMessage({ id: 1, type: 'prestart', args: { link: { hash, search, pathname } } });
  performance.mark('ibp-worker');
  // -> { worker, events(), ids }: the events so far, then none (the taker's handlers take over);
  // ids: the request ids used here (1), which the taker's requests must not reuse
  globalThis.ibpStartedWorker = () => {
    delete globalThis.ibpStartedWorker;
    return { worker, events: () => { const e = events; events = []; return e; }, ids: 1 };
  };
})();
