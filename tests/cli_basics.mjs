// The CLI's contract: exit codes (0 ok, 1 diverged, 2 bad input), messages on stderr, help
// topics, info, data export/import, params save/load, JSON lines output.
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, runIbp, parseCsv, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const t = new Checker();
const dir = mkdtempSync(join(tmpdir(), 'ibp-cli-'));
const f = (name) => join(dir, name);

let r = runIbp(cli, ['run', 'lrr=0.1']);
t.check(r.code === 2 && /unknown key "lrr" \(did you mean "lr"\?/.test(r.stderr), `bad key: exit 2 + message (${r.code}: ${r.stderr})`);
r = runIbp(cli, ['run', 'lr=1e9']);
t.check(r.code === 2 && /lr=1e9 is out of range/.test(r.stderr), `lr 1e9 refused (${r.stderr})`);
r = runIbp(cli, ['run', 'model=mlp&depth=3&width=20000&d=100']);
t.check(r.code === 2 && /MiB/.test(r.stderr) && /mem_cap/.test(r.stderr), `memory cap (${r.stderr})`);
r = runIbp(cli, ['run', 'lr=0.1', 'steps=3']);
t.check(r.code === 2 && /quote the config/.test(r.stderr), `unquoted config (${r.stderr})`);
r = runIbp(cli, ['run', '', '--bogus']);
t.check(r.code === 2 && /unknown option --bogus/.test(r.stderr), 'unknown option');
r = runIbp(cli, ['frobnicate']);
t.check(r.code === 2 && /unknown command/.test(r.stderr), 'unknown command');

// a run to stdout: header comments with version, config and conventions, then CSV
r = runIbp(cli, ['run', 'steps=20&lr=0.05', '--quiet']);
t.check(r.code === 0, `default run exits 0 (${r.stderr})`);
t.check(/^# ibp \d+\.\d+\.\d+\n# config: lr=0.05&steps=20\n# seed: 0\n# loss=mse_half: L = 1\/\(2n\)/.test(r.stdout), `CSV header comments: ${r.stdout.slice(0, 200)}`);
const csv = parseCsv(r.stdout);
t.check(csv.rows.length === 21 && csv.col('step')[20] === 20, `21 rows (${csv.rows.length})`);
t.check(csv.col('loss')[20] < csv.col('loss')[0], 'loss falls');
t.check(/finished: 20 steps done/.test(r.stderr), `final message (${r.stderr})`);

// divergence: exit 1, message, rows up to the divergence still written
r = runIbp(cli, ['run', 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=100', '--out', f('div.csv')]);
t.check(r.code === 1 && /diverged at step \d+: loss .* > div_loss/.test(r.stderr), `divergence (${r.code}: ${r.stderr})`);
const div = parseCsv(readFileSync(f('div.csv'), 'utf8'));
t.check(div.rows.length > 2 && div.col('loss').at(-1) > 1e10, 'rows up to the divergence');

// JSON lines
r = runIbp(cli, ['run', 'steps=5&measure=0', '--out', f('m.jsonl')]);
const lines = readFileSync(f('m.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
t.check(r.code === 0 && lines.length === 7 && lines[0].columns.includes('loss') && lines[6].step === 5, `jsonl (${lines.length})`);

// sharpness columns: measured rows have values, others are empty (null in JSON)
r = runIbp(cli, ['run', 'steps=10&measure_every=5', '--out', f('s.jsonl')]);
const sl = readFileSync(f('s.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).slice(1);
t.check(sl[0].sharpness > 0 && sl[1].sharpness === null && sl[5].sharpness > 0, 'sharpness every 5 steps');

// info
r = runIbp(cli, ['info', 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5']);
t.check(r.code === 0 && /P = 2000 trained/.test(r.stdout) && /S0 = [0-9.]+, 2\/S0 = /.test(r.stdout) && /half-MSE/.test(r.stdout) && /MiB/.test(r.stdout), `info: ${r.stdout}`);

// help topics
for (const topic of ['config', 'run', 'output', 'conventions', 'exit']) {
  r = runIbp(cli, ['help', topic]);
  t.check(r.code === 0 && r.stdout.length > 200, `help ${topic}`);
}
r = runIbp(cli, ['help', 'config']);
t.check(/lr_rel/.test(r.stdout) && /leaky_softplus/.test(r.stdout) && /mem_cap/.test(r.stdout), 'help config lists keys');
r = runIbp(cli, ['help', 'nope']);
t.check(r.code === 2, 'unknown help topic');

// data export, then import of the same CSV gives the same run
r = runIbp(cli, ['data', 'model=linear&d=3&n=20&noise=0.1', '--out', f('d.csv')]);
t.check(r.code === 0, `data export (${r.stderr})`);
const dtext = readFileSync(f('d.csv'), 'utf8');
t.check(dtext.startsWith('x1,x2,x3,y\n') && dtext.trim().split('\n').length === 21, 'data CSV shape');
const a = runIbp(cli, ['run', 'model=linear&d=3&n=20&noise=0.1&steps=10&measure=0', '--quiet']);
const b = runIbp(cli, ['run', 'model=linear&steps=10&measure=0', '--data', f('d.csv'), '--quiet']);
const body = (s) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n');
t.check(a.code === 0 && b.code === 0 && body(a.stdout) === body(b.stdout), `imported CSV reproduces the run (${b.stderr})`);
writeFileSync(f('bad.csv'), 'x1,x2,y\n1,2,3\n4,oops,6\n');
r = runIbp(cli, ['run', 'model=linear', '--data', f('bad.csv')]);
t.check(r.code === 2 && /line 3, column 2 \("x2"\)/.test(r.stderr), `corrupt CSV names line and column (${r.stderr})`);
r = runIbp(cli, ['run', 'model=linear', '--data', f('missing.csv')]);
t.check(r.code === 2 && /cannot open data file/.test(r.stderr), 'missing file');

// params: save, reload as init=file, continue: same numbers as one run
r = runIbp(cli, ['run', 'steps=10&measure=0&seed=3', '--save', f('p.json'), '--quiet']);
const pj = JSON.parse(readFileSync(f('p.json'), 'utf8'));
t.check(r.code === 0 && pj.params[0].name === 'W1' && pj.params[0].shape.join() === '32,8' && pj.params[0].data.length === 256, 'params JSON');
r = runIbp(cli, ['run', 'steps=10&measure=0&seed=3&init=file', '--init', f('p.json'), '--save', f('p2.json'), '--quiet']);
const whole = runIbp(cli, ['run', 'steps=20&measure=0&seed=3', '--save', f('p3.json'), '--quiet']);
const p2 = JSON.parse(readFileSync(f('p2.json'), 'utf8')), p3 = JSON.parse(readFileSync(f('p3.json'), 'utf8'));
t.check(r.code === 0 && whole.code === 0 && JSON.stringify(p2.params) === JSON.stringify(p3.params), 'save + init=file continues bit-exactly');
// config from a file
writeFileSync(f('cfg.txt'), 'model=linear\nsteps=5\nmeasure=0\n');
r = runIbp(cli, ['run', `@${f('cfg.txt')}`, '--quiet']);
t.check(r.code === 0 && /# config: model=linear&steps=5&measure=0/.test(r.stdout), `@file config (${r.stderr})`);
t.done();
