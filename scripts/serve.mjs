#!/usr/bin/env node
// serve.mjs -- a tiny static file server for the built site (no dependencies), on localhost only.
// usage: node scripts/serve.mjs [--root build/site] [--port 8000] [--host 127.0.0.1]
//   --port 0 picks a free port. Prints the URL once it listens.
// It sends the right MIME types (application/wasm for streaming compilation), the page's
// Content-Security-Policy as a header too (a module worker takes its CSP from its own response),
// no-cache (so a rebuilt site is picked up on reload) and nosniff.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { resolve, extname, sep, join, dirname } from 'node:path';
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
// frame-src * lets the embed demo (embed-demo.html) frame widgets of another origin; the
// playground's own meta policy has no frames (both policies apply: the stricter wins).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; " +
  "connect-src 'self'; worker-src 'self'; frame-src *; object-src 'none'; base-uri 'none'; form-action 'none'";

const server = createServer(async (req, res) => {
  const send = (code, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
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
      'Content-Security-Policy': CSP,
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
