/**
 * Data: IDX parsing, MNIST / Fashion-MNIST loading with checksums, seeded subsets and batches, tensors.
 * Byte-level helpers (gzip detection, file reading, checksum memo) stay internal to their modules.
 */
export * from './errors';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, parseIdxImages, parseIdxLabels } from './idx';
export type { IdxArray, IdxImages } from './idx';
export { PROJECT_DATA_DIR, sha256Hex, readChecksumFile, verifySha256 } from './checksums';
export {
  FASHION_MNIST_DIR,
  FASHION_MNIST_CLASSES,
  MNIST_CHECKSUM_FILE,
  FASHION_MNIST_CHECKSUM_FILE,
  FASHION_SUBSET_DIR,
  FASHION_SUBSET_CHECKSUM_FILE,
  FASHION_SUBSET_COUNTS,
  MNIST_DIR_ENV,
  mnistPackageDir,
  mnistDataDir,
  loadIdxDataset,
  loadMnist,
  loadFashionMnist,
  announcement,
  plannedDataSources,
} from './mnist';
export type { IdxPart, LoadIdxOptions, LoadMnistOptions, LoadFashionOptions, LoadedSplits, DatasetSource, DatasetName, DatasetOrigin } from './mnist';
export * from './subsets';
export { checkUnitPixels } from './pixels';
export * from './tensors';
