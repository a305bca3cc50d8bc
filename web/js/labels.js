// labels.js -- text labels on the data and model view's pictures that never overlap: the network's
// column names (network-view.js), a heatmap's colour-bar ticks and the axes' ticks (data-view.js,
// colour-bar.js). Pure: widths come from the caller's measure (the painter's), no DOM; node tests
// import it (web/test/labels.test.mjs).
//   placeLabels  one label per column, from the longest wording that fits to the shortest, then in
//                two staggered rows, then dropping the labels that still collide
//   thinTicks    the ticks of an axis whose labels fit side by side
//   overlapping  the pairs of boxes that intersect (what the tests assert is empty)

// Two horizontal spans [x0, x1] on one row, closer than gap?
const clash = (a, b, gap) => a.row === b.row && a.x0 < b.x1 + gap && b.x0 < a.x1 + gap;

// A label of width w centred on x, moved inside [left, right] (a label wider than the room starts
// at left).
function span(x, w, left, right) {
  const x0 = Math.max(left, Math.min(right - w, x - w / 2));
  return { x0, x1: x0 + w };
}

// items: [{ x, choices: [{ text, w }] }] (the wordings of each label, longest first, and their
// widths); left, right: the room; gap: the least space between two labels; rows: at most this many
// rows (2: the labels may alternate between two rows when one row is too tight).
// -> [{ index, text, x0, x1, row }]: every label that is drawn, none overlapping another.
export function placeLabels(items, { left, right, gap = 6, rows = 2 } = {}) {
  const levels = Math.max(0, ...items.map((it) => it.choices.length));
  const place = (level, nrows) => items.map((it, index) => {
    const ch = it.choices[Math.min(level, it.choices.length - 1)];
    return { index, text: ch.text, ...span(it.x, ch.w, left, right), row: nrows > 1 ? index % nrows : 0 };
  });
  const fits = (list) => list.every((a, i) => list.every((b, j) => j <= i || !clash(a, b, gap)));
  // one row: the longest wording every label can have
  for (let level = 0; level < levels; level++) {
    const list = place(level, 1);
    if (fits(list)) return list;
  }
  // two rows, staggered, again from the longest wording
  if (rows > 1) {
    for (let level = 0; level < levels; level++) {
      const list = place(level, 2);
      if (fits(list)) return list;
    }
  }
  // still too tight: the shortest wording, and only the labels that clash with none kept before
  // them (the first and the last label first: the input and the output)
  const list = place(levels - 1, rows > 1 ? 2 : 1);
  const order = [0, list.length - 1, ...list.map((_, i) => i).slice(1, -1)].filter((i, k, a) => i >= 0 && a.indexOf(i) === k);
  const kept = [];
  for (const i of order) if (kept.every((b) => !clash(list[i], b, gap))) kept.push(list[i]);
  return kept.sort((a, b) => a.index - b.index);
}

// ticks: [values]; at(v): its x in pixels; width(v): its label's width. -> the ticks kept: all of
// them when their labels fit side by side (gap apart), else every second, third, ... one, always
// the first, never fewer than two when there are two.
export function thinTicks(ticks, at, width, { gap = 6 } = {}) {
  const fits = (list) => list.every((v, i) => i === 0 || at(list[i - 1]) + width(list[i - 1]) / 2 + gap <= at(v) - width(v) / 2);
  for (let stride = 1; stride < ticks.length; stride++) {
    const list = ticks.filter((_, i) => i % stride === 0);
    if (list.length < 2 && ticks.length >= 2) break;
    if (fits(list)) return list;
  }
  return ticks.length >= 2 ? [ticks[0], ticks[ticks.length - 1]].filter((v, i, a) => i === 0 || fits(a)) : ticks.slice();
}

// boxes: [{ x0, x1, y0, y1 }] -> the pairs [i, j] that intersect.
export function overlapping(boxes) {
  const out = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) out.push([i, j]);
    }
  }
  return out;
}
