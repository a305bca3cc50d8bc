// embed.js -- the embedded widget (EMBED.md): the minimal chrome an embed link chooses, and the
// postMessage bridge to the host page. The bridge listens only to the parent window, and only to
// the origins allowed by the link (origin=...) or the widget's own origin; it sends events only to
// the host's origin once that origin is known and allowed (Chrome tells it at once through
// location.ancestorOrigins; elsewhere the host's first accepted message tells it). A message from
// any other origin is ignored (one console warning per origin, for the host's developer).
import { SOURCE, API_VERSION, allowedOrigins, hostOrigin, checkCommand } from './embed-api.js';
import { serve } from './rpc.js';

// Show only what the link chose: elements marked data-embed="hide" go, and of the controls
// (data-control="play" ...) only the listed ones stay.
export function applyEmbedChrome(doc, { controls }) {
  doc.body.classList.add('embed');
  for (const el of doc.querySelectorAll('[data-embed="hide"]')) el.hidden = true;
  const keep = new Set(controls);
  for (const el of doc.querySelectorAll('[data-control]')) el.hidden = !keep.has(el.dataset.control);
  const bar = doc.querySelector('.transport');
  if (bar) bar.hidden = ![...bar.querySelectorAll('[data-control]')].some((el) => !el.hidden);
  const foot = doc.getElementById('embed-foot');
  if (foot) foot.hidden = false;
}

export class EmbedBridge {
  // linkOrigins: the origin= list of the link; handlers: { type: async (cmd) => result }
  constructor({ linkOrigins = [], handlers, win = window }) {
    this.win = win;
    this.parent = win.parent;
    this.allowed = allowedOrigins(linkOrigins, win.location.origin);
    this.answer = serve(handlers, { respond: (id, outcome) => this.reply(id, outcome) });
    this.warned = new Set();
    this.pending = [];        // events before the host's origin is known (ready, resize: latest only)
    const detected = hostOrigin(win.location.ancestorOrigins, win.document.referrer);
    this.origin = detected && this.allowed.has(detected) ? detected : null;
    this.lastHeight = 0;
    win.addEventListener('message', (e) => this.receive(e));
  }

  get framed() { return this.parent && this.parent !== this.win; }

  receive(e) {
    if (e.source !== this.parent || !this.framed) return;
    const d = e.data;
    if (!d || typeof d !== 'object' || typeof d.type !== 'string' || d.source === SOURCE) return; // not a command
    if (!this.allowed.has(e.origin)) {
      if (!this.warned.has(e.origin)) {
        this.warned.add(e.origin);
        console.warn(`Implicit Bias Playground: a message from ${e.origin} was ignored; this widget accepts ${[...this.allowed].join(', ')} (add &origin=${e.origin} to its link)`);
      }
      return;
    }
    if (this.origin !== e.origin) {
      this.origin = e.origin;
      const queued = this.pending;
      this.pending = [];
      for (const m of queued) this.post(m);
    }
    this.run(checkCommand(d));
  }

  // A checked command (embed-api.js checkCommand) goes to its handler through rpc.js serve(); a
  // command with an id gets a reply, a failure without one an 'error' event.
  run(c) {
    if (!c.ok) {
      this.reply(c.id, { ok: false, error: { message: c.error } });
      return undefined;
    }
    return this.answer({ id: c.cmd.id, type: c.cmd.type, args: c.cmd });
  }

  reply(id, outcome) {
    const { ok, result, error } = outcome;
    const problems = !ok && error.problems ? error.problems : undefined;
    if (id !== undefined) this.send('reply', ok ? { id, ok, result: result === undefined ? null : result } : { id, ok, error: error.message, problems });
    else if (!ok) this.send('error', { message: error.message, problems });
  }

  // Send an event to the host (queued until its origin is known; then only ready and the latest
  // resize are kept: batches of steps are not worth replaying).
  send(type, payload = {}) {
    if (!this.framed) return;
    const msg = { source: SOURCE, api: API_VERSION, type, ...payload };
    if (!this.origin) {
      if (type === 'ready' || type === 'resize') {
        this.pending = this.pending.filter((m) => m.type !== type);
        this.pending.push(msg);
      }
      return;
    }
    this.post(msg);
  }

  post(msg) {
    try {
      this.parent.postMessage(msg, this.origin);
    } catch { /* a value that cannot be cloned never reaches the host */ }
  }

  // Report the height the widget needs, when it changes (ResizeObserver on the body).
  watchHeight(el) {
    const measure = () => {
      const h = Math.ceil(el.getBoundingClientRect().height);
      if (Math.abs(h - this.lastHeight) >= 1) {
        this.lastHeight = h;
        this.send('resize', { height: h });
      }
    };
    new ResizeObserver(() => requestAnimationFrame(measure)).observe(el);
    measure();
  }
}

// What the run does, told to the host: state changes, the end of the run (finished or diverged),
// batches of steps (the newest value of every column) and the events (catapult, EoS onset), each
// once. The page calls it with its status and its column store; it keeps what it has sent.
export class HostReporter {
  constructor(bridge) { this.bridge = bridge; this.newRun(); }
  newRun() { this.sentEvents = new Set(); this.sentStep = -1; }

  // prev, s: the worker's statuses before and after; diverged: the engine's state value for it
  status(prev, s, store, divergedState) {
    const same = prev && prev.runId === s.runId;
    if (!same || prev.playing !== s.playing || prev.running !== s.running) this.bridge.send('state', { playing: s.playing, running: s.running, t: s.t });
    if (s.state > 0 && (!same || prev.state !== s.state)) {
      this.steps(store, s); // the last rows first, so the host sees the final values before the event
      if (s.state === divergedState) this.bridge.send('diverged', { step: s.t, message: s.message });
      else this.bridge.send('finished', { step: s.t, state: s.stateName, message: s.message });
    }
  }

  // The rows since the last report, as one 'steps' event.
  steps(store, status) {
    if (!store || !store.n) return;
    const to = store.col('step')[store.n - 1];
    if (to === this.sentStep) return;
    const last = {};
    for (const c of store.columns) { const v = store.col(c)[store.n - 1]; last[c] = Number.isFinite(v) ? v : null; }
    this.bridge.send('steps', { from: this.sentStep + 1, to, t: status ? status.t : to, last });
    this.sentStep = to;
  }

  // events: series.js findEvents of the run; catapults and the EoS onset are sent once each
  events(events) {
    for (const e of events) {
      const key = `${e.kind}@${e.step}`;
      if ((e.kind === 'catapult' || e.kind === 'eos') && !this.sentEvents.has(key)) {
        this.sentEvents.add(key);
        this.bridge.send(e.kind, { step: e.step, label: e.label });
      }
    }
  }
}
