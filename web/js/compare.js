// compare.js -- the runs a preset compares (view.compare: Cohen et al.'s four learning rates, Cai
// et al.'s three stepsizes, Ziyin et al.'s three starts), run beside the main one and overlaid on
// its charts, each in its own colour. They run on one sweep worker of their own (sweep-pool.js),
// one after the other, so they never take more than one core from the main run; a new preset, or
// a run that is no preset, stops them.
import { SweepPool } from './sweep-pool.js';
import { RunData } from './series.js';
import { withPairs } from './kv.js';

export class CompareRuns {
  // onChange(): the overlays changed (new rows, a run done)
  constructor({ onChange }) {
    this.onChange = onChange;
    this.pool = null;
    this.group = 0;
    this.list = [];   // [{ label, store, live }]
    this.key = '';
  }

  // Compare the runs of `compare` ({ runs: [{ label, set }] }) against the base config; the same
  // request twice keeps the runs going.
  start(compare, base) {
    const key = `${base}|${JSON.stringify(compare)}`;
    if (key === this.key) return;
    this.stop();
    this.key = key;
    if (!compare || !compare.runs || !compare.runs.length) return;
    if (!this.pool) this.pool = new SweepPool({ size: 1 });
    const group = `compare/${++this.group}`;
    this.list = compare.runs.map((r) => ({ label: r.label, store: null, live: true }));
    compare.runs.forEach((r, i) => {
      const item = this.list[i];
      this.pool.submit('run', { config: withPairs(base, r.set, { alike: [['lr', 'lr_rel']] }), columns: null }, {
        group,
        onRows: (m) => {
          if (!item.store) item.store = new RunData(m.columns);
          item.store.append(m.columns, m.data, m.nrows);
          this.changed();
        },
      }).then(() => { item.live = false; this.changed(); }, () => { item.live = false; });
    });
    this.groupName = group;
    this.changed();
  }

  stop() {
    if (this.pool && this.groupName) this.pool.cancel(this.groupName);
    this.groupName = null;
    this.key = '';
    if (this.list.length) { this.list = []; this.changed(); }
  }

  // Rows arrive in bursts: tell the page at most every 100 ms.
  changed() {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = 0; this.onChange(); }, 100);
  }

  overlays() { return this.list.filter((o) => o.store); }
}
