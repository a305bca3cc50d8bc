// export-log.js -- what the page keeps of a run for its CSV export: every metrics row (a RowTable
// of at most maxBytes; the flows fill their columns in as they catch up, flow-follower.js), and
// the notes of things done by hand that the config cannot say (the CSV states them, and the CLI
// command no longer reproduces the run). The CSV is the CLI's bytes: the engine writes the header
// (version, canonical config with the changes of eta, seed, conventions) and every row.
import { RowTable } from './row-table.js';

const MAX_NOTES = 100;

export class ExportLog {
  // run: engine.js Run; maxBytes: the rows kept (the table says when it is full)
  constructor(run, maxBytes) {
    this.maxBytes = maxBytes;
    this.table = new RowTable(run.ncols, maxBytes);
    this.stepCol = run.columns.indexOf('step');
    this.notes = [];
  }

  note(text) { if (this.notes.length < MAX_NOTES) this.notes.push(text); }

  // The CSV of the kept rows, with the page's notes after the engine's header; t: the run's step
  // now (a full table says where it stops). -> { csv, lastStep, truncated, notes }
  csv(run, t) {
    const lastStep = this.table.last(this.stepCol);
    const notes = this.notes.map((n) => `# page: ${n}\n`);
    if (this.table.full) notes.push(`# page: the page keeps ${this.maxBytes >> 20} MiB of rows for export; this table stops at step ${lastStep} of ${t}\n`);
    const parts = [run.csvHeader(), ...notes];
    let first = true;
    this.table.forEachBlock((rows, nrows) => { parts.push(run.csvOfRows(rows, nrows, first)); first = false; });
    return { csv: parts.join(''), lastStep, truncated: this.table.full, notes: this.notes.slice() };
  }
}
