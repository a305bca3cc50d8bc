// preset-menu.js -- the Preset menu: the page's quick starts (presets.js) and one preset per
// paper (presets.json, from the project's presets/ folder: title, what to look for, citation), in
// one list; the menu names the preset the current run is (by canonical config, from the worker),
// "Custom settings" otherwise; links and hosts name presets by id (#preset=cohen2021-eos).
import { PRESETS } from './presets.js';
import { mergeConfig } from './link.js';
import { setText } from './dom.js';

export class PresetMenu {
  // select, help: the <select> and its help <p>; validate(config) -> Promise of the worker's
  // validation; choose(preset): the user picked one
  constructor({ select, help, validate, choose }) {
    this.select = select;
    this.help = help;
    this.validate = validate;
    this.presets = PRESETS.map((p) => ({ ...p, group: 'Quick starts' }));
    this.choose = choose;
    this.canon = null; // preset id -> canonical config, once the worker has checked them
    this.loaded = Promise.resolve();
  }

  // Once the engine is ready: the papers' presets are fetched and the menu is built.
  start() {
    this.loaded = this.loadPapers();
    this.render();
    this.select.addEventListener('change', () => {
      const p = this.presets.find((q) => q.id === this.select.value);
      if (p) this.choose(p);
    });
  }

  // Show the preset whose canonical config is `current` (edited: the form no longer is one).
  sync(current, edited = false) {
    const match = this.canon && this.presets.find((p) => this.canon.get(p.id) === current);
    this.select.value = !edited && match ? match.id : 'custom';
    setText(this.help, !edited && match ? match.help : '');
  }

  // The canonical form of every preset (asked from the worker), then the menu shows current().
  async loadCanon(current) {
    this.canon = new Map();
    for (const p of this.presets) {
      try {
        const v = await this.validate(p.config);
        if (!v.problems.length) this.canon.set(p.id, v.canonical);
      } catch { /* a preset the engine refuses is simply not matched */ }
    }
    this.sync(current());
  }

  async loadPapers() {
    let json;
    try {
      const resp = await fetch(new URL('../presets.json', import.meta.url));
      if (!resp.ok) return;
      json = await resp.json();
    } catch { return; } // the quick starts remain
    const papers = (Array.isArray(json.presets) ? json.presets : []).filter((p) => p && typeof p.config === 'string' && typeof p.id === 'string');
    for (const p of papers) {
      const who = String(p.authors || '').split(',')[0].trim().split(' ').pop();
      this.presets.push({
        id: `paper:${p.id}`, group: 'Papers', config: p.config,
        name: `${String(p.title || p.id)} (${who}${p.authors && p.authors.includes(',') ? ' et al.' : ''} ${p.year || ''})`.replace(' )', ')'),
        help: [p.look_for, p.citation].filter(Boolean).join(' '),
      });
    }
    this.render();
  }

  render() {
    const opt = (value, text) => { const o = document.createElement('option'); o.value = value; o.textContent = text; return o; };
    const keep = this.select.value;
    this.select.replaceChildren(opt('custom', 'Custom settings'));
    const groups = new Map();
    for (const p of this.presets) {
      if (!groups.has(p.group)) { const g = document.createElement('optgroup'); g.label = p.group; groups.set(p.group, g); this.select.append(g); }
      groups.get(p.group).append(opt(p.id, p.name));
    }
    this.select.value = keep || 'custom';
  }

  // A preset by id: the quick starts' ids (eos, catapult, ...) and the papers' (presets.json).
  find(id) {
    return this.presets.find((p) => p.id === id || p.id === `paper:${id}`) || null;
  }
  ids() { return this.presets.map((p) => p.id.replace(/^paper:/, '')); }

  // The config a link or a host asks for: a preset (when named) with the given keys replacing its
  // own. Throws a message listing the valid presets when the id is unknown.
  async resolve(presetId, config) {
    if (!presetId) return config;
    await this.loaded;
    const p = this.find(presetId);
    if (!p) {
      const err = new Error(`preset=${presetId.slice(0, 80)}: there is no such preset. The presets are: ${this.ids().join(', ')}`);
      err.kind = 'preset';
      throw err;
    }
    return mergeConfig(p.config, config);
  }
}
