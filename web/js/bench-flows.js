// bench-flows.js -- the bench's "Theory beside GD" switch (issue 15): the continuous-time models
// of GD (gradient flow, the central flow, and whichever others the engine offers) run beside the
// run and drawn over its loss and sharpness charts. Like every bench control it mirrors keys of
// the All settings form (settings.js): `flow` (on: every flow the engine offers, its schema's
// choices; off: none) and `flow_start` ("restart at onset": the flows start from GD's iterate at
// its edge-of-stability onset). A change sets the form's fields and runs at once. Hidden when the
// engine says `flow` does not apply (SGD).
import { el } from './dom.js';

// container: where the switch goes; settings: settings.js; schema: the engine's config schema
export function mountFlowSwitch({ container, settings, schema }) {
  const flow = schema.find((k) => k.key === 'flow');
  const start = schema.find((k) => k.key === 'flow_start');
  if (!flow || !flow.choices || !flow.choices.length) return { sync() {} };
  const on = el('input', { id: 'flows-on', type: 'checkbox', 'aria-describedby': 'flows-help' });
  const onset = el('input', { id: 'flows-onset', type: 'checkbox', 'aria-describedby': 'flows-help' });
  on.title = `flow: ${flow.help}`;
  if (start) onset.title = `flow_start: ${start.help}`;
  const help = el('p', { class: 'help', id: 'flows-help', text: 'Runs the theories’ continuous-time models of gradient descent beside it and draws them over the loss and sharpness charts.' });
  const onsetRow = el('label', { class: 'flows-opt', for: 'flows-onset' }, onset, ' restart at the EoS onset');
  const box = el('div', { class: 'bench-row bench-flows', dataset: { key: 'flow' } },
    el('label', { class: 'flows-switch', for: 'flows-on' }, on, ' Theory beside GD'), start ? onsetRow : null, help);
  container.append(box);

  const change = () => {
    settings.setField('flow', on.checked ? flow.choices.join(',') : '');
    if (start) settings.setField('flow_start', on.checked && onset.checked ? 'onset' : start.default);
    settings.apply();
  };
  on.addEventListener('change', change);
  onset.addEventListener('change', () => { if (on.checked) change(); });

  // Follow the form: the flows it sets, where they start, whether `flow` applies.
  function sync() {
    const f = settings.fieldOf('flow');
    if (!f) { box.hidden = true; return; }
    box.hidden = f.wrap.hidden;
    on.checked = f.input.value.trim() !== '';
    const s = settings.fieldOf('flow_start');
    onset.checked = !!s && s.input.value === 'onset';
    onset.disabled = !on.checked;
  }
  return { sync };
}
