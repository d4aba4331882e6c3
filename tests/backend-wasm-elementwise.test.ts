/**
 * vaelab's element-wise strips (`wasm-elementwise-code.ts`) and the kernels built on them
 * (`wasm-elementwise.ts`: `Relu`, the bias-row `Add`, the one-pass ReLU and sigmoid gradients): the same bits as
 * wasm's own kernels, NaN, signed zeros, infinities and subnormals included; the same numbers when
 * split over a helper thread; the stock kernels for every case the strips do not take; the same
 * training steps; nothing left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels, setFusedReluGrad, setFusedSigmoidGrad, SIGMOID_GRAD_KERNEL } from '../src/engine';
import { reluGradient, sigmoidGradient } from '../src/engine/wasm-elementwise';
import { wasmGemmFor, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES, type WasmGemm } from '../src/engine/wasm-gemm';
import { wasmGemmOf } from '../src/engine/wasm-heap';
import { benchTrainingBits, kernelCounts, seededValues } from './wasm-fixtures';
import { nanAgnosticDifferences, wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

/** Values that tell the rules apart: NaN, both zeros, both infinities, subnormals, ordinary numbers. */
const SPECIAL = [Number.NaN, -0, 0, -1, 1, Infinity, -Infinity, 1e-45, -1e-45, 3e-39, -3e-39, 0.5, -2.5, 65504, -1e-30, 7];

/** n floats: the special values first, then seeded numbers in [-1, 1). */
function mixed(n: number, seed: number): Float32Array {
  const out = seededValues(n, seed, 5);
  for (let i = 0; i < Math.min(n, SPECIAL.length); i++) out[(i * 7 + seed) % n] = SPECIAL[i];
  return out;
}

const differences = nanAgnosticDifferences;
const SAME = { count: 0, first: null };

/** wasm's rules, one float at a time. */
const reluRule = (x: number): number => (Number.isNaN(x) ? Number.NaN : x > 0 ? x : 0);
const stepRule = (y: number): number => (y > 0 ? 1 : Number.isNaN(y) ? Number.NaN : 0);

describe('the strips on a bare memory', () => {
  const PAGES = 256;
  const single = wasmMemory(PAGES, false);
  const gemm1 = wasmGemmFor(single, 1) as WasmGemm;

  /** Writes arrays at 16-float steps into memory (sentinels between), returns their byte addresses and a check that only `out` changed. */
  function layout(memory: WasmMemory, arrays: Float32Array[], outSize: number) {
    const heap = new Float32Array(memory.buffer);
    heap.fill(1234.5, 0, 64 + arrays.reduce((s, a) => s + a.length + 16, 0) + outSize + 64);
    let at = 16;
    const addresses = arrays.map((a) => {
      heap.set(a, at);
      const address = 4 * at;
      at += a.length + 16;
      return address;
    });
    const outAt = at;
    heap.fill(Number.NaN, outAt, outAt + outSize);
    return {
      addresses,
      out: 4 * outAt,
      read: () => heap.slice(outAt, outAt + outSize),
      outsideUnchanged: () =>
        heap.subarray(outAt + outSize, outAt + outSize + 64).every((v) => v === 1234.5) &&
        arrays.every((a, i) => differences(heap.subarray(addresses[i] / 4, addresses[i] / 4 + a.length), a).count === 0),
    };
  }

  function relu(gemm: WasmGemm, memory: WasmMemory, x: Float32Array) {
    const m = layout(memory, [x], x.length);
    gemm.elementwise({ op: 'relu', x: m.addresses[0], out: m.out, n: x.length });
    return m;
  }
  function reluGrad(gemm: WasmGemm, memory: WasmMemory, dy: Float32Array, y: Float32Array) {
    const m = layout(memory, [dy, y], dy.length);
    gemm.elementwise({ op: 'reluGrad', x: m.addresses[0], y: m.addresses[1], out: m.out, n: dy.length });
    return m;
  }
  function sigmoidGrad(gemm: WasmGemm, memory: WasmMemory, dy: Float32Array, y: Float32Array) {
    const m = layout(memory, [dy, y], dy.length);
    gemm.elementwise({ op: 'sigmoidGrad', x: m.addresses[0], y: m.addresses[1], out: m.out, n: dy.length });
    return m;
  }
  function biasAdd(gemm: WasmGemm, memory: WasmMemory, x: Float32Array, bias: Float32Array) {
    const m = layout(memory, [x, bias], x.length);
    gemm.biasAdd({ x: m.addresses[0], bias: m.addresses[1], out: m.out, rows: x.length / bias.length, channels: bias.length });
    return m;
  }

  test('relu: max(x, 0) as wasm has it (NaN stays, -0 becomes +0), nothing else written', () => {
    const x = mixed(64, 1);
    const m = relu(gemm1, single, x);
    expect(differences(m.read(), x.map(reluRule))).toEqual(SAME);
    expect(Object.is(m.read()[x.indexOf(-1)], 0)).toBe(true);
    expect(m.outsideUnchanged()).toBe(true);
  });

  test('reluGrad: dy * step(y), with step(NaN) = NaN and step(±0) = 0, nothing else written', () => {
    const dy = mixed(64, 2);
    const y = mixed(64, 3);
    const m = reluGrad(gemm1, single, dy, y);
    const want = dy.map((d, i) => Math.fround(d * stepRule(y[i])));
    expect(differences(m.read(), want)).toEqual(SAME);
    expect(m.outsideUnchanged()).toBe(true);
  });

  test('sigmoidGrad: dy * (y * (1 - y)), one float32 rounding per operation, nothing else written', () => {
    const dy = mixed(64, 2);
    const y = mixed(64, 3);
    const m = sigmoidGrad(gemm1, single, dy, y);
    const want = dy.map((d, i) => Math.fround(d * Math.fround(y[i] * Math.fround(1 - y[i]))));
    expect(differences(m.read(), want)).toEqual(SAME);
    expect(m.outsideUnchanged()).toBe(true);
  });

  test.each([4, 16, 32, 64])('biasAdd: x + the bias row, %i channels, nothing else written', (channels) => {
    const x = mixed(channels * 9, 4);
    const bias = mixed(channels, 5);
    const m = biasAdd(gemm1, single, x, bias);
    expect(
      differences(
        m.read(),
        x.map((v, i) => Math.fround(v + bias[i % channels])),
      ),
    ).toEqual(SAME);
    expect(m.outsideUnchanged()).toBe(true);
  });

  test('sizes the strips do not take are refused, naming them', () => {
    expect(() => gemm1.elementwise({ op: 'relu', x: 0, out: 0, n: 6 })).toThrow(/relu: n must be a multiple of 4, got 6/);
    expect(() => gemm1.elementwise({ op: 'reluGrad', x: 0, out: 0, n: 8 })).toThrow(/reluGrad: y is missing/);
    expect(() => gemm1.elementwise({ op: 'sigmoidGrad', x: 0, out: 0, n: 8 })).toThrow(/sigmoidGrad: y is missing/);
    expect(() => gemm1.biasAdd({ x: 0, bias: 0, out: 0, rows: 2, channels: 6 })).toThrow(/channels must be a positive multiple of 4, got 6/);
  });

  test('split over a helper thread: the bits of one thread', () => {
    const shared = wasmMemory(PAGES, true);
    const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;
    const n = 32 * 28 * 28 * 4; // one image batch of the conv VAE's widest layer, 4 images
    expect(4 * n).toBeGreaterThanOrEqual(2 * GEMM_ELEMENTWISE_MIN_CHUNK_BYTES);
    const x = mixed(n, 6);
    const y = mixed(n, 7);
    const bias = mixed(32, 8);
    for (const run of [
      (g: WasmGemm, mem: WasmMemory) => relu(g, mem, x),
      (g: WasmGemm, mem: WasmMemory) => reluGrad(g, mem, x, y),
      (g: WasmGemm, mem: WasmMemory) => sigmoidGrad(g, mem, x, y),
      (g: WasmGemm, mem: WasmMemory) => biasAdd(g, mem, x, bias),
    ]) {
      const before = gemm2.sharedJobs;
      const two = run(gemm2, shared);
      expect(gemm2.sharedJobs).toBe(before + 1);
      expect(two.outsideUnchanged()).toBe(true);
      expect(differences(two.read(), run(gemm1, single).read())).toEqual(SAME);
    }
  });
});

describe('the kernels against wasm’s own', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
    registerWasmKernels();
  });
  afterAll(() => registerWasmKernels());

  /** f's outputs (as plain arrays) with vaelab's element-wise kernels and one-pass gradient on, then off. */
  function onAndOff(f: () => tf.Tensor[]): [number[][], number[][]] {
    const read = (): number[][] => {
      const ts = f();
      const out = ts.map((t) => Array.from(t.dataSync()));
      tf.dispose(ts);
      return out;
    };
    registerWasmKernels();
    const on = read();
    registerWasmKernels({ fastElementwise: false, fusedReluGrad: false, fusedSigmoidGrad: false });
    try {
      return [on, read()];
    } finally {
      registerWasmKernels();
    }
  }

  const expectSameBits = ([on, off]: [number[][], number[][]]): void => {
    expect(on.length).toBe(off.length);
    on.forEach((values, i) => expect(differences(values, off[i])).toEqual(SAME));
  };

  test.each([
    [
      [100, 28, 28, 32],
      [1, 1, 1, 32],
    ],
    [[3, 5, 8], [8]],
    [
      [2, 16],
      [1, 16],
    ],
    // Not taken by the strip: a row that is not whole vectors, a bias first, a full-shape operand, a column.
    [[3, 5, 6], [6]],
    [[8], [2, 8]],
    [
      [4, 8],
      [4, 8],
    ],
    [
      [4, 8],
      [4, 1],
    ],
  ])('add(x %j, b %j) and relu(x): the stock kernels’ bits', (xs, bs) => {
    const x = tf.tensor(mixed(tf.util.sizeFromShape(xs), 9), xs);
    const b = tf.tensor(mixed(tf.util.sizeFromShape(bs), 10), bs);
    expectSameBits(onAndOff(() => [tf.add(x, b), tf.relu(x)]));
    tf.dispose([x, b]);
  });

  test('the strips run where they apply and the stock kernels where they do not', () => {
    const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
    const biasAdd = jest.spyOn(gemm, 'biasAdd');
    const elementwise = jest.spyOn(gemm, 'elementwise');
    try {
      tf.tidy(() => tf.add(tf.ones([4, 8]), tf.ones([8])));
      expect(biasAdd).toHaveBeenCalledTimes(1);
      tf.tidy(() => tf.add(tf.ones([4, 6]), tf.ones([6])));
      tf.tidy(() => tf.add(tf.ones([4, 8]), tf.ones([4, 8])));
      tf.tidy(() => tf.add(tf.ones([4, 8], 'int32'), tf.ones([8], 'int32')));
      expect(biasAdd).toHaveBeenCalledTimes(1);
      tf.tidy(() => tf.relu(tf.ones([4, 8])));
      expect(elementwise).toHaveBeenCalledTimes(1);
      tf.tidy(() => tf.relu(tf.ones([3, 3])));
      tf.tidy(() => tf.relu(tf.ones([4, 8], 'int32')));
      expect(elementwise).toHaveBeenCalledTimes(1);
    } finally {
      biasAdd.mockRestore();
      elementwise.mockRestore();
    }
  });

  test.each([[[100, 14, 14, 64]], [[5, 12]], [[3, 3]]])('ReLU’s gradient in one pass, %j: the bits of Step then Multiply', (shape) => {
    const n = tf.util.sizeFromShape(shape);
    const x = tf.tensor(mixed(n, 11), shape);
    const r = tf.tensor(mixed(n, 12), shape);
    expectSameBits(onAndOff(() => [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), r)))(x)]));
    tf.dispose([x, r]);
  });

  test.each([[[100, 784]], [[5, 12]], [[3, 3]]])('a sigmoid’s gradient in one pass, %j: the bits of Sub and two Multiplys', (shape) => {
    const n = tf.util.sizeFromShape(shape);
    const x = tf.tensor(
      mixed(n, 21).map((v) => 20 * v),
      shape,
    );
    const r = tf.tensor(mixed(n, 22), shape);
    expectSameBits(onAndOff(() => [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.sigmoid(a), r)))(x)]));
    tf.dispose([x, r]);
  });

  test('a sigmoid’s gradient runs as one kernel where the strip takes it, as three where not', async () => {
    const x = tf.tensor(mixed(100 * 784, 23), [100, 784]);
    const odd = tf.tensor(mixed(9, 24), [3, 3]);
    const grad = (a: tf.Tensor) => tf.grad((b: tf.Tensor) => tf.sum(tf.sigmoid(b)))(a);
    const counts = await kernelCounts(() => grad(x));
    expect(counts[SIGMOID_GRAD_KERNEL]).toBe(1);
    expect(counts.Sub).toBeUndefined();
    const oddCounts = await kernelCounts(() => grad(odd));
    expect(oddCounts[SIGMOID_GRAD_KERNEL]).toBeUndefined();
    expect(oddCounts.Sub).toBe(1);
    tf.dispose([x, odd]);
  });

  test('the one-pass sigmoid gradient has a gradient of its own, close to the composed ops’ second derivative', () => {
    // Finite values (the special ones would give NaN both ways), y in (0, 1) as a sigmoid's output.
    const y = tf.tensor(
      seededValues(32, 25, 1).map((v) => 1 / (1 + Math.exp(-3 * v))),
      [4, 8],
    );
    const dy = tf.tensor(seededValues(32, 26, 1), [4, 8]);
    const r = tf.tensor(seededValues(32, 27, 1), [4, 8]);
    const f = (g: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(g(a, b), r)))([dy, y]);
    const mine = f(sigmoidGradient);
    const theirs = f((a, b) => tf.mul(a, tf.mul(b, tf.sub(tf.scalar(1), b))));
    expect(differences(mine[0].dataSync(), theirs[0].dataSync())).toEqual(SAME);
    const [m1, t1] = [mine[1].dataSync(), theirs[1].dataSync()];
    m1.forEach((v, i) => expect(Math.abs(v - t1[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(t1[i]))));
    tf.dispose([y, dy, r, ...mine, ...theirs]);
  });

  test('the one-pass gradient has a gradient of its own: step(y) to dy, zero to y', () => {
    const y = tf.tensor(mixed(32, 13), [4, 8]);
    const dy = tf.tensor(mixed(32, 14), [4, 8]);
    const r = tf.tensor(mixed(32, 15), [4, 8]);
    const [gDy, gY] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(reluGradient(a, b), r)))([dy, y]);
    expect(differences(gDy.dataSync(), tf.mul(r, tf.step(y)).dataSync())).toEqual(SAME);
    expect(Array.from(gY.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([y, dy, r, gDy, gY]);
  });

  test('off, ReLU’s and the sigmoid’s gradients are tfjs’s own again; on another backend they always are', async () => {
    setFusedReluGrad(false);
    setFusedSigmoidGrad(false);
    const own = tf.getGradient('Relu');
    const ownSigmoid = tf.getGradient('Sigmoid');
    setFusedReluGrad(true);
    setFusedSigmoidGrad(true);
    expect(tf.getGradient('Relu')).not.toBe(own);
    expect(tf.getGradient('Sigmoid')).not.toBe(ownSigmoid);
    await tf.setBackend('cpu');
    try {
      const x = tf.tensor([-1, 0, 2, Number.NaN]);
      expect(
        Array.from(
          tf
            .grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(x)
            .dataSync(),
        ),
      ).toEqual([0, 0, 1, Number.NaN]);
      const xi = tf.tensor([-1, 0, 2], undefined, 'int32');
      expect(
        Array.from(
          tf
            .grad((a: tf.Tensor) => tf.sum(tf.relu(a)))(xi)
            .dataSync(),
        ),
      ).toEqual([0, 0, 1]);
      const s = tf.tensor([-2, 0, 3]);
      const gs = tf
        .grad((a: tf.Tensor) => tf.sum(tf.sigmoid(a)))(s)
        .dataSync();
      [-2, 0, 3].forEach((v, i) => expect(gs[i]).toBeCloseTo(Math.exp(-v) / (1 + Math.exp(-v)) ** 2, 6));
    } finally {
      await tf.setBackend('wasm');
    }
  });

  test.each(['dense_vae', 'conv_vae', 'conv_ae'] as const)('%s: the same losses and weights bit for bit on and off', (model) => {
    const run = (): string[] => benchTrainingBits(model, 16, 10);
    registerWasmKernels();
    const on = run();
    registerWasmKernels({ fastElementwise: false, fusedReluGrad: false, fusedSigmoidGrad: false });
    try {
      expect(on).toEqual(run());
    } finally {
      registerWasmKernels();
    }
  });

  test('leave no tensor and no wasm buffer behind', () => {
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    const x = tf.tensor(mixed(2 * 8 * 8 * 16, 17), [2, 8, 8, 16]);
    const b = tf.tensor(mixed(16, 18), [16]);
    tf.dispose(tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(tf.relu(tf.add(a, c))))([x, b]));
    tf.dispose([x, b]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});
