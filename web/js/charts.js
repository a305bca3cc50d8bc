// charts.js -- the live metric charts. The board shows the charts a preset declares (view.charts:
// the first is the main chart, the others under it) and keeps every other chart the run's columns
// give under "More charts", drawn only while that is open. The x-axis follows the preset's view:
// a fixed step range (view.x), a log-step axis (view.xLog) or every step; y floors
// (view.yFloor). Series come from the current run, the runs a preset compares (overlays: their own
// colours, e.g. Cohen et al.'s four learning rates) and kept runs (dashed, faded). Extra series of
// other kinds (flows, say) join as overlays with their own colour and legend entry.
// Chart.js (the UMD build, loaded by a classic <script> before the modules) is used the fast way:
// parsing off, normalized data, no animation, our own min-max decimation (series.js) on our own
// points arrays, paced by animation frames but each chart's redraw in a task of its own (tasks.js)
// so neither a frame nor a redraw becomes a long task. Each chart has an Export menu (chart-export.js).
import { chartSpecs, seriesPoints, rowRange } from './series.js';
import { readTheme, alpha } from './theme.js';
import { tickLabel, logTicks } from './axes.js';
import { inOwnTask } from './tasks.js';
import { setText } from './dom.js';
import { flowColor } from './flow-data.js';

export { tickLabel, thinLogTicks } from './axes.js';

const MIN_INTERVAL_MS = 38;     // a live chart is redrawn at most this often (~25 Hz: the frame after 38 ms)
const MAX_LEGEND = 6;           // legend entries; the rest are grouped into one

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

// Where event labels go: each in the first of three rows where it does not overlap a label
// already placed; events whose label fits nowhere are counted into one "+N" note. -> [{ ev, px,
// lx, row, w }], skipped. Pure (the SVG export uses it too).
export function placeEventLabels(events, pixelOf, measure, left, right) {
  const rows = [[], [], []];
  const placed = [];
  let skipped = 0;
  for (const ev of events) {
    const px = pixelOf(ev.step);
    if (!(px >= left && px <= right)) continue;
    const w = measure(ev.label);
    const lx = Math.min(px + 3, right - w - 2);
    const row = rows.findIndex((r) => r.every(([a, b]) => lx > b + 4 || lx + w < a - 4));
    if (row < 0) { skipped++; placed.push({ ev, px, lx, row: -1, w }); continue; }
    rows[row].push([lx, lx + w]);
    placed.push({ ev, px, lx, row, w });
  }
  return { placed, skipped };
}

// Event markers (catapult, EoS onset, ...) as labelled vertical lines whose labels never overlap,
// and a horizontal reference line (edge ratio 1).
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
    const { placed, skipped } = placeEventLabels(opts.events || [], (s) => x.getPixelForValue(s), (t) => ctx.measureText(t).width, a.left, a.right);
    for (const p of placed) {
      ctx.beginPath(); ctx.moveTo(p.px, a.top); ctx.lineTo(p.px, a.bottom); ctx.stroke();
      if (p.row >= 0) ctx.fillText(p.ev.label, p.lx, a.top + 11 + 12 * p.row);
    }
    if (skipped) {
      const t = `+${skipped} more`;
      ctx.fillText(t, a.right - ctx.measureText(t).width - 2, a.bottom - 4);
    }
    chart.$ibpMarkers = { placed, skipped };
    ctx.restore();
  },
};

// Legend entries: the reference lines of compared runs are explained in the caption; beyond
// MAX_LEGEND the rest are grouped into one entry naming how many.
export function legendItems(items, datasets, max = MAX_LEGEND) {
  const shown = items.filter((it) => !datasets[it.datasetIndex]?.ibpRef);
  if (shown.length <= max) return shown;
  const rest = shown.slice(max - 1);
  return [...shown.slice(0, max - 1), { ...rest[0], text: `+${rest.length} more (${rest.map((r) => r.text).slice(0, 3).join(', ')}${rest.length > 3 ? ', …' : ''})`, datasetIndex: undefined, ibpGroup: true, fillStyle: 'transparent', strokeStyle: 'transparent' }];
}

// Decimated points of frozen data (kept and compared runs) are computed once per chart width and range.
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

export class ChartPanel {
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
    this.helpEl = help;
    cap.append(title, help);
    if (board.exporter) cap.append(board.exporter.menu(this));
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

  // The chart's options for a theme and the board's x-axis (also used to draw its PNG at another
  // scale: chart-export.js).
  options(theme, { devicePixelRatio, responsive = true } = {}) {
    const spec = this.spec;
    const ax = this.board.axis;
    const yFloor = this.board.view && this.board.view.yFloor ? this.board.view.yFloor[spec.id] : undefined;
    const logY = (axis) => {
      const lo = axis.min, hi = axis.max;
      axis.ticks = logTicks(lo, hi).map((value) => ({ value }));
    };
    return {
      animation: false, parsing: false, normalized: true, responsive, maintainAspectRatio: false, spanGaps: true,
      devicePixelRatio,
      elements: { point: { radius: 0, hitRadius: 4 }, line: { borderWidth: 1.5, tension: 0 } },
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: ax.log ? 'logarithmic' : 'linear', min: ax.min, max: ax.max,
          title: { display: true, text: ax.log ? 'step t (log scale)' : 'step t', color: theme.muted },
          ticks: { maxTicksLimit: 6, callback: tickLabel, color: theme.muted },
          afterBuildTicks: ax.log ? logY : undefined,
          grid: { color: theme.grid },
        },
        y: {
          type: spec.log ? 'logarithmic' : 'linear', min: Number.isFinite(yFloor) ? yFloor : undefined,
          title: { display: true, text: spec.yTitle, color: theme.muted },
          ticks: { maxTicksLimit: 6, callback: tickLabel, color: theme.muted },
          afterBuildTicks: spec.log ? logY : undefined,
          grid: { color: theme.grid },
        },
      },
      plugins: {
        legend: {
          labels: {
            boxWidth: 12, boxHeight: 2, color: theme.fg,
            // the flows' entries come on top of the usual ones
            generateLabels: (chart) => legendItems(globalThis.Chart.defaults.plugins.legend.labels.generateLabels(chart), chart.data.datasets,
              MAX_LEGEND + chart.data.datasets.filter((d) => d.ibpFlow).length),
          },
          onClick: (e, item, legend) => { if (!item.ibpGroup) globalThis.Chart.defaults.plugins.legend.onClick.call(legend, e, item, legend); },
        },
        decimation: { enabled: false },
        tooltip: { enabled: true },
        ibpMarkers: { events: [], refY: spec.refY, color: theme.event, refColor: theme.ref },
      },
    };
  }

  // The chart made with its data: Chart.js draws once, as it is made (made empty and then
  // redrawn with its data, the first point of a run took two chart tasks).
  mount(theme, events) {
    this.theme = theme;
    const data = { datasets: [] };
    const options = this.options(theme);
    this.fill(data, options, this.canvas.clientWidth || 400, events);
    this.chart = new globalThis.Chart(this.canvas, { type: 'line', data, options, plugins: [errorBars, markers] });
    this.dirty = false;
    this.renderedAt = performance.now();
  }

  retheme(theme) {
    this.theme = theme;
    if (this.chart) { this.chart.options = this.options(theme); this.dirty = true; }
  }

  // The datasets: the current run, the compared runs (one colour per run: its main series, and
  // its reference line such as 2/eta dashed in its colour), the kept runs (dashed, fainter), each
  // over the rows [from, to) of the x-range.
  datasets(buckets) {
    const theme = this.theme;
    const { current, kept, overlays, axis } = this.board;
    const multi = overlays.length > 0;
    const out = [];
    const points = (store, s, from, to, cache) => (cache ? cachedPoints(store, s, buckets, this.spec.log, from, to) : seriesPoints(store, s, buckets, this.spec.log, from, to));
    // one run of several: its first series and its reference lines, in the run's colour
    const addCompared = (store, label, color, cache) => {
      if (!store) return;
      const [from, to] = rowRange(store, axis.from, axis.to);
      const main = this.spec.series.find((s) => !s.ref && !s.flow && store.has(s.col));
      if (!main) return;
      out.push({ label, data: points(store, main, from, to, cache), borderColor: color, backgroundColor: color, borderWidth: 1.75, borderDash: [], stepped: false });
      for (const s of this.spec.series.filter((q) => q.ref && store.has(q.col))) {
        out.push({ label: `${s.label} (${label})`, data: points(store, s, from, to, cache), borderColor: color, backgroundColor: color, borderWidth: 1, borderDash: [6, 4], stepped: 'before', ibpRef: true });
      }
    };
    const addRun = (store, prefix, faded) => {
      if (!store) return;
      const [from, to] = rowRange(store, axis.from, axis.to);
      this.spec.series.forEach((s, i) => {
        if (!store.has(s.col) || s.flow) return; // the flows' series come from their own rows (below)
        const color = s.ref ? theme.ref : theme.series[i % theme.series.length];
        const c = faded ? alpha(color, 0.45) : color;
        out.push({
          label: prefix + s.label, data: points(store, s, from, to, faded),
          borderColor: c, backgroundColor: c, borderWidth: s.thin ? 1 : faded ? 1.25 : 1.75,
          borderDash: faded ? [4, 3] : s.dash || [], stepped: s.ref ? 'before' : false, ibpErrors: !faded && !!s.errCol,
        });
      });
    };
    kept.forEach((k, i) => addRun(k.store, `kept ${i + 1}: `, true));
    if (multi) {
      overlays.forEach((o, i) => addCompared(o.store, o.label, theme.series[(i + 1) % theme.series.length], !o.live));
      addCompared(current, this.board.mainLabel || 'this run', theme.series[0], false);
    } else {
      addRun(current, '', false);
    }
    // the flows beside GD (flow-data.js): each in its own colour, over the same steps
    const fd = this.board.flows;
    if (fd) {
      const [from, to] = rowRange(fd.store, axis.from, axis.to);
      for (const s of fd.seriesFor(this.spec.id)) {
        const c = flowColor(theme, s.flow);
        out.push({ label: s.label, data: seriesPoints(fd.store, s, buckets, this.spec.log, from, to), borderColor: c, backgroundColor: c,
          borderWidth: 2, borderDash: s.dash, stepped: false, ibpFlow: true });
      }
    }
    return out;
  }

  render(events) {
    const area = this.chart.chartArea;
    this.fill(this.chart.data, this.chart.options, area ? area.width : this.canvas.clientWidth || 400, events);
    this.chart.update('none');
    this.dirty = false;
    this.renderedAt = performance.now();
  }

  // The chart's data for a plot `width` px wide, and the options that follow from it and the board
  // (the x-axis, a log y-axis's decades, the events), into `data` and `o` (a chart's own, or those
  // a chart is about to be made with).
  fill(data, o, width, events) {
    const buckets = Math.ceil(Math.max(50, width) / 3); // min-max keeps <= 4 points a bucket: ~1.3 per pixel
    data.datasets = this.datasets(buckets);
    const ax = this.board.axis;
    o.scales.x.type = ax.log ? 'logarithmic' : 'linear';
    o.scales.x.min = ax.min;
    o.scales.x.max = ax.max;
    o.scales.x.title.text = ax.log ? 'step t (log scale)' : 'step t';
    if (this.spec.log) {
      // a log y-axis spans whole decades of the positive data shown (Chart.js left to itself can
      // start a range of 30 decades at 0, and then draws nothing), never below the view's floor
      const yFloor = this.board.view && this.board.view.yFloor ? this.board.view.yFloor[this.spec.id] : undefined;
      let lo = Infinity, hi = -Infinity;
      for (const d of data.datasets) for (const pt of d.data) {
        const xOk = !(pt.x < ax.min || pt.x > ax.max) && !(ax.log && !(pt.x > 0));
        if (xOk && pt.y > 0 && pt.y < Infinity) { if (pt.y < lo) lo = pt.y; if (pt.y > hi) hi = pt.y; }
      }
      if (lo <= hi) {
        let a = 10 ** Math.floor(Math.log10(lo) + 1e-9), b = 10 ** Math.ceil(Math.log10(hi) - 1e-9);
        if (Number.isFinite(yFloor)) a = Math.max(a, yFloor);
        if (!(b > a)) b = a * 10;
        if (b / a < 100) { a /= 10; b *= 10; } // at least 3 labelled decades... or their 1-2-5 ticks
        o.scales.y.min = a;
        o.scales.y.max = b;
      } else {
        o.scales.y.min = Number.isFinite(yFloor) ? yFloor : undefined;
        o.scales.y.max = undefined;
      }
    }
    o.plugins.ibpMarkers.events = this.spec.events ? events : [];
    const multi = this.board.overlays.length > 0;
    // the help is one sentence: the note on overlaid runs goes before its full stop
    setText(this.helpEl, multi ? `${this.spec.help.replace(/\.$/, '')}; one colour per run${this.spec.series.some((s) => s.ref) ? ', dashed: each run’s own line' : ''}.` : this.spec.help);
  }

  destroy() {
    if (this.chart) this.chart.destroy();
    this.el.remove();
  }
}

export class ChartBoard {
  // containers: { main, rest, more, moreDetails } (the main chart, the declared others, "More
  // charts"); exporter: chart-export.js (the Export menu of each chart), or null
  constructor({ main, rest, more, moreDetails = null }, { exporter = null } = {}) {
    this.c = { main, rest, more, moreDetails };
    this.exporter = exporter;
    this.only = null;     // a Set of chart ids to show (an embed link's charts=), or null for all
    this.panels = new Map();
    this.current = null;
    this.kept = [];
    this.overlays = [];   // [{ label, store, live }]: compared runs and other series with a colour each
    this.flows = null;    // the flows beside GD (flow-data.js), drawn over the loss and sharpness charts
    this.mainLabel = '';
    this.events = [];
    this.view = null;     // the preset's view (presets.js), or null
    this.xChoice = 'preset'; // the "Steps shown" menu: preset | all | { first: N } | { last: N }
    this.stepsTotal = 0;
    this.axis = { log: false, min: undefined, max: undefined, from: -Infinity, to: Infinity };
    this.theme = readTheme();
    this.frame = 0;
    this.drawMs = [];
    this.observer = 'IntersectionObserver' in globalThis ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        const p = [...this.panels.values()].find((q) => q.el === e.target);
        if (p) { p.visible = e.isIntersecting; if (p.visible && p.dirty) this.schedule(); }
      }
    }, { rootMargin: '200px' }) : null;
    if (moreDetails) moreDetails.addEventListener('toggle', () => this.markDirty());
  }

  // Chart.js's first chart costs several times what the next ones do, and almost all of it is in
  // the making, not the drawing (a warm visit, quiet machine: made 29-40 ms, then its first update
  // with data 6-10 ms; the next chart is made and drawn in 10-22 ms). main.js calls this in a task
  // of its own, after the one that evaluates the modules and before the worker's held events are
  // delivered: one throwaway chart with the loss chart's options and data is made, undrawn, on a
  // detached canvas. The run's first chart, made with its rows in the board's first task, then
  // costs what a later one does, and no task of the three reaches 50 ms on a quiet machine (made
  // in one task with the rows' delivery, or with the modules' evaluation: 60-85 ms, a long task
  // while the early run already plays).
  warmUp() {
    const C = globalThis.Chart;
    if (!C || this.warmed) return;
    this.warmed = true;
    const canvas = document.createElement('canvas');
    canvas.width = 600; canvas.height = 300;
    const spec = chartSpecs(['step', 'loss'])[0];
    const options = ChartPanel.prototype.options.call({ board: this, spec }, this.theme, { responsive: false, devicePixelRatio: 1 });
    const line = (f) => Array.from({ length: 64 }, (_, i) => ({ x: i, y: f(i) }));
    try {
      new C(canvas, {
        type: 'line', options, plugins: [errorBars, markers],
        data: { datasets: [{ label: 'a', data: line((i) => 1 + 1 / (1 + i)) }, { label: 'b', data: line(() => 1.5), borderDash: [6, 4], stepped: 'before' }] },
      }).destroy();
    } catch { /* only a warm-up */ }
  }

  // The charts for the columns of the current run and the overlaid ones, placed by the view.
  sync() {
    const cols = new Set(this.current ? this.current.columns : []);
    for (const k of this.kept) for (const c of k.store.columns) cols.add(c);
    const specs = chartSpecs([...cols]).filter((s) => !this.only || this.only.has(s.id));
    const declared = (this.view && this.view.charts) || [];
    const order = [...declared.filter((id) => specs.some((s) => s.id === id)), ...specs.map((s) => s.id).filter((id) => !declared.includes(id))];
    // embedded or without a view: every chart in the main places, in page order
    const nTop = this.only ? order.length : Math.max(2, declared.filter((id) => specs.some((s) => s.id === id)).length);
    const want = new Set(order);
    for (const [id, p] of this.panels) if (!want.has(id)) { if (this.observer) this.observer.unobserve(p.el); p.destroy(); this.panels.delete(id); }
    order.forEach((id, k) => {
      const spec = specs.find((s) => s.id === id);
      let p = this.panels.get(id);
      if (!p) {
        p = new ChartPanel(this, spec);
        this.panels.set(id, p); // its Chart is made in draw(), in a task of its own
        if (this.observer) this.observer.observe(p.el);
      } else {
        p.spec = spec;
      }
      p.place = k === 0 ? 'main' : k < nTop ? 'top' : 'more';
      // appended in placement order, so the DOM order (and the tab order) is the visual order
      (k === 0 ? this.c.main : k < nTop ? this.c.rest : this.c.more).append(p.el);
      p.dirty = true;
    });
    if (this.c.moreDetails) this.c.moreDetails.hidden = !this.c.more.children.length;
    this.updateAxis();
    this.schedule();
  }

  // The x-axis: the preset's view unless the "Steps shown" menu says otherwise.
  updateAxis() {
    const v = this.view || {};
    const cur = this.current;
    const steps = cur && cur.n ? cur.col('step') : null;
    const last = steps ? steps[cur.n - 1] : 0;
    let a = { log: false, min: undefined, max: undefined, from: -Infinity, to: Infinity };
    const ch = this.xChoice;
    if (ch === 'preset' && v.x) a = { log: false, min: v.x.from, max: v.x.to, from: v.x.from, to: v.x.to };
    else if (ch === 'preset' && v.xLog) a = { log: true, min: 1, max: Math.max(10, this.stepsTotal || last || 10), from: 1, to: Infinity };
    // the phenomenon's window is on the axis from the start; the run grows into it (and past it)
    else if (ch === 'preset' && v.window) a = { log: false, min: v.window[0], max: Math.max(v.window[1], last), from: -Infinity, to: Infinity };
    else if (ch && ch.first && steps) a = { log: false, min: steps[0], max: steps[0] + ch.first, from: steps[0], to: steps[0] + ch.first };
    else if (ch && ch.last && steps) a = { log: false, min: Math.max(steps[0], last - ch.last), max: last, from: Math.max(steps[0], last - ch.last), to: last };
    this.axis = a;
  }

  // The visible x-range of a chart as drawn (tests and the preset's window check read it).
  xRangeOf(id) {
    const p = this.panels.get(id);
    if (!p || !p.chart) return null;
    const x = p.chart.scales.x;
    return { min: x.min, max: x.max, log: x.type === 'logarithmic' };
  }

  setCurrent(store) { this.current = store; this.sync(); }
  setOnly(ids) { this.only = ids ? new Set(ids) : null; this.sync(); }
  setKept(kept) { this.kept = kept; this.sync(); }
  setView(view, { stepsTotal = 0 } = {}) { this.view = view; this.stepsTotal = stepsTotal; this.sync(); }
  setOverlays(list, mainLabel = '') { this.overlays = list; this.mainLabel = mainLabel; this.markDirty(); }
  setEvents(events) { this.events = events; this.markDirty(); }
  // the flows beside GD (flow-data.js FlowData), or null; redrawn as their rows stream in
  setFlows(flows) { this.flows = flows; this.markDirty(); }
  setXRange(choice) { this.xChoice = choice; this.updateAxis(); this.markDirty(); }
  markDirty() { this.updateAxis(); for (const p of this.panels.values()) p.dirty = true; this.schedule(); }
  retheme() {
    this.theme = readTheme();
    for (const p of this.panels.values()) if (p.chart) p.retheme(this.theme);
    this.schedule();
  }

  // Paced by animation frames, but drawn outside them: each chart's redraw is a task of its own
  // (tasks.js), so the frame's style, layout and paint never wait on several Chart.js updates.
  // The first rows of the page go straight to the queue: no frame to wait for, and no waiting job
  // of the page's build (tasks.js whenOthersDone) between them and the first chart.
  schedule() {
    if (this.frame || this.queued) return;
    if (!this.drawMs.length && this.current && this.current.n) { this.queue(); return; }
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.queue(); });
  }

  queue() {
    if (this.queued) return;
    this.queued = true;
    inOwnTask(() => { this.queued = false; this.draw(); });
  }

  shown(p) {
    if (p.place === 'more' && this.c.moreDetails && !this.c.moreDetails.open) return false;
    return p.visible || !this.observer;
  }

  // One task's share of chart work: make the chart that is missing, or redraw the dirty visible
  // chart drawn least recently (at most every MIN_INTERVAL_MS); the others wait for their own
  // tasks, queued at once, or for a later frame when none is due yet.
  draw() {
    const t0 = performance.now();
    const dirty = () => [...this.panels.values()].filter((p) => p.dirty && this.shown(p));
    const ready = (list) => list.filter((p) => !p.chart || t0 - (p.renderedAt || 0) >= MIN_INTERVAL_MS)
      .sort((a, b) => (a.renderedAt || 0) - (b.renderedAt || 0));
    const [p] = ready(dirty());
    if (p) {
      if (!p.chart) p.mount(this.theme, this.events); else p.render(this.events);
      this.drawMs.push(performance.now() - t0);
      if (this.drawMs.length > 600) this.drawMs.splice(0, 300);
    }
    const left = dirty();
    if (ready(left).length) this.queue(); else if (left.length) this.schedule();
  }
}
