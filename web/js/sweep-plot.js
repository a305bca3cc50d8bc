// sweep-plot.js -- drawing a sweep: a line plot of summary fields against the swept key (one key,
// or two keys with one line per value of the second), or a heatmap over two keys coloured by the
// regime or by a summary field; both with the paper's theory lines (vertical `at`, horizontal `y`,
// named curves `fn` evaluated from each cell's summary, shaded `bands`). Clicking a point or a cell
// calls onPick(cell) (the page opens that run in the playground). The pure helpers (series, theory
// values, heatmap layout, colour scales) are exported for the node tests; the classes draw with
// Chart.js (line plot) and a plain canvas (heatmap).
import { tickLabel, thinLogTicks } from './charts.js';
import { readTheme, alpha } from './theme.js';
import { pairsMap } from './kv.js';

// ---- pure helpers ----------------------------------------------------------------------------

// Named theory curves of presets.json ({fn: name, ...}): y as a function of one cell's results
// (summary fields and its full canonical config). NaN where the curve does not exist.
export const THEORY_FNS = Object.freeze({
  two_over_eta: { label: '2/η', y: (c) => 2 / c.summary.eta },
  s_min: { label: 'S_min', y: (c) => num(c.summary.s_min) },
  // Marion & Chizat draw 8 L Λ ‖w*‖^(2−2/L) for the loss R = mean (f − y)²; half of it under
  // half-MSE, where every Hessian is halved.
  eight_l_lambda: {
    label: '8 L Λ ‖w*‖^(2−2/L)',
    y: (c, line) => {
      const cfg = pairsMap(c.full);
      const L = Number(line.L ?? cfg.get('depth'));
      const w = Number(cfg.get('wstar_norm') ?? 1);
      const half = (cfg.get('loss') ?? 'mse_half') === 'mse_half' ? 0.5 : 1;
      return half * 8 * L * num(c.summary.data_lambda) * Math.pow(w, 2 - 2 / L);
    },
  },
  // Wang et al.: a minimizer of 1/2 (mu - xy)^2 is stable iff eta (x^2 + y^2) <= 2, so
  // |x - y| <= sqrt(2/eta - 2 mu) there.
  wang_gap_bound: {
    label: '√(2/η − 2μ)',
    y: (c, line) => { const v = 2 / c.summary.eta - 2 * (line.mu ?? 1); return v >= 0 ? Math.sqrt(v) : NaN; },
  },
});

function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : NaN; }

// The value of a summary field in a cell result; 'regime' is its place in the engine's legend (the
// line plot labels the axis with the names). names: names.js, the engine's names.
export function fieldValue(cell, field, names) {
  if (!cell || !cell.summary) return NaN;
  if (field === 'regime') return names.regimeIndex(cell.regime);
  return num(cell.summary[field]);
}

// Which key is on x, which (if any) makes separate lines, which is the heatmap's y.
export function axesOf(spec, keys) {
  const xKey = spec.xKey && keys.includes(spec.xKey) ? spec.xKey : keys[0];
  const other = keys.find((k) => k !== xKey) ?? null;
  return { xKey, xIndex: keys.indexOf(xKey), other, otherIndex: other ? keys.indexOf(other) : -1 };
}

// Line-plot data: one series per (y field, value of the series key), points sorted by x, each
// carrying its cell and regime; theory curves per series value. x = value * xScale.
export function lineSeries(spec, plan, results, names) {
  const fieldLabel = names.fieldLabel;
  const { xIndex, other, otherIndex } = axesOf(spec, plan.keys);
  const scale = spec.xScale ?? 1;
  const ys = spec.y.length ? spec.y : ['lambda_ratio'];
  const groups = other ? plan.values[otherIndex] : [null];
  const series = [], theory = [];
  const done = results.filter(Boolean);
  groups.forEach((g, gi) => {
    const cells = done.filter((c) => g === null || c.values[otherIndex] === g)
      .map((c) => ({ c, x: Number(c.values[xIndex]) * scale }))
      .filter((p) => Number.isFinite(p.x))
      .sort((a, b) => a.x - b.x);
    const suffix = g === null ? '' : `${other} = ${g}`;
    // a diverged run's final values mean nothing: its cell is only marked on the regime strip
    ys.forEach((f, fi) => {
      series.push({
        label: [ys.length > 1 ? fieldLabel(f) : '', suffix].filter(Boolean).join(', ') || spec.yLabel || fieldLabel(f),
        field: f, group: gi, fieldIndex: fi,
        points: cells.map(({ c, x }) => ({ x, y: c.regime === 'divergent' && f !== 'regime' ? NaN : fieldValue(c, f, names), cell: c.cell, regime: c.regime })),
      });
    });
    for (const line of spec.lines || []) {
      const fn = line.fn && THEORY_FNS[line.fn];
      if (!fn) continue;
      theory.push({
        label: [line.label || fn.label, suffix].filter(Boolean).join(', '), group: gi,
        points: cells.map(({ c, x }) => ({ x, y: fn.y(c, line) })).filter((p) => Number.isFinite(p.y)),
      });
    }
  });
  const strip = done.map((c) => ({ x: Number(c.values[xIndex]) * scale, regime: c.regime, cell: c.cell })).filter((p) => Number.isFinite(p.x));
  return { series, theory, strip };
}

// Heatmap layout: x = the x key's values (left to right), y = the other key's values (bottom to
// top). cellAt(i, j) is the cell number at column i, row j.
export function heatLayout(spec, plan) {
  const { xKey, xIndex, other, otherIndex } = axesOf(spec, plan.keys);
  const nx = plan.values[xIndex].length;
  const ny = other ? plan.values[otherIndex].length : 1;
  // the engine numbers the cells (plan.index: each cell's value index of each key)
  const byIndex = new Map(plan.index.map((ix, c) => [ix.join(','), c]));
  const cellAt = (i, j) => {
    const idx = [];
    idx[xIndex] = i;
    if (other) idx[otherIndex] = j;
    return byIndex.has(idx.join(',')) ? byIndex.get(idx.join(',')) : -1;
  };
  return { xKey, yKey: other, nx, ny, cellAt, xValues: plan.values[xIndex], yValues: other ? plan.values[otherIndex] : [''] };
}

// Perceptually ordered colours (viridis, 6 stops) for t in [0, 1].
const VIRIDIS = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
export function viridis(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  const c = VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

// The colour range of a numeric field: [lo, hi] over the finite values (positive ones on a log
// scale), and t(v) in [0, 1]; null when there is nothing to colour.
export function colorRange(values, log = false) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && !(v > 0))) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return null;
  const f = log ? Math.log10 : (v) => v;
  const a = f(lo), b = f(hi);
  return { lo, hi, log, t: (v) => (!Number.isFinite(v) || (log && !(v > 0)) ? NaN : b > a ? (f(v) - a) / (b - a) : 0.5) };
}

// Pixel position of a value x on a heatmap axis whose columns hold the numeric values xs (in
// order): linear interpolation between column centres (in log10 when log), null outside.
export function axisPosition(xs, x, log = false) {
  const f = log ? Math.log10 : (v) => v;
  const v = xs.map(Number);
  if (v.length < 2 || !v.every(Number.isFinite) || (log && !v.every((u) => u > 0))) return null;
  const up = v[v.length - 1] >= v[0];
  for (let i = 0; i + 1 < v.length; i++) {
    const a = f(v[i]), b = f(v[i + 1]), t = f(x);
    const inside = up ? t >= a && t <= b : t <= a && t >= b;
    if (inside && b !== a) return i + 0.5 + (t - a) / (b - a);
  }
  return null;
}

// ---- theme -----------------------------------------------------------------------------------

// The colours of the sweep plots, with the engine's names (names.js) they are drawn for: a regime's
// colour is the CSS custom property --regime-<id> (one of the series colours if a stylesheet has
// none for it).
export function readSweepTheme(names, el = document.documentElement) {
  const t = readTheme(el);
  const cs = getComputedStyle(el);
  const v = (name, fb) => cs.getPropertyValue(name).trim() || fb;
  const regime = {};
  names.regimes.forEach((r, i) => { regime[r.id] = v(`--regime-${r.id.replace(/_/g, '-')}`, t.series[i % t.series.length]); });
  return { ...t, names, regime, panel: v('--panel', '#f6f7f9'), border: v('--border', '#ccc'), bg: v('--bg', '#fff'), band: v('--band', 'rgba(120,120,120,0.10)') };
}

// Theory lines and bands on a Chart.js chart: opts = { lines: [{at|y, label}], bands, theme }.
// Exported: the preset panels draw their horizontal lines with it too.
export const sweepLines = {
  id: 'ibpSweepLines',
  beforeDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea: a, scales: { x } } = chart;
    if (!a || !opts.bands) return;
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    opts.bands.forEach((b, i) => {
      const lo = Math.max(b.from, x.min), hi = Math.min(b.to, x.max);
      if (!(hi > lo)) return;
      const px0 = x.getPixelForValue(lo), px1 = x.getPixelForValue(hi);
      const reg = opts.theme.names.regimes.find((r) => r.id === b.label || r.label === b.label);
      ctx.fillStyle = reg ? alpha(opts.theme.regime[reg.id], 0.1) : i % 2 ? opts.theme.band : 'transparent';
      ctx.fillRect(px0, a.top, px1 - px0, a.bottom - a.top);
      if (b.label) {
        ctx.fillStyle = opts.theme.muted;
        const w = ctx.measureText(b.label).width;
        if (w + 6 < px1 - px0) ctx.fillText(b.label, (px0 + px1 - w) / 2, a.top + 26);
      }
    });
    ctx.restore();
  },
  afterDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea: a, scales: { x, y } } = chart;
    if (!a) return;
    // the regime strip: a tick per cell along the bottom of the plot, in its regime's colour
    if (opts.strip) {
      ctx.save();
      for (const p of opts.strip) {
        if (!(p.x >= x.min && p.x <= x.max)) continue;
        const px = x.getPixelForValue(p.x);
        ctx.fillStyle = opts.theme.regime[opts.theme.names.regimeOf(p.regime).id];
        ctx.fillRect(px - 3, a.bottom - 7, 6, 6);
      }
      ctx.restore();
    }
    if (!opts.lines) return;
    ctx.save();
    ctx.strokeStyle = opts.theme.ref;
    ctx.fillStyle = opts.theme.ref;
    ctx.font = '11px system-ui, sans-serif';
    ctx.setLineDash([6, 4]);
    for (const l of opts.lines) {
      ctx.beginPath();
      if (Number.isFinite(l.at) && l.at >= x.min && l.at <= x.max) {
        const px = x.getPixelForValue(l.at);
        ctx.moveTo(px, a.top); ctx.lineTo(px, a.bottom); ctx.stroke();
        if (l.label) ctx.fillText(l.label, Math.min(px + 3, a.right - ctx.measureText(l.label).width - 2), a.top + 11);
      } else if (Number.isFinite(l.y) && l.y >= y.min && l.y <= y.max) {
        const py = y.getPixelForValue(l.y);
        ctx.moveTo(a.left, py); ctx.lineTo(a.right, py); ctx.stroke();
        if (l.label) ctx.fillText(l.label, a.left + 4, py - 3);
      }
    }
    ctx.restore();
  },
};

// ---- the line plot ---------------------------------------------------------------------------

export class SweepLinePlot {
  constructor(box, { onPick = () => {}, onHover = () => {} } = {}) {
    this.box = box;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    box.append(this.canvas);
    this.onPick = onPick;
    this.onHover = onHover;
    this.chart = null;
  }

  render(spec, plan, results, theme) {
    const Chart = globalThis.Chart;
    const { names } = theme;
    const { fieldLabel } = names;
    const { series, theory, strip } = lineSeries(spec, plan, results, names);
    const xLog = !!spec.xLog, yLog = !!spec.yLog;
    const ok = (p) => Number.isFinite(p.y) && (!yLog || p.y > 0) && (!xLog || p.x > 0);
    const datasets = series.map((s, i) => {
      const color = theme.series[(plan.keys.length === 2 && spec.y.length === 1 ? s.group : i) % theme.series.length];
      const pts = s.points.filter(ok);
      return {
        label: s.label, data: pts, borderColor: color, backgroundColor: color, borderWidth: 1.5,
        borderDash: s.fieldIndex > 0 ? [4, 3] : [],
        pointBackgroundColor: pts.map((p) => theme.regime[names.regimeOf(p.regime).id]),
        pointBorderColor: color, pointRadius: 3.5, pointHoverRadius: 6, showLine: true,
      };
    });
    theory.forEach((t) => datasets.push({
      label: t.label, data: t.points.filter(ok), borderColor: theme.ref, backgroundColor: theme.ref,
      borderDash: [6, 4], borderWidth: 1.25, pointRadius: 0, pointHitRadius: 0, showLine: true, ibpTheory: true,
    }));
    const lines = (spec.lines || []).filter((l) => !l.fn);
    const label = `${spec.yLabel || spec.y.map(fieldLabel).join(', ')} against ${spec.xLabel || plan.keys[0]}`;
    this.canvas.setAttribute('aria-label', `Line plot: ${label}; point colours are the regimes`);
    if (!this.chart) {
      this.chart = new Chart(this.canvas, {
        type: 'line',
        data: { datasets },
        options: {
          animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
          interaction: { mode: 'nearest', intersect: true },
          scales: {
            x: { type: 'linear', title: { display: true, text: '' }, ticks: { maxTicksLimit: 8, callback: tickLabel } },
            y: { type: 'linear', title: { display: true, text: '' }, ticks: { maxTicksLimit: 7, callback: tickLabel } },
          },
          plugins: {
            legend: { labels: { boxWidth: 12, boxHeight: 2 } },
            tooltip: { enabled: false },
            decimation: { enabled: false },
            ibpSweepLines: {},
          },
          onClick: (_e, els) => { const p = this.pointOf(els); if (p) this.onPick(p.cell); },
          onHover: (e, els) => {
            const p = this.pointOf(els);
            this.onHover(p ? p.cell : null);
            if (e.native && e.native.target) e.native.target.style.cursor = p ? 'pointer' : 'default';
          },
        },
        plugins: [sweepLines],
      });
    }
    const o = this.chart.options;
    o.scales.x.type = xLog ? 'logarithmic' : 'linear';
    o.scales.y.type = yLog ? 'logarithmic' : 'linear';
    o.scales.x.afterBuildTicks = xLog ? (axis) => { axis.ticks = thinLogTicks(axis.ticks, 8); } : undefined;
    const regimeAxis = spec.y.length === 1 && spec.y[0] === 'regime';
    o.scales.y.afterBuildTicks = yLog && !regimeAxis ? (axis) => { axis.ticks = thinLogTicks(axis.ticks); } : undefined;
    if (regimeAxis) o.scales.y.type = 'linear';
    o.scales.y.min = regimeAxis ? -0.5 : undefined;
    o.scales.y.max = regimeAxis ? names.regimes.length - 0.5 : undefined;
    o.scales.y.ticks.stepSize = regimeAxis ? 1 : undefined;
    o.scales.y.ticks.callback = regimeAxis ? (v) => (Number.isInteger(v) && names.regimes[v] ? names.regimes[v].label : '') : tickLabel;
    o.scales.x.title.text = spec.xLabel || plan.keys[0];
    o.scales.y.title.text = spec.yLabel || spec.y.map(fieldLabel).join(', ');
    for (const axis of [o.scales.x, o.scales.y]) {
      axis.ticks.color = theme.muted; axis.title.color = theme.muted; axis.grid = { color: theme.grid };
    }
    o.plugins.legend.labels.color = theme.fg;
    o.plugins.ibpSweepLines = { lines, bands: spec.bands || null, theme, strip: regimeAxis ? null : strip };
    // the x range covers every cell, also those drawn only on the strip (divergent ones)
    const xs = strip.map((p) => p.x).filter((x) => !xLog || x > 0);
    o.scales.x.min = xs.length ? Math.min(...xs) : undefined;
    o.scales.x.max = xs.length ? Math.max(...xs) : undefined;
    this.chart.data.datasets = datasets;
    this.chart.update('none');
  }

  pointOf(els) {
    const el = els && els.find((e) => !this.chart.data.datasets[e.datasetIndex].ibpTheory);
    return el ? this.chart.data.datasets[el.datasetIndex].data[el.index] : null;
  }

  destroy() { if (this.chart) this.chart.destroy(); this.canvas.remove(); }
}

// ---- the heatmap -----------------------------------------------------------------------------

const M = { left: 62, right: 10, top: 10, bottom: 46, bar: 30 };

export class SweepHeatmap {
  constructor(box, { onPick = () => {}, onHover = () => {} } = {}) {
    this.box = box;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.className = 'heatmap';
    box.append(this.canvas);
    this.onPick = onPick;
    this.onHover = onHover;
    this.hover = -1;
    this.canvas.addEventListener('mousemove', (e) => this.move(e));
    this.canvas.addEventListener('mouseleave', () => { this.hover = -1; this.onHover(null); this.draw(); });
    this.canvas.addEventListener('click', (e) => { const c = this.cellAtEvent(e); if (c >= 0 && this.results[c]) this.onPick(c); });
  }

  render(spec, plan, results, theme) {
    this.spec = spec; this.plan = plan; this.results = results; this.theme = theme;
    this.layout = heatLayout(spec, plan);
    this.field = spec.field || 'regime';
    // a diverged run's final values would swamp the colour scale: it shows its regime instead
    const vals = results.map((c) => (c && c.regime === 'divergent' ? NaN : fieldValue(c, this.field, theme.names)));
    this.range = this.field === 'regime' ? null : colorRange(vals, !!spec.yLog);
    const { xKey, yKey } = this.layout;
    this.canvas.setAttribute('aria-label', `Heatmap of ${theme.names.fieldLabel(this.field)} over ${spec.xLabel || xKey} (x) and ${yKey} (y); the table below lists every cell`);
    this.draw();
  }

  geometry() {
    const c = this.canvas;
    const w = c.clientWidth || 480, h = c.clientHeight || 360;
    const bottom = M.bottom + (this.range ? M.bar : 0);
    const { nx, ny } = this.layout;
    return { w, h, x0: M.left, y0: M.top, cw: (w - M.left - M.right) / nx, ch: (h - M.top - bottom) / ny, bottom };
  }

  cellAtEvent(e) {
    if (!this.layout) return -1;
    const r = this.canvas.getBoundingClientRect();
    const g = this.geometry();
    const i = Math.floor((e.clientX - r.left - g.x0) / g.cw);
    const jTop = Math.floor((e.clientY - r.top - g.y0) / g.ch);
    const { nx, ny } = this.layout;
    if (i < 0 || i >= nx || jTop < 0 || jTop >= ny) return -1;
    return this.layout.cellAt(i, ny - 1 - jTop);
  }

  move(e) {
    const c = this.cellAtEvent(e);
    this.canvas.style.cursor = c >= 0 && this.results[c] ? 'pointer' : 'default';
    if (c === this.hover) return;
    this.hover = c;
    this.onHover(c >= 0 ? c : null);
    this.draw();
  }

  colorOf(cell) {
    const r = this.results[cell];
    if (!r) return null;
    const { names } = this.theme;
    if (this.field === 'regime' || r.regime === 'divergent') return this.theme.regime[names.regimeOf(r.regime).id];
    const t = this.range ? this.range.t(fieldValue(r, this.field, names)) : NaN;
    return Number.isFinite(t) ? viridis(t) : this.theme.regime.not_converged;
  }

  draw() {
    if (!this.layout || !this.theme) return;
    const c = this.canvas, th = this.theme;
    const dpr = globalThis.devicePixelRatio || 1;
    const g = this.geometry();
    if (c.width !== Math.round(g.w * dpr) || c.height !== Math.round(g.h * dpr)) { c.width = Math.round(g.w * dpr); c.height = Math.round(g.h * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, g.w, g.h);
    const { nx, ny, cellAt, xValues, yValues, xKey, yKey } = this.layout;
    const gap = g.cw > 6 && g.ch > 6 ? 1 : 0;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const cell = cellAt(i, j);
        const px = g.x0 + i * g.cw, py = g.y0 + (ny - 1 - j) * g.ch;
        const col = this.colorOf(cell);
        if (col) { ctx.fillStyle = col; ctx.fillRect(px, py, g.cw - gap, g.ch - gap); }
        else { ctx.strokeStyle = th.border; ctx.setLineDash([2, 2]); ctx.strokeRect(px + 0.5, py + 0.5, g.cw - gap - 1, g.ch - gap - 1); ctx.setLineDash([]); }
        if (cell === this.hover) { ctx.strokeStyle = th.fg; ctx.lineWidth = 2; ctx.strokeRect(px + 1, py + 1, g.cw - gap - 2, g.ch - gap - 2); ctx.lineWidth = 1; }
      }
    }
    // axes: value labels, thinned to about 8 per axis
    ctx.fillStyle = th.muted;
    ctx.font = '11px system-ui, sans-serif';
    const scale = this.spec.xScale ?? 1;
    // numbers as short labels (a lin grid's 0.7999999999999998 is 0.8 on the axis; the table and
    // the links keep the exact strings)
    const short = (v, k = 1) => (v !== '' && Number.isFinite(Number(v)) ? tickLabel(Number(v) * k) : String(v).slice(0, 9));
    const xText = (v) => short(v, scale);
    const sx = Math.max(1, Math.ceil(nx / Math.max(2, Math.floor((g.w - M.left) / 56))));
    for (let i = 0; i < nx; i += sx) {
      const t = xText(xValues[i]);
      const w = ctx.measureText(t).width;
      ctx.fillText(t, g.x0 + (i + 0.5) * g.cw - w / 2, g.h - g.bottom + 14);
    }
    const sy = Math.max(1, Math.ceil(ny / Math.max(2, Math.floor((g.h - g.bottom) / 18))));
    for (let j = 0; j < ny; j += sy) {
      const t = short(yValues[j]);
      ctx.fillText(t, g.x0 - 6 - ctx.measureText(t).width, g.y0 + (ny - 1 - j + 0.5) * g.ch + 4);
    }
    const xl = this.spec.xLabel || xKey;
    ctx.fillText(xl, g.x0 + (g.w - g.x0 - M.right - ctx.measureText(xl).width) / 2, g.h - g.bottom + 32);
    if (yKey) {
      ctx.save();
      ctx.translate(12, g.y0 + (g.h - g.bottom - g.y0) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText(yKey, -ctx.measureText(yKey).width / 2, 0);
      ctx.restore();
    }
    // vertical theory lines at x values between the columns
    ctx.strokeStyle = th.ref;
    ctx.fillStyle = th.ref;
    ctx.setLineDash([6, 4]);
    for (const l of this.spec.lines || []) {
      if (!Number.isFinite(l.at)) continue;
      const pos = axisPosition(xValues.map((v) => Number(v) * scale), l.at, !!this.spec.xLog);
      if (pos === null) continue;
      const px = g.x0 + pos * g.cw;
      ctx.beginPath(); ctx.moveTo(px, g.y0); ctx.lineTo(px, g.h - g.bottom); ctx.stroke();
      if (l.label) ctx.fillText(l.label, px + 3, g.y0 + 11);
    }
    ctx.setLineDash([]);
    // colour bar of a numeric field
    if (this.range) {
      // the field's label right of the bar, measured: the bar gives way to it (down to a third of
      // the plot's width), and a label longer than that is cut with an ellipsis, never by the canvas
      const y = g.h - M.bar + 4, x0 = g.x0, right = g.w - M.right;
      const label = fitText(ctx, `${this.theme.names.fieldLabel(this.field)}${this.range.log ? ' (log)' : ''}`, (right - x0) * 2 / 3 - 6);
      const x1 = right - ctx.measureText(label).width - 6;
      for (let k = 0; k < 64; k++) { ctx.fillStyle = viridis(k / 63); ctx.fillRect(x0 + ((x1 - x0) * k) / 64, y, (x1 - x0) / 64 + 1, 10); }
      ctx.fillStyle = th.muted;
      ctx.fillText(tickLabel(this.range.lo), x0, y + 22);
      const hi = tickLabel(this.range.hi);
      ctx.fillText(hi, x1 - ctx.measureText(hi).width, y + 22);
      ctx.fillText(label, x1 + 6, y + 9);
    }
    c.dataset.drawn = String((Number(c.dataset.drawn) || 0) + 1);
  }

  destroy() { this.canvas.remove(); }
}

// text, cut with an ellipsis to at most `width` px in ctx's font
export function fitText(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && ctx.measureText(`${text.slice(0, n)}…`).width > width) n--;
  return `${text.slice(0, n)}…`;
}

// One plot that is a line plot or a heatmap as the spec asks: heatmap for two keys unless the
// spec names a series key or asks for lines.
export class SweepPlot {
  constructor(box, handlers) {
    this.box = box;
    this.handlers = handlers;
    this.kind = null;
    this.view = null;
  }

  static kindOf(spec, plan) {
    return plan.keys.length === 2 && !spec.seriesKey && spec.view !== 'lines' ? 'heatmap' : 'lines';
  }

  // theme: readSweepTheme(names)
  render(spec, plan, results, theme) {
    const kind = SweepPlot.kindOf(spec, plan);
    if (kind !== this.kind) {
      if (this.view) this.view.destroy();
      this.view = kind === 'heatmap' ? new SweepHeatmap(this.box, this.handlers) : new SweepLinePlot(this.box, this.handlers);
      this.kind = kind;
      this.box.dataset.kind = kind;
    }
    const s = kind === 'lines' && plan.keys.length === 2 && !spec.seriesKey
      ? { ...spec, seriesKey: axesOf(spec, plan.keys).other } : spec;
    this.view.render(s, plan, results, theme);
  }

  destroy() { if (this.view) this.view.destroy(); this.view = null; this.kind = null; }
}
