// network-view.js -- the network, drawn as TensorFlow Playground draws it: one column of units per
// layer, left to right, each weight a line whose colour is its sign (blue +, orange −) and whose
// thickness is its size; wide layers show their first units, a gap and the last one. Under it, one
// bar per trained layer with its squared norm ‖W_h‖² + ‖b_h‖² (the metrics' layer{h}_sq): Du et
// al.'s balancing shows as the bars moving together. Input: picture.js networkSketch.
import { tickLabel } from './axes.js';

const sub = (n) => String(n).replace(/\d/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[c]);

export function drawNetwork(p, net, theme, box) {
  const nl = net.layers.length;
  if (!nl) return 'The network';
  const trained = net.layers.filter((L) => L.trained);
  const barsH = Math.min(box.h * 0.34, 16 * trained.length + 18);
  const top = box.y + 14, bottom = box.y + box.h - barsH - 22, left = box.x + 18, right = box.x + box.w - 18;
  const cols = nl + 1;
  const cx = (c) => left + ((right - left) * c) / (cols - 1);
  // the units drawn in each column: the first layer's inputs, then each layer's outputs
  const units = [net.layers[0].from, ...net.layers.map((L) => L.to)];
  const widths = [net.layers[0].cols, ...net.layers.map((L) => L.rows)];
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
  // units, the gap marks of wide layers, the column labels
  units.forEach((list, c) => {
    const r = list.length > 6 ? 3.2 : 4.5;
    list.forEach((_, k) => p.circle(cx(c), cy(c, k), r, { fill: theme.panel, stroke: theme.fg, width: 1 }));
    if (widths[c] > list.length && list.length > 1) {
      const y = (cy(c, list.length - 2) + cy(c, list.length - 1)) / 2;
      p.text('⋮', cx(c) + 7, y, { size: 11, color: theme.muted, baseline: 'middle' });
    }
    const roomy = (right - left) / (cols - 1) > 64;
    const name = !roomy ? String(widths[c]) : c === 0 ? `input (${widths[0]})` : c === cols - 1 ? `output (${widths[c]})` : `h${sub(c)} (${widths[c]})`;
    p.text(name, cx(c), bottom + 14, { size: 10, color: theme.muted, align: c === 0 ? 'left' : c === cols - 1 ? 'right' : 'center' });
  });
  // the squared norm of each trained layer
  let mx = 0;
  for (const L of net.layers) mx = Math.max(mx, L.sq);
  const by = bottom + 24, bh = Math.min(12, (barsH - 14) / Math.max(1, nl));
  const labelW = 34, valueW = 52, barW = Math.max(10, box.w - labelW - valueW - 12);
  p.text('squared norm of each layer', box.x + 6, by + 2, { size: 10, color: theme.muted, baseline: 'middle' });
  net.layers.forEach((L, i) => {
    const y = by + 8 + i * (bh + 3);
    const w = mx > 0 ? (barW * L.sq) / mx : 0;
    p.text(L.name || `W${sub(i + 1)}`, box.x + 6, y + bh / 2, { size: 10, color: theme.fg, baseline: 'middle' });
    p.rect(box.x + 6 + labelW, y, Math.max(1, w), bh, { fill: L.trained ? theme.accent : theme.border });
    p.text(tickLabel(L.sq), box.x + 10 + labelW + w, y + bh / 2, { size: 10, color: theme.muted, baseline: 'middle' });
  });
  return `The network: ${widths.join(' → ')} units; squared layer norms ${net.layers.map((L) => tickLabel(L.sq)).join(', ')}.`;
}
