/**
 * `Log` on wasm by vaelab's strip (`wasm-log-code.ts`), split over the helper threads, with the
 * same bits as wasm's own kernel. wasm's `Log` runs its C library's `logf` on one thread; the
 * strip runs the same steps on the same table, which it reads where the backend's module keeps
 * it in memory.
 *
 * The table is found once per memory: 16 rows (invc, logc) of float64 with logc = -log(invc),
 * followed by ln 2 and three polynomial coefficients near -1/4, 1/3 and -1/2. Then the strip is
 * checked against wasm's `Log` on a spread of floats of every kind (normal, subnormal, zero,
 * negative, infinite, NaN, all 16 rows); only when every float has the same bits (any NaN
 * counting as equal to any NaN) does the strip take over. Otherwise, and for other dtypes, wasm's
 * own kernel runs.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { freeWasm, heapAddress, runWasmKernel, wasmGemmOf, wasmMemoryOf, type WasmHeapBackend } from './wasm-heap';
import type { WasmGemm } from './wasm-gemm';
import { LOG_TABLE_ROWS } from './wasm-log-code';

/** ln 2 as float64, the word that follows the logf table. */
const LN2_LOW = 0xfefa39ef;
const LN2_HIGH = 0x3fe62e42;

/** How far into a memory the search for the table looks (the module's static data lies low). */
export const LOG_TABLE_SEARCH_BYTES = 1 << 23;

/**
 * Byte address of the C library's logf data in `bytes` (the first `limit` bytes searched), or
 * null when no run of bytes has its shape (see the file comment). Only 8-byte aligned addresses.
 */
export function findLogTable(bytes: Uint8Array, limit: number = LOG_TABLE_SEARCH_BYTES): number | null {
  const end = Math.min(bytes.byteLength, limit) - 32;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const base = bytes.byteOffset % 8 === 0 ? 0 : 8 - (bytes.byteOffset % 8);
  for (let at = base + 16 * LOG_TABLE_ROWS; at <= end; at += 8) {
    if (view.getUint32(at, true) !== LN2_LOW || view.getUint32(at + 4, true) !== LN2_HIGH) continue;
    const table = at - 16 * LOG_TABLE_ROWS;
    if (tableShape(view, table)) return table;
  }
  return null;
}

function tableShape(view: DataView, table: number): boolean {
  let previous = Infinity;
  for (let row = 0; row < LOG_TABLE_ROWS; row++) {
    const invc = view.getFloat64(table + 16 * row, true);
    const logc = view.getFloat64(table + 16 * row + 8, true);
    if (!(invc > 0.5 && invc < 2 && invc < previous) || !(Math.abs(logc + Math.log(invc)) < 1e-12)) return false;
    previous = invc;
  }
  const poly = [0, 1, 2].map((i) => view.getFloat64(table + 16 * LOG_TABLE_ROWS + 8 + 8 * i, true));
  return Math.abs(poly[0] + 0.25) < 0.01 && Math.abs(poly[1] - 1 / 3) < 0.01 && Math.abs(poly[2] + 0.5) < 0.01;
}

/**
 * Floats the strip is checked on against wasm's `Log`: special values, a spread over all 2^32 bit
 * patterns (every sign, exponent and table row), and 4,096 values in (0, 1].
 */
export function logProbes(): Float32Array {
  const specials = [
    0,
    -0,
    1,
    -1,
    0.5,
    2,
    Infinity,
    -Infinity,
    NaN,
    1e-45,
    -1e-45,
    1.1754942e-38,
    1.17549435e-38,
    3.4028235e38,
    1 - 2 ** -24,
    1 + 2 ** -23,
  ];
  const spread = 1 << 14;
  const unit = 4096;
  const out = new Float32Array(specials.length + spread + unit);
  out.set(specials);
  const bits = new Uint32Array(out.buffer, 4 * specials.length, spread);
  for (let i = 0; i < spread; i++) bits[i] = Math.imul(i, 262139) >>> 0;
  for (let i = 0; i < unit; i++) out[specials.length + spread + i] = (i + 1) / unit;
  return out;
}

/** The logf data's address per memory once checked, or null when the strip may not run there. */
const checked = new WeakMap<object, number | null>();

/** Whether two floats' bits are equal, any NaN counting as equal to any NaN. */
const sameFloat = (a: number, b: number, aBits: number, bBits: number): boolean => aBits === bBits || (Number.isNaN(a) && Number.isNaN(b));

/** The product module and the checked logf data of a backend's memory. */
interface LogStrip {
  readonly gemm: WasmGemm;
  readonly table: number;
}

/** The strip for this backend's memory once its table is found and checked, else null (checked once per memory). */
function checkedStrip(backend: WasmHeapBackend): LogStrip | null {
  const memory = wasmMemoryOf(backend);
  const gemm = wasmGemmOf(backend);
  if (memory === undefined || gemm === null) return null;
  let table = checked.get(memory);
  if (table === undefined) {
    const buffer = (memory as { buffer: ArrayBufferLike }).buffer;
    const found = findLogTable(new Uint8Array(buffer, 0, Math.min(buffer.byteLength, LOG_TABLE_SEARCH_BYTES)));
    table = found !== null && stripMatchesStock(backend, { gemm, table: found }) ? found : null;
    checked.set(memory, table);
  }
  return table === null ? null : { gemm, table };
}

function stripMatchesStock(backend: WasmHeapBackend, strip: LogStrip): boolean {
  const probes = logProbes();
  const x = backend.makeOutput([probes.length], 'float32');
  backend.typedArrayFromHeap(x).set(probes);
  const stock = runWasmKernel('Log', backend, { x });
  const mine = backend.makeOutput([probes.length], 'float32');
  try {
    strip.gemm.log({ x: heapAddress(backend, x), out: heapAddress(backend, mine), n: probes.length, table: strip.table });
    const a = backend.typedArrayFromHeap(stock);
    const b = backend.typedArrayFromHeap(mine);
    const aBits = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const bBits = new Uint32Array(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < probes.length; i++) if (!sameFloat(a[i], b[i], aBits[i], bBits[i])) return false;
    return true;
  } finally {
    freeWasm(backend, x, stock, mine);
  }
}

/** log(x) by the strip, or null where it does not run (not float32, no product module, no checked table). */
function stripLog(backend: WasmHeapBackend, x: TensorInfo): TensorInfo | null {
  if (x.dtype !== 'float32') return null;
  const strip = checkedStrip(backend);
  if (strip === null) return null;
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n > 0) strip.gemm.log({ x: heapAddress(backend, x), out: heapAddress(backend, out), n, table: strip.table });
  return out;
}

/** `Log` by vaelab's strip where it runs (float32, table found and checked), else `stockFunc`. */
export function logWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => stripLog(args.backend as WasmHeapBackend, args.inputs.x as TensorInfo) ?? stockFunc(args);
}

/**
 * Whether the strip can run `Log` on this backend (a wasm backend with vaelab's product module,
 * the table found and checked against wasm's own `Log`). Finds and checks the table on first call.
 */
export function stripLogAvailable(backend: KernelBackend): boolean {
  return checkedStrip(backend as WasmHeapBackend) !== null;
}
