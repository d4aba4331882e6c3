/**
 * vaelab's wasm `Slice` and `PadV2` (runs of copyWithin in wasm memory) give exactly the cpu
 * backend's values: they only move values, so equality is exact, for every rank and dtype they
 * handle, and for their gradients (the gradient of a slice is a pad and the other way round).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { installedWasmKernels, registerWasmKernels } from '../src/engine';
import { on, seededValues, size } from './wasm-fixtures';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

/** Runs `f` on cpu and on wasm; expects every output to be identical, value for value. */
async function expectIdentical(f: () => tf.Tensor[]): Promise<void> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) => {
    expect(w.length).toBe(cpu[i].length);
    expect(Array.from(w)).toEqual(Array.from(cpu[i]));
  });
}

const sliceCases: Array<{ shape: number[]; begin: number[]; size: number[] }> = [
  { shape: [3, 32, 32, 1], begin: [0, 2, 2, 0], size: [3, 28, 28, 1] }, // the 5LSL0 crop
  { shape: [4, 6, 5, 3], begin: [1, 1, 2, 1], size: [2, 4, 3, 2] }, // nothing whole
  { shape: [4, 6, 5, 3], begin: [1, 2, 0, 0], size: [3, 3, 5, 3] }, // trailing axes whole: long runs
  { shape: [4, 6, 5, 3], begin: [0, 0, 0, 0], size: [4, 6, 5, 3] }, // all of it
  { shape: [10, 32], begin: [0, 0], size: [10, 16] }, // mu of a VAE's [n, 2 x latent] output
  { shape: [10, 32], begin: [0, 16], size: [10, 16] },
  { shape: [7], begin: [2], size: [4] },
  { shape: [2, 3, 4, 5, 6], begin: [1, 0, 1, 2, 1], size: [1, 3, 2, 3, 4] }, // rank 5: any depth
  { shape: [2, 3, 4, 5, 6], begin: [0, 1, 0, 0, 0], size: [2, 2, 4, 5, 6] },
  { shape: [3, 4], begin: [1, 1], size: [0, 2] }, // empty
];

describe('Slice on wasm', () => {
  test('the vaelab kernel is installed', () => {
    expect(installedWasmKernels()).toEqual(expect.arrayContaining(['Slice', 'PadV2']));
  });

  test.each(sliceCases)('float32 $shape from $begin size $size equals cpu exactly', async ({ shape, begin, size: sz }) => {
    const values = seededValues(size(shape), 3, 41);
    await expectIdentical(() => [tf.slice(tf.tensor(values, shape), begin, sz)]);
  });

  test('int32 slices equal cpu exactly, and size -1 means to the end', async () => {
    const shape = [3, 5, 4];
    const ints = Int32Array.from({ length: size(shape) }, (_, i) => ((i * 7919) % 1000) - 500);
    await expectIdentical(() => [tf.slice(tf.tensor(ints, shape, 'int32'), [1, 1, 1], [2, 3, -1]).toFloat()]);
  });

  test('NaN, infinities and -0 come through bit for bit', async () => {
    const raw = new Float32Array([NaN, Infinity, -Infinity, -0, 1.5, -2.25, 3e-39, 7]);
    const out = await on('wasm', () => [tf.slice(tf.tensor(raw, [2, 2, 2]), [0, 0, 1], [2, 2, 1])]);
    const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    expect(bits(out[0])).toEqual(bits(new Float32Array([raw[1], raw[3], raw[5], raw[7]])));
  });

  test('the gradient of the crop (a pad) equals cpu exactly', async () => {
    const shape = [2, 8, 8, 1];
    const x = seededValues(size(shape), 5, 41);
    const w = seededValues(2 * 4 * 4, 6, 41);
    await expectIdentical(() => {
      const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.slice(t, [0, 2, 2, 0], [2, 4, 4, 1]), tf.tensor(w, [2, 4, 4, 1])));
      return [tf.grad(f)(tf.tensor(x, shape))];
    });
  });
});

const padCases: Array<{ shape: number[]; paddings: Array<[number, number]>; value: number }> = [
  {
    shape: [3, 28, 28, 1],
    paddings: [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ],
    value: 0,
  }, // the 5LSL0 border
  {
    shape: [2, 3, 4, 5],
    paddings: [
      [1, 0],
      [0, 2],
      [1, 1],
      [2, 3],
    ],
    value: -1.5,
  },
  {
    shape: [2, 3, 4, 5],
    paddings: [
      [0, 0],
      [1, 2],
      [0, 0],
      [0, 0],
    ],
    value: 0,
  }, // trailing axes unpadded: long runs
  {
    shape: [4, 6],
    paddings: [
      [0, 0],
      [0, 0],
    ],
    value: 0,
  },
  { shape: [5], paddings: [[3, 1]], value: 2 },
  {
    shape: [2, 2, 3, 2, 2],
    paddings: [
      [0, 1],
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 2],
    ],
    value: 0.25,
  },
];

describe('PadV2 on wasm', () => {
  test.each(padCases)('float32 $shape padded by $paddings with $value equals cpu exactly', async ({ shape, paddings, value }) => {
    const values = seededValues(size(shape), 4, 41);
    await expectIdentical(() => [tf.pad(tf.tensor(values, shape), paddings, value)]);
  });

  test('int32 pads equal cpu exactly', async () => {
    const ints = Int32Array.from({ length: 12 }, (_, i) => i * 3 - 7);
    await expectIdentical(() => [
      tf
        .pad(
          tf.tensor(ints, [3, 4], 'int32'),
          [
            [1, 2],
            [0, 3],
          ],
          9,
        )
        .toFloat(),
    ]);
  });

  test('the gradient of the border (a slice) equals cpu exactly', async () => {
    const shape = [2, 4, 4, 1];
    const x = seededValues(size(shape), 7, 41);
    const w = seededValues(2 * 8 * 8, 8, 41);
    const paddings: Array<[number, number]> = [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ];
    await expectIdentical(() => {
      const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.pad(t, paddings), tf.tensor(w, [2, 8, 8, 1])));
      return [tf.grad(f)(tf.tensor(x, shape))];
    });
  });
});

test('fastCopies: false puts the stock kernels back, with the same values', async () => {
  const shape = [2, 6, 6, 2];
  const values = seededValues(size(shape), 9, 41);
  const f = (): tf.Tensor[] => [
    tf.slice(tf.tensor(values, shape), [0, 1, 1, 0], [2, 4, 4, 2]),
    tf.pad(tf.tensor(values, shape), [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]),
  ];
  const fast = await on('wasm', f);
  registerWasmKernels({ fastCopies: false });
  try {
    expect(installedWasmKernels()).not.toContain('Slice');
    expect(installedWasmKernels()).not.toContain('PadV2');
    const stock = await on('wasm', f);
    stock.forEach((s, i) => expect(Array.from(fast[i])).toEqual(Array.from(s)));
  } finally {
    registerWasmKernels();
  }
  expect(installedWasmKernels()).toEqual(expect.arrayContaining(['Slice', 'PadV2']));
});
