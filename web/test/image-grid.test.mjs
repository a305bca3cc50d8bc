// Unit tests of the image grid's pure helpers (image-grid.js): pixels to RGBA for painter.cells
// (row 0 at the bottom), the filters' diverging scale, the class of a target, the per-class pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grayRgba, filterRgba, classOf, imageSamples, maxAbsOf } from '../js/image-grid.js';

// pixel (y, x) of an RGBA made for painter.cells, counting y from the top of the image
const at = (rgba, h, w, y, x) => Array.from(rgba.subarray(4 * ((h - 1 - y) * w + x), 4 * ((h - 1 - y) * w + x) + 4));

test('grayRgba: each image over its own range, its top row drawn on top, opaque', () => {
  // 2 x 3, order y, x: a ramp with a centred (negative) minimum
  const x = Float64Array.from([-0.5, 0, 0.5, 1, 1.5, 1.5]);
  const g = grayRgba(x, 2, 3);
  assert.equal(g.length, 2 * 3 * 4);
  assert.deepEqual(at(g, 2, 3, 0, 0), [0, 0, 0, 255]);        // the minimum is black
  assert.deepEqual(at(g, 2, 3, 1, 2), [255, 255, 255, 255]);  // the maximum white
  assert.deepEqual(at(g, 2, 3, 0, 2), [128, 128, 128, 255]);  // (0.5 + 0.5) / 2 of the range
  // painter.cells row 0 is the bottom: the image's first row is the RGBA's last row
  assert.deepEqual(Array.from(g.subarray(4 * 3, 4 * 3 + 4)), [0, 0, 0, 255]);
  // a constant image is black, not NaN; channels are averaged
  assert.deepEqual(at(grayRgba(new Float64Array(4).fill(0.3), 2, 2), 2, 2, 1, 1), [0, 0, 0, 255]);
  const two = grayRgba(Float64Array.from([0, 1, 1, 1]), 1, 2, 2);   // pixel means 0.5 and 1
  assert.deepEqual(at(two, 1, 2, 0, 0), [0, 0, 0, 255]);
  assert.deepEqual(at(two, 1, 2, 0, 1), [255, 255, 255, 255]);
});

test('filterRgba: filter f, channel 0, on one scale: white at 0, full colour at max |K|', () => {
  // K (C_out = 2, C_in = 2, 2, 2): filter 1 channel 0 is [[2, -1], [0, 4]]
  const K = new Float64Array(2 * 2 * 2 * 2);
  K.set([2, -1, 0, 4], (1 * 2 + 0) * 4);
  K.set([9, 9, 9, 9], (1 * 2 + 1) * 4);   // channel 1: not drawn
  const pos = [0, 0, 255], neg = [255, 0, 0], m = maxAbsOf(K);
  assert.equal(m, 9);
  const r = filterRgba(K, [2, 2, 2, 2], 1, 4, pos, neg);
  assert.deepEqual(at(r, 2, 2, 1, 1), [0, 0, 255, 255]);          // 4 / 4: full blue
  assert.deepEqual(at(r, 2, 2, 1, 0), [255, 255, 255, 255]);      // 0: white
  assert.deepEqual(at(r, 2, 2, 0, 0), [128, 128, 255, 255]);      // 2 / 4: half way to blue
  assert.deepEqual(at(r, 2, 2, 0, 1), [255, 191, 191, 255]);      // -1 / 4: a quarter red
  // a NaN tap is white, a zero scale does not divide by 0
  const z = filterRgba(Float64Array.from([NaN]), [1, 1, 1, 1], 0, 0, pos, neg);
  assert.deepEqual(Array.from(z), [255, 255, 255, 255]);
});

test('classOf: +-1 targets are classes[0] and classes[1], one-hot the argmax', () => {
  assert.equal(classOf([1]), 0);
  assert.equal(classOf([-1]), 1);
  assert.equal(classOf([0, 0, 1, 0]), 2);
  assert.equal(classOf([0.1, -0.1, -0.1]), 0);   // centred one-hot targets
});

test('imageSamples: up to perClass samples of each class, in the layout classes order, with names', () => {
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  const layout = { n: 9, classes: [0, 6], input: { shape: [2, 2, 1] } };
  // samples alternate +1, -1, except the first three are all +1
  const ys = [1, 1, 1, -1, 1, -1, -1, 1, -1];
  const asked = [];
  const out = imageSamples(layout, (i) => { asked.push(i); return { x: Float64Array.from([i, 0, 0, 1]), y: [ys[i]] }; }, names, 2);
  assert.equal(out.h, 2);
  assert.equal(out.w, 2);
  assert.deepEqual(out.classes.map((c) => c.name), ['T-shirt/top', 'Shirt']);
  assert.deepEqual(out.classes.map((c) => c.images.length), [2, 2]);
  assert.deepEqual(asked, [0, 1, 2, 3, 4, 5]);   // stops once every class is full
  // the second Shirt is sample 5: its first pixel (5) is the maximum, white
  assert.deepEqual(at(out.classes[1].images[1], 2, 2, 0, 0), [255, 255, 255, 255]);
  // a class with too few samples shows what there is
  const few = imageSamples({ n: 3, classes: [0, 6], input: { shape: [1, 1, 1] } }, () => ({ x: [0], y: [1] }), names, 2);
  assert.deepEqual(few.classes.map((c) => c.images.length), [2, 0]);
});
