// chart-export.js -- the Export menu of every figure: PNG at 1x, 2x and 4x, SVG, and the figure's
// data as CSV. A figure gives { id, title, png(scale) -> Promise<Blob>, svg() -> string,
// csv() -> string }; for a live chart (charts.js ChartPanel) they are made here: its PNG is the
// chart drawn again at that pixel ratio (with the title and the run's config above it), its SVG
// the same picture as vector paths (chart-svg.js), its CSV the rows of every series it shows at
// full resolution, not the decimated points.
import { download, chartPng } from './export.js';
import { chartModel, svgOf } from './chart-svg.js';
import { rowRange } from './series.js';
import { readTheme } from './theme.js';
import { el } from './dom.js';

export const PNG_SCALES = Object.freeze([1, 2, 4]);

// A CSV field: numbers in shortest round-trip form, empty for NaN; text quoted when it must be.
const field = (v) => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

// The data of a chart: one row per (run, step) with a column per series the chart draws, over
// the rows of its x-range. runs: [{ label, store }]; series: the chart's series (series.js).
export function chartCsv(runs, series, { from = -Infinity, to = Infinity } = {}) {
  const lines = [['run', 'step', ...series.map((s) => s.label)].map(field).join(',')];
  for (const { label, store } of runs) {
    if (!store || !store.n) continue;
    const [a, b] = rowRange(store, from, to);
    const step = store.col('step');
    const cols = series.map((s) => {
      const c = store.col(s.col);
      return c ? (s.map ? (i) => s.map(c[i]) : (i) => c[i]) : () => NaN;
    });
    for (let i = a; i < b; i++) lines.push([label, step[i], ...cols.map((f) => f(i))].map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export class Exporter {
  // note(): the run's config (written under each image's title); say(text): the status line;
  // error(text): a message
  constructor({ note = () => '', say = () => {}, error = () => {} } = {}) {
    this.note = note;
    this.say = say;
    this.error = error;
  }

  // The Export menu of a live chart panel (charts.js).
  menu(panel) {
    return this.menuFor({
      id: panel.spec.id,
      title: () => panel.spec.title,
      png: (scale) => this.chartPngAt(panel, scale),
      svg: () => svgOf(chartModel(panel.chart, { title: panel.spec.title, note: this.note(), theme: { ...readTheme(), bg: pageBg() } })),
      csv: () => {
        const b = panel.board;
        const runs = [...b.kept.map((k, i) => ({ label: `kept ${i + 1}`, store: k.store })), ...b.overlays.map((o) => ({ label: o.label, store: o.store })),
          { label: b.overlays.length ? b.mainLabel || 'this run' : 'this run', store: b.current }];
        return chartCsv(runs, panel.spec.series, b.axis);
      },
    });
  }

  // fig: { id, title: () -> text, png(scale), svg(), csv() } -> a <details> menu.
  menuFor(fig) {
    const title = () => (typeof fig.title === 'function' ? fig.title() : fig.title);
    const menu = el('div', { class: 'export-menu' });
    const details = el('details', { class: 'export' }, el('summary', { text: 'Export', 'aria-label': `Export the ${title()} figure` }), menu);
    const item = (text, aria, run) => {
      const b = el('button', { type: 'button', text, 'aria-label': aria });
      b.addEventListener('click', async () => {
        details.open = false;
        try { this.say(await run()); } catch (e) { this.error(`The ${title()} figure could not be exported: ${e.message}`); }
      });
      menu.append(b);
    };
    for (const s of PNG_SCALES) {
      const name = s === 1 ? `${fig.id}.png` : `${fig.id}@${s}x.png`;
      item(`PNG ${s}×`, s === 1 ? `Download the ${title()} chart as PNG` : `Download the ${title()} chart as PNG at ${s}x resolution`, async () => {
        download(name, await fig.png(s));
        return `${name}: the ${title()} chart${s > 1 ? ` at ${s}× the screen's resolution` : ''}.`;
      });
    }
    item('SVG', `Download the ${title()} chart as SVG`, async () => {
      download(`${fig.id}.svg`, fig.svg(), 'image/svg+xml');
      return `${fig.id}.svg: the ${title()} chart as vector graphics.`;
    });
    item('Data CSV', `Download the data of the ${title()} chart as CSV`, async () => {
      download(`${fig.id}.csv`, fig.csv(), 'text/csv;charset=utf-8');
      return `${fig.id}.csv: every point of the ${title()} chart.`;
    });
    // close when focus or a click goes elsewhere
    details.addEventListener('focusout', (e) => { if (!details.contains(e.relatedTarget)) details.open = false; });
    return details;
  }

  // A live chart drawn again at `scale` device pixels per CSS pixel, title and config on top.
  async chartPngAt(panel, scale) {
    const src = panel.chart;
    const w = src.width, h = src.height;
    const holder = el('div', { class: 'offscreen', 'aria-hidden': 'true' });
    holder.style.cssText = ''; // CSP: the class positions it off the screen
    const canvas = el('canvas', { width: String(Math.round(w * scale)), height: String(Math.round(h * scale)) });
    holder.append(canvas);
    document.body.append(holder);
    const Chart = globalThis.Chart;
    const copy = new Chart(canvas, {
      type: 'line',
      data: { datasets: src.data.datasets.map((d) => ({ ...d })) },
      options: panel.options(panel.theme, { devicePixelRatio: scale, responsive: false }),
      plugins: src.config.plugins,
    });
    try {
      copy.resize(w, h);
      copy.options.plugins.ibpMarkers.events = src.options.plugins.ibpMarkers.events;
      copy.update('none');
      return await chartPng(canvas, panel.spec.title, this.note(), { scale });
    } finally {
      copy.destroy();
      holder.remove();
    }
  }
}

function pageBg() {
  return getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff';
}
