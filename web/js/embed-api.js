// embed-api.js -- the embedded widget's contract with its host page (documented in EMBED.md):
// which origins may drive it, the commands a host may send and how they are checked, the events
// the widget sends, and the iframe snippet with its size. Pure: no DOM; node tests import it.
import { CHART_IDS, CONTROL_IDS, MAX_LINK, isOrigin } from './link.js';

export const API_VERSION = 1;
export const SOURCE = 'ibp-playground'; // every message the widget sends carries source and api

// Host -> widget commands: { type, id?, ...args }. A reply { type: 'reply', id, ok, result |
// error } answers every command that carries an id (a string or a number).
export const COMMANDS = Object.freeze({
  load: 'load a config and/or a preset: { config?, preset?, autoplay? } -> { canonical }',
  play: 'start or continue the run -> status',
  pause: 'pause the run -> status',
  step: 'take n steps now (default 1, at most 100000), even while paused -> status',
  reset: 'start the run again from the same initialization -> { canonical }',
  setEta: 'set the learning rate from the next step on: { eta } -> status',
  setLimit: 'pause when the run reaches this step: { step } (0 = no limit) -> status',
  getMetrics: 'the metric rows: { columns?, from?, last? } -> { columns, rows, t }',
  getState: 'the run: -> { config, link, status, events, version, build }',
});

// Widget -> host events: { source, api, type, ... }.
export const EVENTS = Object.freeze({
  ready: '{ version, build, config, link }: the engine is loaded and the first run is set up',
  steps: '{ from, to, t, last }: a batch of steps was taken (about 10 a second while running); last = the newest value of every column',
  catapult: '{ step, label }: the loss rose and fell back below its start',
  eos: '{ step, label }: the edge of stability: eta S / 2 reached 1',
  diverged: '{ step, message }: the run diverged (it is paused)',
  finished: '{ step, state, message }: the run stopped (steps done, target loss, gradient tolerance)',
  state: '{ playing, running, t }: playing or paused',
  resize: '{ height }: the height in CSS pixels the widget needs to show everything without scrolling',
  error: '{ message, problems? }: a command or a config was refused',
  reply: '{ id, ok, result | error }: the answer to a command that carried an id',
});

export const MAX_STEP_COMMAND = 100000;
export const MAX_METRIC_ROWS = 100000;

// The origins allowed to drive the widget: those the embed link names (origin=...) and the
// widget's own origin (a same-origin host needs no origin key).
export function allowedOrigins(linkOrigins, ownOrigin) {
  const s = new Set((linkOrigins || []).filter(isOrigin));
  if (isOrigin(ownOrigin)) s.add(ownOrigin);
  return s;
}

// The host's origin when the browser tells it (Chrome: location.ancestorOrigins; others: the
// referrer of the iframe document), else null: the widget then waits for the host's first
// message, whose origin it checks, before it sends anything.
export function hostOrigin(ancestorOrigins, referrer) {
  if (ancestorOrigins && ancestorOrigins.length && isOrigin(ancestorOrigins[0])) return ancestorOrigins[0];
  try {
    const o = new URL(referrer).origin;
    return isOrigin(o) ? o : null;
  } catch {
    return null;
  }
}

const isId = (id) => (typeof id === 'string' && id.length <= 100) || Number.isSafeInteger(id);

// Check a host message. -> { ok: true, cmd } with the arguments normalized, or
// { ok: false, id, error } (id is echoed when it is valid, so the host can match the refusal).
export function checkCommand(data) {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { ok: false, id: undefined, error: 'a command is an object { type, ... }' };
  const id = isId(data.id) ? data.id : undefined;
  const bad = (error) => ({ ok: false, id, error });
  if (data.id !== undefined && id === undefined) return bad('id must be a string (at most 100 characters) or a safe integer');
  const type = data.type;
  if (typeof type !== 'string' || !Object.hasOwn(COMMANDS, type)) {
    return bad(`unknown command ${JSON.stringify(String(type).slice(0, 40))}: use one of ${Object.keys(COMMANDS).join(', ')}`);
  }
  const cmd = { type, id };
  switch (type) {
    case 'load': {
      if (data.config !== undefined && (typeof data.config !== 'string' || data.config.length > MAX_LINK)) return bad(`load: config must be a string of at most ${MAX_LINK} characters`);
      if (data.preset !== undefined && (typeof data.preset !== 'string' || !/^[a-z0-9][a-z0-9:_.-]{0,79}$/.test(data.preset))) return bad('load: preset must be a preset id');
      if (data.config === undefined && data.preset === undefined) return bad('load: give a config, a preset, or both');
      if (data.autoplay !== undefined && typeof data.autoplay !== 'boolean') return bad('load: autoplay must be true or false');
      cmd.config = data.config === undefined ? '' : data.config.replace(/^[#?]/, '');
      cmd.preset = data.preset || '';
      cmd.autoplay = data.autoplay !== false;
      break;
    }
    case 'step': {
      const n = data.n === undefined ? 1 : data.n;
      if (!Number.isInteger(n) || n < 1 || n > MAX_STEP_COMMAND) return bad(`step: n must be a whole number in [1, ${MAX_STEP_COMMAND}]`);
      cmd.n = n;
      break;
    }
    case 'setEta': {
      if (typeof data.eta !== 'number' || !Number.isFinite(data.eta) || !(data.eta > 0) || data.eta > 1e6) return bad('setEta: eta must be a number in (0, 1e6]');
      cmd.eta = data.eta;
      break;
    }
    case 'setLimit': {
      if (!Number.isInteger(data.step) || data.step < 0 || data.step > 1e9) return bad('setLimit: step must be a whole number in [0, 1e9]');
      cmd.step = data.step;
      break;
    }
    case 'getMetrics': {
      if (data.columns !== undefined && (!Array.isArray(data.columns) || data.columns.length > 200 || !data.columns.every((c) => typeof c === 'string' && c.length <= 64))) {
        return bad('getMetrics: columns must be an array of column names');
      }
      if (data.from !== undefined && (typeof data.from !== 'number' || !Number.isFinite(data.from))) return bad('getMetrics: from must be a step number');
      if (data.last !== undefined && (!Number.isInteger(data.last) || data.last < 1 || data.last > MAX_METRIC_ROWS)) return bad(`getMetrics: last must be a whole number in [1, ${MAX_METRIC_ROWS}]`);
      cmd.columns = data.columns || null;
      cmd.from = data.from === undefined ? -Infinity : data.from;
      cmd.last = data.last || MAX_METRIC_ROWS;
      break;
    }
    default:
      break;
  }
  return { ok: true, cmd };
}

// Rows of a column store (series.js RunData) for getMetrics: the last `last` rows with
// step >= from, in the asked columns (all by default; unknown names are refused), NaN as null.
export function metricRows(store, { columns = null, from = -Infinity, last = MAX_METRIC_ROWS } = {}) {
  if (!store) return { columns: columns || [], rows: [] };
  const cols = columns || store.columns;
  const unknown = cols.filter((c) => !store.has(c));
  if (unknown.length) throw new Error(`getMetrics: no column ${unknown.slice(0, 5).join(', ')} in this run (it has ${store.columns.join(', ')})`);
  const step = store.col('step');
  let lo = 0;
  while (lo < store.n && step[lo] < from) lo++;
  lo = Math.max(lo, store.n - last);
  const data = cols.map((c) => store.col(c));
  const rows = [];
  for (let i = lo; i < store.n; i++) rows.push(data.map((a) => (Number.isFinite(a[i]) ? a[i] : null)));
  return { columns: cols.slice(), rows };
}

// ---- the snippet -------------------------------------------------------------------------------

// Heights (CSS px) of the embed layout (style.css, body.embed) in an iframe 500 to 900 px wide,
// the width of a blog's column: the padding, the controls row, the status line (it wraps to three
// lines there), the "open in the playground" line, the top margin of the charts, one chart, the
// square trajectory view (its canvas at most 340 px wide), the spectrum strip, the gap between
// charts, and a few pixels to spare. Narrower widgets wrap more and say so with their resize
// event. The browser tests check that a 700 px wide widget of the computed height shows
// everything without a scrollbar, with little to spare.
export const EMBED_PX = Object.freeze({ pad: 16, controls: 34, status: 98, foot: 25, top: 12, chart: 261, traj: 401, spectrum: 169, gap: 12, spare: 6 });

// The height a widget needs: charts = ids shown, controls = ids shown, twoParam: the run has the
// trajectory view, spectrum: it has a spectrum view.
export function embedHeight({ charts = [], controls = [], twoParam = false, spectrum = false } = {}) {
  const px = EMBED_PX;
  let h = px.pad + px.foot + px.spare;
  if (controls.some((c) => c !== 'status')) h += px.controls;
  if (controls.includes('status')) h += px.status;
  const grid = [];
  if (twoParam && charts.includes('traj')) grid.push(px.traj);
  for (const c of charts) if (c !== 'traj' && c !== 'spectrum') grid.push(px.chart);
  if (grid.length) h += px.top + grid.reduce((a, b) => a + b, 0) + (grid.length - 1) * px.gap;
  if (spectrum && charts.includes('spectrum')) h += px.spectrum;
  return Math.ceil(h);
}

const escAttr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// The iframe snippet for a host page.
export function embedSnippet(url, { height, title = 'Implicit Bias Playground' }) {
  return `<iframe src="${escAttr(url)}" title="${escAttr(title)}" width="100%" height="${Math.ceil(height)}" ` +
    'style="border:0;max-width:100%" loading="lazy"></iframe>';
}

export { CHART_IDS, CONTROL_IDS };
