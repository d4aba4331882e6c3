/**
 * The three models of the speed benchmark, built with the tfjs layers API in exactly the shapes
 * of the PyTorch peer (`../shared/peers/pytorch_bench.py`) so the two throughputs can be divided:
 *
 * - `dense_vae`: 784-512-256-(2x16) encoder, 16-256-512-784 sigmoid decoder.
 * - `conv_vae`: conv 32 and 64 (3x3, stride 2) + dense 128 encoder, latent 16; dense 7x7x64 and
 *   transposed convs 64 (s2), 32 (s2), 1 (s1) decoder.
 * - `conv_ae`: the 5LSL0-style conv autoencoder (16 filters 3x3, max-pool / upsample by 2,
 *   latent 1x2x1), trained with mean squared error.
 *
 * These are benchmark fixtures (own weights, own loss), independent of the curriculum models.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng';
import { bernoulliLogLikelihood } from '../../engine';

/** Names of the benchmark models (as in the PyTorch peer, `conv_ae` = its `conv_ae_5lsl0`). */
export const BENCH_MODEL_NAMES = ['dense_vae', 'conv_vae', 'conv_ae'] as const;

/** One of {@link BENCH_MODEL_NAMES}. */
export type BenchModelName = (typeof BENCH_MODEL_NAMES)[number];

/** A benchmark model: flat [n,784] images in, flat [n,784] images out. */
export interface BenchModel {
  /** Which model this is. */
  readonly name: BenchModelName;
  /** Encoder: [n,784] -> [n, 2*latent] (VAEs: mu then logVar) or [n, latent]. */
  readonly encoder: tf.LayersModel;
  /** Decoder: [n, latent] -> [n, 784]. */
  readonly decoder: tf.LayersModel;
  /** Size of z. */
  readonly latentDim: number;
  /** True for the VAEs (loss BCE + KL, reparameterised z). */
  readonly variational: boolean;
  /** Frees the weights. */
  dispose(): void;
}

/** Latent size of the two VAEs (as in the peer). */
export const BENCH_LATENT = 16;

const PIXELS = 784;

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/** Nearest-neighbour resize to a fixed size (PyTorch `nn.Upsample(size=...)`, mode nearest). */
class BenchResizeNearest extends tf.layers.Layer {
  static readonly className = 'VaelabBenchResizeNearest';
  constructor(private readonly size: [number, number]) {
    super({});
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], this.size[0], this.size[1], s[3]];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.image.resizeNearestNeighbor(x, this.size);
  }
  override getClassName(): string {
    return BenchResizeNearest.className;
  }
}

function sequential(layers: tf.layers.Layer[], inputDim: number): tf.LayersModel {
  const input = tf.input({ shape: [inputDim] });
  let h: tf.SymbolicTensor = input;
  for (const layer of layers) h = layer.apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: h });
}

function denseVae(rng: Rng): BenchModel {
  const init = (): Initializer => tf.initializers.glorotUniform({ seed: rng.nextSeed() });
  const dense = (units: number, activation: 'relu' | 'sigmoid' | 'linear'): tf.layers.Layer =>
    tf.layers.dense({ units, activation, kernelInitializer: init() });
  const encoder = sequential([dense(512, 'relu'), dense(256, 'relu'), dense(2 * BENCH_LATENT, 'linear')], PIXELS);
  const decoder = sequential([dense(256, 'relu'), dense(512, 'relu'), dense(PIXELS, 'sigmoid')], BENCH_LATENT);
  return model('dense_vae', encoder, decoder, BENCH_LATENT, true);
}

function convVae(rng: Rng): BenchModel {
  const init = (): Initializer => tf.initializers.glorotUniform({ seed: rng.nextSeed() });
  const conv = (filters: number, strides: number): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', activation: 'relu', kernelInitializer: init() });
  const deconv = (filters: number, strides: number, activation: 'relu' | 'sigmoid'): tf.layers.Layer =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides, padding: 'same', activation, kernelInitializer: init() });
  const encoder = sequential(
    [
      tf.layers.reshape({ targetShape: [28, 28, 1] }),
      conv(32, 2), // 14x14
      conv(64, 2), // 7x7
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dense({ units: 2 * BENCH_LATENT, kernelInitializer: init() }),
    ],
    PIXELS,
  );
  const decoder = sequential(
    [
      tf.layers.dense({ units: 7 * 7 * 64, activation: 'relu', kernelInitializer: init() }),
      tf.layers.reshape({ targetShape: [7, 7, 64] }),
      deconv(64, 2, 'relu'), // 14x14
      deconv(32, 2, 'relu'), // 28x28
      deconv(1, 1, 'sigmoid'),
      tf.layers.reshape({ targetShape: [PIXELS] }),
    ],
    BENCH_LATENT,
  );
  return model('conv_vae', encoder, decoder, BENCH_LATENT, true);
}

function convAe(rng: Rng): BenchModel {
  const init = (): Initializer => tf.initializers.glorotUniform({ seed: rng.nextSeed() });
  const conv = (filters: number): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() });
  const deconv = (filters: number, activation: 'relu' | 'linear'): tf.layers.Layer =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 3, padding: 'same', activation, kernelInitializer: init() });
  const pool = (size: [number, number], padding: 'valid' | 'same' = 'valid'): tf.layers.Layer =>
    tf.layers.maxPooling2d({ poolSize: size, strides: size, padding });
  const encoder = sequential(
    [
      tf.layers.reshape({ targetShape: [28, 28, 1] }),
      conv(16),
      pool([2, 2]), // 14x14
      conv(16),
      pool([2, 2]), // 7x7
      conv(16),
      pool([2, 2], 'same'), // 4x4 (ceil mode)
      conv(1),
      pool([2, 4]), // 2x1
      tf.layers.flatten(),
    ],
    PIXELS,
  );
  const decoder = sequential(
    [
      tf.layers.reshape({ targetShape: [2, 1, 1] }),
      tf.layers.upSampling2d({ size: [2, 4] }), // 4x4
      deconv(16, 'relu'),
      tf.layers.upSampling2d({ size: [2, 2] }), // 8x8
      deconv(16, 'relu'),
      new BenchResizeNearest([14, 14]),
      deconv(16, 'relu'),
      tf.layers.upSampling2d({ size: [2, 2] }), // 28x28
      deconv(1, 'linear'),
      tf.layers.reshape({ targetShape: [PIXELS] }),
    ],
    2,
  );
  return model('conv_ae', encoder, decoder, 2, false);
}

function model(name: BenchModelName, encoder: tf.LayersModel, decoder: tf.LayersModel, latentDim: number, variational: boolean): BenchModel {
  return {
    name,
    encoder,
    decoder,
    latentDim,
    variational,
    dispose: () => {
      encoder.dispose();
      decoder.dispose();
    },
  };
}

/** Builds a benchmark model with seeded initial weights. TypeError for an unknown name. */
export function buildBenchModel(name: BenchModelName, seed = 0): BenchModel {
  const rng = new Rng(seed);
  switch (name) {
    case 'dense_vae':
      return denseVae(rng);
    case 'conv_vae':
      return convVae(rng);
    case 'conv_ae':
      return convAe(rng);
    default:
      throw new TypeError(`buildBenchModel: unknown model '${String(name)}'; expected one of ${BENCH_MODEL_NAMES.join(', ')}`);
  }
}

/**
 * The training loss of the peer: for VAEs binary cross-entropy summed over pixels plus KL,
 * both averaged over the batch, with z = mu + exp(logVar/2) * eps; for the AE the mean
 * squared error. `eps` is [n, latent] standard normal noise (VAEs only).
 */
export function benchLoss(m: BenchModel, x: tf.Tensor2D, eps?: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = x.shape[0];
    if (!m.variational) {
      const r = m.decoder.apply(m.encoder.apply(x)) as tf.Tensor2D;
      return tf.mean(tf.square(tf.sub(r, x))) as tf.Scalar;
    }
    if (eps === undefined) throw new TypeError('benchLoss: a VAE needs eps [n, latent]');
    const h = m.encoder.apply(x) as tf.Tensor2D;
    const mu = tf.slice(h, [0, 0], [n, m.latentDim]);
    const logVar = tf.slice(h, [0, m.latentDim], [n, m.latentDim]);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const r = m.decoder.apply(z) as tf.Tensor2D;
    // Binary cross-entropy on probabilities, each logarithm raised to -100 as PyTorch does.
    const bce = tf.div(tf.neg(tf.sum(bernoulliLogLikelihood(x, r, { kind: 'logFloor' }))), n);
    const kl = tf.div(tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logVar), tf.square(mu)), tf.exp(logVar)))), n);
    return tf.add(bce, kl) as tf.Scalar;
  });
}
