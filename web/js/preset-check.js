// preset-check.js -- a preset's phenomenon in numbers (presets/presets.json `check`): which
// metric columns it needs and, from a run's metrics, the figures and the verdict the gallery and
// the panels show. Pure: no DOM, tested under node (web/test/panels.test.mjs).
import { findEvents } from './series.js';
import { fmt } from './format.js';

// The metric columns a check needs.
export function checkColumns(check) {
  switch (check && check.kind) {
    case 'event': return ['loss', 'events'];
    case 'edge_final': case 'eos': return ['edge_ratio', 'sharpness'];
    case 'series_falls': case 'series_flat': case 'series_ge': return [check.series];
    case 'trajectory': return ['theta1', 'theta2', 'loss'];
    default: return ['loss'];
  }
}

// The indices i < n where col[i] is finite.
export function finite(col, n) {
  const out = [];
  if (!col) return out;
  for (let i = 0; i < n; i++) if (Number.isFinite(col[i])) out.push(i);
  return out;
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const x = (sorted.length - 1) * q, i = Math.floor(x), f = x - i;
  return i + 1 < sorted.length ? sorted[i] + (sorted[i + 1] - sorted[i]) * f : sorted[i];
}

// The phenomenon of a preset in numbers, from its metrics (a store with col(name) and n); names:
// the engine's names (names.js), for its events:
// -> { verdict: true | false | null (not enough data yet), sentence, rows: [{ label, value }] }.
// The rows are the figures the page shows; the verdict applies the check's own thresholds.
export function evaluateCheck(check, store, names) {
  const n = store.n;
  const step = store.col('step');
  const rows = [];
  const row = (label, value, text) => rows.push({ label, value, text: text ?? fmt(value, 5) });
  switch (check.kind) {
    case 'event': {
      const loss = store.col('loss');
      const idx = finite(loss, n);
      const ev = findEvents(store, names, 2).filter((e) => e.kind === (check.event || 'catapult'));
      const peak = idx.reduce((m, i) => Math.max(m, loss[i]), -Infinity);
      if (idx.length) row('max_t L_t / L_0', peak / loss[idx[0]]);
      if (idx.length) row('final loss', loss[idx[idx.length - 1]]);
      row(`${check.event || 'catapult'} event at step`, ev.length ? ev[0].step : NaN, ev.length ? String(ev[0].step) : 'none yet');
      return { verdict: ev.length ? true : null, rows,
        sentence: ev.length ? `A ${check.event || 'catapult'} at step ${ev[0].step}: the loss rose to ${fmt(peak / loss[idx[0]], 3)} times its start, then fell below it.` : 'No catapult event yet.' };
    }
    case 'edge_final': {
      const er = store.col('edge_ratio');
      const idx = finite(er, n);
      if (!idx.length) return { verdict: null, rows, sentence: 'No sharpness measured yet.' };
      const last = er[idx[idx.length - 1]];
      row('final η S / 2', last);
      row('measured at step', step[idx[idx.length - 1]], String(step[idx[idx.length - 1]]));
      const ok = last >= check.min && last <= check.max;
      return { verdict: ok, rows, sentence: `The run ends with η S / 2 = ${fmt(last, 4)} (the check asks for [${check.min}, ${check.max}]: just below the edge).` };
    }
    case 'series_falls': {
      const s = store.col(check.series);
      const idx = finite(s, n);
      if (idx.length < 2) return { verdict: null, rows, sentence: 'Not enough data yet.' };
      const a = check.abs ? Math.abs(s[idx[0]]) : s[idx[0]], b = check.abs ? Math.abs(s[idx[idx.length - 1]]) : s[idx[idx.length - 1]];
      const name = check.abs ? `|${check.series}|` : check.series;
      row(`first ${name}`, a);
      row(`last ${name}`, b);
      row('fell by a factor', a / b, b === 0 ? 'to exactly 0' : fmt(a / b, 4));
      const ok = b === 0 ? a > 0 : a / b >= check.factor;
      return { verdict: ok, rows, sentence: `${name} went from ${fmt(a, 4)} to ${fmt(b, 4)} (the check asks for a fall by ${check.factor}×).` };
    }
    case 'series_flat': {
      const s = store.col(check.series);
      const idx = finite(s, n);
      if (idx.length < 2) return { verdict: null, rows, sentence: 'Not enough data yet.' };
      const s0 = s[idx[0]];
      let dev = 0;
      for (const i of idx) dev = Math.max(dev, Math.abs(s[i] - s0));
      row(`${check.series} at the start`, s0);
      row(`max_t |${check.series}(t) − ${check.series}(0)|`, dev);
      row('relative drift', dev / Math.abs(s0));
      const ok = dev <= check.rel * Math.abs(s0);
      return { verdict: ok, rows, sentence: `${check.series} moved by ${fmt(dev, 3)} from ${fmt(s0, 4)}: a relative drift of ${fmt(dev / Math.abs(s0), 2)} (the check allows ${check.rel}).` };
    }
    case 'series_ge': {
      const s = store.col(check.series);
      const idx = finite(s, n);
      if (!idx.length) return { verdict: null, rows, sentence: 'Not measured yet.' };
      const last = s[idx[idx.length - 1]];
      row(`final ${check.series}`, last);
      row('measured at step', step[idx[idx.length - 1]], String(step[idx[idx.length - 1]]));
      return { verdict: last >= check.min, rows, sentence: `After training ${check.series} = ${fmt(last, 5)} (the check asks for at least ${check.min}).` };
    }
    case 'trajectory': {
      const x = store.col('theta1'), y = store.col('theta2'), lr = store.col('lr');
      const idx = finite(x, n);
      if (!idx.length) return { verdict: null, rows, sentence: 'No iterate yet.' };
      const i = idx[idx.length - 1];
      const xy = x[i] * y[i], r2 = x[i] * x[i] + y[i] * y[i], edge = (lr[i] * r2) / 2;
      row('final x', x[i]);
      row('final y', y[i]);
      row('x y', xy);
      row('η (x² + y²) / 2', edge);
      row('|x − y|', Math.abs(x[i] - y[i]));
      const target = check.target ?? 1;
      const ok = Math.abs(xy - target) <= 1e-6 * Math.abs(target) && edge <= 1 + 1e-9;
      return { verdict: ok, rows, sentence: `The iterate ends at (${fmt(x[i], 4)}, ${fmt(y[i], 4)}) on the hyperbola xy = ${target}, inside the stable disc η (x² + y²) ≤ 2.` };
    }
    case 'eos': {
      const er = store.col('edge_ratio');
      const idx = finite(er, n);
      const tol = check.tolerance ?? 0.1;
      // onset as in science.md H2: the first measured S >= 0.95 (2/eta)
      const on = idx.find((i) => er[i] >= 1 - tol / 2);
      if (on === undefined) {
        if (idx.length) row('largest η S / 2 so far', idx.reduce((m, i) => Math.max(m, er[i]), -Infinity));
        return { verdict: null, rows, sentence: 'The sharpness has not reached 2/η yet.' };
      }
      const after = idx.filter((i) => i >= on).map((i) => er[i]).sort((a, b) => a - b);
      const med = quantile(after, 0.5);
      row('EoS onset at step', step[on], String(step[on]));
      row('median η S / 2 after onset', med);
      row('5th percentile', quantile(after, 0.05));
      row('95th percentile', quantile(after, 0.95));
      row('measurements after onset', after.length, String(after.length));
      const ok = after.length >= 5 ? Math.abs(med - 1) <= tol : null;
      return { verdict: ok, rows, sentence: `From step ${step[on]} on, the sharpness sits at 2/η: the median of η S / 2 is ${fmt(med, 4)} (the check allows ±${tol}).` };
    }
    default:
      return { verdict: null, rows, sentence: `Unknown check "${String(check.kind)}".` };
  }
}
