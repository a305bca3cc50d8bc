// worker-start.js -- a classic script, not a module: the first script of the playground's head,
// run the moment the parser reaches it (a module, even async, waits until the parser yields, which
// on a busy machine is after the stylesheet, Chart.js and the first layout). It starts the
// computation worker, whose thread, modules and engine then load alongside the page, and names the
// page's address in the worker's name, so that the worker starts the link's run the moment its
// engine is ready (early-run.js earlyLinkOf; a message would wait for this busy main thread to
// pass it on). Whatever the worker posts before boot.js takes it over (rpc.js WorkerRpc's
// `started`) is kept, in order. The one global it leaves, ibpStartedWorker(), hands them over
// once and removes itself.
(() => {
  const { hash, search, pathname } = location;
  const worker = new Worker(new URL('../worker.js', document.currentScript.src),
    { type: 'module', name: JSON.stringify({ early: { hash, search, pathname } }) });
  let events = [];
  const keep = (ev) => { if (ev.type === 'error') ev.preventDefault(); events.push(ev); };
  worker.onmessage = keep;
  worker.onerror = keep;
  worker.onmessageerror = keep;
  performance.mark('ibp-worker');
  // -> { worker, events() }: the events so far, then none (the taker's handlers take over)
  globalThis.ibpStartedWorker = () => {
    delete globalThis.ibpStartedWorker;
    return { worker, events: () => { const e = events; events = []; return e; } };
  };
})();
