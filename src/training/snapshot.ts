/** Cheap copies of a model's variables, to put back the last good or the best weights (internal). */
import * as tf from '@tensorflow/tfjs';

/** A copy of the current value of each variable (the caller disposes it with {@link disposeWeights}). */
export function snapshotWeights(vars: readonly tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.clone(v));
}

/** Assigns a snapshot back to its variables (same order as taken). */
export function restoreWeights(vars: readonly tf.Variable[], snapshot: readonly tf.Tensor[]): void {
  vars.forEach((v, i) => v.assign(snapshot[i]));
}

/** Frees a snapshot (undefined is ignored). */
export function disposeWeights(snapshot: readonly tf.Tensor[] | undefined): void {
  if (snapshot) tf.dispose(snapshot as tf.Tensor[]);
}
