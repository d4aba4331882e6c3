/**
 * Analysis helpers: encode datasets, compare representations (PCA, latents), 1-NN in latent
 * space, generate from decoders, MAP denoising, classical denoising baselines, anomaly scores,
 * and reconstruction export.
 */
export type { ImagesInput, FlatImages } from '../util/validate';
export { encodeDataset, latentBounds } from './encode';
export type { LatentCodes, EncodeOptions, LatentBounds, LatentBoundsOptions } from './encode';
export { pcaProject } from './pca';
export type { PcaProjection, PcaOptions } from './pca';
export { nearestNeighbourIndices, nearestNeighbourClassify, classificationReport } from './nearest-neighbour';
export type {
  NearestNeighbourMethod,
  NearestNeighbourOptions,
  NearestNeighbourClassifyOptions,
  LabelledCodes,
  ChanceLevels,
  ClassificationReport,
} from './nearest-neighbour';
export { representationScores } from './representation';
export type { RepresentationScores, RepresentationScoreOptions } from './representation';
export { decoderGrid, samplePrior, interpolate, conditionalGrid } from './generate';
export type { GeneratedGrid, DecoderGrid, DecoderGridOptions, PriorSamples, Interpolation, ConditionalGridOptions } from './generate';
export { mapDenoise } from './map-denoise';
export type { DecoderLike, MapDenoiseOptions, MapDenoiseResult } from './map-denoise';
export { gaussianFilter, medianFilter, tvDenoise } from './classical-denoise';
export type { FilterImageOptions } from './classical-denoise';
export { reconstructDataset, reconstructionErrors } from './anomaly';
export type { ReconstructionErrorOptions } from './anomaly';
export { exportReconstructionsCsv, readReconstructionsCsv } from './reconstruction-csv';
export type { ReconstructionCsvOptions, ReconstructionCsv } from './reconstruction-csv';
export { benchmarkNearestNeighbour, benchmarkMapDenoise } from './benchmarks';
export type { AnalysisTiming } from './benchmarks';
