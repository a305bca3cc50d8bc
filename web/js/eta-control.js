// eta-control.js -- the learning rate, the knob that matters: a slider in units of the stability
// edge c = eta S0 / 2 (S0, the sharpness at initialization, from the run or asked of the worker),
// the current absolute eta beside it, and the theory's bands for the chosen model (eta-bands.js).
// Dragging it mid-run changes eta from the next step on (run-actions.js applyEta: the engine
// records it in the run's config, so the link and the exports reproduce the run); before the
// first step it makes the run again with that eta as its lr; on a stopped run (diverged, steps
// done) it is the starting lr of the next Reset.
import { etaBands, cOfPos, posOfC, SLIDER } from './eta-bands.js';
import { pairsMap } from './kv.js';
import { fmt } from './format.js';
import { el, setText, setAttr } from './dom.js';
import { hasRun } from './store.js';

const APPLY_MS = 200; // while dragging, eta is sent at most this often

const niceEta = (x) => Number(x.toPrecision(3));

export function mountEtaControl({ ui, store, actions, request }) {
  const state = () => store.get();
  let dragging = false, lastSent = 0, timer = 0, pending = NaN, bandsKey = '';
  let asked = -1;

  const s0Of = (s) => (s.s0 && s.run && s.s0.runId === s.run.runId ? s.s0.s0 : NaN);
  // the eta of the run, or on a stopped run the starting eta chosen for its next Reset
  const etaOf = (s) => {
    const next = actions.startEta ? actions.startEta(s) : NaN;
    if (Number.isFinite(next)) return next;
    return s.status && s.status.runId === (s.run && s.run.runId) && Number.isFinite(s.status.lr) ? s.status.lr : s.run ? s.run.lr : NaN;
  };

  function drawBands(full) {
    const { bands, source } = etaBands(full);
    const key = JSON.stringify(bands.map((b) => [b.from, b.to, b.kind]));
    if (key === bandsKey) return;
    bandsKey = key;
    const parts = [];
    for (const b of bands) {
      const lo = Math.max(SLIDER.min, b.from), hi = Math.min(SLIDER.max, b.to);
      if (!(hi > lo)) continue;
      const w = (posOfC(hi) - posOfC(lo)) / 10;
      const seg = el('div', { class: `eta-band ${b.kind}`, title: `${b.label}: ${b.help}`, text: w > 12 ? b.label : '' });
      seg.style.width = `${w}%`;
      parts.push(seg);
    }
    ui.bands.replaceChildren(...parts);
    const ticks = [0.1, 0.25, 0.5, 1, 2, 4].map((c) => {
      const t = el('span', { text: c === 1 ? 'c = 1 (2/S₀)' : String(c), class: c === 0.25 || c === 0.1 ? 'minor' : null });
      t.style.left = `${posOfC(c) / 10}%`;
      return t;
    });
    ui.ticks.replaceChildren(...ticks);
    setText(ui.help, `Bands: ${bands.map((b) => `${b.label} (${b.to === Infinity ? `c > ${b.from}` : b.from === 0 ? `c < ${b.to}` : `${b.from} < c < ${b.to}`})`).join(', ')} — ${source}.`);
  }

  function render() {
    const s = state();
    const s0 = s0Of(s), eta = etaOf(s);
    const have = hasRun(s) && Number.isFinite(s0) && s0 > 0;
    ui.slider.disabled = !have;
    if (s.config) drawBands(pairsMap(s.config.full));
    if (!s.run) { setText(ui.readout, ''); return; }
    if (s.run && !Number.isFinite(s0) && asked !== s.run.runId) {
      asked = s.run.runId;
      const runId = s.run.runId;
      request('s0').then((r) => store.dispatch('s0Known', { runId: r.runId, s0: r.s0 }), () => {});
    }
    if (!Number.isFinite(s0)) { setText(ui.readout, `η = ${fmt(eta, 4)} · measuring S₀…`); return; }
    const c = (eta * s0) / 2;
    if (!dragging) ui.slider.value = String(posOfC(c));
    showReadout(dragging ? (cOfPos(Number(ui.slider.value)) * 2) / s0 : eta, s0);
  }

  function showReadout(eta, s0) {
    const c = (eta * s0) / 2;
    ui.readout.replaceChildren(el('strong', { text: `η = ${fmt(eta, 4)}` }), ` · c = η S₀/2 = ${fmt(c, 3)} · S₀ = ${fmt(s0, 4)}`);
    setAttr(ui.slider, 'aria-valuetext', `c = ${fmt(c, 3)}, learning rate ${fmt(eta, 4)}`);
  }

  function send(eta) {
    const s = state();
    if (!hasRun(s)) return;
    lastSent = performance.now();
    actions.setEta(eta); // before the first step: a new run; stopped: the next Reset's; else from the next step
  }

  function onInput(final) {
    const s = state(), s0 = s0Of(s);
    if (!Number.isFinite(s0)) return;
    const eta = niceEta((cOfPos(Number(ui.slider.value)) * 2) / s0);
    showReadout(eta, s0);
    const atStart = s.status && s.status.t === 0 && !s.status.playing;
    if (final) { clearTimeout(timer); timer = 0; send(eta); return; }
    if (atStart) return; // a new run at each tick of a drag would be wasteful: on release
    pending = eta;
    const wait = APPLY_MS - (performance.now() - lastSent);
    if (wait <= 0) send(eta);
    else if (!timer) timer = setTimeout(() => { timer = 0; if (Number.isFinite(pending)) send(pending); }, wait);
  }

  ui.slider.addEventListener('pointerdown', () => { dragging = true; });
  ui.slider.addEventListener('input', () => { dragging = true; onInput(false); });
  ui.slider.addEventListener('change', () => { onInput(true); dragging = false; render(); });
  ui.slider.addEventListener('blur', () => { dragging = false; });
  store.subscribe((s, prev) => {
    if (s.run !== prev.run || s.s0 !== prev.s0 || s.config !== prev.config || (s.status && prev.status && s.status.lr !== prev.status.lr) || (!!s.status !== !!prev.status) || s.lost !== prev.lost) render();
  });
  render();
  return { render };
}
