// harness.mjs -- a worker module under node, driven through its messages as the page drives it:
// a worker global scope (self, postMessage, fetch of ibp.wasm), the messages it posts (inbox),
// next(pred) to wait for one, request(type, args) to ask and get the result or the error.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const wasmPath = process.env.IBP_WASM || fileURLToPath(new URL('../../build/wasm/ibp.wasm', import.meta.url));
export const cliPath = process.env.IBP_CLI || fileURLToPath(new URL('../../build/native/ibp', import.meta.url));

// moduleUrl: the worker's module; fetch(url) -> a Response for other URLs than ibp.wasm, or null
export async function workerUnderTest(moduleUrl, { fetch = () => null } = {}) {
  const wasm = readFileSync(wasmPath);
  const inbox = [];
  let wake = null;
  globalThis.self = globalThis;
  globalThis.postMessage = (m) => { inbox.push(structuredClone(m)); if (wake) wake(); };
  globalThis.fetch = async (url) => (await fetch(url)) || new Response(wasm, { headers: { 'content-type': 'application/wasm' } });
  await import(moduleUrl);

  async function next(pred, ms = 30000) {
    const t0 = Date.now();
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0];
      if (Date.now() - t0 > ms) throw new Error('timed out waiting for a message from the worker');
      await new Promise((r) => { wake = r; setTimeout(r, 50); });
    }
  }
  let id = 0;
  async function request(type, args = {}) {
    const my = ++id;
    globalThis.self.onmessage({ data: { id: my, type, args } });
    const m = await next((x) => x.id === my && (x.type === 'result' || x.type === 'error'));
    if (m.type === 'error') { const e = new Error(m.error.message); Object.assign(e, m.error); throw e; }
    return m.result;
  }
  return { inbox, next, request };
}
