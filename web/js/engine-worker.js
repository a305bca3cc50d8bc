// engine-worker.js -- what every worker that owns an instance of the engine does around its
// handlers (the playground's worker.js, the sweep pool's sweep-worker.js): take requests from the
// moment the worker starts (none is lost while the module loads), answer them through rpc.js
// serve(), turn thrown errors into the protocol's kinds, and keep the module healthy. After a
// trap, or any other exception out of the module (a stack overflow is a RangeError), the module has
// already freed what the failing call allocated and put its stack pointer back (wasm-loader.js);
// the worker's onTrap drops the objects the call worked on. When the module could not vouch for its
// heap (the trap hit its allocator), the instance is replaced (EngineHost: no reload, no
// recompilation) and onTrap is told that everything in the old one is gone.
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
// message, lost): a call trapped: drop (destroy) the objects it may have left half-updated, or,
// when lost is true, forget every pointer into the module (a fresh instance takes over); abortType: the
// request that drops a queued one ({ id }), if the protocol has it; trapNote: what a trap means
// for the page (appended to the message); afterReady(): what the worker does first once 'ready' is
// posted, before the requests that waited (a trap there is handled like a request's).
// -> { ibp() (the current instance), post(msg, transfer), trap(e) (a trap caught outside a request) }
export function engineWorker({ scope, moduleUrl, isRequest, handlers, ready, onTrap = () => {}, abortType = null, trapNote = '', afterReady = () => {} }) {
  const state = { host: null, queue: [], aborted: new Set() };
  const post = (msg, transfer) => scope.postMessage(msg, transfer || []);

  function trap(e) {
    const lost = state.host.mustRenew;
    onTrap(e, trapMessage(e, trapNote), lost);
    if (!lost) return;
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
    try { afterReady(); } catch (e) { trap(e); }
    while (state.queue.length && state.host) handle(state.queue.shift());
  }, (e) => {
    post({ type: 'fatal', message: `the engine (ibp.wasm) could not be loaded: ${e && e.message ? e.message : e}` });
  });

  return {
    ibp: () => state.host.ibp,
    post,
    trap,
  };
}
