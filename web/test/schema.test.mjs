// Unit tests of schema.js (which keys apply, what a form sets) against the engine's own schema,
// read from the module (IBP_WASM, default build/wasm/ibp.wasm), and of the page/engine key split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../js/wasm-loader.js';
import { schema as schemaOf, canonical } from '../js/engine.js';
import { groups, applies, byKeyMap, formPairs, rangeText, controlKind, suggestions } from '../js/schema.js';
import { PAGE_KEYS, DEFAULT_CONFIG } from '../js/link.js';
import { joinPairs, pairsMap } from '../js/kv.js';
import { PRESETS } from '../js/presets.js';

const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
const schema = schemaOf(ibp);
const byKey = byKeyMap(schema);

test('every engine key has a group, a help line and a control', () => {
  const seen = new Set();
  for (const g of groups(schema)) for (const k of g.keys) { seen.add(k.key); assert.ok(k.help.length > 5, k.key); }
  assert.equal(seen.size, schema.length);
  for (const k of schema) {
    const kind = controlKind(k);
    assert.ok(['select', 'checkbox', 'text'].includes(kind));
    if (kind === 'select') assert.ok(k.choices.includes(k.default), `${k.key}: default among the choices`);
  }
});

test('page keys never collide with engine keys', () => {
  for (const k of Object.keys(PAGE_KEYS)) assert.ok(!byKey.has(k), `page key ${k} is also an engine key`);
});

// The page's idea of "applies" must agree with the engine's: for each key and a set of
// representative configs, giving the key its default value is accepted by the engine exactly
// when the page shows the control (the engine refuses keys that do not apply).
test('applies() agrees with the engine parser', () => {
  const bases = ['', 'model=mf', 'model=linear', 'model=linear&data=inline&xs=1&ys=1&d=1', 'data=moons&loss=logistic',
    'data=mc&model=linear', 'opt=sgd', 'depth=1&head=pm', 'depth=1', 'model=linear&depth=1', 'data=teacher&teacher=tanh_mlp', 'data=flip'];
  let checked = 0;
  for (const base of bases) {
    const values = pairsMap(base);
    for (const k of schema) {
      if (values.has(k.key)) continue;
      const shown = applies(k, values, byKey);
      let accepted = true;
      try {
        canonical(ibp, [base, `${k.key}=${encodeURIComponent(k.default)}`].filter(Boolean).join('&'));
      } catch (e) {
        accepted = !/does not apply/.test(e.message);
      }
      assert.equal(shown, accepted, `${k.key} with "${base}"`);
      checked++;
    }
  }
  assert.ok(checked > 500);
});

test('formPairs sets only applicable keys that differ from their defaults', () => {
  const values = new Map(schema.map((k) => [k.key, k.default]));
  assert.deepEqual(formPairs(schema, values), []);
  values.set('model', 'mf');
  values.set('depth', '5');     // hidden for mf: not set
  values.set('rows', ' 3 ');
  values.set('lr', '0.1');      // the default
  values.set('cols', '');       // empty: not set
  assert.deepEqual(formPairs(schema, values), [['model', 'mf'], ['rows', '3']]);
});

test('the default experiment and every preset are valid configs', () => {
  for (const c of [DEFAULT_CONFIG, ...PRESETS.map((p) => p.config)]) {
    const canon = canonical(ibp, c);
    assert.equal(canonical(ibp, canon), canon, `canonical form is a fixed point for ${c}`);
    // what the page would send after a round trip through the controls gives the same canonical form
    const values = pairsMap(canonical(ibp, c, true));
    assert.equal(canonical(ibp, joinPairs(formPairs(schema, values))), canon, c);
  }
});

test('rangeText and suggestions', () => {
  assert.equal(rangeText(byKey.get('depth')), 'in [1, 64]');
  assert.equal(rangeText(byKey.get('lr')), 'in (0, 1000000]');
  assert.equal(rangeText(byKey.get('model')), '');
  assert.ok(suggestions(byKey.get('act')).includes('leaky_relu(0.1)'));
  assert.ok(suggestions(byKey.get('init')).includes('fan_in'));
});
