/**
 * Seeded weight initialisers: every layer of a builder draws its initial weights from
 * one {@link Rng} seeded with the builder's `seed`, so the same seed gives the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';

/** A tfjs weight initialiser. */
export type WeightInitializer = ReturnType<typeof tf.initializers.zeros>;

/** Hands out seeded initialisers, one fresh seed per layer, in build order. */
export class SeededInitializers {
  private readonly rng: Rng;

  /** @param seed the builder's seed; `label` keeps different builders' streams apart. */
  constructor(seed: number, label = 'weights') {
    this.rng = new Rng(seed).fork(label);
  }

  /** Glorot (Xavier) uniform, the Keras default for dense and convolution kernels. */
  glorotUniform(): WeightInitializer {
    return tf.initializers.glorotUniform({ seed: this.rng.nextSeed() });
  }

  /** Uniform in [-0.05, 0.05], the Keras default for embedding tables. */
  uniform(): WeightInitializer {
    return tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.rng.nextSeed() });
  }

  /** Kernel and bias initialisers for one layer (zero biases, as Keras). */
  layer(): { kernelInitializer: WeightInitializer; biasInitializer: WeightInitializer } {
    return { kernelInitializer: this.glorotUniform(), biasInitializer: tf.initializers.zeros() };
  }
}
