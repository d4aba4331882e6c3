/**
 * The WebAssembly SIMD loops of vaelab's matrix product (`wasm-gemm.ts`), assembled by our own
 * code. Two register-blocked micro-kernels, each run over a strip of row blocks in one call, read
 * the operands where they lie in the backend's memory (no packing, no transposes):
 *
 * - outer product (`C = A B` and `C = A^T B`): a block of `mr` rows of C and 8 (or 4, or 1)
 *   columns, kept in registers over all of k; per k, one row of B is loaded once and every row's
 *   A value is splatted against it. A is addressed through two strides, so A^T costs nothing.
 * - dot product (`C = A B^T`): `mr` rows of A against 2 (or 1) rows of B, 4 k at a time, each
 *   output a horizontal sum at the end.
 *
 * Both end with the same epilogue, chosen by flag bits: add what C already holds, add a bias
 * row, clamp at zero (ReLU as the cpu backend has it: x < 0 ? 0 : x).
 */
import { adamGemmFunction } from './adam-simd';
import { padFunction } from './wasm-pad-code';
import { elementwiseFunctions } from './wasm-elementwise-code';
import { bernoulliFunctions } from './wasm-bernoulli-code';
import { logFunctions } from './wasm-log-code';
import { upsampleGradFunctions } from './wasm-upsample-code';
import { maxPoolFunctions, maxPoolGrad2x2Function } from './wasm-maxpool-code';
import { addTo, countedLoop, functionBody, get, i32, load, loadF32, loadI32, loadSplat, loopNext, loopWhileBelow, OP, set, shuffle, simd, store, storeF32, storeI32, TYPE, uleb, V128 as V, v128Zero, type WasmFunction } from './wasm-assembler';

/** Epilogue flag: add the bias row. */
export const GEMM_BIAS = 1;
/** Epilogue flag: clamp at zero. */
export const GEMM_RELU = 2;
/** Epilogue flag: add C's current values (for products split along k). */
export const GEMM_ACCUMULATE = 4;

/** Rows of C per register block. */
export const GEMM_MR = 4;

/** Column widths of the outer-product kernel: two vectors, one vector, one column. */
export const GEMM_WIDTHS = [8, 4, 1] as const;

/** Rows of B (columns of C) per dot-product block. */
export const GEMM_DOT_COLUMNS = [2, 1] as const;

/**
 * Outer-product strip: params (a, b, c, bias, blocks, k, aRow, aStep, bRow, cRow, flags, kRuns,
 * aRun, outers, aOuter, cOuter, bOuter, tiles), byte addresses and strides. For each of `tiles`
 * column tiles (the next tile's b, c and bias `width` floats on) and each of `outers` outer
 * rows o and each of `blocks` blocks of `mr` rows r: C row = sum over runs u < kRuns and kk < k of
 * A(o, r, u, kk) * B(o, u*k + kk), with A(o, r, u, kk) at a + o*aOuter + r*aRow + u*aRun + kk*aStep,
 * B rows at b + o*bOuter, bRow apart, C rows at c + o*cOuter + r*cRow; then the next block (mr
 * rows on). A plain product has one run and one outer row; a convolution takes filter rows as runs
 * and output rows as outer rows (implicit GEMM); its filter gradient takes output rows as runs and
 * images as outer rows, all added into one C.
 */
export const OUTER_PARAMS = 18;

/**
 * Dot-product strip: params (a, b, c, bias, blocks, k4, rowBytes, cRow, flags, tiles). A and B rows
 * are k = 4*k4 floats, rowBytes apart; C[r][j] = dot(A row r, B row j) for the block's columns,
 * for `tiles` tiles of nb columns (the next tile's B rows nb rows on).
 */
export const DOT_PARAMS = 10;

/**
 * Wraps a strip body in a loop over `tiles` column tiles: each tile starts from the saved a, b, c
 * and bias (the body may move a and c), and the next tile's b, c and bias lie `bStep`, `cStep`
 * bytes on (bias moves with c). Locals `saved` (4) and `counter` are the wrapper's.
 */
function overTiles(body: number[], p: { a: number; b: number; c: number; bias: number; tiles: number }, saved: number, counter: number, bStep: number[], cStep: number): number[] {
  const [SA, SB, SC, SBIAS] = [saved, saved + 1, saved + 2, saved + 3];
  return [
    ...get(p.a), ...set(SA), ...get(p.b), ...set(SB), ...get(p.c), ...set(SC), ...get(p.bias), ...set(SBIAS),
    ...countedLoop(counter, p.tiles),
    ...get(SA), ...set(p.a), ...get(SB), ...set(p.b), ...get(SC), ...set(p.c), ...get(SBIAS), ...set(p.bias),
    ...body,
    ...addTo(SB, bStep), ...addTo(SC, i32(cStep)), ...addTo(SBIAS, i32(cStep)),
    ...loopNext(counter, 1),
  ];
}
const flagSet = (flags: number, bit: number): number[] => [...get(flags), ...i32(bit), OP.i32And, OP.if, OP.void];
/** Horizontal sum, step 1: x + x[2,3,0,1] (lanes as byte indices for i8x16.shuffle). */
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Horizontal sum, step 2: + its [1,0,3,2]; then every lane holds the sum of the four. */
const SWAP_PAIRS = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];
/** v128.store32_lane of lane 0 at a constant byte offset. */
const storeLane0 = (offset: number): number[] => [...simd(V.store32Lane), 2, ...uleb(offset), 0];

/**
 * The epilogue of one accumulator: optional += C, += bias, ReLU; then the store. `addr` and
 * `biasAddr` push the byte addresses; `scalar` stores only lane 0 (values splatted).
 */
function epilogue(acc: number, flags: number, zero: number, addr: number[], biasAddr: number[], offset: number, scalar: boolean): number[] {
  const loadOne = scalar ? loadSplat : load;
  return [
    ...flagSet(flags, GEMM_ACCUMULATE), ...get(acc), ...addr, ...loadOne(offset), ...simd(V.f32x4Add), ...set(acc), OP.end,
    ...flagSet(flags, GEMM_BIAS), ...get(acc), ...biasAddr, ...loadOne(offset), ...simd(V.f32x4Add), ...set(acc), OP.end,
    ...flagSet(flags, GEMM_RELU), ...get(acc), ...get(zero), ...simd(V.f32x4Pmax), ...set(acc), OP.end,
    ...addr, ...get(acc), ...(scalar ? storeLane0(offset) : store(offset)),
  ];
}

/**
 * Outer-product strip for `mr` rows and `width` columns (8, 4 or 1); parameters as
 * {@link OUTER_PARAMS} says. `general` false: one run and one outer row, whatever the parameters
 * say (the loops of a plain product, without the two enclosing ones: measured faster for them).
 * `packed` (plain, width 8 only): B is in panels (see {@link PACK_PARAMS}), so the next column
 * tile's B starts k*bRow bytes on instead of 32 (same arithmetic, same order: same numbers).
 */
function outerStrip(mr: number, width: 8 | 4 | 1, general: boolean, packed = false): number[] {
  const [A, B, C, BIAS, BLOCKS, K, AROW, ASTEP, BROW, CROW, FLAGS, KRUNS, ARUN, OUTERS, AOUTER, COUTER, BOUTER, TILES] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const [BLK, KK, PB, PC, RUN, RA, O, OA, OC, OB, T, SAVED] = [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29];
  const PA = SAVED + 4; // PA + r, r < mr
  const vectors = width === 8 ? 2 : 1;
  const scalar = width === 1;
  const ACC = PA + mr; // v128 ACC + r*vectors + c
  const BV = ACC + mr * vectors;
  const S = BV + vectors;
  const ZERO = S + 1;
  const code: number[] = [];
  if (general) {
    code.push(...get(A), ...set(OA), ...get(C), ...set(OC), ...get(B), ...set(OB));
    code.push(...countedLoop(O, OUTERS), ...get(OA), ...set(A), ...get(OC), ...set(C));
  }
  code.push(...countedLoop(BLK, BLOCKS));
  for (let i = 0; i < mr * vectors; i++) code.push(...get(ZERO), ...set(ACC + i));
  code.push(...get(general ? OB : B), ...set(PB));
  if (general) code.push(...get(A), ...set(RA), ...countedLoop(RUN, KRUNS), ...get(RA), ...set(PA));
  else code.push(...get(A), ...set(PA));
  for (let r = 1; r < mr; r++) code.push(...get(PA + r - 1), ...get(AROW), OP.i32Add, ...set(PA + r));
  code.push(
    ...get(K), ...set(KK),
    OP.block, OP.void, OP.loop, OP.void, // over k
    ...get(KK), OP.i32Eqz, OP.brIf, 1,
  );
  for (let c = 0; c < vectors; c++) code.push(...get(PB), ...(scalar ? loadSplat() : load(16 * c)), ...set(BV + c));
  for (let r = 0; r < mr; r++) {
    code.push(...get(PA + r), ...loadSplat(), ...set(S));
    for (let c = 0; c < vectors; c++) {
      const acc = ACC + r * vectors + c;
      code.push(...get(acc), ...get(S), ...get(BV + c), ...simd(V.f32x4Mul), ...simd(V.f32x4Add), ...set(acc));
    }
    code.push(...addTo(PA + r, get(ASTEP)));
  }
  code.push(
    ...addTo(PB, get(BROW)),
    ...get(KK), ...i32(1), OP.i32Sub, ...set(KK),
    OP.br, 0, OP.end, OP.end,
  );
  if (general) code.push(...addTo(RA, get(ARUN)), ...loopNext(RUN, 1));
  // Epilogue: plain stores when no flag is set, else the flagged steps per accumulator.
  const stores = (full: boolean): number[] => {
    const out: number[] = [...get(C), ...set(PC)];
    for (let r = 0; r < mr; r++) {
      for (let c = 0; c < vectors; c++) {
        const acc = ACC + r * vectors + c;
        if (full) out.push(...epilogue(acc, FLAGS, ZERO, get(PC), get(BIAS), 16 * c, scalar));
        else out.push(...get(PC), ...get(acc), ...(scalar ? storeLane0(16 * c) : store(16 * c)));
      }
      out.push(...addTo(PC, get(CROW)));
    }
    return out;
  };
  code.push(...get(FLAGS), OP.i32Eqz, OP.if, OP.void, ...stores(false), OP.else, ...stores(true), OP.end);
  code.push(
    ...addTo(A, [...get(AROW), ...i32(mr), OP.i32Mul]),
    ...addTo(C, [...get(CROW), ...i32(mr), OP.i32Mul]),
    ...loopNext(BLK, 1),
  );
  if (general) code.push(...addTo(OA, get(AOUTER)), ...addTo(OC, get(COUTER)), ...addTo(OB, get(BOUTER)), ...loopNext(O, 1));
  const bStep = packed ? [...get(K), ...get(BROW), OP.i32Mul] : i32(4 * width);
  const tiled = overTiles(code, { a: A, b: B, c: C, bias: BIAS, tiles: TILES }, SAVED, T, bStep, 4 * width);
  return functionBody([[15 + mr, TYPE.i32], [mr * vectors + vectors + 2, TYPE.v128]], [...v128Zero(), ...set(ZERO), ...tiled]);
}

/** Dot-product strip for `mr` rows of A and `nb` rows of B (1 or 2). */
function dotStrip(mr: number, nb: number): number[] {
  const [A, B, C, BIAS, BLOCKS, K4, ROW, CROW, FLAGS, TILES] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [BLK, KK, OFF, PC, T, SAVED] = [10, 11, 12, 13, 14, 15];
  const PA = SAVED + 4; // PA + r
  const PB = PA + mr; // PB + j
  const ACC = PB + nb; // v128 ACC + r*nb + j
  const BV = ACC + mr * nb;
  const S = BV + nb;
  const ZERO = S + 1;
  const code: number[] = [...get(B), ...set(PB)];
  for (let j = 1; j < nb; j++) code.push(...get(PB + j - 1), ...get(ROW), OP.i32Add, ...set(PB + j));
  code.push(...countedLoop(BLK, BLOCKS));
  for (let i = 0; i < mr * nb; i++) code.push(...get(ZERO), ...set(ACC + i));
  code.push(...get(A), ...set(PA));
  for (let r = 1; r < mr; r++) code.push(...get(PA + r - 1), ...get(ROW), OP.i32Add, ...set(PA + r));
  code.push(
    ...i32(0), ...set(OFF),
    ...get(K4), ...set(KK),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(KK), OP.i32Eqz, OP.brIf, 1,
  );
  for (let j = 0; j < nb; j++) code.push(...get(PB + j), ...get(OFF), OP.i32Add, ...load(), ...set(BV + j));
  for (let r = 0; r < mr; r++) {
    code.push(...get(PA + r), ...get(OFF), OP.i32Add, ...load(), ...set(S));
    for (let j = 0; j < nb; j++) {
      const acc = ACC + r * nb + j;
      code.push(...get(acc), ...get(S), ...get(BV + j), ...simd(V.f32x4Mul), ...simd(V.f32x4Add), ...set(acc));
    }
  }
  code.push(
    ...addTo(OFF, i32(16)),
    ...get(KK), ...i32(1), OP.i32Sub, ...set(KK),
    OP.br, 0, OP.end, OP.end,
    ...get(C), ...set(PC),
  );
  // Horizontal sums (see SWAP_HALVES): every lane ends up holding the sum.
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nb; j++) {
      const acc = ACC + r * nb + j;
      code.push(
        ...get(acc), ...get(acc), ...get(acc), ...shuffle(SWAP_HALVES), ...simd(V.f32x4Add), ...set(acc),
        ...get(acc), ...get(acc), ...get(acc), ...shuffle(SWAP_PAIRS), ...simd(V.f32x4Add), ...set(acc),
        ...epilogue(acc, FLAGS, ZERO, get(PC), get(BIAS), 4 * j, true),
      );
    }
    code.push(...addTo(PC, get(CROW)));
  }
  code.push(
    ...addTo(A, [...get(ROW), ...i32(mr), OP.i32Mul]),
    ...addTo(C, [...get(CROW), ...i32(mr), OP.i32Mul]),
    ...loopNext(BLK, 1),
  );
  const tiled = overTiles(code, { a: A, b: B, c: C, bias: BIAS, tiles: TILES }, SAVED, T, [...get(ROW), ...i32(nb), OP.i32Mul], 4 * nb);
  return functionBody([[9 + mr + nb, TYPE.i32], [mr * nb + nb + 2, TYPE.v128]], [...v128Zero(), ...set(ZERO), ...tiled]);
}

/**
 * Dot-product convolution to one output channel: params (a, b, c, blocks, k4, aRow, cRow, kRuns,
 * aRun, outers, aOuter, cOuter). For each outer row o and block of `mr` rows r: C[r] = sum over
 * runs u < kRuns of dot(A(o, r, u), B run u), each dot over k = 4*k4 floats, with A(o, r, u) at
 * a + o*aOuter + r*aRow + u*aRun and B's runs one after another from b; C rows cRow apart from
 * c + o*cOuter. (A conv to one channel: rows are output columns, runs are filter rows, outer rows
 * are output rows; a filter row's taps and channels are contiguous in x and in the filter.)
 */
export const DOT_CONV_PARAMS = 12;

/** Dot-product convolution strip for `mr` rows (see {@link DOT_CONV_PARAMS}). */
function dotConvStrip(mr: number): number[] {
  const [A, B, C, BLOCKS, K4, AROW, CROW, KRUNS, ARUN, OUTERS, AOUTER, COUTER] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [BLK, KK, PB, PC, RUN, RA, O, OA, OC] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
  const PA = 21; // PA + r
  const ACC = PA + mr; // v128
  const BV = ACC + mr;
  const S = BV + 1;
  const code: number[] = [
    ...get(A), ...set(OA), ...get(C), ...set(OC),
    ...countedLoop(O, OUTERS), ...get(OA), ...set(A), ...get(OC), ...set(C),
    ...countedLoop(BLK, BLOCKS),
  ];
  for (let r = 0; r < mr; r++) code.push(...v128Zero(), ...set(ACC + r));
  code.push(...get(B), ...set(PB), ...get(A), ...set(RA), ...countedLoop(RUN, KRUNS), ...get(RA), ...set(PA));
  for (let r = 1; r < mr; r++) code.push(...get(PA + r - 1), ...get(AROW), OP.i32Add, ...set(PA + r));
  code.push(
    ...get(K4), ...set(KK),
    OP.block, OP.void, OP.loop, OP.void,
    ...get(KK), OP.i32Eqz, OP.brIf, 1,
    ...get(PB), ...load(), ...set(BV),
  );
  for (let r = 0; r < mr; r++) {
    code.push(...get(PA + r), ...load(), ...set(S), ...get(ACC + r), ...get(S), ...get(BV), ...simd(V.f32x4Mul), ...simd(V.f32x4Add), ...set(ACC + r));
    code.push(...addTo(PA + r, i32(16)));
  }
  code.push(
    ...addTo(PB, i32(16)),
    ...get(KK), ...i32(1), OP.i32Sub, ...set(KK),
    OP.br, 0, OP.end, OP.end,
    ...addTo(RA, get(ARUN)), ...loopNext(RUN, 1),
    ...get(C), ...set(PC),
  );
  for (let r = 0; r < mr; r++) {
    const acc = ACC + r;
    code.push(
      ...get(acc), ...get(acc), ...get(acc), ...shuffle(SWAP_HALVES), ...simd(V.f32x4Add), ...set(acc),
      ...get(acc), ...get(acc), ...get(acc), ...shuffle(SWAP_PAIRS), ...simd(V.f32x4Add), ...set(acc),
      ...get(PC), ...get(acc), ...storeLane0(0),
      ...addTo(PC, get(CROW)),
    );
  }
  code.push(
    ...addTo(A, [...get(AROW), ...i32(mr), OP.i32Mul]),
    ...addTo(C, [...get(CROW), ...i32(mr), OP.i32Mul]),
    ...loopNext(BLK, 1),
    ...addTo(OA, get(AOUTER)), ...addTo(OC, get(COUTER)), ...loopNext(O, 1),
  );
  return functionBody([[9 + mr, TYPE.i32], [mr + 2, TYPE.v128]], code);
}

/**
 * Packing of B for the packed outer-product strip: params (src, dst, k, srcRow, tiles). For each of
 * `tiles` tiles of 8 columns t and each row kk < k: the 8 floats at src + kk*srcRow + 32t go to
 * dst + (t*k + kk)*32, i.e. each tile's k rows of 8 floats one after another (a panel of 32k
 * bytes that stays in L1 while every row block reads it; B's own rows are a power-of-two stride
 * apart for the layers of the dense VAE, and such rows crowd into a few cache sets).
 */
export const PACK_PARAMS = 5;

/** Export name of the B-packing function (see {@link PACK_PARAMS}). */
export const PACK_NAME = 'pack8';

/** Export name of the packed outer-product strip for `mr` rows (8 columns per tile, B in panels). */
export const packedName = (mr: number): string => `packed${mr}x8`;

/**
 * The B-packing loop (see {@link PACK_PARAMS}): per pair of tiles, down B's rows, one 64-byte row
 * piece read and its halves appended to the two panels (sequential writes); an odd last tile alone.
 */
function packBody(): number[] {
  const [SRC, DST, K, SROW, TILES] = [0, 1, 2, 3, 4];
  const [KK, T, PS, PD, PANEL, PAIRS] = [5, 6, 7, 8, 9, 10];
  const overRows = (pair: boolean): number[] => [
    ...get(SRC), ...set(PS), ...get(DST), ...set(PD),
    ...countedLoop(KK, K),
    ...get(PD), ...get(PS), ...load(0), ...store(0),
    ...get(PD), ...get(PS), ...load(16), ...store(16),
    ...(pair
      ? [...get(PD), ...get(PANEL), OP.i32Add, ...get(PS), ...load(32), ...store(0), ...get(PD), ...get(PANEL), OP.i32Add, ...get(PS), ...load(48), ...store(16)]
      : []),
    ...addTo(PS, get(SROW)), ...addTo(PD, i32(32)),
    ...loopNext(KK, 1),
  ];
  return functionBody(
    [[6, TYPE.i32]],
    [
      ...get(K), ...i32(32), OP.i32Mul, ...set(PANEL),
      ...get(TILES), ...i32(1), OP.i32ShrU, ...set(PAIRS),
      ...countedLoop(T, PAIRS),
      ...overRows(true),
      ...addTo(SRC, i32(64)), ...addTo(DST, [...get(PANEL), ...i32(2), OP.i32Mul]),
      ...loopNext(T, 1),
      ...get(TILES), ...i32(1), OP.i32And, OP.if, OP.void, ...overRows(false), OP.end,
    ],
  );
}

/**
 * Listing of A's nonzero columns per block of {@link GEMM_MR} rows, for the sparse-A strips:
 * params (a, aRow, aStep, blocks, k, entries, entryBlock, bounds, bRow). For each block i (A's
 * rows at a + (4i + r)*aRow, elements aStep apart), every kk at which any of its 4 rows is nonzero
 * (NaN counts) goes, in k order, to the region from entries + i*entryBlock as a 20-byte entry: the
 * byte offset kk*bRow of B's row, then the 4 rows' values; the region's start and end addresses go
 * to the i32 words bounds + 8i and bounds + 8i + 4. Branch-free: every kk is written, and the next
 * entry moves on only when one of the values is nonzero.
 */
export const SPARSE_LIST_PARAMS = 9;

/** Export name of the listing function (see {@link SPARSE_LIST_PARAMS}). */
export const SPARSE_LIST_NAME = 'sparselist';

/** Bytes of one entry of the sparse-A list: B's row offset and one value per row of a block. */
export const SPARSE_ENTRY_BYTES = 4 + 4 * GEMM_MR;

function sparseListBody(): number[] {
  const [A, AROW, ASTEP, BLOCKS, K, ENTRIES, ENTRYBLOCK, BOUNDS, BROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [I, KK, PA, E, BOFF] = [9, 10, 11, 12, 13];
  const VAL = 14; // f32 VAL + r
  const code: number[] = [
    ...countedLoop(I, BLOCKS),
    ...get(A), ...set(PA), ...get(ENTRIES), ...set(E), ...i32(0), ...set(BOFF),
    ...get(BOUNDS), ...get(E), ...storeI32(0),
    ...countedLoop(KK, K),
    ...get(E), ...get(BOFF), ...storeI32(0),
  ];
  for (let r = 0; r < GEMM_MR; r++) {
    code.push(...get(PA), ...(r === 0 ? [] : [...get(AROW), ...i32(r), OP.i32Mul, OP.i32Add]), ...loadF32(0), ...set(VAL + r));
    code.push(...get(E), ...get(VAL + r), ...storeF32(4 + 4 * r));
  }
  // E += SPARSE_ENTRY_BYTES * (any value != 0)
  code.push(...get(E));
  for (let r = 0; r < GEMM_MR; r++) {
    code.push(...get(VAL + r), OP.f32Const, 0, 0, 0, 0, OP.f32Ne);
    if (r > 0) code.push(OP.i32Or);
  }
  code.push(
    ...i32(SPARSE_ENTRY_BYTES), OP.i32Mul, OP.i32Add, ...set(E),
    ...addTo(PA, get(ASTEP)), ...addTo(BOFF, get(BROW)),
    ...loopNext(KK, 1),
    ...get(BOUNDS), ...get(E), ...storeI32(4), ...addTo(BOUNDS, i32(8)),
    ...addTo(A, [...get(AROW), ...i32(GEMM_MR), OP.i32Mul]), ...addTo(ENTRIES, get(ENTRYBLOCK)),
    ...loopNext(I, 1),
  );
  return functionBody([[5, TYPE.i32], [GEMM_MR, TYPE.f32]], code);
}

/**
 * Sparse-A strip: params (bounds, b, c, bias, blocks, cRow, flags, tiles, tileStep). Blocks of
 * {@link GEMM_MR} rows of A come as lists of entries (see {@link SPARSE_LIST_PARAMS}): B row
 * offset and the rows' values at the k where any of them is nonzero, in k order. For each of
 * `tiles` column tiles of `width` columns (the next tile's B tileStep bytes on: 4*width on B as
 * it lies, 32k in B's panels) and each block: C rows = sum over the block's entries, in order, of
 * value * B row; then the epilogue, as the dense strips'. The same sums as the dense strip's, bit
 * for bit: the accumulators start at +0, so they are never -0, and every skipped term is
 * 0 * b = +-0 (b finite), which changes nothing; a row whose value is zero at a listed k adds that
 * same +-0.
 */
export const SPARSE_PARAMS = 9;

/** Export name of the sparse-A strip for `width` columns (8, 4 or 1). */
export const sparseName = (width: number): string => `sparse4x${width}`;

/** Sparse-A strip for {@link GEMM_MR} rows and `width` columns (see {@link SPARSE_PARAMS}). */
function sparseStrip(width: 8 | 4 | 1): number[] {
  const mr = GEMM_MR;
  const [BOUNDS, B, C, BIAS, BLOCKS, CROW, FLAGS, TILES, TILESTEP] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [T, BLK, E, END, PBND, PC, ADDR] = [9, 10, 11, 12, 13, 14, 15];
  const scalar = width === 1;
  const vectors = width === 8 ? 2 : 1;
  const ACC = 16; // v128 ACC + r*vectors + c
  const BV = ACC + mr * vectors;
  const S = BV + vectors;
  const ZERO = S + 1;
  const code: number[] = [...v128Zero(), ...set(ZERO), ...countedLoop(T, TILES), ...get(BOUNDS), ...set(PBND), ...get(C), ...set(PC), ...countedLoop(BLK, BLOCKS)];
  for (let i = 0; i < mr * vectors; i++) code.push(...get(ZERO), ...set(ACC + i));
  code.push(...get(PBND), ...loadI32(0), ...set(E), ...get(PBND), ...loadI32(4), ...set(END), ...loopWhileBelow(E, END));
  code.push(...get(B), ...get(E), ...loadI32(0), OP.i32Add, ...set(ADDR));
  for (let c = 0; c < vectors; c++) code.push(...get(ADDR), ...(scalar ? loadSplat() : load(16 * c)), ...set(BV + c));
  for (let r = 0; r < mr; r++) {
    code.push(...get(E), ...loadSplat(4 + 4 * r), ...set(S));
    for (let c = 0; c < vectors; c++) {
      const acc = ACC + r * vectors + c;
      code.push(...get(acc), ...get(S), ...get(BV + c), ...simd(V.f32x4Mul), ...simd(V.f32x4Add), ...set(acc));
    }
  }
  code.push(...loopNext(E, SPARSE_ENTRY_BYTES));
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < vectors; c++) code.push(...epilogue(ACC + r * vectors + c, FLAGS, ZERO, get(PC), get(BIAS), 16 * c, scalar));
    code.push(...addTo(PC, get(CROW)));
  }
  code.push(...addTo(PBND, i32(8)), ...loopNext(BLK, 1));
  code.push(...addTo(B, get(TILESTEP)), ...addTo(C, i32(4 * width)), ...addTo(BIAS, i32(4 * width)), ...loopNext(T, 1));
  return functionBody([[7, TYPE.i32], [mr * vectors + vectors + 2, TYPE.v128]], code);
}

/** Export name of the one-channel dot-product convolution strip for `mr` rows. */
export const dotConvName = (mr: number): string => `dotconv${mr}`;

/** Export name of the outer-product strip for `mr` rows and `width` columns (`general`: with runs and outer rows). */
export const outerName = (mr: number, width: number, general = false): string => `${general ? 'conv' : 'outer'}${mr}x${width}`;
/** Export name of the dot-product strip for `mr` rows and `nb` B rows. */
export const dotName = (mr: number, nb: number): string => `dot${mr}x${nb}`;

/** Every strip function of the product module: rows 1..GEMM_MR for each width. */
export function gemmFunctions(): WasmFunction[] {
  const i32s = (n: number): number[] => Array<number>(n).fill(TYPE.i32);
  const out: WasmFunction[] = [];
  for (let mr = 1; mr <= GEMM_MR; mr++) {
    for (const width of GEMM_WIDTHS) {
      for (const general of [false, true]) out.push({ name: outerName(mr, width, general), params: i32s(OUTER_PARAMS), body: outerStrip(mr, width, general) });
    }
    out.push({ name: packedName(mr), params: i32s(OUTER_PARAMS), body: outerStrip(mr, 8, false, true) });
    for (const nb of GEMM_DOT_COLUMNS) out.push({ name: dotName(mr, nb), params: i32s(DOT_PARAMS), body: dotStrip(mr, nb) });
    out.push({ name: dotConvName(mr), params: i32s(DOT_CONV_PARAMS), body: dotConvStrip(mr) });
  }
  out.push({ name: PACK_NAME, params: i32s(PACK_PARAMS), body: packBody() });
  for (const width of GEMM_WIDTHS) out.push({ name: sparseName(width), params: i32s(SPARSE_PARAMS), body: sparseStrip(width) });
  out.push({ name: SPARSE_LIST_NAME, params: i32s(SPARSE_LIST_PARAMS), body: sparseListBody() });
  // The fused Adam update, so that the helper threads can share it (adam-simd.ts).
  out.push(adamGemmFunction());
  // The convolutions' padding, so that the helper threads can share it too (wasm-pad-code.ts).
  out.push(padFunction());
  // ReLU, its gradient and the bias add of the layers tfjs runs unfused (wasm-elementwise-code.ts).
  out.push(...elementwiseFunctions());
  // The arithmetic of binary cross-entropy around wasm's Log (wasm-bernoulli-code.ts).
  out.push(...bernoulliFunctions());
  // The C library's logf, so that the helper threads can share the logarithms (wasm-log-code.ts).
  out.push(...logFunctions());
  // The gradient of nearest-neighbour upsampling (wasm-upsample-code.ts).
  out.push(...upsampleGradFunctions());
  // The 2x2 max-pool gradient row of wasm-simd.ts, so that the helper threads can share a batch's rows.
  out.push(maxPoolGrad2x2Function());
  // The forward max pool as wasm's MaxPool computes it (wasm-maxpool-code.ts).
  out.push(...maxPoolFunctions());
  return out;
}
