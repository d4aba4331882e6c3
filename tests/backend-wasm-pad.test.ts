/**
 * The convolutions' padding loop (`WasmGemm.pad`, src/engine/wasm-pad-code.ts) on a bare
 * WebAssembly.Memory: every image, row and border against a plain loop, rows whose bytes are not a
 * multiple of 16 (the loop's 4-byte tail), no byte written outside the output, and the same bytes
 * when the images are split over a helper thread (shared memory).
 */
import { GEMM_PAD_MIN_CHUNK_BYTES, wasmGemmFor, type GemmPad, type WasmGemm } from '../src/engine/wasm-gemm';
import { seededValues } from './wasm-fixtures';
import { bitDifferences, wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

/** The bits of float32 values, for {@link bitDifferences}. */
const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);
/** How many floats of `got` differ from `expected` in their bits, and the first that does. */
const differences = (got: Float32Array, expected: Float32Array) => bitDifferences(bits(got), bits(expected));
const SAME = { count: 0, first: null };

const PAGES = 512; // 32 MiB
const SENTINEL = 1234.5;

type Geometry = Omit<GemmPad, 'x' | 'out'>;

/** x zero-padded by a plain loop. */
function reference(x: Float32Array, g: Geometry): Float32Array {
  const hp = g.top + g.height + g.bottom;
  const wp = g.left + g.width + g.right;
  const out = new Float32Array(g.batch * hp * wp * g.channels);
  for (let b = 0; b < g.batch; b++)
    for (let y = 0; y < g.height; y++)
      for (let x0 = 0; x0 < g.width; x0++)
        for (let c = 0; c < g.channels; c++)
          out[((b * hp + g.top + y) * wp + g.left + x0) * g.channels + c] = x[((b * g.height + y) * g.width + x0) * g.channels + c];
  return out;
}

/**
 * Pads seeded values in `memory` (the output's floats start as NaN, everything else as the
 * sentinel); returns the output and whether every float outside it kept its value.
 */
function padIn(gemm: WasmGemm, memory: WasmMemory, g: Geometry): { out: Float32Array; x: Float32Array; untouched: boolean } {
  const heap = new Float32Array(memory.buffer);
  const x = seededValues(g.batch * g.height * g.width * g.channels, g.channels + 7 * g.width, 3);
  const outSize = g.batch * (g.top + g.height + g.bottom) * (g.left + g.width + g.right) * g.channels;
  const xAt = 16;
  const outAt = xAt + x.length + 17; // not 16-byte aligned relative to x
  const end = outAt + outSize + 64;
  heap.fill(SENTINEL, 0, end);
  heap.set(x, xAt);
  heap.fill(Number.NaN, outAt, outAt + outSize);
  gemm.pad({ ...g, x: 4 * xAt, out: 4 * outAt });
  const untouched =
    heap.subarray(0, xAt).every((v) => v === SENTINEL) &&
    heap.subarray(xAt + x.length, outAt).every((v) => v === SENTINEL) &&
    heap.subarray(outAt + outSize, end).every((v) => v === SENTINEL) &&
    differences(heap.slice(xAt, xAt + x.length), x).count === 0;
  return { out: heap.slice(outAt, outAt + outSize), x, untouched };
}

const GEOMETRIES: Geometry[] = [
  // The conv models' paddings: conv AE (16 channels, 1 all round), conv VAE ('same' stride 2: bottom and right).
  { batch: 3, height: 14, width: 14, channels: 16, top: 1, bottom: 1, left: 1, right: 1 },
  { batch: 2, height: 28, width: 28, channels: 32, top: 0, bottom: 1, left: 0, right: 1 },
  { batch: 4, height: 7, width: 7, channels: 64, top: 1, bottom: 0, left: 1, right: 0 },
  // One channel: rows of 28 * 4 = 112 bytes (7 vectors) and 14 * 4 = 56 (3 vectors and two 4-byte steps).
  { batch: 5, height: 28, width: 28, channels: 1, top: 1, bottom: 1, left: 1, right: 1 },
  { batch: 2, height: 14, width: 14, channels: 1, top: 0, bottom: 1, left: 0, right: 1 },
  // Odd sizes and borders of several pixels (3 channels: 12-byte pixels).
  { batch: 3, height: 5, width: 4, channels: 3, top: 3, bottom: 2, left: 1, right: 4 },
  { batch: 1, height: 1, width: 1, channels: 1, top: 0, bottom: 0, left: 2, right: 0 },
  { batch: 2, height: 6, width: 5, channels: 2, top: 0, bottom: 0, left: 0, right: 0 },
];

const single = wasmMemory(PAGES, false);
const gemm1 = wasmGemmFor(single, 1) as WasmGemm;

describe('padding on one thread', () => {
  test.each(GEOMETRIES)(
    'batch $batch, $height x $width x $channels, borders $top $bottom $left $right: a plain loop’s bytes, nothing else written',
    (g) => {
      const { out, x, untouched } = padIn(gemm1, single, g);
      expect(differences(out, reference(x, g))).toEqual(SAME);
      expect(untouched).toBe(true);
    },
  );

  test('an empty batch writes nothing', () => {
    const { out, untouched } = padIn(gemm1, single, { ...GEOMETRIES[0], batch: 0 });
    expect(out.length).toBe(0);
    expect(untouched).toBe(true);
  });

  test('sizes that are not whole numbers >= 0 are refused, naming them', () => {
    expect(() => gemm1.pad({ ...GEOMETRIES[0], x: 0, out: 0, left: -1 })).toThrow(/sizes must be integers >= 0, got 3, 14, 14, 16, 1, 1, -1, 1/);
    expect(() => gemm1.pad({ ...GEOMETRIES[0], x: 0, out: 0, channels: 1.5 })).toThrow(RangeError);
  });
});

describe('padding split over a helper thread (shared memory)', () => {
  const shared = wasmMemory(PAGES, true);
  const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;

  test.each([
    { batch: 100, height: 28, width: 28, channels: 32, top: 0, bottom: 1, left: 0, right: 1 },
    { batch: 37, height: 14, width: 14, channels: 16, top: 1, bottom: 1, left: 1, right: 1 },
  ])('batch $batch, $height x $width x $channels: shared with the helper, the bytes of one thread', (g) => {
    const bytes = 4 * g.batch * (g.top + g.height + g.bottom) * (g.left + g.width + g.right) * g.channels;
    expect(bytes).toBeGreaterThanOrEqual(2 * GEMM_PAD_MIN_CHUNK_BYTES); // large enough to be split
    const before = gemm2.sharedJobs;
    const two = padIn(gemm2, shared, g);
    expect(gemm2.sharedJobs).toBe(before + 1);
    expect(two.untouched).toBe(true);
    const one = padIn(gemm1, single, g);
    expect(differences(two.out, one.out)).toEqual(SAME);
    expect(differences(two.out, reference(two.x, g))).toEqual(SAME);
  });

  test('a small padding stays on the calling thread', () => {
    const before = gemm2.sharedJobs;
    padIn(gemm2, shared, GEOMETRIES[5]);
    expect(gemm2.sharedJobs).toBe(before);
  });
});
