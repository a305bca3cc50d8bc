#!/usr/bin/env node
// modulepreload.mjs -- a built page's module graph, fetched at once. A page's ES modules are
// otherwise found level by level (main.js, then what it imports, then what those import: five
// round trips through the service worker before main.js can run); a <link rel="modulepreload"> per
// module lets the browser fetch and compile all of them in parallel while it parses the page.
// A page names where the links go and for which module, as many times as it likes:
// <!-- modulepreload: js/boot.js --> becomes one link per module of that module's static import
// closure (breadth-first, itself first) not already named by an earlier marker, so a page can ask
// for the few modules it needs first ahead of its stylesheet and scripts, and the rest after them.
// Pages without a marker are left as they are.
// usage: node scripts/modulepreload.mjs SITE_DIR PAGE.html ...
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The relative specifiers a module imports statically (import/export ... from '...', import '...'),
// in either quote: the sources use single quotes, esbuild's bundles double ones.
export function staticImports(text) {
  const out = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;'"]*?\bfrom\s*(['"])(\.{1,2}\/[^'"]+)\1|^\s*import\s*(['"])(\.{1,2}\/[^'"]+)\3/gm)) out.push(m[2] || m[4]);
  return out;
}

// The files (relative to root, '/' separated) of the closure of `entries` (paths relative to root),
// breadth-first, entries first.
export function moduleClosure(root, entries, read = (f) => readFileSync(join(root, f), 'utf8')) {
  const seen = new Set(), order = [], queue = [...entries];
  while (queue.length) {
    const f = queue.shift();
    if (seen.has(f)) continue;
    seen.add(f);
    order.push(f);
    for (const spec of staticImports(read(f))) {
      const abs = resolve(root, dirname(f), spec);
      queue.push(relative(root, abs).split(sep).join('/'));
    }
  }
  return order;
}

// The page with each marker replaced by the modulepreload links of its module's graph.
export function withPreloads(html, root) {
  const done = new Set();
  return html.replace(/<!-- modulepreload: (\S+) -->/g, (_, entry) => moduleClosure(root, [entry])
    .filter((f) => !done.has(f) && done.add(f))
    .map((f) => `<link rel="modulepreload" href="${f}">`).join('\n'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [site, ...pages] = process.argv.slice(2);
  for (const page of pages) {
    const file = join(site, page);
    if (!existsSync(file)) continue;
    writeFileSync(file, withPreloads(readFileSync(file, 'utf8'), site));
  }
}
