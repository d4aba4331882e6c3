/** Shared data types of vaelab. */

/** A set of square grey-scale images with integer labels, stored flat for speed. */
export interface ImageDataset {
  /** Pixels in [0, 1], image after image, row-major: length `count * rows * cols`. */
  readonly images: Float32Array;
  /** One integer label per image (0-9 for MNIST). */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Image height in pixels (28 for MNIST). */
  readonly rows: number;
  /** Image width in pixels (28 for MNIST). */
  readonly cols: number;
}

/** The train and test split of a dataset. */
export interface DatasetSplits {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
}
