// The house rules of the page's modules, checked on their source: every named import is exported
// by the module it names (a browser learns of a broken import only when it loads the page); the
// only "k=v&k=v" splitter is kv.js; one el() (dom.js) and one alpha() (theme.js); no module writes
// markup (innerHTML, outerHTML, insertAdjacentHTML, document.write).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = [
  ...readdirSync(join(root, 'web', 'js')).filter((f) => f.endsWith('.js')).map((f) => join(root, 'web', 'js', f)),
  join(root, 'web', 'worker.js'), join(root, 'web', 'sw.js'),
  ...readdirSync(join(root, 'site')).filter((f) => f.endsWith('.js')).map((f) => join(root, 'site', f)),
];
const source = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const rel = (f) => relative(root, f);

// The names a module exports: export function|class|const|let NAME, export { a, b as c }.
function exportsOf(text) {
  const names = new Set();
  for (const m of text.matchAll(/^export\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^export\s*\{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) { const n = part.trim().split(/\s+as\s+/).pop(); if (n) names.add(n); }
  }
  return names;
}

test('every named import of the page is exported by the module it names', () => {
  let checked = 0;
  for (const [file, text] of source) {
    for (const m of text.matchAll(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
      // site/ scripts live one folder down in the built site (gallery/): ../js/ is web/js/
      const target = file.startsWith(join(root, 'site')) ? join(root, 'web', 'js', m[2].replace(/^\.\.\/js\//, '')) : resolve(dirname(file), m[2]);
      const other = source.get(target) ?? readFileSync(target, 'utf8');
      const have = exportsOf(other);
      for (const part of m[1].split(',')) {
        const name = part.trim().split(/\s+as\s+/)[0];
        if (!name) continue;
        assert.ok(have.has(name), `${rel(file)} imports ${name} from ${m[2]}, which does not export it`);
        checked++;
      }
    }
  }
  assert.ok(checked > 150, `only ${checked} imports checked`);
});

test('kv.js is the only module that splits k=v&k=v text', () => {
  for (const [file, text] of source) {
    if (file.endsWith(`${'/'}kv.js`)) continue;
    const code = text.replace(/^\s*\/\/.*$/gm, '');
    assert.ok(!/\.split\(\s*(['"`])&\1\s*\)|\.split\(\s*\/\[?[^/]*&/.test(code), `${rel(file)} splits on & itself: use kv.js`);
    assert.ok(!/\(\^\|&\)/.test(code), `${rel(file)} looks for a key=value with a regular expression: use kv.js valueOf`);
  }
});

test('one el() and one alpha(): dom.js and theme.js', () => {
  for (const [file, text] of source) {
    const els = [...text.matchAll(/function\s+el\s*\(|const\s+el\s*=\s*\(/g)].length;
    const alphas = [...text.matchAll(/function\s+alpha\w*\s*\(|const\s+alpha\w*\s*=\s*\(/g)].length;
    assert.equal(els, file.endsWith('/dom.js') ? 1 : 0, `${rel(file)}: el() belongs to dom.js`);
    assert.equal(alphas, file.endsWith('/theme.js') ? 1 : 0, `${rel(file)}: alpha() belongs to theme.js`);
  }
});

test('no module writes markup', () => {
  for (const [file, text] of source) {
    assert.ok(!/\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write\s*\(/.test(text), `${rel(file)} writes markup`);
  }
});

test('event bits, regimes and summary fields are the engine\'s: no module repeats them', () => {
  for (const [file, text] of source) {
    assert.ok(!/\b(EVENT_BITS|REGIMES|FIELD_LABELS)\b/.test(text), `${rel(file)} keeps its own list of the engine's names: read them from the module's enums (names.js)`);
    assert.ok(!/\bbit:\s*\d+\s*,\s*(kind|id):/.test(text), `${rel(file)} hard-codes an event bit`);
  }
});

test('the sweep grammar is the engine\'s: no module reads lin:/log: grids', () => {
  for (const [file, text] of source) {
    assert.ok(!/\(lin\|log\)|['"`]lin:['"`]|startsWith\(['"`](lin|log):/.test(text), `${rel(file)} reads a grid itself: the engine plans sweeps (sweep-plan.js)`);
  }
});
