/**
 * Training settings of the course documents, next to the models they train, so notebooks
 * and the trainer use the documented numbers instead of retyping them. Where a document is
 * silent, the field says so in `source`.
 */

/** Training settings a course document used for a model. */
export interface ModelTrainingPreset {
  /** Reconstruction loss: 'mse' (mean), 'bce' (summed over pixels) or 'sse' (summed squared error). */
  readonly loss: 'mse' | 'bce' | 'sse';
  /** Optimiser (Adam in every course document). */
  readonly optimizer: 'adam';
  /** Adam learning rate the document used. */
  readonly learningRate: number;
  /** Mini-batch size the document used. */
  readonly batchSize: number;
  /** Epochs the document trained for. */
  readonly epochs: number;
  /** Training images the document used. */
  readonly trainCount: number;
  /** Validation images the document used (0 when it did not validate). */
  readonly testCount: number;
  /** KL weight (VAEs only). */
  readonly beta?: number;
  /** Where the numbers come from (and which ones vaelab chose). */
  readonly source: string;
}

/**
 * FCN autoencoder document: MSE, Adam 0.0015, batch 300, 12 epochs on the 60,000 training
 * images, validated on the 10,000 test images (its log ends at {@link FCN_DOCUMENT_VALIDATION_MSE}).
 */
export const FCN_AUTOENCODER_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'mse',
  optimizer: 'adam',
  learningRate: 0.0015,
  batchSize: 300,
  epochs: 12,
  trainCount: 60000,
  testCount: 10000,
  source: 'FCN autoencoder document (003)',
});

/**
 * The validation MSE at the end of the FCN autoencoder document's log (one run with
 * {@link FCN_AUTOENCODER_TRAINING}). The only place this number is written: notebooks and tests use it.
 */
export const FCN_DOCUMENT_VALIDATION_MSE = 0.012;

/** Keras VAE tutorial: BCE summed over pixels + beta * KL, Adam (default 1e-3), batch 100, 50 epochs, 10k images. */
export const KERAS_DENSE_VAE_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 100,
  epochs: 50,
  trainCount: 10000,
  testCount: 10000,
  beta: 1,
  source: 'Keras VAE tutorial (000); learning rate is the Keras Adam default',
});

/**
 * PyTorch report VAE (built by `pytorchReportVae`: 784-400-20, one hidden layer each way): BCE
 * summed over pixels + KL (Kingma and Welling's objective), Adam 1e-3, batch 64, 100 epochs on the
 * 60,000 training images; the report trained it on noisy -> clean pairs to denoise.
 */
export const PYTORCH_REPORT_VAE_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 64,
  epochs: 100,
  trainCount: 60000,
  testCount: 0,
  beta: 1,
  source: 'PyTorch VAE report (001)',
});

/** Keras guide conditional VAEs (one-hot and embedding): 10 epochs, batch 128, Adam. */
export const CONDITIONAL_VAE_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 10,
  trainCount: 60000,
  testCount: 10000,
  beta: 1,
  source: 'Keras guide to three VAEs (004); learning rate is the Keras Adam default',
});

/** Keras guide denoising VAE (16-d latent, blurred -> clean pairs): 5 epochs, batch 128, Adam. */
export const DENOISING_VAE_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'bce',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 128,
  epochs: 5,
  trainCount: 60000,
  testCount: 10000,
  beta: 1,
  source: 'Keras guide to three VAEs (004); learning rate is the Keras Adam default',
});

/**
 * 5LSL0 Exercise 7 VAE (`conv5lsl0Vae`: Exercise 1's networks with linear ends, mean and log std):
 * "at least 30 epochs"; the reconstruction loss is Exercise 1's squared error, summed over the
 * pixels of an image so that it weighs against the KL summed over the code, plus beta x KL.
 */
export const CONV_VAE_5LSL0_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'sse',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 64,
  epochs: 30,
  trainCount: 60000,
  testCount: 10000,
  beta: 1,
  source: '5LSL0 assignment (002) Ex. 7 (epochs); learning rate, batch size and the summed squared error are vaelab choices',
});

/** 5LSL0 Exercise 1 conv autoencoder: MSE as the exercise asks; the other numbers are vaelab choices. */
export const CONV_AE_5LSL0_TRAINING: ModelTrainingPreset = Object.freeze({
  loss: 'mse',
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 64,
  epochs: 10,
  trainCount: 60000,
  testCount: 10000,
  source: '5LSL0 assignment (002) Ex. 1 (MSE); learning rate, batch size and epochs are vaelab choices',
});
