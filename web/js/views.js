// views.js -- the figures of the current run and how they follow it: the chart board (charts.js),
// the two-parameter trajectory, the spectrum figure (spectrum-panel.js), the status line and the
// events found in the metrics, refreshed together at about 10 Hz; the kept runs drawn under the
// current one; each figure's PNG; dark mode and resizes. It reads the run's state through
// current() and asks the worker through request(); it computes nothing itself.
import { ChartBoard } from './charts.js';
import { findEvents } from './series.js';
import { TrajectoryView } from './trajectory.js';
import { latestSpectrum } from './spectrum.js';
import { SpectrumPanel } from './spectrum-panel.js';
import { StatusLine } from './status.js';
import { setDisabled } from './dom.js';
import { valueOf } from './kv.js';

const $ = (id) => document.getElementById(id);
const MAX_KEPT = 4;

// The status line and the charts follow the run at about 10 Hz: faster is unreadable, and each
// visible change costs a paint and a compositor commit on the main thread.
const UI_INTERVAL_MS = 100;

export class Views {
  // opts: { request(type, args) -> Promise (the worker client), current() -> { info, store,
  // status, runLost, names (names.js: the engine's event names) }, shows(id) -> whether the page shows that figure (embed links choose),
  // savePng(canvas, id, title, { scale }?), announce(text), reporter() -> HostReporter | null,
  // only: the charts an embed link shows (or undefined) }
  constructor(opts) {
    this.opts = opts;
    this.els = {
      trajFig: $('traj-fig'), specFig: $('spec-fig'), keep: $('keep'), kept: $('kept'), keptList: $('kept-list'), keptClear: $('kept-clear'),
      st: { step: $('st-step'), loss: $('st-loss'), s: $('st-s'), twoEta: $('st-2eta'), edge: $('st-edge'), state: $('st-state'), events: $('st-events') },
    };
    this.board = new ChartBoard($('charts'), { lead: this.els.trajFig, onPng: (panel) => opts.savePng(panel.canvas, panel.spec.id, panel.spec.title) });
    if (opts.only) this.board.setOnly(opts.only);
    this.trajectory = new TrajectoryView($('traj'), {
      requestGrid: (x0, x1, y0, y1, nx, ny) => opts.request('lossGrid', { x0, x1, y0, y1, nx, ny }).then((r) => r.data),
    });
    this.spectrum = new SpectrumPanel({
      fig: this.els.specFig, line: $('spectrum'), full: $('spectrum-full'), button: $('spec-full'), method: $('spec-method'),
      readout: $('spec-readout'), note: $('spec-note'),
    }, (args) => opts.request('spectrum', args));
    this.statusLine = new StatusLine(this.els.st);
    this.events = [];
    this.eventsAt = 0;
    this.eventsStore = null;
    this.eventsVersion = -1;
    this.eventsTimer = 0;
    this.kept = [];
    this.earlyTrace = null;
    this.uiFrame = 0; this.uiTimer = 0; this.uiAt = 0;
    this.wire();
  }

  // The current run's metrics store (a new run, or the first batch of one).
  setStore(store) { this.board.setCurrent(store); }

  // Make `info` the current run's: no events yet, the views reset.
  startRun(info, store) {
    const { shows } = this.opts;
    this.board.setCurrent(store);
    this.events = [];
    this.board.setEvents([]);
    if (info.twoParam) {
      this.els.trajFig.hidden = !shows('traj');
      const mf = valueOf(info.full, 'model') === 'mf';
      this.trajectory.reset({ ...info.twoParam, labels: mf ? ['x', 'y'] : ['w₁', 'w₂'] }, info.lr);
      if (this.earlyTrace && this.earlyTrace.runId === info.runId) for (const d of this.earlyTrace.chunks) this.trajectory.append(d);
      this.earlyTrace = null;
    } else {
      this.els.trajFig.hidden = true;
      this.trajectory.reset(null, NaN);
    }
    this.els.specFig.hidden = !info.columns.includes('sharpness') || !shows('spectrum');
    this.spectrum.reset(info.runId);
    this.update();
  }

  // A trace batch of a two-parameter run; a new run's first point arrives before its RunInfo:
  // it is held until startRun.
  trace(m) {
    const { info } = this.opts.current();
    if (info && m.runId === info.runId) this.trajectory.append(m.data);
    else if (!info || m.runId > info.runId) {
      if (!this.earlyTrace || this.earlyTrace.runId !== m.runId) this.earlyTrace = { runId: m.runId, chunks: [] };
      this.earlyTrace.chunks.push(m.data);
    }
  }

  // Every status of the worker (the spectrum follows the run when it stops).
  status(s) { this.spectrum.status(s); }

  setEta(v) { this.trajectory.setEta(v); }
  setOnly(ids) { this.board.setOnly(ids); }

  // At most one refresh per UI_INTERVAL_MS, in an animation frame.
  schedule() {
    if (this.uiFrame || this.uiTimer) return;
    const wait = UI_INTERVAL_MS - (performance.now() - this.uiAt);
    const frame = () => {
      this.uiTimer = 0;
      this.uiFrame = requestAnimationFrame(() => { this.uiFrame = 0; this.uiAt = performance.now(); this.update(); this.board.markDirty(); });
    };
    if (wait > 0) this.uiTimer = setTimeout(frame, wait); else frame();
  }

  update() {
    const { store, status, info, runLost, names } = this.opts.current();
    const reporter = this.opts.reporter();
    // events: from the engine's column when the run has one, else detected here; at most 4 Hz,
    // with a trailing update so the last rows of a run are always looked at
    const now = performance.now();
    const fresh = store && (store !== this.eventsStore || store.version !== this.eventsVersion);
    if (fresh && now - this.eventsAt <= 250) {
      if (!this.eventsTimer) this.eventsTimer = setTimeout(() => { this.eventsTimer = 0; this.schedule(); }, 260 - (now - this.eventsAt));
    } else if (fresh && names) {
      this.eventsAt = now;
      this.eventsStore = store;
      this.eventsVersion = store.version;
      const ev = findEvents(store, names, 2);
      const sig = (list) => list.map((e) => `${e.kind}@${e.step}`).join(',');
      if (sig(ev) !== sig(this.events)) {
        this.events = ev;
        this.board.setEvents(ev);
        for (const e of ev.slice(-2)) if (e.kind === 'catapult' || e.kind === 'eos') this.opts.announce(`${e.label} at step ${e.step}`);
      }
      if (reporter) { reporter.steps(store, status); reporter.events(ev); }
      if (!this.els.specFig.hidden) this.spectrum.setLatest(latestSpectrum(store));
    }
    this.statusLine.update(store, status, this.events);
    setDisabled(this.els.keep, !info || runLost || !store || store.n < 2);
  }

  // ---- kept runs (overlay) -------------------------------------------------------------------

  keep() {
    const { store, info } = this.opts.current();
    if (!store || !info) return;
    const label = info.canonical || 'engine defaults';
    // the kept copy is frozen; the current run goes on drawing into its own store
    this.kept.push({ store: store.clone(), label, runId: info.runId });
    if (this.kept.length > MAX_KEPT) this.kept.shift();
    this.renderKept();
    this.board.setKept(this.kept);
    this.opts.announce('run kept: change a setting and apply to compare on the same axes');
  }

  renderKept() {
    const { kept, keptList } = this.els;
    kept.hidden = this.kept.length === 0;
    keptList.replaceChildren();
    this.kept.forEach((k, i) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = `kept ${i + 1}: ${k.label}`;
      const rm = document.createElement('button');
      rm.type = 'button';
      rm.textContent = 'Remove';
      rm.setAttribute('aria-label', `Remove kept run ${i + 1}`);
      rm.addEventListener('click', () => { this.kept.splice(i, 1); this.renderKept(); this.board.setKept(this.kept); });
      li.append(name, ' ', rm);
      keptList.append(li);
    });
  }

  // ---- wiring --------------------------------------------------------------------------------

  wire() {
    this.els.keep.addEventListener('click', () => this.keep());
    this.els.keptClear.addEventListener('click', () => { this.kept = []; this.renderKept(); this.board.setKept([]); });
    $('xrange').addEventListener('change', (e) => {
      const [kind, n] = e.target.value.split(':');
      this.board.setXRange(kind === 'first' || kind === 'last' ? { [kind]: Number(n) } : null);
    });
    // the figures' own PNG buttons (the chart board makes those of its charts)
    for (const b of document.querySelectorAll('button[data-png]')) {
      const fig = b.closest('figure');
      const title = () => fig.querySelector('.chart-title').textContent;
      b.addEventListener('click', () => {
        if (b.dataset.png === 'spectrum') {
          const { canvas, scale } = this.spectrum.png();
          this.opts.savePng(canvas, 'spectrum', title(), { scale });
        } else this.opts.savePng(fig.querySelector('canvas'), b.dataset.png, title());
      });
    }
    const redraw = () => { this.trajectory.schedule(); this.spectrum.redraw(); };
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { this.board.retheme(); redraw(); });
    window.addEventListener('resize', () => { redraw(); this.board.markDirty(); });
  }
}
