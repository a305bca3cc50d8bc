// main.js -- the composition root: it creates the worker client, the controls, the views
// (views.js: charts, trajectory, spectrum, status line, kept runs), the preset menu and the
// imported files, and wires them to each other, to the URL, to the share panel and (embedded) to
// the host page. It holds the page's state (the current run's info and metrics, its status) and
// runs the run's actions; it computes nothing itself: the worker does.
import { WorkerClient } from './worker-client.js';
import {
  parseLink, buildLink, joinConfig, configMap, splitConfig, fmt, PAGE_KEYS, STATE_VERSION, oldDefaultPairs,
} from './state.js';
import { formPairs } from './schema.js';
import { Controls } from './controls.js';
import { RunData } from './series.js';
import { Views } from './views.js';
import { PresetMenu } from './preset-menu.js';
import { SPEEDS } from './protocol.js';
import { Messages, setText, setDisabled, setAttr } from './status.js';
import { SharePanel } from './share.js';
import { EmbedBridge, HostReporter, applyEmbedChrome } from './embed.js';
import { ImportedFiles } from './imports.js';
import { metricRows } from './embed-api.js';
import { download, chartPng } from './export.js';
import { initPwa, buildInfo } from './pwa.js';

const $ = (id) => document.getElementById(id);

const ui = {
  play: $('play'), step: $('step'), reset: $('reset'), speed: $('speed'), etaNow: $('eta-now'),
  etaSet: $('eta-set'), keep: $('keep'), copyLink: $('copy-link'), apply: $('apply'),
  defaults: $('defaults'), preset: $('preset'), presetHelp: $('preset-help'), form: $('config-form'),
  formProblems: $('form-problems'), messages: $('messages'), announce: $('announce'), runInfo: $('run-info'),
  version: $('version'),
};

const page = {
  schema: null,
  controls: null,
  link: null,            // the parsed page keys of the link (speed, autoplay, ...)
  info: null,            // RunInfo of the current run
  store: null,           // RunData of the current run
  storeRunId: 0,
  status: null,
  firstStepMarked: false,
  writtenHash: '',        // the address the page last wrote
  linkHash: null,         // the address of the link being applied (what the page may rewrite)
  validateCtl: null,
  runLost: false,
  lastConfig: null,      // the canonical config the current run was made from
  enums: {},             // run states: { IBP_RUNNING: 0, ... } from the engine
  fromQuery: new Set(),  // page keys the query string carries (the link leaves them there)
  handEdits: [],         // what was done by hand to this run (eta set, continued): the config cannot say it
  version: '',           // the engine's version
  intent: 0,             // bumped by every new run asked for (link, form, preset, host): an older
                         // request still on its way then leaves the page to the newer one
  build: '',             // the site's build stamp (version.json)
};
// The embed chrome is chosen by the link: read it now, before the engine loads, so an embedded
// widget never shows the full page.
const initialLink = parseLink(location.hash, location.search);
page.embed = initialLink.page.embed === 1;
if (page.embed) applyEmbedChrome(document, initialLink.page);

performance.mark('ibp-main');
const client = new WorkerClient(new URL('../worker.js', import.meta.url));

// ---- messages --------------------------------------------------------------------------------

const messages = new Messages(ui.messages, ui.announce);
const message = (text, kind, opts) => messages.show(text, kind, opts);
const clearMessage = (id) => messages.clear(id);
const clearMessages = (except) => messages.clearAll(except);
const announce = (text) => messages.announce(text);

// Imported files (imports.js): kept as text, passed to the engine with the config.
const files = new ImportedFiles({ message, clearMessage });

const views = new Views({
  request: (type, args) => client.request(type, args),
  current: () => ({ info: page.info, store: page.store, status: page.status, runLost: page.runLost }),
  shows, savePng, announce, reporter: () => reporter,
  only: page.embed ? initialLink.page.charts : undefined,
});

// Problems of a config: next to their controls, the rest listed above the form and in the alert area.
function showProblems(problems, { fromLink = false } = {}) {
  const general = page.controls ? page.controls.showProblems(problems) : problems;
  ui.formProblems.replaceChildren();
  if (!problems.length) return;
  const head = document.createElement('p');
  head.textContent = fromLink
    ? `The link has ${problems.length} invalid setting${problems.length > 1 ? 's' : ''}: nothing was run. Fix ${problems.length > 1 ? 'them' : 'it'} below and press “Apply and run”.`
    : `${problems.length} setting${problems.length > 1 ? 's need' : ' needs'} fixing before the run can start.`;
  ui.formProblems.append(head);
  if (general.length) {
    const ul = document.createElement('ul');
    for (const g of general) {
      const li = document.createElement('li');
      li.textContent = g.message;
      ul.append(li);
    }
    ui.formProblems.append(ul);
  }
  message(fromLink ? head.textContent : `Settings not applied: ${problems.map((p) => p.message).join(' · ')}`, 'error', { id: 'config' });
}

// ---- the run ---------------------------------------------------------------------------------

// Run states by name (the engine's enums, sent with 'ready'): the page hard-codes no number.
const isDone = (st) => st.state === page.enums.IBP_DONE_STEPS;

function setButtons() {
  const st = page.status;
  const have = !!page.info && !page.runLost;
  setDisabled(ui.step, !have || !st || !st.running);
  setDisabled(ui.reset, !page.lastConfig);
  setDisabled(ui.play, !have || !st || (!st.running && !isDone(st))); // steps done: Play continues
  setDisabled(ui.etaSet, !have);
  setDisabled(ui.keep, !have || !page.store || page.store.n < 2);
  const playing = !!(st && st.playing);
  setText(ui.play, playing ? 'Pause' : st && isDone(st) ? 'Continue' : 'Play');
  setAttr(ui.play, 'aria-pressed', playing ? 'true' : 'false');
}

// -> true (created), false (refused: explained), null (a newer request superseded this one).
async function createRun(config, { autoplay = false, intent = ++page.intent } = {}) {
  if (intent !== page.intent) return null;
  clearMessages(['link', 'link-version']);
  ui.formProblems.replaceChildren();
  ui.apply.disabled = true;
  let info;
  try {
    info = await client.request('create', { config, dataCsv: files.text.dataCsv, initJson: files.text.initJson });
  } catch (e) {
    if (intent !== page.intent) return null;
    ui.apply.disabled = false;
    if (e.kind === 'config' && e.problems) showProblems(e.problems);
    else if (e.kind === 'crash') { /* the crash handler said it */ }
    else {
      message(`The run could not be created: ${e.message}`, 'error', { id: 'create' });
      if (/^data CSV/.test(e.message)) files.problem('dataCsv', e.message);
      if (/^params JSON/.test(e.message)) files.problem('initJson', e.message);
    }
    return false;
  }
  // the worker answers in order, so the newer request's run replaces this one when it lands
  if (intent !== page.intent) return null;
  ui.apply.disabled = false;
  files.problem('dataCsv', null);
  files.problem('initJson', null);
  page.controls.clearErrors();
  if (!performance.getEntriesByName('ibp-created').length) performance.mark('ibp-created');
  startRun(info);
  page.controls.setValues(configMap(info.full), { full: true });
  writeLink();
  syncPreset();
  if (autoplay) await act('play');
  return true;
}

// Make `info` the current run: fresh metrics store, views reset.
function startRun(info) {
  page.info = info;
  page.runLost = false;
  page.lastConfig = info.canonical;
  if (page.storeRunId !== info.runId) {
    page.store = new RunData(info.columns);
    page.storeRunId = info.runId;
  }
  ui.etaNow.value = fmtEta(info.lr);
  const parts = [`P = ${info.nparams} trained parameters`, `η = ${fmtEta(info.lr0)}`];
  if (Number.isFinite(info.s0)) parts.push(`S₀ = ${fmt(info.s0, 5)} (2/S₀ = ${fmt(2 / info.s0, 4)})`);
  parts.push(`${info.stepsTotal} steps`);
  ui.runInfo.textContent = parts.join(' · ');
  page.handEdits = [];
  if (reporter) reporter.newRun();
  views.startRun(info, page.store);
  setButtons();
  updateShare();
}

// Does the page show this chart or view? (An embed link chooses; the full page shows all.)
function shows(id) { return !page.embed || !page.link || page.link.charts.includes(id); }

function fmtEta(x) { return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : ''; }

async function act(type, args = {}) {
  try {
    const st = await client.request(type, args);
    if (st && typeof st === 'object' && 'runId' in st && 'state' in st) onStatus(st);
    return st;
  } catch (e) {
    if (e.kind !== 'crash' && e.kind !== 'aborted') message(`${type}: ${e.message}`, 'error', { id: `act-${type}` });
    return null;
  }
}

async function togglePlay() {
  const st = page.status;
  if (!st || !page.info) return;
  if (st.playing) { await act('pause'); announce('paused'); return; }
  if (isDone(st)) { // steps done: continue for as many steps again
    const more = Math.max(1, page.info.stepsTotal > 0 ? Math.min(page.info.stepsTotal, 1e6) : 1000);
    if (!(await act('extend', { more }))) return;
    page.handEdits.push(`continued by hand past the configured ${page.info.stepsTotal} steps`);
  }
  await act('play');
  announce('playing');
}

async function stepOnce() {
  if (!page.info || page.runLost) return;
  await act('step', { n: 1 });
}

async function resetRun() {
  if (!page.lastConfig) return;
  const wasPlaying = page.runLost ? page.playingWhenLost : !!(page.status && page.status.playing);
  clearMessages(['link', 'link-version']);
  if (page.runLost) { await createRun(page.lastConfig, { autoplay: wasPlaying }); return; }
  let info;
  try {
    info = await client.request('reset');
  } catch (e) {
    if (e.kind === 'crash') return;
    await createRun(page.lastConfig, { autoplay: wasPlaying });
    return;
  }
  startRun(info);
  announce('reset to the same initialization');
  if (wasPlaying) await act('play');
}

async function setEta() {
  const v = Number(ui.etaNow.value.trim());
  clearMessage('eta');
  if (!(v > 0) || !Number.isFinite(v) || v > 1e6) {
    message(`η now = "${ui.etaNow.value.slice(0, 40)}": the learning rate must be a number in (0, 1e6]`, 'error', { id: 'eta' });
    ui.etaNow.setAttribute('aria-invalid', 'true');
    return;
  }
  ui.etaNow.removeAttribute('aria-invalid');
  await applyEta(v);
}

async function applyEta(v) {
  const before = page.status ? page.status.lr : NaN;
  const st = await act('setLr', { eta: v });
  if (st) {
    if (st.lr !== before) page.handEdits.push(`η set by hand to ${v} at step ${st.t}`);
    updateShare();
    views.setEta(v);
    announce(`learning rate set to ${v} from step ${st.t}`);
    ui.runInfo.dataset.etaChanged = '1';
  }
  return st;
}

// ---- worker events ---------------------------------------------------------------------------

function onMetrics(m) {
  if (page.info && m.runId < page.info.runId) return; // a batch of a replaced run
  if (m.runId !== page.storeRunId) {
    page.store = new RunData(m.columns);
    page.storeRunId = m.runId;
    views.setStore(page.store);
  }
  page.store.append(m.columns, m.data, m.nrows);
  views.schedule();
}

function onStatus(s) {
  // The worker reports a new run's status before the page has its RunInfo: keep newer ones.
  if (page.info && s.runId < page.info.runId) return;
  if (page.status && s.runId < page.status.runId) return;
  const prev = page.status;
  page.status = s;
  if (!page.firstStepMarked && s.t >= 1) {
    page.firstStepMarked = true;
    performance.mark('ibp-first-step');
  }
  const diverged = (x) => x && x.state === page.enums.IBP_DIVERGED;
  if (reporter) reporter.status(prev, s, page.store, page.enums.IBP_DIVERGED);
  if (diverged(s) && (!diverged(prev) || prev.runId !== s.runId)) {
    message(`${capitalize(s.message)}. The run is paused: lower η (η now, or the lr setting) and press Reset, or change the settings.`, 'error', { id: 'diverged' });
    announce('diverged');
  } else if (s.state >= 0 && !s.running && !diverged(s) && (!prev || prev.state !== s.state)) {
    announce(s.message);
  }
  if (Number.isFinite(s.lr) && document.activeElement !== ui.etaNow && (!prev || prev.lr !== s.lr)) ui.etaNow.value = fmtEta(s.lr);
  views.status(s);
  if (prev && prev.runId === s.runId && prev.playing === s.playing && prev.running === s.running && prev.state === s.state) {
    views.schedule(); // only the numbers moved: the buttons are as they were
    return;
  }
  views.schedule();
  setButtons();
  updateShare();
}

function capitalize(s) { return s ? s[0].toUpperCase() + s.slice(1) : s; }

// ---- the link --------------------------------------------------------------------------------

// The page keys the link keeps (speed, autoplay, limit and, embedded, the chrome and origins);
// the ones the query string carries stay there.
function currentPageKeys() {
  const l = page.link || {};
  const keys = { speed: l.speed ?? Infinity, autoplay: l.autoplay ?? 1, limit: l.limit ?? 0 };
  if (l.embed) Object.assign(keys, { embed: 1, charts: l.charts, controls: l.controls, origin: l.origin });
  return keys;
}

function writeLink() {
  if (!page.info) return;
  const hash = buildLink(page.info.canonical, currentPageKeys(), { omit: page.fromQuery });
  // an address the page neither wrote nor is applying is a newer link whose hashchange is
  // still on its way: it is that link's to rewrite
  const mine = location.hash === page.writtenHash || location.hash === page.linkHash;
  page.writtenHash = hash;
  if (mine && location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  const full = $('open-full');
  if (full) full.href = `${location.pathname}${buildLink(page.info.canonical, { speed: currentPageKeys().speed })}`;
}

// The config a link or a host asks for: a preset (when named) with the given keys replacing its own.
const resolveConfig = (presetId, config) => presets.resolve(presetId, config);

// Validate the config of a link; a link of an older version first gets, for the keys it leaves
// to defaults that have changed since, the defaults of its version (state.js OLD_DEFAULTS), named
// explicitly from now on. -> { v: the worker's validation, add: the pairs added }
async function validateLink(link, config) {
  let v = await client.request('validate', { config });
  const named = new Set(splitConfig(config).pairs.map(([k]) => k)); // the link's keys and its preset's
  const add = link.version !== STATE_VERSION && v.full ? oldDefaultPairs(link.version, named, v.full) : [];
  if (add.length) v = await client.request('validate', { config: joinConfig([...splitConfig(config).pairs, ...add]) });
  return { v, add };
}

async function applyLink(hash) {
  // a link opened while an earlier one is still loading wins: each await below checks
  const intent = ++page.intent, stale = () => intent !== page.intent;
  page.linkHash = hash;
  const link = parseLink(hash, location.search);
  page.link = link.page;
  page.fromQuery = link.fromQuery;
  if (page.embed) views.setOnly(link.page.charts);
  ui.speed.value = link.page.speed === Infinity ? 'max' : String(link.page.speed);
  clearMessages();
  if (link.problems.length) {
    message(`Some parts of the link were not understood: ${link.problems.map((p) => p.message).join(' · ')}`, 'warn', { id: 'link' });
  }
  await act('speed', { stepsPerSecond: link.page.speed });
  await act('limit', { step: link.page.limit });
  if (stale()) return;
  let config;
  try {
    config = await resolveConfig(link.page.preset, link.config);
  } catch (e) {
    if (stale()) return;
    message(e.message, 'error', { id: 'link-preset' });
    ui.formProblems.replaceChildren(Object.assign(document.createElement('p'), { textContent: `The link names an unknown preset: nothing was run. ${e.message}` }));
    return;
  }
  if (stale()) return;
  // show what the link asked for, even if it is invalid, so the messages make sense
  const asked = new Map(splitConfig(config).pairs.map(([k, v]) => [k, v ?? '']));
  page.controls.setValues(asked);
  let v;
  try {
    let add;
    ({ v, add } = await validateLink(link, config));
    if (add.length) {
      message(`This link was written by version ${link.version} of the page. Settings it left to that version's defaults keep them: ` +
        `${add.map(([k, x]) => `${k}=${x}`).join(', ')} (today's defaults differ). The link now names them and says v=${STATE_VERSION}.`, 'info', { id: 'link-version' });
    }
  } catch (e) {
    if (!stale() && e.kind !== 'crash') message(`The link could not be checked: ${e.message}`);
    return;
  }
  if (stale()) return;
  if (v.problems.length) {
    showProblems(v.problems, { fromLink: true });
    ui.apply.disabled = false;
    return;
  }
  const ok = await createRun(v.canonical, { autoplay: link.page.autoplay === 1, intent });
  if (ok && link.page.fault) {
    setTimeout(() => client.request('fault', { what: link.page.fault }).catch(() => {}), 300);
  }
}

// ---- controls --------------------------------------------------------------------------------

function formConfig() {
  return joinConfig(formPairs(page.schema, page.controls.values()));
}

// Validate while typing (debounced, the previous check aborted): messages appear next to the
// control as soon as a value is wrong, and disappear when it is fixed.
let validateTimer = 0;
function onControlInput() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(async () => {
    if (page.validateCtl) page.validateCtl.abort();
    const ctl = new AbortController();
    page.validateCtl = ctl;
    try {
      const v = await client.request('validate', { config: formConfig() }, { signal: ctl.signal });
      if (ctl.signal.aborted) return;
      page.controls.showProblems(v.problems);
      ui.formProblems.replaceChildren();
      if (v.problems.length) {
        const general = v.problems.filter((p) => !p.key || page.controls.fields.get(p.key)?.wrap.hidden);
        for (const g of general) { const li = document.createElement('p'); li.textContent = g.message; ui.formProblems.append(li); }
      }
    } catch { /* aborted or the worker restarted: the next edit checks again */ }
  }, 250);
  syncPreset(true);
}

// The Preset menu (preset-menu.js): choosing one runs it.
const presets = new PresetMenu({
  select: ui.preset, help: ui.presetHelp,
  validate: (config) => client.request('validate', { config }),
  choose: (p) => { page.controls.setValues(configMap(p.config)); createRun(p.config, { autoplay: true }); },
});
const syncPreset = (edited = false) => presets.sync(page.info ? page.info.canonical : null, edited);

// ---- wiring ----------------------------------------------------------------------------------

// ---- share, export, embed --------------------------------------------------------------------

async function copyText(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    announce(`${what} copied`);
    share.setStatus(`The ${what} is on the clipboard.`);
  } catch {
    message(`The clipboard is not available here; the ${what}: ${text.slice(0, 600)}`, 'info', { id: 'copy' });
  }
}

const share = new SharePanel({
  copy: copyText,
  request: (type, args) => client.request(type, args),
  build: () => page.build,
  error: (text) => message(text, 'error', { id: 'export' }),
});

function updateShare() {
  share.update({
    info: page.info, status: page.status, version: page.version, build: page.build, handEdits: page.handEdits,
    speed: page.link ? page.link.speed : undefined,
  });
}

async function savePng(canvas, id, title, opts) {
  try {
    download(`${id}.png`, await chartPng(canvas, title, page.info ? page.info.canonical : '', opts));
    share.setStatus(`${id}.png: the ${title} chart.`);
  } catch (e) {
    message(`The image could not be made: ${e.message}`, 'error', { id: 'export' });
  }
}

// The embedding host's commands (embed-api.js checks their shape first).
let bridge = null, reporter = null;
const hostHandlers = {
  load: async ({ config, preset, autoplay }) => {
    // a config, or a link's hash (v=, preset=, page keys: only the config and the preset count)
    const link = parseLink(config);
    if (link.problems.length) throw new Error(`load: ${link.problems.map((p) => p.message).join(' · ')}`);
    const full = await resolveConfig(preset || link.page.preset, config ? link.config : '');
    const { v } = await validateLink(link, full);
    if (v.problems.length) {
      showProblems(v.problems);
      const err = new Error(`load: ${v.problems.map((p) => p.message).join(' · ')}`);
      err.problems = v.problems;
      throw err;
    }
    page.controls.setValues(configMap(v.canonical));
    const made = await createRun(v.canonical, { autoplay });
    if (made === null) throw new Error('load: a newer request replaced this one before its run was created');
    if (!made) throw new Error('load: the run could not be created (see the widget\u2019s message)');
    return { canonical: page.info.canonical };
  },
  play: async () => { if (!(page.status && page.status.playing)) await togglePlay(); return page.status; },
  pause: async () => act('pause'),
  step: async ({ n }) => { if (!page.info || page.runLost) throw new Error('step: there is no run'); return act('step', { n }); },
  reset: async () => { await resetRun(); return { canonical: page.info ? page.info.canonical : null }; },
  setEta: async ({ eta }) => {
    ui.etaNow.value = String(eta);
    const st = await applyEta(eta);
    if (!st) throw new Error(`setEta: ${eta} was refused`);
    return st;
  },
  setLimit: async ({ step }) => {
    page.link = { ...(page.link || {}), limit: step };
    const st = await act('limit', { step });
    writeLink();
    return st;
  },
  getMetrics: async (cmd) => ({ ...metricRows(page.store, cmd), t: page.status ? page.status.t : 0 }),
  getState: async () => ({
    config: page.info ? page.info.canonical : null, link: location.href, status: page.status,
    events: views.events.map(({ step, kind, label }) => ({ step, kind, label })), version: page.version, build: page.build,
  }),
};
if (window.parent !== window) {
  bridge = new EmbedBridge({ linkOrigins: initialLink.page.origin, handlers: hostHandlers });
  reporter = new HostReporter(bridge);
  bridge.watchHeight(document.body);
}

function wire() {
  ui.play.addEventListener('click', togglePlay);
  ui.step.addEventListener('click', stepOnce);
  ui.reset.addEventListener('click', resetRun);
  ui.etaSet.addEventListener('click', setEta);
  ui.etaNow.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); setEta(); } });
  ui.speed.addEventListener('change', async () => {
    const s = ui.speed.value === 'max' ? Infinity : Number(ui.speed.value);
    if (!SPEEDS.includes(s)) return;
    page.link = { ...(page.link || {}), speed: s };
    await act('speed', { stepsPerSecond: s });
    writeLink();
  });
  ui.copyLink.addEventListener('click', async () => {
    await copyText(location.href, 'link');
    ui.copyLink.textContent = 'Link copied';
    setTimeout(() => { ui.copyLink.textContent = 'Copy link'; }, 1500);
  });
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    createRun(formConfig(), { autoplay: true });
  });
  ui.defaults.addEventListener('click', () => {
    page.controls.setValues(new Map());
    onControlInput();
  });
  document.addEventListener('keydown', onKey);
  // The event's own URL, not location: a run created just before the event is dispatched may
  // already have written its link over the new one, which would then be lost.
  window.addEventListener('hashchange', (e) => {
    const hash = new URL(e.newURL).hash;
    if (hash !== page.writtenHash) applyLink(hash);
  });
}

function onKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  const tag = t && t.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || (t && t.isContentEditable)) return;
  if (e.key === ' ' || e.code === 'Space') {
    if (tag === 'BUTTON' || tag === 'SUMMARY' || tag === 'A') return; // their own activation
    e.preventDefault();
    togglePlay();
  } else if (e.key === 'ArrowRight') {
    e.preventDefault();
    stepOnce();
  } else if (e.key === 'r' || e.key === 'R') {
    e.preventDefault();
    resetRun();
  }
}

client.on('metrics', onMetrics);
client.on('status', onStatus);
client.on('trace', (m) => views.trace(m));
function runLost() {
  page.runLost = true;
  page.playingWhenLost = !!(page.status && page.status.playing);
}

client.on('trap', (m) => {
  runLost();
  if (page.status) page.status = { ...page.status, playing: false, running: false };
  message(capitalize(m.message), 'error', { id: 'trap', actions: [{ label: 'Reset', run: resetRun }] });
  setButtons();
});
client.on('fatal', (m) => {
  message(`${capitalize(m.message)}. Reload the page to try again.`, 'error', { id: 'fatal' });
  ui.version.textContent = 'the engine could not be loaded';
});
client.on('crash', () => {
  runLost();
  if (page.status) page.status = { ...page.status, playing: false, running: false };
  message('The computation worker stopped unexpectedly and was restarted. Your settings are kept; press Reset to start the run again.', 'error',
    { id: 'crash', actions: [{ label: 'Reset', run: resetRun }] });
  setButtons();
});
client.on('ready', (m) => {
  if (page.schema) return; // a restarted worker: the page is already built
  page.schema = m.schema;
  page.enums = m.enums.state;
  page.version = m.version;
  showVersion();
  page.controls = new Controls($('groups'), m.schema, { onInput: onControlInput });
  presets.start();
  ui.apply.disabled = false;
  performance.mark('ibp-ready');
  Promise.all([applyLink(location.hash), presets.loaded]).then(() => {
    if (bridge) bridge.send('ready', { version: page.version, build: page.build, config: page.info ? page.info.canonical : null, link: location.href });
    return presets.loadCanon(() => (page.info ? page.info.canonical : null));
  });
});

function showVersion() {
  const text = `engine ${page.version}${page.build ? ` · build ${page.build}` : ''}`;
  ui.version.textContent = text;
  setText($('embed-version'), page.version ? text : '');
  updateShare();
}
buildInfo().then((b) => { if (b) { page.build = b.build; if (page.version) showVersion(); } });
initPwa({ banner: !page.embed, note: 'Your run goes on until you reload; its settings are in the link.' });

wire();
setButtons();
// Reserved page keys must not collide with engine keys (checked once the schema is known).
client.on('ready', (m) => {
  const clash = m.schema.filter((k) => Object.hasOwn(PAGE_KEYS, k.key));
  if (clash.length) message(`Internal: the page keys ${clash.map((k) => k.key).join(', ')} collide with engine keys`, 'warn');
});
