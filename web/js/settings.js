// settings.js -- the settings form around its controls (controls.js) and the Preset menu
// (preset-menu.js): the config the form holds, validation while typing, the problems of a config
// next to their controls (the rest listed above the form and in the alert area), Apply, Engine
// defaults, and the menu naming the preset the current run is. The engine judges every config
// (the worker's validate); the form only collects what was typed.
import { Controls } from './controls.js';
import { PresetMenu } from './preset-menu.js';
import { formPairs } from './schema.js';
import { joinPairs, pairsMap } from './kv.js';
import { el } from './dom.js';

// ui: { form, formProblems, defaults, groups, preset, presetHelp }; createRun(config, opts):
// run-actions.js (bound late: it needs this form too)
export function mountSettings({ ui, store, client, say, createRun }) {
  let controls = null;
  let validateCtl = null, validateTimer = 0;

  const presets = new PresetMenu({
    select: ui.preset, help: ui.presetHelp,
    validate: (config) => client.request('validate', { config }),
    choose: (p) => { setValues(pairsMap(p.config)); createRun(p.config, { autoplay: true }); },
  });
  const syncPreset = (edited = false) => {
    const { run } = store.get();
    presets.sync(run ? run.canonical : null, edited);
  };

  // Once the engine is ready: the controls come from its schema.
  function start(schema) {
    controls = new Controls(ui.groups, schema, { onInput });
    presets.start();
  }

  function config() {
    return joinPairs(formPairs(store.get().engine.schema, controls.values()));
  }

  function setValues(values, opts) { if (controls) controls.setValues(values, opts); }

  function clearProblems() { ui.formProblems.replaceChildren(); }

  // Problems of a config: next to their controls, the rest listed above the form and in the alert area.
  function showProblems(problems, { fromLink = false } = {}) {
    const general = controls ? controls.showProblems(problems) : problems;
    clearProblems();
    if (!problems.length) return;
    const n = problems.length;
    const head = el('p', {
      text: fromLink
        ? `The link has ${n} invalid setting${n > 1 ? 's' : ''}: nothing was run. Fix ${n > 1 ? 'them' : 'it'} below and press “Apply and run”.`
        : `${n} setting${n > 1 ? 's need' : ' needs'} fixing before the run can start.`,
    });
    ui.formProblems.append(head);
    if (general.length) ui.formProblems.append(el('ul', {}, ...general.map((g) => el('li', { text: g.message }))));
    say.message(fromLink ? head.textContent : `Settings not applied: ${problems.map((p) => p.message).join(' · ')}`, 'error', { id: 'config' });
  }

  // A run was created: the form shows its full config (every key in use), the menu its preset.
  function fill(info) {
    controls.clearErrors();
    controls.setValues(pairsMap(info.full), { full: true });
    syncPreset();
  }

  // Validate while typing (debounced, the previous check aborted): messages appear next to the
  // control as soon as a value is wrong, and disappear when it is fixed.
  function onInput() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(async () => {
      if (validateCtl) validateCtl.abort();
      const ctl = new AbortController();
      validateCtl = ctl;
      try {
        const v = await client.request('validate', { config: config() }, { signal: ctl.signal });
        if (ctl.signal.aborted) return;
        controls.showProblems(v.problems);
        clearProblems();
        const general = v.problems.filter((p) => !p.key || controls.fields.get(p.key)?.wrap.hidden);
        for (const g of general) ui.formProblems.append(el('p', { text: g.message }));
      } catch { /* aborted or the worker restarted: the next edit checks again */ }
    }, 250);
    syncPreset(true);
  }

  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    createRun(config(), { autoplay: true });
  });
  ui.defaults.addEventListener('click', () => {
    setValues(new Map());
    onInput();
  });

  return { start, config, setValues, showProblems, clearProblems, fill, presets, syncPreset };
}
