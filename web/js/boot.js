// boot.js -- the playground's start, before main.js's ~60 modules, its stylesheet and Chart.js have
// arrived (index.html loads it async): it reads the link and takes over the computation worker
// that worker-start.js started, with the link's early run (early-run.js), as the page's head was
// read. The worker's events are held (rpc.js) until main.js, which imports this client,
// has its listeners in place and releases them. Without worker-start.js (another page) the client
// starts its own worker and asks for the early run itself.
import { WorkerClient } from './worker-client.js';
import { parseLink, isWidgetPath } from './link.js';

export const initialHash = location.hash;
export const initialLink = parseLink(location.hash, location.search, { widget: isWidgetPath(location.pathname) });
const started = typeof globalThis.ibpStartedWorker === 'function' ? globalThis.ibpStartedWorker() : null;
export const client = new WorkerClient(new URL('../worker.js', import.meta.url), { hold: true, started });
if (!started) {
  const { hash, search, pathname } = location;
  client.request('prestart', { link: { hash, search, pathname } }).catch(() => {});
}
