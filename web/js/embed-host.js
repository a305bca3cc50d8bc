// embed-host.js -- the embedded widget's side of its host page (EMBED.md): when the page is framed,
// the postMessage bridge (embed.js) with the handlers of the host's commands, and the reporter that
// tells the host what the run does (state changes, batches of steps, events, the end). The
// commands are the page's own actions (run-actions.js, link-sync.js); their replies go through
// rpc.js serve() inside the bridge.
import { EmbedBridge, HostReporter } from './embed.js';
import { metricRows } from './embed-api.js';
import { parseLink } from './link.js';
import { pairsMap } from './kv.js';
import { hasRun } from './store.js';

// -> { bridge, reporter } when the page is framed, else null.
export function mountEmbedHost({ store, initialLink, actions, link, settings, views }) {
  if (window.parent === window) return null;
  const state = () => store.get();
  const handlers = {
    load: async ({ config, preset, autoplay }) => {
      // a config, or a link's hash (v=, preset=, page keys: only the config and the preset count)
      const asked = parseLink(config);
      if (asked.problems.length) throw new Error(`load: ${asked.problems.map((p) => p.message).join(' · ')}`);
      const full = await link.resolve(preset || asked.page.preset, config ? asked.config : '');
      const { v } = await link.validate(asked, full);
      if (v.problems.length) {
        settings.showProblems(v.problems);
        const err = new Error(`load: ${v.problems.map((p) => p.message).join(' · ')}`);
        err.problems = v.problems;
        throw err;
      }
      settings.setValues(pairsMap(v.canonical));
      const made = await actions.createRun(v.canonical, { autoplay });
      if (made === null) throw new Error('load: a newer request replaced this one before its run was created');
      if (!made) throw new Error('load: the run could not be created (see the widget\u2019s message)');
      return { canonical: state().run.canonical };
    },
    play: async () => {
      const { status } = state();
      if (!(status && status.playing)) await actions.togglePlay();
      return state().status;
    },
    pause: async () => actions.act('pause'),
    step: async ({ n }) => {
      if (!hasRun(state())) throw new Error('step: there is no run');
      return actions.act('step', { n });
    },
    reset: async () => {
      await actions.resetRun();
      const { run } = state();
      return { canonical: run ? run.canonical : null };
    },
    setEta: async ({ eta }) => {
      const st = await actions.applyEta(eta);
      if (!st) throw new Error(`setEta: ${eta} was refused`);
      return st;
    },
    setLimit: async ({ step }) => {
      store.dispatch('pageKeys', { limit: step });
      const st = await actions.act('limit', { step });
      link.write();
      return st;
    },
    getMetrics: async (cmd) => {
      const { metrics, status } = state();
      return { ...metricRows(metrics, cmd), t: status ? status.t : 0 };
    },
    getState: async () => {
      const s = state();
      return {
        config: s.run ? s.run.canonical : null, link: location.href, status: s.status,
        events: views.events.map(({ step, kind, label }) => ({ step, kind, label })),
        version: s.engine ? s.engine.version : '', build: s.build,
      };
    },
  };
  const bridge = new EmbedBridge({ linkOrigins: initialLink.page.origin, handlers });
  const reporter = new HostReporter(bridge);
  bridge.watchHeight(document.body);
  store.subscribe((s, prev) => {
    if (s.run !== prev.run) reporter.newRun();
    if (s.status && s.status !== prev.status && !(prev.status && s.status.runId < prev.status.runId)) {
      reporter.status(prev.status, s.status, s.metrics, s.engine ? s.engine.enums.state.IBP_DIVERGED : NaN);
    }
  });
  // Once the first link is applied and the presets are in: the host hears 'ready'.
  function ready() {
    const s = state();
    bridge.send('ready', { version: s.engine.version, build: s.build, config: s.run ? s.run.canonical : null, link: location.href });
  }
  return { bridge, reporter, ready };
}
