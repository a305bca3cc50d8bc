// The CLI's contract: exit codes (0 ok, 1 diverged, 2 bad input), messages on stderr, help
// topics, info, data export/import, params save/load, JSON lines output.
import { mkdtempSync, writeFileSync, readFileSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, runIbp, parseCsv, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const wasm = /node$/.test(cli[0]);
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
t.check(r.code === 2 && /unexpected extra argument "steps=3"/.test(r.stderr) && !/it contains '&'/.test(r.stderr), `extra argument (${r.stderr})`);
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
// ---- QA session 8: outputs that are the same file, hvp's non-finite numbers, messages ----------
const C = 'model=mlp&depth=2&width=4&d=2&n=10';
r = runIbp(cli, ['run', `${C}&steps=3`, '--save', f('q.json'), '--quiet']);
t.check(r.code === 0, `params for the QA cases (${r.stderr})`);
// two outputs naming one file: refused before anything runs, and nothing is written
r = runIbp(cli, ['run', 'steps=5', '--out', f('same.csv'), '--save', f('same.csv'), '--quiet']);
t.check(r.code === 2 && r.stderr.includes(`--out ${f('same.csv')} and --save ${f('same.csv')} are the same file`) &&
  !existsSync(f('same.csv')), `--out and --save one file (${r.code}: ${r.stderr})`);
writeFileSync(f('o.csv'), 'keep\n');
r = runIbp(cli, ['run', 'steps=5', '--out', f('o.csv'), '--params-every', '1', '--params-out', `${dir}/./o.csv`, '--quiet']);
t.check(r.code === 2 && /--out .* and --params-out .* are the same file/.test(r.stderr) && readFileSync(f('o.csv'), 'utf8') === 'keep\n',
  `--out and --params-out one file by another path (${r.code}: ${r.stderr})`);
r = runIbp(cli, ['run', 'steps=5', '--out', f('new.csv'), '--params-every', '1', '--params-out', `${dir}/./new.csv`, '--quiet']);
t.check(r.code === 2 && /are the same file/.test(r.stderr) && !existsSync(f('new.csv')), `a file not yet there, two paths (${r.stderr})`);
symlinkSync(f('o.csv'), f('link.csv'));
r = runIbp(cli, ['run', 'steps=5', '--out', f('o.csv'), '--save', f('link.csv'), '--quiet']);
t.check(r.code === 2 && /are the same file/.test(r.stderr) && readFileSync(f('o.csv'), 'utf8') === 'keep\n', `a symlink (${r.stderr})`);
if (!wasm) { // the standard output is a pipe here: --save /dev/stdout would mix the JSON into the CSV
  r = runIbp(cli, ['run', 'steps=5', '--save', '/dev/stdout', '--quiet']);
  t.check(r.code === 2 && /the standard output \(no --out\) and --save \/dev\/stdout are the same file/.test(r.stderr), `stdout twice (${r.stderr})`);
}
r = runIbp(cli, ['run', 'steps=2', '--out', '/dev/null', '--save', '/dev/null', '--quiet']);
t.check(r.code === 0, `/dev/null twice is allowed: nothing written there is kept (${r.stderr})`);
// an output that is an input
r = runIbp(cli, ['data', 'model=linear&d=3&n=20', '--out', f('din.csv')]);
const dinText = readFileSync(f('din.csv'), 'utf8');
r = runIbp(cli, ['run', 'model=linear&steps=2', '--data', f('din.csv'), '--out', `${dir}/./din.csv`, '--quiet']);
t.check(r.code === 2 && /--out .*din.csv is the same file as the input --data .*din.csv: writing it would destroy the input/.test(r.stderr) &&
  readFileSync(f('din.csv'), 'utf8') === dinText, `--out = --data (${r.stderr})`);
r = runIbp(cli, ['data', 'model=linear&d=3&n=20', '--data', f('din.csv'), '--out', f('din.csv')]);
t.check(r.code === 2 && /same file as the input --data/.test(r.stderr), `ibp data --out = --data (${r.stderr})`);
// (copies: the old ibp destroyed them, and the later cases need q.json)
writeFileSync(f('q1.json'), readFileSync(f('q.json')));
writeFileSync(f('q2.json'), readFileSync(f('q.json')));
writeFileSync(f('q3.json'), readFileSync(f('q.json')));
r = runIbp(cli, ['run', `${C}&steps=2`, '--init', f('q1.json'), '--save', f('q1.json'), '--quiet']);
t.check(r.code === 2 && /--save .*q1.json is the same file as the input --init .*q1.json/.test(r.stderr), `--save = --init (${r.stderr})`);
r = runIbp(cli, ['hvp', C, '--params', f('q2.json'), '--dir', 'grad', '--out', f('q2.json')]);
t.check(r.code === 2 && /same file as the input --params/.test(r.stderr), `hvp --out = --params (${r.stderr})`);
r = runIbp(cli, ['spectrum', `${C}&steps=2`, '--init', f('q3.json'), '--out', f('q3.json')]);
t.check(r.code === 2 && /same file as the input --init/.test(r.stderr), `spectrum --out = --init (${r.stderr})`);
writeFileSync(f('c.txt'), 'steps=2\n');
r = runIbp(cli, ['run', `@${f('c.txt')}`, '--out', f('c.txt')]);
t.check(r.code === 2 && /same file as the input config file/.test(r.stderr) && readFileSync(f('c.txt'), 'utf8') === 'steps=2\n', `--out = @CONFIG (${r.stderr})`);
r = runIbp(cli, ['hvp', C, '--params', f('q.json'), '--dir', f('q.json')]);
t.check(r.code === 0, `two inputs may be one file (${r.stderr})`);
// a repeated option is refused (the last one used to win)
r = runIbp(cli, ['run', 'steps=2', '--out', f('a.csv'), '--out', f('b.csv')]);
t.check(r.code === 2 && /option --out is given twice/.test(r.stderr) && !existsSync(f('b.csv')), `--out twice (${r.stderr})`);

// hvp: JSON has no inf or nan
const q = JSON.parse(readFileSync(f('q.json'), 'utf8'));
const withW1 = (fn) => ({ ...q, params: q.params.map((a) => ({ ...a, data: a.data.map((x, i) => fn(a.name, x, i)) })) });
writeFileSync(f('huge.json'), JSON.stringify(withW1((n, x, i) => (n === 'W1' && i < 2 ? (i ? -1e308 : 1e308) : x))));
r = runIbp(cli, ['hvp', C, '--params', f('q.json'), '--dir', f('huge.json'), '--out', f('h.json')]);
t.check(r.code === 2 && /is not finite .* along --dir .*huge.json: scale the direction down; nothing was written/.test(r.stderr) &&
  !existsSync(f('h.json')), `hvp refuses an overflowing direction (${r.code}: ${r.stderr})`);
writeFileSync(f('big.json'), JSON.stringify(withW1(() => 1e200)));
r = runIbp(cli, ['hvp', C, '--params', f('q.json'), '--dir', f('big.json')]);
t.check(r.code === 2 && /not finite/.test(r.stderr) && r.stdout === '', `hvp refuses a 1e200 direction (${r.code}: ${r.stderr})`);
writeFileSync(f('zero.json'), JSON.stringify(withW1(() => 0)));
r = runIbp(cli, ['hvp', C, '--params', f('q.json'), '--dir', f('zero.json')]);
t.check(r.code === 0 && !/\b(inf|nan)\b/.test(r.stdout) && JSON.parse(r.stdout).rayleigh === null && JSON.parse(r.stdout).dir_norm === 0,
  `a zero direction: rayleigh null (${r.stdout.slice(0, 400)})`);
writeFileSync(f('tiny.json'), JSON.stringify(withW1(() => 1e-170)));
r = runIbp(cli, ['hvp', C, '--params', f('q.json'), '--dir', f('tiny.json')]);
const tiny = r.code === 0 ? JSON.parse(r.stdout) : {};
t.check(tiny.dir_norm > 4e-170 && Number.isFinite(tiny.rayleigh), `a 1e-170 direction: its norm and Rayleigh quotient (${r.stdout.slice(0, 400)})`);
r = runIbp(cli, ['help']);
t.check(/"rayleigh" is null/.test(r.stdout), 'ibp help says when rayleigh is null');

// the config's own error, not "given twice" for the data=csv / init=file the CLI adds
r = runIbp(cli, ['run', 'data=csv&d=3', '--data', f('din.csv')]);
t.check(r.code === 2 && /d does not apply here/.test(r.stderr) && !/twice/.test(r.stderr), `data=csv&d=3 (${r.stderr})`);
r = runIbp(cli, ['run', 'data=csv&opt=sgd&sample=online', '--data', f('din.csv')]);
t.check(r.code === 2 && /sample=online .* fixed set/.test(r.stderr) && !/twice/.test(r.stderr), `data=csv&sample=online (${r.stderr})`);
r = runIbp(cli, ['run', 'init=file&depth=1&width=4', '--init', f('q.json')]);
t.check(r.code === 2 && /width does not apply here/.test(r.stderr) && !/twice/.test(r.stderr), `init=file&width (${r.stderr})`);
r = runIbp(cli, ['run', 'loss=ce&out=3&data=csv&width=-1', '--data', f('din.csv')]);
t.check(r.code === 2 && !/twice/.test(r.stderr), `a bad value with data=csv (${r.stderr})`);
r = runIbp(cli, ['run', 'steps=3&data=xor', '--data', f('din.csv')]);
t.check(r.code === 2 && /the config sets data=xor/.test(r.stderr), `data=xor named (${r.stderr})`);
r = runIbp(cli, ['run', `${C}&steps=2&init=fan_in`, '--init', f('q.json')]); // the default, written out
t.check(r.code === 2 && /the config sets init=fan_in/.test(r.stderr) && !/twice/.test(r.stderr), `init=fan_in named (${r.stderr})`);
r = runIbp(cli, ['run', 'model=linear&steps=2&data=teacher', '--data', f('din.csv')]);
t.check(r.code === 2 && /the config sets data=teacher/.test(r.stderr), `data=teacher named (${r.stderr})`);
r = runIbp(cli, ['run', 'model=mf', '--data', f('din.csv')]);
t.check(r.code === 2 && /data does not apply here/.test(r.stderr), `model=mf with --data (${r.stderr})`);
r = runIbp(cli, ['version', 'extra']);
t.check(r.code === 2 && /unexpected argument "extra"/.test(r.stderr) && r.stdout === '', `version extra (${r.stderr})`);

// a CR in a shard line is shown, not hidden
r = runIbp(cli, ['sweep', 'steps=2&measure=0', '--vary', 'seed=0,1,2', '--shard', '1/3', '--out', f('s1.csv')]);
writeFileSync(f('s1.csv'), readFileSync(f('s1.csv'), 'utf8').replace('# shard: 1/3\n', '# shard: 1/3\r\n'));
r = runIbp(cli, ['merge', f('s1.csv'), '--out', f('m.csv')]);
t.check(r.code === 2 && r.stderr.includes('"1/3\\r"') && !r.stderr.includes('\r'), `merge shows the CR (${JSON.stringify(r.stderr)})`);

// spectrum: a run that stops before --at-step says so; "step" is where it stopped
r = runIbp(cli, ['spectrum', `${C}&target_loss=0.3`, '--at-step', '500']);
const sp = r.code === 0 ? JSON.parse(r.stdout) : {};
t.check(r.code === 0 && sp.step < 500 && r.stderr.includes(`the run stopped at step ${sp.step} (`) &&
  r.stderr.includes(`before step 500: the spectrum is at step ${sp.step}`), `spectrum stopped early (${r.stderr})`);
r = runIbp(cli, ['spectrum', C, '--at-step', '5']);
t.check(r.code === 0 && JSON.parse(r.stdout).step === 5 && r.stderr === '', `spectrum at step 5: no message (${r.stderr})`);
t.done();
