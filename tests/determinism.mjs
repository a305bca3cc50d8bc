// Determinism across platforms: the same configs run by the native CLI (x86-64, SSE2 or scalar)
// and by the browser's module ibp.wasm (loaded with the page's own loader, under node) must
// give byte-identical metric streams; and the elementary functions and the PRNG must dump the
// same bits in the native and the wasm test binaries.
// usage: node tests/determinism.mjs NATIVE_BUILD_DIR WASM_BUILD_DIR [SCALAR_BUILD_DIR]
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, openSync, closeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIbp } from '../web/js/wasm-loader.js';
import { Run, Images } from '../web/js/engine.js';

const [nativeDir, wasmDir, scalarDir] = process.argv.slice(2);
let passed = 0, failed = 0;
function check(ok, what) {
  if (ok) passed++;
  else { failed++; console.error('FAIL', what); }
}

export const CONFIGS = [
  '',  // the defaults: tanh MLP on a linear teacher, GD with sharpness measurement
  'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&steps=300',
  'model=linear&width=1000&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=5&steps=100',
  'model=linear&depth=4&d=5&width=5&data=mc&n=50&noise=1&init=normal&init_scale=0.3&lr=0.01&steps=300&topk=3&lambda_min=1',
  'model=linear&depth=3&d=1&width=1&init=1.5,0.7,0.4&data=teacher&teacher_w=1&n=32&opt=sgd&batch=1&sample=online&noise=1&lr=0.05&steps=500&measure=0',
  'model=mlp&depth=3&d=8&width=32&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&lr=0.2&steps=300&measure_every=10',
  'model=mlp&depth=1&width=2&head=pm&bias=0&init=zero&act=leaky_softplus&data=p5&loss=logistic&lr=30&steps=300',
  'model=mlp&depth=2&width=20&act=relu&data=xor40&loss=logistic&init=normal&lr=1&steps=200&opt=sgd&batch=8',
  'model=mlp&depth=4&d=10&out=2&width=32&act=identity&data=teacher&teacher=sin&lr=0.02&steps=200&label_noise=0.1',
  'model=mlp&depth=2&width=16&act=gelu&data=moons&n=64&loss=logistic&lr=0.5&steps=200&lr_power=0.5&warmup=20',
  'model=mlp&depth=2&width=16&act=softplus(2)&data=spirals&n=64&lr=0.3&steps=200&n_test=32',
  'model=mlp&depth=2&width=16&act=leaky_relu(0.1)&data=circles&n=64&lr=0.3&steps=200&opt=sgd&batch=16&sample=online',
  'model=mf&rows=20&cols=15&rank=3&init=normal&init_scale=1e-3&lr_power=0.6&lr=0.3&steps=500',
  'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=2.5&steps=500',
  'model=mlp&depth=2&width=8&act=tanh&data=degenerate&p=0.8&n=10&d=3&loss=logistic&lr=1&steps=200&ntk=1',
  // the flows beside GD (issue 15): the integrator, warm Lanczos, D3 passes and the
  // complementarity solve at the edge, from theta0 and from the EoS onset
  'model=linear&width=200&param=ntk&init=normal&data=inline&xs=1&ys=0&lr_rel=2.5&lr_ref=ntk&steps=100&flow=gf,central&flow_k=2',
  'model=mf&rows=1&cols=1&rank=1&target=1&init=4,0.1&lr_rel=1.5&steps=300&flow=gf,central&flow_k=2',
  'model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48&lr=0.6&measure_every=7&log_every=3&steps=160&flow=gf,central&flow_k=2',
  'model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48&lr=0.6&measure_every=7&steps=160&flow=gf,central&flow_k=3&flow_start=onset',
  // the central flow's D3 passes through a cnn (model_cnn_d3.c) and the softmax cross-entropy
  // (loss_d3.c): a 1-D cnn at the edge; a cnn with ce on real images; an mlp with ce at the edge
  'model=cnn&d=8&in_shape=1,8&conv=4x3&depth=2&width=8&act=tanh&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=16&lr=0.5&measure_every=5&steps=120&flow=gf,central&flow_k=2',
  'model=cnn&data=fashion_mnist&image_size=7&classes=0,6,9&n=32&conv=4x3&depth=1&act=tanh&loss=ce&lr_rel=1.9&measure_every=5&steps=60&flow=gf,central&flow_k=2',
  'model=mlp&depth=2&d=4&width=12&out=3&act=tanh&data=inline&loss=ce&lr=2&measure_every=5&steps=100&flow=central&flow_k=2&xs=0.5,-1,2,0.3,1,1,-0.7,0.2,-2,1.5,0.4,0.9,0.1,0.2,-0.3,1.1,-1.2,0.8,0.6,-0.4,0.3,-0.9,1.4,-0.2&ys=1,0,0,0,1,0,0,0,1,1,0,0,0,1,0,0,0,1',
  // Rod Flow and Edge Flow (rodedge): two gradients (+ one HVP) per right-hand side, Lanczos at the start
  'model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48&lr=0.6&measure_every=7&log_every=3&steps=160&flow=rod,edge',
  'model=mf&rows=1&cols=1&rank=1&target=1&init=0.5,1.9&lr=0.9&steps=200&flow=gf,rod,edge',
  'model=mlp&depth=2&d=4&width=12&data=teacher&teacher=tanh_mlp&teacher_scale=4&standardize=1&n=48&lr=0.6&measure_every=7&steps=160&flow=rod,edge&flow_start=onset',
  'model=cnn&d=16&in_shape=1,4,4&conv=3x2&depth=2&width=8&act=tanh&data=teacher&teacher=sin&n=40&lr=1&steps=60&measure_every=10&flow=rod,edge',
];
// the flow configs run on the scalar build too (no SIMD): the same bits
const FLOW_CONFIGS = CONFIGS.filter((c) => c.includes('flow='));

// Convolutional networks and real images (issue 14): compared native = wasm = scalar.
export const CNN_CONFIGS = [
  'model=cnn&d=64&in_shape=1,8,8&conv=4x3,6x3&stride=1,2&depth=2&width=16&act=relu&data=teacher&teacher=sin&n=64&lr=0.02&steps=150&topk=2',
  'model=cnn&d=32&in_shape=2,16&conv=4x3,4x3&padding=same&pool=avg&depth=1&act=tanh&data=teacher&out=3&loss=mse&n=48&lr=0.1&steps=120&ntk=1&lambda_min=1&n_test=16',
  'model=cnn&d=16&in_shape=1,4,4&conv=3x2&param=ntk_all&act=leaky_relu(0.1)&data=separable&loss=logistic&n=40&lr=0.5&steps=150&opt=sgd&batch=8&sample=online',
  'model=cnn&data=fashion_mnist&image_size=7&classes=0,6&n=128&n_test=40&conv=8x3&depth=2&width=16&act=tanh&lr=0.04&steps=200&measure_every=25',
  'model=cnn&data=fashion_mnist&image_size=14&n=100&n_test=50&conv=4x3,8x3&stride=2,1&pool=avg&depth=1&act=relu&loss=ce&lr=0.1&steps=60&measure_every=20',
  'data=fashion_mnist&image_size=14&classes=1,3,5&center=1&n=120&depth=2&width=16&act=gelu&loss=mse&lr=0.05&steps=80',
  'model=linear&depth=2&d=4&width=3&data=teacher&cov=4,1,1,0.25&cov_rotate=1&opt=sgd&batch=4&sample=online&lr=0.01&steps=200&measure=0',
  'model=mf&rows=6&cols=5&target_dist=iid&target_norm=2&factor_rank=3&init=normal&init_scale=0.1&lr=0.1&steps=200',
];

function nativeCsv(config, dir = nativeDir) {
  let out;
  try {
    out = execFileSync(`${dir}/ibp`, ['run', config, '--quiet', ...(config.includes('fashion_mnist') ? ['--images', IMAGES] : [])],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  } catch (e) {
    if (e.status === 1) out = e.stdout; // diverged: still a result
    else throw e;
  }
  return out.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

// the image file scripts/build makes (data=fashion_mnist): the CLI reads it, the module gets its bytes
const IMAGES = new URL('../build/data/fashion-mnist.ibpi', import.meta.url).pathname;
let images = null;

async function wasmCsv(ibp, config) {
  const run = Run.create(ibp, { config, images: config.includes('fashion_mnist') ? images : null });
  let csv = run.takeRowsCsv(true);
  while (run.running) {
    run.step(997);
    csv += run.takeRowsCsv(false);
  }
  run.destroy();
  return csv;
}

const ibp = await loadIbp(readFileSync(`${wasmDir}/ibp.wasm`));
images = Images.open(ibp, readFileSync(IMAGES));
for (const config of [...CONFIGS, ...CNN_CONFIGS]) {
  const a = nativeCsv(config);
  const b = await wasmCsv(ibp, config);
  const c = await wasmCsv(ibp, config);
  check(b === c, `wasm run-to-run bits differ for "${config}"`);
  const same = a === b;
  if (!same) {
    const la = a.split('\n'), lb = b.split('\n');
    let i = 0;
    while (i < la.length && la[i] === lb[i]) i++;
    console.error(`first difference at line ${i + 1}:\n native: ${la[i]}\n wasm:   ${lb[i]}`);
  }
  check(same, `native and wasm metric streams differ for "${config}" (${a.split('\n').length} vs ${b.split('\n').length} lines)`);
  check(a.split('\n').length > 3, `"${config}" produced rows`);
  if (CNN_CONFIGS.includes(config) && scalarDir && existsSync(`${scalarDir}/ibp`)) {
    const sc = nativeCsv(config, scalarDir);
    check(sc === a, `native SSE2 and scalar metric streams differ for "${config}"`);
  }
}
images.close();

if (scalarDir && existsSync(`${scalarDir}/ibp`)) {
  for (const config of FLOW_CONFIGS) {
    const a = nativeCsv(config), s = nativeCsv(config, scalarDir);
    check(a === s, `native SIMD and scalar metric streams differ for "${config}"`);
  }
}

// Bit dumps of the elementary functions and the PRNG: native SIMD, native scalar and wasm.
for (const t of ['test_mathf', 'test_rng']) {
  const nat = execFileSync(`${nativeDir}/${t}`, ['--dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // Emscripten's stdout under node is cut short when it is a pipe and the program exits: write
  // the dump to a file descriptor instead.
  const file = join(mkdtempSync(join(tmpdir(), 'ibp-dump-')), `${t}.txt`);
  const fd = openSync(file, 'w');
  execFileSync('node', ['--no-experimental-fetch', `${wasmDir}/${t}.js`, '--dump'], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const was = readFileSync(file, 'utf8');
  check(nat.length > 1000 && nat === was, `${t} --dump differs native vs wasm`);
  if (scalarDir && existsSync(`${scalarDir}/${t}`)) {
    const sca = execFileSync(`${scalarDir}/${t}`, ['--dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    check(nat === sca, `${t} --dump differs SIMD vs scalar`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
