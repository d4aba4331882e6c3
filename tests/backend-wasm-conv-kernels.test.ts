/**
 * The faster wasm convolution and pooling kernels (vaelab's implicit-GEMM convolution and filter
 * gradient; the fallback filter gradient by shifted windows, chunked and patches-on-the-right;
 * one-output-channel convolution; pooling / upsampling gradients) give
 * the cpu backend's numbers to 1e-5 on every path they take, including the odd shapes, paddings
 * and strides the curriculum uses.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels, setWasmGemm } from '../src/engine';
import { setNarrowConv } from '../src/engine/wasm-kernels';
import { setWasmSimdKernels, wasmSimdKernels } from '../src/engine/wasm-simd';
import { setFilterGradWindows } from '../src/engine/wasm-conv-filter';
import { expectSameOnCpuAndWasm, relError, seededValues, size, type Pad, type Shape4 } from './wasm-fixtures';

/** Deterministic pseudo-random values in [-1, 1) (this suite's data). */
const values = (n: number, seed: number): Float32Array => seededValues(n, seed, 7);

/** cpu and wasm agree within `tol` (default 1e-5 for this suite). */
const expectSameOnBothBackends = (f: () => tf.Tensor[], tol = 1e-5): Promise<void> => expectSameOnCpuAndWasm(f, tol);

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});

afterAll(async () => {
  setNarrowConv(true);
  setWasmSimdKernels(true);
  setFilterGradWindows('auto');
  await tf.setBackend('wasm');
});

/** Filter gradient of conv2d (and of conv2dTranspose, where x and dy swap roles). */
function filterGrads(xs: Shape4, fs: Shape4, s: number | [number, number], pad: Pad): tf.Tensor[] {
  const x = tf.tensor4d(values(size(xs), 1), xs);
  const f = tf.tensor4d(values(size(fs), 2), fs);
  const y = tf.conv2d(x, f, s, pad);
  const r = tf.tensor(values(y.size, 3), y.shape);
  const df = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, b as tf.Tensor4D, s, pad), r)))(f);
  const rt = tf.tensor(values(size(xs), 4), xs);
  const dft = tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(y, b as tf.Tensor4D, xs, s, pad), rt)))(f);
  return [df, dft];
}

describe.each(['gemm', 'views', 'stack'] as const)('Conv2DBackpropFilter on wasm equals cpu to 1e-5 (%s)', (mode) => {
  // 'gemm': vaelab's implicit-GEMM loops (the default); 'views' / 'stack': the fallback from XNNPACK products.
  beforeAll(() => {
    setWasmGemm(mode === 'gemm');
    if (mode !== 'gemm') setFilterGradWindows(mode);
  });
  afterAll(() => {
    setWasmGemm(true);
    setFilterGradWindows('auto');
  });

  test.each([
    // Windows as views (>= 8 input channels): the 5LSL0 conv AE layers (batch and size cut).
    { x: [2, 10, 10, 16], f: [3, 3, 16, 16], s: 1, pad: 'same' },
    { x: [2, 7, 7, 16], f: [3, 3, 16, 16], s: 1, pad: 'same' },
    { x: [3, 4, 4, 16], f: [3, 3, 16, 1], s: 1, pad: 'same' },
    { x: [2, 9, 9, 9], f: [3, 3, 9, 5], s: 2, pad: 'same' },
    { x: [2, 10, 9, 12], f: [3, 3, 12, 7], s: 2, pad: 'valid' },
    // Stacked windows (few input channels), dy split into column chunks (> 16 output channels).
    { x: [2, 28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
    { x: [2, 7, 7, 3], f: [3, 3, 3, 20], s: 2, pad: 'same' },
    { x: [2, 14, 14, 4], f: [3, 3, 4, 33], s: 2, pad: 'same' },
    // conv VAE layers (stride 2, 32 and 64 channels; spatial size cut).
    { x: [1, 10, 10, 32], f: [3, 3, 32, 64], s: 2, pad: 'same' },
    { x: [1, 8, 8, 64], f: [3, 3, 64, 64], s: 2, pad: 'same' },
    // Patches on the right (2*taps*ci <= co), with and without column chunks.
    { x: [2, 28, 28, 1], f: [3, 3, 1, 32], s: 1, pad: 'same' },
    { x: [3, 28, 28, 1], f: [3, 3, 1, 32], s: 2, pad: 'same' },
    { x: [2, 8, 8, 2], f: [3, 3, 2, 40], s: [1, 2], pad: 'valid' },
    // Phases with unequal tap counts, and a stride larger than the filter.
    { x: [2, 11, 11, 3], f: [5, 5, 3, 4], s: 2, pad: 'same' },
    { x: [2, 9, 8, 2], f: [2, 3, 2, 5], s: [2, 3], pad: 'valid' },
    { x: [2, 10, 10, 8], f: [2, 2, 8, 3], s: 3, pad: 'same' },
  ] as Array<{ x: Shape4; f: Shape4; s: number | [number, number]; pad: Pad }>)(
    'x=$x filter=$f stride=$s pad=$pad (conv2d and conv2dTranspose)',
    async ({ x, f, s, pad }) => {
      await expectSameOnBothBackends(() => filterGrads(x, f, s, pad));
    },
  );
});

describe('conv2d input gradient and conv2dTranspose with stride 2 (phases interleaved) equal cpu to 1e-5', () => {
  test.each([
    { x: [2, 14, 14, 32], f: [3, 3, 32, 64] }, // conv VAE encoder / decoder 64 -> 32
    { x: [2, 14, 14, 64], f: [3, 3, 64, 64] },
    { x: [2, 9, 9, 8], f: [3, 3, 8, 4] }, // odd size
  ] as Array<{ x: Shape4; f: Shape4 }>)('x=$x filter=$f', async ({ x: xs, f: fs }) => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor4d(values(size(xs), 18), xs);
      const f = tf.tensor4d(values(size(fs), 19), fs);
      const y = tf.conv2d(x, f, 2, 'same');
      const r = tf.tensor(values(y.size, 20), y.shape);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f, 2, 'same'), r)))(x);
      return [dx, tf.conv2dTranspose(y, f, xs, 2, 'same')];
    });
  });
});

describe("conv2dTranspose to one channel (dot products; widened filter without vaelab's loops) equals cpu to 1e-5", () => {
  test.each([
    { y: [2, 28, 28, 16], out: [2, 28, 28, 1], pad: 'same' },
    { y: [2, 14, 14, 16], out: [2, 14, 14, 1], pad: 'same' },
    { y: [2, 13, 13, 5], out: [2, 13, 13, 1], pad: 'same' }, // no divisor of 13 in 4..8: plain path
    { y: [2, 10, 12, 3], out: [2, 12, 14, 1], pad: 'valid' },
  ] as Array<{ y: Shape4; out: Shape4; pad: Pad }>)('dy=$y -> $out pad=$pad: output and gradients', async ({ y: ys, out, pad }) => {
    await expectSameOnBothBackends(() => {
      const fs: Shape4 = [3, 3, 1, ys[3]];
      const y = tf.tensor4d(values(size(ys), 5), ys);
      const f = tf.tensor4d(values(size(fs), 6), fs);
      const r = tf.tensor(values(size(out), 7), out);
      const t = tf.conv2dTranspose(y, f, out, 1, pad);
      const [dy, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, out, 1, pad), r)),
      )([y, f]);
      return [t, dy, df];
    });
  });

  test("without vaelab's loops (XNNPACK convolutions), the trick gives the outputs of the plain convolution", async () => {
    await tf.setBackend('wasm');
    setWasmGemm(false);
    const y = tf.tensor4d(values(2 * 28 * 28 * 16, 8), [2, 28, 28, 16]);
    const f = tf.tensor4d(values(3 * 3 * 16, 9), [3, 3, 1, 16]);
    setNarrowConv(false);
    const plain = tf.conv2dTranspose(y, f, [2, 28, 28, 1], 1, 'same');
    setNarrowConv(true);
    const wide = tf.conv2dTranspose(y, f, [2, 28, 28, 1], 1, 'same');
    setWasmGemm(true);
    expect(relError(wide.dataSync() as Float32Array, plain.dataSync() as Float32Array)).toBeLessThan(1e-6);
    tf.dispose([y, f, plain, wide]);
  });
});

describe('pooling and upsampling gradients on wasm equal cpu', () => {
  test.each([
    { x: [3, 28, 28, 16], pool: [2, 2], pad: 'valid' },
    { x: [3, 7, 7, 16], pool: [2, 2], pad: 'same' }, // ceil mode 7 -> 4
    { x: [3, 4, 4, 1], pool: [2, 4], pad: 'valid' },
    { x: [2, 9, 7, 3], pool: [3, 2], pad: 'valid' }, // leftover rows/columns get no gradient
  ] as Array<{ x: Shape4; pool: [number, number]; pad: Pad }>)('maxPool $pool $pad on $x, ReLU-like ties', async ({ x: xs, pool, pad }) => {
    await expectSameOnBothBackends(() => {
      // Many exact zeros (as after a ReLU) and rounded values: ties go to the first maximum.
      const x = tf.tensor4d(
        values(size(xs), 10).map((v) => Math.max(0, Math.round(v * 4))),
        xs,
      );
      const y = tf.maxPool(x, pool, pool, pad);
      const r = tf.tensor(values(y.size, 11), y.shape);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, pool, pool, pad), r)))(x)];
    }, 1e-6);
  });

  test('maxPool 2x2 gradient with NaN and -Infinity inputs follows the cpu rule (first value > running max)', async () => {
    await expectSameOnBothBackends(() => {
      const raw = values(2 * 6 * 6 * 8, 21).map((v, i) => (i % 7 === 0 ? NaN : i % 5 === 0 ? -Infinity : Math.round(v * 2)));
      const x = tf.tensor4d(raw, [2, 6, 6, 8]);
      const r = tf.tensor(values(2 * 3 * 3 * 8, 22), [2, 3, 3, 8]);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), r)))(x)];
    }, 1e-6);
  });

  test.each([
    { x: [3, 14, 14, 16], to: [28, 28] },
    { x: [3, 2, 1, 1], to: [4, 4] }, // (2, 4) upsampling of the conv AE's latent
    { x: [3, 2, 1, 8], to: [4, 4] }, // (2, 4) with channels in fours: SIMD copies
    { x: [2, 4, 5, 3], to: [12, 15] }, // factor 3
    { x: [3, 8, 8, 16], to: [14, 14] }, // not an integer factor
  ] as Array<{ x: Shape4; to: [number, number] }>)('resizeNearestNeighbor $x -> $to: output and gradient', async ({ x: xs, to }) => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor4d(values(size(xs), 12), xs);
      const r = tf.tensor(values(xs[0] * to[0] * to[1] * xs[3], 13), [xs[0], to[0], to[1], xs[3]]);
      const up = tf.image.resizeNearestNeighbor(x, to);
      return [up, tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, to), r)))(x)];
    }, 1e-6);
  });
});

describe('Sum over leading axes (bias gradients) equals cpu to 1e-5', () => {
  test.each([
    { shape: [2, 30, 30, 16], axes: [0, 1, 2] }, // 1800 rows: several blocks of 256
    { shape: [3, 5, 7, 32], axes: [0, 1, 2] },
    { shape: [100, 48], axes: [0] },
    { shape: [4, 6, 64], axes: [0, 1] },
    { shape: [3, 5, 7, 24], axes: [0, 1, 2] }, // not a multiple of 16: product with ones
  ])('$shape over $axes (keepDims too)', async ({ shape, axes }) => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor(values(size(shape), 16), shape);
      return [tf.sum(x, axes), tf.sum(x, axes, true)];
    });
  });
});

describe('with the WebAssembly SIMD loops switched off (the fallback paths)', () => {
  beforeAll(() => setWasmSimdKernels(false));
  afterAll(() => setWasmSimdKernels(true));

  test.each([
    { x: [2, 28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' }, // stacked windows
    { x: [3, 28, 28, 1], f: [3, 3, 1, 32], s: 2, pad: 'same' }, // patches on the right
  ] as Array<{ x: Shape4; f: Shape4; s: number; pad: Pad }>)('filter gradient x=$x filter=$f stride=$s', async ({ x, f, s, pad }) => {
    await expectSameOnBothBackends(() => filterGrads(x, f, s, pad));
  });

  test('sum over leading axes', async () => {
    await expectSameOnBothBackends(() => [tf.sum(tf.tensor(values(2 * 9 * 9 * 32, 17), [2, 9, 9, 32]), [0, 1, 2])]);
  });

  test('maxPool 2x2 gradient with ties', async () => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor4d(
        values(3 * 8 * 8 * 16, 14).map((v) => Math.max(0, Math.round(v * 4))),
        [3, 8, 8, 16],
      );
      const r = tf.tensor(values(3 * 4 * 4 * 16, 15), [3, 4, 4, 16]);
      return [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), r)))(x)];
    }, 1e-6);
  });
});

describe('SIMD availability and leaks', () => {
  test('the SIMD loops compile on this engine (so the tests above ran them)', async () => {
    await tf.setBackend('wasm');
    expect(wasmSimdKernels(tf.backend())).not.toBeNull();
  });

  test('the new kernels leave no tensor and no wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    tf.dispose(tf.tidy(() => filterGrads([2, 9, 9, 9], [3, 3, 9, 20], 2, 'same')));
    tf.dispose(tf.tidy(() => filterGrads([2, 9, 9, 2], [3, 3, 2, 40], 1, 'same')));
    tf.dispose(tf.tidy(() => filterGrads([2, 9, 9, 3], [3, 3, 3, 20], 2, 'same')));
    tf.dispose(
      tf.tidy(() => tf.conv2dTranspose(tf.ones([2, 8, 8, 4]) as tf.Tensor4D, tf.ones([3, 3, 1, 4]) as tf.Tensor4D, [2, 8, 8, 1], 1, 'same')),
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});
