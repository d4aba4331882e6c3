/**
 * Saved tensors without a kernel call. While gradients are recorded, TensorFlow.js keeps every
 * tensor a gradient needs through `engine.clone`: an `Identity` kernel run through the whole
 * kernel dispatch (`runKernel`: registry look-up, scopes, leak checks) plus a tape node of its
 * own, which backpropagation then filters out again (nothing consumes a saved copy). With
 * vaelab's shared `Identity` on wasm (`identityShared` in `wasm-kernels.ts`) that kernel only
 * adds a reference to the same buffer; here the engine's `saveTensorsForBackwardMode` does the
 * same directly: one reference more on the backend, one tensor on the same data, kept. No value
 * is read or written, so training numbers cannot change; the dense VAE saves 77 tensors a step.
 *
 * Only on wasm while the shared `Identity` is installed; otherwise (and for string tensors)
 * tfjs's own method runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { WASM } from './wasm-heap';
import { StandIn } from './stand-in';

/** The parts of tfjs-core's engine used here. */
interface EngineInternals {
  backendName: string;
  backend: KernelBackend & { incRef(dataId: object): void };
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
  makeTensorFromTensorInfo(info: TensorInfo, backend?: KernelBackend): tf.Tensor;
  keep<T extends tf.Tensor>(t: T): T;
}

type SaveFn = (this: EngineInternals, tensors: tf.Tensor[]) => tf.Tensor[];

/** Whether the shared Identity is installed (the condition for sharing saves). */
let identityShared: () => boolean = () => false;

function saveShared(this: EngineInternals, tensors: tf.Tensor[]): tf.Tensor[] {
  if (this.backendName !== WASM || !identityShared() || tensors.some((t) => t.dtype === 'string')) {
    return standIn.original.call(this, tensors);
  }
  const backend = this.backend;
  return tensors.map((t) => {
    backend.incRef(t.dataId);
    return this.keep(this.makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape.slice(), dtype: t.dtype }, backend));
  });
}

/** vaelab's method in the place of the engine's `saveTensorsForBackwardMode`. */
const standIn = new StandIn(() => tf.engine() as unknown as { saveTensorsForBackwardMode: SaveFn }, 'saveTensorsForBackwardMode', saveShared);

/**
 * Installs (`on`) or removes the shared saves on tfjs's engine; `sharedIdentity` says whether
 * vaelab's shared `Identity` is installed at the time of a save. Idempotent.
 */
export function setSharedSaves(on: boolean, sharedIdentity: () => boolean): void {
  identityShared = sharedIdentity;
  standIn.set(on);
}

/** Whether the shared saves are installed. */
export function sharedSavesInstalled(): boolean {
  return standIn.installed;
}
