// sweep-grid.js -- the grids of a sweep, exactly as `ibp sweep` builds them (src/cli_sweep.c), so
// a sweep on the page and on the command line run the same cells with the same value strings.
// Pure: no DOM, no worker API; the sweep worker, the page and the node tests import it.
//
//   GRID: v1,v2,...   an explicit list
//         lin:a:b:n   n values evenly spaced from a to b (the endpoints exactly as written)
//         log:a:b:n   n values evenly spaced in log from a to b (a, b > 0), a * pow(b/a, i/(n-1))
//
// Numbers are formatted by the engine (ibp_format_double: the shortest round-trip form) and the
// log grid uses the engine's own pow (ibp_pow), so the strings are identical to the CLI's: the
// caller passes them in as `num = { pow, fmt }` (the worker binds them to the module).
//
// Cells are numbered with the first key outermost: cell = i0 * n1 + i1.

export const MAX_VALUES = 10000;     // per key, as the CLI
export const MAX_KEYS = 2;
export const PAGE_MAX_CELLS = 2000;  // the page refuses bigger sweeps (the CLI takes 10000 a job)
export const PAGE_MAX_SECONDS = 600; // ... and sweeps estimated to take longer than this

export class GridError extends Error {}

const KEY_RE = /^[a-z][a-z0-9_]{0,62}$/;

// "key=grid" -> { key, grid, spec, values: [string] }. Throws GridError with a sentence that
// names the text and what is allowed.
export function parseVary(text, num) {
  const spec = String(text ?? '').trim();
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new GridError(`"${clip(spec)}": write KEY=GRID, e.g. lr_rel=log:0.5:8:16`);
  const key = spec.slice(0, eq).trim();
  const grid = spec.slice(eq + 1).trim();
  if (!KEY_RE.test(key)) throw new GridError(`"${clip(key)}" is not a setting name (lower-case letters, digits and _)`);
  return { key, grid, spec: `${key}=${grid}`, values: gridValues(key, grid, num) };
}

export function gridValues(key, grid, num) {
  const m = /^(lin|log):(.*)$/.exec(grid);
  if (m) {
    const isLog = m[1] === 'log';
    const parts = m[2].split(':');
    const [a, b, n] = parts.map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (parts.length !== 3 || !Number.isFinite(a) || !Number.isFinite(b) || !Number.isInteger(n) || n < 1 || n > MAX_VALUES) {
      throw new GridError(`${key}=${clip(grid)}: write ${m[1]}:START:STOP:COUNT with numbers START, STOP and 1 <= COUNT <= ${MAX_VALUES}`);
    }
    if (isLog && !(a > 0 && b > 0)) throw new GridError(`${key}=${clip(grid)}: a log grid needs START > 0 and STOP > 0`);
    const out = [];
    for (let i = 0; i < n; i++) {
      const t = n === 1 ? 0 : i / (n - 1);
      let x;
      // the same expressions, in the same order, as cli_sweep.c: identical doubles
      if (isLog) x = i === 0 ? a : i === n - 1 ? b : a * num.pow(b / a, t);
      else x = i === 0 ? a : i === n - 1 ? b : a + ((b - a) * i) / (n - 1);
      out.push(num.fmt(x));
    }
    return out;
  }
  if (grid === '') throw new GridError(`${key}=: give values v1,v2,... or a grid lin:START:STOP:COUNT / log:START:STOP:COUNT`);
  const vals = grid.split(',').map((s) => s.trim());
  if (vals.length > MAX_VALUES) throw new GridError(`${key}: ${vals.length} values, at most ${MAX_VALUES}`);
  const empty = vals.findIndex((v) => v === '');
  if (empty >= 0) throw new GridError(`${key}=${clip(grid)}: value ${empty + 1} is empty`);
  const bad = vals.find((v) => /[&=#\s]/.test(v));
  if (bad !== undefined) throw new GridError(`${key}=${clip(grid)}: the value "${clip(bad)}" may not contain &, =, # or spaces`);
  return vals;
}

// Parse every vary of a sweep; checks the number of keys and that no key is varied twice.
export function parseVaries(list, num) {
  const items = (list || []).map((s) => String(s ?? '').trim()).filter((s) => s !== '');
  if (items.length === 0) throw new GridError('give at least one key to vary, e.g. lr_rel=lin:0.5:4.5:9');
  if (items.length > MAX_KEYS) throw new GridError(`at most ${MAX_KEYS} keys can be varied (got ${items.length})`);
  const vs = items.map((s) => parseVary(s, num));
  if (vs.length === 2 && vs[0].key === vs[1].key) throw new GridError(`${vs[0].key} is varied twice`);
  return vs;
}

export function cellCount(varies) {
  return varies.reduce((n, v) => n * v.values.length, 1);
}

// The value index of each key in a cell (first key outermost).
export function cellIndex(cell, varies) {
  if (varies.length === 2) return [Math.floor(cell / varies[1].values.length), cell % varies[1].values.length];
  return [cell];
}

export function cellValues(cell, varies) {
  return cellIndex(cell, varies).map((i, k) => varies[k].values[i]);
}

// The config of a cell: the base without its items for the varied keys, then key=value for each
// key, as cli_sweep.c writes it (a leading ? or # is dropped; items may be separated by & or
// newlines; empty items vanish).
export function cellConfig(base, varies, cell) {
  let b = String(base ?? '');
  if (b.startsWith('?') || b.startsWith('#')) b = b.slice(1);
  const keys = varies.map((v) => v.key);
  const kept = b.split(/[&\n]/).filter((item) => {
    if (item === '') return false;
    const t = item.replace(/^[ \t]+/, '');
    return !keys.some((k) => t.length > k.length && t.startsWith(k) && (t[k.length] === '=' || t[k.length] === ' '));
  });
  const vals = cellValues(cell, varies);
  return [...kept, ...varies.map((v, k) => `${v.key}=${vals[k]}`)].join('&');
}

// A rough wall time for a sweep from a timed probe of its first cell: create + every step, per
// cell, spread over the workers. An upper bound when runs stop early (divergence).
export function estimateSeconds(probe, cells, workers = 1) {
  const perCellMs = (probe.msCreate || 0) + (probe.msPerStep || 0) * (probe.stepsTotal || 0);
  return (cells * perCellMs) / 1000 / Math.max(1, workers);
}

export function formatDuration(sec) {
  if (!Number.isFinite(sec) || sec < 0) return 'an unknown time';
  if (sec < 10) return `${Number(sec.toPrecision(2))} s`;
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Number((sec / 60).toPrecision(2))} min`;
  if (sec < 48 * 3600) return `${Number((sec / 3600).toPrecision(2))} h`;
  return `${Number((sec / 86400).toPrecision(2))} days`;
}

// Whether the page runs a sweep: null when it does, else the sentence that says why not (with the
// count and the estimated time) and how to run it anyway (a coarser grid, or the CLI).
export function refusal({ cells, seconds, workers, base, varies }) {
  const cli = `ibp sweep '${base}' ${varies.map((v) => `--vary ${v.spec}`).join(' ')} --jobs N`;
  const est = `estimated ${formatDuration(seconds)} with ${workers} worker${workers > 1 ? 's' : ''}`;
  if (cells > PAGE_MAX_CELLS) {
    return `This sweep has ${cells} cells (${est}): the page runs at most ${PAGE_MAX_CELLS}. Use a coarser grid, or run it with the command line: ${cli}`;
  }
  if (seconds > PAGE_MAX_SECONDS) {
    return `This sweep of ${cells} cells would take too long in the browser (${est}; the page runs sweeps of up to ${formatDuration(PAGE_MAX_SECONDS)}). Use fewer cells or steps, or run it with the command line: ${cli}`;
  }
  return null;
}

function clip(s, n = 60) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

// ---- regimes and summary fields ----------------------------------------------------------------

// The regimes of src/summary.c, in the order the legend lists them; `error` is a cell whose run
// could not be created (the engine's message says why).
export const REGIMES = Object.freeze([
  { id: 'lazy', label: 'lazy', help: 'converged without a catapult or the edge of stability' },
  { id: 'catapult', label: 'catapult', help: 'the loss rose, then fell below its start' },
  { id: 'eos', label: 'edge of stability', help: 'ends with η S / 2 near 1 and a non-monotone loss' },
  { id: 'divergent', label: 'divergent', help: 'the run diverged' },
  { id: 'not_converged', label: 'not converged', help: 'none of the above by the last step' },
  { id: 'error', label: 'error', help: 'the run could not be created' },
]);

export function regimeOf(id) {
  return REGIMES.find((r) => r.id === id) || REGIMES[REGIMES.length - 1];
}

// Labels of the summary fields (ibp_summary_fields) for axes, menus and tables.
export const FIELD_LABELS = Object.freeze({
  regime: 'regime',
  steps: 'steps run',
  final_loss: 'final loss L_T',
  loss0: 'initial loss L_0',
  max_loss_ratio: 'max_t L_t / L_0',
  monotone: 'monotone loss (1 = yes)',
  steps_to_converge: 'steps to converge',
  eta: 'learning rate η',
  final_sharpness: 'final sharpness S_T',
  s0: 'initial sharpness S_0',
  eta_s_final: 'η S_T',
  lambda0: 'initial NTK λ0',
  final_lambda: 'final NTK λ_T',
  lambda_ratio: 'λ_T / λ0 (S_T / S_0 without NTK)',
  events: 'events (bitmask)',
  wprod_dist: '‖w_prod − w*‖',
  s_min: 'S_min (Marion–Chizat bound)',
  data_lambda: 'Λ = λ_max(Σ̂)',
  factor_gap: '|‖X‖ − ‖Y‖|',
});

export function fieldLabel(f) {
  return FIELD_LABELS[f] || f;
}

// Counts of each regime among cell results, in legend order: [{ id, label, count }].
export function regimeCounts(results) {
  const n = new Map();
  for (const r of results) if (r) n.set(r.regime, (n.get(r.regime) || 0) + 1);
  return REGIMES.filter((g) => n.has(g.id)).map((g) => ({ ...g, count: n.get(g.id) }));
}
