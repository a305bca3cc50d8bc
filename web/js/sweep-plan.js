// sweep-plan.js -- a sweep as the page runs it, planned by the engine (engine.js Sweep over
// ibp_sweep_plan: the ONE grid grammar, that of `ibp sweep --vary`): its keys, their values, and,
// for a sweep small enough to run here, the canonical config of every cell, each checked as a
// whole (a cell can be wrong only in combination, e.g. a key that does not apply to the model
// another key chose). The page never reads a grid itself. Used by the sweep worker and the node
// tests; no DOM, no worker API.
import { Sweep, EngineError } from './engine.js';

export class SweepError extends Error {}

// ibp: the module (wasm-loader.js); vary: ['KEY=GRID', ...]; maxCells: list the cells only up to
// this many. -> { keys, specs, values: [[string]], cells, canonical (the base without the varied
// keys), first (cell 0's config), configs: [string], index: [[i0, i1]] (each cell's value index
// of each key; configs and index are [] above maxCells) }. Throws SweepError with the engine's
// sentence for a bad base, grid or cell.
export function planSweep(ibp, base, vary, { maxCells = Infinity } = {}) {
  let s;
  try {
    s = Sweep.plan(ibp, String(base ?? ''), Array.isArray(vary) ? vary : [vary]);
  } catch (e) {
    if (e instanceof EngineError) throw new SweepError(e.message);
    throw e;
  }
  try {
    const keys = s.keys.map((k) => k.key);
    const configs = [], index = [];
    if (s.ncells <= maxCells) {
      for (let c = 0; c < s.ncells; c++) {
        const problem = s.cellProblem(c);
        if (problem) throw new SweepError(`cell ${c} (${s.cellValues(c).map((x, k) => `${keys[k]}=${x}`).join(', ')}): ${problem}`);
        configs.push(s.cellConfig(c));
        index.push(s.cellIndex(c));
      }
    }
    return {
      keys, specs: s.keys.map((k) => k.spec), values: s.keys.map((k) => k.values), cells: s.ncells,
      canonical: s.base, first: s.cellConfig(0), configs, index,
    };
  } finally {
    s.destroy();
  }
}
