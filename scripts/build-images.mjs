#!/usr/bin/env node
// build-images.mjs -- the real-image data set the site ships and the CLI reads: a fixed, seeded,
// class-balanced subset of Fashion-MNIST (Zalando, MIT licence) from Debian's
// dataset-fashion-mnist package (idx files under /usr/share/datasets/fashion-mnist/), written in
// the engine's image format (src/data/images.c describes it):
//   5000 training images (500 per class) and 1000 test images (100 per class), 28x28, uint8,
//   interleaved by class (image j is of class j mod 10), so the first n images of any class
//   subset are balanced; the engine downsamples to 14x14 or 7x7 and scales to [0, 1] itself.
// The selection: for each class, its images in the original file shuffled by Fisher-Yates with
// splitmix64 from SEED, the first 500 (100) taken. The output is the same bytes on every machine.
// Idempotent: the file is rewritten only when it is missing or older than this script or the
// sources. usage: node scripts/build-images.mjs [OUT_FILE] [SOURCE_DIR]
import { readFileSync, writeFileSync, existsSync, statSync, mkdirSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, '..', 'build', 'data', 'fashion-mnist.ibpi'));
const src = resolve(process.argv[3] || '/usr/share/datasets/fashion-mnist');
const SEED = 20210226n; // Cohen et al.'s arXiv date: any fixed number would do
const PER_CLASS = { train: 500, test: 100 };
const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const fail = (m) => { console.error(`build-images: ${m}`); process.exit(1); };

const files = {
  train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
  test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'],
};
const sources = Object.values(files).flat().map((f) => join(src, f));
for (const f of sources) {
  if (!existsSync(f)) fail(`${f} is missing: install Debian's dataset-fashion-mnist (scripts/setup does)`);
}
if (existsSync(out)) {
  const t = statSync(out).mtimeMs;
  if ([fileURLToPath(import.meta.url), ...sources].every((f) => statSync(f).mtimeMs <= t)) process.exit(0);
}

// idx: big-endian magic (0x0803 images, 0x0801 labels), dimensions, then uint8 data
function idx(file, wantDims) {
  const b = gunzipSync(readFileSync(file));
  const magic = b.readUInt32BE(0);
  if (magic !== 0x800 + wantDims) fail(`${file}: not an idx file with ${wantDims} dimensions (magic ${magic.toString(16)})`);
  const dims = [];
  for (let i = 0; i < wantDims; i++) dims.push(b.readUInt32BE(4 + 4 * i));
  const off = 4 + 4 * wantDims, count = dims.reduce((a, x) => a * x, 1);
  if (b.length !== off + count) fail(`${file}: ${b.length} bytes, expected ${off + count}`);
  return { dims, data: b.subarray(off) };
}

// splitmix64: the engine's seeding generator (src/numerics/rng.c), here only to pick the subset
let state = SEED;
const M64 = (1n << 64n) - 1n;
function next() {
  state = (state + 0x9e3779b97f4a7c15n) & M64;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
const below = (n) => Number(next() % BigInt(n)); // n <= 6000: the modulo bias is < 1e-15

function pick(set) {
  const img = idx(join(src, files[set][0]), 3), lab = idx(join(src, files[set][1]), 1);
  const [count, rows, cols] = img.dims;
  if (rows !== 28 || cols !== 28 || lab.dims[0] !== count) fail(`${set}: unexpected shapes ${img.dims} / ${lab.dims}`);
  const byClass = NAMES.map(() => []);
  for (let i = 0; i < count; i++) {
    const c = lab.data[i];
    if (c >= NAMES.length) fail(`${set}: label ${c} at ${i}`);
    byClass[c].push(i);
  }
  const k = PER_CLASS[set];
  for (const list of byClass) { // Fisher-Yates, the first k positions
    if (list.length < k) fail(`${set}: only ${list.length} images of a class`);
    for (let i = 0; i < k; i++) {
      const j = i + below(list.length - i);
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
  const n = k * NAMES.length, labels = Buffer.alloc(n), pixels = Buffer.alloc(n * 784);
  for (let j = 0; j < k; j++)
    for (let c = 0; c < NAMES.length; c++) {
      const t = j * NAMES.length + c, i = byClass[c][j];
      labels[t] = c;
      img.data.copy(pixels, t * 784, i * 784, (i + 1) * 784);
    }
  return { n, labels, pixels };
}

const train = pick('train'), test = pick('test');
const text = Buffer.from([
  'name: fashion-mnist',
  'source: Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, arXiv:1708.07747), Debian package dataset-fashion-mnist',
  'licence: MIT (Zalando SE)',
  `subset: ${PER_CLASS.train} training and ${PER_CLASS.test} test images per class, seeded (splitmix64, seed ${SEED}), interleaved by class`,
  `classes: ${NAMES.join('|')}`,
].join('\n') + '\n', 'utf8');
const HEAD = 36;
const head = Buffer.alloc(HEAD);
head.write('IBPIMG1\n', 0, 'latin1');
head.writeUInt32LE(HEAD + text.length, 8);
head.writeUInt32LE(train.n, 12);
head.writeUInt32LE(test.n, 16);
head.writeUInt32LE(28, 20);
head.writeUInt32LE(28, 24);
head.writeUInt32LE(NAMES.length, 28);
head.writeUInt32LE(text.length, 32);
const body = Buffer.concat([head, text, train.labels, test.labels, train.pixels, test.pixels]);
// FNV-1a 64 of everything before it, little-endian: a truncated or damaged download is refused
let h = 0xcbf29ce484222325n;
for (const byte of body) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & M64;
const sum = Buffer.alloc(8);
sum.writeBigUInt64LE(h);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, Buffer.concat([body, sum]));
renameSync(`${out}.tmp`, out);
console.error(`build-images: ${out} (${train.n} training and ${test.n} test images, ${body.length + 8} bytes)`);
