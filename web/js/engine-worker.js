// engine-worker.js -- what every worker that owns an instance of the engine does around its
// handlers (the playground's worker.js, the sweep pool's sweep-worker.js): take requests from the
// moment the worker starts (none is lost while the module loads), answer them through rpc.js
// serve(), turn thrown errors into the protocol's kinds, and keep the module healthy. A trap, or
// any other exception out of the module (a stack overflow is a RangeError), may have poisoned
// it: the instance is replaced (EngineHost: no reload, no recompilation) and the worker's onTrap
// drops what lived in it. A call that returned but left the module's stack pointer moved is
// repaired after every request.
import { compileIbp, EngineHost } from './wasm-loader.js';
import { EngineError } from './engine.js';
import { serve, errorOf, answerMessage } from './rpc.js';

// Arguments the page got wrong (as opposed to the engine refusing, or the module failing).
export class ProtocolError extends Error {}
// Settings the engine refuses; problems: [{ key, value, allowed, message }] when there are several.
export class ConfigError extends Error {
  constructor(message, problems = null) { super(message); this.problems = problems; }
}

// A thrown error as it crosses to the page. Anything but the three kinds above came out of the
// module (or is a bug of ours): either way the module may be poisoned, and the kind is 'trap'.
export function errorKind(e, trapNote = '') {
  if (e instanceof ConfigError) return errorOf(e.message, 'config', e.problems ? { problems: e.problems } : {});
  if (e instanceof EngineError) return errorOf(e.message, 'engine', { code: e.code });
  if (e instanceof ProtocolError) return errorOf(e.message, 'protocol');
  return errorOf(trapMessage(e, trapNote), 'trap');
}

export function trapMessage(e, note = '') {
  const what = e instanceof WebAssembly.RuntimeError ? `WebAssembly trap: ${e.message}` : `${e && e.name ? e.name : 'Error'}: ${e && e.message ? e.message : e}`;
  return `the engine stopped on an internal error (${what})${note}`;
}

// scope: the worker's global (self); moduleUrl: ibp.wasm; isRequest(msg): the protocol's check;
// handlers: rpc.js serve() handlers; ready(ibp): the fields of the 'ready' message; onTrap(e,
// message): the module is about to be replaced (drop every pointer into it); abortType: the
// request that drops a queued one ({ id }), if the protocol has it; trapNote: what a trap means
// for the page (appended to the message).
// -> { ibp() (the current instance), post(msg, transfer), trap(e) (a trap caught outside a request) }
export function engineWorker({ scope, moduleUrl, isRequest, handlers, ready, onTrap = () => {}, abortType = null, trapNote = '' }) {
  const state = { host: null, queue: [], aborted: new Set() };
  const post = (msg, transfer) => scope.postMessage(msg, transfer || []);

  function trap(e) {
    onTrap(e, trapMessage(e, trapNote));
    try {
      state.host.renew();
    } catch (err) {
      state.host = null; // requests queue; nothing will answer them: the page hears 'fatal'
      post({ type: 'fatal', message: `the engine could not be instantiated again after a trap: ${err.message}` });
    }
  }

  const answer = serve(handlers, {
    respond: (id, outcome) => post(...answerMessage(id, outcome)),
    classify: (e) => errorKind(e, trapNote),
    onError: (e, msg, error) => { if (error.kind === 'trap') trap(e); },
  });

  function handle(msg) {
    if (state.aborted.delete(msg.id)) {
      post({ id: msg.id, type: 'error', error: errorOf('aborted', 'aborted') });
      return;
    }
    answer(msg);
    if (state.host) state.host.settle();
  }

  // Registered before the module is awaited, so no early message is lost.
  scope.onmessage = (ev) => {
    const msg = ev.data;
    if (!isRequest(msg)) {
      const id = msg && Number.isSafeInteger(msg.id) ? msg.id : 0;
      post({ id, type: 'error', error: errorOf('unknown request', 'protocol') });
      return;
    }
    if (abortType && msg.type === abortType) {
      state.aborted.add(msg.args?.id);
      post({ id: msg.id, type: 'result', result: true });
      return;
    }
    if (!state.host) { state.queue.push(msg); return; }
    handle(msg);
  };

  compileIbp(fetch(moduleUrl)).then((module) => {
    state.host = new EngineHost(module);
    post({ type: 'ready', ...ready(state.host.ibp) });
    while (state.queue.length && state.host) handle(state.queue.shift());
  }, (e) => {
    post({ type: 'fatal', message: `the engine (ibp.wasm) could not be loaded: ${e && e.message ? e.message : e}` });
  });

  return {
    ibp: () => state.host.ibp,
    post,
    trap,
    // after work outside a request (the play loop): put a moved stack pointer back
    settle: () => { if (state.host) state.host.settle(); },
  };
}
