/** Argument checks shared by the loss functions (internal). */
import type * as tf from '@tensorflow/tfjs';

/** Throws a RangeError naming both shapes when `a` and `b` differ in shape. */
export function assertSameShape(fn: string, a: tf.Tensor, b: tf.Tensor, aName: string, bName: string): void {
  const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new RangeError(`${fn}: ${aName} and ${bName} must have the same shape, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  }
}

/** Throws a RangeError when `t` has fewer than `rank` dimensions. */
export function assertRankAtLeast(fn: string, t: tf.Tensor, rank: number, name: string): void {
  if (t.rank < rank) {
    throw new RangeError(`${fn}: ${name} must have at least ${rank} dimensions ([batch, ...]), got shape [${t.shape.join(',')}]`);
  }
}

/** Throws a RangeError when `t` is not rank `rank`. */
export function assertRank(fn: string, t: tf.Tensor, rank: number, name: string, expected: string): void {
  if (t.rank !== rank) {
    throw new RangeError(`${fn}: ${name} must be ${expected}, got shape [${t.shape.join(',')}]`);
  }
}
