/**
 * vaelab's wasm kernels (conv filter gradient, fast conv input gradient / conv2dTranspose, matMul
 * with transposes, Sum over leading axes, fused Adam) give the cpu backend's numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { installedWasmKernels, registerWasmKernels } from '../src/engine';
import { createAdam } from '../src/training/optimizer';
import { prefersSwappedProduct } from '../src/engine/wasm-kernels';
import { expectSameOnCpuAndWasm, seededValues, size, type Pad, type Shape4 } from './wasm-fixtures';

/** Deterministic pseudo-random values in [-1, 1) (this suite's data). */
const values = (n: number, seed: number): Float32Array => seededValues(n, seed, 1);

/** cpu and wasm agree within `tol` (default 1e-4 for this suite). */
const expectSameOnBothBackends = (f: () => tf.Tensor[], tol = 1e-4): Promise<void> => expectSameOnCpuAndWasm(f, tol);

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

describe('registerWasmKernels', () => {
  test('installs every kernel, and a second call changes nothing', () => {
    registerWasmKernels();
    const first = installedWasmKernels();
    registerWasmKernels();
    expect(installedWasmKernels()).toEqual(first);
    expect(first).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'BatchMatMul',
        '_FusedMatMul',
        'Sum',
        'MaxPool',
        'MaxPoolGrad',
        'ResizeNearestNeighborGrad',
      ]),
    );
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  test('speed-ups can be switched off and on again; the filter gradient stays', () => {
    const all = installedWasmKernels();
    registerWasmKernels({
      fastMatMul: false,
      fastConv: false,
      fastConvBackpropInput: false,
      fastSum: false,
      fastPoolGrads: false,
      sharedIdentity: false,
      sharedCast: false,
      fastCopies: false,
      fastCompare: false,
      fastElementwise: false,
      fastLog: false,
    });
    expect(installedWasmKernels()).toEqual(['Conv2DBackpropFilter']);
    registerWasmKernels();
    expect(installedWasmKernels()).toEqual(all);
  });
});

const convCases: Array<{ x: Shape4; f: Shape4; s: number | [number, number]; pad: Pad }> = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], s: 2, pad: 'same' },
  { x: [2, 10, 10, 3], f: [3, 3, 3, 4], s: 2, pad: 'same' },
  { x: [2, 10, 10, 3], f: [3, 3, 3, 4], s: 2, pad: 'valid' },
  { x: [2, 9, 8, 2], f: [2, 3, 2, 5], s: [2, 3], pad: 'valid' },
  { x: [3, 28, 28, 1], f: [3, 3, 1, 8], s: 2, pad: 'same' },
  { x: [2, 7, 7, 2], f: [3, 3, 2, 3], s: 1, pad: 'valid' },
  { x: [2, 6, 6, 2], f: [5, 5, 2, 3], s: 3, pad: 'same' },
  { x: [2, 7, 7, 4], f: [1, 1, 4, 3], s: 2, pad: 'same' },
];

describe.each(convCases)('conv2d x=$x filter=$f stride=$s pad=$pad', ({ x: xs, f: fs, s, pad }) => {
  const xv = values(size(xs), 1);
  const fv = values(size(fs), 2);

  test('dx and dfilter on wasm equal cpu to 1e-4', async () => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor4d(xv, xs);
      const f = tf.tensor4d(fv, fs);
      const y = tf.conv2d(x, f, s, pad);
      const r = tf.tensor(values(y.size, 3), y.shape);
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), r)))([x, f]);
      return [y, dx, df];
    });
  });

  test('conv2dTranspose and its gradients on wasm equal cpu to 1e-4', async () => {
    await expectSameOnBothBackends(() => {
      const f = tf.tensor4d(fv, fs);
      const y = tf.conv2d(tf.tensor4d(xv, xs), f, s, pad); // a dy of the right shape
      const r = tf.tensor(values(size(xs), 4), xs);
      const t = tf.conv2dTranspose(y, f, xs, s, pad);
      const [dy, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xs, s, pad), r)),
      )([y, f]);
      return [t, dy, df];
    });
  });
});

describe('other kernels', () => {
  test('Cast to the same dtype shares the buffer (values kept after the source is disposed); to another dtype the stock kernel runs', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels();
    const x = tf.tensor1d([1.5, -2.25, 0, 3]);
    const buffers = tf.engine().backend.numDataIds();
    const same = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(buffers); // no new buffer
    const toInt = tf.cast(x, 'int32');
    const toBool = tf.cast(x, 'bool');
    registerWasmKernels({ sharedCast: false });
    const stockBool = tf.tidy(() => Array.from(tf.cast(x, 'bool').dataSync()));
    registerWasmKernels();
    const intSame = tf.cast(toInt, 'int32');
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 0, 3]);
    expect(Array.from(toInt.dataSync())).toEqual([1, -2, 0, 3]);
    expect(Array.from(toBool.dataSync())).toEqual(stockBool);
    expect([toInt.dtype, toBool.dtype, intSame.dtype]).toEqual(['int32', 'bool', 'int32']);
    toInt.dispose();
    expect(Array.from(intSame.dataSync())).toEqual([1, -2, 0, 3]);
    tf.dispose([same, toBool, intSame]);
    expect(tf.engine().backend.numDataIds()).toBe(buffers - 1);
  });

  test.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul transposeA=%s transposeB=%s (plain and fused) equals cpu', async (ta, tb) => {
    await expectSameOnBothBackends(() => {
      const a = tf.tensor2d(values(35, 5), ta ? [7, 5] : [5, 7]);
      const b = tf.tensor2d(values(42, 6), tb ? [6, 7] : [7, 6]);
      const bias = tf.tensor1d(values(6, 7));
      return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' })];
    }, 1e-5);
  });

  test('A x B^T with a big B (computed as (B A^T)^T) equals cpu, rank 2 and batch 1', async () => {
    expect(prefersSwappedProduct([3, 20], [16, 20])).toBe(true);
    expect(prefersSwappedProduct([1, 3, 20], [1, 16, 20])).toBe(true);
    expect(prefersSwappedProduct([2, 3, 20], [2, 16, 20])).toBe(false); // batches keep the plain path
    expect(prefersSwappedProduct([100, 32], [256, 32])).toBe(false); // small B: nothing to gain
    await expectSameOnBothBackends(() => {
      const a = tf.tensor2d(values(60, 22), [3, 20]);
      const b = tf.tensor2d(values(320, 23), [16, 20]);
      const a3 = tf.reshape(a, [1, 3, 20]) as tf.Tensor3D;
      const b3 = tf.reshape(b, [1, 16, 20]) as tf.Tensor3D;
      // The input gradient of a dense layer is dy W^T with a wide W.
      const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.matMul(x as tf.Tensor2D, tf.transpose(b))))(a);
      return [tf.matMul(a, b, false, true), tf.matMul(a3, b3, false, true), dx];
    }, 1e-5);
  });

  test('batched matMul [2,5,7] with transposes, and one buffer used as b under two shapes, equal cpu', async () => {
    await expectSameOnBothBackends(() => {
      const a = tf.tensor3d(values(70, 16), [2, 5, 7]);
      const b = tf.tensor3d(values(56, 17), [2, 4, 7]);
      const flat = tf.tensor2d(values(24, 18), [4, 6]);
      // The same buffer as the right-hand side with shapes [4,6] and [6,4] (a reshape shares it).
      const p1 = tf.matMul(tf.tensor2d(values(12, 19), [3, 4]), flat);
      const p2 = tf.matMul(tf.tensor2d(values(18, 20), [3, 6]), tf.reshape(flat, [6, 4]));
      const c = tf.tensor3d(values(30, 21), [2, 5, 3]);
      return [tf.matMul(a, b, false, true), tf.matMul(b, a, false, true), tf.matMul(a, c, true, false), p1, p2];
    }, 1e-5);
  });

  test('sum over leading axes (keepDims or not) and over other axes equals cpu', async () => {
    await expectSameOnBothBackends(() => {
      const x = tf.tensor4d(values(2 * 5 * 6 * 3, 8), [2, 5, 6, 3]);
      return [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1], true), tf.sum(x, 0), tf.sum(x, [1, 2]), tf.sum(x)];
    }, 1e-5);
  });

  test.each([
    { x: [3, 8, 8, 4], pool: [2, 2], stride: [2, 2], pad: 'valid' },
    { x: [3, 7, 7, 4], pool: [2, 2], stride: [2, 2], pad: 'same' },
    { x: [2, 4, 4, 1], pool: [2, 4], stride: [2, 4], pad: 'valid' },
    { x: [2, 6, 6, 3], pool: [3, 3], stride: [1, 1], pad: 'same' },
  ] as Array<{ x: Shape4; pool: [number, number]; stride: [number, number]; pad: Pad }>)(
    'maxPool $pool stride $stride $pad: gradient equals cpu (ties included)',
    async ({ x: xs, pool, stride, pad }) => {
      await expectSameOnBothBackends(() => {
        // Rounded values make ties, which must go to the same (first) maximum on both backends.
        const x = tf.tensor4d(
          values(size(xs), 12).map((v) => Math.round(v * 3)),
          xs,
        );
        const y = tf.maxPool(x, pool, stride, pad);
        const r = tf.tensor(values(y.size, 13), y.shape);
        return [y, tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, pool, stride, pad), r)))(x)];
      }, 1e-6);
    },
  );

  test.each([
    [[3, 2, 1, 4], [4, 4], false, false],
    [[3, 8, 8, 2], [14, 14], false, false],
    [[2, 3, 3, 2], [6, 6], false, true],
    [[2, 3, 5, 2], [7, 4], true, false],
  ] as Array<[Shape4, [number, number], boolean, boolean]>)(
    'resizeNearestNeighbor %j -> %j (alignCorners %s, halfPixelCenters %s): gradient equals cpu',
    async (xs, to, alignCorners, halfPixelCenters) => {
      await expectSameOnBothBackends(() => {
        const x = tf.tensor4d(values(size(xs), 14), xs);
        const r = tf.tensor(values(xs[0] * to[0] * to[1] * xs[3], 15), [xs[0], to[0], to[1], xs[3]]);
        const f = (t: tf.Tensor): tf.Tensor =>
          tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, to, alignCorners, halfPixelCenters), r));
        return [tf.grad(f)(x)];
      }, 1e-6);
    },
  );

  test('a clone (what tfjs keeps for the backward pass) shares the buffer, outlives its source, and frees it last', async () => {
    await tf.setBackend('wasm');
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor2d(values(12, 31), [3, 4]);
    const expected = Array.from(x.dataSync());
    const y = tf.clone(x);
    expect(tf.engine().backend.numDataIds()).toBe(before + 1); // no new buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(expected);
    expect(Array.from(tf.tidy(() => tf.mul(y, 2).dataSync()))).toEqual(expected.map((v) => Math.fround(2 * v)));
    tf.dispose(y);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  test('createAdam takes the same steps on wasm as on cpu', async () => {
    const run = (): tf.Tensor[] => {
      const w = tf.variable(tf.tensor2d(values(60, 9), [6, 10]));
      const target = tf.tensor2d(values(60, 10), [6, 10]);
      const opt = createAdam(0.01);
      for (let i = 0; i < 5; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(tf.tanh(w), target))) as tf.Scalar, false, [w]);
      const out = tf.clone(w);
      opt.dispose();
      w.dispose();
      target.dispose();
      return [out];
    };
    await expectSameOnBothBackends(run, 1e-6);
  });
});

describe('training a tiny conv model on wasm', () => {
  /** Every layer type the curriculum's models use. */
  function tinyModel(): tf.LayersModel {
    const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
    const input = tf.input({ shape: [64] });
    const layers: tf.layers.Layer[] = [
      tf.layers.reshape({ targetShape: [8, 8, 1] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 24, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.reshape({ targetShape: [2, 2, 6] }),
      tf.layers.upSampling2d({ size: [2, 2] }),
      tf.layers.conv2dTranspose({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', kernelInitializer: init(5) }),
      tf.layers.reshape({ targetShape: [64] }),
    ];
    let h: tf.SymbolicTensor = input;
    for (const l of layers) h = l.apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: h });
  }

  test('weight gradients equal cpu, no tensor or buffer leaks, and the loss goes down', async () => {
    const x = values(10 * 64, 11).map((v) => (v + 1) / 2);
    const gradsOn = (): tf.Tensor[] => {
      const model = tinyModel();
      const xb = tf.tensor2d(x, [10, 64]);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(xb, model.apply(xb) as tf.Tensor) as tf.Scalar, vars);
      const out = vars.map((v) => grads[v.name]);
      xb.dispose();
      model.dispose();
      return out;
    };
    await expectSameOnBothBackends(gradsOn);

    await tf.setBackend('wasm');
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    const model = tinyModel();
    const xb = tf.tensor2d(x, [10, 64]);
    const opt = createAdam(0.01);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const loss = opt.minimize(() => tf.losses.meanSquaredError(xb, model.apply(xb) as tf.Tensor) as tf.Scalar, true);
      losses.push(loss!.dataSync()[0]);
      loss!.dispose();
    }
    opt.dispose();
    model.dispose();
    xb.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]).toBeLessThan(losses[0]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
  });
});
