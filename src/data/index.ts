/** Data: IDX parsing, MNIST / Fashion-MNIST loading with checksums, seeded subsets and batches, tensors. */
export * from './errors';
export * from './idx';
export * from './checksums';
export * from './mnist';
export * from './subsets';
export * from './tensors';
