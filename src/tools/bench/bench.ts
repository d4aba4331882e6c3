/**
 * The speed benchmark behind `npm run bench`: trains the benchmark models (shapes of the PyTorch
 * peer, batch 100, Adam 1e-3) on MNIST training images and measures training, inference and
 * MAP-denoising throughput, peak memory and tensor leaks, per model and backend.
 */
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { createAdam } from '../../training/optimizer';
import { wasmThreadCount, type BackendName } from '../../backend/index';
import { availableCores } from '../../backend/thread-policy';
import { type BenchModelName } from './bench-models';
import { createBenchTraining, startBenchBackend, type BenchKernels } from './bench-train';

export type { BenchKernels } from './bench-train';

/** Options of {@link runBenchCase}. */
export interface BenchCaseOptions {
  /** Model to train. */
  readonly model: BenchModelName;
  /** Backend to run on (started with `initBackend`). */
  readonly backend: BackendName;
  /** Training images `count*784` in [0,1] (the first `images` are used, in order, as the peer does). */
  readonly data: Float32Array;
  /** How many training images to pass over (multiple of `batch`). */
  readonly images: number;
  /** Batch size (default 100). */
  readonly batch?: number;
  /** Adam learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** MAP-denoising iterations to time (default 20). */
  readonly mapIterations?: number;
  /** wasm kernels (default 'fast'). */
  readonly kernels?: BenchKernels;
  /** Seed of weights and noise (default 0). */
  readonly seed?: number;
  /** wasm threads (see `initBackend`; only when wasm first starts in the process). */
  readonly wasmThreads?: number;
}

/** One benchmark result (one JSON line of `npm run bench --json`). */
export interface BenchResult {
  /** Which benchmark model. */
  readonly model: BenchModelName;
  /** Backend it ran on. */
  readonly backend: BackendName;
  /** wasm kernels used. */
  readonly kernels: BenchKernels;
  /** Threads the wasm backend's products and convolutions run with (1 for other backends). */
  readonly threads: number;
  /** Training images passed over. */
  readonly images: number;
  /** Batch size. */
  readonly batch: number;
  /** Wall-clock seconds of the training pass. */
  readonly seconds: number;
  /** Training throughput, images per wall-clock second. */
  readonly images_per_s: number;
  /** Training throughput per second of this process's CPU time (robust to other load on the machine). */
  readonly cpu_images_per_s: number;
  /**
   * Training throughput of a second pass over the same images, continuing to train the same model:
   * the speed of a long run once V8 has compiled the step (the first pass includes that warm-up).
   */
  readonly warm_images_per_s: number;
  /** Forward encode + decode throughput, images per second. */
  readonly inference_images_per_s: number;
  /** MAP denoising in latent space (Adam on z through the decoder) of one batch: iterations per second. */
  readonly map_iters_per_s: number;
  /** Peak resident set size of the process, MB. */
  readonly peak_rss_mb: number;
  /** Peak V8 heap used, MB. */
  readonly peak_heap_mb: number;
  /** Peak bytes held by TensorFlow.js tensors, MB. */
  readonly peak_tensor_mb: number;
  /** Live tensors before building the model and after disposing everything (must be equal). */
  readonly tensors_before: number;
  /** Live tensors after disposing model, optimizers and data. */
  readonly tensors_after: number;
  /** Loss of the last training batch. */
  readonly final_loss: number;
  /** The machine's 1-minute load average when the case started, and its cores: load above the cores means the wall-clock numbers are shared with other work. */
  readonly load_avg: number;
  readonly cores: number;
}

interface Peaks {
  rss: number;
  heap: number;
  tensor: number;
}

function sample(p: Peaks): void {
  const m = process.memoryUsage();
  p.rss = Math.max(p.rss, m.rss);
  p.heap = Math.max(p.heap, m.heapUsed);
  p.tensor = Math.max(p.tensor, tf.memory().numBytes);
}

/** Seconds of this process's CPU time (all threads) since `since`. */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

/** `v` rounded to `digits` decimals, as the bench's JSON prints it. */
export const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

/** Trains one model on one backend and measures it. RangeError for bad sizes. */
export async function runBenchCase(options: BenchCaseOptions): Promise<BenchResult> {
  const batch = options.batch ?? 100;
  const { images, data } = options;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`bench: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(images) || images < batch || images % batch !== 0) {
    throw new RangeError(`bench: images must be a positive multiple of the batch (${batch}), got ${images}`);
  }
  if (data.length < images * 784) {
    throw new RangeError(`bench: data holds ${Math.floor(data.length / 784)} images, ${images} asked for`);
  }
  const loadAvg = os.loadavg()[0];
  const kernels = options.kernels ?? 'fast';
  const backend = await startBenchBackend(options.backend, kernels, options.wasmThreads);
  const peaks: Peaks = { rss: 0, heap: 0, tensor: 0 };
  const tensorsBefore = tf.memory().numTensors;

  const training = createBenchTraining({ model: options.model, data, batch, learningRate: options.learningRate, seed: options.seed });
  const { model, batchTensor } = training;
  const step = (i: number, wantLoss: boolean): number => {
    const loss = training.step(i, wantLoss);
    sample(peaks);
    return loss;
  };
  // Warm up (kernel setup, wasm compilation tiers, helper threads), then time one pass over the images
  // (as the peer does), then a second.
  step(0, true);
  let finalLoss = NaN;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < images; i += batch) finalLoss = step(i, i + batch >= images);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  // A second pass, same images, same model (its loss is not reported: final_loss is the first pass's, as the peer's).
  const tWarm = performance.now();
  for (let i = 0; i < images; i += batch) step(i, i + batch >= images);
  const warmSeconds = (performance.now() - tWarm) / 1000;

  // Inference: encode (mean) and decode every image.
  const t1 = performance.now();
  for (let i = 0; i < images; i += batch) {
    tf.tidy(() => {
      const h = model.encoder.predict(batchTensor(i)) as tf.Tensor2D;
      const z = model.variational ? tf.slice(h, [0, 0], [batch, model.latentDim]) : h;
      (model.decoder.predict(z) as tf.Tensor).dataSync();
    });
    sample(peaks);
  }
  const inferenceSeconds = (performance.now() - t1) / 1000;

  // MAP denoising of one batch: Adam on z for ||decoder(z) - y||^2 + ||z||^2 / 2 (per image).
  const mapIterations = options.mapIterations ?? 20;
  const target = batchTensor(0);
  const z = tf.tidy(() => tf.variable(tf.zeros([batch, model.latentDim]), true));
  const mapOptimizer = createAdam(1e-2);
  const mapStep = (): void => {
    tf.tidy(() => {
      mapOptimizer.minimize(
        () =>
          tf.tidy(() => {
            const r = model.decoder.apply(z) as tf.Tensor2D;
            const fit = tf.sum(tf.square(tf.sub(r, target)));
            return tf.div(tf.add(fit, tf.mul(0.5, tf.sum(tf.square(z)))), batch) as tf.Scalar;
          }),
        false,
        [z],
      );
    });
    sample(peaks);
  };
  mapStep();
  const t2 = performance.now();
  for (let k = 0; k < mapIterations; k++) mapStep();
  z.dataSync();
  const mapSeconds = (performance.now() - t2) / 1000;

  mapOptimizer.dispose();
  z.dispose();
  target.dispose();
  training.dispose();
  const tensorsAfter = tf.memory().numTensors;
  const mb = (b: number): number => round(b / 2 ** 20);
  return {
    model: options.model,
    backend,
    kernels,
    threads: wasmThreadCount(),
    images,
    batch,
    seconds: round(seconds, 3),
    images_per_s: round(images / seconds),
    cpu_images_per_s: round(images / cpu),
    warm_images_per_s: round(images / warmSeconds),
    inference_images_per_s: round(images / inferenceSeconds),
    map_iters_per_s: round(mapIterations / mapSeconds, 2),
    peak_rss_mb: mb(peaks.rss),
    peak_heap_mb: mb(peaks.heap),
    peak_tensor_mb: mb(peaks.tensor),
    tensors_before: tensorsBefore,
    tensors_after: tensorsAfter,
    final_loss: round(finalLoss, 4),
    load_avg: round(loadAvg, 2),
    cores: availableCores(),
  };
}
