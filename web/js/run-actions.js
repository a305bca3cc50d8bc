// run-actions.js -- what the page asks of its run: create one (from a link, the form, a preset or
// an embedding host), play / pause / continue, step, reset, set the learning rate. Each asks the
// worker and records the outcome in the store (store.js transitions); what the page shows follows
// from the store. Failures become messages; a trap or a crash was already said by main.js.
import { fmt } from './format.js';
import { isDone } from './store.js';
import { withPairs } from './kv.js';

// deps: client (worker-client.js), store, say ({ message, clearMessages, announce }), files
// (imports.js), form ({ showProblems, clearProblems, fill(info) }: the settings form), etaSet(v):
// the views that draw eta (the trajectory's stable disc), setup: ({ what, bytes } | null, cancel)
// shows a slow setup (setup.js)
export function runActions({ client, store, say, files, form, etaSet = () => {}, setup = () => {} }) {
  const state = () => store.get();

  // -> true (created), false (refused: explained), null (a newer request superseded this one).
  async function createRun(config, { autoplay = false, intent = store.dispatch('newIntent').intent } = {}) {
    const stale = () => intent !== state().intent;
    if (stale()) return null;
    say.clearMessages(['link', 'link-version']);
    form.clearProblems();
    store.dispatch('creating', true);
    let info;
    // a setup that takes long says what it computes and can be cancelled (the worker is replaced)
    let plan = null, shown = false;
    const show = setTimeout(() => { shown = true; setup(plan || { what: 'the run', bytes: NaN }, cancel); }, 400);
    const cancel = () => {
      client.stop({ message: 'the setup was cancelled', kind: 'aborted' });
      client.start();
      store.dispatch('runLost');
      say.message('Setup cancelled. The computation worker was restarted; your settings are kept: change them, or press Reset to run the previous config again.', 'info',
        { id: 'cancelled', actions: [{ label: 'Reset', run: resetRun }] });
      resendPageKeys();
    };
    try {
      info = await client.request('create', { config, dataCsv: files.text.dataCsv, initJson: files.text.initJson }, {
        onProgress: (m) => { if (m.type === 'setup') { plan = m; if (shown) setup(plan, cancel); } },
      });
    } catch (e) {
      clearTimeout(show);
      setup(null);
      if (stale()) return null;
      store.dispatch('creating', false);
      if (e.kind === 'aborted') return false;
      if (e.kind === 'config' && e.problems) form.showProblems(e.problems);
      else if (e.kind !== 'crash') {
        say.message(`The run could not be created: ${e.message}`, 'error', { id: 'create' });
        if (/^data CSV/.test(e.message)) files.problem('dataCsv', e.message);
        if (/^params JSON/.test(e.message)) files.problem('initJson', e.message);
      }
      return false;
    }
    clearTimeout(show);
    setup(null);
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
      startOver = null;
      const st2 = await act('extend', { more: continueSteps(s.run) });
      if (!st2) return;
      // the engine records the new limit in the run's config (steps=N): the link reproduces the
      // longer run, and a change of eta after the old end lies within it
      if (st2.canonical !== undefined) store.dispatch('configRecorded', { runId: st2.runId, canonical: st2.canonical, full: st2.full });
      else store.dispatch('handEdited', `continued by hand past the configured ${s.run.stepsTotal} steps`);
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
  // A new worker (after a cancelled setup) starts with the default speed and no limit.
  function resendPageKeys() {
    const l = state().link || {};
    client.request('speed', { stepsPerSecond: l.speed ?? Infinity }).catch(() => {});
    if (l.limit) client.request('limit', { step: l.limit }).catch(() => {});
  }

  async function resetRun() {
    const s = state();
    if (s.lastConfig === null) return; // '' is a config too: the engine defaults
    const wasPlaying = s.lost ? s.lost.playing : !!(s.status && s.status.playing);
    say.clearMessages(['link', 'link-version']);
    // a starting eta chosen on a stopped run: the worker's run does not hold it, the config does
    const start = startOver && s.run && startOver.runId === s.run.runId ? startOver.config : null;
    if (s.lost || start !== null) { await createRun(start ?? s.lastConfig, { autoplay: wasPlaying }); return; }
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

  // eta from the next step on; the engine records it in the run's config (lr_at), which the link
  // and the exports then name. -> the Status, or null (refused: said).
  async function applyEta(v) {
    startOver = null;
    const st = await act('setLr', { eta: v });
    if (st) {
      store.dispatch('configRecorded', { runId: st.runId, canonical: st.canonical, full: st.full });
      etaSet(v);
      say.announce(`learning rate set to ${v} from step ${st.from}`);
    }
    return st;
  }

  // eta on a stopped run (diverged, steps done, converged): no step is left for it, so it is the
  // starting lr of the next Reset. The config (so the link) says lr=eta from now on, without the
  // earlier changes of eta (lr_at), which the stopped run keeps showing. -> true, or null (refused).
  let startOver = null; // { runId, config }: what Reset makes instead of the worker's run
  async function setStartEta(v) {
    const s = state();
    if (!s.config || !s.run) return null;
    const config = withPairs(s.config.canonical, `lr=${v}`, { alike: [['lr', 'lr_rel', 'lr_at']] });
    let v2;
    try {
      v2 = await client.request('validate', { config });
    } catch (e) {
      if (e.kind !== 'crash' && e.kind !== 'aborted') say.message(`η: ${e.message}`, 'error', { id: 'eta' });
      return null;
    }
    if (!v2 || v2.canonical === null || (v2.problems && v2.problems.length)) {
      say.message(`η = ${v}: ${v2 && v2.problems && v2.problems.length ? v2.problems[0].message : 'not a valid learning rate here'}`, 'error', { id: 'eta' });
      return null;
    }
    const runId = state().run && state().run.runId;
    if (runId !== s.run.runId) return null; // a new run came meanwhile
    startOver = { runId, config: v2.canonical, eta: v };
    store.dispatch('configRecorded', { runId, canonical: v2.canonical, full: v2.full });
    say.clearMessage('diverged');
    say.announce(`learning rate ${v} from the start: press Reset to run with it`);
    say.message(`η = ${v} from the start of the run: press Reset, then Play, to run with it (the link already says lr=${v}).`, 'info', { id: 'eta-start' });
    return true;
  }
  // The starting eta chosen for the next Reset of this run, or NaN.
  const startEta = (s = state()) => (startOver && s.run && startOver.runId === s.run.runId ? startOver.eta : NaN);

  // eta from the η field or the slider: before the first step the run is made again with it; on a
  // stopped run it is the next Reset's; else it applies from the next step.
  function setEta(v) {
    const st = state().status;
    if (st && st.t === 0 && !st.playing) return setInitialEta(v);
    if (st && !st.running) return setStartEta(v);
    return applyEta(v);
  }

  // eta before the first step: the run is made again with that eta as its lr (the config says
  // lr=eta, not a change at step 1).
  async function setInitialEta(v) {
    const s = state();
    if (!s.config) return null;
    const wasPlaying = !!(s.status && s.status.playing);
    const config = withPairs(s.config.canonical, `lr=${v}`, { alike: [['lr', 'lr_rel']] });
    const ok = await createRun(config, { autoplay: wasPlaying });
    if (ok) etaSet(v);
    return ok;
  }

  return { createRun, act, togglePlay, stepOnce, resetRun, applyEta, setInitialEta, setStartEta, setEta, startEta };
}

// How many steps "Continue" adds to a finished run: as many as it was made with (1000 when that is 0).
export function continueSteps(run) {
  return Math.max(1, run && run.stepsTotal > 0 ? Math.min(run.stepsTotal, 1e6) : 1000);
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
