// bench.js -- the bench: the few settings most runs change, in plain words and units (the model
// and its size, the data, the loss, the optimizer, the seed), beside the learning rate. Each is
// one key of the engine's config, mirrored from the All settings form (settings.js), which stays
// the one place the config is collected: a change here sets the form's field and runs at once, as
// TensorFlow Playground does. The key's name is in each control's description, the values are
// the engine's own choices (unknown ones are shown as the engine names them), and a control is
// hidden when its key does not apply (the engine says which keys apply).
import { el, setText } from './dom.js';

export const BENCH = Object.freeze([
  { key: 'model', label: 'Model', names: { linear: 'deep linear net', mlp: 'neural net (MLP)', mf: 'matrix factorization' } },
  { key: 'act', label: 'Activation', names: { identity: 'none (linear)', relu: 'ReLU', leaky_relu: 'leaky ReLU', tanh: 'tanh', softplus: 'softplus', leaky_softplus: 'leaky softplus', gelu: 'GELU' } },
  { key: 'depth', label: 'Layers', unit: 'trained layers' },
  { key: 'width', label: 'Width', unit: 'units per hidden layer' },
  { key: 'data', label: 'Data set', names: { teacher: 'teacher regression', mc: 'linear regression (Marion–Chizat)', degenerate: 'one input, labels ±1', separable: 'separable ±1', flip: 'noisy ±1 labels', xor: 'XOR', circles: 'circles', spirals: 'spirals', moons: 'moons', p5: 'P5 (5 points)', xor40: 'XOR40', inline: 'your points (xs, ys)', csv: 'your CSV file' } },
  { key: 'n', label: 'Samples', unit: 'training points' },
  { key: 'loss', label: 'Loss', names: { mse_half: 'squared error ½ MSE', mse: 'squared error (MSE)', logistic: 'logistic' } },
  { key: 'opt', label: 'Optimizer', names: { gd: 'gradient descent (full batch)', sgd: 'SGD (minibatches)' } },
  { key: 'batch', label: 'Batch', unit: 'samples per step' },
  { key: 'seed', label: 'Seed', unit: 'data, init and noise' },
]);

// container: the bench's element; settings: settings.js (fieldOf(key), setField(key, value),
// apply()); schema: the engine's config schema
export function mountBench({ container, settings, schema }) {
  const byKey = new Map(schema.map((k) => [k.key, k]));
  const rows = new Map(); // key -> { row, input, error, spec }
  for (const b of BENCH) {
    const spec = byKey.get(b.key);
    if (!spec) continue; // an engine without this key: nothing to show
    const id = `bench-${b.key}`;
    const help = el('span', { class: 'visually-hidden', id: `${id}-key`, text: `Config key ${b.key}. ${spec.help}` });
    let input;
    if (spec.choices && spec.choices.length && (spec.type === 'enum' || spec.type === 'activation')) {
      input = el('select', { id, 'aria-describedby': `${id}-key ${id}-error` });
      for (const c of spec.choices) input.append(el('option', { value: c, text: (b.names && b.names[c]) || c }));
    } else {
      input = el('input', { id, type: 'text', inputmode: spec.type === 'int' || spec.type === 'int64' ? 'numeric' : null, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-key ${id}-error` });
    }
    input.title = `${b.key}: ${spec.help}`;
    const label = el('label', { for: id }, b.label, b.unit ? el('span', { class: 'unit', text: ` ${b.unit}` }) : null);
    const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    const row = el('div', { class: 'bench-row', dataset: { key: b.key } }, label, input, help, error);
    container.append(row);
    rows.set(b.key, { row, input, error, spec });
    input.addEventListener('change', () => {
      settings.setField(b.key, input.value.trim());
      settings.apply();
    });
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && input.tagName === 'INPUT') { e.preventDefault(); input.blur(); } });
  }

  // Follow the form: its values, which keys apply, the problems next to its fields.
  function sync() {
    for (const [key, r] of rows) {
      const f = settings.fieldOf(key);
      if (!f) { r.row.hidden = true; continue; }
      r.row.hidden = f.wrap.hidden;
      const v = f.input.type === 'checkbox' ? (f.input.checked ? '1' : '0') : f.input.value;
      if (r.input.tagName === 'SELECT' && v && ![...r.input.options].some((o) => o.value === v)) {
        r.input.append(el('option', { value: v, text: v })); // a parameterized activation: leaky_softplus(0.5)
      }
      if (document.activeElement !== r.input) r.input.value = v === '' ? f.input.placeholder || '' : v;
      const msg = f.error.hidden ? '' : f.error.textContent;
      setText(r.error, msg);
      r.error.hidden = !msg;
      if (msg) r.input.setAttribute('aria-invalid', 'true'); else r.input.removeAttribute('aria-invalid');
      r.row.classList.toggle('invalid', !!msg);
    }
  }

  // The bench's control for a key, when it shows one.
  const controlOf = (key) => { const r = rows.get(key); return r && !r.row.hidden ? r.input : null; };
  return { sync, controlOf };
}
