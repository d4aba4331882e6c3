/**
 * The training step of the speed benchmark, shared by the timed run (`bench.ts`) and the profiler
 * (`bench-profile.ts`) so both measure exactly the same work: the backend and kernel choice, the
 * model with its seeded weights, PyTorch's Adam update, and one `minimize` per batch.
 */
import * as tf from '@tensorflow/tfjs';
import { createAdam } from '../../training/optimizer';
import { Rng } from '../../rng';
import { initBackend, type BackendName } from '../../backend/index';
import { registerWasmKernels, setWasmGemm } from '../../engine';
import { benchLoss, buildBenchModel, type BenchModel, type BenchModelName } from './bench-models';

/** Which wasm kernels a benchmark runs with: vaelab's fast ones, or the stock tfjs ones plus vaelab's filter gradient (which wasm lacks). */
export type BenchKernels = 'fast' | 'stock';

/**
 * Starts `backend` (see `initBackend`; `wasmThreads` counts only when wasm first starts in the
 * process) and installs the `kernels` choice. Returns the backend that runs.
 */
export async function startBenchBackend(backend: BackendName, kernels: BenchKernels, wasmThreads?: number): Promise<BackendName> {
  const running = await initBackend({ backend, announce: false, wasmThreads });
  const fast = kernels === 'fast';
  registerWasmKernels({
    fastMatMul: fast,
    fastConv: fast,
    fastConvBackpropInput: fast,
    fastSum: fast,
    fastPoolGrads: fast,
    sharedIdentity: fast,
    sharedCast: fast,
    fastCompare: fast,
    fusedDense: fast,
    fusedConv: fast,
    fastConvGlue: fast,
    fastCopies: fast,
  });
  // 'stock' also keeps vaelab's product out of the one kernel wasm lacks (the conv filter gradient).
  setWasmGemm(fast);
  return running;
}

/** Options of {@link createBenchTraining}. */
export interface BenchTrainingOptions {
  /** Model to train. */
  readonly model: BenchModelName;
  /** Training images `count*784` in [0,1]; a step reads `batch` of them from a given index. */
  readonly data: Float32Array;
  /** Batch size (a positive integer). */
  readonly batch: number;
  /** Adam learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Seed of the weights and of the VAEs' noise (default 0). */
  readonly seed?: number;
}

/** A benchmark model with its optimizer, ready to take training steps. */
export interface BenchTraining {
  /** The model being trained. */
  readonly model: BenchModel;
  /** Images `first .. first+batch-1` as a [batch, 784] tensor (the caller disposes it). */
  batchTensor(first: number): tf.Tensor2D;
  /**
   * One training step on images `first .. first+batch-1` (a fresh eps for the VAEs, one Adam
   * `minimize`, no tensor kept); returns the batch's loss when `wantLoss` (reading it waits for
   * the step), else NaN.
   */
  step(first: number, wantLoss: boolean): number;
  /** Frees the optimizer and the model. */
  dispose(): void;
}

/**
 * Builds the benchmark model (weights seeded from `seed`) and PyTorch's Adam (epsilon 1e-8) on the
 * running backend. RangeError when a step would read past `data` (checked per step).
 */
export function createBenchTraining(options: BenchTrainingOptions): BenchTraining {
  const { batch, data } = options;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`bench: batch must be a positive integer, got ${batch}`);
  const rng = new Rng(options.seed ?? 0);
  const model = buildBenchModel(options.model, rng.nextSeed());
  const vars = [...model.encoder.trainableWeights, ...model.decoder.trainableWeights].map((w) => w.read() as tf.Variable);
  // torch.optim.Adam's update exactly: PyTorch formulation with its epsilon 1e-8.
  const optimizer = createAdam(options.learningRate ?? 1e-3, { formulation: 'pytorch', epsilon: 1e-8 });
  const batchTensor = (first: number): tf.Tensor2D => {
    if (!Number.isInteger(first) || first < 0 || (first + batch) * 784 > data.length) {
      throw new RangeError(`bench: images ${first}..${first + batch - 1} asked for, data holds ${Math.floor(data.length / 784)}`);
    }
    return tf.tensor2d(data.subarray(first * 784, (first + batch) * 784), [batch, 784]);
  };
  return {
    model,
    batchTensor,
    step: (first, wantLoss) => {
      let loss = NaN;
      tf.tidy(() => {
        const x = batchTensor(first);
        const eps = model.variational ? tf.tensor2d(rng.normalArray(batch * model.latentDim, 0, 1), [batch, model.latentDim]) : undefined;
        const cost = optimizer.minimize(() => benchLoss(model, x, eps), wantLoss, vars);
        if (wantLoss && cost) loss = cost.dataSync()[0];
      });
      return loss;
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}
