// state.js -- the page's state <-> the URL hash. Pure: no DOM, no worker; node tests import it.
//
// A link is "#v=1&<engine config>&<page keys>", e.g.
//     #v=1&model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=3000&speed=100
// Engine keys are passed to the engine untouched (it is the one parser: it validates them and
// explains every bad value); the page keys below are the page's own and are validated here.
// An empty hash means "the default experiment" (DEFAULT_CONFIG); any hash with v=1 means exactly
// the engine config it holds (keys it does not name take the engine's defaults).
// Hostile input is bounded: the whole link, the number of items and each key's shape are capped
// and nothing from the link is ever interpreted as markup (the page only uses textContent).

export const STATE_VERSION = 1;
export const MAX_LINK = 200000;   // characters; inline data (xs, ys, target) can be long
export const MAX_ITEMS = 400;

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
    parse(t) {
      if (t === '1') return 1;
      if (/^[0-9]{1,4}$/.test(t)) throw new Error(`v=${t}: this link was written by version ${t} of the page, which this page does not know (it reads v=1)`);
      throw new Error(`v=${clip(t)}: the link version must be 1`);
    },
    text: String,
  },
  autoplay: {
    def: 1,
    parse(t) {
      if (t === '0' || t === '1') return Number(t);
      throw new Error(`autoplay=${clip(t)}: use 1 (start running on load) or 0 (wait for Play)`);
    },
    text: String,
  },
  speed: {
    def: Infinity,
    parse(t) {
      const ok = { 10: 10, 100: 100, 1000: 1000, max: Infinity };
      if (Object.hasOwn(ok, t)) return ok[t];
      throw new Error(`speed=${clip(t)}: use 10, 100 or 1000 (steps per second) or max`);
    },
    text: speedText,
  },
  // Fault injection for the browser tests (a real wasm trap / a worker crash after load).
  fault: {
    def: '',
    parse(t) {
      if (t === 'trap' || t === 'crash') return t;
      throw new Error(`fault=${clip(t)}: use trap or crash (fault injection for tests)`);
    },
    text: String,
  },
});

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

// Decode one component of a link; null when it is malformed (a lone %, bad UTF-8).
function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

// Encode a value for a config string / link: only what would break the "k=v&k=v" syntax or the
// URL is escaped, so numbers, lists and activations stay readable: lr=0.2, init=4,0.1, act=
// leaky_relu(0.1). The engine percent-decodes values, so both sides agree.
export function encodeValue(v) {
  return String(v).replace(/[^A-Za-z0-9._~,()+\-:*!]/gu, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

// "k=v&k=v" -> [[k, v], ...] (decoded). Items that cannot be decoded become problems.
export function splitConfig(text) {
  const pairs = [], problems = [];
  if (!text) return { pairs, problems };
  for (const item of String(text).split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const rawKey = eq < 0 ? item : item.slice(0, eq);
    const rawVal = eq < 0 ? null : item.slice(eq + 1);
    const key = decode(rawKey);
    const val = rawVal === null ? null : decode(rawVal);
    if (key === null || (rawVal !== null && val === null)) {
      problems.push({ key: key && KEY_RE.test(key) ? key : null, message: `"${clip(item)}" could not be decoded: a % must be followed by two hex digits` });
      continue;
    }
    pairs.push([key, val]);
  }
  return { pairs, problems };
}

export function joinConfig(pairs) {
  return pairs.map(([k, v]) => (v === null ? k : `${k}=${encodeValue(v)}`)).join('&');
}

// Parse a link's hash (or search) string.
// -> { explicit, config, page, problems: [{ key, message }] }
//   explicit: the link names a config (else the default experiment applies)
//   config:   the engine config string to validate (page keys and undecodable items removed)
//   page:     page settings (defaults where missing or invalid)
export function parseLink(hash) {
  const page = pageDefaults();
  const problems = [];
  let s = typeof hash === 'string' ? hash : '';
  if (s.startsWith('#') || s.startsWith('?')) s = s.slice(1);
  if (s.length > MAX_LINK) {
    problems.push({ key: null, message: `the link is too long (${s.length} characters, at most ${MAX_LINK}): it was ignored` });
    return { explicit: false, config: DEFAULT_CONFIG, page, problems };
  }
  if (s.trim() === '') return { explicit: false, config: DEFAULT_CONFIG, page, problems };
  const split = splitConfig(s);
  problems.push(...split.problems);
  let pairs = split.pairs;
  if (pairs.length > MAX_ITEMS) {
    problems.push({ key: null, message: `the link has ${pairs.length} settings, at most ${MAX_ITEMS} are read` });
    pairs = pairs.slice(0, MAX_ITEMS);
  }
  const engine = [];
  let sawVersion = false;
  for (const [key, val] of pairs) {
    if (!KEY_RE.test(key)) {
      problems.push({ key: null, message: `"${clip(key)}" is not a setting name (names are lower-case letters, digits and _)` });
      continue;
    }
    if (Object.hasOwn(PAGE_KEYS, key)) {
      if (key === 'v') sawVersion = true;
      if (val === null) {
        problems.push({ key, message: `${key} has no value: write ${key}=<value>` });
        continue;
      }
      try {
        page[key] = PAGE_KEYS[key].parse(val.trim());
      } catch (e) {
        problems.push({ key, message: e.message });
      }
      continue;
    }
    engine.push([key, val]);
  }
  // A link with only page keys and no version ("#speed=100") still means the default experiment.
  const explicit = sawVersion || engine.length > 0;
  return { explicit, config: explicit ? joinConfig(engine) : DEFAULT_CONFIG, page, problems };
}

// The link of a state: the engine's canonical config plus the page keys that differ from their
// defaults (the fault key is never written: it is for tests only).
export function buildLink(canonical, page = {}) {
  const parts = [`v=${STATE_VERSION}`];
  if (canonical) parts.push(canonical);
  for (const [k, spec] of Object.entries(PAGE_KEYS)) {
    if (k === 'v' || k === 'fault' || !(k in page)) continue;
    if (page[k] !== spec.def) parts.push(`${k}=${encodeValue(spec.text(page[k]))}`);
  }
  return `#${parts.join('&')}`;
}

// The config key an engine message is about, or null. The engine starts its messages with the
// key ("lr=abc: ...", "width has 3 values ...", "lr and lr_rel are both given"), or says
// unknown key "foo".
export function keyOfMessage(message, knownKeys) {
  const m = /^unknown key "([^"]*)"/.exec(message);
  if (m) return null;
  const k = /^"?([a-z][a-z0-9_]*)/.exec(String(message));
  if (k && knownKeys.has(k[1])) return k[1];
  return null;
}

// Values of a config string as a Map (later items win); used to fill the controls from the
// engine's full canonical form.
export function configMap(text) {
  return new Map(splitConfig(text).pairs.map(([k, v]) => [k, v ?? '']));
}

// Numbers for people: never "NaN" on screen. Non-finite -> the placeholder.
export function fmt(x, digits = 4, none = '—') {
  if (typeof x !== 'number' || !Number.isFinite(x)) return none;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(digits - 1).replace('e+', 'e');
}
