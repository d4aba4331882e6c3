/**
 * A tiny WebAssembly assembler for vaelab's SIMD loops (`wasm-simd.ts`, `adam-simd.ts`):
 * opcodes, LEB128, function bodies and a module that imports the wasm backend's memory. The loops
 * are written as readable instruction listings in our own code; no binary is committed.
 */

/** Core opcodes used by the listings (WebAssembly core spec 2.0). */
export const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  if: 0x04,
  else: 0x05,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  f32Load: 0x2a,
  i32Store: 0x36,
  f32Store: 0x38,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  f32Ne: 0x5c,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32DivU: 0x6e,
  i32RemU: 0x70,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  void: 0x40,
} as const;

/** SIMD opcodes (after the 0xfd prefix; SIMD proposal numbering). */
export const V128 = {
  load: 0x00,
  load32Splat: 0x09,
  store: 0x0b,
  const: 0x0c,
  shuffle: 0x0d,
  f32x4Splat: 0x13,
  i8x16Narrow16s: 0x65,
  f32x4Ne: 0x42,
  f32x4Gt: 0x44,
  f32x4Ge: 0x46,
  and: 0x4e,
  andnot: 0x4f,
  or: 0x50,
  bitselect: 0x52,
  store32Lane: 0x5a,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Max: 0xe9,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  i16x8Narrow32s: 0x85,
} as const;

/** Value and function type codes. */
export const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b, func: 0x60 } as const;

/** Unsigned LEB128 encoding of a non-negative integer. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A SIMD instruction: the 0xfd prefix and its opcode. */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** local.get i */
export const get = (i: number): number[] => [OP.localGet, ...uleb(i)];
/** local.set i */
export const set = (i: number): number[] => [OP.localSet, ...uleb(i)];
/** v128.load with a 4-byte alignment hint and a constant byte offset. */
export const load = (offset = 0): number[] => [...simd(V128.load), 2, ...uleb(offset)];
/** i32.load with a 4-byte alignment hint and a constant byte offset. */
export const loadI32 = (offset = 0): number[] => [OP.i32Load, 2, ...uleb(offset)];
/** i32.store with a 4-byte alignment hint and a constant byte offset. */
export const storeI32 = (offset = 0): number[] => [OP.i32Store, 2, ...uleb(offset)];
/** f32.load with a 4-byte alignment hint and a constant byte offset. */
export const loadF32 = (offset = 0): number[] => [OP.f32Load, 2, ...uleb(offset)];
/** f32.store with a 4-byte alignment hint and a constant byte offset. */
export const storeF32 = (offset = 0): number[] => [OP.f32Store, 2, ...uleb(offset)];
/** v128.store with a 4-byte alignment hint and a constant byte offset. */
export const store = (offset = 0): number[] => [...simd(V128.store), 2, ...uleb(offset)];

/** Signed LEB128 encoding (i32.const immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** i32.const n */
export const i32 = (n: number): number[] => [OP.i32Const, ...sleb(n)];
/** f32.const v (v rounded to float32, its four bytes little-endian). */
export const f32 = (v: number): number[] => [OP.f32Const, ...new Uint8Array(Float32Array.of(v).buffer)];
/** local += the i32 that `amount` pushes. */
export const addTo = (local: number, amount: readonly number[]): number[] => [...get(local), ...amount, OP.i32Add, ...set(local)];
/** local `target` += local `amount`. */
export const addLocal = (target: number, amount: number): number[] => addTo(target, get(amount));

/** Opens a loop that runs while the local `counter` is below the local `limit` (unsigned); close it with {@link loopNext}. */
export const loopWhileBelow = (counter: number, limit: number): number[] => [
  OP.block, OP.void, OP.loop, OP.void,
  ...get(counter), ...get(limit), OP.i32GeU, OP.brIf, 1,
];
/** Ends a loop opened by {@link loopWhileBelow}: counter += step, then the next iteration. */
export const loopNext = (counter: number, step: number): number[] => [...addTo(counter, i32(step)), OP.br, 0, OP.end, OP.end];
/** A counted loop: counter = 0, then {@link loopWhileBelow}. */
export const countedLoop = (counter: number, limit: number): number[] => [...i32(0), ...set(counter), ...loopWhileBelow(counter, limit)];

/** v128.const of sixteen zero bytes. */
export const v128Zero = (): number[] => [...simd(V128.const), ...Array<number>(16).fill(0)];
/** v128.load32_splat (4-byte alignment hint) with a constant byte offset. */
export const loadSplat = (offset = 0): number[] => [...simd(V128.load32Splat), 2, ...uleb(offset)];
/** i8x16.shuffle of the two operands by sixteen byte indices (0..31). */
export const shuffle = (lanes: readonly number[]): number[] => [...simd(V128.shuffle), ...lanes];

/** A function body with its local declarations (`locals` = [count, type] pairs) and the final `end`. */
export function functionBody(locals: ReadonlyArray<readonly [number, number]>, code: readonly number[]): number[] {
  const decl = [...uleb(locals.length), ...locals.flatMap(([count, type]) => [...uleb(count), type])];
  const bytes = [...decl, ...code, OP.end];
  return [...uleb(bytes.length), ...bytes];
}

/** Pushes the v128 at (local `base` + local `i`): a strip's input vector. */
export const vectorAt = (base: number, i: number): number[] => [...get(base), ...get(i), OP.i32Add, ...load()];
/** Pushes the address (local `out` + local `i`) that a strip's {@link store} writes to. */
export const vectorTo = (out: number, i: number): number[] => [...get(out), ...get(i), OP.i32Add];
/** Pushes the float `v` in all four lanes. */
export const splatF32 = (v: number): number[] => [...f32(v), ...simd(V128.f32x4Splat)];

/**
 * A strip function over `bytes` bytes, 16 at a time: `setup` once, then the loop counter I = 0, 16, ...
 * below the parameter `bytesParam`, and `body(I)` per vector (which stores). The counter is the
 * local right after the `params` parameters, and `v128Locals` v128 locals follow it.
 */
export function vectorStrip(params: number, v128Locals: number, setup: (I: number) => number[], body: (I: number) => number[], bytesParam: number): number[] {
  const I = params;
  const code = [...setup(I), ...i32(0), ...set(I), ...loopWhileBelow(I, bytesParam), ...body(I), ...loopNext(I, 16)];
  return functionBody([[1, TYPE.i32], ...(v128Locals > 0 ? [[v128Locals, TYPE.v128] as const] : [])], code);
}

/** One exported function of a module: its name, parameter types (no results) and body ({@link functionBody}). */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly body: readonly number[];
}

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * The module name written into every module's name section: V8 then shows the module as
 * `wasm://wasm/vaelab-<hash>` and each function by its export name in CPU profiles and DevTools
 * (the profiler of `npm run bench -- --profile` tells vaelab's wasm from the stock backend's by it).
 */
export const WASM_MODULE_NAME = 'vaelab';

/**
 * Module bytes: the functions, exported by name, over an imported `env.memory` (shared when the
 * backend's memory is; a shared memory must declare its maximum: 65536 pages, emscripten's), with a
 * name section (module {@link WASM_MODULE_NAME}, functions by their export names; no effect on what runs).
 */
export function moduleImportingMemory(functions: readonly WasmFunction[], sharedMemory: boolean): Uint8Array {
  const limits = sharedMemory ? [0x03, 0, ...uleb(65536)] : [0x00, 0];
  const count = uleb(functions.length);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...count, ...functions.flatMap((f) => [TYPE.func, ...uleb(f.params.length), ...f.params, 0])]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [...count, ...functions.flatMap((_, i) => uleb(i))]),
    ...section(7, [...count, ...functions.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]),
    ...section(10, [...count, ...functions.flatMap((f) => f.body)]),
    // Custom section "name": subsection 0 the module's name, subsection 1 the function names by index.
    ...section(0, [...name('name'), ...section(0, name(WASM_MODULE_NAME)), ...section(1, [...count, ...functions.flatMap((f, i) => [...uleb(i), ...name(f.name)])])]),
  ];
  return Uint8Array.from(bytes);
}

interface WasmCompileApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A module compiled for one memory and its instance's exports. */
export interface CompiledOnMemory {
  readonly module: object;
  readonly exports: Record<string, unknown>;
  /** Whether the memory is shared (so other threads may instantiate the module on it too). */
  readonly shared: boolean;
}

/**
 * Compiles the module `bytesFor(shared)` builds (shared: whether `memory`, a WebAssembly.Memory,
 * is shared) and instantiates it on `memory`; null when the engine cannot (no WebAssembly, or no
 * SIMD: the caller then takes its other path).
 */
export function compileOnMemory(bytesFor: (shared: boolean) => Uint8Array, memory: object): CompiledOnMemory | null {
  const api = (globalThis as unknown as { WebAssembly?: WasmCompileApi }).WebAssembly;
  if (api === undefined) return null;
  try {
    const buffer = (memory as { buffer: ArrayBufferLike }).buffer;
    const shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
    const module = new api.Module(bytesFor(shared));
    return { module, exports: new api.Instance(module, { env: { memory } }).exports, shared };
  } catch {
    return null;
  }
}
