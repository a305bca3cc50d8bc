// rpc.js -- requests by id over messages: the one implementation behind every request/response
// layer of the site. The asking side is Calls (over any send function) and WorkerRpc (Calls over
// a Web Worker that is replaced when it dies or hangs): the playground's worker client and each
// slot of the sweep pool. The answering side is serve(): the two workers and the embed bridge.
// Pure of the DOM; node tests drive it with fake workers.
//
// Wire form (a layer may encode its answers its own way, as the embed API does):
//   request   { id, type, args }                     id: a positive integer
//   answer    { id, type: 'result', result }  |  { id, type: 'error', error: { message, kind, ... } }
//   progress  { id, type: <any other>, ... }         before the answer (a sweep run's rows)
//   event     { type, ... } without an id            to listeners, by type
// Error kinds the callers see, besides the answering side's own ('config', 'engine', 'protocol',
// 'trap', ...): 'aborted' (the caller's AbortSignal), 'timeout' (no answer in time: the worker is
// replaced), 'crash' (the worker died: it is replaced and every call in flight fails).

export class RpcError extends Error {
  // error: the plain { message, kind, ...extra } that crossed the boundary
  constructor(error = {}) {
    super(error && error.message ? error.message : 'the request failed');
    this.name = 'RpcError';
    const { message, kind, ...extra } = error || {};
    this.kind = kind ?? 'engine';
    this.problems = extra.problems ?? null;
    Object.assign(this, extra, { problems: this.problems });
  }
}

// The shape of an error that crosses a boundary: plain data, a message meant for people.
export function errorOf(message, kind = 'engine', extra = {}) {
  return { message: String(message), kind, ...extra };
}

// ---- the asking side ---------------------------------------------------------------------------

export class Calls {
  // send(msg, transfer): delivers a request; abortType: the request type that tells the other side
  // to drop a queued request ({ id }), or null when it has none (then an abort only stops waiting)
  constructor(send, { abortType = null, onTimeout = null } = {}) {
    this.send = send;
    this.abortType = abortType;
    this.onTimeout = onTimeout; // (type, ms): the owner decides what a silent peer means
    this.nextId = 1;
    this.pending = new Map();   // id -> { type, resolve, reject, onProgress, cleanup }
  }

  get size() { return this.pending.size; }

  // call('create', { config }, { signal, timeoutMs, onProgress, transfer }) -> Promise of the result.
  call(type, args = {}, { signal = null, timeoutMs = 0, onProgress = null, transfer = [] } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (signal && signal.aborted) { reject(new RpcError(errorOf('aborted', 'aborted'))); return; }
      let timer = 0;
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.settle(id);
        if (this.abortType) this.send({ id: this.nextId++, type: this.abortType, args: { id } }, []);
        reject(new RpcError(errorOf('aborted', 'aborted')));
      };
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        if (signal) signal.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { type, resolve, reject, onProgress, cleanup });
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          this.settle(id);
          reject(new RpcError(errorOf(`${type}: no answer within ${Number((timeoutMs / 1000).toPrecision(3))} s`, 'timeout')));
          if (this.onTimeout) this.onTimeout(type, timeoutMs);
        }, timeoutMs);
      }
      this.send({ id, type, args }, transfer);
    });
  }

  // Forget a call (its promise is settled by the caller).
  settle(id) {
    const p = this.pending.get(id);
    if (!p) return null;
    this.pending.delete(id);
    p.cleanup();
    return p;
  }

  // A message from the other side: true when it was about a call (an answer or a progress
  // message, even of a call no longer waited for), false for an event.
  receive(msg) {
    if (!msg || typeof msg !== 'object' || !Number.isSafeInteger(msg.id) || msg.id <= 0) return false;
    if (msg.type === 'result' || msg.type === 'error') {
      const p = this.settle(msg.id);
      if (p) {
        if (msg.type === 'result') p.resolve(msg.result);
        else p.reject(new RpcError(msg.error));
      }
      return true;
    }
    const p = this.pending.get(msg.id);
    if (p && p.onProgress) p.onProgress(msg);
    return true;
  }

  // Fail every call in flight (the other side is gone).
  failAll(error) {
    const all = [...this.pending.keys()].map((id) => this.settle(id));
    for (const p of all) p.reject(new RpcError(error));
    return all.length;
  }
}

// ---- a worker that is replaced when it dies ------------------------------------------------------

export class WorkerRpc {
  // url: the worker's module; createWorker(url) -> Worker (tests pass fakes); name: how messages
  // call it; lazy: start the worker at the first request (else at once, and again after a crash);
  // hold: keep the events until release() (a worker started before its listeners are in place);
  // started: a worker that is already running, { worker, events }, used first (worker-start.js):
  // events() hands over what it posted (message, error and messageerror events) before this took it
  constructor({ url, createWorker, name = 'the worker', abortType = null, lazy = false, hold = false, started = null } = {}) {
    this.url = url;
    this.createWorker = createWorker ?? ((u) => new Worker(u, { type: 'module' }));
    this.name = name;
    this.lazy = lazy;
    this.listeners = new Map();
    this.held = hold ? [] : null; // events not yet delivered, in order
    this.started = started;
    this.worker = null;
    this.restarts = 0;
    this.calls = new Calls((msg, transfer) => this.ensure().postMessage(msg, transfer), {
      abortType,
      onTimeout: (type, ms) => this.restart(`it did not answer ${type} within ${Number((ms / 1000).toPrecision(3))} s`, 'timeout'),
    });
    if (!lazy) this.start();
  }

  get running() { return this.worker !== null; }
  get pending() { return this.calls.size; }

  start() {
    const started = this.started;
    this.started = null;
    const w = started ? started.worker : this.createWorker(this.url);
    this.worker = w;
    w.onmessage = (ev) => { if (this.worker === w) this.receive(ev.data); };
    w.onerror = (ev) => {
      // handled here: no uncaught error reaches the console; listeners say what happened
      if (ev && ev.preventDefault) ev.preventDefault();
      if (this.worker === w) this.restart(ev && ev.message ? ev.message : 'it stopped');
    };
    w.onmessageerror = () => { if (this.worker === w) this.restart('a message from it could not be read'); };
    // what a worker started before us has said so far, as if it came now
    if (started) for (const ev of started.events()) w[`on${ev.type}`](ev);
    return w;
  }

  ensure() { return this.worker || this.start(); }

  receive(msg) {
    if (this.calls.receive(msg)) return;
    if (msg && typeof msg === 'object' && typeof msg.type === 'string') this.emit(msg.type, msg);
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type).delete(fn);
  }

  emit(type, msg) {
    if (this.held) { this.held.push([type, msg]); return; }
    const set = this.listeners.get(type);
    if (set) for (const fn of [...set]) fn(msg);
  }

  // Deliver the held events, in order, to the listeners there are now; from now on events go
  // straight to them.
  release() {
    const held = this.held || [];
    this.held = null;
    for (const [type, msg] of held) this.emit(type, msg);
  }

  request(type, args = {}, opts = {}) {
    return this.calls.call(type, args, opts);
  }

  // End the worker; every call in flight fails with `error`. The next request starts a new one.
  stop(error = errorOf(`${this.name} was stopped`, 'aborted')) {
    const w = this.worker;
    this.worker = null;
    if (w) { try { w.terminate(); } catch { /* already gone */ } }
    return this.calls.failAll(error);
  }

  // The worker died (kind 'crash') or hangs (kind 'timeout'): replace it, fail the calls in
  // flight, and tell the listeners ('crash': { reason, kind }) so the page can say what happened.
  restart(reason, kind = 'crash') {
    const why = String(reason).replace(/^Uncaught\s+/, '');
    this.restarts++;
    this.stop(errorOf(`${this.name} stopped unexpectedly (${why})`, 'crash'));
    this.emit('crash', { reason: why, kind });
    if (!this.lazy) this.start();
  }

  terminate() { this.stop(); }
}

// ---- the answering side --------------------------------------------------------------------------

// handlers: { type: (args, msg) -> result | Promise }. respond(id, outcome) delivers
// { ok: true, result } or { ok: false, error }; classify(e) turns a thrown error into the plain
// error that crosses ({ message, kind, ... }); onError(e, msg, error) hears of every failure (a
// worker reloads a trapped module there). A synchronous handler is answered synchronously, so
// answers keep the order of the requests. -> handle(msg)
export function serve(handlers, { respond, classify = defaultClassify, onError = null }) {
  const fail = (msg, e) => {
    const error = classify(e);
    respond(msg.id, { ok: false, error });
    if (onError) onError(e, msg, error);
  };
  return function handle(msg) {
    const fn = Object.hasOwn(handlers, msg.type) ? handlers[msg.type] : null;
    if (!fn) { respond(msg.id, { ok: false, error: errorOf(`unknown request ${JSON.stringify(String(msg.type).slice(0, 40))}`, 'protocol') }); return undefined; }
    let out;
    try {
      out = fn(msg.args || {}, msg);
    } catch (e) {
      fail(msg, e);
      return undefined;
    }
    if (out && typeof out.then === 'function') {
      return out.then((result) => respond(msg.id, { ok: true, result }), (e) => fail(msg, e));
    }
    respond(msg.id, { ok: true, result: out });
    return undefined;
  };
}

function defaultClassify(e) {
  if (e instanceof RpcError) return errorOf(e.message, e.kind, e.problems ? { problems: e.problems } : {});
  return errorOf(e && e.message ? e.message : String(e), e && e.kind ? e.kind : 'engine', e && e.problems ? { problems: e.problems } : {});
}

// The default wire form of an answer; typed arrays under result.data travel as transferables.
export function answerMessage(id, outcome) {
  if (!outcome.ok) return [{ id, type: 'error', error: outcome.error }, []];
  const r = outcome.result;
  const transfer = r && ArrayBuffer.isView(r.data) ? [r.data.buffer] : [];
  return [{ id, type: 'result', result: r }, transfer];
}
