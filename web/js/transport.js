// transport.js -- the run's controls and words: Play / Pause / Continue, Step, Reset, Apply, the
// speed menu, "η now" with Set η, Copy link, the keyboard shortcuts (Space, →, R), the run-info
// line, and what a status change means for a person (a divergence explained, state changes
// announced). render(state, prev) follows the store; the buttons call run-actions.js.
import { isDone, isDiverged, hasRun } from './store.js';
import { fmtEta, runInfoText, continueSteps } from './run-actions.js';
import { SPEEDS } from './protocol.js';
import { setText, setDisabled, setAttr } from './dom.js';

const capitalize = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

// ui: { play, step, reset, speed, etaNow, etaSet, slider (the eta slider), keep, copyLink, apply, runInfo }; link: link-sync.js
// (the speed is part of the link); copy(text, what): the clipboard
export function mountTransport({ ui, store, actions, say, link, copy }) {
  const state = () => store.get();

  // The buttons change only with the run's state (not with each chunk's numbers).
  let shown = '';
  function render(s, prev) {
    const st = s.status;
    const have = hasRun(s);
    setDisabled(ui.keep, !have || !s.metrics || s.metrics.n < 2);
    const hasConfig = s.lastConfig !== null; // '' (the engine defaults) is a config to reset to
    const key = `${have}|${st ? `${st.runId}|${st.running}|${st.playing}|${st.state}` : ''}|${hasConfig}|${!!s.engine}|${s.creating}`;
    if (key !== shown) {
      shown = key;
      setDisabled(ui.step, !have || !st || !st.running);
      setDisabled(ui.reset, !hasConfig);
      setDisabled(ui.play, !have || !st || (!st.running && !isDone(s))); // steps done: Play continues
      setDisabled(ui.etaSet, !have);
      setDisabled(ui.apply, !s.engine || s.creating);
      const playing = !!(st && st.playing);
      setText(ui.play, playing ? 'Pause' : st && isDone(s) ? 'Continue' : 'Play');
      if (st && !playing && isDone(s)) {
        const more = continueSteps(s.run);
        setAttr(ui.play, 'title', `Run ${more} more steps (to step ${st.stepsTotal + more}); the link then says steps=${st.stepsTotal + more}`);
      } else ui.play.removeAttribute('title');
      setAttr(ui.play, 'aria-pressed', playing ? 'true' : 'false');
    }
    if (s.run && s.run !== prev.run) {
      ui.etaNow.value = fmtEta(s.run.lr);
      ui.runInfo.textContent = runInfoText(s.run);
      // the early run, taken over after it stopped (it diverged while the page built itself): the
      // page's create cleared what was said of it, and no new status will come
      if (s.run.runId === s.earlyRunId && st && st.runId === s.run.runId && !st.running) statusChanged(s, null);
    }
    if (st && st !== prev.status && !(prev.status && st.runId < prev.status.runId)) statusChanged(s, prev.status);
  }

  let firstStep = false;
  // What a new status means for a person: a divergence, explained once; other state changes, said.
  function statusChanged(s, prevSt) {
    const st = s.status;
    if (!firstStep && st.t >= 1) { firstStep = true; performance.mark('ibp-first-step'); }
    const divergedBefore = prevSt && prevSt.runId === st.runId && isDiverged(s, prevSt);
    if (isDiverged(s) && !divergedBefore) {
      say.message(`${capitalize(st.message)}. The run is paused: ${lowerEtaAdvice()}, then Reset, or change the settings.`, 'error', { id: 'diverged' });
      say.announce('diverged');
    } else if (st.state >= 0 && !st.running && !isDiverged(s) && (!prevSt || prevSt.state !== st.state)) {
      say.announce(st.message);
    }
    if (Number.isFinite(st.lr) && document.activeElement !== ui.etaNow && (!prevSt || prevSt.lr !== st.lr)) ui.etaNow.value = fmtEta(st.lr);
  }

  // How to lower eta with the controls on screen: a phone hides the η field, not the slider.
  function lowerEtaAdvice() {
    const shown = (e) => !!e && e.getClientRects().length > 0;
    if (shown(ui.etaNow)) return 'lower η (“η now” and Set η, or the slider)';
    if (shown(ui.slider)) return 'lower η with the learning-rate slider';
    return 'lower η (the lr setting)';
  }

  async function setEta() {
    const v = Number(ui.etaNow.value.trim());
    say.clearMessage('eta');
    if (!(v > 0) || !Number.isFinite(v) || v > 1e6) {
      say.message(`η now = "${ui.etaNow.value.slice(0, 40)}": the learning rate must be a number in (0, 1e6]`, 'error', { id: 'eta' });
      ui.etaNow.setAttribute('aria-invalid', 'true');
      return;
    }
    ui.etaNow.removeAttribute('aria-invalid');
    await actions.setEta(v);
  }

  async function setSpeed() {
    const s = ui.speed.value === 'max' ? Infinity : Number(ui.speed.value);
    if (!SPEEDS.includes(s)) return;
    store.dispatch('pageKeys', { speed: s });
    await actions.act('speed', { stepsPerSecond: s });
    link.write();
  }

  function onKey(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const tag = t && t.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (t && t.isContentEditable)) return;
    if (e.key === ' ' || e.code === 'Space') {
      if (tag === 'BUTTON' || tag === 'SUMMARY' || tag === 'A') return; // their own activation
      e.preventDefault();
      actions.togglePlay();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      actions.stepOnce();
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      actions.resetRun();
    }
  }

  ui.play.addEventListener('click', actions.togglePlay);
  ui.step.addEventListener('click', actions.stepOnce);
  ui.reset.addEventListener('click', actions.resetRun);
  ui.etaSet.addEventListener('click', setEta);
  ui.etaNow.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); setEta(); } });
  ui.speed.addEventListener('change', setSpeed);
  ui.copyLink.addEventListener('click', async () => {
    await copy(location.href, 'link');
    ui.copyLink.textContent = 'Link copied';
    setTimeout(() => { ui.copyLink.textContent = 'Copy link'; }, 1500);
  });
  document.addEventListener('keydown', onKey);
  store.subscribe(render);
  render(state(), state());
  return { render };
}
