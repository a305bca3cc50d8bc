// panels.js -- a paper preset's figure, live (presets/presets.json): its panels and the check of
// its phenomenon, computed in the browser while the page is read.
//   runs        several configs on the same axes, one colour per run, with the panel's lines
//               (a horizontal y, or the per-run 2/eta dashed in the run's colour); a values table
//   sweep       a grid over one or two keys on the sweep pool (sweep-pool.js), drawn by
//               sweep-plot.js with the paper's theory lines and regime bands
//   trajectory  two-parameter runs drawn by the playground's trajectory view, each from its own
//               playground worker (worker.js: the loss grid and the minimizer hyperbola)
//   check       the preset's `check`: the phenomenon in numbers (an EoS ratio, a catapult event, a
//               flat balance gap ...), with a verdict; evaluateCheck (preset-check.js) is pure
// Runs and cells go to one shared pool of workers, so a page never runs more jobs than cores.
// A panel starts when it scrolls into view and has a Run / Stop button. Text only: nothing from
// presets.json or the engine is ever parsed as markup.
import { RunData, seriesPoints } from './series.js';
import { checkColumns, evaluateCheck, finite } from './preset-check.js';
import { tickLabel, thinLogTicks } from './charts.js';
import { SweepPlot, readSweepTheme, sweepLines, fieldValue } from './sweep-plot.js';
import { runSweep, SweepRefused } from './sweep-pool.js';
import { TrajectoryView } from './trajectory.js';
import { WorkerClient } from './worker-client.js';
import { fmt, formatDuration } from './format.js';
import { el } from './dom.js';
import { withPairs, pairOf } from './kv.js';

const PLAYGROUND = new URL('../index.html', import.meta.url);
const SWEEP_PAGE = new URL('../sweep.html', import.meta.url);
const PLAYGROUND_WORKER = new URL('../worker.js', import.meta.url);

// ---- pure helpers ----------------------------------------------------------------------------

// base with the pairs of `set` replacing the pairs of the same keys ("a=1&b=2").
export function withSet(base, set) {
  return set ? withPairs(base, set) : base;
}

export function playgroundLink(config) {
  const u = new URL(PLAYGROUND);
  u.hash = `v=1&${config}`;
  return u.href;
}

// How a run ended, as a sentence in the engine's state words (ibp_run_state_string): "300 steps
// done in 0.29 s", "diverged at step 12, in 0.05 s"; without seconds, "300 steps done". The state
// name alone before "after N steps" read "steps done after 300 steps".
export function runEndText(end, seconds) {
  const t = Number(end && end.t), name = end && end.stateName ? String(end.stateName) : 'stopped';
  const took = seconds === undefined ? '' : formatDuration(seconds);
  if (name === 'steps done') return `${t} step${t === 1 ? '' : 's'} done${took ? ` in ${took}` : ''}`;
  return `${name} at step ${t}${took ? `, in ${took}` : ''}`;
}

// A run's store, extended with product columns 'a*b' computed as rows arrive.
export class RunStore {
  constructor(products = []) {
    this.products = products.map((p) => p.split('*'));
    this.names = products;
    this.store = null;
  }
  append(columns, data, nrows) {
    const nc = columns.length, np = this.products.length;
    if (!this.store) this.store = new RunData([...columns, ...this.names]);
    if (!np) { this.store.append(columns, data, nrows); return; }
    const idx = this.products.map((fs) => fs.map((f) => columns.indexOf(f)));
    const out = new Float64Array(nrows * (nc + np));
    for (let i = 0; i < nrows; i++) {
      for (let j = 0; j < nc; j++) out[i * (nc + np) + j] = data[i * nc + j];
      idx.forEach((ix, k) => { out[i * (nc + np) + nc + k] = ix.every((j) => j >= 0) ? ix.reduce((p, j) => p * data[i * nc + j], 1) : NaN; });
    }
    this.store.append([...columns, ...this.names], out, nrows);
  }
  get n() { return this.store ? this.store.n : 0; }
  col(name) { return this.store ? this.store.col(name) : null; }
}

// ---- DOM helpers -----------------------------------------------------------------------------

function valuesTable(caption, head, rows) {
  const t = el('table', { class: 'cells' }, el('caption', { class: 'visually-hidden', text: caption }));
  const tr = el('tr');
  head.forEach((h) => tr.append(el('th', { scope: 'col', text: h })));
  t.append(el('thead', {}, tr));
  const tb = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => row.append(el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row', text: c } : { text: c, class: 'num' })));
    tb.append(row);
  }
  t.append(tb);
  return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption }, t);
}

// A panel's frame: the Run/Stop button and the status output.
class PanelBase {
  constructor(host, preset, panel, pool, index) {
    this.host = host;
    this.preset = preset;
    this.panel = panel;
    this.pool = pool;
    this.index = index;
    this.baseGroup = `${preset.id}/${index}`;
    this.group = `${this.baseGroup}/0`;
    this.starts = 0;
    this.running = false;
    this.button = el('button', { type: 'button', text: 'Run', 'aria-label': `Run: ${panel.title || preset.title}` });
    this.status = el('output', { 'aria-live': 'polite', text: 'not run yet' });
    this.status.setAttribute('aria-label', `${panel.title || 'panel'}: status`);
    this.bar = el('div', { class: 'panel-bar' }, this.button, this.status);
    this.host.append(this.bar);
    this.button.addEventListener('click', () => (this.running ? this.stop() : this.start()));
  }
  // A fresh job group for a new start (the previous one's jobs are cancelled): late answers of an
  // older start compare their group with this.group and are dropped.
  newGroup() {
    this.pool.cancel(this.group);
    this.group = `${this.baseGroup}/${++this.starts}`;
    return this.group;
  }
  setStatus(text, state) {
    this.status.textContent = text;
    if (state) this.status.dataset.state = state;
  }
  setRunning(on) {
    this.running = on;
    this.button.textContent = on ? 'Stop' : 'Run again';
    this.button.setAttribute('aria-label', `${on ? 'Stop' : 'Run again'}: ${this.panel.title || this.preset.title}`);
  }
  stop() {
    this.pool.cancel(this.group);
    this.setRunning(false);
    this.setStatus('stopped', 'stopped');
  }
}

// ---- runs ------------------------------------------------------------------------------------

export class RunsPanel extends PanelBase {
  constructor(host, preset, panel, pool, index) {
    super(host, preset, panel, pool, index);
    this.charts = (panel.charts || []).map((c) => this.makeChart(c));
    this.host.append(el('div', { class: 'panel-charts' }, ...this.charts.map((c) => c.fig)));
    this.values = el('details', { class: 'values' }, el('summary', { text: 'Values of the runs' }));
    this.host.append(this.values);
    const links = el('p', { class: 'help' }, 'Open in the playground: ');
    panel.runs.forEach((r, i) => {
      if (i) links.append(' · ');
      links.append(el('a', { href: playgroundLink(withSet(panel.base, r.set)), text: r.label }));
    });
    this.host.append(links);
    this.frame = 0;
  }

  makeChart(spec) {
    const title = spec.label || spec.y.join(', ');
    const perRun = (spec.lines || []).some((l) => l.per_run === 'two_over_eta');
    const help = [spec.log ? 'log scale' : '', perRun ? 'dashed: 2/η in each run’s colour' : '', spec.y.length > 1 ? `dashed: ${spec.y.slice(1).join(', ')}` : ''].filter(Boolean).join('; ');
    const canvas = el('canvas', { role: 'img', 'aria-label': `${title} against the step, one colour per run${help ? `; ${help}` : ''}` });
    const fig = el('figure', {}, el('figcaption', {}, el('span', { class: 'chart-title', text: title }), help ? el('span', { class: 'chart-help', text: help }) : null),
      el('div', { class: 'chart-box' }, canvas));
    return { spec, fig, canvas, chart: null };
  }

  start() {
    const group = this.newGroup();
    const runs = this.panel.runs;
    const products = [...new Set((this.panel.charts || []).flatMap((c) => c.y).filter((y) => y.includes('*')))];
    const columns = [...new Set([...(this.panel.charts || []).flatMap((c) => c.y.flatMap((y) => y.split('*'))), 'loss'])];
    this.stores = runs.map(() => new RunStore(products));
    this.ends = runs.map(() => null);
    this.setRunning(true);
    const t0 = performance.now();
    let done = 0;
    this.setStatus(`running ${runs.length} run${runs.length > 1 ? 's' : ''}…`, 'running');
    const stores = this.stores;
    runs.forEach((r, i) => {
      this.pool.submit('run', { config: withSet(this.panel.base, r.set), columns }, {
        group,
        onRows: (m) => { stores[i].append(m.columns, m.data, m.nrows); this.drawSoon(); },
      }).then((end) => {
        if (group !== this.group) return;
        this.ends[i] = end;
        done++;
        if (done === runs.length) {
          this.setRunning(false);
          this.setStatus(`${runs.length} run${runs.length > 1 ? 's' : ''} in ${formatDuration((performance.now() - t0) / 1000)}`, 'done');
        } else this.setStatus(`${done} of ${runs.length} runs done…`, 'running');
        this.drawSoon();
        this.renderValues();
      }, (e) => {
        if (e.kind === 'aborted' || group !== this.group) return;
        this.ends[i] = { error: e.message };
        this.setStatus(`${r.label}: ${e.message}`, 'error');
      });
    });
  }

  drawSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  draw() {
    const theme = readSweepTheme(this.pool.info.names);
    for (const c of this.charts) this.drawChart(c, theme);
  }

  drawChart(c, theme) {
    const Chart = globalThis.Chart;
    const spec = c.spec;
    const width = Math.max(50, c.canvas.clientWidth || 400);
    const datasets = [];
    const lines = [];
    this.panel.runs.forEach((r, i) => {
      const st = this.stores[i];
      if (!st || !st.store) return;
      const color = theme.series[i % theme.series.length];
      spec.y.forEach((y, j) => {
        datasets.push({
          label: spec.y.length > 1 ? `${r.label}: ${y}` : r.label,
          data: seriesPoints(st.store, { col: y }, Math.ceil(width / 3), !!spec.log),
          borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0,
          borderDash: j > 0 ? [5, 3] : [],
        });
      });
      for (const l of spec.lines || []) {
        if (l.per_run === 'two_over_eta') {
          datasets.push({
            label: `2/η (${r.label})`, data: seriesPoints(st.store, { col: 'lr', map: (v) => 2 / v }, Math.ceil(width / 3), !!spec.log),
            borderColor: color, backgroundColor: color, borderWidth: 1, borderDash: [6, 4], pointRadius: 0, stepped: 'before',
            ibpRef: true,
          });
        }
      }
    });
    for (const l of spec.lines || []) if (Number.isFinite(l.y)) lines.push(l);
    if (!c.chart) {
      c.chart = new Chart(c.canvas, {
        type: 'line',
        data: { datasets },
        options: {
          animation: false, parsing: false, normalized: true, responsive: true, maintainAspectRatio: false, spanGaps: true,
          interaction: { mode: 'nearest', axis: 'x', intersect: false },
          scales: {
            x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { maxTicksLimit: 6, callback: tickLabel } },
            y: {
              type: spec.log ? 'logarithmic' : 'linear', title: { display: true, text: spec.label || spec.y.join(', ') },
              ticks: { maxTicksLimit: 6, callback: tickLabel },
              afterBuildTicks: spec.log ? (axis) => { axis.ticks = thinLogTicks(axis.ticks); } : undefined,
            },
          },
          plugins: {
            // the per-run 2/eta lines are explained in the caption, not listed in the legend
            legend: { labels: { boxWidth: 12, boxHeight: 2, filter: (item, data) => !data.datasets[item.datasetIndex].ibpRef } },
            decimation: { enabled: false }, ibpSweepLines: {},
          },
        },
        plugins: [sweepLines],
      });
    }
    const o = c.chart.options;
    for (const axis of [o.scales.x, o.scales.y]) { axis.ticks.color = theme.muted; axis.title.color = theme.muted; axis.grid = { color: theme.grid }; }
    o.plugins.legend.labels.color = theme.fg;
    o.plugins.ibpSweepLines = { lines, theme };
    c.chart.data.datasets = datasets;
    c.chart.update('none');
  }

  renderValues() {
    const cols = [...new Set((this.panel.charts || []).flatMap((c) => c.y))];
    const rows = [];
    this.panel.runs.forEach((r, i) => {
      const st = this.stores[i];
      if (!st || !st.store) return;
      for (const y of cols) {
        const v = st.col(y);
        const idx = finite(v, st.n);
        if (!idx.length) continue;
        let mn = Infinity, mx = -Infinity;
        for (const k of idx) { mn = Math.min(mn, v[k]); mx = Math.max(mx, v[k]); }
        const end = this.ends[i];
        rows.push([`${r.label}: ${y}`, fmt(v[idx[0]], 5), fmt(mn, 5), fmt(mx, 5), fmt(v[idx[idx.length - 1]], 5), end && end.stateName ? runEndText(end) : 'running']);
      }
    });
    this.values.replaceChildren(el('summary', { text: 'Values of the runs' }),
      valuesTable(`Values of the runs of ${this.panel.title}`, ['run: series', 'first', 'min', 'max', 'last', 'state'], rows));
  }
}

// ---- sweeps ----------------------------------------------------------------------------------

export class SweepPanel extends PanelBase {
  constructor(host, preset, panel, pool, index) {
    super(host, preset, panel, pool, index);
    this.spec = {
      y: Array.isArray(panel.y) ? panel.y : [panel.y], xKey: panel.x_key, seriesKey: panel.series_key,
      view: panel.series_key ? 'lines' : 'heatmap', xScale: panel.x_scale, xLog: !!panel.x_log, yLog: !!panel.y_log,
      xLabel: panel.x_label, yLabel: panel.y_label, lines: panel.lines || [], bands: panel.bands || null,
    };
    this.regimes = el('ul', { class: 'regimes', 'aria-label': `Regimes: ${panel.title}` });
    this.box = el('div', { class: 'plot-box' });
    this.hover = el('output', { class: 'hover-line' });
    // the caption names the fields as the engine does once it is loaded (captionText)
    this.caption = el('span', { class: 'chart-help', text: this.captionText((f) => f) });
    const fig = el('figure', { class: 'sweep-fig' }, el('figcaption', {}, this.caption), this.box, this.hover);
    const u = new URL(SWEEP_PAGE);
    u.hash = `preset=${encodeURIComponent(preset.id)}&panel=${index}&run=1`;
    this.host.append(this.regimes, fig, el('p', { class: 'help' }, el('a', { href: u.href, text: 'Open this sweep in the sweep page' }), ` (grid: ${panel.vary.join(' × ')})`));
    this.progress = el('progress', { max: '1', value: '0', 'aria-label': `${panel.title}: progress` });
    this.bar.insertBefore(this.progress, this.status);
    this.plot = new SweepPlot(this.box, { onPick: (c) => this.open(c), onHover: (c) => this.showHover(c) });
    this.results = [];
    this.frame = 0;
  }

  captionText(fieldLabel) {
    const { panel } = this;
    return `${panel.y_label || this.spec.y.map(fieldLabel).join(', ')} against ${panel.x_label || this.spec.xKey || pairOf(panel.vary[0])[0]}; colours are the regimes; click a point to open that run in the playground.`;
  }

  async start() {
    const group = this.newGroup();
    this.setRunning(true);
    this.setStatus('checking the grid…', 'running');
    try {
      const out = await runSweep(this.pool, { base: this.panel.base, vary: this.panel.vary }, {
        group,
        onPlan: (plan) => {
          if (group !== this.group) return;
          this.plan = plan;
          this.results = new Array(plan.cells).fill(null);
          this.progress.max = plan.cells;
          this.progress.value = 0;
          this.setStatus(`0 of ${plan.cells} cells`, 'running');
        },
        onCell: (r) => {
          if (group !== this.group) return;
          this.results[r.cell] = r;
          const done = this.results.filter(Boolean).length;
          this.progress.value = done;
          this.setStatus(`${done} of ${this.plan.cells} cells`, 'running');
          this.drawSoon();
        },
      });
      if (group === this.group) this.setStatus(`${out.plan.cells} cells in ${formatDuration(out.wallMs / 1000)} with ${this.pool.size} worker${this.pool.size > 1 ? 's' : ''}`, 'done');
    } catch (e) {
      if (e.kind === 'aborted' || group !== this.group) return;
      this.setStatus(e instanceof SweepRefused || e.kind === 'config' ? e.message : `the sweep failed: ${e.message}`, 'error');
    } finally {
      if (this.group === group) this.setRunning(false);
    }
  }

  drawSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.plan) return;
      const { names } = this.pool.info;
      this.caption.textContent = this.captionText(names.fieldLabel);
      this.plot.render(this.spec, this.plan, this.results, readSweepTheme(names));
      this.regimes.replaceChildren(...names.regimeCounts(this.results).map((g) => el('li', { 'data-regime': g.id, title: g.help },
        el('span', { class: `swatch ${g.id}`, 'aria-hidden': 'true' }), el('span', { text: `${g.label}: ${g.count}` }))));
    });
  }

  open(cell) {
    const r = this.results[cell];
    if (r && r.canonical) window.open(playgroundLink(r.canonical), '_blank', 'noopener');
  }

  showHover(cell) {
    const r = cell === null ? null : this.results[cell];
    if (!r) { this.hover.textContent = ''; return; }
    const vals = this.plan.keys.map((k, i) => `${k} = ${r.values[i]}`).join(', ');
    const { names } = this.pool.info;
    const ys = this.spec.y.map((f) => `${names.fieldLabel(f)} = ${fmt(fieldValue(r, f, names))}`).join(' · ');
    this.hover.textContent = `${vals} · ${names.regimeOf(r.regime).label} · ${ys}`;
  }
}

// ---- trajectories ----------------------------------------------------------------------------

export class TrajectoryPanel extends PanelBase {
  constructor(host, preset, panel, pool, index) {
    super(host, preset, panel, pool, index);
    this.items = panel.runs.map((r) => {
      const canvas = el('canvas', { role: 'img', 'aria-label': `Gradient descent path for ${r.label}` });
      const out = el('output', { class: 'hover-line', text: '' });
      const fig = el('figure', {}, el('figcaption', {}, el('span', { class: 'chart-title', text: r.label })), canvas, out,
        el('a', { href: playgroundLink(withSet(panel.base, r.set)), text: 'open in the playground' }));
      return { run: r, canvas, out, fig, client: null, view: null };
    });
    this.host.append(el('div', { class: 'panel-trajs' }, ...this.items.map((it) => it.fig)));
    this.host.append(el('p', { class: 'help', text: 'Each path runs over the loss contours; red: the minimizers xy = μ; shaded: the stable disc η (x² + y²) ≤ 2.' }));
  }

  start() {
    this.stopClients();
    this.setRunning(true);
    this.setStatus('running…', 'running');
    let done = 0;
    const t0 = performance.now();
    this.items.forEach((it) => {
      const client = new WorkerClient(PLAYGROUND_WORKER);
      it.client = client;
      const view = new TrajectoryView(it.canvas, { requestGrid: (x0, x1, y0, y1, nx, ny) => client.request('lossGrid', { x0, x1, y0, y1, nx, ny }).then((r) => r.data) });
      it.view = view;
      let runId = -1;
      const early = [];
      client.on('trace', (m) => { if (m.runId === runId) view.append(m.data); else early.push(m); });
      let finished = false;
      client.on('status', (s) => {
        if (s.runId !== runId || s.running || finished) return;
        finished = true;
        const t = view.trace;
        const k = t.length - 3;
        if (k >= 0) {
          const x = t[k + 1], y = t[k + 2], eta = s.lr;
          it.out.textContent = `step ${t[k]}: (x, y) = (${fmt(x, 4)}, ${fmt(y, 4)}), x y = ${fmt(x * y, 6)}, η (x² + y²) / 2 = ${fmt((eta * (x * x + y * y)) / 2, 4)}, |x − y| = ${fmt(Math.abs(x - y), 4)}`;
        }
        view.schedule();
        done++;
        if (done === this.items.length) { this.setRunning(false); this.setStatus(`${done} runs in ${formatDuration((performance.now() - t0) / 1000)}`, 'done'); }
      });
      client.request('create', { config: withSet(this.panel.base, it.run.set) }).then((info) => {
        runId = info.runId;
        view.reset({ ...(info.twoParam || { product: false, x0: 0, y0: 0 }), labels: ['x', 'y'] }, info.lr);
        for (const m of early.splice(0)) if (m.runId === runId) view.append(m.data);
        return client.request('play');
      }).catch((e) => { it.out.textContent = `this run could not start: ${e.message}`; });
    });
  }

  stopClients() {
    for (const it of this.items) if (it.client) { it.client.terminate(); it.client = null; }
  }

  stop() {
    this.stopClients();
    this.setRunning(false);
    this.setStatus('stopped', 'stopped');
  }
}

// ---- the check -------------------------------------------------------------------------------

export class CheckPanel extends PanelBase {
  constructor(host, preset, pool) {
    super(host, preset, { title: 'the check' }, pool, 'check');
    this.sentence = el('p', { class: 'check-sentence' });
    this.verdict = el('p', { class: 'verdict', role: 'status', 'aria-label': 'check verdict', text: 'not run yet' });
    this.table = el('div');
    this.host.append(this.verdict, this.sentence, this.table);
    this.host.append(el('p', { class: 'help' }, `The run: `, el('a', { href: playgroundLink(preset.config), text: 'this preset’s config in the playground' }), '.'));
    this.frame = 0;
  }

  start() {
    const group = this.newGroup();
    const store = new RunStore();
    this.store = store;
    this.end = null;
    this.setRunning(true);
    this.verdict.textContent = 'running…';
    this.verdict.className = 'verdict';
    this.verdict.dataset.state = 'running';
    this.setStatus('running the preset…', 'running');
    const t0 = performance.now();
    this.pool.submit('run', { config: this.preset.config, columns: checkColumns(this.preset.check) }, {
      group,
      onRows: (m) => { store.append(m.columns, m.data, m.nrows); this.showSoon(); },
    }).then((end) => {
      if (group !== this.group) return;
      this.end = end;
      this.setRunning(false);
      this.setStatus(runEndText(end, (performance.now() - t0) / 1000), 'done');
      this.show(true);
    }, (e) => {
      if (e.kind === 'aborted' || group !== this.group) return;
      this.setRunning(false);
      this.setStatus(e.message, 'error');
      this.verdict.textContent = `the run failed: ${e.message}`;
      this.verdict.dataset.state = 'error';
    });
  }

  showSoon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; if (!this.end) this.show(false); });
  }

  show(final) {
    const r = evaluateCheck(this.preset.check, this.store, this.pool.info.names);
    this.sentence.textContent = r.sentence;
    this.table.replaceChildren(valuesTable('The check in numbers', ['measured', 'value'], r.rows.map((x) => [x.label, x.text])));
    const done = final ? (r.verdict === null ? 'not seen' : r.verdict ? 'seen' : 'not seen') : 'running';
    this.verdict.textContent = final ? (r.verdict ? '✓ The phenomenon is there.' : '✗ The phenomenon was not seen in this run.') : 'running…';
    this.verdict.className = `verdict${final ? (r.verdict ? ' pass' : ' fail') : ''}`;
    this.verdict.dataset.state = final ? done : 'running';
  }
}

// ---- a preset page ---------------------------------------------------------------------------

const KINDS = { runs: RunsPanel, sweep: SweepPanel, trajectory: TrajectoryPanel };

// Fill a page's placeholders: [data-check] gets the check, [data-panel="k"] panel k. Panels
// start when they scroll into view (autostart: false leaves them to their buttons).
export function mountPresetPanels(root, preset, pool, { autostart = true } = {}) {
  const mounted = [];
  const check = root.querySelector('[data-check]');
  if (check && preset.check) mounted.push(new CheckPanel(check, preset, pool));
  for (const host of root.querySelectorAll('[data-panel]')) {
    const k = Number(host.dataset.panel);
    const panel = preset.panels[k];
    const Kind = panel && KINDS[panel.kind];
    if (!Kind) { host.append(el('p', { class: 'help', text: `This panel (${panel ? panel.kind : 'missing'}) cannot be drawn here.` })); continue; }
    mounted.push(new Kind(host, preset, panel, pool, k));
  }
  if (autostart && 'IntersectionObserver' in globalThis) {
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const p = mounted.find((m) => m.host === e.target);
        io.unobserve(e.target);
        if (p && !p.running && p.status.dataset.state === undefined) p.start();
      }
    }, { rootMargin: '100px' });
    for (const m of mounted) io.observe(m.host);
  }
  return mounted;
}
