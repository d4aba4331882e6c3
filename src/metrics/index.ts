/**
 * Metrics: image quality (MSE, PSNR, SSIM), VAE likelihoods (ELBO, importance-weighted), ROC / AUC,
 * run-to-run spread, and measures of generated digits: a cached MNIST classifier as judge
 * (confidence, entropy, Inception-Score-like score, class histogram), the Frechet distance of its
 * features (FID-like), and a validation split for choosing settings without touching the reported images.
 */
export { mse, psnr, ssim } from './image-quality';
export type { ImageMetric, ImageSizeOptions, SsimOptions } from './image-quality';
export { testElbo, elbo, importanceWeightedLogLikelihood } from './likelihood';
export type { LikelihoodOptions, ElboResult, LogLikelihoodResult } from './likelihood';
export { rocCurve, auc } from './roc';
export type { RocCurve } from './roc';
export { runSpread, countAtOrBelow } from './spread';
export type { RunSpread } from './spread';
export { fitGaussian, frechetDistance, MIN_FRECHET_SAMPLES } from './frechet';
export type { FeatureMatrix, FeatureInput, GaussianFit, FrechetDistance } from './frechet';
export { probabilityScores, PROBABILITY_SUM_TOLERANCE } from './judge-scores';
export type { ProbabilityMatrix, ProbabilityScores } from './judge-scores';
export { mnistJudge, judgeScores, judgeReference } from './judge';
export type { MnistJudge, MnistJudgeConfig, MnistJudgeOptions, JudgeOutput, JudgeScoreOptions, JudgeScores } from './judge';
export { splitValidation, chooseOnValidation, chooseOnValidationAsync } from './validation';
export type {
  ValidationSplit,
  SplitValidationOptions,
  ValidationGoal,
  ValidationScore,
  ValidationChoice,
  ChooseOnValidationOptions,
} from './validation';
