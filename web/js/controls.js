// controls.js -- the settings form, generated from the engine's config schema: one group per
// schema group, one control per key (enum -> select, bool -> checkbox, everything else typed with
// suggestions), its default and range in the inline help, keys that do not apply to the chosen
// model or data hidden (the engine says which apply: setApplies), and the engine's messages shown
// next to the control they are about.
// Only DOM APIs and textContent: no text from a link or the engine ever becomes markup.
import { el } from './dom.js';
import { groups, byKeyMap, rangeText, controlKind, suggestions, valueOf } from './schema.js';

const OPEN_GROUPS = new Set(['model', 'data', 'optimizer']);
const FIELDS_PER_STEP = 10;

export class Controls {
  // container: the element the groups go into; onInput(key) is called on every edit; build: false
  // leaves the building to the caller, a few fields at a time (steps()).
  constructor(container, schema, { onInput, build = true } = {}) {
    this.container = container;
    this.schema = schema;
    this.byKey = byKeyMap(schema);
    this.onInput = onInput || (() => {});
    this.fields = new Map(); // key -> { wrap, input, error, spec }
    this.applies = null;     // the keys that apply (a Set from the engine), null: all
    if (build) { const steps = this.steps(); while (!steps.next().done); }
  }

  // The form, built FIELDS_PER_STEP fields per step (a generator: the page spreads the steps over
  // main-thread tasks of their own while a run already plays); it appears whole after the last.
  *steps() {
    const frag = document.createDocumentFragment();
    let n = 0;
    for (const g of groups(this.schema)) {
      const det = el('details', { class: 'group', open: OPEN_GROUPS.has(g.name), dataset: { group: g.name } });
      det.append(el('summary', { text: g.title }));
      const body = el('div', { class: 'group-body' });
      det.append(body);
      frag.append(det);
      for (const spec of g.keys) {
        body.append(this.field(spec));
        if (++n % FIELDS_PER_STEP === 0) yield;
      }
    }
    this.container.replaceChildren(frag);
  }

  field(spec) {
    const id = `cfg-${spec.key}`;
    const kind = controlKind(spec);
    let input;
    if (kind === 'select') {
      input = el('select', { id, name: spec.key });
      for (const c of spec.choices || []) input.append(el('option', { value: c, text: c }));
    } else if (kind === 'checkbox') {
      input = el('input', { id, name: spec.key, type: 'checkbox' });
    } else {
      input = el('input', {
        id, name: spec.key, type: 'text', autocomplete: 'off', spellcheck: 'false',
        inputmode: spec.type === 'int' ? 'numeric' : spec.type === 'number' ? 'decimal' : null,
        placeholder: spec.default === '' ? '(none)' : spec.default,
      });
      const sug = suggestions(spec);
      if (sug.length) {
        const list = el('datalist', { id: `${id}-list` });
        for (const s of sug) list.append(el('option', { value: s }));
        input.setAttribute('list', list.id);
        input._list = list;
      }
    }
    // the engine's help may end without a full stop ("as in mlp"); the sentences after it need one
    const helpText = [spec.help && !/[.!?]$/.test(spec.help) ? `${spec.help}.` : spec.help];
    const range = rangeText(spec);
    if (range) helpText.push(`Range ${range}.`);
    helpText.push(spec.default === '' ? 'Default: none.' : `Default: ${spec.default}.`);
    const help = el('p', { class: 'help', id: `${id}-help`, text: helpText.join(' ') });
    const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    input.setAttribute('aria-describedby', `${help.id} ${error.id}`);
    const label = el('label', { for: id, class: 'key', text: spec.key });
    const wrap = el('div', { class: `field field-${kind}`, dataset: { key: spec.key } });
    if (kind === 'checkbox') wrap.append(input, label, help, error);
    else wrap.append(label, input, help, error);
    if (input._list) wrap.append(input._list);
    const ev = kind === 'text' ? 'input' : 'change';
    input.addEventListener(ev, () => {
      this.clearError(spec.key);
      this.onInput(spec.key);
    });
    this.fields.set(spec.key, { wrap, input, error, spec });
    return wrap;
  }

  // Current values (text) of every control.
  values() {
    const out = new Map();
    for (const [key, f] of this.fields) {
      out.set(key, f.input.type === 'checkbox' ? (f.input.checked ? '1' : '0') : f.input.value);
    }
    return out;
  }

  // Fill every control from a Map (keys not in it take their default). With full = true the map
  // is the engine's full canonical form, which lists every key in use: a key that applies but is
  // missing there is implied by something else (d by an inline data set) and is shown empty.
  // applies: the keys that apply to these values (the engine's list), when known.
  setValues(map, { full = false, applies = null } = {}) {
    if (applies) this.applies = applies;
    const implied = new Set();
    if (full && this.applies) {
      for (const [key, f] of this.fields) {
        if (!map.has(key) && f.input.type === 'text' && key !== 'lr' && key !== 'lr_rel' && this.applies.has(key)) implied.add(key);
      }
    }
    // lr and lr_rel exclude each other: the full form lists the one in use
    const lrByRel = full && map.has('lr_rel') && !map.has('lr');
    if (lrByRel) implied.add('lr');
    for (const [key, f] of this.fields) {
      const hint = key === 'lr' && lrByRel ? 'set by lr_rel' : 'implied by the data';
      if (f.input.type === 'text') f.input.placeholder = implied.has(key) ? hint : f.spec.default === '' ? '(none)' : f.spec.default;
      const v = implied.has(key) ? '' : map.has(key) ? map.get(key) : f.spec.default;
      if (f.input.type === 'checkbox') f.input.checked = v === '1' || v === 'true';
      else if (f.input.tagName === 'SELECT') {
        if (![...f.input.options].some((o) => o.value === v)) {
          // a value the engine will refuse: keep it visible so its message makes sense
          f.input.append(el('option', { value: v, text: v, dataset: { invalid: '1' } }));
        }
        f.input.value = v;
      } else f.input.value = v ?? '';
    }
    this.refreshApplies();
  }

  // Show the keys that apply (a Set from the engine), hide the rest.
  setApplies(applies) {
    this.applies = applies;
    this.refreshApplies();
  }

  refreshApplies() {
    let hidden = 0;
    for (const [, f] of this.fields) {
      const ok = !this.applies || this.applies.has(f.spec.key);
      f.wrap.hidden = !ok;
      if (!ok) hidden++;
    }
    this.hiddenCount = hidden;
    for (const det of this.container.querySelectorAll('details.group')) {
      const any = [...det.querySelectorAll('.field')].some((w) => !w.hidden);
      det.hidden = !any;
    }
  }

  clearError(key) {
    const f = this.fields.get(key);
    if (!f) return;
    f.error.hidden = true;
    f.error.textContent = '';
    f.input.removeAttribute('aria-invalid');
    f.wrap.classList.remove('invalid');
  }

  clearErrors() { for (const key of this.fields.keys()) this.clearError(key); }

  // Show problems [{ key, message }] next to their controls. Returns the ones that have no
  // visible control (unknown keys, keys hidden for this model, cross-key rules without a key).
  showProblems(problems) {
    this.clearErrors();
    const general = [];
    let first = null;
    for (const p of problems) {
      const f = p.key ? this.fields.get(p.key) : null;
      if (!f || f.wrap.hidden) { general.push(p); continue; }
      f.error.textContent = p.message;
      f.error.hidden = false;
      f.input.setAttribute('aria-invalid', 'true');
      f.wrap.classList.add('invalid');
      const det = f.wrap.closest('details');
      if (det) det.open = true;
      if (!first) first = f;
    }
    return general;
  }

  valueOf(key) { return valueOf(this.values(), this.byKey.get(key)); }
}
