/**
 * The Gaussian posterior pieces of a VAE: the closed-form KL divergence to the
 * standard normal prior and the reparameterisation trick, for both ways an encoder
 * can state the spread of q(z|x): log-variance (`logVar`, Keras / PyTorch examples)
 * or log standard deviation (`logStd`, 5LSL0 Exercise 7).
 */
import * as tf from '@tensorflow/tfjs';
import type { ScaleParameterization } from '../models/types';
import { assertRank, assertSameShape } from './checks';

function checkParameterization(fn: string, p: string): asserts p is ScaleParameterization {
  if (p !== 'logVar' && p !== 'logStd') {
    throw new TypeError(`${fn}: parameterization must be 'logVar' or 'logStd', got '${p}'`);
  }
}

/**
 * The log-variance `log sigma^2` from the encoder's scale output, whichever parameterisation
 * it uses (`logVar` as is; `logStd` doubled).
 */
export function toLogVar(logScale: tf.Tensor, parameterization: ScaleParameterization): tf.Tensor {
  checkParameterization('toLogVar', parameterization);
  return parameterization === 'logVar' ? logScale.clone() : tf.tidy(() => tf.mul(logScale, 2));
}

/**
 * KL(q(z|x) || N(0, I)) in closed form, summed over latent dimensions and averaged over the batch.
 * `logVar`: `-0.5 * sum(1 + logVar - mu^2 - exp(logVar))`;
 * `logStd`: `-0.5 * sum(1 + 2 logStd - mu^2 - exp(2 logStd))`.
 * `mu` and `logScale` are `[n, latentDim]`.
 */
export function klDivergence(
  mu: tf.Tensor,
  logScale: tf.Tensor,
  parameterization: ScaleParameterization,
): tf.Scalar {
  checkParameterization('klDivergence', parameterization);
  assertRank('klDivergence', mu, 2, 'mu', '[n, latentDim]');
  assertSameShape('klDivergence', mu, logScale, 'mu', 'logScale');
  return tf.tidy(() => {
    const logVar = parameterization === 'logVar' ? logScale : tf.mul(logScale, 2);
    const terms = tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar)));
    return tf.mean(tf.mul(-0.5, tf.sum(terms, 1))) as tf.Scalar;
  });
}

/**
 * The reparameterisation trick: `z = mu + sigma * eps` with `sigma = exp(0.5 * logVar)` or
 * `sigma = exp(logStd)`. `eps` is a standard-normal tensor of `mu`'s shape that the caller draws
 * (from an `Rng`, so that sampling is seeded), e.g. `tf.tensor2d(rng.normalArray(n * d), [n, d])`.
 */
export function reparameterize(
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  parameterization: ScaleParameterization,
  eps: tf.Tensor2D,
): tf.Tensor2D {
  checkParameterization('reparameterize', parameterization);
  assertSameShape('reparameterize', mu, logScale, 'mu', 'logScale');
  assertSameShape('reparameterize', mu, eps, 'mu', 'eps');
  return tf.tidy(() => {
    const sigma = parameterization === 'logVar' ? tf.exp(tf.mul(logScale, 0.5)) : tf.exp(logScale);
    return tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D;
  });
}
