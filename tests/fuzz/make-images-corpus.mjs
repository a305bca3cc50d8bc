#!/usr/bin/env node
// make-images-corpus.mjs -- writes the seed corpus of tests/fuzz/fuzz_images.c into
// tests/fuzz/corpus/images/: valid image files (a 20 + 10 image excerpt of the Fashion-MNIST file
// scripts/build-images.mjs makes, and tiny synthetic ones) and broken ones (truncated, bad magic,
// a label out of range, inconsistent sizes, a NUL in the text). Each input is the harness's mode
// byte followed by the file. usage: node tests/fuzz/make-images-corpus.mjs [FASHION_FILE]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'corpus', 'images');
const src = process.argv[2] || join(here, '..', '..', 'build', 'data', 'fashion-mnist.ibpi');
mkdirSync(out, { recursive: true });

const M64 = (1n << 64n) - 1n;
function fnv(buf) {
  let h = 0xcbf29ce484222325n;
  for (const b of buf) h = ((h ^ BigInt(b)) * 0x100000001b3n) & M64;
  const s = Buffer.alloc(8);
  s.writeBigUInt64LE(h);
  return s;
}
// a file without its checksum
function body({ ntr, nte, rows, cols, ncls, text, labels, pixels }) {
  const t = Buffer.from(text, 'latin1'), h = Buffer.alloc(36);
  h.write('IBPIMG1\n', 0, 'latin1');
  h.writeUInt32LE(36 + t.length, 8);
  h.writeUInt32LE(ntr, 12); h.writeUInt32LE(nte, 16);
  h.writeUInt32LE(rows, 20); h.writeUInt32LE(cols, 24);
  h.writeUInt32LE(ncls, 28); h.writeUInt32LE(t.length, 32);
  return Buffer.concat([h, t, Buffer.from(labels), Buffer.from(pixels)]);
}
const put = (name, mode, buf) => writeFileSync(join(out, name), Buffer.concat([Buffer.from([mode]), buf]));

// an excerpt of the real file: its first 20 training and 10 test images
const f = readFileSync(src);
const head = f.readUInt32LE(8), ntr = f.readUInt32LE(12), nte = f.readUInt32LE(16);
const text = f.subarray(36, head).toString('latin1');
const lab = f.subarray(head, head + ntr + nte), pix = f.subarray(head + ntr + nte);
const ex = body({
  ntr: 20, nte: 10, rows: 28, cols: 28, ncls: 10, text,
  labels: [...lab.subarray(0, 20), ...lab.subarray(ntr, ntr + 10)],
  pixels: Buffer.concat([pix.subarray(0, 20 * 784), pix.subarray(ntr * 784, (ntr + 10) * 784)]),
});
put('fashion-excerpt', 0, Buffer.concat([ex, fnv(ex)]));                 // valid, all ten classes
put('fashion-excerpt-14-two', 0b10101, ex);                             // harness adds the checksum; 14x14, classes 0,1
put('fashion-excerpt-7-center', 0b01011, ex);                           // 7x7, centred
put('fashion-truncated', 1, ex.subarray(0, ex.length - 100));            // pixels cut short
put('fashion-bad-sum', 0, Buffer.concat([ex, Buffer.alloc(8)]));          // wrong checksum
const tiny = (over) => body({ ntr: 3, nte: 1, rows: 2, cols: 2, ncls: 2, text: 'classes: no|yes\n',
  labels: [0, 1, 0, 1], pixels: [...Array(16).keys()].map((i) => i * 17), ...over });
put('tiny', 1, tiny({}));
put('tiny-escapes', 1, tiny({ text: 'name: "q"\\x\nclasses: a,"b"|c\\d\n' }));
put('tiny-no-names', 1, tiny({ text: '' }));
put('tiny-bad-label', 1, tiny({ labels: [0, 1, 2, 1] }));
put('tiny-nul-text', 1, tiny({ text: 'a\0b' }));
put('tiny-zero-sizes', 1, tiny({ rows: 0 }));
put('tiny-huge-counts', 1, tiny({ ntr: 4000000000, nte: 4000000000 }));
put('tiny-one-class', 1, tiny({ ncls: 1 }));
put('bad-magic', 1, Buffer.concat([Buffer.from('IBPIMG2\n'), tiny({}).subarray(8)]));
put('empty', 0, Buffer.alloc(0));
console.error(`make-images-corpus: ${out}`);
