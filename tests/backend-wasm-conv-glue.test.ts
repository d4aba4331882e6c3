/**
 * The convolution glue of session 10 (`setConvGlue`: padding that zeroes only the border, one
 * padded dy read in place by every stride phase of conv2d's input gradient, the flipped and
 * channel-swapped sub-filters in one copy) gives exactly the bits of the path it replaces
 * (padding into a zeroed buffer, a Slice and a padded copy of dy per phase, StridedSlice + Reverse
 * + Transpose), the cpu backend's numbers to 1e-5, the same training steps, and leaves nothing behind.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels } from '../src/engine';
import { convGlue, padImages, setConvGlue, type ConvGlueOptions } from '../src/engine/wasm-conv-gemm';
import { flippedSubFilter } from '../src/engine/wasm-kernels';
import type { WasmHeapBackend } from '../src/engine/wasm-heap';
import { benchTrainingBits, expectSameOnCpuAndWasm, seededValues, size, type Shape4 } from './wasm-fixtures';

const values = (n: number, seed: number): Float32Array => seededValues(n, seed, 10);

const OFF: ConvGlueOptions = { borderOnly: false, sharedPhasePad: false, oneCopySubFilter: false, wasmPad: false };
const ON: ConvGlueOptions = { borderOnly: true, sharedPhasePad: true, oneCopySubFilter: true, wasmPad: true };
/** Each switch alone, and all of them. */
const SETTINGS: Array<[string, ConvGlueOptions]> = [
  ['border only', { ...OFF, borderOnly: true }],
  ['border only, padded by the wasm loop', { ...OFF, borderOnly: true, wasmPad: true }],
  ['shared phase padding', { ...OFF, sharedPhasePad: true }],
  ['one-copy sub-filter', { ...OFF, oneCopySubFilter: true }],
  ['all', ON],
];

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});

afterAll(() => {
  setConvGlue(ON);
});

type ConvPad = 'same' | 'valid' | number;

interface Case {
  readonly x: Shape4;
  readonly f: Shape4;
  readonly s: number | [number, number];
  readonly pad: ConvPad;
}

/** conv2d, its input and filter gradients, conv2dTranspose and its gradients, for one geometry. */
function convAndGrads({ x: xs, f: fs, s, pad }: Case): tf.Tensor[] {
  const x = tf.tensor4d(values(size(xs), 1), xs);
  const f = tf.tensor4d(values(size(fs), 2), fs);
  const y = tf.conv2d(x, f, s, pad);
  const r = tf.tensor(values(y.size, 3), y.shape);
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), r)))([x, f]);
  const t = tf.conv2dTranspose(y, f, xs, s, pad);
  const rt = tf.tensor(values(size(xs), 4), xs);
  const [dyt, dft] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xs, s, pad), rt)))(
    [y, f],
  );
  return [y, dx, df, t, dyt, dft];
}

/** The outputs' bits with the given glue switches. */
function bitsWith(options: ConvGlueOptions, f: () => tf.Tensor[]): Uint32Array[] {
  setConvGlue(options);
  try {
    const ts = f();
    const out = ts.map((t) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
    tf.dispose(ts);
    return out;
  } finally {
    setConvGlue(ON);
  }
}

const CASES: Case[] = [
  // conv VAE layers (stride 2, 'same'; spatial size cut), conv AE layers (stride 1, 16 channels).
  { x: [2, 14, 14, 32], f: [3, 3, 32, 64], s: 2, pad: 'same' },
  { x: [2, 7, 7, 64], f: [3, 3, 64, 64], s: 2, pad: 'same' },
  { x: [2, 28, 28, 1], f: [3, 3, 1, 32], s: 2, pad: 'same' },
  { x: [2, 14, 14, 16], f: [3, 3, 16, 16], s: 1, pad: 'same' },
  { x: [2, 8, 8, 16], f: [3, 3, 16, 1], s: 1, pad: 'same' },
  // 5LSL0's padding-1 convolutions on a 32x32 grid (size cut), and odd sizes.
  { x: [2, 16, 16, 16], f: [3, 3, 16, 16], s: 1, pad: 1 },
  { x: [3, 9, 11, 5], f: [3, 3, 5, 7], s: 2, pad: 'same' },
  { x: [2, 9, 9, 8], f: [3, 3, 8, 4], s: 2, pad: 'valid' },
  // Unequal tap counts per phase, rectangular strides and filters, stride larger than the filter.
  { x: [2, 11, 11, 3], f: [5, 5, 3, 4], s: 2, pad: 'same' },
  { x: [2, 9, 8, 2], f: [2, 3, 2, 5], s: [2, 3], pad: 'valid' },
  { x: [2, 10, 10, 8], f: [2, 2, 8, 3], s: 3, pad: 'same' },
  { x: [1, 10, 10, 4], f: [3, 3, 4, 4], s: 3, pad: 'valid' }, // dy rows that no phase reads (crop after)
  // Padding beyond the filter: phases whose dy is cropped before it is read.
  { x: [2, 6, 7, 3], f: [2, 2, 3, 4], s: 1, pad: 3 },
  { x: [2, 7, 6, 4], f: [3, 2, 4, 5], s: 2, pad: 4 },
];

describe.each(SETTINGS)('conv glue (%s) is bit-identical to the earlier path', (_name, options) => {
  test.each(CASES)('x=$x filter=$f stride=$s pad=$pad', ({ x, f, s, pad }) => {
    const before = bitsWith(OFF, () => convAndGrads({ x, f, s, pad }));
    const after = bitsWith(options, () => convAndGrads({ x, f, s, pad }));
    expect(after.length).toBe(before.length);
    after.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
  });
});

describe('with the glue on, convolutions and their gradients equal cpu to 1e-5', () => {
  test.each(CASES)('x=$x filter=$f stride=$s pad=$pad', async (c) => {
    await expectSameOnCpuAndWasm(() => convAndGrads(c), 1e-5);
  });
});

describe('padImages and flippedSubFilter', () => {
  test.each([
    ['from JavaScript', { ...ON, wasmPad: false }],
    ['by the wasm loop', ON],
  ])('padImages (%s) writes zeros over a dirty buffer and the rows in place, for every border', async (_name, options) => {
    await tf.setBackend('wasm');
    setConvGlue(options);
    const backend = tf.backend() as WasmHeapBackend;
    for (const [top, bottom, left, right] of [
      [1, 1, 1, 1],
      [0, 1, 0, 1],
      [2, 0, 0, 3],
      [0, 0, 1, 0],
      [3, 2, 1, 4],
    ]) {
      const shape: Shape4 = [3, 5, 4, 3];
      const x = tf.tensor4d(values(size(shape), top + 7 * right), shape);
      const expected = tf.pad(x, [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]);
      // Leave NaNs in freed memory, so a border that is not written shows.
      tf.fill([expected.size * 3], NaN).dispose();
      const out = padImages(backend, x, top, bottom, left, right);
      const got = tf.engine().makeTensorFromTensorInfo(out);
      expect(got.shape).toEqual(expected.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(expected.dataSync()));
      tf.dispose([x, expected, got]);
    }
    setConvGlue(ON);
  });

  test('flippedSubFilter is W[p::sh, q::sw] flipped in space with its channel axes swapped', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as WasmHeapBackend;
    const fs: Shape4 = [5, 4, 3, 2];
    const w = tf.tensor4d(values(size(fs), 9), fs);
    const wv = w.dataSync();
    for (const [p, q, sh, sw] of [
      [0, 0, 1, 1],
      [1, 0, 2, 2],
      [0, 1, 2, 3],
      [2, 2, 3, 3],
    ]) {
      const th = Math.ceil((fs[0] - p) / sh);
      const tw = Math.ceil((fs[1] - q) / sw);
      const sub = tf.engine().makeTensorFromTensorInfo(flippedSubFilter(backend, w, p, q, sh, sw, th, tw));
      expect(sub.shape).toEqual([th, tw, fs[3], fs[2]]);
      const got = sub.dataSync();
      let k = 0;
      for (let a = 0; a < th; a++)
        for (let b = 0; b < tw; b++)
          for (let o = 0; o < fs[3]; o++)
            for (let i = 0; i < fs[2]; i++) {
              const r = p + sh * (th - 1 - a);
              const c = q + sw * (tw - 1 - b);
              expect(got[k++]).toBe(wv[((r * fs[1] + c) * fs[2] + i) * fs[3] + o]);
            }
      sub.dispose();
    }
    w.dispose();
  });

  test('registerWasmKernels({ fastConvGlue }) switches every part', () => {
    registerWasmKernels({ fastConvGlue: false });
    expect(convGlue()).toEqual(OFF);
    registerWasmKernels();
    expect(convGlue()).toEqual(ON);
  });
});

describe('training steps of the bench conv models', () => {
  /** Three steps of a bench model (batch 8) from seed 0: the losses and every weight's bits. */
  function train(model: 'conv_vae' | 'conv_ae', options: ConvGlueOptions): string[] {
    setConvGlue(options);
    try {
      return benchTrainingBits(model, 11, 10);
    } finally {
      setConvGlue(ON);
    }
  }

  test.each(['conv_vae', 'conv_ae'] as const)('%s: the same losses and weights bit for bit with the glue on and off', async (model) => {
    await tf.setBackend('wasm');
    expect(train(model, ON)).toEqual(train(model, OFF));
  });
});

describe('leaks', () => {
  test('the glue leaves no tensor and no wasm buffer behind', async () => {
    await tf.setBackend('wasm');
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    for (const c of [CASES[0], CASES[3], CASES[9], CASES[13]]) tf.dispose(tf.tidy(() => convAndGrads(c)));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});
