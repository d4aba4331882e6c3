/** SHA-256 helpers: checksum files, verification once per file version, the memo and the cache file. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CHECKSUM_CACHE_DIR_ENV,
  checksumCacheDir,
  DatasetError,
  PROJECT_DATA_DIR,
  readChecksumFile,
  sha256Hex,
  verifySha256,
} from '../src/data';
import { clearChecksumMemo, rememberedSha256 } from '../src/data/checksums';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-sums-'));
  process.env[CHECKSUM_CACHE_DIR_ENV] = path.join(tmp, 'cache');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const digest = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

test('sha256Hex matches Node crypto and the known digest of "abc"', () => {
  expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('readChecksumFile reads sha256sum format, skips comments, rejects bad lines', () => {
  const f = path.join(tmp, 'sums.sha256');
  fs.writeFileSync(f, `# comment\n${'A'.repeat(64)}  one.bin\n${'b'.repeat(64)} *two.gz\n\n`);
  const m = readChecksumFile(f);
  expect(m.get('one.bin')).toBe('a'.repeat(64));
  expect(m.get('two.gz')).toBe('b'.repeat(64));
  fs.writeFileSync(f, 'not a checksum line\n');
  expect(() => readChecksumFile(f)).toThrow(/sums\.sha256:1: expected "<sha256 hex>  <file name>"/);
});

test('the project data/ folder lists the four MNIST files', () => {
  const m = readChecksumFile(path.join(PROJECT_DATA_DIR, 'mnist.sha256'));
  expect([...m.keys()].sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  for (const v of m.values()) expect(v).toMatch(/^[0-9a-f]{64}$/);
});

test('checksumCacheDir follows the environment variable', () => {
  expect(checksumCacheDir()).toBe(path.join(tmp, 'cache'));
});

test('verifySha256 hashes a file once, remembers it in the memo and in the cache file', () => {
  const f = path.join(tmp, 'data.bin');
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  fs.writeFileSync(f, bytes);
  expect(rememberedSha256(f)).toBeUndefined();
  verifySha256(f, bytes, digest(bytes));
  expect(rememberedSha256(f)).toBe(digest(bytes));
  const cache = JSON.parse(fs.readFileSync(path.join(tmp, 'cache', 'verified-sha256.json'), 'utf8')) as Record<string, { sha256: string; size: number }>;
  expect(cache[path.resolve(f)]).toMatchObject({ sha256: digest(bytes), size: 5 });
  // No temp files left behind by the atomic write.
  expect(fs.readdirSync(path.join(tmp, 'cache'))).toEqual(['verified-sha256.json']);
  // Remembered: the bytes passed are no longer hashed (a second process would read the cache file).
  clearChecksumMemo();
  expect(() => verifySha256(f, new Uint8Array([9]), digest(bytes))).not.toThrow();
});

test('a changed file is hashed again and a wrong digest throws a DatasetError naming the file', () => {
  const f = path.join(tmp, 'changing.bin');
  const v1 = new Uint8Array([1, 1, 1]);
  fs.writeFileSync(f, v1);
  verifySha256(f, v1, digest(v1));
  const v2 = new Uint8Array([2, 2, 2, 2]);
  fs.writeFileSync(f, v2);
  let err: unknown;
  try {
    verifySha256(f, v2, digest(v1), 'Get it again.');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DatasetError);
  expect((err as DatasetError).code).toBe('checksum-mismatch');
  expect((err as DatasetError).message).toContain(f);
  expect((err as DatasetError).message).toContain(digest(v1));
  expect((err as DatasetError).message).toContain(digest(v2));
  expect((err as DatasetError).message).toContain('Get it again.');
  expect(rememberedSha256(f)).toBe(digest(v2));
});
