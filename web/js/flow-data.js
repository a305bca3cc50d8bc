// flow-data.js -- the page's copy of the flows run beside GD (issue 15: gradient flow, the central
// flow, and whatever flows the engine adds): their rows as they stream in, each flow's path in
// the plane of a two-parameter model, where they are against GD, and which of their columns each
// chart draws. Everything comes from the engine's names (RunInfo.flows: the column prefixes and
// labels, ibp_run_flow_prefix / ibp_run_flow_label): no list of flows lives here, so a flow the
// engine adds appears by itself. Pure: no DOM, no Chart.js; node tests import it.
import { RunData } from './series.js';
import { withoutKeys } from './kv.js';

// What a chart draws of each flow: its columns <prefix>_<name>, in this order (a flow that lacks
// a column draws nothing for it). The predicted average loss is the central flow's L + ½⟨Σ, H⟩.
export const FLOW_SERIES = Object.freeze({
  loss: Object.freeze([
    { name: 'loss', what: 'loss' },
    { name: 'pred_loss', what: 'predicted average loss', dash: [5, 3] },
  ]),
  sharpness: Object.freeze([{ name: 'sharpness', what: 'sharpness' }]),
  flows: Object.freeze([{ name: 'rel_dist', what: 'distance from GD' }]),
});

export class FlowData {
  // info: RunInfo.flows ({ columns, flows: [{ prefix, label }], start }); nparams: the model's P
  constructor(runId, info, nparams = 0) {
    this.runId = runId;
    this.flows = info.flows.map((f) => ({ ...f }));
    this.start = info.start || 'init';
    this.store = new RunData(info.columns);
    this.P = nparams;
    // two-parameter models: each flow's path, (t, x, y) triples
    this.paths = this.flows.map(() => []);
    this.at = -1;
    this.lag = 0;
    this.t = 0;
    this.message = '';
    this.gdDone = false;
    this.version = 0;
  }

  // A 'flows' message (protocol.js) or a Status.flows: the rows, the paths and where they are.
  update(m) {
    if (!m) return;
    if (m.data && m.nrows > 0) {
      this.store.append(m.columns, m.data, m.nrows);
      const nf = this.flows.length, P = this.P;
      if (m.thetas && P === 2) {
        const stepCol = m.columns.indexOf('step');
        for (let i = 0; i < m.nrows; i++) {
          const step = m.data[i * m.columns.length + stepCol];
          for (let f = 0; f < nf; f++) {
            const x = m.thetas[(i * nf + f) * 2], y = m.thetas[(i * nf + f) * 2 + 1];
            if (Number.isFinite(x) && Number.isFinite(y)) this.paths[f].push(step, x, y);
          }
        }
      }
    }
    if (Number.isFinite(m.at)) this.at = m.at;
    if (Number.isFinite(m.lag)) this.lag = m.lag;
    if (Number.isFinite(m.t)) this.t = m.t;
    if (typeof m.message === 'string' && m.message) this.message = m.message;
    if (typeof m.gdDone === 'boolean') this.gdDone = m.gdDone;
    this.version++;
  }

  // The series a chart draws of the flows: [{ flow (its index), col, label, dash }] for the
  // columns the flows have.
  seriesFor(chartId) {
    const want = FLOW_SERIES[chartId];
    if (!want) return [];
    const out = [];
    this.flows.forEach((f, i) => {
      for (const w of want) {
        const col = `${f.prefix}_${w.name}`;
        if (this.store.has(col)) out.push({ flow: i, col, label: `${f.label}: ${w.what}`, dash: w.dash || [] });
      }
    });
    return out;
  }

  // Where the flows are, in words: "central flow at step 840 of 2310 (GD)"; before a flow started
  // from GD's onset, that it waits for it; a stopped flow's sentence from the engine.
  progressText(gdStep = this.t) {
    const labels = this.flows.map((f) => f.label);
    const names = labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}` : labels.join('');
    if (this.at < 0) {
      if (this.message) return this.message;
      if (this.start !== 'onset') return `${names}: starting`;
      return this.gdDone ? `${names}: not started: GD stopped at step ${gdStep} before an edge-of-stability onset, where they would start`
        : `${names}: waiting for GD's edge-of-stability onset, where they start`;
    }
    const what = this.lag > 0 ? `at step ${this.at} of ${gdStep} (GD runs ahead; they follow)` : `at step ${this.at}, with GD`;
    return `${names} ${what}`;
  }
}

// The colour of flow i: a palette of its own, after the run's colours (theme.flows), cycling.
export function flowColor(theme, i) {
  const list = theme.flows && theme.flows.length ? theme.flows : theme.series;
  return list[i % list.length];
}

// The flows' config keys: the engine's schema group "flows" (flow, flow_start, flow_tol, ...).
// They only observe: GD's trajectory is the same bits with or without them, so a run with flows
// is still its preset, and the runs a preset compares do not run them.
export function flowKeys(schema) {
  return (schema || []).filter((k) => k.group === 'flows').map((k) => k.key);
}
export function withoutFlows(config, schema) {
  return config == null ? config : withoutKeys(config, flowKeys(schema));
}
