// colour-bar.js -- the colour bar of the data and model view's heatmaps (the decision regions of a
// 2-D model, a factorization's matrices): the diverging scale the picture uses (orange below the
// middle, blue above it, paler towards the middle), its ticks and its title, drawn through the
// painter vocabulary (painter.js), so the canvas and the SVG export get the same bar. Pure over
// the painter: node tests draw it into an SvgPainter (web/test/labels.test.mjs).
import { thinTicks } from './labels.js';

export const COLOUR_BAR_H = 46;   // the height a bar takes under its picture, with its labels
const BAR = 9, TICK_SIZE = 10, TITLE_SIZE = 10.5;

// The colour of a value t in [-1, 1]: blue above 0, orange below, paler near 0 -> [r, g, b, a].
// rgb: the painter's colour parser (painter.js rgbOf).
export function diverging(t, theme, rgb) {
  const c = rgb(t >= 0 ? theme.pos : theme.neg);
  return [c[0], c[1], c[2], Math.round(255 * Math.min(0.75, 0.08 + 0.67 * Math.min(1, Math.abs(t))))];
}

// A horizontal colour bar in { x, y, w } (height COLOUR_BAR_H): the scale from lo (t = -1, orange)
// to hi (t = +1, blue), linear in the value; ticks: values in [lo, hi] (thinned until their labels
// fit); label(v): a tick's text; title: what the colour measures; room: [left, right], where the
// labels may go (the picture's edges). -> { title, lo, hi, loText, hiText, ticks: [texts], box:
// { x, y, w, h }, labels: [{ text, x0, x1, y0, y1 }] } (the text alternative and the tests read it).
export function drawColourBar(p, { x, y, w }, { lo, hi, ticks, label, title, theme, rgb, room = [x - 2, x + w + 2] }) {
  const n = 96, rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) rgba.set(diverging(-1 + (2 * (i + 0.5)) / n, theme, rgb), 4 * i);
  const top = y + 6;
  p.cells(n, 1, rgba, x, top, w, BAR);
  p.rect(x, top, w, BAR, { stroke: theme.border });
  const X = (v) => x + ((v - lo) / (hi - lo || 1)) * w;
  const inside = ticks.filter((v) => v >= lo - 1e-12 * Math.abs(hi - lo) && v <= hi + 1e-12 * Math.abs(hi - lo));
  const shown = thinTicks(inside, X, (v) => p.measure(label(v), TICK_SIZE), { gap: 5 });
  const labels = [];
  const ty = top + BAR + 3 + TICK_SIZE;
  for (const v of shown) {
    const s = label(v), tw = p.measure(s, TICK_SIZE);
    // the end labels stay over the bar's ends, never past the picture's edge
    const x0 = Math.max(room[0], Math.min(room[1] - tw, X(v) - tw / 2));
    p.line(X(v), top + BAR, X(v), top + BAR + 3, { stroke: theme.muted });
    p.text(s, x0, ty, { size: TICK_SIZE, color: theme.muted });
    labels.push({ text: s, x0, x1: x0 + tw, y0: ty - TICK_SIZE, y1: ty + 2 });
  }
  const tw = p.measure(title, TITLE_SIZE), tx = Math.max(room[0], Math.min(room[1] - tw, x + (w - tw) / 2)), tyy = ty + 4 + TITLE_SIZE;
  p.text(title, tx, tyy, { size: TITLE_SIZE, color: theme.muted });
  labels.push({ text: title, x0: tx, x1: tx + tw, y0: tyy - TITLE_SIZE, y1: tyy + 2 });
  return { title, lo, hi, loText: label(lo), hiText: label(hi), ticks: shown.map(label), box: { x, y, w, h: COLOUR_BAR_H }, labels };
}

// The sentence of a bar for the picture's text alternative.
export function colourBarText(bar) {
  if (!bar) return '';
  return `Colour scale, ${bar.title}: from orange at ${bar.loText} to blue at ${bar.hiText}, paler towards the middle.`;
}
