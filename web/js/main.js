// main.js -- the composition root of the playground: it makes the worker client, the store, the
// parts of the page, and wires them together. It holds no state of its own (store.js does) and
// computes nothing (the worker does).
//   store.js        the state and its named transitions        run-actions.js  what the run is asked
//   transport.js    the run's buttons, shortcuts and words      settings.js     the form and presets
//   link-sync.js    the address bar and the run, in step        embed-host.js   a framing host page
//   views.js        charts, trajectory, spectrum, status line   share.js        share, embed, export
import { WorkerClient } from './worker-client.js';
import { createStore, initialState, transitions } from './store.js';
import { parseLink, isWidgetPath, PAGE_KEYS } from './link.js';
import { Messages } from './status.js';
import { setText } from './dom.js';
import { Views } from './views.js';
import { runActions } from './run-actions.js';
import { mountTransport } from './transport.js';
import { mountSettings } from './settings.js';
import { mountLinkSync } from './link-sync.js';
import { mountEmbedHost } from './embed-host.js';
import { SharePanel } from './share.js';
import { applyEmbedChrome } from './embed.js';
import { ImportedFiles } from './imports.js';
import { download, chartPng } from './export.js';
import { initPwa, buildInfo } from './pwa.js';

const $ = (id) => document.getElementById(id);

// The embed chrome is chosen by the link (or by the widget page, embed.html): read it now, before
// the engine loads, so an embedded widget never shows the full page.
const initialLink = parseLink(location.hash, location.search, { widget: isWidgetPath(location.pathname) });
const embed = initialLink.page.embed === 1;
if (embed) applyEmbedChrome(document, initialLink.page);

performance.mark('ibp-main');
const client = new WorkerClient(new URL('../worker.js', import.meta.url));
const store = createStore(initialState({ embed }), transitions);
const state = () => store.get();

const messages = new Messages($('messages'), $('announce'));
const say = {
  message: (text, kind, opts) => messages.show(text, kind, opts),
  clearMessage: (id) => messages.clear(id),
  clearMessages: (except) => messages.clearAll(except),
  announce: (text) => messages.announce(text),
};
const files = new ImportedFiles({ message: say.message, clearMessage: say.clearMessage });

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    say.announce(`${what} copied`);
    share.setStatus(`The ${what} is on the clipboard.`);
  } catch {
    say.message(`The clipboard is not available here; the ${what}: ${text.slice(0, 600)}`, 'info', { id: 'copy' });
  }
}

async function savePng(canvas, id, title, opts) {
  try {
    download(`${id}.png`, await chartPng(canvas, title, state().run ? state().run.canonical : '', opts));
    share.setStatus(`${id}.png: the ${title} chart.`);
  } catch (e) {
    say.message(`The image could not be made: ${e.message}`, 'error', { id: 'export' });
  }
}

let host = null; // the framing host page (embed-host.js), when there is one
const views = new Views({
  request: (type, args) => client.request(type, args),
  current: () => { const s = state(); return { info: s.run, store: s.metrics, status: s.status, runLost: !!s.lost, names: s.engine ? s.engine.names : null }; },
  shows: (id) => !embed || !state().link || state().link.charts.includes(id),
  savePng, announce: say.announce, reporter: () => (host ? host.reporter : null),
  only: embed ? initialLink.page.charts : undefined,
});
const share = new SharePanel({
  copy, request: (type, args) => client.request(type, args), build: () => state().build,
  error: (text) => say.message(text, 'error', { id: 'export' }),
});

// The parts, each over the store; the form and the actions need each other (bound late).
let actions = null;
const settings = mountSettings({
  ui: { form: $('config-form'), formProblems: $('form-problems'), defaults: $('defaults'), groups: $('groups'), preset: $('preset'), presetHelp: $('preset-help') },
  store, client, say, createRun: (config, opts) => actions.createRun(config, opts),
});
actions = runActions({ client, store, say, files, form: settings, etaSet: (v) => views.setEta(v) });
const link = mountLinkSync({ store, client, say, settings, actions, views, ui: { speed: $('speed'), openFull: $('open-full'), formProblems: $('form-problems') } });
mountTransport({
  ui: {
    play: $('play'), step: $('step'), reset: $('reset'), speed: $('speed'), etaNow: $('eta-now'), etaSet: $('eta-set'),
    keep: $('keep'), copyLink: $('copy-link'), apply: $('apply'), runInfo: $('run-info'),
  },
  store, actions, say, link, copy,
});
host = mountEmbedHost({ store, initialLink, actions, link, settings, views });

// The views and the share panel follow the store. A status arrives with every chunk of steps:
// the share panel only cares when the run starts, stops or changes state.
const stateOf = (st) => (st ? `${st.runId}|${st.playing}|${st.running}|${st.state}` : '');
store.subscribe((s, prev) => {
  if (s.run !== prev.run) views.startRun(s.run, s.metrics);
  else if (s.metrics !== prev.metrics) views.setStore(s.metrics);
  if (s.status !== prev.status) views.status(s.status);
  if (s.metrics !== prev.metrics || s.status !== prev.status) views.schedule();
  if (s.run !== prev.run || stateOf(s.status) !== stateOf(prev.status) || s.handEdits !== prev.handEdits || s.engine !== prev.engine ||
      s.build !== prev.build || (s.link && prev.link && s.link.speed !== prev.link.speed)) {
    share.update({ info: s.run, status: s.status, version: s.engine ? s.engine.version : '', build: s.build, handEdits: s.handEdits, speed: s.link ? s.link.speed : undefined });
  }
});

// ---- the worker ------------------------------------------------------------------------------

client.on('metrics', (m) => store.dispatch('metricsArrived', m));
client.on('status', (st) => store.dispatch('statusArrived', st));
client.on('trace', (m) => views.trace(m));
client.on('trap', (m) => {
  store.dispatch('runLost');
  say.message(m.message[0].toUpperCase() + m.message.slice(1), 'error', { id: 'trap', actions: [{ label: 'Reset', run: actions.resetRun }] });
});
client.on('crash', ({ kind }) => {
  store.dispatch('runLost');
  const what = kind === 'timeout' ? 'did not answer in time and was restarted' : 'stopped unexpectedly and was restarted';
  say.message(`The computation worker ${what}. Your settings are kept; press Reset to start the run again.`, 'error',
    { id: 'crash', actions: [{ label: 'Reset', run: actions.resetRun }] });
});
client.on('fatal', (m) => {
  say.message(`${m.message[0].toUpperCase()}${m.message.slice(1)}. Reload the page to try again.`, 'error', { id: 'fatal' });
  $('version').textContent = 'the engine could not be loaded';
});
client.on('ready', (m) => {
  if (state().engine) return; // a restarted worker: the page is already built
  // Reserved page keys must not collide with engine keys.
  const clash = m.schema.filter((k) => Object.hasOwn(PAGE_KEYS, k.key));
  if (clash.length) say.message(`Internal: the page keys ${clash.map((k) => k.key).join(', ')} collide with engine keys`, 'warn');
  store.dispatch('engineReady', m);
  settings.start(m.schema);
  performance.mark('ibp-ready');
  Promise.all([link.apply(location.hash), settings.presets.loaded]).then(() => {
    if (host) host.ready();
    return settings.presets.loadCanon(() => (state().run ? state().run.canonical : null));
  });
});

// The engine's version and the site's build, wherever the page names them.
store.subscribe((s, prev) => {
  if (s.engine === prev.engine && s.build === prev.build) return;
  const text = `engine ${s.engine ? s.engine.version : ''}${s.build ? ` · build ${s.build}` : ''}`;
  if (s.engine) $('version').textContent = text;
  setText($('embed-version'), s.engine ? text : '');
});
buildInfo().then((b) => { if (b) store.dispatch('buildKnown', b.build); });
initPwa({ banner: !embed, note: 'Your run goes on until you reload; its settings are in the link.' });
