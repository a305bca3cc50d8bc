// spectrum.js -- the two drawings of the spectrum figure, plain canvases: the live number line
// (where the top-k eigenvalues of the latest measurement (sharpness, eig2..eigk, lambda_min) sit
// next to the stability threshold 2/eta) and the full spectrum computed on request (every
// eigenvalue, or the SLQ density of a large model). The numbers come from spectrum-data.js.
import { inOwnTask } from './tasks.js';
import {
  summarize, readoutText, xRange, niceTicks, histogram, binsFor, logCountHeight, countTicks, logDensity,
} from './spectrum-data.js';
import { alpha } from './theme.js';

// The latest measured row: { step, eigs: [lambda_1, ...], lambdaMin, twoOverEta } or null.
export function latestSpectrum(store) {
  if (!store || !store.has('sharpness')) return null;
  const s = store.col('sharpness'), step = store.col('step'), lr = store.col('lr');
  const eigCols = store.columns.filter((c) => /^eig\d+$/.test(c)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
  const lmin = store.col('lambda_min');
  for (let i = store.n - 1; i >= 0; i--) {
    if (!Number.isFinite(s[i])) continue;
    const eigs = [s[i], ...eigCols.map((c) => store.col(c)[i])].filter(Number.isFinite);
    return { step: step[i], eigs, lambdaMin: lmin && Number.isFinite(lmin[i]) ? lmin[i] : NaN, twoOverEta: 2 / lr[i] };
  }
  return null;
}

// A canvas redrawn at most once per frame when its content is set; prepare() sizes it to the
// device pixels and clears it.
class CanvasView {
  constructor(canvas, height) {
    this.canvas = canvas;
    this.height = height; // CSS pixels when the layout gives none
    this.frame = 0;
    this.spec = null;
  }
  set(spec) {
    this.spec = spec;
    // drawn after the frame, in a task of its own (tasks.js)
    if (!this.frame) this.frame = requestAnimationFrame(() => inOwnTask(() => { this.frame = 0; this.draw(); }));
  }
  // -> { ctx, w, h, col: (css variable, fallback) -> colour }
  prepare() {
    const c = this.canvas;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth || 300, h = c.clientHeight || this.height;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const cs = getComputedStyle(c);
    return { ctx, w, h, col: (n, fb) => cs.getPropertyValue(n).trim() || fb };
  }
}

export class SpectrumView extends CanvasView {
  constructor(canvas) { super(canvas, 90); }
  draw() {
    const sp = this.spec;
    const { ctx, w, h, col } = this.prepare();
    if (!sp) return;
    const vals = [...sp.eigs, sp.twoOverEta, 0];
    if (Number.isFinite(sp.lambdaMin)) vals.push(sp.lambdaMin);
    const finite = vals.filter(Number.isFinite);
    let lo = Math.min(...finite), hi = Math.max(...finite);
    const span = hi - lo || 1;
    lo -= 0.06 * span; hi += 0.06 * span;
    const pad = 12, y0 = h - 26;
    const X = (v) => pad + ((v - lo) / (hi - lo)) * (w - 2 * pad);
    ctx.strokeStyle = col('--muted', '#777');
    ctx.fillStyle = col('--muted', '#777');
    ctx.font = '11px system-ui, sans-serif';
    ctx.beginPath(); ctx.moveTo(pad, y0); ctx.lineTo(w - pad, y0); ctx.stroke();
    // ticks: 0 and the extreme measured values, each labelled unless it would overlap another
    let end = -Infinity;
    const ticks = [...new Set([Math.min(...finite), 0, Math.max(...finite)])].sort((p, q) => p - q);
    for (const v of ticks) {
      ctx.beginPath(); ctx.moveTo(X(v), y0); ctx.lineTo(X(v), y0 + 4); ctx.stroke();
      const t = Number(v.toPrecision(3)).toString();
      const tw = ctx.measureText(t).width;
      const tx = Math.min(Math.max(X(v) - tw / 2, 0), w - tw);
      if (tx > end + 6) { ctx.fillText(t, tx, y0 + 16); end = tx + tw; }
    }
    const ref = col('--ref', '#c00');
    if (Number.isFinite(sp.twoOverEta)) {
      ctx.strokeStyle = ref; ctx.fillStyle = ref;
      ctx.setLineDash([5, 3]);
      ctx.beginPath(); ctx.moveTo(X(sp.twoOverEta), 8); ctx.lineTo(X(sp.twoOverEta), y0); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillText('2/η', Math.min(X(sp.twoOverEta) + 3, w - 24), 16);
    }
    ctx.strokeStyle = col('--series-1', '#1f77b4');
    ctx.lineWidth = 2;
    sp.eigs.forEach((v, k) => {
      const top = k === 0 ? 14 : 26;
      ctx.beginPath(); ctx.moveTo(X(v), top); ctx.lineTo(X(v), y0); ctx.stroke();
    });
    if (Number.isFinite(sp.lambdaMin)) {
      ctx.strokeStyle = col('--series-3', '#2ca02c');
      ctx.beginPath(); ctx.moveTo(X(sp.lambdaMin), 26); ctx.lineTo(X(sp.lambdaMin), y0); ctx.stroke();
    }
    ctx.lineWidth = 1;
    this.canvas.setAttribute('aria-label', `Measured Hessian eigenvalues at step ${sp.step}: ${sp.eigs.map((v) => Number(v.toPrecision(4))).join(', ')}` +
      `${Number.isFinite(sp.lambdaMin) ? `; smallest ${Number(sp.lambdaMin.toPrecision(4))}` : ''}; 2/η = ${Number(sp.twoOverEta.toPrecision(4))}`);
  }
}

// ---- the full spectrum ---------------------------------------------------------------------

// One computed spectrum (the worker's answer to 'spectrum', protocol.js) on a plain canvas:
// exact -> a histogram of every eigenvalue with log-scaled counts and a rug with one tick per
// eigenvalue; density -> the SLQ density on a log scale, filled. Both with 0 and 2/eta on the
// same axis (2/eta named at the right edge when it is far beyond the spectrum).
export class FullSpectrumView extends CanvasView {
  constructor(canvas) { super(canvas, 170); }
  draw() {
    const sp = this.spec;
    const { ctx, w, h, col } = this.prepare();
    if (!sp || (sp.mode !== 'exact' && sp.mode !== 'density')) return;
    const fg = col('--fg', '#222'), muted = col('--muted', '#777'), grid = col('--grid', 'rgba(0,0,0,0.08)');
    const ref = col('--ref', '#c00'), ink = col('--series-1', '#1f77b4');
    const s = summarize(sp);
    const [vlo, vhi] = s.method === 'exact' ? [s.smallest, s.largest] : s.support;
    const xr = xRange(vlo, vhi, s.twoOverEta);
    const L = 38, R = 10, T = 18, B = 30;
    const pw = Math.max(10, w - L - R), ph = Math.max(10, h - T - B), base = T + ph;
    const X = (v) => L + ((v - xr.lo) / (xr.hi - xr.lo)) * pw;
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    // y axis: counts (log) or density (log), with grid lines
    let Y, yTicks;
    if (s.method === 'exact') {
      const hist = histogram(sp.eigenvalues, xr.lo, xr.hi, binsFor(pw));
      const max = Math.max(...hist.counts);
      Y = (cnt) => base - logCountHeight(cnt, max) * ph;
      yTicks = countTicks(max).map((v) => [Y(v), String(v)]);
      this.gridLines(ctx, yTicks, L, pw, grid, muted);
      ctx.fillStyle = alpha(ink, 0.55);
      ctx.strokeStyle = ink;
      hist.counts.forEach((cnt, i) => {
        if (!cnt) return;
        const x0 = X(hist.lo + i * hist.width), x1 = X(hist.lo + (i + 1) * hist.width);
        const bw = Math.max(1, x1 - x0 - 1);
        ctx.fillRect(x0, Y(cnt), bw, base - Y(cnt));
        ctx.strokeRect(x0 + 0.5, Y(cnt) + 0.5, Math.max(0, bw - 1), base - Y(cnt) - 1);
      });
      // the rug: one tick per eigenvalue under the axis
      ctx.strokeStyle = fg;
      ctx.globalAlpha = 0.6;
      ctx.beginPath();
      for (const v of sp.eigenvalues) if (Number.isFinite(v)) { const px = Math.round(X(v)) + 0.5; ctx.moveTo(px, base + 2); ctx.lineTo(px, base + 8); }
      ctx.stroke();
      ctx.globalAlpha = 1;
    } else {
      const ld = logDensity(sp.density);
      Y = (lv) => base - ((lv - ld.lo) / (ld.hi - ld.lo)) * ph;
      const step = Math.max(1, Math.ceil((ld.hi - ld.lo) / 4));
      yTicks = [];
      for (let k = Math.ceil(ld.lo); k <= ld.hi; k += step) yTicks.push([Y(k), k === 0 ? '1' : `1e${k}`]);
      this.gridLines(ctx, yTicks, L, pw, grid, muted);
      ctx.beginPath();
      ctx.moveTo(X(sp.grid[0]), base);
      sp.grid.forEach((g, i) => ctx.lineTo(X(g), Y(ld.values[i])));
      ctx.lineTo(X(sp.grid[sp.grid.length - 1]), base);
      ctx.closePath();
      ctx.fillStyle = alpha(ink, 0.3);
      ctx.fill();
      ctx.strokeStyle = ink;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      sp.grid.forEach((g, i) => (i ? ctx.lineTo(X(g), Y(ld.values[i])) : ctx.moveTo(X(g), Y(ld.values[i]))));
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    ctx.fillStyle = muted;
    ctx.fillText(s.method === 'exact' ? 'eigenvalues per bin (log)' : 'density (log)', L + 2, 11);
    // x axis and its ticks
    ctx.strokeStyle = muted;
    ctx.beginPath(); ctx.moveTo(L, base + 0.5); ctx.lineTo(L + pw, base + 0.5); ctx.stroke();
    let end = -Infinity;
    for (const v of niceTicks(xr.lo, xr.hi, Math.max(2, Math.floor(pw / 70)))) {
      const px = X(v), t = Number(v.toPrecision(4)).toString(), tw = ctx.measureText(t).width;
      const tx = Math.min(Math.max(px - tw / 2, 0), w - tw);
      if (tx > end + 6) { ctx.fillText(t, tx, base + 21); end = tx + tw; }
    }
    // 0 and 2/eta
    ctx.strokeStyle = muted;
    ctx.beginPath(); ctx.moveTo(Math.round(X(0)) + 0.5, T); ctx.lineTo(Math.round(X(0)) + 0.5, base); ctx.stroke();
    ctx.strokeStyle = ref; ctx.fillStyle = ref;
    if (xr.edgeInside) {
      ctx.setLineDash([5, 3]);
      ctx.beginPath(); ctx.moveTo(X(s.twoOverEta), T - 4); ctx.lineTo(X(s.twoOverEta), base); ctx.stroke();
      ctx.setLineDash([]);
      const t = '2/η', tw = ctx.measureText(t).width;
      ctx.fillText(t, Math.min(X(s.twoOverEta) + 3, w - tw - 1), 11);
    } else if (Number.isFinite(s.twoOverEta)) {
      const t = `2/η = ${Number(s.twoOverEta.toPrecision(4))} →`, tw = ctx.measureText(t).width;
      ctx.fillText(t, w - tw - 2, 11);
    }
    this.canvas.setAttribute('aria-label', readoutText(s));
  }
  gridLines(ctx, ticks, L, pw, grid, muted) {
    ctx.strokeStyle = grid;
    ctx.fillStyle = muted;
    let last = Infinity;
    for (const [py, label] of ticks) {
      ctx.beginPath(); ctx.moveTo(L, Math.round(py) + 0.5); ctx.lineTo(L + pw, Math.round(py) + 0.5); ctx.stroke();
      if (py < last - 12) { const tw = ctx.measureText(label).width; ctx.fillText(label, L - tw - 4, py + 4); last = py; }
    }
  }
}
