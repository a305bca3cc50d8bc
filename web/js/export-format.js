// export-format.js -- the files the page exports, as text. Pure: no DOM, no worker; node tests
// import it. The numbers are never re-formatted here: the metrics CSV comes from the engine's own
// formatter (ibp_run_rows_csv, the CLI's bytes) and the JSON reuses those exact digit strings, so
// every value in both files is the shortest decimal that reads back to the engine's double.

import { valueOf } from './kv.js';

// Where the README builds the CLI; the command is run from the repository root.
export const CLI_PATH = 'build/native/ibp';

// A word for a POSIX shell: single quotes, with ' written as '\''.
export function shellQuote(s) {
  return `'${String(s).replace(/'/g, "'\\''")}'`;
}

// The `ibp run` command that writes what the page exports: metrics.csv (its Metrics CSV) and
// params.json (its Parameters JSON, the final parameters). Files the run reads are named too.
export function cliCommand(canonical, { dataFile = null, initFile = null } = {}) {
  const parts = [CLI_PATH, 'run', shellQuote(canonical || '')];
  if (dataFile) parts.push('--data', shellQuote(dataFile));
  if (initFile) parts.push('--init', shellQuote(initFile));
  parts.push('--out', 'metrics.csv', '--save', 'params.json');
  return parts.join(' ');
}

// What the command reproduces, in words, for a run in this state.
//   st: { t, stepsTotal, running, stateName }, handEdits: the notes of things done by hand
export function reproNote(st, handEdits = []) {
  if (handEdits.length) {
    return `Not reproducible from the config alone: ${handEdits.join('; ')}. The command runs the configured experiment, ` +
      'which departs from this one there; the page\u2019s CSV states these changes in its header.';
  }
  if (!st) return '';
  if (st.running) {
    return `The run has not finished: the command writes all ${st.stepsTotal} steps, and the page\u2019s Metrics CSV is, ` +
      'byte for byte, the beginning of its metrics.csv. Let the run finish for identical files.';
  }
  return `The run has stopped (${st.stateName}, step ${st.t}): metrics.csv is byte-identical to the page\u2019s Metrics CSV ` +
    'and params.json to its Parameters JSON.';
}

const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

// One CSV field as a JSON value: empty (not measured) and nan (a diverged loss) are null, the
// infinities are the strings "inf" / "-inf" (as the CLI's JSONL writes them), numbers keep
// their digits.
function jsonField(f) {
  if (f === '' || f === 'nan' || f === '-nan') return 'null';
  if (f === 'inf' || f === '-inf') return `"${f}"`;
  if (JSON_NUMBER.test(f)) return f;
  const x = Number(f);
  return Number.isFinite(x) ? JSON.stringify(x) : 'null';
}

// Split the engine's CSV: '#' comment lines, the column header, the rows (fields as text).
export function parseMetricsCsv(csv) {
  const comments = [];
  let columns = null;
  const rows = [];
  for (const line of String(csv).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) { if (!columns) comments.push(line.replace(/^# ?/, '')); continue; }
    const fields = line.split(',');
    if (!columns) columns = fields;
    else rows.push(fields);
  }
  return { comments, columns: columns || [], rows };
}

// The metrics as one JSON document: what produced them (engine version, site build, config in
// canonical and full form, seed, conventions, things done by hand), the engine's events and run
// summary, the columns and the rows (arrays in column order).
//   ex: the worker's exportCsv result; build: the site build stamp (or '')
export function metricsJson(ex, build = '') {
  const { columns, rows } = parseMetricsCsv(ex.csv);
  const seedText = valueOf(ex.full, 'seed');
  const seed = seedText !== null && /^[0-9]+$/.test(seedText) ? Number(seedText) : null;
  let summary = null;
  try { summary = ex.summary ? JSON.parse(ex.summary) : null; } catch { summary = ex.summary; }
  const head = {
    ibp: ex.version, build, config: ex.canonical, config_full: ex.full, seed,
    conventions: ex.conventions, notes: ex.notes || [], truncated: !!ex.truncated,
    state: ex.stateName, steps_done: ex.t,
    events: String(ex.events || '').split('\n').filter(Boolean), summary,
    columns,
  };
  const top = JSON.stringify(head, null, 1).replace(/\n\}$/, '');
  const body = rows.map((r) => `[${r.map(jsonField).join(',')}]`).join(',\n');
  return `${top},\n "rows": [\n${body}\n ]\n}\n`;
}

// A file name for an export: the model and a short tag, e.g. "ibp-mlp-step6000-metrics.csv".
export function exportName(full, t, what) {
  const model = (valueOf(full, 'model') || 'run').replace(/[^a-z0-9_-]/gi, '');
  return `ibp-${model}-step${Number.isFinite(t) ? t : 0}-${what}`;
}
