/**
 * The autograder checks student notebooks call after each exercise (`vl.checkMse(mse)`), one file
 * per topic over one small harness (./harness.ts). Each check runs the student's function on small
 * synthetic inputs, compares with a reference, prints a pass line or throws an AutograderError that
 * says what was off and how to fix it. Checks never train anything.
 */
export { AutograderError } from './harness';
export type { ScalarLike } from './harness';
export { checkMse, checkBce, checkEncoderShape, checkDecoderShape, checkDenseStack } from './autoencoder';
export type { EncoderShapeExpectation, DecoderShapeExpectation, DenseLayerExpectation } from './autoencoder';
export { checkDigitCentroids, checkNearestNeighbour, checkPerDigitAccuracy, checkCrossEntropy, checkLatentGrid, checkPriorGrid } from './latent';
export { checkReparameterize, checkKlDivergence, checkVaeLoss, checkVaeLossLogStd } from './vae';
export type { GaussianCheckOptions } from './vae';
export { checkGaussianNoise, checkSaltPepperNoise, checkSpeckleNoise } from './noise';
export { checkBoxFilter, checkMapObjective, checkMapDenoise } from './denoising';
export { checkPsnr, checkAuc } from './metrics';
export { checkOneHot, checkConditioning } from './conditional';
export { checkCases } from './cases';
export { checkConv5lsl0, checkEncoderClassifier } from './conv5lsl0';
export type { KnownAnswerCase } from './cases';
export type { MapDenoiser, MapObjective, MapSearchOptions, MapSearchResult } from './denoising';
