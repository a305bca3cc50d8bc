// worker.js -- the Web Worker that owns all computation: it loads ibp.wasm, validates and
// canonicalizes configs, creates runs, steps them in time-sliced chunks and streams the metric
// rows to the page. The protocol is documented at the top of js/protocol.js; engine-worker.js takes
// the requests and keeps the module healthy. Everything else the worker holds is in one object,
// `session`.
//
// Scheduling: while playing, one chunk takes about CHUNK_MS of steps, posts the rows and the
// status, then yields to the event loop (a MessageChannel message, so no 4 ms timer clamp), so a
// pause / step / set-lr / reset posted by the page is answered between two chunks.
// Failures: engine refusals come back as messages. After a trap (an internal invariant, an
// out-of-bounds access) or any other exception out of the module (a stack overflow) the module has
// freed what the failing call allocated and put its stack pointer back (wasm-loader.js); the run,
// which may be half-updated, is destroyed, and the page is told (engine-worker.js; the instance is
// replaced only when the trap hit the module's allocator).
// Export: the worker keeps every row it reads as numbers (row-table.js) and the engine formats
// them when the CSV is asked for (ibp_run_csv_of_rows, the CLI's formatter), so the page's metrics
// CSV is the CLI's bytes (`ibp run CONFIG --out metrics.csv`) for an unmodified run, ready at any
// moment without running anything again. The page's own copy (series.js) may thin out a long
// run's history; this table never does (up to EXPORT_MAX_BYTES).
// Messages: while playing at full speed, rows and status go out every POST_MS (one 'metrics' and
// one 'status' message; a chunk ends when they are due), however short the chunks of steps are.
import { Run, canonical, schema, problems, appliesKeys, EngineError } from './js/engine.js';
import { FlowFollower } from './js/flow-follower.js';
import { pictureKind, pictureData, pictureModel, networkSketch } from './js/picture.js';
import { CHUNK_MS, isRequest, SPECTRUM_REQUEST_MODES } from './js/protocol.js';
import { engineWorker, errorKind, ProtocolError, ConfigError } from './js/engine-worker.js';
import { valueOf, withoutKeys } from './js/kv.js';
import { imageSamples } from './js/image-grid.js';
import { ExportLog } from './js/export-log.js';
import { ImageFile } from './js/image-file.js';
import { earlyConfigOf, earlyLinkOf } from './js/early-run.js';
import { EarlyStart, EARLY_REST_MS } from './js/early-start.js';
import { twoParamInfo, lossGrid } from './js/loss-surface.js';

const MODULE_URL = new URL('./ibp.wasm', import.meta.url);
// The image file of data=fashion_mnist (scripts/build-site; precached by the service worker),
// fetched the first time a config needs it.
const IMAGES_URL = new URL('./data/fashion-mnist.ibpi', import.meta.url);
// Fault injection (fault=trap|crash) exists only where the test server says so (serve.mjs
// --test-hooks answers this file); a shared link can never trigger it on a real host.
const TEST_HOOKS_URL = new URL('./test-hooks.json', import.meta.url);
const MAX_TRACE_STEPS = 1 << 21; // two-parameter runs: steps traced one by one (cheap there)
// The metrics table kept for export: 8 bytes a cell, 136 bytes a row for a 17-column run, so
// 64 MiB is some 490,000 rows. Beyond it the rows still stream to the charts; the export says
// where it stopped and the CLI command writes the whole table.
const EXPORT_MAX_BYTES = 64 * 1024 * 1024;
// While playing, rows and status are posted at most this often (and after the last chunk): the
// charts redraw at most every 30 ms, and every message costs the page a store update.
const POST_MS = 30;

const session = {
  // the module (engine-worker.js holds the instance)
  schema: null,            // the engine's config schema
  keys: new Set(),         // its key names
  version: '',
  // the run
  runId: 0,
  run: null,
  probe: null,             // a second run of the same config, for loss grids (two-parameter view)
  twoParam: null,
  lrSet: null,             // { runId, from, eta }: eta set by hand, taking over at step `from`
  last: null,              // { config, dataCsv, initJson, full } of the run, for reset
  log: null,               // the export log of the run (export-log.js)
  postedAt: 0,             // when rows and status were last posted while playing
  pendingRows: [],         // rows read from the engine, not yet posted
  pendingTrace: [],        // (t, x, y) of two-parameter runs, not yet posted
  // the flows beside GD (config flow=...; engine-flows.js in follow mode): GD runs ahead and the
  // flows catch up between GD's chunks in budgets of right-hand sides, never blocking for long
  flows: null,             // a FlowFollower (flow-follower.js), for a run with flows
  // how it is driven
  playing: false,
  speed: Infinity,         // steps per second
  credit: 0, creditAt: 0,  // steps earned at a finite speed, and when
  playUntil: Infinity,     // the step at which playing pauses (the page's limit=N)
  limit: 0,                // that limit (0 = none); it applies when play starts below it
  loopPending: false, timer: 0,
  // Sizing the step calls inside a chunk: a running estimate of the time per step, and a ramp
  // (each call at most 4x the last one) so a new run's first chunk, whose speed is unknown,
  // cannot overshoot the chunk budget by much.
  perStepMs: 1, lastCallN: 1,
  // the data and model view (picture.js): the kind of picture and the run's points, per run
  picture: null,           // { kind, classification, data } of the current run
  s0: NaN,                 // S0 at initialization (the run's, or computed on request: 's0')
  // the image file: its bytes (fetched once), and the file opened in the current instance
  imageFile: new ImageFile(IMAGES_URL, () => ibp()), // data=fashion_mnist's file (image-file.js)
};

// the link's run started before the page asked for it, until the page's 'create' takes it over
const early = new EarlyStart({ validate, setupBytes: (full) => setupPlan(full, null).bytes, create });

// ---- requests --------------------------------------------------------------------------------

const TRAP_NOTE = '; the run was lost, press Reset to start it again';

const worker = engineWorker({
  scope: self, moduleUrl: MODULE_URL, isRequest, abortType: 'abort', trapNote: TRAP_NOTE,
  ready: (instance) => {
    session.schema = schema(instance);
    session.keys = new Set(session.schema.map((k) => k.key));
    session.version = instance.readCStr(instance.ex.ibp_version());
    return { version: session.version, schema: session.schema, enums: instance.enums };
  },
  // the page's first script names the page's address in the worker's name (worker-start.js): the
  // link's run starts now, before any message of the page could have arrived (early-run.js)
  afterReady: () => { const link = earlyLinkOf(self.name); if (link) prestart(earlyConfigOf(link)); },
  // The run may be half-updated: it is destroyed (its memory freed, never read again); when the
  // instance is lost, its pointers are simply forgotten.
  onTrap: (e, message, lost) => {
    session.playing = false;
    stopLoop();
    for (const r of lost ? [] : [session.run, session.probe]) {
      try { if (r) r.destroy(); } catch { /* a run the trap damaged beyond freeing: its memory stays */ }
    }
    session.run = session.probe = session.twoParam = session.flows = null;
    if (lost) session.imageFile.lost();   // it lived in the lost instance's memory
    session.pendingRows = [];
    session.pendingTrace = [];
    post({ type: 'trap', message });
  },
  handlers: {
    validate: ({ config }) => validate(config),
    create: (args, msg) => adopt(args) || withImages(args.config, () => create(args, msg)),
    prestart: ({ config, link }) => prestart(link ? earlyConfigOf(link) : config),
    // the same config (with the changes of eta made by hand: the run's own config names them),
    // the same initialization
    reset: () => {
      if (!session.last) throw new EngineError('there is no run to reset yet', 0);
      const wasPlaying = session.playing;
      const config = session.run ? session.run.config(false) : session.last.config;
      return withImages(config, () => ({ ...create({ ...session.last, config }), wasPlaying }));
    },
    play: () => {
      const { run } = needRun();
      session.playUntil = session.limit > run.t ? session.limit : Infinity;
      if (run.running) {
        session.playing = true;
        session.credit = 0; session.creditAt = performance.now();
        scheduleTick();
      }
      return status();
    },
    pause: () => {
      session.playing = false;
      stopLoop();
      if (session.run) flushRows();
      if (flowsOwed()) scheduleTick();
      return status();
    },
    step: ({ n = 1 }) => {
      needRun();
      if (!Number.isInteger(n) || n < 1 || n > 1e6) throw new ProtocolError('step: n must be an integer in [1, 1e6]');
      session.playing = false;
      stopLoop();
      advance(n);
      flushRows();
      if (flowsOwed()) scheduleTick();
      return status();
    },
    // The engine records the change in the run's config (lr_at=t+1,eta): the link, the CSV header
    // and the CLI command name it, so the run is reproduced bit for bit.
    setLr: ({ eta }) => {
      const { run } = needRun();
      run.setLr(Number(eta));
      session.lrSet = { runId: session.runId, from: run.t + 1, eta: Number(eta) };
      return { ...status(), canonical: run.config(false), full: run.config(true), from: run.t + 1 };
    },
    s0: () => ({ runId: session.runId, s0: initialSharpness() }),
    view: (args) => view(args),
    limit: ({ step = 0 }) => {
      if (!Number.isInteger(step) || step < 0 || step > 1e9) throw new ProtocolError('limit: step must be an integer in [0, 1e9]');
      session.limit = step;
      session.playUntil = session.playing && step > (session.run ? session.run.t : 0) ? step : Infinity;
      return status();
    },
    speed: ({ stepsPerSecond }) => {
      const s = Number(stepsPerSecond);
      if (!(s > 0)) throw new ProtocolError('speed: steps per second must be positive');
      session.speed = s;
      session.credit = 0; session.creditAt = performance.now();
      return status();
    },
    extend: ({ more }) => {
      const { run } = needRun();
      if (!Number.isInteger(more) || more < 1) throw new ProtocolError('extend: more must be a positive integer');
      const total = run.stepsTotal;
      const rc = run.extend(more);
      if (rc !== 0) throw new EngineError(`the run cannot be continued: ${run.message}`, rc);
      if (session.log) session.log.note(`continued by hand past the configured ${total} steps at step ${run.t}`);
      // the engine records the new limit in the run's config (steps=N), as it records lr_at
      return { ...status(), canonical: run.config(false), full: run.config(true) };
    },
    lossGrid: (args) => lossGrid(session.probe, args),
    spectrum: (args) => spectrum(args),
    info: () => {
      const { run } = needRun();
      return { text: run.info(), conventions: run.conventions(), paramsJson: run.paramsJson() };
    },
    exportCsv: () => exportCsv(),
    paramsJson: () => { const { run } = needRun(); return { text: run.paramsJson(), t: run.t }; },
    dataCsv: ({ test = false }) => { const { run } = needRun(); return { text: run.dataCsv(!!test) }; },
    fault: (args) => fault(args),
  },
});
const ibp = () => worker.ibp();
const post = (msg, transfer) => worker.post(msg, transfer);

// ---- config validation -------------------------------------------------------------------------

// Every problem of a config at once, from the engine (ibp_config_problems_json: { key, value,
// allowed, message } each); canonical and full are those of what is left without the keys in
// question (null when nothing parses). A problem's key is null when it is no config key (an
// unknown or undecodable one): the page shows it above the form, not next to a control.
function validate(config) {
  const text = String(config ?? '');
  const found = problems(ibp(), text);
  const applies = appliesKeys(ibp(), text);
  if (!found.length) return { canonical: canonical(ibp(), text, false), full: canonical(ibp(), text, true), problems: [], applies };
  const list = found.map((p) => ({ ...p, key: session.keys.has(p.key) ? p.key : null, written: p.key }));
  const rest = withoutKeys(text, found.map((p) => p.key));
  try {
    return { canonical: canonical(ibp(), rest, false), full: canonical(ibp(), rest, true), problems: list, applies };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return { canonical: null, full: null, problems: list, applies };
  }
}

// ---- runs ------------------------------------------------------------------------------------

// Runs `then` once the image file is open in the current instance when the config's data is
// data=fashion_mnist (a promise the first time, while the file is fetched), else at once.
function withImages(config, then) {
  let data = '';
  try { data = valueOf(validate(config).full || '', 'data'); } catch (e) { if (!(e instanceof EngineError)) throw e; }
  if (data !== 'fashion_mnist') return then();
  const opening = session.imageFile.open();
  return opening ? opening.then(then) : then();
}

// The open image file when the config's data needs it, else null.
function imagesFor(full) {
  return valueOf(full || '', 'data') === 'fashion_mnist' ? session.imageFile.current() : null;
}

function destroyRun() {
  stopLoop();
  early.clear();
  if (session.run) session.run.destroy();
  if (session.probe) session.probe.destroy();
  session.run = session.probe = session.twoParam = session.flows = null;
}

function create({ config = '', dataCsv = null, initJson = null }, msg = null) {
  const v = validate(config);
  if (v.problems.length) throw new ConfigError(v.problems.map((p) => p.message).join('; '), v.problems);
  // The page keeps imported files around; they go to the engine only when the config uses them.
  if (valueOf(v.full, 'data') !== 'csv') dataCsv = null;
  if (valueOf(v.full, 'init') !== 'file') initJson = null;
  // Before the engine works (it cannot report while it computes): what it is about to compute,
  // so the page can say it and offer to cancel a long setup (rpc.js: a progress message).
  if (msg && msg.id) post({ id: msg.id, type: 'setup', ...setupPlan(v.full, dataCsv) });
  destroyRun();
  Object.assign(session, { playing: false, perStepMs: 1, lastCallN: 1, pendingRows: [], pendingTrace: [] });
  const run = Run.create(ibp(), { config: v.canonical, dataCsv, initJson, images: imagesFor(v.full) });
  session.run = run;
  session.flows = FlowFollower.start(ibp(), run);
  session.last = { config: v.canonical, dataCsv, initJson, full: v.full };
  session.runId++;
  session.log = new ExportLog(run, EXPORT_MAX_BYTES);
  // two-parameter runs: the loss surface comes from a probe run of the same config (loss-surface.js)
  if (run.nparams === 2) session.probe = Run.create(ibp(), { config: v.full, dataCsv, initJson });
  session.twoParam = run.nparams === 2 ? twoParamInfo(session.probe, run.params(), v.full) : null;
  session.s0 = run.s0;
  const images = imagesFor(v.full);
  const pk = pictureKind({ nparams: run.nparams, dimIn: run.dimIn, dimOut: run.dimOut, mf: valueOf(v.full, 'model') === 'mf', loss: valueOf(v.full, 'loss'), images: !!images });
  const filters = !!images && valueOf(v.full, 'model') === 'cnn';
  session.picture = { ...pk, filters, data: pk.kind === 'trace' ? null : images ? imageSamples(run.layout(), (i) => run.sample(false, i), images.info().classes) : pictureData(run) };
  const info = {
    runId: session.runId, canonical: v.canonical, full: v.full, columns: run.columns, nparams: run.nparams,
    lr: run.lr, lr0: run.lr0, s0: run.s0, stepsTotal: run.stepsTotal, twoParam: session.twoParam, applies: v.applies,
    picture: { kind: pk.kind, classification: pk.classification, dimIn: run.dimIn, dimOut: run.dimOut, filters },
    flows: session.flows ? { columns: session.flows.obj.columns, flows: session.flows.obj.flows, start: valueOf(v.full, 'flow_start') || 'init' } : null,
  };
  flushRows();
  if (session.twoParam) postTrace([run.t, ...run.params()]);
  postStatus();
  return info;
}

// The run of the page's link, started before the page has built itself (early-run.js, `early`)
// and played at full speed at once. -> true when it runs.
function prestart(config) {
  if (session.run) return false; // the page already made a run
  const info = early.start(config);
  if (!info) return false;
  post({ type: 'early', runId: info.runId, canonical: info.canonical });
  // It stops one step short of its end until the page makes it its own, and the page's play ends
  // it: the page sees it finish as it sees a run of its own finish. Until then it also rests
  // between its chunks (EARLY_REST_MS, tick).
  session.playUntil = Math.max(0, session.run.stepsTotal - 1);
  session.playing = session.run.running;
  session.credit = 0; session.creditAt = performance.now();
  if (session.playing) scheduleTick();
  return true;
}

// The page's 'create': the early run when it asks for that run (early-start.js), else null.
function adopt(args) {
  const info = early.takeOver(args);
  return info && session.run ? info : null;
}

function status() {
  const { run, runId, speed, playing, limit } = session;
  if (!run) return { runId, t: 0, stepsTotal: 0, state: -1, stateName: 'no run', running: false, playing: false, message: 'no run', lr: NaN, speed, nparams: 0 };
  const st = run.state;
  // lr: the rate in force from step lrFrom on. Set by hand, it takes over at step t + 1 (the
  // current row already names the rate of the step out of it: ibp_run_set_lr); the status says the
  // rate that was set from the moment it is set, with the step it holds from
  const set = session.lrSet && session.lrSet.runId === runId && run.t < session.lrSet.from ? session.lrSet : null;
  return {
    runId, t: run.t, stepsTotal: run.stepsTotal, state: st, limit,
    stateName: ibp().readCStr(ibp().ex.ibp_run_state_string(st)), running: run.running, playing,
    message: run.message, lr: set ? set.eta : run.lr, lrFrom: set ? set.from : run.t, speed, nparams: run.nparams, wasmBytes: ibp().ex.memory.buffer.byteLength,
    flows: flowsStatus(),
  };
}

function postStatus() { post({ type: 'status', ...status() }); }

function needRun() {
  if (!session.run) throw new EngineError('there is no run yet: apply a configuration first', 0);
  return session;
}

// ---- stepping --------------------------------------------------------------------------------

// Take up to n steps, collecting the rows (the engine's row buffer holds 1024 rows: read it after
// every call) and, for two-parameter runs, every iterate.
function advance(n) {
  const { run } = session;
  let done = 0;
  if (session.twoParam && run.t < MAX_TRACE_STEPS) {
    while (done < n && run.running) {
      const got = run.step(1);
      if (got <= 0 && flowsBlockGd() && !session.playing) { stepFlows(CHUNK_MS); continue; }
      if (got <= 0) break; // rows are read every 512 steps, so the row buffer never stops a step
      done += got;
      const p = run.params();
      session.pendingTrace.push(run.t, p[0], p[1]);
      if (ibp().ex.ibp_run_nrows(run.ptr) >= 512) collectRows();
    }
    collectRows();
    return done;
  }
  while (done < n && run.running) {
    const got = run.step(n - done);
    collectRows();
    if (got === 0 && flowsBlockGd() && !session.playing) { stepFlows(CHUNK_MS); continue; }
    if (got === 0) break;
    done += got;
  }
  return done;
}

function collectRows() {
  const { run, log } = session;
  const rows = run.takeRows();
  if (rows.length) {
    session.pendingRows.push(rows);
    if (log && !log.table.full) log.table.append(rows);
  }
}

// One 'metrics' message for every row read since the last one (transferred, not copied).
function flushRows() {
  const { run } = session;
  collectRows();
  const batches = session.pendingRows;
  if (batches.length) {
    let total = 0;
    for (const r of batches) total += r.length;
    const data = batches.length === 1 ? batches[0] : new Float64Array(total);
    if (batches.length > 1) { let o = 0; for (const r of batches) { data.set(r, o); o += r.length; } }
    session.pendingRows = [];
    post({ type: 'metrics', runId: session.runId, columns: run.columns, nrows: data.length / run.columns.length, data }, [data.buffer]);
  }
  if (session.pendingTrace.length) { postTrace(session.pendingTrace); session.pendingTrace = []; }
  flushFlows();
}

function postTrace(arr) {
  const data = new Float64Array(arr);
  post({ type: 'trace', runId: session.runId, data }, [data.buffer]);
}

const chan = new MessageChannel();
chan.port1.onmessage = () => { session.loopPending = false; tick(); };
if (chan.port1.unref) chan.port1.unref(); // node (the unit tests): an idle port must not keep it alive

function scheduleTick(delayMs = 0) {
  if (session.loopPending || session.timer) return;
  if (delayMs > 0) { session.timer = setTimeout(() => { session.timer = 0; tick(); }, delayMs); return; }
  session.loopPending = true;
  chan.port2.postMessage(0);
}

function stopLoop() {
  if (session.timer) { clearTimeout(session.timer); session.timer = 0; }
}

function tick() {
  const s = session;
  if (!s.run) return;
  if (!s.playing) {
    // paused, or GD done: the flows catch up to GD's last row, a chunk at a time
    if (!flowsOwed()) return;
    try {
      stepFlows(CHUNK_MS);
      flushFlows();
      postStatus();
      if (flowsOwed()) scheduleTick();
    } catch (e) { tickFailed(e); }
    return;
  }
  try {
    const { run } = s;
    const t0 = performance.now();
    let allowed = Infinity;
    if (Number.isFinite(s.speed)) {
      s.credit = Math.min(s.credit + ((t0 - s.creditAt) * s.speed) / 1000, Math.max(1, s.speed / 10));
      s.creditAt = t0;
      allowed = Math.floor(s.credit);
      if (allowed < 1) { scheduleTick(Math.max(4, ((1 - s.credit) * 1000) / s.speed)); return; }
    }
    allowed = Math.min(allowed, s.playUntil - run.t);
    // at full speed a chunk ends when the next post is due, so the page hears every POST_MS (not
    // every second chunk)
    const budget = Number.isFinite(s.speed) ? CHUNK_MS : Math.min(CHUNK_MS, Math.max(2, s.postedAt + POST_MS - t0));
    let done = 0;
    while (run.running && done < allowed) {
      const left = budget - (performance.now() - t0);
      if (left <= 0) break;
      const n = Math.max(1, Math.min(allowed - done, Math.floor(left / s.perStepMs), 4 * s.lastCallN));
      s.lastCallN = n;
      const s0 = performance.now();
      const got = advance(n);
      if (got > 0) s.perStepMs = 0.7 * s.perStepMs + (0.3 * Math.max(1e-4, performance.now() - s0)) / got;
      done += got;
      if (got === 0) break;
    }
    if (Number.isFinite(s.speed)) s.credit -= done;
    // the flows: the rest of the chunk (all of it when GD waits for them), at least a few ms
    if (s.flows) stepFlows(Math.max(CHUNK_MS / 4, CHUNK_MS - (performance.now() - t0)));
    if (!run.running || run.t >= s.playUntil) s.playing = false;
    const now = performance.now();
    if (!s.playing || now - s.postedAt >= POST_MS - 1 || Number.isFinite(s.speed)) {
      s.postedAt = now;
      flushRows();
      postStatus();
    }
    if (s.playing) scheduleTick(Number.isFinite(s.speed) ? 1000 / Math.min(s.speed, 60) : early.pending ? EARLY_REST_MS : 0);
    else if (flowsOwed()) scheduleTick();
  } catch (e) {
    tickFailed(e);
  }
}

function tickFailed(e) {
  const error = errorKind(e, TRAP_NOTE);
  if (error.kind === 'trap') { worker.trap(e); return; }
  session.playing = false;
  post({ type: 'status', ...status(), message: error.message });
}

// ---- the flows beside GD (flow-follower.js) ----------------------------------------------------

const flowsOwed = () => !!(session.run && session.flows && session.flows.owed);
// GD waits for the flows: its ring of rows they owe is full (ibp.h, follow mode).
const flowsBlockGd = () => !!(session.run && session.run.running && session.flows && session.flows.full);
const stepFlows = (ms) => (session.flows ? session.flows.step(ms, session.log) : 0);
// One 'flows' message for the flow rows read since the last one (see protocol.js).
function flushFlows() {
  const m = session.flows && session.flows.take();
  if (m) post({ type: 'flows', runId: session.runId, ...m.body, ...flowsStatus() }, m.transfer);
}
// Where the flows are (flow-follower.js status), or null without flows.
const flowsStatus = () => (session.flows && session.run ? session.flows.status(session.run.t, session.run.running) : null);

// ---- export (export-log.js) -------------------------------------------------------------------

function exportCsv() {
  const { run, log } = needRun();
  flushRows();
  const st = status();
  // the header now: the config in it names the changes of eta made so far (lr_at)
  return {
    ...log.csv(run, st.t),
    t: st.t, stepsTotal: st.stepsTotal, state: st.state, stateName: st.stateName,
    running: st.running, canonical: run.config(false), full: run.config(true),
    version: session.version, conventions: run.conventions(), columns: run.columns,
    events: run.eventsText(), summary: run.summaryJson(),
  };
}

// ---- the data and model view (picture.js) ------------------------------------------------------

// What creating a run of this config will compute, in words, before it starts: the setup of a
// large model (S0 for lr_rel, a big data set) can take seconds.
function setupPlan(full, dataCsv) {
  let bytes = NaN;
  const c = ibp().cstr(full), d = ibp().cstr(dataCsv);
  try {
    bytes = ibp().ex.ibp_w_estimate(c, d, 0, 0);
  } finally { ibp().free(c); ibp().free(d); }
  const lrRel = Number(valueOf(full, 'lr_rel') || 0) > 0;
  const ref = valueOf(full, 'lr_ref') || 'sharpness';
  const what = lrRel
    ? `the initial ${ref === 'ntk' ? 'NTK eigenvalue λ₀' : ref === 'smin' ? 'bound S_min' : 'sharpness S₀'} that lr_rel needs (Lanczos on exact Hessian-vector products)`
    : valueOf(full, 'measure') !== '0' ? 'the data, the model and the first sharpness measurement' : 'the data and the model';
  return { what, bytes: bytes > 0 ? bytes : NaN };
}

// S0 at initialization: the run's own (lr_rel or a measuring run computed it), else once, on a
// fresh run of the same config (the current run is never touched).
function initialSharpness() {
  const { run, last } = needRun();
  if (Number.isFinite(session.s0)) return session.s0;
  const probe = Run.create(ibp(), { config: last.config, dataCsv: last.dataCsv, initJson: last.initJson, images: imagesFor(last.full) });
  try {
    const top = probe.spectrum('top', { kOrProbes: 1 });
    session.s0 = top.values && top.values.length ? top.values[0] : NaN;
  } finally {
    probe.destroy();
  }
  if (session.run !== run) return NaN;
  return session.s0;
}

// One picture of the run at its current step: the model part always, the points when asked
// (once per run is enough), the network sketch when asked.
function view({ withData = false, network = true, grid } = {}) {
  const { run, picture } = needRun();
  const out = { runId: session.runId, t: run.t, kind: picture.kind, classification: picture.classification };
  if (picture.kind !== 'trace') {
    out.model = pictureModel(run, picture.kind, picture.data, { ...(grid ? { grid } : {}), filters: picture.filters });
    if (withData) out.data = picture.data;
  }
  if (network) out.network = networkSketch(run, { mf: picture.kind === 'matrix' || (picture.kind === 'trace' && !run.dimIn) });
  return out;
}

// ---- spectra ---------------------------------------------------------------------------------

// One spectrum of the Hessian at the current parameters. It is answered between two chunks like
// any request: the run is not advanced, and the engine leaves its state untouched.
function spectrum({ mode = 'auto', probes, steps }) {
  const { run } = needRun();
  if (!SPECTRUM_REQUEST_MODES.includes(mode)) throw new ProtocolError(`spectrum: mode must be one of ${SPECTRUM_REQUEST_MODES.join(', ')}`);
  const count = (v, name) => {
    if (v === undefined || v === null) return 0;
    if (!Number.isInteger(v) || v < 1 || v > 1000) throw new ProtocolError(`spectrum: ${name} must be an integer in [1, 1000]`);
    return v;
  };
  const k = count(probes, 'probes'), m = count(steps, 'steps');
  const which = mode === 'auto' ? (run.nparams <= ibp().enums.spectrum.IBP_SPECTRUM_EXACT_MAX ? 'exact' : 'density') : mode;
  const t0 = performance.now();
  const spec = run.spectrum(which, { kOrProbes: which === 'exact' ? 0 : k, steps: which === 'density' ? m : 0 });
  return { ...spec, requested: mode, runId: session.runId, lr: run.lr, ms: performance.now() - t0 };
}

// ---- fault injection (tests only) ------------------------------------------------------------

async function fault({ what }) {
  if (what !== 'trap' && what !== 'crash' && what !== 'poison') throw new ProtocolError('fault: what must be trap, crash or poison');
  let on = false;
  try {
    const resp = await fetch(TEST_HOOKS_URL, { cache: 'no-store' });
    on = resp.ok && (await resp.json()).fault === true;
  } catch { on = false; }
  if (!on) throw new ProtocolError(`fault=${what} is a test hook: it works only on the test server (scripts/serve.mjs --test-hooks), not from a link`);
  if (what === 'trap') {
    // A genuine trap inside the engine: step a "run" at an address outside the heap.
    ibp().ex.ibp_run_step(0x7ffffff0, 1n, 0, 0);
    return false;
  }
  if (what === 'poison') {
    // What a failure path that forgets the stack pointer would do: move it, and return (the
    // module puts it back at its next call).
    (ibp().raw || ibp().ex).stackAlloc(64 * 1024);
    return true;
  }
  setTimeout(() => { throw new Error('injected worker crash'); }, 0);
  return true;
}

