#!/usr/bin/env node
// serve.mjs -- a tiny static file server for the built site (no dependencies), on localhost only.
// usage: node scripts/serve.mjs [--root build/site] [--port 8000] [--host 127.0.0.1] [--test-hooks]
//   --port 0 picks a free port. Prints the URL once it listens.
//   --test-hooks serves /test-hooks.json, which turns on the page's fault injection (fault=trap,
//   fault=crash in a link): the browser tests use it; without it a link cannot trap or crash.
//   --other-site serves the files without the site's policy and framing headers: the browser
//   tests' stand-in for another site (a host page that frames the widget).
// It sends the right MIME types (application/wasm for streaming compilation), the page's
// Content-Security-Policy as a header too (a module worker takes its CSP from its own response;
// frame-ancestors works only as a header), no-cache (so a rebuilt site is picked up on reload) and
// nosniff. Framing: only the embed widget (embed.html) may be framed, by any site; every other page
// refuses to be framed (frame-ancestors 'none', and X-Frame-Options: DENY for old browsers), so no
// site can overlay the playground to trick clicks. The README lists these headers for static hosts.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { resolve, extname, sep, join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const root = resolve(opt('root', join(here, '..', 'build', 'site')));
const port = Number(opt('port', process.env.PORT || 8000));
const host = opt('host', '127.0.0.1');
const testHooks = args.includes('--test-hooks');
const otherSite = args.includes('--other-site');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
// The policy of every page; frames only from this site (the embed demo and the gallery frame the
// widget); the page's own meta policy repeats it (both apply: the stricter wins).
const POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; worker-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const WIDGET_FILE = 'embed.html';

// The headers that say who may frame a file: the widget, anyone; the rest, no one.
function framingHeaders(file) {
  if (otherSite) return {};
  if (basename(file) === WIDGET_FILE) return { 'Content-Security-Policy': `${POLICY}; frame-ancestors *` };
  return { 'Content-Security-Policy': `${POLICY}; frame-ancestors 'none'`, 'X-Frame-Options': 'DENY' };
}

const server = createServer(async (req, res) => {
  const send = (code, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ...framingHeaders('') });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
  let path;
  try {
    path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(400, 'bad request\n');
  }
  if (path.includes('\0')) return send(400, 'bad request\n');
  if (testHooks && path === '/test-hooks.json') return send(200, '{"fault":true}\n', MIME['.json']);
  let file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) return send(403, 'forbidden\n');
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file);
    }
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': MIME[extname(file).toLowerCase()] || 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...framingHeaders(file),
      'Referrer-Policy': 'no-referrer',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    send(404, 'not found\n');
  }
});

server.listen(port, host, () => {
  const a = server.address();
  console.log(`Implicit Bias Playground: http://${host === '0.0.0.0' ? 'localhost' : host}:${a.port}/`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
