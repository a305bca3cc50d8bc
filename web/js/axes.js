// axes.js -- the ticks and labels of every chart axis on the site (the live charts, the gallery's
// panels, the sweep plots). Pure: no DOM, no Chart.js; node tests import it.
//   tickLabel   short numbers (Chart.js prints log ticks with every digit)
//   valueRange  the y-range of a data view's targets and predictions
//   logTicks    the ticks of a log axis: never fewer than three labelled ones, never a pile
//   thinLogTicks  Chart.js's own log ticks thinned the same way (kept for callers that filter)

// Axis labels: short numbers.
export function tickLabel(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  const e = v.toExponential(a >= 1e-3 && a < 1e5 ? 2 : 1).replace('e+', 'e');
  return e.replace(/\.0e/, 'e');
}

const mant = (v) => v / 10 ** Math.floor(Math.log10(v) + 1e-9);
const isMant = (v, m) => Math.abs(mant(v) - m) < 1e-6;

// Log axes: Chart.js makes a tick (and a grid line) for every 1, 2, 5 of every decade, which
// piles up over the 30 decades a loss can span. Keep about six: powers of ten at a stride, or
// the 1-2-5 ticks when the axis spans two decades or less.
export function thinLogTicks(ticks, max = 6) {
  const vals = ticks.map((t) => t.value).filter((v) => v > 0);
  if (vals.length <= max) return ticks;
  const lo = Math.log10(Math.min(...vals)), hi = Math.log10(Math.max(...vals));
  if (hi - lo <= 2) return ticks.filter((t) => isMant(t.value, 1) || isMant(t.value, 2) || isMant(t.value, 5));
  const stride = Math.max(1, Math.ceil((hi - lo) / max));
  return ticks.filter((t) => isMant(t.value, 1) && Math.round(Math.log10(t.value)) % stride === 0);
}

// "Nice" linear steps (1, 2, 5 x 10^k) that put between `want` and 2 want ticks in [lo, hi].
function niceStep(lo, hi, want) {
  const raw = (hi - lo) / want;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

// The tick values of a log axis over [min, max] (0 < min < max): powers of ten at a stride when
// the axis spans three decades or more (at most `max` of them); the 1-2-5 values of each decade
// over one to three decades; inside one decade, nice linear values. Always at least three, the
// ends added when fewer fall inside.
export function logTicks(min, max, { most = 6 } = {}) {
  if (!(min > 0) || !(max > min)) return [];
  const lo = Math.log10(min), hi = Math.log10(max);
  const inside = (v) => v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12);
  let out = [];
  if (hi - lo >= 3) {
    const stride = Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo) + 1) / most));
    for (let e = Math.ceil(lo - 1e-12); e <= Math.floor(hi + 1e-12); e++) if (e % stride === 0) out.push(10 ** e);
  } else if (hi - lo >= 0.7) {
    // the first mantissa set that gives 3 to `most` ticks: 1; 1, 3; 1, 2, 5; 1, 2, 3, 5, 7
    for (const set of [[1], [1, 3], [1, 2, 5], [1, 2, 3, 5, 7]]) {
      const cand = [];
      for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) for (const m of set) { const v = m * 10 ** e; if (inside(v)) cand.push(Number(v.toPrecision(6))); }
      cand.sort((a, b) => a - b);
      out = cand;
      if (cand.length >= 3) break;
    }
    if (out.length > most) out = out.filter((v) => isMant(v, 1) || isMant(v, 3));
  } else {
    const step = niceStep(min, max, 4);
    for (let v = Math.ceil(min / step) * step; v <= max * (1 + 1e-12); v += step) out.push(Number(v.toPrecision(12)));
  }
  out = out.filter(inside);
  if (out.length < 3) {
    const mid = Math.sqrt(min * max);
    for (const v of [min, mid, max]) if (!out.some((u) => Math.abs(Math.log10(u / v)) < 0.05 * Math.max(hi - lo, 0.01))) out.push(Number(v.toPrecision(3)));
    out.sort((a, b) => a - b);
  }
  return out;
}

// The y-range of targets and predictions, never narrower than a fifth of the targets' own scale
// (or 1 when the targets are all 0): a fit that agrees with its targets to round-off would
// otherwise be drawn on an axis 1e-17 wide, its round-off errors filling the picture.
export function valueRange(targets, predictions) {
  let lo = Infinity, hi = -Infinity, scale = 0;
  for (const y of targets) if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); scale = Math.max(scale, Math.abs(y)); }
  const tlo = lo, thi = hi;
  for (const y of predictions) if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
  if (!(hi >= lo)) return [-1, 1];
  const min = scale > 0 ? 0.2 * Math.max(scale, thi - tlo) : 1;
  if (hi - lo < min) { const mid = (lo + hi) / 2; lo = mid - min / 2; hi = mid + min / 2; }
  return [lo, hi];
}
