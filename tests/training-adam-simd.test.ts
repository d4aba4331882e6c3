/**
 * The WebAssembly SIMD Adam loop (`adam-simd.ts`) on its own, outside tfjs: on a plain and on
 * a shared memory (the wasm backend's single- and multi-threaded builds) it writes exactly the
 * four-wide float32 update into the outputs, touches nothing else, and leaves its inputs alone;
 * split over a helper thread (the matrix product module's copy) it writes the same bits.
 */
import { adamSimdFor } from '../src/engine/adam-simd';
import { GEMM_ADAM_MIN_CHUNK, wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';

interface MemoryCtor {
  new (descriptor: { initial: number; maximum?: number; shared?: boolean }): { buffer: ArrayBufferLike };
}
const WasmMemory = (globalThis as unknown as { WebAssembly: { Memory: MemoryCtor } }).WebAssembly.Memory;

test.each([
  ['plain', false],
  ['shared', true],
])('on a %s memory the SIMD loop computes Adam in float32 and writes only its outputs', (_label, shared) => {
  const memory = shared ? new WasmMemory({ initial: 1, maximum: 16, shared: true }) : new WasmMemory({ initial: 1 });
  const adam = adamSimdFor(memory);
  expect(adam).not.toBeNull();
  expect(adamSimdFor(memory)).toBe(adam); // compiled once per memory
  const n = 24;
  const heap = new Float32Array(memory.buffer);
  heap.fill(12345); // sentinel everywhere
  // Seven regions of n floats, 32 floats apart (byte offsets multiples of 128).
  const base = (k: number): number => k * 32;
  const [W, G, M, V, W1, M1, V1] = [0, 1, 2, 3, 4, 5, 6].map(base);
  for (let i = 0; i < n; i++) {
    heap[W + i] = Math.fround(Math.sin(i + 1));
    heap[G + i] = Math.fround(i % 5 === 0 ? 0 : Math.cos(3 * i) * 10 ** -(i % 4));
    heap[M + i] = Math.fround(0.01 * Math.sin(7 * i));
    heap[V + i] = Math.fround(1e-4 * (1 + Math.cos(5 * i)));
  }
  const before = heap.slice();
  const [alpha, epsHat, b1, b2] = [3e-3, 1e-7, 0.9, 0.999];
  adam!(W * 4, G * 4, M * 4, V * 4, W1 * 4, M1 * 4, V1 * 4, n * 4, alpha, epsHat, b1, 1 - b1, b2, 1 - b2);
  const f = Math.fround;
  for (let i = 0; i < n; i++) {
    // The same operations in the same order, each rounded to float32, as f32x4 does them.
    const g = heap[G + i];
    const m = f(f(f(b1) * heap[M + i]) + f(f(1 - b1) * g));
    const v = f(f(f(b2) * heap[V + i]) + f(f(f(1 - b2) * g) * g));
    const w = f(heap[W + i] - f(f(f(alpha) * m) / f(f(Math.sqrt(v)) + f(epsHat))));
    expect([i, heap[M1 + i], heap[V1 + i], heap[W1 + i]]).toEqual([i, m, v, w]);
  }
  // Inputs unchanged; nothing written outside the three output ranges.
  for (let j = 0; j < heap.length; j++) {
    const inOutput = [W1, M1, V1].some((o) => j >= o && j < o + n);
    if (!inOutput && heap[j] !== before[j]) throw new Error(`float ${j} changed from ${before[j]} to ${heap[j]}`);
  }
});

test("split over a helper thread (the matrix product module's copy of the loop), the update has exactly the single-threaded loop's bits", () => {
  const memory = new WasmMemory({ initial: 64, maximum: 65536, shared: true });
  const gemm = wasmGemmFor(memory, 2) as WasmGemm;
  const adam = adamSimdFor(memory);
  expect(gemm.threads).toBe(2);
  const n = 2 * GEMM_ADAM_MIN_CHUNK + 12; // two chunks or more, one of them not a whole chunk
  const heap = new Float32Array(memory.buffer);
  const region = (k: number): number => k * (n + 16); // float offsets, 64-byte apart boundaries
  const [W, G, M, V, W1, M1, V1, W2, M2, V2] = Array.from({ length: 10 }, (_, k) => region(k));
  for (let i = 0; i < n; i++) {
    heap[W + i] = Math.sin(i + 1);
    heap[G + i] = i % 5 === 0 ? 0 : Math.cos(3 * i) * 10 ** -(i % 4);
    heap[M + i] = 0.01 * Math.sin(7 * i);
    heap[V + i] = 1e-4 * (1 + Math.cos(5 * i));
  }
  const [alpha, epsHat, beta1, beta2] = [3e-3, 1e-7, 0.9, 0.999];
  const before = gemm.sharedJobs;
  gemm.adam({ w: 4 * W, g: 4 * G, m: 4 * M, v: 4 * V, w1: 4 * W1, m1: 4 * M1, v1: 4 * V1, n, alpha, epsHat, beta1, beta2 });
  expect(gemm.sharedJobs).toBe(before + 1);
  adam!(4 * W, 4 * G, 4 * M, 4 * V, 4 * W2, 4 * M2, 4 * V2, 4 * n, alpha, epsHat, beta1, 1 - beta1, beta2, 1 - beta2);
  for (const [split, one] of [
    [W1, W2],
    [M1, M2],
    [V1, V2],
  ]) {
    const a = heap.slice(split, split + n);
    const b = heap.slice(one, one + n);
    let differ = 0;
    for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) differ++;
    expect(differ).toBe(0);
  }
  // And it is Adam: the first weights against the float32 formula.
  const f = Math.fround;
  for (let i = 0; i < 8; i++) {
    const g = heap[G + i];
    const m = f(f(f(beta1) * heap[M + i]) + f(f(1 - beta1) * g));
    expect(heap[M1 + i]).toBe(m);
  }
  expect(() => gemm.adam({ w: 0, g: 0, m: 0, v: 0, w1: 0, m1: 0, v1: 0, n: 6, alpha, epsHat, beta1, beta2 })).toThrow(/multiple of 4, got 6/);
});
