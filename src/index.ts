/**
 * vaelab: the course library every notebook imports (`import * as vl from '../dist'`).
 *
 * Only the documented course API is exported here: what the notebooks, the exercise template
 * (docs/exercise-template.ipynb) and the instructors' guide (docs/instructors.md) use, plus the
 * building blocks an instructor writing a new exercise needs, and the types they take or return
 * (type-only exports). Each name carries its doc comment where it is defined. Everything else stays
 * internal to its module (tests and tools import it from there). How the pieces fit:
 * docs/architecture.md.
 */

/** Seeded randomness: the one random source of the course. */
export { Rng } from './rng';
/** The standard normal distribution N(0, 1): its quantile function Phi^{-1} (the inverse CDF). */
export { normalQuantile } from './util/normal-distribution';
/** Images as flat float32 arrays with their labels. */
export type { ImageDataset, DatasetSplits } from './types';

/** Backend selection: tensorflow > wasm (the wasm engine) > cpu. */
export { initBackend } from './backend';
export type { BackendName, InitBackendOptions } from './backend';

/** MNIST and Fashion-MNIST, subsets and tensors. */
export { gatherImages, imagesTensor, labelsTensor, loadFashionMnist, loadMnist, selectDataset, subsetDataset } from './data';
export type { DatasetName, DatasetOrigin, DatasetSource, LoadedSplits, LoadFashionOptions, LoadMnistOptions } from './data';

/** Seeded corruptions of images. */
export { applyNoise, blurImages, gaussianNoise, saltPepperNoise, speckleNoise } from './noise';
export type { NoiseImageShape, NoiseSpec } from './noise';

/** The models: builders, presets, the autoencoder contract, encode -> reparameterize -> decode. */
export {
  CONDITIONAL_VAE_TRAINING,
  CONV_VAE_5LSL0_TRAINING,
  DENOISING_VAE_TRAINING,
  FCN_AUTOENCODER_TRAINING,
  FCN_DOCUMENT_VALIDATION_MSE,
  KERAS_DENSE_VAE_TRAINING,
  LayersAutoencoder,
  PYTORCH_REPORT_VAE_TRAINING,
  STRIDED_CONV_AE_FILTERS,
  SeededInitializers,
  asEncoderClassifier,
  autoencoderForward,
  autoencoderFromLayers,
  buildAutoencoder,
  checkConvConstraints,
  checkConvVaeConstraints,
  classifierFromEncoder,
  conditionalVae,
  conditionalVaeFrom,
  conv5lsl0Decoder,
  conv5lsl0Encoder,
  conv5lsl0FromLayers,
  conv5lsl0Initializers,
  conv5lsl0Vae,
  convAutoencoder5lsl0,
  convVae,
  denseAutoencoder,
  denseVae,
  encoderClassifier,
  fcnAutoencoderPreset,
  layersModelSummary,
  pytorchReportVae,
  reparameterize,
  stridedConvAutoencoder,
} from './models';
export type {
  AutoencoderConfig,
  AutoencoderKind,
  AutoencoderModel,
  AutoencoderParts,
  BorderedAutoencoder,
  BorderedNetworks,
  BorderedVae,
  ConditionalVaeConfig,
  ConditionalVaeOptions,
  Conditioning,
  ConditioningSpec,
  ConvAutoencoder5lsl0Config,
  ConvAutoencoder5lsl0Options,
  ConvConstraintRule,
  ConvConstraintViolation,
  Conv5lsl0VaeConfig,
  Conv5lsl0VaeOptions,
  ConvVaeConstraintRule,
  ConvVaeConstraintViolation,
  ConvVaeConfig,
  ConvVaeOptions,
  DenseActivation,
  DenseAutoencoderConfig,
  DenseAutoencoderOptions,
  DenseVaeConfig,
  DenseVaeOptions,
  AsEncoderClassifierOptions,
  EncoderClassifier,
  EncoderClassifierConfig,
  EncoderClassifierOptions,
  ForwardOptions,
  ForwardResult,
  LabelMode,
  ModelTrainingPreset,
  PytorchReportVaeOptions,
  ScaleParameterization,
  StridedConvAutoencoderConfig,
  StridedConvAutoencoderOptions,
} from './models';

/** Losses: reconstruction, KL, the VAE objective, classification. */
export { accuracy, autoencoderLoss, bceLoss, crossEntropyLoss, klAnnealing, klDivergence, mseLoss, sseLoss, vaeLoss } from './losses';
export type { AutoencoderLossBatch, KlAnnealingOptions, ReconstructionLossName, VaeLossInputs, VaeLossTerms } from './losses';

/** Training: one train() for every model, the cached variant, Adam. */
export { cachedTrain, createAdam, train, trainingCacheKey } from './training';
export type {
  AdamFormulation,
  AdamOptions,
  AdamSettings,
  CachedTrainOptions,
  CachedTrainResult,
  ClassifierLike,
  EarlyStoppingOptions,
  EpochEndInfo,
  EpochMetrics,
  ImagePairs,
  ProgressOutput,
  ReparameterizeFn,
  TrainableModel,
  TrainHistory,
  TrainingData,
  TrainOptions,
  VaeLossFn,
  VaelabAdam,
} from './training';

/** Analysis: encoding, PCA, 1-NN, generation, interpolation, denoising, anomaly scores, CSV export. */
export {
  conditionalGrid,
  decoderGrid,
  encodeDataset,
  exportReconstructionsCsv,
  gaussianFilter,
  interpolate,
  latentBounds,
  mapDenoise,
  medianFilter,
  nearestNeighbourClassify,
  pcaProject,
  readReconstructionsCsv,
  reconstructDataset,
  reconstructionErrors,
  representationScores,
  samplePrior,
  tvDenoise,
} from './analysis';
export type {
  ChanceLevels,
  ClassificationReport,
  ConditionalGridOptions,
  DecoderGrid,
  DecoderGridOptions,
  DecoderLike,
  EncodeOptions,
  FilterImageOptions,
  GeneratedGrid,
  ImagesInput,
  Interpolation,
  LabelledCodes,
  LatentBounds,
  LatentBoundsOptions,
  LatentCodes,
  MapDenoiseOptions,
  MapDenoiseResult,
  NearestNeighbourClassifyOptions,
  NearestNeighbourMethod,
  PcaOptions,
  PcaProjection,
  PriorSamples,
  ReconstructionCsv,
  ReconstructionCsvOptions,
  ReconstructionErrorOptions,
  RepresentationScoreOptions,
  RepresentationScores,
} from './analysis';

/** Metrics: image quality, likelihood, ROC, run-to-run spread, the MNIST judge, validation splits. */
export {
  auc,
  chooseOnValidation,
  countAtOrBelow,
  elbo,
  frechetDistance,
  importanceWeightedLogLikelihood,
  judgeReference,
  judgeScores,
  mnistJudge,
  mse,
  psnr,
  rocCurve,
  runSpread,
  splitValidation,
  ssim,
} from './metrics';
export type {
  ChooseOnValidationOptions,
  ElboResult,
  FeatureInput,
  FeatureMatrix,
  FrechetDistance,
  GaussianFit,
  ImageMetric,
  ImageSizeOptions,
  JudgeOutput,
  JudgeScoreOptions,
  JudgeScores,
  LikelihoodOptions,
  LogLikelihoodResult,
  MnistJudge,
  MnistJudgeConfig,
  MnistJudgeOptions,
  ProbabilityScores,
  RocCurve,
  RunSpread,
  SplitValidationOptions,
  SsimOptions,
  ValidationChoice,
  ValidationGoal,
  ValidationScore,
  ValidationSplit,
} from './metrics';

/** Figures: image grids and charts (and `figureFromPng` to show a PNG of your own). */
export {
  barChart,
  comparisonRows,
  denoisingFigure,
  figureFromPng,
  generationGrid,
  imageGrid,
  latentScatter,
  lineChart,
  lossCurveChart,
  mapLossChart,
  reconstructionFigure,
  rocChart,
} from './figures';
export type {
  BarChartOptions,
  ChartOptions,
  EpochLike,
  Figure,
  GenerationGridOptions,
  GridGeometry,
  ImageGridOptions,
  LatentCodesLike,
  LatentScatterOptions,
  LineChartOptions,
  LineSeries,
  RocLike,
  VegaLiteSpec,
} from './figures';

/** In the notebook: show figures, publish numbers, check claims, write answers. */
export {
  AnswerTemplateError,
  answer,
  claim,
  claimAbove,
  claimBelow,
  fillAnswer,
  formatPercent,
  formatSignificant,
  inNotebook,
  isLongTraining,
  LONG_TRAINING_PRESENTATIONS,
  notebookProfile,
  outputDir,
  publish,
  saveAndShow,
  show,
  showAnswer,
} from './notebook';
export type {
  AnswerFacts,
  AnswerValue,
  Claim,
  ClaimDecision,
  ClaimOptions,
  ClaimRecord,
  ComparisonNames,
  EvidenceValue,
  PublishedValue,
  ShowAnswerOptions,
  ShownFigure,
  ShowOptions,
  TslabDisplayMessage,
  TslabDisplayWriter,
} from './notebook';

/** The autograder checks student notebooks call after each exercise (src/checks, one file per topic). */
export {
  AutograderError,
  checkAuc,
  checkBce,
  checkBoxFilter,
  checkCases,
  checkConditioning,
  checkConv5lsl0,
  checkCrossEntropy,
  checkDecoderShape,
  checkDenseStack,
  checkDigitCentroids,
  checkEncoderClassifier,
  checkEncoderShape,
  checkGaussianNoise,
  checkKlDivergence,
  checkLatentGrid,
  checkMapDenoise,
  checkMapObjective,
  checkMse,
  checkNearestNeighbour,
  checkOneHot,
  checkPerDigitAccuracy,
  checkPriorGrid,
  checkPsnr,
  checkReparameterize,
  checkSaltPepperNoise,
  checkSpeckleNoise,
  checkVaeLoss,
  checkVaeLossLogStd,
} from './checks';
export type { MapDenoiser, MapObjective, MapSearchOptions, MapSearchResult } from './checks';
export type {
  DecoderShapeExpectation,
  DenseLayerExpectation,
  EncoderShapeExpectation,
  GaussianCheckOptions,
  KnownAnswerCase,
  ScalarLike,
} from './checks';
