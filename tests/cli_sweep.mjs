// ibp sweep / ibp merge: results identical sharded or not, regimes of the catapult phase
// diagram, and clear refusals (unknown key, bad cell, too many cells, missing shard).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, runIbp, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const t = new Checker();
const dir = mkdtempSync(join(tmpdir(), 'ibp-sweep-'));
const f = (n) => join(dir, n);
const base = 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_ref=ntk&ntk=1&steps=1000&measure=0';
const vary = ['--vary', 'lr_rel=lin:0.5:4.5:9', '--vary', 'seed=0,1'];

let r = runIbp(cli, ['sweep', base, ...vary, '--out', f('all.csv')]);
t.check(r.code === 0 && /18 cells, estimated/.test(r.stderr), `sweep runs (${r.stderr})`);
const all = readFileSync(f('all.csv'), 'utf8');
const lines = all.split('\n').filter((l) => l && !l.startsWith('#'));
const cols = lines[0].split(',');
t.check(cols.slice(0, 4).join() === 'cell,lr_rel,seed,regime' && cols.includes('lambda_ratio'), `columns ${cols.slice(0, 6)}`);
const rows = lines.slice(1).map((l) => l.split(','));
t.check(rows.length === 18, `18 rows (${rows.length})`);
// regimes of G: c < 2 lazy, 2 < c < 4 catapult, c > 4 divergent (eta = c / lambda0)
for (const row of rows) {
  const c = Number(row[1]), regime = row[3];
  const want = c < 2 ? 'lazy' : c > 2 && c < 4 ? 'catapult' : c > 4 ? 'divergent' : null;
  if (want) t.check(regime === want, `c=${c} seed=${row[2]}: regime ${regime}, expected ${want}`);
}
// shards + merge reproduce the bytes
for (const i of [1, 2, 3]) runIbp(cli, ['sweep', base, ...vary, '--shard', `${i}/3`, '--out', f(`p${i}.csv`)]);
r = runIbp(cli, ['merge', f('p3.csv'), f('p1.csv'), f('p2.csv'), '--out', f('merged.csv')]);
t.check(r.code === 0 && readFileSync(f('merged.csv'), 'utf8') === all, 'merged shards are identical to the unsharded sweep');
r = runIbp(cli, ['merge', f('p1.csv'), f('p2.csv')]);
t.check(r.code === 2 && /missing/.test(r.stderr), `a missing shard is reported (${r.stderr})`);
r = runIbp(cli, ['merge', f('p1.csv'), f('p1.csv'), f('p2.csv'), f('p3.csv')]);
t.check(r.code === 2 && /twice/.test(r.stderr), `a duplicated shard is reported (${r.stderr})`);
// refusals
r = runIbp(cli, ['sweep', base, '--vary', 'lrr=1,2']);
t.check(r.code === 2 && /unknown key "lrr"/.test(r.stderr), `unknown key (${r.stderr})`);
// a value that is wrong for its key is refused by the plan, naming the value; a cell whose
// combination of values is not a config is refused before anything runs, naming the cell
r = runIbp(cli, ['sweep', base, '--vary', 'depth=1.5,2']);
t.check(r.code === 2 && /vary depth=1.5,2, value 1: depth=1.5: depth must be an integer/.test(r.stderr), `bad value (${r.stderr})`);
r = runIbp(cli, ['sweep', 'model=linear&steps=2', '--vary', 'model=mlp,mf', '--vary', 'depth=1,3']);
t.check(r.code === 2 && /cell 2 is not a valid config: depth does not apply here/.test(r.stderr), `bad cell (${r.stderr})`);
t.check(r.stdout === '', 'nothing runs when a cell is bad');
// issue 10 item 2: a --vary value far longer than the old cell buffer (strlen(base) + 512) used
// to corrupt the heap; the value is now kept in its canonical text
const long = `0.1${'0'.repeat(600)}`;
r = runIbp(cli, ['sweep', 'steps=2&measure=0', '--vary', `lr=${long}`, '--vary', `seed=${'0'.repeat(700)}1,2`]);
t.check(r.code === 0, `a 600-character value runs (${r.code}: ${r.stderr.slice(0, 200)})`);
const longRows = r.stdout.split('\n').filter((l) => /^\d/.test(l));
t.check(longRows.length === 2 && longRows[0].startsWith('0,0.1,1,') && longRows[1].startsWith('1,0.1,2,'),
  `the long values in canonical form (${longRows.map((l) => l.slice(0, 30))})`);
t.check(r.stdout.includes(`# vary: lr=${long}\n`), 'the header keeps the vary as written');
// a valid cell whose run cannot be created is a row with the regime "error" and the engine's message
r = runIbp(cli, ['sweep', 'steps=1', '--vary', 'data=csv,teacher']);
const errRows = r.stdout.split('\n').filter((l) => /^\d/.test(l))
  .map((l) => [...l.slice(0, l.indexOf('"')).split(','), l.slice(l.indexOf('"'))]); // the message is quoted
t.check(r.code === 0 && errRows.length === 2 && errRows[0][2] === 'error' && /data=csv needs a CSV file/.test(errRows[0].at(-1)) &&
  errRows[0].length === errRows[1].length && errRows[1][2] !== 'error', `an error row keeps the columns (${r.stdout.slice(-300)})`);
r = runIbp(cli, ['sweep', base, '--vary', 'lr_rel=lin:1:2:200', '--vary', 'seed=lin:0:99:100']);
t.check(r.code === 2 && /20000 cells in one job is too many/.test(r.stderr) && /estimated [0-9.e+-]+ hours/.test(r.stderr) && /--shard/.test(r.stderr),
  `too many cells: count, estimate and the way out (${r.stderr})`);
// The estimate sums every cell's own, not the first cell's times the count (which made a shard
// of one cell of two exactly half the whole). One process per check, so cells that share a
// probe compare exactly; cells of other widths compare by the cost of a width.
const TINYM = 'model=mlp&depth=2&width=4&d=2&n=10&steps=100000';
const est = (shard, ...v) => {
  const q = runIbp(cli, ['sweep', TINYM, ...v.flatMap((x) => ['--vary', x]), '--shard', shard, '--check']);
  t.check(q.code === 0, `--check ${v} (${q.stderr})`);
  return JSON.parse(q.stdout);
};
let e = est('1/2', 'steps=0,1000000000');
t.check(e.estimated_seconds_all > 100 * e.estimated_seconds && Math.abs(e.estimated_seconds_max_shard - (e.estimated_seconds_all - e.estimated_seconds)) <= 1e-9 * e.estimated_seconds_all,
  `a cell of steps=0 first does not make a sweep with steps=1e9 cheap (${JSON.stringify(e)})`);
e = est('1/3', 'steps=1e9,0,5e8');
t.check(e.estimated_seconds_all > 1.45 * e.estimated_seconds && e.estimated_seconds_all < 1.55 * e.estimated_seconds,
  `steps=1e9, 0, 5e8 is 1.5 times its cell of steps=1e9 (${JSON.stringify(e)})`);
e = est('1/2', 'width=4,1000');
t.check(e.estimated_seconds_all > 3 * e.estimated_seconds, `width=4,1000: the wide cell costs more (${JSON.stringify(e)})`);
e = est('1/2', 'width=1000,4');
t.check(e.estimated_seconds_all < 1.5 * e.estimated_seconds && e.estimated_seconds_max_shard === e.estimated_seconds,
  `width=1000,4: the narrow cell costs less (${JSON.stringify(e)})`);
r = runIbp(cli, ['sweep', base, '--vary', 'lr_rel=log:0:2:3']);
t.check(r.code === 2 && /log grid needs START > 0/.test(r.stderr), 'log grid from 0');
r = runIbp(cli, ['sweep', base]);
t.check(r.code === 2 && /--vary/.test(r.stderr), 'no --vary');
t.done();
