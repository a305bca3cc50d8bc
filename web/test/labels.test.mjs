// Unit tests of the data and model view's labels: the network's column labels never overlap
// (labels.js placeLabels, network-view.js drawNetwork), axis ticks thinned until their labels fit
// (thinTicks), and the heatmap's colour bar (colour-bar.js): its scale, ticks, title and text
// alternative, drawn into the SVG painter the export uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeLabels, thinTicks, overlapping } from '../js/labels.js';
import { drawNetwork } from '../js/network-view.js';
import { drawColourBar, colourBarText, diverging, COLOUR_BAR_H } from '../js/colour-bar.js';
import { SvgPainter, rgbOf } from '../js/painter.js';

const THEME = { pos: '#1f77b4', neg: '#ff7f0e', fg: '#111111', muted: '#555555', border: '#cccccc', bg: '#ffffff', panel: '#fafafa', accent: '#1f5fbf' };
// a painter that measures text like a proportional font of 0.6 em a character (wider than the
// SVG painter's 0.55: the tests hold with room to spare)
class WidePainter extends SvgPainter { measure(s, size = 11) { return 0.6 * size * String(s).length; } }
const rowBoxes = (list, h = 10) => list.map((l) => ({ x0: l.x0, x1: l.x1, y0: l.row * h, y1: l.row * h + h }));

test('placeLabels keeps the long wording when it fits, on one row', () => {
  const items = [0, 100, 200].map((x, i) => ({ x, choices: [{ text: `long ${i}`, w: 40 }, { text: `${i}`, w: 8 }] }));
  const got = placeLabels(items, { left: 0, right: 200 });
  assert.deepEqual(got.map((l) => l.text), ['long 0', 'long 1', 'long 2']);
  assert.ok(got.every((l) => l.row === 0 && l.x0 >= 0 && l.x1 <= 200));
  assert.deepEqual(overlapping(rowBoxes(got)), []);
});

test('placeLabels: the catapult net on a phone (input (1), h₁ (1000), output (1) in 150 px) does not overlap', () => {
  const W = (s) => 0.6 * 10 * s.length;
  const words = [['input (1)', 'in 1', '1'], ['h₁ (1000)', 'h₁ 1000', '1000'], ['output (1)', 'out 1', '1']];
  const items = words.map((c, i) => ({ x: 18 + (114 * i) / 2, choices: c.map((text) => ({ text, w: W(text) })) }));
  const got = placeLabels(items, { left: 2, right: 148, gap: 6 });
  assert.equal(got.length, 3);
  assert.deepEqual(overlapping(rowBoxes(got)), []);
  for (const l of got) assert.ok(l.x0 >= 2 && l.x1 <= 148, `${l.text} at ${l.x0}..${l.x1}`);
  // and the longest wording is not given up when the shorter one fits on one row
  assert.notEqual(got[1].text, '1000');
});

test('placeLabels: too many columns for the room: staggered, then fewer, never overlapping', () => {
  for (const n of [4, 8, 16, 40]) {
    const items = Array.from({ length: n }, (_, i) => ({ x: (100 * i) / (n - 1), choices: [{ text: `layer ${i}`, w: 36 }, { text: `${i}`, w: 12 }] }));
    const got = placeLabels(items, { left: 0, right: 100, gap: 4 });
    assert.deepEqual(overlapping(rowBoxes(got).map((b) => ({ ...b, x0: b.x0 - 2, x1: b.x1 + 2 }))), [], `n = ${n}`);
    assert.ok(got.length >= 2, `n = ${n}: the input and the output are labelled`);
    assert.equal(got[0].index, 0);
    assert.equal(got[got.length - 1].index, n - 1);
  }
});

test('thinTicks keeps every tick that fits and thins the rest', () => {
  const ticks = [0, 1, 2, 3, 4, 5];
  assert.deepEqual(thinTicks(ticks, (v) => 100 * v, () => 30), ticks);
  const thin = thinTicks(ticks, (v) => 20 * v, () => 30, { gap: 4 });
  assert.ok(thin.length < ticks.length && thin.length >= 2, `${thin}`);
  for (let i = 1; i < thin.length; i++) assert.ok(20 * thin[i] - 20 * thin[i - 1] >= 34);
  assert.equal(thin[0], 0);
});

function sketch(widths) {
  const layers = widths.slice(1).map((rows, i) => {
    const cols = widths[i], from = Array.from({ length: Math.min(cols, 10) }, (_, k) => k), to = Array.from({ length: Math.min(rows, 10) }, (_, k) => k);
    const w = Float64Array.from({ length: from.length * to.length }, (_, k) => Math.sin(k + i) * 0.5);
    return { name: `W${i + 1}`, rows, cols, trained: true, sq: 1 + i, maxAbs: 0.5, from, to, w, b: null };
  });
  return { widths, layers };
}

test('drawNetwork: no two labels overlap, at phone and desktop sizes, for shallow and deep nets', () => {
  for (const widths of [[1, 1000, 1], [8, 32, 32, 1], [2, 16, 16, 1], [10, 32, 32, 32, 32, 2], [5, 5, 5, 5, 5, 5, 5, 5, 5, 1], [1, 1]]) {
    for (const [w, h] of [[150, 178], [170, 200], [290, 420], [420, 300]]) {
      const p = new WidePainter(w, h);
      const { text, labels } = drawNetwork(p, sketch(widths), THEME, { x: 0, y: 0, w, h });
      assert.match(text, /^The network: /);
      assert.ok(labels.length >= 3, `${widths} at ${w}x${h}: ${labels.length} labels`);
      assert.deepEqual(overlapping(labels), [], `${widths} at ${w}x${h}: ${JSON.stringify(labels)}`);
      for (const l of labels) assert.ok(l.x0 >= 0 && l.x1 <= w + 0.5 && l.y0 >= 0 && l.y1 <= h + 0.5, `${widths} at ${w}x${h}: ${l.text} outside`);
      // the input and the output columns are labelled
      assert.ok(labels.some((l) => /^(input \(|in )?\d+\)?$/.test(l.text) && l.text.includes(String(widths[0]))), `${widths} at ${w}x${h}`);
    }
  }
});

test('the colour bar: the diverging scale, its ticks inside it, its title, a text alternative, in SVG', () => {
  const p = new SvgPainter(300, 100);
  const bar = drawColourBar(p, { x: 40, y: 0, w: 240 }, { lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 1], label: String, title: 'model’s P(y = +1)', theme: THEME, rgb: rgbOf, room: [2, 298] });
  assert.deepEqual(bar.ticks, ['0', '0.25', '0.5', '0.75', '1']);
  assert.equal(bar.box.h, COLOUR_BAR_H);
  for (const l of bar.labels) assert.ok(l.x0 >= 2 && l.x1 <= 298 && l.y1 <= COLOUR_BAR_H, `${l.text} clipped: ${JSON.stringify(l)}`);
  assert.deepEqual(overlapping(bar.labels), []);
  const svg = p.toString();
  assert.ok(svg.includes('>model’s P(y = +1)</text>'));
  for (const t of bar.ticks) assert.ok(svg.includes(`>${t}</text>`));
  // 96 cells from orange (left) to blue (right), palest in the middle
  const fills = [...svg.matchAll(/fill="rgb\((\d+),(\d+),(\d+)\)" fill-opacity="([\d.]+)"/g)];
  assert.equal(fills.length, 96);
  assert.deepEqual(fills[0].slice(1, 4).map(Number), rgbOf(THEME.neg));
  assert.deepEqual(fills[95].slice(1, 4).map(Number), rgbOf(THEME.pos));
  const alpha = fills.map((f) => Number(f[4]));
  assert.ok(alpha[47] < 0.15 && alpha[0] > 0.7 && alpha[95] > 0.7);
  assert.equal(colourBarText(bar), 'Colour scale, model’s P(y = +1): from orange at 0 to blue at 1, paler towards the middle.');
  // the picture's colours: the same function
  assert.deepEqual(diverging(1, THEME, rgbOf), [...rgbOf(THEME.pos), Math.round(255 * 0.75)]);
});

test('the colour bar on a phone-sized picture: fewer ticks, nothing clipped or overlapping', () => {
  const p = new WidePainter(170, 60);
  const bar = drawColourBar(p, { x: 40, y: 0, w: 90 }, { lo: -2.5, hi: 2.5, ticks: [-2, -1, 0, 1, 2], label: (v) => v.toFixed(2), title: 'model output f(x)', theme: THEME, rgb: rgbOf, room: [2, 168] });
  assert.ok(bar.ticks.length >= 2 && bar.ticks.length < 5, `${bar.ticks}`);
  assert.deepEqual(overlapping(bar.labels), []);
  for (const l of bar.labels) assert.ok(l.x0 >= 2 && l.x1 <= 168, `${l.text}: ${l.x0}..${l.x1}`);
});
