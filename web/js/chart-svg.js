// chart-svg.js -- a chart as SVG, for figures in papers: the same picture as the canvas (axes,
// ticks, titles, grid, every visible series, event markers, reference line, legend) as vector
// paths and text. The model is read from a drawn Chart.js chart (chartModel) and written by a pure
// function (svgOf) the node tests call directly. Text is escaped; nothing is markup but ours.

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const num = (v) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);

// The model of a drawn Chart.js chart: sizes in CSS pixels.
export function chartModel(chart, { title = '', note = '', theme }) {
  const { width, height, chartArea: a, scales: { x, y } } = chart;
  const ticks = (sc) => sc.ticks.map((t, i) => {
    const cb = sc.options.ticks && sc.options.ticks.callback;
    const label = typeof cb === 'function' ? cb.call(sc, t.value, i, sc.ticks) : t.label;
    return { px: sc.getPixelForValue(t.value), label: Array.isArray(label) ? label.join(' ') : String(label ?? '') };
  }).filter((t) => Number.isFinite(t.px));
  const series = [];
  chart.data.datasets.forEach((d, i) => {
    if (!chart.isDatasetVisible(i)) return;
    const pts = [];
    for (const p of d.data) {
      const px = x.getPixelForValue(p.x), py = y.getPixelForValue(p.y);
      if (Number.isFinite(px) && Number.isFinite(py)) pts.push([px, py]);
    }
    series.push({ label: d.label, color: d.borderColor, width: d.borderWidth || 1.5, dash: d.borderDash || [], stepped: !!d.stepped, points: pts });
  });
  const legend = [];
  if (chart.legend && chart.legend.legendItems && chart.legend.legendHitBoxes) {
    chart.legend.legendItems.forEach((it, i) => {
      const box = chart.legend.legendHitBoxes[i];
      if (box) legend.push({ text: it.text, color: it.strokeStyle, dash: it.lineDash || [], x: box.left, y: box.top, h: box.height });
    });
  }
  const mk = chart.options.plugins.ibpMarkers || {};
  const placed = chart.$ibpMarkers ? chart.$ibpMarkers.placed : [];
  return {
    width, height, title, note, theme,
    area: { left: a.left, top: a.top, right: a.right, bottom: a.bottom },
    xTicks: ticks(x), yTicks: ticks(y),
    xTitle: x.options.title && x.options.title.display ? x.options.title.text : '',
    yTitle: y.options.title && y.options.title.display ? y.options.title.text : '',
    series, legend,
    markers: placed.map((p) => ({ px: p.px, lx: p.lx, row: p.row, label: p.ev.label })),
    refY: Number.isFinite(mk.refY) && mk.refY >= y.min && mk.refY <= y.max ? y.getPixelForValue(mk.refY) : null,
  };
}

// The path of a series, stepped (the value holds until the next point) or straight.
function pathOf(points, stepped) {
  let d = '';
  points.forEach(([px, py], i) => {
    if (i === 0) { d += `M${num(px)} ${num(py)}`; return; }
    if (stepped) d += `H${num(px)}V${num(py)}`;
    else d += `L${num(px)} ${num(py)}`;
  });
  return d;
}

// model (chartModel) -> an SVG document; a title band of 44 px above the chart, as in the PNG.
export function svgOf(m) {
  const head = 44;
  const t = m.theme || {};
  const fg = t.fg || '#222', muted = t.muted || '#666', grid = t.grid || 'rgba(0,0,0,0.08)', bg = t.bg || '#ffffff';
  const a = m.area;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${num(m.width)}" height="${num(m.height + head)}" viewBox="0 0 ${num(m.width)} ${num(m.height + head)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`);
  out.push(`<title>${esc(m.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="${esc(bg)}"/>`);
  out.push(`<text x="8" y="20" font-size="14" font-weight="600" fill="${esc(fg)}">${esc(m.title)}</text>`);
  if (m.note) out.push(`<text x="8" y="36" font-size="11" font-family="ui-monospace, monospace" fill="${esc(muted)}">${esc(m.note.length > 160 ? `${m.note.slice(0, 157)}...` : m.note)}</text>`);
  out.push(`<g transform="translate(0 ${head})">`);
  out.push(`<defs><clipPath id="area"><rect x="${num(a.left)}" y="${num(a.top)}" width="${num(a.right - a.left)}" height="${num(a.bottom - a.top)}"/></clipPath></defs>`);
  // grid and ticks
  for (const k of m.xTicks) {
    out.push(`<line x1="${num(k.px)}" y1="${num(a.top)}" x2="${num(k.px)}" y2="${num(a.bottom)}" stroke="${esc(grid)}"/>`);
    out.push(`<text x="${num(k.px)}" y="${num(a.bottom + 14)}" font-size="11" text-anchor="middle" fill="${esc(muted)}">${esc(k.label)}</text>`);
  }
  for (const k of m.yTicks) {
    out.push(`<line x1="${num(a.left)}" y1="${num(k.px)}" x2="${num(a.right)}" y2="${num(k.px)}" stroke="${esc(grid)}"/>`);
    out.push(`<text x="${num(a.left - 5)}" y="${num(k.px + 4)}" font-size="11" text-anchor="end" fill="${esc(muted)}">${esc(k.label)}</text>`);
  }
  out.push(`<rect x="${num(a.left)}" y="${num(a.top)}" width="${num(a.right - a.left)}" height="${num(a.bottom - a.top)}" fill="none" stroke="${esc(grid)}"/>`);
  if (m.xTitle) out.push(`<text x="${num((a.left + a.right) / 2)}" y="${num(m.height - 4)}" font-size="12" text-anchor="middle" fill="${esc(muted)}">${esc(m.xTitle)}</text>`);
  if (m.yTitle) out.push(`<text transform="translate(12 ${num((a.top + a.bottom) / 2)}) rotate(-90)" font-size="12" text-anchor="middle" fill="${esc(muted)}">${esc(m.yTitle)}</text>`);
  // series, clipped to the plot area
  out.push('<g clip-path="url(#area)" fill="none">');
  for (const s of m.series) {
    if (s.points.length < 1) continue;
    const dash = s.dash && s.dash.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    out.push(`<path d="${pathOf(s.points, s.stepped)}" stroke="${esc(s.color)}" stroke-width="${num(s.width)}"${dash} stroke-linejoin="round"><title>${esc(s.label)}</title></path>`);
  }
  if (m.refY !== null && m.refY !== undefined) out.push(`<line x1="${num(a.left)}" y1="${num(m.refY)}" x2="${num(a.right)}" y2="${num(m.refY)}" stroke="${esc(t.ref || '#c00')}" stroke-dasharray="6 4"/>`);
  for (const k of m.markers) {
    out.push(`<line x1="${num(k.px)}" y1="${num(a.top)}" x2="${num(k.px)}" y2="${num(a.bottom)}" stroke="${esc(t.event || '#a0a')}" stroke-dasharray="3 3"/>`);
    if (k.row >= 0) out.push(`<text x="${num(k.lx)}" y="${num(a.top + 11 + 12 * k.row)}" font-size="11" fill="${esc(t.event || '#a0a')}" stroke="none">${esc(k.label)}</text>`);
  }
  out.push('</g>');
  // legend
  for (const l of m.legend) {
    const cy = l.y + l.h / 2;
    const dash = l.dash && l.dash.length ? ` stroke-dasharray="${l.dash.join(' ')}"` : '';
    out.push(`<line x1="${num(l.x)}" y1="${num(cy)}" x2="${num(l.x + 12)}" y2="${num(cy)}" stroke="${esc(l.color)}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${num(l.x + 17)}" y="${num(cy + 4)}" font-size="12" fill="${esc(fg)}">${esc(l.text)}</text>`);
  }
  out.push('</g></svg>');
  return `${out.join('\n')}\n`;
}
