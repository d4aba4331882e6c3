/**
 * SHA-256 verification of dataset files, done once per file version and then remembered:
 * in this process (a Map) and across processes (a small JSON cache keyed by path + size + mtime,
 * written atomically). A file that changes on disk (new size or mtime) is hashed again.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetError } from './errors';
import { writeFileAtomic } from '../util/atomic-write';

/** Where the project's `data/` folder is (same relative place from `src/data` and `dist/data`). */
export const PROJECT_DATA_DIR = path.resolve(__dirname, '..', '..', 'data');

/** The environment variable that moves the checksum cache file's folder. */
export const CHECKSUM_CACHE_DIR_ENV = 'VAELAB_CACHE_DIR';

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

const memo = new Map<string, CacheEntry>();

/** Hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads a `sha256sum`-style file (`<64 hex>  <file name>` per line, `#` comments allowed)
 * into a map from file name to lower-case hex digest.
 */
export function readChecksumFile(file: string): Map<string, string> {
  const text = fs.readFileSync(file, 'utf8');
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(t);
    if (!m) throw new Error(`${file}:${i + 1}: expected "<sha256 hex>  <file name>", got "${t}"`);
    out.set(m[2].trim(), m[1].toLowerCase());
  });
  return out;
}

/** The folder of the checksum cache file: `$VAELAB_CACHE_DIR`, else `node_modules/.cache/vaelab`, else the OS temp folder. */
export function checksumCacheDir(): string {
  const fromEnv = process.env[CHECKSUM_CACHE_DIR_ENV];
  if (fromEnv) return fromEnv;
  const nm = path.resolve(__dirname, '..', '..', 'node_modules');
  if (fs.existsSync(nm)) return path.join(nm, '.cache', 'vaelab');
  return path.join(os.tmpdir(), 'vaelab-cache');
}

function cacheFile(): string {
  return path.join(checksumCacheDir(), 'verified-sha256.json');
}

function readCache(): Record<string, CacheEntry> {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(cacheFile(), 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, CacheEntry>) : {};
  } catch {
    return {};
  }
}

function writeCacheEntry(key: string, entry: CacheEntry): void {
  try {
    const all = readCache();
    all[key] = entry;
    writeFileAtomic(cacheFile(), JSON.stringify(all, null, 1));
  } catch {
    // The cache only saves time; a read-only disk must not stop loading.
  }
}

function matches(e: CacheEntry | undefined, st: fs.Stats): e is CacheEntry {
  return e !== undefined && e.size === st.size && e.mtimeMs === st.mtimeMs && typeof e.sha256 === 'string';
}

/**
 * The SHA-256 of `file` if it was hashed before at its current size and mtime (memo or cache file),
 * else undefined.
 */
export function rememberedSha256(file: string): string | undefined {
  const key = path.resolve(file);
  const st = fs.statSync(key);
  const m = memo.get(key);
  if (matches(m, st)) return m.sha256;
  const c = readCache()[key];
  if (matches(c, st)) {
    memo.set(key, c);
    return c.sha256;
  }
  return undefined;
}

/**
 * Checks that `bytes` (the content of `file` as read from disk) hash to `expected`, unless this
 * file version was verified before. Throws a {@link DatasetError} ('checksum-mismatch') naming
 * the file, the expected and the actual digest. `hint` ends the message (how to get a good copy).
 */
export function verifySha256(file: string, bytes: Uint8Array, expected: string, hint = ''): void {
  const key = path.resolve(file);
  const want = expected.toLowerCase();
  const known = rememberedSha256(key);
  const actual = known ?? sha256Hex(bytes);
  if (known === undefined) {
    const st = fs.statSync(key);
    const entry = { size: st.size, mtimeMs: st.mtimeMs, sha256: actual };
    memo.set(key, entry);
    writeCacheEntry(key, entry);
  }
  if (actual !== want) {
    throw new DatasetError(
      'checksum-mismatch',
      file,
      `${file}: checksum mismatch: SHA-256 is ${actual}, expected ${want}. The file is corrupt or not the expected one.` +
        (hint ? ` ${hint}` : ''),
    );
  }
}

/** Forgets the in-process memo of verified files (the cache file stays); for tests and benchmarks. */
export function clearChecksumMemo(): void {
  memo.clear();
}
