// data-view.js -- "Data and model": the training points and what the model makes of them, drawn
// live from the worker's pictures (picture.js, computed from the engine's exports), plus the
// network (network-view.js). One renderer per kind of picture, each a function (painter, picture,
// theme, box) over the painter vocabulary (painter.js), so the same function draws the canvas and
// its SVG export. A new kind (an image grid, say) is one more entry in RENDERERS.
//   plane    the decision regions (blue: f > 0, orange: f < 0, paler near 0), the boundary f = 0,
//            and the points by label (test points hollow)
//   curve    the points and the fitted curve f(x)
//   scatter  regression: predictions against targets, with the diagonal; classification: the
//            margins y f(x) of every sample, sorted, with 0 (below it: misclassified)
//   matrix   the target A beside X Yᵀ on one colour scale
import { inOwnTask } from './tasks.js';
import { CanvasPainter, SvgPainter, rgbOf } from './painter.js';
import { marchingSquares } from './trajectory.js';
import { readTheme } from './theme.js';
import { tickLabel, valueRange } from './axes.js';
import { drawNetwork } from './network-view.js';
import { drawImages } from './image-grid.js';
import { COLOUR_BAR_H, diverging as divergingRgb, drawColourBar, colourBarText } from './colour-bar.js';
import { thinTicks } from './labels.js';

const REFRESH_MS = 250;   // pictures are asked for at most this often while the run moves

// Nice linear ticks over [lo, hi] (3 to 6 of them).
export function linTicks(lo, hi) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 4, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) || 10 * p;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// An axes frame in box { x, y, w, h }: ticks (those whose labels fit side by side), titles; below:
// the height kept free under the x-axis title (a colour bar); -> { X, Y, area } mapping data to pixels.
export function frame(p, box, [x0, x1], [y0, y1], { xTitle, yTitle, theme, square = false, below = 0 }) {
  const left = box.x + 40, right = box.x + box.w - 6, top = box.y + 6, bottom = box.y + box.h - 32 - below;
  let w = right - left, h = bottom - top;
  if (square) { const s = Math.min(w, h); w = s; h = s; }
  const area = { left, top, right: left + w, bottom: top + h };
  const X = (v) => left + ((v - x0) / (x1 - x0 || 1)) * w;
  const Y = (v) => top + h - ((v - y0) / (y1 - y0 || 1)) * h;
  p.rect(left, top, w, h, { stroke: theme.border });
  for (const t of thinTicks(linTicks(x0, x1), X, (v) => p.measure(tickLabel(v), 10), { gap: 5 })) {
    p.line(X(t), top + h, X(t), top + h + 4, { stroke: theme.muted });
    p.text(tickLabel(t), X(t), top + h + 15, { size: 10, color: theme.muted, align: 'center' });
  }
  for (const t of thinTicks(linTicks(y0, y1), (v) => -Y(v), () => 11, { gap: 2 })) {
    p.line(left - 4, Y(t), left, Y(t), { stroke: theme.muted });
    p.text(tickLabel(t), left - 6, Y(t), { size: 10, color: theme.muted, align: 'right', baseline: 'middle' });
  }
  // the titles, never cut by the picture's edge: moved inside it, in a smaller font when too long
  const fit = (text, room) => { const size = Math.max(8, Math.min(11, (11 * room) / (p.measure(text, 11) || 1))); return { size, w: p.measure(text, size) }; };
  if (xTitle) {
    const t = fit(xTitle, box.w - 4);
    const x = Math.max(box.x + 2 + t.w / 2, Math.min(box.x + box.w - 2 - t.w / 2, left + w / 2));
    p.text(xTitle, x, top + h + 28, { size: t.size, color: theme.muted, align: 'center' });
  }
  if (yTitle) {
    const t = fit(yTitle, box.h - 4);
    const y = Math.max(box.y + 2 + t.w / 2, Math.min(box.y + box.h - 2 - t.w / 2, top + h / 2));
    p.text(yTitle, box.x + 9, y, { size: t.size, color: theme.muted, align: 'center', baseline: 'middle', rotate: -Math.PI / 2 });
  }
  return { X, Y, area };
}

const diverging = (t, theme) => divergingRgb(t, theme, rgbOf);

// How far an output is from the boundary, in [-1, 1]: a logit through tanh(f/2) = 2 sigma(f) - 1;
// a regression output against the largest target.
const squash = (f, v) => (v.classification ? Math.tanh(f / 2) : Math.max(-1, Math.min(1, f / (v.yScale || 1))));

function drawPlane(p, v, theme, box) {
  const m = v.model, d = v.data;
  const fr = frame(p, box, [m.x0, m.x1], [m.y0, m.y1], { xTitle: 'input x₁', yTitle: 'input x₂', theme, square: true, below: COLOUR_BAR_H });
  const { X, Y, area } = fr;
  const rgba = new Uint8ClampedArray(m.nx * m.ny * 4);
  for (let k = 0; k < m.nx * m.ny; k++) rgba.set(diverging(squash(m.f[k], v), theme), 4 * k);
  p.cells(m.nx, m.ny, rgba, area.left, area.top, area.right - area.left, area.bottom - area.top);
  // the boundary f = 0, through the cell centres
  const seg = marchingSquares(m.f, m.nx, m.ny, 0);
  const gx = (i) => X(m.x0 + ((m.x1 - m.x0) * (i + 0.5)) / m.nx), gy = (j) => Y(m.y0 + ((m.y1 - m.y0) * (j + 0.5)) / m.ny);
  for (let k = 0; k < seg.length; k += 4) p.line(gx(seg[k]), gy(seg[k + 1]), gx(seg[k + 2]), gy(seg[k + 3]), { stroke: theme.fg, width: 1.4 });
  const dot = (x, y, label, hollow) => {
    const c = label >= 0 ? theme.pos : theme.neg;
    p.circle(X(x), Y(y), 3.6, hollow ? { stroke: c, width: 1.6 } : { fill: c, stroke: theme.bg, width: 1 });
  };
  for (let i = 0; i < d.test.n; i++) dot(d.test.x[2 * i], d.test.x[2 * i + 1], d.test.y[i], true);
  for (let i = 0; i < d.train.n; i++) dot(d.train.x[2 * i], d.train.x[2 * i + 1], d.train.y[i], false);
  // the colour bar, under the x-axis title: the model's P(y = +1) = sigma(f) (the colour is
  // tanh(f/2) = 2 sigma(f) - 1, linear in it), or a regression's output f against its targets' scale
  const bar = { x: area.left, y: area.bottom + 32, w: area.right - area.left };
  const opts = { theme, rgb: rgbOf, room: [box.x + 2, box.x + box.w - 2] };
  if (v.classification) return { colourBar: drawColourBar(p, bar, { ...opts, lo: 0, hi: 1, ticks: [0, 0.25, 0.5, 0.75, 1], label: tickLabel, title: 'model’s P(y = +1)' }) };
  const s = v.yScale || 1;
  return { colourBar: drawColourBar(p, bar, { ...opts, lo: -s, hi: s, ticks: linTicks(-s, s), label: tickLabel, title: 'model output f(x)' }) };
}

function drawCurve(p, v, theme, box) {
  const m = v.model, d = v.data.train;
  const [lo, hi] = valueRange(d.y, m.f);
  const pad = 0.1 * (hi - lo);
  const { X, Y } = frame(p, box, [m.x0, m.x1], [lo - pad, hi + pad], { xTitle: 'input x', yTitle: 'target y, fit f(x)', theme });
  for (let i = 0; i < d.n; i++) p.circle(X(d.x[i]), Y(d.y[i]), 3.2, { fill: theme.pos, stroke: theme.bg });
  const pts = [];
  for (let i = 0; i < m.xs.length; i++) if (Number.isFinite(m.f[i])) pts.push(X(m.xs[i]), Y(Math.max(lo - pad, Math.min(hi + pad, m.f[i]))));
  p.path(pts, { stroke: theme.neg, width: 2 });
}

function drawScatter(p, v, theme, box) {
  const d = v.data.train, f = v.model.fit;
  if (v.classification) {
    // margins y f(x), sorted: bars above 0 are classified right
    const mg = Array.from({ length: d.n }, (_, i) => d.y[i] * f[i]).filter(Number.isFinite).sort((a, b) => a - b);
    let lo = Math.min(0, ...mg), hi = Math.max(0, ...mg);
    if (!(hi > lo)) hi = lo + 1;
    const { X, Y } = frame(p, box, [0, mg.length], [lo, hi], { xTitle: 'samples, sorted by margin', yTitle: 'margin yᵢ f(xᵢ)', theme });
    mg.forEach((m, i) => p.rect(X(i) + 0.5, Math.min(Y(0), Y(m)), Math.max(1, X(i + 1) - X(i) - 1), Math.abs(Y(m) - Y(0)), { fill: m >= 0 ? theme.pos : theme.neg }));
    p.line(X(0), Y(0), X(mg.length), Y(0), { stroke: theme.fg, width: 1 });
    return;
  }
  const k = d.k;
  const [lo, hi] = valueRange(d.y, f);
  const pad = 0.05 * (hi - lo);
  const { X, Y } = frame(p, box, [lo - pad, hi + pad], [lo - pad, hi + pad], { xTitle: 'target yᵢ', yTitle: 'prediction f(xᵢ)', theme, square: true });
  p.line(X(lo - pad), Y(lo - pad), X(hi + pad), Y(hi + pad), { stroke: theme.muted, dash: [4, 3] });
  for (let i = 0; i < d.n * k; i++) if (Number.isFinite(f[i])) p.circle(X(d.y[i]), Y(f[i]), 2.4, { fill: theme.series[i % k] });
}

function drawMatrix(p, v, theme, box) {
  const { rows, cols, prod } = v.model, A = v.data.train.y;
  let mx = 0;
  for (const a of [A, prod]) for (const x of a) if (Number.isFinite(x)) mx = Math.max(mx, Math.abs(x));
  mx = mx || 1;
  const gap = 12, cw = (box.w - 3 * gap) / 2, ch = Math.max(10, Math.min(box.h - 24 - COLOUR_BAR_H, cw * (rows / cols)));
  // each title over its own matrix: the longest wording that fits its width (a phone: 'A', 'X Yᵀ')
  // on a narrow picture the right-hand title also keeps clear of the Export control in the corner
  const corner = box.w < 320 ? 26 : 0;
  const cell = (arr, x0, words, room) => {
    const title = words.find((t) => p.measure(t, 11) <= room) || words[words.length - 1];
    const rgba = new Uint8ClampedArray(rows * cols * 4);
    // row 0 of the picture is the bottom row of the grid: flip so row 0 of A is on top
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) rgba.set(diverging(arr[i * cols + j] / mx, theme), 4 * ((rows - 1 - i) * cols + j));
    p.cells(cols, rows, rgba, x0, box.y + 18, cw, ch);
    p.rect(x0, box.y + 18, cw, ch, { stroke: theme.border });
    p.text(title, x0 + room / 2, box.y + 12, { size: 11, color: theme.fg, align: 'center' });
  };
  cell(A, box.x + gap, [`target A (${rows} × ${cols})`, 'target A', 'A'], cw);
  cell(prod, box.x + 2 * gap + cw, ['the model X Yᵀ', 'model X Yᵀ', 'X Yᵀ'], cw - corner);
  const bw = Math.min(box.w - 2 * gap, 320);
  return { colourBar: drawColourBar(p, { x: box.x + (box.w - bw) / 2, y: box.y + 18 + ch + 2, w: bw }, {
    theme, rgb: rgbOf, room: [box.x + 2, box.x + box.w - 2], lo: -mx, hi: mx, ticks: linTicks(-mx, mx), label: tickLabel, title: 'entry value (both matrices)' }) };
}

export const RENDERERS = Object.freeze({
  plane: drawPlane, curve: drawCurve, scatter: drawScatter, matrix: drawMatrix,
  images: (p, v, theme, box) => drawImages(p, v, theme, box, rgbOf),
});

// The caption of a kind of picture.
export function pictureCaption(v) {
  switch (v.kind) {
    case 'plane': return v.classification
      ? 'Blue: the model says +1, orange: −1, paler near the boundary (black line, f = 0), as the colour bar’s P(y = +1) reads; dots: training points by label, rings: test points.'
      : 'Blue: f > 0, orange: f < 0, on the colour bar’s scale; the black line is f = 0; dots: training points by the sign of the target.';
    case 'curve': return 'Dots: the training data; orange line: the model’s fit f(x) now.';
    case 'scatter': return v.classification
      ? 'Each sample’s margin y f(x), sorted: blue bars are classified right, orange ones wrong.'
      : 'Each training sample’s prediction against its target; on the dashed diagonal the fit is exact.';
    case 'matrix': return 'The target matrix beside the product of the factors, on one colour scale.';
    case 'trace': return 'The two parameters’ path over the loss contours.';
    case 'images': return v.filters
      ? 'Training images of each class as the model sees them; right: the first convolution’s filters now (blue > 0, orange < 0).'
      : 'Training images of each class as the model sees them.';
    default: return '';
  }
}

// The CSV of a picture: the points and the model's outputs on them (and on the grid or curve).
export function pictureCsv(v) {
  const d = v.data && v.data.train;
  const lines = [];
  if (v.kind === 'images') {
    // the filters drawn (the images are the run's data: the Data CSV export has them)
    const f = v.model && v.model.filters;
    if (f) {
      const [co, ci, kh, kw] = f.shape;
      lines.push('filter,channel,row,col,value');
      for (let q = 0; q < co * ci * kh * kw; q++) lines.push(`${Math.floor(q / (ci * kh * kw)) + 1},${(Math.floor(q / (kh * kw)) % ci) + 1},${Math.floor(q / kw) % kh},${q % kw},${f.data[q]}`);
    }
  } else if (v.kind === 'matrix') {
    lines.push('i,j,target,model');
    for (let i = 0; i < v.model.rows; i++) for (let j = 0; j < v.model.cols; j++) lines.push(`${i},${j},${d.y[i * v.model.cols + j]},${v.model.prod[i * v.model.cols + j]}`);
  } else if (d) {
    const fit = v.model.fit || null;
    lines.push([...Array.from({ length: d.d }, (_, j) => `x${j + 1}`), ...Array.from({ length: d.k }, (_, j) => `y${j + 1}`), ...(fit ? Array.from({ length: d.k }, (_, j) => `f${j + 1}`) : [])].join(','));
    for (let i = 0; i < d.n; i++) {
      lines.push([...d.x.subarray(i * d.d, (i + 1) * d.d), ...d.y.subarray(i * d.k, (i + 1) * d.k), ...(fit ? fit.subarray(i * d.k, (i + 1) * d.k) : [])].join(','));
    }
    if (v.kind === 'curve') { lines.push('', 'x,f'); for (let i = 0; i < v.model.xs.length; i++) lines.push(`${v.model.xs[i]},${v.model.f[i]}`); }
  }
  return `${lines.join('\n')}\n`;
}

export class DataView {
  // request(type, args) -> Promise (the worker client); els: { panel, caption, pictureFig, picture,
  // pictureNote, trajFig, networkFig, network, networkNote }; exporter: chart-export.js (or null);
  // onPicture(view): every picture that arrives (tests and the embed API read them)
  constructor({ request, els, exporter = null }) {
    this.request = request;
    this.els = els;
    this.view = null;      // the latest picture (with the points of the run)
    this.info = null;
    this.asking = false;
    this.askedAt = 0;
    this.askedT = -1;
    this.frame = 0;
    this.timer = 0;
    if (exporter) {
      const titleOf = () => (this.view && this.view.kind === 'trace' ? 'Trajectory' : 'Data and model');
      els.pictureFig.prepend(exporter.menuFor({
        id: 'data', title: titleOf,
        png: (scale) => this.png('picture', scale), svg: () => this.svg('picture'), csv: () => (this.view ? pictureCsv(this.view) : ''),
      }));
      els.networkFig.prepend(exporter.menuFor({
        id: 'network', title: 'Network',
        png: (scale) => this.png('network', scale), svg: () => this.svg('network'),
        csv: () => (this.view && this.view.network ? networkCsv(this.view.network) : ''),
      }));
    }
    window.addEventListener('resize', () => this.schedule());
    // a canvas whose box changes without the window's (the layout settling, a panel opening) is
    // drawn again at its new size, not stretched
    if (typeof ResizeObserver === 'function') {
      const seen = new WeakMap();
      const ro = new ResizeObserver((entries) => {
        let changed = false;
        for (const e of entries) {
          const { width, height } = e.contentRect, was = seen.get(e.target);
          if (!was || Math.abs(was[0] - width) > 0.5 || Math.abs(was[1] - height) > 0.5) changed = true;
          seen.set(e.target, [width, height]);
        }
        if (changed) this.schedule();
      });
      ro.observe(els.picture);
      ro.observe(els.network);
    }
  }

  // A new run: its kind of picture; the first picture is asked for at once.
  startRun(info) {
    this.info = info;
    this.view = null;
    this.askedT = -1;
    const kind = info.picture ? info.picture.kind : 'scatter';
    this.els.pictureFig.hidden = kind === 'trace';
    // the page's layout gives a picture with a colour bar more height on a phone (style.css)
    if (this.els.panel) this.els.panel.dataset.kind = kind;
    this.els.trajFig.hidden = kind !== 'trace';
    this.els.caption.textContent = pictureCaption({ kind, classification: info.picture && info.picture.classification, filters: !!(info.picture && info.picture.filters) });
    this.poll(0, true);
  }

  // The run moved to step t: ask for a picture when the last one is older than REFRESH_MS.
  poll(t, force = false) {
    if (!this.info || this.asking || (!force && t === this.askedT)) return;
    // a view nobody can see (an embed without it, a hidden tab) costs the worker nothing
    const panel = this.els.picture.closest('.data-panel');
    if (!force && (document.hidden || (panel && !panel.getClientRects().length))) return;
    const wait = REFRESH_MS - (performance.now() - this.askedAt);
    if (!force && wait > 0) {
      if (!this.timer) this.timer = setTimeout(() => { this.timer = 0; this.poll(this.pendingT); }, wait);
      this.pendingT = t;
      return;
    }
    const info = this.info;
    this.asking = true;
    this.askedAt = performance.now();
    this.askedT = t;
    this.request('view', { withData: !this.view || this.view.runId !== info.runId }).then((v) => {
      this.asking = false;
      if (this.info !== info || v.runId !== info.runId) return;
      if (!v.data && this.view) v.data = this.view.data;
      v.yScale = yScale(v);
      this.view = v;
      this.schedule();
    }, () => { this.asking = false; });
  }

  schedule() {
    if (this.frame) return;
    // drawn after the frame, in a task of its own (tasks.js): not inside the frame's long task
    this.frame = requestAnimationFrame(() => inOwnTask(() => { this.frame = 0; this.draw(); }));
  }

  draw() {
    const v = this.view;
    if (!v) return;
    const theme = readTheme();
    if (v.kind !== 'trace' && !this.els.pictureFig.hidden) {
      const c = this.els.picture;
      const p = new CanvasPainter(c);
      const render = RENDERERS[v.kind];
      const drawn = (render && v.model && v.data && render(p, v, theme, { x: 0, y: 0, w: p.width, h: p.height })) || {};
      const bar = drawn.colourBar ? ` ${colourBarText(drawn.colourBar)}` : '';
      c.setAttribute('aria-label', `${pictureCaption({ ...v, filters: !!(v.model && v.model.filters) })}${bar}${v.kind === 'images' && v.data ? ` Classes: ${v.data.classes.map((q) => q.name).join(', ')}.` : ''} Step ${v.t}.`);
      // what the tests read: the colour bar drawn (its box and labels, in CSS pixels)
      if (drawn.colourBar) c.dataset.colourBar = JSON.stringify(drawn.colourBar);
      else delete c.dataset.colourBar;
      c.dataset.step = String(v.t);
      c.dataset.kind = v.kind;
      // what the tests read: the classes shown, and a fingerprint of the filters drawn
      if (v.kind === 'images' && v.data) c.dataset.classes = v.data.classes.map((q) => `${q.name}:${q.images.length}`).join('|');
      if (v.kind === 'images' && v.model && v.model.filters) c.dataset.filters = `${v.model.filters.shape.join('x')}:${v.model.filters.data.reduce((s, x, i) => s + x * (1 + (i % 7)), 0).toPrecision(12)}`;
    }
    if (v.network) {
      const c = this.els.network;
      const p = new CanvasPainter(c);
      const said = drawNetwork(p, v.network, theme, { x: 0, y: 0, w: p.width, h: p.height });
      c.setAttribute('aria-label', said.text);
      c.dataset.labels = JSON.stringify(said.labels); // the tests check that none overlaps another
      c.dataset.step = String(v.t);
      this.els.networkNote.textContent = 'Blue: positive weights, orange: negative; thicker is larger.';
    }
  }

  // The picture ('picture' or 'network') drawn again at `scale` for its PNG, or as SVG.
  png(which, scale) {
    const src = which === 'network' ? this.els.network : this.els.picture;
    const w = src.clientWidth || 320, h = src.clientHeight || 320;
    const canvas = document.createElement('canvas');
    const p = new CanvasPainter(canvas, { width: w, height: h, scale });
    const theme = readTheme();
    p.rect(0, 0, w, h, { fill: theme.bg });
    this.paint(which, p, theme, w, h);
    return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the image could not be made'))), 'image/png'));
  }

  svg(which) {
    const src = which === 'network' ? this.els.network : this.els.picture;
    const w = src.clientWidth || 320, h = src.clientHeight || 320;
    const theme = readTheme();
    const p = new SvgPainter(w, h, { title: which === 'network' ? 'The network' : pictureCaption(this.view || {}), bg: theme.bg });
    this.paint(which, p, theme, w, h);
    return p.toString();
  }

  paint(which, p, theme, w, h) {
    const v = this.view;
    if (!v) return;
    if (which === 'network') { if (v.network) drawNetwork(p, v.network, theme, { x: 0, y: 0, w, h }); return; }
    const render = RENDERERS[v.kind];
    if (render && v.model && v.data) render(p, v, theme, { x: 0, y: 0, w, h });
  }
}

// The scale of a regression's outputs: the largest |target|.
function yScale(v) {
  const d = v.data && v.data.train;
  if (!d || !d.y) return 1;
  let m = 0;
  for (const y of d.y) if (Number.isFinite(y)) m = Math.max(m, Math.abs(y));
  return m || 1;
}

function networkCsv(net) {
  const lines = ['layer,rows,cols,trained,squared_norm'];
  net.layers.forEach((L, i) => lines.push(`${i + 1},${L.rows},${L.cols},${L.trained ? 1 : 0},${L.sq}`));
  return `${lines.join('\n')}\n`;
}
