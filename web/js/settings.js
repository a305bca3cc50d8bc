// settings.js -- All settings: the form of every engine key (controls.js, generated from the
// engine's schema) in a drawer (a side panel; a bottom sheet on phones), the Preset menu of the
// top bar (preset-menu.js), and what the form does: the config it holds, validation while typing
// (the engine judges every config and says which keys apply: the worker's validate), the problems
// of a config next to their controls, Apply, Engine defaults, focusing a key's control. The bench
// (bench.js) edits the same form.
import { Controls } from './controls.js';
import { PresetMenu } from './preset-menu.js';
import { formPairs } from './schema.js';
import { joinPairs, pairsMap } from './kv.js';
import { el } from './dom.js';
import { problemText } from './link-problems.js';
import { withoutFlows } from './flow-data.js';

// ui: { form, formProblems, defaults, groups, preset, presetHelp, cite, drawer, open: [buttons],
// close }; createRun(config, opts): run-actions.js (bound late: it needs this form too);
// onPreset(preset | null): the current run is that preset; onFill(): the form changed its values
export function mountSettings({ ui, store, client, say, createRun, onPreset = () => {}, onFill = () => {} }) {
  let controls = null;
  let validateCtl = null, validateTimer = 0;
  let opener = null;

  const presets = new PresetMenu({
    select: ui.preset, help: ui.presetHelp, cite: ui.cite,
    validate: (config) => client.request('validate', { config }),
    choose: (p) => { setValues(pairsMap(p.config)); createRun(p.config, { autoplay: true }); },
    onMatch: onPreset,
  });
  // a run with flows beside GD is still its preset: the flows only observe (flow-data.js)
  const syncPreset = (edited = false) => {
    const { run, engine } = store.get();
    presets.sync(run ? withoutFlows(run.canonical, engine && engine.schema) : null, edited);
  };

  // Once the engine is ready: the controls come from its schema, built a few at a time with
  // `between()` (a Promise: the next task) between the steps, or at once. -> a Promise when spread
  async function start(schema, between = null) {
    const c = new Controls(ui.groups, schema, { onInput, build: !between });
    if (between) { const steps = c.steps(); while (!steps.next().done) await between(); }
    controls = c;
    presets.start();
  }

  function config() {
    return joinPairs(formPairs(store.get().engine.schema, controls.values(), controls.applies));
  }

  function setValues(values, opts) { if (controls) { controls.setValues(values, opts); onFill(); } }

  function clearProblems() { ui.formProblems.replaceChildren(); }

  // Problems of a config: next to their controls, the rest listed above the form (a link's
  // problems also get their own panel above the fold: link-problems.js).
  function showProblems(problems, { fromLink = false } = {}) {
    const general = controls ? controls.showProblems(problems) : problems;
    clearProblems();
    onFill();
    if (!problems.length) return;
    const n = problems.length;
    const head = el('p', {
      text: fromLink
        ? `The link has ${n} invalid setting${n > 1 ? 's' : ''}: nothing was run. Fix ${n > 1 ? 'them' : 'it'} below and press “Apply and run”.`
        : `${n} setting${n > 1 ? 's need' : ' needs'} fixing before the run can start.`,
    });
    ui.formProblems.append(head);
    if (general.length) ui.formProblems.append(el('ul', {}, ...general.map((g) => el('li', { text: problemText(g) }))));
    if (!fromLink) say.message(`Settings not applied: ${problems.map((p) => p.message).join(' · ')}`, 'error', { id: 'config' });
  }

  // A run was created: the form shows its full config (every key in use), the menu its preset.
  function fill(info) {
    controls.clearErrors();
    controls.setValues(pairsMap(info.full), { full: true, applies: info.applies ? new Set(info.applies) : null });
    controls.refreshApplies();
    syncPreset();
    onFill();
  }

  // Validate while typing (debounced, the previous check aborted): messages appear next to the
  // control as soon as a value is wrong, and disappear when it is fixed; the keys that apply follow.
  function onInput() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(async () => {
      if (validateCtl) validateCtl.abort();
      const ctl = new AbortController();
      validateCtl = ctl;
      try {
        const v = await client.request('validate', { config: joinPairs(formPairs(store.get().engine.schema, controls.values(), null)) }, { signal: ctl.signal });
        if (ctl.signal.aborted) return;
        controls.setApplies(new Set(v.applies));
        controls.showProblems(v.problems);
        clearProblems();
        const general = v.problems.filter((p) => !p.key || controls.fields.get(p.key)?.wrap.hidden);
        for (const g of general) ui.formProblems.append(el('p', { text: problemText(g) }));
        onFill();
      } catch { /* aborted or the worker restarted: the next edit checks again */ }
    }, 250);
    syncPreset(true);
  }

  // ---- the drawer ----
  function openDrawer(from = document.activeElement) {
    opener = from;
    ui.drawer.hidden = false;
    for (const b of ui.open) b.setAttribute('aria-expanded', 'true');
    return ui.drawer;
  }
  function closeDrawer() {
    if (ui.drawer.hidden) return;
    ui.drawer.hidden = true;
    for (const b of ui.open) b.setAttribute('aria-expanded', 'false');
    if (opener && opener.isConnected && !opener.closest('[hidden]')) opener.focus();
  }
  for (const b of ui.open) b.addEventListener('click', () => { if (ui.drawer.hidden) { openDrawer(b); ui.close.focus(); } else closeDrawer(); });
  ui.close.addEventListener('click', closeDrawer);
  ui.drawer.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); closeDrawer(); } });

  // The form's control of a key, opened and focused (the drawer opens, its group unfolds).
  function focusField(key) {
    const f = controls && controls.fields.get(key);
    if (!f) return false;
    openDrawer();
    const det = f.wrap.closest('details');
    if (det) det.open = true;
    f.wrap.hidden = false;
    f.input.focus();
    f.input.scrollIntoView({ block: 'center' });
    return true;
  }

  // Apply: the engine first says which keys apply to the values as they stand now (a model
  // changed a moment ago hides the keys of the old one), then the run is made.
  async function apply() {
    try {
      const v = await client.request('validate', { config: joinPairs(formPairs(store.get().engine.schema, controls.values(), null)) });
      controls.setApplies(new Set(v.applies));
    } catch { /* the run's own validation will say what is wrong */ }
    return createRun(config(), { autoplay: true });
  }

  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  ui.defaults.addEventListener('click', () => {
    setValues(new Map());
    onInput();
  });

  return {
    start, config, setValues, showProblems, clearProblems, fill, presets, syncPreset, focusField, openDrawer, closeDrawer,
    fieldOf: (key) => (controls ? controls.fields.get(key) || null : null),
    setField: (key, value) => {
      const f = controls && controls.fields.get(key);
      if (!f) return;
      if (f.input.type === 'checkbox') f.input.checked = value === '1' || value === 'true';
      else {
        if (f.input.tagName === 'SELECT' && ![...f.input.options].some((o) => o.value === value)) f.input.append(el('option', { value, text: value }));
        f.input.value = value;
      }
      controls.clearError(key);
    },
    apply,
  };
}
