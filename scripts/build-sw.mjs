#!/usr/bin/env node
// build-sw.mjs -- the last step of scripts/build-site: walk the built site and write
//   version.json  { engine, build, files, bytes }: the build stamp the pages show
//   sw.js         the service worker with that stamp and the list of every file to precache
// The stamp is a hash of every file (so any change is a new deployment, and an unchanged site
// keeps its stamp), or IBP_BUILD_STAMP when set (tests use it to make a "new build").
// sw.js is written from its template web/sw.js. Not precached: sw.js itself, bench/ (the page
// benchmark) and source maps.
// usage: node scripts/build-sw.mjs [SITE_DIR]   (default build/site)
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, sep, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const site = resolve(process.argv[2] || join(here, '..', 'build', 'site'));
const fail = (m) => { console.error(`build-sw: ${m}`); process.exit(1); };

const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile()) files.push(relative(site, p).split(sep).join('/'));
  }
})(site);
const skip = (f) => f === 'sw.js' || f === 'version.json' || f.startsWith('bench/') || f.endsWith('.map') || f.startsWith('.');
const assets = files.filter((f) => !skip(f));
if (!assets.includes('index.html')) fail(`${site} has no index.html: build the site first`);

const hash = createHash('sha256');
let bytes = 0;
for (const f of assets) {
  const body = readFileSync(join(site, f));
  bytes += body.length;
  hash.update(f).update('\0').update(body).update('\0');
}
const stamp = process.env.IBP_BUILD_STAMP || hash.digest('hex').slice(0, 12);
if (!/^[A-Za-z0-9._-]{1,64}$/.test(stamp)) fail(`IBP_BUILD_STAMP=${stamp}: use letters, digits, . _ - (at most 64)`);

// the engine's version, from the module itself
let engine = '';
try {
  const { loadIbp } = await import(pathToFileURL(join(here, '..', 'web', 'js', 'wasm-loader.js')).href);
  const ibp = await loadIbp(readFileSync(join(site, 'ibp.wasm')));
  engine = ibp.readCStr(ibp.ex.ibp_version());
} catch (e) {
  fail(`could not read the engine version from ${join(site, 'ibp.wasm')}: ${e.message}`);
}

const precache = [...assets, 'version.json'].sort();
writeFileSync(join(site, 'version.json'), `${JSON.stringify({ engine, build: stamp, files: precache.length, bytes })}\n`);

// sw.js from its template (web/sw.js), so build-sw can run again on a built site
const template = join(here, '..', 'web', 'sw.js');
const marker = /^const BUILD = \{ version: 'dev', files: \[\] \}; \/\/ replaced by scripts\/build-sw\.mjs$/m;
const sw = readFileSync(template, 'utf8');
if (!marker.test(sw)) fail(`${template} has no BUILD line to replace`);
writeFileSync(join(site, 'sw.js'), sw.replace(marker, `const BUILD = ${JSON.stringify({ version: stamp, files: precache })};`));
const total = bytes + statSync(join(site, 'version.json')).size;
console.error(`build-sw: ${precache.length} files (${(total / 1024).toFixed(0)} KiB) precached as build ${stamp}, engine ${engine}`);
