// status.js -- the run's words on the page: the status line (step, loss, S, 2/eta, eta S/2,
// state, events), the alert area (errors, divergence, traps, each with optional actions) and the
// polite live region. DOM writes happen only when a text changes (the status line is updated
// ~10 times a second and an identical write still costs a style and layout pass). Text only.
import { fmt } from './format.js';
import { setText, setAttr } from './dom.js';


// "EoS onset at step 2980, catapult ×2 (first at step 4449)"
export function summarizeEvents(ev) {
  const byKind = new Map();
  for (const e of ev) { if (!byKind.has(e.kind)) byKind.set(e.kind, []); byKind.get(e.kind).push(e); }
  const parts = [];
  for (const [, list] of byKind) {
    const first = list[0];
    parts.push(list.length > 1 ? `${first.label} ×${list.length} (first at step ${first.step})` : `${first.label} at step ${first.step}`);
  }
  return parts.join(', ');
}

export class StatusLine {
  // els: { step, loss, s, twoEta, edge, state, events } (the <output> elements)
  constructor(els) { this.els = els; }
  // store: the run's RunData (or null); status: the worker's Status (or null); events: findEvents()
  update(store, status, events) {
    const e = this.els, s = status && status.state >= 0 ? status : null;
    const last = (c) => (store ? store.last(c) : null);
    setText(e.step, s ? `${s.t} / ${s.stepsTotal}` : '—');
    const loss = last('loss');
    setText(e.loss, loss ? fmt(loss.value, 6) : '—');
    const S = last('sharpness');
    setText(e.s, S ? fmt(S.value, 5) : '—');
    setAttr(e.s, 'data-value', S ? String(S.value) : ''); // every digit and the step measured at,
    setAttr(e.s, 'data-step', S ? String(S.step) : '');   // for scripts and tests
    const lr = s && Number.isFinite(s.lr) ? s.lr : last('lr')?.value;
    setText(e.twoEta, lr > 0 ? fmt(2 / lr, 5) : '—');
    const er = last('edge_ratio');
    setText(e.edge, er ? fmt(er.value, 4) : '—');
    setText(e.state, s ? (s.playing ? 'running' : s.running ? 'paused' : s.stateName) : '—');
    setText(e.events, events.length ? summarizeEvents(events) : 'none');
  }
}

export class Messages {
  constructor(container, live) { this.container = container; this.live = live; }

  // One message; kind: 'error' | 'warn' | 'info'; actions: [{ label, run }] buttons; a message
  // with an id replaces the previous one with that id.
  show(text, kind = 'error', { id, actions = [] } = {}) {
    if (id) this.clear(id);
    const p = document.createElement('div');
    p.className = `msg msg-${kind}`;
    if (id) p.dataset.id = id;
    const t = document.createElement('span');
    t.textContent = text;
    p.append(t);
    for (const a of actions) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = a.label;
      b.addEventListener('click', () => { p.remove(); a.run(); });
      p.append(' ', b);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'msg-close';
    close.setAttribute('aria-label', 'Dismiss message');
    close.textContent = '×';
    close.addEventListener('click', () => p.remove());
    p.append(close);
    this.container.append(p);
    return p;
  }

  clear(id) {
    for (const el of this.container.querySelectorAll('.msg')) if (el.dataset.id === id) el.remove();
  }

  clearAll(except = []) {
    for (const el of [...this.container.children]) if (!except.includes(el.dataset.id)) el.remove();
  }

  announce(text) { this.live.textContent = text; }
}
