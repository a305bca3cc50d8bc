// main.js -- the composition root of the playground: it makes the worker client, the store, the
// parts of the page, and wires them together. It holds no state of its own (store.js does) and
// computes nothing (the worker does).
//   store.js        the state and its named transitions        run-actions.js  what the run is asked
//   transport.js    the run's buttons, shortcuts and words      settings.js     All settings, presets
//   bench.js        the few friendly settings                   eta-control.js  the learning rate
//   link-sync.js    the address bar and the run, in step        link-problems.js a bad link, said
//   views.js        charts, data and model, spectrum, status    share.js        share, embed, export
//   embed-host.js   a framing host page                         setup.js        a slow setup, said
//   boot.js         the worker and the link's run, started before this module loads
import { client, initialLink, initialHash } from './boot.js';
import { createStore, initialState, transitions } from './store.js';
import { PAGE_KEYS } from './link.js';
import { Messages } from './status.js';
import { setText } from './dom.js';
import { Views } from './views.js';
import { runActions } from './run-actions.js';
import { mountTransport } from './transport.js';
import { mountSettings } from './settings.js';
import { mountBench } from './bench.js';
import { mountFlowSwitch } from './bench-flows.js';
import { withoutFlows } from './flow-data.js';
import { mountEtaControl } from './eta-control.js';
import { mountLinkSync } from './link-sync.js';
import { mountLinkProblems } from './link-problems.js';
import { mountSetup } from './setup.js';
import { mountEmbedHost } from './embed-host.js';
import { SharePanel } from './share.js';
import { applyEmbedChrome } from './embed.js';
import { ImportedFiles } from './imports.js';
import { download, chartPng } from './export.js';
import { initPwa, buildInfo } from './pwa.js';
import { inOwnTask, whenOthersDone } from './tasks.js';

const $ = (id) => document.getElementById(id);

// The embed chrome is chosen by the link (or by the widget page, embed.html), read by boot.js: it
// applies now, before the engine is ready, so an embedded widget never shows the full page.
const embed = initialLink.page.embed === 1;
if (embed) applyEmbedChrome(document, initialLink.page);

performance.mark('ibp-main');
// The worker (boot.js) is already loading the engine, and plays the link's run when the link runs
// at once (early-run.js); the worker answers the page's own 'create' of it with that run. Its
// events wait (held) until the listeners below are in place: client.release() at the end.
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
  current: () => { const s = state(); return { info: s.run, store: s.metrics, status: s.status, runLost: !!s.lost, names: s.engine ? s.engine.names : null, schema: s.engine ? s.engine.schema : null }; },
  shows: (id) => !embed || !state().link || state().link.charts.includes(id),
  savePng, announce: say.announce, reporter: () => (host ? host.reporter : null),
  only: embed ? initialLink.page.charts : undefined,
  note: () => (state().config ? state().config.canonical : ''),
  say: (text) => share.setStatus(text),
  error: (text) => say.message(text, 'error', { id: 'export' }),
});
const share = new SharePanel({
  copy, request: (type, args) => client.request(type, args), build: () => state().build,
  error: (text) => say.message(text, 'error', { id: 'export' }),
});

// The parts, each over the store; the form and the actions need each other (bound late).
let actions = null, bench = null, flowSwitch = null;
const settings = mountSettings({
  ui: {
    form: $('config-form'), formProblems: $('form-problems'), defaults: $('defaults'), groups: $('groups'), preset: $('preset'),
    presetHelp: $('claim'), cite: $('claim-cite'), drawer: $('settings-drawer'), open: [$('open-settings'), $('open-settings-2')], close: $('close-settings'),
  },
  store, client, say, createRun: (config, opts) => actions.createRun(config, opts),
  onPreset: (preset) => store.dispatch('presetMatched', preset),
  onFill: () => { if (bench) bench.sync(); if (flowSwitch) flowSwitch.sync(); },
});
const setup = mountSetup({ box: $('setup'), text: $('setup-text'), progress: $('setup-progress'), cancel: $('setup-cancel') });
actions = runActions({ client, store, say, files, form: settings, etaSet: (v) => views.setEta(v), setup: (plan, cancel) => setup.show(plan, cancel) });

// The phone's bottom sheet of the bench (on wide screens the bench is always there).
const benchEl = $('bench'), openBench = $('open-bench');
function showBench(open) {
  benchEl.classList.toggle('open', open);
  openBench.setAttribute('aria-expanded', String(open));
  if (open) $('close-bench').focus(); else if (getComputedStyle(openBench).display !== 'none') openBench.focus();
}
openBench.addEventListener('click', () => showBench(!benchEl.classList.contains('open')));
$('close-bench').addEventListener('click', () => showBench(false));
benchEl.addEventListener('keydown', (e) => { if (e.key === 'Escape' && benchEl.classList.contains('open')) { e.preventDefault(); showBench(false); } });

// A key's control, focused: the bench's, a page control, or the All settings form's.
function focusKey(key) {
  if (key === 'speed') { $('speed').focus(); return true; }
  if (key === 'preset') { $('preset').focus(); return true; }
  if (key === null) { settings.openDrawer(); $('close-settings').focus(); return true; }
  const c = bench && bench.controlOf(key);
  if (c) {
    if (getComputedStyle(openBench).display !== 'none') showBench(true);
    c.focus();
    return true;
  }
  return settings.focusField(key);
}
const problems = mountLinkProblems({
  ui: { box: $('link-problems'), list: $('link-problems-list'), title: $('link-problems-title') },
  focusKey, relink: (p, by) => link.relink(p, by), isKey: (k) => !!(state().engine && state().engine.schema.some((s) => s.key === k)),
});
const link = mountLinkSync({ store, client, say, settings, actions, views, problems, ui: { speed: $('speed'), openFull: $('open-full') } });
mountTransport({
  ui: {
    play: $('play'), step: $('step'), reset: $('reset'), speed: $('speed'), etaNow: $('eta-now'), etaSet: $('eta-set'), slider: $('eta-slider'),
    keep: $('keep'), copyLink: $('copy-link'), apply: $('apply'), runInfo: $('run-info'),
  },
  store, actions, say, link, copy,
});
mountEtaControl({
  ui: { slider: $('eta-slider'), bands: $('eta-bands'), ticks: $('eta-ticks'), readout: $('eta-readout'), help: $('eta-slider-help') },
  store, actions, request: (type, args) => client.request(type, args),
});
host = mountEmbedHost({ store, initialLink, actions, link, settings, views });

// The views and the share panel follow the store. A status arrives with every chunk of steps:
// the share panel only cares when the run starts, stops or changes state.
const stateOf = (st) => (st ? `${st.runId}|${st.playing}|${st.running}|${st.state}` : '');
store.subscribe((s, prev) => {
  if (s.run !== prev.run) views.startRun(s.run, s.metrics);
  if (s.preset !== prev.preset || (s.run !== prev.run && s.preset)) views.setPreset(s.preset);
  else if (s.metrics !== prev.metrics) views.setStore(s.metrics);
  if (s.status !== prev.status) views.status(s.status);
  if (s.metrics !== prev.metrics || s.status !== prev.status) views.schedule();
  if (s.run !== prev.run || s.config !== prev.config || stateOf(s.status) !== stateOf(prev.status) || s.handEdits !== prev.handEdits || s.engine !== prev.engine ||
      s.build !== prev.build || (s.link && prev.link && s.link.speed !== prev.link.speed)) {
    const info = s.run && s.config ? { ...s.run, canonical: s.config.canonical, full: s.config.full } : s.run;
    share.update({ info, status: s.status, version: s.engine ? s.engine.version : '', build: s.build, handEdits: s.handEdits, speed: s.link ? s.link.speed : undefined });
  }
});

// ---- the worker ------------------------------------------------------------------------------

client.on('metrics', (m) => store.dispatch('metricsArrived', m));
client.on('early', (m) => {
  store.dispatch('earlyStarted', m);
  link.writeEarly(m.canonical, { hash: initialHash, link: initialLink });
});
client.on('status', (st) => store.dispatch('statusArrived', st));
client.on('trace', (m) => views.trace(m));
client.on('flows', (m) => views.flows(m));
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
  startPwa(); // the page without its engine: a later visit may still come from the cache
});
let building = false;
client.on('ready', (m) => {
  if (building) return; // a restarted worker: the page is already built
  building = true;
  // Reserved page keys must not collide with engine keys.
  const clash = m.schema.filter((k) => Object.hasOwn(PAGE_KEYS, k.key));
  if (clash.length) say.message(`Internal: the page keys ${clash.map((k) => k.key).join(', ')} collide with engine keys`, 'warn');
  buildPage(m);
});

// The page's build once the engine is ready: the form, ten fields a task, then the engine's state
// (Apply needs the form), the bench, then the link applied, each step in a main-thread task of its
// own that waits for the charts' tasks (tasks.js), so that a run that already plays (the early
// start) never waits behind one long task; nothing between them reads the parts not yet built.
const nextTask = () => new Promise((resolve) => whenOthersDone(resolve));
const ownTask = () => new Promise((resolve) => inOwnTask(resolve)); // ahead of those jobs
async function buildPage(m) {
  await nextTask();
  await settings.start(m.schema, nextTask);
  store.dispatch('engineReady', m);
  await nextTask();
  bench = mountBench({ container: $('bench-controls'), settings, schema: m.schema });
  flowSwitch = mountFlowSwitch({ container: $('bench-flows'), settings, schema: m.schema });
  performance.mark('ibp-ready');
  await nextTask();
  const applied = Promise.all([link.apply(location.hash, { onLoad: true }), settings.presets.loaded]);
  applied.catch(() => {}).then(() => whenOthersDone(startPwa));
  applied.then(() => {
    if (host) host.ready();
    return settings.presets.loadCanon(() => (state().run ? withoutFlows(state().run.canonical, state().engine.schema) : null));
  });
}

// The offline app's service worker is registered once the page has built itself and applied its
// link: on a first visit it fetches and caches every file of the site, work that would otherwise
// share the machine's cores with the page's build and the run that already plays.
let pwaStarted = false;
function startPwa() {
  if (pwaStarted) return;
  pwaStarted = true;
  initPwa({ banner: !embed, note: 'Your run goes on until you reload; its settings are in the link.' });
}

// The engine's version and the site's build, wherever the page names them.
store.subscribe((s, prev) => {
  if (s.engine === prev.engine && s.build === prev.build) return;
  const text = `engine ${s.engine ? s.engine.version : ''}${s.build ? ` · build ${s.build}` : ''}`;
  if (s.engine) $('version').textContent = text;
  setText($('embed-version'), s.engine ? text : '');
});
// In-page links (the skip link, Share, Help) move the focus, never the address: the hash holds
// the experiment, and "#playground" is no experiment.
document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[href^="#"]') : null;
  const target = a && a.getAttribute('href').length > 1 ? document.getElementById(a.getAttribute('href').slice(1)) : null;
  if (!target) return;
  e.preventDefault();
  if (!target.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) target.setAttribute('tabindex', '-1');
  target.scrollIntoView({ block: 'start' });
  target.focus({ preventScroll: true });
});

// The one screen of the playground is the viewport under the top bar, whose height depends on the
// width (its claim may take two lines).
const topbar = document.querySelector('.topbar');
new ResizeObserver(() => document.documentElement.style.setProperty('--topbar-h', `${Math.ceil(topbar.getBoundingClientRect().height)}px`)).observe(topbar);

// Every listener is in place. The early run already plays, so what is left goes in short tasks:
// Chart.js's first-chart cost (charts.js warmUp), then the events the worker sent while the
// modules loaded (ready, the run's first rows and status), delivered in order; the run's first
// chart follows in the board's first task. (In the task that evaluated the modules, these took
// 60-85 ms: a long task.)
await ownTask();
views.warmUp();
await ownTask();
client.release();

buildInfo().then((b) => { if (b) store.dispatch('buildKnown', b.build); });
