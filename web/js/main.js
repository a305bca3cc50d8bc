// main.js -- the composition root: it creates the worker client, the controls, the charts and
// the views, and wires them to each other, to the URL, to the share panel and (embedded) to the
// host page. It holds the page's state (the current run's info and metrics, the kept runs) and
// computes nothing itself: the worker does.
import { WorkerClient } from './worker-client.js';
import {
  parseLink, buildLink, joinConfig, configMap, splitConfig, fmt, PAGE_KEYS, STATE_VERSION, mergeConfig, oldDefaultPairs,
} from './state.js';
import { formPairs } from './schema.js';
import { Controls } from './controls.js';
import { ChartBoard } from './charts.js';
import { RunData, findEvents } from './series.js';
import { TrajectoryView } from './trajectory.js';
import { SpectrumView, latestSpectrum } from './spectrum.js';
import { PRESETS } from './presets.js';
import { SPEEDS } from './protocol.js';
import { StatusLine, Messages, setText, setDisabled, setAttr } from './status.js';
import { SharePanel } from './share.js';
import { EmbedBridge, HostReporter, applyEmbedChrome } from './embed.js';
import { showFileProblem } from './imports.js';
import { metricRows } from './embed-api.js';
import { download, chartPng } from './export.js';
import { initPwa, buildInfo } from './pwa.js';

const $ = (id) => document.getElementById(id);
const MAX_KEPT = 4;

const ui = {
  play: $('play'), step: $('step'), reset: $('reset'), speed: $('speed'), etaNow: $('eta-now'),
  etaSet: $('eta-set'), keep: $('keep'), copyLink: $('copy-link'), apply: $('apply'),
  defaults: $('defaults'), preset: $('preset'), presetHelp: $('preset-help'), form: $('config-form'),
  formProblems: $('form-problems'), messages: $('messages'), announce: $('announce'), runInfo: $('run-info'),
  version: $('version'), kept: $('kept'), keptList: $('kept-list'), keptClear: $('kept-clear'),
  trajFig: $('traj-fig'), specFig: $('spec-fig'), xrange: $('xrange'),
  st: { step: $('st-step'), loss: $('st-loss'), s: $('st-s'), twoEta: $('st-2eta'), edge: $('st-edge'), state: $('st-state'), events: $('st-events') },
};

const page = {
  schema: null,
  controls: null,
  link: null,            // the parsed page keys of the link (speed, autoplay, ...)
  info: null,            // RunInfo of the current run
  store: null,           // RunData of the current run
  storeRunId: 0,
  status: null,
  kept: [],
  events: [],
  eventsAt: 0,
  firstStepMarked: false,
  writtenHash: '',
  validateCtl: null,
  runLost: false,
  lastConfig: null,      // the canonical config the current run was made from
  enums: {},             // run states: { IBP_RUNNING: 0, ... } from the engine
  files: { dataCsv: null, initJson: null }, // imported text, passed to the engine with the config
  fileNames: { dataCsv: '', initJson: '' },
  fromQuery: new Set(),  // page keys the query string carries (the link leaves them there)
  handEdits: [],         // what was done by hand to this run (eta set, continued): the config cannot say it
  version: '',           // the engine's version
  build: '',             // the site's build stamp (version.json)
};
// The embed chrome is chosen by the link: read it now, before the engine loads, so an embedded
// widget never shows the full page.
const initialLink = parseLink(location.hash, location.search);
page.embed = initialLink.page.embed === 1;
if (page.embed) applyEmbedChrome(document, initialLink.page);
const MAX_FILE_BYTES = 64 * 1024 * 1024;

performance.mark('ibp-main');
const client = new WorkerClient(new URL('../worker.js', import.meta.url));
const board = new ChartBoard($('charts'), { lead: $('traj-fig'), onPng: (panel) => savePng(panel.canvas, panel.spec.id, panel.spec.title) });
if (page.embed) board.setOnly(initialLink.page.charts);
const trajectory = new TrajectoryView($('traj'), {
  requestGrid: (x0, x1, y0, y1, nx, ny) => client.request('lossGrid', { x0, x1, y0, y1, nx, ny }).then((r) => r.data),
});
const spectrum = new SpectrumView($('spectrum'));
const statusLine = new StatusLine(ui.st);

// ---- messages --------------------------------------------------------------------------------

const messages = new Messages(ui.messages, ui.announce);
const message = (text, kind, opts) => messages.show(text, kind, opts);
const clearMessage = (id) => messages.clear(id);
const clearMessages = (except) => messages.clearAll(except);
const announce = (text) => messages.announce(text);

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

async function createRun(config, { autoplay = false } = {}) {
  clearMessages(['link', 'link-version']);
  ui.formProblems.replaceChildren();
  ui.apply.disabled = true;
  let info;
  try {
    info = await client.request('create', { config, dataCsv: page.files.dataCsv, initJson: page.files.initJson });
  } catch (e) {
    ui.apply.disabled = false;
    if (e.kind === 'config' && e.problems) showProblems(e.problems);
    else if (e.kind === 'crash') { /* the crash handler said it */ }
    else {
      message(`The run could not be created: ${e.message}`, 'error', { id: 'create' });
      if (/^data CSV/.test(e.message)) fileProblem('dataCsv', e.message);
      if (/^params JSON/.test(e.message)) fileProblem('initJson', e.message);
    }
    return false;
  }
  ui.apply.disabled = false;
  fileProblem('dataCsv', null);
  fileProblem('initJson', null);
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
  board.setCurrent(page.store);
  page.events = [];
  board.setEvents([]);
  ui.etaNow.value = fmtEta(info.lr);
  const parts = [`P = ${info.nparams} trained parameters`, `η = ${fmtEta(info.lr0)}`];
  if (Number.isFinite(info.s0)) parts.push(`S₀ = ${fmt(info.s0, 5)} (2/S₀ = ${fmt(2 / info.s0, 4)})`);
  parts.push(`${info.stepsTotal} steps`);
  ui.runInfo.textContent = parts.join(' · ');
  page.handEdits = [];
  if (reporter) reporter.newRun();
  if (info.twoParam) {
    ui.trajFig.hidden = !shows('traj');
    const mf = /(^|&)model=mf(&|$)/.test(info.full);
    trajectory.reset({ ...info.twoParam, labels: mf ? ['x', 'y'] : ['w₁', 'w₂'] }, info.lr);
    if (page.earlyTrace && page.earlyTrace.runId === info.runId) for (const d of page.earlyTrace.chunks) trajectory.append(d);
    page.earlyTrace = null;
  } else {
    ui.trajFig.hidden = true;
    trajectory.reset(null, NaN);
  }
  ui.specFig.hidden = !info.columns.includes('sharpness') || !shows('spectrum');
  spectrum.set(null);
  updateStatusLine();
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
    trajectory.setEta(v);
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
    board.setCurrent(page.store);
  }
  page.store.append(m.columns, m.data, m.nrows);
  scheduleUi();
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
  if (prev && prev.runId === s.runId && prev.playing === s.playing && prev.running === s.running && prev.state === s.state) {
    scheduleUi(); // only the numbers moved: the buttons are as they were
    return;
  }
  scheduleUi();
  setButtons();
  updateShare();
}

function capitalize(s) { return s ? s[0].toUpperCase() + s.slice(1) : s; }

// The status line and the charts follow the run at about 10 Hz: faster is unreadable, and each
// visible change costs a paint and a compositor commit on the main thread.
const UI_INTERVAL_MS = 100;
let uiFrame = 0, uiTimer = 0, uiAt = 0;
function scheduleUi() {
  if (uiFrame || uiTimer) return;
  const wait = UI_INTERVAL_MS - (performance.now() - uiAt);
  const frame = () => {
    uiTimer = 0;
    uiFrame = requestAnimationFrame(() => { uiFrame = 0; uiAt = performance.now(); updateStatusLine(); board.markDirty(); });
  };
  if (wait > 0) uiTimer = setTimeout(frame, wait); else frame();
}

function updateStatusLine() {
  const store = page.store;
  // events: from the engine's column when the run has one, else detected here; at most 4 Hz,
  // with a trailing update so the last rows of a run are always looked at
  const now = performance.now();
  const fresh = store && (store !== page.eventsStore || store.version !== page.eventsVersion);
  if (fresh && now - page.eventsAt <= 250) {
    if (!page.eventsTimer) page.eventsTimer = setTimeout(() => { page.eventsTimer = 0; scheduleUi(); }, 260 - (now - page.eventsAt));
  } else if (fresh) {
    page.eventsAt = now;
    page.eventsStore = store;
    page.eventsVersion = store.version;
    const ev = findEvents(store, 2);
    const sig = (list) => list.map((e) => `${e.kind}@${e.step}`).join(',');
    if (sig(ev) !== sig(page.events)) {
      page.events = ev;
      board.setEvents(ev);
      for (const e of ev.slice(-2)) if (e.kind === 'catapult' || e.kind === 'eos') announce(`${e.label} at step ${e.step}`);
    }
    if (reporter) { reporter.steps(store, page.status); reporter.events(ev); }
    if (!ui.specFig.hidden) spectrum.set(latestSpectrum(store));
  }
  statusLine.update(store, page.status, page.events);
  setDisabled(ui.keep, !page.info || page.runLost || !store || store.n < 2);
}

// ---- kept runs (overlay) ---------------------------------------------------------------------

function keepRun() {
  if (!page.store || !page.info) return;
  const label = page.info.canonical || 'engine defaults';
  // the kept copy is frozen; the current run goes on drawing into its own store
  page.kept.push({ store: page.store.clone(), label, runId: page.info.runId });
  if (page.kept.length > MAX_KEPT) page.kept.shift();
  renderKept();
  board.setKept(page.kept);
  announce('run kept: change a setting and apply to compare on the same axes');
}

function renderKept() {
  ui.kept.hidden = page.kept.length === 0;
  ui.keptList.replaceChildren();
  page.kept.forEach((k, i) => {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = `kept ${i + 1}: ${k.label}`;
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.textContent = 'Remove';
    rm.setAttribute('aria-label', `Remove kept run ${i + 1}`);
    rm.addEventListener('click', () => { page.kept.splice(i, 1); renderKept(); board.setKept(page.kept); });
    li.append(name, ' ', rm);
    ui.keptList.append(li);
  });
}

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
  page.writtenHash = hash;
  if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  const full = $('open-full');
  if (full) full.href = `${location.pathname}${buildLink(page.info.canonical, { speed: currentPageKeys().speed })}`;
}

// A preset by id: the quick starts' ids (eos, catapult, ...) and the papers' (presets.json).
function findPreset(id) {
  return page.presets.find((p) => p.id === id || p.id === `paper:${id}`) || null;
}
function presetIds() { return page.presets.map((p) => p.id.replace(/^paper:/, '')); }

// The config a link or a host asks for: a preset (when named) with the given keys replacing its
// own. Throws a message listing the valid presets when the id is unknown.
async function resolveConfig(presetId, config) {
  if (!presetId) return config;
  await page.presetsLoaded;
  const p = findPreset(presetId);
  if (!p) {
    const err = new Error(`preset=${presetId.slice(0, 80)}: there is no such preset. The presets are: ${presetIds().join(', ')}`);
    err.kind = 'preset';
    throw err;
  }
  return mergeConfig(p.config, config);
}

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
  const link = parseLink(hash, location.search);
  page.link = link.page;
  page.fromQuery = link.fromQuery;
  if (page.embed) board.setOnly(link.page.charts);
  ui.speed.value = link.page.speed === Infinity ? 'max' : String(link.page.speed);
  clearMessages();
  if (link.problems.length) {
    message(`Some parts of the link were not understood: ${link.problems.map((p) => p.message).join(' · ')}`, 'warn', { id: 'link' });
  }
  await act('speed', { stepsPerSecond: link.page.speed });
  await act('limit', { step: link.page.limit });
  let config;
  try {
    config = await resolveConfig(link.page.preset, link.config);
  } catch (e) {
    message(e.message, 'error', { id: 'link-preset' });
    ui.formProblems.replaceChildren(Object.assign(document.createElement('p'), { textContent: `The link names an unknown preset: nothing was run. ${e.message}` }));
    return;
  }
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
    if (e.kind !== 'crash') message(`The link could not be checked: ${e.message}`);
    return;
  }
  if (v.problems.length) {
    showProblems(v.problems, { fromLink: true });
    ui.apply.disabled = false;
    return;
  }
  const ok = await createRun(v.canonical, { autoplay: link.page.autoplay === 1 });
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

// Presets: the page's quick starts (presets.js) and one per paper (presets.json, from the
// project's presets/ folder: title, what to look for, citation). All in one list.
page.presets = PRESETS.map((p) => ({ ...p, group: 'Quick starts' }));

function syncPreset(edited = false) {
  const cur = page.info ? page.info.canonical : null;
  const match = page.presetCanon && page.presets.find((p) => page.presetCanon.get(p.id) === cur);
  ui.preset.value = !edited && match ? match.id : 'custom';
  setText(ui.presetHelp, !edited && match ? match.help : '');
}

async function loadPresetCanon() {
  page.presetCanon = new Map();
  for (const p of page.presets) {
    try {
      const v = await client.request('validate', { config: p.config });
      if (!v.problems.length) page.presetCanon.set(p.id, v.canonical);
    } catch { /* a preset the engine refuses is simply not matched */ }
  }
  syncPreset();
}

async function loadPaperPresets() {
  let json;
  try {
    const resp = await fetch(new URL('../presets.json', import.meta.url));
    if (!resp.ok) return;
    json = await resp.json();
  } catch { return; } // the quick starts remain
  const papers = (Array.isArray(json.presets) ? json.presets : []).filter((p) => p && typeof p.config === 'string' && typeof p.id === 'string');
  for (const p of papers) {
    const who = String(p.authors || '').split(',')[0].trim().split(' ').pop();
    page.presets.push({
      id: `paper:${p.id}`, group: 'Papers', config: p.config,
      name: `${String(p.title || p.id)} (${who}${p.authors && p.authors.includes(',') ? ' et al.' : ''} ${p.year || ''})`.replace(' )', ')'),
      help: [p.look_for, p.citation].filter(Boolean).join(' '),
    });
  }
  renderPresetOptions();
}

function renderPresetOptions() {
  const opt = (value, text) => { const o = document.createElement('option'); o.value = value; o.textContent = text; return o; };
  const keep = ui.preset.value;
  ui.preset.replaceChildren(opt('custom', 'Custom settings'));
  const groups = new Map();
  for (const p of page.presets) {
    if (!groups.has(p.group)) { const g = document.createElement('optgroup'); g.label = p.group; groups.set(p.group, g); ui.preset.append(g); }
    groups.get(p.group).append(opt(p.id, p.name));
  }
  ui.preset.value = keep || 'custom';
}

function buildPresetSelect() {
  page.presetsLoaded = loadPaperPresets();
  renderPresetOptions();
  ui.preset.addEventListener('change', () => {
    const p = page.presets.find((q) => q.id === ui.preset.value);
    if (!p) return;
    page.controls.setValues(configMap(p.config));
    createRun(p.config, { autoplay: true });
  });
}

// ---- wiring ----------------------------------------------------------------------------------

// Imported files: read as text and kept (nothing is lost on an engine error); the engine
// validates them when a run is created.
function wireFile(input, statusEl, key) {
  input.addEventListener('change', async () => {
    const f = input.files && input.files[0];
    clearMessage(`file-${key}`);
    fileProblem(key, null);
    if (!f) { page.files[key] = null; return; }
    page.fileNames[key] = f.name.slice(0, 80);
    if (f.size > MAX_FILE_BYTES) {
      input.value = '';
      page.files[key] = null;
      message(`${f.name.slice(0, 80)} is ${(f.size / 1048576).toFixed(1)} MiB: files up to ${MAX_FILE_BYTES / 1048576} MiB are read`, 'error', { id: `file-${key}` });
      return;
    }
    try {
      page.files[key] = await f.text();
      statusEl.textContent = `${f.name.slice(0, 80)} (${f.size} bytes) will be used by the next run.`;
    } catch {
      page.files[key] = null;
      message(`${f.name.slice(0, 80)} could not be read`, 'error', { id: `file-${key}` });
    }
  });
}

function fileProblem(key, message) {
  showFileProblem($(key === 'dataCsv' ? 'data-file-problem' : 'init-file-problem'), { name: page.fileNames[key], text: page.files[key], message });
}

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

async function savePng(canvas, id, title) {
  try {
    download(`${id}.png`, await chartPng(canvas, title, page.info ? page.info.canonical : ''));
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
    if (!(await createRun(v.canonical, { autoplay }))) throw new Error('load: the run could not be created (see the widget\u2019s message)');
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
    events: page.events.map(({ step, kind, label }) => ({ step, kind, label })), version: page.version, build: page.build,
  }),
};
if (window.parent !== window) {
  bridge = new EmbedBridge({ linkOrigins: initialLink.page.origin, handlers: hostHandlers });
  reporter = new HostReporter(bridge);
  bridge.watchHeight(document.body);
}

function wire() {
  wireFile($('data-file'), $('data-file-status'), 'dataCsv');
  wireFile($('init-file'), $('init-file-status'), 'initJson');
  ui.play.addEventListener('click', togglePlay);
  ui.step.addEventListener('click', stepOnce);
  ui.reset.addEventListener('click', resetRun);
  ui.etaSet.addEventListener('click', setEta);
  ui.etaNow.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); setEta(); } });
  ui.keep.addEventListener('click', keepRun);
  ui.keptClear.addEventListener('click', () => { page.kept = []; renderKept(); board.setKept([]); });
  ui.speed.addEventListener('change', async () => {
    const s = ui.speed.value === 'max' ? Infinity : Number(ui.speed.value);
    if (!SPEEDS.includes(s)) return;
    page.link = { ...(page.link || {}), speed: s };
    await act('speed', { stepsPerSecond: s });
    writeLink();
  });
  ui.xrange.addEventListener('change', () => {
    const [kind, n] = ui.xrange.value.split(':');
    board.setXRange(kind === 'first' || kind === 'last' ? { [kind]: Number(n) } : null);
  });
  ui.copyLink.addEventListener('click', async () => {
    await copyText(location.href, 'link');
    ui.copyLink.textContent = 'Link copied';
    setTimeout(() => { ui.copyLink.textContent = 'Copy link'; }, 1500);
  });
  for (const b of document.querySelectorAll('button[data-png]')) {
    const fig = b.closest('figure');
    b.addEventListener('click', () => savePng(fig.querySelector('canvas'), b.dataset.png, fig.querySelector('.chart-title').textContent));
  }
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    createRun(formConfig(), { autoplay: true });
  });
  ui.defaults.addEventListener('click', () => {
    page.controls.setValues(new Map());
    onControlInput();
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', () => {
    if (location.hash !== page.writtenHash) applyLink(location.hash);
  });
  const mq = matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', () => { board.retheme(); trajectory.schedule(); spectrum.set(spectrum.spec); });
  window.addEventListener('resize', () => { trajectory.schedule(); spectrum.set(spectrum.spec); board.markDirty(); });
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
// A new run's first point arrives before its RunInfo: hold it until startRun.
client.on('trace', (m) => {
  if (page.info && m.runId === page.info.runId) trajectory.append(m.data);
  else if (!page.info || m.runId > page.info.runId) {
    if (!page.earlyTrace || page.earlyTrace.runId !== m.runId) page.earlyTrace = { runId: m.runId, chunks: [] };
    page.earlyTrace.chunks.push(m.data);
  }
});
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
  buildPresetSelect();
  ui.apply.disabled = false;
  performance.mark('ibp-ready');
  Promise.all([applyLink(location.hash), page.presetsLoaded]).then(() => {
    if (bridge) bridge.send('ready', { version: page.version, build: page.build, config: page.info ? page.info.canonical : null, link: location.href });
    return loadPresetCanon();
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
