// painter.js -- one small drawing vocabulary with two backends, so each picture of the data and
// model view is drawn by one function onto a canvas (the page) or into SVG (its export): rect,
// line, path, circle, text and a cell grid (a heatmap). Coordinates are CSS pixels.

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const n2 = (v) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

// A canvas at its CSS size times the device pixel ratio (or `scale`), cleared to bg.
export class CanvasPainter {
  constructor(canvas, { width, height, scale } = {}) {
    const w = width ?? Math.max(50, canvas.clientWidth || 300), h = height ?? Math.max(50, canvas.clientHeight || 300);
    const s = scale ?? (globalThis.devicePixelRatio || 1);
    if (canvas.width !== Math.round(w * s)) canvas.width = Math.round(w * s);
    if (canvas.height !== Math.round(h * s)) canvas.height = Math.round(h * s);
    this.canvas = canvas;
    this.width = w;
    this.height = h;
    this.ctx = canvas.getContext('2d');
    this.ctx.setTransform(s, 0, 0, s, 0, 0);
    this.ctx.clearRect(0, 0, w, h);
  }
  rect(x, y, w, h, { fill, stroke, width = 1 } = {}) {
    const c = this.ctx;
    if (fill) { c.fillStyle = fill; c.fillRect(x, y, w, h); }
    if (stroke) { c.strokeStyle = stroke; c.lineWidth = width; c.setLineDash([]); c.strokeRect(x, y, w, h); }
  }
  line(x1, y1, x2, y2, { stroke = '#000', width = 1, dash = [] } = {}) {
    const c = this.ctx;
    c.strokeStyle = stroke; c.lineWidth = width; c.setLineDash(dash);
    c.beginPath(); c.moveTo(x1, y1); c.lineTo(x2, y2); c.stroke();
  }
  // many separate segments in one style, one stroke: xy = [x1, y1, x2, y2, ...]
  segments(xy, { stroke = '#000', width = 1 } = {}) {
    if (xy.length < 4) return;
    const c = this.ctx;
    c.strokeStyle = stroke; c.lineWidth = width; c.setLineDash([]);
    c.beginPath();
    for (let i = 0; i + 3 < xy.length; i += 4) { c.moveTo(xy[i], xy[i + 1]); c.lineTo(xy[i + 2], xy[i + 3]); }
    c.stroke();
  }
  // points: [x0, y0, x1, y1, ...]
  path(points, { stroke = '#000', width = 1, dash = [], fill = null, close = false } = {}) {
    if (points.length < 4) return;
    const c = this.ctx;
    c.beginPath();
    c.moveTo(points[0], points[1]);
    for (let i = 2; i < points.length; i += 2) c.lineTo(points[i], points[i + 1]);
    if (close) c.closePath();
    if (fill) { c.fillStyle = fill; c.fill(); }
    if (stroke) { c.strokeStyle = stroke; c.lineWidth = width; c.setLineDash(dash); c.stroke(); }
  }
  circle(x, y, r, { fill, stroke, width = 1 } = {}) {
    const c = this.ctx;
    c.beginPath(); c.arc(x, y, r, 0, 2 * Math.PI);
    if (fill) { c.fillStyle = fill; c.fill(); }
    if (stroke) { c.strokeStyle = stroke; c.lineWidth = width; c.setLineDash([]); c.stroke(); }
  }
  text(s, x, y, { size = 11, color = '#000', align = 'left', baseline = 'alphabetic', weight = 'normal', rotate = 0 } = {}) {
    const c = this.ctx;
    c.save();
    c.font = `${weight} ${size}px ${FONT}`;
    c.fillStyle = color; c.textAlign = align; c.textBaseline = baseline;
    c.translate(x, y);
    if (rotate) c.rotate(rotate);
    c.fillText(s, 0, 0);
    c.restore();
  }
  measure(s, size = 11) { this.ctx.font = `${size}px ${FONT}`; return this.ctx.measureText(s).width; }
  // A grid of nx by ny cells over (x, y, w, h), row 0 at the bottom; rgba: Uint8ClampedArray (ny*nx*4).
  // smooth: false keeps the cells square (pixels of an image, filter taps).
  cells(nx, ny, rgba, x, y, w, h, { smooth = true } = {}) {
    const off = new OffscreenCanvas(nx, ny);
    const o = off.getContext('2d');
    const img = o.createImageData(nx, ny);
    for (let j = 0; j < ny; j++) img.data.set(rgba.subarray((ny - 1 - j) * nx * 4, (ny - j) * nx * 4), j * nx * 4);
    o.putImageData(img, 0, 0);
    this.ctx.imageSmoothingEnabled = smooth;
    this.ctx.drawImage(off, x, y, w, h);
    this.ctx.imageSmoothingEnabled = true;
  }
}

// The same calls, written as SVG; toString() gives the document.
export class SvgPainter {
  constructor(width, height, { title = '', bg = null } = {}) {
    this.width = width;
    this.height = height;
    this.parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${n2(width)}" height="${n2(height)}" viewBox="0 0 ${n2(width)} ${n2(height)}" font-family="${FONT}">`];
    if (title) this.parts.push(`<title>${esc(title)}</title>`);
    if (bg) this.parts.push(`<rect width="100%" height="100%" fill="${esc(bg)}"/>`);
  }
  rect(x, y, w, h, { fill, stroke, width = 1 } = {}) {
    this.parts.push(`<rect x="${n2(x)}" y="${n2(y)}" width="${n2(w)}" height="${n2(h)}" fill="${esc(fill || 'none')}"${stroke ? ` stroke="${esc(stroke)}" stroke-width="${n2(width)}"` : ''}/>`);
  }
  line(x1, y1, x2, y2, { stroke = '#000', width = 1, dash = [] } = {}) {
    this.parts.push(`<line x1="${n2(x1)}" y1="${n2(y1)}" x2="${n2(x2)}" y2="${n2(y2)}" stroke="${esc(stroke)}" stroke-width="${n2(width)}"${dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`);
  }
  segments(xy, { stroke = '#000', width = 1 } = {}) {
    if (xy.length < 4) return;
    let d = '';
    for (let i = 0; i + 3 < xy.length; i += 4) d += `M${n2(xy[i])} ${n2(xy[i + 1])}L${n2(xy[i + 2])} ${n2(xy[i + 3])}`;
    this.parts.push(`<path d="${d}" fill="none" stroke="${esc(stroke)}" stroke-width="${n2(width)}"/>`);
  }
  path(points, { stroke = '#000', width = 1, dash = [], fill = null, close = false } = {}) {
    if (points.length < 4) return;
    let d = `M${n2(points[0])} ${n2(points[1])}`;
    for (let i = 2; i < points.length; i += 2) d += `L${n2(points[i])} ${n2(points[i + 1])}`;
    if (close) d += 'Z';
    this.parts.push(`<path d="${d}" fill="${esc(fill || 'none')}"${stroke ? ` stroke="${esc(stroke)}" stroke-width="${n2(width)}"` : ''}${dash.length ? ` stroke-dasharray="${dash.join(' ')}"` : ''} stroke-linejoin="round"/>`);
  }
  circle(x, y, r, { fill, stroke, width = 1 } = {}) {
    this.parts.push(`<circle cx="${n2(x)}" cy="${n2(y)}" r="${n2(r)}" fill="${esc(fill || 'none')}"${stroke ? ` stroke="${esc(stroke)}" stroke-width="${n2(width)}"` : ''}/>`);
  }
  text(s, x, y, { size = 11, color = '#000', align = 'left', baseline = 'alphabetic', weight = 'normal', rotate = 0 } = {}) {
    const anchor = align === 'center' ? 'middle' : align === 'right' ? 'end' : 'start';
    const dy = baseline === 'middle' ? 0.35 * size : baseline === 'top' ? 0.8 * size : 0;
    const rot = rotate ? ` rotate(${n2((rotate * 180) / Math.PI)})` : '';
    this.parts.push(`<text transform="translate(${n2(x)} ${n2(y)})${rot}" y="${n2(dy)}" font-size="${size}" font-weight="${weight}" fill="${esc(color)}" text-anchor="${anchor}">${esc(s)}</text>`);
  }
  measure(s, size = 11) { return 0.55 * size * String(s).length; }
  cells(nx, ny, rgba, x, y, w, h) {
    const cw = w / nx, ch = h / ny;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const k = 4 * (j * nx + i);
        const a = rgba[k + 3] / 255;
        if (a <= 0) continue;
        this.parts.push(`<rect x="${n2(x + i * cw)}" y="${n2(y + h - (j + 1) * ch)}" width="${n2(cw + 0.3)}" height="${n2(ch + 0.3)}" fill="rgb(${rgba[k]},${rgba[k + 1]},${rgba[k + 2]})" fill-opacity="${n2(a)}"/>`);
      }
    }
  }
  toString() { return `${this.parts.join('\n')}\n</svg>\n`; }
}

// '#rrggbb' or 'rgb(a)(...)' -> [r, g, b]
export function rgbOf(color) {
  const s = String(color).trim();
  let m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return [128, 128, 128];
}
