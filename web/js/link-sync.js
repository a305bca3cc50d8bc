// link-sync.js -- the address bar and the run, kept in step. Opening a link (on load, or a hash
// change) applies it: its page keys, its preset, its config (checked by the engine, with the
// defaults of an older link version filled in), then the run. Every new run writes its link
// (replaceState, never a history entry) unless the address is a newer link still being applied.
import { parseLink, buildLink, isWidgetPath, STATE_VERSION, oldDefaultPairs } from './link.js';
import { splitPairs, joinPairs, keysOf } from './kv.js';
import { el } from './dom.js';

// ui: { speed (the speed menu), openFull (the embed foot's link, or null), formProblems };
// settings: settings.js; actions: run-actions.js; views: views.js (an embed link's charts);
// hooks: { faultRefused(message) } (test hooks off: say so)
export function mountLinkSync({ store, client, say, settings, actions, views, ui }) {
  const state = () => store.get();

  // The page keys the link keeps (speed, autoplay, limit and, embedded, the chrome and origins);
  // the ones the query string carries stay there.
  function pageKeys() {
    const l = state().link || {};
    const keys = { speed: l.speed ?? Infinity, autoplay: l.autoplay ?? 1, limit: l.limit ?? 0 };
    if (l.embed) Object.assign(keys, { embed: 1, charts: l.charts, controls: l.controls, origin: l.origin });
    return keys;
  }

  // The playground's own page (the embed widget, embed.html, links to it).
  const fullPage = () => location.pathname.replace(/embed\.html$/, '');

  function write() {
    const s = state();
    if (!s.run) return;
    const hash = buildLink(s.run.canonical, pageKeys(), { omit: s.fromQuery });
    // an address the page neither wrote nor is applying is a newer link whose hashchange is
    // still on its way: it is that link's to rewrite
    const mine = location.hash === s.address.written || location.hash === s.address.applying;
    store.dispatch('addressWritten', hash);
    if (mine && location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
    if (ui.openFull) ui.openFull.href = `${fullPage()}${buildLink(s.run.canonical, { speed: pageKeys().speed })}`;
  }

  // The config a link or a host asks for: a preset (when named) with the given keys replacing its own.
  const resolve = (presetId, config) => settings.presets.resolve(presetId, config);

  // Validate the config of a link; a link of an older version first gets, for the keys it leaves
  // to defaults that have changed since, the defaults of its version (link.js OLD_DEFAULTS), named
  // explicitly from now on. -> { v: the worker's validation, add: the pairs added }
  async function validate(link, config) {
    let v = await client.request('validate', { config });
    const named = new Set(keysOf(config)); // the link's keys and its preset's
    const add = link.version !== STATE_VERSION && v.full ? oldDefaultPairs(link.version, named, v.full) : [];
    if (add.length) v = await client.request('validate', { config: joinPairs([...splitPairs(config).pairs, ...add]) });
    return { v, add };
  }

  async function apply(hash) {
    // a link opened while an earlier one is still loading wins: each await below checks
    const intent = store.dispatch('newIntent').intent, stale = () => intent !== state().intent;
    const link = parseLink(hash, location.search, { widget: isWidgetPath(location.pathname) });
    store.dispatch('linkRead', { page: link.page, fromQuery: link.fromQuery, hash });
    if (state().embed) views.setOnly(link.page.charts);
    ui.speed.value = link.page.speed === Infinity ? 'max' : String(link.page.speed);
    say.clearMessages();
    if (link.problems.length) {
      say.message(`Some parts of the link were not understood: ${link.problems.map((p) => p.message).join(' · ')}`, 'warn', { id: 'link' });
    }
    await actions.act('speed', { stepsPerSecond: link.page.speed });
    await actions.act('limit', { step: link.page.limit });
    if (stale()) return;
    let config;
    try {
      config = await resolve(link.page.preset, link.config);
    } catch (e) {
      if (stale()) return;
      say.message(e.message, 'error', { id: 'link-preset' });
      ui.formProblems.replaceChildren(el('p', { text: `The link names an unknown preset: nothing was run. ${e.message}` }));
      return;
    }
    if (stale()) return;
    // show what the link asked for, even if it is invalid, so the messages make sense
    settings.setValues(new Map(splitPairs(config).pairs.map(([k, v]) => [k, v ?? ''])));
    let v;
    try {
      let add;
      ({ v, add } = await validate(link, config));
      if (add.length) {
        say.message(`This link was written by version ${link.version} of the page. Settings it left to that version's defaults keep them: ` +
          `${add.map(([k, x]) => `${k}=${x}`).join(', ')} (today's defaults differ). The link now names them and says v=${STATE_VERSION}.`, 'info', { id: 'link-version' });
      }
    } catch (e) {
      if (!stale() && e.kind !== 'crash') say.message(`The link could not be checked: ${e.message}`);
      return;
    }
    if (stale()) return;
    if (v.problems.length) {
      settings.showProblems(v.problems, { fromLink: true });
      return;
    }
    const ok = await actions.createRun(v.canonical, { autoplay: link.page.autoplay === 1, intent });
    if (ok && link.page.fault) {
      // a test hook: the worker refuses it unless the test server enabled it
      setTimeout(() => client.request('fault', { what: link.page.fault }).catch((e) => {
        if (e.kind === 'protocol') say.message(e.message, 'warn', { id: 'fault' });
      }), 300);
    }
  }

  // Every new run writes its link.
  store.subscribe((s, prev) => { if (s.run !== prev.run) write(); });
  // The event's own URL, not location: a run created just before the event is dispatched may
  // already have written its link over the new one, which would then be lost.
  window.addEventListener('hashchange', (e) => {
    const hash = new URL(e.newURL).hash;
    if (hash !== state().address.written) apply(hash);
  });

  return { apply, write, validate, resolve };
}
