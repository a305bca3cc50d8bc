// worker-client.js -- the page's side of the worker protocol (protocol.js): requests by id that
// resolve with the result or reject with an Error carrying { kind, problems, code }, abort via
// AbortSignal, unsolicited messages delivered to listeners, and crash recovery: if the worker
// dies (an uncaught error, a failed load), every pending request is rejected, a fresh worker is
// started and listeners get a 'crash' event, so the page keeps working.

export class RequestError extends Error {
  constructor(error) {
    super(error && error.message ? error.message : 'the worker failed');
    this.kind = error?.kind ?? 'engine';
    this.problems = error?.problems ?? null;
    this.code = error?.code;
  }
}

export class WorkerClient {
  constructor(url, { createWorker } = {}) {
    this.url = url;
    this.createWorker = createWorker ?? ((u) => new Worker(u, { type: 'module' }));
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map();
    this.crashes = 0;
    this.start();
  }

  start() {
    this.worker = this.createWorker(this.url);
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      // Handled here: no uncaught error reaches the console, the page shows a message instead.
      if (ev && ev.preventDefault) ev.preventDefault();
      this.crash(ev && ev.message ? ev.message : 'the worker stopped');
    };
    this.worker.onmessageerror = () => this.crash('a message from the worker could not be read');
  }

  crash(reason) {
    this.crashes++;
    try { this.worker.terminate(); } catch { /* already gone */ }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new RequestError({ message: 'the computation worker stopped unexpectedly', kind: 'crash' }));
    this.emit('crash', { reason: String(reason).replace(/^Uncaught\s+/, '') });
    this.start();
  }

  receive(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.id) {
      const p = this.pending.get(msg.id);
      if (!p) return; // aborted or from a crashed worker
      this.pending.delete(msg.id);
      if (msg.type === 'result') p.resolve(msg.result);
      else p.reject(new RequestError(msg.error));
      return;
    }
    this.emit(msg.type, msg);
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  emit(type, msg) {
    const set = this.listeners.get(type);
    if (set) for (const fn of set) fn(msg);
  }

  // request('create', { config }) -> Promise of the result. With a signal, aborting rejects at
  // once with kind 'aborted' and tells the worker to drop the request if it has not started it.
  request(type, args = {}, { signal } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) { reject(new RequestError({ message: 'aborted', kind: 'aborted' })); return; }
      this.pending.set(id, { resolve, reject });
      if (signal) {
        signal.addEventListener('abort', () => {
          if (!this.pending.has(id)) return;
          this.pending.delete(id);
          this.worker.postMessage({ id: this.nextId++, type: 'abort', args: { id } });
          reject(new RequestError({ message: 'aborted', kind: 'aborted' }));
        }, { once: true });
      }
      this.worker.postMessage({ id, type, args });
    });
  }

  terminate() {
    this.worker.terminate();
  }
}
