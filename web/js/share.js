// share.js -- the "Share, embed, export" panel: what reproduces the run (config, seed, engine and
// build version), the export buttons, the CLI command that writes the same files, and the embed
// code builder (which charts and controls, autoplay, a step to pause at, the host origins). It
// renders from the page's state and calls back for everything else; text only, no markup.
import { buildLink, PAGE_KEYS, CONTROL_IDS, WIDGET_PAGE } from './link.js';
import { chartSpecs } from './series.js';
import { embedHeight, embedSnippet } from './embed-api.js';
import { cliCommand, reproNote, metricsJson } from './export-format.js';
import { valueOf } from './kv.js';
import { download } from './export.js';

const $ = (id) => document.getElementById(id);
const CONTROL_LABELS = { play: 'Play button', step: 'Step button', reset: 'Reset button', eta: 'η field', speed: 'Speed menu', status: 'Status line' };

function check(container, id, label, checked, onChange) {
  const wrap = document.createElement('label');
  wrap.className = 'inline';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = id;
  box.checked = checked;
  box.addEventListener('change', onChange);
  wrap.append(box, ` ${label}`);
  container.append(wrap);
  return box;
}

export class SharePanel {
  // actions: { copy(text, what), request(type, args) -> Promise (the worker client), build() -> the
  // site's build stamp, error(text) }
  constructor(actions) {
    this.actions = actions;
    this.state = null;
    this.el = {
      config: $('repro-config'), seed: $('repro-seed'), version: $('repro-version'), copyLink: $('copy-link-2'),
      csv: $('export-csv'), json: $('export-json'), params: $('export-params'), data: $('export-data'), status: $('export-status'),
      cli: $('cli-command'), copyCli: $('copy-cli'), cliNote: $('cli-note'),
      charts: $('embed-charts'), controls: $('embed-controls'), autoplay: $('embed-autoplay'), limit: $('embed-limit'),
      limitError: $('embed-limit-error'), origin: $('embed-origin'), originError: $('embed-origin-error'),
      code: $('embed-code'), copyEmbed: $('copy-embed'),
    };
    this.chartChoice = new Map();  // id -> checked, remembered across runs
    this.chartKey = '';
    this.controlBoxes = CONTROL_IDS.map((c) => check(this.el.controls, c, CONTROL_LABELS[c], ['play', 'step', 'reset', 'status'].includes(c), () => this.renderEmbed()));
    const e = this.el;
    e.copyLink.addEventListener('click', () => actions.copy(location.href, 'link'));
    e.copyCli.addEventListener('click', () => actions.copy(e.cli.textContent, 'command'));
    e.copyEmbed.addEventListener('click', () => actions.copy(e.code.value, 'embed code'));
    e.csv.addEventListener('click', () => this.exporting('the metrics CSV', async () => {
      const ex = await actions.request('exportCsv');
      download('metrics.csv', ex.csv, 'text/csv;charset=utf-8');
      return `metrics.csv: ${ex.csv.length} bytes, steps 0 to ${ex.lastStep}${ex.truncated ? ' (the page keeps 64 MiB of rows: the CLI writes the rest)' : ''}.`;
    }));
    e.json.addEventListener('click', () => this.exporting('the metrics JSON', async () => {
      const ex = await actions.request('exportCsv');
      const json = metricsJson(ex, actions.build());
      download('metrics.json', json, 'application/json');
      return `metrics.json: ${json.length} bytes, steps 0 to ${ex.lastStep}.`;
    }));
    e.params.addEventListener('click', () => this.exporting('the parameters', async () => {
      const r = await actions.request('paramsJson');
      download('params.json', r.text, 'application/json');
      return `params.json: the parameters at step ${r.t}.`;
    }));
    e.data.addEventListener('click', () => this.exporting('the training data', async () => {
      const r = await actions.request('dataCsv', { test: false });
      download('data.csv', r.text, 'text/csv;charset=utf-8');
      return `data.csv: the training set (${r.text.split('\n').length - 2} samples), as \`ibp data\` writes it.`;
    }));
    for (const input of [e.autoplay, e.limit, e.origin]) input.addEventListener(input.type === 'checkbox' ? 'change' : 'input', () => this.renderEmbed());
  }

  setStatus(text) { this.el.status.textContent = text; }

  // Run an export, saying what happens in the status line; failures become messages.
  async exporting(what, fn) {
    if (!this.state || !this.state.info) return;
    this.setStatus(`Preparing ${what}…`);
    try {
      this.setStatus(await fn());
    } catch (err) {
      this.setStatus('');
      if (err.kind !== 'crash') this.actions.error(`${what} could not be exported: ${err.message}`);
    }
  }

  // state: { info, status, version, build, handEdits, files: { data, init } }
  update(state) {
    this.state = state;
    const { info } = state;
    const e = this.el;
    const have = !!info;
    for (const b of [e.csv, e.json, e.params, e.copyCli, e.copyEmbed]) b.disabled = !have;
    e.data.disabled = !have || !info.columns || !['linear', 'mlp'].includes(valueOf(info.full, 'model'));
    e.config.textContent = have ? info.canonical || '(the engine defaults)' : '—';
    e.seed.textContent = have ? valueOf(info.full, 'seed') ?? '0' : '—';
    e.version.textContent = `engine ${state.version || '?'}${state.build ? `, build ${state.build}` : ''}, link v=${PAGE_KEYS.v.def}`;
    if (have) {
      const usesData = valueOf(info.full, 'data') === 'csv', usesInit = valueOf(info.full, 'init') === 'file';
      e.cli.textContent = cliCommand(info.canonical, { dataFile: usesData ? 'data.csv' : null, initFile: usesInit ? 'init.json' : null });
      const files = [usesData && 'data.csv (the data file you imported)', usesInit && 'init.json (the parameters file you imported)'].filter(Boolean);
      e.cliNote.textContent = `${reproNote(state.status, state.handEdits)}${files.length ? ` It reads ${files.join(' and ')}.` : ''} Run it from the repository root after scripts/build native.`;
    }
    this.renderCharts();
    this.renderEmbed();
  }

  // The charts this run has (and the two views when it has them), as checkboxes.
  available() {
    const info = this.state && this.state.info;
    if (!info) return [];
    const list = chartSpecs(info.columns).map((s) => ({ id: s.id, title: s.title }));
    if (info.twoParam) list.unshift({ id: 'traj', title: 'Trajectory' });
    if (info.columns.includes('sharpness')) list.push({ id: 'spectrum', title: 'Spectrum' });
    return list;
  }

  renderCharts() {
    const list = this.available();
    const key = list.map((c) => c.id).join(',');
    if (key === this.chartKey) return;
    this.chartKey = key;
    this.el.charts.replaceChildren();
    for (const c of list) {
      const on = this.chartChoice.has(c.id) ? this.chartChoice.get(c.id) : ['loss', 'sharpness', 'traj'].includes(c.id);
      check(this.el.charts, c.id, c.title, on, (ev) => { this.chartChoice.set(c.id, ev.target.checked); this.renderEmbed(); });
    }
  }

  // The embed link and snippet; invalid inputs are explained next to them and leave the last
  // good snippet in place (nothing typed is lost).
  renderEmbed() {
    const e = this.el;
    const info = this.state && this.state.info;
    if (!info) { e.code.value = ''; return; }
    const charts = [...e.charts.querySelectorAll('input:checked')].map((b) => b.value);
    const controls = this.controlBoxes.filter((b) => b.checked).map((b) => b.value);
    const keys = { embed: 1, charts: charts.length ? charts : ['loss'], controls, autoplay: e.autoplay.checked ? 1 : 0 };
    const problem = (input, errEl, key, text) => {
      errEl.hidden = true;
      input.removeAttribute('aria-invalid');
      if (text.trim() === '') return true;
      try {
        keys[key] = PAGE_KEYS[key].parse(text.trim());
        return true;
      } catch (err) {
        errEl.textContent = err.message;
        errEl.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        return false;
      }
    };
    const ok = problem(e.limit, e.limitError, 'limit', e.limit.value) & problem(e.origin, e.originError, 'origin', e.origin.value);
    if (!ok) { e.copyEmbed.disabled = true; return; }
    e.copyEmbed.disabled = false;
    const speed = this.state.speed;
    if (speed !== undefined) keys.speed = speed;
    // the widget page (embed.html, next to this one): the one page other sites may frame
    const url = `${new URL(WIDGET_PAGE, location.href).href}${buildLink(info.canonical, keys)}`;
    const height = embedHeight({ charts: keys.charts, controls, twoParam: !!info.twoParam, spectrum: info.columns.includes('sharpness') });
    e.code.value = embedSnippet(url, { height, title: `Implicit Bias Playground: ${info.canonical || 'engine defaults'}`.slice(0, 200) });
  }
}
