// sweep-protocol.js -- the messages between the sweep pool (sweep-pool.js, on the page) and each
// of its workers (sweep-worker.js). Imported by both sides. A sweep worker runs ONE job at a time
// to completion (a cell, a streamed run); the pool cancels a job by terminating its worker, so a
// worker never has to poll for cancellation and a cancel is immediate even inside a long cell.
//
// REQUESTS (pool -> worker), answered exactly once each:
//   { id, type, args }  ->  { id, type: 'result', result }  |  { id, type: 'error', error }
//   error = { message, kind }   kind: 'config' (the grid or a cell's config is refused: message is
//   the engine's sentence, naming the cell), 'engine', 'trap' (the module trapped; it is reloaded),
//   'protocol'
//
//   type      args                          result
//   plan      { base, vary: ['key=grid'] }  { keys, specs, values: [[string]], cells, canonical,
//                                              first, configs: [string], index: [[i0, i1]] }
//             The engine plans it (ibp_sweep_plan, the grammar of `ibp sweep --vary`): every value
//             of every key is checked (an unknown key or a bad value gets the engine's message
//             even for a grid too big to run); canonical is the base without the varied keys,
//             first the config of cell 0. For a grid the page may run (cells <= PAGE_MAX_CELLS)
//             every cell is checked as a whole, and configs / index list each cell's canonical
//             config and the index of its value of each key; else both are [].
//   estimate  { config }                    { msCreate, msPerStep, stepsTotal, nparams, probed }
//             (a few steps of the run, timed: at most 50 steps or about 200 ms)
//   cell      { config }                    { regime, summary: {field: number|null}, message,
//                                              canonical, full, ms }
//             (the run to its end; the summary is ibp_run_summary_json; a config the engine
//             refuses at creation gives regime 'error' and the engine's message)
//   run       { config, columns?, everyMs? } { columns, state, stateName, message, t, lr0, s0,
//                                              nparams, summary, regime, full, ms }
//             (the run to its end, streaming its metric rows on the way, see below; columns
//             limits the streamed columns to these plus step and lr)
//
// UNSOLICITED (worker -> pool):
//   { type: 'ready', version, enums, keys }    once the module is loaded: the module's enums
//                                              (events, regimes, summary fields: names.js) and
//                                              the config keys (schema)
//   { type: 'fatal', message }                                  the module could not be loaded
//   { type: 'rows', id, columns, nrows, data }                  rows of the run job `id`:
//        data = Float64Array (nrows, columns.length), row-major, transferred; NaN = not measured

export const SWEEP_PROTOCOL_VERSION = 1;
export const SWEEP_REQUESTS = Object.freeze(['plan', 'estimate', 'cell', 'run']);

// The page runs sweeps of at most this many cells (the CLI runs IBP_SWEEP_MAX_JOB_CELLS a job).
export const PAGE_MAX_CELLS = 2000;

// Streamed rows of a run job are posted at most this often.
export const ROWS_EVERY_MS = 150;

export function isSweepRequest(msg) {
  return msg !== null && typeof msg === 'object' && Number.isSafeInteger(msg.id) && msg.id > 0 &&
    SWEEP_REQUESTS.includes(msg.type);
}
