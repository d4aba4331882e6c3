/**
 * Reconstructions as CSV, one row per image:
 * `row_id,orig_px0,recon_px0,orig_px1,recon_px1,...,orig_px783,recon_px783`
 * (original and reconstructed value of each pixel side by side). Written atomically.
 */
import * as fs from 'fs';
import { checkFinite, checkInt, flatImages, isImageDataset, type ImagesInput } from '../util/validate';
import { writeFileAtomicWith } from '../util/atomic-write';

/** Options of {@link exportReconstructionsCsv}. */
export interface ReconstructionCsvOptions {
  /** Pixels per image (default 784, or a dataset's rows * cols). */
  readonly pixels?: number;
  /** Significant digits per value (default 6; float32 pixels need at most 9). */
  readonly digits?: number;
}

function fmt(v: number, digits: number): string {
  return v === 0 ? '0' : String(Number(v.toPrecision(digits)));
}

/**
 * Writes originals and reconstructions (same number of images) to `filePath` via a temporary
 * file and a rename, creating the folder if needed. Returns the number of rows written.
 */
export function exportReconstructionsCsv(
  filePath: string,
  originals: ImagesInput,
  reconstructions: ImagesInput,
  options: ReconstructionCsvOptions = {},
): number {
  const where = 'exportReconstructionsCsv';
  if (typeof filePath !== 'string' || filePath === '') throw new TypeError(`${where}: filePath must be a non-empty string`);
  const pixels = options.pixels ?? (isImageDataset(originals) ? originals.rows * originals.cols : 784);
  const { digits = 6 } = options;
  checkInt(where, 'digits', digits);
  if (digits > 21) throw new RangeError(`${where}: digits must be at most 21, got ${digits}`);
  const a = flatImages(where, originals, pixels, 'originals');
  const b = flatImages(where, reconstructions, pixels, 'reconstructions');
  if (a.count !== b.count) {
    throw new RangeError(`${where}: ${a.count} originals but ${b.count} reconstructions; expected one reconstruction per original`);
  }
  checkFinite(where, 'originals', a.data);
  checkFinite(where, 'reconstructions', b.data);
  writeFileAtomicWith(filePath, (fd) => {
    const header = ['row_id'];
    for (let j = 0; j < pixels; j++) header.push(`orig_px${j}`, `recon_px${j}`);
    fs.writeSync(fd, header.join(',') + '\n');
    const cells = new Array<string>(1 + 2 * pixels);
    for (let i = 0; i < a.count; i++) {
      cells[0] = String(i);
      for (let j = 0; j < pixels; j++) {
        cells[1 + 2 * j] = fmt(a.data[i * pixels + j], digits);
        cells[2 + 2 * j] = fmt(b.data[i * pixels + j], digits);
      }
      fs.writeSync(fd, cells.join(',') + '\n');
    }
  });
  return a.count;
}

/** Originals and reconstructions read back from a CSV written by {@link exportReconstructionsCsv}. */
export interface ReconstructionCsv {
  /** Row ids in file order. */
  readonly rowIds: number[];
  /** Flat original images. */
  readonly originals: Float32Array;
  /** Flat reconstructed images. */
  readonly reconstructions: Float32Array;
  /** Pixels per image. */
  readonly pixels: number;
}

/** Reads a reconstruction CSV back, checking its header. */
export function readReconstructionsCsv(filePath: string): ReconstructionCsv {
  const where = 'readReconstructionsCsv';
  const lines = fs
    .readFileSync(filePath, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  if (lines.length === 0) throw new Error(`${where}: ${filePath} is empty, expected a header row`);
  const header = lines[0].split(',');
  const pixels = (header.length - 1) / 2;
  const ok =
    header[0] === 'row_id' &&
    Number.isInteger(pixels) &&
    pixels > 0 &&
    header.every((h, k) => k === 0 || h === `${k % 2 === 1 ? 'orig' : 'recon'}_px${Math.floor((k - 1) / 2)}`);
  if (!ok) throw new Error(`${where}: ${filePath} header is not row_id,orig_px0,recon_px0,...`);
  const n = lines.length - 1;
  const originals = new Float32Array(n * pixels);
  const reconstructions = new Float32Array(n * pixels);
  const rowIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1].split(',');
    if (cells.length !== header.length) throw new Error(`${where}: row ${i + 1} has ${cells.length} cells, expected ${header.length}`);
    rowIds.push(Number(cells[0]));
    for (let j = 0; j < pixels; j++) {
      originals[i * pixels + j] = Number(cells[1 + 2 * j]);
      reconstructions[i * pixels + j] = Number(cells[2 + 2 * j]);
    }
  }
  return { rowIds, originals, reconstructions, pixels };
}
