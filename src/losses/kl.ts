/**
 * The closed-form KL divergence of a VAE's Gaussian posterior to the standard normal prior
 * (the reparameterisation trick is the model's: `models/reparameterize.ts`), for both ways an
 * encoder can state the spread of q(z|x): log-variance (`logVar`, Keras / PyTorch examples)
 * or log standard deviation (`logStd`, 5LSL0 Exercise 7).
 */
import * as tf from '@tensorflow/tfjs';
import type { ScaleParameterization } from '../models/types';
import { checkParameterizationName as checkParameterization } from '../models/validate';
import { assertRank, assertSameShape } from '../util/tensor-checks';

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
export function klDivergence(mu: tf.Tensor, logScale: tf.Tensor, parameterization: ScaleParameterization): tf.Scalar {
  checkParameterization('klDivergence', parameterization);
  assertRank('klDivergence', mu, 2, 'mu', '[n, latentDim]');
  assertSameShape('klDivergence', mu, logScale, 'mu', 'logScale');
  return tf.tidy(() => {
    const logVar = parameterization === 'logVar' ? logScale : tf.mul(logScale, 2);
    const terms = tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar)));
    return tf.mean(tf.mul(-0.5, tf.sum(terms, 1))) as tf.Scalar;
  });
}
