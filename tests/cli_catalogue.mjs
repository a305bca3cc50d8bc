// The bad-input catalogue (issue 10): every kind of hostile or mistaken input a user can give the
// `ibp` command, each with the exit code it must end with and a fragment of the message it must
// print. Cases are grouped by the issue's items; a few are properties rather than refusals (the
// JSON lines parse, a reloaded run continues exactly), written as checks on the output. The web
// items at the end are the dev server's answers (status and header) and the embed demo's check.
// usage: node tests/cli_catalogue.mjs IBP_COMMAND...   (native, the sanitizer build, or wasm)
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, openSync, closeSync, truncateSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const wasm = /node$/.test(cli[0]);
const sanitized = cli.some((a) => a.includes('/asan/'));
const t = new Checker();
const dir = mkdtempSync(join(tmpdir(), 'ibp-catalogue-'));
const f = (name) => join(dir, name);
const put = (name, text) => { writeFileSync(f(name), text); return f(name); };

function run(args, { stdout = 'pipe', timeout = 120000 } = {}) {
  let fd = null;
  const stdio = ['ignore', 'pipe', 'pipe'];
  if (stdout === 'full') { fd = openSync('/dev/full', 'w'); stdio[1] = fd; }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cli[0], [...cli.slice(1), ...args], { encoding: 'utf8', stdio, timeout, maxBuffer: 1 << 28 });
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  if (fd !== null) closeSync(fd);
  return { code: r.status, signal: r.signal, stdout: r.stdout || '', stderr: r.stderr || '', sec };
}

const cases = [];
// item: the issue's item (0 = refusals that already worked and must keep working)
const c = (item, args, code, msg, opts = {}) => cases.push({ item, args, code, msg, ...opts });

// ---- files used below ------------------------------------------------------------------------
mkdirSync(f('adir'));
put('empty.txt', '');
put('nul.txt', 'model=linear\0&steps=3');
put('cfg.txt', 'model=linear\nsteps=3\nmeasure=0\n');
put('crlf.txt', 'model=linear\r\nsteps=3\r\nmeasure=0\r\n');
if (!wasm) { writeFileSync(f('huge.txt'), ''); truncateSync(f('huge.txt'), 2 ** 31); } // sparse
const TINY = 'model=mlp&depth=2&width=4&d=3&n=10&steps=5&measure=0';
const csv = {
  ok: 'x1,x2,y\n1,2,3\n4,5,6\n7,8,9\n',
  hex: 'x,y\n0x10,1\n2,3\n',
  nan: 'x,y\n1,nan\n',
  inf: 'x,y\n-inf,1\n',
  big: 'x,y\n1e999,1\n',
  word: 'x1,x2,y\n1,2,3\n4,oops,6\n',
  fields: 'x1,x2,y\n1,2,3\n4,5\n',
  quote: '"x1,x2,y\n1,2,3\n',
  after: '"x1"z,y\n1,2\n',
  numeric: '1,2,3\n4,5,6\n',
  headeronly: 'x,y\n',
  blank: '\n\n   \n',
  narrow: 'y\n1\n2\n',
  labels: 'x,y\n1,1\n2,-1\n3,0.5\n',
  pm: 'x,y\n1,1\n2,-1\n3,1\n',
  onerow: 'x,y\n1,2\n',
  nul: 'x,y\n1,2\0\n',
  bom: '\ufeffx,y\n1,2\n3,4\n',
};
for (const [k, v] of Object.entries(csv)) put(`${k}.csv`, v);
// params JSON files: a good one from the engine, then broken ones
const good = run(['run', TINY, '--save', f('good.json'), '--quiet']);
const goodUnit = run(['run', 'model=mlp&depth=2&width=4&d=3&n=10&head=unit&steps=20&measure=0', '--save', f('unit.json'), '--quiet']);
const deep = (n) => `{"params":[{"name":"W1","shape":[4,3],"data":${'['.repeat(n)}1${']'.repeat(n)}}]}`;
const json = {
  deep: deep(1000000),
  deepkey: `{"params":[{"name":"W1","shape":[4,3],"x":${'['.repeat(100000)}${']'.repeat(100000)},"data":[]}]}`,
  backslash: '{"params":[{"name":"W1\\',
  shape: '{"params":[{"name":"W1","shape":[1e300,3],"data":[1]}]}',
  shapeneg: '{"params":[{"name":"W1","shape":[-4,3],"data":[1]}]}',
  shapefrac: '{"params":[{"name":"W1","shape":[4.5,3],"data":[1]}]}',
  noparams: '{"format":"ibp-params-1"}',
  notjson: 'this is not json',
  wrongshape: '{"params":[{"name":"W1","shape":[3,4],"data":[1,2,3,4,5,6,7,8,9,10,11,12]}]}',
  count: '{"params":[{"name":"W1","shape":[4,3],"data":[1,2,3]}]}',
  hex: '{"params":[{"name":"W1","shape":[4,3],"data":[0x10,1,1,1,1,1,1,1,1,1,1,1]}]}',
  nan: '{"params":[{"name":"W1","shape":[4,3],"data":[NaN,1,1,1,1,1,1,1,1,1,1,1]}]}',
  overflow: '{"params":[{"name":"W1","shape":[4,3],"data":[1e999,1,1,1,1,1,1,1,1,1,1,1]}]}',
  unknown: '{"params":[{"name":"W9","shape":[4,3],"data":[1]}]}',
  noarrays: '{"params":[]}',
  unterminated: '{"params":[{"name":"W1","shape":[4,3],"data":[1,2',
  entry: '{"params":[42]}',
  nodata: '{"params":[{"name":"W1","shape":[4,3]}]}',
};
for (const [k, v] of Object.entries(json)) put(`${k}.json`, v);
if (existsSync(f('unit.json'))) { // the same file without its fixed head
  const u = JSON.parse(readFileSync(f('unit.json'), 'utf8'));
  writeFileSync(f('nohead.json'), JSON.stringify({ params: u.params.filter((a) => a.name !== 'head') }));
}
if (existsSync(f('good.json'))) { // QA: a second W1 (all 9s) was read silently, the last one winning
  const text = readFileSync(f('good.json'), 'utf8');
  const w1 = JSON.parse(text).params.find((a) => a.name === 'W1');
  const at = text.indexOf('\n]'); // the end of "params" ("grad" follows)
  writeFileSync(f('dup.json'), `${text.slice(0, at)},\n${JSON.stringify({ ...w1, data: w1.data.map(() => 9) })}${text.slice(at)}`);
}
// a 10M-element list whose last element is out of range (item 10)
{
  const n = 10000000;
  const parts = ['model=mf&rows=10000&cols=1000&target=', '1,'.repeat(n - 1), '2e13'];
  writeFileSync(f('list10m.txt'), parts.join(''));
  writeFileSync(f('list10m1.txt'), `model=mf&rows=2&cols=2&target=${'1,'.repeat(n)}1`);
}

// ---- item 1: params JSON nesting -------------------------------------------------------------
c(1, ['run', TINY, '--init', f('deep.json')], 2, 'nested more than 64 deep');
c(1, ['run', TINY, '--init', f('deepkey.json')], 2, 'nested more than 64 deep');
c(1, ['info', TINY, '--init', f('deep.json')], 2, 'nested more than 64 deep');
c(1, ['spectrum', TINY, '--init', f('deep.json')], 2, 'nested more than 64 deep');
// ---- item 3: a string ending in a backslash --------------------------------------------------
c(3, ['run', TINY, '--init', f('backslash.json')], 2, 'unterminated string');
// ---- item 4: float-to-int casts ----------------------------------------------------------------
c(4, ['run', 'depth=1e300'], 2, 'depth=1e300 is out of range');
c(4, ['run', 'seed=1e19'], 2, 'seed=1e19 is out of range');
c(4, ['run', 'seed=-1'], 2, 'seed=-1 is out of range');
c(4, ['run', 'steps=1e300'], 2, 'steps=1e300 is out of range');
c(4, ['run', 'steps=-1e300'], 2, 'is out of range');
c(4, ['run', 'width=1e300'], 2, 'width=1e300 is out of range');
c(4, ['run', 'width=8,1e300&depth=3'], 2, 'width=1e300 is out of range');
c(4, ['run', 'data_seed=1e300'], 2, 'data_seed=1e300 is out of range');
c(4, ['run', 'n=9.3e18'], 2, 'n=9.3e18 is out of range');
c(4, ['run', 'warmup=1e20'], 2, 'warmup=1e20 is out of range');
c(4, ['run', 'batch=1e100&opt=sgd'], 2, 'batch=1e100 is out of range');
c(4, ['run', 'topk=1e10'], 2, 'topk=1e10 is out of range');
c(4, ['run', TINY, '--init', f('shape.json')], 2, '"shape" value is out of range');
c(4, ['run', TINY, '--init', f('shapeneg.json')], 2, '"shape" value is out of range');
c(4, ['run', TINY, '--init', f('shapefrac.json')], 2, '"shape" must be an array of integers');
c(4, ['spectrum', TINY, '--at-step', '1e300'], 2, '--at-step 1e300 is out of range');
c(4, ['spectrum', TINY, '--at-step', 'nan'], 2, '--at-step nan is out of range');
c(4, ['spectrum', TINY, '--at-step', '-inf'], 2, 'is out of range');
c(4, ['spectrum', TINY, '--at-step', '-1'], 2, '--at-step -1 is out of range');
c(4, ['spectrum', TINY, '--at-step', '2.5'], 2, 'give a whole number');
c(4, ['spectrum', TINY, '--at-step', 'abc'], 2, 'not a number');
c(4, ['spectrum', TINY, '--k', '1e300'], 2, '--k 1e300 is out of range');
c(4, ['spectrum', TINY, '--probes', '1e19', '--density'], 2, 'is out of range');
c(4, ['spectrum', TINY, '--steps', 'nan', '--density'], 2, 'is out of range');
// ---- item 5: what a config file may be -------------------------------------------------------
c(5, ['run', `@${f('adir')}`], 2, 'it is a directory');
c(5, ['run', '@/dev/zero'], 2, 'not a regular file');
c(5, ['run', '@/dev/null'], 2, 'not a regular file');
c(5, ['run', `@${f('missing.txt')}`], 2, 'cannot open config file');
c(5, ['run', `@${f('empty.txt')}`], 2, 'the file is empty');
c(5, ['run', '@'], 2, 'no config file given');
c(5, ['run', `@${f('nul.txt')}`], 2, 'contains a NUL byte');
if (!wasm) c(5, ['run', `@${f('huge.txt')}`], 2, 'larger than the 1 GiB');
c(5, ['info', `@${f('adir')}`], 2, 'it is a directory');
c(5, ['run', `@${f('cfg.txt')}`, '--quiet'], 0, '# config: model=linear&steps=3&measure=0', { on: 'stdout' });
c(5, ['run', `@${f('crlf.txt')}`, '--quiet'], 0, '# config: model=linear&steps=3&measure=0', { on: 'stdout' });
// ---- item 6: writes checked, outputs checked before training ----------------------------------
c(6, ['run', TINY, '--out', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['run', TINY, '--quiet'], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['run', TINY, '--out', f('m.jsonl'), '--save', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['run', 'model=mlp&depth=2&width=4&d=3&n=10&steps=1000000000&measure=0', '--save', join(dir, 'nodir', 'p.json')], 2,
  'cannot write', { check: (r) => !/finished|steps done/.test(r.stderr), what: 'refused before training' });
c(6, ['run', 'model=mlp&depth=2&width=4&d=3&n=10&steps=1000000000&measure=0', '--out', join(dir, 'nodir', 'm.csv')], 2,
  'cannot write', { check: (r) => !/finished/.test(r.stderr), what: 'refused before training' });
c(6, ['run', TINY, '--out', f('adir')], 2, 'it is a directory');
c(6, ['run', TINY, '--save', f('adir')], 2, 'it is a directory');
c(6, ['run', TINY, '--out', ''], 2, 'output file name is empty');
c(6, ['data', TINY, '--out', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['data', TINY, '--out', join(dir, 'nodir', 'd.csv')], 2, 'cannot write');
c(6, ['spectrum', TINY, '--out', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['spectrum', TINY, '--at-step', '1000000000', '--out', join(dir, 'nodir', 's.json')], 2, 'cannot write',
  { check: (r) => r.sec < 60, what: 'refused before the steps' });
c(6, ['spectrum', TINY], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['info', TINY], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['help'], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['help', 'config'], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['version'], 2, 'writing the standard output failed', { stdout: 'full' });
// a failed run keeps the previous --save file
writeFileSync(f('keep.json'), 'previous');
c(6, ['run', TINY, '--out', '/dev/full', '--save', f('keep.json')], 2, 'writing /dev/full failed',
  { check: () => readFileSync(f('keep.json'), 'utf8') === 'previous', what: 'the old --save file is intact' });
// ---- item 7: JSON lines -----------------------------------------------------------------------
const jsonlOk = (file, want) => (r) => {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return want(lines[0], lines.slice(1));
};
c(7, ['run', 'seed=3&mem_cap=100&data_seed=5&steps=2&measure=0', '--out', f('seed.jsonl')], 0, 'finished',
  { check: jsonlOk(f('seed.jsonl'), (m, rows) => m.seed === 3 && m.config === 'data_seed=5&steps=2&measure=0&seed=3&mem_cap=100' && rows.length === 3),
    what: 'the meta line parses and has seed 3, not the data seed 5' });
{
  const xs = Array.from({ length: 3000 }, (_, i) => (i % 7) / 8).join(',');
  const ys = Array.from({ length: 1000 }, (_, i) => (i % 3) - 1).join(',');
  const long = `model=linear&data=inline&xs=${xs}&ys=${ys}&steps=2&measure=0`;
  c(7, ['run', long, '--out', f('long.jsonl')], 0, 'finished',
    { check: jsonlOk(f('long.jsonl'), (m) => m.config.length > 8191 && m.config.endsWith('&steps=2&measure=0') && m.config.includes(`xs=${xs}`)),
      what: 'the config is not cut at 8191 characters' });
}
c(7, ['run', 'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=6&lr_ref=ntk&steps=100', '--out', f('div.jsonl')], 1,
  'diverged at step', { check: jsonlOk(f('div.jsonl'), (m, rows) => rows.length > 2 && m.columns.includes('loss')), what: 'every line parses after a divergence' });
c(7, ['run', 'steps=10&measure_every=5&topk=3&lambda_min=1', '--out', f('meas.jsonl')], 0, 'finished',
  { check: jsonlOk(f('meas.jsonl'), (m, rows) => rows[0].sharpness > 0 && rows[1].sharpness === null && rows[5].eig3 !== undefined), what: 'measured rows and nulls' });
// ---- item 8: lists and %00 -----------------------------------------------------------------------
c(8, ['run', `init_scale=1.${'0'.repeat(68)}5`], 2, 'is 71 characters long');
c(8, ['run', `width=${'0'.repeat(68)}32`], 2, 'characters long: a number has at most 63');
c(8, ['run', `model=linear&data=inline&ys=0&xs=${'1'.repeat(64)}`], 2, 'characters long');
c(8, ['run', 'model=linear%00&steps=3'], 2, '%00 (a NUL byte) is not allowed in a value');
c(8, ['run', 'steps%00junk=3'], 2, '%00 (a NUL byte) is not allowed in a key');
c(8, ['run', 'width=8,%004&depth=3'], 2, '%00');
c(8, ['run', 'lr=%'], 2, 'must be followed by two hex digits');
c(8, ['run', 'lr=0.%2'], 2, 'must be followed by two hex digits');
c(8, ['run', 'l%zzr=1'], 2, 'must be followed by two hex digits');
c(8, ['run', 'width=8%2C4&depth=3&steps=2&measure=0', '--quiet'], 0, '# config: depth=3&width=8,4', { on: 'stdout' });
// ---- item 9: inputs that were ignored or silently accepted ----------------------------------
c(9, ['run', TINY, '--init', f('good.json'), '--quiet'], 0, '# config: ', { on: 'stdout', what: '--init implies init=file' });
c(9, ['run', `${TINY}&init=normal`, '--init', f('good.json')], 2, '--init ' + f('good.json') + ' was given but the config sets init=normal');
c(9, ['run', `${TINY}&init=fan_in`, '--init', f('good.json')], 2, 'the config sets init=fan_in: use init=file');
c(9, ['run', 'model=linear&data=teacher', '--data', f('ok.csv')], 2, 'the config sets data=teacher: use data=csv');
c(9, ['run', 'model=linear&data=mc', '--data', f('ok.csv')], 2, 'was given but the config sets data=mc: use data=csv');
c(9, ['run', 'model=mf', '--data', f('ok.csv')], 2, 'data does not apply here');
c(9, ['run', 'model=linear&data_seed=3&lr=0.001&steps=2&measure=0', '--data', f('ok.csv'), '--quiet'], 0, 'data=csv', { on: 'stdout', what: 'data_seed= does not hide --data' });
c(9, ['run', 'model=linear&loss=logistic', '--data', f('labels.csv')], 2, 'loss=logistic needs labels in {-1, +1}');
c(9, ['run', 'model=linear&loss=logistic&labels=sign&steps=2&measure=0', '--data', f('labels.csv')], 0, 'finished');
c(9, ['run', 'model=linear&loss=logistic&steps=2&measure=0', '--data', f('pm.csv')], 0, 'finished');
c(9, ['run', 'model=linear&loss=logistic'], 2, 'data=teacher gives real-valued targets');
c(9, ['run', 'model=linear&data=mc&loss=logistic'], 2, 'data=mc gives real-valued targets');
c(9, ['run', 'model=linear&data=inline&xs=1,2&ys=1,0&loss=logistic'], 2, 'value 2 of ys is 0');
c(9, ['run', 'data=xor&loss=logistic&label_noise=0.1'], 2, 'label_noise adds Gaussian noise');
c(9, ['spectrum', TINY, '--density', '--sigma', 'inf'], 2, '--sigma inf: give a positive finite number');
c(9, ['spectrum', TINY, '--density', '--sigma', 'nan'], 2, 'give a positive finite number');
c(9, ['spectrum', TINY, '--density', '--sigma', '0'], 2, 'give a positive finite number');
c(9, ['spectrum', TINY, '--density', '--sigma', '-1'], 2, 'give a positive finite number');
c(9, ['spectrum', TINY, '--density', '--sigma', '1e999'], 2, 'give a positive finite number');
c(9, ['spectrum', TINY, '--density', '--sigma', 'x'], 2, 'give a positive finite number');
c(9, ['run', 'model=linear', '--data', f('hex.csv')], 2, '"0x10" is not a decimal number');
c(9, ['run', 'model=linear', '--data', f('nan.csv')], 2, '"nan" is not a finite number');
c(9, ['run', 'model=linear', '--data', f('inf.csv')], 2, '"-inf" is not a finite number');
c(9, ['run', 'model=linear', '--data', f('big.csv')], 2, '"1e999" is not a finite number');
c(9, ['run', 'model=linear', '--data', f('empty.csv')], 2, 'data file');
c(9, ['run', 'model=linear', '--data', f('empty.txt')], 2, 'the file is empty');
c(9, ['run', 'model=linear', '--data', f('adir')], 2, 'data file');
c(9, ['run', 'model=linear', '--data', f('adir')], 2, 'it is a directory');
c(9, ['run', 'model=linear', '--data', f('missing.csv')], 2, 'cannot open data file');
c(9, ['run', 'model=linear', '--data', '/dev/zero'], 2, 'not a regular file');
c(9, ['run', 'model=linear', '--data', f('nul.csv')], 2, 'contains a NUL byte');
c(9, ['run', TINY, '--init', f('empty.txt')], 2, 'init file');
c(9, ['run', TINY, '--init', f('empty.txt')], 2, 'the file is empty');
c(9, ['run', TINY, '--init', f('adir')], 2, 'it is a directory');
c(9, ['run', TINY, '--init', f('missing.json')], 2, 'cannot open init file');
c(9, ['run', TINY, '--init', '/dev/null'], 2, 'not a regular file');
c(9, ['run', TINY, '--init', f('hex.json')], 2, 'expected a number');
c(9, ['run', TINY, '--init', f('nan.json')], 2, 'expected a number');
c(9, ['run', TINY, '--init', f('overflow.json')], 2, 'a value is not finite');
// ---- item 10: refusing a 10M-element list is fast -----------------------------------------
// 29 s before (the range text was formatted for every element); the target is 0.5 s, measured
// by bench/ (timed tests flake on a shared machine): here a bound 10x wider than the target
// still fails the old code.
c(10, ['run', `@${f('list10m.txt')}`], 2, 'target=2e13 is out of range',
  { check: (r) => wasm || sanitized || r.sec < 5, what: 'refused in well under 5 s (natively)', report: (r) => `${r.sec.toFixed(3)} s` });
c(10, ['run', `@${f('list10m1.txt')}`], 2, 'target has 10000001 values: at most 10000000');
// ---- item 11: save -> init keeps a fixed head ------------------------------------------------------
c(11, ['run', 'model=mlp&depth=2&width=4&d=3&n=10&head=unit&steps=0&measure=0', '--init', f('unit.json'), '--quiet'], 0, '',
  { on: 'stdout', check: (r) => {
    const saved = readFileSync(f('unit.json'), 'utf8');
    return goodUnit.code === 0 && /"name":"head"/.test(saved) && r.stdout.split('\n').filter((l) => l && !l.startsWith('#'))[1].split(',')[1] ===
      goodUnit.stdout.split('\n').filter((l) => l && !l.startsWith('#')).at(-1).split(',')[1];
  }, what: 'the reloaded loss is the saved run\'s final loss' });
c(11, ['run', 'model=mlp&depth=2&width=4&d=3&n=10&head=unit&steps=0&measure=0', '--init', f('nohead.json')], 2,
  'head=unit is a random fixed head');
c(11, ['run', 'model=mlp&depth=2&width=4&d=3&n=10&head=pm&steps=0&measure=0', '--init', f('unit.json')], 2,
  'differs from head=pm');
// ---- item 14: the help tells the truth ------------------------------------------------------------
c(14, ['help', 'config'], 0, /div_loss +10000000000 +>0\.\.1e\+300 /, { on: 'stdout' });
c(14, ['help', 'config'], 0, /target_loss +0 +0\.\.1e\+300 /, { on: 'stdout' });
c(14, ['help', 'config'], 0, 'never scales a fixed head', { on: 'stdout' });
c(14, ['help', 'conventions'], 0, 'never scales a fixed head', { on: 'stdout' });
c(14, ['run', 'div_loss=inf'], 2, 'div_loss="inf" is not a number');
c(14, ['run', 'div_loss=1e301'], 2, 'div_loss=1e301 is out of range: div_loss must be in (0, 1e+300]');
c(14, ['run', 'target_loss=2e300'], 2, 'must be in [0, 1e+300]');

// ---- item 0: refusals that worked before and must keep working --------------------------------
c(0, ['run', 'lrr=0.1'], 2, 'unknown key "lrr" (did you mean "lr"?');
c(0, ['run', 'zzzzzz=1'], 2, 'unknown key "zzzzzz"');
c(0, ['run', 'lr'], 2, 'lr has no value');
c(0, ['run', '=3'], 2, 'missing key before');
c(0, ['run', 'lr=abc'], 2, 'lr="abc" is not a number');
c(0, ['run', 'lr=nan'], 2, 'lr="nan" is not a number');
c(0, ['run', 'lr=inf'], 2, 'lr="inf" is not a number');
c(0, ['run', 'lr=1e999'], 2, 'not a finite number');
c(0, ['run', 'lr=1e9'], 2, 'lr=1e9 is out of range');
c(0, ['run', 'lr=0'], 2, 'lr=0 is out of range');
c(0, ['run', 'lr=0x10'], 2, 'is not a number');
c(0, ['run', 'lr=0.1&lr=0.2'], 2, 'lr is given twice');
c(0, ['run', 'lr=0.1&lr_rel=2'], 2, 'lr and lr_rel are both given');
c(0, ['run', 'steps=1.5'], 2, 'steps must be an integer');
c(0, ['run', 'depth=0'], 2, 'depth=0 is out of range');
c(0, ['run', 'depth=65'], 2, 'depth=65 is out of range');
c(0, ['run', 'model=rnn'], 2, 'model="rnn": allowed values are linear, mlp, mf, cnn');
c(0, ['run', 'bias=maybe'], 2, 'bias="maybe": bias is 0 or 1');
c(0, ['run', 'act=swish'], 2, 'allowed activations are');
c(0, ['run', 'act=relu(0.1)'], 2, 'relu takes no parameter');
c(0, ['run', 'act=leaky_relu(2)'], 2, 'must be in [0, 1]');
c(0, ['run', 'act=leaky_relu(x)'], 2, 'is not a number');
c(0, ['run', 'act=leaky_relu(0.1'], 2, 'write the parameter as');
c(0, ['run', 'act=softplus(0)'], 2, 'the softplus beta parameter must be in (0, 1000]');
c(0, ['run', 'width=3.5'], 2, 'width must be an integer');
c(0, ['run', 'width='], 2, 'width is empty');
c(0, ['run', `width=${Array(70).fill(4).join(',')}`], 2, 'width has 70 values: at most 64');
c(0, ['run', 'depth=3&width=8,8,8'], 2, 'width has 3 values but the model has 2 hidden layers');
c(0, ['run', 'init_scale=1,2,3'], 2, 'init_scale has 3 values');
c(0, ['run', 'head=1,2'], 2, 'head has 2 values');
c(0, ['run', 'head=north'], 2, 'allowed values are train, pm, unit');
c(0, ['run', 'loss=logistic&out=2'], 2, 'loss=logistic needs out=1');
c(0, ['run', 'model=mf&loss=logistic'], 2, 'loss=logistic does not apply to model=mf');
c(0, ['run', 'model=mf&opt=sgd'], 2, 'opt=sgd needs samples');
c(0, ['run', 'model=mf&rank=30'], 2, 'rank=30 is larger than min(rows, cols)');
c(0, ['run', 'model=mf&sv=1,2'], 2, 'sv has 2 values: give rank=3');
c(0, ['run', 'model=mf&rows=2&cols=2&target=1,2,3'], 2, 'target has 3 values');
c(0, ['run', 'model=mf&init=residual'], 2, 'init=residual does not apply to model=mf');
c(0, ['run', 'model=mf&init_scale=1,2,3'], 2, 'model=mf takes 1 or 2');
c(0, ['run', 'data=inline'], 2, 'data=inline needs ys');
c(0, ['run', 'data=inline&ys=1,2,3&out=2&xs=1'], 2, 'not a multiple of out=2');
c(0, ['run', 'data=inline&ys=1,2&xs=1,2,3'], 2, 'xs has 3 values');
c(0, ['run', 'data=inline&ys=1,2&xs=1,2,3,4&d=3'], 2, 'd=3, but xs has 4 values');
c(0, ['run', 'data=p5&n_test=5'], 2, 'n_test=5 leaves no training sample');
c(0, ['run', 'data=p5&n=10'], 2, 'n does not apply here');
c(0, ['run', 'model=linear&act=relu'], 2, 'act does not apply here');
c(0, ['run', 'depth=1&width=8'], 2, 'width does not apply here');
c(0, ['run', 'teacher_w=1,2'], 2, 'teacher_w has 2 values');
c(0, ['run', 'opt=sgd&sample=online&data=p5'], 2, 'sample=online draws fresh samples');
c(0, ['run', 'data=mc&out=2'], 2, 'out does not apply here');
c(0, ['run', 'batch=8'], 2, 'batch does not apply here');
c(0, ['run', 'model=mlp&depth=3&width=20000&d=100'], 2, 'above mem_cap=512 MiB');
c(0, ['run', 'mem_cap=0.5'], 2, 'mem_cap=0.5 is out of range');
c(0, ['run', 'lr_ref=smin&lr_rel=1'], 2, 'lr_ref=smin needs the Marion-Chizat bound');
c(0, ['run', 'model=linear&depth=3&init=zero&lr_rel=1&steps=1'], 2, 'lr_rel=1 needs a positive initial sharpness S0, but it is 0');
c(0, ['run', 'model=linear&init=1,2,3'], 2, 'init has 3 values but the model has P = ');
c(0, ['run', 'model=linear&width=1&data=inline&xs=1&ys=0&init=1e200,1e200'], 2, 'the loss at initialization is not finite');
c(0, ['run', 'init=file'], 2, 'init=file needs a params JSON');
c(0, ['run', 'data=csv'], 2, 'data=csv needs a CSV file');
c(0, ['run', 'model=linear', '--data', f('word.csv')], 2, 'line 3, column 2 ("x2"): "oops" is not a number');
c(0, ['run', 'model=linear', '--data', f('fields.csv')], 2, 'line 3 has 2 fields, the header has 3');
c(0, ['run', 'model=linear', '--data', f('quote.csv')], 2, 'unterminated quote in the header');
c(0, ['run', 'model=linear', '--data', f('after.csv')], 2, 'text after the closing quote');
c(0, ['run', 'model=linear', '--data', f('numeric.csv')], 2, 'the first row must be a header');
c(0, ['run', 'model=linear', '--data', f('headeronly.csv')], 2, 'has a header row (line 1) but no data rows');
c(0, ['run', 'model=linear', '--data', f('blank.csv')], 2, 'data CSV is empty');
c(0, ['run', 'model=linear', '--data', f('narrow.csv')], 2, 'data CSV has 1 column');
c(0, ['run', 'model=linear&n_test=1', '--data', f('onerow.csv')], 2, 'n_test=1 leaves no training row');
c(0, ['run', 'model=linear&out=2&lr=0.001&steps=2&measure=0', '--data', f('ok.csv'), '--quiet'], 0, 'step,loss', { on: 'stdout', what: 'two targets' });
c(0, ['run', 'model=linear&steps=2&measure=0', '--data', f('bom.csv'), '--quiet'], 0, 'finished');
c(0, ['run', TINY, '--init', f('noparams.json')], 2, 'no "params" array');
c(0, ['run', TINY, '--init', f('notjson.json')], 2, 'expected the array of parameters');
c(0, ['run', TINY, '--init', f('wrongshape.json')], 2, 'W1 has the wrong shape: the model\'s W1 is (4, 3)');
c(0, ['run', TINY, '--init', f('count.json')], 2, 'W1 has 3 numbers, the model\'s W1 has 12');
c(0, ['run', TINY, '--init', f('unknown.json')], 2, 'the model has no trained array named "W9"');
c(0, ['run', TINY, '--init', f('missing.json')], 2, 'cannot open init file');
c(0, ['run', TINY, '--init', f('unterminated.json')], 2, 'params JSON, byte');
c(0, ['run', TINY, '--init', f('entry.json')], 2, 'each entry of "params" must be an object');
c(0, ['run', TINY, '--init', f('nodata.json')], 2, 'an entry has no "data"');
c(0, ['run', TINY, '--init', f('dup.json')], 2, 'W1 is given twice (first at byte');
c(0, ['hvp', TINY, '--params', f('good.json'), '--dir', f('dup.json')], 2, 'W1 is given twice (first at byte');
c(0, ['run', 'model=mlp&depth=2&width=5&d=3&n=10&init=file&steps=0', '--init', f('good.json')], 2, 'wrong shape');
c(0, ['run', TINY, '--bogus'], 2, 'unknown option --bogus');
c(0, ['run', TINY, '--out'], 2, 'option --out needs a value');
c(0, ['run', TINY, '--exact'], 2, 'unknown option --exact');
c(0, ['info', TINY, '--save', f('x.json')], 2, 'option --save does not apply to this command');
c(0, ['run', 'lr=0.1', 'steps=3'], 2, 'unexpected extra argument "steps=3" (the config is "lr=0.1")');
c(0, ['data', TINY], 2, '--out FILE.csv is required');
c(0, ['spectrum', TINY, '--exact', '--density'], 2, '--exact and --density exclude each other');
c(0, ['spectrum', 'model=mlp&depth=2&width=64&d=40&steps=0', '--exact'], 2, 'the exact spectrum needs P <= 2000');
c(0, ['spectrum', TINY, '--k', '11'], 2, '--k 11 is out of range');
c(0, ['spectrum', TINY, '--probes', '1001', '--density'], 2, '--probes 1001 is out of range');
c(0, ['help', 'nope'], 2, 'no topic "nope"');
c(0, ['frobnicate'], 2, 'unknown command "frobnicate"');
c(0, [], 2, 'usage:');
// sweeps and merges
c(0, ['sweep', TINY], 2, 'give at least one --vary');
c(0, ['sweep', TINY, '--vary', 'lrr=1,2'], 2, 'unknown key "lrr"');
c(0, ['sweep', TINY, '--vary', 'lr'], 2, 'write KEY=GRID');
c(0, ['sweep', TINY, '--vary', 'lr=lin:1:2'], 2, 'write lin:START:STOP:N');
c(0, ['sweep', TINY, '--vary', 'lr=log:0:2:3'], 2, 'a log grid needs START > 0');
c(0, ['sweep', TINY, '--vary', 'lr=lin:1:2:0'], 2, 'a whole number N in [1, 10000]');
c(0, ['sweep', TINY, '--vary', 'lr=0.1,,0.2'], 2, 'value 2 is empty');
c(0, ['sweep', TINY, '--vary', 'depth=1.5,2'], 2, 'depth=1.5: depth must be an integer in [1, 64]');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--vary', 'seed=2,3'], 2, 'seed is varied twice');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--vary', 'lr=0.1', '--vary', 'n=3'], 2, 'at most 2 keys can be varied');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--shard', '3/2'], 2, 'shard "3/2": write I/N');
c(4, ['sweep', TINY, '--vary', 'seed=0,1', '--shard', '1e300/2e300'], 2, 'shard "1e300/2e300": write I/N');
c(4, ['sweep', TINY, '--vary', 'seed=0,1', '--shard', '1/nan'], 2, 'write I/N');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '0'], 2, '--jobs 0');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '2', '--shard', '1/2'], 2, '--jobs and --shard exclude each other');
c(0, ['sweep', TINY, '--vary', 'lr=lin:0.01:0.1:2000', '--vary', 'seed=lin:0:999:1000'], 2, 'cells is too many');
c(0, ['sweep', 'lrr=1', '--vary', 'seed=0,1'], 2, 'the base config: unknown key "lrr"');
c(0, ['sweep', TINY, '--vary', 'seed=0,1', '--vary'], 2, '--vary needs a value');
c(0, ['merge', f('ok.csv'), '--out'], 2, 'needs a file name');
c(0, ['merge'], 2, 'give the sweep parts to join');
// item 2: a --vary value of any length (a value over ~450 characters overflowed a buffer)
{
  const longNum = `0.${'1'.repeat(600)}`;
  const longList = Array.from({ length: 150 }, (_, i) => (i % 5) / 4).join('%2C');
  c(2, ['sweep', TINY, '--vary', `lr=${longNum},0.2`, '--plan'], 0, '"ncells":2', { on: 'stdout' });
  // a list value's canonical text is limited to 511 characters: refused with a message
  c(2, ['sweep', 'model=linear&data=inline&xs=1&ys=1&steps=2&measure=0', '--vary', `xs=${longList}`, '--plan'], 2, 'the value is too long');
  c(2, ['sweep', 'model=linear&data=inline&xs=1&ys=1&steps=2&measure=0', '--vary', `xs=${longList.split('%2C').slice(0, 60).join('%2C')}`, '--plan'], 0,
    '0\tmodel=linear', { on: 'stdout' });
  c(2, ['sweep', `${TINY}&lr=0.01`, '--vary', `lr=${longNum}`, '--vary', 'seed=0,1', '--out', f('long.csv')], 0, '2 cells',
    { check: () => readFileSync(f('long.csv'), 'utf8').split('\n').filter((l) => /^[0-9]/.test(l)).length === 2, what: 'both rows written' });
  c(2, ['sweep', TINY, '--vary', `xs=${'9'.repeat(5000)}`], 2, 'vary xs=');
}
// item 5 and 6 for sweeps and merges: configs from files, checked outputs
c(5, ['sweep', `@${f('adir')}`, '--vary', 'seed=0,1'], 2, 'it is a directory');
c(5, ['sweep', `@${f('cfg.txt')}`, '--vary', 'seed=0,1', '--plan'], 0, '"base":"model=linear&steps=3&measure=0"', { on: 'stdout' });
c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--out', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['sweep', TINY, '--vary', 'seed=0,1'], 2, 'writing the standard output failed', { stdout: 'full' });
c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--plan', '--out', '/dev/full'], 2, 'writing /dev/full failed');
c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--out', f('adir')], 2, 'it is a directory');
c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--out', join(dir, 'nodir', 'sw.csv')], 2, 'cannot write');
if (!wasm) c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '2', '--out', '/dev/full'], 2, 'writing /dev/full failed');
if (!wasm) c(6, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '2', '--out', join(dir, 'nodir', 'sw.csv')], 2, 'cannot write');
c(4, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '1e300'], 2, '--jobs 1e300: a number of processes in [1, 256]');
c(4, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '2x'], 2, '--jobs 2x');
c(4, ['sweep', TINY, '--vary', 'seed=0,1', '--jobs', '99999999999999999999'], 2, 'a number of processes');
{
  const part = run(['sweep', TINY, '--vary', 'seed=0,1', '--out', f('part.csv')]);
  c(6, ['merge', f('part.csv'), '--out', '/dev/full'], 2, 'writing /dev/full failed', { check: () => part.code === 0, what: 'the part was written' });
  c(6, ['merge', f('part.csv')], 2, 'writing the standard output failed', { stdout: 'full' });
  c(5, ['merge', f('adir')], 2, 'it is a directory');
}
c(0, ['merge', f('missing.csv')], 2, 'cannot open sweep part file');
c(0, ['merge', f('ok.csv')], 2, 'is not a file of ibp sweep: its first line is not "# ibp sweep VERSION"');

// ---- items 15-18: the web side (page behaviour itself is in e2e/security.spec.js) ----------------
// 15 and 17 are the dev server's answers (scripts/serve.mjs over a directory of stand-in pages: its
// headers depend on the file name only); 16 is the embed demo's own check of ?widget= (its
// function, run with a stand-in location); 18 (the sweep page's y=) is page code and has its
// browser test only.
const web = [];
const w = (item, path, status, header, want, opts = {}) => web.push({ item, path, status, header, want, ...opts });
mkdirSync(f('site'));
for (const page of ['index.html', 'sweep.html', 'embed.html', 'embed-demo.html', 'gallery.html']) put(join('site', page), '<!doctype html>\n');
w(15, '/index.html', 200, 'x-frame-options', 'DENY');
w(15, '/index.html', 200, 'content-security-policy', "frame-ancestors 'none'");
w(15, '/', 200, 'content-security-policy', "frame-ancestors 'none'");
w(15, '/sweep.html', 200, 'x-frame-options', 'DENY');
w(15, '/embed-demo.html', 200, 'content-security-policy', "frame-ancestors 'none'");
w(15, '/gallery.html', 200, 'x-frame-options', 'DENY');
w(15, '/missing.html', 404, 'x-frame-options', 'DENY');
w(15, '/embed.html', 200, 'content-security-policy', 'frame-ancestors *');
w(15, '/embed.html', 200, 'x-frame-options', null);
w(15, '/index.html', 200, 'content-security-policy', /^(?!.*frame-src \*)/, { what: 'no frame-src *' });
w(15, '/embed.html', 200, 'content-security-policy', /^(?!.*frame-src \*)/, { what: 'no frame-src *' });
w(15, '/%2e%2e/%2e%2e/etc/passwd', 404, 'x-frame-options', 'DENY', { what: 'no path outside the site' });
w(17, '/test-hooks.json', 404, 'content-type', 'text/plain', { what: 'no test hooks on a normal server' });
w(17, '/test-hooks.json', 200, 'content-type', 'application/json', { hooks: true, body: '{"fault":true}', what: 'the test server turns them on' });

async function serve(hooks) {
  const { spawn } = await import('node:child_process');
  const here = new URL('..', import.meta.url).pathname;
  const p = spawn(process.execPath, [join(here, 'scripts', 'serve.mjs'), '--root', f('site'), '--port', '0', ...(hooks ? ['--test-hooks'] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, bad) => {
    let out = '';
    p.stdout.on('data', (d) => { out += d; const m = out.match(/http:\/\/[^\s/]+\//); if (m) ok(m[0]); });
    p.on('exit', () => bad(new Error('serve.mjs exited')));
  });
  return { url, stop: () => p.kill() };
}
async function get(url, path) {
  const http = await import('node:http');
  return new Promise((ok, bad) => {
    http.get(url + path.replace(/^\//, ''), (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', bad);
  });
}

// 16: the embed demo frames only widget pages of its own site
const widgetUrl = (() => {
  const src = readFileSync(new URL('../site/embed-demo.js', import.meta.url), 'utf8');
  const fn = src.match(/function widgetUrl\(asked\) \{[\s\S]*?\n\}/)[0];
  const DEFAULT_WIDGET = src.match(/const DEFAULT_WIDGET = '([^']+)'/)[1];
  const location = { href: 'https://ibp.example/demo/embed-demo.html', origin: 'https://ibp.example' };
  return new Function('location', 'DEFAULT_WIDGET', `${fn}; return widgetUrl;`)(location, DEFAULT_WIDGET);
})();
const widgets = [
  ['https://evil.example/embed.html', null], ['//evil.example/embed.html', null], ['javascript:alert(1)', null],
  ['data:text/html,<script>alert(1)</script>', null], ['https://ibp.example/demo/index.html', null],
  ['/demo/other.html', null], ['http://ibp.example/demo/embed.html', null], ['https://ibp.example.evil.example/embed.html', null],
  ['v2/embed.html', 'https://ibp.example/demo/v2/embed.html'], ['/demo/embed.html?x=1#y', 'https://ibp.example/demo/embed.html'],
  [null, 'https://ibp.example/demo/embed.html'],
];

// ---- run them ---------------------------------------------------------------------------------
t.check(good.code === 0 && goodUnit.code === 0, `the catalogue's own files were made (${good.stderr} ${goodUnit.stderr})`);
const byItem = new Map();
for (const k of cases) {
  const r = run(k.args, k);
  const text = k.on === 'stdout' ? r.stdout : k.on === 'none' ? '' : r.stderr;
  const msgOk = k.msg instanceof RegExp ? k.msg.test(text) : text.includes(k.msg);
  let extra = true, thrown = '';
  try { extra = k.check ? k.check(r) : true; } catch (e) { extra = false; thrown = ` (${String(e.message).slice(0, 120)})`; }
  const ok = r.code === k.code && msgOk && extra && !r.signal;
  const shown = k.args.map((a) => (a.length > 60 ? `${a.slice(0, 57)}...` : a)).join(' ');
  t.check(ok, `item ${k.item}: ibp ${shown}\n    exit ${r.code}${r.signal ? ` (${r.signal})` : ''}, want ${k.code}; ` +
    `message ${msgOk ? 'ok' : `"${text.slice(0, 300).trim()}" lacks ${k.msg}`}${k.check && !extra ? `; ${k.what} failed${thrown}` : ''}`);
  if (k.report) console.log(`item ${k.item}: ${k.what}: ${k.report(r)}`);
  byItem.set(k.item, (byItem.get(k.item) || 0) + 1);
}
for (const hooks of [false, true]) {
  const srv = await serve(hooks);
  try {
    for (const k of web.filter((x) => !!x.hooks === hooks)) {
      const r = await get(srv.url, k.path);
      const h = r.headers[k.header];
      const headerOk = k.want === null ? h === undefined : k.want instanceof RegExp ? k.want.test(h ?? '') : (h ?? '').includes(k.want);
      const ok = r.status === k.status && headerOk && (!k.body || r.body.trim() === k.body);
      t.check(ok, `item ${k.item}: GET ${k.path}${hooks ? ' (test server)' : ''}: status ${r.status}, want ${k.status}; ${k.header}: ${h ?? '(none)'}, want ${k.want}${k.what ? ` (${k.what})` : ''}`);
      byItem.set(k.item, (byItem.get(k.item) || 0) + 1);
    }
  } finally {
    srv.stop();
  }
}
for (const [asked, want] of widgets) {
  const got = widgetUrl(asked);
  t.check((got === null ? null : got.href) === want, `item 16: ?widget=${asked} -> ${got && got.href}, want ${want}`);
  byItem.set(16, (byItem.get(16) || 0) + 1);
}
const total = cases.length + web.length + widgets.length;
console.log(`${total} cases; by issue item: ${[...byItem].sort((a, b) => a[0] - b[0]).map(([i, n]) => `${i}:${n}`).join(' ')}` +
  ' (item 18, the sweep page\'s y=, is page code: e2e/security.spec.js)');
t.check(total >= 150, `at least 150 cases (${total})`);
t.done();
