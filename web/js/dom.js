// dom.js -- the page's few DOM helpers: one el() to build elements (text only: nothing becomes
// markup) and writes that touch the DOM only when a value changes (an identical write still costs
// a style and layout pass when it happens ten times a second).

// el('a', { href, text: 'open', class: 'x', dataset: { cell: '3' }, hidden: true }, ...children)
//   text -> textContent, class -> className, dataset -> data-*, true -> a bare attribute,
//   false / null / undefined -> left out; children are nodes or strings (null skipped).
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (v === true) e.setAttribute(k, '');
    else if (v !== false && v != null) e.setAttribute(k, String(v));
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

export const setText = (node, text) => { if (node && node.textContent !== text) node.textContent = text; };
export const setDisabled = (node, v) => { if (node && node.disabled !== v) node.disabled = v; };
export const setAttr = (node, name, v) => { if (node && node.getAttribute(name) !== v) node.setAttribute(name, v); };
