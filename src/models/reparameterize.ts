/**
 * The reparameterisation trick of a VAE, owned by the model (encode -> reparameterize -> decode),
 * for both ways an encoder can state the spread of q(z|x): log-variance (`logVar`) or log standard
 * deviation (`logStd`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ScaleParameterization } from './types';
import { assertSameShape } from '../util/tensor-checks';
import { checkParameterizationName } from './validate';

/**
 * The reparameterisation trick: `z = mu + sigma * eps` with `sigma = exp(0.5 * logVar)` or
 * `sigma = exp(logStd)`. `eps` is a standard-normal tensor of `mu`'s shape that the caller draws
 * (from an `Rng`, so that sampling is seeded), e.g. `tf.tensor2d(rng.normalArray(n * d), [n, d])`.
 */
export function reparameterize(mu: tf.Tensor2D, logScale: tf.Tensor2D, parameterization: ScaleParameterization, eps: tf.Tensor2D): tf.Tensor2D {
  checkParameterizationName('reparameterize', parameterization);
  assertSameShape('reparameterize', mu, logScale, 'mu', 'logScale');
  assertSameShape('reparameterize', mu, eps, 'mu', 'eps');
  return tf.tidy(() => {
    const sigma = parameterization === 'logVar' ? tf.exp(tf.mul(logScale, 0.5)) : tf.exp(logScale);
    return tf.add(mu, tf.mul(sigma, eps)) as tf.Tensor2D;
  });
}
