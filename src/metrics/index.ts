/** Metrics: image quality (MSE, PSNR, SSIM), VAE likelihoods (ELBO, importance-weighted), ROC / AUC. */
export { mse, psnr, ssim } from './image-quality';
export type { ImageMetric, ImageSizeOptions, SsimOptions } from './image-quality';
export { testElbo, elbo, importanceWeightedLogLikelihood } from './likelihood';
export type { LikelihoodOptions, ElboResult, LogLikelihoodResult } from './likelihood';
export { rocCurve, auc } from './roc';
export type { RocCurve } from './roc';
export { runSpread, countAtOrBelow } from './spread';
export type { RunSpread } from './spread';
