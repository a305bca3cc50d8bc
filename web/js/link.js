// link.js -- a link <-> the page's keys and the engine config it holds. Pure: no DOM, no worker;
// node tests import it. The split and join of its pairs is kv.js's.
//
// A link is "#v=1&<engine config>&<page keys>", e.g.
//     #v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000&speed=100
// Engine keys are passed to the engine untouched (it is the one parser: it validates them and
// explains every bad value); the page keys below are the page's own and are validated here.
// An empty hash means "the default experiment" (DEFAULT_CONFIG); any hash with v=1 means exactly
// the engine config it holds (keys it does not name take the engine's defaults of that link
// version: see OLD_DEFAULTS). "#preset=ID" starts from a named preset (presets.json or the quick
// starts); engine keys after it replace the preset's. The query string (?embed=1&charts=loss)
// may carry page keys only, so an embed snippet can keep its chrome in the query and its state in
// the hash; its other items (fbclid=..., utm_source=...: sites add them to shared links) are
// ignored, never a reason not to run. Hostile input is bounded: the whole link, the number of items and each key's shape
// are capped and nothing from the link is ever interpreted as markup (the page only uses
// textContent).

import { splitPairs, joinPairs, encodeValue, withPairs } from './kv.js';

export const STATE_VERSION = 1;
export const MAX_LINK = 200000;   // characters; inline data (xs, ys, target) can be long
export const MAX_ITEMS = 400;

// ---- link versions -----------------------------------------------------------------------------
// A link names only the keys that differ from the defaults of the engine that wrote it, so when a
// default changes, an old link would silently mean another run. The rule, for whoever changes a
// default in src/config_table.c:
//   1. bump STATE_VERSION (links written from then on say v=<new>);
//   2. add the key with its OLD default under every older version here (a version's entry lists
//      every key whose default changed after it, with the value that version assumed).
// Opening a link of version k sets each key listed under k that the link does not name and that
// applies to its model (it appears in the engine's full canonical form, so lr is not added when
// the link uses lr_rel) to the recorded value; the page then rewrites the link in the current
// version, where that value is named explicitly, and says so.
// v=0 is synthetic: no page ever wrote it. It exercises the mechanism end to end (the tests open a
// v=0 link and must get lr=0.05, "the default then") and shows what a real entry looks like.
export const OLD_DEFAULTS = Object.freeze({
  0: Object.freeze({ lr: '0.05' }),
});
export const LINK_VERSIONS = Object.freeze([...Object.keys(OLD_DEFAULTS).map(Number), STATE_VERSION].sort((a, b) => a - b));

// The pairs to add to the config of a link of version `version`: named = the engine keys the link
// names, full = the engine's full canonical form of the link's config (every key in use).
export function oldDefaultPairs(version, named, full) {
  const table = OLD_DEFAULTS[version];
  if (!table || version === STATE_VERSION) return [];
  const inUse = new Set(splitPairs(full || '').pairs.map(([k]) => k));
  const out = [];
  for (const [key, value] of Object.entries(table)) {
    if (!named.has(key) && inUse.has(key)) out.push([key, value]);
  }
  return out;
}

// Chart and view ids an embed link may choose (charts=...): the ids of series.js chartSpecs plus
// the two views (a unit test keeps this list and chartSpecs in step).
export const VIEW_IDS = Object.freeze(['traj', 'spectrum']);
export const CHART_IDS = Object.freeze(['loss', 'sharpness', 'edge', 'bound', 'sratio', 'norms', 'balance', 'margin',
  'accuracy', 'sv', 'align', 'wstar', 'grad', 'gradproj', 'flows', 'lr', ...VIEW_IDS]);
// Controls an embed link may show (controls=...).
export const CONTROL_IDS = Object.freeze(['play', 'step', 'reset', 'eta', 'speed', 'status']);
export const EMBED_DEFAULTS = Object.freeze({ charts: Object.freeze(['loss', 'sharpness', 'traj']), controls: Object.freeze(['play', 'step', 'reset', 'status']) });
export const MAX_ORIGINS = 8;

// The default experiment: a tanh MLP on a tanh-teacher, at a learning rate where progressive
// sharpening drives the sharpness S up to 2/eta and the run then trains at the edge of stability.
export const DEFAULT_CONFIG =
  'model=mlp&depth=3&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1' +
  '&lr=0.3&steps=6000&measure_every=20';

// Page keys: name -> { def, parse(text) -> value or throws a message, text(value) -> string }.
// Reserved: the engine must never name a config key like these (a unit test checks the schema).
const speedText = (s) => (s === Infinity ? 'max' : String(s));
export const PAGE_KEYS = Object.freeze({
  v: {
    def: STATE_VERSION,
    allowed: 'a link version this page reads',
    parse(t) {
      if (/^[0-9]{1,4}$/.test(t) && LINK_VERSIONS.includes(Number(t))) return Number(t);
      const known = `it reads v=${LINK_VERSIONS.join(', v=')}`;
      if (/^[0-9]{1,4}$/.test(t)) throw new Error(`v=${t}: this link was written by version ${t} of the page, which this page does not know (${known})`);
      throw new Error(`v=${clip(t)}: the link version must be a whole number (${known})`);
    },
    text: String,
  },
  autoplay: {
    def: 1,
    allowed: '0 or 1',
    parse(t) {
      if (t === '0' || t === '1') return Number(t);
      throw new Error(`autoplay=${clip(t)}: use 1 (start running on load) or 0 (wait for Play)`);
    },
    text: String,
  },
  speed: {
    def: Infinity,
    allowed: '10, 100, 1000 or max',
    parse(t) {
      const ok = { 10: 10, 100: 100, 1000: 1000, max: Infinity };
      if (Object.hasOwn(ok, t)) return ok[t];
      throw new Error(`speed=${clip(t)}: use 10, 100 or 1000 (steps per second) or max`);
    },
    text: speedText,
  },
  // A named preset to start from: an id of presets.json or of the quick starts. Whether it exists
  // is checked by the page once the presets are loaded (the message lists the valid ids).
  preset: {
    def: '',
    allowed: 'a preset id',
    parse(t) {
      if (/^[a-z0-9][a-z0-9:_.-]{0,79}$/.test(t)) return t;
      throw new Error(`preset=${clip(t)}: a preset id is lower-case letters, digits and - _ . :`);
    },
    text: String,
  },
  // Embedding (EMBED.md): the minimal chrome, which charts and controls it shows, where the run
  // pauses, and which host origins may drive it with postMessage.
  embed: {
    def: 0,
    allowed: '0 or 1',
    parse(t) {
      if (t === '0' || t === '1') return Number(t);
      throw new Error(`embed=${clip(t)}: use 1 (the minimal chrome of an embedded widget) or 0`);
    },
    text: String,
  },
  charts: {
    def: EMBED_DEFAULTS.charts,
    allowed: `chart ids: ${CHART_IDS.join(', ')}`,
    parse(t) { return idList('charts', t, CHART_IDS); },
    text: (l) => l.join(','),
  },
  controls: {
    def: EMBED_DEFAULTS.controls,
    allowed: `${CONTROL_IDS.join(', ')}, or none`,
    parse(t) { return t === 'none' ? [] : idList('controls', t, CONTROL_IDS); },
    text: (l) => (l.length ? l.join(',') : 'none'),
  },
  limit: {
    def: 0,
    allowed: 'a whole number in [1, 1e9]',
    parse(t) {
      if (/^[0-9]{1,10}$/.test(t) && Number(t) >= 1 && Number(t) <= 1e9) return Number(t);
      throw new Error(`limit=${clip(t)}: the step at which the run pauses must be a whole number in [1, 1e9]`);
    },
    text: String,
  },
  origin: {
    def: Object.freeze([]),
    allowed: `up to ${MAX_ORIGINS} origins scheme://host[:port], comma-separated`,
    parse(t) {
      const list = t.split(',').map((s) => s.trim()).filter(Boolean);
      if (!list.length) throw new Error('origin has no value: write origin=https://your.site (several: comma-separated)');
      if (list.length > MAX_ORIGINS) throw new Error(`origin lists ${list.length} origins, at most ${MAX_ORIGINS}`);
      for (const o of list) {
        if (!isOrigin(o)) throw new Error(`origin=${clip(o, 80)}: an origin is scheme://host[:port] with nothing after it, e.g. https://blog.example`);
      }
      return Object.freeze(list);
    },
    text: (l) => l.join(','),
  },
  // Fault injection for the browser tests (a real wasm trap / a worker crash after load). The worker
  // refuses it unless the server has test hooks (scripts/serve.mjs --test-hooks): a shared link
  // with fault= only gets a warning on a real host.
  fault: {
    def: '',
    allowed: 'trap or crash',
    parse(t) {
      if (t === 'trap' || t === 'crash') return t;
      throw new Error(`fault=${clip(t)}: use trap or crash (fault injection for tests)`);
    },
    text: String,
  },
});

function idList(name, t, allowed) {
  const list = t.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((x) => !allowed.includes(x));
  if (bad.length || !list.length) {
    throw new Error(`${name}=${clip(t)}: ${bad.length ? `${bad.map((b) => `"${clip(b, 20)}"`).join(', ')} ${bad.length > 1 ? 'are' : 'is'} not one of` : 'choose from'} ${allowed.join(', ')}${name === 'controls' ? ', or none' : ''}`);
  }
  return Object.freeze([...new Set(list)]);
}

// "https://host.example:8443" exactly (what MessageEvent.origin holds), nothing more.
export function isOrigin(o) {
  if (typeof o !== 'string' || o.length > 200 || !/^https?:\/\/[^/?#\s]+$/i.test(o)) return false;
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
}

export function pageDefaults() {
  const out = {};
  for (const [k, spec] of Object.entries(PAGE_KEYS)) out[k] = spec.def;
  return out;
}

function clip(s, n = 40) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

const KEY_RE = /^[a-z][a-z0-9_]{0,39}$/;

// The embed widget's own page: framing it is allowed (scripts/serve.mjs, README), and it is always
// the widget (embed=1), whatever its link says.
export const WIDGET_PAGE = 'embed.html';
export const isWidgetPath = (pathname) => String(pathname).endsWith(`/${WIDGET_PAGE}`);

// Parse a link: its hash and, optionally, its query string (page keys only); widget: the link of
// the widget page (embed=1 whatever the link says).
// -> { explicit, config, page, version, named, fromQuery, ignored, problems: [{ key, message, ... }] }
//   explicit:  the link names a config or a preset (else the default experiment applies)
//   config:    the engine config string to validate (page keys and undecodable items removed);
//              with a preset, the keys that replace the preset's (mergeConfig)
//   page:      page settings (defaults where missing or invalid)
//   version:   the link version (page.v), for OLD_DEFAULTS
//   named:     the engine keys the link names
//   fromQuery: the page keys that came from the query string (buildLink leaves them there)
//   ignored:   the query's items that are no page key, as written (fbclid=..., utm_source=...: sites
//              add them to a shared link): they do not stop the run, the page only names them
// A problem stops the run. Besides { key, value, allowed, message }: item (the item as written, for
// a button that replaces or removes it), query (it is in the query string, not the hash), page (a
// page key), name (not a key name; suggest: the item with a well-formed name), whole (the whole
// link: too long, too many items).
export function parseLink(hash, search = '', { widget = false } = {}) {
  const link = readLink(hash, search);
  if (widget) link.page.embed = 1;
  return link;
}

function readLink(hash, search) {
  const page = pageDefaults();
  const problems = [];
  const fromQuery = new Set();
  const ignored = [];
  const strip = (x) => {
    const t = typeof x === 'string' ? x : '';
    return t.startsWith('#') || t.startsWith('?') ? t.slice(1) : t;
  };
  let s = strip(hash);
  const q = strip(search);
  const empty = (config = DEFAULT_CONFIG) => ({ explicit: false, config, page, version: STATE_VERSION, named: new Set(), fromQuery, ignored, problems });
  // the query: page keys only; anything else is the business of whoever added it
  if (q.length > MAX_LINK) ignored.push(`${q.slice(0, 40)}... (${q.length} characters)`);
  else {
    const qs = splitPairs(q);
    for (const p of qs.problems) ignored.push(p.item);
    const seen = new Set();
    qs.pairs.forEach(([key, val], i) => {
      const item = qs.items[i];
      if (!Object.hasOwn(PAGE_KEYS, key)) { if (ignored.length < MAX_ITEMS) ignored.push(item); return; }
      if (seen.has(key)) { problems.push(twice(key, val, item, { query: true })); return; }
      seen.add(key);
      if (readPageKey(page, key, val, problems, { item, query: true })) fromQuery.add(key);
    });
  }
  if (s.length > MAX_LINK) {
    problems.push({ key: null, whole: true, message: `the link is too long (${s.length} characters, at most ${MAX_LINK}): it was not read` });
    return empty();
  }
  if (s.trim() === '') return empty();
  const split = splitPairs(s);
  if (split.pairs.length + split.problems.length > MAX_ITEMS) {
    problems.push({ key: null, whole: true, message: `the link has ${split.pairs.length + split.problems.length} settings, at most ${MAX_ITEMS}: it was not read` });
    return empty();
  }
  problems.push(...split.problems);
  const engine = [];
  const seen = new Set();
  let sawVersion = false;
  split.pairs.forEach(([key, val], i) => {
    const item = split.items[i];
    if (!KEY_RE.test(key)) {
      const near = key.trim().toLowerCase();
      const suggest = KEY_RE.test(near) ? joinPairs([[near, val === null ? null : val.trim()]]) : undefined;
      problems.push({
        key: null, item, name: true, suggest, value: val ?? '', allowed: 'lower-case letters, digits and _',
        message: `"${clip(key)}" is not a setting name (names are lower-case letters, digits and _)${suggest ? `: did you mean ${clip(near)}?` : ''}`,
      });
      return;
    }
    if (Object.hasOwn(PAGE_KEYS, key)) {
      // a repeated page key is an error, as a repeated engine key is the engine's (lr is given twice)
      if (seen.has(key)) { problems.push(twice(key, val, item)); return; }
      seen.add(key);
      if (key === 'v') sawVersion = true;
      if (readPageKey(page, key, val, problems, { item })) fromQuery.delete(key);
      return;
    }
    engine.push([key, val]);
  });
  // A link with only page keys and no version ("#speed=100") still means the default experiment.
  const explicit = sawVersion || engine.length > 0 || page.preset !== '';
  return {
    explicit, config: explicit ? joinPairs(engine) : DEFAULT_CONFIG, page, version: page.v,
    named: new Set(engine.map(([k]) => k)), fromQuery, ignored, problems,
  };
}

function twice(key, val, item, where = {}) {
  return {
    key, value: val ?? '', item, allowed: PAGE_KEYS[key].allowed, page: true, ...where,
    message: `${key} is given twice${where.query ? ' in the query string' : ''} (the second time as ${clip(item)}): keep one`,
  };
}

// Parse one page key into page[key]; false (and a problem) when it is invalid.
function readPageKey(page, key, val, problems, where) {
  const allowed = PAGE_KEYS[key].allowed;
  if (val === null) {
    problems.push({ key, value: '', allowed, message: `${key} has no value: write ${key}=<value>`, page: true, ...where });
    return false;
  }
  try {
    page[key] = PAGE_KEYS[key].parse(val.trim());
    return true;
  } catch (e) {
    problems.push({ key, value: val, allowed, message: e.message, page: true, ...where });
    return false;
  }
}

// A preset's config with some keys replaced: the keys named in `overrides` take its values, in
// the preset's order, new keys after them; lr and lr_rel replace each other (the engine refuses
// both at once).
export function mergeConfig(base, overrides) {
  return withPairs(base, overrides, { alike: [['lr', 'lr_rel']] });
}

// The link of a state: the engine's canonical config plus the page keys that differ from their
// defaults. Never written: fault (tests only), preset (the link holds the config itself, so it
// reproduces the run even if the preset changes) and the keys in `omit` (those the query string
// carries, which stay there).
export function buildLink(canonical, page = {}, { omit = new Set() } = {}) {
  const parts = [`v=${STATE_VERSION}`];
  if (canonical) parts.push(canonical);
  for (const [k, spec] of Object.entries(PAGE_KEYS)) {
    if (k === 'v' || k === 'fault' || k === 'preset' || !(k in page) || omit.has(k)) continue;
    const text = spec.text(page[k]);
    if (text !== spec.text(spec.def)) parts.push(`${k}=${encodeValue(text)}`);
  }
  return `#${parts.join('&')}`;
}
