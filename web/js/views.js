// views.js -- the figures of the current run and how they follow it: the chart board (charts.js,
// placed and zoomed by the preset's view), the data and model view (data-view.js) or the
// two-parameter trajectory, the spectrum figure (spectrum-panel.js), the status line, the events
// the engine reported, the preset's check on what is shown, the runs a preset compares
// (compare.js) and the kept runs, all refreshed together at about 30 Hz; dark mode and resizes.
// It reads the run's state through current() and asks the worker through request(); it computes
// nothing itself.
import { ChartBoard } from './charts.js';
import { findEvents } from './series.js';
import { TrajectoryView } from './trajectory.js';
import { latestSpectrum } from './spectrum.js';
import { SpectrumPanel } from './spectrum-panel.js';
import { StatusLine } from './status.js';
import { DataView } from './data-view.js';
import { CompareRuns } from './compare.js';
import { evaluateCheck } from './preset-check.js';
import { Exporter } from './chart-export.js';
import { setDisabled, setText, setAttr } from './dom.js';
import { valueOf } from './kv.js';
import { FlowData, withoutFlows } from './flow-data.js';

const $ = (id) => document.getElementById(id);
const MAX_KEPT = 4;

// The status line and the charts follow the run at about 30 Hz (at least 20 under load) (each visible change costs a
// paint on the main thread; the chart board keeps every frame within its budget).
const UI_INTERVAL_MS = 38;

export class Views {
  // opts: { request(type, args) -> Promise (the worker client), current() -> { info, store,
  // status, runLost, names (names.js: the engine's event names), preset, config }, shows(id) ->
  // whether the page shows that figure (embed links choose), savePng(canvas, id, title, opts),
  // announce(text), reporter() -> HostReporter | null, only: the charts an embed link shows (or
  // undefined), note() -> the config under exported images, say(text), error(text) }
  constructor(opts) {
    this.opts = opts;
    this.els = {
      trajFig: $('traj-fig'), specFig: $('spec-fig'), keep: $('keep'), kept: $('kept'), keptList: $('kept-list'), keptClear: $('kept-clear'),
      check: $('check'), dataPanel: $('data-panel'), flowProgress: $('flow-progress'), flowMessage: $('flow-message'),
      st: { step: $('st-step'), loss: $('st-loss'), s: $('st-s'), twoEta: $('st-2eta'), edge: $('st-edge'), state: $('st-state'), events: $('st-events') },
    };
    this.exporter = new Exporter({ note: opts.note || (() => ''), say: opts.say || (() => {}), error: opts.error || (() => {}) });
    this.board = new ChartBoard({ main: $('chart-main'), rest: $('charts'), more: $('charts-more'), moreDetails: $('more-charts') }, { exporter: this.exporter });
    if (opts.only) this.board.setOnly(opts.only);
    this.trajectory = new TrajectoryView($('traj'), {
      requestGrid: (x0, x1, y0, y1, nx, ny) => opts.request('lossGrid', { x0, x1, y0, y1, nx, ny }).then((r) => r.data),
    });
    this.data = new DataView({
      request: opts.request, exporter: this.exporter,
      els: {
        panel: $('data-panel'), caption: $('data-caption'), pictureFig: $('picture-fig'), picture: $('picture'), pictureNote: $('picture-note'),
        trajFig: $('traj-fig'), networkFig: $('network-fig'), network: $('network'), networkNote: $('network-note'),
      },
    });
    this.spectrum = new SpectrumPanel({
      fig: this.els.specFig, line: $('spectrum'), full: $('spectrum-full'), button: $('spec-full'), method: $('spec-method'),
      readout: $('spec-readout'), note: $('spec-note'),
    }, (args) => opts.request('spectrum', args));
    this.statusLine = new StatusLine(this.els.st);
    this.compare = new CompareRuns({ onChange: () => this.showOverlays() });
    this.events = [];
    this.eventsAt = 0;
    this.eventsStore = null;
    this.eventsVersion = -1;
    this.eventsTimer = 0;
    this.kept = [];
    this.early = null; // { runId, trace, flows }: a new run's batches that came before its RunInfo
    this.preset = null;
    this.flowData = null;  // the flows beside GD of the current run (flow-data.js), or null
    this.uiFrame = 0; this.uiTimer = 0; this.uiAt = 0;
    this.wire();
  }

  // The current run's metrics store (a new run, or the first batch of one).
  setStore(store) { this.board.setCurrent(store); }
  warmUp() { this.board.warmUp(); }

  // Make `info` the current run's: no events yet, the views reset.
  startRun(info, store) {
    const { shows } = this.opts;
    const early = this.early && this.early.runId === info.runId ? this.early : null;
    this.early = null;
    this.board.setCurrent(store);
    this.board.setView(this.viewOf(), { stepsTotal: info.stepsTotal });
    this.events = [];
    this.board.setEvents([]);
    if (info.twoParam) {
      const mf = valueOf(info.full, 'model') === 'mf';
      this.trajectory.reset({ ...info.twoParam, labels: mf ? ['x', 'y'] : ['w₁', 'w₂'] }, info.lr);
      if (early) for (const m of early.trace) this.trajectory.append(m.data);
    } else {
      this.trajectory.reset(null, NaN);
    }
    this.data.startRun(info);
    this.flowData = info.flows ? new FlowData(info.runId, info.flows, info.nparams) : null;
    if (this.flowData && early) for (const m of early.flows) this.flowData.update(m);
    this.board.setFlows(this.flowData);
    this.trajectory.setFlows(this.flowData);
    this.showFlows();
    this.els.trajFig.hidden = !info.twoParam || !shows('traj');
    this.els.dataPanel.classList.toggle('embed-shown', shows('data') || (!!info.twoParam && shows('traj')));
    this.els.specFig.hidden = !shows('spectrum');
    this.spectrum.reset(info.runId);
    this.showCheck();
    this.update();
  }

  // The preset the current run is (its view, its compared runs, its check), or null.
  setPreset(preset) {
    this.preset = preset;
    const { info, schema } = this.opts.current();
    this.board.setView(this.viewOf(), { stepsTotal: info ? info.stepsTotal : 0 });
    const cmp = preset && preset.view && preset.view.compare;
    // the compared runs are GD's: the flows beside the main run are not run again for each
    if (cmp && info) this.compare.start(cmp, withoutFlows(info.canonical, schema));
    else this.compare.stop();
    this.showOverlays();
    this.showCheck();
  }

  viewOf() {
    const p = this.preset;
    return p && p.view ? p.view : null;
  }

  showOverlays() {
    const cmp = this.preset && this.preset.view && this.preset.view.compare;
    this.board.setOverlays(cmp ? this.compare.overlays() : [], cmp ? cmp.main : '');
  }

  // A batch of a run newer than the page's (the worker started it early, before the page took it
  // over) is held until startRun, as its rows are (store.js), else its trace and its flows' curves
  // would start where the page took it over. -> true when held.
  holdEarly(kind, m) {
    const { info } = this.opts.current();
    if (info && m.runId <= info.runId) return false;
    if (!this.early || this.early.runId !== m.runId) this.early = { runId: m.runId, trace: [], flows: [] };
    this.early[kind].push(m);
    return true;
  }

  // A trace batch of a two-parameter run.
  trace(m) {
    if (this.holdEarly('trace', m)) return;
    if (m.runId === this.opts.current().info.runId) this.trajectory.append(m.data);
  }

  // Every status of the worker (the spectrum follows the run when it stops; the data view asks
  // for a picture of the new step; the flows say where they are).
  status(s) {
    this.spectrum.status(s);
    const { info } = this.opts.current();
    if (info && s.runId === info.runId) this.data.poll(s.t, !s.running);
    if (this.flowData && s.runId === this.flowData.runId && s.flows) { this.flowData.update(s.flows); this.showFlows(); }
  }

  // A batch of flow rows (protocol.js 'flows'): onto the charts and the trajectory as they come.
  flows(m) {
    if (this.holdEarly('flows', m)) return;
    const fd = this.flowData;
    if (!fd || m.runId !== fd.runId) return;
    fd.update(m);
    this.schedule(); // the charts, at the pace of the metrics (UI_INTERVAL_MS)
    this.trajectory.schedule();
    this.showFlows();
  }

  // Where the flows are, and a stopped flow's sentence (the engine's words, as text).
  showFlows() {
    const fd = this.flowData;
    const { flowProgress: p, flowMessage: msg } = this.els;
    if (!p || !msg) return;
    p.hidden = !fd;
    msg.hidden = !fd || !fd.message;
    if (!fd) return;
    setText(p, fd.progressText());
    setText(msg, fd.message ? `${fd.message[0].toUpperCase()}${fd.message.slice(1)}. Gradient descent goes on without it.` : '');
  }

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
    // events: the engine's, read from its column; at most 4 Hz while the run goes on, with a
    // trailing update so the last rows of a run are always looked at, and at once when it stops
    // (the status line never says "paused" beside the events of an earlier moment)
    const now = performance.now();
    const fresh = store && (store !== this.eventsStore || store.version !== this.eventsVersion);
    const stopped = !status || !status.running || !status.playing;
    if (fresh && !stopped && now - this.eventsAt <= 250) {
      if (!this.eventsTimer) this.eventsTimer = setTimeout(() => { this.eventsTimer = 0; this.schedule(); }, 260 - (now - this.eventsAt));
    } else if (fresh && names) {
      this.eventsAt = now;
      this.eventsStore = store;
      this.eventsVersion = store.version;
      const ev = findEvents(store, names);
      const sig = (list) => list.map((e) => `${e.kind}@${e.step}`).join(',');
      if (sig(ev) !== sig(this.events)) {
        this.events = ev;
        this.board.setEvents(ev);
        for (const e of ev.slice(-2)) if (e.kind === 'catapult' || e.kind === 'eos') this.opts.announce(`${e.label} at step ${e.step}`);
      }
      if (reporter) { reporter.steps(store, status); reporter.events(ev); }
      if (!this.els.specFig.hidden) this.spectrum.setLatest(latestSpectrum(store));
      this.showCheck();
    }
    this.statusLine.update(store, status, this.events);
    setDisabled(this.els.keep, !info || runLost || !store || store.n < 2);
  }

  // The preset's check, on the run shown: a badge next to the run buttons.
  showCheck() {
    const el = this.els.check;
    const { store, names, status } = this.opts.current();
    const p = this.preset;
    if (!p || !p.check || !store || !names) { setText(el, ''); setAttr(el, 'data-state', ''); el.title = ''; return; }
    const r = evaluateCheck(p.check, store, names);
    const done = status && !status.running;
    const state = r.verdict === true ? 'pass' : r.verdict === false && done ? 'fail' : 'pending';
    setText(el, state === 'pass' ? '✓ claim seen' : state === 'fail' ? '✗ claim not seen' : 'checking the claim…');
    setAttr(el, 'data-state', state);
    el.title = r.sentence;
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
      const v = e.target.value;
      const [kind, n] = v.split(':');
      this.board.setXRange(kind === 'first' || kind === 'last' ? { [kind]: Number(n) } : v);
    });
    // the spectrum figure's own PNG button
    for (const b of document.querySelectorAll('button[data-png]')) {
      const fig = b.closest('figure');
      const title = () => fig.querySelector('.chart-title').textContent;
      b.addEventListener('click', () => {
        const { canvas, scale } = this.spectrum.png();
        this.opts.savePng(canvas, 'spectrum', title(), { scale });
      });
    }
    const redraw = () => { this.trajectory.schedule(); this.spectrum.redraw(); this.data.schedule(); };
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { this.board.retheme(); redraw(); });
    window.addEventListener('resize', () => { redraw(); this.board.markDirty(); });
  }
}
