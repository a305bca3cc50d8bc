// worker.js -- the Web Worker that owns all computation: it loads ibp.wasm, validates and
// canonicalizes configs, creates runs, steps them in time-sliced chunks and streams the metric
// rows to the page. The protocol is documented at the top of js/protocol.js.
//
// Scheduling: while playing, one chunk takes about CHUNK_MS of steps, posts the rows and the
// status, then yields to the event loop (a MessageChannel message, so no 4 ms timer clamp), so a
// pause / step / set-lr / reset posted by the page is answered between two chunks.
// Failures: engine refusals come back as messages; a wasm trap (an internal invariant, an
// out-of-bounds access) loses the run: the module is instantiated afresh and the page is told.
// Export: as the rows are read, the engine also formats them as CSV (ibp_run_rows_csv, the CLI's
// formatter), so the page's metrics CSV is the CLI's bytes (`ibp run CONFIG --out metrics.csv`)
// for an unmodified run, ready at any moment without running anything again.
import { loadIbp } from './js/wasm-loader.js';
import { Run, canonical, schema, EngineError } from './js/engine.js';
import { CHUNK_MS, isRequest, errorOf, SPECTRUM_REQUEST_MODES } from './js/protocol.js';

const MODULE_URL = new URL('./ibp.wasm', import.meta.url);
const MAX_TRACE_STEPS = 1 << 21; // two-parameter runs: steps traced one by one (cheap there)
// The metrics CSV kept for export: about 190 bytes a row for a 17-column run, so 64 MiB is some
// 350,000 rows. Beyond it the rows still stream to the charts; the export says where it stopped
// and the CLI command writes the whole table.
const EXPORT_MAX_BYTES = 64 * 1024 * 1024;

let ibp = null;              // the module (wasm-loader's Ibp)
let ready = null;            // Promise of the module
let schemaCache = null;
let engineVersion = '';
const queue = [];            // requests that arrived before the module
const aborted = new Set();

// The run and how it is driven.
let run = null;
let probe = null;            // a second run of the same config, for loss grids (two-parameter view)
let runId = 0;
let last = null;             // { config, dataCsv, initJson } of the run, for reset
let playing = false;
let speed = Infinity;        // steps per second
let credit = 0, creditAt = 0;
let loopPending = false, timer = 0;
let twoParam = null;
let playUntil = Infinity;    // the step at which playing pauses (the page's limit=N)
let limit = 0;               // that limit (0 = none); it applies when play starts below it
let log = null;              // the export log of the run (newExportLog)
// Sizing the step calls inside a chunk: a running estimate of the time per step, and a ramp
// (each call at most 4x the last one) so a new run's first chunk, whose speed is unknown, cannot
// overshoot the chunk budget by much.
let perStepMs = 1;
let lastCallN = 1;

// ---- messaging -------------------------------------------------------------------------------

const post = (msg, transfer) => self.postMessage(msg, transfer || []);

// Register the handler before awaiting the module so no early message is lost.
self.onmessage = (ev) => {
  const msg = ev.data;
  if (!isRequest(msg)) {
    const id = msg && Number.isSafeInteger(msg.id) ? msg.id : 0;
    post({ id, type: 'error', error: errorOf('unknown request', 'protocol') });
    return;
  }
  if (msg.type === 'abort') {
    aborted.add(msg.args?.id);
    post({ id: msg.id, type: 'result', result: true });
    return;
  }
  if (!ibp) { queue.push(msg); return; }
  handle(msg);
};

function handle(msg) {
  if (aborted.delete(msg.id)) {
    post({ id: msg.id, type: 'error', error: errorOf('aborted', 'aborted') });
    return;
  }
  let result;
  try {
    result = HANDLERS[msg.type](msg.args || {});
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      post({ id: msg.id, type: 'error', error: errorOf(trapMessage(e), 'trap') });
      recoverFromTrap(e);
      return;
    }
    post({ id: msg.id, type: 'error', error: asError(e) });
    return;
  }
  const transfer = result && result.data instanceof Float64Array ? [result.data.buffer] : [];
  post({ id: msg.id, type: 'result', result }, transfer);
}

function asError(e) {
  if (e && e.problems) return errorOf(e.message, 'config', { problems: e.problems });
  if (e instanceof EngineError) return errorOf(e.message, 'engine', { code: e.code });
  if (e instanceof RangeError || e instanceof TypeError) return errorOf(e.message, 'protocol');
  return errorOf(e && e.message ? e.message : String(e), 'engine');
}

function trapMessage(e) {
  return `the engine stopped on an internal error (WebAssembly trap: ${e.message}); the run was lost, press Reset to start it again`;
}

// ---- the module ------------------------------------------------------------------------------

async function loadModule() {
  ibp = await loadIbp(fetch(MODULE_URL));
  schemaCache = schema(ibp);
  engineVersion = ibp.readCStr(ibp.ex.ibp_version());
}

function start() {
  ready = loadModule().then(() => {
    post({ type: 'ready', version: engineVersion, schema: schemaCache, enums: ibp.enums });
    while (queue.length) handle(queue.shift());
  }, (e) => {
    post({ type: 'fatal', message: `the engine (ibp.wasm) could not be loaded: ${e && e.message ? e.message : e}` });
  });
}

function recoverFromTrap(e) {
  playing = false;
  run = null;   // its memory may be inconsistent: never touch it again
  probe = null;
  ibp = null;   // requests queue until the fresh module is in
  post({ type: 'trap', message: trapMessage(e) });
  loadModule().then(() => { while (queue.length) handle(queue.shift()); }, (err) => {
    post({ type: 'fatal', message: `the engine could not be reloaded after a trap: ${err.message}` });
  });
}

// ---- config validation -------------------------------------------------------------------------

const keyNames = () => new Set(schemaCache.map((k) => k.key));

// Every problem of a config, not only the first: remove the key the engine complains about and
// parse again (a link with three bad values gets three messages).
function validate(config) {
  const known = keyNames();
  const problems = [];
  let items = String(config ?? '').split('&').filter((s) => s !== '');
  for (let guard = 0; guard < 64; guard++) {
    const text = items.join('&');
    try {
      const canon = canonical(ibp, text, false);
      const full = canonical(ibp, text, true);
      return { canonical: canon, full, problems };
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      const key = keyOf(e.message, known, items);
      problems.push({ key: key && known.has(key) ? key : null, message: e.message });
      const before = items.length;
      if (key) items = items.filter((it) => itemKey(it) !== key);
      if (items.length === before) return { canonical: null, full: null, problems };
    }
  }
  return { canonical: null, full: null, problems };
}

function itemKey(item) {
  const eq = item.indexOf('=');
  try { return decodeURIComponent(eq < 0 ? item : item.slice(0, eq)).trim(); } catch { return item; }
}

// The key an engine message is about: the first word when it is a key ("lr=abc: ...",
// "width has ...", "lr and lr_rel are both given"), the quoted name of an unknown key, or the
// item quoted in a decoding error.
function keyOf(message, known, items) {
  const unk = /^unknown key "([^"]*)"/.exec(message);
  if (unk) return unk[1];
  const w = /^"?([a-z][a-z0-9_]*)/.exec(message);
  if (w && known.has(w[1])) return w[1];
  const q = /^"([^"]*)"/.exec(message);
  if (q) { const it = items.find((s) => s.startsWith(q[1].slice(0, 20))); if (it) return itemKey(it); }
  return null;
}

// ---- runs ------------------------------------------------------------------------------------

function destroyRun() {
  stopLoop();
  if (run) run.destroy();
  if (probe) probe.destroy();
  run = probe = null;
  twoParam = null;
}

function create({ config = '', dataCsv = null, initJson = null }) {
  const v = validate(config);
  if (v.problems.length) {
    const err = new Error(v.problems.map((p) => p.message).join('; '));
    err.problems = v.problems;
    throw err;
  }
  // The page keeps imported files around; they go to the engine only when the config uses them.
  const uses = (kv) => `&${v.full}&`.includes(`&${kv}&`);
  if (!uses('data=csv')) dataCsv = null;
  if (!uses('init=file')) initJson = null;
  destroyRun();
  playing = false;
  perStepMs = 1;
  lastCallN = 1;
  run = Run.create(ibp, { config: v.canonical, dataCsv, initJson });
  last = { config: v.canonical, dataCsv, initJson, full: v.full };
  runId++;
  log = newExportLog();
  twoParam = run.nparams === 2 ? twoParamInfo(v.full, dataCsv, initJson) : null;
  const info = {
    runId, canonical: v.canonical, full: v.full, columns: run.columns, nparams: run.nparams,
    lr: run.lr, lr0: run.lr0, s0: run.s0, stepsTotal: run.stepsTotal, twoParam,
  };
  flushRows();
  if (twoParam) postTrace([run.t, ...run.params()]);
  postStatus();
  return info;
}

// Two-parameter runs: the loss surface comes from a probe run of the same config (same data),
// whose parameters are set to each grid point. For the product models (uv factorization, the
// scalar chain w2 w1) along x = 1 the loss is a quadratic a (p - p*)^2 + c in p = y, so three
// evaluations give the minimizer hyperbola xy = p* and the curvature kappa = 2a: the Hessian at
// a minimizer is kappa [[y^2, xy], [xy, x^2]], whose top eigenvalue is kappa (x^2 + y^2).
function twoParamInfo(full, dataCsv, initJson) {
  probe = Run.create(ibp, { config: full, dataCsv, initJson });
  const [x0, y0] = run.params();
  const cfg = new Map(full.split('&').map((s) => s.split('=')));
  const product = (cfg.get('model') === 'mf' || (cfg.get('model') === 'linear' && cfg.get('depth') === '2')) &&
    cfg.get('loss') !== 'logistic';
  let pstar = NaN, kappa = NaN;
  if (product) {
    const l = (p) => probe.lossAt([1, p]);
    const lm = l(-1), l0 = l(0), lp = l(1);
    const a = (lp + lm) / 2 - l0, b = (lp - lm) / 2;
    if (a > 0) { pstar = -b / (2 * a); kappa = 2 * a; }
  }
  return { product: product && Number.isFinite(pstar), pstar, kappa, x0, y0 };
}

function lossGrid({ x0, x1, y0, y1, nx, ny }) {
  if (!probe) throw new RangeError('the loss surface exists for two-parameter runs only');
  const nums = [x0, x1, y0, y1];
  if (!nums.every(Number.isFinite) || !(x1 > x0) || !(y1 > y0)) throw new RangeError('bad grid range');
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 2 || ny < 2 || nx * ny > 40000) throw new RangeError('bad grid size');
  const data = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) {
    const y = y0 + ((y1 - y0) * j) / (ny - 1);
    for (let i = 0; i < nx; i++) data[j * nx + i] = probe.lossAt([x0 + ((x1 - x0) * i) / (nx - 1), y]);
  }
  return { data };
}

function status() {
  if (!run) return { runId, t: 0, stepsTotal: 0, state: -1, stateName: 'no run', running: false, playing: false, message: 'no run', lr: NaN, speed, nparams: 0 };
  const st = run.state;
  return {
    runId, t: run.t, stepsTotal: run.stepsTotal, state: st, limit,
    stateName: ibp.readCStr(ibp.ex.ibp_run_state_string(st)), running: run.running, playing,
    message: run.message, lr: run.lr, speed, nparams: run.nparams,
  };
}

function postStatus() { post({ type: 'status', ...status() }); }

// ---- stepping --------------------------------------------------------------------------------

let pendingRows = [];
let pendingTrace = [];

// Take up to n steps, collecting the rows (the engine's row buffer holds 1024 rows: read it after
// every call) and, for two-parameter runs, every iterate.
function advance(n) {
  let done = 0;
  if (twoParam && run.t < MAX_TRACE_STEPS) {
    while (done < n && run.running) {
      const got = run.step(1);
      if (got <= 0) break; // rows are read every 512 steps, so the row buffer never stops a step
      done += got;
      const p = run.params();
      pendingTrace.push(run.t, p[0], p[1]);
      if (ibp.ex.ibp_run_nrows(run.ptr) >= 512) collectRows();
    }
    collectRows();
    return done;
  }
  while (done < n && run.running) {
    const got = run.step(n - done);
    collectRows();
    if (got === 0) break;
    done += got;
  }
  return done;
}

function collectRows() {
  if (log && !log.full && ibp.ex.ibp_run_nrows(run.ptr) > 0) {
    const text = run.rowsCsv(log.parts.length === 0);
    if (log.bytes + text.length > EXPORT_MAX_BYTES) log.full = true;
    else { log.parts.push(text); log.bytes += text.length; }
  }
  const rows = run.takeRows();
  if (rows.length) {
    pendingRows.push(rows);
    if (log && !log.full) log.lastStep = rows[rows.length - run.ncols + run.columns.indexOf('step')];
  }
}

// ---- export ----------------------------------------------------------------------------------

// The CLI's header, from the engine itself (ibp_run_csv_header): version, canonical config,
// seed, conventions; then the rows.
function newExportLog() {
  return {
    head: run.csvHeader(),
    parts: [], bytes: 0, full: false, lastStep: NaN, notes: [],
  };
}

// Things done by hand that the config cannot say: the CSV states them, and the CLI command no
// longer reproduces the run.
function logNote(text) {
  if (log && log.notes.length < 100) log.notes.push(text);
}

function exportCsv() {
  needRun();
  flushRows();
  const st = status();
  const notes = log.notes.map((n) => `# page: ${n}\n`);
  if (log.full) notes.push(`# page: the page keeps ${EXPORT_MAX_BYTES >> 20} MiB of rows for export; this table stops at step ${log.lastStep} of ${st.t}\n`);
  return {
    csv: log.head + notes.join('') + log.parts.join(''),
    lastStep: log.lastStep, t: st.t, stepsTotal: st.stepsTotal, state: st.state, stateName: st.stateName,
    running: st.running, notes: log.notes.slice(), truncated: log.full, canonical: last.config, full: last.full,
    version: engineVersion, conventions: run.conventions(), columns: run.columns,
    events: run.eventsText(), summary: run.summaryJson(),
  };
}

function flushRows() {
  collectRows();
  if (pendingRows.length) {
    let total = 0;
    for (const r of pendingRows) total += r.length;
    const data = pendingRows.length === 1 ? pendingRows[0] : new Float64Array(total);
    if (pendingRows.length > 1) { let o = 0; for (const r of pendingRows) { data.set(r, o); o += r.length; } }
    pendingRows = [];
    post({ type: 'metrics', runId, columns: run.columns, nrows: data.length / run.columns.length, data }, [data.buffer]);
  }
  if (pendingTrace.length) { postTrace(pendingTrace); pendingTrace = []; }
}

function postTrace(arr) {
  const data = new Float64Array(arr);
  post({ type: 'trace', runId, data }, [data.buffer]);
}

const chan = new MessageChannel();
chan.port1.onmessage = () => { loopPending = false; tick(); };
if (chan.port1.unref) chan.port1.unref(); // node (the unit tests): an idle port must not keep it alive

function scheduleTick(delayMs = 0) {
  if (loopPending || timer) return;
  if (delayMs > 0) { timer = setTimeout(() => { timer = 0; tick(); }, delayMs); return; }
  loopPending = true;
  chan.port2.postMessage(0);
}

function stopLoop() {
  if (timer) { clearTimeout(timer); timer = 0; }
}

function tick() {
  if (!playing || !run) return;
  try {
    const t0 = performance.now();
    let allowed = Infinity;
    if (Number.isFinite(speed)) {
      credit = Math.min(credit + ((t0 - creditAt) * speed) / 1000, Math.max(1, speed / 10));
      creditAt = t0;
      allowed = Math.floor(credit);
      if (allowed < 1) { scheduleTick(Math.max(4, ((1 - credit) * 1000) / speed)); return; }
    }
    allowed = Math.min(allowed, playUntil - run.t);
    let done = 0;
    while (run.running && done < allowed) {
      const left = CHUNK_MS - (performance.now() - t0);
      if (left <= 0) break;
      const n = Math.max(1, Math.min(allowed - done, Math.floor(left / perStepMs), 4 * lastCallN));
      lastCallN = n;
      const s0 = performance.now();
      const got = advance(n);
      if (got > 0) perStepMs = 0.7 * perStepMs + (0.3 * Math.max(1e-4, performance.now() - s0)) / got;
      done += got;
      if (got === 0) break;
    }
    if (Number.isFinite(speed)) credit -= done;
    if (!run.running || run.t >= playUntil) playing = false;
    flushRows();
    postStatus();
    if (playing) scheduleTick(Number.isFinite(speed) ? 1000 / Math.min(speed, 60) : 0);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) { recoverFromTrap(e); return; }
    playing = false;
    post({ type: 'status', ...status(), message: asError(e).message });
  }
}

// ---- spectra ---------------------------------------------------------------------------------

// One spectrum of the Hessian at the current parameters. It is answered between two chunks like
// any request: the run is not advanced, and the engine leaves its state untouched.
function spectrum({ mode = 'auto', probes, steps }) {
  needRun();
  if (!SPECTRUM_REQUEST_MODES.includes(mode)) throw new RangeError(`spectrum: mode must be one of ${SPECTRUM_REQUEST_MODES.join(', ')}`);
  const count = (v, name) => {
    if (v === undefined || v === null) return 0;
    if (!Number.isInteger(v) || v < 1 || v > 1000) throw new RangeError(`spectrum: ${name} must be an integer in [1, 1000]`);
    return v;
  };
  const k = count(probes, 'probes'), m = count(steps, 'steps');
  const P = run.nparams;
  const which = mode === 'auto' ? (P <= ibp.enums.spectrum.IBP_SPECTRUM_EXACT_MAX ? 'exact' : 'density') : mode;
  const t0 = performance.now();
  const spec = run.spectrum(which, { kOrProbes: which === 'exact' ? 0 : k, steps: which === 'density' ? m : 0 });
  return { ...spec, requested: mode, runId, lr: run.lr, ms: performance.now() - t0 };
}

// ---- requests --------------------------------------------------------------------------------

function needRun() {
  if (!run) throw new EngineError('there is no run yet: apply a configuration first', 0);
}

const HANDLERS = {
  validate: ({ config }) => validate(config),
  create: (args) => create(args),
  reset: () => {
    if (!last) throw new EngineError('there is no run to reset yet', 0);
    const wasPlaying = playing;
    const info = create(last);
    return { ...info, wasPlaying };
  },
  play: () => {
    needRun();
    playUntil = limit > run.t ? limit : Infinity;
    if (run.running) {
      playing = true;
      credit = 0; creditAt = performance.now();
      scheduleTick();
    }
    return status();
  },
  pause: () => {
    playing = false;
    stopLoop();
    if (run) flushRows();
    return status();
  },
  step: ({ n = 1 }) => {
    needRun();
    if (!Number.isInteger(n) || n < 1 || n > 1e6) throw new RangeError('step: n must be an integer in [1, 1e6]');
    playing = false;
    stopLoop();
    advance(n);
    flushRows();
    return status();
  },
  setLr: ({ eta }) => {
    needRun();
    const before = run.lr;
    run.setLr(Number(eta));
    if (run.lr !== before) logNote(`eta set by hand to ${ibp.formatDouble(run.lr)} from step ${run.t} on`);
    return status();
  },
  limit: ({ step = 0 }) => {
    if (!Number.isInteger(step) || step < 0 || step > 1e9) throw new RangeError('limit: step must be an integer in [0, 1e9]');
    limit = step;
    playUntil = playing && limit > (run ? run.t : 0) ? limit : Infinity;
    return status();
  },
  speed: ({ stepsPerSecond }) => {
    const s = Number(stepsPerSecond);
    if (!(s > 0)) throw new RangeError('speed: steps per second must be positive');
    speed = s;
    credit = 0; creditAt = performance.now();
    return status();
  },
  extend: ({ more }) => {
    needRun();
    if (!Number.isInteger(more) || more < 1) throw new RangeError('extend: more must be a positive integer');
    const total = run.stepsTotal;
    const rc = run.extend(more);
    if (rc !== 0) throw new EngineError(`the run cannot be continued: ${run.message}`, rc);
    logNote(`continued by hand past the configured ${total} steps at step ${run.t}`);
    return status();
  },
  lossGrid: (args) => lossGrid(args),
  spectrum: (args) => spectrum(args),
  info: () => {
    needRun();
    return { text: run.info(), conventions: run.conventions(), paramsJson: run.paramsJson() };
  },
  exportCsv: () => exportCsv(),
  paramsJson: () => { needRun(); return { text: run.paramsJson(), t: run.t }; },
  dataCsv: ({ test = false }) => { needRun(); return { text: run.dataCsv(!!test) }; },
  fault: ({ what }) => {
    if (what === 'trap') {
      // A genuine trap inside the engine: step a "run" at an address outside the heap.
      ibp.ex.ibp_run_step(0x7ffffff0, 1n, 0, 0); // (i64 steps: a BigInt)
      return false;
    }
    if (what === 'crash') {
      setTimeout(() => { throw new Error('injected worker crash'); }, 0);
      return true;
    }
    throw new RangeError('fault: what must be trap or crash');
  },
};

start();
