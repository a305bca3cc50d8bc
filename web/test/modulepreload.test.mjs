// scripts/modulepreload.mjs: the playground page's module graph, preloaded at once. The closure of
// main.js is every module it reaches through static imports, found on the real sources; each module
// is preloaded once, the boot graph's before the stylesheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticImports, moduleClosure, withPreloads } from '../../scripts/modulepreload.mjs';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');

test('staticImports: import and export ... from, bare imports, multi-line lists; no dynamic or package imports', () => {
  const text = "import { a } from './a.js';\nimport {\n  b,\n  c,\n} from '../x/b.js';\nexport { d } from './d.js';\nimport './side.js';\nconst m = import('./lazy.js');\nimport x from 'pkg';\n// import { no } from './comment.js' is not at a line start";
  assert.deepEqual(staticImports(text), ['./a.js', '../x/b.js', './d.js', './side.js']);
});

test('staticImports: esbuild\'s double-quoted imports of its shared chunk; a quote must close as it opened', () => {
  const text = 'import {\n  a,\n  b\n} from "./bundle-ABC123.js";\nimport "./side.js";\nimport { c } from "./bad.js\';\nexport { d } from \'./d.js\';';
  assert.deepEqual(staticImports(text), ['./bundle-ABC123.js', './side.js', './d.js']);
});

test('the playground: main.js\'s closure holds every module it imports, transitively, once', () => {
  const all = moduleClosure(web, ['js/main.js']);
  assert.equal(all[0], 'js/main.js');
  assert.equal(new Set(all).size, all.length);
  for (const f of all) {
    for (const spec of staticImports(readFileSync(join(web, f), 'utf8'))) {
      const dep = `js/${spec.replace(/^\.\//, '')}`;
      assert.ok(all.includes(dep), `${f} imports ${spec}, which is not preloaded`);
    }
  }
  for (const m of ['js/boot.js', 'js/views.js', 'js/charts.js', 'js/rpc.js']) assert.ok(all.includes(m), m);
  const page = withPreloads(readFileSync(join(web, 'index.html'), 'utf8'), web);
  const links = [...page.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual([...links].sort(), [...all].sort(), 'index.html preloads exactly main.js\'s graph');
  assert.ok(page.indexOf('href="js/rpc.js"') < page.indexOf('css/style.css'), 'the boot graph comes before the stylesheet');
  assert.ok(!page.includes('<!-- modulepreload'), 'every marker replaced');
});
