/**
 * vaelab's own float32 matrix product over the wasm backend's memory, for training-sized dense
 * layers. XNNPACK packs its right-hand matrix into a new buffer whenever that buffer is new, and in
 * training it always is (weights change every step, gradients are fresh): for a 784x512 weight
 * the packing takes about as long as the product itself, on one thread. These loops
 * (`wasm-gemm-code.ts`) read A and B where they lie, so `A B`, `A^T B` and `A B^T` need neither
 * packing nor transposes.
 */
import { compileOnMemory, moduleImportingMemory } from './wasm-assembler';
import {
  GEMM_ACCUMULATE,
  GEMM_BIAS,
  GEMM_MR,
  GEMM_RELU,
  dotConvName,
  dotName,
  gemmFunctions,
  outerName,
  packedName,
  PACK_NAME,
  sparseName,
  SPARSE_ENTRY_BYTES,
  SPARSE_LIST_NAME,
  GEMM_DOT_COLUMNS,
  GEMM_WIDTHS,
} from './wasm-gemm-code';
import { ADAM_GEMM_NAME } from './adam-simd';
import {
  planBernoulli,
  planLog,
  planBiasAdd,
  planElementwise,
  planMaxPool,
  planMaxPoolGrad2x2,
  planPad,
  planUpsampleGrad,
  planUpsampleRanges,
  type GemmBernoulli,
  type GemmBiasAdd,
  type GemmElementwise,
  type GemmLog,
  type GemmMaxPool,
  type GemmMaxPoolGrad,
  type GemmPad,
  type GemmUpsampleGrad,
  type GemmUpsampleRanges,
  type PassPlanner,
} from './wasm-gemm-passes';
import { CALL_SLOTS, GemmWorkers, MAX_CHUNKS, type GemmJob } from './wasm-gemm-workers';

export type {
  GemmBernoulli,
  GemmBiasAdd,
  GemmElementwise,
  GemmImages,
  GemmLog,
  GemmMaxPool,
  GemmMaxPoolGrad,
  GemmPad,
  GemmUpsampleGrad,
  GemmUpsampleRanges,
} from './wasm-gemm-passes';
export { GEMM_ELEMENTWISE_MIN_CHUNK_BYTES, GEMM_PAD_MIN_CHUNK_BYTES } from './wasm-gemm-passes';

/** One product C [m,n] = op(A) op(B) (+ bias) (ReLU), every operand a byte address in wasm memory. */
export interface GemmProduct {
  /** A: [m,k], or [k,m] when `transposeA`. */
  readonly a: number;
  /** B: [k,n], or [n,k] when `transposeB`. */
  readonly b: number;
  /** C: [m,n], written (or added to, with `accumulate`). */
  readonly c: number;
  /** Bias row [n], or undefined. */
  readonly bias?: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  /** Clamp at zero after the bias. */
  readonly relu?: boolean;
  /** Add the product to what C holds. */
  readonly accumulate?: boolean;
  /**
   * Scratch memory of at least {@link WasmGemm.packBytes} bytes (byte address; 16-aligned is fastest), or
   * undefined: B's 8-column tiles are copied there into panels first (same numbers, faster).
   */
  readonly packScratch?: number;
  /**
   * Scratch memory of at least {@link WasmGemm.sparseBytes} bytes (byte address, 4-aligned), or
   * undefined: when A is mostly zeros (blocks of 4 rows nonzero at no more than
   * {@link GEMM_SPARSE_MAX_DENSITY} of k), the k to keep are listed there and the product skips the
   * rest (same numbers for finite B).
   */
  readonly sparseScratch?: number;
}

/** The shape of a product, as {@link WasmGemm.packBytes} needs it. */
export interface GemmShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/**
 * One stride-s 2-D convolution, channels last, on an input already padded (implicit GEMM):
 * out[b, y, x, o] = sum over i, j, c of x[b, y*sh + i, x*sw + j, c] * filter[i, j, c, o].
 * Every operand is a byte address in wasm memory; out is written.
 */
export interface GemmConv {
  /** Padded input [batch, inHeight, inWidth, inChannels]. */
  readonly x: number;
  /** Filter [filterHeight, filterWidth, inChannels, outChannels]. */
  readonly filter: number;
  /** Output [batch, outHeight, outWidth, outChannels]. */
  readonly out: number;
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  /** Byte address of a bias row [outChannels] added after the sum (none when undefined). */
  readonly bias?: number;
  /** Clamp at zero after the bias. */
  readonly relu?: boolean;
}

/**
 * One fused Adam update over n float32 weights (see `adam-kernel.ts`): every operand a byte
 * address in wasm memory; `n` a multiple of 4. The constants are rounded to float32 as the
 * single-threaded SIMD loop's f32 parameters are.
 */
export interface GemmAdam {
  readonly w: number;
  readonly g: number;
  readonly m: number;
  readonly v: number;
  readonly w1: number;
  readonly m1: number;
  readonly v1: number;
  readonly n: number;
  readonly alpha: number;
  readonly epsHat: number;
  readonly beta1: number;
  readonly beta2: number;
}

/** Fewest weights per chunk of a split Adam update (~0.05 ms of work; smaller updates stay on one thread). */
export const GEMM_ADAM_MIN_CHUNK = 1 << 15;

/** The product loops bound to one memory. */
export interface WasmGemm {
  /** Whether {@link WasmGemm.multiply} takes this combination (not both transposed; `A B^T` needs k % 4 = 0). */
  supports(transposeA: boolean, transposeB: boolean, k: number): boolean;
  /**
   * Bytes of scratch memory the product would pack B into (see {@link GemmProduct.packScratch}), or
   * 0 when it would not pack (`A B^T`, fewer than 8 columns or {@link GEMM_PACK_MIN_ROWS} rows, or
   * not for this stride or at all by {@link setGemmPacking}).
   */
  packBytes(p: GemmShape): number;
  /**
   * Bytes of scratch memory the product needs to list A's nonzero columns per block of 4 rows (see
   * {@link GemmProduct.sparseScratch}), or 0 when it would never take the sparse path (`A B^T`, fewer
   * than 8 columns or 4 rows, fewer than {@link GEMM_SPARSE_MIN_MACS} multiply-adds, or off by
   * {@link setGemmSparse}).
   */
  sparseBytes(p: GemmShape): number;
  /** How many products so far skipped A's zeros (for tests and diagnostics). */
  readonly sparseProducts: number;
  /** Computes one product; throws on a combination {@link WasmGemm.supports} rejects. */
  multiply(p: GemmProduct): void;
  /** Computes one convolution (see {@link GemmConv}); throws when the output does not fit the input. */
  conv2d(p: GemmConv): void;
  /**
   * How many partial filter gradients {@link WasmGemm.conv2dFilterGrad} should split `p`'s images
   * over: 1 for small problems, else a fixed number (not the thread count, so the sums, and the
   * numbers, are the same with any number of threads).
   */
  filterGradPartials(p: GemmConv): number;
  /**
   * Adds the filter gradient of a convolution to `p.filter` (zero it first for the gradient alone):
   * filter[i, j, c, o] += sum over b, y, x of x[b, y*sh + i, x*sw + j, c] * out[b, y, x, o], with
   * `p.out` holding the output gradient dy. With `partials` > 1, `p.filter` holds that many filters
   * one after another and partial i gets the sum over the i-th of `partials` equal runs of images
   * (the caller adds them up); the partials are computed in parallel.
   */
  conv2dFilterGrad(p: GemmConv, partials?: number): void;
  /**
   * The fused Adam update split by weights into chunks of at least {@link GEMM_ADAM_MIN_CHUNK}
   * (whole groups of four) over the threads: every weight goes through the same SIMD loop as on
   * one thread, so the numbers do not depend on the thread count. Throws when n is not a multiple of 4.
   */
  adam(p: GemmAdam): void;
  /**
   * Copies `p.x` into `p.out` with zero borders around each image (see {@link GemmPad}), split by
   * images over the threads when there are enough bytes to write; a byte copy either way.
   */
  pad(p: GemmPad): void;
  /**
   * One element-wise strip of `wasm-elementwise-code.ts` over n floats (a multiple of 4), split
   * into runs of whole vectors over the threads when there are enough bytes: `relu` out = max(x, 0);
   * `reluGrad` out = dy * step(y); `sigmoidGrad` out = dy * (y * (1 - y)). Addresses in bytes.
   * Throws when n is not a multiple of 4.
   */
  elementwise(p: GemmElementwise): void;
  /**
   * out = x + bias for every row of x [rows, channels] (channels a multiple of 4), split by rows
   * over the threads when there are enough bytes. Addresses in bytes.
   */
  biasAdd(p: GemmBiasAdd): void;
  /**
   * One strip of binary cross-entropy's arithmetic (see `wasm-bernoulli-code.ts`) over n floats
   * (a multiple of 4), split into runs of whole vectors over the threads when there are enough bytes.
   */
  bernoulli(p: GemmBernoulli): void;
  /**
   * out = log(x) for n floats by the C library's logf rule (`wasm-log-code.ts`), `p.table` the
   * address of its data in this memory; split into runs of whole vectors over the threads when
   * there are enough bytes. Addresses in bytes. Throws when n is not an integer >= 0.
   */
  log(p: GemmLog): void;
  /**
   * The gradient of an fh x fw nearest-neighbour upsampling as wasm's AvgPool times fh * fw computes
   * it (see `wasm-upsample-code.ts`), split by rows over the threads when there are enough bytes.
   * Throws for a window without a strip ({@link UPSAMPLE_GRAD_WINDOWS}) or channels not in fours.
   */
  upsampleGrad(p: GemmUpsampleGrad): void;
  /**
   * The gradient of any nearest-neighbour resize as vaelab's JavaScript loop computes it (each input
   * pixel's block of dy, first value copied, the others added row by row; see `wasm-upsample-code.ts`),
   * split by rows over the threads when there are enough bytes. Throws for channels not in fours.
   */
  upsampleGradRanges(p: GemmUpsampleRanges): void;
  /**
   * The gradient of a 2x2, stride-2 max pool whose windows cover x exactly (even height and width,
   * no padding): every float of dx written (dy at each window's first maximum, zeros elsewhere) by
   * the SIMD row loop of `wasm-simd.ts`, rows split over the threads when there are enough bytes.
   * Throws for odd sizes or channels not in fours.
   */
  maxPoolGrad2x2(p: GemmMaxPoolGrad): void;
  /**
   * A max pool whose windows cover x exactly, as wasm's MaxPool computes it on x86 hosts (see
   * `wasm-maxpool-code.ts`), split by output rows over the threads when there are enough bytes.
   * Throws for a window without a strip (`MAX_POOL_WINDOWS`), sizes the windows do not cover, or
   * channels not in fours.
   */
  maxPool(p: GemmMaxPool): void;
  /** Threads a product is split over (1 = this thread only). */
  readonly threads: number;
  /** How many jobs so far were shared with the helper threads (for tests and diagnostics). */
  readonly sharedJobs: number;
}

/** A strip function of either kind, called with its arguments padded to 18. */
type StripFn = (...args: number[]) => void;

/** Fewest multiply-adds per chunk of a split job (smaller work stays on one thread: handing it out costs more). */
export const GEMM_SPLIT_MIN_MACS = 1 << 18;

/** Fewest rows of C for which B is packed (every register block of rows reads the whole panel). */
export const GEMM_PACK_MIN_ROWS = 8;

/**
 * When products given scratch memory pack B: `auto` when B's rows are a multiple of
 * {@link GEMM_PACK_STRIDE} bytes apart (only then do a tile's rows crowd into few cache sets; other
 * strides measured no faster packed, and the copy is not free), `always`, or `off`.
 */
export type GemmPacking = 'auto' | 'always' | 'off';

/**
 * Largest share of k a product may keep (the columns where some row of a block of A is nonzero) to
 * list A's nonzeros and skip the rest: the sparse strip costs about what the dense one does per
 * multiply-add it keeps (measured on the dense VAE's shapes; see docs/performance.md), and
 * listing costs a pass over A.
 */
export const GEMM_SPARSE_MAX_DENSITY = 0.75;

/** Fewest multiply-adds of a product that looks for A's zeros (a pass over A costs about 1/n of the product). */
export const GEMM_SPARSE_MIN_MACS = 1 << 20;

let sparse = true;

/** Places (a block of 4 rows of A at one k) read to judge whether A is mostly zeros. */
export const SPARSE_SAMPLES = 512;

/** Sets whether products with a mostly-zero A skip its zeros (default on; same numbers either way for finite B). */
export function setGemmSparse(on: boolean): void {
  sparse = on;
}

/** B row strides (bytes) that `auto` packing packs: multiples of this. */
export const GEMM_PACK_STRIDE = 512;

/** B floats copied per multiply-add of work when a packing is split over threads (a copy is cheaper per float than a product chunk's bookkeeping). */
const PACK_COST = 8;

let packing: GemmPacking = 'auto';

/** Whether a large packing is split over the helper threads (else the calling thread packs alone). */
let packSplit = true;

/** Sets whether a large packing of B is split over the helper threads (for measurements). */
export function setGemmPackSplit(on: boolean): void {
  packSplit = on;
}

/** Sets when B is packed (see {@link GemmPacking}; true = `auto`, the default, false = `off`). */
export function setGemmPacking(mode: boolean | GemmPacking): void {
  packing = mode === true ? 'auto' : mode === false ? 'off' : mode;
}

/** Partial filter gradients a large convolution's images are split over (see filterGradPartials). */
export const GEMM_FILTER_GRAD_PARTIALS = 8;

/** Chunks per thread a split job is cut into (threads that start late or run slower take fewer). */
export const GEMM_CHUNKS_PER_THREAD = 4;

/** A growable list of encoded strip calls (function index, then its arguments), cut into chunks. */
class CallList implements GemmJob {
  calls = new Int32Array(CALL_SLOTS * 64);
  count = 0;
  starts = new Int32Array(MAX_CHUNKS + 1);
  chunks = 0;

  reset(): void {
    this.count = 0;
    this.chunks = 0;
  }

  /** Starts the next chunk (call it before each chunk's calls). */
  mark(): void {
    if (this.chunks + 1 >= this.starts.length) {
      const bigger = new Int32Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    this.starts[this.chunks++] = this.count;
    this.starts[this.chunks] = this.count;
  }

  push(fn: number, args: readonly number[]): void {
    if ((this.count + 1) * CALL_SLOTS > this.calls.length) {
      const bigger = new Int32Array(this.calls.length * 2);
      bigger.set(this.calls);
      this.calls = bigger;
    }
    const at = this.count * CALL_SLOTS;
    this.calls[at] = fn;
    this.calls.set(args, at + 1);
    this.count++;
    this.starts[this.chunks] = this.count;
  }
}

/** Arguments of an outer-product strip (see OUTER_PARAMS in wasm-gemm-code.ts). */
interface OuterArgs {
  a: number;
  b: number;
  c: number;
  bias: number;
  k: number;
  aRow: number;
  aStep: number;
  bRow: number;
  cRow: number;
  flags: number;
  kRuns: number;
  aRun: number;
  outers: number;
  aOuter: number;
  cOuter: number;
  bOuter: number;
}

/**
 * Multiply-adds of a convolution (0: nothing to compute). Throws when the output does not fit the
 * padded input.
 */
function convMacs(p: GemmConv): number {
  const span = (p.outHeight - 1) * p.strideHeight + p.filterHeight;
  const width = (p.outWidth - 1) * p.strideWidth + p.filterWidth;
  if (span > p.inHeight || width > p.inWidth) {
    throw new Error(
      `wasm gemm conv2d: a ${p.outHeight}x${p.outWidth} output needs a padded input of at least ${span}x${width}, got ${p.inHeight}x${p.inWidth}`,
    );
  }
  return p.batch * p.outHeight * p.outWidth * p.outChannels * p.filterHeight * p.filterWidth * p.inChannels;
}

/** The epilogue flag bits of a product (bias, ReLU, accumulate). */
function epilogueFlags(p: GemmProduct): number {
  return (p.bias !== undefined ? GEMM_BIAS : 0) | (p.relu === true ? GEMM_RELU : 0) | (p.accumulate === true ? GEMM_ACCUMULATE : 0);
}

/** Byte strides of op(A) [m,k]: from one row to the next, and from one k to the next. */
function aStrides(p: GemmShape): { aRow: number; aStep: number } {
  return p.transposeA ? { aRow: 4, aStep: 4 * p.m } : { aRow: 4 * p.k, aStep: 4 };
}

class Gemm implements WasmGemm {
  private readonly index = new Map<string, number>();
  private readonly list = new CallList();
  sharedJobs = 0;
  sparseProducts = 0;

  constructor(
    private readonly fns: readonly StripFn[],
    names: readonly string[],
    private readonly workers: GemmWorkers | null,
    private readonly memory: { readonly buffer: ArrayBufferLike },
  ) {
    names.forEach((name, i) => this.index.set(name, i));
  }

  /** What the passes of `wasm-gemm-passes.ts` need: function indices, chunk counts, and running chunks. */
  private readonly passes: PassPlanner = {
    fn: (name) => this.index.get(name) as number,
    split: (bytes, units, minChunkBytes) => this.chunkCount(bytes, units, minChunkBytes),
    run: (chunks, fill) => this.runChunks(chunks, (i, list) => fill(i, (fn, args) => list.push(fn, args))),
  };

  get threads(): number {
    return this.workers === null ? 1 : this.workers.size + 1;
  }

  supports(transposeA: boolean, transposeB: boolean, k: number): boolean {
    if (transposeB) return !transposeA && k % 4 === 0;
    return true;
  }

  packBytes(p: GemmShape): number {
    if (packing === 'off' || p.transposeB || p.n < 8 || p.m < GEMM_PACK_MIN_ROWS) return 0;
    if (packing === 'auto' && (4 * p.n) % GEMM_PACK_STRIDE !== 0) return 0;
    return 32 * p.k * Math.floor(p.n / 8);
  }

  sparseBytes(p: GemmShape): number {
    if (!sparse || p.transposeB || p.n < 8 || p.m < GEMM_MR || p.m * p.k * p.n < GEMM_SPARSE_MIN_MACS) return 0;
    const blocks = Math.floor(p.m / GEMM_MR);
    return blocks * (SPARSE_ENTRY_BYTES * p.k + 8);
  }

  multiply(p: GemmProduct): void {
    if (!this.supports(p.transposeA, p.transposeB, p.k)) {
      throw new Error(
        `wasm gemm: unsupported product (transposeA ${p.transposeA}, transposeB ${p.transposeB}, k ${p.k}); expected A B, A^T B, or A B^T with k a multiple of 4`,
      );
    }
    if (p.m === 0 || p.n === 0) return;
    const packed = p.packScratch !== undefined && this.packBytes(p) > 0 ? p.packScratch : undefined;
    if (packed !== undefined && packed % 4 !== 0) throw new RangeError(`wasm gemm: packScratch must be 4-byte aligned, got ${packed}`);
    if (p.sparseScratch !== undefined && this.sparseBytes(p) > 0 && this.mostlyZeros(p)) {
      if (p.sparseScratch % 4 !== 0) throw new RangeError(`wasm gemm: sparseScratch must be 4-byte aligned, got ${p.sparseScratch}`);
      this.sparseProducts++;
      // The sparse strips read B from the panels only when every column is in one (n % 8 = 0).
      const panels = packed !== undefined && p.n % 8 === 0 ? packed : undefined;
      if (panels !== undefined) this.pack(p, panels);
      const blocks = Math.floor(p.m / GEMM_MR);
      const per = Math.ceil(blocks / this.chunksFor(p.m * p.n * p.k * GEMM_SPARSE_MAX_DENSITY, blocks));
      const scratch = p.sparseScratch;
      this.runChunks(Math.ceil(blocks / per), (i, list) => {
        this.planSparse(p, scratch, i * per, Math.min(blocks, (i + 1) * per), list, panels);
        // The rows after the last whole block, by the dense strips.
        if ((i + 1) * per >= blocks && p.m % GEMM_MR !== 0) this.planProduct(p, blocks * GEMM_MR, p.m, list, panels);
      });
      return;
    }
    if (packed !== undefined) this.pack(p, packed);
    const blocks = Math.ceil(p.m / GEMM_MR);
    // Rows of C per chunk, in whole register blocks.
    const rowsPer = GEMM_MR * Math.ceil(blocks / this.chunksFor(p.m * p.n * p.k, blocks));
    this.runChunks(Math.ceil(p.m / rowsPer), (i, list) => this.planProduct(p, i * rowsPer, Math.min(p.m, (i + 1) * rowsPer), list, packed));
  }

  /**
   * Whether at most {@link GEMM_SPARSE_MAX_DENSITY} of A's columns per block of {@link GEMM_MR}
   * rows look nonzero (the share of k the sparse strips keep), judged from {@link SPARSE_SAMPLES}
   * (block, k) places spread evenly (NaN counts as nonzero). Only speed depends on the answer:
   * both paths give the same numbers.
   */
  private mostlyZeros(p: GemmProduct): boolean {
    const f = new Float32Array(this.memory.buffer);
    const { m, k } = p;
    const bytes = aStrides(p);
    const aRow = bytes.aRow / 4;
    const aStep = bytes.aStep / 4;
    const total = Math.floor(m / GEMM_MR) * k;
    const count = Math.min(total, SPARSE_SAMPLES);
    const a = p.a >> 2;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const at = Math.floor((i * total) / count);
      const block = Math.floor(at / k);
      const first = a + block * GEMM_MR * aRow + (at - block * k) * aStep;
      for (let r = 0; r < GEMM_MR; r++) {
        if (f[first + r * aRow] !== 0) {
          kept++;
          break;
        }
      }
    }
    return kept <= GEMM_SPARSE_MAX_DENSITY * count;
  }

  /**
   * The calls for row blocks [i0, i1) of C by the sparse strips: list those blocks' nonzero columns
   * of A (each block in its own region of `scratch`, so chunks list in parallel), then the strips;
   * B from its panels at `packed`, if given (n a multiple of 8), as the dense strips read them.
   */
  private planSparse(p: GemmProduct, scratch: number, i0: number, i1: number, list: CallList, packed?: number): void {
    const { m, k, n } = p;
    const blocks = Math.floor(m / GEMM_MR);
    const entryBlock = SPARSE_ENTRY_BYTES * k;
    const bounds = scratch + blocks * entryBlock + 8 * i0;
    const { aRow, aStep } = aStrides(p);
    const r0 = i0 * GEMM_MR;
    const tiles8 = packed === undefined ? 0 : Math.floor(n / 8);
    // Entries' B row offsets: k * 32 in the panels, k * 4n in B as it lies (then every tile is read there).
    list.push(this.index.get(SPARSE_LIST_NAME) as number, [
      p.a + r0 * aRow,
      aRow,
      aStep,
      i1 - i0,
      k,
      scratch + i0 * entryBlock,
      entryBlock,
      bounds,
      tiles8 > 0 ? 32 : 4 * n,
    ]);
    const flags = epilogueFlags(p);
    const cRow = 4 * n;
    const c0 = p.c + r0 * cRow;
    const bias = p.bias ?? 0;
    if (tiles8 > 0) {
      list.push(this.index.get(sparseName(8)) as number, [bounds, packed as number, c0, bias, i1 - i0, cRow, flags, tiles8, 32 * k]);
      return;
    }
    let j = 0;
    for (const width of GEMM_WIDTHS) {
      const tiles = Math.floor((n - j) / width);
      if (tiles === 0) continue;
      list.push(this.index.get(sparseName(width)) as number, [bounds, p.b + 4 * j, c0 + 4 * j, bias + 4 * j, i1 - i0, cRow, flags, tiles, 4 * width]);
      j += tiles * width;
    }
  }

  /** Packs B's 8-column tiles to `packed`, split by pairs of tiles over the threads when large. */
  private pack(p: GemmProduct, packed: number): void {
    const fn = this.index.get(PACK_NAME) as number;
    const tiles = Math.floor(p.n / 8);
    const pairs = Math.ceil(tiles / 2);
    const per = packSplit ? Math.ceil(pairs / this.chunksFor(PACK_COST * p.k * 8 * tiles, pairs)) : pairs;
    this.runChunks(Math.ceil(pairs / per), (i, list) => {
      const first = 2 * i * per;
      const count = Math.min(tiles - first, 2 * per);
      list.push(fn, [p.b + 32 * first, packed + 32 * p.k * first, p.k, 4 * p.n, count]);
    });
  }

  conv2d(p: GemmConv): void {
    const macs = convMacs(p);
    if (macs === 0) return;
    const per = Math.ceil(p.batch / this.chunksFor(macs, p.batch));
    // One output channel: dot products over each filter row (whole SIMD vectors when fw*ci allows).
    const oneChannel = p.outChannels === 1 && (p.filterWidth * p.inChannels) % 4 === 0;
    if (oneChannel && (p.bias !== undefined || p.relu === true)) throw new Error('wasm gemm conv2d: no bias or ReLU epilogue for one output channel');
    this.runChunks(Math.ceil(p.batch / per), (i, list) => {
      for (let b = i * per; b < Math.min(p.batch, (i + 1) * per); b++) {
        if (oneChannel) this.planConvOneChannel(p, b, list);
        else this.planConvImage(p, b, list);
      }
    });
  }

  adam(p: GemmAdam): void {
    if (!Number.isInteger(p.n) || p.n < 0 || p.n % 4 !== 0) throw new RangeError(`wasm gemm adam: n must be a multiple of 4, got ${p.n}`);
    if (p.n === 0) return;
    const bits = new Int32Array(Float32Array.of(p.alpha, p.epsHat, p.beta1, 1 - p.beta1, p.beta2, 1 - p.beta2).buffer);
    const chunks = this.chunkCount(p.n, Number.POSITIVE_INFINITY, GEMM_ADAM_MIN_CHUNK);
    const per = 4 * Math.ceil(p.n / 4 / chunks);
    const fn = this.index.get(ADAM_GEMM_NAME) as number;
    this.runChunks(Math.ceil(p.n / per), (i, list) => {
      const at = 4 * i * per;
      const count = Math.min(p.n - i * per, per);
      list.push(fn, [p.w + at, p.g + at, p.m + at, p.v + at, p.w1 + at, p.m1 + at, p.v1 + at, 4 * count, ...bits, 0, 0, 0, 0]);
    });
  }

  pad(p: GemmPad): void {
    planPad(this.passes, p);
  }

  elementwise(p: GemmElementwise): void {
    planElementwise(this.passes, p);
  }

  biasAdd(p: GemmBiasAdd): void {
    planBiasAdd(this.passes, p);
  }

  bernoulli(p: GemmBernoulli): void {
    planBernoulli(this.passes, p);
  }

  log(p: GemmLog): void {
    planLog(this.passes, p);
  }

  upsampleGrad(p: GemmUpsampleGrad): void {
    planUpsampleGrad(this.passes, p);
  }

  upsampleGradRanges(p: GemmUpsampleRanges): void {
    planUpsampleRanges(this.passes, p);
  }

  maxPoolGrad2x2(p: GemmMaxPoolGrad): void {
    planMaxPoolGrad2x2(this.passes, p);
  }

  maxPool(p: GemmMaxPool): void {
    planMaxPool(this.passes, p);
  }

  filterGradPartials(p: GemmConv): number {
    return convMacs(p) < GEMM_SPLIT_MIN_MACS ? 1 : Math.max(1, Math.min(p.batch, GEMM_FILTER_GRAD_PARTIALS));
  }

  conv2dFilterGrad(p: GemmConv, partials = 1): void {
    if (!Number.isInteger(partials) || partials < 1)
      throw new RangeError(`wasm gemm conv2dFilterGrad: partials must be an integer >= 1, got ${partials}`);
    if (convMacs(p) === 0) return;
    const pixel = 4 * p.inChannels;
    const inRow = p.inWidth * pixel;
    const rows = p.filterWidth * p.inChannels; // rows of one filter row's gradient: (j, c)
    const filterBytes = p.filterHeight * rows * 4 * p.outChannels;
    const dyImage = p.outHeight * p.outWidth * 4 * p.outChannels;
    const per = Math.ceil(p.batch / partials);
    // Chunk i: images [i*per, (i+1)*per) into partial i; image by image (its x and dy stay in cache
    // while every filter row and column tile reads them).
    this.runChunks(Math.ceil(p.batch / per), (chunk, list) => {
      for (let image = chunk * per; image < Math.min(p.batch, (chunk + 1) * per); image++) {
        for (let i = 0; i < p.filterHeight; i++) {
          this.planOuter(
            rows,
            p.outChannels,
            {
              a: p.x + image * p.inHeight * inRow + i * inRow,
              b: p.out + image * dyImage,
              c: p.filter + chunk * filterBytes + i * rows * 4 * p.outChannels,
              bias: 0,
              k: p.outWidth,
              aRow: 4,
              aStep: p.strideWidth * pixel,
              bRow: 4 * p.outChannels,
              cRow: 4 * p.outChannels,
              flags: GEMM_ACCUMULATE,
              kRuns: p.outHeight,
              aRun: p.strideHeight * inRow,
              outers: 1,
              aOuter: 0,
              cOuter: 0,
              bOuter: 0,
            },
            list,
          );
        }
      }
    });
  }

  /**
   * Chunks to cut `units` units of work into: 1 when single-threaded, else a few per thread but
   * at least GEMM_SPLIT_MIN_MACS multiply-adds each (a smaller chunk costs more to hand out than to run).
   */
  private chunksFor(macs: number, units: number): number {
    return this.chunkCount(macs, units, GEMM_SPLIT_MIN_MACS);
  }

  /**
   * Chunks to cut `units` units of work worth `amount` into: 1 when single-threaded, else
   * GEMM_CHUNKS_PER_THREAD per thread, but at least `minPerChunk` of `amount` each and at most `units`.
   */
  private chunkCount(amount: number, units: number, minPerChunk: number): number {
    if (this.workers === null) return 1;
    return Math.max(1, Math.min(units, GEMM_CHUNKS_PER_THREAD * this.threads, Math.floor(amount / minPerChunk)));
  }

  /** Plans `chunks` chunks into one call list, then runs it: shared with the workers when there are several chunks. */
  private runChunks(chunks: number, fill: (chunk: number, list: CallList) => void): void {
    const list = this.list;
    list.reset();
    for (let i = 0; i < chunks; i++) {
      list.mark();
      fill(i, list);
    }
    if (this.workers === null || list.chunks < 2 || !this.workers.fits(list.count, list.chunks)) {
      this.runCalls(list, 0, list.count);
      return;
    }
    this.sharedJobs++;
    this.workers.run(list, (from, to) => this.runCalls(list, from, to));
  }

  private runCalls(list: CallList, from: number, to: number): void {
    const d = list.calls;
    for (let i = from, at = from * CALL_SLOTS; i < to; i++, at += CALL_SLOTS) {
      this.fns[d[at]](
        d[at + 1],
        d[at + 2],
        d[at + 3],
        d[at + 4],
        d[at + 5],
        d[at + 6],
        d[at + 7],
        d[at + 8],
        d[at + 9],
        d[at + 10],
        d[at + 11],
        d[at + 12],
        d[at + 13],
        d[at + 14],
        d[at + 15],
        d[at + 16],
        d[at + 17],
        d[at + 18],
      );
    }
  }

  /**
   * Pushes the calls for `rows` rows of C in register blocks: the full blocks in one call (the
   * function for GEMM_MR rows), the leftover rows in another; `args(rowOffset, blocks)` gives a
   * call's arguments from its first row and its block count.
   */
  private pushRowBlocks(rows: number, name: (mr: number) => string, args: (rowOffset: number, blocks: number) => number[], list: CallList): void {
    const blocks = Math.floor(rows / GEMM_MR);
    const tail = rows % GEMM_MR;
    if (blocks > 0) list.push(this.index.get(name(GEMM_MR)) as number, args(0, blocks));
    if (tail > 0) list.push(this.index.get(name(tail)) as number, args(blocks * GEMM_MR, 1));
  }

  /**
   * Outer-product calls for `rows` rows of C (rows aRow / cRow apart) over all n columns: per
   * column tile, the full register blocks in one call and the leftover rows in another.
   */
  private planOuter(rows: number, n: number, args: OuterArgs, list: CallList, from = 0): void {
    const general = args.kRuns !== 1 || args.outers !== 1;
    let j = from;
    for (const width of GEMM_WIDTHS) {
      const tiles = Math.floor((n - j) / width);
      if (tiles === 0) continue;
      this.pushRowBlocks(
        rows,
        (mr) => outerName(mr, width, general),
        (r, blocks) => [
          args.a + r * args.aRow,
          args.b + 4 * j,
          args.c + r * args.cRow + 4 * j,
          args.bias + 4 * j,
          blocks,
          args.k,
          args.aRow,
          args.aStep,
          args.bRow,
          args.cRow,
          args.flags,
          args.kRuns,
          args.aRun,
          args.outers,
          args.aOuter,
          args.cOuter,
          args.bOuter,
          tiles,
        ],
        list,
      );
      j += tiles * width;
    }
  }

  /**
   * The strip calls for rows [m0, m1) of C = op(A) op(B); with `packed` (the address of B's 8-column
   * tiles in panels) those tiles are read from there.
   */
  private planProduct(p: GemmProduct, m0: number, m1: number, list: CallList, packed?: number): void {
    const flags = epilogueFlags(p);
    const { k, n } = p;
    const cRow = 4 * n;
    const bias = p.bias ?? 0;
    const c0 = p.c + m0 * cRow;
    if (!p.transposeB) {
      const { aRow, aStep } = aStrides(p);
      const base = { b: p.b, bias, k, aRow, aStep, bRow: cRow, cRow, flags, kRuns: 1, aRun: 0, outers: 1, aOuter: 0, cOuter: 0, bOuter: 0 };
      const a0 = p.a + m0 * aRow;
      const tiles = packed === undefined ? 0 : Math.floor(n / 8);
      if (tiles > 0) {
        this.pushRowBlocks(
          m1 - m0,
          packedName,
          (r, blocks) => [a0 + r * aRow, packed as number, c0 + r * cRow, bias, blocks, k, aRow, aStep, 32, cRow, flags, 1, 0, 1, 0, 0, 0, tiles],
          list,
        );
      }
      this.planOuter(m1 - m0, n, { ...base, a: a0, c: c0 }, list, 8 * tiles);
      return;
    }
    const rowBytes = 4 * k;
    const a0 = p.a + m0 * rowBytes;
    let j = 0;
    for (const nb of GEMM_DOT_COLUMNS) {
      const tiles = Math.floor((n - j) / nb);
      if (tiles === 0) continue;
      this.pushRowBlocks(
        m1 - m0,
        (mr) => dotName(mr, nb),
        (r, blocks) => [a0 + r * rowBytes, p.b + j * rowBytes, c0 + r * cRow + 4 * j, bias + 4 * j, blocks, k / 4, rowBytes, cRow, flags, tiles],
        list,
      );
      j += tiles * nb;
    }
  }

  /**
   * The calls for one image of a convolution to one output channel (k = fw*ci a multiple of 4):
   * one dot product per output pixel and filter row, rows = output columns, outer rows = output rows.
   */
  private planConvOneChannel(p: GemmConv, image: number, list: CallList): void {
    const pixel = 4 * p.inChannels;
    const inRow = p.inWidth * pixel;
    const a = p.x + image * p.inHeight * inRow;
    const c = p.out + image * p.outHeight * p.outWidth * 4;
    const aRow = p.strideWidth * pixel;
    this.pushRowBlocks(
      p.outWidth,
      dotConvName,
      (r, blocks) => [
        a + r * aRow,
        p.filter,
        c + 4 * r,
        blocks,
        (p.filterWidth * p.inChannels) / 4,
        aRow,
        4,
        p.filterHeight,
        inRow,
        p.outHeight,
        p.strideHeight * inRow,
        p.outWidth * 4,
      ],
      list,
    );
  }

  /**
   * The calls for one image of a convolution: rows of C are the output columns of one output row
   * (A rows sw*ci apart), output rows are outer rows, filter rows are runs of k = fw*ci (a filter
   * row's taps and channels lie next to each other in both x and the filter).
   */
  private planConvImage(p: GemmConv, image: number, list: CallList): void {
    const pixel = 4 * p.inChannels;
    const inRow = p.inWidth * pixel;
    const outRow = p.outWidth * 4 * p.outChannels;
    this.planOuter(
      p.outWidth,
      p.outChannels,
      {
        a: p.x + image * p.inHeight * inRow,
        b: p.filter,
        c: p.out + image * p.outHeight * outRow,
        bias: p.bias ?? 0,
        k: p.filterWidth * p.inChannels,
        aRow: p.strideWidth * pixel,
        aStep: 4,
        bRow: 4 * p.outChannels,
        cRow: 4 * p.outChannels,
        flags: (p.bias !== undefined ? GEMM_BIAS : 0) | (p.relu === true ? GEMM_RELU : 0),
        kRuns: p.filterHeight,
        aRun: inRow,
        outers: p.outHeight,
        aOuter: p.strideHeight * inRow,
        cOuter: outRow,
        bOuter: 0,
      },
      list,
    );
  }
}

/** Threads of vaelab's products and convolutions (this one included); set when the wasm backend starts. */
let threadCount = 1;

/** Sets how many threads vaelab's products use for memories bound from now on (an integer >= 1). */
export function setGemmThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`setGemmThreads: threads must be an integer >= 1, got ${threads}`);
  threadCount = threads;
}

/** Threads of vaelab's products and convolutions (1 = the calling thread only). */
export function gemmThreads(): number {
  return threadCount;
}

/** Whether vaelab's product may be used (tests and measurements switch it off). */
let enabled = true;

/** Switches vaelab's wasm matrix product on (default) or off (then XNNPACK's runs). */
export function setWasmGemm(on: boolean): void {
  enabled = on;
}

const cache = new WeakMap<object, WasmGemm | null>();

/**
 * The product loops bound to `memory` (a WebAssembly.Memory), or null (switched off, or no SIMD).
 * With a shared memory and `threads` > 1, products are split by rows (convolutions by images) over
 * `threads - 1` helper threads and this one (fixed by the first call for a memory).
 */
export function wasmGemmFor(memory: object, threads = gemmThreads()): WasmGemm | null {
  if (!enabled) return null;
  const known = cache.get(memory);
  if (known !== undefined) return known;
  const functions = gemmFunctions();
  const names = functions.map((f) => f.name);
  const compiled = compileOnMemory((shared) => moduleImportingMemory(functions, shared), memory);
  let gemm: WasmGemm | null = null;
  if (compiled !== null) {
    const workers = compiled.shared && threads > 1 ? new GemmWorkers(compiled.module, memory, names, threads - 1) : null;
    gemm = new Gemm(
      names.map((name) => compiled.exports[name] as StripFn),
      names,
      workers,
      memory as { buffer: ArrayBufferLike },
    );
  }
  cache.set(memory, gemm);
  return gemm;
}
