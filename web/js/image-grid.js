// image-grid.js -- the data view of image data (data=fashion_mnist): a few training samples of each
// class, as the model sees them (engine.js Run#sample, the layout's input shape), and for a CNN
// the learned first-layer filters K1 (Run#firstLayer), redrawn at the data view's rate. The
// worker prepares the pixels (imageSamples: grey RGBA per sample, rows flipped for painter.cells);
// the page draws them (drawImages, a data-view.js renderer: canvas and SVG export alike).
// Pure functions only: no DOM, no worker API.

export const PER_CLASS = 4;   // samples shown per class

// One sample x (h*w*c, order y, x, channel) as grey RGBA for painter.cells (row 0 at the bottom,
// so the image's top row is the last row here). Each image is stretched over its own range
// (a centred image has negative pixels); the channels are averaged. -> Uint8ClampedArray(h*w*4)
export function grayRgba(x, h, w, c = 1) {
  const v = new Float64Array(h * w);
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < h * w; k++) {
    let s = 0;
    for (let q = 0; q < c; q++) s += x[k * c + q];
    v[k] = s / c;
    if (v[k] < lo) lo = v[k];
    if (v[k] > hi) hi = v[k];
  }
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8ClampedArray(h * w * 4);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w; i++) {
      const g = Number.isFinite(v[y * w + i]) ? Math.round((255 * (v[y * w + i] - lo)) / span) : 0;
      // Fashion-MNIST is light garments on black: keep it so
      out.set([g, g, g, 255], 4 * ((h - 1 - y) * w + i));
    }
  }
  return out;
}

// Filter f, input channel 0, of K (C_out, C_in, kh, kw) as RGBA for painter.cells on one
// diverging scale shared by all filters (max |K| -> full colour): pos for > 0, neg for < 0, white
// at 0. pos, neg: [r, g, b]. -> Uint8ClampedArray(kh*kw*4)
export function filterRgba(K, shape, f, maxAbs, pos, neg) {
  const [, cin, kh, kw] = shape;
  const out = new Uint8ClampedArray(kh * kw * 4);
  const m = maxAbs > 0 ? maxAbs : 1;
  for (let y = 0; y < kh; y++) {
    for (let i = 0; i < kw; i++) {
      const v = K[((f * cin) * kh + y) * kw + i];
      const t = Number.isFinite(v) ? Math.min(1, Math.abs(v) / m) : 0, c = v >= 0 ? pos : neg;
      out.set([255 + t * (c[0] - 255), 255 + t * (c[1] - 255), 255 + t * (c[2] - 255), 255].map(Math.round), 4 * ((kh - 1 - y) * kw + i));
    }
  }
  return out;
}

// The class index of a target y (k entries): +-1 targets are classes[0] (y > 0) and classes[1];
// one-hot targets are their argmax.
export function classOf(y) {
  if (y.length === 1) return y[0] > 0 ? 0 : 1;
  let best = 0;
  for (let j = 1; j < y.length; j++) if (y[j] > y[best]) best = j;
  return best;
}

// The grid's data: up to perClass training samples of each class, in the order of the layout's
// classes. layout: Run#layout(); sample(i): Run#sample(false, i); names: the image file's class
// names (by Fashion-MNIST class number).
// -> { h, w, classes: [{ name, images: [Uint8ClampedArray] }] }
export function imageSamples(layout, sample, names, perClass = PER_CLASS) {
  const [h, w, c] = layout.input.shape;
  const classes = layout.classes.map((k) => ({ name: names[k] ?? `class ${k}`, images: [] }));
  let left = classes.length * perClass;
  for (let i = 0; i < layout.n && left > 0; i++) {
    const s = sample(i), cls = classes[classOf(s.y)];
    if (cls && cls.images.length < perClass) { cls.images.push(grayRgba(s.x, h, w, c)); left--; }
  }
  return { h, w, classes };
}

// The largest |K| (the filters' shared colour scale).
export function maxAbsOf(a) {
  let m = 0;
  for (const v of a) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

// The renderer (data-view.js RENDERERS.images): the grid on the left (one row per class, its name
// first), the filters on the right when the model has them (v.model.filters: { shape, data }).
export function drawImages(p, v, theme, box, rgbOf) {
  const d = v.data, f = v.model && v.model.filters;
  const gridW = f ? box.w * 0.64 : box.w;
  const rows = d.classes.length, labelW = Math.min(80, gridW * 0.36);
  const cell = Math.max(4, Math.min((box.h - 8) / rows - 3, (gridW - labelW - 8) / PER_CLASS - 3));
  d.classes.forEach((c, r) => {
    const y = box.y + 4 + r * (cell + 3);
    p.text(c.name, box.x + labelW - 6, y + cell / 2, { size: Math.min(11, Math.max(8, cell * 0.5)), color: theme.fg, align: 'right', baseline: 'middle' });
    c.images.forEach((rgba, j) => p.cells(d.w, d.h, rgba, box.x + labelW + j * (cell + 3), y, cell, cell, { smooth: false }));
  });
  if (!f) return;
  // below the figure's Export menu, which sits over the canvas's top right corner
  const [cout, , kh, kw] = f.shape, x0 = box.x + gridW + 6, w = box.x + box.w - x0, top = box.y + 36;
  const cols = Math.ceil(Math.sqrt(cout)), nrows = Math.ceil(cout / cols);
  const fc = Math.max(4, Math.min((w - 4) / cols - 4, (box.h - 90) / nrows - 4));
  p.text('first-layer filters', x0 + w / 2, top, { size: 10, color: theme.fg, align: 'center' });
  p.text(`K1: ${cout} × ${kh}×${kw}`, x0 + w / 2, top + 13, { size: 10, color: theme.muted, align: 'center' });
  const m = maxAbsOf(f.data), pos = rgbOf(theme.pos), neg = rgbOf(theme.neg);
  for (let q = 0; q < cout; q++) {
    const x = x0 + (q % cols) * (fc + 4), y = top + 22 + Math.floor(q / cols) * (fc + 4);
    p.cells(kw, kh, filterRgba(f.data, f.shape, q, m, pos, neg), x, y, fc, fc, { smooth: false });
    p.rect(x, y, fc, fc, { stroke: theme.border });
  }
  p.text(`max |K| ${m.toPrecision(2)}`, x0 + w / 2, top + 22 + nrows * (fc + 4) + 10, { size: 10, color: theme.muted, align: 'center' });
}
