// Every preset of presets/presets.json is a valid engine config (the CLI accepts it) and every
// chart series it names is a metric column of the runs it draws; sweep grids and summary fields
// exist; each paper of science.md has exactly one preset with its citation and arXiv id.
// usage: node tests/presets.mjs WASM_BUILD_DIR
import { readFileSync } from 'node:fs';
import { loadIbp } from '../web/js/wasm-loader.js';
import { Run, Images, canonical } from '../web/js/engine.js';

const [wasmDir] = process.argv.slice(2);
const ibp = await loadIbp(readFileSync(`${wasmDir}/ibp.wasm`));
// real-image panels (data=fashion_mnist) get the image file scripts/build makes, as the page will
const images = Images.open(ibp, readFileSync(new URL('../build/data/fashion-mnist.ibpi', import.meta.url)));
const imagesFor = (cfg) => (/(^|&)data=fashion_mnist(&|$)/.test(cfg) ? images : null);
const presets = JSON.parse(readFileSync(new URL('../presets/presets.json', import.meta.url), 'utf8'));
let passed = 0, failed = 0;
const check = (ok, what) => { if (ok) passed++; else { failed++; console.error('FAIL', what); } };
const summaryFields = ibp.readCStr(ibp.ex.ibp_summary_fields()).split(',');
const join = (base, set) => (set ? `${base}&${set}` : base);
const withOverride = (base, kv) => {
  const key = kv.split('=')[0];
  return [...base.split('&').filter((p) => p.split('=')[0] !== key), kv].join('&');
};
const papers = new Set();

for (const p of presets.presets) {
  papers.add(p.paper);
  check(/^[a-z0-9]+20\d\d-[a-z0-9-]+$/.test(p.id), `${p.id}: id like name2021-topic`);
  check(/^\d{4}\.\d{4,5}$/.test(p.arxiv) && p.citation.includes(p.arxiv), `${p.id}: arXiv id in the citation`);
  check(p.look_for && p.look_for.split(/[.!?](\s|$)/).filter((s) => s && s.trim().length > 3).length >= 2, `${p.id}: a two-sentence explanation`);
  try { canonical(ibp, p.config); check(true); } catch (e) { check(false, `${p.id}: config: ${e.message}`); }
  for (const panel of p.panels) {
    const tag = `${p.id} / ${panel.title}`;
    if (panel.kind === 'runs' || panel.kind === 'trajectory') {
      for (const run of panel.runs) {
        const cfg = join(panel.base, run.set);
        let r;
        try { r = Run.create(ibp, { config: withOverride(cfg, 'steps=1'), images: imagesFor(cfg) }); } catch (e) { check(false, `${tag} / ${run.label}: ${e.message}`); continue; }
        check(true);
        if (panel.kind === 'trajectory') check(r.columns.includes('theta1') && r.columns.includes('theta2'), `${tag}: P = 2 for the trajectory`);
        for (const chart of panel.charts || []) {
          for (const y of chart.y) for (const col of y.split('*')) check(r.columns.includes(col), `${tag}: column ${col} (have ${r.columns.join(',')})`);
        }
        r.destroy();
      }
    } else if (panel.kind === 'sweep') {
      const ys = Array.isArray(panel.y) ? panel.y : [panel.y];
      for (const y of ys) check(summaryFields.includes(y), `${tag}: summary field ${y}`);
      for (const v of panel.vary) {
        check(/^[a-z_]+=(lin:|log:)?[-0-9.e:,]+$/.test(v), `${tag}: grid ${v}`);
        const [key, grid] = v.split('=');
        const vals = grid.startsWith('lin:') || grid.startsWith('log:') ? grid.split(':').slice(1, 3) : grid.split(',');
        for (const val of vals) {
          try { canonical(ibp, withOverride(panel.base, `${key}=${val}`)); check(true); } catch (e) { check(false, `${tag}: ${key}=${val}: ${e.message}`); }
        }
      }
    } else check(false, `${tag}: unknown panel kind ${panel.kind}`);
  }
}
check([...'GABCDEFH'].every((x) => papers.has(x)) && presets.presets.length === 8, `one preset per paper (${[...papers].join('')})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
