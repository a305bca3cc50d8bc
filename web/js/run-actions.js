// run-actions.js -- what the page asks of its run: create one (from a link, the form, a preset or
// an embedding host), play / pause / continue, step, reset, set the learning rate. Each asks the
// worker and records the outcome in the store (store.js transitions); what the page shows follows
// from the store. Failures become messages; a trap or a crash was already said by main.js.
import { fmt } from './format.js';
import { isDone } from './store.js';

// deps: client (worker-client.js), store, say ({ message, clearMessages, announce }), files
// (imports.js), form ({ showProblems, clearProblems, fill(info) }: the settings form), etaSet(v):
// the views that draw eta (the trajectory's stable disc)
export function runActions({ client, store, say, files, form, etaSet = () => {} }) {
  const state = () => store.get();

  // -> true (created), false (refused: explained), null (a newer request superseded this one).
  async function createRun(config, { autoplay = false, intent = store.dispatch('newIntent').intent } = {}) {
    const stale = () => intent !== state().intent;
    if (stale()) return null;
    say.clearMessages(['link', 'link-version']);
    form.clearProblems();
    store.dispatch('creating', true);
    let info;
    try {
      info = await client.request('create', { config, dataCsv: files.text.dataCsv, initJson: files.text.initJson });
    } catch (e) {
      if (stale()) return null;
      store.dispatch('creating', false);
      if (e.kind === 'config' && e.problems) form.showProblems(e.problems);
      else if (e.kind !== 'crash') {
        say.message(`The run could not be created: ${e.message}`, 'error', { id: 'create' });
        if (/^data CSV/.test(e.message)) files.problem('dataCsv', e.message);
        if (/^params JSON/.test(e.message)) files.problem('initJson', e.message);
      }
      return false;
    }
    // the worker answers in order, so the newer request's run replaces this one when it lands
    if (stale()) return null;
    store.dispatch('creating', false);
    files.problem('dataCsv', null);
    files.problem('initJson', null);
    if (!performance.getEntriesByName('ibp-created').length) performance.mark('ibp-created');
    store.dispatch('runStarted', info);
    form.fill(info);
    if (autoplay) await act('play');
    return true;
  }

  // A request whose answer is a Status: the store takes it. -> the answer, or null (said).
  async function act(type, args = {}) {
    try {
      const st = await client.request(type, args);
      if (st && typeof st === 'object' && 'runId' in st && 'state' in st) store.dispatch('statusArrived', st);
      return st;
    } catch (e) {
      if (e.kind !== 'crash' && e.kind !== 'aborted') say.message(`${type}: ${e.message}`, 'error', { id: `act-${type}` });
      return null;
    }
  }

  async function togglePlay() {
    const s = state(), st = s.status;
    if (!st || !s.run) return;
    if (st.playing) { await act('pause'); say.announce('paused'); return; }
    if (isDone(s)) { // steps done: continue for as many steps again
      const more = Math.max(1, s.run.stepsTotal > 0 ? Math.min(s.run.stepsTotal, 1e6) : 1000);
      if (!(await act('extend', { more }))) return;
      store.dispatch('handEdited', `continued by hand past the configured ${s.run.stepsTotal} steps`);
    }
    await act('play');
    say.announce('playing');
  }

  async function stepOnce() {
    const s = state();
    if (!s.run || s.lost) return;
    await act('step', { n: 1 });
  }

  // The same config, the same initialization: the worker makes the run again (or, after a trap or
  // a crash took it, the page creates it again from its config).
  async function resetRun() {
    const s = state();
    if (!s.lastConfig) return;
    const wasPlaying = s.lost ? s.lost.playing : !!(s.status && s.status.playing);
    say.clearMessages(['link', 'link-version']);
    if (s.lost) { await createRun(s.lastConfig, { autoplay: wasPlaying }); return; }
    let info;
    try {
      info = await client.request('reset');
    } catch (e) {
      if (e.kind === 'crash') return;
      await createRun(s.lastConfig, { autoplay: wasPlaying });
      return;
    }
    store.dispatch('runStarted', info);
    say.announce('reset to the same initialization');
    if (wasPlaying) await act('play');
  }

  // eta from now on; -> the Status, or null (refused: said).
  async function applyEta(v) {
    const before = state().status ? state().status.lr : NaN;
    const st = await act('setLr', { eta: v });
    if (st) {
      if (st.lr !== before) store.dispatch('handEdited', `η set by hand to ${v} at step ${st.t}`);
      etaSet(v);
      say.announce(`learning rate set to ${v} from step ${st.t}`);
    }
    return st;
  }

  return { createRun, act, togglePlay, stepOnce, resetRun, applyEta };
}

// The learning rate as the η field shows it.
export function fmtEta(x) { return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : ''; }

// The run-info line: "P = 49 trained parameters · η = 0.3 · S₀ = ... · 6000 steps".
export function runInfoText(info) {
  const parts = [`P = ${info.nparams} trained parameters`, `η = ${fmtEta(info.lr0)}`];
  if (Number.isFinite(info.s0)) parts.push(`S₀ = ${fmt(info.s0, 5)} (2/S₀ = ${fmt(2 / info.s0, 4)})`);
  parts.push(`${info.stepsTotal} steps`);
  return parts.join(' · ');
}
