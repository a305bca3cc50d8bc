// early-start.js -- the worker's side of a link's early run (early-run.js reads the link): the run
// created before the page asked for it, and the page's 'create' of the same config that takes it
// over. worker.js plays it (its stepping, its session); this holds which run it is and the rules.
import { EngineError } from './engine.js';
import { ConfigError } from './engine-worker.js';
import { CHUNK_MS } from './protocol.js';

// The largest run (its one allocation) that starts before the page is built: the default runs take
// about 1 MiB; a net of hundreds of MiB needs seconds of setup the page must show (newcomer.spec).
const MAX_BYTES = 16 * 1024 * 1024;

// An early run rests this long after each chunk of steps until the page takes it over: a third of
// a core, while the page evaluates its modules, draws the run's first point and builds itself on
// the same two cores (a warm visit's first chart point, median of 15: 395 ms playing at full speed,
// 363 resting 20 ms, 332 resting 40; bench/README.md "Load").
export const EARLY_REST_MS = 2 * CHUNK_MS;

export class EarlyStart {
  // validate(config) -> { problems, canonical, full }; setupBytes(full) -> the run's allocation;
  // create({ config }) -> RunInfo (the worker's own create, which makes it the current run)
  constructor({ validate, setupBytes, create }) {
    this.fns = { validate, setupBytes, create };
    this.early = null; // { canonical, info } of the run started early, until the page takes it
  }

  // A run started early waits for the page.
  get pending() { return this.early !== null; }

  // Create the run of the link's config. A refused config is left to the page's own request (which
  // says why); a big run's setup (S0 by Lanczos for lr_rel, the data) can take seconds, and goes
  // the usual way, where the page says what is computed and can cancel it (rpc.js's progress
  // message). -> its RunInfo, or null.
  start(config) {
    if (config == null) return null;
    const v = this.fns.validate(config);
    if (v.problems.length || !(this.fns.setupBytes(v.full) <= MAX_BYTES)) return null;
    let info;
    try {
      info = this.fns.create({ config });
    } catch (e) {
      if (e instanceof ConfigError || e instanceof EngineError) return null;
      throw e;
    }
    this.early = { canonical: info.canonical, info };
    return info;
  }

  // The page's 'create' (its args): the run started early, when it asks for the same canonical
  // config without files, is the page's now, playing or not. -> its RunInfo, or null (create a new
  // run). A run that stopped already (it diverged or converged while the page built itself; one
  // that reaches its step limit waits one step short of it, worker.js) is taken over as it is:
  // made again, it ran twice before the person's eyes. The page says why it stopped
  // (transport.js: the early run's RunInfo with a stopped status), since its create cleared what
  // it had said. Any create ends the wait.
  takeOver({ config = '', dataCsv = null, initJson = null }) {
    const e = this.early;
    this.early = null;
    if (!e || dataCsv != null || initJson != null) return null;
    const v = this.fns.validate(config);
    return !v.problems.length && v.canonical === e.canonical ? e.info : null;
  }

  // The run is gone (destroyed, replaced): nothing waits any more.
  clear() { this.early = null; }
}
