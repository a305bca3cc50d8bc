// row-table.js -- the worker's copy of a run's whole metrics table, kept as the engine's numbers
// (row-major float64, the rows of ibp_run_rows) in fixed blocks, up to a byte cap. The export
// formats it with the engine's own CSV writer (ibp_run_csv_of_rows) only when it is asked for:
// formatting every row as it streams cost a third of a step of the default EoS run. Pure: no DOM,
// no worker API (node tests drive it).

const BLOCK_ROWS = 4096; // a block of 17 columns is 544 KiB; formatting goes block by block

export class RowTable {
  // ncols: the run's columns; maxBytes: beyond it no row is kept (the export says where it stopped)
  constructor(ncols, maxBytes) {
    this.ncols = ncols;
    this.maxRows = Math.max(1, Math.floor(maxBytes / (8 * ncols)));
    this.blocks = [];   // Float64Array(BLOCK_ROWS * ncols) each; the last one is partly filled
    this.n = 0;         // rows kept
    this.full = false;  // a row did not fit: the table stops at lastStep
  }

  get bytes() { return this.blocks.length * BLOCK_ROWS * this.ncols * 8; }

  // rows: Float64Array (nrows, ncols), copied. -> false once the table is full.
  append(rows) {
    const nc = this.ncols;
    let nrows = rows.length / nc;
    if (this.n + nrows > this.maxRows) { nrows = this.maxRows - this.n; this.full = true; }
    let i = 0;
    while (i < nrows) {
      const at = this.n % BLOCK_ROWS;
      if (at === 0) this.blocks.push(new Float64Array(BLOCK_ROWS * nc));
      const take = Math.min(nrows - i, BLOCK_ROWS - at);
      this.blocks[this.blocks.length - 1].set(rows.subarray(i * nc, (i + take) * nc), at * nc);
      i += take;
      this.n += take;
    }
    return !this.full;
  }

  // The value of column j in the last row kept (NaN when there is none).
  last(j) {
    if (this.n === 0) return NaN;
    const at = (this.n - 1) % BLOCK_ROWS;
    return this.blocks[this.blocks.length - 1][at * this.ncols + j];
  }

  // Fill in columns of the row whose column stepCol holds `step`, searched from row `from` on
  // (rows arrive in step order): cols[j] >= 0 takes src[off + j] (cols[j] < 0 is skipped).
  // -> the row found (the next search starts there), or `from` when no row has that step.
  fillRow(from, stepCol, step, cols, src, off) {
    const nc = this.ncols;
    for (let r = Math.max(0, from); r < this.n; r++) {
      const b = this.blocks[Math.floor(r / BLOCK_ROWS)], at = (r % BLOCK_ROWS) * nc;
      const s = b[at + stepCol];
      if (s > step) return from;
      if (s !== step) continue;
      for (let j = 0; j < cols.length; j++) if (cols[j] >= 0) b[at + cols[j]] = src[off + j];
      return r;
    }
    return from;
  }

  // fn(rows, nrows) for every block in order (rows: a view, valid during the call).
  forEachBlock(fn) {
    for (let b = 0; b < this.blocks.length; b++) {
      const nrows = Math.min(BLOCK_ROWS, this.n - b * BLOCK_ROWS);
      if (nrows > 0) fn(this.blocks[b].subarray(0, nrows * this.ncols), nrows);
    }
  }
}
