// The CLI of issue 14: convolutional networks and real images through `ibp run`, `ibp info`,
// `ibp data`; the gradient that --save writes; --params-every / --params-out; `ibp hvp`
// (the loss, the gradient and H v at a params file, against the saved gradient, a symmetric
// bilinear form, and a central difference of gradients); their errors.
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFromArgs, runIbp, parseCsv, Checker } from './cli_run.mjs';

const cli = cliFromArgs(process.argv.slice(2));
const t = new Checker();
const dir = mkdtempSync(join(tmpdir(), 'ibp-cnn-'));
const f = (name) => join(dir, name);
const flat = (list) => list.flatMap((a) => a.data.flat(Infinity));
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);

const CNN = 'model=cnn&d=32&in_shape=2,16&conv=3x3,4x3&stride=1,2&padding=same&depth=2&width=5&act=tanh&data=teacher&out=2&n=24';

// info: the layer table with shapes and the pooling
let r = runIbp(cli, ['info', CNN]);
t.check(r.code === 0 && /K1 \(3, 2, 3\)\+c stride 1: 2x16 -> 3x16;/.test(r.stdout) && /K2 \(4, 3, 3\)\+c stride 2: 3x16 -> 4x8; flat pooling: 32 features; W3 \(5, 32\)\+b W4 \(2, 5\)\+b/.test(r.stdout),
  `info of a 1-D CNN: ${r.stdout.split('\n')[1]}`);

// --save: parameters with the conv shapes, and the gradient at them
r = runIbp(cli, ['run', `${CNN}&steps=7&lr=0.05&measure=0`, '--save', f('p.json'), '--params-every', '3', '--params-out', f('pe.jsonl'), '--quiet']);
t.check(r.code === 0, `run with --save and --params-every (${r.stderr})`);
const saved = JSON.parse(readFileSync(f('p.json'), 'utf8'));
t.check(saved.step === 7 && saved.params.map((a) => a.name).join() === 'K1,c1,K2,c2,W3,b3,W4,b4', `saved names ${saved.params.map((a) => a.name)}`);
t.check(JSON.stringify(saved.params[0].shape) === '[3,2,3]' && JSON.stringify(saved.params[2].shape) === '[4,3,3]', 'conv kernel shapes (C_out, C_in, k)');
t.check(Array.isArray(saved.grad) && JSON.stringify(saved.grad.map((a) => [a.name, a.shape])) === JSON.stringify(saved.params.map((a) => [a.name, a.shape])),
  'the gradient list has the arrays of params');
const lines = readFileSync(f('pe.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
t.check(lines.map((l) => l.step).join() === '0,3,6,7', `--params-every 3: steps ${lines.map((l) => l.step)}`);
t.check(JSON.stringify(lines.at(-1)) === JSON.stringify(saved), 'the last line is the --save JSON');
t.check(lines.every((l) => l.grad && l.params.length === 8), 'every line has params and grad');
t.check(JSON.stringify(lines[0].params) !== JSON.stringify(lines[1].params), 'the parameters move');

// hvp at the saved point: the same gradient; v = grad; the Rayleigh quotient
r = runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', 'grad', '--out', f('h.json')]);
t.check(r.code === 0, `ibp hvp --dir grad (${r.stderr})`);
const h = JSON.parse(readFileSync(f('h.json'), 'utf8'));
t.check(h.format === 'ibp-hvp-1' && JSON.stringify(h.grad) === JSON.stringify(saved.grad), 'hvp: the gradient equals the one --save wrote (same bits)');
t.check(JSON.stringify(h.dir) === JSON.stringify(h.grad), 'hvp: --dir grad uses the gradient');
// its output is checked like every output (issue 10 items 6, 7): a full disk or a directory is an
// error, not a lost file; the stdout form is the file's bytes
if (!/node$/.test(cli[0])) {
  r = runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', 'grad', '--out', '/dev/full']);
  t.check(r.code === 2 && /writing \/dev\/full failed/.test(r.stderr), `hvp --out /dev/full fails (${r.stderr.trim()})`);
}
r = runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', 'grad', '--out', dir]);
t.check(r.code === 2 && /is a directory/.test(r.stderr), `hvp --out DIR fails (${r.stderr.trim()})`);
// a config of any length is written whole (it was cut at 8192 characters)
const longCfg = `${CNN}&lr_at=${Array.from({ length: 1000 }, (_, i) => `${i + 1},0.0${(i % 9) + 1}`).join(',')}`;
r = runIbp(cli, ['hvp', longCfg, '--params', f('p.json'), '--dir', 'grad']);
const hl = r.code === 0 ? JSON.parse(r.stdout) : {};
t.check(r.code === 0 && hl.config.length > 8192 && hl.config.includes('1000,0.01'), `hvp: a ${hl.config ? hl.config.length : 0}-character config is written whole (${r.stderr.trim()})`);
r = runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', 'grad']);
t.check(r.code === 0 && r.stdout === readFileSync(f('h.json'), 'utf8'), 'hvp to stdout: the bytes of --out');
const g = flat(h.grad), hv = flat(h.hvp);
t.check(Math.abs(h.vHv - dot(g, hv)) <= 1e-12 * Math.abs(h.vHv) && Math.abs(h.rayleigh - h.vHv / dot(g, g)) <= 1e-14 * Math.abs(h.rayleigh),
  `vHv ${h.vHv} and the Rayleigh quotient ${h.rayleigh}`);
// symmetry: u.Hv = v.Hu with u, v two other params files (the saved points of other seeds)
for (const s of [1, 2]) runIbp(cli, ['run', `${CNN}&steps=0&measure=0&seed=${s}`, '--save', f(`u${s}.json`), '--quiet']);
const hu = JSON.parse(runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', f('u1.json')]).stdout);
const hw = JSON.parse(runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', f('u2.json')]).stdout);
const uHw = dot(flat(hu.dir), flat(hw.hvp)), wHu = dot(flat(hw.dir), flat(hu.hvp));
t.check(Math.abs(uHw - wHu) <= 1e-12 * (Math.abs(uHw) + 1e-300), `u.Hw ${uHw} = w.Hu ${wHu}`);
// H v against a central difference of gradients at theta +- e v (the gradient of --save)
const eps = 1e-5, theta = flat(saved.params), v = flat(hu.dir);
const shifted = (sgn) => {
  let k = 0;
  const params = saved.params.map((a) => ({ ...a, data: a.data.map(() => theta[k] + sgn * eps * v[k++]) }));
  writeFileSync(f('s.json'), JSON.stringify({ params }));
  return flat(JSON.parse(runIbp(cli, ['hvp', CNN, '--params', f('s.json'), '--dir', 'grad']).stdout).grad);
};
const gp = shifted(1), gm = shifted(-1), hvu = flat(hu.hvp);
const err = Math.max(...hvu.map((x, i) => Math.abs((gp[i] - gm[i]) / (2 * eps) - x)));
t.check(err <= 1e-6 * (1 + Math.max(...hvu.map(Math.abs))), `H v vs a central difference of the gradient: ${err}`);

// errors
r = runIbp(cli, ['run', 'steps=3', '--params-every', '2']);
t.check(r.code === 2 && /--params-every K and --params-out FILE.jsonl go together/.test(r.stderr), `params-every alone (${r.stderr})`);
r = runIbp(cli, ['run', 'steps=3', '--params-every', '1.5', '--params-out', f('x.jsonl')]);
t.check(r.code === 2 && /--params-every 1.5: give a whole number/.test(r.stderr), `params-every 1.5 (${r.stderr})`);
r = runIbp(cli, ['hvp', CNN, '--dir', 'grad']);
t.check(r.code === 2 && /give --params FILE.json/.test(r.stderr), `hvp without --params (${r.stderr})`);
r = runIbp(cli, ['hvp', CNN.replace('width=5', 'width=6'), '--params', f('p.json'), '--dir', 'grad']);
t.check(r.code === 2 && /W3 has the wrong shape: the model's W3 is \(6, 32\)/.test(r.stderr), `hvp, a params file of another model (${r.stderr})`);
writeFileSync(f('bad.json'), '{"params":[{"name":"K1","shape":[3,2,3],"data":[1,2]}]}');
r = runIbp(cli, ['hvp', CNN, '--params', f('p.json'), '--dir', f('bad.json')]);
t.check(r.code === 2 && /the direction .*bad.json: params JSON, byte \d+: K1 has 2 numbers/.test(r.stderr), `hvp, a bad direction (${r.stderr})`);
r = runIbp(cli, ['run', 'steps=1', '--params', f('p.json')]);
t.check(r.code === 2 && /option --params does not apply to this command/.test(r.stderr), `run --params (${r.stderr})`);
r = runIbp(cli, ['run', 'model=cnn&d=9&in_shape=1,3,3&conv=2x4']);
t.check(r.code === 2 && /conv layer 1: its 4x4 kernel is larger than its 3x3 input \(padding=valid\)/.test(r.stderr), `kernel too large (${r.stderr})`);
r = runIbp(cli, ['run', 'model=cnn&conv=8']);
t.check(r.code === 2 && /conv: layer 1, "8", is not CxK/.test(r.stderr), `conv=8 (${r.stderr})`);
r = runIbp(cli, ['run', 'model=cnn&d=8&in_shape=3,3']);
t.check(r.code === 2 && /in_shape=3,3 gives 9 inputs per sample, but the data have d=8/.test(r.stderr), `in_shape vs d (${r.stderr})`);
r = runIbp(cli, ['run', 'model=cnn&conv=4x3,4x3&stride=1,2,1']);
t.check(r.code === 2 && /stride has 3 values but conv has 2 layers/.test(r.stderr), `stride list (${r.stderr})`);
r = runIbp(cli, ['run', 'model=mlp&pool=avg']);
t.check(r.code === 2 && /pool does not apply here/.test(r.stderr), `pool with mlp (${r.stderr})`);

// real images through the CLI (the image file scripts/build makes is found by itself)
r = runIbp(cli, ['run', 'model=cnn&data=fashion_mnist&image_size=7&classes=0,6&n=40&n_test=20&conv=4x3&loss=ce&lr=0.1&steps=5&measure=0', '--quiet']);
t.check(r.code === 0, `fashion_mnist run (${r.stderr})`);
const csv = r.code === 0 ? parseCsv(r.stdout) : null;
t.check(csv && csv.cols.includes('train_acc') && csv.cols.includes('test_acc') && csv.cols.includes('test_loss'), `accuracy columns (${csv && csv.cols})`);
r = runIbp(cli, ['data', 'data=fashion_mnist&image_size=7&classes=3,1,4&n=6', '--out', f('d.csv')]);
const drows = readFileSync(f('d.csv'), 'utf8').trim().split('\n');
// the file interleaves the classes: its images 1, 3, 4 (labels 1, 3, 4) come first, one-hot in the
// order of classes=3,1,4
t.check(r.code === 0 && drows.length === 7 && drows[0].split(',').length === 49 + 3 && drows[1].split(',').slice(49).join() === '0,1,0' &&
  drows[2].split(',').slice(49).join() === '1,0,0' && drows[3].split(',').slice(49).join() === '0,0,1',
  `data: 49 pixels and a one-hot target per row (${drows.slice(1, 4).map((l) => l.split(',').slice(49).join())})`);
writeFileSync(f('bad.ibpi'), 'IBPIMG1\nnot an image file at all, but long enough to have a header ......');
r = runIbp(cli, ['run', 'data=fashion_mnist&steps=1', '--images', f('bad.ibpi')]);
t.check(r.code === 2 && /image file: the header says/.test(r.stderr), `a bad image file (${r.stderr})`);
r = runIbp(cli, ['run', 'data=fashion_mnist&steps=1', '--images', dir]);
t.check(r.code === 2 && /it is a directory/.test(r.stderr), `a directory as the image file (${r.stderr})`);
r = runIbp(cli, ['help']);
t.check(/ibp hvp CONFIG --params P.json --dir V.json\|grad/.test(r.stdout) && /--params-every K --params-out FILE.jsonl/.test(r.stdout), 'usage lists hvp and --params-every');
r = runIbp(cli, ['help', 'config']);
t.check(/\[cnn\]/.test(r.stdout) && /conv +8x3/.test(r.stdout) && /fashion_mnist/.test(r.stdout) && /target_dist/.test(r.stdout), 'help config documents the new keys');

t.done();
