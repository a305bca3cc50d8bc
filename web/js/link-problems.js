// link-problems.js -- a link the page cannot use, said above the fold: one line per offending
// setting with its key, its value as written and what is allowed, and a button that acts on it:
// focus its control (the bench, the speed menu, the preset menu or the All settings form), use the
// engine's guess at what was meant ("did you mean": teacher_sc=4 -> teacher_scale=4), or remove it
// from the link. Nothing runs until the link is fixed; the address is never rewritten behind the
// user's back (a button that changes the link says so). Text only.
import { el } from './dom.js';

const clip = (s, n = 60) => { s = String(s ?? ''); return s.length > n ? `${s.slice(0, n)}…` : s; };

// One problem in words that point to the page's controls (never to `ibp help config`).
// p: { key, value, allowed, message, suggest?, item?, written? (the key as written, when the
// worker did not know it), undecodable?, page?, unknown? }
export function problemText(p, { isKey = () => true } = {}) {
  if (p.undecodable) return `“${clip(p.item)}” could not be decoded: every % must be followed by two hex digits.`;
  if (p.preset) return p.message;
  if (!p.page && (!p.key || !isKey(p.key))) {
    const key = p.key || p.written || clip(String(p.item || '').split('=')[0], 40);
    const guess = p.suggest ? ` Did you mean ${p.suggest.split('=')[0]}?` : '';
    return `unknown key "${key}": it is not a setting of the playground.${guess} All settings lists every one.`;
  }
  const allowed = p.allowed && !p.message.includes(p.allowed) ? ` Allowed: ${p.allowed}.` : '';
  return `${p.message}${/[.)]$/.test(p.message) ? '' : '.'}${allowed}`;
}

// ui: { box, list, title }; focusKey(key) -> bool (a control was focused; null: All settings);
// relink(problem, by | null): change the link's item of that problem (a new hash: the page
// applies it); isKey(key): an engine key
export function mountLinkProblems({ ui, focusKey, relink, isKey }) {
  function show(problems) {
    if (!problems.length) { clear(); return; }
    const n = problems.length;
    ui.title.textContent = `The link has ${n} setting${n > 1 ? 's' : ''} the page cannot use: nothing was run`;
    ui.list.replaceChildren(...problems.map((p) => {
      const li = el('li', { dataset: { key: p.key || '' } }, el('span', { text: problemText(p, { isKey }) }));
      const button = (text, run, aria) => { const b = el('button', { type: 'button', text, 'aria-label': aria }); b.addEventListener('click', run); li.append(' ', b); };
      const unknown = !p.page && !p.preset && !p.undecodable && (!p.key || !isKey(p.key));
      if (p.preset) button('Choose a preset', () => focusKey('preset'));
      else if (unknown && p.suggest) button(`Use ${clip(p.suggest, 40)}`, () => relink(p, p.suggest), `Use ${p.suggest} in the link instead`);
      else if (!unknown && !p.undecodable && p.key) button(`Fix ${p.key}`, () => focusKey(p.key), `Go to the ${p.key} setting`);
      if (unknown || p.undecodable) button('Remove it', () => relink(p, null), `Remove ${clip(p.item || p.key, 40)} from the link`);
      if (unknown && !p.suggest) button('All settings', () => focusKey(null));
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
