#!/usr/bin/env node
/*
 * Makes the small Fashion-MNIST subset shipped in data/fashion-mnist-subset/ from the full set of
 * Debian's package `dataset-fashion-mnist` (apt-get install -y dataset-fashion-mnist), so that
 * notebook 15 runs on a machine with only Node and npm.
 *
 *   npm run build && node scripts/make-fashion-subset.js [--source DIR] [--out DIR]
 *
 * What it does, reproducibly:
 *  1. checks the four source .gz files against data/fashion-mnist.sha256 (refuses other files);
 *  2. per class, shuffles the indices of that class with the project's seeded Rng (seed SEED below,
 *     one fork per split and class) and keeps the first TEST_PER_CLASS test / TRAIN_PER_CLASS
 *     training indices; the kept images stay in the order of the source file;
 *  3. writes them as IDX files compressed with gzip (level 9, no file name, mtime 0),
 *     data/fashion-mnist-subset.sha256 with the SHA-256 of each .gz file (checked on every load), and
 *     data/fashion-mnist-subset-idx.sha256 with the SHA-256 of the IDX bytes inside each, under the
 *     plain file name (the .gz bytes could differ with another zlib version; the IDX bytes never do);
 *  4. writes data/fashion-mnist-idx.sha256, the SHA-256 of the IDX bytes inside the four files of
 *     the full set (so a folder holding Fashion-MNIST uncompressed, or recompressed, is recognised).
 */
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');

const ROOT = path.resolve(__dirname, '..');
const { Rng } = require(path.join(ROOT, 'dist', 'rng'));
const { parseIdxImages, parseIdxLabels, readChecksumFile } = require(path.join(ROOT, 'dist', 'data'));

const SEED = 20261203;
const TEST_PER_CLASS = 200;
const TRAIN_PER_CLASS = 100;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const source = arg('--source', '/usr/share/datasets/fashion-mnist');
const out = arg('--out', path.join(ROOT, 'data', 'fashion-mnist-subset'));
const sumsOut = path.join(path.dirname(out), `${path.basename(out)}.sha256`);
const idxSumsOut = path.join(path.dirname(out), `${path.basename(out)}-idx.sha256`);
const fullIdxSumsOut = path.join(path.dirname(out), 'fashion-mnist-idx.sha256');

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

const known = readChecksumFile(path.join(ROOT, 'data', 'fashion-mnist.sha256'));
function readSource(name) {
  const file = path.join(source, name);
  if (!fs.existsSync(file)) {
    throw new Error(`${file} not found; install the full set first: apt-get install -y dataset-fashion-mnist`);
  }
  const gz = fs.readFileSync(file);
  if (sha(gz) !== known.get(name)) throw new Error(`${file}: SHA-256 ${sha(gz)} is not the one in data/fashion-mnist.sha256`);
  return new Uint8Array(zlib.gunzipSync(gz));
}

function pick(labels, perClass, rng, split) {
  const kept = [];
  for (let c = 0; c < 10; c++) {
    const ofClass = [];
    labels.forEach((l, i) => {
      if (l === c) ofClass.push(i);
    });
    if (ofClass.length < perClass) throw new Error(`${split}: class ${c} has only ${ofClass.length} images`);
    const order = rng.fork(`${split}-${c}`).permutation(ofClass.length);
    for (let k = 0; k < perClass; k++) kept.push(ofClass[order[k]]);
  }
  return kept.sort((a, b) => a - b);
}

function idxHeader(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

fs.mkdirSync(out, { recursive: true });
const rng = new Rng(SEED);
const head = `# Fashion-MNIST subset made by scripts/make-fashion-subset.js (seed ${SEED}) from Debian's dataset-fashion-mnist.`;
const lines = [head, '# The .gz files as shipped in data/fashion-mnist-subset/ (checked on every load).'];
const idxLines = [head, '# The IDX bytes inside each .gz file of data/fashion-mnist-subset/, under the uncompressed file name.'];
const fullIdxLines = [
  "# Fashion-MNIST, full set: the IDX bytes inside the four .gz files of Debian's dataset-fashion-mnist",
  '# (data/fashion-mnist.sha256), under the uncompressed file name. Written by scripts/make-fashion-subset.js.',
];
for (const [split, stem, perClass] of [
  ['train', 'train', TRAIN_PER_CLASS],
  ['test', 't10k', TEST_PER_CLASS],
]) {
  const rawImages = readSource(`${stem}-images-idx3-ubyte.gz`);
  const rawLabels = readSource(`${stem}-labels-idx1-ubyte.gz`);
  fullIdxLines.push(`${sha(rawImages)}  ${stem}-images-idx3-ubyte`, `${sha(rawLabels)}  ${stem}-labels-idx1-ubyte`);
  const images = parseIdxImages(rawImages, stem);
  const labels = parseIdxLabels(rawLabels, stem);
  const kept = pick(labels, perClass, rng, split);
  const size = images.rows * images.cols;
  const pixels = Buffer.alloc(kept.length * size);
  const keptLabels = Buffer.alloc(kept.length);
  kept.forEach((i, k) => {
    pixels.set(images.pixels.subarray(i * size, (i + 1) * size), k * size);
    keptLabels[k] = labels[i];
  });
  const files = [
    [`${stem}-images-idx3-ubyte.gz`, Buffer.concat([idxHeader(0x803, [kept.length, images.rows, images.cols]), pixels])],
    [`${stem}-labels-idx1-ubyte.gz`, Buffer.concat([idxHeader(0x801, [kept.length]), keptLabels])],
  ];
  for (const [name, raw] of files) {
    const gz = zlib.gzipSync(raw, { level: 9 });
    fs.writeFileSync(path.join(out, name), gz);
    lines.push(`${sha(gz)}  ${name}`);
    idxLines.push(`${sha(raw)}  ${name.replace(/\.gz$/, '')}`);
    console.log(`${name}: ${kept.length} items, ${gz.length} bytes (${raw.length} inflated)`);
  }
}
fs.writeFileSync(sumsOut, lines.join('\n') + '\n');
fs.writeFileSync(idxSumsOut, idxLines.join('\n') + '\n');
fs.writeFileSync(fullIdxSumsOut, fullIdxLines.join('\n') + '\n');
console.log(`wrote ${out}, ${sumsOut}, ${idxSumsOut} and ${fullIdxSumsOut}`);
