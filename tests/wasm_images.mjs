// Real images through the browser module (ibp.wasm, web/js/wasm-loader.js, web/js/engine.js), as
// the page's worker will use them: the image file (data/fashion-mnist.ibpi) opened from its bytes,
// its images and class names; fashion_mnist runs (a CNN on two classes, an MLP on all ten with
// one-hot targets) created with it and trained; what a viewer draws, checked against independent
// sources: a sample as the model sees it against the file's own bytes (block means of the pixels
// computed here), its target against the class the file gives, the first layer's filters against
// the params JSON, every named array of layout() against the flat parameters.
// Usage: node tests/wasm_images.mjs [build/wasm/ibp.wasm]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadIbp } from '../web/js/wasm-loader.js';
import { Run, Images, EngineError } from '../web/js/engine.js';
import { Checker } from './cli_run.mjs';

const wasmPath = process.argv[2] || fileURLToPath(new URL('../build/wasm/ibp.wasm', import.meta.url));
const ibp = await loadIbp(readFileSync(wasmPath));
const bytes = readFileSync(new URL('../build/data/fashion-mnist.ibpi', import.meta.url));
const t = new Checker();
const err = (fn) => { try { fn(); return null; } catch (e) { return e; } };

// ---- the image file ---------------------------------------------------------------------------
const images = Images.open(ibp, bytes);
const info = images.info();
t.check(info.train === 5000 && info.test === 1000 && info.rows === 28 && info.cols === 28, `info: ${JSON.stringify(info).slice(0, 120)}`);
t.check(info.classes.length === 10 && info.classes[0] === 'T-shirt/top' && info.classes[9] === 'Ankle boot', `class names ${info.classes}`);
t.check(info.train_per_class.every((c) => c === 500) && info.test_per_class.every((c) => c === 100), 'balanced: 500 and 100 per class');
for (let j = 0; j < 30; j++) t.check(images.image(false, j).label === j % 10, `image ${j}: interleaved by class`);
t.check(err(() => images.image(false, 5000)) instanceof RangeError && err(() => images.image(true, -1)) instanceof RangeError, 'images outside the sets are refused');
const bad = Uint8Array.from(bytes);
bad[bad.length >> 1] ^= 1;
const e = err(() => Images.open(ibp, bad));
t.check(e instanceof EngineError && /checksum/.test(e.message), `a damaged file is refused: ${e?.message}`);
t.check(err(() => Run.create(ibp, { config: 'data=fashion_mnist&steps=1' }))?.message.includes('image file'), 'no image file: a clear refusal');

// the pixels of file image j at image_size s: block means of f x f bytes, scaled to [0, 1]
function pixels(test, j, s) {
  const { pixels: p } = images.image(test, j), f = 28 / s, out = new Float64Array(s * s);
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) {
      let sum = 0;
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) sum += p[(y * f + a) * 28 + x * f + b];
      out[y * s + x] = sum / (255 * f * f);
    }
  return out;
}
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// ---- a CNN on two classes: +-1 targets -------------------------------------------------------
{
  const cfg = 'model=cnn&data=fashion_mnist&image_size=14&classes=0,6&n=40&n_test=10&conv=4x5,6x3&stride=2,1&depth=2&width=8&act=relu&lr=0.05&steps=20&measure=0';
  const r = Run.create(ibp, { config: cfg, images });
  const L = r.layout();
  t.check(L.input.d === 196 && L.input.shape.join() === '14,14,1' && L.input.order === 'y,x,channel', `cnn input ${JSON.stringify(L.input)}`);
  t.check(L.classes.join() === '0,6' && L.k === 1 && L.n === 40 && L.n_test === 10, `classes and sizes ${L.classes} ${L.k} ${L.n} ${L.n_test}`);
  t.check(L.params[0].name === 'K1' && L.params[0].shape.join() === '4,1,5,5' && L.params[0].offset === 0, `K1 first ${JSON.stringify(L.params[0])}`);
  t.check(L.params[2].name === 'K2' && L.params[2].shape.join() === '6,4,3,3', `K2 ${JSON.stringify(L.params[2])}`);
  // every named array lies in theta, one after the other, covering it
  let next = 0;
  for (const a of L.params) {
    t.check(a.offset === next, `${a.name} at ${a.offset}, expected ${next}`);
    next += a.shape.reduce((x, y) => x * y, 1);
  }
  t.check(next === r.nparams, `the arrays cover theta: ${next} of ${r.nparams}`);
  // samples: file order of classes 0 and 6 (the file interleaves classes: images 0, 6, 10, 16, ...)
  let worst = 0, targets = true;
  for (let i = 0; i < 40; i++) {
    const s = r.sample(false, i), cls = i % 2 ? 6 : 0, j = 10 * Math.floor(i / 2) + cls;
    worst = Math.max(worst, maxDiff(s.x, pixels(false, j, 14)));
    targets &&= s.y.length === 1 && s.y[0] === (cls === 0 ? 1 : -1);
  }
  for (let i = 0; i < 10; i++) {
    const s = r.sample(true, i), cls = i % 2 ? 6 : 0;
    worst = Math.max(worst, maxDiff(s.x, pixels(true, 10 * Math.floor(i / 2) + cls, 14)));
    targets &&= s.y[0] === (cls === 0 ? 1 : -1);
  }
  t.check(worst <= 1e-15, `samples are the file's block means (worst ${worst})`);
  t.check(targets, 'targets: +1 for class 0, -1 for class 6');
  t.check(err(() => r.sample(false, 40)) instanceof RangeError && err(() => r.sample(true, 10)) instanceof RangeError
    && err(() => r.sample(false, 1.5)) instanceof RangeError, 'samples outside the sets are refused');
  // the filters against the params JSON, before and after training
  const fromJson = (name) => JSON.parse(r.paramsJson()).params.find((a) => a.name === name);
  for (const when of ['at init', 'after 20 steps']) {
    if (when !== 'at init') {
      const loss0 = r.loss();
      while (r.t < 20) r.step(20);
      t.check(r.loss() < loss0, `training lowers the loss (${loss0} -> ${r.loss()})`);
    }
    const f = r.firstLayer(), j = fromJson('K1');
    t.check(f.name === 'K1' && f.shape.join() === j.shape.join() && f.data.length === 100 && f.data.every((v, i) => v === j.data[i]),
      `firstLayer is K1 of the params JSON, ${when}`);
    const c2 = r.param('c2'), jc = fromJson('c2');
    t.check(c2.data.length === 6 && c2.data.every((v, i) => v === jc.data[i]), `param('c2') ${when}`);
    const th = r.params();
    t.check(L.params.every((a) => r.param(a.name).data.every((v, i) => v === th[a.offset + i])), `every array is its slice of params(), ${when}`);
  }
  t.check(err(() => r.param('W9')) instanceof RangeError, 'an unknown array is refused');
  r.destroy();
}

// ---- an MLP on all ten classes: one-hot targets, ce --------------------------------------------
{
  const r = Run.create(ibp, { config: 'data=fashion_mnist&image_size=7&n=50&n_test=20&center=1&depth=2&width=12&loss=ce&lr=0.5&steps=10&measure=0', images });
  const L = r.layout();
  t.check(L.k === 10 && L.classes.join() === '0,1,2,3,4,5,6,7,8,9' && L.input.shape.join() === '7,7,1', `ten classes ${JSON.stringify(L).slice(0, 160)}`);
  t.check(L.params[0].name === 'W1' && L.params[0].shape.join() === '12,49', `W1 ${JSON.stringify(L.params[0])}`);
  // centred: each pixel minus the training set's mean image, computed here from the file
  const mean = new Float64Array(49);
  for (let i = 0; i < 50; i++) pixels(false, i, 7).forEach((v, q) => { mean[q] += v / 50; });
  let worst = 0, onehot = true;
  for (let i = 0; i < 50; i++) {
    const s = r.sample(false, i), raw = pixels(false, i, 7);
    worst = Math.max(worst, maxDiff(s.x, raw.map((v, q) => v - mean[q])));
    onehot &&= s.y.every((v, c) => v === (c === i % 10 ? 1 : 0));
  }
  t.check(worst <= 1e-12, `centred samples (worst ${worst})`);
  t.check(onehot, 'one-hot targets of the file\'s classes');
  const cols = r.columns;
  t.check(['train_acc', 'test_acc', 'test_loss', 'margin'].every((c) => cols.includes(c)), `accuracy and test loss columns (${cols})`);
  r.step(10);
  const rows = r.takeRows(), last = rows.subarray(rows.length - r.ncols);
  const acc = last[cols.indexOf('train_acc')] * 50;
  t.check(rows.length === 11 * r.ncols && Number.isInteger(acc) && acc >= 0 && acc <= 50 && Number.isFinite(last[cols.indexOf('test_loss')]),
    `accuracy ${acc}/50 and a finite test loss`);
  t.check(r.firstLayer().shape.join() === '12,49', 'an MLP\'s first layer is W1, one row per unit');
  r.destroy();
}

// ---- model=mf has no samples ----------------------------------------------------------------------
{
  const r = Run.create(ibp, { config: 'model=mf&steps=0' });
  t.check(r.layout().input === null && r.layout().params.map((a) => a.name).join() === 'X,Y', 'mf: no input, arrays X and Y');
  t.check(err(() => r.sample(false, 0)) instanceof RangeError, 'mf: no samples');
  r.destroy();
}
images.close();
t.done();
