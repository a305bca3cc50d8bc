// trajectory.js -- the two-parameter view: the gradient-descent path (x_t, y_t) drawn over the
// contours of the training loss, with, for the product models (uv factorization, the scalar chain
// w2 w1), the minimizers xy = p* and the stable set eta kappa (x^2 + y^2) <= 2 (kappa = 1 for
// 1/2 (xy - p*)^2): the minimizers inside the disk are the ones gradient descent can settle at.
// The loss comes from the worker on a grid (lossGrid); the drawing is a plain canvas. The pure
// helpers (range, contour levels, marching squares) are exported for the unit tests.

// Segments of the level set {f = level} of a grid f (ny rows of nx values), in grid coordinates
// (i along x, j along y), by marching squares with linear interpolation along cell edges.
// Saddle cells are split by the value at the cell centre. -> flat array [i0, j0, i1, j1, ...]
export function marchingSquares(f, nx, ny, level) {
  const out = [];
  const at = (i, j) => f[j * nx + i];
  const lerp = (a, b) => (level - a) / (b - a);
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const a = at(i, j), b = at(i + 1, j), c = at(i + 1, j + 1), d = at(i, j + 1);
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const code = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      // edge points: bottom (a-b), right (b-c), top (d-c), left (a-d)
      const B = () => [i + lerp(a, b), j];
      const R = () => [i + 1, j + lerp(b, c)];
      const T = () => [i + lerp(d, c), j + 1];
      const L = () => [i, j + lerp(a, d)];
      const seg = (p, q) => out.push(p[0], p[1], q[0], q[1]);
      const centreAbove = (a + b + c + d) / 4 > level;
      switch (code) {
        case 1: case 14: seg(L(), B()); break;
        case 2: case 13: seg(B(), R()); break;
        case 3: case 12: seg(L(), R()); break;
        case 4: case 11: seg(R(), T()); break;
        case 6: case 9: seg(B(), T()); break;
        case 7: case 8: seg(L(), T()); break;
        case 5: // a and c above
          if (centreAbove) { seg(L(), T()); seg(B(), R()); } else { seg(L(), B()); seg(R(), T()); }
          break;
        case 10: // b and d above
          if (centreAbove) { seg(L(), B()); seg(R(), T()); } else { seg(L(), T()); seg(B(), R()); }
          break;
        default: break;
      }
    }
  }
  return out;
}

// Contour levels of a positive loss grid: evenly spaced in log10 between the smallest and the
// largest finite positive value, at most 4 decades deep (the minimizers have loss 0: deeper
// levels would only crowd the valley).
export function logLevels(f, count = 10) {
  let lo = Infinity, hi = -Infinity;
  for (const v of f) if (Number.isFinite(v) && v > 0) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi > lo)) return [];
  const llo = Math.max(Math.log10(lo), Math.log10(hi) - 4), lhi = Math.log10(hi);
  const out = [];
  for (let k = 1; k <= count; k++) out.push(llo + ((lhi - llo) * k) / (count + 1));
  return out;
}

// A square view centred at 0 that holds the start, the path so far, the part of the hyperbola
// near the origin and the stable disk; grows by 1.5x steps so the grid is not refetched often.
export function viewRadius(info, eta, trace, current = 0) {
  let r = Math.max(Math.abs(info.x0), Math.abs(info.y0), 0.5);
  if (info.product) {
    r = Math.max(r, 1.6 * Math.sqrt(Math.abs(info.pstar)));
    if (eta > 0 && info.kappa > 0) r = Math.max(r, 1.15 * Math.sqrt(2 / (eta * info.kappa)));
  }
  for (let k = 0; k + 2 < trace.length; k += 3) {
    const m = Math.max(Math.abs(trace[k + 1]), Math.abs(trace[k + 2]));
    if (Number.isFinite(m) && m > r) r = m;
  }
  r *= 1.12;
  if (current >= r) return current;
  let out = current > 0 ? current : r;
  while (out < r) out *= 1.5;
  return out;
}

// The loss grids of a view, one request in flight at a time, the newest wanted radius winning:
// a radius that grows while a grid is on its way is fetched when that one lands, and an answer
// that arrives after a reset (the run changed) is dropped. fetch(r) -> Promise of the grid.
export class GridFetcher {
  constructor(fetch, onGrid) {
    this.fetch = fetch;
    this.onGrid = onGrid; // (r, grid) for the newest grid of the current run
    this.epoch = 0;
    this.reset();
  }
  reset() {
    this.epoch++;
    this.have = NaN;     // radius of the grid in hand
    this.wanted = NaN;   // the newest radius asked for
    this.inFlight = false;
    this.failed = NaN;   // a radius whose request failed is not asked again (no retry storm)
  }
  want(r) {
    this.wanted = r;
    if (this.inFlight || r === this.have || r === this.failed) return;
    const epoch = this.epoch;
    this.inFlight = true;
    this.fetch(r).then((grid) => {
      if (epoch !== this.epoch) return;
      this.inFlight = false;
      this.have = r;
      this.onGrid(r, grid);
      if (this.wanted !== r) this.want(this.wanted);
    }, () => {
      if (epoch !== this.epoch) return;
      this.inFlight = false;
      this.failed = r;
      if (this.wanted !== r) this.want(this.wanted);
    });
  }
}

export class TrajectoryView {
  constructor(canvas, { requestGrid }) {
    this.canvas = canvas;
    this.requestGrid = requestGrid; // async (x0, x1, y0, y1, nx, ny) -> Float64Array
    const n = 81;
    this.grids = new GridFetcher((r) => this.requestGrid(-r, r, -r, r, n, n), (r, data) => {
      this.grid = { data, n, r };
      this.levels = logLevels(Array.from(data, (v) => (v > 0 ? v : NaN)));
      this.schedule();
    });
    this.reset(null, NaN);
    this.frame = 0;
  }

  reset(info, eta) {
    this.info = info;
    this.eta = eta;
    this.trace = [];
    this.radius = 0;
    this.grid = null;
    this.grids.reset();
    this.schedule();
  }

  setEta(eta) { this.eta = eta; this.schedule(); }
  // The flows beside GD (flow-data.js FlowData: each flow's path), drawn over the contours; or null.
  setFlows(flows) { this.flows = flows; this.schedule(); }

  append(data) {
    for (let k = 0; k < data.length; k++) this.trace.push(data[k]);
    this.schedule();
  }

  schedule() {
    if (this.frame || !this.info) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  draw() {
    const info = this.info;
    if (!info) return;
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth || 320, h = c.clientHeight || w;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const cs = getComputedStyle(c);
    const col = (n, fb) => cs.getPropertyValue(n).trim() || fb;
    const fg = col('--fg', '#222'), muted = col('--muted', '#777'), accent = col('--series-1', '#1f77b4');
    const stable = col('--stable', 'rgba(40,160,90,0.15)'), hyper = col('--series-2', '#d62728'), contour = col('--grid-strong', 'rgba(120,120,120,0.5)');
    ctx.clearRect(0, 0, w, h);

    const r = viewRadius(info, this.eta, this.trace, this.radius);
    this.radius = r;
    this.grids.want(r);

    const pad = 34, size = Math.min(w, h) - pad - 8;
    const ox = pad, oy = 8;
    const X = (x) => ox + ((x + r) / (2 * r)) * size;
    const Y = (y) => oy + size - ((y + r) / (2 * r)) * size;

    // stable disk
    if (info.product && this.eta > 0 && info.kappa > 0) {
      const R = Math.sqrt(2 / (this.eta * info.kappa));
      ctx.fillStyle = stable;
      ctx.beginPath();
      ctx.arc(X(0), Y(0), (R / (2 * r)) * size, 0, 2 * Math.PI);
      ctx.fill();
    }
    // contours
    if (this.grid && this.grid.r === r) {
      const { data, n } = this.grid;
      const logf = Float64Array.from(data, (v) => (v > 0 ? Math.log10(v) : -Infinity));
      ctx.strokeStyle = contour;
      ctx.lineWidth = 0.8;
      ctx.beginPath();
      const gx = (i) => X(-r + (2 * r * i) / (n - 1)), gy = (j) => Y(-r + (2 * r * j) / (n - 1));
      for (const level of this.levels) {
        const seg = marchingSquares(logf, n, n, level);
        for (let k = 0; k < seg.length; k += 4) { ctx.moveTo(gx(seg[k]), gy(seg[k + 1])); ctx.lineTo(gx(seg[k + 2]), gy(seg[k + 3])); }
      }
      ctx.stroke();
    }
    // axes and frame
    ctx.strokeStyle = muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(ox, oy, size, size);
    ctx.beginPath(); ctx.moveTo(X(0), oy); ctx.lineTo(X(0), oy + size); ctx.moveTo(ox, Y(0)); ctx.lineTo(ox + size, Y(0)); ctx.stroke();
    ctx.fillStyle = muted;
    ctx.font = '11px system-ui, sans-serif';
    const tick = Number(r.toPrecision(2));
    ctx.fillText(String(-tick), ox - 2, oy + size + 14 > h ? h - 2 : oy + size + 12);
    ctx.fillText(String(tick), ox + size - 18, oy + size + 12 > h ? h - 2 : oy + size + 12);
    ctx.fillText(String(tick), 2, oy + 10);
    ctx.fillText(String(-tick), 2, oy + size);
    // the axes' names outside the frame, where no contour or path covers them: the horizontal
    // one between its end ticks, the vertical one in the left margin at its middle
    const [lx, ly] = info.labels || ['x', 'y'];
    ctx.font = 'italic 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(`${lx} →`, X(0), oy + size + 14 > h ? h - 2 : oy + size + 13);
    ctx.save();
    ctx.translate(12, Y(0));
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(`${ly} →`, 0, 0);
    ctx.restore();
    ctx.textAlign = 'left';
    ctx.font = '11px system-ui, sans-serif';

    ctx.save();
    ctx.beginPath(); ctx.rect(ox, oy, size, size); ctx.clip();
    // minimizers xy = p*
    if (info.product) {
      ctx.strokeStyle = hyper;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      const p = info.pstar;
      if (Math.abs(p) < 1e-12) {
        ctx.moveTo(X(-r), Y(0)); ctx.lineTo(X(r), Y(0)); ctx.moveTo(X(0), Y(-r)); ctx.lineTo(X(0), Y(r));
      } else {
        for (const sgn of [1, -1]) {
          let first = true;
          for (let k = 0; k <= 400; k++) {
            const x = sgn * (Math.abs(p) / r) * Math.pow(r * r / Math.abs(p), k / 400); // log-spaced |x| in [|p|/r, r]
            const y = p / x;
            if (first) { ctx.moveTo(X(x), Y(y)); first = false; } else ctx.lineTo(X(x), Y(y));
          }
        }
      }
      ctx.stroke();
    }
    // the path, thinned to points at least 0.75 px apart
    const t = this.trace;
    if (t.length >= 3) {
      ctx.strokeStyle = accent;
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      let lx = X(t[1]), ly = Y(t[2]);
      ctx.moveTo(lx, ly);
      for (let k = 3; k + 2 < t.length; k += 3) {
        const px = X(t[k + 1]), py = Y(t[k + 2]);
        if (!Number.isFinite(px) || !Number.isFinite(py)) break;
        if (Math.abs(px - lx) + Math.abs(py - ly) < 0.75 && k + 5 < t.length) continue;
        ctx.lineTo(px, py); lx = px; ly = py;
      }
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.beginPath(); ctx.arc(X(t[1]), Y(t[2]), 3, 0, 2 * Math.PI); ctx.fill();
      ctx.fillStyle = accent;
      ctx.beginPath(); ctx.arc(lx, ly, 4, 0, 2 * Math.PI); ctx.fill();
      const n = t.length;
      c.setAttribute('aria-label', `Gradient descent path over the loss contours: step ${t[n - 3]} at (${fmt(t[n - 2])}, ${fmt(t[n - 1])})`);
    }
    const flowPoints = this.drawFlows(ctx, X, Y, col);
    ctx.restore();
    this.drawFlowLegend(ctx, ox, oy, size, col);
    c.dataset.flowPoints = flowPoints.join(',');
    this.drawn = (this.drawn || 0) + 1;
    c.dataset.drawn = String(this.drawn);
    c.dataset.points = String(t.length / 3);
  }
}

// The flows' paths (flow-data.js), each in its flow's colour (--flow-i), dashed beside GD's
// solid path, with a dot where each is now. -> the points drawn of each flow.
TrajectoryView.prototype.drawFlows = function drawFlows(ctx, X, Y, col) {
  const fd = this.flows;
  if (!fd) return [];
  return fd.paths.map((p, i) => {
    if (p.length < 3) return 0;
    const color = col(`--flow-${(i % 4) + 1}`, '#9467bd');
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.75;
    ctx.setLineDash([5, 3]);
    ctx.beginPath();
    let lx = X(p[1]), ly = Y(p[2]);
    ctx.moveTo(lx, ly);
    for (let k = 3; k + 2 < p.length; k += 3) {
      const px = X(p[k + 1]), py = Y(p[k + 2]);
      if (!Number.isFinite(px) || !Number.isFinite(py)) break;
      if (Math.abs(px - lx) + Math.abs(py - ly) < 0.75 && k + 5 < p.length) continue;
      ctx.lineTo(px, py); lx = px; ly = py;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.beginPath(); ctx.arc(lx, ly, 3.5, 0, 2 * Math.PI); ctx.fill();
    return p.length / 3;
  });
};

// A legend in the corner: GD's path and each flow's, in their colours.
TrajectoryView.prototype.drawFlowLegend = function drawFlowLegend(ctx, ox, oy, size, col) {
  const fd = this.flows;
  if (!fd) return;
  const items = [{ label: 'gradient descent', color: col('--series-1', '#1f77b4'), dash: [] },
    ...fd.flows.map((f, i) => ({ label: f.label, color: col(`--flow-${(i % 4) + 1}`, '#9467bd'), dash: [5, 3] }))];
  ctx.font = '11px system-ui, sans-serif';
  const wmax = Math.max(...items.map((it) => ctx.measureText(it.label).width));
  const x0 = ox + size - wmax - 30, y0 = oy + size - 8 - 13 * (items.length - 1);
  ctx.fillStyle = col('--panel', 'rgba(255,255,255,0.8)');
  ctx.globalAlpha = 0.85;
  ctx.fillRect(x0 - 4, y0 - 10, wmax + 32, 13 * items.length + 4);
  ctx.globalAlpha = 1;
  items.forEach((it, k) => {
    const y = y0 + 13 * k;
    ctx.strokeStyle = it.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(it.dash);
    ctx.beginPath(); ctx.moveTo(x0, y - 3); ctx.lineTo(x0 + 20, y - 3); ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = col('--fg', '#222');
    ctx.fillText(it.label, x0 + 24, y);
  });
};

function fmt(v) { return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : '—'; }
