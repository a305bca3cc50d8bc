// The sweep grammar table (tests/sweep_cases.json) and the checks both of its runners apply: one
// table, one set of checks, two engines (the CLI's `ibp sweep --plan`, the module's ibp_sweep_*).
// A runner supplies plan(base, vary, shard) -> { error } | { plan, cells: Map(cell -> config or
// '!' + why), shard: [cells] } and gets every case checked.
import { readFileSync } from 'node:fs';

export const cases = JSON.parse(readFileSync(new URL('./sweep_cases.json', import.meta.url), 'utf8')).cases;

// |a - b| <= 4 ulp of b: values from the engine's pow against a closed form
const ulpClose = (a, b) => Math.abs(a - b) <= 4 * Number.EPSILON * Math.abs(b);

export function checkCase(t, c, run) {
  const what = `${c.name} [${c.vary.join(' | ')}]`;
  const got = run(c.base, c.vary, null);
  if (c.error) {
    t.check(got.error !== undefined && got.error.includes(c.error), `${what}: refused with "${c.error}" (got ${got.error ?? 'a plan'})`);
    return;
  }
  if (got.error !== undefined) { t.check(false, `${what}: planned (got the error ${got.error})`); return; }
  const p = got.plan;
  t.check(p.ncells === c.ncells, `${what}: ${c.ncells} cells (got ${p.ncells})`);
  t.check(JSON.stringify(p.keys.map((k) => k.key)) === JSON.stringify(c.keys), `${what}: keys ${c.keys} (got ${p.keys.map((k) => k.key)})`);
  t.check(p.keys.every((k, i) => k.spec === c.vary.filter((v) => v.trim())[i].trim()), `${what}: each spec as written, trimmed`);
  if (c.values) {
    t.check(JSON.stringify(p.keys.map((k) => k.values)) === JSON.stringify(c.values),
      `${what}: values ${JSON.stringify(c.values).slice(0, 200)} (got ${JSON.stringify(p.keys.map((k) => k.values)).slice(0, 200)})`);
  }
  for (const [k, i, x] of c.close || []) {
    t.check(ulpClose(Number(p.keys[k].values[i]), x), `${what}: value ${i} = ${p.keys[k].values[i]} within 4 ulp of ${x}`);
  }
  // every cell appears once, in order; the count matches the product of the value counts
  t.check(got.cells.size === p.ncells && [...got.cells.keys()].every((cell, i) => cell === i), `${what}: cells 0..${p.ncells - 1} in order`);
  t.check(p.keys.reduce((n, k) => n * k.values.length, 1) === p.ncells, `${what}: ncells is the product of the value counts`);
  for (const [cell, want] of Object.entries(c.cells || {})) {
    const have = got.cells.get(Number(cell));
    const ok = want.startsWith('!') ? have?.startsWith('!') && have.includes(want.slice(1)) : have === want;
    t.check(ok, `${what}: cell ${cell} is "${want}" (got "${have}")`);
  }
  if (c.shard) {
    const s = run(c.base, c.vary, c.shard);
    t.check(JSON.stringify(s.shard) === JSON.stringify(c.shard_cells), `${what}: shard ${c.shard} runs ${c.shard_cells} (got ${s.shard})`);
  }
}
