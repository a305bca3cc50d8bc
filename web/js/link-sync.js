// link-sync.js -- the address bar and the run, kept in step. Opening a link (on load, or a hash
// change) applies it: its page keys, its preset, its config (checked by the engine, with the
// defaults of an older link version filled in), then the run. A link with anything the page
// cannot use (an undecodable item, a bad or repeated page key, an unknown preset, an engine key the
// engine refuses) runs nothing and is never rewritten: each problem is listed above the fold with
// what is allowed and a button to fix it (link-problems.js), until a run replaces it. Query items
// that are no page key (fbclid, utm_source) are only named, never a reason not to run. Every new run, and every change of eta made
// by hand (recorded in the run's config), writes its link (replaceState, never a history entry)
// unless the address is a newer link still being applied.
import { parseLink, buildLink, isWidgetPath, STATE_VERSION, oldDefaultPairs } from './link.js';
import { splitPairs, joinPairs, keysOf, replaceItem, itemOf } from './kv.js';

// ui: { speed (the speed menu), openFull (the embed foot's link, or null) }; settings:
// settings.js; actions: run-actions.js; views: views.js (an embed link's charts); problems:
// link-problems.js (the panel above the fold)
export function mountLinkSync({ store, client, say, settings, actions, views, ui, problems }) {
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
    if (!s.run || !s.config) return;
    const hash = buildLink(s.config.canonical, pageKeys(), { omit: s.fromQuery });
    // an address the page neither wrote nor is applying is a newer link whose hashchange is
    // still on its way: it is that link's to rewrite
    const mine = location.hash === s.address.written || location.hash === s.address.applying;
    store.dispatch('addressWritten', hash);
    if (mine && location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
    if (ui.openFull) ui.openFull.href = `${fullPage()}${buildLink(s.config.canonical, { speed: pageKeys().speed })}`;
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

  // onLoad: the page's own address, applied once the page is built. A run asked for before that
  // (a preset picked the moment the menu showed, a few tasks earlier) is newer than the link and
  // wins: the link then gives only its page keys, and the address follows that run.
  async function apply(hash, { onLoad = false } = {}) {
    const overtaken = onLoad && state().intent > 0;
    // a link opened while an earlier one is still loading wins: each await below checks
    const intent = overtaken ? state().intent : store.dispatch('newIntent').intent, stale = () => intent !== state().intent;
    const link = parseLink(hash, location.search, { widget: isWidgetPath(location.pathname) });
    store.dispatch('linkRead', { page: link.page, fromQuery: link.fromQuery, hash });
    if (state().embed) views.setOnly(link.page.charts);
    ui.speed.value = link.page.speed === Infinity ? 'max' : String(link.page.speed);
    if (!overtaken) { say.clearMessages(); problems.clear(); }
    if (link.ignored.length) {
      // tracking parameters (fbclid, utm_source) that sites add to a shared link: not the page's
      const shown = link.ignored.slice(0, 4).map((i) => (i.length > 40 ? `${i.slice(0, 40)}…` : i)).join('&');
      const more = link.ignored.length > 4 ? ` and ${link.ignored.length - 4} more` : '';
      say.message(`?${shown}${more} in the address ${link.ignored.length > 1 ? 'were' : 'was'} ignored: the playground reads its settings from after #.`, 'info', { id: 'link' });
    }
    await actions.act('speed', { stepsPerSecond: link.page.speed });
    await actions.act('limit', { step: link.page.limit });
    if (overtaken) { write(); return; }
    if (stale()) return;
    const found = [...link.problems];
    let config = link.config;
    try {
      config = await resolve(link.page.preset, link.config);
    } catch (e) {
      if (stale()) return;
      found.push({ key: 'preset', value: link.page.preset, allowed: 'a preset id', message: e.message, preset: true });
      config = link.config;
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
    if (found.length || v.problems.length) {
      // nothing runs and the address stays as it is: each problem is said, with a way to fix it
      settings.showProblems(v.problems, { fromLink: true });
      problems.show([...found, ...v.problems]);
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

  // The run of the link being loaded started early (early-run.js), before the page has built
  // itself and made it its own: the address names its canonical config from the start, as the
  // page's own write would, unless the page has moved on (a run of its own, another address).
  // first: { hash, link } (boot.js: the address on load and parseLink's reading of it)
  function writeEarly(canonical, first) {
    const s = state();
    if (s.run || s.address.applying !== null || location.hash !== first.hash || typeof canonical !== 'string') return;
    const p = first.link.page;
    const hash = buildLink(canonical, { speed: p.speed, autoplay: p.autoplay, limit: p.limit }, { omit: first.link.fromQuery });
    store.dispatch('addressWritten', hash);
    if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  }

  // A problem's item of the current link replaced (the engine's guess) or removed, by a button of
  // the problems panel: the new link is applied like any other.
  // An item of the query string changes the query: the page loads the new address.
  function relink(p, by) {
    const raw = (p.query ? location.search : location.hash).replace(/^[#?]/, '');
    const item = p.item || itemOf(raw, p.key || p.written);
    if (!item) return;
    const next = replaceItem(raw, item, by === null ? null : by);
    if (p.query) location.search = next;
    else location.hash = next;
  }

  // Every new run, and every change of eta made by hand, writes its link. A new run also ends a bad
  // link's panel: it was fixed (a control, the form, a preset), and the address now names that run.
  store.subscribe((s, prev) => {
    if (s.run !== prev.run && s.run) problems.clear();
    if (s.run !== prev.run || s.config !== prev.config) write();
  });
  // The event's own URL, not location: a run created just before the event is dispatched may
  // already have written its link over the new one, which would then be lost.
  window.addEventListener('hashchange', (e) => {
    const hash = new URL(e.newURL).hash;
    if (hash !== state().address.written) { apply(hash); return; }
    // back to the link of the run on screen (Back after a bad link): nothing to apply, and the
    // bad link's words go; a bad link still being checked loses
    const s = state();
    store.dispatch('newIntent');
    problems.clear();
    say.clearMessages();
    if (s.run && s.config) settings.fill({ ...s.run, canonical: s.config.canonical, full: s.config.full });
  });

  return { apply, write, writeEarly, validate, resolve, relink };
}
