/**
 * The passes of vaelab's wasm engine that are not products (`WasmGemm.pad`, `elementwise`,
 * `biasAdd`, `upsampleGrad`, `upsampleGradRanges`, `maxPoolGrad2x2`, `maxPool`): what each computes, the checks of its sizes, and how
 * it is cut into chunks of strip calls (by images, rows or whole vectors, never inside a float's
 * computation, so the numbers do not depend on the thread count). The strips themselves are in
 * `wasm-pad-code.ts`, `wasm-elementwise-code.ts`, `wasm-upsample-code.ts` and `wasm-maxpool-code.ts`;
 * the product module (`wasm-gemm.ts`) runs the chunks on its threads.
 */
import { BIAS_ADD_NAME, RELU_GRAD_NAME, RELU_NAME, SIGMOID_GRAD_NAME } from './wasm-elementwise-code';
import {
  BERNOULLI_GRAD_CLAMP_NAME,
  BERNOULLI_GRAD_CLIP_NAME,
  BERNOULLI_LL_CLAMP_NAME,
  BERNOULLI_LL_NAME,
  ONE_MINUS_NAME,
} from './wasm-bernoulli-code';
import { MAX_POOL_GRAD_2X2_NAME, MAX_POOL_WINDOWS, maxPoolName } from './wasm-maxpool-code';
import { PAD_NAME } from './wasm-pad-code';
import { LOG_NAME } from './wasm-log-code';
import { UPSAMPLE_GRAD_WINDOWS, UPSAMPLE_RANGES_NAME, upsampleGradName } from './wasm-upsample-code';

/** What a pass needs of the product module (see `Gemm` in `wasm-gemm.ts`). */
export interface PassPlanner {
  /** The index of a strip function by its export name. */
  fn(name: string): number;
  /** Chunks to cut a job into: 1 on one thread, else a few per thread of at least `minChunkBytes` written each, at most `units`. */
  split(bytes: number, units: number, minChunkBytes: number): number;
  /** Plans `chunks` chunks (`fill` pushes each chunk's strip calls), then runs them on the threads. */
  run(chunks: number, fill: (chunk: number, push: (fn: number, args: readonly number[]) => void) => void): void;
}

/** A batch of images x [batch, height, width, channels], channels last, and an output; addresses in bytes. */
export interface GemmImages {
  readonly x: number;
  readonly out: number;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * One zero padding of a batch of images, channels last: out[b, top + y, left + x, c] = x[b, y, x, c],
 * zero elsewhere (out [batch, top + height + bottom, left + width + right, channels], every float
 * written). Sizes in rows, pixels and channels.
 */
export interface GemmPad extends GemmImages {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** An element-wise strip (see `WasmGemm.elementwise`); `y` for `reluGrad` and `sigmoidGrad`. */
export interface GemmElementwise {
  readonly op: 'relu' | 'reluGrad' | 'sigmoidGrad';
  /** x (relu) or dy (the gradients). */
  readonly x: number;
  readonly y?: number;
  readonly out: number;
  readonly n: number;
}

/**
 * A strip of binary cross-entropy's arithmetic (see `WasmGemm.bernoulli` and `wasm-bernoulli-code.ts`):
 * `inputs` are byte addresses in the strip's order, n floats each (a multiple of 4); `lo`, `hi` only for `gradClip`.
 */
export interface GemmBernoulli {
  readonly op: 'oneMinus' | 'likelihood' | 'likelihoodClamp' | 'gradClip' | 'gradClamp';
  readonly inputs: readonly number[];
  readonly out: number;
  readonly n: number;
  readonly lo?: number;
  readonly hi?: number;
}

/** Each cross-entropy strip's function name and input count. */
const BERNOULLI_STRIPS: Readonly<Record<GemmBernoulli['op'], readonly [string, number]>> = {
  oneMinus: [ONE_MINUS_NAME, 1],
  likelihood: [BERNOULLI_LL_NAME, 3],
  likelihoodClamp: [BERNOULLI_LL_CLAMP_NAME, 3],
  gradClip: [BERNOULLI_GRAD_CLIP_NAME, 3],
  gradClamp: [BERNOULLI_GRAD_CLAMP_NAME, 5],
};

/** A bias row added to every row (see `WasmGemm.biasAdd`). */
export interface GemmBiasAdd {
  readonly x: number;
  readonly bias: number;
  readonly out: number;
  readonly rows: number;
  readonly channels: number;
}

/** The gradient of a nearest-neighbour upsampling (see `WasmGemm.upsampleGrad`). */
export interface GemmUpsampleGrad {
  /** dy [batch, inHeight * fh, inWidth * fw, channels]. */
  readonly dy: number;
  /** dx [batch, inHeight, inWidth, channels] (written). */
  readonly dx: number;
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly fh: number;
  readonly fw: number;
  /** Whether a NaN mean becomes -inf, as wasm's AvgPool clamps on x86 hosts. */
  readonly nanToNegInf: boolean;
}

/**
 * The gradient of any nearest-neighbour resize, summed over each input pixel's block of dy rows and
 * columns (see `WasmGemm.upsampleGradRanges`); addresses in bytes.
 */
export interface GemmUpsampleRanges {
  /** dy [batch, outHeight, outWidth, channels]. */
  readonly dy: number;
  /** dx [batch, inHeight, inWidth, channels] (written). */
  readonly dx: number;
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly channels: number;
  /** int32 [inHeight + 1]: input row y receives dy rows [rowTable[y], rowTable[y + 1]). */
  readonly rowTable: number;
  /** int32 [inWidth + 1]: input column x receives dy columns [colTable[x], colTable[x + 1]). */
  readonly colTable: number;
}

/** A 2x2 max pool's gradient (see `WasmGemm.maxPoolGrad2x2`); addresses in bytes. */
export interface GemmMaxPoolGrad {
  /** The pool's input [batch, height, width, channels]. */
  readonly x: number;
  /** dy [batch, height / 2, width / 2, channels]. */
  readonly dy: number;
  /** dx, shaped as x (written). */
  readonly dx: number;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * A max pool whose fh x fw windows (stride = window, no padding) cover x exactly, height a multiple
 * of fh and width of fw (see `WasmGemm.maxPool`): out [batch, height / fh, width / fw, channels], written.
 */
export interface GemmMaxPool extends GemmImages {
  readonly fh: number;
  readonly fw: number;
}

/** Fewest bytes written per chunk of a split element-wise strip (a smaller run costs more to hand out than to run). */
export const GEMM_ELEMENTWISE_MIN_CHUNK_BYTES = 1 << 16;

/** Fewest bytes written per chunk of a split padding (a smaller copy costs more to hand out than to run). */
export const GEMM_PAD_MIN_CHUNK_BYTES = 1 << 17;

/** Plans and runs `WasmGemm.pad`: one strip call per run of images. */
export function planPad(r: PassPlanner, p: GemmPad): void {
  const sizes = [p.batch, p.height, p.width, p.channels, p.top, p.bottom, p.left, p.right];
  if (!sizes.every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`wasm gemm pad: sizes must be integers >= 0, got ${sizes.join(', ')}`);
  const pixel = 4 * p.channels;
  const rowBytes = p.width * pixel;
  const outRow = (p.left + p.width + p.right) * pixel;
  const imageIn = p.height * rowBytes;
  const imageOut = (p.top + p.height + p.bottom) * outRow;
  if (p.batch * imageOut === 0) return;
  const per = Math.ceil(p.batch / r.split(p.batch * imageOut, p.batch, GEMM_PAD_MIN_CHUNK_BYTES));
  const fn = r.fn(PAD_NAME);
  r.run(Math.ceil(p.batch / per), (i, push) => {
    const first = i * per;
    const images = Math.min(p.batch - first, per);
    push(fn, [
      p.x + first * imageIn,
      p.out + first * imageOut,
      images,
      p.height,
      rowBytes,
      p.left * pixel,
      p.right * pixel,
      p.top * outRow,
      p.bottom * outRow,
    ]);
  });
}

/** Plans and runs `WasmGemm.elementwise`: one strip call per run of whole vectors. */
export function planElementwise(r: PassPlanner, p: GemmElementwise): void {
  if (!Number.isInteger(p.n) || p.n < 0 || p.n % 4 !== 0) throw new RangeError(`wasm gemm ${p.op}: n must be a multiple of 4, got ${p.n}`);
  if (p.op !== 'relu' && p.y === undefined) throw new Error(`wasm gemm ${p.op}: y is missing`);
  if (p.n === 0) return;
  const vectors = p.n / 4;
  const per = 16 * Math.ceil(vectors / r.split(4 * p.n, vectors, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const bytes = 4 * p.n;
  const fn = r.fn(p.op === 'relu' ? RELU_NAME : p.op === 'reluGrad' ? RELU_GRAD_NAME : SIGMOID_GRAD_NAME);
  r.run(Math.ceil(bytes / per), (i, push) => {
    const at = i * per;
    const count = Math.min(bytes - at, per);
    push(fn, p.op === 'relu' ? [p.x + at, p.out + at, count] : [p.x + at, (p.y as number) + at, p.out + at, count]);
  });
}

/** Plans and runs `WasmGemm.bernoulli`: one strip call per run of whole vectors. */
export function planBernoulli(r: PassPlanner, p: GemmBernoulli): void {
  const [name, inputs] = BERNOULLI_STRIPS[p.op];
  if (!Number.isInteger(p.n) || p.n < 0 || p.n % 4 !== 0) throw new RangeError(`wasm gemm bernoulli ${p.op}: n must be a multiple of 4, got ${p.n}`);
  if (p.inputs.length !== inputs) throw new RangeError(`wasm gemm bernoulli ${p.op}: expected ${inputs} input(s), got ${p.inputs.length}`);
  const bits = new Int32Array(new Float32Array([p.lo ?? 0, p.hi ?? 0]).buffer);
  if (p.op === 'gradClip' && (p.lo === undefined || p.hi === undefined)) throw new Error('wasm gemm bernoulli gradClip: lo and hi are needed');
  if (p.n === 0) return;
  const vectors = p.n / 4;
  const per = 16 * Math.ceil(vectors / r.split(4 * p.n, vectors, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const bytes = 4 * p.n;
  const fn = r.fn(name);
  r.run(Math.ceil(bytes / per), (i, push) => {
    const at = i * per;
    const count = Math.min(bytes - at, per);
    push(fn, [...p.inputs.map((a) => a + at), p.out + at, count, ...(p.op === 'gradClip' ? [bits[0], bits[1]] : [])]);
  });
}

/** The natural logarithm of n floats (see `WasmGemm.log`); addresses in bytes, `table` the C library's logf data. */
export interface GemmLog {
  readonly x: number;
  readonly out: number;
  readonly n: number;
  readonly table: number;
}

/** Plans and runs `WasmGemm.log`: one strip call per run of whole vectors (the last run may end inside one). */
export function planLog(r: PassPlanner, p: GemmLog): void {
  if (!Number.isInteger(p.n) || p.n < 0) throw new RangeError(`wasm gemm log: n must be an integer >= 0, got ${p.n}`);
  if (p.n === 0) return;
  const vectors = Math.ceil(p.n / 4);
  const per = 16 * Math.ceil(vectors / r.split(4 * p.n, vectors, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES / 4));
  const bytes = 4 * p.n;
  const fn = r.fn(LOG_NAME);
  r.run(Math.ceil(bytes / per), (i, push) => {
    const at = i * per;
    push(fn, [p.x + at, p.out + at, Math.min(bytes - at, per), p.table]);
  });
}

/** Plans and runs `WasmGemm.biasAdd`: one strip call per run of rows. */
export function planBiasAdd(r: PassPlanner, p: GemmBiasAdd): void {
  if (!Number.isInteger(p.channels) || p.channels <= 0 || p.channels % 4 !== 0)
    throw new RangeError(`wasm gemm biasAdd: channels must be a positive multiple of 4, got ${p.channels}`);
  if (!Number.isInteger(p.rows) || p.rows < 0) throw new RangeError(`wasm gemm biasAdd: rows must be an integer >= 0, got ${p.rows}`);
  if (p.rows === 0) return;
  const rowBytes = 4 * p.channels;
  const per = Math.ceil(p.rows / r.split(p.rows * rowBytes, p.rows, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const fn = r.fn(BIAS_ADD_NAME);
  r.run(Math.ceil(p.rows / per), (i, push) => {
    const first = i * per;
    push(fn, [p.x + first * rowBytes, p.bias, p.out + first * rowBytes, Math.min(p.rows - first, per), rowBytes]);
  });
}

/** Plans and runs `WasmGemm.upsampleGrad`: one strip call per run of dx rows. */
export function planUpsampleGrad(r: PassPlanner, p: GemmUpsampleGrad): void {
  if (!UPSAMPLE_GRAD_WINDOWS.some(([h, w]) => h === p.fh && w === p.fw))
    throw new RangeError(
      `wasm gemm upsampleGrad: no strip for a ${p.fh}x${p.fw} window (${UPSAMPLE_GRAD_WINDOWS.map(([h, w]) => `${h}x${w}`).join(', ')})`,
    );
  if (!Number.isInteger(p.channels) || p.channels <= 0 || p.channels % 4 !== 0)
    throw new RangeError(`wasm gemm upsampleGrad: channels must be a positive multiple of 4, got ${p.channels}`);
  const rows = p.batch * p.inHeight;
  if (rows * p.inWidth === 0) return;
  const pixel = 4 * p.channels;
  const dyRow = p.inWidth * p.fw * pixel;
  const per = Math.ceil(rows / r.split(rows * p.inWidth * pixel * p.fh * p.fw, rows, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const fn = r.fn(upsampleGradName(p.fh, p.fw));
  r.run(Math.ceil(rows / per), (i, push) => {
    const first = i * per;
    push(fn, [
      p.dy + first * p.fh * dyRow,
      p.dx + first * p.inWidth * pixel,
      Math.min(rows - first, per),
      p.inWidth,
      pixel,
      dyRow,
      p.nanToNegInf ? 1 : 0,
    ]);
  });
}

/** Plans and runs `WasmGemm.upsampleGradRanges`: one strip call per run of dx rows. */
export function planUpsampleRanges(r: PassPlanner, p: GemmUpsampleRanges): void {
  if (!Number.isInteger(p.channels) || p.channels <= 0 || p.channels % 4 !== 0)
    throw new RangeError(`wasm gemm upsampleGradRanges: channels must be a positive multiple of 4, got ${p.channels}`);
  const rows = p.batch * p.inHeight;
  if (rows * p.inWidth === 0) return;
  const pixel = 4 * p.channels;
  const dyRow = p.outWidth * pixel;
  const per = Math.ceil(rows / r.split(rows * p.inWidth * pixel, rows, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const fn = r.fn(UPSAMPLE_RANGES_NAME);
  r.run(Math.ceil(rows / per), (i, push) => {
    const first = i * per;
    push(fn, [
      p.dy,
      p.dx + first * p.inWidth * pixel,
      Math.min(rows - first, per),
      p.inHeight,
      p.inWidth,
      pixel,
      dyRow,
      p.outHeight * dyRow,
      p.rowTable,
      p.colTable,
      first,
    ]);
  });
}

/** Plans and runs `WasmGemm.maxPoolGrad2x2`: one row call per row of windows. */
export function planMaxPoolGrad2x2(r: PassPlanner, p: GemmMaxPoolGrad): void {
  if (!Number.isInteger(p.channels) || p.channels <= 0 || p.channels % 4 !== 0)
    throw new RangeError(`wasm gemm maxPoolGrad2x2: channels must be a positive multiple of 4, got ${p.channels}`);
  if (p.height % 2 !== 0 || p.width % 2 !== 0)
    throw new RangeError(`wasm gemm maxPoolGrad2x2: height and width must be even, got ${p.height}x${p.width}`);
  const rows = p.batch * (p.height / 2); // window rows
  if (rows * p.width === 0) return;
  const channelBytes = 4 * p.channels;
  const xRow = p.width * channelBytes;
  const dyRow = (p.width / 2) * channelBytes;
  const per = Math.ceil(rows / r.split(rows * 2 * xRow, rows, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const fn = r.fn(MAX_POOL_GRAD_2X2_NAME);
  r.run(Math.ceil(rows / per), (i, push) => {
    for (let row = i * per; row < Math.min(rows, (i + 1) * per); row++) {
      const x0 = p.x + 2 * row * xRow;
      const dx0 = p.dx + 2 * row * xRow;
      push(fn, [x0, x0 + xRow, dx0, dx0 + xRow, p.dy + row * dyRow, p.width / 2, channelBytes]);
    }
  });
}

/** Plans and runs `WasmGemm.maxPool`: one strip call per run of output rows. */
export function planMaxPool(r: PassPlanner, p: GemmMaxPool): void {
  if (!MAX_POOL_WINDOWS.some(([h, w]) => h === p.fh && w === p.fw))
    throw new RangeError(`wasm gemm maxPool: no strip for a ${p.fh}x${p.fw} window (${MAX_POOL_WINDOWS.map(([h, w]) => `${h}x${w}`).join(', ')})`);
  if (!Number.isInteger(p.channels) || p.channels <= 0 || p.channels % 4 !== 0)
    throw new RangeError(`wasm gemm maxPool: channels must be a positive multiple of 4, got ${p.channels}`);
  if (p.height % p.fh !== 0 || p.width % p.fw !== 0)
    throw new RangeError(`wasm gemm maxPool: the ${p.fh}x${p.fw} windows must cover ${p.height}x${p.width} exactly`);
  const rows = p.batch * (p.height / p.fh);
  const windows = p.width / p.fw;
  if (rows * windows === 0) return;
  const pixel = 4 * p.channels;
  const xRow = p.width * pixel;
  const outRow = windows * pixel;
  const per = Math.ceil(rows / r.split(rows * outRow, rows, GEMM_ELEMENTWISE_MIN_CHUNK_BYTES));
  const fn = r.fn(maxPoolName(p.fh, p.fw));
  r.run(Math.ceil(rows / per), (i, push) => {
    const first = i * per;
    push(fn, [p.x + first * p.fh * xRow, p.out + first * outRow, Math.min(rows - first, per), windows, pixel, xRow]);
  });
}
