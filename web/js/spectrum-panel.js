// spectrum-panel.js -- the spectrum figure: the live number line of the measured eigenvalues
// and, on "Full spectrum", the whole Hessian spectrum at the run's current step, asked from the
// worker ('spectrum' request: exact for small models, the SLQ density otherwise) and drawn with
// its numbers as text (and as data- attributes on the readout, full precision). Once asked for
// a run, it follows it: when the run stops at another step (pause, finished, a single step) it
// is computed again if the last one was cheap, else it says it is out of date.
import { SpectrumView, FullSpectrumView } from './spectrum.js';
import { summarize, readoutText, readoutData, notFinite } from './spectrum-data.js';
import { setText, setDisabled } from './dom.js';

// The last computation took at most this long: recompute by itself when the run stops.
export const AUTO_REFRESH_MS = 300;

export class SpectrumPanel {
  // els: { fig, line, full, button, method, readout, note } (the canvases, the button, the method
  // select, the readout <p> and the busy / error / out-of-date note); request(args) -> Promise of
  // the worker's answer to { type: 'spectrum', args }.
  constructor(els, request) {
    this.els = els;
    this.request = request;
    this.line = new SpectrumView(els.line);
    this.full = new FullSpectrumView(els.full);
    this.runId = 0;
    this.t = 0;              // the run's step, from its status
    this.wanted = false;     // asked for this run: keep it up to date
    this.shown = null;       // the spectrum drawn (the worker's answer)
    this.busy = false;
    this.timer = 0;
    // nothing to compute until the page has made a run its own (an early run plays before that:
    // a click then would be lost)
    setDisabled(els.button, true);
    els.button.addEventListener('click', () => this.compute());
    els.method.addEventListener('change', () => { if (this.wanted) this.compute(); });
  }

  // A new run: nothing computed yet.
  reset(runId) {
    this.runId = runId;
    if (!this.busy) setDisabled(this.els.button, !runId);
    this.t = 0;
    this.wanted = false;
    this.shown = null;
    clearTimeout(this.timer);
    this.timer = 0;
    this.els.full.hidden = true;
    this.full.set(null);
    this.els.readout.replaceChildren();
    for (const k of Object.keys(this.els.readout.dataset)) delete this.els.readout.dataset[k];
    this.note('');
    this.line.set(null);
  }

  // The live number line (latestSpectrum of the metrics).
  setLatest(spec) { this.line.set(spec); }

  // Theme or size changed.
  redraw() {
    this.line.set(this.line.spec);
    if (this.shown) this.full.set(this.shown);
  }

  // Every status of the worker: follow the run when it stops at a new step.
  status(s) {
    if (!s || s.runId !== this.runId) return;
    this.t = s.t;
    if (!this.shown || this.busy || s.t === this.shown.step) return;
    if (!s.playing && this.shown.ms <= AUTO_REFRESH_MS) {
      clearTimeout(this.timer); // single steps in a row: one computation at the end
      this.timer = setTimeout(() => { this.timer = 0; this.compute({ auto: true }); }, 150);
    } else {
      this.note(`Computed at step ${this.shown.step}; the run has moved on: press “Full spectrum” to update.`);
    }
  }

  async compute({ auto = false } = {}) {
    if (this.busy || !this.runId) return;
    const runId = this.runId;
    this.busy = true;
    this.wanted = true;
    setDisabled(this.els.button, true);
    this.note(auto ? '' : 'Computing…');
    this.els.fig.setAttribute('aria-busy', 'true');
    let spec;
    try {
      spec = await this.request({ mode: this.els.method.value });
    } catch (e) {
      if (runId === this.runId && e.kind !== 'crash' && e.kind !== 'aborted') this.refuse(e.message);
      return;
    } finally {
      this.busy = false;
      setDisabled(this.els.button, !this.runId);
      this.els.fig.removeAttribute('aria-busy');
    }
    if (spec.runId !== this.runId) return; // an answer about a replaced run
    this.show(spec);
  }

  // A refusal replaces what was shown: an older spectrum beside it would read as its answer.
  refuse(message) {
    this.shown = null;
    this.els.full.hidden = true;
    this.full.set(null);
    this.els.readout.replaceChildren();
    for (const k of Object.keys(this.els.readout.dataset)) delete this.els.readout.dataset[k];
    this.note(`Not computed: ${message}`, true);
  }

  show(spec) {
    const missing = notFinite(spec);
    if (missing) { this.refuse(missing); return; }
    this.shown = spec;
    const s = summarize(spec);
    const r = this.els.readout;
    for (const k of Object.keys(r.dataset)) delete r.dataset[k];
    Object.assign(r.dataset, readoutData(s));
    setText(r, readoutText(s));
    this.els.full.hidden = false;
    this.full.set(spec);
    this.note(spec.step === this.t ? '' : `Computed at step ${spec.step}; the run has moved on: press “Full spectrum” to update.`);
  }

  note(text, error = false) {
    setText(this.els.note, text);
    this.els.note.classList.toggle('field-error', error);
  }

  // One canvas for the PNG: the number line, the full spectrum (when shown) and its readout.
  png() {
    const parts = [this.els.line, ...(this.els.full.hidden ? [] : [this.els.full])].filter((c) => c.width > 0 && c.height > 0);
    const scale = parts.length ? parts[0].width / Math.max(1, parts[0].clientWidth || parts[0].width) : 1;
    const width = Math.max(1, ...parts.map((c) => c.width));
    const text = this.els.full.hidden ? '' : this.els.readout.textContent;
    const lines = wrap(text, Math.floor(width / (6.2 * scale)));
    const lineH = Math.round(15 * scale);
    const out = document.createElement('canvas');
    out.width = width;
    out.height = parts.reduce((a, c) => a + c.height, 0) + (lines.length ? lines.length * lineH + Math.round(8 * scale) : 0);
    const ctx = out.getContext('2d');
    let y = 0;
    for (const c of parts) { ctx.drawImage(c, 0, y); y += c.height; }
    const cs = getComputedStyle(this.els.readout);
    ctx.fillStyle = cs.color || '#444';
    ctx.font = `${Math.round(11 * scale)}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    for (const l of lines) { ctx.fillText(l, Math.round(4 * scale), y + Math.round(4 * scale)); y += lineH; }
    return { canvas: out, scale };
  }
}

// Words into lines of at most n characters.
function wrap(text, n) {
  const out = [];
  let cur = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > n) { out.push(cur); cur = word; } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) out.push(cur);
  return out;
}
