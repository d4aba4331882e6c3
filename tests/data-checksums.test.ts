/** SHA-256 helpers: checksum files, verification once per file version, the memo and the cache file. */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetError, PROJECT_DATA_DIR, readChecksumFile, sha256Hex, verifySha256 } from '../src/data';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-data-sums-'));
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
  expect(() => readChecksumFile(f)).toThrow(/sums\.sha256:1: expected "<sha256 hex> {2}<file name>"/);
});

test('the project data/ folder lists the four MNIST files', () => {
  const m = readChecksumFile(path.join(PROJECT_DATA_DIR, 'mnist.sha256'));
  expect([...m.keys()].sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
  for (const v of m.values()) expect(v).toMatch(/^[0-9a-f]{64}$/);
});

test('verifySha256 hashes the bytes it is given every time: nothing is taken on trust from an earlier check', () => {
  const f = path.join(tmp, 'data.bin');
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  fs.writeFileSync(f, bytes);
  expect(() => verifySha256(f, bytes, digest(bytes))).not.toThrow();
  // Other bytes for the same, unchanged file: an earlier success must not vouch for them.
  expect(() => verifySha256(f, new Uint8Array([9]), digest(bytes))).toThrow(/checksum mismatch/);
});

test('an in-place edit that keeps the size and the modification time is caught', () => {
  const f = path.join(tmp, 'same-size.bin');
  const good = new Uint8Array([10, 20, 30, 40]);
  const when = new Date('2026-01-02T03:04:05Z');
  fs.writeFileSync(f, good);
  fs.utimesSync(f, when, when);
  verifySha256(f, fs.readFileSync(f), digest(good));
  const bad = new Uint8Array([10, 20, 31, 40]); // one flipped bit, same size
  fs.writeFileSync(f, bad);
  fs.utimesSync(f, when, when); // the mtime kept, as `cp -p` or `touch -r` leaves it
  expect(fs.statSync(f).mtimeMs).toBe(when.getTime());
  expect(() => verifySha256(f, fs.readFileSync(f), digest(good))).toThrow(/checksum mismatch/);
});

test('a failure is never remembered: a good copy restored with its old mtime (cp -p) passes at once', () => {
  const f = path.join(tmp, 'restored.bin');
  const good = new Uint8Array([7, 7, 7, 7, 7, 7]);
  const when = new Date('1985-10-26T08:15:00Z'); // the mtime npm gives every file it installs
  fs.writeFileSync(f, new Uint8Array([7, 7, 0, 7, 7, 7]));
  fs.utimesSync(f, when, when);
  expect(() => verifySha256(f, fs.readFileSync(f), digest(good))).toThrow(/checksum mismatch/);
  fs.writeFileSync(f, good);
  fs.utimesSync(f, when, when);
  expect(() => verifySha256(f, fs.readFileSync(f), digest(good))).not.toThrow();
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
});
