// protocol.js -- the messages between the page (worker-client.js) and the Web Worker (worker.js),
// carried by rpc.js. Imported by both sides, so names cannot drift. The worker owns all computation: the page never
// parses a config, never steps a model, never computes a metric.
//
// REQUESTS (page -> worker), answered exactly once each:
//   { id, type, args }                      id: a positive integer chosen by the page
//   -> { id, type: 'result', result }       or
//   -> { id, type: 'error', error: { message, code, kind, problems? } }
//        kind: 'config' (bad settings; problems = [{ key, message }]), 'engine' (the engine refused:
//        memory cap, data, numerics), 'trap' (the module trapped, or an exception came out of it:
//        the run is lost; the module recovered, or was instantiated afresh), 'aborted', 'protocol' (unknown
//        request or bad arguments); the page's side adds 'crash' and 'timeout' (rpc.js)
//
//   type        args                                result
//   validate    { config }                          { canonical, full, problems: [{ key, value, allowed,
//               message, suggest }], applies: [keys that mean something for this config] }
//               (every problem is found, not just the first: the worker removes the offending key
//               and parses again, so a link with three bad values shows three messages; canonical
//               and full are then those of what is left, null when nothing parses)
//   create      { config, dataCsv?, initJson? }     RunInfo (below); the previous run is destroyed.
//               Before the engine starts: a progress message { id, type: 'setup', what, bytes }
//               (what it is about to compute; the page shows it when setup is slow, with Cancel)
//   prestart    { config } | { link: { hash, search, pathname } }   true when the run of the page's
//               link (its config, or the page's address, read by early-run.js) was created and
//               is playing at full speed before the page asked (early-run.js); a 'create' of the same
//               canonical config, without files, then answers this run's RunInfo (the run goes on,
//               or stays as it stopped: the page then says why from its status)
//   reset       {}                                  RunInfo: the same config, created again (same init)
//   play        {}                                  Status (pauses at the limit, if one is set
//               and the run is below it when play starts)
//   limit       { step }                            Status (the step at which playing pauses; 0 = none)
//   pause       {}                                  Status
//   step        { n }                               Status (n steps now, even while paused)
//   setLr       { eta }                             Status + { canonical, full, from }: the base learning
//               rate is eta from step `from` = t + 1 on (the row of step t already announced the rate of
//               the step out of it); the engine records it in the run's config as lr_at=from,eta, so
//               canonical (the link) and the CSV header reproduce the run
//   s0          {}                                  { runId, s0 }: the sharpness at initialization
//               (the run's own, or computed once on a fresh run of the same config)
//   view        { withData?, network?, grid? }      the data and model view at the current step
//               (picture.js): { runId, t, kind, classification, model, data? (when asked), network? }
//   speed       { stepsPerSecond }                  Status (Infinity = as fast as possible)
//   extend      { more }                            Status + { canonical, full } (raise the step limit of a finished run;
//                                                   the config records it: steps=N)
//   lossGrid    { x0, x1, y0, y1, nx, ny }          { data: Float64Array(ny*nx) } training loss on a
//               grid of the two parameters (two-parameter runs only), row j = y0 + j (y1-y0)/(ny-1)
//   spectrum    { mode, probes?, steps? }           the Hessian spectrum at the run's current
//               parameters, computed between two chunks; the run is neither changed nor advanced.
//               mode: 'auto' (exact when nparams <= enums.spectrum.IBP_SPECTRUM_EXACT_MAX, else
//               density), 'exact' (every eigenvalue), 'density' (SLQ: probes x steps Lanczos,
//               Gaussian broadening), 'top' (top-k with residuals); probes, steps: integers in
//               [1, 1000] (density; top: probes = k), omitted = the engine's defaults (10, 80).
//               -> the engine's JSON (src/spectrum.c: { mode, step, P, matvecs, eigenvalues |
//               grid, density, nodes, weights, probes, steps, sigma | values, residuals, ...,
//               trace }) plus { requested, runId, lr, ms }. Refusals (P too large for exact, the
//               memory cap mem_cap, a non-finite Hessian) are errors of kind 'engine'
//   info        {}                                  { text, conventions, paramsJson }
//   exportCsv   {}                                  { csv, lastStep, t, stepsTotal, state, stateName,
//               running, notes, truncated, canonical, full, version, conventions, columns, events,
//               summary }: csv = the CLI's header and rows (ibp run CONFIG --out metrics.csv), plus
//               "# page: ..." lines for what was done by hand (eta set, run continued); events = the
//               engine's events text, summary = ibp_run_summary_json
//   paramsJson  {}                                  { text, t }: ibp_run_params_json (the CLI's --save)
//   dataCsv     { test }                            { text }: the training (or test) set, as `ibp data`
//   abort       { id }                              true (a queued request with that id is dropped)
//   fault       { what: 'trap' | 'crash' | 'poison' }  fault injection for the tests, refused (kind
//               'protocol') unless the server says so (scripts/serve.mjs --test-hooks serves
//               test-hooks.json): a real wasm trap (an out-of-bounds access inside the engine), an
//               uncaught worker error, or a module stack pointer left moved (as a failure path that
//               forgets to restore it would; the module puts it back at its next call)
//
// UNSOLICITED (worker -> page):
//   { type: 'ready', version, schema, enums }              once the module is loaded
//   { type: 'fatal', message }                             the module could not be loaded at all
//   { type: 'metrics', runId, columns, nrows, data }       data: Float64Array (nrows, ncols)
//                                                          row-major, transferred; NaN = not measured
//   { type: 'trace', runId, data }                         two-parameter runs: Float64Array of
//                                                          (t, x, y) triples, every step
//   { type: 'flows', runId, columns, nrows, data, thetas, at, lag, t, message }
//                                                          runs with flows (config flow=...): the
//                                                          flow rows as they arrive (GD runs ahead,
//                                                          the flows follow: engine-flows.js);
//                                                          data: Float64Array (nrows, columns) with
//                                                          columns = step + the flow columns; thetas:
//                                                          (nrows, flows, P) for P <= 2, else null;
//                                                          at/lag/t/message: as Status.flows
//   { type: 'status', runId, ...Status }                   after every chunk and state change
//   { type: 'early', runId, canonical }                    the link's run started early (prestart):
//                                                          its canonical config, for the address
//   { type: 'trap', message }                              the module trapped; it recovered (or
//                                                          was instantiated afresh) and the run
//                                                          is gone (reset creates it again)
//
// RunInfo = { runId, canonical, full, columns, nparams, lr, lr0, s0, stepsTotal, twoParam, picture, flows }
//   flows = null, or { columns (step + the flow columns), flows: [{ prefix, label }] (the engine's
//   names, in column order), start: 'init' | 'onset' }
//   picture = { kind: 'plane' | 'curve' | 'scatter' | 'matrix' | 'trace', classification, dimIn, dimOut }
//   twoParam = null, or { product, pstar, kappa, x0, y0 } for runs with exactly two parameters:
//   product: the model is x*y (uv / scalar chain), whose minimizers are the hyperbola xy = pstar and
//   whose sharpness at a minimizer is kappa (x^2 + y^2) (so eta kappa (x^2 + y^2) <= 2 is stable)
// Status = { runId, t, stepsTotal, state, stateName, running, playing, message, lr, lrFrom, speed, nparams, limit,
//            wasmBytes (the module's linear memory), flows }
//   flows: null, or { at: the step the flows are at (-1 before they start), lag: GD rows they still
//   owe, t: GD's step, message: why a flow stopped ('' while they run) }
//   state: the engine's run state (enums.state from 'ready'), or -1 when there is no run yet
//   lr: the learning rate in force from step lrFrom on (a rate just set by hand holds from t + 1)

export const PROTOCOL_VERSION = 1;

export const REQUESTS = Object.freeze([
  'validate', 'create', 'reset', 'play', 'pause', 'step', 'setLr', 'speed', 'extend',
  'lossGrid', 'info', 'abort', 'fault', 'limit', 'exportCsv', 'paramsJson', 'dataCsv', 'spectrum',
  's0', 'view', 'prestart',
]);

// What the spectrum request accepts (the worker checks; the page offers these).
export const SPECTRUM_REQUEST_MODES = Object.freeze(['auto', 'exact', 'density', 'top']);

export const EVENTS = Object.freeze(['ready', 'fatal', 'metrics', 'trace', 'flows', 'status', 'trap']);

// Wall-clock budget of one chunk of steps in the worker: long enough to amortize messaging,
// short enough that pause/step/set-lr are answered within a frame or two.
export const CHUNK_MS = 20;

// Speeds offered by the page, in steps per second (Infinity = as fast as the engine goes).
export const SPEEDS = Object.freeze([10, 100, 1000, Infinity]);

export function isRequest(msg) {
  return msg !== null && typeof msg === 'object' && Number.isSafeInteger(msg.id) && msg.id > 0 &&
    REQUESTS.includes(msg.type);
}
