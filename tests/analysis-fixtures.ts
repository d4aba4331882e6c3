/**
 * Tiny hand-built models that meet the AutoencoderModel contract, for the analysis and metrics
 * tests (they do not depend on src/models): linear autoencoders, a VAE whose q(z|x) and
 * p(x|z) are known in closed form, and a conditional model whose output shows its inputs.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderKind, AutoencoderModel } from '../src/models/types';

export const PIXELS = 784;

/** Wraps encoder/decoder LayersModels as an AutoencoderModel. */
export function wrapModel(
  kind: AutoencoderKind,
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  latentDim: number,
  numClasses?: number,
): AutoencoderModel {
  return {
    kind,
    name: `test-${kind}`,
    latentDim,
    imageShape: [28, 28],
    encoder,
    decoder,
    parameterization: kind === 'ae' ? undefined : 'logVar',
    numClasses,
    encodeMean(x: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D {
      const out = encoder.predict(labels ? [x, labels] : x);
      if (Array.isArray(out)) {
        out.slice(1).forEach((t) => t.dispose());
        return out[0] as tf.Tensor2D;
      }
      return out as tf.Tensor2D;
    },
    decode(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D {
      return decoder.predict(labels ? [z, labels] : z) as tf.Tensor2D;
    },
    trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as tf.Variable),
    dispose(): void {
      encoder.dispose();
      decoder.dispose();
    },
  };
}

/** A dense linear autoencoder 784 -> d -> 784 (sigmoid out) with seeded random weights. */
export function linearAutoencoder(latentDim: number, seed = 1): AutoencoderModel {
  const encoder = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [PIXELS], units: latentDim, kernelInitializer: tf.initializers.glorotNormal({ seed }) })],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [latentDim],
        units: PIXELS,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }),
      }),
    ],
  });
  return wrapModel('ae', encoder, decoder, latentDim);
}

/**
 * A VAE whose q(z|x) = N(mu, exp(logVar)) is the same for every image (zero kernels, the given
 * biases) and whose decoder outputs `pixelMean` everywhere, whatever z is.
 */
export function constantVae(mu: number[], logVar: number[], pixelMean = 0.5): AutoencoderModel {
  const d = mu.length;
  const input = tf.input({ shape: [PIXELS] });
  const muOut = tf.layers
    .dense({ units: d, kernelInitializer: 'zeros', biasInitializer: tf.initializers.constant({ value: 0 }) })
    .apply(input) as tf.SymbolicTensor;
  const lvOut = tf.layers.dense({ units: d, kernelInitializer: 'zeros' }).apply(input) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: input, outputs: [muOut, lvOut] });
  encoder.layers[1].setWeights([tf.zeros([PIXELS, d]), tf.tensor1d(mu)]);
  encoder.layers[2].setWeights([tf.zeros([PIXELS, d]), tf.tensor1d(logVar)]);
  const logit = Math.log(pixelMean / (1 - pixelMean));
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [d],
        units: PIXELS,
        activation: 'sigmoid',
        kernelInitializer: 'zeros',
        biasInitializer: tf.initializers.constant({ value: logit }),
      }),
    ],
  });
  return wrapModel('vae', encoder, decoder, d);
}

/**
 * A model with hand-written decode (no weights): pixel 0 = z0, pixel 1 = z1 (clipped to [0, 1]
 * via 0.5 + z / 10), pixel 2 = label / 10 for conditional models; other pixels 0.
 */
export function probeModel(kind: AutoencoderKind, latentDim = 2): AutoencoderModel {
  const dummy = tf.sequential({ layers: [tf.layers.dense({ inputShape: [latentDim], units: PIXELS })] });
  const base = wrapModel(kind, dummy, dummy, latentDim, kind === 'cvae' ? 10 : undefined);
  return {
    ...base,
    encodeMean(x: tf.Tensor2D): tf.Tensor2D {
      // code = (first latentDim pixels - 0.5) * 10, the inverse of decode
      return tf.tidy(() => x.slice([0, 0], [-1, latentDim]).sub(0.5).mul(10));
    },
    decode(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D {
      return tf.tidy(() => {
        const n = z.shape[0];
        const head = z.mul(0.1).add(0.5);
        const lab = labels ? labels.toFloat().div(10).reshape([n, 1]) : tf.zeros([n, 1]);
        return tf.concat([head, lab, tf.zeros([n, PIXELS - latentDim - 1])], 1) as tf.Tensor2D;
      });
    },
  };
}
