// spectrum-data.js -- the numbers behind the full-spectrum view, pure (no DOM) so the unit tests
// import them: the axis range (the eigenvalues, 0 and 2/eta), nice ticks, the histogram of an
// exact spectrum with log-scaled counts (hundreds of eigenvalues near 0 and one outlier both
// stay visible), the SLQ density on a log scale, its mass, and the summary the page shows as text
// and as data- attributes. A spectrum is the worker's answer to a 'spectrum' request (protocol.js).
import { fmt } from './format.js';

// Round numbers 1, 2, 5 x 10^k about `count` to an interval.
export function niceStep(span, count = 5) {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

// Tick values in [lo, hi] at a nice step (0 exactly, never -0 or 1e-17).
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const step = niceStep(hi - lo, count);
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const v = Number((k * step).toPrecision(12));
    out.push(v === 0 ? 0 : v);
  }
  return out;
}

// The x range of a plot of values in [lo, hi]: it holds 0, and 2/eta unless the threshold is so
// far out that the spectrum would shrink to under a third of the width (then edgeInside is false
// and the view names it at the right edge; a spectrum of zeros always gets it). A little padding
// on both sides.
export function xRange(lo, hi, twoOverEta) {
  let a = Math.min(lo, 0), b = Math.max(hi, 0);
  if (!Number.isFinite(a) || !Number.isFinite(b)) { a = -1; b = 1; }
  const edge = Number.isFinite(twoOverEta) && twoOverEta > 0;
  const edgeInside = edge && (b === a || twoOverEta - a <= 3 * (b - a));
  if (edgeInside) b = Math.max(b, twoOverEta);
  const span = b - a || Math.abs(a) || 1;
  return { lo: a - 0.04 * span, hi: b + 0.04 * span, edgeInside };
}

// How many histogram bins on a plot w pixels wide: narrow ones (4 pixels, 20 to 200 of them), so
// the histogram reads as a stem plot: an isolated eigenvalue is a thin bar where it is, not a
// wide block, and a cluster is one tall bar (the counts are on a log scale).
export function binsFor(w) {
  return Math.max(20, Math.min(200, Math.floor(w / 4)));
}

// Counts of values in `bins` equal bins over [lo, hi] (hi itself goes to the last bin; values
// outside are clamped to the first or last bin, non-finite ones skipped).
// -> { lo, hi, width, counts: number[] }
export function histogram(values, lo, hi, bins) {
  const n = Math.max(1, Math.floor(bins));
  const width = (hi - lo) / n;
  const counts = new Array(n).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    let i = width > 0 ? Math.floor((v - lo) / width) : 0;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    counts[i]++;
  }
  return { lo, hi, width, counts };
}

// A count's bar height as a fraction of the tallest: log(1 + c) / log(1 + max), so one eigenvalue
// is still a visible bar next to a thousand.
export function logCountHeight(count, max) {
  return max > 0 && count > 0 ? Math.log1p(count) / Math.log1p(max) : 0;
}

// Count ticks on that scale: 1, 10, 100, ... up to max (and max itself when it is not one).
export function countTicks(max) {
  const out = [];
  for (let v = 1; v <= max; v *= 10) out.push(v);
  if (max >= 1 && out[out.length - 1] !== max) out.push(max);
  return out;
}

// Trapezoidal integral of y over the grid x.
export function trapezoid(x, y) {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

// The density on a log10 scale, floored `decades` below its peak (the Gaussian tails between
// isolated eigenvalues would otherwise run to 1e-300). -> { values: log10 per grid point, lo, hi }
export function logDensity(density, decades = 7) {
  let max = 0;
  for (const d of density) if (Number.isFinite(d) && d > max) max = d;
  if (!(max > 0)) return { values: density.map(() => 0), lo: -1, hi: 0 };
  const hi = Math.log10(max), lo = hi - decades;
  return { values: density.map((d) => (Number.isFinite(d) && d > 0 ? Math.max(lo, Math.log10(d)) : lo)), lo, hi };
}

// Why a spectrum cannot be shown, or '': an eigenvalue (or Ritz value) that is not finite (null in
// the engine's JSON) would be dropped by the summary, and the rest read as the answer.
export function notFinite(spec) {
  const list = spec.mode === 'exact' ? spec.eigenvalues : spec.mode === 'density' ? spec.nodes : spec.values;
  if (!Array.isArray(list)) return '';
  const bad = list.filter((v) => !Number.isFinite(v)).length;
  return bad ? `${bad} of the ${list.length} ${spec.mode === 'density' ? 'Ritz values' : 'eigenvalues'} at step ${spec.step} are not finite` : '';
}

// The summary of a spectrum, everything the text and the data- attributes say.
// exact:   { method, step, P, count, largest, smallest, negative, trace, twoOverEta, matvecs, ms }
// density: { method, step, P, probes, steps, sigma, largest, smallest (the extreme Ritz values,
//           which Lanczos finds first), support [lo, hi] (the Ritz values +- 3 sigma), mass (the
//           integral of the density over its grid), trace, twoOverEta, matvecs, ms }
export function summarize(spec) {
  const base = { method: spec.mode, step: spec.step, P: spec.P, trace: spec.trace, twoOverEta: spec.lr > 0 ? 2 / spec.lr : NaN, matvecs: spec.matvecs, ms: spec.ms };
  if (spec.mode === 'exact') {
    const ev = spec.eigenvalues.filter(Number.isFinite);
    return {
      ...base, count: ev.length, largest: Math.max(...ev), smallest: Math.min(...ev),
      negative: ev.filter((v) => v < 0).length,
    };
  }
  if (spec.mode === 'density') {
    const nodes = spec.nodes.filter(Number.isFinite);
    const largest = Math.max(...nodes), smallest = Math.min(...nodes);
    return {
      ...base, probes: spec.probes, steps: spec.steps, sigma: spec.sigma, largest, smallest,
      support: [smallest - 3 * spec.sigma, largest + 3 * spec.sigma], mass: trapezoid(spec.grid, spec.density),
    };
  }
  const vals = (spec.values || []).filter(Number.isFinite);
  return { ...base, count: vals.length, largest: Math.max(...vals), smallest: spec.lambda_min };
}

// The summary in words, one line: what was computed, where, and the method's parameters.
export function readoutText(s) {
  const edge = Number.isFinite(s.twoOverEta) ? ` · 2/η ${fmt(s.twoOverEta, 5)}` : '';
  const cost = `${s.matvecs} Hessian-vector products${Number.isFinite(s.ms) ? `, ${Math.round(s.ms)} ms` : ''}`;
  if (s.method === 'exact') {
    return `Exact spectrum at step ${s.step}: ${s.count} eigenvalues (P = ${s.P}) · largest ${fmt(s.largest, 7)} · smallest ${fmt(s.smallest, 4)} · ` +
      `${s.negative} negative · trace ${fmt(s.trace, 5)}${edge} · ${cost}`;
  }
  if (s.method === 'density') {
    return `SLQ density at step ${s.step} (P = ${s.P}): ${s.probes} probes × ${s.steps} Lanczos steps, Gaussian σ = ${fmt(s.sigma, 3)} · ` +
      `largest Ritz value ${fmt(s.largest, 7)} · smallest ${fmt(s.smallest, 4)} · support ${fmt(s.support[0], 4)} to ${fmt(s.support[1], 4)} · ` +
      `mass ${fmt(s.mass, 5)} · trace ≈ ${fmt(s.trace, 4)}${edge} · ${cost}`;
  }
  return `Top ${s.count} eigenvalues at step ${s.step}: largest ${fmt(s.largest, 7)}, smallest eigenvalue ${fmt(s.smallest, 4)}${edge} · ${cost}`;
}

// The data- attributes of the readout (full precision, for scripts and tests).
export function readoutData(s) {
  const d = { method: s.method, step: String(s.step), p: String(s.P), largest: String(s.largest), smallest: String(s.smallest), twoOverEta: String(s.twoOverEta) };
  if (s.method === 'exact') Object.assign(d, { count: String(s.count), negative: String(s.negative) });
  if (s.method === 'density') {
    Object.assign(d, { probes: String(s.probes), steps: String(s.steps), sigma: String(s.sigma), mass: String(s.mass), supportLo: String(s.support[0]), supportHi: String(s.support[1]) });
  }
  return d;
}
