// charts.js -- Chart.js wrappers for the live metric charts. Chart.js (the UMD build, loaded by a
// classic <script> before the modules) is used the fast way: parsing off, normalized data,
// no animation, our own min-max decimation (series.js) on our own points arrays (dataset.data is
// reassigned, never pushed into), and at most one draw per animation frame for the whole board,
// within a time budget so a frame never becomes a long task: charts not drawn in this frame are
// drawn in the next. Charts out of view are not drawn at all until they scroll in.
import { chartSpecs, seriesPoints, rowRange } from './series.js';
import { readTheme, alpha } from './theme.js';

const FRAME_BUDGET_MS = 8;      // main-thread time the charts may take in one frame
const MIN_INTERVAL_MS = 200;    // a live chart is redrawn at most this often (5 Hz): enough to
                                // watch, and it leaves the main thread idle most of the time

// Vertical error bars (Lanczos residual bounds) on points that carry `e`, when they are visible.
const errorBars = {
  id: 'ibpErrorBars',
  afterDatasetsDraw(chart) {
    const { ctx, scales: { x, y } } = chart;
    chart.data.datasets.forEach((ds, di) => {
      if (!ds.ibpErrors || !chart.isDatasetVisible(di)) return;
      ctx.save();
      ctx.strokeStyle = ds.borderColor;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const p of ds.data) {
        if (!(p.e > 0)) continue;
        const px = x.getPixelForValue(p.x);
        const top = y.getPixelForValue(p.y + p.e), bot = y.getPixelForValue(p.y - p.e);
        if (Math.abs(bot - top) < 2) continue;
        ctx.moveTo(px, top); ctx.lineTo(px, bot);
        ctx.moveTo(px - 2, top); ctx.lineTo(px + 2, top);
        ctx.moveTo(px - 2, bot); ctx.lineTo(px + 2, bot);
      }
      ctx.stroke();
      ctx.restore();
    });
  },
};

// Event markers (catapult, EoS onset, ...) as labelled vertical lines, and a horizontal
// reference line (edge ratio 1).
const markers = {
  id: 'ibpMarkers',
  afterDraw(chart, _args, opts) {
    const { ctx, chartArea: a, scales: { x, y } } = chart;
    if (!a) return;
    ctx.save();
    if (Number.isFinite(opts.refY) && opts.refY >= y.min && opts.refY <= y.max) {
      const py = y.getPixelForValue(opts.refY);
      ctx.strokeStyle = opts.refColor;
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(a.left, py); ctx.lineTo(a.right, py); ctx.stroke();
    }
    ctx.setLineDash([3, 3]);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = opts.color;
    ctx.strokeStyle = opts.color;
    let labelEnd = -Infinity; // labels that would overlap the previous one are left out
    for (const ev of opts.events || []) {
      if (ev.step < x.min || ev.step > x.max) continue;
      const px = x.getPixelForValue(ev.step);
      ctx.beginPath(); ctx.moveTo(px, a.top); ctx.lineTo(px, a.bottom); ctx.stroke();
      const w = ctx.measureText(ev.label).width;
      const lx = Math.min(px + 3, a.right - w - 2);
      if (lx > labelEnd + 4) { ctx.fillText(ev.label, lx, a.top + 11); labelEnd = lx + w; }
    }
    ctx.restore();
  },
};

// Axis labels: short numbers (Chart.js prints log ticks with every digit).
export function tickLabel(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(0).replace('e+', 'e');
}

// Log axes: Chart.js makes a tick (and a grid line) for every 1, 2, 5 of every decade, which
// piles up over the 30 decades a loss can span. Keep about six: powers of ten at a stride, or
// the 1-2-5 ticks when the axis spans two decades or less.
export function thinLogTicks(ticks, max = 6) {
  const vals = ticks.map((t) => t.value).filter((v) => v > 0);
  if (vals.length <= max) return ticks;
  const lo = Math.log10(Math.min(...vals)), hi = Math.log10(Math.max(...vals));
  const mant = (v) => v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  const is = (v, m) => Math.abs(mant(v) - m) < 1e-6;
  if (hi - lo <= 2) return ticks.filter((t) => is(t.value, 1) || is(t.value, 2) || is(t.value, 5));
  const stride = Math.max(1, Math.ceil((hi - lo) / max));
  return ticks.filter((t) => is(t.value, 1) && Math.round(Math.log10(t.value)) % stride === 0);
}

// Decimated points of frozen data (kept runs) are computed once per chart width and range.
const pointCache = new WeakMap(); // store -> Map(key -> points)
function cachedPoints(store, s, buckets, log, from, to) {
  let m = pointCache.get(store);
  if (!m) { m = new Map(); pointCache.set(store, m); }
  const key = `${s.col}|${s.label}|${buckets}|${log}|${from}|${to}|${store.version}|${store.n}`;
  let pts = m.get(key);
  if (!pts) {
    if (m.size > 64) m.clear();
    pts = seriesPoints(store, s, buckets, log, from, to);
    m.set(key, pts);
  }
  return pts;
}

class ChartPanel {
  constructor(board, spec) {
    this.board = board;
    this.spec = spec;
    this.dirty = true;
    this.visible = true;
    const fig = document.createElement('figure');
    fig.className = 'chart';
    fig.dataset.chart = spec.id;
    const cap = document.createElement('figcaption');
    const title = document.createElement('span');
    title.className = 'chart-title';
    title.textContent = spec.title;
    const help = document.createElement('span');
    help.className = 'chart-help';
    help.textContent = spec.help;
    cap.append(title, help);
    if (board.onPng) { // a download button per chart (export.js draws the PNG)
      const png = document.createElement('button');
      png.type = 'button';
      png.className = 'png';
      png.textContent = 'PNG';
      png.setAttribute('aria-label', `Download the ${spec.title} chart as PNG`);
      png.addEventListener('click', () => board.onPng(this));
      cap.append(png);
    }
    const box = document.createElement('div');
    box.className = 'chart-box';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${spec.title} chart: ${spec.help}`);
    box.append(canvas);
    fig.append(cap, box);
    this.el = fig;
    this.canvas = canvas;
  }

  mount(theme) {
    const spec = this.spec;
    const Chart = globalThis.Chart;
    this.chart = new Chart(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false,
        spanGaps: true,
        elements: { point: { radius: 0, hitRadius: 4 }, line: { borderWidth: 1.5, tension: 0 } },
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { maxTicksLimit: 6, callback: tickLabel } },
          y: {
            type: spec.log ? 'logarithmic' : 'linear', title: { display: true, text: spec.yTitle },
            ticks: { maxTicksLimit: 6, callback: tickLabel },
            afterBuildTicks: spec.log ? (axis) => { axis.ticks = thinLogTicks(axis.ticks); } : undefined,
          },
        },
        plugins: {
          legend: { labels: { boxWidth: 12, boxHeight: 2 } },
          decimation: { enabled: false },
          tooltip: { enabled: true },
          ibpMarkers: { events: [], refY: spec.refY, color: theme.event, refColor: theme.ref },
        },
      },
      plugins: [errorBars, markers],
    });
    this.retheme(theme);
  }

  retheme(theme) {
    this.theme = theme;
    const o = this.chart.options;
    for (const axis of [o.scales.x, o.scales.y]) {
      axis.ticks.color = theme.muted;
      axis.title.color = theme.muted;
      axis.grid = { color: theme.grid };
    }
    o.plugins.legend.labels.color = theme.fg;
    o.plugins.ibpMarkers.color = theme.event;
    o.plugins.ibpMarkers.refColor = theme.ref;
    this.dirty = true;
  }

  // Rebuild the datasets from the current run and the kept runs (dashed, fainter).
  // xRange: null (every step) or { first: N } / { last: N } steps of the current run.
  render(current, kept, events, xRange = null) {
    const width = Math.max(50, this.chart.chartArea ? this.chart.chartArea.width : this.canvas.clientWidth || 400);
    const buckets = Math.ceil(width / 3); // min-max keeps <= 4 points a bucket: ~1.3 per pixel
    const theme = this.theme;
    const datasets = [];
    let x0 = -Infinity, x1 = Infinity;
    if (xRange && current && current.n) {
      const steps = current.col('step');
      if (xRange.first) { x0 = steps[0]; x1 = steps[0] + xRange.first; }
      if (xRange.last) { x1 = steps[current.n - 1]; x0 = Math.max(steps[0], x1 - xRange.last); }
    }
    const addRun = (store, prefix, faded) => {
      if (!store) return;
      const [from, to] = rowRange(store, x0, x1);
      this.spec.series.forEach((s, i) => {
        if (!store.has(s.col)) return;
        const color = s.ref ? theme.ref : theme.series[i % theme.series.length];
        datasets.push({
          label: prefix + s.label,
          data: faded ? cachedPoints(store, s, buckets, this.spec.log, from, to) : seriesPoints(store, s, buckets, this.spec.log, from, to),
          borderColor: faded ? alpha(color, 0.45) : color,
          backgroundColor: faded ? alpha(color, 0.45) : color,
          borderWidth: s.thin ? 1 : faded ? 1.25 : 1.75,
          borderDash: faded ? [4, 3] : s.dash || [],
          stepped: s.ref ? 'before' : false,
          ibpErrors: !faded && !!s.errCol,
        });
      });
    };
    kept.forEach((k, i) => addRun(k.store, `kept ${i + 1}: `, true));
    addRun(current, '', false);
    this.chart.data.datasets = datasets;
    this.chart.options.scales.x.min = Number.isFinite(x0) ? x0 : undefined;
    this.chart.options.scales.x.max = Number.isFinite(x1) ? x1 : undefined;
    this.chart.options.plugins.ibpMarkers.events = this.spec.events ? events : [];
    this.chart.update('none');
    this.dirty = false;
    this.renderedAt = performance.now();
  }

  destroy() {
    if (this.chart) this.chart.destroy();
    this.el.remove();
  }
}

export class ChartBoard {
  // lead: an element kept first in the container (the trajectory view), charts follow it
  // onPng(panel): called by a chart's PNG button (none when absent)
  constructor(container, { lead = null, onPng = null } = {}) {
    this.container = container;
    this.lead = lead;
    this.onPng = onPng;
    this.only = null;     // a Set of chart ids to show (an embed link's charts=), or null for all
    this.panels = new Map();
    this.current = null;
    this.kept = [];
    this.events = [];
    this.xRange = null;
    this.theme = readTheme();
    this.frame = 0;
    this.drawMs = [];
    this.observer = 'IntersectionObserver' in globalThis ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        const p = [...this.panels.values()].find((q) => q.el === e.target);
        if (p) { p.visible = e.isIntersecting; if (p.visible && p.dirty) this.schedule(); }
      }
    }, { rootMargin: '200px' }) : null;
  }

  // Make the board show the charts for these columns (current run plus kept runs).
  sync() {
    const cols = new Set(this.current ? this.current.columns : []);
    for (const k of this.kept) for (const c of k.store.columns) cols.add(c);
    const specs = chartSpecs([...cols]).filter((s) => !this.only || this.only.has(s.id));
    const want = new Set(specs.map((s) => s.id));
    for (const [id, p] of this.panels) if (!want.has(id)) { if (this.observer) this.observer.unobserve(p.el); p.destroy(); this.panels.delete(id); }
    let prev = null;
    for (const spec of specs) {
      let p = this.panels.get(spec.id);
      if (!p) {
        p = new ChartPanel(this, spec);
        if (prev) prev.el.after(p.el);
        else if (this.lead && this.lead.parentNode === this.container) this.lead.after(p.el);
        else this.container.prepend(p.el);
        this.panels.set(spec.id, p); // its Chart is made in draw(), within a frame's budget
        if (this.observer) this.observer.observe(p.el);
      } else {
        p.spec = spec;
      }
      p.dirty = true;
      prev = p;
    }
    this.schedule();
  }

  setCurrent(store) { this.current = store; this.sync(); }
  setOnly(ids) { this.only = ids ? new Set(ids) : null; this.sync(); }
  setKept(kept) { this.kept = kept; this.sync(); }
  setEvents(events) { this.events = events; this.markDirty(); }
  setXRange(r) { this.xRange = r; this.markDirty(); }
  markDirty() { for (const p of this.panels.values()) p.dirty = true; this.schedule(); }
  retheme() {
    this.theme = readTheme();
    for (const p of this.panels.values()) if (p.chart) p.retheme(this.theme);
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  // One frame's share of chart work: make missing charts, then redraw the dirty visible charts
  // that were not redrawn in the last MIN_INTERVAL_MS, least recently drawn first, until the
  // budget is spent; whatever is left waits for the next frame.
  draw() {
    const t0 = performance.now();
    let more = false;
    const due = [...this.panels.values()]
      .filter((p) => p.dirty && (p.visible || !this.observer))
      .sort((a, b) => (a.renderedAt || 0) - (b.renderedAt || 0));
    for (const p of due) {
      if (performance.now() - t0 > FRAME_BUDGET_MS) { more = true; break; }
      if (!p.chart) { p.mount(this.theme); more = true; continue; }
      if (t0 - (p.renderedAt || 0) < MIN_INTERVAL_MS) { more = true; continue; }
      p.render(this.current, this.kept, this.events, this.xRange);
    }
    this.drawMs.push(performance.now() - t0);
    if (this.drawMs.length > 600) this.drawMs.splice(0, 300);
    if (more) this.schedule();
  }
}
