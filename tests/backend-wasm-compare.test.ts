/**
 * vaelab's SIMD `Maximum`, `Minimum` and `GreaterEqual` (src/engine/wasm-compare.ts) give wasm's
 * own kernels' numbers bit for bit (NaN, signed zeros, infinities included), the cpu backend's for
 * ordinary numbers, and the same gradients as the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels } from '../src/engine';
import { compareModuleBytes } from '../src/engine/wasm-compare';
import { expectSameOnCpuAndWasm, seededValues } from './wasm-fixtures';

/** Values with every awkward case the rules must keep: NaN, both zeros, infinities, ties. */
function awkward(n: number, seed: number): Float32Array {
  const special = [NaN, -0, 0, Infinity, -Infinity, 0.5, -100, 1e-30];
  const v = seededValues(n, seed, 3);
  for (let i = 0; i < n; i++) if (i % 3 === seed % 3) v[i] = special[(i + seed) % special.length];
  return v;
}

/** Runs `f` on wasm with vaelab's comparison loops (fast) or wasm's own kernels (stock) and reads the result. */
function onWasm(fast: boolean, f: () => tf.Tensor): Float32Array | Uint8Array | Int32Array {
  registerWasmKernels({ fastCompare: fast });
  try {
    return tf.tidy(() => f().dataSync() as Float32Array | Uint8Array | Int32Array);
  } finally {
    registerWasmKernels();
  }
}

/** Element-by-element identity (Object.is: NaN equals NaN, -0 differs from 0). */
function expectIdentical(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) bad.push(`[${i}] ${got[i]} vs ${want[i]}`);
  expect(bad).toEqual([]);
}

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
  ['maximum', (a, b) => tf.maximum(a, b)],
  ['minimum', (a, b) => tf.minimum(a, b)],
  ['greaterEqual', (a, b) => tf.greaterEqual(a, b)],
];

// Sizes below, at and past the loop widths (4 for max/min, 16 for greaterEqual) and a batch-sized one.
const shapes: number[][] = [[1], [3], [4], [5], [15], [16], [17], [2, 33], [7, 112]];

describe.each(ops)('%s', (name, op) => {
  test.each(shapes)('equal shapes [%p...] and a scalar on either side equal wasm kernel bit for bit', (...shape: number[]) => {
    const n = shape.reduce((p, d) => p * d, 1);
    const av = awkward(n, 1);
    const bv = awkward(n, 2);
    for (const [label, make] of [
      ['tensor, tensor', () => op(tf.tensor(av, shape), tf.tensor(bv, shape))],
      ['tensor, scalar', () => op(tf.tensor(av, shape), tf.scalar(0))],
      ['tensor, -100', () => op(tf.tensor(av, shape), tf.scalar(-100))],
      ['tensor, NaN', () => op(tf.tensor(av, shape), tf.scalar(NaN))],
      ['scalar, tensor', () => op(tf.scalar(-0), tf.tensor(bv, shape))],
      ['[1,1], tensor', () => op(tf.tensor([0.25], [1, 1]), tf.tensor(bv, shape))],
    ] as Array<[string, () => tf.Tensor]>) {
      const fast = onWasm(true, make);
      const stock = onWasm(false, make);
      expect({ label, name, n: fast.length }).toEqual({ label, name, n: stock.length });
      expectIdentical(fast, stock);
    }
  });

  test('a broadcast it does not take ([3,4] with [4]) still equals the stock kernel', () => {
    const make = (): tf.Tensor => op(tf.tensor(awkward(12, 4), [3, 4]), tf.tensor(awkward(4, 5), [4]));
    expectIdentical(onWasm(true, make), onWasm(false, make));
  });

  test('ordinary numbers equal the cpu backend', async () => {
    const a = seededValues(7 * 37, 6, 1);
    const b = seededValues(7 * 37, 7, 1);
    await expectSameOnCpuAndWasm(
      () => [tf.cast(op(tf.tensor(a, [7, 37]), tf.tensor(b, [7, 37])), 'float32'), tf.cast(op(tf.tensor(a, [7, 37]), tf.scalar(0.1)), 'float32')],
      1e-7,
    );
  });
});

test('gradients of maximum(log(r), c) and minimum(x, c) equal the cpu backend', async () => {
  // log(r) in (-4.6, 0): both sides of the clip at -2.
  const r = seededValues(5 * 49, 8, 2).map((v) => 0.01 + 0.99 * Math.abs(v));
  const x = seededValues(5 * 49, 9, 1);
  await expectSameOnCpuAndWasm(() => {
    const g = tf.grads((rr: tf.Tensor, xx: tf.Tensor) => tf.sum(tf.add(tf.maximum(tf.log(rr), -2), tf.mul(tf.minimum(xx, 0.2), xx))));
    return g([tf.tensor(r, [5, 49]), tf.tensor(x, [5, 49])]);
  }, 1e-6);
});

/** The parts of the WebAssembly API used here (the project's lib settings have no DOM types). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

describe('the SIMD module itself (on a memory of its own)', () => {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const memory = new api.Memory({ initial: 1 });
  const exports = new api.Instance(new api.Module(compareModuleBytes(false)), { env: { memory } }).exports as Record<
    string,
    (a: number, b: number, out: number, bytes: number) => void
  >;
  const f32 = new Float32Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const a = [NaN, 1, -0, 0, -Infinity, 2, NaN, 3, 5, -5, 7, 7, 1e-30, -1e-30, 0.5, -0];
  const b = [1, NaN, 0, -0, NaN, Infinity, NaN, 3, 4, -4, 7, 8, 0, 0, -0.5, -0];

  test('max / min: a < b ? b : a and b < a ? b : a, lane by lane', () => {
    f32.set(a, 0);
    f32.set(b, 64);
    exports.max_vv(0, 256, 512, 64);
    expectIdentical(f32.slice(128, 144), [NaN, 1, -0, 0, -Infinity, Infinity, NaN, 3, 5, -4, 7, 8, Math.fround(1e-30), 0, 0.5, -0]);
    exports.min_vv(0, 256, 512, 64);
    expectIdentical(f32.slice(128, 144), [NaN, 1, -0, 0, -Infinity, 2, NaN, 3, 4, -5, 7, 7, 0, Math.fround(-1e-30), -0.5, -0]);
  });

  test('ge writes one byte 0/1 per element, 16 at a time; scalar operands are splatted', () => {
    f32.set(a, 0);
    f32.set(b, 64);
    u8.fill(9, 1024, 1040);
    exports.ge_vv(0, 256, 1024, 64);
    expect(Array.from(u8.slice(1024, 1040))).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1]);
    f32[200] = 0;
    exports.ge_vs(0, 800, 1024, 64); // a >= 0
    expect(Array.from(u8.slice(1024, 1040))).toEqual([0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]);
    exports.max_sv(800, 256, 512, 64); // max(0, b)
    expectIdentical(f32.slice(128, 144), [1, 0, 0, 0, 0, Infinity, 0, 3, 4, 0, 7, 8, 0, 0, 0, 0]);
  });
});
