/** Noise: Gaussian, salt-and-pepper, speckle and blur corruptions for the denoising notebooks, all seeded. */
export * from './spec';
export * from './noise';
