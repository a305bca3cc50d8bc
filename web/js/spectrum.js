// spectrum.js -- the spectrum view: where the measured Hessian eigenvalues of the latest
// measurement sit on the real line, next to the stability threshold 2/eta. Today the engine
// measures the top-k eigenvalues (sharpness, eig2..eigk) and optionally lambda_min; when it
// exports a full spectrum or an SLQ density, this view is where it goes.

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

export class SpectrumView {
  constructor(canvas) {
    this.canvas = canvas;
    this.frame = 0;
    this.spec = null;
  }
  set(spec) {
    this.spec = spec;
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }
  draw() {
    const c = this.canvas, sp = this.spec;
    const dpr = globalThis.devicePixelRatio || 1;
    const w = c.clientWidth || 300, h = c.clientHeight || 90;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!sp) return;
    const cs = getComputedStyle(c);
    const col = (n, fb) => cs.getPropertyValue(n).trim() || fb;
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
    c.setAttribute('aria-label', `Measured Hessian eigenvalues at step ${sp.step}: ${sp.eigs.map((v) => Number(v.toPrecision(4))).join(', ')}` +
      `${Number.isFinite(sp.lambdaMin) ? `; smallest ${Number(sp.lambdaMin.toPrecision(4))}` : ''}; 2/η = ${Number(sp.twoOverEta.toPrecision(4))}`);
  }
}
