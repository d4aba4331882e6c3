/**
 * Plain-JSON configurations of every vaelab model builder. A resolved config (all
 * defaults filled in, seed included) is stored on each built model as `model.config`;
 * `buildAutoencoder(config)` rebuilds the same architecture with the same initial weights.
 */
/** How a VAE encoder states the spread of q(z|x). */
export type ScaleParameterization = 'logVar' | 'logStd';

/** Activation functions the dense builders accept. */
export type DenseActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear' | 'elu' | 'selu' | 'softplus' | 'swish';

/** Every activation name {@link DenseActivation} allows, for validation and UIs. */
export const DENSE_ACTIVATIONS: readonly DenseActivation[] = ['relu', 'tanh', 'sigmoid', 'linear', 'elu', 'selu', 'softplus', 'swish'];

/** Resolved config of `denseAutoencoder`. */
export type DenseAutoencoderConfig = {
  readonly type: 'denseAutoencoder';
  /** Model name for logs and checkpoints. */
  readonly name: string;
  /** Image height and width (input size is their product). */
  readonly imageShape: readonly [number, number];
  /** Hidden layer widths of the encoder, input side first. */
  readonly encoderUnits: readonly number[];
  /** Activation of the encoder's hidden layers. */
  readonly encoderActivation: DenseActivation;
  /** Size of the code z. */
  readonly latentDim: number;
  /** Activation of the code layer. */
  readonly latentActivation: DenseActivation;
  /** Hidden layer widths of the decoder, latent side first. */
  readonly decoderUnits: readonly number[];
  /** Activation of the decoder's hidden layers. */
  readonly decoderActivation: DenseActivation;
  /** Activation of the output layer (sigmoid keeps pixels in [0, 1]). */
  readonly outputActivation: DenseActivation;
  /** Seed of the initial weights. */
  readonly seed: number;
};

/** Resolved config of `convAutoencoder5lsl0`. */
export type ConvAutoencoder5lsl0Config = {
  readonly type: 'convAutoencoder5lsl0';
  readonly name: string;
  readonly seed: number;
};

/** Resolved config of `stridedConvAutoencoder` (the conv autoencoder of document 003). */
export type StridedConvAutoencoderConfig = {
  readonly type: 'stridedConvAutoencoder';
  readonly name: string;
  /** Filters of the three stride-2 convolutions, input side first (the decoder mirrors them). */
  readonly filters: readonly [number, number, number];
  readonly seed: number;
};

/** Resolved config of `denseVae` (Keras tutorial VAE; the PyTorch report's VAE is `hidden: [h]`). */
export type DenseVaeConfig = {
  readonly type: 'denseVae';
  readonly name: string;
  readonly imageShape: readonly [number, number];
  /** Hidden widths of the encoder, input side first; the decoder mirrors them. */
  readonly hidden: readonly number[];
  /** Activation of the hidden layers. */
  readonly activation: DenseActivation;
  readonly latentDim: number;
  /** What the encoder's second output is. */
  readonly parameterization: ScaleParameterization;
  readonly seed: number;
};

/** Resolved config of `convVae`. */
export type ConvVaeConfig = {
  readonly type: 'convVae';
  readonly name: string;
  readonly latentDim: number;
  readonly parameterization: ScaleParameterization;
  /** Filters of the two stride-2 convolutions (decoder mirrors them), default [32, 64]. */
  readonly filters: readonly [number, number];
  /** Width of the encoder's dense layer, default 128. */
  readonly denseUnits: number;
  readonly seed: number;
};

/** Resolved config of `conv5lsl0Vae` (5LSL0 Exercise 7: Exercise 1's networks with linear ends, mean and log std). */
export type Conv5lsl0VaeConfig = {
  readonly type: 'conv5lsl0Vae';
  readonly name: string;
  readonly latentDim: number;
  readonly seed: number;
};

/** How a conditional VAE feeds the class label to its networks. */
export type LabelMode = 'oneHot' | 'embedding';

/** Resolved config of `conditionalVae`. */
export type ConditionalVaeConfig = {
  readonly type: 'conditionalVae';
  readonly name: string;
  readonly latentDim: number;
  readonly labelMode: LabelMode;
  /** Size of the learned label embedding (`embedding` mode). */
  readonly embeddingDim: number;
  readonly numClasses: number;
  readonly parameterization: ScaleParameterization;
  readonly filters: readonly [number, number];
  readonly denseUnits: number;
  readonly seed: number;
};

/** The resolved config of any vaelab autoencoder builder (discriminated by `type`). */
export type AutoencoderConfig =
  | DenseAutoencoderConfig
  | ConvAutoencoder5lsl0Config
  | StridedConvAutoencoderConfig
  | DenseVaeConfig
  | ConvVaeConfig
  | Conv5lsl0VaeConfig
  | ConditionalVaeConfig;
