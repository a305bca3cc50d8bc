// The house rules of src/ (GUIDE.md "Code"): folders are layers and arrows only go down.
// 1. Every #include "..." in src/ names a header of the file's own layer, a layer below it, or the
//    public ibp.h; the faces (cli/, wasm/) see only ibp.h and their own folder.
// 2. No circles between files: the graph "file A calls a function defined in file B" (from the
//    sources, comments stripped) has no cycle.
// 3. Every header is included by its root-relative path ("numerics/numerics.h").
// Usage: node tests/layers.mjs [SRC_DIR]   (default: the src/ beside this file)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checker } from './cli_run.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const src = process.argv[2] || join(here, '..', 'src');
const t = new Checker();

// Each layer and the layers it may use (besides itself). Order = bottom to top.
const ALLOWED = {
  base: [],
  numerics: ['base'],
  config: ['base', 'numerics'],
  data: ['base', 'numerics', 'config'],
  models: ['base', 'numerics', 'config'],
  flows: ['base', 'numerics', 'config', 'models'],
  run: ['base', 'numerics', 'config', 'data', 'models', 'flows'],
  sweep: ['base', 'numerics', 'config'],
  cli: [],
  wasm: [],
};

const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.[ch]$/.test(e)) files.push(relative(src, p));
  }
};
walk(src);
t.check(files.length > 30, `found the sources (${files.length} files under ${src})`);

const layerOf = (f) => f.split('/')[0];
for (const f of files) {
  const layer = layerOf(f);
  t.check(layer in ALLOWED && f.includes('/'), `${f}: in a layer folder (${Object.keys(ALLOWED).join(', ')})`);
}

// 1 + 3: includes
const strip = (s) => s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
const text = Object.fromEntries(files.map((f) => [f, strip(readFileSync(join(src, f), 'utf8'))]));
for (const f of files) {
  const layer = layerOf(f);
  for (const m of text[f].matchAll(/#\s*include\s+"([^"]+)"/g)) {
    const inc = m[1];
    if (inc === 'ibp.h') continue;
    t.check(files.includes(inc), `${f}: #include "${inc}" is a root-relative path to a header in src/`);
    const to = layerOf(inc);
    t.check(to === layer || (ALLOWED[layer] || []).includes(to),
      `${f}: includes ${inc}, but ${layer}/ may use only ${[layer, ...(ALLOWED[layer] || [])].join(', ')}`);
  }
}

// 2: the call graph between .c files has no cycle
const cfiles = files.filter((f) => f.endsWith('.c'));
// definitions: external ones by name; a file's static functions shadow them inside that file
const defs = new Map(), statics = new Map(cfiles.map((f) => [f, new Set()]));
const DEF = /^([A-Za-z_][\w \t*]*?)\b(ibp_\w+|cli_\w+|read_file|has_suffix|text_of)\s*\([^;{)]*\)\s*\{/gm;
for (const f of cfiles)
  for (const m of text[f].matchAll(DEF)) {
    if (/\bstatic\b/.test(m[1])) statics.get(f).add(m[2]);
    else if (!defs.has(m[2])) defs.set(m[2], f);
  }
t.check(defs.size > 100, `found the function definitions (${defs.size})`);
const edges = new Map(cfiles.map((f) => [f, new Set()]));
for (const f of cfiles)
  for (const m of text[f].matchAll(/\b(ibp_\w+|cli_\w+|read_file|has_suffix|text_of)\b/g)) {
    if (statics.get(f).has(m[1])) continue;
    const g = defs.get(m[1]);
    if (g && g !== f) edges.get(f).add(g);
  }
// every call also respects the layers (a call can cross without an include, e.g. via ibp.h)
for (const [f, to] of edges)
  for (const g of to) {
    const a = layerOf(f), b = layerOf(g);
    if (a === 'cli' || a === 'wasm') continue; // the faces call the public API, defined anywhere
    t.check(a === b || ALLOWED[a].includes(b), `${f} calls into ${g}: ${a}/ may not use ${b}/`);
  }
const state = new Map();
const cycles = [];
const dfs = (f, path) => {
  state.set(f, 1);
  for (const g of edges.get(f)) {
    if (state.get(g) === 1) cycles.push([...path.slice(path.indexOf(g)), g].join(' -> '));
    else if (!state.get(g)) dfs(g, [...path, g]);
  }
  state.set(f, 2);
};
for (const f of cfiles) if (!state.get(f)) dfs(f, [f]);
t.check(cycles.length === 0, `no circles between files: ${cycles.join('; ')}`);
t.done();
