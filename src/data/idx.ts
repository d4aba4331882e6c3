/**
 * IDX file format (the format MNIST and Fashion-MNIST ship in), parsed straight into typed arrays.
 *
 * Layout: two zero bytes, a type byte (0x08 = unsigned byte), a byte with the number of
 * dimensions, one big-endian uint32 per dimension, then the data row-major.
 * Images are `[count, rows, cols]` (magic 0x00000803), labels `[count]` (magic 0x00000801).
 * Files compressed with gzip (`.gz`) are recognised by their first two bytes and inflated with zlib.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { DatasetError } from './errors';

/** Magic number of an IDX file of unsigned-byte images `[count, rows, cols]`. */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte labels `[count]`. */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed IDX file: its dimensions and its raw bytes (a view, no copy). */
export interface IdxArray {
  /** Size of each dimension, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The values, row-major. */
  readonly data: Uint8Array;
}

/** Raw grey-scale images of an IDX file, still as bytes 0-255. */
export interface IdxImages {
  /** Number of images. */
  readonly count: number;
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly cols: number;
  /** Bytes 0-255, image after image, row-major. */
  readonly pixels: Uint8Array;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** True when the bytes start with the gzip signature 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates gzip bytes (or returns plain bytes as they are); `file` only names the file in errors. */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = zlib.gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DatasetError(
      'truncated',
      file,
      `${file}: gzip data could not be inflated (${(e as Error).message}); expected a complete .gz file. ` +
        'The file is probably truncated or corrupt: delete it and get it again.',
    );
  }
}

/**
 * Parses unsigned-byte IDX bytes (already inflated) into dimensions and a data view.
 * Throws a {@link DatasetError} naming `file` when the magic number is wrong, or the data
 * is shorter or longer than the header says. `expectedMagic` restricts the accepted layout.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectedMagic?: number): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetError('truncated', file, `${file}: ${bytes.length} bytes, too short for an IDX header (at least 4 bytes expected).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || ndim < 1) {
    throw new DatasetError(
      'bad-magic',
      file,
      `${file}: wrong magic number ${hex(magic)}; expected an unsigned-byte IDX file ` +
        `(${expectedMagic !== undefined ? hex(expectedMagic) : `0x00000801 labels or 0x00000803 images`}).`,
    );
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    const what = (m: number): string => (m === IDX_IMAGES_MAGIC ? 'images' : m === IDX_LABELS_MAGIC ? 'labels' : `${m & 0xff}-d data`);
    throw new DatasetError(
      'bad-magic',
      file,
      `${file}: wrong magic number ${hex(magic)} (${what(magic)}); expected ${hex(expectedMagic)} (${what(expectedMagic)}).`,
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DatasetError('truncated', file, `${file}: truncated header: ${bytes.length} bytes, expected at least ${headerBytes}.`);
  }
  const dims: number[] = [];
  let total = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    total *= n;
  }
  const have = bytes.length - headerBytes;
  if (have < total) {
    throw new DatasetError(
      'truncated',
      file,
      `${file}: truncated: header says [${dims.join(', ')}] = ${total} bytes of data, file has ${have}.`,
    );
  }
  if (have > total) {
    throw new DatasetError(
      'size-mismatch',
      file,
      `${file}: ${have - total} unexpected bytes after the data; header says [${dims.join(', ')}] = ${total} bytes, file has ${have}.`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes, headerBytes + total) };
}

/** Parses IDX image bytes `[count, rows, cols]` (magic 0x00000803). */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { dims, data } = parseIdx(bytes, file, IDX_IMAGES_MAGIC);
  return { count: dims[0], rows: dims[1], cols: dims[2], pixels: data };
}

/** Parses IDX label bytes `[count]` (magic 0x00000801) into a Uint8Array view. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  return parseIdx(bytes, file, IDX_LABELS_MAGIC).data;
}

/**
 * Reads a file's bytes, throwing a {@link DatasetError} ('missing-file') that names it
 * when it does not exist.
 */
export function readFileBytes(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError('missing-file', file, `${file}: file not found.`);
    throw e;
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Converts bytes 0-255 to a new Float32Array scaled to [0, 1] (one tight loop, no JS arrays). */
export function bytesToUnitFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}
