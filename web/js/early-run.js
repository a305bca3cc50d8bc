// early-run.js -- the run of the page's own link starts while the page is still being built: the
// page's first script (worker-start.js) names the page's address in the worker's name (or a page
// sends it, 'prestart') before the page's modules, the schema, the form, the presets and the
// link's round trips; the worker reads the link, creates the run and plays it once its module is
// ready, and the page's own 'create' of the same canonical config later takes that run over
// (worker.js) instead of starting again. Only for a link that would create and play the run at full speed with
// nothing else to apply first: any other link goes the usual way. Pure.
import { STATE_VERSION, parseLink, isWidgetPath } from './link.js';

// link: parseLink's answer. -> the config to start early, or null.
export function earlyConfig(link) {
  const p = link.page;
  if (link.problems.length || link.version !== STATE_VERSION) return null; // messages, old defaults
  if (p.preset || p.embed || p.fault || p.limit || p.autoplay !== 1 || p.speed !== Infinity) return null;
  return link.config;
}

// address: { hash, search, pathname } of the page. -> the config to start early, or null.
export function earlyConfigOf({ hash = '', search = '', pathname = '' } = {}) {
  return earlyConfig(parseLink(String(hash), String(search), { widget: isWidgetPath(String(pathname)) }));
}

// The worker's name as worker-start.js sets it: { early: { hash, search, pathname } } in JSON. ->
// that address, or null (another name, or none).
export function earlyLinkOf(name) {
  try {
    const n = JSON.parse(String(name || ''));
    return n && typeof n === 'object' && n.early && typeof n.early === 'object' ? n.early : null;
  } catch {
    return null;
  }
}
