// store.js -- the playground's state in one place, changed only by named transitions. A transition
// is a function (state, payload) -> state that builds a new object for what changes and returns
// the same state when nothing does (a stale message); subscribers then get (state, prev, name)
// and redraw what differs. Pure: no DOM, no worker; node tests drive the transitions directly.
//
// One exception to immutability, on purpose: `metrics`, the run's column store (series.js
// RunData), is appended in place (it holds hundreds of thousands of rows); each batch still makes
// a new state, and RunData.version counts the appends for the views.
import { RunData } from './series.js';
import { engineNames } from './names.js';

export function createStore(initial, transitions) {
  let state = initial;
  const subscribers = new Set();
  return {
    get: () => state,
    dispatch(name, payload) {
      const fn = Object.hasOwn(transitions, name) ? transitions[name] : null;
      if (!fn) throw new Error(`store: no transition "${name}"`);
      const prev = state;
      const next = fn(prev, payload);
      if (next === prev) return state;
      state = next;
      for (const s of [...subscribers]) s(state, prev, name);
      return state;
    },
    // fn(state, prev, name) after every change; -> unsubscribe
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}

// The playground's state.
export function initialState({ embed = false } = {}) {
  return {
    engine: null,         // { schema, enums, version, names (names.js) } once the worker is ready
    build: '',            // the site's build stamp (version.json)
    embed,                // an embedded widget (the chrome an embed link chooses)
    link: null,           // the page keys in force (speed, autoplay, limit, embed chrome, ...)
    fromQuery: new Set(), // page keys the query string carries (links leave them there)
    address: { written: '', applying: null }, // the hash the page last wrote / the link it applies
    intent: 0,            // bumped by every new run asked for (link, form, preset, host): an older
                          // request still on its way then leaves the page to the newer one
    creating: false,      // a create request is on its way
    run: null,            // RunInfo of the current run (protocol.js)
    earlyRunId: 0,        // the run the worker started before the page asked for it (its 'early')
    lastConfig: null,     // the canonical config the current run was made from (Reset makes it again)
    status: null,         // the worker's latest Status
    metrics: null,        // RunData of the current run
    metricsRunId: 0,      // the run `metrics` belongs to
    lost: null,           // { playing } once the run was lost to a trap or a crash
    handEdits: [],        // what was done by hand to this run that the config cannot say (continued
                          // past its steps); eta changed by hand is in the config (lr_at)
    config: null,         // { canonical, full } of the current run as it stands: its creation config
                          // plus the changes of eta made by hand (the link and the exports name it)
    preset: null,         // the preset the current run is (preset-menu.js), whose view the page shows
    s0: null,             // { runId, s0 }: the sharpness at initialization, the unit of the eta slider
  };
}

// Run states by name (the engine's enums): the page hard-codes no number.
export const isDone = (state, st = state.status) => !!(st && state.engine && st.state === state.engine.enums.state.IBP_DONE_STEPS);
export const isDiverged = (state, st = state.status) => !!(st && state.engine && st.state === state.engine.enums.state.IBP_DIVERGED);
// A run the transport buttons may drive.
export const hasRun = (state) => !!state.run && !state.lost;

export const transitions = {
  engineReady: (s, { schema, enums, version }) => (s.engine ? s : { ...s, engine: { schema, enums, version, names: engineNames(enums) } }),
  buildKnown: (s, build) => (s.build === build ? s : { ...s, build }),

  // A new run is asked for: older requests on their way lose.
  newIntent: (s) => ({ ...s, intent: s.intent + 1 }),
  creating: (s, on) => (s.creating === on ? s : { ...s, creating: on }),

  // The page keys of a link being applied, and its address (the page may rewrite it).
  linkRead: (s, { page, fromQuery, hash }) => ({ ...s, link: page, fromQuery, address: { ...s.address, applying: hash } }),
  // Page keys changed on the page (the speed menu, a host's limit).
  pageKeys: (s, keys) => ({ ...s, link: { ...(s.link || {}), ...keys } }),
  addressWritten: (s, hash) => (s.address.written === hash ? s : { ...s, address: { ...s.address, written: hash } }),

  // `info` is the current run now: a fresh metrics store unless its first rows came first.
  // The worker started the link's run before the page asked (worker.js prestart).
  earlyStarted: (s, { runId }) => ({ ...s, earlyRunId: runId }),

  runStarted: (s, info) => ({
    ...s, run: info, lastConfig: info.canonical, lost: null, handEdits: [],
    config: { canonical: info.canonical, full: info.full },
    s0: Number.isFinite(info.s0) ? { runId: info.runId, s0: info.s0 } : s.s0 && s.s0.runId === info.runId ? s.s0 : null,
    metrics: s.metricsRunId === info.runId && s.metrics ? s.metrics : new RunData(info.columns),
    metricsRunId: info.runId,
  }),

  // A batch of rows { runId, columns, data, nrows }; a replaced run's batches are dropped. A new
  // run's first rows may come before its RunInfo: they start its store.
  metricsArrived: (s, m) => {
    if (s.run && m.runId < s.run.runId) return s;
    let { metrics } = s;
    if (m.runId !== s.metricsRunId || !metrics) metrics = new RunData(m.columns);
    metrics.append(m.columns, m.data, m.nrows);
    return { ...s, metrics, metricsRunId: m.runId };
  },

  // The worker reports a new run's status before the page has its RunInfo: keep newer ones.
  statusArrived: (s, st) => {
    if (s.run && st.runId < s.run.runId) return s;
    if (s.status && st.runId < s.status.runId) return s;
    return { ...s, status: st };
  },

  // A trap or a crash took the run: nothing drives it any more; Reset makes it again.
  runLost: (s) => ({
    ...s, lost: { playing: s.lost ? s.lost.playing : !!(s.status && s.status.playing) },
    status: s.status ? { ...s.status, playing: false, running: false } : s.status,
  }),

  handEdited: (s, text) => ({ ...s, handEdits: [...s.handEdits, text] }),

  // eta changed by hand: the engine recorded it in the run's config (lr_at); Reset and the link
  // use that config from now on.
  configRecorded: (s, { runId, canonical, full }) => {
    if (!s.run || runId !== s.run.runId) return s;
    if (s.config && s.config.canonical === canonical) return s;
    return { ...s, config: { canonical, full }, lastConfig: canonical };
  },
  presetMatched: (s, preset) => (s.preset === preset ? s : { ...s, preset }),
  s0Known: (s, { runId, s0 }) => (!s.run || runId !== s.run.runId || (s.s0 && s.s0.runId === runId && s.s0.s0 === s0) ? s : { ...s, s0: { runId, s0 } }),
};
