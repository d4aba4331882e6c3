/** Noise: Gaussian, salt-and-pepper, speckle and blur corruptions for the denoising notebooks, all seeded. */
export { NOISE_TYPES, MNIST_IMAGE_SHAPE, validateNoiseSpec, describeNoise } from './spec';
export type { NoiseSpec, NoiseImageShape } from './spec';
export * from './noise';
