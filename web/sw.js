// sw.js -- the service worker: the whole site offline after one visit. scripts/build-sw.mjs rewrites
// the BUILD line below with the build stamp and the list of every file of the built site, so a
// new deployment is a new sw.js (the browser compares it byte for byte) with a new cache.
//   install:  precache every file into the cache "ibp-<build>" (all or nothing)
//   activate: delete the caches of other builds (only once no page uses the old version)
//   fetch:    same-origin GETs cache-first (a page path "dir/" is "dir/index.html", the query is
//             ignored for pages); anything not precached goes to the network
//   message:  { type: 'skip-waiting' } from a page's "Reload to update"
const BUILD = { version: 'dev', files: [] }; // replaced by scripts/build-sw.mjs
const CACHE = `ibp-${BUILD.version}`;
const SCOPE = new URL('./', self.location).href;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) =>
    cache.addAll(BUILD.files.map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) =>
    Promise.all(keys.filter((k) => k.startsWith('ibp-') && k !== CACHE).map((k) => caches.delete(k)))));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !url.href.startsWith(SCOPE)) return;
  const page = req.mode === 'navigate' || url.pathname.endsWith('/') || url.pathname.endsWith('.html');
  let key = url.origin + url.pathname;
  if (key.endsWith('/')) key += 'index.html';
  event.respondWith(openCache().then(async (cache) => {
    const hit = await cache.match(key, { ignoreSearch: page });
    if (hit) return hit;
    return fetch(req);
  }));
});

// The cache, opened once per service worker start: a page's load asks for some 80 files at once
// (its modules are preloaded together), and each answer should cost one lookup.
let opened = null;
function openCache() {
  if (!opened) opened = caches.open(CACHE).catch((e) => { opened = null; throw e; });
  return opened;
}
