// schema.js -- what the page knows about config keys, all of it read from the engine's schema
// (ibp_config_schema_json: [{key, group, type, default, min, max, minOpen, listMin, listMax,
// choices, applies, help}]). Pure: no DOM. The engine stays the judge of validity and of which
// keys apply (ibp_config_applies_json, through the worker); this module only groups the controls
// and says which keys a form sets.

export const GROUP_TITLES = Object.freeze({
  model: 'Model',
  mf: 'Matrix factorization',
  data: 'Data',
  loss: 'Loss',
  optimizer: 'Optimizer and learning rate',
  measure: 'Measurement',
  flows: 'Theory beside GD (flows)',
  run: 'Run',
});

// Groups in schema order, each with its keys in schema order.
export function groups(schema) {
  const out = [];
  const byName = new Map();
  for (const k of schema) {
    let g = byName.get(k.group);
    if (!g) {
      g = { name: k.group, title: GROUP_TITLES[k.group] ?? k.group, keys: [] };
      byName.set(k.group, g);
      out.push(g);
    }
    g.keys.push(k);
  }
  return out;
}

// The value of key in a form (a Map key -> text), or its default.
export function valueOf(values, spec) {
  const v = values.get(spec.key);
  return v === undefined ? spec.default : v;
}

export function byKeyMap(schema) {
  return new Map(schema.map((k) => [k.key, k]));
}

// The config pairs a form sets: keys that apply (the engine says which: the worker's validate,
// ibp_config_applies_json) whose text differs from the default.
export function formPairs(schema, values, applies) {
  const pairs = [];
  for (const spec of schema) {
    const v = values.get(spec.key);
    if (v === undefined) continue;
    const t = String(v).trim();
    if (t === String(spec.default)) continue;
    if (t === '') continue; // an empty control means "not set": the default, or implied
    if (applies && !applies.has(spec.key)) continue;
    pairs.push([spec.key, t]);
  }
  return pairs;
}

// The range of a numeric key in words: "in [1, 100000]", "> 0".
export function rangeText(spec) {
  if (spec.type === 'enum' || spec.type === 'bool' || spec.type === 'activation') return '';
  const lo = spec.min, hi = spec.max;
  const open = spec.minOpen ? '(' : '[';
  if (lo == null && hi == null) return '';
  if (hi == null) return spec.minOpen ? `> ${lo}` : `>= ${lo}`;
  if (lo == null) return `<= ${hi}`;
  return `in ${open}${lo}, ${hi}]`;
}

// The kind of control a key gets.
export function controlKind(spec) {
  switch (spec.type) {
    case 'enum': return 'select';
    case 'bool': return 'checkbox';
    default: return 'text'; // int, number, list, enum_or_list, activation: typed, with suggestions
  }
}

// Suggestions for typed keys (a datalist): the choices, plus the activations' parameter forms.
export function suggestions(spec) {
  const c = spec.choices ?? [];
  if (spec.type === 'activation') {
    const withParam = { leaky_relu: 'leaky_relu(0.1)', softplus: 'softplus(2)', leaky_softplus: 'leaky_softplus(0.5)' };
    return [...c, ...c.filter((n) => withParam[n]).map((n) => withParam[n])];
  }
  return c;
}
