// network-view.js -- the network, drawn as TensorFlow Playground draws it: one column of units per
// layer, left to right, each weight a line whose colour is its sign (blue +, orange −) and whose
// thickness is its size; wide layers show their first units, a gap and the last one. Under it, one
// bar per trained layer with its squared norm ‖W_h‖² + ‖b_h‖² (the metrics' layer{h}_sq): Du et
// al.'s balancing shows as the bars moving together. Input: picture.js networkSketch.
import { tickLabel } from './axes.js';
import { placeLabels } from './labels.js';

const sub = (n) => String(n).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[c]);

// The column labels under the network, from the longest wording to the shortest (labels.js places
// them so that none overlaps another: one row, then two staggered rows, then fewer labels).
function columnChoices(widths, c) {
  const last = widths.length - 1, n = widths[c];
  const long = c === 0 ? `input (${n})` : c === last ? `output (${n})` : `h${sub(c)} (${n})`;
  const mid = c === 0 ? `in ${n}` : c === last ? `out ${n}` : `h${sub(c)} ${n}`;
  return [long, mid, String(n)];
}

const LABEL_SIZE = 10;

// Draws the network in box; -> { text: the picture's text alternative, labels: [{ text, x0, x1,
// y0, y1 }] (every label drawn, in CSS pixels: the tests check that none overlaps another) }.
export function drawNetwork(p, net, theme, box) {
  const nl = net.layers.length;
  if (!nl) return { text: 'The network', labels: [] };
  const barsH = Math.min(box.h * 0.34, 16 * nl + 18);
  const left = box.x + 18, right = box.x + box.w - 18;
  const cols = nl + 1;
  const cx = (c) => left + ((right - left) * c) / (cols - 1);
  // the units drawn in each column: the first layer's inputs, then each layer's outputs
  const units = [net.layers[0].from, ...net.layers.map((L) => L.to)];
  const widths = [net.layers[0].cols, ...net.layers.map((L) => L.rows)];
  const placed = placeLabels(units.map((_, c) => ({ x: cx(c), choices: columnChoices(widths, c).map((text) => ({ text, w: p.measure(text, LABEL_SIZE) })) })),
    { left: box.x + 2, right: box.x + box.w - 2, gap: 6 });
  const labelRows = Math.max(1, ...placed.map((l) => l.row + 1));
  const top = box.y + 14, bottom = box.y + box.h - barsH - 22 - 12 * (labelRows - 1);
  const cy = (c, k) => {
    const n = units[c].length;
    return n === 1 ? (top + bottom) / 2 : top + ((bottom - top) * k) / (n - 1);
  };
  let maxAbs = 0;
  for (const L of net.layers) maxAbs = Math.max(maxAbs, L.maxAbs);
  maxAbs = maxAbs || 1;
  // weights: blue/orange for the sign, thickness for the size, in 13 widths (one stroke per sign
  // and width: a wide network is thousands of lines)
  const STEPS = 12, groups = new Map();
  net.layers.forEach((L, c) => {
    const nf = L.from.length;
    L.to.forEach((_, a) => {
      L.from.forEach((__, b) => {
        const w = L.w[a * nf + b];
        if (!Number.isFinite(w) || w === 0) return;
        const q = Math.round(STEPS * Math.sqrt(Math.min(1, Math.abs(w) / maxAbs)));
        const key = (w > 0 ? 1 : -1) * (q + 1);
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(cx(c), cy(c, b), cx(c + 1), cy(c + 1, a));
      });
    });
  });
  for (const key of [...groups.keys()].sort((x, y) => Math.abs(x) - Math.abs(y))) {
    p.segments(groups.get(key), { stroke: key > 0 ? theme.pos : theme.neg, width: 0.25 + (3 * (Math.abs(key) - 1)) / STEPS });
  }
  // units, the gap marks of wide layers
  units.forEach((list, c) => {
    const r = list.length > 6 ? 3.2 : 4.5;
    list.forEach((_, k) => p.circle(cx(c), cy(c, k), r, { fill: theme.panel, stroke: theme.fg, width: 1 }));
    if (widths[c] > list.length && list.length > 1) {
      const y = (cy(c, list.length - 2) + cy(c, list.length - 1)) / 2;
      p.text('⋮', cx(c) + 7, y, { size: 11, color: theme.muted, baseline: 'middle' });
    }
  });
  // the column labels, none overlapping another
  const labels = [];
  const say = (text, x, y, size, color) => {
    p.text(text, x, y, { size, color, baseline: 'middle' });
    labels.push({ text, x0: x, x1: x + p.measure(text, size), y0: y - size / 2, y1: y + size / 2 });
  };
  for (const l of placed) say(l.text, l.x0, bottom + 12 + 12 * l.row, LABEL_SIZE, theme.muted);
  // the squared norm of each trained layer: one bar a layer, its name and value in a font that
  // fits the bar's pitch (a deep net on a phone: every k-th name only)
  let mx = 0;
  for (const L of net.layers) mx = Math.max(mx, L.sq);
  const by = bottom + 12 * labelRows + 12, bh = Math.max(2, Math.min(12, (barsH - 14) / nl - 3));
  const pitch = bh + 3, fs = Math.max(7, Math.min(LABEL_SIZE, pitch - 1)), every = Math.max(1, Math.ceil((fs + 1) / pitch));
  const labelW = 34, valueW = 52, barW = Math.max(10, box.w - labelW - valueW - 12);
  const title = ['squared norm of each layer', 'squared layer norms', '‖W‖²'].find((t) => p.measure(t, LABEL_SIZE) <= box.w - 12) || '‖W‖²';
  say(title, box.x + 6, by, LABEL_SIZE, theme.muted);
  net.layers.forEach((L, i) => {
    const y = by + 8 + i * pitch;
    const w = mx > 0 ? (barW * L.sq) / mx : 0;
    p.rect(box.x + 6 + labelW, y, Math.max(1, w), bh, { fill: L.trained ? theme.accent : theme.border });
    if (i % every) return;
    say(L.name || `W${sub(i + 1)}`, box.x + 6, y + bh / 2, fs, theme.fg);
    say(tickLabel(L.sq), box.x + 10 + labelW + w, y + bh / 2, fs, theme.muted);
  });
  return { text: `The network: ${widths.join(' → ')} units; squared layer norms ${net.layers.map((L) => tickLabel(L.sq)).join(', ')}.`, labels };
}
