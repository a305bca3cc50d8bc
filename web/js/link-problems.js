// link-problems.js -- a link the page cannot use, said above the fold: one line per offending
// setting with its key, its value as written and what is allowed, and a button that acts on it:
// focus its control (the bench, the speed menu, the preset menu or the All settings form), use the
// engine's guess at what was meant ("did you mean": teacher_sc=4 -> teacher_scale=4), or remove it
// from the link; a problem of the whole link (too long) has no button. Nothing runs until the link is fixed; the address is never rewritten behind the
// user's back (a button that changes the link says so). Text only.
import { el } from './dom.js';
import { STATE_VERSION } from './link.js';

const clip = (s, n = 60) => { s = String(s ?? ''); return s.length > n ? `${s.slice(0, n)}…` : s; };

// What a problem is, for its words and its buttons: 'undecodable', 'preset' (an unknown preset),
// 'whole' (the whole link: too long, too many items), 'name' (not a key name), 'page' (a page key),
// 'unknown' (a well-formed key that is no setting: the engine's, with its guess), 'setting' (an
// engine key's value), 'other' (the engine's word on the config as a whole).
export function problemKind(p, isKey = () => true) {
  if (p.undecodable) return 'undecodable';
  if (p.preset) return 'preset';
  if (p.whole) return 'whole';
  if (p.name) return 'name';
  if (p.page) return 'page';
  if (p.key ? !isKey(p.key) : !!p.written) return 'unknown';
  return p.key ? 'setting' : 'other';
}

// One problem in words that point to the page's controls (never to `ibp help config`).
// p: { key, value, allowed, message, suggest?, item?, written? (the key as written, when the
// worker did not know it), undecodable?, page?, preset?, whole?, name?, query? } (link.js)
export function problemText(p, { isKey = () => true } = {}) {
  const kind = problemKind(p, isKey);
  if (kind === 'undecodable') return `“${clip(p.item)}” could not be decoded: every % must be followed by two hex digits.`;
  if (kind === 'unknown') {
    const guess = p.suggest ? ` Did you mean ${p.suggest.split('=')[0]}?` : '';
    return `unknown key "${clip(p.key || p.written, 40)}": it is not a setting of the playground.${guess} All settings lists every one.`;
  }
  const message = String(p.message ?? '');
  if (kind === 'preset' || kind === 'whole') return message;
  const allowed = p.allowed && !message.includes(p.allowed) ? ` Allowed: ${p.allowed}.` : '';
  return `${message}${/[.?]$/.test(message) ? '' : '.'}${allowed}`;
}

// The buttons of a problem, each one that does what it says: [{ text, aria, act: ['focus', key] |
// ['relink', by (null: remove the item)] }]. A page key has no control that re-applies the link
// (the speed menu only sets the speed), so it is removed from the link (its default applies), or,
// for an unknown link version, read as the current one.
export function problemActions(p, { isKey = () => true } = {}) {
  const kind = problemKind(p, isKey);
  const item = p.item || (p.key ? `${p.key}=${p.value ?? ''}` : '');
  const remove = { text: 'Remove it', aria: `Remove ${clip(item || p.written || p.key, 40)} from the link`, act: ['relink', null] };
  const use = p.suggest ? { text: `Use ${clip(p.suggest, 40)}`, aria: `Use ${p.suggest} in the link instead`, act: ['relink', p.suggest] } : null;
  switch (kind) {
    case 'undecodable': return [remove];
    case 'preset': return [{ text: 'Choose a preset', aria: null, act: ['focus', 'preset'] }];
    case 'whole': return [];
    case 'name': return use ? [use, remove] : [remove];
    case 'unknown': return use ? [use, remove] : [remove, { text: 'All settings', aria: null, act: ['focus', null] }];
    case 'page':
      if (p.key === 'v' && !/given twice/.test(p.message)) return [{ text: `Read it as v=${STATE_VERSION}`, aria: `Read the link as version ${STATE_VERSION}`, act: ['relink', `v=${STATE_VERSION}`] }];
      return [remove];
    case 'setting': return [{ text: `Fix ${p.key}`, aria: `Go to the ${p.key} setting`, act: ['focus', p.key] }];
    default: return [{ text: 'All settings', aria: null, act: ['focus', null] }];
  }
}

// ui: { box, list, title }; focusKey(key) -> bool (a control was focused; null: All settings);
// relink(problem, by | null): change the link's item of that problem (a new link: the page
// applies it); isKey(key): an engine key
export function mountLinkProblems({ ui, focusKey, relink, isKey }) {
  function show(problems) {
    if (!problems.length) { clear(); return; }
    const n = problems.length;
    ui.title.textContent = problems.some((p) => p.whole)
      ? 'The link cannot be used: nothing was run'
      : `The link has ${n} setting${n > 1 ? 's' : ''} the page cannot use: nothing was run`;
    ui.list.replaceChildren(...problems.map((p) => {
      const li = el('li', { dataset: { key: p.key || '' } }, el('span', { text: problemText(p, { isKey }) }));
      for (const a of problemActions(p, { isKey })) {
        const b = el('button', { type: 'button', text: a.text, 'aria-label': a.aria });
        b.addEventListener('click', () => (a.act[0] === 'focus' ? focusKey(a.act[1]) : relink(p, a.act[1])));
        li.append(' ', b);
      }
      return li;
    }));
    ui.box.hidden = false;
  }
  function clear() {
    ui.box.hidden = true;
    ui.list.replaceChildren();
  }
  return { show, clear };
}
