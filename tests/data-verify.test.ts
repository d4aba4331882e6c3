/**
 * Which dataset a folder holds, and whether that was checked: a folder given by `dir` or
 * `VAELAB_MNIST_DIR` is checked against the known SHA-256 of MNIST and Fashion-MNIST when its file
 * names match; files of other names are loaded and reported as not verified, never as checked.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DatasetError, loadMnist, MNIST_DIR_ENV, mnistPackageDir, readChecksumFile, PROJECT_DATA_DIR } from '../src/data';

const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
let tmp: string;
let intact: string;
let flipped: string;
let unknown: string;

function idx(magic: number, dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, Buffer.from(data)]);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-verify-'));
  intact = path.join(tmp, 'intact');
  flipped = path.join(tmp, 'flipped');
  unknown = path.join(tmp, 'unknown');
  for (const d of [intact, flipped, unknown]) fs.mkdirSync(d);
  for (const f of MNIST_FILES) {
    fs.copyFileSync(path.join(mnistPackageDir(), f), path.join(intact, f));
    fs.copyFileSync(path.join(mnistPackageDir(), f), path.join(flipped, f));
  }
  // One flipped bit in one pixel of one test image: same size, still a valid IDX file.
  const victim = path.join(flipped, 't10k-images-idx3-ubyte');
  const bytes = fs.readFileSync(victim);
  bytes[16 + 300] ^= 0x01;
  fs.writeFileSync(victim, bytes);
  // Three images of another dataset, stored under the standard (gzip) names.
  const img = idx(
    0x803,
    [3, 28, 28],
    new Uint8Array(3 * 784).map((_, i) => i % 256),
  );
  const lab = idx(0x801, [3], new Uint8Array([0, 1, 2]));
  for (const stem of ['train', 't10k']) {
    fs.writeFileSync(path.join(unknown, `${stem}-images-idx3-ubyte.gz`), zlib.gzipSync(img));
    fs.writeFileSync(path.join(unknown, `${stem}-labels-idx1-ubyte.gz`), zlib.gzipSync(lab));
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the flipped copy really differs from MNIST in one byte only (the fixture is what it claims)', () => {
  const a = fs.readFileSync(path.join(intact, 't10k-images-idx3-ubyte'));
  const b = fs.readFileSync(path.join(flipped, 't10k-images-idx3-ubyte'));
  expect(b.length).toBe(a.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  expect(diff).toBe(1);
  const known = readChecksumFile(path.join(PROJECT_DATA_DIR, 'mnist.sha256'));
  expect(crypto.createHash('sha256').update(b).digest('hex')).not.toBe(known.get('t10k-images-idx3-ubyte'));
});

test('an intact copy of MNIST in another folder is recognised and reported as verified MNIST', () => {
  const { source, test } = loadMnist({ dir: intact, testCount: 10 });
  expect(test.count).toBe(10);
  expect(source.dataset).toBe('MNIST');
  expect(source.verified).toBe(true);
  expect(source.description).toContain('MNIST');
  expect(source.description).toContain(intact);
  expect(source.description).toContain('SHA-256 verified');
});

test('a copy of MNIST with one flipped byte, given by dir, is refused with a checksum mismatch naming the file', () => {
  let err: unknown;
  try {
    loadMnist({ dir: flipped });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetError);
  expect((err as DatasetError).code).toBe('checksum-mismatch');
  expect((err as DatasetError).message).toContain(path.join(flipped, 't10k-images-idx3-ubyte'));
  expect((err as DatasetError).message).toContain('MNIST');
});

test('the same damaged copy named by VAELAB_MNIST_DIR is refused too', () => {
  const saved = process.env[MNIST_DIR_ENV];
  process.env[MNIST_DIR_ENV] = flipped;
  try {
    expect(() => loadMnist({ testCount: 5 })).toThrow(/checksum mismatch/);
  } finally {
    if (saved === undefined) delete process.env[MNIST_DIR_ENV];
    else process.env[MNIST_DIR_ENV] = saved;
  }
});

test('files of unknown content load, and are reported as not verified (unknown files), never as checked', () => {
  const { source, train } = loadMnist({ dir: unknown });
  expect(train.count).toBe(3);
  expect(source.dataset).toBe('unknown');
  expect(source.verified).toBe(false);
  expect(source.description).toContain('not verified (unknown files)');
  expect(source.description).not.toMatch(/SHA-256 verified|checked/);
});

test('verify: true on unknown files throws instead of pretending', () => {
  expect(() => loadMnist({ dir: unknown, verify: true })).toThrow(/no checksums are known/);
});
