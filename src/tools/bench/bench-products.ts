/**
 * `node dist/tools/bench/bench-products.js [--threads T] [--reps N]`: the speed of vaelab's product
 * (`wasm-gemm.ts`) for each matrix product of one dense_vae training step (batch 100), on a bare
 * WebAssembly memory, with B packed into panels and without, alternating call by call in one
 * process. Prints, per product, the median and best milliseconds and GFLOP/s of each way, and
 * checks that both ways give the same bits.
 */
import { setGemmPacking, wasmGemmFor, type GemmProduct } from '../../engine';
import { median } from './bench-peer';
import { nonNegativeInt, positiveInt, readFlags } from './bench-args';
import { Rng } from '../../rng';

/** One product of the step: C [m,n] = op(A) op(B). */
export interface StepProduct {
  /** What it is in the step. */
  readonly label: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** Bias and ReLU in the epilogue (the fused ReLU dense layers' forward products). */
  readonly relu: boolean;
}

const p = (label: string, m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, relu = false): StepProduct => ({
  label,
  m,
  k,
  n,
  transposeA,
  transposeB,
  relu,
});

/** The products of one dense_vae step of batch 100 larger than 1M multiply-adds (forward, then the weight and input gradients). */
export const DENSE_VAE_PRODUCTS: readonly StepProduct[] = [
  p('enc1 forward x W1', 100, 784, 512, false, false, true),
  p('enc2 forward', 100, 512, 256, false, false, true),
  p('dec2 forward', 100, 256, 512, false, false, true),
  p('dec3 forward (sigmoid)', 100, 512, 784, false, false),
  p('dec3 dW = h^T dy', 512, 100, 784, true, false),
  p('dec3 dx = dy W^T', 100, 784, 512, false, true),
  p('dec2 dW', 256, 100, 512, true, false),
  p('dec2 dx', 100, 512, 256, false, true),
  p('enc2 dW', 512, 100, 256, true, false),
  p('enc2 dx', 100, 256, 512, false, true),
  p('enc1 dW = x^T dy', 784, 100, 512, true, false),
];

interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
const MemoryClass = (
  globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory } }
).WebAssembly.Memory;

/** One product laid out in the heap both ways (C apart), with its timings. */
interface Setup {
  readonly q: StepProduct;
  readonly plain: GemmProduct;
  readonly packed: GemmProduct;
  readonly tPlain: number[];
  readonly tPacked: number[];
}

/** Lays out one product from element `at` on with deterministic values; returns the setup and the next free element. */
function setup(heap: Float32Array, q: StepProduct, at: number, shift: number): [Setup, number] {
  const a = at + shift;
  const b = a + q.m * q.k + shift;
  const bias = b + q.k * q.n;
  const c = bias + q.n + 4 + shift;
  const c2 = c + q.m * q.n;
  const scratch = c2 + q.m * q.n + 4;
  heap.set(
    new Rng(12345 + at).uniformArray(scratch - a).map((u) => 2 * u - 1),
    a,
  );
  const plain: GemmProduct = {
    a: 4 * a,
    b: 4 * b,
    c: 4 * c,
    m: q.m,
    k: q.k,
    n: q.n,
    transposeA: q.transposeA,
    transposeB: q.transposeB,
    bias: q.relu ? 4 * bias : undefined,
    relu: q.relu,
  };
  const packed: GemmProduct = { ...plain, c: 4 * c2, packScratch: 16 * Math.ceil((4 * scratch) / 16) };
  return [{ q, plain, packed, tPlain: [], tPacked: [] }, scratch + 4 + q.k * q.n + 16];
}

const time = (f: () => void): number => {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

/** Runs the measurement and prints a table. */
export function benchProducts(threads: number, reps: number, shared = threads > 1, shift = 0): void {
  setGemmPacking(true);
  const memory = new MemoryClass({ initial: 1024, maximum: shared ? 65536 : undefined, shared });
  const gemm = wasmGemmFor(memory, threads);
  if (gemm === null) throw new Error('no wasm SIMD');
  const heap = new Float32Array(memory.buffer);
  const setups: Setup[] = [];
  let at = 0;
  for (const q of DENSE_VAE_PRODUCTS) {
    const [one, next] = setup(heap, q, at, shift);
    setups.push(one);
    at = next;
  }
  // Warm-up (V8 compiles wasm with its baseline compiler first and optimises hot functions later).
  for (let r = 0; r < 5; r++) {
    for (const x of setups) {
      gemm.multiply(x.plain);
      gemm.multiply(x.packed);
    }
  }
  // One step's worth of products per round, the two ways alternating product by product.
  for (let r = 0; r < reps; r++) {
    for (const x of setups) {
      if (r % 2 === 0) {
        x.tPlain.push(time(() => gemm.multiply(x.plain)));
        x.tPacked.push(time(() => gemm.multiply(x.packed)));
      } else {
        x.tPacked.push(time(() => gemm.multiply(x.packed)));
        x.tPlain.push(time(() => gemm.multiply(x.plain)));
      }
    }
  }
  const u = new Uint32Array(memory.buffer);
  console.log(`threads ${gemm.threads}, shared ${shared}, shift ${shift}, ${reps} rounds, medians (best in brackets), GFLOP/s`);
  let sumPlain = 0;
  let sumPacked = 0;
  for (const x of setups) {
    const { q } = x;
    let same = true;
    for (let i = 0; i < q.m * q.n; i++) if (u[x.plain.c / 4 + i] !== u[x.packed.c / 4 + i]) same = false;
    const flop = 2 * q.m * q.k * q.n;
    const gf = (ms: number): string => (flop / ms / 1e6).toFixed(1);
    const [mp, mq] = [median(x.tPlain), median(x.tPacked)];
    sumPlain += mp;
    sumPacked += mq;
    console.log(
      `${q.label.padEnd(24)} ${`${q.m}x${q.k}x${q.n}`.padEnd(12)} plain ${mp.toFixed(3)} ms ${gf(mp)} (${gf(Math.min(...x.tPlain))})  packed ${mq.toFixed(3)} ms ${gf(mq)} (${gf(Math.min(...x.tPacked))})  ${same ? 'same bits' : 'DIFFERENT BITS'}`,
    );
  }
  console.log(`sum of medians: plain ${sumPlain.toFixed(2)} ms, packed ${sumPacked.toFixed(2)} ms`);
}

/** Runs bench-products with command-line arguments (after the script name). */
export function benchProductsMain(argv: readonly string[]): void {
  const who = 'bench-products';
  const flags = readFlags(argv, ['--threads', '--reps', '--shift'], ['--shared'], who);
  const threads = positiveInt('--threads', flags.value('--threads') ?? '1', who);
  benchProducts(
    threads,
    positiveInt('--reps', flags.value('--reps') ?? '40', who),
    flags.has('--shared') || threads > 1,
    nonNegativeInt('--shift', flags.value('--shift') ?? '0', who),
  );
}

if (require.main === module) {
  try {
    benchProductsMain(process.argv.slice(2));
    process.exit(0);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
}
