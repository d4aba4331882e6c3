/**
 * Binary cross-entropy's log-likelihood as one tape node (`src/engine/wasm-bernoulli.ts` and the
 * strips of `wasm-bernoulli-code.ts`): the values and the gradients (to the probabilities and to
 * the targets) of tfjs's composed ops bit for bit, under both guards (clip, the curriculum's
 * `bceLoss`; a -100 floor under each logarithm, PyTorch's and the bench's), with NaN, signed zeros,
 * infinities, subnormals and probabilities outside [0, 1] among the inputs; the composed ops for the
 * cases the kernel does not take; the same training steps; the same split over a helper thread;
 * clear errors; nothing left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { bernoulliLogLikelihood, registerWasmKernels, setFusedBernoulli, BERNOULLI_LL_KERNEL, type ProbabilityGuard } from '../src/engine';
import { wasmGemmFor, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES, type WasmGemm } from '../src/engine/wasm-gemm';
import { bceLoss, BCE_EPSILON } from '../src/losses';
import { benchTrainingBits, kernelCounts, seededValues } from './wasm-fixtures';
import { nanAgnosticDifferences, wasmMemory } from './wasm-gemm-fixtures';

/** Probabilities that tell the rules apart: both ends, the clip bounds, NaN, zeros, subnormals, outside [0, 1]. */
const SPECIAL_P = [0, 1, -0, Number.NaN, 1e-7, 0.9999999, 1e-8, 1 - 1e-8, 1e-45, 3.7e-44, 1e-30, -0.5, 1.5, Infinity, -Infinity, 0.5];
/** Targets: 0, 1, in between, NaN, outside [0, 1]. */
const SPECIAL_T = [0, 1, 0.25, Number.NaN, -0, 2, -1, 0.999];

/** n probabilities: the special ones spread through, seeded numbers in (0, 1) elsewhere. */
function probabilities(n: number, seed: number): Float32Array {
  const out = seededValues(n, seed, 11).map((v) => (v + 1) / 2);
  for (let i = 0; i < n; i += 37) out[i] = SPECIAL_P[(i / 37) % SPECIAL_P.length];
  return out;
}

function targets(n: number, seed: number): Float32Array {
  const out = seededValues(n, seed, 12).map((v) => (v > 0 ? 1 : v > -0.5 ? 0 : v + 1));
  for (let i = 5; i < n; i += 41) out[i] = SPECIAL_T[((i - 5) / 41) % SPECIAL_T.length];
  return out;
}

const differences = nanAgnosticDifferences;
const SAME = { count: 0, first: null };

const GUARDS: Array<[string, ProbabilityGuard]> = [
  ['clip', { kind: 'clip', epsilon: BCE_EPSILON }],
  ['logFloor', { kind: 'logFloor' }],
];

describe('the log-likelihood kernel against the composed ops', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
    registerWasmKernels();
  });
  afterAll(() => registerWasmKernels());

  /** LL, d(sum(w LL))/dp and d(sum(w LL))/dt, with the kernel on (`fused`) or the composed ops. */
  function valueAndGrads(fused: boolean, shape: number[], guard: ProbabilityGuard, seed: number): Float32Array[] {
    setFusedBernoulli(fused);
    try {
      const n = tf.util.sizeFromShape(shape);
      const p0 = tf.tensor(probabilities(n, seed), shape);
      const t0 = tf.tensor(targets(n, seed), shape);
      const p = tf.variable(p0);
      const t = tf.variable(t0);
      tf.dispose([p0, t0]);
      const w = tf.tensor(seededValues(n, seed, 13), shape);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bernoulliLogLikelihood(t, p, guard), w)) as tf.Scalar, [p, t]);
      const ll = bernoulliLogLikelihood(t, p, guard);
      const out = [ll, grads[p.name], grads[t.name]].map((x) => x.dataSync() as Float32Array);
      tf.dispose([p, t, w, value, ll, ...Object.values(grads)]);
      return out;
    } finally {
      setFusedBernoulli(true);
    }
  }

  test.each(GUARDS)('%s: LL and its gradients to p and t are the composed ops’ bits ([100, 784] and [3, 4, 8])', (_, guard) => {
    for (const shape of [
      [100, 784],
      [3, 4, 8],
    ]) {
      const fused = valueAndGrads(true, shape, guard, shape.length);
      const composed = valueAndGrads(false, shape, guard, shape.length);
      fused.forEach((values, i) => expect(differences(values, composed[i])).toEqual(SAME));
    }
    // The special values do reach the gradient: NaNs (a NaN p or t), and under clip the zeros of p outside the bounds.
    const [, dp] = valueAndGrads(true, [100, 784], guard, 2);
    expect(dp.some(Number.isNaN)).toBe(true);
    if (guard.kind === 'clip') expect(dp.some((v) => v === 0)).toBe(true);
  });

  test.each(GUARDS)('%s: one kernel forward and one backward, where the composed ops take about thirty', async (_, guard) => {
    const p0 = tf.tensor(probabilities(64, 3), [8, 8]);
    const p = tf.variable(p0);
    const t = tf.tensor(targets(64, 3), [8, 8]);
    const counts = await kernelCounts(() => tf.variableGrads(() => tf.sum(bernoulliLogLikelihood(t, p, guard)) as tf.Scalar, [p]).grads[p.name]);
    expect(counts[BERNOULLI_LL_KERNEL]).toBe(1);
    expect(counts[`${BERNOULLI_LL_KERNEL}Grad`]).toBe(1);
    expect(counts.Log).toBeUndefined(); // wasm's Log runs inside, not as kernels of the tape
    tf.dispose([p0, p, t]);
  });

  test('the cases the kernel does not take run the composed ops, with the same numbers', async () => {
    const guard: ProbabilityGuard = { kind: 'clip', epsilon: BCE_EPSILON };
    // 15 floats: not whole vectors.
    const p = tf.tensor(probabilities(15, 4), [3, 5]);
    const t = tf.tensor(targets(15, 4), [3, 5]);
    const counts = await kernelCounts(() => bernoulliLogLikelihood(t, p, guard));
    expect(counts[BERNOULLI_LL_KERNEL]).toBeUndefined();
    expect(counts.Log).toBe(2);
    setFusedBernoulli(false);
    const composed = bernoulliLogLikelihood(t, p, guard);
    setFusedBernoulli(true);
    const odd = bernoulliLogLikelihood(t, p, guard);
    expect(differences(odd.dataSync(), composed.dataSync())).toEqual(SAME);
    tf.dispose([p, t, composed, odd]);
  });

  test('bceLoss (the curriculum’s loss) gives the composed ops’ loss and gradient bits', () => {
    const run = (): Float32Array[] => {
      const p = tf.tidy(() =>
        tf.variable(
          tf.sigmoid(
            tf.tensor(
              seededValues(16 * 784, 5, 14).map((v) => 12 * v),
              [16, 784],
            ),
          ),
        ),
      );
      const t = tf.tensor(targets(16 * 784, 5), [16, 784]);
      const { value, grads } = tf.variableGrads(() => bceLoss(t, p), [p]);
      const out = [value.dataSync() as Float32Array, grads[p.name].dataSync() as Float32Array];
      tf.dispose([p, t, value, ...Object.values(grads)]);
      return out;
    };
    const fused = run();
    setFusedBernoulli(false);
    try {
      const composed = run();
      fused.forEach((v, i) => expect(differences(v, composed[i])).toEqual(SAME));
    } finally {
      setFusedBernoulli(true);
    }
  });

  test('the dense VAE bench model trains to the same bits with the kernel and with the composed ops', () => {
    const on = benchTrainingBits('dense_vae', 17, 10);
    setFusedBernoulli(false);
    try {
      expect(on).toEqual(benchTrainingBits('dense_vae', 17, 10));
    } finally {
      setFusedBernoulli(true);
    }
  });

  test('bad arguments: a clear error naming what was wrong and what was expected', () => {
    const a = tf.zeros([2, 4]);
    const b = tf.zeros([4, 2]);
    expect(() => bernoulliLogLikelihood(a, b, { kind: 'logFloor' })).toThrow(/targets \[2,4\] and probabilities \[4,2\] must have the same shape/);
    expect(() => bernoulliLogLikelihood(a, a, { kind: 'clip', epsilon: 0 })).toThrow(/epsilon must be in \(0, 0.5\), got 0/);
    expect(() => bernoulliLogLikelihood(a, a, { kind: 'tanh' } as unknown as ProbabilityGuard)).toThrow(
      /unknown guard 'tanh'; expected 'clip' or 'logFloor'/,
    );
    tf.dispose([a, b]);
  });

  test('leaves no tensor and no wasm buffer behind', () => {
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (const [, guard] of GUARDS) valueAndGrads(true, [4, 8], guard, 1);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});

describe('the strips on a bare memory', () => {
  test('split over a helper thread: the bits of one thread, nothing written past the output', () => {
    const single = wasmMemory(256, false);
    const shared = wasmMemory(256, true);
    const gemm1 = wasmGemmFor(single, 1) as WasmGemm;
    const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;
    const n = 100 * 784;
    expect(4 * n).toBeGreaterThanOrEqual(2 * GEMM_ELEMENTWISE_MIN_CHUNK_BYTES);
    const inputs = [
      seededValues(n, 1, 15),
      targets(n, 2),
      probabilities(n, 3),
      seededValues(n, 4, 16).map((v) => 200 * v),
      seededValues(n, 5, 17).map((v) => 200 * v),
    ];
    const run = (gemm: WasmGemm, memory: { buffer: ArrayBufferLike }, op: 'gradClip' | 'gradClamp' | 'likelihoodClamp'): Float32Array => {
      const heap = new Float32Array(memory.buffer);
      inputs.forEach((x, i) => heap.set(x, i * n));
      const out = 5 * n;
      heap.fill(1234.5, out, out + n + 16);
      const used = op === 'gradClamp' ? [0, 1, 2, 3, 4] : op === 'gradClip' ? [0, 1, 2] : [1, 3, 4];
      gemm.bernoulli({ op, inputs: used.map((i) => 4 * i * n), out: 4 * out, n, lo: BCE_EPSILON, hi: 1 - BCE_EPSILON });
      expect(heap.subarray(out + n, out + n + 16).every((v) => v === 1234.5)).toBe(true);
      return heap.slice(out, out + n);
    };
    for (const op of ['gradClip', 'gradClamp', 'likelihoodClamp'] as const) {
      const before = gemm2.sharedJobs;
      const two = run(gemm2, shared, op);
      expect(gemm2.sharedJobs).toBe(before + 1);
      expect(differences(two, run(gemm1, single, op))).toEqual(SAME);
    }
  });

  test('sizes and inputs the strips do not take are refused, naming them', () => {
    const gemm = wasmGemmFor(wasmMemory(4, false), 1) as WasmGemm;
    expect(() => gemm.bernoulli({ op: 'oneMinus', inputs: [0], out: 64, n: 6 })).toThrow(/oneMinus: n must be a multiple of 4, got 6/);
    expect(() => gemm.bernoulli({ op: 'likelihood', inputs: [0, 16], out: 64, n: 4 })).toThrow(/likelihood: expected 3 input\(s\), got 2/);
    expect(() => gemm.bernoulli({ op: 'gradClip', inputs: [0, 16, 32], out: 64, n: 4 })).toThrow(/lo and hi are needed/);
  });
});
