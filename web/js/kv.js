// kv.js -- the only text work on the page: "k=v&k=v" split into pairs and pairs joined back, for
// display (filling the form, a seed in the share panel) and for links. It never interprets a key or
// a value: what a config means, and whether it is valid, is the engine's to say (the worker asks
// it). Pure: no DOM; the page, the workers and the node tests import it.

const KEY_RE = /^[a-z][a-z0-9_]{0,39}$/;

// Decode one component; null when it is malformed (a lone %, bad UTF-8).
function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function clip(s, n = 40) {
  s = String(s);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

// Encode a value for a config string / link: only what would break the "k=v&k=v" syntax or the
// URL is escaped, so numbers, lists and activations stay readable: lr=0.2, init=4,0.1, act=
// leaky_relu(0.1). The engine percent-decodes values, so both sides agree.
export function encodeValue(v) {
  return String(v).replace(/[^A-Za-z0-9._~,()+\-:*!/]/gu, (c) =>
    Array.from(new TextEncoder().encode(c), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

// "k=v&k=v" -> { pairs: [[k, v], ...] (decoded; v null for an item without =), items (each pair's
// item as written, for a button that fixes or drops it: replaceItem), problems }. Empty items vanish; items that cannot be decoded become problems [{ key, item, value, allowed,
// message, undecodable: true }] (item: the text as written).
export function splitPairs(text) {
  const pairs = [], items = [], problems = [];
  if (!text) return { pairs, items, problems };
  for (const item of String(text).split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const rawKey = eq < 0 ? item : item.slice(0, eq);
    const rawVal = eq < 0 ? null : item.slice(eq + 1);
    const key = decode(rawKey);
    const val = rawVal === null ? null : decode(rawVal);
    if (key === null || (rawVal !== null && val === null)) {
      problems.push({
        key: key && KEY_RE.test(key) ? key : null, item, value: rawVal ?? '', allowed: 'text where every % is followed by two hex digits',
        message: `"${clip(item)}" could not be decoded: a % must be followed by two hex digits`, undecodable: true,
      });
      continue;
    }
    pairs.push([key, val]);
    items.push(item);
  }
  return { pairs, items, problems };
}

// [[k, v], ...] -> "k=v&k=v" (values encoded; a null value writes the bare key).
export function joinPairs(pairs) {
  return pairs.map(([k, v]) => (v === null || v === undefined ? k : `${k}=${encodeValue(v)}`)).join('&');
}

// One "key=value" item as [key, value] as written (not decoded): a vary spec "lr_rel=lin:1:4:7"
// shown in its key and grid inputs. An item without = is all key.
export function pairOf(item) {
  const s = String(item ?? '');
  const eq = s.indexOf('=');
  return eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
}

// The keys of a config string, in order.
export function keysOf(text) {
  return splitPairs(text).pairs.map(([k]) => k);
}

// A config string as a Map key -> value text (later items win; a bare key maps to '').
export function pairsMap(text) {
  return new Map(splitPairs(text).pairs.map(([k, v]) => [k, v ?? '']));
}

// The value of `key` in a config string, or null.
export function valueOf(text, key) {
  const m = pairsMap(text);
  return m.has(key) ? m.get(key) : null;
}

// `base` with the pairs of `over` replacing those of the same keys (in base's order), new keys
// after them. `alike` lists groups of keys that replace each other (lr and lr_rel: the engine
// refuses both at once).
export function withPairs(base, over, { alike = [] } = {}) {
  const add = splitPairs(over).pairs;
  if (!add.length) return base;
  const named = new Set(add.map(([k]) => k));
  for (const group of alike) if (group.some((k) => named.has(k))) for (const k of group) named.add(k);
  return joinPairs([...splitPairs(base).pairs.filter(([k]) => !named.has(k)), ...add]);
}

// The pairs of a config string without the given keys.
export function withoutKeys(text, keys) {
  const drop = new Set(keys);
  return joinPairs(splitPairs(text).pairs.filter(([k]) => !drop.has(k)));
}

// The text with one item ("k=v" exactly as written) replaced by `by`, or removed when `by` is null
// (a button of the page fixes or drops one item of a link).
export function replaceItem(text, item, by) {
  const items = String(text).split('&');
  const i = items.indexOf(item);
  if (i < 0) return text;
  if (by === null) items.splice(i, 1); else items[i] = by;
  return items.join('&');
}

// The first item of the text (as written) whose decoded key is `key`, or null.
export function itemOf(text, key) {
  for (const item of String(text).split('&')) {
    const { pairs } = splitPairs(item);
    if (pairs.length && pairs[0][0] === key) return item;
  }
  return null;
}
