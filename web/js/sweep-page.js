// sweep-page.js -- the composition root of sweep.html: the grid editor (a base config and one or
// two keys with their grids), the pool of sweep workers (one per core), progress and cancel, the
// plot (line plot or heatmap, sweep-plot.js) with the theory lines of a paper's figure, the table
// of cells, and links that open any cell in the playground. Nothing is computed here: the workers
// check the grid with the engine, time a probe, and run the cells.
//
// The page's link: #base=<config>&vary=<key=grid>[&vary=<key=grid>]&y=<fields>&view=heatmap|lines
// &xlog=1&ylog=1, or #preset=<id>&panel=<k> for a paper's sweep; run=1 starts it on load;
// workers=N sets the number of workers (default: navigator.hardwareConcurrency).
import { SweepPool, runSweep, SweepRefused } from './sweep-pool.js';
import { SweepPlot, readSweepTheme, fieldValue } from './sweep-plot.js';
import { Messages } from './status.js';
import { setText } from './dom.js';
import { fmt, formatDuration } from './format.js';
import { pairOf } from './kv.js';
import { initPwa } from './pwa.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('sw-form'), preset: $('sw-preset'), presetHelp: $('sw-preset-help'), base: $('sw-base'),
  key1: $('sw-key1'), grid1: $('sw-grid1'), key2: $('sw-key2'), grid2: $('sw-grid2'), keys: $('sw-keys'),
  y: $('sw-y'), view: $('sw-view'), xlog: $('sw-xlog'), ylog: $('sw-ylog'), run: $('sw-run'), cancel: $('sw-cancel'),
  progress: $('sw-progress'), progressText: $('sw-progress-text'), estimate: $('sw-estimate'), regimes: $('sw-regimes'),
  plot: $('sw-plot'), plotTitle: $('sw-plot-title'), hover: $('sw-hover'), table: $('sw-table'), cli: $('sw-cli'),
  version: $('sw-version'),
};
const messages = new Messages($('sw-messages'), ui.progressText);
const PLAYGROUND = new URL('../index.html', import.meta.url);
const DEFAULT = {
  base: 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&steps=300&ntk=1&measure=0',
  vary: ['lr_rel=lin:0.5:4.5:17'], y: 'lambda_ratio',
};

// workers=N in the link sets the pool size (for measuring how a sweep scales); default one per core
const asked = Number(new URLSearchParams(location.hash.slice(1)).get('workers'));
const validWorkers = Number.isInteger(asked) && asked >= 1 && asked <= 16; // else a notice (readLink)
const page = {
  pool: new SweepPool(validWorkers ? { size: asked } : {}),
  presets: [],
  panel: null,          // the preset panel the form was filled from: its labels, lines, bands
  plan: null, results: [], spec: null,
  group: 0, running: false, t0: 0,
  rows: [],             // table rows by cell
  frame: 0,
  fields: [],           // the engine's summary fields (ibp_summary_fields)
  names: null,          // the engine's names of regimes and fields (names.js), once it is loaded
};
// Labels, regimes: the engine's names (they exist once the pool is ready; the page draws only then).
const fieldLabel = (f) => (page.names ? page.names.fieldLabel(f) : f);
const plot = new SweepPlot(ui.plot, { onPick: openCell, onHover: showHover });

// ---- the form ----------------------------------------------------------------------------------

function varyList() {
  const out = [];
  for (const [k, g] of [[ui.key1, ui.grid1], [ui.key2, ui.grid2]]) {
    const key = k.value.trim(), grid = g.value.trim();
    if (key || grid) out.push(`${key}=${grid}`);
  }
  return out;
}

function setVary(list) {
  const pairs = [...list, '', ''].slice(0, 2).map(pairOf);
  [ui.key1.value, ui.grid1.value] = pairs[0];
  [ui.key2.value, ui.grid2.value] = pairs[1];
}

// y = one summary field or several, comma-separated: only the engine's fields (ibp_summary_fields)
// are shown, so a link cannot put its own text in the menu or the plot's title.
function yFields(value) {
  const list = String(value).split(',');
  return list.length <= 4 && list.every((f) => page.fields.includes(f)) ? list : null;
}

// -> true when the menu offers `value` (an option is added for a valid list of fields).
function ensureYOption(value) {
  if ([...ui.y.options].some((o) => o.value === value)) return true;
  if (!yFields(value)) return false;
  const o = document.createElement('option');
  o.value = value;
  o.textContent = value.split(',').map(fieldLabel).join(' and ');
  ui.y.append(o);
  return true;
}

// The plot's description: from the form, plus the paper panel's labels and theory lines while
// the form still sweeps that panel's keys.
function specOf(plan) {
  const y = ui.y.value.split(',').filter(Boolean);
  const keys = plan ? plan.keys : varyList().map((v) => pairOf(v)[0]);
  const p = page.panel && samePanelKeys(page.panel, keys) ? page.panel : null;
  return {
    y, field: y[0] || 'regime', view: ui.view.value, xLog: ui.xlog.checked, yLog: ui.ylog.checked,
    xKey: p?.x_key, seriesKey: ui.view.value === 'lines' ? p?.series_key : undefined,
    xScale: p?.x_scale, xLabel: p?.x_label, yLabel: p?.y_label,
    lines: p ? p.lines || [] : genericLines(keys, y), bands: p ? p.bands || null : null,
  };
}

function samePanelKeys(panel, keys) {
  const pk = panel.vary.map((v) => pairOf(v)[0]);
  return pk.length === keys.length && pk.every((k) => keys.includes(k));
}

// Reference lines that hold for any sweep of these fields.
function genericLines(keys, y) {
  const lines = [];
  if (y.includes('eta_s_final')) lines.push({ y: 2, label: 'η S = 2' });
  if (y.includes('lambda_ratio')) lines.push({ y: 1 });
  if (keys[0] === 'lr_rel') lines.push({ at: 2, label: 'lr_rel = 2 (η = 2/ref)' });
  return lines;
}

function fillFromPanel(value) {
  page.panel = null;
  setText(ui.presetHelp, '');
  if (!value) return;
  const [id, k] = value.split(':');
  const preset = page.presets.find((p) => p.id === id);
  const panel = preset && preset.panels[Number(k)];
  if (!panel || panel.kind !== 'sweep') return;
  page.panel = panel;
  ui.base.value = panel.base;
  setVary(panel.vary);
  const y = (Array.isArray(panel.y) ? panel.y : [panel.y]).join(',');
  if (ensureYOption(y)) ui.y.value = y;
  ui.xlog.checked = !!panel.x_log;
  ui.ylog.checked = !!panel.y_log;
  ui.view.value = panel.series_key ? 'lines' : 'heatmap';
  setText(ui.presetHelp, `${preset.title} (${preset.authors.split(',')[0].trim().split(' ').pop()} et al. ${preset.year}). ${preset.look_for}`);
}

// ---- the link ------------------------------------------------------------------------------------

function readLink() {
  const params = new URLSearchParams(location.hash.slice(1));
  const preset = params.get('preset'), panel = params.get('panel');
  if (preset) {
    const value = `${preset}:${panel ?? firstSweep(preset)}`;
    if ([...ui.preset.options].some((o) => o.value === value)) { ui.preset.value = value; fillFromPanel(value); }
    else messages.show(`The link names the preset "${preset.slice(0, 60)}"${panel ? `, panel ${panel.slice(0, 8)}` : ''}, which has no sweep here: the default sweep is shown instead.`, 'warn', { id: 'link' });
  } else if (params.has('base') || params.has('vary')) {
    ui.base.value = params.get('base') ?? '';
    setVary(params.getAll('vary'));
  }
  const y = params.get('y');
  if (y && ensureYOption(y)) ui.y.value = y;
  else if (y) {
    messages.show(`The link asks to show y=${y.slice(0, 60)}${y.length > 60 ? '…' : ''}, which is not a summary field of the engine; it shows ${fieldLabel(ui.y.value)} instead. The fields are: ${page.fields.join(', ')}.`, 'warn', { id: 'link-y' });
  }
  const w = params.get('workers');
  if (w !== null && !validWorkers) {
    messages.show(`The link asks for workers=${w.slice(0, 20)}${w.length > 20 ? '…' : ''}, which is not a number of workers from 1 to 16; the page uses ${page.pool.size} (one per core) instead.`, 'warn', { id: 'link-workers' });
  }
  if (params.get('view') === 'lines' || params.get('view') === 'heatmap') ui.view.value = params.get('view');
  if (params.get('xlog')) ui.xlog.checked = params.get('xlog') === '1';
  if (params.get('ylog')) ui.ylog.checked = params.get('ylog') === '1';
  return params.get('run') === '1';
}

function firstSweep(id) {
  const p = page.presets.find((q) => q.id === id);
  const k = p ? p.panels.findIndex((x) => x.kind === 'sweep') : -1;
  return k < 0 ? 0 : k;
}

function writeLink() {
  const p = new URLSearchParams();
  if (ui.preset.value && page.panel && ui.base.value === page.panel.base && varyList().join('|') === page.panel.vary.join('|')) {
    const [id, k] = ui.preset.value.split(':');
    p.set('preset', id); p.set('panel', k);
  } else {
    p.set('base', ui.base.value.trim());
    for (const v of varyList()) p.append('vary', v);
  }
  p.set('y', ui.y.value);
  p.set('view', ui.view.value);
  if (ui.xlog.checked) p.set('xlog', '1');
  if (ui.ylog.checked) p.set('ylog', '1');
  if (validWorkers) p.set('workers', String(asked));
  history.replaceState(null, '', `#${p.toString()}`);
}

// ---- running ---------------------------------------------------------------------------------

function setRunning(on) {
  page.running = on;
  ui.run.disabled = on;
  ui.cancel.disabled = !on;
  ui.form.setAttribute('aria-busy', on ? 'true' : 'false');
}

// keep: ids of messages that stay (a link's warnings, when the link starts the sweep)
async function start(keep = []) {
  if (page.running) return;
  messages.clearAll(keep);
  const base = ui.base.value.trim();
  const vary = varyList();
  writeLink();
  setRunning(true);
  // on a phone the results are below the form: bring the progress bar into view
  if (matchMedia('(max-width: 820px)').matches) ui.progress.scrollIntoView({ block: 'start' });
  const group = ++page.group;
  page.t0 = performance.now();
  ui.progress.value = 0;
  setText(ui.progressText, 'checking every cell with the engine…');
  setText(ui.estimate, '');
  try {
    const out = await runSweep(page.pool, { base, vary }, {
      group,
      onPlan: (plan, est) => begin(plan, est, base),
      onCell: (res) => cellDone(res),
    });
    if (group !== page.group) return;
    const sum = out.results.reduce((s, r) => s + (Number.isFinite(r.ms) ? r.ms : 0), 0);
    setText(ui.progressText, `${out.plan.cells} cells in ${formatDuration(out.wallMs / 1000)} with ${page.pool.size} worker${page.pool.size > 1 ? 's' : ''} (the cells took ${formatDuration(sum / 1000)} in all)`);
    ui.progressText.dataset.state = 'done';
    ui.progressText.dataset.wallMs = String(Math.round(out.wallMs));
  } catch (e) {
    if (group !== page.group) return;
    if (e.kind === 'aborted') return; // cancel() has said it
    ui.progressText.dataset.state = 'refused';
    if (e instanceof SweepRefused) {
      messages.show(e.message, 'error', { id: 'refused' });
      setText(ui.progressText, `refused: ${e.plan.cells} cells, estimated ${formatDuration(e.estimate.seconds)}`);
    } else {
      messages.show(`The sweep was not started: ${e.message}`, 'error', { id: 'refused' });
      setText(ui.progressText, 'not started');
    }
  } finally {
    if (group === page.group) setRunning(false);
  }
}

function cancel() {
  if (!page.running) return;
  page.pool.cancel(page.group);
  page.group++;
  setRunning(false);
  const done = page.results.filter(Boolean).length;
  const total = page.plan ? page.plan.cells : 0;
  setText(ui.progressText, total ? `cancelled after ${done} of ${total} cells` : 'cancelled');
  ui.progressText.dataset.state = 'cancelled';
  renderSoon();
}

function begin(plan, est, base) {
  page.plan = plan;
  page.results = new Array(plan.cells).fill(null);
  page.spec = specOf(plan);
  ui.progress.max = plan.cells;
  ui.progress.value = 0;
  ui.progressText.dataset.state = 'running';
  setText(ui.progressText, `0 of ${plan.cells} cells`);
  setText(ui.estimate, `${plan.cells} cells of up to ${est.stepsTotal} steps, estimated ${formatDuration(est.seconds)} with ${page.pool.size} worker${page.pool.size > 1 ? 's' : ''} (timed on ${est.probed} steps of the first cell: ${fmt(est.msPerStep, 3)} ms a step).`);
  setText(ui.cli, `ibp sweep '${base}' ${plan.specs.map((s) => `--vary ${s}`).join(' ')} --out sweep.csv`);
  buildTable(plan);
  renderSoon();
}

function cellDone(res) {
  if (!page.plan) return;
  page.results[res.cell] = res;
  const done = page.results.filter(Boolean).length;
  ui.progress.value = done;
  setText(ui.progressText, `${done} of ${page.plan.cells} cells · ${formatDuration((performance.now() - page.t0) / 1000)}`);
  fillRow(res);
  renderSoon();
}

// ---- drawing ---------------------------------------------------------------------------------

function renderSoon() {
  if (page.frame) return;
  page.frame = requestAnimationFrame(() => { page.frame = 0; render(); });
}

function render() {
  if (!page.plan) return;
  page.spec = specOf(page.plan);
  const s = page.spec;
  setText(ui.plotTitle, `${s.y.map(fieldLabel).join(', ') || 'regime'} over ${page.plan.keys.join(' × ')}`);
  plot.render(s, page.plan, page.results, readSweepTheme(page.names));
  renderRegimes();
}

function renderRegimes() {
  ui.regimes.replaceChildren();
  for (const g of page.names.regimeCounts(page.results)) {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch ${g.id}`;
    sw.setAttribute('aria-hidden', 'true');
    const t = document.createElement('span');
    t.textContent = `${g.label}: ${g.count}`;
    li.title = g.help;
    li.dataset.regime = g.id;
    li.append(sw, t);
    ui.regimes.append(li);
  }
}

function linkOf(res) {
  if (!res || !res.canonical) return null;
  const u = new URL(PLAYGROUND);
  u.hash = `v=1&${res.canonical}`;
  return u.href;
}

function openCell(cell) {
  const url = linkOf(page.results[cell]);
  if (url) window.open(url, '_blank', 'noopener');
}

function showHover(cell) {
  const r = cell === null ? null : page.results[cell];
  if (cell === null || !page.plan) { setText(ui.hover, ''); return; }
  const vals = page.plan.keys.map((k, i) => `${k} = ${page.plan.values[i][page.plan.index[cell][i]]}`).join(', ');
  if (!r) { setText(ui.hover, `cell ${cell}: ${vals} (not run yet)`); return; }
  const ys = page.spec.y.filter((f) => f !== 'regime').map((f) => `${fieldLabel(f)} = ${fmt(fieldValue(r, f, page.names))}`);
  setText(ui.hover, `cell ${cell}: ${vals} · ${page.names.regimeOf(r.regime).label}${ys.length ? ` · ${ys.join(' · ')}` : ''}${r.canonical ? ' · click to open in the playground' : ` · ${r.message}`}`);
}

// ---- the table -------------------------------------------------------------------------------

function tableFields() {
  const y = ui.y.value.split(',').filter((f) => f && f !== 'regime');
  return [...new Set([...y, 'final_loss', 'eta_s_final', 'lambda_ratio'])].slice(0, 4);
}

function buildTable(plan) {
  const fields = tableFields();
  page.tableFields = fields;
  const thead = document.createElement('thead');
  const hr = document.createElement('tr');
  for (const h of ['cell', ...plan.keys, 'regime', ...fields.map(fieldLabel), 'message', 'playground']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    hr.append(th);
  }
  thead.append(hr);
  const tbody = document.createElement('tbody');
  page.rows = [];
  for (let c = 0; c < plan.cells; c++) {
    const tr = document.createElement('tr');
    tr.dataset.cell = String(c);
    const vals = plan.index[c].map((i, k) => plan.values[k][i]);
    const cells = [String(c), ...vals, '…', ...fields.map(() => ''), '', ''];
    cells.forEach((t, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.scope = 'row';
      if (i > plan.keys.length + 1 && i <= plan.keys.length + 1 + fields.length) td.className = 'num';
      td.textContent = t;
      tr.append(td);
    });
    tbody.append(tr);
    page.rows.push(tr);
  }
  ui.table.replaceChildren(thead, tbody);
}

function fillRow(res) {
  const tr = page.rows[res.cell];
  if (!tr) return;
  const k = page.plan.keys.length;
  const tds = tr.children;
  tds[k + 1].textContent = page.names.regimeOf(res.regime).label;
  tr.dataset.regime = res.regime;
  page.tableFields.forEach((f, i) => { tds[k + 2 + i].textContent = fmt(fieldValue(res, f, page.names)); });
  tds[k + 2 + page.tableFields.length].textContent = res.message || '';
  const url = linkOf(res);
  const td = tds[k + 3 + page.tableFields.length];
  td.replaceChildren();
  if (url) {
    const a = document.createElement('a');
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = 'open';
    a.setAttribute('aria-label', `Open cell ${res.cell} in the playground`);
    td.append(a);
  }
}

// ---- wiring ----------------------------------------------------------------------------------

async function loadPresets() {
  try {
    const resp = await fetch(new URL('../presets.json', import.meta.url));
    if (!resp.ok) return;
    const json = await resp.json();
    page.presets = Array.isArray(json.presets) ? json.presets.filter((p) => p && Array.isArray(p.panels)) : [];
  } catch { page.presets = []; }
  for (const p of page.presets) {
    p.panels.forEach((panel, k) => {
      if (panel.kind !== 'sweep' || !Array.isArray(panel.vary)) return;
      const o = document.createElement('option');
      o.value = `${p.id}:${k}`;
      o.textContent = `${p.title}: ${panel.title}`;
      ui.preset.append(o);
    });
  }
}

function fillFields(fields) {
  ui.y.replaceChildren();
  for (const f of fields) {
    const o = document.createElement('option');
    o.value = f;
    o.textContent = f === 'regime' ? 'regime (colours only)' : fieldLabel(f);
    ui.y.append(o);
  }
}

// The engine's keys (from the module's schema), offered as suggestions in the key inputs.
function fillKeys(keys) {
  for (const k of keys) { const o = document.createElement('option'); o.value = k; ui.keys.append(o); }
}

async function init() {
  ui.form.addEventListener('submit', (e) => { e.preventDefault(); start(); });
  ui.cancel.addEventListener('click', cancel);
  ui.preset.addEventListener('change', () => fillFromPanel(ui.preset.value));
  for (const el of [ui.y, ui.view, ui.xlog, ui.ylog]) el.addEventListener('change', () => { if (page.plan) { writeLink(); renderSoon(); } });
  const mq = matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', renderSoon);
  window.addEventListener('resize', renderSoon);
  ui.base.value = DEFAULT.base;
  setVary(DEFAULT.vary);
  let info;
  try {
    [info] = await Promise.all([page.pool.ready(), loadPresets()]);
  } catch (e) {
    messages.show(`The engine could not be loaded: ${e.message}. Reload the page to try again.`, 'error', { id: 'fatal' });
    setText(ui.version, 'the engine could not be loaded');
    return;
  }
  setText(ui.version, `engine ${info.version} · ${page.pool.size} worker${page.pool.size > 1 ? 's' : ''} (one per core)`);
  page.fields = info.fields.slice();
  page.names = info.names;
  fillFields(info.fields);
  ui.y.value = DEFAULT.y;
  fillKeys(info.keys || []);
  const autorun = readLink();
  ui.run.disabled = false;
  if (autorun) start(['link', 'link-y', 'link-workers']);
}

initPwa();
init();
